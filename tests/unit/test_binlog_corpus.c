/*
 * test_binlog_corpus.c - decodes every real binlog of the shared corpora
 * (mysql-binlog/ and mariadb-binlog/ under $TANDEM_CORPORA, default
 * ../shared/corpora) event by event, with the rows of every rows event
 * (columns built from the table map alone) and the events inside every
 * TRANSACTION_PAYLOAD_EVENT.
 *
 * Files the MANIFEST describes as truncated, corrupt or written by a
 * pre-GA development tree must fail the way listed in `expects`; every
 * other file must decode without error.  Row values are rendered the way
 * `mariadb-binlog -v` prints them (log_event_print_value) and compared
 * with the ### lines of the decoded/ texts the corpus carries; selected
 * files get explicit value checks (decimals, temporals with fractions,
 * ENUM/SET, BIT, JSON, GTIDs of both flavours, compressed payloads,
 * minimal and partial row images).
 *
 * TANDEM_TEST_VERBOSE=1 prints each file's outcome; TANDEM_TEST_DUMP=<part
 * of a path> prints the rendered rows, GTIDs and notes of matching files.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <zlib.h>

#include "proto/buf.h"
#include "proto/mysql/binlog.h"
#include "proto/mysql/rows.h"
#include "proto/mysql/value.h"

/* ---- file helpers ---- */

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

/* Inflates a gzip file image in memory. */
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
ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);

    return a >= b && strcmp(s + a - b, suffix) == 0;
}

/* ---- rendering as mariadb-binlog -v prints row values ---- */

static void
put_quoted(struct pbuf *o, struct span s)
{
    size_t i;

    pbuf_putc(o, '\'');
    for (i = 0; i < s.len; i++) {
        if (s.p[i] > 0x1f) {
            pbuf_putc(o, (char)s.p[i]);
        } else {
            pbuf_printf(o, "\\x%02x", s.p[i]);
        }
    }
    pbuf_putc(o, '\'');
}

static void
put_bits(struct pbuf *o, uint64_t v, unsigned nbits)
{
    unsigned i;

    pbuf_puts(o, "b'");
    for (i = nbits; i > 0; i--) {
        pbuf_putc(o, (v >> (i - 1)) & 1 ? '1' : '0');
    }
    pbuf_putc(o, '\'');
}

static void
put_frac(struct pbuf *o, uint32_t usec, unsigned fsp)
{
    static const uint32_t div[7] = {1000000, 100000, 10000, 1000, 100, 10, 1};

    if (fsp > 0) {
        pbuf_printf(o, ".%0*u", (int)fsp, usec / div[fsp]);
    }
}

