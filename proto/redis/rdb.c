/*
 * rdb.c - Redis RDB decoder: the file, its opcodes, keys, strings, the
 * hash-table encodings and module values (see rdb.h; compact blobs and
 * quicklists live in rdb_blob.c, streams in rdb_stream.c).
 *
 * The machine (rdb_int.h) parses one unit per step: an opcode with its
 * arguments, a type byte with the key and the value's header, one element,
 * one blob.  A unit is parsed only when all its bytes are in the buffer, so
 * a slicing of the input never changes what comes out.  Bytes are counted
 * into the CRC-64 (and into the DUMP capture) when a step commits them,
 * which happens exactly once per byte, in file order.
 */
#include "proto/redis/rdb.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "proto/redis/crc64.h"
#include "proto/redis/lzf.h"
#include "proto/redis/rdb_int.h"

/* ---- names ---- */

const char *
rdb_kind_name(enum rdb_kind k)
{
    static const char *const names[RDB_KIND_COUNT] = {
        "STRING", "LIST", "SET", "ZSET", "HASH", "STREAM", "MODULE",
    };

    return (unsigned)k < RDB_KIND_COUNT ? names[k] : "?";
}

const char *
rdb_ev_name(enum rdb_ev e)
{
    static const char *const names[RDB_EV_COUNT] = {
        "NONE",
        "HEADER",
        "AUX",
        "DB",
        "RESIZEDB",
        "SLOT_INFO",
        "KEY",
        "STRING",
        "ITEM",
        "STREAM_ENTRY",
        "STREAM_META",
        "STREAM_GROUP",
        "STREAM_PEL",
        "STREAM_CONSUMER",
        "STREAM_CONSUMER_PEL",
        "MODULE",
        "KEY_END",
        "FUNCTION",
        "MODULE_AUX",
        "END",
    };

    return (unsigned)e < RDB_EV_COUNT ? names[e] : "?";
}

const char *
rdb_type_name(unsigned type, bool valkey)
{
#define RDB_TYPE_NAME_(name, num, kind) [num] = #name,
    static const char *const names[RDB_TYPE_COUNT] = {
        RDB_TYPES(RDB_TYPE_NAME_)};
#undef RDB_TYPE_NAME_

    if (valkey && type == RDB_TYPE_VALKEY_HASH_2) {
        return "HASH_2";
    }
    if (type >= RDB_TYPE_COUNT || names[type] == NULL) {
        return "?";
    }
    return names[type];
}

enum rdb_kind
rdb_type_kind(unsigned type)
{
    /* kind + 1: the holes (type 8) stay 0, unknown. */
#define RDB_TYPE_KIND_(name, num, kind) [num] = RDB_KIND_##kind + 1,
    static const uint8_t kinds[RDB_TYPE_COUNT] = {RDB_TYPES(RDB_TYPE_KIND_)};
#undef RDB_TYPE_KIND_

    if (type >= RDB_TYPE_COUNT || kinds[type] == 0) {
        return RDB_KIND_COUNT;
    }
    return (enum rdb_kind)(kinds[type] - 1);
}

/* ---- small helpers ---- */

uint64_t
rdb_le64_(const uint8_t *q)
{
    uint64_t v = 0;
    int i;

    for (i = 7; i >= 0; i--) {
        v = v << 8 | q[i];
    }
    return v;
}

static uint64_t
be64(const uint8_t *q)
{
    uint64_t v = 0;
    int i;

    for (i = 0; i < 8; i++) {
        v = v << 8 | q[i];
    }
    return v;
}

size_t
rdb_fmt_i64_(char *buf, int64_t v)
{
    char tmp[24];
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    size_t n = 0, i = 0;

    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u > 0);
    if (v < 0) {
        buf[i++] = '-';
    }
    while (n > 0) {
        buf[i++] = tmp[--n];
    }
    buf[i] = '\0';
    return i;
}

struct span
rdb_span_of_(const struct pbuf *b)
{
    struct span s;

    s.p = b->len > 0 ? b->data : (const uint8_t *)"";
    s.len = b->len;
    return s;
}

struct span
rdb_num_span_(struct rdb_dec *d, int slot, int64_t v)
{
    struct span s;

    s.len = rdb_fmt_i64_(d->num[slot], v);
    s.p = (const uint8_t *)d->num[slot];
    return s;
}

size_t
rdb_max_string_(const struct rdb_dec *d)
{
    return d->max_string > 0 ? d->max_string : RDB_DEFAULT_MAX_STRING;
}

static bool
is_dump(const struct rdb_dec *d)
{
    return (d->flags & RDB_F_DUMP) != 0;
}

/* The CRC runs over files of version 5 and up, and over DUMP payloads,
 * unless the caller waived the check. */
static bool
sums(const struct rdb_dec *d)
{
    return (is_dump(d) || d->version >= 5) && !(d->flags & RDB_F_NO_CHECKSUM);
}

/* ---- cursor ---- */

int
rdb_fail_at_(struct rdb_dec *d, uint64_t off, int code, const char *what)
{
    d->err = code;
    d->err_off = off;
    d->err_what = what;
    return -code;
}

int
rdb_fail_(struct rdb_dec *d, const struct rdb_cur_ *c, size_t at, int code,
          const char *what)
{
    return rdb_fail_at_(d, d->off + (at - c->done), code, what);
}

