/*
 * jsonb.c - MySQL binary JSON to text, and JSON diff application (see
 * jsonb.h for the formats).
 *
 * The printer walks the binary value directly, recursing once per nesting
 * level (at most JSONB_MAX_DEPTH), and writes into the caller's pbuf.
 *
 * Diff application keeps a partially expanded tree in struct jsonb_tree:
 * a node is either a view of a binary value (not decoded) or an object or
 * array whose children are nodes.  Only the containers a diff path walks
 * through are expanded, so a small change to a big document costs little;
 * the rest is printed straight from the binary bytes.  Nodes live in one
 * array and refer to each other by index, so growing the array never
 * leaves a dangling pointer; member names decoded from quoted path legs go
 * to a byte buffer sized once per call, so pointers into it stay valid.
 */
#include "proto/mysql/jsonb.h"

#include <stdlib.h>
#include <string.h>

#include "proto/json.h"

/* Binary JSON type bytes (json_binary.cc). */
#define JB_SMALL_OBJECT 0x0
#define JB_LARGE_OBJECT 0x1
#define JB_SMALL_ARRAY 0x2
#define JB_LARGE_ARRAY 0x3
#define JB_LITERAL 0x4
#define JB_INT16 0x5
#define JB_UINT16 0x6
#define JB_INT32 0x7
#define JB_UINT32 0x8
#define JB_INT64 0x9
#define JB_UINT64 0xa
#define JB_DOUBLE 0xb
#define JB_STRING 0xc
#define JB_OPAQUE 0xf

/* Literal values. */
#define JB_NULL 0x0
#define JB_TRUE 0x1
#define JB_FALSE 0x2

/* MySQL field types an opaque value may carry (field_types.h). */
#define JB_FT_TIMESTAMP 7
#define JB_FT_DATE 10
#define JB_FT_TIME 11
#define JB_FT_DATETIME 12
#define JB_FT_NEWDECIMAL 246
#define JB_FT_VAR_STRING 253

/* my_gcvt() parameters of Json_wrapper::to_string (m_string.h). */
#define JB_GCVT_WIDTH 34     /* MY_GCVT_MAX_FIELD_WIDTH */
#define JB_MAX_DECPT_F 15    /* MAX_DECPT_FOR_F_FORMAT, DBL_DIG */

/* Input bytes per base64 line: MySQL breaks lines at 76 characters. */
#define JB_B64_LINE 57

/* "No node" index. */
#define JN_NONE UINT32_MAX

/* What a tree node is. */
enum jn_kind {
    JN_BINARY = 0,   /* a binary value, not decoded */
    JN_OBJECT,       /* expanded object: children are members */
    JN_ARRAY,        /* expanded array */
    JN_KIND_COUNT    /* sentinel */
};

struct jsonb_node {
    const uint8_t *data;  /* JN_BINARY: value bytes (borrowed) */
    size_t len;           /* JN_BINARY: bytes readable at data */
    const uint8_t *key;   /* member name in the parent object (borrowed) */
    uint32_t key_len;     /* bytes at key */
    uint32_t first;       /* containers: first child or JN_NONE */
    uint32_t next;        /* next sibling or JN_NONE */
    uint32_t count;       /* containers: number of children */
    uint8_t kind;         /* enum jn_kind */
    uint8_t type;         /* JN_BINARY: binary JSON type byte */
};

/* One leg of a diff path. */
struct jb_leg {
    bool member;          /* true: .key, false: [index] */
    bool from_end;        /* [last-index] */
    uint64_t index;       /* array index */
    const uint8_t *key;   /* member name (borrowed) */
    uint32_t key_len;     /* bytes at key */
};

/* State of one printing or applying call. */
struct jb_ctx {
    struct pbuf *out;          /* where text goes */
    unsigned flags;            /* JSONB_* */
    struct jsonb_error *err;   /* first error, or NULL */
    const uint8_t *base[2];    /* buffers offsets are reported against */
    size_t base_len[2];        /* their lengths */
};

static const uint8_t jb_null_literal[1] = {JB_NULL};

static const char *const jb_op_names[JSONB_DIFF_OP_COUNT] = {
    [JSONB_DIFF_REPLACE] = "REPLACE",
    [JSONB_DIFF_INSERT] = "INSERT",
    [JSONB_DIFF_REMOVE] = "REMOVE",
};

const char *
jsonb_diff_op_name(enum jsonb_diff_op op)
{
    if ((unsigned)op >= JSONB_DIFF_OP_COUNT) {
        return "UNKNOWN";
    }
    return jb_op_names[op];
}

static int
jb_fail(struct jb_ctx *c, int code, const char *reason, const uint8_t *at)
{
    size_t i;

    if (c->err != NULL && c->err->reason == NULL) {
        c->err->reason = reason;
        c->err->offset = 0;
        for (i = 0; i < 2 && at != NULL; i++) {
            if (c->base[i] != NULL && at >= c->base[i] &&
                at <= c->base[i] + c->base_len[i]) {
                c->err->offset = (size_t)(at - c->base[i]);
                break;
            }
        }
    }
    return -code;
}

static inline uint32_t
rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static inline uint32_t
rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}

static inline uint64_t
rd64(const uint8_t *p)
{
    return (uint64_t)rd32(p) | ((uint64_t)rd32(p + 4) << 32);
}

static inline uint32_t
rd_off(const uint8_t *p, bool large)
{
    return large ? rd32(p) : rd16(p);
}

static inline bool
jb_is_container(uint8_t type)
{
    return type <= JB_LARGE_ARRAY;
}

/* Values stored in their value entry (json_binary.cc inlined_type()). */
static inline bool
jb_inlined(uint8_t type, bool large)
{
    switch (type) {
    case JB_LITERAL:
    case JB_INT16:
    case JB_UINT16:
        return true;
    case JB_INT32:
    case JB_UINT32:
        return large;
    default:
        return false;
    }
}