static void
render_value(struct pbuf *o, const struct mysql_column *c,
             const struct mysql_value *v)
{
    static const unsigned int_bytes[] = {
        [MYT_TINY] = 1, [MYT_SHORT] = 2, [MYT_INT24] = 3, [MYT_LONG] = 4,
        [MYT_LONGLONG] = 8};
    uint8_t rt;
    uint32_t flen;

    switch (v->kind) {
    case MYV_NULL:
        pbuf_puts(o, "NULL");
        return;
    case MYV_INT:
    case MYV_UINT: {
        unsigned nb = int_bytes[c->type];
        uint64_t raw = v->kind == MYV_UINT ? v->v.u : (uint64_t)v->v.i;
        int64_t s;

        if (nb < 8) {
            raw &= (1ULL << (8 * nb)) - 1;
            s = (raw & (1ULL << (8 * nb - 1)))
                    ? (int64_t)(raw | (~0ULL << (8 * nb)))
                    : (int64_t)raw;
        } else {
            s = (int64_t)raw;
        }
        pbuf_printf(o, "%lld", (long long)s);
        if (s < 0) {
            pbuf_printf(o, " (%llu)", (unsigned long long)raw);
        }
        return;
    }
    case MYV_FLOAT:
        pbuf_printf(o, "%-20g", (double)v->v.f);
        return;
    case MYV_DOUBLE:
        pbuf_printf(o, "%-.20g", v->v.d);
        return;
    case MYV_DECIMAL:
        pbuf_put(o, v->v.dec.text, v->v.dec.len);
        return;
    case MYV_YEAR:
        pbuf_printf(o, "%04u", v->v.u ? (unsigned)v->v.u : 1900u);
        return;
    case MYV_DATE:
        pbuf_printf(o, "'%04u:%02u:%02u'", v->v.tm.year, v->v.tm.month,
                    v->v.tm.day);
        return;
    case MYV_TIME:
        pbuf_printf(o, "'%s%02u:%02u:%02u", v->v.tm.neg ? "-" : "",
                    v->v.tm.hour, v->v.tm.minute, v->v.tm.second);
        put_frac(o, v->v.tm.usec, v->frac);
        pbuf_putc(o, '\'');
        return;
    case MYV_DATETIME:
        pbuf_printf(o, "'%04u-%02u-%02u %02u:%02u:%02u", v->v.tm.year,
                    v->v.tm.month, v->v.tm.day, v->v.tm.hour, v->v.tm.minute,
                    v->v.tm.second);
        put_frac(o, v->v.tm.usec, v->frac);
        pbuf_putc(o, '\'');
        return;
    case MYV_TIMESTAMP:
        pbuf_printf(o, "%lld", (long long)v->v.ts.sec);
        put_frac(o, v->v.ts.usec, v->frac);
        return;
    case MYV_BIT:
        put_bits(o, v->v.u, (c->meta >> 8) * 8 + (c->meta & 0xff));
        return;
    case MYV_ENUM:
        pbuf_printf(o, "%u", (unsigned)v->v.u);
        return;
    case MYV_SET: {
        /* mariadb-binlog prints the stored little-endian bytes in order */
        uint64_t be = 0;
        uint32_t i;

        binlog_string_meta(c->type, c->meta, &rt, &flen);
        for (i = 0; i < flen; i++) {
            be = (be << 8) | ((v->v.u >> (8 * i)) & 0xff);
        }
        put_bits(o, be, flen * 8);
        return;
    }
    case MYV_STRING:
    case MYV_GEOMETRY:
        put_quoted(o, v->v.bytes);
        return;
    case MYV_JSON:
        /* MySQL binary JSON: length and the document's type byte */
        pbuf_printf(o, "<json %zu %02x>", v->v.bytes.len,
                    v->v.bytes.len ? v->v.bytes.p[0] : 0xff);
        return;
    default:
        pbuf_puts(o, "?");
        return;
    }
}

static void
render_image(struct pbuf *o, const struct mysql_column *cols, uint32_t n,
             const struct mysql_value *vals)
{
    uint32_t i;

    for (i = 0; i < n; i++) {
        if (vals[i].kind == MYV_ABSENT) {
            continue;
        }
        pbuf_printf(o, "###   @%u=", i + 1);
        render_value(o, &cols[i], &vals[i]);
        pbuf_putc(o, '\n');
    }
}

/* ---- decoding one file ---- */

#define MAX_TABLES 64

struct table {
    uint64_t id;                     /* table id */
    struct binlog_table_map tm;      /* views into the file or payload */
    struct mysql_column cols[BINLOG_MAX_COLUMNS]; /* built from tm */
    struct span enums[1024];         /* ENUM/SET names */
    bool ok;                         /* columns built */
};

struct result {
    int rc;                          /* 0, or the decoder error */
    bool truncated;                  /* file ends inside an event */
    size_t err_pos;                  /* file offset of the failing event */
    uint8_t err_type;                /* type of the failing event */
    unsigned events;                 /* events decoded (outer) */
    unsigned inner;                  /* events inside payloads */
    unsigned rows;                   /* rows decoded */
    unsigned ignorable;              /* unknown ignorable events skipped */
    struct pbuf text;                /* ### lines */
    struct pbuf gtids;               /* one GTID per line */
    struct pbuf notes;               /* facts checked by name */
    struct table *tables;            /* MAX_TABLES */
    unsigned ntables;                /* in use */
    char msg[256];                   /* error text */
};

static struct mysql_value g_before[BINLOG_MAX_COLUMNS];
static struct mysql_value g_after[BINLOG_MAX_COLUMNS];

static struct table *
find_table(struct result *res, uint64_t id)
{
    unsigned i;

    for (i = 0; i < res->ntables; i++) {
        if (res->tables[i].id == id) {
            return &res->tables[i];
        }
    }
    return NULL;
}

static void
put_uuid(struct pbuf *o, const uint8_t *u)
{
    int i;

    for (i = 0; i < 16; i++) {
        pbuf_printf(o, "%02x%s", u[i],
                    (i == 3 || i == 5 || i == 7 || i == 9) ? "-" : "");
    }
}

