/*
 * test_rdb.c - the RDB decoder (proto/redis/rdb.h) and its codecs (CRC-64,
 * LZF, ziplist, listpack, intset, zipmap).
 *
 * Corpus: every .rdb file under $TANDEM_CORPORA/redis-rdb (default
 * ../shared/corpora), dumpV8.rdb.gz inflated, and the RDB part of
 * rdb-preamble.aof and of the two PSYNC captures decode to END, except the
 * files Redis itself refuses (corrupt_ziplist.rdb: "integrity check
 * failed"; module.rdb: a Redis 4.0-rc module value), which must fail with
 * the expected code.  Per file, the type and opcode counts the MANIFEST
 * lists are compared with what the decoder saw.  Every file is decoded
 * whole, one byte at a time, in random slices and in exactly the slices
 * d->need asks for, each time from a copy that ends at a PROT_NONE page;
 * every way must give the same events (a CRC-64 over their fields) and
 * never answer "need more" while holding what it asked for.
 *
 * Contents: the keys of the generated Redis 7.0.15 files are compared with
 * the workload that wrote them, those of HDT3213's .rdb files with the
 * commands of the .aof of the same name.  DUMP payloads built from
 * redis-7.0.15-default-encodings.rdb equal the value bytes of the file and
 * the DUMP outputs of a real server, and decode back to the same events.
 * Corrupt inputs: every prefix of small files asks for more bytes, every
 * single-byte change of checksummed files fails, a wrong trailer is
 * PROTO_ECHECKSUM.
 *
 * TANDEM_TEST_VERBOSE=1 prints each file's outcome.
 */
#include <dirent.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <zlib.h>

#include "proto/buf.h"
#include "proto/redis/crc64.h"
#include "proto/redis/intset.h"
#include "proto/redis/listpack.h"
#include "proto/redis/lzf.h"
#include "proto/redis/rdb.h"
#include "proto/redis/ziplist.h"
#include "proto/redis/zipmap.h"

/* ---- files ---- */

static const char *
corpus_root(void)
{
    const char *env = getenv("TANDEM_CORPORA");

    return env != NULL && *env ? env : "../shared/corpora";
}

static bool
verbose(void)
{
    return getenv("TANDEM_TEST_VERBOSE") != NULL;
}

static uint8_t *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;

    if (f == NULL) {
        return NULL;
    }
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 &&
        fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

static uint8_t *
read_corpus(const char *rel, size_t *len)
{
    char path[1024];

    snprintf(path, sizeof(path), "%s/redis-rdb/%s", corpus_root(), rel);
    return read_file(path, len);
}

static uint8_t *
gunzip(const uint8_t *in, size_t inlen, size_t *outlen)
{
    z_stream zs;
    size_t cap = inlen * 4 + 1024, len = 0;
    uint8_t *out = malloc(cap);
    int zr;

    memset(&zs, 0, sizeof(zs));
    if (out == NULL || inflateInit2(&zs, 16 + MAX_WBITS) != Z_OK) {
        free(out);
        return NULL;
    }
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)inlen;
    do {
        if (len == cap) {
            uint8_t *p = realloc(out, cap * 2);

            if (p == NULL) {
                break;
            }
            out = p;
            cap *= 2;
        }
        zs.next_out = out + len;
        zs.avail_out = (uInt)(cap - len);
        zr = inflate(&zs, Z_NO_FLUSH);
        len = cap - zs.avail_out;
    } while (zr == Z_OK);
    inflateEnd(&zs);
    if (zr != Z_STREAM_END) {
        free(out);
        return NULL;
    }
    *outlen = len;
    return out;
}

static bool
have_corpus(void)
{
    char path[1024];
    struct stat st;

    snprintf(path, sizeof(path), "%s/redis-rdb", corpus_root());
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        print_message("corpus not found at %s (set TANDEM_CORPORA)\n",
                      corpus_root());
        return false;
    }
    return true;
}

/* ---- guarded window: input that ends right before a PROT_NONE page ---- */

struct window {
    uint8_t *base; /* mapping */
    size_t size;   /* bytes mapped, the last page PROT_NONE */
    size_t room;   /* bytes before the guard page */
};

static void
window_open(struct window *w, size_t max)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);

    w->room = (max + page - 1) / page * page + page;
    w->size = w->room + page;
    w->base = mmap(NULL, w->size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(w->base != MAP_FAILED);
    assert_int_equal(mprotect(w->base + w->room, page, PROT_NONE), 0);
}

/* Places <n> bytes so that they end at the guard page. */
static const uint8_t *
window_put(struct window *w, const uint8_t *p, size_t n)
{
    uint8_t *at = w->base + w->room - n;

    assert_true(n <= w->room);
    if (n > 0) {
        memmove(at, p, n);
    }
    return at;
}

static void
window_close(struct window *w)
{
    if (w->base != NULL) {
        munmap(w->base, w->size);
    }
    memset(w, 0, sizeof(*w));
}

/* Windows for every decode, grown on demand: <win> takes the bytes of
 * each call (up to 64 KiB: moving more every call would make one-byte
 * feeding quadratic), <win_all> the whole input, placed once per decode
 * so that it ends at its guard page. */
static struct window win, win_all;

#define WINDOW_MOVE_MAX 65536

static void
window_reserve(struct window *w, size_t max)
{
    if (w->base != NULL && w->room >= max) {
        return;
    }
    window_close(w);
    window_open(w, max < (1u << 20) ? (1u << 20) : max);
}

/* ---- hashing events (for comparing decodes) ---- */

static uint64_t
hash_span(uint64_t h, struct span s)
{
    uint64_t n = s.p == NULL ? 0 : (uint64_t)s.len + 1;

    h = crc64_update(h, &n, sizeof(n));
    return s.p == NULL ? h : crc64_update(h, s.p, s.len);
}

/* A CRC-64 over every field of an event; <with_where> adds the offset,
 * the key, its db and attributes (left out to compare a DUMP payload's
 * events with the file's: a payload knows nothing of them). */
static uint64_t
hash_event(uint64_t h, const struct rdb_event *ev, bool with_where)
{
    uint64_t v[40];
    size_t i, n = 0;
    bool attrs = with_where || ev->kind != RDB_EV_KEY;

    v[n++] = ev->kind;
    v[n++] = with_where ? ev->off : 0;
    v[n++] = with_where ? ev->db : 0;
    v[n++] = ev->version;
    v[n++] = ev->valkey;
    v[n++] = ev->db_size;
    v[n++] = ev->expires_size;
    v[n++] = ev->slot;
    v[n++] = ev->kind_of_key;
    v[n++] = ev->type;
    v[n++] = attrs ? (uint64_t)ev->expire_ms : 0;
    v[n++] = attrs ? (uint64_t)ev->idle : 0;
    v[n++] = attrs ? (uint64_t)ev->freq : 0;
    v[n++] = (uint64_t)ev->count;
    memcpy(&v[n++], &ev->score, sizeof(double));
    v[n++] = ev->id.ms;
    v[n++] = ev->id.seq;
    v[n++] = ev->last_id.ms;
    v[n++] = ev->last_id.seq;
    v[n++] = ev->first_id.ms;
    v[n++] = ev->first_id.seq;
    v[n++] = ev->max_deleted_id.ms;
    v[n++] = ev->max_deleted_id.seq;
    v[n++] = ev->length;
    v[n++] = ev->entries_added;
    v[n++] = (uint64_t)ev->entries_read;
    v[n++] = (uint64_t)ev->delivery_ms;
    v[n++] = ev->delivery_count;
    v[n++] = (uint64_t)ev->seen_ms;
    v[n++] = (uint64_t)ev->active_ms;
    v[n++] = ev->module_id;
    v[n++] = ev->module_ver;
    v[n++] = ev->checksum;
    v[n++] = ev->nfields;
    h = crc64_update(h, v, n * sizeof(v[0]));
    if (with_where) {
        h = hash_span(h, ev->key);
    }
    h = hash_span(h, ev->a);
    h = hash_span(h, ev->b);
    h = hash_span(h, ev->score_text);
    h = hash_span(h, ev->dump);
    for (i = 0; ev->fields != NULL && i < 2 * ev->nfields; i++) {
        h = hash_span(h, ev->fields[i]);
    }
    return h;
}

/* ---- the feeding loop ---- */

enum feed {
    FEED_WHOLE = 0, /* everything at once */
    FEED_BYTE,      /* one more byte a call */
    FEED_RANDOM,    /* random slices */
    FEED_NEED,      /* exactly what d->need asks for */
    FEED_COUNT
};

typedef void (*event_cb)(void *arg, const struct rdb_event *ev,
                         const struct rdb_dec *d);

/* Set by the tests that only look at the outcome. */
static bool skip_hash;

/* The outcome of one decode. */
struct outcome {
    int rc;           /* 1: END, 0: wants more at the end of input,
                         <0: the error */
    uint64_t err_off; /* where the error is */
    uint64_t hash;    /* CRC-64 over the events */
    size_t events;    /* events handed out */
    size_t end;       /* input bytes consumed at END (or at the stop) */
};

