#include "plugins/component_config.h"

namespace wno::host {

ComponentConfig componentConfigFrom(const config::OptionsNode& entry, const std::string& typeKey,
                                    const std::optional<std::string>& defaultName) {
  ComponentConfig c;
  c.type = entry.get<std::string>(typeKey);
  c.name = entry.find<std::string>("name").value_or(defaultName.value_or(c.type));
  c.config = entry.get<nlohmann::json>("config");
  c.pointer = entry.pointer();
  c.typeKey = typeKey;
  return c;
}

}  // namespace wno::host
