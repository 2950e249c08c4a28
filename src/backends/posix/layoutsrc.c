/* posix/layoutsrc.c - typed layouts from the writer's header (compiled by
 * the system C compiler with -g), a binary or debug file, or a running
 * process; the layout cache; layout files (backends/layoutsrc.h). The
 * DWARF itself is read by posix/dwarf.c.
 *
 * The compiler is run by posix_spawn with an argument vector (no shell),
 * in a private temporary directory (mkdtemp, 0700), its standard error
 * captured in a file there, LC_ALL=C so its "error:" lines are found. */
#include "../layoutsrc.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../core/escape.h"
#include "../process.h"
#include "dwarf.h"

extern char **environ;

#define CC_ERR_MAX (64u * 1024) /* bytes of compiler output read back */
#define CC_TIMEOUT_S 60         /* the compiler's time, SPY_CC_TIMEOUT */
#define DEPS_MAX (4u << 20)     /* bytes of a dependency list read back */
#define MAX_LIBS 512            /* shared libraries of a process searched */

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Copies s into out (cap bytes), cut if it must be. */
static void copy_str(char *out, size_t cap, const char *s) {
    size_t n = strlen(s);
    if (cap == 0)
        return;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s, n);
    out[n] = '\0';
}

static int errno_code(int e) {
    switch (e) {
    case ENOENT:
    case ENOTDIR:
    case ESRCH:
        return SPY_ENOENT;
    case EACCES:
    case EPERM:
        return SPY_EACCES;
    case EEXIST:
        return SPY_EEXIST;
    case ENOMEM:
        return SPY_ENOMEM;
    case EROFS:
        return SPY_EROFS;
    default:
        return SPY_EIO;
    }
}

static int sys_err(spy_err *err, int e, const char *what, const char *how) {
    char esc[1024];
    spy_escape(what, esc, sizeof esc);
    if (how != NULL)
        return spy_err_set(err, errno_code(e), e, "%s: %s: %s", esc, how,
                           strerror(e));
    return spy_err_set(err, errno_code(e), e, "%s: %s", esc, strerror(e));
}

int spy_layout_dwarf_available(void) {
#ifdef SPY_HAVE_LIBDW
    return 1;
#else
    return 0;
#endif
}

/* ---- layout files -------------------------------------------------- */

/* fsyncs the directory holding path (best effort). */
static void sync_dir_of(const char *path) {
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int fd;
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

int spy_layout_save_file(const char *path, const char *text, size_t len,
                         int replace, spy_err *err) {
    char tmp[PATH_MAX + 16];
    size_t done = 0;
    int fd, e;

    if (snprintf(tmp, sizeof tmp, "%s.tmpXXXXXX", path) >= (int)sizeof tmp)
        return sys_err(err, ENAMETOOLONG, path, NULL);
    fd = mkostemp(tmp, O_CLOEXEC);
    if (fd < 0)
        return sys_err(err, errno, path, NULL);
    while (done < len) {
        ssize_t w = write(fd, text + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            e = errno;
            goto fail;
        }
        done += (size_t)w;
    }
    if (fchmod(fd, 0644) != 0 || fsync(fd) != 0) {
        e = errno;
        goto fail;
    }
    if (close(fd) != 0) {
        e = errno;
        fd = -1;
        goto fail;
    }
    fd = -1;
    if (replace) {
        if (rename(tmp, path) != 0) {
            e = errno;
            goto fail;
        }
    } else {
        /* No clobbering, atomically: renameat2 RENAME_NOREPLACE, or a
         * hard link (EEXIST) where the file system has no renameat2. */
        if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
            e = errno;
            if (e != EINVAL && e != ENOSYS)
                goto fail;
            if (link(tmp, path) != 0) {
                e = errno;
                goto fail;
            }
            unlink(tmp);
        }
    }
    sync_dir_of(path);
    return 0;
fail:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return sys_err(err, e, path, NULL);
}

/* ---- the cache ----------------------------------------------------- */

/* Two FNV-1a hashes of the identity text, as 32 hex digits. */
static void hash_key(const char *s, size_t n, char out[33]) {
    uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
    size_t i;
    for (i = 0; i < n; i++) {
        a = (a ^ (unsigned char)s[i]) * 0x100000001b3ULL;
        b = (b ^ (unsigned char)s[i]) * 0x100000001b3ULL;
        b ^= b >> 29;
    }
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a,
             (unsigned long long)b);
}

