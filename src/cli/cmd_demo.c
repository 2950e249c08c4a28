/* cmd_demo.c - `shmspy demo [SCENARIO] [--json]`: classroom scenarios.
 *
 * Each scenario runs a real experiment (spy_demo_experiment, in the
 * backend), prints its steps, what was really observed, and the
 * explanation; it passes when the system behaved as the lesson says. */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "../core/explain.h"
#include "../core/json.h"
#include "../core/name.h"
#include "../ops/blame.h"
#include "../ops/locks.h"
#include "cli.h"
#include "../backends/demo.h"
#include "../backends/process.h"

typedef struct demo_out {
    spy_json *json; /* NULL: text */
    char observed[4096];
    char looked[1536]; /* what a look at a live scene saw (deadlock) */
    char comm[2][32];  /* deadlock: the commands of the holders of A, B */
    struct lu_look {   /* lost-update: what blame saw, per round */
        int looked;    /* the look ran */
        int skipped;   /* blame could not run: why says why */
        char why[512];
        int pid[2];
        char comm[2][64];
        uint64_t count[2]; /* hits of scene pid[k] */
        uint64_t ip[2];    /* its most frequent site */
        char where[2][512];
        uint64_t ms, lost;
    } lu[2];
} demo_out;

/* Records the observed outcome (formatted), shown as "observed:". */
static void observed(demo_out *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(SPY_PRINTF_FMT, 2, 3)))
#endif
    ;
static void observed(demo_out *d, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->observed, sizeof d->observed, fmt, ap);
    va_end(ap);
}

static int fault_is(const spy_demo_obs *o, const char *sig, const char *code) {
    return o->faulted && strcmp(o->fault.sig_name, sig) == 0 &&
           (code == NULL || strcmp(o->fault.code_name, code) == 0);
}

static void say_fault(demo_out *d, const spy_demo_obs *o, const char *what) {
    if (o->faulted)
        observed(d, "%s: %s (%s) at 0x%" PRIx64 ", caught.", what,
                 o->fault.sig_name, o->fault.code_name, o->fault.addr);
    else
        observed(d, "%s: no fault.", what);
}

static int on_windows(void) {
    return spy_platform_get() == SPY_PLATFORM_WINDOWS;
}

/* An access that faulted for want of memory or of permission (not for
 * want of backing, which is a different lesson). */
static int fault_segv_like(const spy_demo_obs *o) {
    return o->faulted && (o->fault.kind == SPY_FAULT_UNMAPPED ||
                          o->fault.kind == SPY_FAULT_PROT);
}

/* text[0]: what the other process wrote at its address (when it says);
 * text[1]: what that address held here when reading it did not fault. */
static int j_fixed_pointer(const spy_demo_obs *o, demo_out *d) {
    if (!o->faulted && o->text[0][0] != '\0') {
        observed(d,
                 "dereferencing the other process's pointer here: no fault, "
                 "but it reads \"%s\", not the other process's \"%s\" (the "
                 "number happens to be a valid address here too).",
                 o->text[1], o->text[0]);
        return strcmp(o->text[0], o->text[1]) != 0;
    }
    say_fault(d, o, "dereferencing the other process's pointer here");
    return fault_segv_like(o);
}
static int j_null(const spy_demo_obs *o, demo_out *d) {
    say_fault(d, o, "reading *(char *)NULL");
    return o->faulted && o->fault.kind == SPY_FAULT_UNMAPPED;
}
static int j_munmap(const spy_demo_obs *o, demo_out *d) {
    char before[256];
    snprintf(before, sizeof before, "before %s the read %s; after it",
             on_windows() ? "UnmapViewOfFile" : "munmap",
             o->v[1] ? "faulted" : "worked");
    say_fault(d, o, before);
    return o->v[1] == 0 && o->faulted && o->fault.kind == SPY_FAULT_UNMAPPED;
}
static int j_readonly(const spy_demo_obs *o, demo_out *d) {
    char what[128];
    snprintf(what, sizeof what, "reading the %s view %s; writing it",
             on_windows() ? "FILE_MAP_READ" : "PROT_READ",
             o->v[1] ? "faulted" : "worked");
    say_fault(d, o, what);
    return o->v[1] == 0 && o->faulted && o->fault.kind == SPY_FAULT_PROT;
}
/* The explanation of a SIGBUS (core/explain.c, as probe gives it),
 * appended to the observed line; returns its cause. */
static spy_sigbus_cause explain_sigbus(demo_out *d, spy_sigbus_facts *f,
                                       const spy_demo_obs *o) {
    char why[768];
    size_t n = strlen(d->observed);
    spy_sigbus_cause c;
    f->page = 4096;
    c = spy_explain_sigbus(f, o->fault.code_name, why, sizeof why);
    snprintf(d->observed + n, sizeof d->observed - n, " Explanation: %s", why);
    return c;
}

