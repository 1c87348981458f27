# wno_add_plugin(<name> SOURCES <files...> [LIBS <targets...>])
# Builds the plugin <name> as the module wno_<name>.so: hidden visibility (only
# the entry point is exported), linked against the wno headers. Inside the wno
# source tree it lands in the build's plugin directory and installs with the host.
function(wno_add_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "wno_add_plugin(${name}): SOURCES is required")
  endif()
  set(target wno_${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME wno_${name}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # GCC marks some template statics STB_GNU_UNIQUE, which makes dlclose a
  # no-op; plugins must really unload when the host drops them.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE $<$<COMPILE_LANGUAGE:CXX>:-fno-gnu-unique>)
  endif()
  if(TARGET wno::sdk)
    target_link_libraries(${target} PRIVATE wno::sdk)
  elseif(TARGET wno::plugin_api)
    target_link_libraries(${target} PRIVATE wno::plugin_api)
  endif()
  if(ARG_LIBS)
    target_link_libraries(${target} PRIVATE ${ARG_LIBS})
  endif()
  if(DEFINED WNO_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${WNO_PLUGIN_OUTPUT_DIR})
    install(TARGETS ${target} LIBRARY DESTINATION ${WNO_INSTALL_PLUGIN_DIR} COMPONENT host)
  endif()
endfunction()