/* Handles one decoded event (outer or inner).  Returns 0 or an error. */
static int
on_event(struct result *res, const struct binlog_event *ev)
{
    struct table *t;
    const char *reason = NULL;
    int rc;

    switch (ev->type) {
    case BINLOG_TABLE_MAP:
        t = find_table(res, ev->u.table_map.table_id);
        if (t == NULL) {
            if (res->ntables == MAX_TABLES) {
                res->ntables = 0;
            }
            t = &res->tables[res->ntables++];
        }
        t->id = ev->u.table_map.table_id;
        t->tm = ev->u.table_map;
        rc = binlog_table_map_columns(&t->tm, t->cols, BINLOG_MAX_COLUMNS,
                                      t->enums, 1024, &reason);
        t->ok = rc == 0;
        if (rc != 0) {
            snprintf(res->msg, sizeof(res->msg), "table map columns: %s",
                     reason);
            return rc;
        }
        return 0;
    case BINLOG_GTID:
    case BINLOG_GTID_TAGGED:
        put_uuid(&res->gtids, ev->u.gtid.sid);
        if (ev->u.gtid.tag.len) {
            pbuf_putc(&res->gtids, ':');
            pbuf_put(&res->gtids, ev->u.gtid.tag.p, ev->u.gtid.tag.len);
        }
        pbuf_printf(&res->gtids, ":%lld lc=%lld/%lld\n",
                    (long long)ev->u.gtid.gno,
                    (long long)ev->u.gtid.last_committed,
                    (long long)ev->u.gtid.sequence_number);
        return 0;
    case BINLOG_ANONYMOUS_GTID:
        pbuf_printf(&res->gtids, "anonymous lc=%lld/%lld\n",
                    (long long)ev->u.gtid.last_committed,
                    (long long)ev->u.gtid.sequence_number);
        return 0;
    case BINLOG_MARIA_GTID:
        pbuf_printf(&res->gtids, "%u-%u-%llu flags=%u",
                    ev->u.maria_gtid.domain_id, ev->h.server_id,
                    (unsigned long long)ev->u.maria_gtid.seq_no,
                    ev->u.maria_gtid.flags);
        if (ev->u.maria_gtid.xa_gtrid.len) {
            pbuf_puts(&res->gtids, " xa=");
            pbuf_put(&res->gtids, ev->u.maria_gtid.xa_gtrid.p,
                     ev->u.maria_gtid.xa_gtrid.len);
        }
        pbuf_putc(&res->gtids, '\n');
        return 0;
    case BINLOG_XA_PREPARE:
        pbuf_puts(&res->notes, "xa_prepare ");
        pbuf_put(&res->notes, ev->u.xa_prepare.gtrid.p,
                 ev->u.xa_prepare.gtrid.len);
        pbuf_putc(&res->notes, '\n');
        return 0;
    case BINLOG_MARIA_QUERY_COMPRESSED:
        pbuf_printf(&res->notes, "zquery %zu\n", ev->u.query.sql.len);
        return 0;
    case BINLOG_IGNORABLE:
        res->ignorable++;
        pbuf_printf(&res->notes, "ignorable %u size %u\n", ev->h.type,
                    ev->h.event_size);
        return 0;
    case BINLOG_PREVIOUS_GTIDS: {
        struct binlog_gtid_set_iter it;
        struct binlog_gtid_interval iv;

        binlog_gtid_set_iter_init(&it, ev->u.prev_gtids.encoded);
        pbuf_puts(&res->notes, "previous_gtids");
        while (binlog_gtid_set_next(&it, &iv) == 1) {
            pbuf_putc(&res->notes, ' ');
            put_uuid(&res->notes, iv.sid);
            if (iv.tag.len) {
                pbuf_putc(&res->notes, ':');
                pbuf_put(&res->notes, iv.tag.p, iv.tag.len);
            }
            pbuf_printf(&res->notes, ":%lld-%lld", (long long)iv.start,
                        (long long)iv.end - 1);
        }
        pbuf_putc(&res->notes, '\n');
        return 0;
    }
    default:
        break;
    }
    if (ev->type == BINLOG_WRITE_ROWS_V1 || ev->type == BINLOG_WRITE_ROWS_V2 ||
        ev->type == BINLOG_UPDATE_ROWS_V1 ||
        ev->type == BINLOG_UPDATE_ROWS_V2 ||
        ev->type == BINLOG_DELETE_ROWS_V1 ||
        ev->type == BINLOG_DELETE_ROWS_V2 ||
        ev->type == BINLOG_PARTIAL_UPDATE_ROWS ||
        (ev->type >= BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1 &&
         ev->type <= BINLOG_MARIA_DELETE_ROWS_COMPRESSED)) {
        const struct binlog_rows_event *re = &ev->u.rows;
        struct binlog_rows_iter it;
        const char *verb;

        t = find_table(res, re->table_id);
        if (t == NULL || !t->ok) {
            if (re->rows.len == 0) {
                return 0;
            }
            snprintf(res->msg, sizeof(res->msg), "rows for unmapped table");
            return -PROTO_EMALFORMED;
        }
        verb = re->kind == BINLOG_ROWS_WRITE    ? "INSERT INTO"
               : re->kind == BINLOG_ROWS_DELETE ? "DELETE FROM"
                                                : "UPDATE";
        binlog_rows_init(&it, re);
        while ((rc = binlog_rows_next(&it, t->cols, t->tm.column_count,
                                      g_before, g_after)) == 1) {
            res->rows++;
            pbuf_printf(&res->text, "### %s `%.*s`.`%.*s`\n", verb,
                        (int)t->tm.db.len, (const char *)t->tm.db.p,
                        (int)t->tm.table.len, (const char *)t->tm.table.p);
            if (re->kind != BINLOG_ROWS_WRITE) {
                pbuf_puts(&res->text, "### WHERE\n");
                render_image(&res->text, t->cols, re->width, g_before);
            }
            if (re->kind != BINLOG_ROWS_DELETE) {
                uint32_t i;

                pbuf_puts(&res->text, "### SET\n");
                render_image(&res->text, t->cols, re->width, g_after);
                for (i = 0; i < re->width; i++) {
                    if (binlog_rows_is_partial(&it, i)) {
                        struct span d = g_after[i].v.bytes;
                        struct rbuf r;
                        uint64_t plen = 0;
                        uint8_t op;

                        /* first diff: operation, path */
                        rbuf_init(&r, d.p, d.len);
                        op = rbuf_u8(&r);
                        binlog_read_packed(&r, &plen);
                        pbuf_printf(&res->notes, "partial json col %u len %zu "
                                    "op %u path %.*s\n", i + 1, d.len, op,
                                    (int)plen, (const char *)d.p + r.off);
                    }
                }
            }
        }
        if (rc < 0) {
            snprintf(res->msg, sizeof(res->msg),
                     "row %u column %d offset %zu: %s", it.row, it.column,
                     it.offset, it.reason);
            return rc;
        }
    }
    return 0;
}

