/* name.h - parsing the NAME argument of every subcommand.
 *
 * Forms (see DESIGN.md): "/name" or "name" (plain: POSIX object on Linux,
 * Local section on Windows), "sysv:ID", "key:0xKEY", "file:PATH",
 * "Local\Name", "Global\Name", and "hex:DIGITS": any of the others written
 * as the hex digits of its bytes (the lossless form for names that are not
 * UTF-8, which --json gives as name_hex). Memory without a name of its own
 * is named through a process that has it: "memfd:NAME" (the memfd_create
 * name), "pid:PID@ADDR" (the shared mapping containing ADDR in process
 * PID, for every kind), "fd:PID:N" (the object process PID's descriptor N
 * refers to) and, on Windows, "handle:PID:0xH" (a section handle of
 * process PID). ADDR and H are 0x hex or decimal. The parser is
 * OS-agnostic; the backend decides what a plain name means on its
 * platform and which forms it can open. */
#ifndef SPY_NAME_H
#define SPY_NAME_H

#include <stdint.h>

#include "err.h"
#include "seginfo.h"

typedef enum spy_name_form {
    SPY_NAME_PLAIN = 0,  /* text = "/name" (leading slash added) */
    SPY_NAME_SYSV_ID,    /* id = shmid */
    SPY_NAME_SYSV_KEY,   /* id = key */
    SPY_NAME_FILE,       /* text = path */
    SPY_NAME_WIN_LOCAL,  /* text = name without the "Local\" prefix */
    SPY_NAME_WIN_GLOBAL, /* text = name without the "Global\" prefix */
    SPY_NAME_MEMFD,      /* text = the memfd's name (may be empty) */
    SPY_NAME_PID_ADDR,   /* id = pid, addr = an address in it */
    SPY_NAME_PID_FD,     /* id = pid, addr = descriptor number */
    SPY_NAME_WIN_HANDLE  /* id = pid, addr = handle value */
} spy_name_form;

typedef struct spy_name {
    spy_name_form form;
    char text[SPY_NAME_MAX];
    int64_t id;    /* shmid or key for the System V forms; the pid for
                      pid:, fd: and handle: */
    uint64_t addr; /* pid: the address; fd: the descriptor; handle: the
                      handle value; 0 otherwise */
} spy_name;

/* Parses s into *out. Errors (SPY_EINVAL, message names s): empty name,
 * "/" alone, "." or "..", a slash inside a plain name, a plain name longer
 * than 255 bytes, a NUL-free but empty file path, a malformed id or key;
 * for "hex:", anything but pairs of hex digits, a 00 byte, a hex: name
 * inside, or what the decoded name itself fails with; for pid:, fd: and
 * handle:, a pid of 0 or above 2147483647, an address or handle that is
 * not 0x hex or decimal (a hint says to write 0x before hex digits), a
 * descriptor above 2147483647. A hex: name parses
 * to the name its bytes spell: no form of its own. */
int spy_name_parse(const char *s, spy_name *out, spy_err *err);

/* 1 if n names memory through a process (memfd:, pid:, fd:, handle:),
 * which has no name of its own to remove; else 0. */
int spy_name_via_process(const spy_name *n);

/* Writes the canonical text of n ("/foo", "sysv:5", "key:0x1234",
 * "file:/tmp/x", "Local\foo", "memfd:buf", "pid:42@0x7f0000001000",
 * "fd:42:5", "handle:42:0x1c4") into buf (always NUL-terminated). */
void spy_name_format(const spy_name *n, char *buf, size_t cap);

#endif
