/* cli.h - shared helpers of the subcommands: option parsing, error
 * reporting, exit codes, and opening a NAME argument.
 *
 * Every subcommand is `int cmd_X(int argc, char **argv)` where argv[0] is
 * the subcommand's name; it returns the process exit code. */
#ifndef SPY_CLI_H
#define SPY_CLI_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../backends/seg.h"
#include "../core/err.h"
#include "../core/json.h"
#include "../core/name.h"

/* Exit codes: the contract in DESIGN.md and the man page. */
enum {
    SPY_EXIT_OK = 0,
    SPY_EXIT_RUNTIME = 1, /* not found, permission, I/O */
    SPY_EXIT_USAGE = 2,   /* bad command line */
    SPY_EXIT_FAULT = 3    /* probe: the access faulted */
};

/* ---- option tables ------------------------------------------------------
 *
 * Each subcommand declares its grammar as data (as git's parse_options
 * OPT_* rows): one cli_option row per option, one cli_pos row per
 * positional argument, and small tables of options that exclude or need
 * each other (as util-linux's err_exclusive_options). cli_parse() reads
 * argv against them, fills the command's request struct, prints --help and
 * every usage error; `shmspy --list-options` prints them for the test that
 * holds the man page and the bash completion to the tables. */

/* What an option takes, and what it stores at its field. */
typedef enum cli_arg {
    CLI_END = 0, /* ends a table ({0}) */
    CLI_FLAG,    /* no value; int field set to 1 */
    CLI_NUM,     /* uint64_t: decimal or 0x, K/M/G suffix (spy_parse_u64) */
    CLI_STR,     /* const char *: the word itself, pointing into argv */
    CLI_ENUM,    /* int: the value of the matching cli_choice */
    CLI_MODE,    /* uint32_t: octal permission bits (spy_parse_mode) */
    CLI_GROUP    /* not an option: help is a heading in --help */
} cli_arg;

/* Flags of an option or positional row. */
enum {
    CLI_REQUIRED = 1, /* must be given: "missing --as TYPE", "missing NAME" */
    CLI_MANY = 2      /* positional: takes all the remaining arguments */
};

/* What a value or a positional argument is, for shell completion
 * (`shmspy --completion SHELL`) and --list-options: what to offer there. */
typedef enum cli_value {
    CLI_V_NONE = 0, /* free text or a number: nothing to offer */
    CLI_V_NAME,     /* a NAME: the live segments (`shmspy --list-names`) */
    CLI_V_FILE,     /* a path of the file system */
    CLI_V_TYPE,     /* a TYPE of --as (spy_type_name) */
    CLI_V_WORDS,    /* one of the row's choices (a positional's) */
    CLI_V_LISTED    /* the first word of each line `shmspy CMD` prints
                       without arguments (demo's scenarios), and the row's
                       choices */
} cli_value;

/* One word an enum option (or a CLI_V_WORDS positional) accepts. A hidden
 * one is accepted but neither listed in --help, in errors nor offered by
 * completion (an alias such as "C"). then: what the positional argument
 * after this word is, when not what the table says ("inject undo F"). */
typedef struct cli_choice {
    const char *name;
    int value;
    int hidden;
    cli_value then;
} cli_choice;

/* One option; field is the offsetof of the member the value goes
 * to in the request struct passed to cli_parse. */
typedef struct cli_option {
    char shrt;                 /* 's' for -s; 0 if none */
    const char *lng;           /* "offset" for --offset; NULL if none */
    cli_arg arg;               /* what it takes */
    size_t field;              /* offsetof the member it fills */
    const char *metavar;       /* "OFF" in --help and messages; NULL: flag */
    const char *help;          /* --help text; a newline continues it */
    const cli_choice *choices; /* CLI_ENUM: ended by {NULL} */
    uint64_t min, max;         /* CLI_NUM: accepted range when max != 0 */
    size_t sets;               /* offsetof an int also set when given, */
    int sets_to;               /* to this value (0: no such int) */
    unsigned flags;            /* CLI_REQUIRED */
    cli_value value;           /* CLI_STR: what completion offers */
} cli_option;

