/*
 * binlog.c - binlog event framing, checksums and event bodies (binlog.h).
 *
 * One event is: 19-byte common header, post-header (fixed fields whose
 * length per type the FORMAT_DESCRIPTION_EVENT announces), body, and a
 * 4-byte CRC32 when the checksum algorithm is CRC32.  Bodies follow MySQL
 * libs/mysql/binlog/event (8.4/9.x) and MariaDB sql/log_event.cc (11.x);
 * the rows and table-map bodies are split in rows.c.
 */
#include "proto/mysql/binlog.h"

#include "proto/crc32.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "proto/mysql/rows.h"

/* ---- names ---- */

const char *
binlog_event_type_name(unsigned type)
{
    switch (type) {
#define BINLOG_EVENT_NAME_(name, num) \
    case num:                         \
        return #name;
        BINLOG_EVENT_TYPES(BINLOG_EVENT_NAME_)
#undef BINLOG_EVENT_NAME_
    default:
        return "UNKNOWN";
    }
}

/* True for the type numbers of BINLOG_EVENT_TYPES except UNKNOWN (0). */
static bool
type_is_known(unsigned type)
{
    switch (type) {
#define BINLOG_EVENT_KNOWN_(name, num) case num:
        BINLOG_EVENT_TYPES(BINLOG_EVENT_KNOWN_)
#undef BINLOG_EVENT_KNOWN_
        return type != 0;
    default:
        return false;
    }
}

/*
 * Post-header lengths of binlog v4 when no FDE was seen or the FDE is
 * shorter than the type number: MySQL 8.0 server_event_header_length[]
 * and MariaDB 10.x/11.x for 160-171.
 */
static uint8_t
default_post_header_len(unsigned type)
{
    switch (type) {
    case BINLOG_QUERY:
    case BINLOG_MARIA_QUERY_COMPRESSED:
        return 13;
    case BINLOG_ROTATE:
        return 8;
    case BINLOG_LOAD:
    case BINLOG_NEW_LOAD:
        return 18;
    case BINLOG_CREATE_FILE:
    case BINLOG_APPEND_BLOCK:
    case BINLOG_EXEC_LOAD:
    case BINLOG_DELETE_FILE:
    case BINLOG_BEGIN_LOAD_QUERY:
    case BINLOG_MARIA_BINLOG_CHECKPOINT:
    case BINLOG_MARIA_GTID_LIST:
        return 4;
    case BINLOG_FORMAT_DESCRIPTION:
        return 2 + 50 + 4 + 1;
    case BINLOG_EXECUTE_LOAD_QUERY:
        return 26;
    case BINLOG_TABLE_MAP:
    case BINLOG_WRITE_ROWS_V1:
    case BINLOG_UPDATE_ROWS_V1:
    case BINLOG_DELETE_ROWS_V1:
    case BINLOG_PRE_GA_WRITE_ROWS:
    case BINLOG_PRE_GA_UPDATE_ROWS:
    case BINLOG_PRE_GA_DELETE_ROWS:
    case BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1:
    case BINLOG_MARIA_UPDATE_ROWS_COMPRESSED_V1:
    case BINLOG_MARIA_DELETE_ROWS_COMPRESSED_V1:
        return 8;
    case BINLOG_INCIDENT:
        return 2;
    case BINLOG_WRITE_ROWS_V2:
    case BINLOG_UPDATE_ROWS_V2:
    case BINLOG_DELETE_ROWS_V2:
    case BINLOG_PARTIAL_UPDATE_ROWS:
    case BINLOG_MARIA_WRITE_ROWS_COMPRESSED:
    case BINLOG_MARIA_UPDATE_ROWS_COMPRESSED:
    case BINLOG_MARIA_DELETE_ROWS_COMPRESSED:
        return 10;
    case BINLOG_GTID:
    case BINLOG_ANONYMOUS_GTID:
        return 42;
    case BINLOG_TRANSACTION_CONTEXT:
        return 18;
    case BINLOG_VIEW_CHANGE:
        return 52;
    case BINLOG_MARIA_GTID:
        return 19;
    default:
        return 0;
    }
}

static unsigned
post_header_len(const struct binlog_decoder *d, unsigned type)
{
    if (d->have_fde && type >= 1 && type <= d->n_post_header) {
        return d->post_header_len[type - 1];
    }
    return default_post_header_len(type);
}

/* ---- errors ---- */

static int
set_err(struct binlog_decoder *d, int code, const char *reason,
        uint8_t type, size_t offset, uint64_t value)
{
    d->err = code;
    d->err_reason = reason;
    d->err_type = type;
    d->err_offset = offset;
    d->err_value = value;
    return code;
}

void
binlog_decoder_clear_error(struct binlog_decoder *d)
{
    d->err = 0;
    d->err_reason = NULL;
    d->err_type = 0;
    d->err_offset = 0;
    d->err_value = 0;
    d->err_inner = false;
    d->err_msg[0] = '\0';
}

const char *
binlog_decoder_strerror(struct binlog_decoder *d)
{
    if (d->err == 0) {
        d->err_msg[0] = '\0';
        return d->err_msg;
    }
    snprintf(d->err_msg, sizeof(d->err_msg),
             "%s: %s (value %llu) in %s event (type %u)%s at offset %zu",
             proto_err_name(d->err),
             d->err_reason != NULL ? d->err_reason : "?",
             (unsigned long long)d->err_value,
             binlog_event_type_name(d->err_type), d->err_type,
             d->err_inner ? " inside a transaction payload" : "",
             d->err_offset);
    return d->err_msg;
}

void
binlog_decoder_set_checksum(struct binlog_decoder *d, enum binlog_checksum alg)
{
    d->checksum_alg = (uint8_t)alg;
}

void
binlog_decoder_free(struct binlog_decoder *d)
{
    pbuf_free(&d->zquery);
    pbuf_free(&d->zrows);
    pbuf_free(&d->payload);
    if (d->zstd != NULL) {
        ZSTD_freeDStream(d->zstd);
        d->zstd = NULL;
    }
    memset(&d->ps, 0, sizeof(d->ps));
}

bool
binlog_file_check_magic(const uint8_t *p, size_t len)
{
    return len >= BINLOG_MAGIC_LEN &&
           memcmp(p, BINLOG_MAGIC, BINLOG_MAGIC_LEN) == 0;
}

static size_t
limit_event(const struct binlog_decoder *d)
{
    return d->max_event_size ? d->max_event_size : BINLOG_DEFAULT_MAX_EVENT;
}

static size_t
limit_inflate(const struct binlog_decoder *d)
{
    return d->max_uncompressed ? d->max_uncompressed
                               : BINLOG_DEFAULT_MAX_EVENT;
}

/* ---- small readers ---- */

bool
binlog_read_packed(struct rbuf *r, uint64_t *out)
{
    uint8_t b;

    if (rbuf_left(r) < 1) {
        r->short_read = true;
        return false;
    }
    b = r->p[r->off];
    if (b < 0xfb) {
        r->off++;
        *out = b;
        return true;
    }
    if (b == 0xfb || b == 0xff) {
        return false;
    }
    r->off++;
    *out = rbuf_uint(r, b == 0xfc ? 2 : b == 0xfd ? 3 : 8);
    return !r->short_read;
}

/* mysql::serialization variable-length unsigned integer (1-9 bytes). */
static bool
ser_read_u(struct rbuf *r, uint64_t *out)
{
    const uint8_t *q;
    uint8_t first;
    unsigned n = 1;
    uint64_t v, tail = 0;
    unsigned i;

    if (rbuf_left(r) < 1) {
        return false;
    }
    first = r->p[r->off];
    while (n < 9 && (first & (1u << (n - 1))) != 0) {
        n++;
    }
    q = rbuf_take(r, n);
    if (q == NULL) {
        return false;
    }
    v = n < 8 ? (uint64_t)(first >> n) : 0;
    for (i = 1; i < n; i++) {
        tail |= (uint64_t)q[i] << (8 * (i - 1));
    }
    if (n > 1) {
        v |= tail << (n == 9 ? 0 : 8 - n);
    }
    *out = v;
    return true;
}

static bool
ser_read_s(struct rbuf *r, int64_t *out)
{
    uint64_t u;

    if (!ser_read_u(r, &u)) {
        return false;
    }
    *out = (int64_t)((u >> 1) ^ (0 - (u & 1)));
    return true;
}

