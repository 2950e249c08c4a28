/* explain.h - plain-words explanations of a probed address: where it
 * lies, why the access faulted (or worked), and the lesson. Pure C11: the
 * facts come from the backend (spy_region, spy_fault). */
#ifndef SPY_EXPLAIN_H
#define SPY_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "fault.h"

/* Receives one paragraph: key is "where", "why" or "lesson"; text is one
 * or more full sentences without a trailing newline. */
typedef void (*spy_explain_cb)(const char *key, const char *text, void *arg);

/* Explains an access of len bytes at addr (write: a write access) given
 * where the address lies (r) and what happened (f->sig 0: it worked). */
void spy_explain_probe(uint64_t addr, size_t len, int write,
                       const spy_region *r, const spy_fault *f,
                       uint64_t page_size, spy_explain_cb cb, void *arg);

/* Formats a byte count as "12 bytes", "4.0 KiB", "1.5 GiB", "3.2 TiB". */
void spy_human_size(uint64_t n, char *buf, size_t cap);

#endif