static void
decode_buf(const uint8_t *data, size_t len, struct result *res)
{
    struct binlog_decoder d;
    struct binlog_event ev;
    size_t pos = BINLOG_MAGIC_LEN;
    ssize_t n;
    int rc;

    memset(&d, 0, sizeof(d));
    res->ntables = 0;
    while (pos < len) {
        n = binlog_event_decode(&d, data + pos, len - pos, &ev);
        if (n == 0) {
            res->truncated = true;
            res->err_pos = pos;
            break;
        }
        if (n < 0) {
            res->rc = (int)n;
            res->err_pos = pos;
            res->err_type = d.err_type;
            snprintf(res->msg, sizeof(res->msg), "%s",
                     binlog_decoder_strerror(&d));
            break;
        }
        res->events++;
        rc = on_event(res, &ev);
        if (rc == 0 && ev.type == BINLOG_TRANSACTION_PAYLOAD) {
            struct binlog_event in;
            ssize_t m;

            while ((m = binlog_payload_next(&d, &in)) > 0) {
                res->inner++;
                if ((rc = on_event(res, &in)) != 0) {
                    break;
                }
            }
            if (m < 0) {
                rc = (int)m;
                snprintf(res->msg, sizeof(res->msg), "%s",
                         binlog_decoder_strerror(&d));
            }
        }
        if (rc != 0) {
            res->rc = rc;
            res->err_pos = pos;
            res->err_type = ev.h.type;
            break;
        }
        pos += (size_t)n;
    }
    binlog_decoder_free(&d);
}

