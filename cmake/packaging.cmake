# packaging.cmake - the Debian package (`cpack -G DEB`, scripts/package).
#
# CPack packs whatever the install() rules of CMakeLists.txt install, so a
# file added there (a completion, a doc) is in the package with no change
# here. This file adds what Debian wants beside them: the man page and the
# changelog compressed with gzip -9n (no name, no time stamp: the package
# builds the same twice), the copyright file, the lintian overrides, and
# the package's fields. Not on Windows: there `cpack -G ZIP` makes the
# zip that cmake/winzip.cmake configures.

if(WIN32)
  include(${CMAKE_CURRENT_LIST_DIR}/winzip.cmake)
  return()
endif()

# ---- files Debian wants in /usr/share/doc/shmspy and the man directory --
set(SPY_DEB_MAINTAINER "shmspy maintainers <shmspy@example.org>")
# The changelog entry's date: SOURCE_DATE_EPOCH when set (reproducible
# builds), else the configure time, in the form of `date -R`.
string(TIMESTAMP SPY_DEB_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
configure_file(${CMAKE_CURRENT_LIST_DIR}/debian/changelog.in
               ${CMAKE_BINARY_DIR}/debian/changelog @ONLY)

find_program(SPY_GZIP gzip REQUIRED)
set(SPY_MAN_GZ ${CMAKE_BINARY_DIR}/debian/shmspy.1.gz)
set(SPY_CHANGELOG_GZ ${CMAKE_BINARY_DIR}/debian/changelog.gz)
add_custom_command(
  OUTPUT ${SPY_MAN_GZ}
  COMMAND ${SPY_GZIP} -9n -c ${CMAKE_SOURCE_DIR}/docs/shmspy.1 > ${SPY_MAN_GZ}
  DEPENDS ${CMAKE_SOURCE_DIR}/docs/shmspy.1
  COMMENT "gzip -9n shmspy.1")
add_custom_command(
  OUTPUT ${SPY_CHANGELOG_GZ}
  COMMAND ${SPY_GZIP} -9n -c ${CMAKE_BINARY_DIR}/debian/changelog >
          ${SPY_CHANGELOG_GZ}
  DEPENDS ${CMAKE_BINARY_DIR}/debian/changelog
  COMMENT "gzip -9n changelog")
add_custom_target(shmspy_debian_files ALL
                  DEPENDS ${SPY_MAN_GZ} ${SPY_CHANGELOG_GZ})

install(FILES ${SPY_MAN_GZ} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${SPY_CHANGELOG_GZ}
              ${CMAKE_CURRENT_LIST_DIR}/debian/copyright
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
file(GLOB SPY_DOCS CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${SPY_DOCS} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# A stripped install (CPack's CPACK_STRIP_FILES, cmake --install --strip)
# also drops the compiler's .comment section, as Debian's dh_strip does
# (lintian: binary-has-unneeded-section). This runs after the strip.
install(CODE "
  if(CMAKE_INSTALL_DO_STRIP AND EXISTS \"${CMAKE_OBJCOPY}\")
    execute_process(COMMAND \"${CMAKE_OBJCOPY}\" --remove-section=.comment
      \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/shmspy\"
      COMMAND_ERROR_IS_FATAL ANY)
  endif()")

# ---- the package ----------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME shmspy)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${SPY_DEB_MAINTAINER})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT) # shmspy_VERSION_ARCH.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${SPY_DEB_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Depends: from the libraries the binary links (dpkg-shlibdeps, dpkg-dev):
# libc6, libncurses6/libtinfo6, libdw1 and libzstd1 (recordings) when the
# build found them (scripts/package installs libdw-dev and libzstd-dev).
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "list, inspect, watch, write and probe shared memory")
# The extended description (CPack puts the summary above it).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "shmspy lists POSIX shared memory objects and System V segments with the
processes mapping them, shows one object's metadata and mappers, dumps
live contents byte-identical to xxd or hexdump -C, and watches a segment
in a terminal UI where changed bytes light up. It writes and reads typed
values, probes an address safely and explains why it faulted, runs
classroom demonstrations of the classic faults, and injects faults with
an undo journal.")
include(CPack)