int
rdb_need_(struct rdb_cur_ *c, size_t upto)
{
    c->need = upto;
    return RDB_STEP_NEED;
}

static void
commit_bytes(struct rdb_dec *d, const uint8_t *q, size_t n)
{
    if (n == 0) {
        return;
    }
    if (sums(d)) {
        d->crc = crc64_update(d->crc, q, n);
    }
    if (d->capturing && !d->dump_over) {
        if (n > d->dump_limit - d->dumpbuf.len) {
            d->dump_over = true;
        } else {
            pbuf_put(&d->dumpbuf, q, n);
            if (d->dumpbuf.failed) {
                d->dump_over = true;
            }
        }
    }
    d->off += n;
}

void
rdb_commit_(struct rdb_dec *d, struct rdb_cur_ *c)
{
    commit_bytes(d, c->p + c->done, c->pos - c->done);
    c->done = c->pos;
}

int
rdb_take_(struct rdb_cur_ *c, size_t n, const uint8_t **q)
{
    if (n > c->len - c->pos) {
        return rdb_need_(c, c->pos + n);
    }
    *q = c->p + c->pos;
    c->pos += n;
    return 0;
}

int
rdb_len_(struct rdb_dec *d, struct rdb_cur_ *c, uint64_t *v, bool *enc)
{
    const uint8_t *q = NULL;
    size_t at = c->pos;

    TRY(rdb_take_(c, 1, &q));
    *enc = false;
    switch (q[0] >> 6) {
    case 0:
        *v = q[0] & 0x3f;
        return 0;
    case 1: {
        uint8_t hi = q[0] & 0x3f;

        TRY(rdb_take_(c, 1, &q));
        *v = (uint64_t)hi << 8 | q[0];
        return 0;
    }
    case 3:
        *enc = true;
        *v = q[0] & 0x3f;
        return 0;
    default:
        if (q[0] == 0x80) {
            TRY(rdb_take_(c, 4, &q));
            *v = (uint64_t)q[0] << 24 | (uint64_t)q[1] << 16 |
                 (uint64_t)q[2] << 8 | q[3];
            return 0;
        }
        if (q[0] == 0x81) {
            TRY(rdb_take_(c, 8, &q));
            *v = be64(q);
            return 0;
        }
        return rdb_fail_(d, c, at, PROTO_EMALFORMED, "unknown length encoding");
    }
}

int
rdb_plain_len_(struct rdb_dec *d, struct rdb_cur_ *c, uint64_t *v)
{
    size_t at = c->pos;
    bool enc;

    TRY(rdb_len_(d, c, v, &enc));
    if (enc) {
        return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                         "string encoding where a length belongs");
    }
    return 0;
}

/* Where an int or LZF string of <slot> goes. */
static struct pbuf *
slot_buf(struct rdb_dec *d, int slot)
{
    return slot == RDB_SLOT_BLOB ? &d->blob : &d->scratch[slot];
}

int
rdb_str_(struct rdb_dec *d, struct rdb_cur_ *c, int slot, struct span *out,
         bool *inplace)
{
    const uint8_t *q = NULL;
    size_t at = c->pos;
    uint64_t len, clen;
    bool enc;
    int64_t v;

    if (inplace != NULL) {
        *inplace = false;
    }
    TRY(rdb_len_(d, c, &len, &enc));
    if (!enc) {
        if (len > rdb_max_string_(d)) {
            return rdb_fail_(d, c, at, PROTO_ELIMIT,
                             "string longer than max_string");
        }
        TRY(rdb_take_(c, (size_t)len, &q));
        out->p = q;
        out->len = (size_t)len;
        if (inplace != NULL) {
            *inplace = true;
        }
        return 0;
    }
    switch (len) {
    case 0:
        TRY(rdb_take_(c, 1, &q));
        v = (int8_t)q[0];
        break;
    case 1:
        TRY(rdb_take_(c, 2, &q));
        v = (int16_t)(uint16_t)(q[0] | q[1] << 8);
        break;
    case 2:
        TRY(rdb_take_(c, 4, &q));
        v = (int32_t)((uint32_t)q[0] | (uint32_t)q[1] << 8 |
                      (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24);
        break;
    case 3: {
        struct pbuf *b = slot_buf(d, slot);
        ssize_t got;

        TRY(rdb_plain_len_(d, c, &clen));
        TRY(rdb_plain_len_(d, c, &len));
        if (clen > rdb_max_string_(d) || len > rdb_max_string_(d)) {
            return rdb_fail_(d, c, at, PROTO_ELIMIT,
                             "LZF string longer than max_string");
        }
        /* A run of 3 input bytes yields at most 264 output bytes: a
         * larger stated length is a lie, not worth an allocation. */
        if (len > clen * 88 + 32) {
            return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                             "LZF string states more than it can expand to");
        }
        TRY(rdb_take_(c, (size_t)clen, &q));
        pbuf_reset(b);
        if (!pbuf_reserve(b, (size_t)len + 1)) {
            return rdb_fail_(d, c, at, PROTO_ENOMEM,
                             "out of memory for an LZF string");
        }
        got = lzf_decode(q, (size_t)clen, b->data, (size_t)len);
        if (got < 0 || (uint64_t)got != len) {
            return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                             "LZF string does not decompress to its length");
        }
        b->len = (size_t)len;
        *out = rdb_span_of_(b);
        return 0;
    }
    default:
        return rdb_fail_(d, c, at, PROTO_EMALFORMED, "unknown string encoding");
    }
    if (slot == RDB_SLOT_BLOB) {
        char tmp[24];
        size_t n = rdb_fmt_i64_(tmp, v);

        pbuf_reset(&d->blob);
        pbuf_put(&d->blob, tmp, n);
        if (d->blob.failed) {
            return rdb_fail_(d, c, at, PROTO_ENOMEM, "out of memory");
        }
        *out = rdb_span_of_(&d->blob);
        return 0;
    }
    *out = rdb_num_span_(d, slot, v);
    return 0;
}