static uint32_t
xorshift(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/*
 * Decodes <len> bytes with a decoder set up like <tmpl> (options, DUMP
 * mode), feeding them the <mode> way, calling <cb> for each event.
 */
static void
decode(const uint8_t *file, size_t len, const struct rdb_dec *tmpl,
       enum feed mode, uint32_t seed, event_cb cb, void *arg,
       struct outcome *out)
{
    struct rdb_dec d = *tmpl;
    struct rdb_event ev;
    const uint8_t *placed;
    size_t start = 0, end, cons, n;
    uint32_t rs = seed | 1;
    int rc;

    memset(out, 0, sizeof(*out));
    window_reserve(&win, WINDOW_MOVE_MAX);
    window_reserve(&win_all, len);
    placed = window_put(&win_all, file, len);
    end = mode == FEED_WHOLE ? len : (len > 0 ? 1 : 0);
    for (;;) {
        const uint8_t *p;

        n = end - start;
        /* The bytes of this call end at a guard page; a long stretch
         * (inside a big string) is shown in place, guarded only when the
         * input ends there. */
        p = n <= WINDOW_MOVE_MAX ? window_put(&win, file + start, n)
                                 : placed + start;
        rc = rdb_next(&d, p, n, &cons, &ev);
        assert_true(cons <= n);
        if (rc == 1) {
            if (!skip_hash) {
                out->hash = hash_event(out->hash, &ev, true);
            }
            out->events++;
            if (cb != NULL) {
                cb(arg, &ev, &d);
            }
            start += cons;
            if (ev.kind == RDB_EV_END) {
                assert_true(d.done);
                out->rc = 1;
                break;
            }
            continue;
        }
        start += cons;
        if (rc < 0) {
            struct rdb_event ev2;
            size_t c2;

            out->rc = rc;
            out->err_off = d.err_off;
            assert_non_null(d.err_what);
            assert_int_equal(d.err, -rc);
            /* Sticky. */
            assert_int_equal(rdb_next(&d, p, n, &c2, &ev2), rc);
            break;
        }
        /* Never "need more" while holding what it asked for. */
        assert_false(d.done);
        assert_true(d.need > n - cons);
        if (end == len) {
            out->rc = 0;
            break;
        }
        switch (mode) {
        case FEED_BYTE:
            end++;
            break;
        case FEED_RANDOM:
            end += 1 + xorshift(&rs) % ((xorshift(&rs) & 7) == 0 ? 4096 : 24);
            break;
        case FEED_NEED:
            end = start + d.need;
            break;
        default:
            end = len;
            break;
        }
        if (end > len) {
            end = len;
        }
    }
    out->end = start;
    rdb_dec_free(&d);
}

/* ---- what a decode saw ---- */

struct stats {
    unsigned version;
    bool valkey;
    unsigned types[256]; /* keys by RDB type byte */
    unsigned aux, function2, function_pre_ga, resizedb, slot_info;
    unsigned module_aux, expiry, freq, idle, modules;
    uint64_t dbs[16];
    unsigned ndbs;
    unsigned key_ends;
    unsigned keys;
};

static void
stats_cb(void *arg, const struct rdb_event *ev, const struct rdb_dec *d)
{
    struct stats *s = arg;

    (void)d;
    switch (ev->kind) {
    case RDB_EV_HEADER:
        s->version = ev->version;
        s->valkey = ev->valkey;
        break;
    case RDB_EV_AUX:
        s->aux++;
        break;
    case RDB_EV_FUNCTION:
        if (ev->type == 245) {
            s->function2++;
        } else {
            s->function_pre_ga++;
        }
        break;
    case RDB_EV_RESIZEDB:
        s->resizedb++;
        break;
    case RDB_EV_SLOT_INFO:
        s->slot_info++;
        break;
    case RDB_EV_MODULE_AUX:
        s->module_aux++;
        break;
    case RDB_EV_MODULE:
        s->modules++;
        break;
    case RDB_EV_DB:
        if (s->ndbs < 16) {
            s->dbs[s->ndbs++] = ev->db;
        }
        break;
    case RDB_EV_KEY:
        s->keys++;
        s->types[ev->type & 0xff]++;
        s->expiry += ev->expire_ms >= 0;
        s->freq += ev->freq >= 0;
        s->idle += ev->idle >= 0;
        assert_int_equal(ev->kind_of_key, rdb_type_kind(ev->type));
        break;
    case RDB_EV_KEY_END:
        s->key_ends++;
        break;
    default:
        break;
    }
}

/* ---- the MANIFEST ---- */

/* The contents cell of the redis-rdb/<rel> row, NUL-terminated (malloc'd),
 * or NULL. */
static char *
manifest_row(const char *manifest, const char *rel)
{
    const char *sec = strstr(manifest, "\n## redis-rdb/");
    const char *dir = "", *p, *eol;
    char want_dir[256], want_file[256];
    const char *slash = strrchr(rel, '/');

    if (sec == NULL || slash == NULL) {
        return NULL;
    }
    snprintf(want_dir, sizeof(want_dir), "### redis-rdb/%.*s\n",
             (int)(slash - rel), rel);
    snprintf(want_file, sizeof(want_file), "| %s |", slash + 1);
    dir = strstr(sec, want_dir);
    if (dir == NULL) {
        return NULL;
    }
    for (p = dir + strlen(want_dir); *p != '\0'; p = eol + 1) {
        eol = strchr(p, '\n');
        if (eol == NULL) {
            eol = p + strlen(p);
        }
        if (strncmp(p, "### ", 4) == 0 || strncmp(p, "## ", 3) == 0) {
            return NULL;
        }
        if (strncmp(p, want_file, strlen(want_file)) == 0) {
            const char *last = eol - 1, *cell;

            while (last > p && (*last == ' ' || *last == '|')) {
                last--;
            }
            cell = last;
            while (cell > p && *cell != '|') {
                cell--;
            }
            return strndup(cell + 1, (size_t)(last - cell));
        }
        if (*eol == '\0') {
            break;
        }
    }
    return NULL;
}

/* Count of <name> in a "list: NAME×N, NAME×N" part of the contents, 0
 * when absent. */
static unsigned
listed(const char *row, const char *list, const char *name)
{
    const char *p = strstr(row, list), *end;
    char pat[96];
    const char *q;

    if (p == NULL) {
        return 0;
    }
    end = strchr(p, ';');
    if (end == NULL) {
        end = p + strlen(p);
    }
    snprintf(pat, sizeof(pat), "%s\xc3\x97", name);
    for (q = p; (q = strstr(q, pat)) != NULL && q < end; q++) {
        if (q[-1] == ' ') {
            return (unsigned)strtoul(q + strlen(pat), NULL, 10);
        }
    }
    return 0;
}

/* Checks the counts of a decode against the MANIFEST row; returns the
 * number of mismatches (printed). */
static unsigned
compare_manifest(const char *rel, const char *row, const struct stats *s,
                 unsigned skip_type)
{
    static const struct {
        const char *name;
        size_t off;
    } ops[] = {
        {"AUX", offsetof(struct stats, aux)},
        {"FUNCTION2", offsetof(struct stats, function2)},
        {"RESIZEDB", offsetof(struct stats, resizedb)},
        {"SLOT_INFO", offsetof(struct stats, slot_info)},
        {"MODULE_AUX", offsetof(struct stats, module_aux)},
        {"FREQ", offsetof(struct stats, freq)},
        {"IDLE", offsetof(struct stats, idle)},
    };
    bool partial = strstr(row, "walker stopped") != NULL;
    unsigned bad = 0, t, want, got, i;
    const char *p;

    p = strstr(row, "RDB v");
    if (p != NULL && strtoul(p + 5, NULL, 10) != s->version) {
        print_message("%s: version %u, MANIFEST %s\n", rel, s->version, p);
        bad++;
    }
    for (t = 0; t < 256; t++) {
        const char *name = rdb_type_name(t, false);

        if (t == skip_type || strcmp(name, "?") == 0) {
            continue;
        }
        want = listed(row, "types: ", name);
        if (want != s->types[t] && !(partial && want == 0)) {
            print_message("%s: %u keys of type %s, MANIFEST %u\n", rel,
                          s->types[t], name, want);
            bad++;
        }
    }
    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        want = listed(row, "opcodes: ", ops[i].name);
        got = *(const unsigned *)(const void *)((const char *)s + ops[i].off);
        if (want != got && !(partial && want == 0)) {
            print_message("%s: %u %s, MANIFEST %u\n", rel, got, ops[i].name,
                          want);
            bad++;
        }
    }
    want = listed(row, "opcodes: ", "EXPIRETIME_MS") +
           listed(row, "opcodes: ", "EXPIRETIME");
    if (want != s->expiry) {
        print_message("%s: %u keys with a TTL, MANIFEST %u\n", rel, s->expiry,
                      want);
        bad++;
    }
    p = strstr(row, "dbs [");
    if (p != NULL) {
        char seen[128] = "dbs [";

        for (i = 0; i < s->ndbs; i++) {
            snprintf(seen + strlen(seen), sizeof(seen) - strlen(seen), "%s%llu",
                     i ? ", " : "", (unsigned long long)s->dbs[i]);
        }
        strcat(seen, "]");
        if (strncmp(p, seen, strlen(seen)) != 0) {
            print_message("%s: %s, MANIFEST %.20s\n", rel, seen, p);
            bad++;
        }
    } else {
        for (i = 0; i < s->ndbs; i++) {
            if (s->dbs[i] != 0) {
                print_message("%s: db %llu not in the MANIFEST\n", rel,
                              (unsigned long long)s->dbs[i]);
                bad++;
            }
        }
    }
    return bad;
}

/* ---- the corpus: every file, every way of feeding ---- */

/* Files Redis refuses too, and how they must fail. */
static const struct {
    const char *rel;    /* path under redis-rdb/ */
    int code;           /* PROTO_E* */
    unsigned skip_type; /* the type of the failing key (256: compare
                           nothing with the MANIFEST) */
} expected_failures[] = {
    /* Redis: "Ziplist integrity check failed" (tests/integration/
     * corrupt-dump.tcl, "load corrupted rdb with no CRC"). */
    {"redis/corrupt_ziplist.rdb", PROTO_EMALFORMED, 256},
    /* A module value of Redis 4.0-rc (type 6) has no layout a reader
     * without the module can follow; Redis refuses it too. */
    {"redis-replicator/module.rdb", PROTO_EUNSUPPORTED, RDB_TYPE_MODULE_PRE_GA},
};

struct corpus_walk {
    char *manifest;    /* MANIFEST.md */
    unsigned files;    /* files decoded */
    unsigned compared; /* files compared with a MANIFEST row */
    unsigned failures; /* mismatches */
    uint64_t events;   /* events of the whole-buffer decodes */
    unsigned payloads; /* DUMP payloads decoded back */
};

/* Every key's DUMP payload, decoded on its own, gives the key's value
 * events again. */
struct roundtrip {
    uint64_t h;          /* value events of the current key */
    unsigned payloads;   /* payloads decoded */
    unsigned bad;        /* payloads that differ */
};

static void
roundtrip_cb(void *arg, const struct rdb_event *ev, const struct rdb_dec *d)
{
    struct roundtrip *rt = arg;
    struct rdb_dec dd;
    struct rdb_event e2;
    uint64_t h2 = 0;
    size_t off = 0, cons;
    uint8_t *copy;
    int rc;

    (void)d;
    if (ev->kind == RDB_EV_KEY) {
        rt->h = 0;
    }
    if (ev->kind != RDB_EV_KEY_END) {
        rt->h = hash_event(rt->h, ev, false);
        return;
    }
    if (ev->dump.p == NULL) {
        return;
    }
    copy = malloc(ev->dump.len);
    assert_non_null(copy);
    memcpy(copy, ev->dump.p, ev->dump.len);
    memset(&dd, 0, sizeof(dd));
    assert_int_equal(rdb_dec_init_dump(&dd, copy, ev->dump.len), 0);
    while ((rc = rdb_next(&dd, copy + off, ev->dump.len - off, &cons,
                          &e2)) == 1) {
        off += cons;
        if (e2.kind != RDB_EV_KEY_END && e2.kind != RDB_EV_END) {
            h2 = hash_event(h2, &e2, false);
        }
    }
    rt->payloads++;
    if (rc != 0 || !dd.done || off != ev->dump.len || h2 != rt->h) {
        rt->bad++;
    }
    rdb_dec_free(&dd);
    free(copy);
}

