# Debian packages from this build with CPack (`cpack --config CPackConfig.cmake`
# in the build dir, or scripts/package.sh for a release build):
#   wno-host      /usr/bin/wno-host, /usr/lib/wno/plugins/, /etc/wno/wno.json
#                 (conffile), /lib/systemd/system/wno-host.service,
#                 /usr/share/wno/ (schema, example configs, Prometheus rules,
#                 Grafana dashboard), /usr/share/doc/wno-host/; state in
#                 /var/lib/wno (the unit's StateDirectory)
#   wno-host-dev  the C ABI headers, the C++ SDK and its CMake package
#                 (find_package(WnoSdk)), architecture-independent
# Depends: of wno-host come from the libraries the binaries link
# (dpkg-shlibdeps). Included by the top-level CMakeLists.txt.
set(WNO_DEB_SOURCE ${CMAKE_SOURCE_DIR}/deploy/debian)
set(WNO_DEB_BINARY ${CMAKE_BINARY_DIR}/deploy/debian)

install(FILES ${CMAKE_SOURCE_DIR}/config/schema.json DESTINATION ${CMAKE_INSTALL_DATADIR}/wno COMPONENT host)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/prometheus/wno.rules.yml ${CMAKE_SOURCE_DIR}/deploy/prometheus/wno.rules.test.yml
              ${CMAKE_SOURCE_DIR}/deploy/prometheus/prometheus.example.yml
        DESTINATION ${CMAKE_INSTALL_DATADIR}/wno/prometheus COMPONENT host)
install(FILES ${CMAKE_SOURCE_DIR}/deploy/grafana/wno-dashboard.json
        DESTINATION ${CMAKE_INSTALL_DATADIR}/wno/grafana COMPONENT host)
# The runbooks the alert rules link to, and the config reference.
install(FILES ${CMAKE_SOURCE_DIR}/docs/operations.md ${CMAKE_SOURCE_DIR}/docs/config.md
              ${CMAKE_SOURCE_DIR}/docs/health.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/wno-host COMPONENT host)

# Files outside the prefix: only the packages carry them (EXCLUDE_FROM_ALL),
# so a plain `cmake --install` never writes to /etc or /lib.
install(FILES ${CMAKE_SOURCE_DIR}/deploy/systemd/wno-host.service DESTINATION /lib/systemd/system
        COMPONENT system EXCLUDE_FROM_ALL)
install(FILES ${WNO_DEB_SOURCE}/wno.json DESTINATION /etc/wno COMPONENT system EXCLUDE_FROM_ALL)

# Debian wants a copyright file and a max-compressed changelog per package.
configure_file(${WNO_DEB_SOURCE}/changelog.in ${WNO_DEB_BINARY}/changelog @ONLY)
add_custom_command(OUTPUT ${WNO_DEB_BINARY}/changelog.gz
                   COMMAND gzip -9nc ${WNO_DEB_BINARY}/changelog > ${WNO_DEB_BINARY}/changelog.gz
                   DEPENDS ${WNO_DEB_BINARY}/changelog VERBATIM)
add_custom_command(OUTPUT ${WNO_DEB_BINARY}/wno-host.1.gz
                   COMMAND gzip -9nc ${WNO_DEB_SOURCE}/wno-host.1 > ${WNO_DEB_BINARY}/wno-host.1.gz
                   DEPENDS ${WNO_DEB_SOURCE}/wno-host.1 VERBATIM)
add_custom_target(wno_deb_changelog ALL DEPENDS ${WNO_DEB_BINARY}/changelog.gz ${WNO_DEB_BINARY}/wno-host.1.gz)
install(FILES ${WNO_DEB_BINARY}/wno-host.1.gz DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 COMPONENT host)
foreach(package_component IN ITEMS host:wno-host sdk:wno-host-dev)
  string(REPLACE ":" ";" pair ${package_component})
  list(GET pair 0 component)
  list(GET pair 1 package)
  install(FILES ${WNO_DEB_SOURCE}/copyright ${WNO_DEB_BINARY}/changelog.gz
          DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${package} COMPONENT ${component} EXCLUDE_FROM_ALL)
endforeach()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME wno-host)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "the wno authors")
set(CPACK_PACKAGE_CONTACT "wno maintainers <wno@example.org>")
set(CPACK_PACKAGE_HOMEPAGE_URL "https://wno.example.org/")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_COMPONENTS_ALL host system sdk)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # wno-host_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_RUNTIME_PACKAGE_NAME wno-host)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SECTION net)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_SUGGESTS "postgresql, redis-server, prometheus")
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_EXTRA
    ${WNO_DEB_SOURCE}/conffiles ${WNO_DEB_SOURCE}/postinst ${WNO_DEB_SOURCE}/prerm ${WNO_DEB_SOURCE}/postrm)
set(CPACK_DEBIAN_RUNTIME_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
# CPack indents the extended description itself.
set(CPACK_DEBIAN_RUNTIME_DESCRIPTION "plugin host of the wno platform
wno-host serves cached HTTP/JSON collections, background jobs, health and
Prometheus metrics. Cache backends, repositories, job stores, job handlers
and health probes are shared-library plugins behind a stable C ABI, selected
by one JSON config. The built-in default runs with no external server
(SQLite in /var/lib/wno); /etc/wno/wno.json overlays it.")

set(CPACK_DEBIAN_DEV_PACKAGE_NAME wno-host-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_DEV_PACKAGE_ARCHITECTURE all)
# The SDK's config reader and test fakes are written over nlohmann/json.
set(CPACK_DEBIAN_DEV_PACKAGE_DEPENDS "nlohmann-json3-dev")
set(CPACK_DEBIAN_DEV_PACKAGE_SUGGESTS "wno-host, cmake, g++")
set(CPACK_DEBIAN_DEV_DESCRIPTION "SDK for wno-host plugins
The C ABI headers (wno/plugin.h and one header per plugin kind), the
header-only C++ SDK with test fakes, and the CMake package: a plugin's
CMakeLists.txt is find_package(WnoSdk) and one wno_add_plugin() call.")

include(CPack)
cpack_add_component_group(runtime)
cpack_add_component_group(dev)
cpack_add_component(host GROUP runtime)
cpack_add_component(system GROUP runtime)
cpack_add_component(sdk GROUP dev)
