/* test_explain.c - the plain-words explanations of a probe, from made-up
 * regions and faults: no memory is touched here (test_probe.c does that). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/explain.h"

typedef struct texts {
    char all[8192];
    int lessons;
} texts;

static void collect(const char *key, const char *text, void *arg) {
    texts *t = arg;
    size_t n = strlen(t->all);
    snprintf(t->all + n, sizeof t->all - n, "[%s] %s\n", key, text);
    if (strcmp(key, "lesson") == 0)
        t->lessons++;
}

static spy_map_entry entry(uint64_t start, uint64_t end, const char *perms,
                           const char *path) {
    spy_map_entry e;
    memset(&e, 0, sizeof e);
    e.start = start;
    e.end = end;
    snprintf(e.perms, sizeof e.perms, "%s", perms);
    snprintf(e.path, sizeof e.path, "%s", path);
    return e;
}

static const spy_fault maperr = {
    11, 1, "SIGSEGV", "SEGV_MAPERR", 0, SPY_FAULT_UNMAPPED};
static const spy_fault accerr = {
    11, 2, "SIGSEGV", "SEGV_ACCERR", 0, SPY_FAULT_PROT};
static const spy_fault buserr = {
    7, 2, "SIGBUS", "BUS_ADRERR", 0, SPY_FAULT_NOBACKING};
static const spy_fault none = {0, 0, NULL, NULL, 0, SPY_FAULT_NONE};
/* Windows: EXCEPTION_ACCESS_VIOLATION is 0xC0000005; ExceptionInformation[0]
 * is 0 for a read, 1 for a write. */
static const spy_fault av_read = {
    (int)0xC0000005u, 0, "EXCEPTION_ACCESS_VIOLATION",
    "read access",    0, SPY_FAULT_UNMAPPED};
static const spy_fault av_write = {
    (int)0xC0000005u, 1, "EXCEPTION_ACCESS_VIOLATION",
    "write access",   0, SPY_FAULT_PROT};
static const spy_fault av_prot = {
    (int)0xC0000005u, 0, "EXCEPTION_ACCESS_VIOLATION",
    "read access",    0, SPY_FAULT_PROT};
static const spy_fault in_page = {
    (int)0xC0000006u, 0, "EXCEPTION_IN_PAGE_ERROR",
    "read access",    0, SPY_FAULT_NOBACKING};
static const spy_fault guard_hit = {
    (int)0x80000001u, 0, "STATUS_GUARD_PAGE_VIOLATION",
    "read access",    0, SPY_FAULT_PROT};

/* A region as the Windows backend describes it (VirtualQuery's words). */
static void win_region(spy_region *r, const char *state, const char *protect,
                       const char *type) {
    memset(r, 0, sizeof *r);
    r->file_size = -1;
    r->vq_max = UINT64_C(0x7ffffffeffff);
    snprintf(r->vq_state, sizeof r->vq_state, "%s", state);
    snprintf(r->vq_protect, sizeof r->vq_protect, "%s", protect);
    snprintf(r->vq_type, sizeof r->vq_type, "%s", type);
}

#define HAS(t, text) ck_assert_msg(strstr((t).all, text) != NULL, "%s", (t).all)
#define HASNT(t, text)                                                         \
    ck_assert_msg(strstr((t).all, text) == NULL, "%s", (t).all)

START_TEST(test_odd_linux_addresses) {
    static const spy_fault gp = {11,          0x80, "SIGSEGV",
                                 "SI_KERNEL", 0,    SPY_FAULT_PROT};
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.file_size = -1;
    spy_explain_probe(UINT64_C(0x8000000000000000), 8, 0, &r, &gp, 4096,
                      collect, &t);
    HAS(t, "non-canonical address");
    HASNT(t, "SEGV_MAPERR");
    t.all[0] = '\0';
    r.inside = 1;
    r.at = entry(UINT64_C(0xffffffffff600000), UINT64_C(0xffffffffff601000),
                 "--xp", "[vsyscall]");
    spy_explain_probe(UINT64_C(0xffffffffff600000), 8, 0, &r, &maperr, 4096,
                      collect, &t);
    HAS(t, "This is the [vsyscall] page");
}
END_TEST

