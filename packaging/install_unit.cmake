# Runs at install time (from cmake/packaging.cmake), when the prefix is known: CPack installs
# with /usr, `cmake --install --prefix /usr/local` with /usr/local. Installs
#   - the unit, from systemd/rootwatch.service with ExecStart=/ExecReload= pointed at the
#     installed binary and configuration;
#   - the configuration, which is never overwritten outside a package (an administrator's
#     edited file is worth more than ours).
# Inputs: CMAKE_INSTALL_PREFIX, ROOTWATCH_UNIT_SOURCE, ROOTWATCH_CONFIG_SOURCE, ROOTWATCH_STAGING.

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  # Debian 12 has no merged-/usr requirement for units yet: its packages put them here.
  set(unit_dir "/lib/systemd/system")
  set(config_dir "/etc/rootwatch")
else()
  # systemd also reads /usr/local/lib/systemd/system.
  set(unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
  set(config_dir "${CMAKE_INSTALL_PREFIX}/etc/rootwatch")
endif()
# daemon/CMakeLists.txt installs the executable into "bin".
set(binary "${CMAKE_INSTALL_PREFIX}/bin/rootwatch")

file(READ "${ROOTWATCH_UNIT_SOURCE}" unit)
string(REPLACE "/usr/local/bin/rootwatch " "${binary} " unit "${unit}")
string(REPLACE "--config /etc/rootwatch/rootwatch.toml" "--config ${config_dir}/rootwatch.toml" unit "${unit}")
file(WRITE "${ROOTWATCH_STAGING}/rootwatch.service" "${unit}")
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${ROOTWATCH_STAGING}/rootwatch.service")

if(EXISTS "$ENV{DESTDIR}${config_dir}/rootwatch.toml")
  message(STATUS "Keeping: $ENV{DESTDIR}${config_dir}/rootwatch.toml")
else()
  file(INSTALL DESTINATION "${config_dir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       RENAME rootwatch.toml FILES "${ROOTWATCH_CONFIG_SOURCE}")
endif()
