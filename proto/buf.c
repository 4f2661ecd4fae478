/*
 * buf.c - growth and formatting helpers for struct pbuf (see buf.h).
 */
#include "proto/buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static const char *const proto_err_names[PROTO_ERR_COUNT] = {
    [PROTO_OK] = "ok",
    [PROTO_EMALFORMED] = "malformed",
    [PROTO_ETRUNCATED] = "truncated",
    [PROTO_EUNSUPPORTED] = "unsupported",
    [PROTO_ECHECKSUM] = "checksum mismatch",
    [PROTO_ELIMIT] = "size limit reached",
    [PROTO_ENOMEM] = "out of memory",
};

const char *
proto_err_name(int err)
{
    if (err < 0) {
        err = -err;
    }
    if (err >= PROTO_ERR_COUNT) {
        return "unknown error";
    }
    return proto_err_names[err];
}

bool
pbuf_grow_(struct pbuf *b, size_t n)
{
    size_t want, cap;
    uint8_t *p;

    if (b->failed) {
        return false;
    }
    if (n <= b->cap - b->len) {
        return true;
    }
    if (n > SIZE_MAX / 2 - b->len) {
        b->failed = true;
        return false;
    }
    want = b->len + n;
    if (b->limit != 0 && want > b->limit) {
        b->failed = true;
        return false;
    }
    cap = b->cap ? b->cap : 256;
    while (cap < want) {
        cap *= 2;
    }
    if (b->limit != 0 && cap > b->limit) {
        cap = b->limit;
    }
    p = realloc(b->data, cap);
    if (p == NULL) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void
pbuf_free(struct pbuf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->failed = false;
}

uint64_t
span_u64(struct span s)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < s.len && s.p[i] >= '0' && s.p[i] <= '9'; i++) {
        unsigned d = (unsigned)(s.p[i] - '0');

        if (v > (UINT64_MAX - d) / 10) {
            return UINT64_MAX;
        }
        v = v * 10 + d;
    }
    return v;
}

char *
span_strdup(struct span s)
{
    char *p = malloc(s.len + 1);

    if (p != NULL) {
        if (s.len > 0) {
            memcpy(p, s.p, s.len);
        }
        p[s.len] = '\0';
    }
    return p;
}

void
pbuf_put_pair(struct pbuf *p, struct span a, struct span b)
{
    pbuf_put(p, a.p, a.len);
    pbuf_putc(p, '\0');
    pbuf_put(p, b.p, b.len);
    pbuf_putc(p, '\0');
}

bool
pbuf_has_pair(const struct pbuf *p, const char *a, const char *b)
{
    const char *x, *end;

    if (p->len == 0) {
        return false;
    }
    x = (const char *)p->data;
    end = x + p->len;
    while (x < end) {
        const char *y = x + strlen(x) + 1;

        if (strcmp(x, a) == 0 && strcmp(y, b) == 0) {
            return true;
        }
        x = y + strlen(y) + 1;
    }
    return false;
}

void
pbuf_put_lenenc(struct pbuf *b, uint64_t v)
{
    if (v < 0xfb) {
        pbuf_put_uint(b, v, 1);
    } else if (v <= 0xffff) {
        pbuf_putc(b, (char)0xfc);
        pbuf_put_uint(b, v, 2);
    } else if (v <= 0xffffff) {
        pbuf_putc(b, (char)0xfd);
        pbuf_put_uint(b, v, 3);
    } else {
        pbuf_putc(b, (char)0xfe);
        pbuf_put_uint(b, v, 8);
    }
}

void
pbuf_printf(struct pbuf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (b->failed) {
        return;
    }
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !pbuf_reserve(b, (size_t)n + 1)) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void
pbuf_put_u64(struct pbuf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    pbuf_put(b, tmp + i, sizeof(tmp) - i);
}

void
pbuf_put_i64(struct pbuf *b, int64_t v)
{
    if (v < 0) {
        pbuf_putc(b, '-');
        pbuf_put_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        pbuf_put_u64(b, (uint64_t)v);
    }
}

void
hexdump32(char *out, size_t outlen, const uint8_t *p, size_t n)
{
    size_t i, o = 0;

    if (outlen == 0) {
        return;
    }
    out[0] = '\0';
    if (n > 32) {
        n = 32;
    }
    for (i = 0; i < n && o + 4 < outlen; i++) {
        o += (size_t)snprintf(out + o, outlen - o, i ? " %02x" : "%02x",
                              p[i]);
    }
}
