/* write.c - the write policy (write.h). */
#include "write.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/range.h"
#include "../core/seginfo.h"

int spy_write_permitted(spy_seg *s, int force, spy_err *err) {
    spy_seg_info *info;
    int rc = 0;

    if (!spy_seg_writable(s))
        return spy_err_set(err, SPY_EROFS, 0,
                           "%s: opened read-only: nothing written",
                           spy_seg_name(s));
    if (force || spy_seg_created(s))
        return 0;
    /* The record holds a 4 KiB name: not for the stack of a key handler. */
    if ((info = malloc(sizeof *info)) == NULL)
        return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
    if ((rc = spy_seg_stat(s, info, err)) == 0 && (info->mode & 0222) == 0)
        rc = spy_err_set(err, SPY_EROFS, 0,
                         "%s: is read-only (mode %04o); use --force to write "
                         "anyway",
                         spy_seg_name(s), (unsigned)info->mode);
    free(info);
    return rc;
}

const char *spy_write_notice(spy_seg *s, char *buf, size_t cap) {
    spy_access a;
    if (!spy_seg_writable(s) || spy_seg_access(s, &a, NULL) != 0 ||
        a.kind != SPY_ACCESS_ATTACHED || cap == 0)
        return NULL;
    snprintf(buf, cap, "%s", a.text);
    return buf;
}

/* Permission and range, before the first byte. */
static int check(spy_seg *s, uint64_t off, uint64_t len, int force,
                 spy_err *err) {
    int rc = spy_write_permitted(s, force, err);
    if (rc == 0)
        rc = spy_range_check(spy_seg_name(s), off, len, spy_seg_len(s), err);
    return rc;
}

int spy_write_bytes(spy_seg *s, uint64_t off, const void *src, uint64_t len,
                    int force, spy_err *err) {
    int rc = check(s, off, len, force, err);
    if (rc == 0 && len > 0)
        rc = spy_seg_write(s, off, src, (size_t)len, err);
    if (rc == 0)
        rc = spy_seg_flush(s, err);
    return rc;
}

int spy_write_fill(spy_seg *s, uint64_t off, uint8_t b, uint64_t len, int force,
                   spy_err *err) {
    uint8_t block[65536];
    uint64_t done = 0;
    int rc = check(s, off, len, force, err);

    memset(block, b, sizeof block);
    while (rc == 0 && done < len) {
        size_t n =
            len - done < sizeof block ? (size_t)(len - done) : sizeof block;
        rc = spy_seg_write(s, off + done, block, n, err);
        done += n;
    }
    if (rc == 0)
        rc = spy_seg_flush(s, err);
    return rc;
}