/* ---- MariaDB zlib compression (log_event.cc binlog_buf_uncompress) ---- */

static int
maria_inflate(struct binlog_decoder *d, struct pbuf *out, struct span in,
              uint8_t type, size_t offset)
{
    uint8_t hdr;
    unsigned lenlen, i;
    uint64_t ulen = 0;
    uLongf dlen;
    int zr;

    if (in.len < 1) {
        return set_err(d, -PROTO_ETRUNCATED, "compressed data missing", type,
                       offset, 0);
    }
    hdr = in.p[0];
    lenlen = hdr & 0x07;
    if ((hdr & 0x80) == 0 || lenlen < 1 || lenlen > 4) {
        return set_err(d, -PROTO_EMALFORMED, "bad compression header byte",
                       type, offset, hdr);
    }
    if (((hdr >> 4) & 0x07) != 0) {
        return set_err(d, -PROTO_EUNSUPPORTED,
                       "compression algorithm is not zlib", type, offset,
                       (hdr >> 4) & 0x07);
    }
    if (in.len < 1 + lenlen) {
        return set_err(d, -PROTO_ETRUNCATED, "compressed length truncated",
                       type, offset, 0);
    }
    for (i = 0; i < lenlen; i++) {
        ulen = (ulen << 8) | in.p[1 + i];
    }
    if (ulen > limit_inflate(d)) {
        return set_err(d, -PROTO_ELIMIT, "uncompressed size over the limit",
                       type, offset, ulen);
    }
    pbuf_reset(out);
    out->limit = 0;
    if (!pbuf_reserve(out, ulen ? (size_t)ulen : 1)) {
        return set_err(d, -PROTO_ENOMEM, "cannot allocate inflate buffer",
                       type, offset, ulen);
    }
    dlen = (uLongf)ulen;
    zr = uncompress(out->data, &dlen, in.p + 1 + lenlen,
                    (uLong)(in.len - 1 - lenlen));
    if (zr != Z_OK || dlen != ulen) {
        return set_err(d, -PROTO_EMALFORMED, "zlib data does not inflate to "
                       "the declared size", type, offset, ulen);
    }
    out->len = (size_t)ulen;
    return 0;
}

/* ---- FORMAT_DESCRIPTION ---- */

/* Parses "X.Y.Z..." into X*10000+Y*100+Z (MySQL do_server_version_split). */
static uint32_t
version_number(const char *v)
{
    unsigned long part[3] = {0, 0, 0};
    const char *p = v;
    char *end;
    int i;

    for (i = 0; i < 3; i++) {
        part[i] = strtoul(p, &end, 10);
        if (part[i] > 255 || end == p || (i == 0 && *end != '.')) {
            return 0;
        }
        p = end;
        if (*p != '.') {
            break;
        }
        p++;
    }
    return (uint32_t)(part[0] * 10000 + part[1] * 100 + part[2]);
}

static int
decode_fde(struct binlog_decoder *d, const uint8_t *p, size_t size,
           struct binlog_event *ev, bool inner)
{
    struct rbuf r;
    const uint8_t *sv;
    size_t svlen, avail;
    char version[51];
    uint32_t vnum;
    bool mariadb, has_alg;
    uint8_t alg = BINLOG_CHECKSUM_UNDEF, hl;
    uint16_t bver;
    uint32_t created;

    if (inner) {
        return set_err(d, -PROTO_EMALFORMED,
                       "FORMAT_DESCRIPTION inside a transaction payload",
                       BINLOG_FORMAT_DESCRIPTION, 0, 0);
    }
    rbuf_init(&r, p + BINLOG_HEADER_LEN, size - BINLOG_HEADER_LEN);
    bver = rbuf_u16(&r);
    sv = rbuf_take(&r, 50);
    created = rbuf_u32(&r);
    hl = rbuf_u8(&r);
    if (r.short_read) {
        return set_err(d, -PROTO_ETRUNCATED, "event shorter than its "
                       "post-header", BINLOG_FORMAT_DESCRIPTION, size, 57);
    }
    if (bver != 4) {
        return set_err(d, -PROTO_EUNSUPPORTED, "binlog version is not 4",
                       BINLOG_FORMAT_DESCRIPTION, BINLOG_HEADER_LEN, bver);
    }
    if (hl < BINLOG_HEADER_LEN) {
        return set_err(d, -PROTO_EMALFORMED, "common header shorter than 19",
                       BINLOG_FORMAT_DESCRIPTION, BINLOG_HEADER_LEN + 56, hl);
    }
    svlen = 0;
    while (svlen < 50 && sv[svlen] != 0) {
        svlen++;
    }
    memcpy(version, sv, svlen);
    version[svlen] = '\0';
    mariadb = strstr(version, "MariaDB") != NULL ||
              strstr(version, "-maria-") != NULL;
    vnum = version_number(version);
    /* The checksum algorithm byte exists from MySQL 5.6.1 / MariaDB 5.3. */
    has_alg = mariadb ? vnum >= 50300 : vnum >= 50601;
    avail = rbuf_left(&r);
    if (has_alg) {
        /* alg byte + 4 bytes of checksum (or room for it when OFF) */
        if (avail < 1 + BINLOG_CHECKSUM_LEN) {
            return set_err(d, -PROTO_ETRUNCATED, "checksum algorithm missing",
                           BINLOG_FORMAT_DESCRIPTION, size, 0);
        }
        alg = p[size - BINLOG_CHECKSUM_LEN - 1];
        avail -= 1 + BINLOG_CHECKSUM_LEN;
        if (alg != BINLOG_CHECKSUM_OFF && alg != BINLOG_CHECKSUM_CRC32 &&
            alg != BINLOG_CHECKSUM_UNDEF) {
            return set_err(d, -PROTO_EUNSUPPORTED, "unknown checksum "
                           "algorithm", BINLOG_FORMAT_DESCRIPTION,
                           size - BINLOG_CHECKSUM_LEN - 1, alg);
        }
        if (alg == BINLOG_CHECKSUM_CRC32) {
            uint8_t hdr[BINLOG_HEADER_LEN];
            uint32_t want, got;

            /* The FDE is checksummed before BINLOG_IN_USE is cleared. */
            memcpy(hdr, p, BINLOG_HEADER_LEN);
            hdr[17] &= (uint8_t)~BINLOG_F_BINLOG_IN_USE;
            got = crc32_update(0, hdr, BINLOG_HEADER_LEN);
            got = crc32_update(got, p + BINLOG_HEADER_LEN,
                               size - BINLOG_HEADER_LEN -
                               BINLOG_CHECKSUM_LEN);
            want = (uint32_t)p[size - 4] | (uint32_t)p[size - 3] << 8 |
                   (uint32_t)p[size - 2] << 16 | (uint32_t)p[size - 1] << 24;
            if (got != want) {
                return set_err(d, -PROTO_ECHECKSUM, "CRC32 mismatch",
                               BINLOG_FORMAT_DESCRIPTION,
                               size - BINLOG_CHECKSUM_LEN, got);
            }
        }
    }
    if (avail > 255) {
        return set_err(d, -PROTO_EMALFORMED, "too many post-header lengths",
                       BINLOG_FORMAT_DESCRIPTION, BINLOG_HEADER_LEN + 57,
                       avail);
    }

    d->have_fde = true;
    d->binlog_version = bver;
    memcpy(d->server_version, version, svlen + 1);
    d->server_version_num = vnum;
    d->is_mariadb = mariadb;
    d->header_len = hl;
    d->checksum_alg = has_alg ? alg : BINLOG_CHECKSUM_UNDEF;
    d->n_post_header = (uint16_t)avail;
    memset(d->post_header_len, 0, sizeof(d->post_header_len));
    memcpy(d->post_header_len, p + BINLOG_HEADER_LEN + 57, avail);

    ev->u.fde.binlog_version = bver;
    ev->u.fde.server_version.p = sv;
    ev->u.fde.server_version.len = svlen;
    ev->u.fde.create_timestamp = created;
    ev->u.fde.header_len = hl;
    ev->u.fde.post_header_len.p = p + BINLOG_HEADER_LEN + 57;
    ev->u.fde.post_header_len.len = avail;
    ev->u.fde.checksum_alg = d->checksum_alg;
    return 0;
}

/* ---- per-event body decoders; r spans the body without checksum ---- */