static int j_truncate(const spy_demo_obs *o, demo_out *d) {
    char what[160];
    spy_sigbus_facts f;
    int cause = SPY_SIGBUS_UNKNOWN;
    snprintf(what, sizeof what,
             "before: reading page 2 %s; another process truncated the "
             "object to 0 (%s); then reading page 2",
             o->v[1] ? "faulted" : "worked", o->v[2] ? "done" : "failed");
    say_fault(d, o, what);
    if (fault_is(o, "SIGBUS", NULL)) {
        memset(&f, 0, sizeof f);
        f.off = 4096; /* page 2 */
        f.size = 0;   /* the size the other process set */
        f.what = "object offset 4096";
        cause = explain_sigbus(d, &f, o);
    }
    return o->v[1] == 0 && o->v[2] == 1 && fault_is(o, "SIGBUS", NULL) &&
           cause == SPY_SIGBUS_PAST_END;
}
/* v[0] size at fault time, v[1] offset of the fault, v[2] bytes free on
 * the tmpfs then, v[3] pages touched first; addr[0] the size created;
 * text[0] "tmpfs" when /dev/shm was one; text[1] the mount options. */
static int j_tmpfs_full(const spy_demo_obs *o, demo_out *d) {
    char what[256], at[64];
    spy_sigbus_facts f;
    int cause = SPY_SIGBUS_UNKNOWN;
    snprintf(what, sizeof what,
             "a %" PRIu64 "-byte object on a tmpfs mounted with %s: %" PRId64
             " pages written, then the next",
             o->addr[0], o->text[1], o->v[3]);
    say_fault(d, o, what);
    if (fault_is(o, "SIGBUS", NULL)) {
        snprintf(at, sizeof at, "object offset %" PRId64, o->v[1]);
        memset(&f, 0, sizeof f);
        f.off = (uint64_t)o->v[1];
        f.size = o->v[0];
        f.has_free = o->v[2] >= 0;
        f.free = (uint64_t)o->v[2];
        f.tmpfs = strcmp(o->text[0], "tmpfs") == 0;
        f.what = at;
        cause = explain_sigbus(d, &f, o);
    }
    return fault_is(o, "SIGBUS", NULL) && cause == SPY_SIGBUS_FS_FULL &&
           o->v[0] == (int64_t)o->addr[0];
}
static int j_past_eof(const spy_demo_obs *o, demo_out *d) {
    char what[200];
    snprintf(what, sizeof what,
             "file of %" PRId64 " bytes mapped as 8192: offset 200 (same "
             "page) read %s value %" PRId64 "; offset 4104 (next page)",
             o->v[0], o->v[2] ? "faulted," : "fine,", o->v[1]);
    say_fault(d, o, what);
    return o->v[2] == 0 && o->v[1] == 0 && fault_is(o, "SIGBUS", NULL);
}
static int j_unlink(const spy_demo_obs *o, demo_out *d) {
    observed(d,
             "after shm_unlink, shm_open of the name fails with %s; the "
             "mapping still reads \"%s\".",
             o->err ? o->err_name : "no error (!)", o->text[0]);
    return o->err != 0 && strcmp(o->err_name, "ENOENT") == 0 &&
           strcmp(o->text[0], "still here after unlink") == 0;
}
/* The experiment writes "written through " and the view's flag. */
static int j_cow(const spy_demo_obs *o, demo_out *d) {
    int win = on_windows();
    char shared[64];
    snprintf(shared, sizeof shared, "written through %s",
             win ? "FILE_MAP_WRITE" : "MAP_SHARED");
    observed(d,
             "after writing through %s, another process reads \"%s\"; "
             "after writing through %s it reads \"%s\"; the private view "
             "%s its own copy.",
             win ? "FILE_MAP_COPY" : "MAP_PRIVATE", o->text[0],
             win ? "FILE_MAP_WRITE" : "MAP_SHARED", o->text[1],
             o->v[0] ? "still shows" : "lost");
    return o->text[0][0] == '\0' && strcmp(o->text[1], shared) == 0 && o->v[0];
}
static int j_addresses(const spy_demo_obs *o, demo_out *d) {
    observed(d,
             "this process maps it at 0x%" PRIx64 " and reads \"%s\"; the "
             "other process maps it at 0x%" PRIx64 " and reads \"%s\".",
             o->addr[0], o->text[0], o->addr[1], o->text[1]);
    return o->addr[0] != o->addr[1] && strcmp(o->text[0], o->text[1]) == 0 &&
           o->text[0][0] != '\0';
}
static int j_fork_anon(const spy_demo_obs *o, demo_out *d) {
    observed(d,
             "unsynchronised, the child read %" PRId64 " (%s); with the "
             "semaphore it read %" PRId64 ".",
             o->v[0],
             o->v[0] == 42 ? "the parent happened to write first this time"
                           : "it ran before the parent wrote",
             o->v[1]);
    return o->v[1] == 42 && (o->v[0] == 0 || o->v[0] == 42);
}
static int j_never_sized(const spy_demo_obs *o, demo_out *d) {
    char what[160];
    snprintf(what, sizeof what,
             "fstat says %" PRId64 " bytes; mmap of 4096 bytes %s; touching "
             "it",
             o->v[0], o->v[1] ? "succeeded" : "failed");
    say_fault(d, o, what);
    return o->v[0] == 0 &&
           (fault_is(o, "SIGBUS", NULL) || (o->v[1] == 0 && o->err != 0));
}
static int j_misaligned(const spy_demo_obs *o, demo_out *d) {
    int win = on_windows();
    observed(d,
             "%s at offset %" PRId64 " failed with %s; at offset %" PRId64
             " (%s) it %s.",
             win ? "MapViewOfFile" : "mmap", o->v[0],
             o->err ? o->err_name : "no error (!)", o->v[1],
             win ? "the allocation granularity" : "one page",
             o->v[2] ? "worked" : "failed");
    return o->err != 0 &&
           strcmp(o->err_name, win ? "ERROR_MAPPED_ALIGNMENT" : "EINVAL") ==
               0 &&
           o->v[2];
}
static int j_paging(const spy_demo_obs *o, demo_out *d) {
    observed(d,
             "reading all %" PRId64 " records (%" PRId64 " pages) cost %" PRId64
             " minor page fault%s.",
             o->v[0], o->v[2], o->v[1], o->v[1] == 1 ? "" : "s");
    return o->v[1] >= 0 && o->v[1] <= o->v[2] + 2;
}

