/* blamepane.c - the writers pane of the hex view (issue 18): W arms a
 * blame session (ops/blame.h, the same one `shmspy blame` runs) on the
 * bytes under the cursor, or on the field under the field cursor, and the
 * pane lists who writes them, live: per process its pid, command, hits,
 * the time of its last hit and the code location it writes from, the row
 * of the newest hit lit and fading as changed bytes do. W again, or Esc,
 * disarms.
 *
 * The session is polled by the view's tick without waiting (timeout 0);
 * the pane has a fixed height, so hits never change the layout, and is
 * drawn again only when a hit came or its highlight moved a fade step. */
#include <stdio.h>
#include <string.h>

#include "hexview.h"

#include "../backends/process.h"

/* The longest watch length (8, 4, 2, 1) that fits in size bytes and that
 * off is aligned to: what a debug register can watch of a field. */
static unsigned legal_len(uint64_t off, uint64_t size) {
    unsigned len;
    for (len = 8; len > 1; len /= 2)
        if (len <= size && off % len == 0)
            break;
    return len;
}

static void disarm(spy__hexview *h, int say) {
    spy__bpane *b = &h->blame;
    spy_blame_stats st;

    if (b->s == NULL)
        return;
    spy_blame_session_stats(b->s, &st);
    spy_blame_session_stop(b->s);
    b->s = NULL;
    b->h = 0;
    if (say)
        spy__ui_msg(0, "blame disarmed: %llu hit%s on %s",
                    (unsigned long long)st.hits, st.hits == 1 ? "" : "s",
                    b->what);
    h->stale = 1;
}

int spy__bp_key(const spy__keyhit *k) {
    spy__hexview *h = k->self;
    spy__bpane *b = &h->blame;
    uint64_t off = h->cur, size = 1, flen = 0;
    spy_blame_opts o;
    spy_err e;
    char m[SPY_ERR_MSG_MAX];

    if (b->s != NULL) {
        disarm(h, 1);
        return SPY__KEY_DONE;
    }
    if (h->size == 0) {
        spy__ui_msg(1, "blame: the object is empty: no byte to watch");
        return SPY__KEY_DONE;
    }
    memset(&o, 0, sizeof o);
    if (h->fields.focus && h->fields.typed != NULL &&
        h->fields.mode != SPY__FP_OFF) {
        spy__fp_selection(h, &off, &flen);
        if (flen == 0) {
            spy__ui_msg(1, "blame: no field under the field cursor");
            return SPY__KEY_DONE;
        }
        size = flen;
    }
    o.off[0] = off;
    o.noff = 1;
    o.len = legal_len(off, size);
    o.rw = 0;
    if (flen > o.len)
        snprintf(b->what, sizeof b->what,
                 "0x%llx, %u byte%s (of the field's %llu)",
                 (unsigned long long)off, o.len, o.len == 1 ? "" : "s",
                 (unsigned long long)flen);
    else
        snprintf(b->what, sizeof b->what, "0x%llx, %u byte%s",
                 (unsigned long long)off, o.len, o.len == 1 ? "" : "s");
    spy_err_clear(&e);
    b->armed_ms = spy_monotonic_ms();
    if (spy_blame_session_start(h->seg, &o, 1, &b->s, &e) != 0) {
        b->s = NULL;
        spy__safe(e.msg, m, sizeof m);
        spy__ui_msg(1, "%s", m);
        return SPY__KEY_DONE;
    }
    b->o = o;
    b->hits = b->drawn_hits = 0;
    b->drawn_level = -1;
    spy__ui_msg(0, "blame armed on %s: W or Esc disarms", b->what);
    spy__hex_layout(h);
    h->stale = 1;
    return SPY__KEY_DONE;
}

int spy__bp_key_escape(const spy__keyhit *k) {
    spy__hexview *h = k->self;

    if (h->blame.s == NULL)
        return SPY__KEY_IGNORED;
    disarm(h, 1);
    return SPY__KEY_DONE;
}

void spy__bp_free(spy__hexview *h) {
    disarm(h, 0);
}

/* The newest writer (largest last hit), or NULL. */
static const spy_blame_writer *newest(const spy_blame_writer *w, size_t n) {
    const spy_blame_writer *best = NULL;
    size_t i;
    for (i = 0; i < n; i++)
        if (w[i].count > 0 && (best == NULL || w[i].last_ns > best->last_ns))
            best = &w[i];
    return best;
}

/* The fade level (0: none .. SPY__FADE_LEVELS: just now) of a hit at
 * at_ms, seen at the fade clock now. */
static int fade_level(uint64_t at_ms, uint64_t now) {
    uint64_t age = now > at_ms ? now - at_ms : 0;
    if (age >= SPY__HEX_FADE_MS)
        return 0;
    return SPY__FADE_LEVELS - (int)(age * SPY__FADE_LEVELS / SPY__HEX_FADE_MS);
}

/* The level of the newest row at fade clock now. */
static int newest_level(spy__hexview *h, uint64_t now) {
    spy__bpane *b = &h->blame;
    const spy_blame_writer *w, *n;
    size_t nw;

    spy_blame_session_writers(b->s, &w, &nw);
    n = newest(w, nw);
    return n == NULL ? 0 : fade_level(b->armed_ms + n->last_ns / 1000000u, now);
}