static void
check_file(struct corpus_walk *w, const char *rel, const uint8_t *buf,
           size_t len)
{
    struct rdb_dec tmpl;
    struct stats st;
    struct outcome whole, other;
    char *row = manifest_row(w->manifest, rel);
    const char *trail;
    size_t i, want_trailing = 0;
    int want_code = 0;
    unsigned skip_type = 255;
    bool compare = row != NULL;
    static const uint32_t seeds[] = {1, 0x9e3779b9u, 77};

    for (i = 0; i < sizeof(expected_failures) / sizeof(expected_failures[0]);
         i++) {
        if (strcmp(rel, expected_failures[i].rel) == 0) {
            want_code = expected_failures[i].code;
            skip_type = expected_failures[i].skip_type;
            compare = compare && skip_type != 256;
        }
    }
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.dump_limit = 1 << 22;
    memset(&st, 0, sizeof(st));
    decode(buf, len, &tmpl, FEED_WHOLE, 0, stats_cb, &st, &whole);
    w->files++;
    w->events += whole.events;
    if (verbose()) {
        print_message("%s: rc %d, %zu events, %u keys, end %zu of %zu\n", rel,
                      whole.rc, whole.events, st.keys, whole.end, len);
    }
    if (want_code != 0) {
        if (whole.rc != -want_code) {
            print_message("%s: rc %d, expected %d\n", rel, whole.rc,
                          -want_code);
            w->failures++;
        }
    } else {
        if (row != NULL && (trail = strstr(row, " trailing bytes")) != NULL) {
            while (trail > row && trail[-1] >= '0' && trail[-1] <= '9') {
                trail--;
            }
            want_trailing = strtoul(trail, NULL, 10);
        }
        if (whole.rc != 1 || len - whole.end != want_trailing) {
            print_message("%s: rc %d end %zu of %zu (trailing %zu)\n", rel,
                          whole.rc, whole.end, len, want_trailing);
            w->failures++;
        }
        if (st.key_ends != st.keys) {
            print_message("%s: %u KEY, %u KEY_END\n", rel, st.keys,
                          st.key_ends);
            w->failures++;
        }
    }
    if (compare) {
        w->compared++;
        w->failures += compare_manifest(rel, row, &st, skip_type);
    }
    if (want_code == 0) {
        struct roundtrip rt = {0, 0, 0};

        decode(buf, len, &tmpl, FEED_WHOLE, 0, roundtrip_cb, &rt, &other);
        w->payloads += rt.payloads;
        if (rt.bad > 0 || rt.payloads != st.keys) {
            print_message("%s: %u of %u DUMP payloads differ (%u keys)\n",
                          rel, rt.bad, rt.payloads, st.keys);
            w->failures++;
        }
    }
    /* The same events however the bytes arrive. */
    for (i = FEED_BYTE; i < FEED_COUNT; i++) {
        size_t s, nseeds = i == FEED_RANDOM ? 3 : 1;

        if (i == FEED_BYTE && len > 400000) {
            continue;
        }
        for (s = 0; s < nseeds; s++) {
            decode(buf, len, &tmpl, (enum feed)i, seeds[s], NULL, NULL, &other);
            if (other.rc != whole.rc || other.hash != whole.hash ||
                other.events != whole.events ||
                (whole.rc >= 0 && other.end != whole.end) ||
                other.err_off != whole.err_off) {
                print_message("%s: feeding mode %zu (seed %zu) differs: rc "
                              "%d/%d events %zu/%zu end %zu/%zu\n",
                              rel, i, s, other.rc, whole.rc, other.events,
                              whole.events, other.end, whole.end);
                w->failures++;
            }
        }
    }
    free(row);
}

static void
walk_dir(struct corpus_walk *w, const char *dir, const char *rel)
{
    char path[1024], sub[512];
    struct dirent **names;
    int n, i;

    n = scandir(dir, &names, NULL, alphasort);
    if (n < 0) {
        return;
    }
    for (i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        struct stat st;
        size_t nl = strlen(name);

        if (name[0] == '.') {
            free(names[i]);
            continue;
        }
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            walk_dir(w, path, sub);
        } else if (nl > 4 && strcmp(name + nl - 4, ".rdb") == 0) {
            size_t len = 0;
            uint8_t *buf = read_file(path, &len);

            assert_non_null(buf);
            check_file(w, sub, buf, len);
            free(buf);
        } else if (nl > 7 && strcmp(name + nl - 7, ".rdb.gz") == 0) {
            size_t zlen = 0, len = 0;
            uint8_t *z = read_file(path, &zlen), *buf;

            assert_non_null(z);
            buf = gunzip(z, zlen, &len);
            assert_non_null(buf);
            check_file(w, sub, buf, len);
            free(buf);
            free(z);
        }
        free(names[i]);
    }
    free(names);
}

static void
test_corpus(void **state)
{
    struct corpus_walk w;
    char path[1024];
    size_t mlen;

    (void)state;
    if (!have_corpus()) {
        skip();
    }
    memset(&w, 0, sizeof(w));
    snprintf(path, sizeof(path), "%s/MANIFEST.md", corpus_root());
    w.manifest = (char *)read_file(path, &mlen);
    assert_non_null(w.manifest);
    w.manifest[mlen] = '\0';
    snprintf(path, sizeof(path), "%s/redis-rdb", corpus_root());
    walk_dir(&w, path, "");
    print_message("decoded %u RDB files (%llu events), %u compared with "
                  "the MANIFEST, %u keys' DUMP payloads decoded back\n",
                  w.files, (unsigned long long)w.events, w.compared,
                  w.payloads);
    assert_true(w.files >= 70);
    assert_true(w.compared >= 65);
    assert_true(w.payloads >= 90000);
    assert_int_equal(w.failures, 0);
    free(w.manifest);
}

/* The RDB preamble of an AOF: the decoder stops right after the RDB and
 * leaves the commands behind it. */
static void
test_aof_preamble(void **state)
{
    struct rdb_dec tmpl;
    struct stats st;
    struct outcome o;
    size_t len;
    uint8_t *buf;
    int mode;

    (void)state;
    if (!have_corpus()) {
        skip();
    }
    buf = read_corpus("redis/rdb-preamble.aof", &len);
    assert_non_null(buf);
    memset(&tmpl, 0, sizeof(tmpl));
    for (mode = FEED_WHOLE; mode < FEED_COUNT; mode++) {
        memset(&st, 0, sizeof(st));
        decode(buf, len, &tmpl, (enum feed)mode, 5, stats_cb, &st, &o);
        assert_int_equal(o.rc, 1);
        assert_int_equal(len - o.end, 52);
        assert_int_equal(buf[o.end], '*');
        assert_int_equal(st.version, 10);
        assert_int_equal(st.types[RDB_TYPE_STRING], 2);
        assert_int_equal(st.keys, 2);
    }
    free(buf);
}

/* The RDB inside the bytes a master sent for a full resync: "$<len>"
 * framing ends exactly at END, "$EOF:<mark>" framing is followed by the
 * mark. */
static void
test_psync_transfers(void **state)
{
    static const char *const files[] = {
        "generated-redis-7.0.15/replication/psync-disk-rdb.stream.bin",
        "generated-redis-7.0.15/replication/psync-diskless-eof.stream.bin",
    };
    size_t f;

    (void)state;
    if (!have_corpus()) {
        skip();
    }
    for (f = 0; f < 2; f++) {
        struct rdb_dec tmpl;
        struct stats st;
        struct outcome o;
        const char *l2;
        size_t len, start;
        uint8_t *buf = read_corpus(files[f], &len);
        char *nl;

        assert_non_null(buf);
        assert_memory_equal(buf, "+FULLRESYNC ", 12);
        nl = memchr(buf, '\n', len);
        assert_non_null(nl);
        l2 = nl + 1;
        assert_int_equal(l2[0], '$');
        nl = memchr(l2, '\n', len - (size_t)((const uint8_t *)l2 - buf));
        assert_non_null(nl);
        start = (size_t)((const uint8_t *)nl + 1 - buf);
        memset(&tmpl, 0, sizeof(tmpl));
        memset(&st, 0, sizeof(st));
        decode(buf + start, len - start, &tmpl, FEED_RANDOM, 3, stats_cb, &st,
               &o);
        assert_int_equal(o.rc, 1);
        assert_int_equal(st.version, 10);
        assert_int_equal(st.keys, 19);
        if (strncmp(l2, "$EOF:", 5) == 0) {
            assert_true(len - start - o.end >= 40);
            assert_memory_equal(buf + start + o.end, l2 + 5, 40);
        } else {
            assert_int_equal(o.end, strtoul(l2 + 1, NULL, 10));
        }
        free(buf);
    }
}

/* ---- contents: a keyspace model both decodes and commands can fill ---- */

struct ment {
    struct pbuf a; /* element / field / member */
    struct pbuf b; /* hash value */
    double score;  /* zset */
    int64_t ttl;   /* hash field expire, -1 none */
};

struct mkey {
    struct pbuf name;  /* key */
    uint64_t db;       /* database */
    int kind;          /* enum rdb_kind */
    int64_t expire;    /* ms, -1 none */
    struct ment *e;    /* elements */
    size_t n, cap;     /* in use / allocated */
    struct pbuf extra; /* streams: entries, groups, PELs as text */
};

struct model {
    struct mkey *k; /* keys */
    size_t n, cap;  /* in use / allocated */
    uint64_t db;    /* current db (commands) */
    int64_t ctime;  /* AUX ctime, seconds */
};

static struct mkey *
model_key(struct model *m, uint64_t db, const void *name, size_t len, int kind)
{
    size_t i;
    struct mkey *k;

    for (i = 0; i < m->n; i++) {
        k = &m->k[i];
        if (k->db == db && k->name.len == len &&
            (len == 0 || memcmp(k->name.data, name, len) == 0)) {
            return k;
        }
    }
    if (m->n == m->cap) {
        m->cap = m->cap ? 2 * m->cap : 16;
        m->k = realloc(m->k, m->cap * sizeof(*m->k));
        assert_non_null(m->k);
    }
    k = &m->k[m->n++];
    memset(k, 0, sizeof(*k));
    pbuf_put(&k->name, name, len);
    k->db = db;
    k->kind = kind;
    k->expire = -1;
    return k;
}