/* Decoder context for one event. */
struct evctx {
    struct binlog_decoder *d;    /* decoder */
    struct binlog_event *ev;     /* output */
    struct rbuf r;               /* over the body (after the header) */
    size_t base;                 /* offset of the body in the event */
    unsigned ph;                 /* post-header length for this type */
};

static int
ev_err(struct evctx *c, int code, const char *reason, uint64_t value)
{
    return set_err(c->d, code, reason, c->ev->h.type, c->base + c->r.off,
                   value);
}

static int
ev_short(struct evctx *c, const char *what)
{
    return set_err(c->d, -PROTO_ETRUNCATED, what, c->ev->h.type,
                   c->base + c->r.len, c->r.len);
}

/* Moves r to the end of the post-header (ph bytes into the body). */
static int
skip_post_header(struct evctx *c)
{
    if (c->r.off > c->ph) {
        return ev_err(c, -PROTO_EMALFORMED, "post-header shorter than its "
                      "fixed fields", c->ph);
    }
    if (!rbuf_skip(&c->r, c->ph - c->r.off)) {
        return ev_short(c, "event shorter than its post-header");
    }
    return 0;
}

static int
decode_query(struct evctx *c)
{
    struct binlog_query *q;
    unsigned type = c->ev->h.type;
    uint8_t db_len;
    uint16_t status_len = 0;
    int rc;

    q = type == BINLOG_EXECUTE_LOAD_QUERY ? &c->ev->u.exec_load.query
                                          : &c->ev->u.query;
    if (c->ph < 11 || (type == BINLOG_EXECUTE_LOAD_QUERY && c->ph < 26)) {
        return ev_err(c, -PROTO_EMALFORMED, "query post-header too short",
                      c->ph);
    }
    q->thread_id = rbuf_u32(&c->r);
    q->exec_time = rbuf_u32(&c->r);
    db_len = rbuf_u8(&c->r);
    q->error_code = rbuf_u16(&c->r);
    if (c->ph >= 13) {
        status_len = rbuf_u16(&c->r);
    }
    if (type == BINLOG_EXECUTE_LOAD_QUERY) {
        c->ev->u.exec_load.file_id = rbuf_u32(&c->r);
        c->ev->u.exec_load.fn_pos_start = rbuf_u32(&c->r);
        c->ev->u.exec_load.fn_pos_end = rbuf_u32(&c->r);
        c->ev->u.exec_load.dup_handling = rbuf_u8(&c->r);
    }
    if (c->r.short_read) {
        return ev_short(c, "event shorter than the query post-header");
    }
    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    q->status_vars.len = status_len;
    q->status_vars.p = rbuf_take(&c->r, status_len);
    if (q->status_vars.p == NULL) {
        return ev_short(c, "status variables past the end of the event");
    }
    q->db.len = db_len;
    q->db.p = rbuf_take(&c->r, db_len);
    if (q->db.p == NULL || rbuf_u8(&c->r) != 0 || c->r.short_read) {
        return ev_short(c, "database name past the end of the event");
    }
    q->sql = rbuf_rest(&c->r);
    q->compressed = false;
    if (type == BINLOG_MARIA_QUERY_COMPRESSED) {
        rc = maria_inflate(c->d, &c->d->zquery, q->sql, (uint8_t)type,
                           c->base + c->r.len - q->sql.len);
        if (rc != 0) {
            return rc;
        }
        q->sql.p = c->d->zquery.data;
        q->sql.len = c->d->zquery.len;
        q->compressed = true;
    }
    return 0;
}

static int
decode_rotate(struct evctx *c)
{
    int rc;

    c->ev->u.rotate.pos = 4;
    if (c->ph >= 8) {
        c->ev->u.rotate.pos = rbuf_u64(&c->r);
    }
    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    c->ev->u.rotate.next_file = rbuf_rest(&c->r);
    if (c->ev->u.rotate.next_file.len == 0) {
        return ev_short(c, "rotate event without a file name");
    }
    return 0;
}

static int
decode_fixed_body(struct evctx *c)
{
    struct binlog_event *ev = c->ev;
    int rc;

    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    switch (ev->h.type) {
    case BINLOG_INTVAR:
        ev->u.intvar.type = rbuf_u8(&c->r);
        ev->u.intvar.value = rbuf_u64(&c->r);
        break;
    case BINLOG_RAND:
        ev->u.rand.seed1 = rbuf_u64(&c->r);
        ev->u.rand.seed2 = rbuf_u64(&c->r);
        break;
    case BINLOG_XID:
        ev->u.xid.xid = rbuf_u64(&c->r);
        break;
    case BINLOG_MARIA_START_ENCRYPTION:
        ev->u.encryption.scheme = rbuf_u8(&c->r);
        ev->u.encryption.key_version = rbuf_u32(&c->r);
        ev->u.encryption.nonce = rbuf_take(&c->r, 12);
        break;
    default:
        break;
    }
    if (c->r.short_read) {
        return ev_short(c, "event shorter than its fixed fields");
    }
    return 0;
}

static int
decode_user_var(struct evctx *c)
{
    struct binlog_user_var *u = &c->ev->u.user_var;
    uint32_t n;
    int rc;

    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    n = rbuf_u32(&c->r);
    u->name.p = rbuf_take(&c->r, n);
    u->name.len = n;
    u->is_null = rbuf_u8(&c->r) != 0;
    u->value_type = 0;
    u->charset = 63;
    u->value.p = NULL;
    u->value.len = 0;
    u->has_flags = false;
    u->flags = 0;
    if (!u->is_null && !c->r.short_read) {
        u->value_type = rbuf_u8(&c->r);
        u->charset = rbuf_u32(&c->r);
        n = rbuf_u32(&c->r);
        u->value.p = rbuf_take(&c->r, n);
        u->value.len = n;
        if (rbuf_left(&c->r) > 0) {
            u->has_flags = true;
            u->flags = rbuf_u8(&c->r);
        }
    }
    if (c->r.short_read) {
        return ev_short(c, "user variable past the end of the event");
    }
    return 0;
}

static int
decode_xa_prepare(struct evctx *c)
{
    struct binlog_xa_prepare *x = &c->ev->u.xa_prepare;
    uint32_t gl, bl;
    int rc;

    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    x->one_phase = rbuf_u8(&c->r) != 0;
    x->format_id = rbuf_u32(&c->r);
    gl = rbuf_u32(&c->r);
    bl = rbuf_u32(&c->r);
    if (c->r.short_read) {
        return ev_short(c, "XA_PREPARE shorter than its fixed fields");
    }
    if (gl > 64 || bl > 64) {
        return ev_err(c, -PROTO_EMALFORMED, "XID longer than 64 bytes",
                      gl > 64 ? gl : bl);
    }
    x->gtrid.p = rbuf_take(&c->r, gl);
    x->gtrid.len = gl;
    x->bqual.p = rbuf_take(&c->r, bl);
    x->bqual.len = bl;
    if (c->r.short_read) {
        return ev_short(c, "XID data past the end of the event");
    }
    return 0;
}

static int
decode_incident(struct evctx *c)
{
    uint8_t n;
    int rc;

    if (c->ph < 2) {
        return ev_err(c, -PROTO_EMALFORMED, "incident post-header too short",
                      c->ph);
    }
    c->ev->u.incident.incident = rbuf_u16(&c->r);
    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    c->ev->u.incident.message.p = NULL;
    c->ev->u.incident.message.len = 0;
    if (rbuf_left(&c->r) > 0) {
        n = rbuf_u8(&c->r);
        c->ev->u.incident.message.p = rbuf_take(&c->r, n);
        c->ev->u.incident.message.len = n;
    }
    if (c->r.short_read) {
        return ev_short(c, "incident message past the end of the event");
    }
    if (c->ev->u.incident.incident == 0 || c->ev->u.incident.incident > 2) {
        return ev_err(c, -PROTO_EMALFORMED, "unknown incident number",
                      c->ev->u.incident.incident);
    }
    return 0;
}

static int
decode_text(struct evctx *c)
{
    int rc;

    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    if (c->ev->h.type == BINLOG_ROWS_QUERY) {
        /* one length byte (mod 256), ignored as MySQL does */
        if (!rbuf_skip(&c->r, 1)) {
            return ev_short(c, "rows query without its length byte");
        }
    }
    c->ev->u.text.text = rbuf_rest(&c->r);
    return 0;
}

