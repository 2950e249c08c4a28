/* posix/dwarf.c - a C type from an ELF file's DWARF, read with elfutils'
 * libdw, into a spy_layout (posix/dwarf.h).
 *
 * The compiler that wrote the DWARF decided every offset and size; this
 * file only copies them: struct/union members (DW_AT_data_member_location
 * constants or the DWARF 2 DW_OP_plus_uconst expression), bitfields
 * (DW_AT_data_bit_offset, else the older big-end-counted DW_AT_bit_offset),
 * base types by encoding, enums with their signedness, pointers (their
 * target built once, after the type that points, so a struct that points
 * to itself is no loop), arrays (one DW_TAG_subrange_type per dimension,
 * inner dimensions as nested arrays, no count: flexible), typedefs as
 * named copies of their target, qualifiers skipped through. Types are
 * built only when reachable from the root, each DIE once (memoised by its
 * offset). */
#include "dwarf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef SPY_HAVE_LIBDW

int spy__dwarf_resolve(const char *path, const char *label, const char *type,
                       spy_layout *out, char *where, size_t cap, spy_err *err) {
    (void)path;
    (void)label;
    (void)type;
    (void)where;
    (void)cap;
    spy_layout_init(out);
    return spy_err_set(err, SPY_ENOTSUP, 0, "%s", SPY__NO_LIBDW);
}

int spy__dwarf_has_debug(const char *path, spy_err *err) {
    (void)path;
    return spy_err_set(err, SPY_ENOTSUP, 0, "%s", SPY__NO_LIBDW);
}

#else

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <elfutils/libdwelf.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdint.h>
#include <unistd.h>

#include "../../core/escape.h"

/* Where Debian's -dbgsym packages put separate debug files. */
#define DEBUG_BUILD_ID_DIR "/usr/lib/debug/.build-id"
/* Pointer targets stop being built past this many types (the layout
 * keeps the pointer, its target NONE): a pointer into a program's whole
 * type graph need not drag all of it in. */
#define POINTER_TYPE_BUDGET 20000u
/* By-value nesting deeper than this is refused (hostile DWARF). */
#define MAX_DEPTH 256

#ifndef DW_TAG_atomic_type
#define DW_TAG_atomic_type 0x47
#endif
#ifndef DW_TAG_immutable_type
#define DW_TAG_immutable_type 0x4b
#endif

/* ---- an opened ELF file and its DWARF --------------------------------- */

typedef struct dfile {
    int fd;
    Elf *elf;   /* ours, while choosing the file */
    Dwfl *dwfl; /* owns dbg and melf once opened */
    Elf *melf;
    Dwarf *dbg;
    char path[4096];
} dfile;

static void dfile_close(dfile *f) {
    if (f->dwfl != NULL)
        dwfl_end(f->dwfl);
    f->dwfl = NULL;
    f->melf = NULL;
    if (f->elf != NULL)
        elf_end(f->elf);
    if (f->fd >= 0)
        close(f->fd);
    f->dbg = NULL;
    f->elf = NULL;
    f->fd = -1;
}

static int errno_code(int e) {
    switch (e) {
    case ENOENT:
    case ENOTDIR:
        return SPY_ENOENT;
    case EACCES:
    case EPERM:
        return SPY_EACCES;
    case ENOMEM:
        return SPY_ENOMEM;
    default:
        return SPY_EIO;
    }
}

/* Opens path as ELF (fd and Elf only). */
static int elf_open(dfile *f, const char *path, const char *label,
                    spy_err *err) {
    char esc[512];
    f->fd = -1;
    f->elf = NULL;
    f->dwfl = NULL;
    f->melf = NULL;
    f->dbg = NULL;
    snprintf(f->path, sizeof f->path, "%s", path);
    spy_escape(label, esc, sizeof esc);
    elf_version(EV_CURRENT);
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        int e = errno;
        return spy_err_set(err, errno_code(e), e, "%s: %s", esc, strerror(e));
    }
    f->elf = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
    if (f->elf == NULL || elf_kind(f->elf) != ELF_K_ELF) {
        dfile_close(f);
        return spy_err_set(err, SPY_EINVAL, 0, "%s: not an ELF file", esc);
    }
    return 0;
}

/* 1 when the ELF has a .debug_info section with contents. */
static int elf_has_debug_info(Elf *elf) {
    size_t shstrndx;
    Elf_Scn *scn = NULL;
    if (elf_getshdrstrndx(elf, &shstrndx) != 0)
        return 0;
    while ((scn = elf_nextscn(elf, scn)) != NULL) {
        GElf_Shdr sh;
        const char *name;
        if (gelf_getshdr(scn, &sh) == NULL)
            continue;
        name = elf_strptr(elf, shstrndx, sh.sh_name);
        if (name == NULL)
            continue;
        if ((strcmp(name, ".debug_info") == 0 ||
             strcmp(name, ".zdebug_info") == 0) &&
            sh.sh_type != SHT_NOBITS && sh.sh_size > 0)
            return 1;
    }
    return 0;
}

/* The separate debug file of elf by build id, into out; 0 or -1. */
static int build_id_path(Elf *elf, char *out, size_t cap) {
    const void *id = NULL;
    ssize_t n = dwelf_elf_gnu_build_id(elf, &id);
    const unsigned char *b = id;
    size_t pos;
    ssize_t i;
    if (n < 2 || id == NULL)
        return -1;
    pos = (size_t)snprintf(out, cap, "%s/%02x/", DEBUG_BUILD_ID_DIR, b[0]);
    for (i = 1; i < n && pos + 3 < cap; i++)
        pos += (size_t)snprintf(out + pos, cap - pos, "%02x", b[i]);
    if (pos + 7 >= cap)
        return -1;
    snprintf(out + pos, cap - pos, ".debug");
    return 0;
}

