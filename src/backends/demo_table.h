/* demo_table.h - what posix/demo.c and win32/demo.c share: each defines
 * its table of experiments; demo_table.c answers demo.h's
 * spy_demo_experiment and spy_demo_available from it.
 *
 * Internal to src/backends/: nothing here crosses demo.h. */
#ifndef SPY_DEMO_TABLE_H
#define SPY_DEMO_TABLE_H

#include <stddef.h>

#include "demo.h"

/* One experiment: fills *o with what it observed, or fails with err. */
typedef struct spy__experiment {
    const char *name;
    int (*run)(spy_demo_obs *o, spy_err *err);
} spy__experiment;

/* Calls the look of spy_demo_experiment_look, if any, with sc (for the
 * experiments that leave a scene). */
void spy__demo_look(const spy_demo_scene *sc, spy_demo_obs *o);

/* The experiments this system runs (defined by the system's demo file). */
extern const spy__experiment spy__experiments[];
extern const size_t spy__n_experiments;

#endif