/* Skips a string without decoding it (module values). */
static int
skip_str(struct rdb_dec *d, struct rdb_cur_ *c)
{
    static const size_t int_bytes[3] = {1, 2, 4};
    const uint8_t *q = NULL;
    size_t at = c->pos;
    uint64_t len, clen;
    bool enc;

    TRY(rdb_len_(d, c, &len, &enc));
    if (enc && len < 3) {
        return rdb_take_(c, int_bytes[len], &q);
    }
    if (enc && len == 3) {
        TRY(rdb_plain_len_(d, c, &clen));
        TRY(rdb_plain_len_(d, c, &len));
        len = clen;
    } else if (enc) {
        return rdb_fail_(d, c, at, PROTO_EMALFORMED, "unknown string encoding");
    }
    if (len > rdb_max_string_(d)) {
        return rdb_fail_(d, c, at, PROTO_ELIMIT,
                         "string longer than max_string");
    }
    return rdb_take_(c, (size_t)len, &q);
}

/* ---- the DUMP payload ---- */

void
rdb_dump_build(struct pbuf *out, unsigned type, const uint8_t *value, size_t n,
               unsigned rdbver)
{
    size_t start = out->len;
    uint8_t t = (uint8_t)type;

    pbuf_put(out, &t, 1);
    pbuf_put(out, value, n);
    pbuf_put_uint(out, rdbver, 2);
    if (!out->failed) {
        pbuf_put_uint(out, crc64_update(0, out->data + start, out->len - start),
                      8);
    }
}

int
rdb_dump_check(const uint8_t *p, size_t len, unsigned *rdbver)
{
    uint64_t stored;

    if (p == NULL || len < 1 + RDB_DUMP_TRAILER_LEN) {
        return -PROTO_ETRUNCATED;
    }
    /* Unlike a file's, a payload's CRC is always computed (Redis
     * cluster.c verifyDumpPayload): 0 is no exception. */
    stored = rdb_le64_(p + len - 8);
    if (crc64_update(0, p, len - 8) != stored) {
        return -PROTO_ECHECKSUM;
    }
    if (rdbver != NULL) {
        *rdbver = (unsigned)(p[len - 10] | p[len - 9] << 8);
    }
    return 0;
}

int
rdb_dec_init_dump(struct rdb_dec *d, const uint8_t *p, size_t len)
{
    unsigned ver;
    int rc = rdb_dump_check(p, len, &ver);

    if (rc < 0) {
        return rc;
    }
    d->flags |= RDB_F_DUMP;
    d->version = ver;
    d->valkey = ver >= RDB_VALKEY_MIN_VERSION;
    return 0;
}

/* Starts capturing a value: its type byte now, its bytes as committed. */
static void
dump_begin(struct rdb_dec *d, uint8_t type)
{
    enum rdb_kind k = rdb_type_kind(type);

    d->dump_over = false;
    d->capturing = d->dump_limit > 0 &&
                   (d->dump_kinds == 0 ||
                    (k < RDB_KIND_COUNT && (d->dump_kinds & (1u << k)) != 0));
    pbuf_reset(&d->dumpbuf);
    if (d->capturing) {
        pbuf_put(&d->dumpbuf, &type, 1);
    }
}

/* ---- keys ---- */

/* Module type names are 9 characters of this set, 6 bits each, above the
 * 10-bit encoding version (module.c moduleTypeNameByID). */