static int
decode_heartbeat(struct evctx *c)
{
    struct binlog_heartbeat *hb = &c->ev->u.heartbeat;
    uint64_t type, len, v;

    hb->log_file.p = NULL;
    hb->log_file.len = 0;
    hb->log_pos = c->ev->h.log_pos;
    if (c->ev->h.type == BINLOG_HEARTBEAT) {
        hb->log_file = rbuf_rest(&c->r);
        return 0;
    }
    /* HEARTBEAT_V2: (type, length, value) fields up to an end mark 0. */
    while (rbuf_left(&c->r) > 0) {
        if (!binlog_read_packed(&c->r, &type)) {
            return ev_err(c, -PROTO_EMALFORMED, "bad heartbeat field type",
                          0);
        }
        if (type == 0) {
            break;
        }
        if (!binlog_read_packed(&c->r, &len) || len > rbuf_left(&c->r)) {
            return ev_err(c, -PROTO_EMALFORMED, "bad heartbeat field length",
                          type);
        }
        if (type == 1) {
            hb->log_file.p = rbuf_take(&c->r, (size_t)len);
            hb->log_file.len = (size_t)len;
        } else if (type == 2) {
            size_t start = c->r.off;

            if (!binlog_read_packed(&c->r, &v) || c->r.off - start != len) {
                return ev_err(c, -PROTO_EMALFORMED, "bad heartbeat position",
                              type);
            }
            hb->log_pos = v;
        } else {
            rbuf_skip(&c->r, (size_t)len);
        }
    }
    return 0;
}

static int
decode_gtid(struct evctx *c)
{
    struct binlog_gtid *g = &c->ev->u.gtid;
    const uint8_t *sid;
    uint64_t v;

    memset(g, 0, sizeof(*g));
    g->flags = rbuf_u8(&c->r);
    sid = rbuf_take(&c->r, 16);
    g->gno = (int64_t)rbuf_u64(&c->r);
    if (c->r.short_read) {
        return ev_short(c, "GTID event shorter than flags, SID and GNO");
    }
    memcpy(g->sid, sid, 16);
    if (c->ev->h.type == BINLOG_ANONYMOUS_GTID ? g->gno != 0
                                               : g->gno < 1) {
        return ev_err(c, -PROTO_EMALFORMED, "invalid GNO", (uint64_t)g->gno);
    }
    /* 5.7+: logical clock (typecode 2); older typecodes are ignored. */
    if (rbuf_left(&c->r) < 1 + 16 || c->r.p[c->r.off] != 2) {
        return 0;
    }
    rbuf_skip(&c->r, 1);
    g->has_logical_clock = true;
    g->last_committed = (int64_t)rbuf_u64(&c->r);
    g->sequence_number = (int64_t)rbuf_u64(&c->r);
    if (rbuf_left(&c->r) < 7) {
        return 0;
    }
    g->has_commit_ts = true;
    v = rbuf_uint(&c->r, 7);
    if (v & (1ULL << 55)) {
        g->immediate_commit_ts = v & ~(1ULL << 55);
        g->original_commit_ts = rbuf_uint(&c->r, 7);
        if (c->r.short_read) {
            return ev_short(c, "original commit timestamp truncated");
        }
    } else {
        g->immediate_commit_ts = v;
        g->original_commit_ts = v;
    }
    if (rbuf_left(&c->r) < 1) {
        return 0;
    }
    if (!binlog_read_packed(&c->r, &g->trx_length)) {
        return ev_err(c, -PROTO_EMALFORMED, "bad transaction length", 0);
    }
    g->has_trx_length = true;
    if (rbuf_left(&c->r) < 4) {
        return 0;
    }
    g->has_server_version = true;
    v = rbuf_u32(&c->r);
    if (v & (1u << 31)) {
        g->immediate_server_version = (uint32_t)(v & ~(1u << 31));
        g->original_server_version = rbuf_u32(&c->r);
        if (c->r.short_read) {
            return ev_short(c, "original server version truncated");
        }
    } else {
        g->immediate_server_version = (uint32_t)v;
        g->original_server_version = (uint32_t)v;
    }
    if (rbuf_left(&c->r) >= 8) {
        g->commit_group_ticket = rbuf_u64(&c->r);
    }
    return 0;
}

/*
 * GTID_TAGGED_LOG_EVENT: a mysql::serialization message (MySQL 8.4):
 * format version 1, total size, last non-ignorable field id, then fields
 * 0..11 each as (field id, value), optional ones may be absent.
 */
static int
decode_gtid_tagged(struct evctx *c)
{
    struct binlog_gtid *g = &c->ev->u.gtid;
    struct rbuf *r = &c->r;
    size_t start = r->off, end;
    uint64_t ver, size, last_id, id, v;
    int64_t s;
    unsigned field, i;
    bool have_orig_ts = false, have_orig_ver = false;

    memset(g, 0, sizeof(*g));
    if (!ser_read_u(r, &ver) || !ser_read_u(r, &size) ||
        !ser_read_u(r, &last_id)) {
        return ev_short(c, "tagged GTID header truncated");
    }
    if (ver != 1) {
        return ev_err(c, -PROTO_EUNSUPPORTED, "unknown serialization format "
                      "version", ver);
    }
    if (size > r->len - start || size < r->off - start) {
        return ev_err(c, -PROTO_EMALFORMED, "tagged GTID size out of range",
                      size);
    }
    if (last_id > 12) {
        return ev_err(c, -PROTO_EUNSUPPORTED, "tagged GTID has unknown "
                      "non-ignorable fields", last_id);
    }
    end = start + (size_t)size;
    r->len = end;
    for (field = 0; field < 12 && r->off < end; field++) {
        size_t save = r->off;

        if (!ser_read_u(r, &id)) {
            return ev_short(c, "tagged GTID field id truncated");
        }
        if (id != field) {
            r->off = save;
            if (field < 7 || field == 8 || field == 9) {
                return ev_err(c, -PROTO_EMALFORMED, "tagged GTID misses a "
                              "mandatory field", field);
            }
            continue;
        }
        switch (field) {
        case 0:
            if (!ser_read_u(r, &v) || v > 255) {
                return ev_err(c, -PROTO_EMALFORMED, "bad GTID flags", v);
            }
            g->flags = (uint8_t)v;
            break;
        case 1:
            for (i = 0; i < 16; i++) {
                if (!ser_read_u(r, &v) || v > 255) {
                    return ev_err(c, -PROTO_EMALFORMED, "bad GTID UUID byte",
                                  i);
                }
                g->sid[i] = (uint8_t)v;
            }
            break;
        case 2:
            if (!ser_read_s(r, &g->gno)) {
                return ev_short(c, "GNO truncated");
            }
            break;
        case 3:
            if (!ser_read_u(r, &v) || v > 32 || v > rbuf_left(r)) {
                return ev_err(c, -PROTO_EMALFORMED, "bad GTID tag length", v);
            }
            g->tag.p = rbuf_take(r, (size_t)v);
            g->tag.len = (size_t)v;
            break;
        case 4:
        case 5:
            if (!ser_read_s(r, &s)) {
                return ev_short(c, "logical clock truncated");
            }
            if (field == 4) {
                g->last_committed = s;
            } else {
                g->sequence_number = s;
            }
            break;
        case 9:
        case 10:
            if (!ser_read_u(r, &v) || v > UINT32_MAX) {
                return ev_err(c, -PROTO_EMALFORMED, "bad server version", v);
            }
            if (field == 9) {
                g->immediate_server_version = (uint32_t)v;
            } else {
                g->original_server_version = (uint32_t)v;
                have_orig_ver = true;
            }
            break;
        default:
            if (!ser_read_u(r, &v)) {
                return ev_short(c, "tagged GTID field truncated");
            }
            if (field == 6) {
                g->immediate_commit_ts = v;
            } else if (field == 7) {
                g->original_commit_ts = v;
                have_orig_ts = true;
            } else if (field == 8) {
                g->trx_length = v;
            } else {
                g->commit_group_ticket = v;
            }
            break;
        }
    }
    if (field < 10) {
        return ev_err(c, -PROTO_EMALFORMED, "tagged GTID misses a mandatory "
                      "field", field);
    }
    if (!have_orig_ts) {
        g->original_commit_ts = g->immediate_commit_ts;
    }
    if (!have_orig_ver) {
        g->original_server_version = g->immediate_server_version;
    }
    if (g->gno < 1) {
        return ev_err(c, -PROTO_EMALFORMED, "invalid GNO", (uint64_t)g->gno);
    }
    g->has_logical_clock = true;
    g->has_commit_ts = true;
    g->has_trx_length = true;
    g->has_server_version = true;
    r->off = end;
    return 0;
}