/* The element with <a> (for sets, hashes, zsets), or a new one. */
static struct ment *
model_elem(struct mkey *k, const void *a, size_t alen, bool unique)
{
    size_t i;
    struct ment *e;

    for (i = 0; unique && i < k->n; i++) {
        e = &k->e[i];
        if (e->a.len == alen &&
            (alen == 0 || memcmp(e->a.data, a, alen) == 0)) {
            return e;
        }
    }
    if (k->n == k->cap) {
        k->cap = k->cap ? 2 * k->cap : 16;
        k->e = realloc(k->e, k->cap * sizeof(*k->e));
        assert_non_null(k->e);
    }
    e = &k->e[k->n++];
    memset(e, 0, sizeof(*e));
    pbuf_put(&e->a, a, alen);
    e->ttl = -1;
    return e;
}

static void
model_free(struct model *m)
{
    size_t i, j;

    for (i = 0; i < m->n; i++) {
        for (j = 0; j < m->k[i].n; j++) {
            pbuf_free(&m->k[i].e[j].a);
            pbuf_free(&m->k[i].e[j].b);
        }
        free(m->k[i].e);
        pbuf_free(&m->k[i].name);
        pbuf_free(&m->k[i].extra);
    }
    free(m->k);
    memset(m, 0, sizeof(*m));
}

static void
esc(struct pbuf *o, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (p[i] > 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '=') {
            pbuf_putc(o, (char)p[i]);
        } else {
            pbuf_printf(o, "\\x%02x", p[i]);
        }
    }
}

static int
cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One line per key, sorted; elements sorted except a list's and a
 * stream's.  Returns a malloc'd string. */
static char *
model_text(const struct model *m)
{
    char **lines = calloc(m->n + 1, sizeof(char *));
    struct pbuf out = {0};
    size_t i, j;

    assert_non_null(lines);
    for (i = 0; i < m->n; i++) {
        const struct mkey *k = &m->k[i];
        char **el = calloc(k->n + 1, sizeof(char *));
        struct pbuf o = {0};

        assert_non_null(el);
        for (j = 0; j < k->n; j++) {
            const struct ment *e = &k->e[j];
            struct pbuf t = {0};

            if (k->kind == RDB_KIND_LIST) {
                pbuf_printf(&t, "%08zu:", j);
            }
            esc(&t, e->a.data, e->a.len);
            if (k->kind == RDB_KIND_HASH) {
                pbuf_putc(&t, '=');
                esc(&t, e->b.data, e->b.len);
                if (e->ttl >= 0) {
                    pbuf_printf(&t, "@%lld", (long long)e->ttl);
                }
            } else if (k->kind == RDB_KIND_ZSET) {
                pbuf_printf(&t, "=%.17g", e->score);
            }
            pbuf_putc(&t, '\0');
            el[j] = strdup((const char *)t.data);
            pbuf_free(&t);
        }
        qsort(el, k->n, sizeof(char *), cmp_str);
        pbuf_printf(&o, "db%llu ", (unsigned long long)k->db);
        esc(&o, k->name.data, k->name.len);
        pbuf_printf(&o, " %s exp=%lld:", rdb_kind_name((enum rdb_kind)k->kind),
                    (long long)k->expire);
        for (j = 0; j < k->n; j++) {
            pbuf_printf(&o, " %s", el[j]);
            free(el[j]);
        }
        if (k->extra.len > 0) {
            pbuf_putc(&o, ' ');
            pbuf_put(&o, k->extra.data, k->extra.len);
        }
        pbuf_putc(&o, '\0');
        lines[i] = strdup((const char *)o.data);
        pbuf_free(&o);
        free(el);
    }
    qsort(lines, m->n, sizeof(char *), cmp_str);
    for (i = 0; i < m->n; i++) {
        pbuf_puts(&out, lines[i]);
        pbuf_putc(&out, '\n');
        free(lines[i]);
    }
    pbuf_putc(&out, '\0');
    free(lines);
    return (char *)out.data;
}

/* Fills a model from decoder events. */
struct model_fill {
    struct model *m;  /* the model */
    struct mkey *cur; /* the key being read */
};

static void
model_cb(void *arg, const struct rdb_event *ev, const struct rdb_dec *d)
{
    struct model_fill *f = arg;
    struct ment *e;
    size_t i;

    (void)d;
    switch (ev->kind) {
    case RDB_EV_AUX:
        if (span_eq(ev->a, "ctime")) {
            f->m->ctime = (int64_t)span_u64(ev->b);
        }
        break;
    case RDB_EV_KEY:
        f->cur =
            model_key(f->m, ev->db, ev->key.p, ev->key.len, ev->kind_of_key);
        f->cur->expire = ev->expire_ms;
        break;
    case RDB_EV_STRING:
        model_elem(f->cur, ev->a.p, ev->a.len, false);
        break;
    case RDB_EV_ITEM:
        e = model_elem(f->cur, ev->a.p, ev->a.len, false);
        pbuf_put(&e->b, ev->b.p, ev->b.len);
        e->score = ev->score;
        e->ttl = ev->expire_ms;
        break;
    case RDB_EV_STREAM_ENTRY:
        pbuf_printf(&f->cur->extra, "E%llu-%llu", (unsigned long long)ev->id.ms,
                    (unsigned long long)ev->id.seq);
        for (i = 0; i < ev->nfields; i++) {
            pbuf_putc(&f->cur->extra, ',');
            esc(&f->cur->extra, ev->fields[2 * i].p, ev->fields[2 * i].len);
            pbuf_putc(&f->cur->extra, '=');
            esc(&f->cur->extra, ev->fields[2 * i + 1].p,
                ev->fields[2 * i + 1].len);
        }
        pbuf_putc(&f->cur->extra, ' ');
        break;
    case RDB_EV_STREAM_META:
        pbuf_printf(
            &f->cur->extra,
            "M%llu,last=%llu-%llu,first=%llu-%llu,maxdel=%llu-%llu,"
            "added=%llu,groups=%lld ",
            (unsigned long long)ev->length, (unsigned long long)ev->last_id.ms,
            (unsigned long long)ev->last_id.seq,
            (unsigned long long)ev->first_id.ms,
            (unsigned long long)ev->first_id.seq,
            (unsigned long long)ev->max_deleted_id.ms,
            (unsigned long long)ev->max_deleted_id.seq,
            (unsigned long long)ev->entries_added, (long long)ev->count);
        break;
    case RDB_EV_STREAM_GROUP:
        pbuf_puts(&f->cur->extra, "G");
        esc(&f->cur->extra, ev->a.p, ev->a.len);
        pbuf_printf(&f->cur->extra, ",last=%llu-%llu,read=%lld,pel=%lld ",
                    (unsigned long long)ev->last_id.ms,
                    (unsigned long long)ev->last_id.seq,
                    (long long)ev->entries_read, (long long)ev->count);
        break;
    case RDB_EV_STREAM_PEL:
        pbuf_printf(&f->cur->extra, "P%llu-%llu,n=%llu ",
                    (unsigned long long)ev->id.ms,
                    (unsigned long long)ev->id.seq,
                    (unsigned long long)ev->delivery_count);
        assert_true(ev->delivery_ms > 0);
        break;
    case RDB_EV_STREAM_CONSUMER:
        pbuf_puts(&f->cur->extra, "C");
        esc(&f->cur->extra, ev->a.p, ev->a.len);
        pbuf_printf(&f->cur->extra, ",pel=%lld ", (long long)ev->count);
        assert_true(ev->seen_ms > 0);
        break;
    case RDB_EV_STREAM_CONSUMER_PEL:
        pbuf_printf(&f->cur->extra, "CP%llu-%llu ",
                    (unsigned long long)ev->id.ms,
                    (unsigned long long)ev->id.seq);
        break;
    default:
        break;
    }
}

static void
model_of_file(const uint8_t *buf, size_t len, struct model *m)
{
    struct rdb_dec tmpl;
    struct model_fill f = {m, NULL};
    struct outcome o;

    memset(&tmpl, 0, sizeof(tmpl));
    decode(buf, len, &tmpl, FEED_RANDOM, 11, model_cb, &f, &o);
    assert_int_equal(o.rc, 1);
}

/* The dataset of generated-redis-7.0.15/workload.txt. */
static void
model_of_workload(struct model *m, int64_t ttl_expire)
{
    struct mkey *k;
    struct ment *e;
    char a[64], b[64];
    uint8_t bin[256];
    char big[10000];
    int i;

#define KEY(name, kind) model_key(m, 0, name, strlen(name), kind)
#define ADD(k, s) model_elem(k, s, strlen(s), false)
    ADD(KEY("str:small", RDB_KIND_STRING), "hello");
    ADD(KEY("str:int", RDB_KIND_STRING), "12345");
    ADD(KEY("str:neg", RDB_KIND_STRING), "-7");
    memset(big, 'x', 200);
    model_elem(KEY("str:big", RDB_KIND_STRING), big, 200, false);
    for (i = 0; i < 256; i++) {
        bin[i] = (uint8_t)i;
    }
    model_elem(KEY("str:binary", RDB_KIND_STRING), bin, 256, false);
    k = KEY("str:ttl", RDB_KIND_STRING);
    ADD(k, "expiring");
    k->expire = ttl_expire;
    k = KEY("list:small", RDB_KIND_LIST);
    ADD(k, "a");
    ADD(k, "b");
    ADD(k, "c");
    ADD(k, "1");
    ADD(k, "2");
    k = KEY("list:big", RDB_KIND_LIST);
    for (i = 0; i < 300; i++) {
        snprintf(a, sizeof(a), "element-%d", i);
        ADD(k, a);
    }
    memset(big, 'y', sizeof(big));
    model_elem(KEY("list:plainnode", RDB_KIND_LIST), big, sizeof(big), false);
    k = KEY("set:intset", RDB_KIND_SET);
    ADD(k, "1");
    ADD(k, "2");
    ADD(k, "3");
    ADD(k, "70000");
    ADD(k, "-5");
    k = KEY("set:intset64", RDB_KIND_SET);
    ADD(k, "1");
    ADD(k, "5000000000");
    k = KEY("set:listpack", RDB_KIND_SET);
    ADD(k, "a");
    ADD(k, "b");
    ADD(k, "c");
    k = KEY("set:hashtable", RDB_KIND_SET);
    for (i = 0; i < 200; i++) {
        snprintf(a, sizeof(a), "member-%d", i);
        ADD(k, a);
    }
    k = KEY("hash:small", RDB_KIND_HASH);
    pbuf_puts(&ADD(k, "f1")->b, "v1");
    pbuf_puts(&ADD(k, "f2")->b, "2");
    pbuf_puts(&ADD(k, "f3")->b, "v3");
    k = KEY("hash:big", RDB_KIND_HASH);
    for (i = 0; i < 200; i++) {
        snprintf(a, sizeof(a), "field-%d", i);
        snprintf(b, sizeof(b), "value-%d", i);
        pbuf_puts(&ADD(k, a)->b, b);
    }
    k = KEY("zset:small", RDB_KIND_ZSET);
    ADD(k, "one")->score = 1;
    ADD(k, "two-and-half")->score = 2.5;
    ADD(k, "minus-three")->score = -3;
    k = KEY("zset:big", RDB_KIND_ZSET);
    for (i = 0; i < 200; i++) {
        snprintf(a, sizeof(a), "m-%d", i);
        e = ADD(k, a);
        e->score = i * 1.5;
    }
    /* XADD 1-1, 1-2, 2-0; group g1 from 0 read two entries for
     * consumer-a; XDEL 1-2 (its PEL entry stays). */
    k = KEY("stream:1", RDB_KIND_STREAM);
    pbuf_puts(&k->extra, "E1-1,sensor=1,temp=20.5 E2-0,other=x "
                         "M2,last=2-0,first=1-1,maxdel=1-2,added=3,groups=1 "
                         "Gg1,last=1-2,read=2,pel=2 P1-1,n=1 P1-2,n=1 "
                         "Cconsumer-a,pel=2 CP1-1 CP1-2 ");
    ADD(model_key(m, 3, "db3:key", 7, RDB_KIND_STRING), "in db 3");
#undef KEY
#undef ADD
}