static struct span
module_name(struct rdb_dec *d, int slot, uint64_t id)
{
    static const char cset[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    struct span s;
    int i;

    id >>= 10;
    for (i = 8; i >= 0; i--) {
        d->num[slot][i] = cset[id & 63];
        id >>= 6;
    }
    d->num[slot][9] = '\0';
    s.p = (const uint8_t *)d->num[slot];
    s.len = 9;
    return s;
}

static int
unsupported(struct rdb_dec *d, const struct rdb_cur_ *c, size_t at,
            const char *what, unsigned n)
{
    snprintf(d->err_buf, sizeof(d->err_buf), what, n);
    return rdb_fail_(d, c, at, PROTO_EUNSUPPORTED, d->err_buf);
}

/* A key: type byte, key, and the value's header; hands out KEY. */
static int
step_key(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev,
         unsigned type)
{
    struct span key = {(const uint8_t *)"", 0};
    const uint8_t *q = NULL;
    size_t at = c->pos, key_end;
    uint64_t len = 0, min_expire = 0, module_id = 0;
    int64_t count = -1;
    int role = rdb_blob_role_(type);

    if (type == RDB_TYPE_MODULE_PRE_GA) {
        return rdb_fail_(d, c, at, PROTO_EUNSUPPORTED,
                         "module value of a Redis 4.0 release candidate "
                         "(RDB type 6) has no self-describing layout");
    }
    c->pos++;
    if (!is_dump(d)) {
        TRY(rdb_str_(d, c, 0, &key, NULL));
    }
    key_end = c->pos;
    switch (type) {
    case RDB_TYPE_LIST:
    case RDB_TYPE_SET:
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
    case RDB_TYPE_HASH:
        TRY(rdb_plain_len_(d, c, &len));
        count = (int64_t)(len > INT64_MAX ? INT64_MAX : len);
        break;
    case RDB_TYPE_HASH_METADATA:
        TRY(rdb_take_(c, 8, &q));
        min_expire = rdb_le64_(q);
        TRY(rdb_plain_len_(d, c, &len));
        count = (int64_t)(len > INT64_MAX ? INT64_MAX : len);
        break;
    case RDB_TYPE_HASH_METADATA_PRE_GA:
        TRY(rdb_plain_len_(d, c, &len));
        count = (int64_t)(len > INT64_MAX ? INT64_MAX : len);
        break;
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3:
        TRY(rdb_plain_len_(d, c, &len));
        break;
    case RDB_TYPE_MODULE_2:
        TRY(rdb_plain_len_(d, c, &module_id));
        break;
    case RDB_TYPE_HASH_LISTPACK_EX:
        /* The smallest field expire, kept for Redis' own use. */
        TRY(rdb_take_(c, 8, &q));
        break;
    default:
        break;
    }
    if (role >= 0) {
        TRY(rdb_peek_count_(d, c, role, &count));
    }
    if (key.len > rdb_max_string_(d)) {
        return rdb_fail_(d, c, at, PROTO_ELIMIT, "key longer than max_string");
    }
    pbuf_reset(&d->key);
    pbuf_put(&d->key, key.p, key.len);
    if (d->key.failed) {
        return rdb_fail_(d, c, at, PROTO_ENOMEM, "out of memory for a key");
    }

    /* CRC over type and key; the DUMP capture takes the type byte and
     * the value from its header on, not the key. */
    d->capturing = false;
    {
        size_t pos = c->pos;

        c->pos = key_end;
        rdb_commit_(d, c);
        dump_begin(d, (uint8_t)type);
        c->pos = pos;
        rdb_commit_(d, c);
    }

    d->type = type;
    d->in_key = true;
    d->items = 0;
    d->left = len;
    d->min_expire = min_expire;
    d->module_id = module_id;
    d->field_held = false;
    d->have_first = false;
    ev->kind = RDB_EV_KEY;
    ev->count = count;
    ev->expire_ms = d->expire_ms;
    ev->idle = d->idle;
    ev->freq = d->freq;
    d->expire_ms = -1;
    d->idle = -1;
    d->freq = -1;

    switch (type) {
    case RDB_TYPE_STRING:
        d->st = RDB_ST_STRING;
        break;
    case RDB_TYPE_LIST:
    case RDB_TYPE_SET:
        d->st = RDB_ST_ELEMS;
        break;
    case RDB_TYPE_ZSET:
    case RDB_TYPE_ZSET_2:
        d->st = RDB_ST_ZSET;
        break;
    case RDB_TYPE_HASH:
        d->st = RDB_ST_HASH;
        d->hash_mode = RDB_HASH_PLAIN;
        break;
    case RDB_TYPE_HASH_METADATA:
        d->st = RDB_ST_HASH;
        d->hash_mode = RDB_HASH_META;
        break;
    case RDB_TYPE_HASH_METADATA_PRE_GA:
        d->st = RDB_ST_HASH;
        d->hash_mode = d->valkey ? RDB_HASH_VALKEY2 : RDB_HASH_META_ABS;
        break;
    case RDB_TYPE_LIST_QUICKLIST:
    case RDB_TYPE_LIST_QUICKLIST_2:
        d->st = RDB_ST_QUICKLIST;
        break;
    case RDB_TYPE_STREAM_LISTPACKS:
    case RDB_TYPE_STREAM_LISTPACKS_2:
    case RDB_TYPE_STREAM_LISTPACKS_3:
        d->st = RDB_ST_STREAM_NODE;
        break;
    case RDB_TYPE_MODULE_2:
        d->st = RDB_ST_MODULE_EV;
        break;
    default:
        d->st = RDB_ST_BLOB;
        d->blob_role = (uint8_t)role;
        break;
    }
    return RDB_STEP_EVENT;
}

/* ---- value states ---- */

static int
step_zset(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    const uint8_t *q = NULL;
    size_t at = c->pos;

    if (d->left == 0) {
        d->st = RDB_ST_KEY_END;
        return RDB_STEP_MORE;
    }
    TRY(rdb_str_(d, c, 0, &ev->a, NULL));
    if (d->type == RDB_TYPE_ZSET_2) {
        uint64_t bits;

        TRY(rdb_take_(c, 8, &q));
        bits = rdb_le64_(q);
        memcpy(&ev->score, &bits, sizeof(bits));
        ev->score_text.p = NULL;
    } else {
        /* rdbLoadDoubleValue: a length byte, 253 NaN, 254 +inf,
         * 255 -inf, else that many bytes of text. */
        TRY(rdb_take_(c, 1, &q));
        if (q[0] == 254 || q[0] == 255) {
            ev->score = q[0] == 254 ? INFINITY : -INFINITY;
            ev->score_text.p = (const uint8_t *)(q[0] == 254 ? "inf" : "-inf");
            ev->score_text.len = q[0] == 254 ? 3 : 4;
        } else if (q[0] == 253) {
            ev->score = NAN;
        } else {
            size_t n = q[0];

            TRY(rdb_take_(c, n, &q));
            if (rdb_parse_score_(q, n, &ev->score) < 0) {
                return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                                 "sorted set score is not a number");
            }
            ev->score_text.p = q;
            ev->score_text.len = n;
        }
    }
    if (isnan(ev->score)) {
        return rdb_fail_(d, c, at, PROTO_EMALFORMED, "sorted set score is NaN");
    }
    rdb_commit_(d, c);
    d->left--;
    d->items++;
    ev->kind = RDB_EV_ITEM;
    return RDB_STEP_EVENT;
}

