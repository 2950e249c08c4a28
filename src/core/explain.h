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

/* What a SIGBUS in a mapping of a file or shared memory object means. */
typedef enum spy_sigbus_cause {
    SPY_SIGBUS_UNKNOWN = 0, /* not enough facts to say */
    SPY_SIGBUS_PAST_END,    /* the page lies past the object's end: it was
                               truncated (or never sized) */
    SPY_SIGBUS_FS_FULL      /* the page lies inside the object, but its file
                               system (a tmpfs: memory) is full and cannot
                               allocate it: nothing was truncated */
} spy_sigbus_cause;

/* The facts that tell the two apart, taken when the fault is explained. */
typedef struct spy_sigbus_facts {
    uint64_t off;     /* object offset of the faulting address */
    int64_t size;     /* the object's size now; -1 unknown */
    int has_free;     /* free is measured */
    uint64_t free;    /* bytes its file system can still allocate */
    int tmpfs;        /* the file system is a tmpfs (memory) */
    uint64_t page;    /* page size */
    const char *what; /* "file offset 4096 of /dev/shm/x" or similar */
} spy_sigbus_facts;

/* Decides what a SIGBUS (si_code code_name) at f means and writes the
 * sentences saying so into buf: "past the end: the object was truncated"
 * when f->off >= f->size; "no memory to back the page (tmpfs full: N
 * bytes free)" when the page lies inside the object and its file system
 * has less than a page free. The one home of that distinction, for probe
 * (spy_explain_probe) and demo. */
spy_sigbus_cause spy_explain_sigbus(const spy_sigbus_facts *f,
                                    const char *code_name, char *buf,
                                    size_t cap);

/* Formats a byte count as "12 bytes", "4.0 KiB", "1.5 GiB", "3.2 TiB". */
void spy_human_size(uint64_t n, char *buf, size_t cap);

#endif
