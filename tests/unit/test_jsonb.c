/*
 * test_jsonb.c - MySQL binary JSON to text and JSON diff application.
 *
 * Real bytes: the JSON columns of rust_mysql_common's json-opaque.binlog
 * (MySQL 9.0.1: opaque DECIMAL/DATE/DATETIME/TIME/VARCHAR values) and
 * json.binlog.000001 (MySQL 8.0.22, including a PARTIAL_UPDATE_ROWS event
 * with a JSON diff), read in place from $TANDEM_CORPORA by a small walker
 * that knows the two tables' column layouts.  Expected text is what MySQL
 * prints for `SELECT json_col` (json_dom.cc wrapper_to_string).  The rest
 * are hand-built documents for each type, the large format, malformed and
 * truncated input and every diff operation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/buf.h"
#include "proto/mysql/jsonb.h"

/* ---- corpus walker ---- */

/* A whole file read into memory. */
struct file {
    uint8_t *p;    /* owned bytes */
    size_t len;    /* bytes at p */
};

static bool
read_corpus(const char *rel, struct file *f)
{
    const char *root = getenv("TANDEM_CORPORA");
    char path[1024];
    FILE *fp;
    long n;

    if (root == NULL || root[0] == '\0') {
        root = "../shared/corpora";
    }
    snprintf(path, sizeof(path), "%s/%s", root, rel);
    fp = fopen(path, "rb");
    if (fp == NULL) {
        return false;
    }
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    f->p = malloc((size_t)n);
    assert_non_null(f->p);
    f->len = fread(f->p, 1, (size_t)n, fp);
    fclose(fp);
    return f->len == (size_t)n;
}

/* One JSON column value found in a rows event. */
struct jcell {
    size_t event_off;     /* file offset of the event */
    uint8_t event_type;   /* 30 WRITE, 31 UPDATE, 39 PARTIAL_UPDATE */
    bool after;           /* after image (UPDATE/PARTIAL) */
    bool partial;         /* bytes are a JSON diff vector body */
    int64_t id;           /* the row's id column, -1 if none */
    const uint8_t *p;     /* value bytes (after the 4-byte length) */
    size_t len;           /* bytes at p */
};

/* Column types the two test tables use. */
enum { COL_LONG, COL_JSON, COL_VARCHAR2 };

static size_t
lenenc(const uint8_t *p, size_t *v)
{
    if (p[0] < 0xfb) {
        *v = p[0];
        return 1;
    }
    assert_int_equal(p[0], 0xfc);
    *v = (size_t)p[1] | ((size_t)p[2] << 8);
    return 3;
}

/*
 * Walks a binlog of CRC32 events and collects the JSON cells of the rows
 * events of a table with columns cols[0..ncols) (at most 8).
 */
static size_t
walk(const struct file *f, const int *cols, size_t ncols,
     struct jcell *cells, size_t max)
{
    size_t off = 4, found = 0;

    assert_memory_equal(f->p, "\xfe" "bin", 4);
    while (off + 19 <= f->len) {
        const uint8_t *ev = f->p + off;
        uint32_t size = (uint32_t)ev[9] | ((uint32_t)ev[10] << 8) |
                        ((uint32_t)ev[11] << 16) | ((uint32_t)ev[12] << 24);
        uint8_t type = ev[4];
        const uint8_t *b = ev + 19, *end = ev + size - 4;
        size_t extra, n, nbitmaps, bm, img;
        uint8_t bitmaps[2];

        assert_true(size >= 23 && off + size <= f->len);
        if (type != 30 && type != 31 && type != 39) {
            off += size;
            continue;
        }
        b += 8; /* table id, flags */
        extra = (size_t)b[0] | ((size_t)b[1] << 8);
        b += extra;
        b += lenenc(b, &n);
        assert_int_equal(n, ncols);
        nbitmaps = type == 30 ? 1 : 2;
        for (bm = 0; bm < nbitmaps; bm++) {
            bitmaps[bm] = *b++;
        }
        while (b < end) {
            int64_t id = -1;

            for (img = 0; img < nbitmaps; img++) {
                uint8_t present = bitmaps[img], nulls;
                bool partial_json = false;
                size_t c, bit = 0;

                if (type == 39 && img == 1) {
                    size_t opts;

                    b += lenenc(b, &opts);
                    if (opts & 1) {
                        partial_json = (*b++ & 1) != 0;
                    }
                }
                nulls = *b++;
                for (c = 0; c < ncols; c++) {
                    if (!(present & (1u << c))) {
                        continue;
                    }
                    if (nulls & (1u << bit++)) {
                        continue;
                    }
                    switch (cols[c]) {
                    case COL_LONG:
                        if (c == 0) {
                            id = (int64_t)((uint32_t)b[0] |
                                           ((uint32_t)b[1] << 8));
                        }
                        b += 4;
                        break;
                    case COL_VARCHAR2:
                        b += 2 + ((size_t)b[0] | ((size_t)b[1] << 8));
                        break;
                    case COL_JSON:
                        n = (size_t)b[0] | ((size_t)b[1] << 8) |
                            ((size_t)b[2] << 16) | ((size_t)b[3] << 24);
                        assert_true(found < max);
                        cells[found].event_off = off;
                        cells[found].event_type = type;
                        cells[found].after = nbitmaps == 1 || img == 1;
                        cells[found].partial = partial_json;
                        cells[found].id = id;
                        cells[found].p = b + 4;
                        cells[found].len = n;
                        found++;
                        b += 4 + n;
                        break;
                    }
                    assert_true(b <= end);
                }
            }
        }
        assert_true(b == end);
        off += size;
    }
    return found;
}