/* The value of a hash element (and the Valkey TTL after it). */
static int
hash_value(struct rdb_dec *d, struct rdb_cur_ *c, struct span *v, int64_t *ttl)
{
    const uint8_t *q = NULL;

    TRY(rdb_str_(d, c, 1, v, NULL));
    if (d->hash_mode == RDB_HASH_VALKEY2) {
        int64_t t;

        TRY(rdb_take_(c, 8, &q));
        t = (int64_t)rdb_le64_(q);
        *ttl = t < 0 ? -1 : t;
    }
    return 0;
}

static int
step_hash(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    struct span field, value;
    size_t at = c->pos, field_end;
    uint64_t ttl = 0;
    int64_t expire = -1;
    int rc;

    if (d->left == 0) {
        d->st = RDB_ST_KEY_END;
        return RDB_STEP_MORE;
    }
    if (d->hash_mode == RDB_HASH_META || d->hash_mode == RDB_HASH_META_ABS) {
        TRY(rdb_plain_len_(d, c, &ttl));
        if (ttl != 0) {
            /* HASH_METADATA stores ttl - min_expire + 1 (0: no TTL). */
            uint64_t abs =
                d->hash_mode == RDB_HASH_META ? ttl + d->min_expire - 1 : ttl;

            if (abs > RDB_HFE_MAX || abs < ttl - 1) {
                return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                                 "hash field expire time out of range");
            }
            expire = (int64_t)abs;
        }
    }
    TRY(rdb_str_(d, c, 0, &field, NULL));
    field_end = c->pos;
    rc = hash_value(d, c, &value, &expire);
    if (rc == RDB_STEP_NEED) {
        size_t need = c->need;

        /* Keep the field and drop it from the buffer: only the value
         * needs to be whole at once. */
        if (field.len > rdb_max_string_(d)) {
            return rdb_fail_(d, c, at, PROTO_ELIMIT,
                             "hash field longer than max_string");
        }
        pbuf_reset(&d->field);
        pbuf_put(&d->field, field.p, field.len);
        if (d->field.failed) {
            return rdb_fail_(d, c, at, PROTO_ENOMEM,
                             "out of memory for a hash field");
        }
        d->field_ttl = expire;
        d->field_off = d->off + (at - c->done);
        d->field_held = true;
        c->pos = field_end;
        rdb_commit_(d, c);
        d->st = RDB_ST_HASH_VALUE;
        return rdb_need_(c, need);
    }
    if (rc != 0) {
        return rc;
    }
    rdb_commit_(d, c);
    ev->kind = RDB_EV_ITEM;
    ev->a = field;
    ev->b = value;
    ev->expire_ms = expire;
    d->left--;
    d->items++;
    return RDB_STEP_EVENT;
}

static int
step_hash_value(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    struct span value;
    int64_t expire = d->field_ttl;

    TRY(hash_value(d, c, &value, &expire));
    rdb_commit_(d, c);
    ev->kind = RDB_EV_ITEM;
    ev->off = d->field_off;
    ev->a = rdb_span_of_(&d->field);
    ev->b = value;
    ev->expire_ms = expire;
    d->field_held = false;
    d->left--;
    d->items++;
    d->st = RDB_ST_HASH;
    return RDB_STEP_EVENT;
}

/* One opcode of a module value or module aux payload (module.c
 * rdbLoadCheckModuleValue); at its EOF the machine goes to <next>. */
static int
step_module_op(struct rdb_dec *d, struct rdb_cur_ *c, int next)
{
    const uint8_t *q = NULL;
    size_t at = c->pos;
    uint64_t op, v;

    TRY(rdb_plain_len_(d, c, &op));
    switch (op) {
    case 0: /* EOF */
        rdb_commit_(d, c);
        d->st = (uint8_t)next;
        return RDB_STEP_MORE;
    case 1: /* SINT */
    case 2: /* UINT */
        TRY(rdb_plain_len_(d, c, &v));
        break;
    case 3: /* FLOAT */
        TRY(rdb_take_(c, 4, &q));
        break;
    case 4: /* DOUBLE */
        TRY(rdb_take_(c, 8, &q));
        break;
    case 5: /* STRING */
        TRY(skip_str(d, c));
        break;
    default:
        return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                         "unknown opcode in a module value");
    }
    rdb_commit_(d, c);
    return RDB_STEP_MORE;
}

