/* replay.c - `shmspy replay FILE`: the hex view (and the field pane with
 * --type) over a recording, at a moment of its timeline.
 *
 * The recording is opened and checked (spy_timeline_open: its header and
 * index) before the screen is touched, so that a damaged or missing file
 * is one line on a plain terminal. Everything else is the hex view over a
 * timeline (hexview.c) and the timeline's keys and bar (timeline.c), the
 * same code the live view's scrub-back runs on. */
#include <stdio.h>
#include <string.h>

#include "timeline.h"

spy__view *spy__replay_new(const char *path, const spy_tui_opts *o,
                           spy_err *err) {
    const spy_rec_meta *m;
    spy_timeline *tl = NULL;
    spy__tline *t;
    char title[700], file[300], name[300];
    uint64_t step;

    if (spy_timeline_open(path, &tl, err) != 0)
        return NULL;
    m = spy_timeline_meta(tl);
    spy__safe(path, file, sizeof file);
    spy__safe_name(m->name, name, sizeof name);
    snprintf(title, sizeof title, "%s (%s)", file, name);
    step = m->period_ns > 0 ? m->period_ns : 10000000ull;
    t = spy__time_new(tl, 1, 0, m->duration_ns, step, 0, name);
    if (t == NULL) {
        spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
        return NULL;
    }
    return spy__hexview_replay(t, title, o, err);
}