/* Converts with both spacings; returns the MySQL-spaced text (static). */
static const char *
to_text(const uint8_t *p, size_t n, unsigned flags)
{
    static char buf[8192];
    struct pbuf b = {0};
    struct jsonb_error err;
    int rc = jsonb_to_json(&b, p, n, flags, &err);

    if (rc != 0) {
        fail_msg("jsonb_to_json: %d %s at %zu", rc, err.reason, err.offset);
    }
    assert_true(b.len < sizeof(buf));
    memcpy(buf, b.data, b.len);
    buf[b.len] = '\0';
    pbuf_free(&b);
    return buf;
}

static void
test_corpus_opaque(void **state)
{
    static const char *const want[] = {
        "{\"a\": \"base64:type15:VQ==\"}",
        "{\"b\": \"2012-03-18\"}",
        "{\"c\": \"2012-03-18 11:30:45.000000\"}",
        "{\"c\": \"87:31:46.654321\"}",
        "{\"d\": 123.456}",
        "{\"e\": 9.00}",
        "{\"e\": [0, 1, true, false]}",
        "{\"e\": null}",
    };
    static const int cols[] = {COL_JSON};
    struct jcell cells[16];
    struct file f;
    size_t n, i;

    (void)state;
    if (!read_corpus("mysql-binlog/rust_mysql_common/json-opaque.binlog",
                     &f)) {
        print_message("corpus json-opaque.binlog not found: "
                      "set TANDEM_CORPORA\n");
        skip();
    }
    n = walk(&f, cols, 1, cells, 16);
    assert_int_equal(n, 8);
    for (i = 0; i < n; i++) {
        assert_string_equal(to_text(cells[i].p, cells[i].len,
                                    JSONB_MYSQL_SPACING),
                            want[i]);
    }
    assert_string_equal(to_text(cells[6].p, cells[6].len, JSONB_COMPACT),
                        "{\"e\":[0,1,true,false]}");
    free(f.p);
}