/* ---- GTID sets ---- */

int
binlog_gtid_set_iter_init(struct binlog_gtid_set_iter *it, struct span enc)
{
    uint64_t n;

    memset(it, 0, sizeof(*it));
    rbuf_init(&it->r, enc.p, enc.len);
    n = rbuf_u64(&it->r);
    if (it->r.short_read) {
        return -PROTO_ETRUNCATED;
    }
    switch (n >> 56) {
    case 0:
        it->sids_left = n;
        break;
    case 1:
        it->tagged = true;
        it->sids_left = (n >> 8) & 0xffffffffffffULL;
        break;
    default:
        return -PROTO_EMALFORMED;
    }
    return 0;
}

int
binlog_gtid_set_next(struct binlog_gtid_set_iter *it,
                     struct binlog_gtid_interval *out)
{
    uint64_t len;

    while (it->intervals_left == 0) {
        if (it->sids_left == 0) {
            return rbuf_left(&it->r) == 0 ? 0 : -PROTO_EMALFORMED;
        }
        it->sids_left--;
        it->sid = rbuf_take(&it->r, 16);
        it->tag.p = NULL;
        it->tag.len = 0;
        if (it->tagged) {
            if (!ser_read_u(&it->r, &len) || len > 32 ||
                len > rbuf_left(&it->r)) {
                return -PROTO_ETRUNCATED;
            }
            it->tag.p = rbuf_take(&it->r, (size_t)len);
            it->tag.len = (size_t)len;
        }
        it->intervals_left = rbuf_u64(&it->r);
        if (it->r.short_read) {
            return -PROTO_ETRUNCATED;
        }
        if (it->intervals_left > rbuf_left(&it->r) / 16) {
            return -PROTO_ETRUNCATED;
        }
    }
    it->intervals_left--;
    out->sid = it->sid;
    out->tag = it->tag;
    out->start = (int64_t)rbuf_u64(&it->r);
    out->end = (int64_t)rbuf_u64(&it->r);
    if (it->r.short_read) {
        return -PROTO_ETRUNCATED;
    }
    if (out->start < 1 || out->end <= out->start) {
        return -PROTO_EMALFORMED;
    }
    return 1;
}

static int
decode_previous_gtids(struct evctx *c)
{
    struct binlog_gtid_set_iter it;
    struct binlog_gtid_interval iv;
    struct span enc;
    int rc;

    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    enc = rbuf_rest(&c->r);
    rc = binlog_gtid_set_iter_init(&it, enc);
    while (rc == 0 && (rc = binlog_gtid_set_next(&it, &iv)) == 1) {
        rc = 0;
    }
    if (rc < 0) {
        return set_err(c->d, rc, "bad GTID set encoding", c->ev->h.type,
                       c->base + (enc.len - rbuf_left(&it.r)), 0);
    }
    binlog_gtid_set_iter_init(&it, enc);
    c->ev->u.prev_gtids.encoded = enc;
    c->ev->u.prev_gtids.tagged = it.tagged;
    c->ev->u.prev_gtids.n_sids = it.sids_left;
    return 0;
}

static int
decode_maria_gtid(struct evctx *c)
{
    struct binlog_maria_gtid *g = &c->ev->u.maria_gtid;
    uint8_t gl, bl;

    memset(g, 0, sizeof(*g));
    if (c->ph < 19) {
        return ev_err(c, -PROTO_EMALFORMED, "GTID post-header too short",
                      c->ph);
    }
    if (c->r.len < c->ph) {
        return ev_short(c, "GTID event shorter than its post-header");
    }
    g->seq_no = rbuf_u64(&c->r);
    g->domain_id = rbuf_u32(&c->r);
    g->flags = rbuf_u8(&c->r);
    if (g->flags & BINLOG_MARIA_FL_GROUP_COMMIT_ID) {
        g->commit_id = rbuf_u64(&c->r);
    }
    if (g->flags &
        (BINLOG_MARIA_FL_PREPARED_XA | BINLOG_MARIA_FL_COMPLETED_XA)) {
        g->xa_format_id = rbuf_u32(&c->r);
        gl = rbuf_u8(&c->r);
        bl = rbuf_u8(&c->r);
        if (gl > 64 || bl > 64) {
            return ev_err(c, -PROTO_EMALFORMED, "XID longer than 64 bytes",
                          gl > 64 ? gl : bl);
        }
        g->xa_gtrid.p = rbuf_take(&c->r, gl);
        g->xa_gtrid.len = gl;
        g->xa_bqual.p = rbuf_take(&c->r, bl);
        g->xa_bqual.len = bl;
    }
    /* Then flags_extra; the zero padding up to 19 bytes reads as 0. */
    if (!c->r.short_read && rbuf_left(&c->r) > 0) {
        g->flags_extra = rbuf_u8(&c->r);
        if (g->flags_extra & BINLOG_MARIA_FLX_MULTI_ENGINE) {
            g->extra_engines = rbuf_u8(&c->r);
        }
        if (g->flags_extra &
            (BINLOG_MARIA_FLX_COMMIT_ALTER | BINLOG_MARIA_FLX_ROLLBACK_ALTER)) {
            g->sa_seq_no = rbuf_u64(&c->r);
        }
        if ((g->flags_extra & BINLOG_MARIA_FLX_THREAD_ID) &&
            rbuf_left(&c->r) >= 4) {
            g->thread_id = rbuf_u32(&c->r);
        }
    }
    if (c->r.short_read) {
        return ev_short(c, "GTID fields past the end of the event");
    }
    return 0;
}

static int
decode_maria_gtid_list(struct evctx *c)
{
    struct binlog_maria_gtid_list *l = &c->ev->u.gtid_list;
    uint32_t v;
    int rc;

    if (c->ph < 4) {
        return ev_err(c, -PROTO_EMALFORMED, "GTID list post-header too short",
                      c->ph);
    }
    v = rbuf_u32(&c->r);
    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    l->count = v & 0x0fffffff;
    l->flags = (uint8_t)(v >> 28);
    l->entries.len = (size_t)l->count * 16;
    l->entries.p = rbuf_take(&c->r, l->entries.len);
    if (l->entries.p == NULL && l->count != 0) {
        return ev_short(c, "GTID list entries past the end of the event");
    }
    return 0;
}

void
binlog_gtid_list_get(const struct binlog_maria_gtid_list *l, uint32_t i,
                     struct binlog_maria_gtid_entry *out)
{
    struct rbuf r;

    rbuf_init(&r, l->entries.p + (size_t)i * 16, 16);
    out->domain_id = rbuf_u32(&r);
    out->server_id = rbuf_u32(&r);
    out->seq_no = rbuf_u64(&r);
}

static int
decode_checkpoint(struct evctx *c)
{
    uint32_t n;
    int rc;

    if (c->ph < 4) {
        return ev_err(c, -PROTO_EMALFORMED, "checkpoint post-header too "
                      "short", c->ph);
    }
    n = rbuf_u32(&c->r);
    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    c->ev->u.checkpoint.file.p = rbuf_take(&c->r, n);
    c->ev->u.checkpoint.file.len = n;
    if (c->ev->u.checkpoint.file.p == NULL) {
        return ev_short(c, "checkpoint file name past the end of the event");
    }
    return 0;
}

static int
decode_load_block(struct evctx *c)
{
    int rc;

    if (c->ph < 4) {
        return ev_err(c, -PROTO_EMALFORMED, "file id post-header too short",
                      c->ph);
    }
    c->ev->u.load_block.file_id = rbuf_u32(&c->r);
    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    c->ev->u.load_block.data.p = NULL;
    c->ev->u.load_block.data.len = 0;
    if (c->ev->h.type != BINLOG_DELETE_FILE) {
        c->ev->u.load_block.data = rbuf_rest(&c->r);
    }
    return 0;
}

