/* explain.c - why an address faulted, in words a student can follow. */
#include "explain.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void spy_human_size(uint64_t n, char *buf, size_t cap) {
    static const char *units[] = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = (double)n;
    int u = -1;
    if (n < 1024) {
        snprintf(buf, cap, "%" PRIu64 " byte%s", n, n == 1 ? "" : "s");
        return;
    }
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    snprintf(buf, cap, "%.1f %s", v, units[u]);
}

static const char *describe_path(const spy_map_entry *e) {
    if (e->path[0] == '\0')
        return "anonymous memory";
    return e->path;
}

static void entry_text(const spy_map_entry *e, char *buf, size_t cap) {
    char sz[32];
    spy_human_size(e->end - e->start, sz, sizeof sz);
    snprintf(buf, cap, "0x%" PRIx64 "-0x%" PRIx64 " %s %s (%s)", e->start,
             e->end, e->perms, describe_path(e), sz);
}

static const char lesson[] =
    "A pointer value means something only inside the process that "
    "produced it. Every process has its own address space, laid out anew "
    "(randomised) at every run, so an address printed by another program "
    "is just a number here. Shared memory itself appears at different "
    "addresses in different processes: processes that share memory must "
    "exchange offsets from the start of the segment, never pointers.";

static void explain_outside(uint64_t addr, const spy_region *r,
                            uint64_t page_size, spy_explain_cb cb, void *arg) {
    char buf[1024], a[400], b[400], gap[32];
    int n;
    if (addr < page_size * 16) {
        snprintf(buf, sizeof buf,
                 "0x%" PRIx64 " is at or near address 0, the null pointer. "
                 "The lowest pages of every process are never mapped, "
                 "precisely so that following a NULL (or NULL plus a small "
                 "offset, like a field of a NULL struct pointer) faults at "
                 "once instead of reading garbage.",
                 addr);
        cb("why", buf, arg);
        return;
    }
    n = snprintf(buf, sizeof buf,
                 "0x%" PRIx64 " lies in no mapping of this process: no "
                 "memory exists at that address here, so the access raised "
                 "SIGSEGV (SEGV_MAPERR).",
                 addr);
    if (r->has_below) {
        entry_text(&r->below, b, sizeof b);
        spy_human_size(addr - r->below.end, gap, sizeof gap);
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      " The nearest mapping below is %s, ending %s before "
                      "it.",
                      b, gap);
    } else {
        n += snprintf(buf + n, sizeof buf - (size_t)n,
                      " No mapping lies below it.");
    }
    if (r->has_above && n > 0 && (size_t)n < sizeof buf) {
        entry_text(&r->above, a, sizeof a);
        spy_human_size(r->above.start - addr, gap, sizeof gap);
        snprintf(buf + n, sizeof buf - (size_t)n,
                 " The nearest above is %s, starting %s after it.", a, gap);
    } else if (n > 0 && (size_t)n < sizeof buf) {
        snprintf(buf + n, sizeof buf - (size_t)n, " No mapping lies above it.");
    }
    cb("where", buf, arg);
}

void spy_explain_probe(uint64_t addr, size_t len, int write,
                       const spy_region *r, const spy_fault *f,
                       uint64_t page_size, spy_explain_cb cb, void *arg) {
    char buf[1024], e[400];
    const char *access = write ? "write" : "read";

    if (!r->inside) {
        explain_outside(addr, r, page_size, cb, arg);
    } else {
        entry_text(&r->at, e, sizeof e);
        snprintf(buf, sizeof buf, "0x%" PRIx64 " lies inside %s.", addr, e);
        cb("where", buf, arg);
    }

    if (f->sig == 0) {
        snprintf(buf, sizeof buf,
                 "The %s of %zu byte%s worked: this address is mapped %s in "
                 "this process. That says nothing about what the same "
                 "number means in any other process.",
                 access, len, len == 1 ? "" : "s",
                 write ? "writable" : "readable");
        cb("why", buf, arg);
    } else if (r->inside && strcmp(f->code_name, "SEGV_ACCERR") == 0) {
        if (r->at.perms[0] == '-' && r->at.perms[1] == '-')
            snprintf(buf, sizeof buf,
                     "The mapping exists but allows no access at all "
                     "(permissions %s, PROT_NONE): typically a guard page "
                     "between stacks or heap areas, placed there so that "
                     "running off the end of something faults. SIGSEGV with "
                     "SEGV_ACCERR means: mapped, but not for this kind of "
                     "access.",
                     r->at.perms);
        else if (write && r->at.perms[1] != 'w')
            snprintf(buf, sizeof buf,
                     "The mapping is not writable (permissions %s): code, "
                     "constants, or a view mapped with PROT_READ. A write "
                     "raises SIGSEGV with SEGV_ACCERR — mapped, but not for "
                     "writing.",
                     r->at.perms);
        else
            snprintf(buf, sizeof buf,
                     "The mapping does not allow this %s (permissions %s): "
                     "SIGSEGV with SEGV_ACCERR means the address is mapped "
                     "but not for this kind of access.",
                     access, r->at.perms);
        cb("why", buf, arg);
    } else if (f->sig != 0 && strcmp(f->sig_name, "SIGBUS") == 0) {
        uint64_t file_off = r->inside ? r->at.offset + (addr - r->at.start) : 0;
        if (r->inside && r->file_size >= 0)
            snprintf(buf, sizeof buf,
                     "The address is file offset %" PRIu64 " of %s, but the "
                     "file is only %" PRId64 " bytes now: the mapping is "
                     "longer than the file (it was truncated, or never "
                     "ftruncate'd to the mapped length). Pages wholly past "
                     "the end of the file have no data behind them, and "
                     "touching them raises SIGBUS (%s) instead of SIGSEGV.",
                     file_off, r->at.path, r->file_size, f->code_name);
        else
            snprintf(buf, sizeof buf,
                     "SIGBUS (%s): the address is mapped, but the object "
                     "behind it cannot supply this page — usually a file or "
                     "shared memory object shorter than its mapping.",
                     f->code_name);
        cb("why", buf, arg);
    } else if (r->inside) {
        snprintf(buf, sizeof buf,
                 "The access raised %s (%s) although the address is "
                 "mapped.",
                 f->sig_name, f->code_name);
        cb("why", buf, arg);
    }
    cb("lesson", lesson, arg);
}
