# Installation and the Debian package (issue 8).
#
#   cmake --preset release -DROOTWATCH_BUILD_TESTS=OFF
#   cmake --build --preset release --target rootwatch
#   cd build/release && cpack -G DEB        # -> rootwatch_<version>-1_<arch>.deb
# cpack -G DEB needs dpkg-dev (dpkg-shlibdeps) and file (CPack finds the binaries with it).
#
# Only the daemon, its unit, its configuration, the man page and the docs are installed: the
# fakes, tests and demo tools have no install() rules, so neither `cmake --install` nor CPack
# picks them up.
include(GNUInstallDirs)

set(ROOTWATCH_PACKAGING_DIR "${PROJECT_SOURCE_DIR}/packaging")
set(ROOTWATCH_UNIT_SOURCE "${PROJECT_SOURCE_DIR}/systemd/rootwatch.service")
set(ROOTWATCH_DEB_RELEASE 1)
set(ROOTWATCH_DEB_VERSION "${PROJECT_VERSION}-${ROOTWATCH_DEB_RELEASE}")
set(ROOTWATCH_DEB_MAINTAINER "rootwatch maintainers <maintainers@users.noreply.r-seed-c45776bf.example>")

# systemd/rootwatch.service is the one text of the unit; the installed copy only has its paths
# changed, at install time (packaging/install_unit.cmake). Refuse a source whose paths the
# rewrite would no longer find, instead of shipping a unit that points at /usr/local.
file(READ "${ROOTWATCH_UNIT_SOURCE}" rootwatch_unit_text)
string(FIND "${rootwatch_unit_text}" "ExecStart=/usr/local/bin/rootwatch " found)
if(found EQUAL -1)
  message(FATAL_ERROR "${ROOTWATCH_UNIT_SOURCE} no longer runs /usr/local/bin/rootwatch: "
                      "update packaging/install_unit.cmake to match")
endif()
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${ROOTWATCH_UNIT_SOURCE}")

# Files that are made here: Debian wants the man page and the changelog compressed with
# `gzip -9n` (no name, no time stamp, so the bytes depend on the text alone).
set(rootwatch_generated "${PROJECT_BINARY_DIR}/packaging")
function(rootwatch_gzip source target)
  execute_process(COMMAND gzip -9n -c "${source}" OUTPUT_FILE "${target}" RESULT_VARIABLE failed)
  if(failed)
    message(FATAL_ERROR "gzip -9n ${source} failed")
  endif()
endfunction()
configure_file("${ROOTWATCH_PACKAGING_DIR}/rootwatch.8" "${rootwatch_generated}/rootwatch.8" @ONLY)
rootwatch_gzip("${rootwatch_generated}/rootwatch.8" "${rootwatch_generated}/rootwatch.8.gz")
configure_file("${ROOTWATCH_PACKAGING_DIR}/changelog.in" "${rootwatch_generated}/changelog.Debian" @ONLY)
rootwatch_gzip("${rootwatch_generated}/changelog.Debian" "${rootwatch_generated}/changelog.Debian.gz")

# The unit and /etc/rootwatch/rootwatch.toml: the unit's place and text depend on the prefix at
# install time (CPack installs with /usr; `cmake --install --prefix /usr/local` with /usr/local).
install(CODE "set(ROOTWATCH_UNIT_SOURCE \"${ROOTWATCH_UNIT_SOURCE}\")
              set(ROOTWATCH_CONFIG_SOURCE \"${ROOTWATCH_PACKAGING_DIR}/rootwatch.toml\")
              set(ROOTWATCH_STAGING \"${rootwatch_generated}/staging\")")
install(SCRIPT "${ROOTWATCH_PACKAGING_DIR}/install_unit.cmake")

install(FILES "${rootwatch_generated}/rootwatch.8.gz" DESTINATION "${CMAKE_INSTALL_MANDIR}/man8")
install(FILES "${ROOTWATCH_PACKAGING_DIR}/copyright" "${rootwatch_generated}/changelog.Debian.gz"
        DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(FILES "${PROJECT_SOURCE_DIR}/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/docs/" DESTINATION "${CMAKE_INSTALL_DOCDIR}/docs"
        FILES_MATCHING PATTERN "*.md" PATTERN "*.json")
install(FILES "${PROJECT_SOURCE_DIR}/config/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}/config")
install(FILES "${PROJECT_SOURCE_DIR}/systemd/README.md" DESTINATION "${CMAKE_INSTALL_DOCDIR}/systemd")
install(FILES "${PROJECT_SOURCE_DIR}/config/rootwatch.example.toml" DESTINATION "${CMAKE_INSTALL_DOCDIR}/examples")
install(FILES "${ROOTWATCH_PACKAGING_DIR}/lintian-overrides" DESTINATION "${CMAKE_INSTALL_DATADIR}/lintian/overrides"
        RENAME rootwatch)

# The package.
set(CPACK_PACKAGE_NAME rootwatch)
set(CPACK_PACKAGE_VENDOR "rootwatch maintainers")
set(CPACK_PACKAGE_CONTACT "${ROOTWATCH_DEB_MAINTAINER}")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "alerts on privileged Azure role assignments at the root scope")
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # rootwatch_0.1.0-1_amd64.deb
set(CPACK_DEBIAN_PACKAGE_RELEASE ${ROOTWATCH_DEB_RELEASE})
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${ROOTWATCH_DEB_MAINTAINER}")
# The shared libraries come from dpkg-shlibdeps (dpkg-dev). procps has /bin/kill, which the
# unit's ExecReload= runs; Debian's minimal roots and container images do not have it.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "procps")
# The extended description (the summary above is the first line of the Description field).
# Quotes do not survive CPack's configuration file: none here.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "A Global Administrator of an Entra ID tenant can make themselves User Access
Administrator at the root scope / and from there own every subscription.
rootwatch watches the role assignments at / of one or more tenants, through
Azure Resource Manager, Resource Graph, the Activity Log and the Entra audit
log, and alerts when one appears, while it stays, and when it goes away.
.
Alerts go through a durable SQLite outbox to signed webhooks, Slack, Microsoft
Teams, PagerDuty, Azure Monitor action groups or Log Analytics. A failed or
partial read of Azure is never taken for a removal.
.
The package installs a hardened systemd unit but enables and starts nothing:
edit /etc/rootwatch/rootwatch.toml, then systemctl enable --now rootwatch.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    "${ROOTWATCH_PACKAGING_DIR}/conffiles" "${ROOTWATCH_PACKAGING_DIR}/postinst" "${ROOTWATCH_PACKAGING_DIR}/prerm"
    "${ROOTWATCH_PACKAGING_DIR}/postrm")
# Control files as dpkg wants them: 0755 scripts, 0644 data, root:root.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_GENERATOR DEB)
include(CPack)

if(ROOTWATCH_BUILD_TESTS)
  add_subdirectory("${PROJECT_SOURCE_DIR}/tests/package" "${PROJECT_BINARY_DIR}/tests/package")
endif()
