# cmake/pdcurses.cmake - PDCurses for the Windows TUI, from upstream source.
#
# Included by the top CMakeLists when building for Windows and no installed
# PDCurses was found (vcpkg, -DPDCURSES_ROOT). Fetches wmcbrine/PDCurses at
# the pinned 3.9 commit with FetchContent (name "pdcurses") and builds its
# core (pdcurses/*.c) and Windows console port (wincon/*.c) as a plain
# static library, spy_pdcurses: wide characters and UTF-8 on, none of our
# warning flags (third-party code; -w).
#
# Offline: -DFETCHCONTENT_SOURCE_DIR_PDCURSES=DIR, DIR an unpacked
# PDCurses-3.9 (the directory holding curses.h, pdcurses/ and wincon/);
# nothing is downloaded then. -DSPY_FETCH_PDCURSES=OFF fetches nothing and
# leaves the TUI out.
#
# Sets SPY_PDCURSES_FOUND (TRUE when spy_pdcurses exists).

option(SPY_FETCH_PDCURSES
       "Windows: fetch and build PDCurses when none is installed" ON)
set(SPY_PDCURSES_FOUND FALSE)
if(NOT SPY_FETCH_PDCURSES)
  return()
endif()

include(FetchContent)
# PDCurses 3.9 (tag 3.9); the same commit as ../shared/third_party's
# archive. A full hash: a tag could be moved, a commit cannot.
FetchContent_Declare(pdcurses
  GIT_REPOSITORY https://github.com/wmcbrine/PDCurses.git
  GIT_TAG 6c1f95c4fa9f9f105879c2d99dd72a5bf335c046)
# PDCurses has no CMakeLists.txt: this only downloads (or takes
# FETCHCONTENT_SOURCE_DIR_PDCURSES) and sets pdcurses_SOURCE_DIR.
FetchContent_MakeAvailable(pdcurses)

set(SPY_PDC_DIR ${pdcurses_SOURCE_DIR})
if(NOT EXISTS ${SPY_PDC_DIR}/curses.h OR NOT IS_DIRECTORY ${SPY_PDC_DIR}/wincon)
  message(FATAL_ERROR
    "PDCurses: ${SPY_PDC_DIR} is not a PDCurses source tree (no curses.h "
    "or wincon/); FETCHCONTENT_SOURCE_DIR_PDCURSES must name the unpacked "
    "PDCurses-3.9 directory")
endif()
file(GLOB SPY_PDC_SOURCES ${SPY_PDC_DIR}/pdcurses/*.c ${SPY_PDC_DIR}/wincon/*.c)
add_library(spy_pdcurses STATIC ${SPY_PDC_SOURCES})
# Not our code: none of the project's warning flags (the directory's
# compile options, -Werror included), and no warnings at all.
set_property(TARGET spy_pdcurses PROPERTY COMPILE_OPTIONS -w)
set_property(TARGET spy_pdcurses PROPERTY C_EXTENSIONS ON)
# PDC_WIDE changes what curses.h declares, so users see it too.
target_compile_definitions(spy_pdcurses PUBLIC PDC_WIDE
                           PRIVATE PDC_FORCE_UTF8)
target_include_directories(spy_pdcurses SYSTEM PUBLIC ${SPY_PDC_DIR})
target_link_libraries(spy_pdcurses PUBLIC user32)
set(SPY_PDCURSES_FOUND TRUE)
message(STATUS "TUI: PDCurses built from ${SPY_PDC_DIR}")
