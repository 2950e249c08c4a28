/* capacity.c - holes against free space (capacity.h). */
#include "capacity.h"

#include <stdio.h>
#include <string.h>

#include "../backends/capacity.h"
#include "../core/explain.h"

void spy_capacity_decide(const spy_seg_info *s, int have_avail, uint64_t avail,
                         spy_capacity_check *out) {
    memset(out, 0, sizeof *out);
    /* Only tmpfs objects have pages allocated on first touch from a
     * bounded pool that st_blocks measures. */
    if (!have_avail || (s->kind != SPY_KIND_POSIX && s->kind != SPY_KIND_SEM))
        return;
    out->known = 1;
    out->avail = avail;
    out->holes = s->allocated < s->size ? s->size - s->allocated : 0;
    out->warn = out->holes > avail;
}

void spy_capacity_check_now(const spy_seg_info *s, spy_capacity_check *out) {
    spy_capacity c;
    spy_err e;
    int ok = spy_shm_capacity(&c, &e) == 0;
    spy_capacity_decide(s, ok, ok ? c.avail : 0, out);
}

void spy_capacity_warning(const spy_capacity_check *c, char *buf, size_t cap) {
    char h[32], a[32];
    spy_human_size(c->holes, h, sizeof h);
    spy_human_size(c->avail, a, sizeof a);
    snprintf(buf, cap,
             "%s of this object are holes and /dev/shm has %s free: "
             "touching them raises SIGBUS although nothing was truncated",
             h, a);
}