/* ---- deadlock: shmspy's own lock inspection on a live scene ----------- */

#define LOOK_MS                                                                \
    2000 /* the waiters show up within this, or are reported                   \
            as they are */

/* How many of the scene's processes w shows asleep in the segment. */
static int scene_sleepers(const spy_waiters *w, const spy_demo_scene *sc) {
    size_t i;
    int n = 0;
    for (i = 0; i < w->n; i++)
        n += w->v[i].pid == sc->pid[0] || w->v[i].pid == sc->pid[1];
    return n;
}

/* Looks at the deadlocked scene with ops/locks, as `read --field` would:
 * the report of mutexes a and b. v[0] holder of A, v[1] the process
 * waiting for A, v[2] holder of B, v[3] waiting for B (0: none seen). */
static void look_deadlock(const spy_demo_scene *sc, spy_demo_obs *o,
                          void *arg) {
    static const char *const field[2] = {"a", "b"};
    static spy_name n;
    demo_out *d = arg;
    spy_seg *seg = NULL;
    spy_waiters w;
    spy_err e;
    uint64_t t0 = spy_monotonic_ms();
    size_t len = 0;
    int k;

    if (spy_name_parse(sc->seg_name, &n, &e) != 0 ||
        spy_seg_open(&n, 0, 0, 0, &seg, &e) != 0) {
        snprintf(d->looked, sizeof d->looked, "could not open %s: %s",
                 sc->seg_name, e.msg);
        return;
    }
    /* The backend saw both asleep; their threads show in futex() a moment
     * later at most. */
    while (spy_futex_waiters(seg, &w, &e) == 0) {
        if (scene_sleepers(&w, sc) >= 2 || spy_monotonic_ms() - t0 > LOOK_MS)
            break;
        spy_waiters_free(&w);
    }
    for (k = 0; k < 2; k++) {
        spy_lfield f;
        spy_lock_report r;
        uint8_t bytes[256];
        char line[700];
        int rc = spy_layout_field(sc->layout, sc->layout->root, 0,
                                  spy_seg_len(seg), field[k], &f, &e);
        if (rc == 0 && f.size <= sizeof bytes)
            rc = spy_seg_read(seg, f.offset, bytes, (size_t)f.size, &e);
        if (rc == 0)
            rc = spy_lock_report_make(sc->layout, &f, bytes, (size_t)f.size,
                                      w.v != NULL || w.n == 0 ? &w : NULL, NULL,
                                      &r, &e);
        if (rc != 0) {
            snprintf(line, sizeof line, "%s", e.msg);
        } else {
            spy_lock_report_text(&r, line, sizeof line);
            if (r.owner_looked_up && r.owner.exists) {
                o->v[2 * k] = r.owner.pid;
                snprintf(d->comm[k], sizeof d->comm[k], "%s", r.owner.comm);
            }
            if (r.nwaiters == 1)
                o->v[2 * k + 1] = r.waiters[0].pid;
        }
        spy_lock_report_free(&r);
        len += (size_t)snprintf(d->looked + len, sizeof d->looked - len,
                                "%s%s (offset %" PRIu64 "): %s.",
                                k == 0 ? "" : " ", k == 0 ? "A" : "B", f.offset,
                                line);
        if (len >= sizeof d->looked)
            len = sizeof d->looked - 1;
    }
    spy_waiters_free(&w);
    spy_seg_close(seg);
}

/* pid[] the two processes (p1 takes A then B, p2 B then A); v[] as
 * look_deadlock says. */
