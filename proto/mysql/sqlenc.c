/*
 * sqlenc.c - decoded column values as SQL literals (see sqlenc.h).
 *
 * Literals are built straight into the caller's pbuf: numbers and
 * temporal texts from digits, strings in one reserved block (quotes
 * doubled, or hex digits).  The scratch buffer of the context holds only
 * what must exist as a whole before it is quoted: JSON text and the
 * UTF-8 form of ENUM/SET member names.
 */
#include "proto/mysql/sqlenc.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/json.h"
#include "proto/mysql/format.h"
#include "proto/mysql/rows.h"


static const char enc_hex[] = "0123456789ABCDEF";

void
sqlenc_ctx_free(struct sqlenc_ctx *c)
{
    if (c == NULL) {
        return;
    }
    pbuf_free(&c->scratch);
    mysql_charset_cache_free(&c->cs);
    jsonb_tree_free(&c->tree);
    memset(c, 0, sizeof(*c));
}

static int enc_fail(struct sqlenc_ctx *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
enc_fail(struct sqlenc_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
    va_end(ap);
    return -code;
}

/* ---- identifiers ---- */

void
sqlenc_ident(struct pbuf *out, const char *name, size_t len)
{
    size_t i = 0, run;
    const char *q;

    pbuf_putc(out, '`');
    while (i < len) {
        q = memchr(name + i, '`', len - i);
        run = q != NULL ? (size_t)(q - (name + i)) + 1 : len - i;
        pbuf_put(out, name + i, run);
        if (q != NULL) {
            /* the backquote again */
            pbuf_putc(out, '`');
        }
        i += run;
    }
    pbuf_putc(out, '`');
}

void
sqlenc_qualified(struct pbuf *out, const char *db, const char *table)
{
    sqlenc_ident(out, db, strlen(db));
    pbuf_putc(out, '.');
    sqlenc_ident(out, table, strlen(table));
}

/* ---- strings ---- */

/* X'<hex of p[0..n)>' followed by pad zero bytes, after prefix. */
static void
put_hex(struct pbuf *out, const char *prefix, const uint8_t *p, size_t n,
        size_t pad)
{
    size_t plen = strlen(prefix), i;
    uint8_t *o;

    if (!pbuf_reserve(out, plen + 3 + 2 * n + 2 * pad)) {
        return;
    }
    o = out->data + out->len;
    memcpy(o, prefix, plen);
    o += plen;
    *o++ = 'X';
    *o++ = '\'';
    for (i = 0; i < n; i++) {
        *o++ = (uint8_t)enc_hex[p[i] >> 4];
        *o++ = (uint8_t)enc_hex[p[i] & 15];
    }
    memset(o, '0', 2 * pad);
    o += 2 * pad;
    *o++ = '\'';
    out->len = (size_t)(o - out->data);
}

/*
 * True when p[0..n) can go between single quotes as it is: well-formed
 * UTF-8 (so the utf8mb4 connection reads exactly these characters), no
 * backslash (an escape unless NO_BACKSLASH_ESCAPES) and no NUL.  *quotes
 * counts the single quotes to double.
 */
/* Word-at-a-time byte tests (a byte of v is zero: HAS_ZERO_BYTE). */
#define ONE_BYTES UINT64_C(0x0101010101010101)
#define HIGH_BITS UINT64_C(0x8080808080808080)
#define HAS_ZERO_BYTE(v) ((((v) - ONE_BYTES) & ~(v) & HIGH_BITS) != 0)

static bool
plain_utf8(const uint8_t *p, size_t n, size_t *quotes)
{
    size_t i = 0, len, bad;

    *quotes = 0;
    while (i < n) {
        /* eight plain ASCII bytes at a time: no high bit, NUL, backslash
         * or quote among them */
        while (i + 8 <= n) {
            uint64_t v;

            memcpy(&v, p + i, 8);
            if ((v & HIGH_BITS) != 0 || HAS_ZERO_BYTE(v) ||
                HAS_ZERO_BYTE(v ^ (ONE_BYTES * '\\')) ||
                HAS_ZERO_BYTE(v ^ (ONE_BYTES * '\''))) {
                break;
            }
            i += 8;
        }
        if (i >= n) {
            break;
        }
        if (p[i] < 0x80) {
            if (p[i] == 0 || p[i] == '\\') {
                return false;
            }
            *quotes += p[i] == '\'';
            i++;
            continue;
        }
        len = json_utf8_seq(p + i, n - i, &bad);
        if (len == 0) {
            return false;
        }
        i += len;
    }
    return true;
}

/* '...' with every ' doubled. */
static void
put_quoted(struct pbuf *out, const uint8_t *p, size_t n, size_t quotes)
{
    const uint8_t *q;
    size_t i = 0, run;
    uint8_t *o;

    if (!pbuf_reserve(out, n + quotes + 2)) {
        return;
    }
    o = out->data + out->len;
    *o++ = '\'';
    while (i < n) {
        q = memchr(p + i, '\'', n - i);
        run = q != NULL ? (size_t)(q - (p + i)) + 1 : n - i;
        memcpy(o, p + i, run);
        o += run;
        if (q != NULL) {
            *o++ = '\'';
        }
        i += run;
    }
    *o++ = '\'';
    out->len = (size_t)(o - out->data);
}

void
sqlenc_text(struct pbuf *out, const void *p, size_t n)
{
    size_t quotes;

    if (plain_utf8(p, n, &quotes)) {
        put_quoted(out, p, n, quotes);
    } else {
        put_hex(out, "_utf8mb4 ", p, n, 0);
    }
}

/* Text p[0..n) of a column in character set cs (known, not binary). */
static void
put_charset_text(struct pbuf *out, enum mysql_charset cs, const uint8_t *p,
                 size_t n)
{
    char prefix[24];
    size_t quotes;

    if (n == 0 || mysql_charset_is_utf8(cs) ||
        (mysql_charset_ascii_compatible(cs) && mysql_ascii_only(p, n))) {
        /* utf8mb3 text is utf8mb4 text, and ASCII is the same in both */
        if (plain_utf8(p, n, &quotes)) {
            put_quoted(out, p, n, quotes);
            return;
        }
        if (mysql_charset_is_utf8(cs)) {
            cs = MYCS_UTF8MB4;
        }
    }
    snprintf(prefix, sizeof(prefix), "_%s ", mysql_charset_name(cs));
    put_hex(out, prefix, p, n, 0);
}

static int
enc_string(struct pbuf *out, const struct mysql_column *col,
           const struct mysql_value *v, struct sqlenc_ctx *ctx)
{
    const struct span *s = &v->v.bytes;
    enum mysql_charset cs;
    size_t pad = 0;
    uint8_t rt;
    uint32_t flen;

    if (col->type == MYT_VECTOR) {
        put_hex(out, "", s->p, s->len, 0);
        return 0;
    }
    cs = mysql_charset_of_collation(col->charset);
    if (cs == MYCS_UNKNOWN) {
        return enc_fail(ctx, PROTO_EUNSUPPORTED,
                        "unknown collation id %u of a column of type %u",
                        (unsigned)col->charset, (unsigned)col->type);
    }
    if (cs != MYCS_BINARY) {
        put_charset_text(out, cs, s->p, s->len);
        return 0;
    }
    if (col->type == MYT_STRING) {
        /* BINARY(n): the binlog dropped the trailing zero bytes */
        binlog_string_meta(col->type, col->meta, &rt, &flen);
        if (rt == MYT_STRING && flen > s->len) {
            pad = flen - s->len;
        }
    }
    put_hex(out, "", s->p, s->len, pad);
    return 0;
}

/* ---- ENUM and SET ---- */

/* Character set of the member names: the column's, UTF-8 when unknown. */
static enum mysql_charset
member_charset(const struct mysql_column *col)
{
    enum mysql_charset cs = mysql_charset_of_collation(col->charset);

    return cs == MYCS_UNKNOWN || cs == MYCS_BINARY ? MYCS_UTF8MB4 : cs;
}

/* Appends the UTF-8 form of one member name to ctx->scratch. */
static int
member_utf8(struct sqlenc_ctx *ctx, enum mysql_charset cs,
            const struct span *name)
{
    int rc;

    if (mysql_charset_is_utf8(cs) ||
        (mysql_charset_ascii_compatible(cs) && mysql_ascii_only(name->p, name->len))) {
        pbuf_put(&ctx->scratch, name->p, name->len);
        return 0;
    }
    rc = mysql_charset_to_utf8(&ctx->scratch, cs, name->p, name->len, &ctx->cs);
    if (rc == -PROTO_ENOMEM) {
        return enc_fail(ctx, PROTO_ENOMEM, "out of memory converting %s",
                        mysql_charset_name(cs));
    }
    if (rc < 0) {
        return enc_fail(ctx, PROTO_EUNSUPPORTED,
                        "no converter from character set %s to UTF-8",
                        mysql_charset_name(cs));
    }
    return 0;
}

static int
enc_enum(struct pbuf *out, const struct mysql_column *col,
         const struct mysql_value *v, struct sqlenc_ctx *ctx)
{
    int rc;

    if (v->v.u == 0) {
        /* the error value: only a number reaches it, and not in strict
         * mode (MariaDB 10.11: ERROR 1265 Data truncated) */
        ctx->lenient = true;
        pbuf_putc(out, '0');
        return 0;
    }
    if (col->enum_values == NULL) {
        return enc_fail(ctx, PROTO_EUNSUPPORTED,
                        "ENUM member names unknown (enable "
                        "binlog_row_metadata=FULL)");
    }
    if (v->v.u > col->n_enum_values) {
        return enc_fail(
            ctx, PROTO_EMALFORMED, "ENUM index %llu beyond its %u members",
            (unsigned long long)v->v.u, (unsigned)col->n_enum_values);
    }
    pbuf_reset(&ctx->scratch);
    rc = member_utf8(ctx, member_charset(col), &col->enum_values[v->v.u - 1]);
    if (rc < 0) {
        return rc;
    }
    if (ctx->scratch.failed) {
        return enc_fail(ctx, PROTO_ENOMEM, "out of memory building ENUM");
    }
    sqlenc_text(out, ctx->scratch.data, ctx->scratch.len);
    return 0;
}

static int
enc_set(struct pbuf *out, const struct mysql_column *col,
        const struct mysql_value *v, struct sqlenc_ctx *ctx)
{
    enum mysql_charset cs;
    uint64_t bits = v->v.u;
    uint32_t i;
    int rc;

    if (bits == 0) {
        pbuf_put(out, "''", 2);
        return 0;
    }
    if (col->enum_values == NULL) {
        return enc_fail(ctx, PROTO_EUNSUPPORTED,
                        "SET member names unknown (enable "
                        "binlog_row_metadata=FULL)");
    }
    if (col->n_enum_values < 64 && (bits >> col->n_enum_values) != 0) {
        return enc_fail(ctx, PROTO_EMALFORMED,
                        "SET value 0x%llx has bits beyond its %u members",
                        (unsigned long long)bits, (unsigned)col->n_enum_values);
    }
    cs = member_charset(col);
    pbuf_reset(&ctx->scratch);
    for (i = 0; i < col->n_enum_values && i < 64; i++) {
        if ((bits & ((uint64_t)1 << i)) == 0) {
            continue;
        }
        if (ctx->scratch.len > 0) {
            pbuf_putc(&ctx->scratch, ',');
        }
        rc = member_utf8(ctx, cs, &col->enum_values[i]);
        if (rc < 0) {
            return rc;
        }
    }
    if (ctx->scratch.failed) {
        return enc_fail(ctx, PROTO_ENOMEM, "out of memory building SET");
    }
    sqlenc_text(out, ctx->scratch.data, ctx->scratch.len);
    return 0;
}

/* ---- numbers ---- */

/*
 * DECIMAL text: [+-]digits[.digits], at least one digit.  The pre-5.0
 * DECIMAL stores its text as the client wrote it, so "+5." and ".5"
 * occur: written 5 and 0.5.
 */
static int
enc_decimal(struct pbuf *out, const struct mysql_value *v,
            struct sqlenc_ctx *ctx)
{
    const char *t = v->v.dec.text;
    size_t n = strnlen(t, sizeof(v->v.dec.text)), i = 0, int_start, int_end,
           frac_end;

    if (n > 0 && (t[0] == '-' || t[0] == '+')) {
        i = 1;
    }
    int_start = i;
    while (i < n && t[i] >= '0' && t[i] <= '9') {
        i++;
    }
    int_end = i;
    if (i < n && t[i] == '.') {
        i++;
        while (i < n && t[i] >= '0' && t[i] <= '9') {
            i++;
        }
    }
    frac_end = i;
    if (i != n || n == sizeof(v->v.dec.text) ||
        (int_end == int_start && frac_end <= int_end + 1)) {
        return enc_fail(ctx, PROTO_EMALFORMED, "DECIMAL text is not a number");
    }
    if (t[0] == '-') {
        pbuf_putc(out, '-');
    }
    if (int_end == int_start) {
        pbuf_putc(out, '0');
    }
    pbuf_put(out, t + int_start, int_end - int_start);
    if (frac_end > int_end + 1) {
        pbuf_put(out, t + int_end, frac_end - int_end);
    }
    return 0;
}

static int
enc_double(struct pbuf *out, double d, const char *what, struct sqlenc_ctx *ctx)
{
    char tmp[JSON_NUM_TEXT_MAX];
    size_t n = json_double_repr(d, tmp);

    if (n == 0) {
        return enc_fail(ctx, PROTO_EUNSUPPORTED,
                        "%s value %s has no SQL literal", what,
                        isnan(d) ? "NaN" : "infinity");
    }
    pbuf_put(out, tmp, n);
    return 0;
}

/* ---- dates and times ---- */

/* Quoted temporal text of v; false when v is not temporal. */
static bool
enc_temporal(struct pbuf *out, const struct mysql_value *v)
{
    char buf[MYSQL_TEMPORAL_TEXT_MAX + 2], *o;

    buf[0] = '\'';
    o = mysql_format_temporal(buf + 1, v);
    if (o == NULL) {
        return false;
    }
    *o++ = '\'';
    pbuf_put(out, buf, (size_t)(o - buf));
    return true;
}

/* ---- JSON ---- */

static int
json_fail(struct sqlenc_ctx *ctx, int rc, const struct jsonb_error *err,
          size_t len)
{
    return enc_fail(ctx, -rc, "%s at offset %zu of a %zu-byte JSON value",
                    err->reason ? err->reason : proto_err_name(rc), err->offset,
                    len);
}

static int
enc_json(struct pbuf *out, const struct mysql_value *v, struct sqlenc_ctx *ctx)
{
    struct jsonb_error err = {NULL, 0};
    int rc;

    pbuf_reset(&ctx->scratch);
    rc = jsonb_to_json(&ctx->scratch, v->v.bytes.p, v->v.bytes.len,
                       JSONB_MYSQL_SPACING, &err);
    if (rc < 0) {
        return json_fail(ctx, rc, &err, v->v.bytes.len);
    }
    sqlenc_text(out, ctx->scratch.data, ctx->scratch.len);
    return 0;
}

int
sqlenc_json_diff(struct pbuf *out, const struct mysql_value *before,
                 const struct mysql_value *diff, struct sqlenc_ctx *ctx)
{
    struct jsonb_error err = {NULL, 0};
    size_t start = out->len;
    int rc;

    ctx->err[0] = '\0';
    if (before->kind != MYV_JSON || diff->kind != MYV_JSON) {
        return enc_fail(ctx, PROTO_EUNSUPPORTED,
                        "partial JSON update without the before document "
                        "(binlog_row_image=FULL needed)");
    }
    pbuf_reset(&ctx->scratch);
    rc = jsonb_apply_diffs(
        &ctx->scratch, before->v.bytes.p, before->v.bytes.len, diff->v.bytes.p,
        diff->v.bytes.len, JSONB_MYSQL_SPACING, &ctx->tree, &err);
    if (rc < 0) {
        return json_fail(ctx, rc, &err, diff->v.bytes.len);
    }
    sqlenc_text(out, ctx->scratch.data, ctx->scratch.len);
    if (out->failed) {
        out->len = start;
        return enc_fail(ctx, PROTO_ENOMEM, "output buffer full");
    }
    return 0;
}

/* ---- values ---- */

static int
enc_value(struct pbuf *out, const struct mysql_column *col,
          const struct mysql_value *v, struct sqlenc_ctx *ctx)
{
    switch (v->kind) {
    case MYV_NULL:
        pbuf_put(out, "NULL", 4);
        return 0;
    case MYV_INT:
        pbuf_put_i64(out, v->v.i);
        return 0;
    case MYV_UINT:
    case MYV_BIT:
    case MYV_YEAR:
        /* YEAR 0 as the number 0: the string '0' would be 2000 */
        pbuf_put_u64(out, v->v.u);
        return 0;
    case MYV_FLOAT:
        /* the float's exact double: stores the same float and compares
         * equal to the column, which the server reads as a DOUBLE */
        return enc_double(out, (double)v->v.f, "FLOAT", ctx);
    case MYV_DOUBLE:
        return enc_double(out, v->v.d, "DOUBLE", ctx);
    case MYV_DECIMAL:
        return enc_decimal(out, v, ctx);
    case MYV_DATE:
    case MYV_TIME:
    case MYV_DATETIME:
    case MYV_TIMESTAMP:
        enc_temporal(out, v);
        return 0;
    case MYV_STRING:
        return enc_string(out, col, v, ctx);
    case MYV_ENUM:
        return enc_enum(out, col, v, ctx);
    case MYV_SET:
        return enc_set(out, col, v, ctx);
    case MYV_JSON:
        return enc_json(out, v, ctx);
    case MYV_GEOMETRY:
        /* SRID + WKB is the server's own storage format */
        put_hex(out, "", v->v.bytes.p, v->v.bytes.len, 0);
        return 0;
    case MYV_ABSENT:
        return enc_fail(ctx, PROTO_EUNSUPPORTED,
                        "column is not in the row image");
    default:
        return enc_fail(ctx, PROTO_EUNSUPPORTED, "unknown value kind %d",
                        (int)v->kind);
    }
}

int
sqlenc_value(struct pbuf *out, const struct mysql_column *col,
             const struct mysql_value *v, struct sqlenc_ctx *ctx)
{
    size_t start = out->len;
    int rc;

    ctx->err[0] = '\0';
    rc = enc_value(out, col, v, ctx);
    if (rc == 0 && out->failed) {
        rc = enc_fail(ctx, PROTO_ENOMEM, "output buffer full");
    }
    if (rc < 0) {
        out->len = start;
    }
    return rc;
}