static int
decode_partial_rows(struct evctx *c)
{
    struct binlog_partial_rows *pr = &c->ev->u.partial_rows;
    int rc;

    if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    pr->total = rbuf_u32(&c->r);
    pr->seq = rbuf_u32(&c->r);
    pr->flags = rbuf_u8(&c->r);
    pr->orig_size = 0;
    if (pr->flags & 0x01) {
        pr->orig_size = rbuf_u64(&c->r);
    }
    if (c->r.short_read) {
        return ev_short(c, "fragment header truncated");
    }
    if (pr->seq == 0 || pr->seq > pr->total) {
        return ev_err(c, -PROTO_EMALFORMED, "fragment number out of range",
                      pr->seq);
    }
    pr->chunk = rbuf_rest(&c->r);
    return 0;
}

static int
decode_start_v3(struct evctx *c)
{
    const uint8_t *sv;
    size_t n = 0;

    c->ev->u.start_v3.binlog_version = rbuf_u16(&c->r);
    sv = rbuf_take(&c->r, 50);
    c->ev->u.start_v3.create_timestamp = rbuf_u32(&c->r);
    if (c->r.short_read) {
        return ev_short(c, "START_V3 shorter than its fields");
    }
    while (n < 50 && sv[n] != 0) {
        n++;
    }
    c->ev->u.start_v3.server_version.p = sv;
    c->ev->u.start_v3.server_version.len = n;
    return 0;
}

/* ---- rows events ---- */

static int
decode_rows(struct evctx *c)
{
    struct binlog_rows_event *re = &c->ev->u.rows;
    unsigned type = c->ev->h.type;
    bool v2 = false;
    uint64_t width;
    size_t nbytes;
    int rc;

    memset(re, 0, sizeof(*re));
    re->partition_id = -1;
    re->source_partition_id = -1;
    re->version = 1;
    switch (type) {
    case BINLOG_WRITE_ROWS_V2:
    case BINLOG_MARIA_WRITE_ROWS_COMPRESSED:
        v2 = true;
        /* fallthrough */
    case BINLOG_WRITE_ROWS_V1:
    case BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1:
        re->kind = BINLOG_ROWS_WRITE;
        break;
    case BINLOG_UPDATE_ROWS_V2:
    case BINLOG_MARIA_UPDATE_ROWS_COMPRESSED:
        v2 = true;
        /* fallthrough */
    case BINLOG_UPDATE_ROWS_V1:
    case BINLOG_MARIA_UPDATE_ROWS_COMPRESSED_V1:
        re->kind = BINLOG_ROWS_UPDATE;
        break;
    case BINLOG_DELETE_ROWS_V2:
    case BINLOG_MARIA_DELETE_ROWS_COMPRESSED:
        v2 = true;
        /* fallthrough */
    case BINLOG_DELETE_ROWS_V1:
    case BINLOG_MARIA_DELETE_ROWS_COMPRESSED_V1:
        re->kind = BINLOG_ROWS_DELETE;
        break;
    case BINLOG_PARTIAL_UPDATE_ROWS:
        v2 = true;
        re->kind = BINLOG_ROWS_PARTIAL_UPDATE;
        break;
    default:
        return ev_err(c, -PROTO_EUNSUPPORTED, "pre-GA rows events (MySQL "
                      "5.1.5-5.1.17) are not supported", type);
    }
    re->compressed = type >= BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1;
    if (c->ph < 6 || (v2 && c->ph < 10)) {
        return ev_err(c, -PROTO_EMALFORMED, "rows post-header too short",
                      c->ph);
    }
    re->table_id = rbuf_uint(&c->r, c->ph == 6 ? 4 : 6);
    re->flags = rbuf_u16(&c->r);
    if (v2) {
        uint16_t xlen = rbuf_u16(&c->r);
        struct rbuf x;

        re->version = 2;
        if (xlen < 2) {
            return ev_err(c, -PROTO_EMALFORMED, "extra row info length "
                          "below 2", xlen);
        }
        if ((rc = skip_post_header(c)) != 0) {
            return rc;
        }
        re->extra.len = xlen - 2u;
        re->extra.p = rbuf_take(&c->r, re->extra.len);
        if (re->extra.p == NULL) {
            return ev_short(c, "extra row info past the end of the event");
        }
        rbuf_init(&x, re->extra.p, re->extra.len);
        while (rbuf_left(&x) > 0) {
            uint8_t code = rbuf_u8(&x);

            if (code == 0) {
                /* NDB: length byte counts itself and the format byte */
                size_t n = rbuf_left(&x) ? x.p[x.off] : 0;

                if (n < 2 || n > rbuf_left(&x)) {
                    return ev_err(c, -PROTO_EMALFORMED, "bad NDB extra row "
                                  "info length", n);
                }
                if (re->ndb_info.p == NULL) {
                    re->ndb_info.p = x.p + x.off;
                    re->ndb_info.len = n;
                }
                rbuf_skip(&x, n);
            } else if (code == 1) {
                re->partition_id = rbuf_u16(&x);
                if (re->kind == BINLOG_ROWS_UPDATE ||
                    re->kind == BINLOG_ROWS_PARTIAL_UPDATE) {
                    re->source_partition_id = rbuf_u16(&x);
                }
                if (x.short_read) {
                    return ev_err(c, -PROTO_EMALFORMED, "partition info "
                                  "truncated", 0);
                }
            } else {
                break; /* unknown code: MySQL ignores the rest */
            }
        }
    } else if ((rc = skip_post_header(c)) != 0) {
        return rc;
    }
    if (!binlog_read_packed(&c->r, &width)) {
        return ev_short(c, "column count truncated");
    }
    if (width > BINLOG_MAX_COLUMNS) {
        return ev_err(c, -PROTO_EMALFORMED, "more than 4096 columns", width);
    }
    re->width = (uint32_t)width;
    nbytes = (re->width + 7) / 8;
    re->cols_before = rbuf_take(&c->r, nbytes);
    re->cols_after = re->cols_before;
    if (re->kind == BINLOG_ROWS_UPDATE ||
        re->kind == BINLOG_ROWS_PARTIAL_UPDATE) {
        re->cols_after = rbuf_take(&c->r, nbytes);
    }
    if (c->r.short_read) {
        return ev_short(c, "column bitmaps past the end of the event");
    }
    re->rows = rbuf_rest(&c->r);
    if (re->compressed) {
        rc = maria_inflate(c->d, &c->d->zrows, re->rows, (uint8_t)type,
                           c->base + c->r.len - re->rows.len);
        if (rc != 0) {
            return rc;
        }
        re->rows.p = c->d->zrows.data;
        re->rows.len = c->d->zrows.len;
    }
    if (re->width == 0 && re->rows.len != 0) {
        return ev_err(c, -PROTO_EMALFORMED, "rows event with no columns "
                      "carries row data", re->rows.len);
    }
    return 0;
}

static int
decode_table_map_ev(struct evctx *c)
{
    const char *reason = NULL;
    int rc;

    if (c->ph != 6 && c->ph < 8) {
        return ev_err(c, -PROTO_EMALFORMED, "table map post-header too short",
                      c->ph);
    }
    rc = binlog_table_map_decode(&c->ev->u.table_map, c->r.p, c->r.len,
                                 c->ph, c->d->is_mariadb, &reason);
    if (rc < 0) {
        return set_err(c->d, rc, reason, c->ev->h.type, c->base, 0);
    }
    return 0;
}

/* ---- TRANSACTION_PAYLOAD ---- */

