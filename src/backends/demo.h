/* demo.h - the classroom experiments behind `shmspy demo`: real
 * objects, processes and faults, reported as observations only (the CLI
 * judges and explains them). posix/demo.c, win32/demo.c; the table of
 * experiments is looked up by demo_table.c. */
#ifndef SPY_DEMO_H
#define SPY_DEMO_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "../core/fault.h"
#include "../core/layout.h"

/* ---- classroom experiments ------------------------------------------------
 */

/* What one experiment really observed. Which fields mean what is listed
 * per experiment in src/cli/cmd_demo.c; unused fields stay 0 / "". */
typedef struct spy_demo_obs {
    int faulted; /* an access faulted; fault describes it */
    spy_fault fault;
    int err;           /* errno / GetLastError() of a failing call, or 0 */
    char err_name[32]; /* "EINVAL", "ENOENT", "ERROR_MAPPED_ALIGNMENT" */
    int64_t v[6];      /* numbers: sizes, values, counts */
    uint64_t addr[2];  /* addresses: here / in another process */
    char text[2][64];  /* strings read back */
    int32_t pid[2];    /* processes the experiment started */
} spy_demo_obs;

/* Runs the experiment called name (the scenario names of `shmspy demo`),
 * with real objects, processes and faults, and fills *o with what was
 * observed. Everything created is removed again. SPY_EINVAL for an
 * unknown name; SPY_EIO when the experiment could not be set up;
 * SPY_ENOTSUP when this system or user cannot run it (tmpfs-full without
 * root or mount namespaces): err says "skipped: " and why. */
int spy_demo_experiment(const char *name, spy_demo_obs *o, spy_err *err);

/* A live scene an experiment leaves for shmspy to inspect before it ends
 * it (the deadlock: two processes stuck on each other's mutex): the
 * segment by name, the layout of the struct at its offset 0 (root set),
 * and the processes taking part. Valid only during the look. */
typedef struct spy_demo_scene {
    const char *seg_name;
    const spy_layout *layout; /* NULL when the scene has none */
    int32_t pid[2];
    /* lost-update: the shared counter (offset and size in the segment)
     * the two processes are incrementing during the look, and which round
     * this is (0: no lock, 1: with the process-shared mutex). */
    uint64_t off;
    unsigned len;
    int round;
} spy_demo_scene;

/* Called by an experiment with its live scene; records what it sees in
 * *o (fields of the experiment's choice) and its own arg. */
typedef void (*spy_demo_look)(const spy_demo_scene *sc, spy_demo_obs *o,
                              void *arg);

/* spy_demo_experiment, and an experiment that sets up a scene calls look
 * while its processes are still there (bounded in time: the experiment
 * ends them after look returns, whatever it did). */
int spy_demo_experiment_look(const char *name, spy_demo_look look, void *arg,
                             spy_demo_obs *o, spy_err *err);

/* 1 if this system runs the experiment called name, else 0 (Windows runs
 * the ones that make sense there: no fork, no SIGBUS, no unlink). */
int spy_demo_available(const char *name);

/* The argument by which shmspy re-executes itself to play the other
 * process of an experiment where there is no fork (Windows):
 * `shmspy SPY_DEMO_CHILD ROLE [ARG]`. */
#define SPY_DEMO_CHILD "--demo-child"

/* Runs that other process's part (argv[0] is ROLE) and returns the exit
 * status. On POSIX, where experiments fork, it says so and returns 2. */
int spy_demo_child(int argc, char **argv);

/* Which family of systems this build is for: the CLI words its lessons
 * accordingly ("SIGSEGV" or "access violation"). */
typedef enum spy_platform {
    SPY_PLATFORM_POSIX,
    SPY_PLATFORM_WINDOWS
} spy_platform;
spy_platform spy_platform_get(void);

#endif
