# Runs at install time (from cmake/packaging.cmake), when the prefix is known: CPack installs
# with /usr, `cmake --install --prefix /usr/local` with /usr/local. Installs
#   - the unit, from systemd/rootwatch.service with ExecStart=/ExecReload= pointed at the
#     installed binary;
#   - /etc/rootwatch/rootwatch.toml, whatever the prefix: the path every document, the unit's
#     ConfigurationDirectory= and `--config` name. Outside a package an existing file is never
#     overwritten (an administrator's edited file is worth more than ours).
# Inputs: CMAKE_INSTALL_PREFIX, ROOTWATCH_UNIT_SOURCE, ROOTWATCH_CONFIG_SOURCE, ROOTWATCH_STAGING.

if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  # Debian 12 has no merged-/usr requirement for units yet: its packages put them here.
  set(unit_dir "/lib/systemd/system")
else()
  # systemd also reads /usr/local/lib/systemd/system.
  set(unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
endif()
set(config_dir "/etc/rootwatch")
# daemon/CMakeLists.txt installs the executable into "bin".
set(binary "${CMAKE_INSTALL_PREFIX}/bin/rootwatch")

file(READ "${ROOTWATCH_UNIT_SOURCE}" unit)
string(REPLACE "/usr/local/bin/rootwatch " "${binary} " unit "${unit}")
file(WRITE "${ROOTWATCH_STAGING}/rootwatch.service" "${unit}")
file(INSTALL DESTINATION "${unit_dir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
     FILES "${ROOTWATCH_STAGING}/rootwatch.service")

if(EXISTS "$ENV{DESTDIR}${config_dir}/rootwatch.toml")
  message(STATUS "Keeping: $ENV{DESTDIR}${config_dir}/rootwatch.toml")
else()
  file(INSTALL DESTINATION "${config_dir}" TYPE FILE PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ
       RENAME rootwatch.toml FILES "${ROOTWATCH_CONFIG_SOURCE}")
endif()
