#include "plugins/plugin_library.h"

#include <dlfcn.h>

namespace wno::host {
namespace {

// Boost.DLL clears dlerror() before reporting a generic errc, which loses the
// reason an operator needs ("undefined symbol: X", "invalid ELF header"). On
// the failure path only, repeat the dlopen to recover that text; the loader
// fails the same way again.
std::string dlopenReason(const std::filesystem::path& path, int flags) {
  dlerror();
  void* handle = dlopen(path.c_str(), flags);
  if (handle != nullptr) {
    dlclose(handle);
    return "unknown loader error";
  }
  const char* reason = dlerror();
  return reason ? reason : "unknown loader error";
}

}  // namespace

Result<std::shared_ptr<PluginLibrary>> PluginLibrary::open(const std::filesystem::path& path) {
  namespace mode = boost::dll::load_mode;
  // RTLD_LOCAL: two plugins may embed the same library or symbol names
  // without interposing on each other; host services arrive by table, so a
  // plugin never needs the host's symbols. RTLD_NOW: a missing dependency is
  // reported here, at load, instead of as a crash on first call.
  const auto flags = static_cast<mode::type>(mode::rtld_local | mode::rtld_now);
  boost::dll::shared_library library;
  boost::system::error_code error;
  library.load(boost::dll::fs::path(path.string()), flags, error);
  if (error) {
    return Status(WNO_ERR_INVALID, "cannot load library: " + dlopenReason(path, RTLD_NOW | RTLD_LOCAL));
  }
  return std::shared_ptr<PluginLibrary>(new PluginLibrary(std::move(library), path));
}

}  // namespace wno::host
