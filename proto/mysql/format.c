/*
 * format.c - column values to tandem's JSON values (see format.h).
 *
 * Everything is written straight into the caller's pbuf; the only scratch
 * space is ctx->scratch (charset conversion, BINARY padding), reused.
 * Dates and times are built from digits without printf.
 */
#include "proto/mysql/format.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/json.h"
#include "proto/mysql/jsonb.h"

static const uint32_t fmt_pow10[7] = {1, 10, 100, 1000, 10000, 100000,
                                      1000000};

void
mysql_format_ctx_free(struct mysql_format_ctx *ctx)
{
    if (ctx == NULL) {
        return;
    }
    pbuf_free(&ctx->scratch);
    mysql_charset_cache_free(&ctx->cs);
    memset(ctx, 0, sizeof(*ctx));
}

static int fmt_fail(struct mysql_format_ctx *ctx, int code, const char *fmt,
                    ...) __attribute__((format(printf, 3, 4)));

static int
fmt_fail(struct mysql_format_ctx *ctx, int code, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(ctx->err, sizeof(ctx->err), fmt, ap);
    va_end(ap);
    return -code;
}

static enum mysql_charset
fmt_charset(struct mysql_format_ctx *ctx, unsigned coll)
{
    /* a zeroed ctx holds {0, MYCS_UNKNOWN}, which is right for id 0 */
    if (coll != ctx->last_coll) {
        ctx->last_cs = mysql_charset_of_collation(coll);
        ctx->last_coll = coll;
    }
    return ctx->last_cs;
}

uint32_t
mysql_format_string_len(const struct mysql_column *col)
{
    unsigned b0, b1;

    if (col->type != MYT_STRING) {
        return 0;
    }
    b0 = col->meta >> 8;
    b1 = col->meta & 0xff;
    if ((b0 & 0x30) != 0x30) {
        /* CHAR over 255 bytes: two length bits in byte0 (MySQL #37426) */
        return b1 | (((b0 & 0x30) ^ 0x30) << 4);
    }
    return b1;
}

/* Real type of a STRING column (STRING, ENUM or SET). */
static unsigned
fmt_real_type(const struct mysql_column *col)
{
    unsigned b0 = col->meta >> 8;

    if (col->type != MYT_STRING || b0 == 0) {
        return col->type;
    }
    return (b0 & 0x30) != 0x30 ? (b0 | 0x30) : b0;
}

/* ".ffffff" cut to frac digits (none for 0). */
static char *
fmt_frac(char *o, uint32_t usec, unsigned frac)
{
    if (frac == 0) {
        return o;
    }
    if (frac > 6) {
        frac = 6;
    }
    if (usec > 999999) {
        usec = 999999;
    }
    *o++ = '.';
    return json_digits(o, usec / fmt_pow10[6 - frac], frac);
}

static char *
fmt_date(char *o, unsigned y, unsigned m, unsigned d)
{
    o = json_digits(o, y, 4);
    *o++ = '-';
    o = json_digits(o, m, 2);
    *o++ = '-';
    return json_digits(o, d, 2);
}

static char *
fmt_hms(char *o, uint64_t h, unsigned m, unsigned s)
{
    o = json_digits(o, h, 2);
    *o++ = ':';
    o = json_digits(o, m, 2);
    *o++ = ':';
    return json_digits(o, s, 2);
}

/* Proleptic Gregorian date of a day count from 1970-01-01 (H. Hinnant's
 * civil_from_days). */