/* 7-bit groups, least significant first, at most 5 bytes, <= UINT32_MAX. */
static bool
jb_varlen(const uint8_t *p, size_t n, uint32_t *len, size_t *used)
{
    uint64_t v = 0;
    size_t i, max = n < 5 ? n : 5;

    for (i = 0; i < max; i++) {
        v |= (uint64_t)(p[i] & 0x7f) << (7 * i);
        if ((p[i] & 0x80) == 0) {
            if (v > UINT32_MAX) {
                return false;
            }
            *len = (uint32_t)v;
            *used = i + 1;
            return true;
        }
    }
    return false;
}

static void
jb_sep(struct jb_ctx *c)
{
    if (c->flags & JSONB_MYSQL_SPACING) {
        pbuf_put(c->out, ", ", 2);
    } else {
        pbuf_putc(c->out, ',');
    }
}

static void
jb_colon(struct jb_ctx *c)
{
    if (c->flags & JSONB_MYSQL_SPACING) {
        pbuf_put(c->out, ": ", 2);
    } else {
        pbuf_putc(c->out, ':');
    }
}

/*
 * A double as Json_wrapper::to_string prints it: my_gcvt(d, DOUBLE, 34)
 * (strings/dtoa.cc) on the shortest round-trip digits, then ".0" when the
 * text has neither '.' nor 'e'.
 */
static void
jb_double(struct pbuf *out, double d)
{
    char dig[JSON_NUM_TEXT_MAX];
    char buf[64];
    size_t o = 0, i;
    int decpt, len, width = JB_GCVT_WIDTH, exp_len, f_len;
    bool neg, have_space, force_e, use_f;

    len = (int)json_double_digits(d, dig, &decpt, &neg);
    if (len == 0) {
        pbuf_put(out, "null", 4);
        return;
    }
    if (neg) {
        width--;
        buf[o++] = '-';
    }
    exp_len = 1 + (decpt >= 101 || decpt <= -99) + (decpt >= 11 || decpt <= -9);
    f_len = decpt <= 0 ? len - decpt + 2 : (decpt < len ? len + 1 : decpt);
    have_space = f_len <= width;
    force_e = decpt <= 0 && width <= 2 - decpt && width >= 3 + exp_len;
    use_f = (have_space ||
             (decpt <= width &&
              (decpt >= -1 || (decpt == -2 && (len > 1 || !force_e))) &&
              !force_e)) &&
            (!have_space || (decpt >= -JB_MAX_DECPT_F + 1 &&
                             (decpt <= JB_MAX_DECPT_F || len > decpt)));
    if (use_f) {
        if (decpt <= 0) {
            buf[o++] = '0';
            buf[o++] = '.';
            for (i = 0; i < (size_t)-decpt; i++) {
                buf[o++] = '0';
            }
            memcpy(buf + o, dig, (size_t)len);
            o += (size_t)len;
        } else {
            for (i = 0; i < (size_t)len; i++) {
                buf[o++] = dig[i];
                if ((int)i + 1 == decpt && (int)i + 1 < len) {
                    buf[o++] = '.';
                }
            }
            for (i = (size_t)len; (int)i < decpt; i++) {
                buf[o++] = '0';
            }
        }
    } else {
        int e = decpt - 1;

        buf[o++] = dig[0];
        if (len > 1) {
            buf[o++] = '.';
            memcpy(buf + o, dig + 1, (size_t)len - 1);
            o += (size_t)len - 1;
        }
        buf[o++] = 'e';
        if (e < 0) {
            buf[o++] = '-';
            e = -e;
        }
        if (e >= 100) {
            buf[o++] = (char)('0' + e / 100);
            buf[o++] = (char)('0' + e / 10 % 10);
        } else if (e >= 10) {
            buf[o++] = (char)('0' + e / 10);
        }
        buf[o++] = (char)('0' + e % 10);
    }
    if (memchr(buf, '.', o) == NULL && memchr(buf, 'e', o) == NULL) {
        buf[o++] = '.';
        buf[o++] = '0';
    }
    pbuf_put(out, buf, o);
}

/*
 * Text of a binary DECIMAL as MySQL stores it inside JSON (precision byte,
 * scale byte, then decimal2bin() bytes; strings/decimal.cc), with exactly
 * scale fraction digits.  Returns the length written to buf (at least 104
 * bytes), or -1 when the bytes are not a valid decimal.
 */
