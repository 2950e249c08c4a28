/* cli.c - helpers shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <stdlib.h>
#include <time.h>

#include "../backends/process.h"
#include "../core/escape.h"
#include "../core/json.h"
#include "../core/num.h"

/* Set by cli_parse when the command line asks for --json: every failure
 * then also prints its JSON error document on stdout (cli_set_json_errors). */
static int json_errors;

void cli_set_json_errors(int on) {
    json_errors = on;
}

void cli_json_error_member(spy_json *j, int code, const char *message,
                           int exit_code) {
    spy_json_key(j, "error");
    spy_json_obj_begin(j);
    spy_json_key(j, "code");
    spy_json_int(j, code);
    spy_json_key(j, "reason");
    spy_json_str(j, spy_strerror(code));
    spy_json_key(j, "message");
    spy_json_str(j, message);
    spy_json_key(j, "exit");
    spy_json_int(j, exit_code);
    spy_json_obj_end(j);
}

/* The whole document {"error": {...}} on stdout, when JSON was asked for.
 * Flushed at once: the exit code follows, and stdout may be a pipe. */
static void json_error_doc(int code, const char *message, int exit_code) {
    spy_json j;
    if (!json_errors)
        return;
    spy_json_init(&j, stdout, 1);
    spy_json_obj_begin(&j);
    cli_json_error_member(&j, code, message, exit_code);
    spy_json_obj_end(&j);
    spy_json_end(&j);
    fflush(stdout);
}

int cli_usage_error(const char *cmd, const char *fmt, ...) {
    char msg[SPY_ERR_MSG_MAX + 64];
    int n = 0;
    va_list ap;
    if (cmd != NULL)
        n = snprintf(msg, sizeof msg, "%s: ", cmd);
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "shmspy: %s", msg);
    if (cmd != NULL)
        fprintf(stderr, " (try 'shmspy %s --help')\n", cmd);
    else
        fputs(" (try 'shmspy --help')\n", stderr);
    json_error_doc(SPY_EINVAL, msg, SPY_EXIT_USAGE);
    return SPY_EXIT_USAGE;
}

/* The line of cli_fail on stderr. */
static const char *fail_line(const spy_err *e) {
    const char *msg = e->msg[0] ? e->msg : spy_strerror(e->code);
    fputs("shmspy: ", stderr);
    /* Messages start with the name: its Local\ or Global\ stays as is. */
    cli_put_name(stderr, msg);
    fputc('\n', stderr);
    return msg;
}

int cli_fail(const spy_err *e) {
    json_error_doc(e->code, fail_line(e), SPY_EXIT_RUNTIME);
    return SPY_EXIT_RUNTIME;
}

int cli_fail_in(spy_json *j, const spy_err *e) {
    cli_json_error_member(j, e->code, fail_line(e), SPY_EXIT_RUNTIME);
    return SPY_EXIT_RUNTIME;
}

void cli_note_link(spy_seg *seg, const spy_name *n) {
    spy_seg_info *info;

    if (n->form != SPY_NAME_FILE || (info = malloc(sizeof *info)) == NULL)
        return;
    if (spy_seg_stat(seg, info, NULL) == 0 && info->link[0] != '\0') {
        fputs("shmspy: note: ", stderr);
        cli_put_escaped(stderr, spy_seg_name(seg));
        fputs(": a symbolic link to ", stderr);
        cli_put_escaped(stderr, info->link);
        fputs(" (followed for reading)\n", stderr);
    }
    free(info);
}

int cli_number(const char *cmd, const char *what, const char *text,
               uint64_t *out) {
    spy_err e;
    if (spy_parse_u64(what, text, out, &e) != 0) {
        cli_usage_error(cmd, "%s", e.msg);
        return -1;
    }
    return 0;
}

int cli_name(const char *cmd, const char *text, spy_name *out) {
    spy_err e;
    if (text == NULL) {
        cli_usage_error(cmd, "missing NAME");
        return -1;
    }
    if (spy_name_parse(text, out, &e) != 0) {
        char buf[SPY_ERR_MSG_MAX];
        spy_escape(e.msg, buf, sizeof buf);
        cli_usage_error(cmd, "%s", buf);
        return -1;
    }
    return 0;
}

