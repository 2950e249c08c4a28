/* cli.h - shared helpers of the subcommands: option parsing, error
 * reporting, exit codes, and opening a NAME argument.
 *
 * Every subcommand is `int cmd_X(int argc, char **argv)` where argv[0] is
 * the subcommand's name; it returns the process exit code. */
#ifndef SPY_CLI_H
#define SPY_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "../backends/seg.h"
#include "../core/err.h"
#include "../core/name.h"

/* Exit codes: the contract in DESIGN.md and the man page. */
enum {
    SPY_EXIT_OK = 0,
    SPY_EXIT_RUNTIME = 1, /* not found, permission, I/O */
    SPY_EXIT_USAGE = 2,   /* bad command line */
    SPY_EXIT_FAULT = 3    /* probe: the access faulted */
};

/* One option of a subcommand. id is a positive number returned when it is
 * seen; has_arg says whether it takes a value ("--hz 10", "--hz=10",
 * "-s 16", "-s16"). */
typedef struct cli_opt {
    const char *lng; /* without the leading "--" */
    char shrt;       /* 0 if none */
    int has_arg;
    int id;
} cli_opt;

typedef struct cli_args {
    const char *cmd; /* subcommand name, for messages */
    int argc;
    char **argv;
    int i;        /* next index into argv */
    int only_pos; /* "--" seen: everything else is positional */
} cli_args;

enum { CLI_END = -1, CLI_BAD = -2, CLI_POS = 0 };

/* Starts parsing argv[1..argc-1] of subcommand cmd. */
void cli_args_init(cli_args *a, const char *cmd, int argc, char **argv);

/* Returns the next option's id with *val its value (or NULL), CLI_POS with
 * *val a positional argument, CLI_END at the end, or CLI_BAD after printing
 * a usage error (unknown option, missing value). Arguments that look like
 * negative numbers ("-5", "-0.5") are positional. */
int cli_args_next(cli_args *a, const cli_opt *opts, const char **val);

/* Prints "shmspy: <cmd>: <message>" and a hint to use --help on stderr;
 * returns SPY_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(SPY_PRINTF_FMT, 2, 3)))
#endif
    ;

/* Prints "shmspy: <e->msg>" on stderr; returns the exit code for e:
 * SPY_EXIT_USAGE for SPY_EINVAL from argument parsing is decided by the
 * caller, this always returns SPY_EXIT_RUNTIME. */
int cli_fail(const spy_err *e);

/* Parses a number argument; on error prints a usage error naming `what` and
 * returns -1 (caller returns SPY_EXIT_USAGE). */
int cli_number(const char *cmd, const char *what, const char *text,
               uint64_t *out);

/* Parses NAME; text NULL means it was not given. On error prints a usage
 * error ("missing NAME" or why the name is malformed) and returns -1. */
int cli_name(const char *cmd, const char *text, spy_name *out);

/* Takes a positional argument as the one NAME of a command: stores it in
 * *slot, or prints "unexpected argument" if *slot is already set. Returns
 * 0, or SPY_EXIT_USAGE after printing. */
int cli_one_name(const char *cmd, const char **slot, const char *val);

/* Formats t (seconds since the epoch) as "YYYY-MM-DD HH:MM:SS" in local
 * time into buf, or "-" when t < 0. */
void cli_format_time(int64_t t, char *buf, size_t cap);

/* Formats mode bits as "rw-r-----" into buf (at least 10 bytes). */
void cli_format_perms(uint32_t mode, char *buf);

/* Writes s to f with control characters and invalid UTF-8 escaped. */
void cli_put_escaped(FILE *f, const char *s);

/* Writes the name of a listed object like cli_put_escaped, except that the
 * "Local\" or "Global\" prefix of a Windows section (shmspy's own text,
 * not the object's) keeps its single backslash. */
void cli_put_name(FILE *f, const char *name);

/* Writes text to f escaped, word-wrapped to width columns, every line
 * after the first indented by indent spaces; ends with a newline. */
void cli_put_wrapped(FILE *f, const char *text, int indent, int width);

/* Reads the whole file at path, at most max bytes, into a new malloc'd
 * buffer *out of *len bytes (the caller frees it). SPY_ERANGE when there
 * is more than max (an endless source such as /dev/zero stops there).
 * Errors name the path. */
int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
                  spy_err *e);

/* Writes a JSON error document {"error": {...}} to stdout for --json
 * callers. */
void cli_json_error(const spy_err *e);

/* Flushes stdout; on failure reports "stdout: <reason>" and returns
 * SPY_EXIT_RUNTIME, else SPY_EXIT_OK. A closed pipe (EPIPE) is not a
 * failure: the reader has stopped reading, so output ends quietly. */
int cli_finish_stdout(void);

/* The subcommands. */
int cmd_list(int argc, char **argv);
int cmd_stat(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_read(int argc, char **argv);
int cmd_write(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_rm(int argc, char **argv);
int cmd_watch(int argc, char **argv);
int cmd_probe(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_inject(int argc, char **argv);

#endif