static void
test_corpus_json_and_partial(void **state)
{
    static const int cols[] = {COL_LONG, COL_JSON, COL_VARCHAR2, COL_LONG};
    struct jcell cells[64];
    const struct jcell *last[16] = {0};
    struct jsonb_tree tree = {0};
    struct jsonb_error err;
    struct pbuf out = {0};
    struct file f;
    size_t n, i, partials = 0;
    char want[128];

    (void)state;
    if (!read_corpus("mysql-binlog/rust_mysql_common/json.binlog.000001",
                     &f)) {
        print_message("corpus json.binlog.000001 not found: "
                      "set TANDEM_CORPORA\n");
        skip();
    }
    n = walk(&f, cols, 4, cells, 64);
    assert_true(n > 10);
    for (i = 0; i < n; i++) {
        const struct jcell *c = &cells[i];

        assert_true(c->id > 0 && c->id < 16);
        if (!c->partial) {
            const char *t = to_text(c->p, c->len, JSONB_MYSQL_SPACING);

            /* every document of the table has this shape */
            assert_memory_equal(t, "{\"age\": ", 8);
            assert_non_null(strstr(t, ", \"data\": \""));
            assert_non_null(strstr(t, ", \"name\": \""));
            if (c->after) {
                last[c->id] = c;
            }
            continue;
        }
        /* PARTIAL_UPDATE_ROWS: SET json_col = JSON_SET(json_col, '$.age',
         * ...): the before image (binlog_row_image=MINIMAL) has only the
         * id, so the diff is applied to the row's last after image */
        assert_int_equal(c->event_type, 39);
        assert_non_null(last[c->id]);
        pbuf_reset(&out);
        assert_int_equal(jsonb_apply_diffs(&out, last[c->id]->p,
                                           last[c->id]->len, c->p, c->len,
                                           JSONB_MYSQL_SPACING, &tree, &err),
                         0);
        /* the same change applied as text: only $.age differs */
        {
            const char *before = to_text(last[c->id]->p, last[c->id]->len,
                                         JSONB_MYSQL_SPACING);
            const char *rest = strchr(before, ',');
            /* the diff's new age is an inlined int16 */
            size_t vlen = c->len;
            int age;

            assert_true(vlen >= 11);
            assert_memory_equal(c->p, "\x00\x05$.age\x03\x05", 9);
            age = (int)(int16_t)(c->p[9] | (c->p[10] << 8));
            assert_non_null(rest);
            snprintf(want, sizeof(want), "{\"age\": %d%s", age, rest);
            pbuf_putc(&out, '\0');
            assert_string_equal((char *)out.data, want);
        }
        partials++;
    }
    assert_int_equal(partials, 6);
    pbuf_free(&out);
    jsonb_tree_free(&tree);
    free(f.p);
}

/* ---- a tiny binary JSON builder (small format) for hand-made cases ---- */

struct jb {
    uint8_t b[4096];   /* document bytes */
    size_t n;          /* bytes used */
};

static void
put8(struct jb *d, uint8_t v)
{
    assert_true(d->n < sizeof(d->b));
    d->b[d->n++] = v;
}

static void
put16(struct jb *d, size_t at, uint32_t v)
{
    d->b[at] = (uint8_t)v;
    d->b[at + 1] = (uint8_t)(v >> 8);
}

/*
 * Builds a value from a compact spec, returning its type; writes the value
 * (without type byte) at d->n.  Specs:
 *   n t f            literals       iN   int16 N (inlined)
 *   "text"           string         {k:v,k:v}  object (keys sorted by
 *   [v,v]            array                      the caller)
 */
static uint8_t build(struct jb *d, const char **s);

static uint8_t
build_container(struct jb *d, const char **s, bool object)
{
    const char *p = *s + 1;
    size_t start = d->n, count = 0, i;
    struct {
        uint8_t type;
        size_t off;         /* offset of value or inline value */
        const char *key;
        size_t klen;
        size_t koff;
    } el[32];
    uint8_t tmp[4096];
    size_t tn = 0;
    struct jb sub;

    /* parse elements into a scratch buffer, values first */
    while (*p != (object ? '}' : ']')) {
        assert_true(count < 32);
        if (object) {
            el[count].key = p;
            while (*p != ':') {
                p++;
            }
            el[count].klen = (size_t)(p - el[count].key);
            p++;
        }
        sub.n = 0;
        el[count].type = build(&sub, &p);
        el[count].off = tn;
        memcpy(tmp + tn, sub.b, sub.n);
        tn += sub.n;
        count++;
        if (*p == ',') {
            p++;
        }
    }
    *s = p + 1;
    /* header: count, size, key entries, value entries */
    d->n += 4 + count * (object ? 4 : 0) + count * 3;
    for (i = 0; object && i < count; i++) {
        el[i].koff = d->n - start;
        memcpy(d->b + d->n, el[i].key, el[i].klen);
        d->n += el[i].klen;
    }
    for (i = 0; i < count; i++) {
        size_t ve = start + 4 + count * (object ? 4 : 0) + i * 3;

        if (el[i].type == 0x04 || el[i].type == 0x05) {
            d->b[ve] = el[i].type;
            memcpy(d->b + ve + 1, tmp + el[i].off, 2);
            continue;
        }
        d->b[ve] = el[i].type;
        put16(d, ve + 1, (uint32_t)(d->n - start));
        {
            size_t len = (i + 1 < count ? el[i + 1].off : tn) - el[i].off;

            memcpy(d->b + d->n, tmp + el[i].off, len);
            d->n += len;
        }
    }
    for (i = 0; object && i < count; i++) {
        size_t ke = start + 4 + i * 4;

        put16(d, ke, (uint32_t)el[i].koff);
        put16(d, ke + 2, (uint32_t)el[i].klen);
    }
    put16(d, start, (uint32_t)count);
    put16(d, start + 2, (uint32_t)(d->n - start));
    return object ? 0x00 : 0x02;
}