/* The cache directory (created, 0700), or -1 when there is none. */
static int cache_dir(char *out, size_t cap) {
    const char *x = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    char base[PATH_MAX];
    if (x != NULL && x[0] == '/')
        snprintf(base, sizeof base, "%s", x);
    else if (home != NULL && home[0] == '/')
        snprintf(base, sizeof base, "%s/.cache", home);
    else
        return -1;
    if (mkdir(base, 0700) != 0 && errno != EEXIST)
        return -1;
    if (snprintf(out, cap, "%s/shmspy", base) >= (int)cap)
        return -1;
    if (mkdir(out, 0700) != 0 && errno != EEXIST)
        return -1;
    if (snprintf(out, cap, "%s/shmspy/layouts", base) >= (int)cap)
        return -1;
    if (mkdir(out, 0700) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static int cache_path(const char *key, size_t klen, char *out, size_t cap) {
    char dir[PATH_MAX], h[33];
    if (cache_dir(dir, sizeof dir) != 0)
        return -1;
    hash_key(key, klen, h);
    if (snprintf(out, cap, "%s/%s.layout", dir, h) >= (int)cap)
        return -1;
    return 0;
}

/* 1 and *out filled on a good entry; 0 on a miss or a damaged one. */
static int cache_read(const char *path, spy_layout *out) {
    char *text = NULL;
    size_t len = 0;
    int rc;
    if (spy_file_slurp(path, SPY_LAYOUT_MAX_FILE, &text, &len, NULL) != 0)
        return 0;
    rc = spy_layout_parse(text, len, out, NULL);
    free(text);
    if (rc != 0)
        return 0;
    if (out->root == SPY_LAYOUT_NONE || out->root >= out->ntypes) {
        spy_layout_free(out);
        return 0;
    }
    return 1;
}

static void cache_write(const char *path, const spy_layout *l) {
    size_t len = 0;
    char *text = spy_layout_format(l, &len);
    if (text == NULL)
        return;
    (void)spy_layout_save_file(path, text, len, 1, NULL);
    free(text);
}

/* Appends printf text to a key buffer. */
static void keyf(char *k, size_t cap, size_t *pos, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void keyf(char *k, size_t cap, size_t *pos, const char *fmt, ...) {
    va_list ap;
    int n;
    if (*pos >= cap)
        return;
    va_start(ap, fmt);
    n = vsnprintf(k + *pos, cap - *pos, fmt, ap);
    va_end(ap);
    if (n > 0)
        *pos += (size_t)n < cap - *pos ? (size_t)n : cap - *pos;
}

static void key_stat(char *k, size_t cap, size_t *pos, const struct stat *st) {
    keyf(k, cap, pos, "%llu:%llu:%lld:%lld.%09ld\n",
         (unsigned long long)st->st_dev, (unsigned long long)st->st_ino,
         (long long)st->st_size, (long long)st->st_mtim.tv_sec,
         st->st_mtim.tv_nsec);
}

/* ---- the compiler --------------------------------------------------- */

/* Splits s on blanks into a NULL-terminated vector of malloc'd words
 * appended to *v (n used, cap allotted). */
static int push_word(char ***v, size_t *n, size_t *cap, const char *w,
                     size_t len) {
    char *s;
    if (*n + 2 > *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        char **p = realloc(*v, nc * sizeof *p);
        if (p == NULL)
            return -1;
        *v = p;
        *cap = nc;
    }
    if ((s = malloc(len + 1)) == NULL)
        return -1;
    memcpy(s, w, len);
    s[len] = '\0';
    (*v)[(*n)++] = s;
    (*v)[*n] = NULL;
    return 0;
}

static int push_words(char ***v, size_t *n, size_t *cap, const char *s) {
    while (s != NULL && *s != '\0') {
        size_t len = 0;
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        while (s[len] != '\0' && s[len] != ' ' && s[len] != '\t' &&
               s[len] != '\n')
            len++;
        if (len > 0 && push_word(v, n, cap, s, len) != 0)
            return -1;
        s += len;
    }
    return 0;
}

static void free_words(char **v, size_t n) {
    size_t i;
    for (i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* The program named prog, found as execvp would, into out; -1 if none. */
static int find_program(const char *prog, char *out, size_t cap) {
    const char *path = getenv("PATH"), *p;
    if (strchr(prog, '/') != NULL) {
        if (access(prog, X_OK) != 0)
            return -1;
        snprintf(out, cap, "%s", prog);
        return 0;
    }
    if (path == NULL)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (p = path; *p != '\0';) {
        const char *end = strchr(p, ':');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int w = len == 0 ? snprintf(out, cap, "./%s", prog)
                         : snprintf(out, cap, "%.*s/%s", (int)len, p, prog);
        if (w > 0 && (size_t)w < cap && access(out, X_OK) == 0) {
            struct stat st;
            if (stat(out, &st) == 0 && S_ISREG(st.st_mode))
                return 0;
        }
        if (end == NULL)
            break;
        p = end + 1;
    }
    return -1;
}

/* environ with LC_ALL=C (the compiler's "error:" untranslated). */
static char **c_locale_env(void) {
    size_t n = 0, i, j = 0;
    char **e;
    while (environ != NULL && environ[n] != NULL)
        n++;
    if ((e = malloc((n + 2) * sizeof *e)) == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        if (strncmp(environ[i], "LC_ALL=", 7) != 0 &&
            strncmp(environ[i], "LANGUAGE=", 9) != 0)
            e[j++] = environ[i];
    e[j++] = "LC_ALL=C";
    e[j] = NULL;
    return e;
}

/* The first line of the compiler's output that says "error:" (else the
 * first non-empty one), escaped, into out. */
static void first_error(const char *text, size_t len, char *out, size_t cap) {
    const char *p = text, *end = text + len, *pick = NULL;
    size_t pl = 0;
    char line[1024];
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l > 0) {
            size_t k;
            int has = 0;
            for (k = 0; k + 6 <= l; k++)
                if (memcmp(p + k, "error:", 6) == 0) {
                    has = 1;
                    break;
                }
            if (has) {
                pick = p;
                pl = l;
                break;
            }
            if (pick == NULL) {
                pick = p;
                pl = l;
            }
        }
        p = nl ? nl + 1 : end;
    }
    if (pick == NULL) {
        snprintf(out, cap, "(no message)");
        return;
    }
    if (pl >= sizeof line)
        pl = sizeof line - 1;
    memcpy(line, pick, pl);
    line[pl] = '\0';
    spy_escape(line, out, cap);
}

static int valid_type_name(const char *t) {
    int any = 0;
    for (; *t != '\0'; t++) {
        if (isalnum((unsigned char)*t) || *t == '_')
            any = 1;
        else if (*t != ' ' && *t != '\t')
            return 0;
    }
    return any;
}

/* "struct X", "union X", "enum X": a tag the TU can point to whatever it
 * is; 1 when t is one. */
static int is_tag_form(const char *t) {
    while (*t == ' ')
        t++;
    return strncmp(t, "struct ", 7) == 0 || strncmp(t, "union ", 6) == 0 ||
           strncmp(t, "enum ", 5) == 0;
}

typedef struct cc_job {
    char dir[PATH_MAX];
    char tu[PATH_MAX + 16], obj[PATH_MAX + 16], errf[PATH_MAX + 16];
    char dep[PATH_MAX + 16];
} cc_job;

static void cc_cleanup(cc_job *j) {
    unlink(j->dep);
    unlink(j->tu);
    unlink(j->obj);
    unlink(j->errf);
    rmdir(j->dir);
}

static int write_all_file(const char *path, const char *s, size_t n) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    size_t done = 0;
    if (fd < 0)
        return -1;
    while (done < n) {
        ssize_t w = write(fd, s + done, n - done);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            close(fd);
            return -1;
        }
        done += (size_t)w;
    }
    return close(fd);
}

/* Compiles the one-line TU that includes `abs` (the header) into j->obj.
 * cc: the compiler's words (CC), ccpath its program. */
static int compile(cc_job *j, const char *label, const char *abs,
                   const char *type, const char *cc, const char *ccpath,
                   const char *cflags, double *ms, spy_err *err) {
    const char *tmp = getenv("TMPDIR");
    char src[PATH_MAX + 256], esc[512];
    char **argv = NULL, **envp = NULL;
    size_t argc = 0, acap = 0;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t sa;
    pid_t pid;
    int rc, status = 0;
    double t0;

    spy_escape(label, esc, sizeof esc);
    if (tmp == NULL || tmp[0] != '/')
        tmp = "/tmp";
    snprintf(j->dir, sizeof j->dir, "%s/shmspy-cc.XXXXXX", tmp);
    if (mkdtemp(j->dir) == NULL) {
        j->dir[0] = '\0';
        return sys_err(err, errno, tmp, "temporary directory");
    }
    snprintf(j->tu, sizeof j->tu, "%s/tu.c", j->dir);
    snprintf(j->obj, sizeof j->obj, "%s/tu.o", j->dir);
    snprintf(j->errf, sizeof j->errf, "%s/cc.err", j->dir);
    snprintf(j->dep, sizeof j->dep, "%s/tu.d", j->dir);
    /* All of the header's types are kept in the DWARF
     * (-fno-eliminate-unused-debug-types), so a bare name that is a tag
     * or a typedef is found either way; a tag form is also pointed to. */
    if (is_tag_form(type))
        snprintf(src, sizeof src,
                 "#include \"%s\"\n%s *spy__use __attribute__((used));\n", abs,
                 type);
    else
        snprintf(src, sizeof src, "#include \"%s\"\n", abs);
    if (write_all_file(j->tu, src, strlen(src)) != 0)
        return sys_err(err, errno, j->tu, NULL);

    if (push_word(&argv, &argc, &acap, ccpath, strlen(ccpath)) != 0)
        goto nomem;
    {
        /* the words of CC after its program ("ccache gcc": gcc on) */
        const char *rest = cc;
        while (*rest == ' ' || *rest == '\t')
            rest++;
        while (*rest != '\0' && *rest != ' ' && *rest != '\t')
            rest++;
        if (push_words(&argv, &argc, &acap, rest) != 0)
            goto nomem;
    }
    if (push_words(&argv, &argc, &acap,
                   "-g -fno-eliminate-unused-debug-types") != 0 ||
        push_words(&argv, &argc, &acap, cflags) != 0 ||
        push_words(&argv, &argc, &acap, "-MD -MF") != 0 ||
        push_word(&argv, &argc, &acap, j->dep, strlen(j->dep)) != 0 ||
        push_words(&argv, &argc, &acap, "-c -o") != 0 ||
        push_word(&argv, &argc, &acap, j->obj, strlen(j->obj)) != 0 ||
        push_words(&argv, &argc, &acap, "-x c") != 0 ||
        push_word(&argv, &argc, &acap, j->tu, strlen(j->tu)) != 0)
        goto nomem;
    if ((envp = c_locale_env()) == NULL)
        goto nomem;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, j->errf,
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    /* Its own process group, so that a compiler stopped for taking too
     * long goes with its children (cc1, as). */
    posix_spawnattr_init(&sa);
    posix_spawnattr_setflags(&sa, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&sa, 0);
    t0 = now_ms();
    rc = posix_spawn(&pid, argv[0], &fa, &sa, argv, envp);
    posix_spawnattr_destroy(&sa);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    free_words(argv, argc);
    if (rc != 0) {
        char ec[512];
        spy_escape(ccpath, ec, sizeof ec);
        if (rc == ENOENT)
            return spy_err_set(err, SPY_ENOENT, rc,
                               "%s: not found (install gcc, or use --layout "
                               "FILE)",
                               ec);
        return spy_err_set(err, errno_code(rc), rc, "%s: %s", ec, strerror(rc));
    }
    /* A header may #include a FIFO or a device: never wait for ever. */
    {
        const char *te = getenv("SPY_CC_TIMEOUT");
        long limit = te != NULL && atol(te) > 0 ? atol(te) : CC_TIMEOUT_S;
        const struct timespec tick = {0, 5 * 1000 * 1000};
        pid_t w;
        while ((w = waitpid(pid, &status, WNOHANG)) == 0) {
            if (now_ms() - t0 > (double)limit * 1000.0) {
                kill(-pid, SIGKILL);
                while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                    ;
                return spy_err_set(err, SPY_EIO, 0,
                                   "%s: the compiler did not finish in %ld s "
                                   "and was stopped (does the header "
                                   "#include a FIFO or a device?)",
                                   esc, limit);
            }
            nanosleep(&tick, NULL);
        }
        if (w < 0)
            return sys_err(err, errno, ccpath, "waitpid");
    }
    *ms = now_ms() - t0;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        char *text = NULL, line[800];
        size_t len = 0;
        if (spy_file_slurp(j->errf, CC_ERR_MAX * 64, &text, &len, NULL) != 0)
            len = 0;
        if (len > 0)
            first_error(text, len, line, sizeof line);
        else if (WIFEXITED(status))
            snprintf(line, sizeof line, "the compiler exited with %d",
                     WEXITSTATUS(status));
        else
            snprintf(line, sizeof line,
                     "the compiler was killed by "
                     "signal %d",
                     WTERMSIG(status));
        free(text);
        return spy_err_set(err, SPY_EINVAL, 0, "%s: does not compile: %s", esc,
                           line);
    }
    return 0;
nomem:
    free(envp);
    free_words(argv, argc);
    return spy_err_set(err, SPY_ENOMEM, 0, "out of memory");
}

/* ---- the headers a cached layout depends on ------------------------- */

/* One dependency line: "INODE SIZE MTIME_S MTIME_NS PATH". */
static int dep_line(char *out, size_t cap, const char *path) {
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    return snprintf(out, cap, "%llu %lld %lld %ld %s\n",
                    (unsigned long long)st.st_ino, (long long)st.st_size,
                    (long long)st.st_mtim.tv_sec, (long)st.st_mtim.tv_nsec,
                    path) >= (int)cap
               ? -1
               : 0;
}

/* Turns the compiler's make-style dependency file (-MD) into the list of
 * dependency lines (malloc'd into *out): every file but the object and
 * the translation unit. -1 when it cannot be read or a file cannot be
 * stat'ed (the entry is then not cached). */
static int deps_from_make(const cc_job *j, char **out, size_t *olen) {
    char *text = NULL, *buf = NULL, word[PATH_MAX], line[PATH_MAX + 96];
    size_t len = 0, i = 0, cap = 0, n = 0;
    int colon = 0;

    if (spy_file_slurp(j->dep, DEPS_MAX, &text, &len, NULL) != 0)
        return -1;
    while (i < len) {
        size_t w = 0;
        /* a word: backslash escapes a blank; backslash-newline is blank */
        while (i < len &&
               (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' ||
                (text[i] == '\\' && i + 1 < len && text[i + 1] == '\n')))
            i += text[i] == '\\' ? 2 : 1;
        while (i < len && text[i] != ' ' && text[i] != '\t' &&
               text[i] != '\n') {
            if (text[i] == '\\' && i + 1 < len &&
                (text[i + 1] == ' ' || text[i + 1] == '\\' ||
                 text[i + 1] == '#')) {
                i++;
            } else if (text[i] == '\\' && i + 1 < len && text[i + 1] == '\n') {
                break;
            } else if (text[i] == '$' && i + 1 < len && text[i + 1] == '$') {
                i++;
            }
            if (w + 1 < sizeof word)
                word[w++] = text[i];
            i++;
        }
        word[w] = '\0';
        if (w == 0)
            continue;
        if (!colon) { /* the target, "tu.o:" */
            colon = word[w - 1] == ':';
            continue;
        }
        if (strcmp(word, j->tu) == 0)
            continue;
        if (dep_line(line, sizeof line, word) != 0)
            goto fail;
        {
            size_t ll = strlen(line);
            if (n + ll + 1 > cap) {
                size_t nc = (n + ll + 1) * 2;
                char *nb = realloc(buf, nc);
                if (nb == NULL)
                    goto fail;
                buf = nb;
                cap = nc;
            }
            memcpy(buf + n, line, ll + 1);
            n += ll;
        }
    }
    free(text);
    if (buf == NULL)
        return -1;
    *out = buf;
    *olen = n;
    return 0;
fail:
    free(text);
    free(buf);
    return -1;
}

/* 1 when every file of the dependency list at path is as it was. */
static int deps_unchanged(const char *path) {
    char *text = NULL, line[PATH_MAX + 96];
    size_t len = 0, i = 0;
    int ok = 1;

    if (spy_file_slurp(path, DEPS_MAX, &text, &len, NULL) != 0)
        return 0;
    while (ok && i < len) {
        size_t e = i;
        const char *sp;
        while (e < len && text[e] != '\n')
            e++;
        if (e - i >= sizeof line || e == len) {
            ok = 0;
            break;
        }
        memcpy(line, text + i, e - i);
        line[e - i] = '\0';
        {
            /* the path is what follows the fourth blank */
            char now[PATH_MAX + 96];
            int k;
            sp = line;
            for (k = 0; k < 4 && sp != NULL; k++) {
                sp = strchr(sp, ' ');
                if (sp != NULL)
                    sp++;
            }
            if (sp == NULL || dep_line(now, sizeof now, sp) != 0 ||
                strncmp(now, line, e - i) != 0 || now[e - i] != '\n')
                ok = 0;
        }
        i = e + 1;
    }
    free(text);
    return ok;
}

static int resolve_header(const spy_layout_src *src, spy_layout *out,
                          spy_layout_origin *o, spy_err *err) {
    char abs[PATH_MAX], ccpath[PATH_MAX], esc[1024], cpath[PATH_MAX + 64];
    char key[3 * PATH_MAX + 2048], prog[PATH_MAX], dpath[PATH_MAX + 80];
    const char *cc = getenv("CC");
    char *deps = NULL;
    struct stat hst, cst;
    size_t kp = 0, plen, dlen = 0;
    int have_cache = 0, rc;
    cc_job j;

    spy_escape(src->header, esc, sizeof esc);
    if (realpath(src->header, abs) == NULL || stat(abs, &hst) != 0)
        return sys_err(err, errno, src->header, NULL);
    if (!S_ISREG(hst.st_mode))
        return spy_err_set(err, SPY_ETYPE, 0, "%s: not a regular file", esc);
    if (strchr(abs, '"') != NULL || strchr(abs, '\n') != NULL)
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: a path with '\"' or a newline cannot be "
                           "#included",
                           esc);
    if (cc == NULL || cc[strspn(cc, " \t")] == '\0')
        cc = "cc";
    cc += strspn(cc, " \t");
    plen = strcspn(cc, " \t");
    snprintf(prog, sizeof prog, "%.*s", (int)plen, cc);
    if (find_program(prog, ccpath, sizeof ccpath) != 0 ||
        stat(ccpath, &cst) != 0) {
        char ep[512];
        spy_escape(prog, ep, sizeof ep);
        return spy_err_set(err, SPY_ENOENT, 0,
                           "%s: not found (install gcc, or use --layout "
                           "FILE)",
                           ep);
    }
    keyf(key, sizeof key, &kp, "header 1\n%s\n", abs);
    key_stat(key, sizeof key, &kp, &hst);
    keyf(key, sizeof key, &kp, "%s\n%s\n%s\n%s\n",
         src->cflags ? src->cflags : "", src->type, cc, ccpath);
    key_stat(key, sizeof key, &kp, &cst);
    if (!src->no_cache && cache_path(key, kp, cpath, sizeof cpath) == 0) {
        /* The entry stands only while every header the compiler read
         * (the one named and all it includes) is as it was. */
        have_cache = 1;
        snprintf(dpath, sizeof dpath, "%s.deps", cpath);
        if (deps_unchanged(dpath) && cache_read(cpath, out)) {
            o->cached = 1;
            copy_str(o->where, sizeof o->where, abs);
            return 0;
        }
    }
    memset(&j, 0, sizeof j);
    rc = compile(&j, src->header, abs, src->type, cc, ccpath, src->cflags,
                 &o->compile_ms, err);
    if (rc == 0)
        rc = spy__dwarf_resolve(j.obj, src->header, src->type, out, NULL, 0,
                                err);
    if (rc == 0 && have_cache && deps_from_make(&j, &deps, &dlen) != 0)
        have_cache = 0; /* its dependencies unknown: not cached */
    if (j.dir[0] != '\0')
        cc_cleanup(&j);
    if (rc != 0)
        return rc;
    copy_str(o->where, sizeof o->where, abs);
    {
        char s[PATH_MAX + 32];
        snprintf(s, sizeof s, "header %s", abs);
        if ((rc = spy_layout_set_source(out, s, err)) != 0) {
            spy_layout_free(out);
            free(deps);
            return rc;
        }
    }
    if (have_cache) {
        /* the dependencies first: an entry without them is a miss */
        if (spy_layout_save_file(dpath, deps, dlen, 1, NULL) == 0)
            cache_write(cpath, out);
    }
    free(deps);
    return 0;
}