/* libdwfl's search for a separate debug file: none (the file was chosen
 * above; no debuginfod, no network). */
static int no_debuginfo(Dwfl_Module *mod, void **user, const char *modname,
                        Dwarf_Addr base, const char *file,
                        const char *debuglink, GElf_Word crc, char **name) {
    (void)mod;
    (void)user;
    (void)modname;
    (void)base;
    (void)file;
    (void)debuglink;
    (void)crc;
    (void)name;
    return -1;
}

/* Opens path and its DWARF: the file's own, else the build-id debug
 * file's. */
static int dwarf_open(dfile *f, const char *path, const char *label,
                      spy_err *err) {
    char esc[512], dbgpath[512];
    int rc = elf_open(f, path, label, err);
    if (rc != 0)
        return rc;
    spy_escape(label, esc, sizeof esc);
    if (!elf_has_debug_info(f->elf)) {
        dfile d;
        if (build_id_path(f->elf, dbgpath, sizeof dbgpath) == 0 &&
            elf_open(&d, dbgpath, dbgpath, NULL) == 0) {
            if (elf_has_debug_info(d.elf)) {
                dfile_close(f);
                *f = d;
            } else {
                dfile_close(&d);
            }
        }
        if (!elf_has_debug_info(f->elf)) {
            dfile_close(f);
            return spy_err_set(err, SPY_ENOTSUP, 0,
                               "%s: no debug information (built without "
                               "-g?)",
                               esc);
        }
    }
    /* libdwfl reads the chosen file: it applies the relocations of a
     * relocatable object's DWARF (the compiled header's .o, whose string
     * offsets are relocations), which dwarf_begin_elf does not. */
    {
        static const Dwfl_Callbacks cb = {
            .find_debuginfo = no_debuginfo,
            .section_address = dwfl_offline_section_address,
        };
        char chosen[sizeof f->path];
        Dwfl_Module *mod;
        Dwarf_Addr bias;
        memcpy(chosen, f->path, sizeof chosen);
        dfile_close(f);
        memcpy(f->path, chosen, sizeof chosen);
        f->dwfl = dwfl_begin(&cb);
        if (f->dwfl == NULL)
            return spy_err_set(err, SPY_ENOMEM, 0, "%s: libdwfl: %s", esc,
                               dwfl_errmsg(-1));
        mod = dwfl_report_offline(f->dwfl, "", chosen, -1);
        dwfl_report_end(f->dwfl, NULL, NULL);
        if (mod != NULL) {
            f->dbg = dwfl_module_getdwarf(mod, &bias);
            f->melf = dwfl_module_getelf(mod, &bias);
        }
        if (mod == NULL || f->dbg == NULL) {
            rc = spy_err_set(err, SPY_EINVAL, 0, "%s: unreadable DWARF: %s",
                             esc, dwfl_errmsg(-1));
            dfile_close(f);
            return rc;
        }
    }
    return 0;
}

int spy__dwarf_has_debug(const char *path, spy_err *err) {
    dfile f;
    char dbgpath[512];
    int rc = elf_open(&f, path, path, err), has;
    if (rc != 0)
        return rc;
    has = elf_has_debug_info(f.elf);
    if (!has && build_id_path(f.elf, dbgpath, sizeof dbgpath) == 0) {
        dfile d;
        if (elf_open(&d, dbgpath, dbgpath, NULL) == 0) {
            has = elf_has_debug_info(d.elf);
            dfile_close(&d);
        }
    }
    dfile_close(&f);
    return has;
}

/* ---- the memo: DIE offset -> type index ------------------------------- */

#define BUSY (UINT32_MAX - 1) /* being built (by value): a cycle if met */

typedef struct memo {
    uint64_t *keys; /* offset + 1; 0 empty */
    uint32_t *vals;
    size_t cap, n;
} memo;

static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33;
    return x;
}

static int memo_get(const memo *m, Dwarf_Off off, uint32_t *val) {
    size_t i;
    if (m->cap == 0)
        return 0;
    for (i = mix(off) & (m->cap - 1); m->keys[i] != 0;
         i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == off + 1) {
            *val = m->vals[i];
            return 1;
        }
    return 0;
}

static int memo_put(memo *m, Dwarf_Off off, uint32_t val) {
    size_t i;
    if ((m->n + 1) * 2 > m->cap) {
        size_t ncap = m->cap ? m->cap * 2 : 256, j;
        uint64_t *k = calloc(ncap, sizeof *k);
        uint32_t *v = calloc(ncap, sizeof *v);
        if (k == NULL || v == NULL) {
            free(k);
            free(v);
            return -1;
        }
        for (j = 0; j < m->cap; j++) {
            if (m->keys[j] == 0)
                continue;
            for (i = mix(m->keys[j] - 1) & (ncap - 1); k[i] != 0;
                 i = (i + 1) & (ncap - 1))
                ;
            k[i] = m->keys[j];
            v[i] = m->vals[j];
        }
        free(m->keys);
        free(m->vals);
        m->keys = k;
        m->vals = v;
        m->cap = ncap;
    }
    for (i = mix(off) & (m->cap - 1); m->keys[i] != 0;
         i = (i + 1) & (m->cap - 1))
        if (m->keys[i] == off + 1) {
            m->vals[i] = val;
            return 0;
        }
    m->keys[i] = off + 1;
    m->vals[i] = val;
    m->n++;
    return 0;
}

