/* process.h - this process and its surroundings: setup, page size,
 * clocks, the hold (wait for Enter, end of input or a signal), durable
 * files and entropy. posix/process.c, win32/process.c. */
#ifndef SPY_PROCESS_H
#define SPY_PROCESS_H

#include <stddef.h>
#include <stdint.h>

#include "../core/err.h"

/* ---- process helpers -------------------------------------------------- */

/* Process-wide setup, called once by main before any output: SIGPIPE is
 * ignored, so writing to a closed pipe (`shmspy dump | head`) becomes an
 * EPIPE write error that the CLI ends on quietly instead of dying. An
 * unset TZ is set to the system zone so that local times are computed
 * without a stat per call. */
void spy_process_init(void);

/* 1 if errnum, the errno of a failed write or flush of standard output,
 * means that its reader has gone (`shmspy dump | head`): EPIPE; on
 * Windows also the EINVAL its C runtime gives for a write to a pipe whose
 * reader closed it (ERROR_NO_DATA). Else 0. */
int spy_stdout_reader_gone(int errnum);

/* The system page size in bytes. */
uint64_t spy_page_size(void);

/* Catches SIGINT, SIGTERM and SIGHUP (Ctrl-C / Ctrl-Break and console
 * close on Windows) from now on, for a later spy_hold_wait: call it before
 * creating what the hold will own, so a signal that arrives meanwhile is
 * remembered (the wait then returns at once) instead of killing the
 * process with the object left behind. Optional: spy_hold_wait arms
 * itself; it also restores the previous handlers. */
int spy_hold_arm(spy_err *err);

/* Blocks until Enter or end-of-file on standard input, or SIGINT, SIGTERM
 * or SIGHUP. *why is set to a static string naming the reason ("Enter",
 * "end of input", "SIGTERM", ...). */
int spy_hold_wait(const char **why, spy_err *err);

/* Current time as seconds since the epoch, and monotonic milliseconds. */
int64_t spy_now(void);
uint64_t spy_monotonic_ms(void);

/* Sleeps ms milliseconds, or less when a signal arrives (callers that
 * wait for a flag set by a handler sleep in short slices and re-test). */
void spy_sleep_ms(unsigned ms);

/* Monotonic nanoseconds (an arbitrary origin), and a sleep until the
 * monotonic time `deadline_ns` (absolute, so periodic sleepers never
 * drift). The sleep returns early when a signal arrives (POSIX); callers
 * re-test their flags. A deadline already past returns at once. */
uint64_t spy_monotonic_ns(void);
void spy_sleep_until_ns(uint64_t deadline_ns);

/* The wall clock as nanoseconds since the Unix epoch (a recording's
 * start). */
uint64_t spy_wall_ns(void);

/* `record --ring`'s "save now" signal: SIGUSR1 calls fn (from a signal
 * handler: fn may only set a volatile sig_atomic_t) until
 * spy_save_signal_restore. SPY_ENOTSUP on Windows, which has no such
 * signal. */
int spy_save_signal_catch(void (*fn)(int), spy_err *err);
void spy_save_signal_restore(void);

/* Writes len bytes to a NEW file at path (SPY_EEXIST rather than replace
 * one), mode 0600, then fsyncs the file and its directory, so that the
 * data is on disk before the caller goes on. A failed write removes the
 * partial file. */
int spy_durable_create(const char *path, const void *data, size_t len,
                       spy_err *err);

/* Reads the regular file at path, at most max bytes (SPY_ERANGE if it is
 * larger), into a new malloc'd buffer *out of *len bytes; the caller frees
 * it. */
int spy_file_slurp(const char *path, size_t max, char **out, size_t *len,
                   spy_err *err);

/* Some bits that differ from run to run (time, pid): the default seed of
 * `inject corrupt`. Not for cryptography. */
uint64_t spy_entropy(void);

/* This process's id, for unique default file names. */
long spy_self_pid(void);

/* What this build's backend is, for `shmspy --version`: the platform
 * ("linux", "windows", "unix"), the backend ("posix", "win32") and the
 * kinds of shared memory it reaches. The strings are static. */
typedef struct spy_platform_facts {
    const char *platform, *backend, *kinds;
} spy_platform_facts;
void spy_platform_facts_get(spy_platform_facts *out);

/* 1 if this process can in principle see every process of the machine
 * (Linux: it is in the initial PID namespace, whose /proc/self/ns/pid
 * inode is the kernel's fixed PROC_PID_INIT_INO; Windows: always). 0 in a
 * PID namespace of its own (a container, `unshare -p`): processes outside
 * it are not in its /proc, so a count of the processes using an object
 * that other namespaces can reach (a shared /dev/shm) is only a lower
 * bound; why (cap bytes, when non-NULL) then says so in a phrase. */
int spy_sees_all_processes(char *why, size_t cap);

#endif