static void
test_generated_contents(void **state)
{
    static const char *const files[] = {
        "generated-redis-7.0.15/redis-7.0.15-default-encodings.rdb",
        "generated-redis-7.0.15/redis-7.0.15-no-compact-encodings.rdb",
        "generated-redis-7.0.15/redis-7.0.15-rdbcompression-no.rdb",
        "generated-redis-7.0.15/redis-7.0.15-lfu.rdb",
    };
    size_t f, i;

    (void)state;
    if (!have_corpus()) {
        skip();
    }
    for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        struct model got = {0}, want = {0};
        int64_t ttl = -1;
        char *tg, *tw;
        size_t len;
        uint8_t *buf = read_corpus(files[f], &len);

        assert_non_null(buf);
        model_of_file(buf, len, &got);
        /* SET str:ttl expiring PX 86400000 just before SAVE. */
        for (i = 0; i < got.n; i++) {
            if (got.k[i].name.len == 7 &&
                memcmp(got.k[i].name.data, "str:ttl", 7) == 0) {
                ttl = got.k[i].expire;
            }
        }
        assert_true(got.ctime > 0);
        assert_true(ttl >= got.ctime * 1000 + 86400000 - 600000 &&
                    ttl <= got.ctime * 1000 + 86400000 + 600000);
        model_of_workload(&want, ttl);
        tg = model_text(&got);
        tw = model_text(&want);
        if (strcmp(tg, tw) != 0) {
            print_message("%s:\n--- decoded\n%.3000s\n--- workload\n%.3000s\n",
                          files[f], tg, tw);
        }
        assert_string_equal(tg, tw);
        free(tg);
        free(tw);
        model_free(&got);
        model_free(&want);
        free(buf);
    }
}

/* ---- HDT3213's .aof files: the commands that rebuild their .rdb ---- */

/* Applies one command to the model. */
static void
apply_cmd(struct model *m, size_t argc, const struct span *argv)
{
    struct mkey *k;
    size_t i, j;

#define IS(s) span_eq(argv[0], s)
    if (argc < 2) {
        return;
    }
    if (IS("SET")) {
        k = model_key(m, m->db, argv[1].p, argv[1].len, RDB_KIND_STRING);
        model_elem(k, argv[2].p, argv[2].len, false);
    } else if (IS("PEXPIREAT")) {
        k = model_key(m, m->db, argv[1].p, argv[1].len, RDB_KIND_STRING);
        k->expire = (int64_t)span_u64(argv[2]);
    } else if (IS("RPUSH")) {
        k = model_key(m, m->db, argv[1].p, argv[1].len, RDB_KIND_LIST);
        for (i = 2; i < argc; i++) {
            model_elem(k, argv[i].p, argv[i].len, false);
        }
    } else if (IS("SADD")) {
        k = model_key(m, m->db, argv[1].p, argv[1].len, RDB_KIND_SET);
        for (i = 2; i < argc; i++) {
            model_elem(k, argv[i].p, argv[i].len, true);
        }
    } else if (IS("ZADD")) {
        k = model_key(m, m->db, argv[1].p, argv[1].len, RDB_KIND_ZSET);
        for (i = 2; i + 1 < argc; i += 2) {
            char num[64];

            snprintf(num, sizeof(num), "%.*s", (int)argv[i].len,
                     (const char *)argv[i].p);
            model_elem(k, argv[i + 1].p, argv[i + 1].len, true)->score =
                strtod(num, NULL);
        }
    } else if (IS("HMSET") || IS("HSET")) {
        k = model_key(m, m->db, argv[1].p, argv[1].len, RDB_KIND_HASH);
        for (i = 2; i + 1 < argc; i += 2) {
            struct ment *e = model_elem(k, argv[i].p, argv[i].len, true);

            pbuf_reset(&e->b);
            pbuf_put(&e->b, argv[i + 1].p, argv[i + 1].len);
        }
    } else if (IS("HPEXPIREAT") || IS("HPERSIST")) {
        /* HPEXPIREAT key ms FIELDS n f...; HPERSIST key FIELDS n f... */
        size_t at = IS("HPEXPIREAT") ? 3 : 2;
        int64_t ttl = IS("HPEXPIREAT") ? (int64_t)span_u64(argv[2]) : -1;

        k = model_key(m, m->db, argv[1].p, argv[1].len, RDB_KIND_HASH);
        for (i = at + 2; i < argc; i++) {
            for (j = 0; j < k->n; j++) {
                if (k->e[j].a.len == argv[i].len &&
                    memcmp(k->e[j].a.data, argv[i].p, argv[i].len) == 0) {
                    k->e[j].ttl = ttl;
                }
            }
        }
    } else if (IS("SELECT")) {
        m->db = span_u64(argv[1]);
    } else {
        fail_msg("unexpected command %.*s", (int)argv[0].len,
                 (const char *)argv[0].p);
    }
#undef IS
}

/* Reads RESP arrays of bulk strings (an AOF) into the model. */
static void
model_of_aof(const uint8_t *p, size_t len, struct model *m)
{
    struct span argv[64];
    size_t off = 0, argc, i;

    while (off < len) {
        char *end;

        assert_int_equal(p[off], '*');
        argc = strtoul((const char *)p + off + 1, &end, 10);
        assert_true(argc <= 64);
        off = (size_t)((const uint8_t *)end - p) + 2;
        for (i = 0; i < argc; i++) {
            size_t n;

            assert_int_equal(p[off], '$');
            n = strtoul((const char *)p + off + 1, &end, 10);
            off = (size_t)((const uint8_t *)end - p) + 2;
            assert_true(off + n + 2 <= len);
            argv[i].p = p + off;
            argv[i].len = n;
            off += n + 2;
        }
        apply_cmd(m, argc, argv);
    }
}

static void
test_hdt3213_contents(void **state)
{
    static const char *const names[] = {
        "memory",
        "hash_with_hfe",
        "hash_as_listpack_with_hfe",
        "valkey_hash2_with_hfe",
    };
    size_t i;

    (void)state;
    if (!have_corpus()) {
        skip();
    }
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct model got = {0}, want = {0};
        char rel[128], *tg, *tw;
        size_t len, alen;
        uint8_t *buf, *aof;

        snprintf(rel, sizeof(rel), "hdt3213-rdb/%s.rdb", names[i]);
        buf = read_corpus(rel, &len);
        snprintf(rel, sizeof(rel), "hdt3213-rdb/%s.aof", names[i]);
        aof = read_corpus(rel, &alen);
        assert_non_null(buf);
        assert_non_null(aof);
        model_of_file(buf, len, &got);
        model_of_aof(aof, alen, &want);
        tg = model_text(&got);
        tw = model_text(&want);
        if (strcmp(tg, tw) != 0) {
            print_message("%s:\n--- decoded\n%.3000s\n--- aof\n%.3000s\n",
                          names[i], tg, tw);
        }
        assert_string_equal(tg, tw);
        /* The field TTLs are really there. */
        if (i > 0) {
            assert_non_null(strstr(tg, "@27"));
        }
        free(tg);
        free(tw);
        model_free(&got);
        model_free(&want);
        free(buf);
        free(aof);
    }
}

/* ---- DUMP payloads ---- */

/* Keys of a file with their payloads and the file bytes of their value. */
struct dumps {
    char names[64][64];      /* keys */
    struct pbuf payload[64]; /* captured payloads */
    uint64_t events[64];     /* hash of the value events (no offsets) */
    uint64_t end[64];        /* file offset after the value */
    uint64_t type_off[64];   /* file offset of the type byte */
    size_t n;                /* keys */
    int cur;                 /* key being read, -1 */
};

static void
dumps_cb(void *arg, const struct rdb_event *ev, const struct rdb_dec *d)
{
    struct dumps *s = arg;

    (void)d;
    if (ev->kind == RDB_EV_KEY) {
        assert_true(s->n < 64);
        s->cur = (int)s->n++;
        snprintf(s->names[s->cur], sizeof(s->names[0]), "%.*s",
                 (int)ev->key.len, (const char *)ev->key.p);
        s->type_off[s->cur] = ev->off;
    }
    if (s->cur < 0) {
        return;
    }
    if (ev->kind != RDB_EV_KEY_END) {
        s->events[s->cur] = hash_event(s->events[s->cur], ev, false);
        return;
    }
    /* KEY_END: the payload, and where the value ended. */
    s->end[s->cur] = ev->off;
    if (ev->dump.p != NULL) {
        pbuf_put(&s->payload[s->cur], ev->dump.p, ev->dump.len);
    }
    s->cur = -1;
}