static uint8_t
build(struct jb *d, const char **s)
{
    const char *p = *s;

    switch (*p) {
    case 'n':
    case 't':
    case 'f':
        put8(d, *p == 'n' ? 0 : *p == 't' ? 1 : 2);
        put8(d, 0);
        *s = p + 1;
        return 0x04;
    case 'i': {
        long v = strtol(p + 1, (char **)s, 10);

        put8(d, (uint8_t)v);
        put8(d, (uint8_t)((unsigned long)v >> 8));
        return 0x05;
    }
    case '"': {
        const char *e = strchr(p + 1, '"');

        put8(d, (uint8_t)(e - p - 1));
        memcpy(d->b + d->n, p + 1, (size_t)(e - p - 1));
        d->n += (size_t)(e - p - 1);
        *s = e + 1;
        return 0x0c;
    }
    case '{':
        return build_container(d, s, true);
    case '[':
        return build_container(d, s, false);
    default:
        fail_msg("bad spec at %s", p);
        return 0;
    }
}

/* A whole document (type byte + value) from a spec. */
static void
doc(struct jb *d, const char *spec)
{
    struct jb v = {{0}, 0};
    const char *s = spec;
    uint8_t type = build(&v, &s);

    d->n = 0;
    put8(d, type);
    if (type == 0x04 || type == 0x05) {
        /* a top-level scalar is stored as the value itself */
        memcpy(d->b + d->n, v.b, type == 0x04 ? 1 : 2);
        d->n += type == 0x04 ? 1 : 2;
        return;
    }
    memcpy(d->b + d->n, v.b, v.n);
    d->n += v.n;
}

static void
check_doc(const uint8_t *p, size_t n, const char *want_mysql,
          const char *want_compact)
{
    assert_string_equal(to_text(p, n, JSONB_MYSQL_SPACING), want_mysql);
    if (want_compact != NULL) {
        assert_string_equal(to_text(p, n, JSONB_COMPACT), want_compact);
    }
}

static void
test_builder_docs(void **state)
{
    struct jb d;

    (void)state;
    doc(&d, "{a:i1,bb:[i2,\"x\",n,t,f],c:{}}");
    check_doc(d.b, d.n, "{\"a\": 1, \"bb\": [2, \"x\", null, true, false], "
                        "\"c\": {}}",
              "{\"a\":1,\"bb\":[2,\"x\",null,true,false],\"c\":{}}");
    doc(&d, "[]");
    check_doc(d.b, d.n, "[]", "[]");
    doc(&d, "\"top\"");
    check_doc(d.b, d.n, "\"top\"", NULL);
    doc(&d, "i-7");
    check_doc(d.b, d.n, "-7", NULL);
    doc(&d, "n");
    check_doc(d.b, d.n, "null", NULL);
    /* an empty document is null, as MySQL reads it */
    check_doc(d.b, 0, "null", "null");
}