START_TEST(test_win_free) {
    spy_region r;
    texts t = {"", 0};
    win_region(&r, "MEM_FREE", "", "");
    r.has_below = 1;
    r.below = entry(0x140000000, 0x140010000, "r--p", "C:\\shmspy.exe");
    spy_explain_probe(0xcc8e9ff8cc, 8, 0, &r, &av_read, 4096, collect, &t);
    HAS(t, "free address space (VirtualQuery: MEM_FREE)");
    HAS(t, "The nearest region below is 0x140000000-0x140010000");
    HAS(t, "No region lies above it.");
    HAS(t, "raises EXCEPTION_ACCESS_VIOLATION (read access)");
    HASNT(t, "SIGSEGV (SEGV_MAPERR).");
    ck_assert_int_eq(t.lessons, 1);
    t.all[0] = '\0';
    spy_explain_probe(0x10, 8, 0, &r, &av_read, 4096, collect, &t);
    HAS(t, "lowest 64 KiB of every Windows process");
    t.all[0] = '\0';
    spy_explain_probe(UINT64_C(0xffff800000000000), 8, 0, &r, &av_read, 4096,
                      collect, &t);
    HAS(t, "belongs to the kernel");
}
END_TEST

START_TEST(test_win_inside) {
    spy_region r;
    texts t = {"", 0};
    win_region(&r, "MEM_COMMIT", "PAGE_READONLY", "MEM_MAPPED");
    r.inside = 1;
    r.at = entry(0x20000, 0x21000, "r--s", "[section view]");
    spy_explain_probe(0x20010, 1, 1, &r, &av_write, 4096, collect, &t);
    HAS(t, "VirtualQuery says MEM_COMMIT, PAGE_READONLY, MEM_MAPPED: a view "
           "of a section");
    HAS(t, "a view mapped with FILE_MAP_READ");
    HAS(t, "ExceptionInformation[0] = 1");
    t.all[0] = '\0';
    win_region(&r, "MEM_RESERVE", "", "MEM_PRIVATE");
    r.inside = 1;
    r.at = entry(0x30000, 0x40000, "---p", "[reserved, not committed]");
    spy_explain_probe(0x30010, 1, 0, &r, &av_prot, 4096, collect, &t);
    HAS(t, "reserved (MEM_RESERVE) but not committed");
    t.all[0] = '\0';
    win_region(&r, "MEM_COMMIT", "PAGE_NOACCESS", "MEM_PRIVATE");
    r.inside = 1;
    r.at = entry(0x30000, 0x31000, "---p", "");
    spy_explain_probe(0x30010, 1, 0, &r, &av_prot, 4096, collect, &t);
    HAS(t, "committed but PAGE_NOACCESS");
    t.all[0] = '\0';
    win_region(&r, "MEM_COMMIT", "PAGE_READWRITE|PAGE_GUARD", "MEM_PRIVATE");
    r.inside = 1;
    r.at = entry(0x30000, 0x31000, "---p", "[guard page]");
    spy_explain_probe(0x30010, 1, 0, &r, &guard_hit, 4096, collect, &t);
    HAS(t, "guard page (PAGE_GUARD)");
    t.all[0] = '\0';
    win_region(&r, "MEM_COMMIT", "PAGE_READONLY", "MEM_MAPPED");
    r.inside = 1;
    r.at = entry(0x20000, 0x21000, "r--s", "C:\\data.bin");
    spy_explain_probe(0x20010, 1, 0, &r, &in_page, 4096, collect, &t);
    HAS(t, "EXCEPTION_IN_PAGE_ERROR: the address is in a view");
    t.all[0] = '\0';
    win_region(&r, "MEM_COMMIT", "PAGE_READWRITE", "MEM_PRIVATE");
    r.inside = 1;
    r.at = entry(0x50000, 0x51000, "rw-p", "[stack]");
    spy_explain_probe(0x50000, 4, 0, &r, &none, 4096, collect, &t);
    HAS(t, "The read of 4 bytes worked: this address is committed");
    HAS(t, "private memory: heap, stack or VirtualAlloc");
}
END_TEST

