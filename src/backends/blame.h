/* blame.h - who writes (or reads) a few bytes of a segment: a hardware
 * watchpoint armed at that byte's address in every thread of every
 * process that maps the segment (issue 18).
 *
 * posix/blame.c: perf_event_open(PERF_TYPE_BREAKPOINT, HW_BREAKPOINT_W or
 * _RW, bp_len 1/2/4/8) per thread (tid, cpu -1), sample_period 1,
 * samples of the thread ids, the instruction pointer, the time
 * (CLOCK_MONOTONIC) and the address, each event with its own ring buffer
 * read without stopping the watched thread. Processes and threads that
 * start mapping the segment while blame runs are armed by
 * spy_blame_rescan; those that exit are let go. win32/blame.c: SPY_ENOTSUP
 * ("blame: Linux only: a hardware watchpoint in another process needs a
 * debugger attached to it on Windows").
 *
 * Refusals are one line naming what is missing: kernel.perf_event_paranoid
 * (its value and what it allows), CAP_PERFMON or root, and the ptrace
 * read-access rule (kernel.yama.ptrace_scope) for another user's process;
 * "no hardware breakpoints on this machine" when the kernel offers none
 * (ENOENT/EOPNOTSUPP from perf_event_open). Blame never stops a process:
 * the only cost to a watched thread is the trap on a hit. */
#ifndef SPY_BLAME_H
#define SPY_BLAME_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"
#include "seg.h"

#define SPY_BLAME_MAX_WATCH 4 /* x86-64 has 4 debug registers per thread */

typedef struct spy_blame_opts {
    uint64_t off[SPY_BLAME_MAX_WATCH]; /* segment offsets watched */
    unsigned noff;                     /* 1..SPY_BLAME_MAX_WATCH */
    unsigned len;                      /* 1, 2, 4 or 8; each off % len == 0 */
    int rw;                            /* 0: writes; 1: reads and writes */
} spy_blame_opts;

typedef struct spy_blame_hit {
    uint64_t time_ns; /* CLOCK_MONOTONIC of the trap */
    int pid, tid;
    uint64_t ip;      /* the instruction pointer the kernel reported: on
                         x86 a data breakpoint traps AFTER the access, so
                         this is the next instruction; symbolize ip - 1 */
    uint64_t addr;    /* the watched address in that process */
    uint64_t off;     /* the segment offset (opts.off[slot]) */
    unsigned slot;    /* index into opts.off */
    const char *comm; /* the process's command when it was armed (never
                         NULL; "" unknown); valid during the callback */
} spy_blame_hit;

typedef struct spy_blame_stats {
    unsigned processes;    /* processes with at least one armed thread */
    unsigned threads;      /* threads armed now */
    unsigned refused;      /* threads or processes we could not arm */
    uint64_t hits;         /* samples delivered */
    unsigned hidden;       /* processes whose mappings we may not read
                              (another user's): they may map it unseen */
    uint64_t throttled;    /* times the kernel stopped sampling an event
                              for exceeding kernel.perf_event_max_sample_rate
                              (PERF_RECORD_THROTTLE): its hits until the
                              matching UNTHROTTLE are not sampled at all */
    uint64_t throttled_ns; /* the time so lost, summed over events */
    uint64_t lost;         /* samples the kernel dropped (ring overrun),
                              from PERF_RECORD_LOST */
    char refused_why[256]; /* the first refusal's one line, or "" */
} spy_blame_stats;

typedef struct spy_blame spy_blame;

/* Called for each hit, in time order within one thread's buffer (not
 * across threads). Return non-zero to stop spy_blame_wait early. */
typedef int (*spy_blame_cb)(const spy_blame_hit *h, void *arg);

/* Arms the watchpoints on every thread of every process mapping seg now.
 * Errors: SPY_EINVAL for a bad length, a misaligned offset or too many
 * offsets ("blame: at most 4 offsets (the CPU's debug registers)");
 * SPY_EACCES when not one thread could be armed, naming why; SPY_ENOTSUP
 * (no hardware breakpoints; Windows); SPY_ENOENT when no process maps the
 * segment (blame still starts when `allow_none` is 1 and waits for one). */
int spy_blame_start(spy_seg *seg, const spy_blame_opts *o, int allow_none,
                    spy_blame **out, spy_err *err);
/* Arms new threads of the processes mapping the segment, and every
 * 500 ms (a full pass over /proc/PID/maps) new processes; lets go of
 * mappings that went away. Cheap enough to call every 100 ms. */
int spy_blame_rescan(spy_blame *b, spy_err *err);
/* Waits up to timeout_ms for hits and calls cb for each. Returns 0, or
 * the first non-zero value cb returned, or a negative SPY_E*. */
int spy_blame_wait(spy_blame *b, int timeout_ms, spy_blame_cb cb, void *arg,
                   spy_err *err);
void spy_blame_stats_get(const spy_blame *b, spy_blame_stats *out);
/* The pids of the processes armed now (at most cap of them into out);
 * returns how many there are. For spy_codeloc_prepare on each new one. */
size_t spy_blame_pids(const spy_blame *b, int *out, size_t cap);
/* Disarms everything and frees b (NULL is fine). */
void spy_blame_stop(spy_blame *b);

#endif