void cli_format_time(int64_t t, char *buf, size_t cap) {
    time_t tt = (time_t)t;
    struct tm *tm;
    /* "%Y-%m-%d %H:%M:%S" by hand for years 1000..9999: strftime was half
     * the cost of a `list` row. */
    if (t >= 0 && (tm = localtime(&tt)) != NULL && tm->tm_year >= 1000 - 1900 &&
        tm->tm_year <= 9999 - 1900 && cap >= 20) {
        int v[6], i;
        v[0] = tm->tm_year + 1900;
        v[1] = tm->tm_mon + 1;
        v[2] = tm->tm_mday;
        v[3] = tm->tm_hour;
        v[4] = tm->tm_min;
        v[5] = tm->tm_sec;
        buf[0] = (char)('0' + v[0] / 1000);
        buf[1] = (char)('0' + v[0] / 100 % 10);
        buf[2] = (char)('0' + v[0] / 10 % 10);
        buf[3] = (char)('0' + v[0] % 10);
        for (i = 1; i < 6; i++) {
            buf[3 * i + 1] = i == 3 ? ' ' : i < 3 ? '-' : ':';
            buf[3 * i + 2] = (char)('0' + v[i] / 10 % 10);
            buf[3 * i + 3] = (char)('0' + v[i] % 10);
        }
        buf[19] = '\0';
        return;
    }
    if (t < 0 || (tm = localtime(&tt)) == NULL ||
        strftime(buf, cap, "%Y-%m-%d %H:%M:%S", tm) == 0)
        snprintf(buf, cap, "-");
}

void cli_format_perms(uint32_t mode, char *buf) {
    const char *rwx = "rwxrwxrwx";
    int i;
    for (i = 0; i < 9; i++)
        buf[i] = (mode & (0400u >> i)) ? rwx[i] : '-';
    buf[9] = '\0';
}

void cli_put_escaped(FILE *f, const char *s) {
    char small[512];
    size_t need;
    if (spy_escape_is_clean(s)) {
        fputs(s, f);
        return;
    }
    need = spy_escape(s, small, sizeof small);
    if (need < sizeof small) {
        fputs(small, f);
    } else {
        char *big = malloc(need + 1);
        if (big == NULL) {
            fputs(small, f);
            return;
        }
        spy_escape(s, big, need + 1);
        fputs(big, f);
        free(big);
    }
}

void cli_json_seals(spy_json *j, int32_t seals) {
    char text[64];
    const char *p;
    if (seals < 0) {
        spy_json_null(j);
        return;
    }
    spy_json_arr_begin(j);
    spy_seals_text(seals, text, sizeof text);
    for (p = text; seals != 0;) {
        size_t n = strcspn(p, ",");
        spy_json_strn(j, p, n);
        if (p[n] == '\0')
            break;
        p += n + 1;
    }
    spy_json_arr_end(j);
}

void cli_put_name(FILE *f, const char *name) {
    if (strncmp(name, "Local\\", 6) == 0) {
        fputs("Local\\", f);
        name += 6;
    } else if (strncmp(name, "Global\\", 7) == 0) {
        fputs("Global\\", f);
        name += 7;
    }
    cli_put_escaped(f, name);
}

void cli_put_wrapped(FILE *f, const char *text, int indent, int width) {
    char buf[4096];
    const char *p = buf;
    int col = indent;
    spy_escape(text, buf, sizeof buf);
    while (*p != '\0') {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + (int)word > width) {
            fprintf(f, "\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            fputc(' ', f);
            col++;
        }
        fwrite(p, 1, word, f);
        col += (int)word;
        p += word;
        while (*p == ' ')
            p++;
    }
    fputc('\n', f);
}

int cli_read_file(const char *path, size_t max, uint8_t **out, size_t *len,
                  spy_err *e) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL) {
        int err = errno;
        return spy_err_set(e, err == ENOENT ? SPY_ENOENT : SPY_EIO, err,
                           "%s: cannot open it (%s)", path,
                           err == ENOENT ? "no such file" : strerror(err));
    }
    for (;;) {
        size_t got;
        if (n > max) {
            free(buf);
            fclose(f);
            return spy_err_set(e, SPY_ERANGE, 0,
                               "%s: larger than the %zu bytes that can be "
                               "written there",
                               path, max);
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            /* One byte past max is enough to know there is more. */
            if (ncap > max + 1)
                ncap = max + 1 > cap ? max + 1 : cap + 1;
            uint8_t *nb = realloc(buf, ncap);
            if (nb == NULL) {
                free(buf);
                fclose(f);
                return spy_err_set(e, SPY_ENOMEM, 0, "%s: out of memory", path);
            }
            buf = nb;
            cap = ncap;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        int err = errno;
        free(buf);
        fclose(f);
        return spy_err_set(e, SPY_EIO, err, "%s: read error: %s", path,
                           strerror(err));
    }
    fclose(f);
    *out = buf;
    *len = n;
    return 0;
}

int cli_finish_stdout(void) {
    if (fflush(stdout) != 0 || ferror(stdout)) {
        /* The reader went away (`dump | head`): it has what it wanted. */
        if (spy_stdout_reader_gone(errno))
            return SPY_EXIT_OK;
        fprintf(stderr, "shmspy: stdout: %s\n", strerror(errno));
        return SPY_EXIT_RUNTIME;
    }
    return SPY_EXIT_OK;
}