static int
decode_payload(struct evctx *c)
{
    struct binlog_decoder *d = c->d;
    struct binlog_payload *pl = &c->ev->u.payload;
    uint64_t type, len, v;
    bool have_size = false, have_type = false;
    size_t reserve;

    memset(pl, 0, sizeof(*pl));
    for (;;) {
        if (!binlog_read_packed(&c->r, &type)) {
            return ev_err(c, -PROTO_EMALFORMED, "payload header without end "
                          "mark", 0);
        }
        if (type == 0) {
            break;
        }
        if (!binlog_read_packed(&c->r, &len)) {
            return ev_err(c, -PROTO_EMALFORMED, "bad payload field length",
                          type);
        }
        switch (type) {
        case 1:
        case 2:
        case 3: {
            size_t start = c->r.off;

            if (!binlog_read_packed(&c->r, &v) || c->r.off - start != len) {
                return ev_err(c, -PROTO_EMALFORMED, "bad payload field",
                              type);
            }
            if (type == 1) {
                pl->payload_size = v;
                have_size = true;
            } else if (type == 2) {
                if (v != BINLOG_PAYLOAD_ZSTD && v != BINLOG_PAYLOAD_NONE) {
                    return ev_err(c, -PROTO_EUNSUPPORTED, "unknown payload "
                                  "compression type", v);
                }
                pl->compression_type = (uint32_t)v;
                have_type = true;
            } else {
                pl->uncompressed_size = v;
            }
            break;
        }
        default:
            if (len > rbuf_left(&c->r)) {
                return ev_short(c, "payload field past the end");
            }
            rbuf_skip(&c->r, (size_t)len);
            break;
        }
    }
    if (!have_size || !have_type) {
        return ev_err(c, -PROTO_EMALFORMED, "payload size or compression "
                      "type missing", 0);
    }
    if (pl->payload_size > rbuf_left(&c->r)) {
        return ev_err(c, -PROTO_ETRUNCATED, "payload size past the end of "
                      "the event", pl->payload_size);
    }
    pl->payload.len = (size_t)pl->payload_size;
    pl->payload.p = rbuf_take(&c->r, pl->payload.len);
    if (pl->compression_type == BINLOG_PAYLOAD_NONE) {
        pl->uncompressed_size = pl->payload_size;
    }
    if (pl->uncompressed_size > limit_inflate(d)) {
        return ev_err(c, -PROTO_ELIMIT, "uncompressed payload over the limit",
                      pl->uncompressed_size);
    }

    memset(&d->ps, 0, sizeof(d->ps));
    d->ps.active = true;
    d->ps.compression_type = pl->compression_type;
    d->ps.in = pl->payload;
    d->ps.declared_size = pl->uncompressed_size;
    if (pl->compression_type == BINLOG_PAYLOAD_NONE) {
        return 0;
    }
    if (d->zstd == NULL) {
        d->zstd = ZSTD_createDStream();
        if (d->zstd == NULL) {
            return ev_err(c, -PROTO_ENOMEM, "cannot create zstd context", 0);
        }
    }
    ZSTD_DCtx_reset(d->zstd, ZSTD_reset_session_only);
    if (pl->uncompressed_size == 0) {
        unsigned long long fcs =
            ZSTD_getFrameContentSize(pl->payload.p, pl->payload.len);

        if (fcs != ZSTD_CONTENTSIZE_UNKNOWN && fcs != ZSTD_CONTENTSIZE_ERROR) {
            d->ps.declared_size = fcs;
        }
        if (d->ps.declared_size > limit_inflate(d)) {
            return ev_err(c, -PROTO_ELIMIT, "uncompressed payload over the "
                          "limit", d->ps.declared_size);
        }
    }
    /* Give back a big buffer left by an earlier, larger payload. */
    reserve = (size_t)d->ps.declared_size;
    if (d->payload.cap > (1u << 20) && d->payload.cap / 4 > reserve) {
        pbuf_free(&d->payload);
    }
    pbuf_reset(&d->payload);
    d->payload.limit = 0;
    /* Reserving the declared size up front keeps inner views stable. */
    if (reserve != 0 && !pbuf_reserve(&d->payload, reserve)) {
        return ev_err(c, -PROTO_ENOMEM, "cannot allocate payload buffer",
                      reserve);
    }
    return 0;
}

/* ---- framing ---- */

static ssize_t
decode_event(struct binlog_decoder *d, const uint8_t *p, size_t len,
             struct binlog_event *ev, bool inner)
{
    struct evctx c;
    size_t hl, size, csum = 0;
    struct rbuf hr;
    int rc = 0;

    if (d->err != 0) {
        return d->err;
    }
    if (len < BINLOG_HEADER_LEN) {
        d->need = BINLOG_HEADER_LEN;
        return 0;
    }
    memset(ev, 0, sizeof(*ev));
    rbuf_init(&hr, p, BINLOG_HEADER_LEN);
    ev->h.timestamp = rbuf_u32(&hr);
    ev->h.type = rbuf_u8(&hr);
    ev->h.server_id = rbuf_u32(&hr);
    ev->h.event_size = rbuf_u32(&hr);
    ev->h.log_pos = rbuf_u32(&hr);
    ev->h.flags = rbuf_u16(&hr);
    ev->type = (enum binlog_event_type)ev->h.type;
    size = ev->h.event_size;
    hl = ev->h.type == BINLOG_FORMAT_DESCRIPTION || d->header_len == 0
             ? BINLOG_HEADER_LEN
             : d->header_len;
    if (size < hl) {
        return set_err(d, -PROTO_EMALFORMED, "event size smaller than the "
                       "common header", ev->h.type, 9, size);
    }
    if (size > limit_event(d)) {
        return set_err(d, -PROTO_ELIMIT, "event size over the limit",
                       ev->h.type, 9, size);
    }
    if (len < size) {
        d->need = size;
        return 0;
    }
    d->need = 0;

    if (ev->h.type == BINLOG_FORMAT_DESCRIPTION) {
        rc = decode_fde(d, p, size, ev, inner);
        if (rc != 0) {
            return rc;
        }
        ev->body.p = p + BINLOG_HEADER_LEN;
        ev->body.len = size - BINLOG_HEADER_LEN;
        if (d->checksum_alg == BINLOG_CHECKSUM_CRC32 ||
            d->checksum_alg == BINLOG_CHECKSUM_OFF) {
            ev->body.len -= BINLOG_CHECKSUM_LEN;
        }
        return (ssize_t)size;
    }

    if (!inner && d->checksum_alg == BINLOG_CHECKSUM_CRC32) {
        uint32_t got, want;

        csum = BINLOG_CHECKSUM_LEN;
        if (size < hl + csum) {
            return set_err(d, -PROTO_EMALFORMED, "event too short for its "
                           "checksum", ev->h.type, 9, size);
        }
        got = crc32_update(0, p, size - csum);
        want = (uint32_t)p[size - 4] | (uint32_t)p[size - 3] << 8 |
               (uint32_t)p[size - 2] << 16 | (uint32_t)p[size - 1] << 24;
        if (got != want) {
            return set_err(d, -PROTO_ECHECKSUM, "CRC32 mismatch", ev->h.type,
                           size - csum, got);
        }
    }

    ev->body.p = p + hl;
    ev->body.len = size - hl - csum;
    c.d = d;
    c.ev = ev;
    rbuf_init(&c.r, ev->body.p, ev->body.len);
    c.base = hl;
    c.ph = post_header_len(d, ev->h.type);

    if (!type_is_known(ev->h.type)) {
        if (ev->h.flags & BINLOG_F_IGNORABLE) {
            ev->type = BINLOG_IGNORABLE;
            ev->u.raw = ev->body;
            return (ssize_t)size;
        }
        return set_err(d, -PROTO_EUNSUPPORTED, "unknown event type without "
                       "the ignorable flag", ev->h.type, 4, ev->h.type);
    }

    switch (ev->h.type) {
    case BINLOG_QUERY:
    case BINLOG_MARIA_QUERY_COMPRESSED:
    case BINLOG_EXECUTE_LOAD_QUERY:
        rc = decode_query(&c);
        break;
    case BINLOG_ROTATE:
        rc = decode_rotate(&c);
        break;
    case BINLOG_INTVAR:
    case BINLOG_RAND:
    case BINLOG_XID:
    case BINLOG_MARIA_START_ENCRYPTION:
        rc = decode_fixed_body(&c);
        break;
    case BINLOG_USER_VAR:
        rc = decode_user_var(&c);
        break;
    case BINLOG_XA_PREPARE:
        rc = decode_xa_prepare(&c);
        break;
    case BINLOG_INCIDENT:
        rc = decode_incident(&c);
        break;
    case BINLOG_ROWS_QUERY:
    case BINLOG_MARIA_ANNOTATE_ROWS:
        rc = decode_text(&c);
        break;
    case BINLOG_HEARTBEAT:
    case BINLOG_HEARTBEAT_V2:
        rc = decode_heartbeat(&c);
        break;
    case BINLOG_GTID:
    case BINLOG_ANONYMOUS_GTID:
        rc = decode_gtid(&c);
        break;
    case BINLOG_GTID_TAGGED:
        rc = decode_gtid_tagged(&c);
        break;
    case BINLOG_PREVIOUS_GTIDS:
        rc = decode_previous_gtids(&c);
        break;
    case BINLOG_MARIA_GTID:
        rc = decode_maria_gtid(&c);
        break;
    case BINLOG_MARIA_GTID_LIST:
        rc = decode_maria_gtid_list(&c);
        break;
    case BINLOG_MARIA_BINLOG_CHECKPOINT:
        rc = decode_checkpoint(&c);
        break;
    case BINLOG_BEGIN_LOAD_QUERY:
    case BINLOG_APPEND_BLOCK:
    case BINLOG_DELETE_FILE:
        rc = decode_load_block(&c);
        break;
    case BINLOG_START_V3:
        rc = decode_start_v3(&c);
        break;
    case BINLOG_MARIA_PARTIAL_ROW_DATA:
        rc = decode_partial_rows(&c);
        break;
    case BINLOG_TABLE_MAP:
        rc = decode_table_map_ev(&c);
        break;
    case BINLOG_TRANSACTION_PAYLOAD:
        if (inner) {
            rc = ev_err(&c, -PROTO_EMALFORMED, "nested transaction payload",
                        0);
        } else {
            rc = decode_payload(&c);
        }
        break;
    default:
        if (binlog_is_rows_event(ev->h.type)) {
            rc = decode_rows(&c);
            break;
        }
        /* STOP, LOAD (old), SLAVE, CREATE_FILE, EXEC_LOAD, NEW_LOAD,
         * IGNORABLE, TRANSACTION_CONTEXT, VIEW_CHANGE: raw body */
        ev->u.raw = ev->body;
        break;
    }
    if (rc != 0) {
        return rc;
    }
    return (ssize_t)size;
}