static int
jb_decimal(char *buf, const uint8_t *p, size_t n)
{
    static const uint8_t dig2bytes[10] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
    static const uint32_t pow10[10] = {1, 10, 100, 1000, 10000, 100000,
                                       1000000, 10000000, 100000000,
                                       1000000000};
    uint8_t d[40];
    char idig[80];
    size_t ni = 0, pos = 0, i, k, bytes;
    unsigned prec, scale, intg, intg0, intg0x, frac0, frac0x;
    uint8_t mask;
    uint32_t v;
    int o = 0;
    bool neg, zero = true;

    if (n < 2) {
        return -1;
    }
    prec = p[0];
    scale = p[1];
    if (prec < 1 || prec > 65 || scale > 30 || scale > prec) {
        return -1;
    }
    intg = prec - scale;
    intg0 = intg / 9;
    intg0x = intg % 9;
    frac0 = scale / 9;
    frac0x = scale % 9;
    bytes = intg0 * 4 + dig2bytes[intg0x] + frac0 * 4 + dig2bytes[frac0x];
    if (bytes != n - 2 || bytes > sizeof(d)) {
        return -1;
    }
    memcpy(d, p + 2, bytes);
    neg = (d[0] & 0x80) == 0;
    mask = neg ? 0xff : 0x00;
    d[0] ^= 0x80;
    for (i = 0; i < bytes; i++) {
        d[i] ^= mask;
    }
    if (intg0x != 0) {
        for (v = 0, k = 0; k < dig2bytes[intg0x]; k++) {
            v = (v << 8) | d[pos++];
        }
        if (v >= pow10[intg0x]) {
            return -1;
        }
        for (k = intg0x; k > 0; k--) {
            idig[ni + k - 1] = (char)('0' + v % 10);
            v /= 10;
        }
        ni += intg0x;
    }
    for (i = 0; i < intg0; i++) {
        v = ((uint32_t)d[pos] << 24) | ((uint32_t)d[pos + 1] << 16) |
            ((uint32_t)d[pos + 2] << 8) | d[pos + 3];
        pos += 4;
        if (v >= pow10[9]) {
            return -1;
        }
        for (k = 9; k > 0; k--) {
            idig[ni + k - 1] = (char)('0' + v % 10);
            v /= 10;
        }
        ni += 9;
    }
    for (i = 0; i < ni && idig[i] == '0'; i++) {
    }
    o = 1; /* room for the sign, dropped below if positive or zero */
    if (i == ni) {
        buf[o++] = '0';
    } else {
        memcpy(buf + o, idig + i, ni - i);
        o += (int)(ni - i);
        zero = false;
    }
    if (scale > 0) {
        buf[o++] = '.';
        for (i = 0; i < frac0; i++) {
            v = ((uint32_t)d[pos] << 24) | ((uint32_t)d[pos + 1] << 16) |
                ((uint32_t)d[pos + 2] << 8) | d[pos + 3];
            pos += 4;
            if (v >= pow10[9]) {
                return -1;
            }
            zero = zero && v == 0;
            for (k = 9; k > 0; k--) {
                buf[o + (int)k - 1] = (char)('0' + v % 10);
                v /= 10;
            }
            o += 9;
        }
        if (frac0x != 0) {
            for (v = 0, k = 0; k < dig2bytes[frac0x]; k++) {
                v = (v << 8) | d[pos++];
            }
            if (v >= pow10[frac0x]) {
                return -1;
            }
            zero = zero && v == 0;
            for (k = frac0x; k > 0; k--) {
                buf[o + (int)k - 1] = (char)('0' + v % 10);
                v /= 10;
            }
            o += (int)frac0x;
        }
    }
    if (neg && !zero) {
        buf[0] = '-';
        return o;
    }
    memmove(buf, buf + 1, (size_t)o - 1);
    return o - 1;
}

/* A packed DATE/TIME/DATETIME/TIMESTAMP (TIME_from_longlong_*_packed) as
 * my_TIME_to_str(t, 6) prints it. */
static void
jb_datetime(struct pbuf *out, uint8_t ft, const uint8_t *p)
{
    int64_t v = (int64_t)rd64(p);
    bool neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint64_t frac = u & 0xffffff, ip = u >> 24;

    pbuf_putc(out, '"');
    if (ft == JB_FT_TIME) {
        if (neg) {
            pbuf_putc(out, '-');
        }
        json_put_uint_pad(out, (ip >> 12) % 1024, 2);
        pbuf_putc(out, ':');
        json_put_uint_pad(out, (ip >> 6) % 64, 2);
        pbuf_putc(out, ':');
        json_put_uint_pad(out, ip % 64, 2);
    } else {
        uint64_t ymd = ip >> 17, ym = ymd >> 5, hms = ip % (1 << 17);

        json_put_uint_pad(out, ym / 13, 4);
        pbuf_putc(out, '-');
        json_put_uint_pad(out, ym % 13, 2);
        pbuf_putc(out, '-');
        json_put_uint_pad(out, ymd % 32, 2);
        if (ft == JB_FT_DATE) {
            pbuf_putc(out, '"');
            return;
        }
        pbuf_putc(out, ' ');
        json_put_uint_pad(out, hms >> 12, 2);
        pbuf_putc(out, ':');
        json_put_uint_pad(out, (hms >> 6) % 64, 2);
        pbuf_putc(out, ':');
        json_put_uint_pad(out, hms % 64, 2);
    }
    pbuf_putc(out, '.');
    json_put_uint_pad(out, frac, 6);
    pbuf_putc(out, '"');
}

static int
jb_opaque(struct jb_ctx *c, uint8_t ft, const uint8_t *p, size_t n)
{
    struct pbuf *out = c->out;
    size_t i;

    switch (ft) {
    case JB_FT_NEWDECIMAL: {
        char buf[128];
        int k = jb_decimal(buf, p, n);

        if (k < 0) {
            return jb_fail(c, PROTO_EMALFORMED, "bad DECIMAL in JSON", p);
        }
        pbuf_put(out, buf, (size_t)k);
        return 0;
    }
    case JB_FT_DATE:
    case JB_FT_TIME:
    case JB_FT_DATETIME:
    case JB_FT_TIMESTAMP:
        if (n != 8) {
            return jb_fail(c, PROTO_EMALFORMED,
                           "JSON date/time is not 8 bytes", p);
        }
        jb_datetime(out, ft, p);
        return 0;
    case JB_FT_VAR_STRING:
        /* Json_wrapper prints these as plain strings (MySQL 8.0) */
        json_put_str(out, p, n);
        return 0;
    default:
        break;
    }
    pbuf_put(out, "\"base64:type", 12);
    json_put_u64(out, ft);
    pbuf_putc(out, ':');
    for (i = 0; i < n; i += JB_B64_LINE) {
        size_t k = n - i < JB_B64_LINE ? n - i : JB_B64_LINE;

        if (i != 0) {
            pbuf_put(out, "\\n", 2);
        }
        if (!pbuf_reserve(out, 80)) {
            return jb_fail(c, PROTO_ENOMEM, "out of memory", p);
        }
        out->len += json_base64_encode((char *)out->data + out->len, p + i, k);
    }
    pbuf_putc(out, '"');
    return 0;
}

