/* sizecheck.c - plain-words explanations of object sizes. */
#include "sizecheck.h"

#include <inttypes.h>
#include <stdio.h>

uint64_t spy_round_up(uint64_t size, uint64_t page_size) {
    uint64_t rem;
    if (page_size == 0)
        return size;
    rem = size % page_size;
    if (rem == 0)
        return size;
    if (size > UINT64_MAX - (page_size - rem))
        return UINT64_MAX;
    return size + (page_size - rem);
}

static void note(spy_note_cb cb, void *arg, spy_note_level level,
                 const char *text) {
    if (cb != NULL)
        cb(level, text, arg);
}

int spy_sizecheck(const spy_seg_info *info, uint64_t page_size,
                  const spy_mapper *m, size_t n, spy_note_cb cb, void *arg) {
    char buf[512];
    int warnings = 0;
    uint64_t rounded = spy_round_up(info->size, page_size);
    size_t i;

    if (info->size == 0 && info->kind != SPY_KIND_SEM) {
        note(cb, arg, SPY_NOTE_WARN,
             "The object is 0 bytes: it was never sized (shm_open without "
             "ftruncate) or was truncated to 0. Mapping it gives no usable "
             "bytes; touching such a mapping raises SIGBUS.");
        warnings++;
    } else if (page_size != 0 && info->size % page_size != 0) {
        snprintf(
            buf, sizeof buf,
            "%" PRIu64 " bytes is not a multiple of the page size (%" PRIu64
            "): a mapping covers %" PRIu64 " bytes. Bytes %" PRIu64 "..%" PRIu64
            " of the last page read as zero and are not "
            "part of the object; from byte %" PRIu64 " on, a mapping longer "
            "than the object raises SIGBUS (past a mapping's own end it is "
            "SIGSEGV).",
            info->size, page_size, rounded, info->size, rounded - 1, rounded);
        note(cb, arg, SPY_NOTE_INFO, buf);
    }

    for (i = 0; i < n; i++) {
        uint64_t len = m[i].end - m[i].start;
        uint64_t reach = m[i].offset + len;
        if (info->kind == SPY_KIND_SYSV)
            continue; /* shmat always maps the whole (rounded) segment */
        if (reach > rounded) {
            snprintf(buf, sizeof buf,
                     "Process %d (%s) maps %" PRIu64
                     " bytes from offset %" PRIu64
                     " but the object has only %" PRIu64
                     " bytes: its accesses at 0x%" PRIx64 " and above "
                     "raise SIGBUS.",
                     (int)m[i].pid, m[i].comm, len, m[i].offset, info->size,
                     m[i].start +
                         (rounded > m[i].offset ? rounded - m[i].offset : 0));
            note(cb, arg, SPY_NOTE_WARN, buf);
            warnings++;
        }
    }

    if (n >= 2) {
        int differ = 0;
        for (i = 1; i < n; i++)
            if (m[i].start != m[0].start)
                differ = 1;
        if (differ) {
            note(cb, arg, SPY_NOTE_INFO,
                 "The same object sits at different addresses in different "
                 "processes: exchange offsets into it, never pointers.");
        }
    }
    return warnings;
}