/* ---- expectations ---- */

enum outcome {
    OK = 0,      /* decodes completely */
    TRUNCATED,   /* ends inside an event at err_pos */
    FAILS,       /* error code at err_pos, event type err_type */
};

struct expect {
    const char *path;      /* relative to the corpus root */
    enum outcome outcome;  /* what must happen */
    int code;              /* FAILS: -PROTO_E* */
    long err_pos;          /* file offset of the event, -1: any */
    int err_type;          /* FAILS: event type, -1: any */
    const char *why;       /* the MANIFEST's words */
};

static const struct expect expects[] = {
    {"mysql-binlog/rust_mysql_common/binlog_truncated_event.000001",
     TRUNCATED, 0, 4, -1, "magic + 10 bytes of a header"},
    {"mysql-binlog/rust_mysql_common/binlog_truncated_prev_gtid_event.000001",
     TRUNCATED, 0, 120, -1, "ends inside the PREVIOUS_GTIDS event"},
    {"mysql-binlog/rust_mysql_common/corrupt-relay-bin.000624", FAILS,
     -PROTO_ETRUNCATED, 91204, BINLOG_QUERY,
     "deliberately corrupt QUERY event at offset 91204: its status "
     "variables length points past the event"},
    {"mysql-binlog/rust_mysql_common/bug40482-bin.000001", FAILS,
     -PROTO_EMALFORMED, 106, BINLOG_INCIDENT,
     "INCIDENT event with incident number 66 (MySQL test for an invalid "
     "incident; MySQL and mariadb-binlog reject it too)"},
    {"mysql-binlog/rust_mysql_common/ver_5_1-wl2325_s.001", FAILS,
     -PROTO_EUNSUPPORTED, 411, BINLOG_PRE_GA_WRITE_ROWS,
     "pre-GA row events (types 20-22) of a 5.2 development tree"},
    {"mysql-binlog/rust_mysql_common/ver_5_1-wl2325_r.001", FAILS,
     -PROTO_EMALFORMED, 549, BINLOG_EXECUTE_LOAD_QUERY,
     "5.2 development tree whose FDE gives EXECUTE_LOAD_QUERY a 6-byte "
     "post-header; mariadb-binlog rejects the same event"},
};

static const struct expect *
find_expect(const char *rel)
{
    size_t i;

    for (i = 0; i < sizeof(expects) / sizeof(expects[0]); i++) {
        if (strcmp(expects[i].path, rel) == 0) {
            return &expects[i];
        }
    }
    return NULL;
}

/* ---- comparison with decoded/ texts ---- */

/* Collects the ### lines of a decoded text; returns the exit status. */
static int
decoded_lines(const char *path, struct pbuf *out)
{
    size_t len, i, start;
    uint8_t *t = read_file(path, &len);
    int status = -1;
    const char *tag = "# [mariadb-binlog exit status: ";
    char *p;

    if (t == NULL) {
        return -1;
    }
    t[len] = 0;
    for (i = 0; i < len; i = start) {
        size_t e = i;

        while (e < len && t[e] != '\n') {
            e++;
        }
        start = e + 1;
        if (e - i >= 3 && memcmp(t + i, "###", 3) == 0) {
            pbuf_put(out, t + i, e - i);
            pbuf_putc(out, '\n');
        }
    }
    p = strstr((char *)t, tag);
    if (p != NULL) {
        status = atoi(p + strlen(tag));
    }
    free(t);
    return status;
}

/* Compares our ### text with mariadb-binlog's; when it failed, its last
 * line may be cut and ours may go on. */
static bool
compare_text(const char *rel, struct pbuf *ours, struct pbuf *theirs,
             int status)
{
    size_t n = theirs->len;
    size_t cut;

    if (status == 0) {
        if (ours->len == n &&
            (n == 0 || memcmp(ours->data, theirs->data, n) == 0)) {
            return true;
        }
    } else {
        /* drop their last (possibly partial) line */
        cut = n;
        if (cut > 0) {
            cut--;
            while (cut > 0 && theirs->data[cut - 1] != '\n') {
                cut--;
            }
        }
        if (ours->len >= cut &&
            (cut == 0 || memcmp(ours->data, theirs->data, cut) == 0)) {
            return true;
        }
        n = cut;
    }
    {
        size_t i = 0, line = 1, ls = 0;

        while (i < n && i < ours->len && ours->data[i] == theirs->data[i]) {
            if (ours->data[i] == '\n') {
                line++;
                ls = i + 1;
            }
            i++;
        }
        print_message("%s: rows differ from mariadb-binlog at ### line %zu\n"
                      "  ours:   %.120s\n  theirs: %.120s\n",
                      rel, line,
                      ls < ours->len ? (const char *)ours->data + ls : "(end)",
                      ls < theirs->len ? (const char *)theirs->data + ls
                                       : "(end)");
    }
    return false;
}