/* A row of an option table, as git's OPT_* macros:
 * CLI_OPT(short, long, kind, field, metavar, help[, .extra = value...]),
 * e.g. CLI_OPT('n', "length", CLI_NUM, F(len), "LEN", "bytes to read",
 * .sets = F(have_len), .sets_to = 1). */
#define CLI_OPT(s, l, kind, fld, meta, ...)                                    \
    {                                                                          \
        .shrt = (s), .lng = (l), .arg = (kind), .field = (fld),                \
        .metavar = (meta), .help = __VA_ARGS__                                 \
    }

/* A heading in --help above the options that follow it. */
#define CLI_HEADING(text)                                                      \
    { .arg = CLI_GROUP, .help = (text) }

/* One positional argument, in order. */
typedef struct cli_pos {
    const char *name;          /* "NAME", for messages; NULL ends the table */
    size_t field;              /* offsetof a const char * (CLI_MANY: a char **,
                                  the NULL-terminated rest) */
    unsigned flags;            /* CLI_REQUIRED, CLI_MANY */
    const char *missing;       /* what "missing ..." says; NULL: name */
    cli_value value;           /* what completion offers for it */
    const cli_choice *choices; /* CLI_V_WORDS, CLI_V_LISTED: ended by
                                  {NULL} */
} cli_pos;

/* The most options in one table, and in one exclusive group. */
#define CLI_OPTS_MAX 32
#define CLI_EXCL_MAX 8

/* A subcommand's grammar and help. */
typedef struct cli_command {
    const char *name;          /* "dump" */
    const char *usage;         /* synopsis after "usage: shmspy " */
    const char *about;         /* paragraph(s) printed after the usage */
    const cli_option *options; /* ended by {0}; --help/-h are implicit */
    const cli_pos *args;       /* ended by {NULL}; NULL: none */
    /* Groups of long names of which at most one may be given, each ended
     * by NULL, the table by an empty group; NULL: none. */
    const char *const (*exclusive)[CLI_EXCL_MAX];
    /* {option, option it needs} pairs of long names, ended by {NULL}. */
    const char *const (*needs)[2];
    const char *notes; /* printed after the options; NULL: none */
} cli_command;

/* Parses argv[1..argc-1] of command c into the request struct req (whose
 * fields the caller initialised with their defaults). Options and
 * positional arguments may come in any order; "--" ends the options; a
 * word that looks like a negative number ("-5", "-0x10", "-.5", "-inf")
 * is positional. argv is permuted (positionals are moved to the front)
 * and CLI_STR fields point into it. Returns 1 when the command should go
 * on; 0 when it should exit with *exit_code: after --help (0, or 1 when
 * stdout failed) or after printing a usage error (SPY_EXIT_USAGE). */
int cli_parse(const cli_command *c, int argc, char **argv, void *req,
              int *exit_code);

/* Writes c's --help text to f: usage, about, the options (from the table)
 * and the notes. */
void cli_help(const cli_command *c, FILE *f);

/* Writes one line per option spelling of c to f, for tests and tools:
 * "CMD SPELLING KIND [CHOICE...]", KIND being flag, num, str, enum, mode,
 * file (a path) or type (a TYPE of --as); an enum lists its visible
 * choices, a type the TYPE names. */
void cli_list_options(const cli_command *c, FILE *f);

/* Writes the completion script of shell ("bash", "zsh" or "fish") for the
 * n commands cmds (with their one-line summaries) to stdout, generated
 * from their tables: commands, options, option values and positional
 * arguments. Returns the exit code (SPY_EXIT_USAGE, after saying why, for
 * an unknown shell). */
int cli_completion(const char *shell, const cli_command *const *cmds,
                   const char *const *summaries, size_t n);

/* `shmspy --list-names`: every listed object's name, one a line, spelt
 * as a NAME argument made only of characters that need no quoting in a
 * shell (other names as hex:DIGITS), for completion. Returns the exit
 * code. */
int cli_list_names(void);

