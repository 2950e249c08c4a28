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