/* Resolves from one file (binary or debug file), through the cache. */
static int resolve_file(const spy_layout_src *src, const char *path,
                        const char *label, const char *srcline, spy_layout *out,
                        spy_layout_origin *o, spy_err *err) {
    char key[PATH_MAX + 1024], cpath[PATH_MAX + 64];
    struct stat st;
    size_t kp = 0;
    int have_cache = 0, rc;

    if (stat(path, &st) != 0)
        return sys_err(err, errno, label, NULL);
    if (!S_ISREG(st.st_mode)) {
        char esc[1024];
        spy_escape(label, esc, sizeof esc);
        return spy_err_set(err, SPY_ETYPE, 0, "%s: not a regular file", esc);
    }
    keyf(key, sizeof key, &kp, "binary 1\n%s\n", label);
    key_stat(key, sizeof key, &kp, &st);
    keyf(key, sizeof key, &kp, "%s\n", src->type);
    if (!src->no_cache && cache_path(key, kp, cpath, sizeof cpath) == 0) {
        have_cache = 1;
        if (cache_read(cpath, out)) {
            o->cached = 1;
            snprintf(o->where, sizeof o->where, "%s",
                     out->source ? out->source : label);
            return 0;
        }
    }
    rc = spy__dwarf_resolve(path, label, src->type, out, o->where,
                            sizeof o->where, err);
    if (rc != 0)
        return rc;
    if (strncmp(o->where, "/proc/", 6) == 0)
        snprintf(o->where, sizeof o->where, "%s", label);
    {
        char s[PATH_MAX + 64];
        snprintf(s, sizeof s, "%s %s", srcline, o->where);
        if ((rc = spy_layout_set_source(out, s, err)) != 0) {
            spy_layout_free(out);
            return rc;
        }
    }
    if (have_cache)
        cache_write(cpath, out);
    return 0;
}