static int j_deadlock(const spy_demo_obs *o, demo_out *d) {
    int cycle = o->v[0] == o->pid[0] && o->v[3] == o->pid[0] &&
                o->v[2] == o->pid[1] && o->v[1] == o->pid[1] && o->pid[0] > 0 &&
                o->pid[1] > 0;
    if (cycle)
        observed(d,
                 "%s So: pid %d (%s) holds A and waits for B; pid %d (%s) "
                 "holds B and waits for A: a cycle, a deadlock. Both were "
                 "then killed and the segment removed.",
                 d->looked, (int)o->pid[0], d->comm[0], (int)o->pid[1],
                 d->comm[1]);
    else
        observed(d,
                 "%s The two processes (pids %d and %d) were not both seen "
                 "holding one mutex and waiting for the other. Both were "
                 "then killed and the segment removed.",
                 d->looked, (int)o->pid[0], (int)o->pid[1]);
    return cycle;
}

/* ---- lost-update: blame a sample of the increments -------------------- */

#define LU_SAMPLE_HITS 200 /* per process: enough to name its code */
#define LU_SAMPLE_MS 1500  /* the window never lasts longer */

/* Arms blame (ops/blame.h, the one implementation) on the scene's counter
 * while the two processes increment it slowly, for LU_SAMPLE_HITS hits
 * each or LU_SAMPLE_MS, and keeps per process its hits and its most
 * frequent code location. When blame cannot run (no hardware
 * breakpoints, perf_event_paranoid, Windows) says why: the shortfall is
 * shown all the same. */
static void look_lost_update(const spy_demo_scene *sc, spy_demo_obs *o,
                             void *arg) {
    static spy_name n;
    demo_out *d = arg;
    struct lu_look *L = &d->lu[sc->round ? 1 : 0];
    spy_seg *seg = NULL;
    spy_blame_session *bs = NULL;
    spy_blame_opts bo;
    spy_blame_stats st;
    const spy_blame_writer *w;
    size_t nw, i;
    spy_err e;
    uint64_t t0 = spy_monotonic_ms();
    int k, rc = 0;

    (void)o;
    L->looked = 1;
    L->pid[0] = sc->pid[0];
    L->pid[1] = sc->pid[1];
    memset(&bo, 0, sizeof bo);
    bo.off[0] = sc->off;
    bo.noff = 1;
    bo.len = sc->len;
    if (spy_name_parse(sc->seg_name, &n, &e) != 0 ||
        spy_seg_open(&n, 0, 0, 0, &seg, &e) != 0 ||
        spy_blame_session_start(seg, &bo, 0, &bs, &e) != 0) {
        L->skipped = 1;
        snprintf(L->why, sizeof L->why, "%s", e.msg);
        spy_seg_close(seg);
        return;
    }
    for (;;) {
        int enough = 1;
        if ((rc = spy_blame_session_step(bs, 20, NULL, NULL, &e)) != 0)
            break;
        spy_blame_session_writers(bs, &w, &nw);
        for (k = 0; k < 2; k++) {
            uint64_t c = 0;
            for (i = 0; i < nw; i++)
                if (w[i].pid == sc->pid[k])
                    c = w[i].count;
            enough = enough && c >= LU_SAMPLE_HITS;
        }
        if (enough || spy_monotonic_ms() - t0 >= LU_SAMPLE_MS)
            break;
    }
    L->ms = spy_monotonic_ms() - t0;
    if (rc < 0) {
        L->skipped = 1;
        snprintf(L->why, sizeof L->why, "%s", e.msg);
    }
    spy_blame_session_writers(bs, &w, &nw);
    for (k = 0; k < 2; k++)
        for (i = 0; i < nw; i++)
            if (w[i].pid == sc->pid[k]) {
                L->count[k] = w[i].count;
                snprintf(L->comm[k], sizeof L->comm[k], "%s", w[i].comm);
                if (w[i].nsites > 0) {
                    L->ip[k] = w[i].sites[0].ip;
                    snprintf(L->where[k], sizeof L->where[k], "%s",
                             w[i].sites[0].where);
                }
            }
    spy_blame_session_stats(bs, &st);
    L->lost = st.lost;
    spy_blame_session_stop(bs);
    spy_seg_close(seg);
}

/* Both processes seen writing, from the same code location (same ip). */
static int lu_same_site(const struct lu_look *L) {
    return L->count[0] > 0 && L->count[1] > 0 && L->ip[0] == L->ip[1] &&
           strcmp(L->where[0], L->where[1]) == 0 && L->where[0][0] != '\0';
}

/* What blame saw in one round, appended to the observed text. */
static void lu_say_blame(demo_out *d, const struct lu_look *L) {
    size_t n = strlen(d->observed);
    char *p = d->observed + n;
    size_t cap = sizeof d->observed - n;
    if (!L->looked)
        return;
    if (L->skipped) {
        snprintf(p, cap, " Blame skipped: %s.", L->why);
        return;
    }
    if (lu_same_site(L))
        snprintf(p, cap,
                 " Blame (a hardware watchpoint on the counter in both "
                 "processes, a %" PRIu64 " ms sample of slowed-down "
                 "increments): pid %d (%s) wrote it %" PRIu64
                 " times and pid %d (%s) %" PRIu64 " times, both from the "
                 "same instruction: %s%s.",
                 L->ms, L->pid[0], L->comm[0], L->count[0], L->pid[1],
                 L->comm[1], L->count[1], L->where[0],
                 L->lost ? " (some samples lost)" : "");
    else
        snprintf(p, cap,
                 " Blame (a %" PRIu64 " ms sample): pid %d wrote it %" PRIu64
                 " times from %s; pid %d %" PRIu64 " times from %s.",
                 L->ms, L->pid[0], L->count[0],
                 L->where[0][0] ? L->where[0] : "nowhere seen", L->pid[1],
                 L->count[1], L->where[1][0] ? L->where[1] : "nowhere seen");
}