static void
test_scalars(void **state)
{
    static const struct {
        const char *bytes;
        size_t n;
        const char *want;
    } cases[] = {
        {"\x05\x00\x80", 3, "-32768"},
        {"\x06\xff\xff", 3, "65535"},
        {"\x07\x00\x00\x00\x80", 5, "-2147483648"},
        {"\x08\xff\xff\xff\xff", 5, "4294967295"},
        {"\x09\x00\x00\x00\x00\x00\x00\x00\x80", 9, "-9223372036854775808"},
        {"\x0a\xff\xff\xff\xff\xff\xff\xff\xff", 9, "18446744073709551615"},
        /* doubles as my_gcvt prints them, plus ".0" */
        {"\x0b\x9a\x99\x99\x99\x99\x99\xb9\x3f", 9, "0.1"},
        {"\x0b\x00\x00\x00\x00\x00\x00\xf0\x3f", 9, "1.0"},
        {"\x0b\x00\x00\x00\x00\x00\x00\xf8\xbf", 9, "-1.5"},
        {"\x0b\x00\x00\x00\x00\x00\x00\x00\x00", 9, "0.0"},
        {"\x0b\x1f\x85\xeb\x51\xb8\x1e\x09\x40", 9, "3.14"},
        {"\x0b\x00\x00\x00\x00\x00\x00\x00\x80", 9, "-0.0"},
        {"\x0b\x00\x80\xe0\x37\x79\xc3\x41\x43", 9, "1e16"},
        {"\x0b\x00\x00\x00\x00\x00\x00\x20\x44", 9, "1.4757395258967641e20"},
        {"\x0b\x00\x00\x90\x1e\xc4\xbc\xd6\x42", 9, "100000000000000.0"},
        {"\x0b\x00\x00\x34\x26\xf5\x6b\x0c\x43", 9, "1e15"},
        {"\x0b\xbb\xbd\xd7\xd9\xdf\x7c\xdb\x3d", 9, "0.0000000001"},
        {"\x0b\x16\x56\xe7\x9e\xaf\x03\xd2\x3c", 9, "0.000000000000001"},
        {"\x0b\xbc\x89\xd8\x97\xb2\xd2\x9c\x3c", 9, "1e-16"},
        {"\x0b\xf1\x68\xe3\x88\xb5\xf8\xe4\x3e", 9, "0.00001"},
        {"\x0b\x01\x00\x00\x00\x00\x00\x00\x00", 9, "5e-324"},
        {"\x0b\x7d\xc3\x94\x25\xad\x49\xb2\x54", 9, "1e100"},
        {"\x0b\xff\xff\xff\xff\xff\xff\xef\x7f", 9, "1.7976931348623157e308"},
        {"\x0b\x00\x00\x80\x54\x34\x6f\x9d\x41", 9, "123456789.125"},
        {"\x0b\x81\xe9\x7d\xf4\x10\x22\xb1\x43", 9, "1.2345678901234568e18"},
        /* strings: 1- and 2-byte lengths, escapes, bad UTF-8 */
        {"\x0c\x03\x61\x22\x0a", 5, "\"a\\\"\\n\""},
        {"\x0c\x02\xc3\xa9", 4, "\"\xc3\xa9\""},
        {"\x0c\x01\xe9", 3, "\"\xef\xbf\xbd\""},
        {"\x0c\x00", 2, "\"\""},
        /* opaque DECIMAL: precision, scale, decimal2bin */
        {"\x0f\xf6\x04\x03\x02\x81\x32", 7, "1.50"},
        {"\x0f\xf6\x04\x03\x02\x7e\xcd", 7, "-1.50"},
        {"\x0f\xf6\x04\x03\x02\x80\x00", 7, "0.00"},
        {"\x0f\xf6\x03\x01\x00\x80", 6, "0"},
        {"\x0f\xf6\x07\x0b\x02\x80\x00\x00\x09\x00", 10, "9.00"},
        /* opaque VAR_STRING prints as a string */
        {"\x0f\xfd\x02hi", 5, "\"hi\""},
        /* other opaque types: base64 with MySQL's type number */
        {"\x0f\x10\x01\x55", 4, "\"base64:type16:VQ==\""},
        {"\x0f\xfc\x00", 3, "\"base64:type252:\""},
        /* packed DATE/DATETIME/TIMESTAMP/TIME */
        {"\x0f\x0a\x08\x00\x00\x00\x00\x00\x00\x00\x00", 11,
         "\"0000-00-00\""},
        {"\x0f\x07\x08\x00\x00\x00\x00\x00\x00\x00\x00", 11,
         "\"0000-00-00 00:00:00.000000\""},
        {"\x0f\x0b\x08\xff\xff\xff\xff\xff\xff\xff\xff", 11,
         "\"-00:00:00.000001\""},
    };
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = to_text((const uint8_t *)cases[i].bytes, cases[i].n,
                                  JSONB_MYSQL_SPACING);

        if (strcmp(got, cases[i].want) != 0) {
            fail_msg("case %zu: got %s want %s", i, got, cases[i].want);
        }
    }
}

static void
test_opaque_base64_lines(void **state)
{
    uint8_t d[3 + 60];
    const char *t;
    size_t i;

    (void)state;
    /* MySQL's base64_encode starts a new line after 76 characters */
    d[0] = 0x0f;
    d[1] = 0xfc;
    d[2] = 60;
    for (i = 0; i < 60; i++) {
        d[3 + i] = 0;
    }
    t = to_text(d, sizeof(d), JSONB_COMPACT);
    assert_string_equal(t, "\"base64:type252:"
                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                           "AAAAAAAAAAAAAAAAAAAAAAAAAAAA\\nAAAA\"");
}

