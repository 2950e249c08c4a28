/* cmd_probe.c - `shmspy probe ADDR [-n LEN] [--write] [--json]`: touch an
 * address of shmspy's own process under a fault guard and explain. */
#include <inttypes.h>
#include <string.h>

#include "../core/explain.h"
#include "../core/hexfmt.h"
#include "../core/json.h"
#include "cli.h"
#include "../backends/guard.h"
#include "../backends/demo.h"
#include "../backends/process.h"

/* What the command line asks for. */
typedef struct probe_req {
    const char *addr_text;
    uint64_t len;
    int write, json;
} probe_req;

#define F(member) offsetof(probe_req, member)

static const cli_option probe_options[] = {
    CLI_OPT('n', "length", CLI_NUM, F(len), "LEN",
            "bytes to touch, 1..4096 (default 8)", .min = 1, .max = 4096),
    CLI_OPT('w', "write", CLI_FLAG, F(write), NULL,
            "test write access (each byte is written back unchanged)"),
    CLI_OPT(0, "json", CLI_FLAG, F(json), NULL,
            "one JSON document (fields in 'man shmspy')"),
    {0}};

static const cli_pos probe_args[] = {
    {"ADDR", F(addr_text), CLI_REQUIRED, NULL, 0, NULL},
    {NULL, 0, 0, NULL, 0, NULL}};

const cli_command cmd_probe_spec = {
    "probe",
    "probe ADDR [-n LEN] [--write] [--json]",
    "Reads LEN bytes at address ADDR of shmspy's own process, catching\n"
    "SIGSEGV and SIGBUS (the access violation on Windows), and explains where\n"
    "the address lies and why the access faulted or worked. Exit 3 when the\n"
    "access faulted. Try an address printed by another program: it means\n"
    "nothing here.\n",
    probe_options,
    probe_args,
    NULL,
    NULL,
    NULL};

typedef struct probe_out {
    spy_json *json; /* NULL: text */
} probe_out;

static void print_para(const char *key, const char *text, void *arg) {
    probe_out *o = arg;
    if (o->json != NULL) {
        spy_json_key(o->json, key);
        spy_json_str(o->json, text);
        return;
    }
    printf("\n%s:%*s", key, (int)(8 - strlen(key)), "");
    cli_put_wrapped(stdout, text, 9, 78);
}

static void json_entry(spy_json *j, const char *key, const spy_map_entry *e) {
    spy_json_key(j, key);
    spy_json_obj_begin(j);
    spy_json_key(j, "start");
    spy_json_uint(j, e->start);
    spy_json_key(j, "end");
    spy_json_uint(j, e->end);
    spy_json_key(j, "perms");
    spy_json_str(j, e->perms);
    spy_json_key(j, "path");
    spy_json_str(j, e->path);
    spy_json_obj_end(j);
}

int cmd_probe(int argc, char **argv) {
    probe_req q = {NULL, 8, 0, 0};
    int write, json, rc;
    uint64_t addr, len;
    uint8_t bytes[4096];
    spy_fault f;
    spy_region r;
    spy_err e;
    probe_out o = {NULL};

    if (!cli_parse(&cmd_probe_spec, argc, argv, &q, &rc))
        return rc;
    len = q.len;
    write = q.write;
    json = q.json;
    if (cli_number("probe", "ADDR", q.addr_text, &addr) != 0)
        return SPY_EXIT_USAGE;
    if (addr > UINT64_MAX - len)
        return cli_usage_error("probe", "ADDR + LEN wraps around");

    /* Where it lies is read before touching it: the probe must not change
     * the map it is explained by. */
    if (spy_addr_describe(addr, &r, &e) != 0)
        return cli_fail(&e);
    rc = spy_probe(addr, (size_t)len, write, bytes, &f);

    if (json) {
        spy_json j;
        spy_json_init(&j, stdout, 1);
        o.json = &j;
        spy_json_obj_begin(&j);
        spy_json_key(&j, "address");
        spy_json_uint(&j, addr);
        spy_json_key(&j, "length");
        spy_json_uint(&j, len);
        spy_json_key(&j, "access");
        spy_json_str(&j, write ? "write" : "read");
        spy_json_key(&j, "faulted");
        spy_json_bool(&j, rc != 0);
        if (rc != 0) {
            spy_json_key(&j, "signal");
            spy_json_str(&j, f.sig_name);
            spy_json_key(&j, "code");
            spy_json_str(&j, f.code_name);
            spy_json_key(&j, "fault_address");
            spy_json_uint(&j, f.addr);
        } else if (!write) {
            char hex[4096 * 3 + 1];
            size_t i;
            for (i = 0; i < len; i++)
                snprintf(hex + i * 3, 4, "%02x ", bytes[i]);
            hex[len * 3 - 1] = '\0';
            spy_json_key(&j, "bytes");
            spy_json_str(&j, hex);
        }
        if (r.vq_max != 0) { /* Windows: VirtualQuery's own words */
            spy_json_key(&j, "virtualquery");
            spy_json_obj_begin(&j);
            spy_json_key(&j, "state");
            spy_json_str(&j, r.vq_state);
            spy_json_key(&j, "protect");
            spy_json_str(&j, r.vq_protect);
            spy_json_key(&j, "type");
            spy_json_str(&j, r.vq_type);
            spy_json_obj_end(&j);
        }
        spy_json_key(&j, "inside_mapping");
        spy_json_bool(&j, r.inside);
        if (r.inside)
            json_entry(&j, "mapping", &r.at);
        if (r.has_below)
            json_entry(&j, "below", &r.below);
        if (r.has_above)
            json_entry(&j, "above", &r.above);
        spy_explain_probe(addr, (size_t)len, write, &r, &f, spy_page_size(),
                          print_para, &o);
        spy_json_obj_end(&j);
        spy_json_end(&j);
    } else {
        printf("probe:   %s %" PRIu64 " byte%s at 0x%" PRIx64
               " in shmspy's own address space\n",
               write ? "write" : "read", len, len == 1 ? "" : "s", addr);
        if (rc != 0) {
            printf("result:  %s (%s) at 0x%" PRIx64
                   ": the access faulted; shmspy caught the %s\n",
                   f.sig_name, f.code_name, f.addr,
                   spy_platform_get() == SPY_PLATFORM_WINDOWS ? "exception"
                                                              : "signal");
        } else if (write) {
            printf("result:  the write worked (bytes written back "
                   "unchanged)\n");
        } else {
            spy_hexfmt fmt;
            char out[4096 * 5];
            size_t n;
            printf("result:  the read worked:\n");
            spy_hexfmt_init(&fmt, SPY_HEX_XXD, addr);
            n = spy_hexfmt_feed(&fmt, bytes, (size_t)len, out);
            n += spy_hexfmt_finish(&fmt, out + n);
            fwrite(out, 1, n, stdout);
        }
        spy_explain_probe(addr, (size_t)len, write, &r, &f, spy_page_size(),
                          print_para, &o);
    }
    if (cli_finish_stdout() != SPY_EXIT_OK)
        return SPY_EXIT_RUNTIME;
    return rc != 0 ? SPY_EXIT_FAULT : SPY_EXIT_OK;
}
