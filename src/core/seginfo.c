/* seginfo.c - helpers for the segment description types. */
#include "seginfo.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

const char *spy_kind_name(spy_kind k) {
    switch (k) {
    case SPY_KIND_POSIX:
        return "posix";
    case SPY_KIND_SEM:
        return "sem";
    case SPY_KIND_SYSV:
        return "sysv";
    case SPY_KIND_FILE:
        return "file";
    case SPY_KIND_WIN_SECTION:
        return "section";
    case SPY_KIND_MEMFD:
        return "memfd";
    case SPY_KIND_ANON:
        return "anon";
    case SPY_KIND_OTHER:
        break;
    }
    return "other";
}

void spy_seg_info_init(spy_seg_info *info) {
    memset(info, 0, offsetof(spy_seg_info, link));
    info->link[0] = '\0';
    info->atime = info->mtime = info->ctime = -1;
    info->nattch = -1;
    info->removed = -1;
    info->dtime = -1;
    info->shmid = info->cpid = info->lpid = -1;
    info->seals = -1;
    info->holders = -1;
}

char *spy_seals_text(int32_t seals, char *buf, size_t cap) {
    static const char *const names[] = {"seal", "shrink", "grow", "write",
                                        "future-write"};
    size_t used = 0, i;

    if (cap == 0)
        return buf;
    buf[0] = '\0';
    if (seals < 0) {
        snprintf(buf, cap, "?");
        return buf;
    }
    if (seals == 0) {
        snprintf(buf, cap, "none");
        return buf;
    }
    for (i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (((uint32_t)seals & (1u << i)) == 0)
            continue;
        used += (size_t)snprintf(buf + used, used < cap ? cap - used : 0,
                                 "%s%s", used > 0 ? "," : "", names[i]);
        if (used >= cap)
            break;
    }
    return buf;
}

const char *spy_sysv_status_name(uint32_t status) {
    switch (status & (SPY_SYSV_DEST | SPY_SYSV_LOCKED)) {
    case SPY_SYSV_DEST:
        return "dest";
    case SPY_SYSV_LOCKED:
        return "locked";
    case SPY_SYSV_DEST | SPY_SYSV_LOCKED:
        return "dest,locked";
    default:
        return "";
    }
}

char *spy_nattch_text(int32_t nattch, int32_t nattch_min, char *buf,
                      size_t cap) {
    if (nattch >= 0)
        snprintf(buf, cap, "%ld", (long)nattch);
    else if (nattch_min > 0)
        snprintf(buf, cap, "%ld+", (long)nattch_min);
    else
        snprintf(buf, cap, "?");
    return buf;
}
