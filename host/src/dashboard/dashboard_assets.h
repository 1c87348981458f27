// The dashboard's files (HTML, CSS, JS from host/src/dashboard/assets/),
// compiled into the host at build time: nothing is read from disk or fetched
// at run time, so every host serves the dashboard its binary was built with.
#pragma once

#include <string_view>
#include <vector>

namespace wno::host::dashboard {

struct Asset {
  std::string_view name;         // "index.html", "app.js"
  std::string_view contentType;
  std::string_view body;
};

const std::vector<Asset>& dashboardAssets();

}  // namespace wno::host::dashboard