static int
jb_scalar(struct jb_ctx *c, uint8_t type, const uint8_t *p, size_t n)
{
    struct pbuf *out = c->out;
    uint32_t len;
    size_t used;
    uint64_t bits;
    double d;

    switch (type) {
    case JB_LITERAL:
        if (n < 1) {
            break;
        }
        switch (p[0]) {
        case JB_NULL:
            pbuf_put(out, "null", 4);
            return 0;
        case JB_TRUE:
            pbuf_put(out, "true", 4);
            return 0;
        case JB_FALSE:
            pbuf_put(out, "false", 5);
            return 0;
        default:
            return jb_fail(c, PROTO_EMALFORMED, "bad JSON literal", p);
        }
    case JB_INT16:
        if (n < 2) {
            break;
        }
        json_put_i64(out, (int16_t)rd16(p));
        return 0;
    case JB_UINT16:
        if (n < 2) {
            break;
        }
        json_put_u64(out, rd16(p));
        return 0;
    case JB_INT32:
        if (n < 4) {
            break;
        }
        json_put_i64(out, (int32_t)rd32(p));
        return 0;
    case JB_UINT32:
        if (n < 4) {
            break;
        }
        json_put_u64(out, rd32(p));
        return 0;
    case JB_INT64:
        if (n < 8) {
            break;
        }
        json_put_i64(out, (int64_t)rd64(p));
        return 0;
    case JB_UINT64:
        if (n < 8) {
            break;
        }
        json_put_u64(out, rd64(p));
        return 0;
    case JB_DOUBLE:
        if (n < 8) {
            break;
        }
        bits = rd64(p);
        memcpy(&d, &bits, sizeof(d));
        jb_double(out, d);
        return 0;
    case JB_STRING:
        if (!jb_varlen(p, n, &len, &used) || len > n - used) {
            break;
        }
        json_put_str(out, p + used, len);
        return 0;
    case JB_OPAQUE:
        if (n < 1 || !jb_varlen(p + 1, n - 1, &len, &used) ||
            len > n - 1 - used) {
            break;
        }
        return jb_opaque(c, p[0], p + 1 + used, len);
    default:
        return jb_fail(c, PROTO_EMALFORMED, "unknown JSON value type", p);
    }
    return jb_fail(c, PROTO_EMALFORMED, "JSON value runs past its end", p);
}

/* Layout of one binary object or array, checked. */
struct jb_box {
    const uint8_t *p;     /* first byte (after the type byte) */
    uint32_t count;       /* elements */
    uint32_t size;        /* bytes */
    size_t header;        /* bytes of counts and entries */
    bool large;           /* 4-byte offsets */
    bool object;          /* has key entries */
};

static int
jb_box_open(struct jb_ctx *c, struct jb_box *b, uint8_t type,
            const uint8_t *p, size_t n)
{
    size_t os;
    uint64_t header;

    b->p = p;
    b->large = type == JB_LARGE_OBJECT || type == JB_LARGE_ARRAY;
    b->object = type == JB_SMALL_OBJECT || type == JB_LARGE_OBJECT;
    os = b->large ? 4 : 2;
    if (n < 2 * os) {
        return jb_fail(c, PROTO_EMALFORMED, "JSON container too short", p);
    }
    b->count = rd_off(p, b->large);
    b->size = rd_off(p + os, b->large);
    if (b->size > n) {
        return jb_fail(c, PROTO_EMALFORMED,
                       "JSON container size past its end", p);
    }
    header = 2 * (uint64_t)os +
             (uint64_t)b->count * ((b->object ? os + 2 : 0) + 1 + os);
    if (header > b->size) {
        return jb_fail(c, PROTO_EMALFORMED,
                       "JSON container entries past its size", p);
    }
    b->header = (size_t)header;
    return 0;
}

/* Key i of an object box. */
static int
jb_box_key(struct jb_ctx *c, const struct jb_box *b, uint32_t i,
           const uint8_t **key, uint32_t *key_len)
{
    size_t os = b->large ? 4 : 2;
    const uint8_t *e = b->p + 2 * os + (size_t)i * (os + 2);
    uint32_t off = rd_off(e, b->large);
    uint32_t len = rd16(e + os);

    if (off < b->header || (uint64_t)off + len > b->size) {
        return jb_fail(c, PROTO_EMALFORMED, "JSON key offset out of range",
                       e);
    }
    *key = b->p + off;
    *key_len = len;
    return 0;
}

/* Value i of a box: its type and bytes. */
static int
jb_box_value(struct jb_ctx *c, const struct jb_box *b, uint32_t i,
             uint8_t *type, const uint8_t **data, size_t *len)
{
    size_t os = b->large ? 4 : 2;
    size_t ves = 1 + os;
    size_t eoff = 2 * os + (b->object ? (size_t)b->count * (os + 2) : 0) +
                  (size_t)i * ves;
    const uint8_t *e = b->p + eoff;
    uint32_t off;

    *type = e[0];
    if (jb_inlined(e[0], b->large)) {
        *data = e + 1;
        *len = os;
        return 0;
    }
    off = rd_off(e + 1, b->large);
    if (off > b->size || off < eoff + ves) {
        return jb_fail(c, PROTO_EMALFORMED,
                       "JSON value offset out of range", e);
    }
    *data = b->p + off;
    *len = b->size - off;
    return 0;
}

static int jb_value(struct jb_ctx *c, uint8_t type, const uint8_t *p,
                    size_t n, unsigned depth);

static int
jb_container(struct jb_ctx *c, uint8_t type, const uint8_t *p, size_t n,
             unsigned depth)
{
    struct jb_box b;
    uint32_t i, key_len;
    const uint8_t *key, *data;
    uint8_t vt;
    size_t len;
    int rc;

    if (depth + 1 > JSONB_MAX_DEPTH) {
        return jb_fail(c, PROTO_ELIMIT, "JSON nested too deep", p);
    }
    rc = jb_box_open(c, &b, type, p, n);
    if (rc < 0) {
        return rc;
    }
    pbuf_putc(c->out, b.object ? '{' : '[');
    for (i = 0; i < b.count; i++) {
        if (i != 0) {
            jb_sep(c);
        }
        if (b.object) {
            rc = jb_box_key(c, &b, i, &key, &key_len);
            if (rc < 0) {
                return rc;
            }
            json_put_str(c->out, key, key_len);
            jb_colon(c);
        }
        rc = jb_box_value(c, &b, i, &vt, &data, &len);
        if (rc == 0) {
            rc = jb_value(c, vt, data, len, depth + 1);
        }
        if (rc < 0) {
            return rc;
        }
        if (c->out->failed) {
            return jb_fail(c, PROTO_ENOMEM, "out of memory", p);
        }
    }
    pbuf_putc(c->out, b.object ? '}' : ']');
    return 0;
}

