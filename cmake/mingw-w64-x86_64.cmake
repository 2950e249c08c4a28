# Cross-compiling shmspy for 64-bit Windows with mingw-w64 (Debian package
# gcc-mingw-w64-x86-64):
#   cmake -S . -B build-win -DCMAKE_TOOLCHAIN_FILE=cmake/mingw-w64-x86_64.cmake
# The .exe files run under Wine (scripts/test-windows) or on Windows.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(SPY_MINGW_PREFIX x86_64-w64-mingw32)
# Debian ships the compiler as <prefix>-gcc (the default threading flavour)
# and as <prefix>-gcc-posix / -gcc-win32; any of them will do.
find_program(CMAKE_C_COMPILER NAMES ${SPY_MINGW_PREFIX}-gcc
             ${SPY_MINGW_PREFIX}-gcc-win32 ${SPY_MINGW_PREFIX}-gcc-posix
             REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${SPY_MINGW_PREFIX}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${SPY_MINGW_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Link the C runtime and libgcc statically: the .exe files then need no
# MinGW DLLs next to them, under Wine or on a Windows machine.
set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc")
