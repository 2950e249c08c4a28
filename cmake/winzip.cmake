# cmake/winzip.cmake - the Windows zip: `cpack -G ZIP` in a MinGW build
# (scripts/test-windows builds it; tests/win/test_zip.sh unpacks and runs
# it under Wine). Included by packaging.cmake when building for Windows.
#
# shmspy-VERSION-win64.zip holds one folder, shmspy-VERSION-win64/, flat:
#   shmspy.exe          stripped; PDCurses, libgcc and winpthread linked
#                       statically (cmake/mingw-w64-x86_64.cmake links with
#                       -static), so it needs only DLLs Windows has
#   shmspy.html         the man page rendered by groff -Thtml (package groff)
#   shmspy.txt          the man page as plain text (groff -Tascii: groff-base)
#   README-windows.txt  cmake/windows/README-windows.txt.in
#   copyright.txt       cmake/debian/copyright, as in the Debian package
# Text files get CRLF line ends (Notepad before Windows 10 shows LF ones as
# one line). Without groff (or without its HTML driver, package groff) the build says
# so and the zip carries docs/shmspy.1 as is in place of what is missing.
#
# These files are the install component "winzip", excluded from a plain
# `cmake --install` (which keeps the Unix layout: bin/, share/...), and the
# zip packs that component alone: completions and the roff man page of the
# Unix layout stay out of it.

set(SPY_WINZIP_DIR ${CMAKE_BINARY_DIR}/winzip)
set(SPY_WINZIP_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/windows/render.cmake)
set(SPY_MAN_SRC ${CMAKE_SOURCE_DIR}/docs/shmspy.1)
find_program(SPY_GROFF groff)
# -Thtml's post-processor is in the package groff, not in groff-base.
find_program(SPY_GROHTML post-grohtml)

configure_file(${CMAKE_CURRENT_LIST_DIR}/windows/README-windows.txt.in
               ${SPY_WINZIP_DIR}/README-windows.txt @ONLY NEWLINE_STYLE WIN32)
set(SPY_WINZIP_FILES ${SPY_WINZIP_DIR}/README-windows.txt)

# spy_winzip_file(MODE OUT IN): OUT (in winzip/) made from IN by
# windows/render.cmake in MODE (html, txt: the man page; crlf: a text file).
function(spy_winzip_file mode out in)
  add_custom_command(
    OUTPUT ${SPY_WINZIP_DIR}/${out}
    COMMAND ${CMAKE_COMMAND} -DMODE=${mode} -DGROFF=${SPY_GROFF} -DIN=${in}
            -DOUT=${SPY_WINZIP_DIR}/${out} -P ${SPY_WINZIP_SCRIPT}
    DEPENDS ${in} ${SPY_WINZIP_SCRIPT}
    COMMENT "zip: ${out}" VERBATIM)
  set(SPY_WINZIP_FILES ${SPY_WINZIP_FILES} ${SPY_WINZIP_DIR}/${out}
      PARENT_SCOPE)
endfunction()

spy_winzip_file(crlf copyright.txt ${CMAKE_CURRENT_LIST_DIR}/debian/copyright)
if(SPY_GROFF)
  spy_winzip_file(txt shmspy.txt ${SPY_MAN_SRC})
  if(SPY_GROHTML)
    spy_winzip_file(html shmspy.html ${SPY_MAN_SRC})
  else()
    message(STATUS "zip: no post-grohtml (package groff): no shmspy.html")
  endif()
else()
  message(STATUS "zip: no groff: the man page goes in as docs/shmspy.1")
  list(APPEND SPY_WINZIP_FILES ${SPY_MAN_SRC})
endif()
add_custom_target(shmspy_winzip_files ALL DEPENDS ${SPY_WINZIP_FILES})

install(TARGETS shmspy RUNTIME DESTINATION . COMPONENT winzip EXCLUDE_FROM_ALL)
install(FILES ${SPY_WINZIP_FILES} DESTINATION . COMPONENT winzip
        EXCLUDE_FROM_ALL)

# ---- the package ----------------------------------------------------------
if(CMAKE_SIZEOF_VOID_P EQUAL 8)
  set(SPY_WIN_ARCH win64)
else()
  set(SPY_WIN_ARCH win32)
endif()
set(CPACK_GENERATOR ZIP)
set(CPACK_PACKAGE_NAME shmspy)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_FILE_NAME shmspy-${PROJECT_VERSION}-${SPY_WIN_ARCH})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "list, inspect, watch, write and probe shared memory")
# Only the component above: build dir; project; component; folder.
set(CPACK_INSTALL_CMAKE_PROJECTS "${CMAKE_BINARY_DIR};shmspy;winzip;/")
set(CPACK_STRIP_FILES ON)
include(CPack)