static int
jb_value(struct jb_ctx *c, uint8_t type, const uint8_t *p, size_t n,
         unsigned depth)
{
    if (jb_is_container(type)) {
        return jb_container(c, type, p, n, depth);
    }
    return jb_scalar(c, type, p, n);
}

static int
jb_finish(struct jb_ctx *c, int rc, size_t start)
{
    if (rc == 0 && c->out->failed) {
        rc = jb_fail(c, PROTO_ENOMEM, "out of memory", NULL);
    }
    if (rc < 0) {
        c->out->len = start;
    }
    return rc;
}

int
jsonb_to_json(struct pbuf *out, const uint8_t *doc, size_t len,
              unsigned flags, struct jsonb_error *err)
{
    struct jb_ctx c = {out, flags, err, {doc, NULL}, {len, 0}};
    size_t start = out->len;
    int rc;

    if (err != NULL) {
        err->reason = NULL;
        err->offset = 0;
    }
    if (len == 0) {
        /* MySQL reads an empty document as the null literal */
        pbuf_put(out, "null", 4);
        return jb_finish(&c, 0, start);
    }
    rc = jb_value(&c, doc[0], doc + 1, len - 1, 0);
    return jb_finish(&c, rc, start);
}

/* ---- diff application ---- */

void
jsonb_tree_free(struct jsonb_tree *t)
{
    if (t == NULL) {
        return;
    }
    free(t->nodes);
    free(t->keys);
    memset(t, 0, sizeof(*t));
}

static uint32_t
jn_new(struct jb_ctx *c, struct jsonb_tree *t)
{
    struct jsonb_node *n;

    if (t->n_nodes == t->cap_nodes) {
        uint32_t cap = t->cap_nodes ? t->cap_nodes * 2 : 64;

        if (t->cap_nodes >= UINT32_MAX / 4) {
            jb_fail(c, PROTO_ENOMEM, "JSON tree too large", NULL);
            return JN_NONE;
        }
        n = realloc(t->nodes, (size_t)cap * sizeof(*n));
        if (n == NULL) {
            jb_fail(c, PROTO_ENOMEM, "out of memory", NULL);
            return JN_NONE;
        }
        t->nodes = n;
        t->cap_nodes = cap;
    }
    n = &t->nodes[t->n_nodes];
    memset(n, 0, sizeof(*n));
    n->first = JN_NONE;
    n->next = JN_NONE;
    return t->n_nodes++;
}

/* Makes node i a view of the binary document doc[0..len) (an empty one
 * is null), dropping children it had. */
static void
jn_set_doc(struct jsonb_tree *t, uint32_t i, const uint8_t *doc, size_t len)
{
    struct jsonb_node *n = &t->nodes[i];

    n->kind = JN_BINARY;
    n->first = JN_NONE;
    n->count = 0;
    if (len == 0) {
        n->type = JB_LITERAL;
        n->data = jb_null_literal;
        n->len = 1;
    } else {
        n->type = doc[0];
        n->data = doc + 1;
        n->len = len - 1;
    }
}

/* A new node for the binary document doc[0..len). */
static uint32_t
jn_new_doc(struct jb_ctx *c, struct jsonb_tree *t, const uint8_t *doc,
           size_t len)
{
    uint32_t i = jn_new(c, t);

    if (i != JN_NONE) {
        jn_set_doc(t, i, doc, len);
    }
    return i;
}

/*
 * Turns binary container node idx into an expanded object or array.
 * Returns 1 when idx is (now) a container, 0 when it is a scalar, <0 on
 * error.
 */
static int
jn_expand(struct jb_ctx *c, struct jsonb_tree *t, uint32_t idx)
{
    struct jb_box b;
    uint32_t i, child, tail = JN_NONE, key_len = 0;
    const uint8_t *key = NULL, *data;
    uint8_t vt;
    size_t len;
    int rc;

    if (t->nodes[idx].kind != JN_BINARY) {
        return 1;
    }
    if (!jb_is_container(t->nodes[idx].type)) {
        return 0;
    }
    rc = jb_box_open(c, &b, t->nodes[idx].type, t->nodes[idx].data,
                     t->nodes[idx].len);
    if (rc < 0) {
        return rc;
    }
    for (i = 0; i < b.count; i++) {
        if (b.object) {
            rc = jb_box_key(c, &b, i, &key, &key_len);
            if (rc < 0) {
                return rc;
            }
        }
        rc = jb_box_value(c, &b, i, &vt, &data, &len);
        if (rc < 0) {
            return rc;
        }
        child = jn_new(c, t);
        if (child == JN_NONE) {
            return -PROTO_ENOMEM;
        }
        t->nodes[child].type = vt;
        t->nodes[child].data = data;
        t->nodes[child].len = len;
        t->nodes[child].key = key;
        t->nodes[child].key_len = key_len;
        if (tail == JN_NONE) {
            t->nodes[idx].first = child;
        } else {
            t->nodes[tail].next = child;
        }
        tail = child;
    }
    t->nodes[idx].kind = b.object ? JN_OBJECT : JN_ARRAY;
    t->nodes[idx].count = b.count;
    return 1;
}

/* MySQL's member order: shorter keys first, then bytes. */
static int
jn_key_cmp(const uint8_t *a, uint32_t alen, const uint8_t *b, uint32_t blen)
{
    if (alen != blen) {
        return alen < blen ? -1 : 1;
    }
    return alen == 0 ? 0 : memcmp(a, b, alen);
}