/* ---- the resolver --------------------------------------------------- */

typedef struct pending {
    uint32_t idx; /* a pointer type whose target is not built yet */
    Dwarf_Die target;
} pending;

typedef struct elemcopy {
    uint32_t dst, src; /* a typedef's copy of a pointer: dst.elem = src's */
} elemcopy;

typedef struct rd {
    spy_layout *l;
    memo memo;
    pending *pend;
    size_t npend, pcap;
    elemcopy *copies;
    size_t ncopies, ccap;
    unsigned anon;
    unsigned depth;
    uint8_t addr_size;
    spy_err *err;
} rd;

static int nomem(rd *r) {
    return spy_err_set(r->err, SPY_ENOMEM, 0, "out of memory reading DWARF");
}

static int bad(rd *r, Dwarf_Die *die, const char *why) {
    return spy_err_set(r->err, SPY_EINVAL, 0, "DWARF: DIE 0x%llx: %s",
                       (unsigned long long)dwarf_dieoffset(die), why);
}

/* The DIE named by die's DW_AT_type; 0, or 1 when it has none (void). */
static int type_of(Dwarf_Die *die, Dwarf_Die *out) {
    Dwarf_Attribute a;
    if (dwarf_attr_integrate(die, DW_AT_type, &a) == NULL)
        return 1;
    if (dwarf_formref_die(&a, out) == NULL)
        return -1;
    return 0;
}

static int is_qualifier(int tag) {
    return tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
           tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type ||
           tag == DW_TAG_immutable_type;
}

static int udata(Dwarf_Die *die, int at, uint64_t *v) {
    Dwarf_Attribute a;
    Dwarf_Word w;
    if (dwarf_attr_integrate(die, at, &a) == NULL)
        return 0;
    if (dwarf_formudata(&a, &w) != 0)
        return -1;
    *v = w;
    return 1;
}

/* A C spelling of die's type without building it (pointer names). */
static void cname(rd *r, Dwarf_Die *die, char *out, size_t cap, int depth) {
    Dwarf_Die t;
    const char *n;
    uint32_t idx;
    int tag;
    if (depth > 16) {
        snprintf(out, cap, "...");
        return;
    }
    if (memo_get(&r->memo, dwarf_dieoffset(die), &idx) && idx != BUSY &&
        idx < r->l->ntypes) {
        snprintf(out, cap, "%s", r->l->types[idx].name);
        return;
    }
    tag = dwarf_tag(die);
    n = dwarf_diename(die);
    if (is_qualifier(tag)) {
        if (type_of(die, &t) == 0)
            cname(r, &t, out, cap, depth + 1);
        else
            snprintf(out, cap, "void");
        return;
    }
    switch (tag) {
    case DW_TAG_structure_type:
        snprintf(out, cap, "struct %s", n ? n : "(anonymous)");
        return;
    case DW_TAG_union_type:
        snprintf(out, cap, "union %s", n ? n : "(anonymous)");
        return;
    case DW_TAG_enumeration_type:
        snprintf(out, cap, "enum %s", n ? n : "(anonymous)");
        return;
    case DW_TAG_pointer_type: {
        char inner[SPY_LAYOUT_MAX_NAME - 8];
        size_t len;
        if (type_of(die, &t) == 0)
            cname(r, &t, inner, sizeof inner, depth + 1);
        else
            snprintf(inner, sizeof inner, "void");
        len = strlen(inner);
        snprintf(out, cap, "%s%s", inner,
                 len > 0 && inner[len - 1] == '*' ? "*" : " *");
        return;
    }
    case DW_TAG_array_type: {
        char inner[SPY_LAYOUT_MAX_NAME - 8];
        if (type_of(die, &t) == 0)
            cname(r, &t, inner, sizeof inner, depth + 1);
        else
            snprintf(inner, sizeof inner, "void");
        snprintf(out, cap, "%s[]", inner);
        return;
    }
    case DW_TAG_subroutine_type:
        snprintf(out, cap, "function");
        return;
    default:
        snprintf(out, cap, "%s", n ? n : "void");
        return;
    }
}

static int resolve(rd *r, Dwarf_Die *die, uint32_t *idx);

static int add_type(rd *r, const spy_ltype *t, uint32_t *idx) {
    return spy_layout_add_type(r->l, t, idx, r->err);
}

static int add_pending(rd *r, uint32_t idx, Dwarf_Die *target) {
    if (r->npend == r->pcap) {
        size_t ncap = r->pcap ? r->pcap * 2 : 32;
        pending *p = realloc(r->pend, ncap * sizeof *p);
        if (p == NULL)
            return nomem(r);
        r->pend = p;
        r->pcap = ncap;
    }
    r->pend[r->npend].idx = idx;
    r->pend[r->npend].target = *target;
    r->npend++;
    return 0;
}

static int add_copy(rd *r, uint32_t dst, uint32_t src) {
    if (r->ncopies == r->ccap) {
        size_t ncap = r->ccap ? r->ccap * 2 : 16;
        elemcopy *c = realloc(r->copies, ncap * sizeof *c);
        if (c == NULL)
            return nomem(r);
        r->copies = c;
        r->ccap = ncap;
    }
    r->copies[r->ncopies].dst = dst;
    r->copies[r->ncopies].src = src;
    r->ncopies++;
    return 0;
}

