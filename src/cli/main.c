/* main.c - shmspy entry point: dispatches to one subcommand. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "../tui/tui.h"
#include "../backends/demo.h"
#include "../backends/process.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const cli_command *spec;
    const char *summary;
} command;

static const command commands[] = {
    {"list", cmd_list, &cmd_list_spec,
     "list shared memory objects of every kind"},
    {"stat", cmd_stat, &cmd_stat_spec,
     "size, mode, owner, times and the processes mapping it"},
    {"dump", cmd_dump, &cmd_dump_spec,
     "hex dump (xxd or hexdump -C layout) or raw bytes"},
    {"read", cmd_read, &cmd_read_spec,
     "read a typed value at an offset, or a struct's field"},
    {"write", cmd_write, &cmd_write_spec,
     "write a value, string, hex bytes, a file or a fill"},
    {"create", cmd_create, &cmd_create_spec,
     "create an object (mode 0600 unless --mode)"},
    {"rm", cmd_rm, &cmd_rm_spec, "remove an object's name"},
    {"watch", cmd_watch, &cmd_watch_spec, "live hex view of one object (TUI)"},
    {"probe", cmd_probe, &cmd_probe_spec,
     "touch an address safely and explain the fault"},
    {"demo", cmd_demo, &cmd_demo_spec,
     "classroom scenarios: faults really caused, explained"},
    {"inject", cmd_inject, &cmd_inject_spec,
     "inject faults into a live segment, journalled, undoable"},
    {"clean", cmd_clean, &cmd_clean_spec,
     "list (and with --yes remove) objects nothing maps or holds"},
    {"layout", cmd_layout, &cmd_layout_spec,
     "a struct's layout from a header, a binary or a layout file"},
    {"blame", cmd_blame, &cmd_blame_spec,
     "who writes these bytes: pid, thread and source line (Linux)"},
    {"record", cmd_record, &cmd_record_spec,
     "record a segment's changes over time to a file (or a ring)"},
    {"diff", cmd_diff, &cmd_diff_spec,
     "bytes or fields that differ between two moments (NAME, FILE@TIME)"},
    {"log", cmd_log, &cmd_log_spec,
     "one line per change as it happens (tail -f; --json for jq)"},
    {"snapshot", cmd_snapshot, &cmd_snapshot_spec,
     "the segment now, as a recording of one frame (for diff, replay)"},
    {"replay", cmd_replay, &cmd_replay_spec,
     "play a recording back (TUI); --info, --log, --dump print it"},
};

static void usage(FILE *f) {
    size_t i;
    fputs("usage: shmspy [COMMAND [ARGS...]]\n"
          "\n"
          "Without a command, shmspy opens the browser of every segment.\n"
          "\n"
          "commands:\n",
          f);
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fputs("\n"
          "NAME: /name or name (POSIX), sysv:ID, key:0xKEY, file:PATH;\n"
          "  through a process (Linux): memfd:NAME, pid:PID@ADDR (the shared\n"
          "  mapping holding ADDR, 0x hex or decimal), fd:PID:N\n"
          "Numbers: decimal or 0x hex, optional K/M/G suffix (KiB, MiB, "
          "GiB)\n"
          "Exit codes: 0 ok, 1 runtime error, 2 usage error, 3 probe fault,\n"
          "  4 torn (a typed value changed while read),\n"
          "  5 record --until ended without the condition holding,\n"
          "  6 diff: A and B differ\n"
          "'shmspy COMMAND --help' shows a command's options; 'man shmspy' "
          "has them all.\n",
          f);
}

/* `shmspy --list-options [COMMAND...]`: every option of the commands (all
 * of them without arguments), one spelling a line, from their tables; the
 * docs test compares it with the man page and the bash completion. */
static int list_options(int argc, char **argv) {
    size_t i;
    int k;
    for (k = 0; k < argc; k++) {
        for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
            if (strcmp(argv[k], commands[i].name) == 0)
                break;
        if (i == sizeof commands / sizeof commands[0])
            return cli_usage_error(NULL, "unknown command '%s'", argv[k]);
    }
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        for (k = 0; k < argc; k++)
            if (strcmp(argv[k], commands[i].name) == 0)
                break;
        if (argc == 0 || k < argc)
            cli_list_options(commands[i].spec, stdout);
    }
    return cli_finish_stdout();
}

#define N_COMMANDS (sizeof commands / sizeof commands[0])

/* `shmspy --completion SHELL`: the completion script of SHELL, from the
 * tables (completions/ holds this output). */
static int completion(int argc, char **argv) {
    const cli_command *specs[N_COMMANDS];
    const char *summaries[N_COMMANDS];
    size_t i;
    for (i = 0; i < N_COMMANDS; i++) {
        specs[i] = commands[i].spec;
        summaries[i] = commands[i].summary;
    }
    return cli_completion(argc == 1 ? argv[0] : NULL, specs, summaries,
                          N_COMMANDS);
}

int main(int argc, char **argv) {
    size_t i;

    spy_process_init();
    if (argc < 2) {
        spy_tui_opts o = {10, 0, 0, 0, NULL, 0, NULL};
        spy_err e;
        int rc;
        spy_err_clear(&e);
        rc = spy_tui_browse(&o, &e);
        if (rc != 0 && e.msg[0] != '\0')
            cli_fail(&e);
        return rc;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        usage(stdout);
        return cli_finish_stdout();
    }
    if (strcmp(argv[1], SPY_DEMO_CHILD) == 0) /* shmspy as the demo's peer */
        return spy_demo_child(argc - 2, argv + 2);
    if (strcmp(argv[1], "--list-options") == 0) /* hidden: for tests */
        return list_options(argc - 2, argv + 2);
    if (strcmp(argv[1], "--completion") == 0)
        return completion(argc - 2, argv + 2);
    if (strcmp(argv[1], "--list-names") == 0) /* hidden: for completion */
        return cli_list_names();
    if (strcmp(argv[1], "--version") == 0)
        return cli_version(argc - 1, argv + 1);
    for (i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return cli_usage_error(NULL, "unknown command '%s'", argv[1]);
}