static int
hexval(char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Value events of a DUMP payload decoded on its own. */
static void
dump_events_cb(void *arg, const struct rdb_event *ev, const struct rdb_dec *d)
{
    (void)d;
    assert_int_equal(ev->key.len, 0);
    if (ev->kind != RDB_EV_KEY_END && ev->kind != RDB_EV_END) {
        *(uint64_t *)arg = hash_event(*(uint64_t *)arg, ev, false);
    }
}

static void
test_dump_payloads(void **state)
{
    static struct dumps s;
    struct rdb_dec tmpl;
    struct outcome o;
    size_t len, tlen, i, matched = 0;
    uint8_t *buf, *txt;
    char *line, *save = NULL, key[128] = "";

    (void)state;
    if (!have_corpus()) {
        skip();
    }
    buf = read_corpus(
        "generated-redis-7.0.15/redis-7.0.15-default-encodings.rdb", &len);
    txt = read_corpus("generated-redis-7.0.15/redis-7.0.15-DUMP-payloads.txt",
                      &tlen);
    assert_non_null(buf);
    assert_non_null(txt);
    txt[tlen] = '\0';
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.dump_limit = 1 << 20;
    s.n = 0;
    s.cur = -1;
    decode(buf, len, &tmpl, FEED_BYTE, 0, dumps_cb, &s, &o);
    assert_int_equal(o.rc, 1);
    assert_int_equal(s.n, 19);

    for (i = 0; i < s.n; i++) {
        const uint8_t *p = s.payload[i].data;
        size_t n = s.payload[i].len, vlen;
        unsigned ver = 0;
        struct rdb_dec dd;
        uint64_t ev = 0;

        /* Type byte, then the value bytes exactly as in the file, then
         * version 10 and a valid CRC. */
        assert_true(n > 11);
        vlen = n - 11;
        assert_int_equal(p[0], buf[s.type_off[i]]);
        assert_memory_equal(p + 1, buf + s.end[i] - vlen, vlen);
        assert_int_equal(rdb_dump_check(p, n, &ver), 0);
        assert_int_equal(ver, 10);

        /* Decoded on its own, the same value events. */
        memset(&dd, 0, sizeof(dd));
        assert_int_equal(rdb_dec_init_dump(&dd, p, n), 0);
        decode(p, n, &dd, FEED_RANDOM, (uint32_t)i + 1, dump_events_cb, &ev,
               &o);
        assert_int_equal(o.rc, 1);
        assert_int_equal(o.end, n);
        if (ev != s.events[i]) {
            print_message("%s: DUMP events differ\n", s.names[i]);
            fail();
        }
        rdb_dec_free(&dd);
    }

    /* The same bytes as DUMP of a real server. */
    for (line = strtok_r((char *)txt, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        if (strncmp(line, "key: ", 5) == 0) {
            snprintf(key, sizeof(key), "%s", line + 5);
        } else if (strncmp(line, "hex: ", 5) == 0) {
            const char *h = line + 5;
            size_t hl = strlen(h), k;
            uint8_t *want = malloc(hl / 2 + 1);

            assert_non_null(want);
            for (k = 0; k < hl / 2; k++) {
                want[k] =
                    (uint8_t)(hexval(h[2 * k]) << 4 | hexval(h[2 * k + 1]));
            }
            for (i = 0; i < s.n; i++) {
                if (strcmp(s.names[i], key) == 0) {
                    assert_int_equal(s.payload[i].len, hl / 2);
                    assert_memory_equal(s.payload[i].data, want, hl / 2);
                    matched++;
                }
            }
            free(want);
        }
    }
    print_message("%zu DUMP payloads equal the server's\n", matched);
    assert_true(matched >= 12);

    /* Over dump_limit: no payload, the events are unchanged. */
    tmpl.dump_limit = 64;
    {
        struct dumps *small = calloc(1, sizeof(*small));

        assert_non_null(small);
        small->cur = -1;
        decode(buf, len, &tmpl, FEED_WHOLE, 0, dumps_cb, small, &o);
        assert_int_equal(o.rc, 1);
        for (i = 0; i < small->n; i++) {
            /* Captured when type byte + value fit the limit. */
            assert_int_equal(small->payload[i].len > 0,
                             s.payload[i].len - 10 <= 64);
            if (small->payload[i].len > 0) {
                assert_memory_equal(small->payload[i].data, s.payload[i].data,
                                    s.payload[i].len);
            }
            pbuf_free(&small->payload[i]);
        }
        free(small);
    }
    for (i = 0; i < s.n; i++) {
        pbuf_free(&s.payload[i]);
        s.events[i] = 0;
    }
    free(txt);
    free(buf);
}

static void
test_dump_check(void **state)
{
    struct pbuf b = {0};
    uint8_t v[] = {0x05, 'h', 'e', 'l', 'l', 'o'};
    struct rdb_dec d;
    struct rdb_event ev;
    size_t cons, off = 0;
    unsigned ver = 0;
    int rc, kinds = 0;

    (void)state;
    rdb_dump_build(&b, RDB_TYPE_STRING, v, sizeof(v), 9);
    assert_false(b.failed);
    assert_int_equal(b.len, 1 + sizeof(v) + 10);
    assert_int_equal(rdb_dump_check(b.data, b.len, &ver), 0);
    assert_int_equal(ver, 9);
    assert_int_equal(rdb_dump_check(b.data, 10, NULL), -PROTO_ETRUNCATED);
    b.data[3] ^= 1;
    assert_int_equal(rdb_dump_check(b.data, b.len, NULL), -PROTO_ECHECKSUM);
    b.data[3] ^= 1;

    /* A payload's CRC of 0 is wrong like any other (a file's means "not
     * computed"); decoding it anyway is the caller's choice. */
    memset(b.data + b.len - 8, 0, 8);
    assert_int_equal(rdb_dump_check(b.data, b.len, NULL), -PROTO_ECHECKSUM);
    memset(&d, 0, sizeof(d));
    assert_int_equal(rdb_dec_init_dump(&d, b.data, b.len), -PROTO_ECHECKSUM);
    d.flags = RDB_F_DUMP | RDB_F_NO_CHECKSUM;
    d.version = 9;
    while ((rc = rdb_next(&d, b.data + off, b.len - off, &cons, &ev)) == 1) {
        off += cons;
        kinds |= 1 << ev.kind;
        if (ev.kind == RDB_EV_STRING) {
            assert_true(span_eq(ev.a, "hello"));
        }
    }
    assert_int_equal(rc, 0);
    assert_true(d.done);
    assert_int_equal(off, b.len);
    assert_int_equal(kinds, 1 << RDB_EV_KEY | 1 << RDB_EV_STRING |
                                1 << RDB_EV_KEY_END | 1 << RDB_EV_END);
    rdb_dec_free(&d);

    /* A wrong CRC found while streaming the payload. */
    pbuf_reset(&b);
    rdb_dump_build(&b, RDB_TYPE_STRING, v, sizeof(v), 9);
    b.data[b.len - 1] ^= 0x80;
    memset(&d, 0, sizeof(d));
    d.flags = RDB_F_DUMP;
    d.version = 9;
    off = 0;
    while ((rc = rdb_next(&d, b.data + off, b.len - off, &cons, &ev)) == 1) {
        off += cons;
    }
    assert_int_equal(rc, -PROTO_ECHECKSUM);
    assert_int_equal(d.err_off, 1 + sizeof(v) + 2);
    rdb_dec_free(&d);

    /* An opcode where the type belongs. */
    pbuf_reset(&b);
    rdb_dump_build(&b, RDB_OP_AUX, v, sizeof(v), 9);
    memset(&d, 0, sizeof(d));
    assert_int_equal(rdb_dec_init_dump(&d, b.data, b.len), 0);
    assert_int_equal(rdb_next(&d, b.data, b.len, &cons, &ev),
                     -PROTO_EMALFORMED);
    rdb_dec_free(&d);
    pbuf_free(&b);
}

/* ---- corrupt inputs ---- */

/* Every prefix of a file asks for more bytes: never an error, never END. */
static void
test_truncated(void **state)
{
    static const char *const files[] = {
        "redis/hash-zipmap.rdb",
        "redis/list-quicklist.rdb",
        "redis/zset-ziplist.rdb",
        "hdt3213-rdb/hash_with_hfe.rdb",
        "hdt3213-rdb/valkey_hash2_with_hfe.rdb",
        "hdt3213-rdb/stream_listoacks_3.rdb",
        "redis-rdb-tools/redis_50_with_streams.rdb",
        "redis-rdb-tools/redis_60_with_module_aux.rdb",
        "redis-replicator/dump-module-2.rdb",
        "redis-replicator/function.rdb",
        "redis-replicator/dumpV10.rdb",
        "generated-redis-7.0.15/redis-7.0.15-default-encodings.rdb",
    };
    struct rdb_dec tmpl;
    struct outcome o;
    size_t f, cut, len;

    (void)state;
    skip_hash = true;
    if (!have_corpus()) {
        skip();
    }
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.dump_limit = 1 << 16;
    for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        uint8_t *buf = read_corpus(files[f], &len);

        assert_non_null(buf);
        for (cut = 0; cut < len; cut++) {
            decode(buf, cut, &tmpl, FEED_WHOLE, 0, NULL, NULL, &o);
            if (o.rc != 0) {
                print_message("%s cut at %zu: rc %d\n", files[f], cut, o.rc);
                fail();
            }
        }
        free(buf);
    }
}

/* Every single-byte change of a checksummed file fails (or asks for more
 * bytes); a changed checksum is PROTO_ECHECKSUM where it stands. */
static void
test_flipped(void **state)
{
    static const char *const files[] = {
        "redis/list-quicklist.rdb",
        "redis/zset-ziplist.rdb",
        "redis/hash-ziplist.rdb",
        "hdt3213-rdb/hash_as_listpack_with_hfe.rdb",
        "hdt3213-rdb/valkey_hash2_with_hfe.rdb",
        "hdt3213-rdb/stream_listoacks_3.rdb",
        "hdt3213-rdb/set_listpack.rdb",
        "redis-rdb-tools/redis_50_with_streams.rdb",
        "redis-replicator/dump-module-2.rdb",
        "redis-replicator/dumpV11.rdb",
        "generated-redis-7.0.15/redis-7.0.15-default-encodings.rdb",
    };
    static const uint8_t deltas[] = {0xff, 0x01, 0x80, 0x40};
    struct rdb_dec tmpl;
    struct outcome o;
    size_t f, i, k, len;

    (void)state;
    skip_hash = true;
    if (!have_corpus()) {
        skip();
    }
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.dump_limit = 1 << 16;
    for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
        uint8_t *buf = read_corpus(files[f], &len);

        assert_non_null(buf);
        decode(buf, len, &tmpl, FEED_WHOLE, 0, NULL, NULL, &o);
        assert_int_equal(o.rc, 1);
        assert_int_equal(o.end, len);
        for (i = 0; i < len; i++) {
            /* Big files: two kinds of change a byte. */
            for (k = 0; k < (len > 4096 ? 2 : sizeof(deltas)); k++) {
                buf[i] ^= deltas[k];
                decode(buf, len, &tmpl, FEED_WHOLE, 0, NULL, NULL, &o);
                buf[i] ^= deltas[k];
                /* The version digits may turn into a version without a
                 * checksum. */
                if (o.rc == 1 && (i < 5 || i > 8)) {
                    print_message("%s: byte %zu ^ %02x still decodes\n",
                                  files[f], i, deltas[k]);
                    fail();
                }
                if (i >= len - 8) {
                    assert_int_equal(o.rc, -PROTO_ECHECKSUM);
                    assert_int_equal(o.err_off, len - 8);
                }
            }
        }
        /* A checksum of 0 means "not computed". */
        memset(buf + len - 8, 0, 8);
        decode(buf, len, &tmpl, FEED_WHOLE, 0, NULL, NULL, &o);
        assert_int_equal(o.rc, 1);
        free(buf);
    }
}