static int
step_key_end(struct rdb_dec *d, struct rdb_event *ev)
{
    ev->kind = RDB_EV_KEY_END;
    ev->count = (int64_t)d->items;
    if (d->capturing && !d->dump_over) {
        size_t n = d->dumpbuf.len;

        pbuf_put_uint(&d->dumpbuf, d->version, 2);
        pbuf_put_uint(&d->dumpbuf, crc64_update(0, d->dumpbuf.data, n + 2), 8);
        if (!d->dumpbuf.failed) {
            ev->dump = rdb_span_of_(&d->dumpbuf);
        }
    }
    d->capturing = false;
    d->st = is_dump(d) ? RDB_ST_DUMP_TRAILER : RDB_ST_TOP;
    return RDB_STEP_EVENT;
}

/* ---- file level ---- */

static int
step_header(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    const uint8_t *q = NULL;
    unsigned v = 0;
    int i, digits;

    TRY(rdb_take_(c, 9, &q));
    if (memcmp(q, "REDIS", 5) == 0) {
        digits = 4;
    } else if (memcmp(q, "VALKEY", 6) == 0) {
        digits = 3;
        d->valkey = true;
    } else {
        return rdb_fail_(d, c, c->done, PROTO_EMALFORMED,
                         "not an RDB file: no REDIS or VALKEY magic");
    }
    for (i = 9 - digits; i < 9; i++) {
        if (q[i] < '0' || q[i] > '9') {
            return rdb_fail_(d, c, c->done, PROTO_EMALFORMED,
                             "RDB version is not a number");
        }
        v = v * 10 + (unsigned)(q[i] - '0');
    }
    if (d->valkey ? v < RDB_VALKEY_MIN_VERSION
                  : v < 1 || (v > RDB_MAX_VERSION &&
                              !(d->flags & RDB_F_ANY_VERSION))) {
        return unsupported(d, c, c->done,
                           "RDB version %u is not supported (this decoder "
                           "reads versions 1 to 12 and Valkey 80 and up)",
                           v);
    }
    d->version = v;
    d->started = true;
    rdb_commit_(d, c);
    ev->kind = RDB_EV_HEADER;
    ev->version = v;
    ev->valkey = d->valkey;
    d->st = RDB_ST_TOP;
    return RDB_STEP_EVENT;
}

static int
step_eof(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    const uint8_t *q = NULL;
    uint64_t stored = 0, sum;
    size_t at = c->pos;

    TRY(rdb_take_(c, 1, &q));
    if (d->version >= 5) {
        TRY(rdb_take_(c, 8, &q));
        stored = rdb_le64_(q);
    }
    c->pos = at + 1;
    rdb_commit_(d, c);
    sum = d->crc;
    if (stored != 0 && !(d->flags & RDB_F_NO_CHECKSUM) && stored != sum) {
        return rdb_fail_(d, c, at + 1, PROTO_ECHECKSUM,
                         "RDB checksum mismatch: the file is corrupt or "
                         "truncated");
    }
    c->pos = at + (d->version >= 5 ? 9 : 1);
    rdb_commit_(d, c);
    ev->kind = RDB_EV_END;
    ev->checksum = stored;
    d->done = true;
    d->st = RDB_ST_DONE;
    return RDB_STEP_EVENT;
}

static int
step_dump_trailer(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    const uint8_t *q = NULL;
    size_t at = c->pos;
    uint64_t stored, sum;

    TRY(rdb_take_(c, RDB_DUMP_TRAILER_LEN, &q));
    sum = crc64_update(d->crc, q, 2);
    stored = rdb_le64_(q + 2);
    if (!(d->flags & RDB_F_NO_CHECKSUM) && stored != sum) {
        return rdb_fail_(d, c, at + 2, PROTO_ECHECKSUM,
                         "DUMP payload checksum mismatch");
    }
    rdb_commit_(d, c);
    ev->kind = RDB_EV_END;
    ev->checksum = stored;
    d->done = true;
    d->st = RDB_ST_DONE;
    return RDB_STEP_EVENT;
}

/* FUNCTION (7.0-rc1/rc2): name, engine, has-description, [description],
 * code.  fields[0] is the engine, fields[1] the description. */
static int
step_function_pre_ga(struct rdb_dec *d, struct rdb_cur_ *c,
                     struct rdb_event *ev)
{
    struct span *f;
    uint64_t has_desc;

    pbuf_reset(&d->spans);
    if (!pbuf_reserve(&d->spans, 2 * sizeof(struct span))) {
        return rdb_fail_(d, c, c->pos, PROTO_ENOMEM, "out of memory");
    }
    f = (struct span *)(void *)d->spans.data;
    f[1].p = NULL;
    f[1].len = 0;
    TRY(rdb_str_(d, c, 1, &ev->b, NULL));
    TRY(rdb_str_(d, c, 2, &f[0], NULL));
    TRY(rdb_plain_len_(d, c, &has_desc));
    if (has_desc != 0) {
        TRY(rdb_str_(d, c, 3, &f[1], NULL));
    }
    TRY(rdb_str_(d, c, 0, &ev->a, NULL));
    ev->fields = f;
    ev->nfields = 1;
    return 0;
}

