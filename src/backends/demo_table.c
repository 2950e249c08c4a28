/* demo_table.c - spy_demo_experiment and spy_demo_available, from the
 * table of experiments of this system (posix/demo.c or win32/demo.c). */
#include <string.h>

#include "demo_table.h"

static const spy__experiment *find_experiment(const char *name) {
    size_t i;
    for (i = 0; i < spy__n_experiments; i++)
        if (strcmp(name, spy__experiments[i].name) == 0)
            return &spy__experiments[i];
    return NULL;
}

/* The look of the experiment running now (experiments run one at a
 * time, on the caller's thread). */
static spy_demo_look cur_look;
static void *cur_arg;

void spy__demo_look(const spy_demo_scene *sc, spy_demo_obs *o) {
    if (cur_look != NULL)
        cur_look(sc, o, cur_arg);
}

int spy_demo_experiment_look(const char *name, spy_demo_look look, void *arg,
                             spy_demo_obs *o, spy_err *err) {
    const spy__experiment *x = find_experiment(name);
    int rc;
    memset(o, 0, sizeof *o);
    if (x == NULL)
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "demo %s: not available on this system", name);
    cur_look = look;
    cur_arg = arg;
    rc = x->run(o, err);
    cur_look = NULL;
    cur_arg = NULL;
    return rc;
}

int spy_demo_experiment(const char *name, spy_demo_obs *o, spy_err *err) {
    return spy_demo_experiment_look(name, NULL, NULL, o, err);
}

int spy_demo_available(const char *name) {
    return find_experiment(name) != NULL;
}
