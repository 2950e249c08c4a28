/* browser.h - state of the browser of every segment, shared by
 * browser.c (list, keys, drawing) and details.c (the stat-like pane).
 * Internal to src/tui/. */
#ifndef SPY_TUI_BROWSER_H
#define SPY_TUI_BROWSER_H

#include <stddef.h>
#include <stdint.h>

#include "../core/seginfo.h"
#include "../ops/list.h"
#include "ui.h"

/* One listed object: a row of ops' listing (ops/list.h), which gathers
 * and orders the rows for `shmspy list` too. Its texts are raw: draw
 * them through spy__safe / spy__safe_name. */
typedef spy_list_row spy__brow;

/* Whether row r cannot be opened nor scanned: it has a problem, unless
 * the problem only says that its name was removed (a row named through a
 * process that maps or holds it, with its former name as origin: the
 * details say so instead). */
static inline int spy__brow_unusable(const spy__brow *r) {
    return r->problem[0] != '\0' &&
           !(r->removed == 1 && r->origin != NULL && r->origin[0] != '\0');
}

/* The mappers of the selected object, refreshed on a timer. */
typedef struct spy__bmaps {
    char *for_name; /* whose mappers these are, NULL if none yet */
    spy_mapper *m;  /* the first few */
    size_t n, cap;
    size_t total;  /* how many there were */
    size_t procs;  /* in how many processes (the "mappers") */
    int32_t *pids; /* the processes seen so far in a scan, to count them */
    size_t npids, pids_cap;
    int32_t last_pid;
    int hidden; /* processes we could not inspect */
    char err[SPY_ERR_MSG_MAX];
    uint64_t due; /* when to scan next */
} spy__bmaps;

/* Rows of the details pane for the current terminal (0: no pane). */
int spy__details_height(const spy__brow *r, const spy__bmaps *m);

/* Draws the details of r and its mappers m in lines y .. y+h-1. */
void spy__details_draw(int y, int h, const spy__brow *r, const spy__bmaps *m);

/* Rescans the mappers of r into m (one pass over every process's
 * mappings). Returns the milliseconds it took. */
uint64_t spy__details_scan(const spy__brow *r, spy__bmaps *m);

/* Frees what m holds. */
void spy__details_free(spy__bmaps *m);

#endif