static int
step_top(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    const uint8_t *q = NULL;
    size_t at = c->pos;
    uint64_t a, b, n, i;
    struct span s;

    TRY(rdb_take_(c, 1, &q));
    c->pos = at;
    if (q[0] < RDB_OP_SLOT_IMPORT) {
        if (rdb_type_kind(q[0]) == RDB_KIND_COUNT ||
            (d->valkey && q[0] > RDB_TYPE_VALKEY_HASH_2)) {
            return unsupported(d, c, at,
                               "RDB type %u is not supported (written by a "
                               "newer server)",
                               q[0]);
        }
        return step_key(d, c, ev, q[0]);
    }
    if (is_dump(d)) {
        return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                         "DUMP payload starts with an opcode, not a type");
    }
    c->pos++;
    switch (q[0]) {
    case RDB_OP_EOF:
        c->pos = at;
        return step_eof(d, c, ev);
    case RDB_OP_SELECTDB:
        TRY(rdb_plain_len_(d, c, &a));
        d->db = a;
        ev->kind = RDB_EV_DB;
        ev->db = a;
        break;
    case RDB_OP_RESIZEDB:
        TRY(rdb_plain_len_(d, c, &a));
        TRY(rdb_plain_len_(d, c, &b));
        ev->kind = RDB_EV_RESIZEDB;
        ev->db_size = a;
        ev->expires_size = b;
        break;
    case RDB_OP_SLOT_INFO:
        TRY(rdb_plain_len_(d, c, &n));
        TRY(rdb_plain_len_(d, c, &a));
        TRY(rdb_plain_len_(d, c, &b));
        ev->kind = RDB_EV_SLOT_INFO;
        ev->slot = n;
        ev->db_size = a;
        ev->expires_size = b;
        break;
    case RDB_OP_EXPIRETIME_MS:
        TRY(rdb_take_(c, 8, &q));
        d->expire_ms = (int64_t)rdb_le64_(q);
        rdb_commit_(d, c);
        return RDB_STEP_MORE;
    case RDB_OP_EXPIRETIME:
        TRY(rdb_take_(c, 4, &q));
        d->expire_ms =
            (int64_t)(int32_t)((uint32_t)q[0] | (uint32_t)q[1] << 8 |
                               (uint32_t)q[2] << 16 | (uint32_t)q[3] << 24) *
            1000;
        rdb_commit_(d, c);
        return RDB_STEP_MORE;
    case RDB_OP_FREQ:
        TRY(rdb_take_(c, 1, &q));
        d->freq = q[0];
        rdb_commit_(d, c);
        return RDB_STEP_MORE;
    case RDB_OP_IDLE:
        TRY(rdb_plain_len_(d, c, &a));
        d->idle = (int64_t)(a > INT64_MAX ? INT64_MAX : a);
        rdb_commit_(d, c);
        return RDB_STEP_MORE;
    case RDB_OP_AUX:
        TRY(rdb_str_(d, c, 0, &ev->a, NULL));
        TRY(rdb_str_(d, c, 1, &ev->b, NULL));
        ev->kind = RDB_EV_AUX;
        break;
    case RDB_OP_MODULE_AUX:
        /* Module id, then opcodes to EOF (Redis 6 starts them with a
         * UINT "when"; 5.0 did not): walked in RDB_ST_AUX_OPS. */
        TRY(rdb_plain_len_(d, c, &a));
        ev->kind = RDB_EV_MODULE_AUX;
        ev->a = module_name(d, 0, a);
        ev->module_id = a;
        ev->module_ver = (unsigned)(a & 1023);
        rdb_commit_(d, c);
        d->st = RDB_ST_AUX_OPS;
        return RDB_STEP_EVENT;
    case RDB_OP_FUNCTION2:
        TRY(rdb_str_(d, c, 0, &ev->a, NULL));
        ev->kind = RDB_EV_FUNCTION;
        ev->type = RDB_OP_FUNCTION2;
        break;
    case RDB_OP_FUNCTION_PRE_GA:
        TRY(step_function_pre_ga(d, c, ev));
        ev->kind = RDB_EV_FUNCTION;
        ev->type = RDB_OP_FUNCTION_PRE_GA;
        break;
    case RDB_OP_SLOT_IMPORT:
        if (!d->valkey) {
            return unsupported(d, c, at,
                               "RDB opcode %u is not supported (written by "
                               "a newer server)",
                               RDB_OP_SLOT_IMPORT);
        }
        /* Valkey: job name, then slot ranges; state of a migration in
         * progress, nothing of the keyspace. */
        TRY(rdb_str_(d, c, 0, &s, NULL));
        TRY(rdb_plain_len_(d, c, &n));
        if (n > 16384) {
            return rdb_fail_(d, c, at, PROTO_EMALFORMED,
                             "slot import lists more than 16384 ranges");
        }
        for (i = 0; i < 2 * n; i++) {
            TRY(rdb_plain_len_(d, c, &a));
        }
        rdb_commit_(d, c);
        return RDB_STEP_MORE;
    default:
        return unsupported(d, c, at,
                           "RDB opcode %u is not supported (written by a "
                           "newer server)",
                           q[0]);
    }
    rdb_commit_(d, c);
    return RDB_STEP_EVENT;
}