static int resolve_base(rd *r, Dwarf_Die *die, uint32_t *idx) {
    spy_ltype t;
    uint64_t enc = 0, size = 0;
    const char *n = dwarf_diename(die);
    memset(&t, 0, sizeof t);
    udata(die, DW_AT_encoding, &enc);
    udata(die, DW_AT_byte_size, &size);
    t.name = (char *)(n ? n : "(unnamed base type)");
    t.size = size;
    t.elem = SPY_LAYOUT_NONE;
    t.kind = SPY_L_OPAQUE;
    switch (enc) {
    case DW_ATE_signed:
        t.kind = SPY_L_INT;
        t.is_signed = 1;
        break;
    case DW_ATE_unsigned:
    case DW_ATE_UTF:
        t.kind = SPY_L_UINT;
        break;
    case DW_ATE_signed_char:
        t.kind = SPY_L_CHAR;
        t.is_signed = 1;
        break;
    case DW_ATE_unsigned_char:
        t.kind = SPY_L_CHAR;
        break;
    case DW_ATE_boolean:
        t.kind = SPY_L_BOOL;
        break;
    case DW_ATE_float:
        t.kind = SPY_L_FLOAT;
        break;
    default:
        break;
    }
    /* Integers the model holds: 1, 2, 4, 8 bytes; chars 1. */
    if ((t.kind == SPY_L_INT || t.kind == SPY_L_UINT) &&
        !(size == 1 || size == 2 || size == 4 || size == 8))
        t.kind = SPY_L_OPAQUE;
    if (t.kind == SPY_L_CHAR && size != 1)
        t.kind = size == 2 || size == 4 || size == 8
                     ? (t.is_signed ? SPY_L_INT : SPY_L_UINT)
                     : SPY_L_OPAQUE;
    return add_type(r, &t, idx);
}

static int resolve_pointer(rd *r, Dwarf_Die *die, const char *name,
                           uint32_t *idx) {
    spy_ltype t;
    Dwarf_Die target;
    uint64_t size = 0;
    char buf[SPY_LAYOUT_MAX_NAME];
    int has;
    memset(&t, 0, sizeof t);
    if (udata(die, DW_AT_byte_size, &size) <= 0)
        size = r->addr_size;
    has = type_of(die, &target) == 0;
    if (name == NULL) {
        cname(r, die, buf, sizeof buf, 0);
        name = buf;
    }
    t.name = (char *)name;
    t.kind = SPY_L_POINTER;
    t.size = size;
    t.elem = SPY_LAYOUT_NONE;
    if (add_type(r, &t, idx) != 0)
        return r->err ? r->err->code : SPY_EINVAL;
    if (has)
        return add_pending(r, *idx, &target);
    return 0;
}

/* The bytes from the start of the parent of a member; 0 when absent. */
static int member_location(rd *r, Dwarf_Die *m, uint64_t *off) {
    Dwarf_Attribute a;
    Dwarf_Word w;
    *off = 0;
    if (dwarf_attr_integrate(m, DW_AT_data_member_location, &a) == NULL)
        return 0;
    if (dwarf_formudata(&a, &w) == 0) {
        *off = w;
        return 0;
    }
    {
        Dwarf_Op *ops;
        size_t nops;
        if (dwarf_getlocation(&a, &ops, &nops) == 0 && nops == 1 &&
            ops[0].atom == DW_OP_plus_uconst) {
            *off = ops[0].number;
            return 0;
        }
    }
    return bad(r, m, "a member location that is not a constant");
}