/* v[0] increments per process, v[1] the counter after the unlocked run
 * (v[3] tries), v[2] after the locked run of v[4] increments per process;
 * d->lu what blame saw. */
static int j_lost_update(const spy_demo_obs *o, demo_out *d) {
    int64_t want = 2 * o->v[0], lost = want - o->v[1];
    size_t n;
    int ok;
    observed(d,
             "Without a lock: 2 processes x %" PRId64 " increments should "
             "make %" PRId64 "; the counter reads %" PRId64 ": %" PRId64
             " updates lost (%.1f%%)",
             o->v[0], want, o->v[1], lost,
             want ? 100.0 * (double)lost / (double)want : 0.0);
    n = strlen(d->observed);
    if (o->v[3] > 1)
        snprintf(d->observed + n, sizeof d->observed - n,
                 " in run %" PRId64 " (the %" PRId64
                 " before lost none: the two processes did not overlap)",
                 o->v[3], o->v[3] - 1);
    n = strlen(d->observed);
    snprintf(d->observed + n, sizeof d->observed - n, ".");
    lu_say_blame(d, &d->lu[0]);
    n = strlen(d->observed);
    snprintf(d->observed + n, sizeof d->observed - n,
             " With the process-shared mutex: the counter reads %" PRId64
             " (2 processes x %" PRId64 " increments)%s.",
             o->v[2], o->v[4],
             o->v[2] == 2 * o->v[4] ? ", exactly 2 x N" : ", NOT 2 x N");
    lu_say_blame(d, &d->lu[1]);
    ok = o->v[1] < want && o->v[2] == 2 * o->v[4];
    /* Where blame ran, it must have named both writers at one place. */
    for (n = 0; n < 2; n++)
        if (d->lu[n].looked && !d->lu[n].skipped && !lu_same_site(&d->lu[n]))
            ok = 0;
    return ok;
}

/* A scenario's words for POSIX; the win_ ones, where Windows words it
 * differently (NULL: the same words). Whether it runs on this system is
 * the backend's to say (spy_demo_available). */
typedef struct scenario {
    const char *name;
    const char *summary;
    const char *steps;
    const char *lesson;
    int (*judge)(const spy_demo_obs *o, demo_out *d);
    const char *win_summary, *win_steps, *win_lesson;
    /* A scenario whose experiment leaves a live scene: what shmspy does
     * with it (NULL: none). */
    void (*look)(const spy_demo_scene *sc, spy_demo_obs *o, void *arg);
} scenario;

