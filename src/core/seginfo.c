/* seginfo.c - helpers for the segment description types. */
#include "seginfo.h"

#include <stddef.h>
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
    info->shmid = info->cpid = info->lpid = -1;
}