static int resolve_aggregate(rd *r, Dwarf_Die *die, int tag, uint32_t *idx) {
    spy_ltype t;
    spy_lmember *ms = NULL;
    size_t nm = 0, cm = 0, i;
    Dwarf_Die c;
    uint64_t size = 0;
    const char *n = dwarf_diename(die);
    const char *kw = tag == DW_TAG_union_type ? "union" : "struct";
    char name[SPY_LAYOUT_MAX_NAME];
    int rc = 0;

    memset(&t, 0, sizeof t);
    if (n != NULL)
        snprintf(name, sizeof name, "%s %s", kw, n);
    else
        snprintf(name, sizeof name, "%s (anonymous %u)", kw, ++r->anon);
    if (dwarf_hasattr(die, DW_AT_declaration) &&
        !dwarf_hasattr(die, DW_AT_byte_size)) {
        /* Incomplete (only pointed to): bytes of no known meaning. */
        t.name = name;
        t.kind = SPY_L_OPAQUE;
        t.elem = SPY_LAYOUT_NONE;
        return add_type(r, &t, idx);
    }
    udata(die, DW_AT_byte_size, &size);
    if (memo_put(&r->memo, dwarf_dieoffset(die), BUSY) != 0)
        return nomem(r);
    if (dwarf_child(die, &c) == 0) {
        do {
            Dwarf_Die mt;
            uint32_t ti;
            uint64_t loc = 0, bits = 0, bo;
            spy_lmember m;
            if (dwarf_tag(&c) != DW_TAG_member)
                continue;
            if (type_of(&c, &mt) != 0) {
                rc = bad(r, &c, "a member without a type");
                goto out;
            }
            if ((rc = resolve(r, &mt, &ti)) != 0)
                goto out;
            if (tag != DW_TAG_union_type &&
                (rc = member_location(r, &c, &loc)) != 0)
                goto out;
            memset(&m, 0, sizeof m);
            m.name = (char *)(dwarf_diename(&c) ? dwarf_diename(&c) : "");
            m.type = ti;
            m.offset = loc;
            if (udata(&c, DW_AT_bit_size, &bits) > 0 && bits > 0) {
                uint64_t d, unit = r->l->types[ti].size, bitoff, bsize;
                if (udata(&c, DW_AT_data_bit_offset, &d) > 0) {
                    /* DWARF 4+: bits from the start of the parent. */
                } else if (udata(&c, DW_AT_bit_offset, &bitoff) > 0) {
                    /* DWARF 2/3: counted from the most significant bit
                     * of a storage unit of DW_AT_byte_size bytes at loc. */
                    if (udata(&c, DW_AT_byte_size, &bsize) <= 0)
                        bsize = unit;
                    if (bitoff + bits > bsize * 8) {
                        rc = bad(r, &c, "a bitfield outside its unit");
                        goto out;
                    }
                    d = r->l->big_endian ? loc * 8 + bitoff
                                         : loc * 8 + bsize * 8 - bitoff - bits;
                } else {
                    d = loc * 8;
                }
                if (bits > 64) {
                    rc = bad(r, &c, "a bitfield wider than 64 bits");
                    goto out;
                }
                /* Counted from the load of the member's type at an
                 * offset aligned to it, as C sees a bitfield; a field
                 * that straddles such a unit (packed) from its first
                 * byte. */
                if (!(unit == 1 || unit == 2 || unit == 4 || unit == 8) ||
                    r->l->big_endian)
                    unit = 1; /* big-endian: from the MSB of a byte */
                m.offset = d / (unit * 8) * unit;
                bo = d - m.offset * 8;
                if (bo + bits > unit * 8 || r->l->big_endian) {
                    m.offset = d / 8;
                    bo = d % 8;
                }
                if (bo + bits > 64) {
                    rc = bad(r, &c, "a bitfield spanning more than 8 bytes");
                    goto out;
                }
                m.bit_size = (uint8_t)bits;
                m.bit_offset = (uint8_t)bo;
            }
            if (nm == cm) {
                size_t ncap = cm ? cm * 2 : 16;
                spy_lmember *p = realloc(ms, ncap * sizeof *p);
                if (p == NULL) {
                    rc = nomem(r);
                    goto out;
                }
                ms = p;
                cm = ncap;
            }
            ms[nm++] = m;
        } while (dwarf_siblingof(&c, &c) == 0);
    }
    t.name = name;
    t.kind = tag == DW_TAG_union_type ? SPY_L_UNION : SPY_L_STRUCT;
    t.size = size;
    t.first = (uint32_t)r->l->nmembers;
    t.count = 0;
    t.elem = SPY_LAYOUT_NONE;
    if ((rc = add_type(r, &t, idx)) != 0)
        goto out;
    for (i = 0; i < nm; i++)
        if ((rc = spy_layout_add_member(r->l, *idx, &ms[i], r->err)) != 0)
            goto out;
out:
    free(ms);
    return rc;
}

static int resolve_enum(rd *r, Dwarf_Die *die, uint32_t *idx) {
    spy_ltype t;
    Dwarf_Die c, u;
    uint64_t size = 0;
    const char *n = dwarf_diename(die);
    char name[SPY_LAYOUT_MAX_NAME];
    int is_signed = 0, rc;

    memset(&t, 0, sizeof t);
    if (n != NULL)
        snprintf(name, sizeof name, "enum %s", n);
    else
        snprintf(name, sizeof name, "enum (anonymous %u)", ++r->anon);
    if (udata(die, DW_AT_byte_size, &size) <= 0 || size == 0) {
        /* declared only (pointed to): bytes of no known meaning */
        t.name = name;
        t.kind = SPY_L_OPAQUE;
        t.elem = SPY_LAYOUT_NONE;
        return add_type(r, &t, idx);
    }
    /* Signedness: the underlying type (DWARF 3+), else a negative
     * enumerator written as signed data. */
    if (type_of(die, &u) == 0) {
        uint64_t enc = 0;
        while (dwarf_tag(&u) == DW_TAG_typedef || is_qualifier(dwarf_tag(&u)))
            if (type_of(&u, &u) != 0)
                break;
        udata(&u, DW_AT_encoding, &enc);
        is_signed = enc == DW_ATE_signed || enc == DW_ATE_signed_char;
    } else if (dwarf_child(die, &c) == 0) {
        do {
            Dwarf_Attribute a;
            Dwarf_Sword s;
            if (dwarf_attr(&c, DW_AT_const_value, &a) != NULL &&
                dwarf_whatform(&a) == DW_FORM_sdata &&
                dwarf_formsdata(&a, &s) == 0 && s < 0)
                is_signed = 1;
        } while (dwarf_siblingof(&c, &c) == 0);
    }
    t.name = name;
    t.kind = SPY_L_ENUM;
    t.is_signed = is_signed;
    t.size = size;
    t.first = (uint32_t)r->l->nenums;
    t.elem = SPY_LAYOUT_NONE;
    if ((rc = add_type(r, &t, idx)) != 0)
        return rc;
    if (dwarf_child(die, &c) != 0)
        return 0;
    do {
        Dwarf_Attribute a;
        int64_t v = 0;
        const char *en = dwarf_diename(&c);
        if (dwarf_tag(&c) != DW_TAG_enumerator || en == NULL)
            continue;
        if (dwarf_attr(&c, DW_AT_const_value, &a) == NULL)
            continue;
        if (dwarf_whatform(&a) == DW_FORM_sdata ||
            dwarf_whatform(&a) == DW_FORM_implicit_const) {
            Dwarf_Sword s;
            if (dwarf_formsdata(&a, &s) != 0)
                return bad(r, &c, "an unreadable enumerator");
            v = s;
        } else {
            Dwarf_Word w;
            if (dwarf_formudata(&a, &w) != 0)
                return bad(r, &c, "an unreadable enumerator");
            if (is_signed && size > 0 && size < 8 &&
                (w & ((uint64_t)1 << (size * 8 - 1))) != 0)
                w |= ~(((uint64_t)1 << (size * 8)) - 1);
            v = (int64_t)w;
        }
        if ((rc = spy_layout_add_enum(r->l, *idx, en, v, r->err)) != 0)
            return rc;
    } while (dwarf_siblingof(&c, &c) == 0);
    return 0;
}