static int
step(struct rdb_dec *d, struct rdb_cur_ *c, struct rdb_event *ev)
{
    switch (d->st) {
    case RDB_ST_HEADER:
        if (is_dump(d)) {
            d->started = true;
            d->st = RDB_ST_TOP;
            return RDB_STEP_MORE;
        }
        return step_header(d, c, ev);
    case RDB_ST_TOP:
        return step_top(d, c, ev);
    case RDB_ST_KEY_END:
        return step_key_end(d, ev);
    case RDB_ST_DUMP_TRAILER:
        return step_dump_trailer(d, c, ev);
    case RDB_ST_STRING:
        TRY(rdb_str_(d, c, 0, &ev->a, NULL));
        rdb_commit_(d, c);
        ev->kind = RDB_EV_STRING;
        d->items = 1;
        d->st = RDB_ST_KEY_END;
        return RDB_STEP_EVENT;
    case RDB_ST_ELEMS:
        if (d->left == 0) {
            d->st = RDB_ST_KEY_END;
            return RDB_STEP_MORE;
        }
        TRY(rdb_str_(d, c, 0, &ev->a, NULL));
        rdb_commit_(d, c);
        ev->kind = RDB_EV_ITEM;
        d->left--;
        d->items++;
        return RDB_STEP_EVENT;
    case RDB_ST_ZSET:
        return step_zset(d, c, ev);
    case RDB_ST_HASH:
        return step_hash(d, c, ev);
    case RDB_ST_HASH_VALUE:
        return step_hash_value(d, c, ev);
    case RDB_ST_BLOB:
        return rdb_enter_blob_(d, c, d->blob_role, RDB_ST_KEY_END);
    case RDB_ST_BLOB_ITER:
        return rdb_blob_iter_step_(d, c, ev);
    case RDB_ST_QUICKLIST:
        return rdb_quicklist_step_(d, c, ev);
    case RDB_ST_MODULE_EV:
        ev->kind = RDB_EV_MODULE;
        ev->a = module_name(d, 0, d->module_id);
        ev->module_id = d->module_id;
        ev->module_ver = (unsigned)(d->module_id & 1023);
        d->items = 1;
        d->st = RDB_ST_MODULE_OPS;
        return RDB_STEP_EVENT;
    case RDB_ST_MODULE_OPS:
        return step_module_op(d, c, RDB_ST_KEY_END);
    case RDB_ST_AUX_OPS:
        return step_module_op(d, c, RDB_ST_TOP);
    case RDB_ST_STREAM_NODE:
    case RDB_ST_STREAM_META:
    case RDB_ST_STREAM_GROUP:
    case RDB_ST_STREAM_GPEL:
    case RDB_ST_STREAM_NCONS:
    case RDB_ST_STREAM_CONSUMER:
    case RDB_ST_STREAM_CPEL:
        return rdb_stream_step_(d, c, ev);
    default:
        return rdb_fail_at_(d, d->off, PROTO_EMALFORMED,
                            "decoder state is corrupt");
    }
}

static void
ev_reset(struct rdb_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    ev->expire_ms = -1;
    ev->idle = -1;
    ev->freq = -1;
    ev->count = -1;
    ev->entries_read = -1;
    ev->delivery_ms = -1;
    ev->seen_ms = -1;
    ev->active_ms = -1;
}

int
rdb_next(struct rdb_dec *d, const uint8_t *p, size_t len, size_t *consumed,
         struct rdb_event *ev)
{
    struct rdb_cur_ c;
    int rc;

    *consumed = 0;
    d->need = 0;
    if (d->err != 0) {
        return -d->err;
    }
    if (d->st == RDB_ST_DONE) {
        return 0;
    }
    if (!d->started && d->st == RDB_ST_HEADER) {
        /* First call: pending key attributes are "none". */
        d->expire_ms = -1;
        d->idle = -1;
        d->freq = -1;
    }
    c.p = p;
    c.len = p != NULL ? len : 0;
    c.done = 0;
    for (;;) {
        uint64_t off = d->off;

        c.pos = c.done;
        c.need = 0;
        ev_reset(ev);
        ev->db = d->db;
        ev->off = off;
        rc = step(d, &c, ev);
        if (rc == RDB_STEP_MORE) {
            continue;
        }
        *consumed = c.done;
        if (rc < 0) {
            if (d->err == 0) {
                /* A reader failed without recording where. */
                rdb_fail_at_(d, d->off, -rc, "malformed element");
            }
            return -d->err;
        }
        if (rc == RDB_STEP_NEED) {
            d->need = c.need > c.done ? c.need - c.done : 1;
            ev_reset(ev);
            return 0;
        }
        if (d->in_key) {
            ev->key = rdb_span_of_(&d->key);
            ev->kind_of_key = rdb_type_kind(d->type);
            ev->type = d->type;
            if (ev->kind == RDB_EV_KEY_END) {
                d->in_key = false;
            }
        }
        return 1;
    }
}

void
rdb_dec_free(struct rdb_dec *d)
{
    int i;

    if (d == NULL) {
        return;
    }
    pbuf_free(&d->key);
    pbuf_free(&d->field);
    pbuf_free(&d->blob);
    for (i = 0; i < 4; i++) {
        pbuf_free(&d->scratch[i]);
    }
    pbuf_free(&d->txt);
    pbuf_free(&d->spans);
    pbuf_free(&d->moffs);
    pbuf_free(&d->dumpbuf);
}
