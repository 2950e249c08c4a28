/* version.c - `shmspy --version [--json]`: the version and what this build
 * has, one fact a line, so that a bug report carries them. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "../core/hexfmt.h"
#include "../backends/layoutsrc.h"
#include "../backends/process.h"
#include "../core/json.h"
#include "../ops/recording.h"
#include "../tui/tui.h"
#include "cli.h"

#ifndef SPY_VERSION
#define SPY_VERSION "0.0.0"
#endif

/* Optional libraries, each said by the layer that links it: libdw by
 * the backend (layoutsrc.h), zstd by ops (recording.h). */
#define HAVE_LIBDW spy_layout_dwarf_available()
#define HAVE_ZSTD spy_rec_have_zstd()

#if defined(__x86_64__) || defined(_M_X64)
#define ARCH "x86_64"
#elif defined(__aarch64__) || defined(_M_ARM64)
#define ARCH "aarch64"
#elif defined(__i386__) || defined(_M_IX86)
#define ARCH "i386"
#elif defined(__arm__)
#define ARCH "arm"
#else
#define ARCH "other"
#endif

#if defined(__clang__)
#define COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define COMPILER "gcc " __VERSION__
#else
#define COMPILER "unknown"
#endif

typedef struct version_req {
    int json;
} version_req;

static const cli_option version_options[] = {
    CLI_OPT(0, "json", CLI_FLAG, offsetof(version_req, json), NULL,
            "the same facts as one JSON object"),
    {0}};

const cli_command cli_version_spec = {
    "--version",
    "--version [--json]",
    "Prints the version and the build's features: TUI and curses library,\n"
    "libdw, zstd, the SIMD kernels of dump and the one in use, the platform.\n",
    version_options,
    NULL,
    NULL,
    NULL,
    NULL};

/* The SIMD implementations spy_hexfmt_select could pick here, fastest
 * first ("scalar" always). */
static const char *const impls[] = {"avx512", "avx2", "ssse3", "scalar"};
#define N_IMPLS (sizeof impls / sizeof impls[0])

/* What chose the implementation in use: the environment or "auto". The
 * environment's word is used only when it names one this CPU has. */
static const char *impl_source(void) {
    const char *env = getenv("SPY_HEXFMT_IMPL");
    if (env != NULL && *env != '\0' && strcmp(env, "auto") != 0 &&
        strcmp(env, spy_hexfmt_impl()) == 0)
        return "SPY_HEXFMT_IMPL";
    return "auto";
}

static void print_text(void) {
    spy_platform_facts pf;
    const char *curses = spy_tui_library();
    size_t i;

    spy_platform_facts_get(&pf);
    printf("shmspy %s\n", SPY_VERSION);
    if (curses != NULL)
        printf("tui: yes (%s)\n", curses);
    else
        printf("tui: no\n");
    printf("libdw: %s\n", HAVE_LIBDW ? "yes" : "no");
    printf("zstd: %s\n", HAVE_ZSTD ? "yes" : "no");
    printf("simd: %s in use (%s); available:", spy_hexfmt_impl(),
           impl_source());
    for (i = 0; i < N_IMPLS; i++)
        if (spy_hexfmt_has(impls[i]))
            printf(" %s", impls[i]);
    printf("\n");
    printf("platform: %s %s, backend %s (%s)\n", pf.platform, ARCH, pf.backend,
           pf.kinds);
    printf("compiler: %s\n", COMPILER);
}

static void print_json(void) {
    spy_platform_facts pf;
    const char *curses = spy_tui_library();
    spy_json j;
    size_t i;

    spy_platform_facts_get(&pf);
    spy_json_init(&j, stdout, 1);
    spy_json_obj_begin(&j);
    spy_json_key(&j, "version");
    spy_json_str(&j, SPY_VERSION);
    spy_json_key(&j, "tui");
    spy_json_bool(&j, curses != NULL);
    spy_json_key(&j, "curses");
    if (curses != NULL)
        spy_json_str(&j, curses);
    else
        spy_json_null(&j);
    spy_json_key(&j, "libdw");
    spy_json_bool(&j, HAVE_LIBDW);
    spy_json_key(&j, "zstd");
    spy_json_bool(&j, HAVE_ZSTD);
    spy_json_key(&j, "simd");
    spy_json_obj_begin(&j);
    spy_json_key(&j, "in_use");
    spy_json_str(&j, spy_hexfmt_impl());
    spy_json_key(&j, "chosen_by");
    spy_json_str(&j, impl_source());
    spy_json_key(&j, "available");
    spy_json_arr_begin(&j);
    for (i = 0; i < N_IMPLS; i++)
        if (spy_hexfmt_has(impls[i]))
            spy_json_str(&j, impls[i]);
    spy_json_arr_end(&j);
    spy_json_obj_end(&j);
    spy_json_key(&j, "platform");
    spy_json_str(&j, pf.platform);
    spy_json_key(&j, "arch");
    spy_json_str(&j, ARCH);
    spy_json_key(&j, "backend");
    spy_json_str(&j, pf.backend);
    spy_json_key(&j, "kinds");
    spy_json_str(&j, pf.kinds);
    spy_json_key(&j, "compiler");
    spy_json_str(&j, COMPILER);
    spy_json_obj_end(&j);
    spy_json_end(&j);
}

int cli_version(int argc, char **argv) {
    version_req q = {0};
    int rc;

    if (!cli_parse(&cli_version_spec, argc, argv, &q, &rc))
        return rc;
    if (q.json)
        print_json();
    else
        print_text();
    return cli_finish_stdout();
}