/* ---- walking the corpus ---- */

struct walk {
    char root[512];               /* corpus root */
    unsigned files;               /* binlog files decoded */
    unsigned compared;            /* files compared with decoded/ */
    unsigned failures;            /* unexpected outcomes */
    unsigned rows;                /* rows decoded in all files */
    struct table *tables;         /* shared table storage */
};

static void check_file(struct walk *w, const char *rel,
                       const struct result *res);

static void
visit_file(struct walk *w, const char *path, const char *rel)
{
    struct result res;
    const struct expect *ex;
    uint8_t *data, *raw;
    size_t len, rawlen;
    bool ok = true;

    raw = read_file(path, &rawlen);
    if (raw == NULL) {
        print_message("%s: cannot read\n", rel);
        w->failures++;
        return;
    }
    data = raw;
    len = rawlen;
    if (ends_with(rel, ".gz")) {
        data = gunzip(raw, rawlen, &len);
        if (data == NULL) {
            print_message("%s: cannot gunzip\n", rel);
            w->failures++;
            free(raw);
            return;
        }
    }
    if (!binlog_file_check_magic(data, len)) {
        /* not a binlog (workload.sql, hex vectors...) */
        if (data != raw) {
            free(data);
        }
        free(raw);
        return;
    }
    memset(&res, 0, sizeof(res));
    res.tables = w->tables;
    if (getenv("TANDEM_TEST_VERBOSE") != NULL) {
        print_message("decoding %s\n", rel);
    }
    decode_buf(data, len, &res);
    w->files++;
    w->rows += res.rows;

    ex = find_expect(rel);
    if (ex == NULL || ex->outcome == OK) {
        if (res.rc != 0 || res.truncated) {
            print_message("%s: unexpected %s at offset %zu: %s\n", rel,
                          res.truncated ? "truncation" : "error", res.err_pos,
                          res.msg);
            ok = false;
        }
    } else if (ex->outcome == TRUNCATED) {
        if (!res.truncated || res.rc != 0 ||
            (ex->err_pos >= 0 && (long)res.err_pos != ex->err_pos)) {
            print_message("%s: expected truncation at %ld (%s), got rc=%d "
                          "truncated=%d at %zu: %s\n", rel, ex->err_pos,
                          ex->why, res.rc, res.truncated, res.err_pos,
                          res.msg);
            ok = false;
        }
    } else {
        if (res.rc != ex->code ||
            (ex->err_pos >= 0 && (long)res.err_pos != ex->err_pos) ||
            (ex->err_type >= 0 && res.err_type != ex->err_type)) {
            print_message("%s: expected %s at %ld type %d (%s), got rc=%d at "
                          "%zu type %u: %s\n", rel, proto_err_name(ex->code),
                          ex->err_pos, ex->err_type, ex->why, res.rc,
                          res.err_pos, res.err_type, res.msg);
            ok = false;
        }
    }

    /* compare rows with mariadb-binlog's output when we have it */
    if (ok) {
        char dpath[1024];
        const char *slash = strrchr(path, '/');
        struct pbuf theirs = {0};
        int status;

        snprintf(dpath, sizeof(dpath), "%.*s/decoded/%s.mariadb-binlog.txt",
                 (int)(slash - path), path, slash + 1);
        status = decoded_lines(dpath, &theirs);
        if (status >= 0 && res.rc == 0 && !res.truncated) {
            w->compared++;
            if (!compare_text(rel, &res.text, &theirs, status)) {
                ok = false;
            }
        }
        pbuf_free(&theirs);
    }
    if (getenv("TANDEM_TEST_VERBOSE") != NULL) {
        print_message("  rc=%d truncated=%d at %zu events=%u inner=%u "
                      "rows=%u ignorable=%u %s\n", res.rc, res.truncated,
                      res.err_pos, res.events, res.inner, res.rows,
                      res.ignorable, res.msg);
    }
    if (getenv("TANDEM_TEST_DUMP") != NULL &&
        strstr(rel, getenv("TANDEM_TEST_DUMP")) != NULL) {
        fwrite(res.text.data, 1, res.text.len, stdout);
        fwrite(res.gtids.data, 1, res.gtids.len, stdout);
        fwrite(res.notes.data, 1, res.notes.len, stdout);
    }
    if (ok) {
        check_file(w, rel, &res);
    } else {
        w->failures++;
    }
    pbuf_free(&res.text);
    pbuf_free(&res.gtids);
    pbuf_free(&res.notes);
    if (data != raw) {
        free(data);
    }
    free(raw);
}

