// Route registration for the host's own endpoints, one function per group.
#pragma once

#include "http/http_server.h"
#include "http/router.h"

#include <string>

namespace wno::host {

class HostRuntime;
class CacheService;

// /livez, /readyz, /health, /metrics
void addSystemRoutes(http::Router& router, HostRuntime& runtime);
// /admin/plugins, /admin/cache/stats, /admin/cache/invalidate
void addAdminRoutes(http::Router& router, HostRuntime& runtime, CacheService* cache);
// Admin routes need "Authorization: Bearer <apiKey>"; with no key configured
// they answer loopback clients only.
http::Middleware adminAuthMiddleware(std::string apiKey);

}  // namespace wno::host