/* Files without a checksum (version < 5) and random garbage: whatever
 * happens, no read outside the input and a clean outcome. */
static void
test_garbage(void **state)
{
    static const char *const files[] = {
        "redis/encodings.rdb",
        "redis/hash-zipmap.rdb",
        "redis-rdb-tools/parser_filters.rdb",
        "redis-rdb-tools/zipmap_with_big_values.rdb",
    };
    struct rdb_dec tmpl;
    struct outcome o;
    uint8_t junk[512];
    uint32_t rs = 12345;
    size_t f, i, len;

    (void)state;
    skip_hash = true;
    memset(&tmpl, 0, sizeof(tmpl));
    tmpl.dump_limit = 1 << 12;
    tmpl.max_string = 1 << 16;
    if (have_corpus()) {
        for (f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
            uint8_t *buf = read_corpus(files[f], &len);

            assert_non_null(buf);
            for (i = 9; i < len && i < 4000; i++) {
                uint8_t save = buf[i];

                buf[i] = (uint8_t)xorshift(&rs);
                decode(buf, len, &tmpl, FEED_WHOLE, 0, NULL, NULL, &o);
                buf[i] = save;
            }
            free(buf);
        }
    }
    /* A valid header, then noise; also in DUMP mode. */
    for (i = 0; i < 3000; i++) {
        size_t n = 9 + xorshift(&rs) % (sizeof(junk) - 9), k;

        memcpy(junk, i % 2 ? "REDIS0011" : "VALKEY080", 9);
        for (k = 9; k < n; k++) {
            junk[k] = (uint8_t)xorshift(&rs);
        }
        decode(junk, n, &tmpl, FEED_WHOLE, 0, NULL, NULL, &o);
        assert_true(o.rc <= 0);
        tmpl.flags = RDB_F_DUMP;
        decode(junk + 9, n - 9, &tmpl, FEED_WHOLE, 0, NULL, NULL, &o);
        tmpl.flags = 0;
    }
}

/* Feeds a hand-made file whole; returns the final rdb_next() result. */
static int
feed_all(struct rdb_dec *d, const void *p, size_t len, int *kinds)
{
    struct rdb_event ev;
    size_t off = 0, cons;
    int rc;

    while ((rc = rdb_next(d, (const uint8_t *)p + off, len - off, &cons,
                          &ev)) == 1) {
        off += cons;
        if (kinds != NULL) {
            *kinds |= 1 << ev.kind;
        }
    }
    return rc;
}

static void
test_unsupported_and_limits(void **state)
{
    struct rdb_dec d;
    struct outcome o;
    uint8_t *buf;
    size_t len;

    (void)state;
    /* An unknown type names its number. */
    memset(&d, 0, sizeof(d));
    assert_int_equal(feed_all(&d, "REDIS0012\x1a\x01k\x00", 13, NULL),
                     -PROTO_EUNSUPPORTED);
    assert_non_null(strstr(d.err_what, "26"));
    assert_int_equal(d.err_off, 9);
    rdb_dec_free(&d);
    /* Valkey knows types up to 22. */
    memset(&d, 0, sizeof(d));
    assert_int_equal(feed_all(&d, "VALKEY080\x17\x01k\x00", 13, NULL),
                     -PROTO_EUNSUPPORTED);
    rdb_dec_free(&d);
    /* An unknown opcode (243 is Redis 8.2's KEY_META). */
    memset(&d, 0, sizeof(d));
    assert_int_equal(feed_all(&d, "REDIS0012\xf3", 10, NULL),
                     -PROTO_EUNSUPPORTED);
    assert_non_null(strstr(d.err_what, "243"));
    rdb_dec_free(&d);
    /* Versions. */
    memset(&d, 0, sizeof(d));
    assert_int_equal(feed_all(&d, "REDIS0013\xff", 10, NULL),
                     -PROTO_EUNSUPPORTED);
    rdb_dec_free(&d);
    memset(&d, 0, sizeof(d));
    d.flags = RDB_F_ANY_VERSION;
    assert_int_equal(feed_all(&d, "REDIS0013\xff\0\0\0\0\0\0\0\0", 18, NULL),
                     0);
    assert_true(d.done);
    assert_int_equal(d.version, 13);
    rdb_dec_free(&d);
    memset(&d, 0, sizeof(d));
    assert_int_equal(feed_all(&d, "RADIS0011", 9, NULL), -PROTO_EMALFORMED);
    assert_int_equal(d.err_off, 0);
    rdb_dec_free(&d);
    /* Version 1-4 files end at the EOF byte; a string key with an old
     * seconds expire. */
    memset(&d, 0, sizeof(d));
    {
        int kinds = 0;

        assert_int_equal(
            feed_all(&d, "REDIS0004\xfd\x10\x27\x00\x00\x00\x01k\x01v\xff", 20,
                     &kinds),
            0);
        assert_true(d.done);
        assert_int_equal(d.off, 20);
    }
    rdb_dec_free(&d);

    if (!have_corpus()) {
        skip();
    }
    /* max_string: a 256-byte value over a 100-byte limit. */
    buf = read_corpus(
        "generated-redis-7.0.15/redis-7.0.15-rdbcompression-no.rdb", &len);
    assert_non_null(buf);
    memset(&d, 0, sizeof(d));
    d.max_string = 100;
    decode(buf, len, &d, FEED_RANDOM, 9, NULL, NULL, &o);
    assert_int_equal(o.rc, -PROTO_ELIMIT);
    d.max_string = 0;
    decode(buf, len, &d, FEED_RANDOM, 9, NULL, NULL, &o);
    assert_int_equal(o.rc, 1);
    free(buf);
}

/* ---- codecs ---- */

static void
test_crc64(void **state)
{
    static uint8_t buf[70000];
    uint32_t rs = 99;
    size_t i, off, n;

    (void)state;
    assert_true(crc64_update(0, "123456789", 9) ==
                UINT64_C(0xe9c6d914c4b8d9ca));
    assert_true(crc64_bytewise(0, "123456789", 9) ==
                UINT64_C(0xe9c6d914c4b8d9ca));
    assert_true(crc64_update(0, NULL, 0) == 0);
    for (i = 0; i < sizeof(buf); i++) {
        buf[i] = (uint8_t)xorshift(&rs);
    }
    for (off = 0; off < 8; off++) {
        for (n = 0; n < 300; n++) {
            assert_true(crc64_update(0, buf + off, n) ==
                        crc64_bytewise(0, buf + off, n));
        }
    }
    for (n = 1; n < sizeof(buf); n = n * 3 + 1) {
        assert_true(
            crc64_update(crc64_update(0, buf, n), buf + n, sizeof(buf) - n) ==
            crc64_update(0, buf, sizeof(buf)));
    }
}

static void
test_lzf(void **state)
{
    /* "aaaaaaaaaa" then "bcd": 1 literal, a back-ref of 9, 3 literals. */
    static const uint8_t good[] = {0x00, 'a', 0xe0, 0x00, 0x00,
                                   0x02, 'b', 'c',  'd'};
    uint8_t out[32];

    (void)state;
    assert_int_equal(lzf_decode(good, sizeof(good), out, sizeof(out)), 13);
    assert_memory_equal(out, "aaaaaaaaaabcd", 13);
    /* Exact room works; one byte less does not. */
    assert_int_equal(lzf_decode(good, sizeof(good), out, 13), 13);
    assert_int_equal(lzf_decode(good, sizeof(good), out, 12),
                     -PROTO_EMALFORMED);
    /* A back-reference before the start. */
    assert_int_equal(lzf_decode((const uint8_t *)"\x00"
                                                 "a\x20\x05",
                                4, out, sizeof(out)),
                     -PROTO_EMALFORMED);
    /* A literal run past the input; a reference missing its byte. */
    assert_int_equal(lzf_decode((const uint8_t *)"\x05"
                                                 "ab",
                                3, out, sizeof(out)),
                     -PROTO_EMALFORMED);
    assert_int_equal(lzf_decode((const uint8_t *)"\x00"
                                                 "a\x20",
                                3, out, sizeof(out)),
                     -PROTO_EMALFORMED);
    assert_int_equal(lzf_decode((const uint8_t *)"\x00"
                                                 "a\xe0",
                                3, out, sizeof(out)),
                     -PROTO_EMALFORMED);
    assert_int_equal(lzf_decode(good, 0, out, sizeof(out)), 0);
}