static int is_pid(const char *s) {
    size_t i;
    if (s[0] == '\0' || strlen(s) > 9)
        return 0;
    for (i = 0; s[i] != '\0'; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Keeps the most telling failure of a search over several files: a file
 * with debug information but not the type (EINVAL) over one without
 * (ENOTSUP). */
static void keep_err(spy_err *best, int *bestrc, const spy_err *e, int rc) {
    if (*bestrc == 0 || (*bestrc == SPY_ENOTSUP && rc != SPY_ENOTSUP)) {
        *best = *e;
        *bestrc = rc;
    }
}

static int resolve_pid(const spy_layout_src *src, long pid, spy_layout *out,
                       spy_layout_origin *o, spy_err *err) {
    char proc[64], exe[PATH_MAX], path[PATH_MAX + 64], line[PATH_MAX + 256];
    char srcline[96];
    char *libs[MAX_LIBS];
    size_t nlibs = 0, i;
    spy_err e, best;
    int bestrc = 0, rc;

    memset(&best, 0, sizeof best);
    ssize_t n;
    FILE *maps;
    struct stat st;

    snprintf(proc, sizeof proc, "/proc/%ld", pid);
    if (stat(proc, &st) != 0)
        return spy_err_set(err, SPY_ENOENT, errno, "PID %ld: no such process",
                           pid);
    snprintf(path, sizeof path, "/proc/%ld/exe", pid);
    n = readlink(path, exe, sizeof exe - 1);
    if (n < 0) {
        int x = errno;
        return spy_err_set(err, errno_code(x), x, "PID %ld: its executable: %s",
                           pid, strerror(x));
    }
    exe[n] = '\0';
    snprintf(srcline, sizeof srcline, "process %ld", pid);
    rc = resolve_file(src, path, exe, srcline, out, o, &e);
    if (rc == 0)
        return 0;
    if (rc == SPY_EACCES || rc == SPY_ENOMEM) {
        if (err != NULL)
            *err = e;
        return rc;
    }
    keep_err(&best, &bestrc, &e, rc);

    snprintf(path, sizeof path, "/proc/%ld/maps", pid);
    if ((maps = fopen(path, "re")) == NULL) {
        if (err != NULL)
            *err = best;
        return bestrc;
    }
    while (fgets(line, sizeof line, maps) != NULL && nlibs < MAX_LIBS) {
        char range[64], perms[8], file[PATH_MAX];
        unsigned long long off, ino;
        char dev[32];
        int fields;
        size_t k;
        line[strcspn(line, "\n")] = '\0';
        file[0] = '\0';
        fields = sscanf(line, "%63s %7s %llx %31s %llu %4095[^\n]", range,
                        perms, &off, dev, &ino, file);
        if (fields < 6 || strcmp(perms, "r-xp") != 0 || file[0] != '/')
            continue;
        if (strcmp(file, exe) == 0)
            continue;
        for (k = 0; k < nlibs; k++)
            if (strcmp(libs[k] + strlen(libs[k]) + 1, file) == 0)
                break;
        if (k < nlibs)
            continue;
        /* range NUL file NUL */
        libs[nlibs] = malloc(strlen(range) + strlen(file) + 2);
        if (libs[nlibs] == NULL)
            break;
        strcpy(libs[nlibs], range);
        strcpy(libs[nlibs] + strlen(range) + 1, file);
        nlibs++;
    }
    fclose(maps);
    rc = bestrc;
    for (i = 0; i < nlibs; i++) {
        const char *range = libs[i], *file = libs[i] + strlen(libs[i]) + 1;
        char cand[3][PATH_MAX + 64];
        int c;
        /* in the process's own root (containers), its mapping, the path */
        snprintf(cand[0], sizeof cand[0], "/proc/%ld/root%s", pid, file);
        snprintf(cand[1], sizeof cand[1], "/proc/%ld/map_files/%s", pid, range);
        snprintf(cand[2], sizeof cand[2], "%s", file);
        for (c = 0; c < 3; c++) {
            if (access(cand[c], R_OK) != 0)
                continue;
            rc = resolve_file(src, cand[c], file, srcline, out, o, &e);
            if (rc == 0)
                break;
            keep_err(&best, &bestrc, &e, rc);
            break;
        }
        if (rc == 0)
            break;
    }
    for (i = 0; i < nlibs; i++)
        free(libs[i]);
    if (rc == 0)
        return 0;
    if (bestrc == SPY_ENOTSUP) {
        char ex[1024];
        spy_escape(exe, ex, sizeof ex);
        return spy_err_set(err, SPY_ENOTSUP, 0,
                           "PID %ld (%s): no debug information in its "
                           "executable or libraries (built without -g?)",
                           pid, ex);
    }
    if (err != NULL)
        *err = best;
    return bestrc;
}

int spy_layout_resolve_src(const spy_layout_src *src, spy_layout *out,
                           spy_layout_origin *origin, spy_err *err) {
    spy_layout_origin o;
    double t0 = now_ms();
    char et[SPY_EXCERPT_CAP];
    int rc;

    memset(&o, 0, sizeof o);
    spy_layout_init(out);
    if (!spy_layout_dwarf_available())
        return spy_err_set(err, SPY_ENOTSUP, 0, "%s", SPY__NO_LIBDW);
    if (src == NULL || src->type == NULL)
        return spy_err_set(err, SPY_EINVAL, 0, "no type given (--type T)");
    spy_excerpt(src->type, (size_t)-1, et);
    if (!valid_type_name(src->type) || strlen(src->type) >= SPY_LAYOUT_MAX_NAME)
        return spy_err_set(err, SPY_EINVAL, 0, "%s: not a C type name", et);
    if ((src->header == NULL) == (src->from == NULL))
        return spy_err_set(err, SPY_EINVAL, 0,
                           "%s: give one of --header H or --from PID|PATH", et);
    if (src->header != NULL)
        rc = resolve_header(src, out, &o, err);
    else if (is_pid(src->from))
        rc = resolve_pid(src, strtol(src->from, NULL, 10), out, &o, err);
    else
        rc = resolve_file(src, src->from, src->from, "binary", out, &o, err);
    o.resolve_ms = now_ms() - t0;
    if (origin != NULL)
        *origin = o;
    return rc;
}

int spy_layout_pid_has_debug(int pid, spy_err *err) {
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/%d", pid);
    if (pid <= 0 || stat(path, &st) != 0)
        return spy_err_set(err, SPY_ENOENT, 0, "PID %d: no such process", pid);
    snprintf(path, sizeof path, "/proc/%d/exe", pid);
    return spy__dwarf_has_debug(path, err);
}
