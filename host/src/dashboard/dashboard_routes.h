// GET /admin/ui (the page) and /admin/ui/{asset} (its script and styles).
// The files hold no data and no secret, so they are served without the
// admin key; the page asks for the key in a form, keeps it in the tab's
// sessionStorage and sends it as "Authorization: Bearer" to the admin API,
// the only place data comes from. The key never appears in a URL.
#pragma once

#include "http/router.h"

namespace wno::host::dashboard {

void addDashboardRoutes(http::Router& router);

}  // namespace wno::host::dashboard