/* Child of container idx matching leg, or JN_NONE. */
static uint32_t
jn_child(const struct jsonb_tree *t, uint32_t idx, const struct jb_leg *leg)
{
    const struct jsonb_node *n = &t->nodes[idx];
    uint32_t i, ch, pos;

    if (leg->member) {
        if (n->kind != JN_OBJECT) {
            return JN_NONE;
        }
        for (ch = n->first; ch != JN_NONE; ch = t->nodes[ch].next) {
            if (jn_key_cmp(t->nodes[ch].key, t->nodes[ch].key_len, leg->key,
                           leg->key_len) == 0) {
                return ch;
            }
        }
        return JN_NONE;
    }
    if (n->kind != JN_ARRAY || leg->index >= n->count) {
        return JN_NONE;
    }
    pos = leg->from_end ? n->count - 1 - (uint32_t)leg->index
                        : (uint32_t)leg->index;
    for (i = 0, ch = n->first; ch != JN_NONE && i < pos; i++) {
        ch = t->nodes[ch].next;
    }
    return ch;
}

/* Follows legs[0..nlegs) from root; *found is JN_NONE when absent. */
static int
jn_seek(struct jb_ctx *c, struct jsonb_tree *t, uint32_t root,
        const struct jb_leg *legs, size_t nlegs, uint32_t *found)
{
    uint32_t idx = root;
    size_t i;
    int rc;

    for (i = 0; i < nlegs; i++) {
        rc = jn_expand(c, t, idx);
        if (rc < 0) {
            return rc;
        }
        if (rc == 0) {
            *found = JN_NONE;
            return 0;
        }
        idx = jn_child(t, idx, &legs[i]);
        if (idx == JN_NONE) {
            *found = JN_NONE;
            return 0;
        }
    }
    *found = idx;
    return 0;
}

static void
jn_unlink(struct jsonb_tree *t, uint32_t parent, uint32_t child)
{
    uint32_t prev = JN_NONE, ch;

    for (ch = t->nodes[parent].first; ch != JN_NONE;
         prev = ch, ch = t->nodes[ch].next) {
        if (ch == child) {
            if (prev == JN_NONE) {
                t->nodes[parent].first = t->nodes[ch].next;
            } else {
                t->nodes[prev].next = t->nodes[ch].next;
            }
            t->nodes[parent].count--;
            return;
        }
    }
}

/* Links child after prev (JN_NONE: at the head). */
static void
jn_link_after(struct jsonb_tree *t, uint32_t parent, uint32_t prev,
              uint32_t child)
{
    if (prev == JN_NONE) {
        t->nodes[child].next = t->nodes[parent].first;
        t->nodes[parent].first = child;
    } else {
        t->nodes[child].next = t->nodes[prev].next;
        t->nodes[prev].next = child;
    }
    t->nodes[parent].count++;
}

static int
jn_print(struct jb_ctx *c, const struct jsonb_tree *t, uint32_t idx,
         unsigned depth)
{
    const struct jsonb_node *n = &t->nodes[idx];
    uint32_t ch;
    bool object;
    int rc;

    if (n->kind == JN_BINARY) {
        return jb_value(c, n->type, n->data, n->len, depth);
    }
    if (depth + 1 > JSONB_MAX_DEPTH) {
        return jb_fail(c, PROTO_ELIMIT, "JSON nested too deep", NULL);
    }
    object = n->kind == JN_OBJECT;
    pbuf_putc(c->out, object ? '{' : '[');
    for (ch = n->first; ch != JN_NONE; ch = t->nodes[ch].next) {
        if (ch != n->first) {
            jb_sep(c);
        }
        if (object) {
            json_put_str(c->out, t->nodes[ch].key, t->nodes[ch].key_len);
            jb_colon(c);
        }
        rc = jn_print(c, t, ch, depth + 1);
        if (rc < 0) {
            return rc;
        }
    }
    pbuf_putc(c->out, object ? '}' : ']');
    return 0;
}

