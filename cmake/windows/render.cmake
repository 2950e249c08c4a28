# cmake/windows/render.cmake - one file of the Windows zip (winzip.cmake):
#   cmake -DMODE=html|txt|crlf -DIN=FILE -DOUT=FILE [-DGROFF=PATH] -P render.cmake
# html: the man page IN as HTML (groff -man -Thtml), its CreationDate
#       comment dropped so that two builds give the same file;
# txt:  the man page IN as plain ASCII text, no bold or underline
#       (groff -man -Tascii, grotty -c -b -u: no escapes, no overstrikes);
# crlf: IN as is.
# txt and crlf end their lines with CRLF. A groff warning is an error.

if(MODE STREQUAL "crlf")
  file(READ ${IN} text)
elseif(MODE STREQUAL "html" OR MODE STREQUAL "txt")
  if(MODE STREQUAL "html")
    set(args -Thtml)
  else()
    set(args -Tascii -P-cbu)
  endif()
  execute_process(COMMAND ${GROFF} -man ${args} ${IN}
                  OUTPUT_VARIABLE text ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0 OR NOT err STREQUAL "")
    message(FATAL_ERROR "groff -man ${args} ${IN}: exit ${rc}\n${err}")
  endif()
  string(REGEX REPLACE "<!-- CreationDate:[^\n]*\n" "" text "${text}")
else()
  message(FATAL_ERROR "render.cmake: MODE must be html, txt or crlf")
endif()
if(NOT MODE STREQUAL "html")
  string(REPLACE "\r\n" "\n" text "${text}")
  string(REPLACE "\n" "\r\n" text "${text}")
endif()
file(WRITE ${OUT} "${text}")