START_TEST(test_gap_with_neighbours) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.has_below = 1;
    r.below = entry(0x10000, 0x20000, "rw-p", "[heap]");
    r.has_above = 1;
    r.above = entry(0x7f0000000000, 0x7f0000001000, "r-xp", "/lib/libc.so.6");
    r.file_size = -1;
    spy_explain_probe(0xcc8e9ff8cc, 8, 0, &r, &maperr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "[where] 0xcc8e9ff8cc lies in no mapping") !=
                      NULL,
                  "%s", t.all);
    ck_assert_msg(strstr(t.all, "0x10000-0x20000 rw-p [heap] (64.0 KiB)") !=
                      NULL,
                  "%s", t.all);
    /* 0xcc8e9ff8cc - 0x20000 is 818.2 GiB; the libc mapping above. */
    ck_assert_msg(strstr(t.all, "ending 818.2 GiB before it") != NULL, "%s",
                  t.all);
    ck_assert_msg(strstr(t.all, "/lib/libc.so.6") != NULL, "%s", t.all);
    ck_assert_msg(strstr(t.all, "exchange offsets") != NULL, "%s", t.all);
    ck_assert_int_eq(t.lessons, 1);
}
END_TEST

START_TEST(test_nothing_around) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.file_size = -1;
    spy_explain_probe(0x500000, 1, 0, &r, &maperr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "No mapping lies below it.") != NULL, "%s",
                  t.all);
    ck_assert_msg(strstr(t.all, "No mapping lies above it.") != NULL, "%s",
                  t.all);
}
END_TEST

START_TEST(test_null_page) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.file_size = -1;
    spy_explain_probe(0x18, 8, 0, &r, &maperr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "the null pointer") != NULL, "%s", t.all);
    ck_assert_msg(strstr(t.all, "field of a NULL struct pointer") != NULL, "%s",
                  t.all);
}
END_TEST

START_TEST(test_access_errors) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.inside = 1;
    r.file_size = -1;
    r.at = entry(0x1000000, 0x1001000, "---p", "");
    spy_explain_probe(0x1000010, 8, 0, &r, &accerr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "lies inside 0x1000000-0x1001000 ---p "
                                "anonymous memory (4.0 KiB)") != NULL,
                  "%s", t.all);
    ck_assert_msg(strstr(t.all, "PROT_NONE") != NULL, "%s", t.all);
    t.all[0] = '\0';
    r.at = entry(0x1000000, 0x1001000, "r--s", "/dev/shm/demo");
    spy_explain_probe(0x1000010, 8, 1, &r, &accerr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "not writable (permissions r--s)") != NULL,
                  "%s", t.all);
}
END_TEST

START_TEST(test_past_end_of_file) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.inside = 1;
    r.at = entry(0x2000000, 0x2003000, "r--s", "/dev/shm/demo");
    r.at.offset = 4096;
    r.file_size = 100;
    spy_explain_probe(0x2001008, 8, 0, &r, &buserr, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "file offset 8200 of /dev/shm/demo") != NULL,
                  "%s", t.all);
    ck_assert_msg(strstr(t.all, "only 100 bytes now") != NULL, "%s", t.all);
    ck_assert_msg(strstr(t.all, "SIGBUS (BUS_ADRERR)") != NULL, "%s", t.all);
}
END_TEST

/* A SIGBUS inside the object on a full tmpfs is not a truncation; the
 * same fault past the end is, whatever the free space. */