static void
fmt_civil(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;

    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

char *
mysql_format_temporal(char *o, const struct mysql_value *v)
{
    int64_t sec, days, y, sod;
    unsigned m, d;

    switch (v->kind) {
    case MYV_DATE:
        return fmt_date(o, v->v.tm.year, v->v.tm.month, v->v.tm.day);
    case MYV_TIME:
        if (v->v.tm.neg) {
            *o++ = '-';
        }
        o = fmt_hms(o, v->v.tm.hour, v->v.tm.minute, v->v.tm.second);
        return fmt_frac(o, v->v.tm.usec, v->frac);
    case MYV_DATETIME:
        o = fmt_date(o, v->v.tm.year, v->v.tm.month, v->v.tm.day);
        *o++ = ' ';
        o = fmt_hms(o, v->v.tm.hour, v->v.tm.minute, v->v.tm.second);
        return fmt_frac(o, v->v.tm.usec, v->frac);
    case MYV_TIMESTAMP:
        break;
    default:
        return NULL;
    }
    sec = v->v.ts.sec;
    if (sec == 0 && v->v.ts.usec == 0) {
        /* MySQL stores the zero TIMESTAMP as 0 */
        memcpy(o, "0000-00-00 00:00:00", 19);
        return fmt_frac(o + 19, 0, v->frac);
    }
    days = sec / 86400;
    sod = sec % 86400;
    if (sod < 0) {
        sod += 86400;
        days--;
    }
    fmt_civil(days, &y, &m, &d);
    o = fmt_date(o, y < 0 ? 0 : (unsigned)y, m, d);
    *o++ = ' ';
    o = fmt_hms(o, (uint64_t)(sod / 3600), (unsigned)(sod / 60 % 60),
                (unsigned)(sod % 60));
    return fmt_frac(o, v->v.ts.usec, v->frac);
}

/* Quoted base64 of p[0..n) padded with zero bytes up to pad_to. */
static int
fmt_base64(struct pbuf *out, const uint8_t *p, size_t n, size_t pad_to,
           struct mysql_format_ctx *ctx)
{
    if (pad_to <= n) {
        json_put_base64(out, p, n);
        return 0;
    }
    pbuf_reset(&ctx->scratch);
    pbuf_put(&ctx->scratch, p, n);
    if (pbuf_reserve(&ctx->scratch, pad_to - n)) {
        memset(ctx->scratch.data + ctx->scratch.len, 0, pad_to - n);
        ctx->scratch.len += pad_to - n;
    }
    if (ctx->scratch.failed) {
        return fmt_fail(ctx, PROTO_ENOMEM, "out of memory padding BINARY");
    }
    json_put_base64(out, ctx->scratch.data, ctx->scratch.len);
    return 0;
}

/*
 * Escaped text of p[0..n) in charset cs, without quotes.  cs must be known
 * and not binary.
 */
static int
fmt_text_body(struct pbuf *out, enum mysql_charset cs, const uint8_t *p,
              size_t n, struct mysql_format_ctx *ctx)
{
    int rc;

    if (mysql_charset_is_utf8(cs) ||
        (mysql_charset_ascii_compatible(cs) && mysql_ascii_only(p, n))) {
        json_put_str_body(out, p, n);
        return 0;
    }
    pbuf_reset(&ctx->scratch);
    rc = mysql_charset_to_utf8(&ctx->scratch, cs, p, n, &ctx->cs);
    if (rc == -PROTO_ENOMEM) {
        return fmt_fail(ctx, PROTO_ENOMEM, "out of memory converting %s",
                        mysql_charset_name(cs));
    }
    if (rc < 0) {
        return fmt_fail(ctx, PROTO_EUNSUPPORTED,
                        "no converter from character set %s to UTF-8",
                        mysql_charset_name(cs));
    }
    json_put_str_body(out, ctx->scratch.data, ctx->scratch.len);
    return 0;
}

static int
fmt_string(struct pbuf *out, const struct mysql_column *col,
           const struct mysql_value *v, struct mysql_format_ctx *ctx)
{
    const struct span *s = &v->v.bytes;
    enum mysql_charset cs;
    int rc;

    if (col->type == MYT_GEOMETRY) {
        json_put_base64(out, s->p, s->len);
        return 0;
    }
    cs = fmt_charset(ctx, col->charset);
    if (cs == MYCS_UNKNOWN) {
        return fmt_fail(ctx, PROTO_EUNSUPPORTED,
                        "unknown collation id %u of a column of type %u",
                        (unsigned)col->charset, (unsigned)col->type);
    }
    if (cs == MYCS_BINARY) {
        size_t pad = 0;

        if (fmt_real_type(col) == MYT_STRING) {
            pad = mysql_format_string_len(col);
        }
        return fmt_base64(out, s->p, s->len, pad, ctx);
    }
    pbuf_putc(out, '"');
    rc = fmt_text_body(out, cs, s->p, s->len, ctx);
    pbuf_putc(out, '"');
    return rc;
}

/* Member names of ENUM/SET are in the column's charset; when that is not
 * known (or binary) they are taken as UTF-8. */
static enum mysql_charset
fmt_member_charset(struct mysql_format_ctx *ctx,
                   const struct mysql_column *col)
{
    enum mysql_charset cs = fmt_charset(ctx, col->charset);

    return cs == MYCS_UNKNOWN || cs == MYCS_BINARY ? MYCS_UTF8MB4 : cs;
}

static int
fmt_enum(struct pbuf *out, const struct mysql_column *col,
         const struct mysql_value *v, struct mysql_format_ctx *ctx)
{
    const struct span *name;
    int rc;

    if (v->v.u == 0) {
        pbuf_put(out, "\"\"", 2);
        return 0;
    }
    if (col->enum_values == NULL) {
        return fmt_fail(ctx, PROTO_EUNSUPPORTED,
                        "ENUM member names unknown (enable "
                        "binlog_row_metadata=FULL)");
    }
    if (v->v.u > col->n_enum_values) {
        return fmt_fail(ctx, PROTO_EMALFORMED,
                        "ENUM index %llu beyond its %u members",
                        (unsigned long long)v->v.u,
                        (unsigned)col->n_enum_values);
    }
    name = &col->enum_values[v->v.u - 1];
    pbuf_putc(out, '"');
    rc = fmt_text_body(out, fmt_member_charset(ctx, col), name->p, name->len,
                       ctx);
    pbuf_putc(out, '"');
    return rc;
}

static int
fmt_set(struct pbuf *out, const struct mysql_column *col,
        const struct mysql_value *v, struct mysql_format_ctx *ctx)
{
    enum mysql_charset cs;
    uint64_t bits = v->v.u;
    uint32_t i;
    bool first = true;
    int rc;

    if (bits == 0) {
        pbuf_put(out, "\"\"", 2);
        return 0;
    }
    if (col->enum_values == NULL) {
        return fmt_fail(ctx, PROTO_EUNSUPPORTED,
                        "SET member names unknown (enable "
                        "binlog_row_metadata=FULL)");
    }
    if (col->n_enum_values < 64 && (bits >> col->n_enum_values) != 0) {
        return fmt_fail(ctx, PROTO_EMALFORMED,
                        "SET value 0x%llx has bits beyond its %u members",
                        (unsigned long long)bits,
                        (unsigned)col->n_enum_values);
    }
    cs = fmt_member_charset(ctx, col);
    pbuf_putc(out, '"');
    for (i = 0; i < col->n_enum_values && i < 64; i++) {
        if ((bits & ((uint64_t)1 << i)) == 0) {
            continue;
        }
        if (!first) {
            pbuf_putc(out, ',');
        }
        first = false;
        rc = fmt_text_body(out, cs, col->enum_values[i].p,
                           col->enum_values[i].len, ctx);
        if (rc < 0) {
            return rc;
        }
    }
    pbuf_putc(out, '"');
    return 0;
}

static int
fmt_json(struct pbuf *out, const struct mysql_value *v,
         struct mysql_format_ctx *ctx)
{
    struct jsonb_error err;
    int rc = jsonb_to_json(out, v->v.bytes.p, v->v.bytes.len, JSONB_COMPACT,
                           &err);

    if (rc < 0) {
        return fmt_fail(ctx, -rc, "%s at offset %zu of a %zu-byte JSON value",
                        err.reason ? err.reason : proto_err_name(rc),
                        err.offset, v->v.bytes.len);
    }
    return 0;
}

static int
fmt_value(struct pbuf *out, const struct mysql_column *col,
          const struct mysql_value *v, struct mysql_format_ctx *ctx)
{
    /* temporal text is built here, then copied once */
    char buf[80], *o = buf + 1;

    buf[0] = '"';
    switch (v->kind) {
    case MYV_NULL:
        json_put_null(out);
        return 0;
    case MYV_INT:
        json_put_i64(out, v->v.i);
        return 0;
    case MYV_UINT:
    case MYV_BIT:
        json_put_u64(out, v->v.u);
        return 0;
    case MYV_FLOAT:
        json_put_float(out, v->v.f);
        return 0;
    case MYV_DOUBLE:
        json_put_double(out, v->v.d);
        return 0;
    case MYV_DECIMAL: {
        size_t n = v->v.dec.len;

        if (n >= sizeof(v->v.dec.text)) {
            n = strnlen(v->v.dec.text, sizeof(v->v.dec.text));
        }
        json_put_str(out, v->v.dec.text, n);
        return 0;
    }
    case MYV_DATE:
    case MYV_TIME:
    case MYV_DATETIME:
    case MYV_TIMESTAMP:
        o = mysql_format_temporal(o, v);
        break;
    case MYV_YEAR:
        o = json_digits(o, v->v.u, 4);
        break;
    case MYV_STRING:
        return fmt_string(out, col, v, ctx);
    case MYV_ENUM:
        return fmt_enum(out, col, v, ctx);
    case MYV_SET:
        return fmt_set(out, col, v, ctx);
    case MYV_JSON:
        return fmt_json(out, v, ctx);
    case MYV_GEOMETRY:
        json_put_base64(out, v->v.bytes.p, v->v.bytes.len);
        return 0;
    case MYV_ABSENT:
        return fmt_fail(ctx, PROTO_EUNSUPPORTED,
                        "column is not in the row image");
    default:
        return fmt_fail(ctx, PROTO_EUNSUPPORTED, "unknown value kind %d",
                        (int)v->kind);
    }
    *o++ = '"';
    pbuf_put(out, buf, (size_t)(o - buf));
    return 0;
}

int
mysql_format_value(struct pbuf *out, const struct mysql_column *col,
                   const struct mysql_value *v, struct mysql_format_ctx *ctx)
{
    size_t start = out->len;
    int rc;

    ctx->err[0] = '\0';
    rc = fmt_value(out, col, v, ctx);
    if (rc == 0 && out->failed) {
        rc = fmt_fail(ctx, PROTO_ENOMEM, "output buffer full");
    }
    if (rc < 0) {
        out->len = start;
    }
    return rc;
}
