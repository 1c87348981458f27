// GET /openapi.json: the document generated once from the running config,
// serialized once, answered from those bytes with a strong ETag (a hash of
// them), and 304 when the client's copy is current.
#pragma once

#include "http/router.h"

#include <nlohmann/json.hpp>

namespace wno::host::openapi {

void addOpenApiRoute(http::Router& router, const nlohmann::json& document);

// The strong ETag of a body: a quoted 64-bit FNV-1a hash in hex.
std::string etagOf(std::string_view body);

}  // namespace wno::host::openapi
