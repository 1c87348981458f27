// RAII owner of one dlopen'ed plugin library. Anything created from the
// library holds a shared_ptr to it, so the code is never unmapped while an
// object or function pointer from it is alive.
#pragma once

#include "core/status.h"

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>

namespace wno::host {

class PluginLibrary {
 public:
  // Maps the library; a non-library file or unresolved dependency is an
  // error naming dlerror's reason.
  static Result<std::shared_ptr<PluginLibrary>> open(const std::filesystem::path& path);

  // The exported C symbol, or nullptr when the library does not export it.
  template <typename Fn>
  Fn* symbol(const char* name) const {
    if (!library_.has(name)) return nullptr;
    return &library_.get<Fn>(name);
  }

  const std::filesystem::path& path() const { return path_; }

 private:
  PluginLibrary(boost::dll::shared_library library, std::filesystem::path path)
      : library_(std::move(library)), path_(std::move(path)) {}

  boost::dll::shared_library library_;
  std::filesystem::path path_;
};

}  // namespace wno::host