static void
walk_dir(struct walk *w, const char *dir, const char *rel)
{
    DIR *dh = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0, i;

    if (dh == NULL) {
        return;
    }
    while ((de = readdir(dh)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof(*names));
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(dh);
    /* sorted for a stable order of messages */
    for (i = 1; i < n; i++) {
        size_t j = i;

        while (j > 0 && strcmp(names[j - 1], names[j]) > 0) {
            char *t = names[j];

            names[j] = names[j - 1];
            names[j - 1] = t;
            j--;
        }
    }
    for (i = 0; i < n; i++) {
        char path[1024], r2[1024];
        struct stat st;

        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        snprintf(r2, sizeof(r2), "%s/%s", rel, names[i]);
        if (stat(path, &st) != 0) {
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (strcmp(names[i], "decoded") != 0) {
                walk_dir(w, path, r2);
            }
        } else if (!ends_with(names[i], ".txt") &&
                   !ends_with(names[i], ".md")) {
            visit_file(w, path, r2);
        }
        free(names[i]);
    }
    free(names);
}

/* ---- explicit value checks ---- */

static bool
contains(const struct pbuf *b, const char *needle)
{
    size_t n = strlen(needle), i;

    if (b->len < n) {
        return false;
    }
    for (i = 0; i + n <= b->len; i++) {
        if (memcmp(b->data + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

#define EXPECT_IN(buf, s)                                                  \
    do {                                                                   \
        if (!contains(&(buf), (s))) {                                      \
            print_message("%s: missing \"%s\"\n", rel, (s));               \
            w->failures++;                                                 \
        }                                                                  \
    } while (0)

static void
check_file(struct walk *w, const char *rel, const struct result *res)
{
    if (strstr(rel, "generated-mariadb-10.11.19/mariadb-10.11-compressed")) {
        /* compressed rows: every type of the workload */
        EXPECT_IN(res->text, "###   @6=-12345678901234.123456\n");
        EXPECT_IN(res->text, "###   @12='-838:59:59.999'\n");
        EXPECT_IN(res->text, "###   @13='2024-02-29 23:59:59.999999'\n");
        EXPECT_IN(res->text, "###   @14=2147483647.99\n");
        EXPECT_IN(res->text,
                  "###   @16='h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93'\n");
        EXPECT_IN(res->text, "###   @9=b'1010101010'\n");
        EXPECT_IN(res->text, "###   @20=3\n");
        EXPECT_IN(res->text, "###   @21=b'00000101'\n");
        EXPECT_IN(res->text, "###   @5=-1 (18446744073709551615)\n");
        EXPECT_IN(res->gtids, "5-77-1 flags=");
        EXPECT_IN(res->gtids, "9-77-");
        EXPECT_IN(res->gtids, " xa=corpus-xa-1\n");
        EXPECT_IN(res->notes, "xa_prepare corpus-xa-1\n");
        EXPECT_IN(res->notes, "zquery ");
    }
    if (strstr(rel, "generated-mariadb-10.11.19/mariadb-10.11-minimal")) {
        /* binlog_row_image=MINIMAL: update shows only PK and changed col */
        EXPECT_IN(res->text, "### UPDATE `corpus`.`t_types`\n### WHERE\n"
                             "###   @1=400\n### SET\n"
                             "###   @16='minimal image update'\n");
    }
    if (strstr(rel, "easypost-rust-mysql-binlog/bin-log.000001")) {
        EXPECT_IN(res->gtids, "87cee3a4-6b31-11e7-bdfd-0d98d6698870:14917 "
                              "lc=0/1\n");
        EXPECT_IN(res->gtids, "87cee3a4-6b31-11e7-bdfd-0d98d6698870:14919 "
                              "lc=2/3\n");
    }
    if (strstr(rel, "binlog_transaction_with_GTID_TAG.000001")) {
        EXPECT_IN(res->gtids, "55778904-0299-11f1-b1b8-4ef0c4956feb:mytag:");
        EXPECT_IN(res->notes, "previous_gtids 55778904-0299-11f1-b1b8-"
                              "4ef0c4956feb:1-13 55778904-0299-11f1-b1b8-"
                              "4ef0c4956feb:mytag:1-2\n");
    }
    if (strstr(rel, "mysql-bin.aurora-padding")) {
        EXPECT_IN(res->notes, "ignorable 100 size 928\n");
    }
    if (strstr(rel, "rust_mysql_common/json.binlog.000001")) {
        /* full binary JSON objects, then PARTIAL_UPDATE_ROWS diffs */
        EXPECT_IN(res->text, "###   @2=<json 52 00>\n###   @3='Joe'\n");
        EXPECT_IN(res->notes, "partial json col 2 len 11 op 0 path $.age\n");
        EXPECT_IN(res->text, "### WHERE\n###   @1=6\n### SET\n"
                             "###   @2=<json 11 00>\n###   @3='Pete'\n"
                             "###   @4=42\n");
    }
    if (strstr(rel, "mysql-bin.compressed")) {
        /* UPDATE inside a zstd TRANSACTION_PAYLOAD */
        EXPECT_IN(res->text, "### UPDATE `demo`.`movies`\n### WHERE\n"
                             "###   @1=1\n"
                             "###   @2='Once Upon a Time in the West'\n"
                             "###   @3=1968\n");
        EXPECT_IN(res->text, "###   @5='Western'\n");
        EXPECT_IN(res->text, "###   @5='Western|Action'\n");
    }
    if (strstr(rel, "apecloud-mysql-binlog-connector-rust/mysql-bin.000057")) {
        /* payload UPDATE of ENUM and SET, JSON column */
        EXPECT_IN(res->text, "###   @7=4\n###   @8=b'00000100'\n");
        EXPECT_IN(res->text, "###   @10=<json 13 00>\n");
        EXPECT_IN(res->text, "###   @6=1668951630\n");
    }
    if (strstr(rel, "rust_mysql_common/mysql_type_bit.000001")) {
        EXPECT_IN(res->text, "###   @1=b'100'\n###   @2='foo'\n"
                             "###   @3=b'00100000'\n");
    }
    if (strstr(rel, "rust_mysql_common/time_issue.000001")) {
        EXPECT_IN(res->text, "###   @1='-507:48:27'\n");
    }
    if (strstr(rel, "mysql-bin.sakila.gz")) {
        if (res->rows < 40000) {
            print_message("%s: only %u rows\n", rel, res->rows);
            w->failures++;
        }
    }
}

/* ---- tests ---- */

static const char *
corpus_root(void)
{
    const char *env = getenv("TANDEM_CORPORA");

    return env != NULL && *env ? env : "../shared/corpora";
}

static void
test_corpus(void **state)
{
    struct walk *w;
    char dir[1024];
    struct stat st;

    (void)state;
    if (stat(corpus_root(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        print_message("corpus not found at %s (set TANDEM_CORPORA)\n",
                      corpus_root());
        skip();
    }
    w = calloc(1, sizeof(*w));
    assert_non_null(w);
    w->tables = calloc(MAX_TABLES, sizeof(struct table));
    assert_non_null(w->tables);
    snprintf(w->root, sizeof(w->root), "%s", corpus_root());
    snprintf(dir, sizeof(dir), "%s/mysql-binlog", w->root);
    walk_dir(w, dir, "mysql-binlog");
    snprintf(dir, sizeof(dir), "%s/mariadb-binlog", w->root);
    walk_dir(w, dir, "mariadb-binlog");
    print_message("decoded %u binlog files, %u rows; %u compared with "
                  "mariadb-binlog output\n", w->files, w->rows, w->compared);
    assert_true(w->files >= 60);
    assert_true(w->compared >= 40);
    assert_int_equal(w->failures, 0);
    free(w->tables);
    free(w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
