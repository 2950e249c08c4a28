/* win32/probe.c - spy_probe and spy_addr_describe on Windows: touching an
 * arbitrary address of our own process without dying (through the fault
 * guard of win32/guard.c, whose vectored handler stays installed), and
 * saying where it lies (VirtualQuery). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#include <psapi.h> /* after windows.h, which it needs */

int spy_probe(uint64_t addr, size_t len, int write, uint8_t *out,
              spy_fault *fault) {
    memset(fault, 0, sizeof *fault);
    if (len == 0)
        return 0;
    if (!write)
        return spy_copy_guarded(out, (const volatile void *)(uintptr_t)addr,
                                len, fault);
    return spy__touch_guarded((volatile uint8_t *)(uintptr_t)addr, len, fault);
}

/* ---- where an address lies: VirtualQuery ------------------------------
 * Free address space is not a mapping; reserved space is (like a "---p"
 * line of /proc/self/maps): the explanation then says "reserved, not
 * committed". */

static void region_entry(const MEMORY_BASIC_INFORMATION *m, spy_map_entry *e) {
    WCHAR path[1024];
    DWORD p = m->Protect & 0xffu, n;
    uintptr_t base = (uintptr_t)m->BaseAddress;
    MEMORY_BASIC_INFORMATION here;
    int is_stack;

    /* The reservation holding one of our locals is this thread's stack. */
    memset(&here, 0, sizeof here);
    is_stack = VirtualQuery(&here, &here, sizeof here) != 0 &&
               here.AllocationBase == m->AllocationBase;

    memset(e, 0, sizeof *e);
    e->start = (uint64_t)base;
    e->end = (uint64_t)(base + m->RegionSize);
    if (m->State != MEM_COMMIT) {
        memcpy(e->perms, "---", 3);
    } else {
        e->perms[0] = p == PAGE_NOACCESS || p == PAGE_EXECUTE ? '-' : 'r';
        e->perms[1] = p == PAGE_READWRITE || p == PAGE_WRITECOPY ||
                              p == PAGE_EXECUTE_READWRITE ||
                              p == PAGE_EXECUTE_WRITECOPY
                          ? 'w'
                          : '-';
        e->perms[2] = p >= PAGE_EXECUTE ? 'x' : '-';
        if (m->Protect & PAGE_GUARD)
            e->perms[0] = e->perms[1] = e->perms[2] = '-';
    }
    e->perms[3] = m->Type == MEM_MAPPED && p != PAGE_WRITECOPY &&
                          p != PAGE_EXECUTE_WRITECOPY
                      ? 's'
                      : 'p';
    e->perms[4] = '\0';

    if (m->State == MEM_RESERVE) {
        snprintf(e->path, sizeof e->path, "[reserved, not committed]");
    } else if (m->Protect & PAGE_GUARD) {
        snprintf(e->path, sizeof e->path, "[guard page]");
    } else if (m->Type == MEM_IMAGE || m->Type == MEM_MAPPED) {
        n = GetMappedFileNameW(GetCurrentProcess(), m->BaseAddress, path,
                               sizeof path / sizeof path[0]);
        if (n == 0 ||
            spy__wide_to_utf8(path, (int)n, e->path, sizeof e->path) != 0)
            snprintf(e->path, sizeof e->path, "%s",
                     m->Type == MEM_IMAGE ? "[image]" : "[section view]");
    } else if (is_stack) {
        snprintf(e->path, sizeof e->path, "[stack]");
    }
}

/* The nearest regions that are not free below and above a, found by
 * walking the address space upwards from 0 (a free region's base is not
 * always where the free space starts: Wine reports the queried page, so a
 * walk downwards could take a step per page). */
static void neighbours(uintptr_t a, uintptr_t max, spy_region *out) {
    MEMORY_BASIC_INFORMATION m, below;
    uintptr_t q = 0, base, end;
    int have_below = 0;

    memset(&below, 0, sizeof below);

    while (q <= max && VirtualQuery((LPCVOID)q, &m, sizeof m) != 0) {
        base = (uintptr_t)m.BaseAddress;
        end = base + m.RegionSize;
        if (end <= q)
            break; /* no progress: never loop */
        if (m.State != MEM_FREE) {
            if (end <= a) {
                below = m;
                have_below = 1;
            } else if (base > a) {
                out->has_above = 1;
                region_entry(&m, &out->above);
                break;
            }
        }
        q = end;
    }
    if (have_below) {
        out->has_below = 1;
        region_entry(&below, &out->below);
    }
}

/* VirtualQuery's words for the region holding the address itself. */
static void region_facts(const MEMORY_BASIC_INFORMATION *m, spy_region *out) {
    snprintf(out->vq_state, sizeof out->vq_state, "%s",
             spy__state_name(m->State));
    if (m->State == MEM_COMMIT)
        snprintf(out->vq_protect, sizeof out->vq_protect, "%s%s%s",
                 spy__protect_name(m->Protect),
                 (m->Protect & PAGE_GUARD) ? "|PAGE_GUARD" : "",
                 (m->Protect & PAGE_NOCACHE) ? "|PAGE_NOCACHE" : "");
    if (m->State != MEM_FREE)
        snprintf(out->vq_type, sizeof out->vq_type, "%s",
                 spy__type_name(m->Type));
}

int spy_addr_describe(uint64_t addr, spy_region *out, spy_err *err) {
    SYSTEM_INFO si;
    MEMORY_BASIC_INFORMATION m;
    uintptr_t a = (uintptr_t)addr, max;

    (void)err;
    memset(out, 0, sizeof *out);
    out->file_size = -1;
    GetSystemInfo(&si);
    max = (uintptr_t)si.lpMaximumApplicationAddress;
    out->vq_max = (uint64_t)max;
    if ((uint64_t)a != addr || a > max) {
        /* Above the user part of the address space (or beyond 64 bits of
         * pointer): nothing is mapped there for us. */
        neighbours(max, max, out);
        return 0;
    }
    if (VirtualQuery((LPCVOID)a, &m, sizeof m) != 0 && m.State != MEM_FREE) {
        out->inside = 1;
        region_entry(&m, &out->at);
        region_facts(&m, out);
        return 0;
    }
    if (VirtualQuery((LPCVOID)a, &m, sizeof m) != 0)
        region_facts(&m, out);
    neighbours(a, max, out);
    return 0;
}