static inline bool
jp_space(uint8_t ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static int
jp_hex4(const uint8_t *p, uint32_t *v)
{
    uint32_t r = 0;
    int i;

    for (i = 0; i < 4; i++) {
        uint8_t ch = p[i];

        r <<= 4;
        if (ch >= '0' && ch <= '9') {
            r |= (uint32_t)(ch - '0');
        } else if (ch >= 'a' && ch <= 'f') {
            r |= (uint32_t)(ch - 'a' + 10);
        } else if (ch >= 'A' && ch <= 'F') {
            r |= (uint32_t)(ch - 'A' + 10);
        } else {
            return -1;
        }
    }
    *v = r;
    return 0;
}

/* Appends the UTF-8 of cp to the key buffer (room reserved by caller). */
static void
jp_put_cp(struct jsonb_tree *t, uint32_t cp)
{
    uint8_t *o = t->keys + t->keys_len;

    if (cp < 0x80) {
        *o++ = (uint8_t)cp;
    } else if (cp < 0x800) {
        *o++ = (uint8_t)(0xc0 | (cp >> 6));
        *o++ = (uint8_t)(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
        *o++ = (uint8_t)(0xe0 | (cp >> 12));
        *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (uint8_t)(0x80 | (cp & 0x3f));
    } else {
        *o++ = (uint8_t)(0xf0 | (cp >> 18));
        *o++ = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        *o++ = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        *o++ = (uint8_t)(0x80 | (cp & 0x3f));
    }
    t->keys_len = (size_t)(o - t->keys);
}

/*
 * A double-quoted member name (JSON string syntax) at p[*i]; decoded into
 * t->keys, which has room for every path byte of the call (a decoded
 * name is never longer than its quoted text).
 */
static int
jp_quoted(struct jb_ctx *c, struct jsonb_tree *t, const uint8_t *p, size_t n,
          size_t *i, struct jb_leg *leg)
{
    size_t k = *i + 1, start = t->keys_len;
    uint32_t cp, lo;

    while (k < n && p[k] != '"') {
        if (p[k] != '\\') {
            t->keys[t->keys_len++] = p[k++];
            continue;
        }
        if (k + 1 >= n) {
            break;
        }
        switch (p[k + 1]) {
        case '"':
        case '\\':
        case '/':
            t->keys[t->keys_len++] = p[k + 1];
            k += 2;
            continue;
        case 'b':
            t->keys[t->keys_len++] = '\b';
            k += 2;
            continue;
        case 'f':
            t->keys[t->keys_len++] = '\f';
            k += 2;
            continue;
        case 'n':
            t->keys[t->keys_len++] = '\n';
            k += 2;
            continue;
        case 'r':
            t->keys[t->keys_len++] = '\r';
            k += 2;
            continue;
        case 't':
            t->keys[t->keys_len++] = '\t';
            k += 2;
            continue;
        case 'u':
            if (k + 6 > n || jp_hex4(p + k + 2, &cp) < 0) {
                return jb_fail(c, PROTO_EMALFORMED,
                               "bad \\u escape in JSON path", p + k);
            }
            k += 6;
            if (cp >= 0xdc00 && cp <= 0xdfff) {
                return jb_fail(c, PROTO_EMALFORMED,
                               "lone surrogate in JSON path", p + k);
            }
            if (cp >= 0xd800 && cp <= 0xdbff) {
                if (k + 6 > n || p[k] != '\\' || p[k + 1] != 'u' ||
                    jp_hex4(p + k + 2, &lo) < 0 || lo < 0xdc00 ||
                    lo > 0xdfff) {
                    return jb_fail(c, PROTO_EMALFORMED,
                                   "lone surrogate in JSON path", p + k);
                }
                k += 6;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            }
            /* 6 or 12 escape bytes decode to at most 4 */
            jp_put_cp(t, cp);
            continue;
        default:
            return jb_fail(c, PROTO_EMALFORMED, "bad escape in JSON path",
                           p + k);
        }
    }
    if (k >= n) {
        return jb_fail(c, PROTO_EMALFORMED, "unterminated key in JSON path",
                       p + *i);
    }
    leg->key = t->keys + start;
    leg->key_len = (uint32_t)(t->keys_len - start);
    *i = k + 1;
    return 0;
}

static bool
jp_number(const uint8_t *p, size_t n, size_t *i, uint64_t *v)
{
    size_t k = *i;
    uint64_t r = 0;

    if (k >= n || p[k] < '0' || p[k] > '9') {
        return false;
    }
    for (; k < n && p[k] >= '0' && p[k] <= '9'; k++) {
        if (r > (UINT32_MAX - 9) / 10) {
            return false;
        }
        r = r * 10 + (uint64_t)(p[k] - '0');
    }
    *i = k;
    *v = r;
    return true;
}

/*
 * Parses a MySQL JSON path (Json_path::to_string form, spaces allowed
 * between tokens) of member and array-cell legs.
 */
static int
jp_parse(struct jb_ctx *c, struct jsonb_tree *t, const uint8_t *p, size_t n,
         struct jb_leg *legs, size_t *nlegs)
{
    size_t i = 0, nl = 0;
    int rc;

    while (i < n && jp_space(p[i])) {
        i++;
    }
    if (i >= n || p[i] != '$') {
        return jb_fail(c, PROTO_EMALFORMED, "JSON path does not start with $",
                       p);
    }
    i++;
    for (;;) {
        struct jb_leg *leg;

        while (i < n && jp_space(p[i])) {
            i++;
        }
        if (i >= n) {
            break;
        }
        if (nl >= JSONB_MAX_DEPTH) {
            return jb_fail(c, PROTO_ELIMIT, "JSON path too long", p + i);
        }
        leg = &legs[nl];
        memset(leg, 0, sizeof(*leg));
        if (p[i] == '.') {
            i++;
            while (i < n && jp_space(p[i])) {
                i++;
            }
            leg->member = true;
            if (i < n && p[i] == '"') {
                rc = jp_quoted(c, t, p, n, &i, leg);
                if (rc < 0) {
                    return rc;
                }
            } else if (i < n && p[i] == '*') {
                return jb_fail(c, PROTO_EUNSUPPORTED,
                               "wildcard in JSON diff path", p + i);
            } else {
                size_t s = i;

                while (i < n && !jp_space(p[i]) && p[i] != '.' &&
                       p[i] != '[' && p[i] != '"' && p[i] != '*') {
                    i++;
                }
                if (i == s) {
                    return jb_fail(c, PROTO_EMALFORMED,
                                   "empty member in JSON path", p + s);
                }
                leg->key = p + s;
                leg->key_len = (uint32_t)(i - s);
            }
        } else if (p[i] == '[') {
            i++;
            while (i < n && jp_space(p[i])) {
                i++;
            }
            if (i < n && p[i] == '*') {
                return jb_fail(c, PROTO_EUNSUPPORTED,
                               "wildcard in JSON diff path", p + i);
            }
            if (n - i >= 4 && memcmp(p + i, "last", 4) == 0) {
                leg->from_end = true;
                i += 4;
                while (i < n && jp_space(p[i])) {
                    i++;
                }
                if (i < n && p[i] == '-') {
                    i++;
                    while (i < n && jp_space(p[i])) {
                        i++;
                    }
                    if (!jp_number(p, n, &i, &leg->index)) {
                        return jb_fail(c, PROTO_EMALFORMED,
                                       "bad array index in JSON path", p + i);
                    }
                }
            } else if (!jp_number(p, n, &i, &leg->index)) {
                return jb_fail(c, PROTO_EMALFORMED,
                               "bad array index in JSON path", p + i);
            }
            while (i < n && jp_space(p[i])) {
                i++;
            }
            if (i < n && p[i] == 't') {
                return jb_fail(c, PROTO_EUNSUPPORTED,
                               "array range in JSON diff path", p + i);
            }
            if (i >= n || p[i] != ']') {
                return jb_fail(c, PROTO_EMALFORMED,
                               "missing ] in JSON path", p + i);
            }
            i++;
        } else if (p[i] == '*') {
            return jb_fail(c, PROTO_EUNSUPPORTED,
                           "** in JSON diff path", p + i);
        } else {
            return jb_fail(c, PROTO_EMALFORMED, "bad JSON path", p + i);
        }
        nl++;
    }
    *nlegs = nl;
    return 0;
}

/* Applies one parsed diff to the tree rooted at root. */
static int
jn_apply(struct jb_ctx *c, struct jsonb_tree *t, uint32_t root, uint8_t op,
         const struct jb_leg *legs, size_t nlegs, const uint8_t *val,
         size_t val_len, const uint8_t *at)
{
    const struct jb_leg *last;
    uint32_t target, parent, node, prev, ch, pos, i;
    int rc;

    if (nlegs == 0) {
        return jb_fail(c, PROTO_EMALFORMED, "JSON diff on the root", at);
    }
    if (op == JSONB_DIFF_REPLACE) {
        rc = jn_seek(c, t, root, legs, nlegs, &target);
        if (rc < 0) {
            return rc;
        }
        if (target == JN_NONE) {
            return jb_fail(c, PROTO_EMALFORMED,
                           "JSON diff REPLACE path not found", at);
        }
        jn_set_doc(t, target, val, val_len);
        return 0;
    }
    rc = jn_seek(c, t, root, legs, nlegs - 1, &parent);
    if (rc < 0) {
        return rc;
    }
    if (parent == JN_NONE) {
        return jb_fail(c, PROTO_EMALFORMED, "JSON diff parent not found",
                       at);
    }
    rc = jn_expand(c, t, parent);
    if (rc < 0) {
        return rc;
    }
    last = &legs[nlegs - 1];
    if (rc == 0 || (last->member != (t->nodes[parent].kind == JN_OBJECT))) {
        return jb_fail(c, PROTO_EMALFORMED,
                       "JSON diff path does not match the document", at);
    }
    if (op == JSONB_DIFF_REMOVE) {
        target = jn_child(t, parent, last);
        if (target == JN_NONE) {
            return jb_fail(c, PROTO_EMALFORMED,
                           "JSON diff REMOVE path not found", at);
        }
        jn_unlink(t, parent, target);
        return 0;
    }
    /* INSERT */
    if (last->member && jn_child(t, parent, last) != JN_NONE) {
        return jb_fail(c, PROTO_EMALFORMED,
                       "JSON diff INSERT of an existing member", at);
    }
    node = jn_new_doc(c, t, val, val_len);
    if (node == JN_NONE) {
        return -PROTO_ENOMEM;
    }
    prev = JN_NONE;
    if (last->member) {
        t->nodes[node].key = last->key;
        t->nodes[node].key_len = last->key_len;
        for (ch = t->nodes[parent].first; ch != JN_NONE;
             prev = ch, ch = t->nodes[ch].next) {
            if (jn_key_cmp(t->nodes[ch].key, t->nodes[ch].key_len, last->key,
                           last->key_len) > 0) {
                break;
            }
        }
    } else {
        uint32_t count = t->nodes[parent].count;

        /* Json_array_index: clamped to the array's size */
        if (last->from_end) {
            pos = last->index < count ? count - 1 - (uint32_t)last->index : 0;
        } else {
            pos = last->index < count ? (uint32_t)last->index : count;
        }
        for (i = 0, ch = t->nodes[parent].first; i < pos && ch != JN_NONE;
             i++, prev = ch, ch = t->nodes[ch].next) {
        }
    }
    jn_link_after(t, parent, prev, node);
    return 0;
}

int
jsonb_apply_diffs(struct pbuf *out, const uint8_t *before, size_t before_len,
                  const uint8_t *diffs, size_t diffs_len, unsigned flags,
                  struct jsonb_tree *t, struct jsonb_error *err)
{
    struct jb_ctx c = {out, flags, err, {before, diffs},
                       {before_len, diffs_len}};
    struct jb_leg legs[JSONB_MAX_DEPTH];
    size_t start = out->len, nlegs = 0;
    struct rbuf r;
    uint32_t root;
    int rc = 0;

    if (err != NULL) {
        err->reason = NULL;
        err->offset = 0;
    }
    t->n_nodes = 0;
    t->keys_len = 0;
    if (t->keys_cap < diffs_len + 1) {
        uint8_t *k = realloc(t->keys, diffs_len + 1);

        if (k == NULL) {
            return jb_finish(&c, jb_fail(&c, PROTO_ENOMEM, "out of memory",
                                         NULL),
                             start);
        }
        t->keys = k;
        t->keys_cap = diffs_len + 1;
    }
    root = jn_new_doc(&c, t, before, before_len);
    if (root == JN_NONE) {
        return jb_finish(&c, -PROTO_ENOMEM, start);
    }
    rbuf_init(&r, diffs, diffs_len);
    while (rc == 0 && rbuf_left(&r) > 0) {
        const uint8_t *at = r.p + r.off;
        uint8_t op = rbuf_u8(&r);
        struct span path, val = {NULL, 0};

        if (op >= JSONB_DIFF_OP_COUNT) {
            rc = jb_fail(&c, PROTO_EMALFORMED, "bad JSON diff operation", at);
            break;
        }
        path = rbuf_lenenc_str(&r, NULL);
        if (op != JSONB_DIFF_REMOVE) {
            val = rbuf_lenenc_str(&r, NULL);
        }
        if (r.short_read) {
            rc = jb_fail(&c, PROTO_EMALFORMED, "JSON diff runs past its end",
                         at);
            break;
        }
        rc = jp_parse(&c, t, path.p, path.len, legs, &nlegs);
        if (rc == 0) {
            rc = jn_apply(&c, t, root, op, legs, nlegs, val.p, val.len, at);
        }
    }
    if (rc == 0) {
        rc = jn_print(&c, t, root, 0);
    }
    return jb_finish(&c, rc, start);
}