/* Large format: 4-byte offsets, int32 inlined. */
static void
test_large_format(void **state)
{
    static const uint8_t d[] = {
        0x01,                    /* large object */
        0x02, 0, 0, 0,           /* 2 members */
        0x2e, 0, 0, 0,           /* 46 bytes */
        0x1e, 0, 0, 0, 1, 0,     /* key "a" at 30 */
        0x1f, 0, 0, 0, 1, 0,     /* key "b" at 31 */
        0x07, 0xff, 0xff, 0xff, 0xff,  /* int32 -1 inlined */
        0x03, 0x20, 0, 0, 0,     /* large array at 32 */
        'a', 'b',
        0x01, 0, 0, 0,           /* 1 element */
        0x0d, 0, 0, 0,           /* 13 bytes */
        0x08, 0x05, 0, 0, 0,     /* uint32 5 inlined */
        0x00,                    /* padding MySQL may leave */
    };

    (void)state;
    check_doc(d, sizeof(d), "{\"a\": -1, \"b\": [5]}", "{\"a\":-1,\"b\":[5]}");
}

static void
check_err(const uint8_t *p, size_t n, int want_rc)
{
    struct pbuf b = {0};
    struct jsonb_error err;
    int rc;

    pbuf_put(&b, "keep", 4);
    rc = jsonb_to_json(&b, p, n, JSONB_COMPACT, &err);
    assert_int_equal(rc, want_rc);
    assert_non_null(err.reason);
    /* the output is left as it was */
    assert_int_equal(b.len, 4);
    pbuf_free(&b);
}

static void
test_malformed(void **state)
{
    struct jb d;
    uint8_t bad[256];
    size_t i, cut, levels, k;

    (void)state;
    check_err((const uint8_t *)"\x0d\x00", 2, -PROTO_EMALFORMED);
    check_err((const uint8_t *)"\x04\x07", 2, -PROTO_EMALFORMED);
    check_err((const uint8_t *)"\x0c\x05" "ab", 4, -PROTO_EMALFORMED);
    check_err((const uint8_t *)"\x0c\xff\xff\xff\xff\xff", 6,
              -PROTO_EMALFORMED);
    check_err((const uint8_t *)"\x0f\xf6\x02\x63\x01\x80", 6,
              -PROTO_EMALFORMED);
    check_err((const uint8_t *)"\x0f\xf6\x02\x03\x02\x81", 6,
              -PROTO_EMALFORMED);
    check_err((const uint8_t *)"\x0f\x0c\x04\x00\x00\x00\x00", 7,
              -PROTO_EMALFORMED);
    /* element count says more entries than the size holds */
    check_err((const uint8_t *)"\x02\x09\x00\x08\x00\x04\x00\x00\x00", 9,
              -PROTO_EMALFORMED);
    /* value offset pointing back into the header */
    check_err((const uint8_t *)"\x02\x01\x00\x09\x00\x0c\x02\x00\x00\x00",
              10, -PROTO_EMALFORMED);

    /* every truncation of a valid document fails cleanly */
    doc(&d, "{a:i1,bb:[i2,\"xyz\",n,{c:[t]}],zz:\"end\"}");
    for (cut = 0; cut < d.n; cut++) {
        struct pbuf b = {0};
        struct jsonb_error err;
        int rc = jsonb_to_json(&b, d.b, cut, JSONB_COMPACT, &err);

        assert_true(rc == 0 ? cut == 0 : rc == -PROTO_EMALFORMED);
        pbuf_free(&b);
    }
    /* every single-byte corruption: no crash (checked under ASan) */
    assert_true(d.n <= sizeof(bad));
    for (i = 0; i < d.n; i++) {
        for (cut = 0; cut < 256; cut += 17) {
            struct pbuf b = {0};

            memcpy(bad, d.b, d.n);
            bad[i] = (uint8_t)cut;
            (void)jsonb_to_json(&b, bad, d.n, JSONB_COMPACT, NULL);
            pbuf_free(&b);
        }
    }

    /* depth: 100 nested arrays are fine, 101 are not.  Level k starts
     * at 1 + 7k: count 1, size, one entry (array at offset 7); the
     * innermost is an empty array. */
    for (levels = 100; levels <= 101; levels++) {
        size_t n = 1 + 7 * (levels - 1) + 4;
        uint8_t *buf = calloc(1, n);
        struct pbuf b = {0};

        assert_non_null(buf);
        buf[0] = 0x02;
        for (k = 0; k < levels; k++) {
            uint8_t *a = buf + 1 + k * 7;
            size_t size = n - 1 - k * 7;

            a[0] = k + 1 == levels ? 0 : 1;
            a[1] = 0;
            a[2] = (uint8_t)size;
            a[3] = (uint8_t)(size >> 8);
            if (k + 1 < levels) {
                a[4] = 0x02;
                a[5] = 7;
                a[6] = 0;
            }
        }
        if (levels == 100) {
            assert_int_equal(jsonb_to_json(&b, buf, n, JSONB_COMPACT, NULL),
                             0);
            assert_int_equal(b.len, 200);
        } else {
            check_err(buf, n, -PROTO_ELIMIT);
        }
        pbuf_free(&b);
        free(buf);
    }
}