START_TEST(test_sigbus_full_tmpfs) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.inside = 1;
    r.at = entry(0x2000000, 0x2100000, "rw-s", "/dev/shm/big");
    r.file_size = 1048576;
    r.has_fs_free = 1;
    r.fs_free = 0;
    r.fs_tmpfs = 1;
    spy_explain_probe(0x2040000, 1, 1, &r, &buserr, 4096, collect, &t);
    HAS(t, "no memory to back the page (tmpfs full: 0 bytes free)");
    HAS(t, "file offset 262144 of /dev/shm/big");
    HAS(t, "nothing was truncated");
    HASNT(t, "past the end");

    memset(&t, 0, sizeof t);
    r.file_size = 4096; /* truncated: offset 262144 lies past the end */
    spy_explain_probe(0x2040000, 1, 1, &r, &buserr, 4096, collect, &t);
    HAS(t, "SIGBUS past the end: the object was truncated");
    HASNT(t, "tmpfs full");
}
END_TEST

START_TEST(test_sigbus_causes) {
    spy_sigbus_facts f;
    char buf[1024];
    memset(&f, 0, sizeof f);
    f.what = "object offset 8192";
    f.page = 4096;
    f.off = 8192;
    f.size = -1;
    ck_assert_int_eq(spy_explain_sigbus(&f, "BUS_ADRERR", buf, sizeof buf),
                     SPY_SIGBUS_UNKNOWN);
    f.size = 8192;
    ck_assert_int_eq(spy_explain_sigbus(&f, "BUS_ADRERR", buf, sizeof buf),
                     SPY_SIGBUS_PAST_END);
    f.size = 65536;
    ck_assert_int_eq(spy_explain_sigbus(&f, "BUS_ADRERR", buf, sizeof buf),
                     SPY_SIGBUS_UNKNOWN); /* free space not measured */
    f.has_free = 1;
    f.free = 4095;
    ck_assert_int_eq(spy_explain_sigbus(&f, "BUS_ADRERR", buf, sizeof buf),
                     SPY_SIGBUS_FS_FULL);
    ck_assert_msg(strstr(buf, "file system full: 4095 bytes free") != NULL,
                  "%s", buf);
    f.free = 1 << 20; /* room again: inside, but not provably full */
    ck_assert_int_eq(spy_explain_sigbus(&f, "BUS_ADRERR", buf, sizeof buf),
                     SPY_SIGBUS_UNKNOWN);
    ck_assert_msg(strstr(buf, "not cut off") != NULL, "%s", buf);
}
END_TEST

START_TEST(test_access_that_worked) {
    spy_region r;
    texts t = {"", 0};
    memset(&r, 0, sizeof r);
    r.inside = 1;
    r.file_size = -1;
    r.at = entry(0x3000000, 0x3001000, "rw-p", "[stack]");
    spy_explain_probe(0x3000000, 1, 0, &r, &none, 4096, collect, &t);
    ck_assert_msg(strstr(t.all, "The read of 1 byte worked") != NULL, "%s",
                  t.all);
    ck_assert_int_eq(t.lessons, 1);
}
END_TEST

START_TEST(test_human_size) {
    char b[32];
    spy_human_size(0, b, sizeof b);
    ck_assert_str_eq(b, "0 bytes");
    spy_human_size(1, b, sizeof b);
    ck_assert_str_eq(b, "1 byte");
    spy_human_size(1023, b, sizeof b);
    ck_assert_str_eq(b, "1023 bytes");
    spy_human_size(1536, b, sizeof b);
    ck_assert_str_eq(b, "1.5 KiB");
    spy_human_size(UINT64_MAX, b, sizeof b);
    ck_assert_str_eq(b, "16.0 EiB");
}
END_TEST

int main(void) {
    Suite *s = suite_create("explain");
    TCase *tc = tcase_create("explain");
    SRunner *sr;
    int failed;
    tcase_add_test(tc, test_gap_with_neighbours);
    tcase_add_test(tc, test_nothing_around);
    tcase_add_test(tc, test_null_page);
    tcase_add_test(tc, test_access_errors);
    tcase_add_test(tc, test_past_end_of_file);
    tcase_add_test(tc, test_access_that_worked);
    tcase_add_test(tc, test_human_size);
    tcase_add_test(tc, test_odd_linux_addresses);
    tcase_add_test(tc, test_win_free);
    tcase_add_test(tc, test_win_inside);
    tcase_add_test(tc, test_sigbus_full_tmpfs);
    tcase_add_test(tc, test_sigbus_causes);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