static const scenario scenarios[] = {
    {"fixed-pointer", "dereference a pointer value printed by another process",
     "A second process (a fork) maps a fresh page, writes a string there and "
     "reports the page's address. This process then reads that address.",
     "A pointer is only meaningful in the process that made it: here the "
     "same number points at nothing (or at something else entirely). "
     "Processes sharing memory must pass offsets, not pointers.",
     j_fixed_pointer, NULL,
     "A second process (shmspy started again: Windows has no fork) "
     "allocates a fresh page with VirtualAlloc, writes a string "
     "there and reports the page's address. This process then reads "
     "that address.",
     NULL, NULL},
    {"null-deref", "read through a NULL pointer", "Read one byte at address 0.",
     "The lowest pages are never mapped so that a NULL dereference faults "
     "at once with SEGV_MAPERR.",
     j_null, NULL, NULL,
     "The lowest 64 KiB of every Windows process are never mapped "
     "(MEM_FREE), so that a NULL dereference raises "
     "EXCEPTION_ACCESS_VIOLATION at once.",
     NULL},
    {"use-after-munmap", "read a mapping after munmap",
     "Map a page, write to it, read it; munmap it; read it again.",
     "After munmap the address range no longer exists: the same pointer now "
     "faults with SEGV_MAPERR (or, worse, later points into an unrelated new "
     "mapping).",
     j_munmap, "read a view after UnmapViewOfFile",
     "Map a view of a section, write to it, read it; "
     "UnmapViewOfFile; read it again.",
     "After UnmapViewOfFile the address range is free again "
     "(MEM_FREE): the same pointer now raises an access violation "
     "(or, worse, later points into an unrelated new allocation).",
     NULL},
    {"write-to-readonly", "write to a PROT_READ view of shared memory",
     "Map a shared memory object with PROT_READ; read it; write it.",
     "The page exists but is not writable: SIGSEGV with SEGV_ACCERR "
     "(mapped, wrong access). Open and map read-write to write.",
     j_readonly, "write to a FILE_MAP_READ view of a section",
     "Create a section and map a view with FILE_MAP_READ (its pages "
     "are PAGE_READONLY); read it; write it.",
     "The page exists but is read-only: EXCEPTION_ACCESS_VIOLATION "
     "with ExceptionInformation[0] = 1, a write (mapped, wrong "
     "access). Map the view with FILE_MAP_WRITE to write.",
     NULL},
    {"truncate-under-reader", "another process shrinks the object while mapped",
     "Map a 2-page object; read page 2; a second process ftruncates the "
     "object to 0; read page 2 again.",
     "The mapping stays, but pages with no object behind them raise SIGBUS "
     "(not SIGSEGV). Readers must check the size (fstat) and tolerate "
     "shrinking, as shmspy does with its fault guard.",
     j_truncate, NULL, NULL, NULL, NULL},
    {"past-end-of-file", "map a file beyond its end",
     "Write a 100-byte file, map 8192 bytes of it; read offset 200, then "
     "offset 4104.",
     "Within the last page, bytes past the end read as zero; whole pages "
     "past the end raise SIGBUS. Size the file (ftruncate) before mapping.",
     j_past_eof, NULL, NULL, NULL, NULL},
    {"unlink-while-mapped", "remove the name of a mapped object",
     "Create, map and write an object; shm_unlink it; try to open the name; "
     "read the mapping.",
     "shm_unlink removes the name, not the memory: the data lives until the "
     "last process unmaps it, but no new process can open it.",
     j_unlink, NULL, NULL, NULL, NULL},
    {"copy-on-write", "MAP_PRIVATE versus MAP_SHARED",
     "Map one object twice, privately and shared. Write through the private "
     "view and let another process read the object; then write through the "
     "shared view and let it read again.",
     "MAP_PRIVATE writes go to a private copy of the page: no other process "
     "sees them. Only MAP_SHARED writes reach the object.",
     j_cow, "FILE_MAP_COPY versus FILE_MAP_WRITE",
     "Map one section twice, with FILE_MAP_COPY and with "
     "FILE_MAP_WRITE. Write through the copy view and let another "
     "process read the section; then write through the shared view "
     "and let it read again.",
     "A FILE_MAP_COPY view (PAGE_WRITECOPY) gets a private copy of "
     "each page it writes: no other process sees those writes. Only "
     "FILE_MAP_WRITE views change the section.",
     NULL},
    {"different-addresses", "one segment, two processes, two addresses",
     "Map an object here and write a string; a second process maps the same "
     "object and reads it.",
     "The same bytes appear at different addresses in different processes. "
     "Store offsets from the segment start in shared data, never pointers.",
     j_addresses, NULL,
     "Create a named section, map a view here and write a string; a "
     "second process opens the section by name (OpenFileMapping), "
     "maps a view and reads it.",
     NULL, NULL},
    {"fork-anonymous", "MAP_SHARED|MAP_ANONYMOUS across fork, and its race",
     "Map anonymous shared memory, fork; the child reads a value the parent "
     "writes — first without synchronisation, then waiting on a "
     "process-shared semaphore in the same memory.",
     "The memory is shared, but nothing orders the two processes: without "
     "synchronisation the child may read before the parent writes. A "
     "semaphore (or mutex) makes the order certain.",
     j_fork_anon, NULL, NULL, NULL, NULL},
    {"never-sized", "shm_open without ftruncate",
     "Create an object with shm_open and no ftruncate; fstat it; map 4096 "
     "bytes; touch them.",
     "A new object is 0 bytes. mmap accepts the length, but touching pages "
     "with no object behind them raises SIGBUS. Always ftruncate first.",
     j_never_sized, NULL, NULL, NULL, NULL},
    {"misaligned-offset", "mmap at an offset that is not page-aligned",
     "Map an object at offset 100, then at offset 4096.",
     "The offset of mmap must be a multiple of the page size: EINVAL "
     "otherwise. Map from an aligned offset and add the remainder.",
     j_misaligned, "MapViewOfFile at an offset that is not aligned",
     "Map a view of a section at offset 100, then at the allocation "
     "granularity (from GetSystemInfo, usually 65536).",
     "The offset of MapViewOfFile must be a multiple of the "
     "allocation granularity (64 KiB on every current Windows, not "
     "the 4 KiB page): ERROR_MAPPED_ALIGNMENT otherwise. Map from an "
     "aligned offset and add the remainder.",
     NULL},
    {"demand-paging", "count page faults while reading 1,000 records",
     "Write 1,000 records of 20 bytes to a file, map it, read every record, "
     "and count minor page faults with getrusage.",
     "Memory is mapped lazily, a page (4 KiB) at a time, often several pages "
     "per fault: the cost is per page touched, not per record read.",
     j_paging, NULL, NULL, NULL, NULL},
    {"tmpfs-full", "SIGBUS from a full tmpfs, nothing truncated",
     "As root, in a private mount namespace (nothing outside sees it): "
     "mount a 256 KiB tmpfs on /dev/shm, create a 1 MiB object (ftruncate: "
     "all holes), map it, and write its pages one by one. Skipped, with the "
     "reason, without root or mount namespaces.",
     "A hole's page is allocated on first touch. When the tmpfs (memory) "
     "behind /dev/shm is full, that touch raises SIGBUS at an offset "
     "inside the object: nothing was truncated, unlike the SIGBUS past the "
     "end. Write (or fallocate) the whole object once after sizing it, and "
     "watch how full /dev/shm is ('shmspy stat' warns).",
     j_tmpfs_full, NULL, NULL, NULL, NULL},
    {"deadlock", "two processes, two mutexes, opposite orders: shmspy names it",
     "Two processes share a segment holding two process-shared mutexes, A "
     "and B. Process 1 locks A, process 2 locks B; after a barrier (both "
     "hold one) process 1 asks for B and process 2 for A. Then shmspy "
     "inspects the segment as 'shmspy read --field' would: each mutex's "
     "owner thread (from its bytes) and the threads asleep in futex() on "
     "it (from /proc/PID/task/TID/syscall). Both processes are killed "
     "after at most a few seconds.",
     "Each process holds what the other waits for: neither can go on, "
     "and nothing in the kernel breaks the cycle. Take locks in one "
     "global order (always A before B), or use pthread_mutex_trylock or "
     "a timed lock and back off. In shared memory a lock word names its "
     "owner thread; who sleeps on it is in /proc (futex waiters): that is "
     "how shmspy names who holds what.",
     j_deadlock, NULL, NULL, NULL, look_deadlock},
    {"lost-update",
     "two processes increment one counter without a lock: updates are lost",
     "Two processes share a segment holding a 64-bit counter and a "
     "process-shared mutex. First shmspy blames a sample: it arms a hardware "
     "watchpoint on the counter in both (as 'shmspy blame' does) while they "
     "increment it slowly, and names who writes it and from where; then it "
     "disarms. Then both start together and each increments the counter "
     "50,000,000 times with counter = counter + 1 and no lock (tried "
     "again, up to 10 times, should no update be lost). Then the same with "
     "the mutex held around each of 1,000,000 increments each.",
     "counter = counter + 1 is three steps: load, add, store. When both "
     "processes load the same value, both store value + 1 and one increment "
     "is lost; nothing warns. Blame shows the two writers at the very same "
     "instruction: the bug is not in one process, it is in the code both "
     "run. A process-shared mutex (or an atomic add, "
     "__atomic_fetch_add) makes each increment whole, and the count is "
     "exact. Why a sample: while a watchpoint is armed, every increment "
     "traps into the kernel (microseconds each), which spreads the two "
     "processes' increments apart and hides the race, so the counting run "
     "goes unwatched at full speed.",
     j_lost_update, NULL, NULL, NULL, look_lost_update},
};