/* ---- diffs ---- */

/* Appends one diff to a diff vector body. */
static void
add_diff(struct pbuf *v, uint8_t op, const char *path, const char *spec)
{
    pbuf_putc(v, (char)op);
    pbuf_put_lenenc(v, strlen(path));
    pbuf_puts(v, path);
    if (op != JSONB_DIFF_REMOVE) {
        struct jb d;

        if (spec == NULL) {
            pbuf_put_lenenc(v, 0);
            return;
        }
        doc(&d, spec);
        pbuf_put_lenenc(v, d.n);
        pbuf_put(v, d.b, d.n);
    }
}

static void
check_apply(const char *before_spec, const struct pbuf *diffs, int want_rc,
            const char *want)
{
    struct jsonb_tree tree = {0};
    struct jsonb_error err;
    struct pbuf out = {0};
    struct jb d;
    int rc;

    doc(&d, before_spec);
    pbuf_put(&out, "x", 1);
    rc = jsonb_apply_diffs(&out, d.b, d.n, diffs->data, diffs->len,
                           JSONB_MYSQL_SPACING, &tree, &err);
    if (rc != want_rc) {
        fail_msg("rc %d want %d (%s at %zu)", rc, want_rc,
                 err.reason ? err.reason : "-", err.offset);
    }
    if (rc == 0) {
        pbuf_putc(&out, '\0');
        assert_string_equal((char *)out.data + 1, want);
    } else {
        assert_int_equal(out.len, 1);
        assert_non_null(err.reason);
    }
    pbuf_free(&out);
    jsonb_tree_free(&tree);
}

static void
test_diff_ops(void **state)
{
    const char *base = "{a:i1,b:[i10,i20,i30],cc:{d:\"x\"}}";
    struct pbuf v = {0};

    (void)state;
    /* no diffs: the document itself */
    check_apply(base, &v, 0,
                "{\"a\": 1, \"b\": [10, 20, 30], \"cc\": {\"d\": \"x\"}}");

    add_diff(&v, JSONB_DIFF_REPLACE, "$.a", "\"one\"");
    add_diff(&v, JSONB_DIFF_REPLACE, "$.b[1]", "[t]");
    add_diff(&v, JSONB_DIFF_REPLACE, "$.cc.d", NULL);
    check_apply(base, &v, 0,
                "{\"a\": \"one\", \"b\": [10, [true], 30], "
                "\"cc\": {\"d\": null}}");

    pbuf_reset(&v);
    /* members are kept in MySQL's order: length, then bytes */
    add_diff(&v, JSONB_DIFF_INSERT, "$.ab", "i2");
    add_diff(&v, JSONB_DIFF_INSERT, "$.c", "i3");
    add_diff(&v, JSONB_DIFF_INSERT, "$.\"x y\"", "i4");
    add_diff(&v, JSONB_DIFF_INSERT, "$.b[0]", "i5");
    add_diff(&v, JSONB_DIFF_INSERT, "$.b[2]", "i6");
    add_diff(&v, JSONB_DIFF_INSERT, "$.b[99]", "i7");
    add_diff(&v, JSONB_DIFF_INSERT, "$.b[last]", "i8");
    add_diff(&v, JSONB_DIFF_INSERT, "$.cc.\"\\u00e9\"", "t");
    check_apply(base, &v, 0,
                "{\"a\": 1, \"b\": [5, 10, 6, 20, 30, 8, 7], \"c\": 3, "
                "\"ab\": 2, \"cc\": {\"d\": \"x\", \"\xc3\xa9\": true}, "
                "\"x y\": 4}");

    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REMOVE, "$.b[0]", NULL);
    add_diff(&v, JSONB_DIFF_REMOVE, "$.b[last]", NULL);
    add_diff(&v, JSONB_DIFF_REMOVE, "$.\"a\"", NULL);
    add_diff(&v, JSONB_DIFF_REMOVE, " $ . cc . d ", NULL);
    check_apply(base, &v, 0, "{\"b\": [20], \"cc\": {}}");

    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REPLACE, "$.b[last-2]", "i0");
    add_diff(&v, JSONB_DIFF_INSERT, "$.b[last - 9]", "i-1");
    check_apply(base, &v, 0,
                "{\"a\": 1, \"b\": [-1, 0, 20, 30], \"cc\": {\"d\": \"x\"}}");

    /* replacing a container, then changing inside the new value */
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REPLACE, "$.cc", "{e:[i1]}");
    add_diff(&v, JSONB_DIFF_INSERT, "$.cc.e[1]", "i2");
    check_apply(base, &v, 0,
                "{\"a\": 1, \"b\": [10, 20, 30], \"cc\": {\"e\": [1, 2]}}");
    pbuf_free(&v);
}

