/* test_layoutsrc.c - typed layouts resolved from DWARF agree with the
 * compiler: struct typed_shared (samples/typed_layout.h) resolved from the
 * header (compiled by the system cc -g), from the -g binary typed_offsets
 * and from a running typed_offsets (--from PID) give every offset, size
 * and bitfield that typed_offsets itself prints (offsetof/sizeof, run as a
 * real process). A header that does not compile gives the compiler's
 * first error line; a missing type, compiler or file a clear error; the
 * cache answers the second time, equal, and a damaged entry is ignored;
 * layout files save without clobbering and load back. A build without
 * libdw skips, saying so. HOME and XDG_CACHE_HOME point into a temporary
 * directory. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "backends/layoutsrc.h"

static char tmpdir[256];
static char header[1024];
static char offsets_bin[1024];

/* One line of typed_offsets' output. */
typedef struct truth {
    char path[64];
    int bits;                /* 1: a bitfield line */
    unsigned long long a, b; /* offset, size / width, bit */
} truth;

static truth facts[128];
static size_t nfacts;
static unsigned long long true_sizeof;

static void read_truth(void) {
    char cmd[1100], line[256];
    FILE *p;
    snprintf(cmd, sizeof cmd, "'%s'", offsets_bin);
    p = popen(cmd, "r");
    ck_assert_ptr_nonnull(p);
    nfacts = 0;
    while (fgets(line, sizeof line, p) != NULL && nfacts < 128) {
        truth *t = &facts[nfacts];
        if (sscanf(line, "sizeof %llu", &true_sizeof) == 1)
            continue;
        if (sscanf(line, "%63s bits %llu@%llu", t->path, &t->a, &t->b) == 3) {
            t->bits = 1;
            nfacts++;
        } else if (sscanf(line, "%63s %llu %llu", t->path, &t->a, &t->b) == 3) {
            t->bits = 0;
            nfacts++;
        }
    }
    ck_assert_int_eq(pclose(p), 0);
    ck_assert_uint_gt(nfacts, 40);
    ck_assert_uint_gt(true_sizeof, 0);
}

/* Every field typed_offsets printed, found in l with the same place. */
static void check_against_truth(const spy_layout *l) {
    size_t i;
    ck_assert_uint_ne(l->root, SPY_LAYOUT_NONE);
    ck_assert_uint_eq(l->types[l->root].size, true_sizeof);
    for (i = 0; i < nfacts; i++) {
        const truth *t = &facts[i];
        spy_lfield f;
        spy_err e;
        int rc = spy_layout_field(l, l->root, 0, 1u << 20, t->path, &f, &e);
        ck_assert_msg(rc == 0, "%s: %s", t->path, e.msg);
        if (t->bits) {
            ck_assert_msg(
                f.bit_size == t->a && f.offset * 8 + f.bit_offset == t->b,
                "%s: %u bits at bit %llu, expected %llu@%llu", t->path,
                f.bit_size, (unsigned long long)(f.offset * 8 + f.bit_offset),
                t->a, t->b);
        } else {
            ck_assert_msg(f.offset == t->a && f.size == t->b && !f.bit_size,
                          "%s: offset %llu size %llu, expected %llu %llu",
                          t->path, (unsigned long long)f.offset,
                          (unsigned long long)f.size, t->a, t->b);
        }
    }
}

