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

int spy_demo_experiment(const char *name, spy_demo_obs *o, spy_err *err) {
    const spy__experiment *x = find_experiment(name);
    memset(o, 0, sizeof *o);
    if (x == NULL)
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "demo %s: not available on this system", name);
    return x->run(o, err);
}

int spy_demo_available(const char *name) {
    return find_experiment(name) != NULL;
}
