/* cmd_layout.c - `shmspy layout --type T (--header H [--cflags WORDS] |
 * --from PID|PATH | --layout FILE) [-o FILE] [--force] [--json]`: the
 * resolved layout, as a layout file or as JSON. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "../core/escape.h"
#include "cli.h"
#include "typed_opts.h"
#include "typed_print.h"

typedef struct layout_req {
    spy_typed_req typed;
    const char *out;
    int force, json;
} layout_req;

#define F(member) offsetof(layout_req, member)

static const cli_option layout_options[] = {
    CLI_TYPED_OPTIONS(F),
    CLI_OPT('o', "output", CLI_STR, F(out), "FILE",
            "write the layout file to FILE (default: stdout)",
            .value = CLI_V_FILE),
    CLI_OPT(0, "force", CLI_FLAG, F(force), NULL, "-o: replace FILE"),
    CLI_OPT(0, "json", CLI_FLAG, F(json), NULL,
            "the layout as JSON: types with fields, offsets, sizes"),
    {0}};

static const char *const layout_exclusive[][CLI_EXCL_MAX] = {
    {"output", "json", NULL}, {NULL}};

static const char *const layout_needs[][2] = {{"force", "output"},
                                              {NULL, NULL}};

const cli_command cmd_layout_spec = {
    "layout",
    "layout --type T (--header H [--cflags WORDS] | --from PID|PATH |\n"
    "                   --layout FILE) [--no-cache] [-o FILE [--force]] "
    "[--json]",
    "Resolves struct T and prints its layout as a layout file (the man\n"
    "page, LAYOUT FILES), which --layout FILE reads back on any platform.\n"
    "How it was resolved (cache, compile time) is said on stderr.\n",
    layout_options,
    NULL,
    layout_exclusive,
    layout_needs,
    NULL};

static const char *kind_name(spy_lkind k) {
    switch (k) {
    case SPY_L_INT:
        return "int";
    case SPY_L_UINT:
        return "uint";
    case SPY_L_CHAR:
        return "char";
    case SPY_L_BOOL:
        return "bool";
    case SPY_L_FLOAT:
        return "float";
    case SPY_L_ENUM:
        return "enum";
    case SPY_L_POINTER:
        return "pointer";
    case SPY_L_STRUCT:
        return "struct";
    case SPY_L_UNION:
        return "union";
    case SPY_L_ARRAY:
        return "array";
    case SPY_L_OPAQUE:
        return "opaque";
    }
    return "?";
}

/* The name of type index i, or null. */
static void json_type_ref(spy_json *j, const spy_layout *l, uint32_t i) {
    if (i == SPY_LAYOUT_NONE || i >= l->ntypes)
        spy_json_null(j);
    else
        spy_json_str(j, l->types[i].name);
}

static void layout_json(const spy_typed *t) {
    const spy_layout *l = &t->layout;
    spy_json j;
    size_t i;
    uint32_t k;

    spy_json_init(&j, stdout, 1);
    spy_json_obj_begin(&j);
    spy_json_key(&j, "root");
    json_type_ref(&j, l, t->root);
    spy_json_key(&j, "size");
    spy_json_uint(&j, l->types[t->root].size);
    spy_json_key(&j, "pointer_size");
    spy_json_uint(&j, l->pointer_size);
    spy_json_key(&j, "big_endian");
    spy_json_bool(&j, l->big_endian);
    spy_json_key(&j, "source");
    if (l->source != NULL)
        spy_json_str(&j, l->source);
    else
        spy_json_null(&j);
    spy_json_key(&j, "types");
    spy_json_arr_begin(&j);
    for (i = 0; i < l->ntypes; i++) {
        const spy_ltype *ty = &l->types[i];
        spy_json_obj_begin(&j);
        spy_json_key(&j, "name");
        spy_json_str(&j, ty->name);
        spy_json_key(&j, "kind");
        spy_json_str(&j, kind_name(ty->kind));
        spy_json_key(&j, "size");
        spy_json_uint(&j, ty->size);
        if (ty->kind == SPY_L_ENUM || ty->kind == SPY_L_CHAR) {
            spy_json_key(&j, "signed");
            spy_json_bool(&j, ty->is_signed);
        }
        if (ty->kind == SPY_L_ARRAY || ty->kind == SPY_L_POINTER) {
            spy_json_key(&j, ty->kind == SPY_L_ARRAY ? "element" : "target");
            json_type_ref(&j, l, ty->elem);
        }
        if (ty->kind == SPY_L_ARRAY) {
            spy_json_key(&j, "count");
            spy_json_uint(&j, ty->nelem);
        }
        if (ty->kind == SPY_L_STRUCT || ty->kind == SPY_L_UNION) {
            spy_json_key(&j, "fields");
            spy_json_arr_begin(&j);
            for (k = 0; k < ty->count && ty->first + k < l->nmembers; k++) {
                const spy_lmember *m = &l->members[ty->first + k];
                spy_json_obj_begin(&j);
                spy_json_key(&j, "name");
                spy_json_str(&j, m->name);
                spy_json_key(&j, "offset");
                spy_json_uint(&j, m->offset);
                spy_json_key(&j, "type");
                json_type_ref(&j, l, m->type);
                spy_json_key(&j, "size");
                spy_json_uint(&j,
                              m->type < l->ntypes ? l->types[m->type].size : 0);
                if (m->bit_size != 0) {
                    spy_json_key(&j, "bit_size");
                    spy_json_uint(&j, m->bit_size);
                    spy_json_key(&j, "bit_offset");
                    spy_json_uint(&j, m->bit_offset);
                }
                spy_json_obj_end(&j);
            }
            spy_json_arr_end(&j);
        }
        if (ty->kind == SPY_L_ENUM) {
            spy_json_key(&j, "enumerators");
            spy_json_arr_begin(&j);
            for (k = 0; k < ty->count && ty->first + k < l->nenums; k++) {
                spy_json_obj_begin(&j);
                spy_json_key(&j, "name");
                spy_json_str(&j, l->enums[ty->first + k].name);
                spy_json_key(&j, "value");
                spy_json_int(&j, l->enums[ty->first + k].value);
                spy_json_obj_end(&j);
            }
            spy_json_arr_end(&j);
        }
        spy_json_obj_end(&j);
    }
    spy_json_arr_end(&j);
    spy_json_obj_end(&j);
    spy_json_end(&j);
}