uint64_t spy__bp_tick(spy__hexview *h, uint64_t now, int *busy) {
    spy__bpane *b = &h->blame;
    spy_blame_stats st;
    spy_err e;
    char m[SPY_ERR_MSG_MAX];
    uint64_t fclock = spy__hex_fade_clock(now), next;
    int rc, level;

    if (b->s == NULL)
        return UINT64_MAX;
    spy_err_clear(&e);
    rc = spy_blame_session_step(b->s, 0, NULL, NULL, &e);
    if (rc < 0) {
        spy__safe(e.msg, m, sizeof m);
        disarm(h, 0);
        spy__ui_msg(1, "blame stopped: %s", m);
        *busy = 1;
        return UINT64_MAX;
    }
    spy_blame_session_stats(b->s, &st);
    b->hits = st.hits;
    level = newest_level(h, fclock);
    if (b->hits != b->drawn_hits || level != b->drawn_level)
        *busy = 1;
    /* Rescan and drain at the session's cadence; the next fade step
     * sooner while the newest row fades. */
    next = now + SPY_BLAME_RESCAN_MS;
    if (level > 0 && fclock + SPY__HEX_FADE_STEP_MS < next)
        next = fclock + SPY__HEX_FADE_STEP_MS;
    return next;
}

void spy__bp_layout(spy__hexview *h, int *avail_h) {
    spy__bpane *b = &h->blame;

    b->h = 0;
    if (b->s == NULL || *avail_h < SPY__BP_LINES + 2)
        return;
    b->h = SPY__BP_LINES;
    b->x = 0;
    b->w = COLS;
    *avail_h -= b->h;
    b->y = h->hex_y + *avail_h;
}

/* A writer's last hit as the time since blame was armed: "+12.345s". */
static void since(char *buf, size_t cap, uint64_t rel_ns) {
    uint64_t ms = rel_ns / 1000000u;
    snprintf(buf, cap, "+%llu.%03llus", (unsigned long long)(ms / 1000),
             (unsigned long long)(ms % 1000));
}

void spy__bp_draw(spy__hexview *h, uint64_t fade_now, int erased) {
    spy__bpane *b = &h->blame;
    const spy_blame_writer *w, *nw_row;
    spy_blame_stats st;
    size_t nw, i;
    int r, level;
    char comm[80], where[600], when[32], lost[64], refused[320];

    if (b->s == NULL || b->h == 0)
        return;
    level = newest_level(h, fade_now);
    if (!erased && b->hits == b->drawn_hits && level == b->drawn_level)
        return;
    b->drawn_hits = b->hits;
    b->drawn_level = level;
    spy_blame_session_stats(b->s, &st);
    spy_blame_session_writers(b->s, &w, &nw);
    nw_row = newest(w, nw);
    lost[0] = refused[0] = '\0';
    if (st.lost > 0 && st.throttled > 0)
        snprintf(lost, sizeof lost, ", %llu LOST, THROTTLED %llux",
                 (unsigned long long)st.lost, (unsigned long long)st.throttled);
    else if (st.lost > 0)
        snprintf(lost, sizeof lost, ", %llu LOST", (unsigned long long)st.lost);
    else if (st.throttled > 0)
        snprintf(lost, sizeof lost, ", THROTTLED %llux (hits missed)",
                 (unsigned long long)st.throttled);
    if (nw == 0 && st.refused_why[0] != '\0') {
        char safe[256];
        spy__safe(st.refused_why, safe, sizeof safe);
        snprintf(refused, sizeof refused, "  refused: %s", safe);
    }
    spy__put(b->y, b->x, b->w, SPY__R_BAR, 1,
             " blame %s (writes): %llu hit%s%s, %u process%s armed%s"
             "  W/Esc disarm",
             b->what, (unsigned long long)st.hits, st.hits == 1 ? "" : "s",
             lost, st.processes, st.processes == 1 ? "" : "es", refused);
    spy__put(b->y + 1, b->x, b->w, SPY__R_LABEL, 1, " %-8s %-16s %9s %-11s %s",
             "PID", "COMMAND", "HITS", "LAST (+s)",
             "WHERE (function file:line)");
    for (r = 2, i = 0; r < b->h; r++, i++) {
        spy__role role = SPY__R_NORMAL;
        if (i >= nw) {
            spy__put(b->y + r, b->x, b->w, SPY__R_NORMAL, 1, "%s",
                     i == 0 && r == 2 ? " (no write seen yet)" : "");
            continue;
        }
        if (&w[i] == nw_row && level > 0)
            role = (spy__role)(SPY__R_CHANGE1 + level - 1);
        spy__safe(w[i].comm, comm, sizeof comm);
        spy__safe(w[i].nsites > 0 ? w[i].sites[0].where : "?", where,
                  sizeof where);
        since(when, sizeof when, w[i].last_ns);
        spy__put(b->y + r, b->x, b->w, role, 1,
                 " %-8d %-16.16s %9llu %-11s %s%s", w[i].pid, comm,
                 (unsigned long long)w[i].count, when, where,
                 w[i].nsites > 1 ? " (+ more places)" : "");
    }
}
