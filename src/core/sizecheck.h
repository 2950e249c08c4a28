/* sizecheck.h - explaining an object's size: page rounding, never-sized
 * objects, mappings longer than the object, and the same object at
 * different addresses in different processes. Pure C11. */
#ifndef SPY_SIZECHECK_H
#define SPY_SIZECHECK_H

#include <stddef.h>
#include <stdint.h>

#include "seginfo.h"

typedef enum spy_note_level {
    SPY_NOTE_INFO = 0, /* worth knowing */
    SPY_NOTE_WARN = 1  /* likely a bug in a program using the object */
} spy_note_level;

/* Called once per note with one full sentence (no trailing newline). */
typedef void (*spy_note_cb)(spy_note_level level, const char *text, void *arg);

/* Examines info (size, kind) against the page size and the n mappers in m
 * (m may be NULL when n is 0) and reports every finding through cb.
 * Returns the number of warnings (SPY_NOTE_WARN) reported. */
int spy_sizecheck(const spy_seg_info *info, uint64_t page_size,
                  const spy_mapper *m, size_t n, spy_note_cb cb, void *arg);

/* Rounds size up to a multiple of page_size (page_size a power of two or
 * any non-zero value). Saturates at UINT64_MAX. */
uint64_t spy_round_up(uint64_t size, uint64_t page_size);

#endif