/* The one line on stderr: what was resolved, from where, how fast. */
static void note_origin(const layout_req *q, const spy_typed *t) {
    const spy_ltype *root = &t->layout.types[t->root];
    const char *src = q->typed.header != NULL ? q->typed.header
                      : q->typed.from != NULL ? q->typed.from
                                              : q->typed.layout_file;
    fputs("shmspy: layout: ", stderr);
    cli_put_escaped(stderr, root->name);
    fprintf(stderr, " (%" PRIu64 " bytes) from ", root->size);
    cli_put_escaped(stderr, src);
    if (q->typed.layout_file != NULL)
        fprintf(stderr, ": read in %.1f ms\n", t->origin.resolve_ms);
    else if (t->origin.cached)
        fprintf(stderr, ": from the cache in %.1f ms\n", t->origin.resolve_ms);
    else if (t->origin.compile_ms > 0)
        fprintf(stderr, ": resolved in %.1f ms (compile %.1f ms)\n",
                t->origin.resolve_ms, t->origin.compile_ms);
    else
        fprintf(stderr, ": resolved in %.1f ms\n", t->origin.resolve_ms);
}

int cmd_layout(int argc, char **argv) {
    layout_req q;
    spy_typed t;
    spy_err e;
    char *text;
    size_t len;
    int rc;

    memset(&q, 0, sizeof q);
    if (!cli_parse(&cmd_layout_spec, argc, argv, &q, &rc))
        return rc;
    if (!spy_typed_wanted(&q.typed))
        return cli_usage_error("layout", "missing --type T and a layout "
                                         "source (--header, --from or "
                                         "--layout)");
    if ((rc = cli_typed_load("layout", &q.typed, &t)) != 0)
        return rc;
    if (q.json) {
        note_origin(&q, &t);
        layout_json(&t);
        spy_typed_free(&t);
        return cli_finish_stdout();
    }
    t.layout.root = t.root; /* only the types reachable from T */
    text = spy_layout_format(&t.layout, &len);
    if (text == NULL) {
        spy_typed_free(&t);
        spy_err_set(&e, SPY_ENOMEM, 0, "layout: out of memory");
        return cli_fail(&e);
    }
    if (q.out != NULL) {
        rc = spy_layout_save_file(q.out, text, len, q.force, &e);
        free(text);
        if (rc == SPY_EEXIST) {
            char esc[512];
            spy_escape(q.out, esc, sizeof esc);
            spy_err_set(&e, SPY_EEXIST, 0,
                        "layout: %s exists (--force replaces it)", esc);
        }
        if (rc != 0) {
            spy_typed_free(&t);
            return cli_fail(&e);
        }
        note_origin(&q, &t);
        spy_typed_free(&t);
        return SPY_EXIT_OK;
    }
    note_origin(&q, &t);
    spy_typed_free(&t);
    fwrite(text, 1, len, stdout);
    free(text);
    return cli_finish_stdout();
}