#define MAX_DIMS 16

static int resolve_array(rd *r, Dwarf_Die *die, uint32_t *idx) {
    Dwarf_Die et, c;
    uint64_t dims[MAX_DIMS];
    int nd = 0, i, rc;
    uint32_t elem;
    char ename[SPY_LAYOUT_MAX_NAME], suffix[SPY_LAYOUT_MAX_NAME];

    if (type_of(die, &et) != 0)
        return bad(r, die, "an array without an element type");
    if ((rc = resolve(r, &et, &elem)) != 0)
        return rc;
    if (dwarf_child(die, &c) == 0) {
        do {
            uint64_t count = 0, lb = 0;
            int tag = dwarf_tag(&c);
            if (tag != DW_TAG_subrange_type && tag != DW_TAG_enumeration_type)
                continue;
            if (nd == MAX_DIMS)
                return bad(r, die, "an array of more than 16 dimensions");
            if (udata(&c, DW_AT_count, &count) > 0) {
                /* count as given */
            } else {
                Dwarf_Attribute a;
                udata(&c, DW_AT_lower_bound, &lb);
                if (dwarf_attr(&c, DW_AT_upper_bound, &a) != NULL) {
                    Dwarf_Sword s;
                    Dwarf_Word w;
                    if (dwarf_whatform(&a) == DW_FORM_sdata &&
                        dwarf_formsdata(&a, &s) == 0 && s < 0)
                        count = 0; /* x[0]: gcc writes upper bound -1 */
                    else if (dwarf_formudata(&a, &w) == 0 && w != UINT64_MAX &&
                             w != UINT32_MAX)
                        count = w >= lb ? w - lb + 1 : 0;
                    else
                        count = 0;
                } else {
                    count = 0; /* flexible */
                }
            }
            dims[nd++] = count;
        } while (dwarf_siblingof(&c, &c) == 0);
    }
    if (nd == 0)
        dims[nd++] = 0;
    snprintf(ename, sizeof ename, "%s", r->l->types[elem].name);
    suffix[0] = '\0';
    /* Innermost dimension first: int[3][4] is 3 of int[4]. */
    for (i = nd - 1; i >= 0; i--) {
        spy_ltype t;
        char name[SPY_LAYOUT_MAX_NAME], ns[SPY_LAYOUT_MAX_NAME];
        uint64_t esize = r->l->types[elem].size;
        memset(&t, 0, sizeof t);
        snprintf(ns, sizeof ns, "[%llu]%s", (unsigned long long)dims[i],
                 suffix);
        if (dims[i] == 0)
            snprintf(ns, sizeof ns, "[]%s", suffix);
        snprintf(suffix, sizeof suffix, "%s", ns);
        snprintf(name, sizeof name, "%s%s", ename, suffix);
        if (dims[i] != 0 && esize != 0 && dims[i] > UINT64_MAX / esize)
            return bad(r, die, "an array larger than 2^64 bytes");
        t.name = name;
        t.kind = SPY_L_ARRAY;
        t.size = dims[i] * esize;
        t.elem = elem;
        t.nelem = dims[i];
        if ((rc = add_type(r, &t, &elem)) != 0)
            return rc;
    }
    *idx = elem;
    return 0;
}

static int resolve_typedef(rd *r, Dwarf_Die *die, uint32_t *idx) {
    Dwarf_Die target;
    spy_ltype t;
    uint32_t ti;
    const char *n = dwarf_diename(die);
    int rc;
    if (type_of(die, &target) != 0) {
        memset(&t, 0, sizeof t);
        t.name = (char *)(n ? n : "void");
        t.kind = SPY_L_OPAQUE;
        t.elem = SPY_LAYOUT_NONE;
        return add_type(r, &t, idx);
    }
    if ((rc = resolve(r, &target, &ti)) != 0)
        return rc;
    t = r->l->types[ti];
    t.name = (char *)(n ? n : t.name);
    if ((rc = add_type(r, &t, idx)) != 0)
        return rc;
    if (t.kind == SPY_L_POINTER)
        return add_copy(r, *idx, ti);
    return 0;
}