static void setup(void) {
    const char *samples = getenv("SPY_SAMPLES");
    char cache[300];
    const char *me = __FILE__;
    const char *cut = strstr(me, "tests/unit/backends/test_layoutsrc.c");
    snprintf(tmpdir, sizeof tmpdir, "/tmp/spy-layoutsrc.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(cache, sizeof cache, "%s/cache", tmpdir);
    setenv("HOME", tmpdir, 1);
    setenv("XDG_CACHE_HOME", cache, 1);
    unsetenv("CC");
    ck_assert_ptr_nonnull(cut);
    snprintf(header, sizeof header, "%.*ssamples/typed_layout.h",
             (int)(cut - me), me);
    snprintf(offsets_bin, sizeof offsets_bin, "%s/typed_offsets",
             samples ? samples : "samples");
    read_truth();
}

static void teardown(void) {
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static int from_header(const char *type, const char *hdr, const char *cflags,
                       int no_cache, spy_layout *l, spy_layout_origin *o,
                       spy_err *e) {
    spy_layout_src s;
    memset(&s, 0, sizeof s);
    s.type = type;
    s.header = hdr;
    s.cflags = cflags;
    s.no_cache = no_cache;
    return spy_layout_resolve_src(&s, l, o, e);
}

static int from(const char *type, const char *what, int no_cache, spy_layout *l,
                spy_layout_origin *o, spy_err *e) {
    spy_layout_src s;
    memset(&s, 0, sizeof s);
    s.type = type;
    s.from = what;
    s.no_cache = no_cache;
    return spy_layout_resolve_src(&s, l, o, e);
}

START_TEST(header_matches_offsetof) {
    spy_layout l;
    spy_layout_origin o;
    spy_err e;
    int rc = from_header("struct typed_shared", header, "-D_GNU_SOURCE", 1, &l,
                         &o, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(o.cached, 0);
    ck_assert(o.compile_ms > 0);
    printf("header resolve: %.1f ms (compiler %.1f ms)\n", o.resolve_ms,
           o.compile_ms);
    check_against_truth(&l);
    /* the names the lock decoder looks for */
    ck_assert_uint_ne(spy_layout_find(&l, "pthread_mutex_t"), SPY_LAYOUT_NONE);
    ck_assert_uint_ne(spy_layout_find(&l, "enum typed_state"), SPY_LAYOUT_NONE);
    spy_layout_free(&l);

    /* a bare name finds the tag */
    rc = from_header("typed_shared", header, "-D_GNU_SOURCE", 1, &l, &o, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    check_against_truth(&l);
    spy_layout_free(&l);
}
END_TEST

START_TEST(header_enum_and_bitfields) {
    spy_layout l;
    spy_err e;
    uint32_t t;
    size_t i;
    int neg = 0;
    int rc = from_header("struct typed_shared", header, "-D_GNU_SOURCE", 1, &l,
                         NULL, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    t = spy_layout_find(&l, "enum typed_state");
    ck_assert_int_eq(l.types[t].kind, SPY_L_ENUM);
    ck_assert_int_eq(l.types[t].is_signed, 1);
    ck_assert_uint_eq(l.types[t].count, 4);
    for (i = 0; i < l.types[t].count; i++)
        if (strcmp(l.enums[l.types[t].first + i].name, "TYPED_BROKEN") == 0)
            neg = l.enums[l.types[t].first + i].value == -1;
    ck_assert_int_eq(neg, 1);
    t = spy_layout_find(&l, "struct typed_shared");
    {
        spy_lfield f;
        ck_assert_int_eq(spy_layout_field(&l, t, 0, 8192, "tail", &f, &e), 0);
        ck_assert_int_eq(l.types[f.type].kind, SPY_L_ARRAY);
        ck_assert_uint_eq(l.types[f.type].nelem, 0);
        ck_assert_int_eq(spy_layout_field(&l, t, 0, 8192, "self", &f, &e), 0);
        ck_assert_int_eq(l.types[f.type].kind, SPY_L_POINTER);
        ck_assert_uint_eq(l.types[f.type].elem, t); /* points to itself */
        ck_assert_int_eq(spy_layout_field(&l, t, 0, 8192, "grid", &f, &e), 0);
        ck_assert_str_eq(l.types[f.type].name, "int32_t[3][4]");
        ck_assert_int_eq(spy_layout_field(&l, t, 0, 8192, "ready", &f, &e), 0);
        ck_assert_int_eq(l.types[f.type].kind, SPY_L_BOOL);
        ck_assert_int_eq(spy_layout_field(&l, t, 0, 8192, "ratio", &f, &e), 0);
        ck_assert_int_eq(l.types[f.type].kind, SPY_L_FLOAT);
    }
    ck_assert_int_eq(l.pointer_size, sizeof(void *));
    spy_layout_free(&l);
}
END_TEST

START_TEST(binary_matches_offsetof) {
    spy_layout l;
    spy_layout_origin o;
    spy_err e;
    int rc = from("struct typed_shared", offsets_bin, 1, &l, &o, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_double_eq(o.compile_ms, 0);
    printf("binary resolve: %.1f ms\n", o.resolve_ms);
    ck_assert_ptr_nonnull(strstr(o.where, "typed_offsets"));
    check_against_truth(&l);
    spy_layout_free(&l);
}
END_TEST

/* typed_offsets --hold, dying with this test's process. */
static pid_t spawn_hold(const char *prog, const char *arg) {
    int p[2];
    char b;
    pid_t pid;
    ck_assert_int_eq(pipe(p), 0);
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(p[1], 1);
        close(p[0]);
        close(p[1]);
        execl(prog, prog, arg, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    /* its first byte of output: it runs */
    ck_assert_int_eq(read(p[0], &b, 1), 1);
    close(p[0]);
    return pid;
}

static void reap(pid_t pid) {
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

START_TEST(pid_matches_offsetof) {
    spy_layout l;
    spy_layout_origin o;
    spy_err e;
    char ps[32];
    pid_t pid = spawn_hold(offsets_bin, "--hold");
    int rc, dbg;
    snprintf(ps, sizeof ps, "%d", (int)pid);
    rc = from("struct typed_shared", ps, 1, &l, &o, &e);
    dbg = spy_layout_pid_has_debug((int)pid, NULL);
    reap(pid);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_ptr_nonnull(strstr(o.where, "typed_offsets"));
    check_against_truth(&l);
    spy_layout_free(&l);
    ck_assert_int_eq(dbg, 1);
}
END_TEST

START_TEST(pid_errors) {
    spy_layout l;
    spy_err e;
    char ps[32];
    pid_t pid;
    int rc;
    /* a process gone */
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    snprintf(ps, sizeof ps, "%d", (int)pid);
    rc = from("struct typed_shared", ps, 1, &l, NULL, &e);
    ck_assert_int_eq(rc, SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "no such process"));
    ck_assert_int_eq(spy_layout_pid_has_debug((int)pid, NULL), SPY_ENOENT);
    /* a type in none of a running process's files */
    pid = spawn_hold(offsets_bin, "--hold");
    snprintf(ps, sizeof ps, "%d", (int)pid);
    rc = from("struct no_such_thing_here", ps, 1, &l, NULL, &e);
    reap(pid);
    ck_assert_msg(rc == SPY_EINVAL || rc == SPY_ENOTSUP, "%d %s", rc, e.msg);
    ck_assert_ptr_nonnull(strstr(e.msg, "no_such_thing_here"));
    ck_assert_ptr_null(strchr(e.msg, '\n'));
}
END_TEST

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(header_does_not_compile) {
    spy_layout l;
    spy_err e;
    char bad[400];
    int rc;
    snprintf(bad, sizeof bad, "%s/bad.h", tmpdir);
    write_file(bad, "struct broken {\n    int a\n    int b;\n};\n");
    rc = from_header("struct broken", bad, NULL, 1, &l, NULL, &e);
    ck_assert_int_eq(rc, SPY_EINVAL);
    ck_assert_msg(strstr(e.msg, "does not compile") != NULL &&
                      strstr(e.msg, "bad.h:") != NULL &&
                      strstr(e.msg, "error:") != NULL,
                  "%s", e.msg);
    ck_assert_ptr_null(strchr(e.msg, '\n'));
    ck_assert_uint_eq(l.ntypes, 0);
    /* a missing header */
    snprintf(bad, sizeof bad, "%s/nothere.h", tmpdir);
    rc = from_header("struct broken", bad, NULL, 1, &l, NULL, &e);
    ck_assert_int_eq(rc, SPY_ENOENT);
    ck_assert_ptr_nonnull(strstr(e.msg, "nothere.h"));
}
END_TEST

START_TEST(missing_type_and_compiler) {
    spy_layout l;
    spy_err e;
    int rc = from_header("struct typed_sharde", header, "-D_GNU_SOURCE", 1, &l,
                         NULL, &e);
    ck_assert_int_eq(rc, SPY_EINVAL);
    ck_assert_msg(strstr(e.msg, "no such type") != NULL &&
                      strstr(e.msg, "did you mean struct typed_shared") != NULL,
                  "%s", e.msg);
    rc = from("struct typed_sharde", offsets_bin, 1, &l, NULL, &e);
    ck_assert_int_eq(rc, SPY_EINVAL);
    ck_assert_msg(strstr(e.msg, "did you mean struct typed_shared") != NULL,
                  "%s", e.msg);
    /* not a type name at all */
    rc = from_header("struct x;\nint", header, NULL, 1, &l, NULL, &e);
    ck_assert_int_eq(rc, SPY_EINVAL);
    ck_assert_ptr_null(strchr(e.msg, '\n'));
    /* no compiler */
    setenv("CC", "/nonexistent/cc", 1);
    rc = from_header("struct typed_shared", header, NULL, 1, &l, NULL, &e);
    unsetenv("CC");
    ck_assert_int_eq(rc, SPY_ENOENT);
    ck_assert_msg(strstr(e.msg, "not found (install gcc, or use --layout "
                                "FILE)") != NULL,
                  "%s", e.msg);
    /* a binary without debug information, and none at all */
    rc = from("struct typed_shared", "/bin/true", 1, &l, NULL, &e);
    ck_assert_msg(rc == SPY_ENOTSUP || rc == SPY_EINVAL, "%s", e.msg);
    if (rc == SPY_ENOTSUP)
        ck_assert_ptr_nonnull(strstr(e.msg, "built without -g?"));
    rc = from("struct typed_shared", "/nonexistent/bin", 1, &l, NULL, &e);
    ck_assert_int_eq(rc, SPY_ENOENT);
    rc = from("struct typed_shared", header, 1, &l, NULL, &e);
    ck_assert_int_eq(rc, SPY_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "not an ELF file"));
}
END_TEST

static char *formatted(const spy_layout *l) {
    size_t n;
    char *t = spy_layout_format(l, &n);
    ck_assert_ptr_nonnull(t);
    return t;
}

/* The one entry in the cache directory, into out. */
static void cache_entry(char *out, size_t cap) {
    char dir[400];
    DIR *d;
    struct dirent *de;
    int n = 0;
    snprintf(dir, sizeof dir, "%s/shmspy/layouts", getenv("XDG_CACHE_HOME"));
    d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL) {
        size_t nl = strlen(de->d_name);
        if (nl > 7 && strcmp(de->d_name + nl - 7, ".layout") == 0) {
            snprintf(out, cap, "%s/%s", dir, de->d_name);
            n++;
        }
    }
    closedir(d);
    ck_assert_int_eq(n, 1);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

START_TEST(cache_hits_and_survives_damage) {
    spy_layout a, b;
    spy_layout_origin o;
    spy_err e;
    char entry[700], *ta, *tb;
    int rc, i;
    double t0, per;

    /* a cache of its own, empty */
    snprintf(entry, sizeof entry, "%s/cache-hits", tmpdir);
    setenv("XDG_CACHE_HOME", entry, 1);
    rc = from_header("struct typed_shared", header, "-D_GNU_SOURCE", 0, &a, &o,
                     &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(o.cached, 0);
    rc = from_header("struct typed_shared", header, "-D_GNU_SOURCE", 0, &b, &o,
                     &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(o.cached, 1);
    ck_assert_double_eq(o.compile_ms, 0);
    check_against_truth(&b);
    ta = formatted(&a);
    tb = formatted(&b);
    ck_assert_str_eq(ta, tb);
    free(tb);
    spy_layout_free(&b);

    /* the time of a hit */
    t0 = now_ms();
    for (i = 0; i < 50; i++) {
        rc = from_header("struct typed_shared", header, "-D_GNU_SOURCE", 0, &b,
                         &o, &e);
        ck_assert_int_eq(rc, 0);
        ck_assert_int_eq(o.cached, 1);
        spy_layout_free(&b);
    }
    per = (now_ms() - t0) / 50;
    printf("cache hit: %.3f ms per resolve\n", per);
    ck_assert(per < 10.0);

    /* other cflags: another entry, not this one */
    /* a damaged entry is ignored and rewritten */
    cache_entry(entry, sizeof entry);
    write_file(entry, "shmspy-layout 1\ngarbage here\n");
    rc = from_header("struct typed_shared", header, "-D_GNU_SOURCE", 0, &b, &o,
                     &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(o.cached, 0);
    check_against_truth(&b);
    spy_layout_free(&b);
    rc = from_header("struct typed_shared", header, "-D_GNU_SOURCE", 0, &b, &o,
                     &e);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(o.cached, 1);
    tb = formatted(&b);
    ck_assert_str_eq(ta, tb);
    free(ta);
    free(tb);
    spy_layout_free(&b);
    spy_layout_free(&a);

    /* binaries are cached too */
    rc = from("struct typed_shared", offsets_bin, 0, &a, &o, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ck_assert_int_eq(o.cached, 0);
    spy_layout_free(&a);
    rc = from("struct typed_shared", offsets_bin, 0, &a, &o, &e);
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(o.cached, 1);
    check_against_truth(&a);
    spy_layout_free(&a);
}
END_TEST

START_TEST(layout_files_save_and_load) {
    spy_layout a, b;
    spy_err e;
    char path[400], *ta, *tb;
    size_t n;
    int rc = from_header("struct typed_shared", header, "-D_GNU_SOURCE", 1, &a,
                         NULL, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    ta = spy_layout_format(&a, &n);
    ck_assert_ptr_nonnull(ta);
    snprintf(path, sizeof path, "%s/t.layout", tmpdir);
    ck_assert_int_eq(spy_layout_save_file(path, ta, n, 0, &e), 0);
    rc = spy_layout_save_file(path, ta, n, 0, &e);
    ck_assert_int_eq(rc, SPY_EEXIST);
    ck_assert_ptr_nonnull(strstr(e.msg, "t.layout"));
    ck_assert_int_eq(spy_layout_save_file(path, ta, n, 1, &e), 0);
    {
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        ck_assert_int_eq(st.st_mode & 0777, 0644);
    }
    rc = spy_layout_load_file(path, &b, &e);
    ck_assert_msg(rc == 0, "%s", e.msg);
    check_against_truth(&b);
    tb = formatted(&b);
    ck_assert_str_eq(ta, tb);
    free(tb);
    spy_layout_free(&b);
    /* a damaged file: the parser's line, prefixed by the path */
    write_file(path, "shmspy-layout 1\nnonsense\n");
    rc = spy_layout_load_file(path, &b, &e);
    ck_assert_int_ne(rc, 0);
    ck_assert_ptr_nonnull(strstr(e.msg, "t.layout: "));
    snprintf(path, sizeof path, "%s/none.layout", tmpdir);
    ck_assert_int_eq(spy_layout_load_file(path, &b, &e), SPY_ENOENT);
    /* no temporary files left */
    {
        char cmd[500];
        snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", tmpdir);
        ck_assert_int_ne(system(cmd), 0);
    }
    free(ta);
    spy_layout_free(&a);
}
END_TEST

START_TEST(pid_has_debug_says_no) {
    /* Debian's coreutils are stripped, without a debug file installed. */
    pid_t pid;
    int dbg;
    if (access("/bin/sleep", X_OK) != 0)
        return;
    pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execl("/bin/sleep", "sleep", "30", (char *)NULL);
        _exit(127);
    }
    usleep(100000);
    dbg = spy_layout_pid_has_debug((int)pid, NULL);
    reap(pid);
    ck_assert_int_ge(dbg, 0); /* whatever it says, it answers */
    printf("/bin/sleep has debug info: %d\n", dbg);
}
END_TEST

static Suite *suite(void) {
    Suite *s = suite_create("layoutsrc");
    TCase *t = tcase_create("dwarf");
    /* unchecked: set up once in the runner, removed even when a test
     * fails (a failing test's own process ends at the assertion) */
    tcase_add_unchecked_fixture(t, setup, teardown);
    tcase_set_timeout(t, 120);
    tcase_add_test(t, header_matches_offsetof);
    tcase_add_test(t, header_enum_and_bitfields);
    tcase_add_test(t, binary_matches_offsetof);
    tcase_add_test(t, pid_matches_offsetof);
    tcase_add_test(t, pid_errors);
    tcase_add_test(t, header_does_not_compile);
    tcase_add_test(t, missing_type_and_compiler);
    tcase_add_test(t, cache_hits_and_survives_damage);
    tcase_add_test(t, layout_files_save_and_load);
    tcase_add_test(t, pid_has_debug_says_no);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    SRunner *r;
    int failed;
    if (!spy_layout_dwarf_available()) {
        printf("test_layoutsrc: skipped: this build reads no debug "
               "information (no libdw)\n");
        return 0;
    }
    r = srunner_create(suite());
    srunner_run_all(r, CK_NORMAL);
    failed = srunner_ntests_failed(r);
    srunner_free(r);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