/* Prints "shmspy: <cmd>: <message>" and a hint to use --help on stderr
 * (and, when JSON was asked for, the error document on stdout: see
 * cli_set_json_errors); returns SPY_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(SPY_PRINTF_FMT, 2, 3)))
#endif
    ;

/* Prints "shmspy: <e->msg>" on stderr (and, when JSON was asked for, the
 * error document on stdout); returns SPY_EXIT_RUNTIME. A usage error goes
 * through cli_usage_error instead. */
int cli_fail(const spy_err *e);

/* Errors in JSON (the man page, JSON OUTPUT). With on set, every later
 * cli_usage_error and cli_fail also prints, on stdout and flushed, one
 * document {"error": {"code": N, "reason": R, "message": M, "exit": X}}:
 * N the SPY_E* code (SPY_EINVAL for usage errors), R its words, M the
 * line printed on stderr without "shmspy: " and the --help hint, X the
 * exit code. cli_parse sets it from the command line before it reports
 * anything, so usage errors are covered wherever --json stands. */
void cli_set_json_errors(int on);

/* Writes the member "error": {...} described above into j's open object:
 * the one writer of JSON errors (cli_fail, cli_usage_error and a
 * document that reports a failure among its items, as `demo all`). */
void cli_json_error_member(spy_json *j, int code, const char *message,
                           int exit_code);

/* A failure inside a JSON document being written: prints cli_fail's line
 * on stderr and writes the "error" member into j's open object instead of
 * a document of its own; returns SPY_EXIT_RUNTIME. */
int cli_fail_in(spy_json *j, const spy_err *e);

/* For a file: name n opened as seg: when its last component is a
 * symbolic link, says where it leads in one line on stderr ("shmspy:
 * note: file:P: a symbolic link to T (followed for reading)"), so that
 * dump and read keep stdout for the bytes alone. */
void cli_note_link(spy_seg *seg, const spy_name *n);

/* Parses a number argument; on error prints a usage error naming `what` and
 * returns -1 (caller returns SPY_EXIT_USAGE). */
int cli_number(const char *cmd, const char *what, const char *text,
               uint64_t *out);

/* Parses NAME; text NULL means it was not given. On error prints a usage
 * error ("missing NAME" or why the name is malformed) and returns -1. */
int cli_name(const char *cmd, const char *text, spy_name *out);

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

/* Writes a memfd's seals (SPY_SEAL_* bits) as a JSON array of their names
 * (["seal","shrink","grow"], [] for none), or null when seals is -1 (not
 * a memfd, or not known): one shape for list and stat. */
void cli_json_seals(spy_json *j, int32_t seals);

/* Writes text to f escaped, word-wrapped to width columns, every line
 * after the first indented by indent spaces; ends with a newline. */
void cli_put_wrapped(FILE *f, const char *text, int indent, int width);

/* Reads the whole file at path, at most max bytes, into a new malloc'd
 * buffer *out of *len bytes (the caller frees it). SPY_ERANGE when there
 * is more than max (an endless source such as /dev/zero stops there).
 * Errors name the path. */
int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
                  spy_err *e);

/* Flushes stdout; on failure reports "stdout: <reason>" and returns
 * SPY_EXIT_RUNTIME, else SPY_EXIT_OK. A closed pipe (EPIPE) is not a
 * failure: the reader has stopped reading, so output ends quietly. */
int cli_finish_stdout(void);

/* The subcommands, and the grammar of each (in its cmd_X.c). */
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
int cmd_clean(int argc, char **argv);
int cmd_layout(int argc, char **argv);
int cmd_blame(int argc, char **argv);
int cmd_record(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_replay(int argc, char **argv);
/* `shmspy --version [--json]` (version.c): argv[0] is "--version". */
int cli_version(int argc, char **argv);
extern const cli_command cmd_list_spec, cmd_stat_spec, cmd_dump_spec,
    cmd_read_spec, cmd_write_spec, cmd_create_spec, cmd_rm_spec, cmd_watch_spec,
    cmd_probe_spec, cmd_demo_spec, cmd_inject_spec, cmd_clean_spec,
    cmd_layout_spec, cmd_blame_spec, cmd_record_spec, cmd_diff_spec,
    cmd_log_spec, cmd_snapshot_spec, cmd_replay_spec;

#endif