ssize_t
binlog_event_decode(struct binlog_decoder *d, const uint8_t *p, size_t len,
                    struct binlog_event *ev)
{
    return decode_event(d, p, len, ev, false);
}

/* ---- inner events of a TRANSACTION_PAYLOAD ---- */

/* Inflates until at least want bytes are past ps.out_pos or the frame
 * ends.  Returns 0 or a sticky error. */
static int
payload_fill(struct binlog_decoder *d, size_t want)
{
    struct binlog_payload_state *ps = &d->ps;
    size_t limit = limit_inflate(d);

    while (!ps->eof && d->payload.len - ps->out_pos < want) {
        ZSTD_inBuffer in;
        ZSTD_outBuffer out;
        size_t room, ret, chunk;

        /* Output room: the declared size was reserved; without one, grow
         * (then inner views of this payload may move: declared sizes are
         * always written by MySQL). */
        room = d->payload.cap - d->payload.len;
        if (room == 0) {
            if (ps->declared_size != 0 &&
                d->payload.len >= ps->declared_size) {
                return set_err(d, -PROTO_EMALFORMED, "payload inflates past "
                               "its declared size", BINLOG_TRANSACTION_PAYLOAD,
                               ps->in_pos, ps->declared_size);
            }
            chunk = want > (64u << 10) ? want : (64u << 10);
            if (d->payload.len + chunk > limit) {
                chunk = limit - d->payload.len;
            }
            if (chunk == 0) {
                return set_err(d, -PROTO_ELIMIT, "uncompressed payload over "
                               "the limit", BINLOG_TRANSACTION_PAYLOAD,
                               ps->in_pos, limit);
            }
            if (!pbuf_reserve(&d->payload, chunk)) {
                return set_err(d, -PROTO_ENOMEM, "cannot grow payload buffer",
                               BINLOG_TRANSACTION_PAYLOAD, ps->in_pos, chunk);
            }
            room = d->payload.cap - d->payload.len;
        }
        in.src = ps->in.p;
        in.size = ps->in.len;
        in.pos = ps->in_pos;
        out.dst = d->payload.data + d->payload.len;
        out.size = room;
        out.pos = 0;
        ret = ZSTD_decompressStream(d->zstd, &out, &in);
        if (ZSTD_isError(ret)) {
            return set_err(d, -PROTO_EMALFORMED, "zstd payload does not "
                           "decompress", BINLOG_TRANSACTION_PAYLOAD,
                           ps->in_pos, ZSTD_getErrorCode(ret));
        }
        d->payload.len += out.pos;
        ps->in_pos = in.pos;
        if (ret == 0) {
            ps->eof = true;
        } else if (in.pos == in.size && out.pos < room) {
            return set_err(d, -PROTO_ETRUNCATED, "zstd payload ends inside "
                           "its frame", BINLOG_TRANSACTION_PAYLOAD,
                           ps->in_pos, 0);
        }
    }
    return 0;
}

ssize_t
binlog_payload_next(struct binlog_decoder *d, struct binlog_event *ev)
{
    struct binlog_payload_state *ps = &d->ps;
    const uint8_t *base;
    size_t avail, size;
    ssize_t n;
    int rc;

    if (d->err != 0) {
        return d->err;
    }
    if (!ps->active) {
        return 0;
    }
    if (ps->compression_type == BINLOG_PAYLOAD_NONE) {
        base = ps->in.p;
        avail = ps->in.len - ps->out_pos;
    } else {
        if ((rc = payload_fill(d, BINLOG_HEADER_LEN)) != 0) {
            return rc;
        }
        base = d->payload.data;
        avail = d->payload.len - ps->out_pos;
    }
    if (avail == 0) {
        ps->active = false;
        if (ps->compression_type != BINLOG_PAYLOAD_NONE &&
            ps->declared_size != 0 && d->payload.len != ps->declared_size) {
            return set_err(d, -PROTO_EMALFORMED, "payload size differs from "
                           "the declared uncompressed size",
                           BINLOG_TRANSACTION_PAYLOAD, d->payload.len,
                           ps->declared_size);
        }
        if (ps->compression_type != BINLOG_PAYLOAD_NONE &&
            ps->in_pos != ps->in.len) {
            return set_err(d, -PROTO_EMALFORMED, "bytes after the zstd frame",
                           BINLOG_TRANSACTION_PAYLOAD, ps->in_pos, 0);
        }
        return 0;
    }
    if (avail < BINLOG_HEADER_LEN) {
        d->err_inner = true;
        return set_err(d, -PROTO_ETRUNCATED, "payload ends inside an event "
                       "header", BINLOG_TRANSACTION_PAYLOAD, ps->out_pos,
                       avail);
    }
    size = (size_t)base[ps->out_pos + 9] |
           (size_t)base[ps->out_pos + 10] << 8 |
           (size_t)base[ps->out_pos + 11] << 16 |
           (size_t)base[ps->out_pos + 12] << 24;
    if (size > avail && ps->compression_type != BINLOG_PAYLOAD_NONE) {
        if (size > limit_event(d)) {
            d->err_inner = true;
            return set_err(d, -PROTO_ELIMIT, "event size over the limit",
                           base[ps->out_pos + 4], 9, size);
        }
        if ((rc = payload_fill(d, size)) != 0) {
            return rc;
        }
        base = d->payload.data;
        avail = d->payload.len - ps->out_pos;
    }
    n = decode_event(d, base + ps->out_pos, avail, ev, true);
    if (n == 0) {
        d->err_inner = true;
        return set_err(d, -PROTO_ETRUNCATED, "payload ends inside an event",
                       ev->h.type, ps->out_pos, d->need);
    }
    if (n < 0) {
        d->err_inner = true;
        return n;
    }
    ps->out_pos += (size_t)n;
    return n;
}

bool
binlog_is_rows_event(unsigned type)
{
    switch (type) {
    case BINLOG_PRE_GA_WRITE_ROWS:
    case BINLOG_PRE_GA_UPDATE_ROWS:
    case BINLOG_PRE_GA_DELETE_ROWS:
    case BINLOG_WRITE_ROWS_V1:
    case BINLOG_UPDATE_ROWS_V1:
    case BINLOG_DELETE_ROWS_V1:
    case BINLOG_WRITE_ROWS_V2:
    case BINLOG_UPDATE_ROWS_V2:
    case BINLOG_DELETE_ROWS_V2:
    case BINLOG_PARTIAL_UPDATE_ROWS:
    case BINLOG_MARIA_WRITE_ROWS_COMPRESSED_V1:
    case BINLOG_MARIA_UPDATE_ROWS_COMPRESSED_V1:
    case BINLOG_MARIA_DELETE_ROWS_COMPRESSED_V1:
    case BINLOG_MARIA_WRITE_ROWS_COMPRESSED:
    case BINLOG_MARIA_UPDATE_ROWS_COMPRESSED:
    case BINLOG_MARIA_DELETE_ROWS_COMPRESSED:
        return true;
    default:
        return false;
    }
}