static void
test_ziplist(void **state)
{
    /* Redis' ziplist.c example: "2" and "5", then a string and every
     * integer width. */
    static const uint8_t two_five[] = {0x0f, 0, 0,    0,    0x0c, 0,    0,   0,
                                       0x02, 0, 0x00, 0xf3, 0x02, 0xf6, 0xff};
    uint8_t zl[128];
    struct ziplist_iter it;
    struct ziplist_entry e;
    size_t n, count, prev, last, i;
    static const struct {
        uint8_t enc[10];
        size_t len;
        int64_t v;
    } ints[] = {
        {{0xfe, 0x80}, 2, -128},
        {{0xc0, 0x00, 0x80}, 3, -32768},
        {{0xf0, 0xff, 0xff, 0x7f}, 4, 8388607},
        {{0xd0, 0x00, 0x00, 0x00, 0x80}, 5, INT32_MIN},
        {{0xe0, 1, 0, 0, 0, 0, 0, 0, 0x80}, 9, INT64_MIN + 1},
        {{0xfd}, 1, 12},
    };

    (void)state;
    assert_int_equal(ziplist_validate(two_five, sizeof(two_five), &count), 0);
    assert_int_equal(count, 2);
    ziplist_iter_init(&it, two_five, sizeof(two_five));
    assert_int_equal(ziplist_next(&it, &e), 1);
    assert_null(e.str);
    assert_int_equal(e.v, 2);
    assert_int_equal(ziplist_next(&it, &e), 1);
    assert_int_equal(e.v, 5);
    assert_true(ziplist_at_end(&it));
    assert_int_equal(ziplist_next(&it, &e), 0);

    /* Build: "hi", then the integers. */
    n = 10;
    prev = 0;
    last = 10;
    zl[n++] = 0;
    zl[n++] = 0x02;
    zl[n++] = 'h';
    zl[n++] = 'i';
    prev = 4;
    for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        last = n;
        zl[n++] = (uint8_t)prev;
        memcpy(zl + n, ints[i].enc, ints[i].len);
        n += ints[i].len;
        prev = 1 + ints[i].len;
    }
    zl[n++] = 0xff;
    zl[0] = (uint8_t)n;
    zl[1] = zl[2] = zl[3] = 0;
    zl[4] = (uint8_t)last;
    zl[5] = zl[6] = zl[7] = 0;
    zl[8] = (uint8_t)(1 + sizeof(ints) / sizeof(ints[0]));
    zl[9] = 0;
    assert_int_equal(ziplist_validate(zl, n, &count), 0);
    assert_int_equal(count, 7);
    ziplist_iter_init(&it, zl, n);
    assert_int_equal(ziplist_next(&it, &e), 1);
    assert_int_equal(e.len, 2);
    assert_memory_equal(e.str, "hi", 2);
    for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        assert_int_equal(ziplist_next(&it, &e), 1);
        assert_null(e.str);
        assert_true(e.v == ints[i].v);
    }
    /* Every damage is caught: wrong size, count, tail, prevlen,
     * encodings; every truncation. */
    zl[0]++;
    assert_int_equal(ziplist_validate(zl, n, NULL), -PROTO_EMALFORMED);
    zl[0]--;
    zl[8]++;
    assert_int_equal(ziplist_validate(zl, n, NULL), -PROTO_EMALFORMED);
    zl[8] = 0xff;
    zl[9] = 0xff; /* "unknown": counted by walking */
    assert_int_equal(ziplist_validate(zl, n, &count), 0);
    zl[4]++;
    assert_int_equal(ziplist_validate(zl, n, NULL), -PROTO_EMALFORMED);
    zl[4]--;
    zl[14]++;
    assert_int_equal(ziplist_validate(zl, n, NULL), -PROTO_EMALFORMED);
    zl[14]--;
    zl[15] = 0xc5;
    assert_int_equal(ziplist_validate(zl, n, NULL), -PROTO_EMALFORMED);
    for (i = 0; i < n; i++) {
        zl[0] = (uint8_t)i;
        assert_int_equal(ziplist_validate(zl, i, NULL), -PROTO_EMALFORMED);
    }
}

static void
test_listpack(void **state)
{
    /* "a", 7, -1 (13-bit), 1000 (13-bit), 70000 (24-bit), a 200-byte
     * string (12-bit length, 2-byte backlen), INT64_MIN. */
    uint8_t lp[300];
    struct listpack_iter it;
    struct listpack_entry e;
    size_t n = 6, count, i;

    (void)state;
#define PUT(...)                                                               \
    do {                                                                       \
        const uint8_t b_[] = {__VA_ARGS__};                                    \
        memcpy(lp + n, b_, sizeof(b_));                                        \
        n += sizeof(b_);                                                       \
    } while (0)
    PUT(0x81, 'a', 2);
    PUT(0x07, 1);
    PUT(0xdf, 0xff, 2);
    PUT(0xc3, 0xe8, 2);
    PUT(0xf2, 0x70, 0x11, 0x01, 4);
    PUT(0xe0, 200);
    memset(lp + n, 'z', 200);
    n += 200;
    PUT(202 >> 7, 0x80 | (202 & 127));
    PUT(0xf4, 0, 0, 0, 0, 0, 0, 0, 0x80, 9);
    PUT(0xff);
#undef PUT
    lp[0] = (uint8_t)n;
    lp[1] = lp[2] = lp[3] = 0;
    lp[4] = 7;
    lp[5] = 0;
    assert_int_equal(listpack_validate(lp, n, &count), 0);
    assert_int_equal(count, 7);
    listpack_iter_init(&it, lp, n);
    assert_int_equal(listpack_next(&it, &e), 1);
    assert_int_equal(e.len, 1);
    assert_int_equal(e.str[0], 'a');
    assert_int_equal(listpack_next(&it, &e), 1);
    assert_true(e.str == NULL && e.v == 7);
    assert_int_equal(listpack_next(&it, &e), 1);
    assert_true(e.str == NULL && e.v == -1);
    assert_int_equal(listpack_next(&it, &e), 1);
    assert_true(e.str == NULL && e.v == 1000);
    assert_int_equal(listpack_next(&it, &e), 1);
    assert_true(e.str == NULL && e.v == 70000);
    assert_int_equal(listpack_next(&it, &e), 1);
    assert_int_equal(e.len, 200);
    assert_int_equal(listpack_next(&it, &e), 1);
    assert_true(e.str == NULL && e.v == INT64_MIN);
    assert_true(listpack_at_end(&it));
    assert_int_equal(listpack_next(&it, &e), 0);
    /* Damage: count, size, a backlen, an unknown encoding, truncation. */
    lp[4] = 8;
    assert_int_equal(listpack_validate(lp, n, NULL), -PROTO_EMALFORMED);
    lp[4] = 7;
    lp[8]++;
    assert_int_equal(listpack_validate(lp, n, NULL), -PROTO_EMALFORMED);
    lp[8]--;
    lp[9] = 0xf5;
    assert_int_equal(listpack_validate(lp, n, NULL), -PROTO_EMALFORMED);
    for (i = 0; i < n; i++) {
        lp[0] = (uint8_t)i;
        assert_int_equal(listpack_validate(lp, i, NULL), -PROTO_EMALFORMED);
    }
}

static void
test_intset_zipmap(void **state)
{
    static const uint8_t is16[] = {2, 0,    0,    0, 3, 0,    0,
                                   0, 0xfb, 0xff, 1, 0, 0x10, 0x27};
    static const uint8_t zm[] = "\x02\x03"
                                "foo\x03\x00"
                                "bar\x05"
                                "hello"
                                "\x05\x02"
                                "worldXY\xff";
    struct intset_iter it;
    struct zipmap_iter zi;
    uint8_t bad[sizeof(is16)];
    const uint8_t *f, *v;
    size_t fl, vl, count;
    uint32_t n;
    int64_t x;

    (void)state;
    assert_int_equal(intset_validate(is16, sizeof(is16), &n), 0);
    assert_int_equal(n, 3);
    intset_iter_init(&it, is16, sizeof(is16));
    assert_int_equal(intset_next(&it, &x), 1);
    assert_int_equal(x, -5);
    assert_int_equal(intset_next(&it, &x), 1);
    assert_int_equal(x, 1);
    assert_int_equal(intset_next(&it, &x), 1);
    assert_int_equal(x, 10000);
    assert_int_equal(intset_next(&it, &x), 0);
    memcpy(bad, is16, sizeof(bad));
    bad[0] = 3; /* width */
    assert_int_equal(intset_validate(bad, sizeof(bad), NULL),
                     -PROTO_EMALFORMED);
    memcpy(bad, is16, sizeof(bad));
    bad[4] = 4; /* count */
    assert_int_equal(intset_validate(bad, sizeof(bad), NULL),
                     -PROTO_EMALFORMED);
    memcpy(bad, is16, sizeof(bad));
    bad[10] = 0x10; /* not ascending: 10000 twice */
    bad[11] = 0x27;
    assert_int_equal(intset_validate(bad, sizeof(bad), NULL),
                     -PROTO_EMALFORMED);

    assert_int_equal(zipmap_validate(zm, sizeof(zm) - 1, &count), 0);
    assert_int_equal(count, 2);
    zipmap_iter_init(&zi, zm, sizeof(zm) - 1);
    assert_int_equal(zipmap_next(&zi, &f, &fl, &v, &vl), 1);
    assert_true(fl == 3 && memcmp(f, "foo", 3) == 0);
    assert_true(vl == 3 && memcmp(v, "bar", 3) == 0);
    assert_int_equal(zipmap_next(&zi, &f, &fl, &v, &vl), 1);
    assert_true(fl == 5 && memcmp(f, "hello", 5) == 0);
    assert_true(vl == 5 && memcmp(v, "world", 5) == 0);
    assert_int_equal(zipmap_next(&zi, &f, &fl, &v, &vl), 0);
    for (fl = 0; fl < sizeof(zm) - 1; fl++) {
        assert_int_equal(zipmap_validate(zm, fl, NULL), -PROTO_EMALFORMED);
    }
}

static void
test_names(void **state)
{
    (void)state;
    assert_string_equal(rdb_ev_name(RDB_EV_KEY_END), "KEY_END");
    assert_string_equal(rdb_ev_name(RDB_EV_COUNT), "?");
    assert_string_equal(rdb_kind_name(RDB_KIND_STREAM), "STREAM");
    assert_string_equal(rdb_type_name(18, false), "LIST_QUICKLIST_2");
    assert_string_equal(rdb_type_name(22, false), "HASH_METADATA_PRE_GA");
    assert_string_equal(rdb_type_name(22, true), "HASH_2");
    assert_string_equal(rdb_type_name(8, false), "?");
    assert_int_equal(rdb_type_kind(25), RDB_KIND_HASH);
    assert_int_equal(rdb_type_kind(8), RDB_KIND_COUNT);
}

static int
hash_again(void **state)
{
    (void)state;
    skip_hash = false;
    return 0;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc64),
        cmocka_unit_test(test_lzf),
        cmocka_unit_test(test_ziplist),
        cmocka_unit_test(test_listpack),
        cmocka_unit_test(test_intset_zipmap),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_dump_check),
        cmocka_unit_test(test_unsupported_and_limits),
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_aof_preamble),
        cmocka_unit_test(test_psync_transfers),
        cmocka_unit_test(test_generated_contents),
        cmocka_unit_test(test_hdt3213_contents),
        cmocka_unit_test(test_dump_payloads),
        cmocka_unit_test_teardown(test_truncated, hash_again),
        cmocka_unit_test_teardown(test_flipped, hash_again),
        cmocka_unit_test_teardown(test_garbage, hash_again),
    };

    int rc = cmocka_run_group_tests(tests, NULL, NULL);

    window_close(&win);
    window_close(&win_all);
    return rc;
}