static void
test_diff_refused(void **state)
{
    const char *base = "{a:i1,b:[i10]}";
    struct pbuf v = {0};

    (void)state;
    add_diff(&v, JSONB_DIFF_REPLACE, "$.zz", "i1");
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REPLACE, "$.b[1]", "i1");
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_INSERT, "$.a", "i1");
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_INSERT, "$.a.x", "i1");
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_INSERT, "$.b.x", "i1");
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REMOVE, "$.b[1]", NULL);
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REMOVE, "$", NULL);
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REPLACE, "$.*", "i1");
    check_apply(base, &v, -PROTO_EUNSUPPORTED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REPLACE, "$.b[*]", "i1");
    check_apply(base, &v, -PROTO_EUNSUPPORTED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REPLACE, "$.b[0 to 1]", "i1");
    check_apply(base, &v, -PROTO_EUNSUPPORTED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REPLACE, "$**.a", "i1");
    check_apply(base, &v, -PROTO_EUNSUPPORTED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REPLACE, "a", "i1");
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REPLACE, "$.\"a", "i1");
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_reset(&v);
    add_diff(&v, JSONB_DIFF_REPLACE, "$.b[x]", "i1");
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    /* bad operation byte, truncated diff */
    pbuf_reset(&v);
    pbuf_put(&v, "\x03\x03$.a", 5);
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_reset(&v);
    pbuf_put(&v, "\x00\x03$.a\x05\x04", 7);
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    /* a bad value shows when the result is printed */
    pbuf_reset(&v);
    pbuf_put(&v, "\x00\x03$.a\x02\x0d\x00", 8);
    check_apply(base, &v, -PROTO_EMALFORMED, NULL);
    pbuf_free(&v);
}

/* A warm tree is reused without leaks or stale state. */
static void
test_diff_reuse(void **state)
{
    struct jsonb_tree tree = {0};
    struct pbuf v = {0}, out = {0};
    struct jb d;
    int round;

    (void)state;
    doc(&d, "{a:[i1,i2]}");
    add_diff(&v, JSONB_DIFF_INSERT, "$.a[0]", "\"new\"");
    add_diff(&v, JSONB_DIFF_INSERT, "$.\"q\\\"k\"", "i3");
    for (round = 0; round < 3; round++) {
        pbuf_reset(&out);
        assert_int_equal(jsonb_apply_diffs(&out, d.b, d.n, v.data, v.len,
                                           JSONB_COMPACT, &tree, NULL),
                         0);
        pbuf_putc(&out, '\0');
        assert_string_equal((char *)out.data,
                            "{\"a\":[\"new\",1,2],\"q\\\"k\":3}");
    }
    jsonb_tree_free(&tree);
    pbuf_free(&v);
    pbuf_free(&out);
    assert_string_equal(jsonb_diff_op_name(JSONB_DIFF_INSERT), "INSERT");
    assert_string_equal(jsonb_diff_op_name(JSONB_DIFF_OP_COUNT), "UNKNOWN");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus_opaque),
        cmocka_unit_test(test_corpus_json_and_partial),
        cmocka_unit_test(test_builder_docs),
        cmocka_unit_test(test_scalars),
        cmocka_unit_test(test_opaque_base64_lines),
        cmocka_unit_test(test_large_format),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_diff_ops),
        cmocka_unit_test(test_diff_refused),
        cmocka_unit_test(test_diff_reuse),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