static int resolve(rd *r, Dwarf_Die *die, uint32_t *idx) {
    Dwarf_Off off = dwarf_dieoffset(die);
    int tag = dwarf_tag(die), rc;
    uint32_t got;

    if (memo_get(&r->memo, off, &got)) {
        if (got == BUSY)
            return bad(r, die, "a type that contains itself by value");
        *idx = got;
        return 0;
    }
    if (++r->depth > MAX_DEPTH) {
        r->depth--;
        return bad(r, die, "types nested too deeply");
    }
    if (is_qualifier(tag)) {
        Dwarf_Die t;
        if (type_of(die, &t) == 0) {
            rc = resolve(r, &t, idx);
        } else {
            spy_ltype v;
            memset(&v, 0, sizeof v);
            v.name = "void";
            v.kind = SPY_L_OPAQUE;
            v.elem = SPY_LAYOUT_NONE;
            rc = add_type(r, &v, idx);
        }
    } else {
        switch (tag) {
        case DW_TAG_base_type:
            rc = resolve_base(r, die, idx);
            break;
        case DW_TAG_pointer_type:
        case DW_TAG_reference_type:
        case DW_TAG_rvalue_reference_type:
        case DW_TAG_ptr_to_member_type:
            rc = resolve_pointer(r, die, NULL, idx);
            break;
        case DW_TAG_structure_type:
        case DW_TAG_union_type:
        case DW_TAG_class_type:
            rc = resolve_aggregate(r, die, tag, idx);
            break;
        case DW_TAG_enumeration_type:
            rc = resolve_enum(r, die, idx);
            break;
        case DW_TAG_array_type:
            rc = resolve_array(r, die, idx);
            break;
        case DW_TAG_typedef:
            rc = resolve_typedef(r, die, idx);
            break;
        default: {
            /* functions, unspecified types: bytes of no known meaning */
            spy_ltype v;
            uint64_t size = 0;
            const char *n = dwarf_diename(die);
            memset(&v, 0, sizeof v);
            udata(die, DW_AT_byte_size, &size);
            v.name = (char *)(tag == DW_TAG_subroutine_type ? "function"
                              : n                           ? n
                                                            : "(unknown)");
            v.kind = SPY_L_OPAQUE;
            v.size = size;
            v.elem = SPY_LAYOUT_NONE;
            rc = add_type(r, &v, idx);
            break;
        }
        }
    }
    r->depth--;
    if (rc != 0)
        return rc;
    if (memo_put(&r->memo, off, *idx) != 0)
        return nomem(r);
    return 0;
}

/* Builds every pointer's target (which may add pointers of its own), then
 * gives typedef copies of pointers their targets. */
static int finish_pointers(rd *r) {
    size_t i;
    for (i = 0; i < r->npend; i++) {
        uint32_t ti;
        Dwarf_Die target = r->pend[i].target;
        int rc;
        if (r->l->ntypes > POINTER_TYPE_BUDGET)
            break;
        if ((rc = resolve(r, &target, &ti)) != 0)
            return rc;
        r->l->types[r->pend[i].idx].elem = ti;
    }
    for (i = 0; i < r->ncopies; i++)
        r->l->types[r->copies[i].dst].elem = r->l->types[r->copies[i].src].elem;
    return 0;
}

/* ---- finding the root by name ---------------------------------------- */

typedef struct query {
    int tag; /* 0: any named type; else DW_TAG_structure_type, ... */
    const char *name;
} query;

