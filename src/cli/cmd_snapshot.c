/* cmd_snapshot.c - `shmspy snapshot NAME -o FILE [--force]`: the segment
 * now, as a recording holding one keyframe (one format, one reader: diff,
 * replay and record's files are read alike). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../backends/process.h"
#include "../ops/diff.h"
#include "../ops/recording.h"
#include "cli.h"

typedef struct snapshot_req {
    const char *name_text, *out;
    int force, plain;
} snapshot_req;

#define F(member) offsetof(snapshot_req, member)

static const cli_option snapshot_options[] = {
    CLI_OPT('o', "output", CLI_STR, F(out), "FILE",
            "the recording to write (created 0600; never through a\n"
            "symbolic link)",
            .flags = CLI_REQUIRED, .value = CLI_V_FILE),
    CLI_OPT(0, "force", CLI_FLAG, F(force), NULL,
            "replace FILE if it exists (a new file renamed over it)"),
    CLI_OPT(0, "no-compress", CLI_FLAG, F(plain), NULL,
            "store the bytes without zstd"),
    {0}};

static const cli_pos snapshot_args[] = {
    {"NAME", F(name_text), CLI_REQUIRED, NULL, CLI_V_NAME, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_snapshot_spec = {
    "snapshot",
    "snapshot NAME -o FILE [--force] [--no-compress]",
    "Writes the bytes of NAME now to FILE, a recording of one keyframe:\n"
    "`shmspy diff FILE NAME` shows what changed since, `shmspy replay\n"
    "FILE --dump` prints it. The segment is read once, whole: a segment\n"
    "being written is as torn in a snapshot as in any read.\n",
    snapshot_options,
    snapshot_args,
    NULL,
    NULL,
    NULL};

int cmd_snapshot(int argc, char **argv) {
    snapshot_req q;
    spy_name name;
    spy_seg *seg;
    spy_rec_meta meta;
    spy_rec_writer *w = NULL;
    uint8_t *img = NULL;
    uint64_t size = 0;
    spy_err e;
    int rc;

    memset(&q, 0, sizeof q);
    if (!cli_parse(&cmd_snapshot_spec, argc, argv, &q, &rc))
        return rc;
    if (cli_name("snapshot", q.name_text, &name) != 0)
        return SPY_EXIT_USAGE;
    spy_err_clear(&e);
    if (spy_seg_open(&name, 0, 0, 0, &seg, &e) != 0)
        return cli_fail(&e);
    cli_note_link(seg, &name);
    memset(&meta, 0, sizeof meta);
    snprintf(meta.name, sizeof meta.name, "%s", spy_seg_name(seg));
    meta.start_wall_ns = (uint64_t)spy_now() * 1000000000u;
    if (spy_diff_read_segment(seg, &img, &size, &e) != 0) {
        spy_seg_close(seg);
        return cli_fail(&e);
    }
    spy_seg_close(seg);
    meta.size = size;
    rc = spy_rec_writer_open(q.out, &meta,
                             (q.force ? SPY_RECW_FORCE : 0u) |
                                 (q.plain ? SPY_RECW_PLAIN : 0u),
                             &w, &e);
    if (rc == 0 && (rc = spy_rec_write_key(w, 0, 0, img, size, &e)) != 0) {
        spy_rec_writer_abort(w);
        w = NULL;
    }
    if (rc == 0) {
        rc = spy_rec_writer_close(w, &e);
        w = NULL;
    }
    free(img);
    if (rc != 0)
        return cli_fail(&e);
    return SPY_EXIT_OK;
}