#define N_SCENARIOS (sizeof scenarios / sizeof scenarios[0])

/* What the command line asks for. */
typedef struct demo_req {
    const char *scenario;
    int json;
} demo_req;

static const cli_option demo_options[] = {
    CLI_OPT(0, "json", CLI_FLAG, offsetof(demo_req, json), NULL,
            "JSON: an array of scenarios, or the scenario's result"),
    {0}};

/* What completion offers besides the scenarios `shmspy demo` lists. */
static const cli_choice demo_all[] = {{"all", 0, 0, 0}, {NULL, 0, 0, 0}};

static const cli_pos demo_args[] = {
    {"SCENARIO", offsetof(demo_req, scenario), 0, NULL, CLI_V_LISTED, demo_all},
    {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_demo_spec = {
    "demo",
    "demo [SCENARIO] [--json]",
    "Runs a classroom scenario with real objects, processes and faults,\n"
    "prints its steps, what was observed, and the explanation. Exit 0 when\n"
    "the system behaved as the lesson says. Without SCENARIO, lists them;\n"
    "'shmspy demo all' runs every one. A scenario this system or user cannot\n"
    "run (tmpfs-full needs root) is skipped: one line 'skipped: WHY', exit 1\n"
    "on its own, not a failure within 'demo all'.\n",
    demo_options,
    demo_args,
    NULL,
    NULL,
    NULL};

/* The scenario's words on this system. */
static const char *words(const char *posix, const char *win) {
    return on_windows() && win != NULL ? win : posix;
}
static const char *summary_of(const scenario *s) {
    return words(s->summary, s->win_summary);
}

/* A scenario this system or user cannot run (e says "skipped: why"): in
 * `demo all` (item) one line or item, not a failure (SPY_EXIT_OK); run on
 * its own, the one error line and SPY_EXIT_RUNTIME. */
static int skipped(const scenario *s, spy_json *j, int item, spy_err *e) {
    if (!item)
        return cli_fail(e);
    if (j != NULL) {
        spy_json_obj_begin(j);
        spy_json_key(j, "scenario");
        spy_json_str(j, s->name);
        spy_json_key(j, "skipped");
        spy_json_str(j, e->msg);
        spy_json_obj_end(j);
    } else {
        printf("== %s: %s\n\n", s->name, e->msg);
    }
    return SPY_EXIT_OK;
}

/* Runs scenario s and prints what happened: as text when j is NULL, else
 * as one object, an item of the open array when item is set, else the
 * whole document. */
static int run_one(const scenario *s, spy_json *j, int item) {
    spy_demo_obs o;
    spy_err e;
    demo_out d;
    int ok, rc;

    memset(&d, 0, sizeof d);
    d.json = j;
    if ((rc = spy_demo_experiment_look(s->name, s->look, &d, &o, &e)) ==
        SPY_ENOTSUP)
        return skipped(s, j, item, &e);
    if (rc != 0) {
        if (j != NULL && item) {
            spy_json_obj_begin(j);
            spy_json_key(j, "scenario");
            spy_json_str(j, s->name);
            cli_fail_in(j, &e);
            spy_json_obj_end(j);
            return SPY_EXIT_RUNTIME;
        }
        return cli_fail(&e);
    }
    ok = s->judge(&o, &d);
    if (j != NULL) {
        spy_json_obj_begin(j);
        spy_json_key(j, "scenario");
        spy_json_str(j, s->name);
        spy_json_key(j, "steps");
        spy_json_str(j, words(s->steps, s->win_steps));
        spy_json_key(j, "observed");
        spy_json_str(j, d.observed);
        spy_json_key(j, "as_expected");
        spy_json_bool(j, ok);
        spy_json_key(j, "lesson");
        spy_json_str(j, words(s->lesson, s->win_lesson));
        if (o.faulted) {
            spy_json_key(j, "signal");
            spy_json_str(j, o.fault.sig_name);
            spy_json_key(j, "code");
            spy_json_str(j, o.fault.code_name);
        }
        if (o.err != 0) {
            spy_json_key(j, "errno");
            spy_json_str(j, o.err_name);
        }
        spy_json_obj_end(j);
        if (!item)
            spy_json_end(j);
    } else {
        printf("== %s: %s\n\nsteps:    ", s->name, summary_of(s));
        cli_put_wrapped(stdout, words(s->steps, s->win_steps), 10, 78);
        fputs("observed: ", stdout);
        cli_put_wrapped(stdout, d.observed, 10, 78);
        fputs("lesson:   ", stdout);
        cli_put_wrapped(stdout, words(s->lesson, s->win_lesson), 10, 78);
        printf("result:   %s\n\n",
               ok ? "as the lesson says"
                  : "NOT as the lesson says (see observed)");
    }
    return ok ? SPY_EXIT_OK : SPY_EXIT_RUNTIME;
}

int cmd_demo(int argc, char **argv) {
    demo_req q = {NULL, 0};
    const char *name;
    int json, rc = SPY_EXIT_OK;
    size_t i;
    spy_json j;

    if (!cli_parse(&cmd_demo_spec, argc, argv, &q, &rc))
        return rc;
    name = q.scenario;
    json = q.json;
    if (name == NULL) {
        if (json) {
            spy_json_init(&j, stdout, 1);
            spy_json_arr_begin(&j);
            for (i = 0; i < N_SCENARIOS; i++) {
                if (!spy_demo_available(scenarios[i].name))
                    continue;
                spy_json_obj_begin(&j);
                spy_json_key(&j, "scenario");
                spy_json_str(&j, scenarios[i].name);
                spy_json_key(&j, "summary");
                spy_json_str(&j, summary_of(&scenarios[i]));
                spy_json_obj_end(&j);
            }
            spy_json_arr_end(&j);
            spy_json_end(&j);
        } else {
            for (i = 0; i < N_SCENARIOS; i++)
                if (spy_demo_available(scenarios[i].name))
                    printf("%-22s %s\n", scenarios[i].name,
                           summary_of(&scenarios[i]));
        }
        return cli_finish_stdout();
    }
    if (json)
        spy_json_init(&j, stdout, 1);
    if (strcmp(name, "all") == 0) {
        if (json)
            spy_json_arr_begin(&j);
        for (i = 0; i < N_SCENARIOS; i++) {
            if (!spy_demo_available(scenarios[i].name))
                continue;
            fflush(stdout);
            if (run_one(&scenarios[i], json ? &j : NULL, 1) != SPY_EXIT_OK)
                rc = SPY_EXIT_RUNTIME;
        }
        if (json) {
            spy_json_arr_end(&j);
            spy_json_end(&j);
        }
    } else {
        for (i = 0; i < N_SCENARIOS; i++)
            if (strcmp(name, scenarios[i].name) == 0)
                break;
        if (i == N_SCENARIOS)
            return cli_usage_error("demo",
                                   "no scenario '%s' ('shmspy demo' lists "
                                   "them)",
                                   name);
        if (!spy_demo_available(name)) {
            spy_err e;
            spy_err_set(&e, SPY_ENOTSUP, 0,
                        "demo %s: not available on this system "
                        "('shmspy demo' lists the ones that are)",
                        name);
            return cli_fail(&e);
        }
        fflush(stdout);
        rc = run_one(&scenarios[i], json ? &j : NULL, 0);
    }
    if (cli_finish_stdout() != SPY_EXIT_OK)
        return SPY_EXIT_RUNTIME;
    return rc;
}