static const char *skip_blanks(const char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

static void parse_query(const char *type, query *q) {
    static const struct {
        const char *kw;
        int tag;
    } kws[] = {{"struct", DW_TAG_structure_type},
               {"union", DW_TAG_union_type},
               {"enum", DW_TAG_enumeration_type}};
    size_t i;
    type = skip_blanks(type);
    q->tag = 0;
    q->name = type;
    for (i = 0; i < sizeof kws / sizeof kws[0]; i++) {
        size_t n = strlen(kws[i].kw);
        if (strncmp(type, kws[i].kw, n) == 0 &&
            (type[n] == ' ' || type[n] == '\t')) {
            q->tag = kws[i].tag;
            q->name = skip_blanks(type + n);
            return;
        }
    }
}

static int namelen(const char *s) {
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    return (int)n;
}

static int is_named_type(int tag) {
    return tag == DW_TAG_structure_type || tag == DW_TAG_union_type ||
           tag == DW_TAG_enumeration_type || tag == DW_TAG_typedef ||
           tag == DW_TAG_base_type;
}

static int matches(const query *q, Dwarf_Die *d) {
    int tag = dwarf_tag(d);
    const char *n;
    int len = namelen(q->name);
    if (q->tag != 0 ? tag != q->tag : !is_named_type(tag))
        return 0;
    n = dwarf_diename(d);
    if (n == NULL || (int)strlen(n) != len || strncmp(n, q->name, len) != 0)
        return 0;
    if (dwarf_hasattr(d, DW_AT_declaration))
        return 0;
    return 1;
}

/* Calls fn on every top-level DIE of every unit until it returns
 * non-zero. */
static int each_top_die(Dwarf *dbg, int (*fn)(Dwarf_Die *, void *), void *arg) {
    Dwarf_CU *cu = NULL;
    Dwarf_Die cudie, sub;
    Dwarf_Half ver;
    uint8_t ut;
    while (dwarf_get_units(dbg, cu, &cu, &ver, &ut, &cudie, &sub) == 0) {
        Dwarf_Die c;
        if (dwarf_child(&cudie, &c) != 0)
            continue;
        do {
            int rc = fn(&c, arg);
            if (rc != 0)
                return rc;
        } while (dwarf_siblingof(&c, &c) == 0);
    }
    return 0;
}

typedef struct find_ctx {
    const query *q;
    Dwarf_Die found;
} find_ctx;

static int find_fn(Dwarf_Die *d, void *arg) {
    find_ctx *f = arg;
    if (!matches(f->q, d))
        return 0;
    f->found = *d;
    return 1;
}

/* ---- "did you mean" --------------------------------------------------- */

#define NSUGGEST 3

typedef struct suggest_ctx {
    const query *q;
    char best[NSUGGEST][SPY_LAYOUT_MAX_NAME];
    int dist[NSUGGEST];
    int n;
} suggest_ctx;

static int edit_distance(const char *a, int la, const char *b, int lb) {
    int row[SPY_LAYOUT_MAX_NAME + 1], i, j;
    if (la > SPY_LAYOUT_MAX_NAME || lb > SPY_LAYOUT_MAX_NAME)
        return 1 << 20;
    for (j = 0; j <= lb; j++)
        row[j] = j;
    for (i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = i;
        for (j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (a[i - 1] != b[j - 1]);
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (up + 1 < best)
                best = up + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static int suggest_fn(Dwarf_Die *d, void *arg) {
    suggest_ctx *s = arg;
    int tag = dwarf_tag(d), ql = namelen(s->q->name), dist, i, k;
    const char *n = dwarf_diename(d);
    const char *kw;
    char full[SPY_LAYOUT_MAX_NAME];
    int nl;
    if (!is_named_type(tag) || n == NULL || tag == DW_TAG_base_type ||
        dwarf_hasattr(d, DW_AT_declaration))
        return 0;
    nl = (int)strlen(n);
    if (nl - ql > 4 || ql - nl > 4)
        return 0;
    dist = edit_distance(s->q->name, ql, n, nl);
    if (s->q->tag != 0 && tag != s->q->tag)
        dist++;
    if (dist > (ql > 6 ? ql / 3 : 2))
        return 0;
    kw = tag == DW_TAG_structure_type     ? "struct "
         : tag == DW_TAG_union_type       ? "union "
         : tag == DW_TAG_enumeration_type ? "enum "
                                          : "";
    snprintf(full, sizeof full, "%s%s", kw, n);
    for (i = 0; i < s->n; i++)
        if (strcmp(s->best[i], full) == 0)
            return 0;
    /* insert sorted by distance */
    for (i = 0; i < s->n && s->dist[i] <= dist; i++)
        ;
    if (i >= NSUGGEST)
        return 0;
    for (k = (s->n < NSUGGEST ? s->n : NSUGGEST - 1); k > i; k--) {
        memcpy(s->best[k], s->best[k - 1], sizeof s->best[k]);
        s->dist[k] = s->dist[k - 1];
    }
    snprintf(s->best[i], sizeof s->best[i], "%s", full);
    s->dist[i] = dist;
    if (s->n < NSUGGEST)
        s->n++;
    return 0;
}

static int no_such_type(Dwarf *dbg, const query *q, const char *type,
                        const char *label, spy_err *err) {
    suggest_ctx s;
    char et[SPY_EXCERPT_CAP], el[512], tail[3 * SPY_LAYOUT_MAX_NAME + 32];
    int i;
    size_t pos = 0;
    memset(&s, 0, sizeof s);
    s.q = q;
    each_top_die(dbg, suggest_fn, &s);
    spy_excerpt(type, (size_t)-1, et);
    spy_escape(label, el, sizeof el);
    tail[0] = '\0';
    if (s.n > 0) {
        pos += (size_t)snprintf(tail, sizeof tail, " (did you mean ");
        for (i = 0; i < s.n && pos < sizeof tail; i++)
            pos += (size_t)snprintf(tail + pos, sizeof tail - pos, "%s%s",
                                    i ? ", " : "", s.best[i]);
        if (pos < sizeof tail)
            snprintf(tail + pos, sizeof tail - pos, "?)");
    }
    return spy_err_set(err, SPY_EINVAL, 0, "%s: no such type in %s%s", et, el,
                       tail);
}

int spy__dwarf_resolve(const char *path, const char *label, const char *type,
                       spy_layout *out, char *where, size_t cap, spy_err *err) {
    dfile f;
    query q;
    find_ctx fc;
    rd r;
    uint32_t root;
    Dwarf_Die cudie;
    uint8_t asz = 8, osz = 8;
    const char *ident;
    size_t nident = 0;
    int rc;

    spy_layout_init(out);
    if ((rc = dwarf_open(&f, path, label, err)) != 0)
        return rc;
    if (where != NULL && cap > 0)
        snprintf(where, cap, "%s", f.path);
    parse_query(type, &q);
    fc.q = &q;
    if (each_top_die(f.dbg, find_fn, &fc) == 0) {
        rc = no_such_type(f.dbg, &q, type, label, err);
        dfile_close(&f);
        return rc;
    }
    memset(&r, 0, sizeof r);
    r.l = out;
    r.err = err;
    if (dwarf_diecu(&fc.found, &cudie, &asz, &osz) != NULL &&
        (asz == 4 || asz == 8))
        r.addr_size = asz;
    else
        r.addr_size = 8;
    out->pointer_size = r.addr_size;
    ident = f.melf != NULL ? elf_getident(f.melf, &nident) : NULL;
    out->big_endian =
        ident != NULL && nident > EI_DATA && ident[EI_DATA] == ELFDATA2MSB;
    rc = resolve(&r, &fc.found, &root);
    if (rc == 0)
        rc = finish_pointers(&r);
    if (rc == 0) {
        out->root = root;
        rc = spy_layout_check(out, err);
    }
    free(r.memo.keys);
    free(r.memo.vals);
    free(r.pend);
    free(r.copies);
    dfile_close(&f);
    if (rc != 0)
        spy_layout_free(out);
    return rc;
}

#endif /* SPY_HAVE_LIBDW */
