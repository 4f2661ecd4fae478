/*
 * json.c - JSON text writer (see json.h).
 *
 * String escaping works on chunks of at most JSON_CHUNK input bytes: room
 * for the worst case of a chunk (6 output bytes per input byte, "\u00xx")
 * is reserved once, then the inner loop writes through a raw pointer,
 * copying runs of plain bytes with memcpy, so there is no call per byte.
 */
#include "proto/json.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Input bytes escaped per reserved block. */
#define JSON_CHUNK 4096

/* Worst-case output bytes for one chunk: a sequence that starts in the
 * chunk may end 3 bytes after it. */
#define JSON_CHUNK_ROOM(n) ((n) * 6 + 32)

/*
 * Byte classes: 0 copies as is, 1 needs an escape, 2 starts (or breaks) a
 * UTF-8 multi-byte sequence.
 */
static const uint8_t json_cls[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x00 */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /* 0x10 */
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x20 " */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x30 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x40 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, /* 0x50 \ */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x60 */
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* 0x70 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, /* 0x80 */
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
};

static const char json_hex[] = "0123456789abcdef";

static const char json_b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/*
 * RFC 3629 well-formedness (Unicode 15 table 3-7): the second byte's range
 * depends on the lead byte, which excludes overlongs, surrogates and code
 * points above U+10FFFF.
 */
static inline size_t
utf8_seq(const uint8_t *p, size_t n, size_t *bad)
{
    uint8_t c = p[0];
    uint8_t lo = 0x80, hi = 0xbf;
    size_t need, i;

    if (c < 0x80) {
        return 1;
    }
    if (c < 0xc2) {
        *bad = 1;
        return 0;
    }
    if (c < 0xe0) {
        need = 1;
    } else if (c < 0xf0) {
        need = 2;
        if (c == 0xe0) {
            lo = 0xa0;
        } else if (c == 0xed) {
            hi = 0x9f;
        }
    } else if (c < 0xf5) {
        need = 3;
        if (c == 0xf0) {
            lo = 0x90;
        } else if (c == 0xf4) {
            hi = 0x8f;
        }
    } else {
        *bad = 1;
        return 0;
    }
    if (n < 2 || p[1] < lo || p[1] > hi) {
        *bad = 1;
        return 0;
    }
    for (i = 2; i <= need; i++) {
        if (i >= n || (p[i] & 0xc0) != 0x80) {
            *bad = i;
            return 0;
        }
    }
    return need + 1;
}

size_t
json_utf8_seq(const uint8_t *p, size_t n, size_t *bad)
{
    *bad = 0;
    if (n == 0) {
        return 0;
    }
    return utf8_seq(p, n, bad);
}

/*
 * True when none of the 8 bytes of w needs attention: no control byte, no
 * '"', no '\\', no byte >= 0x80 (the zero-byte test of "Bit Twiddling
 * Hacks", which is exact for "is there any").
 */
static inline bool
json_word_plain(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull;
    const uint64_t high = 0x8080808080808080ull;
    uint64_t q = w ^ (ones * '"');
    uint64_t s = w ^ (ones * '\\');
    uint64_t hits = (w & high) | ((w - ones * 0x20) & ~w & high) |
                    ((q - ones) & ~q & high) | ((s - ones) & ~s & high);

    return hits == 0;
}

void
json_put_str_body(struct pbuf *b, const void *vp, size_t n)
{
    const uint8_t *p = vp;
    const uint8_t *end = p + n;

    while (p < end) {
        size_t chunk = (size_t)(end - p) < JSON_CHUNK ? (size_t)(end - p)
                                                      : JSON_CHUNK;
        const uint8_t *cend = p + chunk;
        uint8_t *o;

        if (b->limit != 0 && b->len < b->limit &&
            JSON_CHUNK_ROOM(chunk) > b->limit - b->len &&
            b->limit - b->len > JSON_CHUNK_ROOM(1)) {
            /* near the limit: a smaller worst case that may still fit */
            chunk = (b->limit - b->len - JSON_CHUNK_ROOM(0)) / 6;
            cend = p + chunk;
        }
        if (!pbuf_reserve(b, JSON_CHUNK_ROOM(chunk))) {
            return;
        }
        o = b->data + b->len;
        while (p < cend) {
            const uint8_t *run = p;
            size_t k, bad = 0;
            uint8_t c;

            /* the run goes on over plain bytes and whole UTF-8 sequences
             * (one may end up to 3 bytes past cend: within the room) */
            for (;;) {
#if defined(__SSE2__)
                /* 16 bytes at a time: a control byte, '"', '\\' or a
                 * byte >= 0x80 (negative as a signed byte) ends the run. */
                while (cend - p >= 16) {
                    __m128i v = _mm_loadu_si128((const __m128i *)
                                                (const void *)p);
                    __m128i bad16 = _mm_or_si128(
                        _mm_cmplt_epi8(v, _mm_set1_epi8(0x20)),
                        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                     _mm_cmpeq_epi8(v,
                                                    _mm_set1_epi8('\\'))));
                    int m = _mm_movemask_epi8(bad16);

                    if (m != 0) {
                        p += __builtin_ctz((unsigned)m);
                        break;
                    }
                    p += 16;
                }
#endif
                while (cend - p >= 8) {
                    uint64_t w;

                    memcpy(&w, p, 8);
                    if (!json_word_plain(w)) {
                        break;
                    }
                    p += 8;
                }
                while (p < cend && json_cls[*p] == 0) {
                    p++;
                }
                if (p < cend && json_cls[*p] == 2 &&
                    (k = utf8_seq(p, (size_t)(end - p), &bad)) != 0) {
                    p += k;
                    continue;
                }
                break;
            }
            if (p > run) {
                memcpy(o, run, (size_t)(p - run));
                o += p - run;
            }
            if (p >= cend) {
                break;
            }
            c = *p;
            if (json_cls[c] == 1) {
                *o++ = '\\';
                switch (c) {
                case '"':
                case '\\':
                    *o++ = c;
                    break;
                case '\b':
                    *o++ = 'b';
                    break;
                case '\f':
                    *o++ = 'f';
                    break;
                case '\n':
                    *o++ = 'n';
                    break;
                case '\r':
                    *o++ = 'r';
                    break;
                case '\t':
                    *o++ = 't';
                    break;
                default:
                    *o++ = 'u';
                    *o++ = '0';
                    *o++ = '0';
                    *o++ = (uint8_t)json_hex[c >> 4];
                    *o++ = (uint8_t)json_hex[c & 15];
                    break;
                }
                p++;
            } else {
                /* an ill-formed sequence: bad was set by utf8_seq above */
                *o++ = 0xef;
                *o++ = 0xbf;
                *o++ = 0xbd;
                p += bad;
            }
        }
        b->len = (size_t)(o - b->data);
    }
}

void
json_put_str(struct pbuf *b, const void *p, size_t n)
{
    pbuf_putc(b, '"');
    json_put_str_body(b, p, n);
    pbuf_putc(b, '"');
}

void
json_put_strz(struct pbuf *b, const char *s)
{
    json_put_str(b, s, strlen(s));
}

void
json_put_key(struct pbuf *b, const void *p, size_t n)
{
    json_put_str(b, p, n);
    pbuf_putc(b, ':');
}

void
json_put_keyz(struct pbuf *b, const char *key)
{
    json_put_key(b, key, strlen(key));
}

/* "00" "01" ... "99": two digits per division. */
static const char json_pairs[201] =
    "00010203040506070809101112131415161718192021222324252627282930313233"
    "34353637383940414243444546474849505152535455565758596061626364656667"
    "6869707172737475767778798081828384858687888990919293949596979899";

char *
json_digits(char *o, uint64_t v, unsigned width)
{
    char tmp[24];
    char *t = tmp + sizeof(tmp);
    size_t n;

    /* the fields of dates and times */
    if (v < 100 && width == 2) {
        memcpy(o, json_pairs + 2 * v, 2);
        return o + 2;
    }
    if (v < 10000 && width == 4) {
        memcpy(o, json_pairs + 2 * (v / 100), 2);
        memcpy(o + 2, json_pairs + 2 * (v % 100), 2);
        return o + 4;
    }
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);

        v /= 100;
        t -= 2;
        memcpy(t, json_pairs + 2 * r, 2);
    }
    if (v >= 10) {
        t -= 2;
        memcpy(t, json_pairs + 2 * v, 2);
    } else {
        *--t = (char)('0' + v);
    }
    n = (size_t)(tmp + sizeof(tmp) - t);
    while (n < width && n < 20) {
        *--t = '0';
        n++;
    }
    memcpy(o, t, n);
    return o + n;
}

void
json_put_uint_pad(struct pbuf *b, uint64_t v, unsigned width)
{
    if (!pbuf_reserve(b, 20)) {
        return;
    }
    b->len = (size_t)((uint8_t *)json_digits((char *)b->data + b->len, v,
                                             width) -
                      b->data);
}

/* Decimal digits of v (1..20). */
static unsigned
digit_count(uint64_t v)
{
    unsigned n = 1;

    for (;;) {
        if (v < 10) {
            return n;
        }
        if (v < 100) {
            return n + 1;
        }
        if (v < 1000) {
            return n + 2;
        }
        if (v < 10000) {
            return n + 3;
        }
        v /= 10000;
        n += 4;
    }
}

void
json_put_u64(struct pbuf *b, uint64_t v)
{
    unsigned n = digit_count(v);
    char *o;

    if (!pbuf_reserve(b, 20)) {
        return;
    }
    /* Written from the last digit back, two at a time. */
    o = (char *)b->data + b->len + n;
    b->len += n;
    while (v >= 100) {
        o -= 2;
        memcpy(o, json_pairs + 2 * (v % 100), 2);
        v /= 100;
    }
    if (v >= 10) {
        memcpy(o - 2, json_pairs + 2 * v, 2);
    } else {
        o[-1] = (char)('0' + v);
    }
}

void
json_put_i64(struct pbuf *b, int64_t v)
{
    if (v < 0) {
        pbuf_putc(b, '-');
        json_put_u64(b, (uint64_t)0 - (uint64_t)v);
    } else {
        json_put_u64(b, (uint64_t)v);
    }
}

/*
 * Fast path without printf for the common 1e-4 <= |v| < 1e15: the smallest
 * k with m = round(|v| * 10^k) and m / 10^k == |v| gives the digits.  m and
 * 10^k (k <= 22) are exact doubles, so the IEEE division is the correctly
 * rounded value of the decimal m * 10^-k, i.e. what strtod returns for it;
 * with m < 10^15 there is only one such decimal of at most 15 digits near
 * v, which is what %.15g prints, in the same fixed notation.  Returns the
 * length, or 0 to take the printf path.
 */
static size_t
json_double_fast(double v, char *out)
{
    static const double p10[23] = {
        1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    };
    double a = fabs(v);
    char tmp[24];
    size_t o = 0, i, nd;
    uint64_t m = 0;
    int k;

    if (!(a >= 1e-4 && a < 1e15)) {
        return 0;
    }
    for (k = 0; k <= 22; k++) {
        double x = a * p10[k];

        if (x >= 1e15) {
            return 0;
        }
        m = (uint64_t)(x + 0.5);
        if ((double)m / p10[k] == a) {
            break;
        }
    }
    if (k > 22) {
        return 0;
    }
    if (v < 0) {
        out[o++] = '-';
    }
    /* all digits of m, then the point k digits from the right */
    nd = 0;
    do {
        tmp[nd++] = (char)('0' + m % 10);
        m /= 10;
    } while (m != 0);
    while (nd <= (size_t)k) {
        tmp[nd++] = '0';
    }
    for (i = nd; i > 0; i--) {
        out[o++] = tmp[i - 1];
        if (i - 1 == (size_t)k && k > 0) {
            out[o++] = '.';
        }
    }
    out[o] = '\0';
    return o;
}

/*
 * Any decimal of at most DBL_DIG (FLT_DIG) digits survives a round trip
 * through a normal double (float), so for those the first precision that
 * reads back is the shortest once %g drops trailing zeros.  Subnormals
 * carry fewer bits: there the search starts at one digit.
 */
size_t
json_double_repr(double v, char *out)
{
    int prec, n = 0;
    size_t fast;

    if (!isfinite(v)) {
        out[0] = '\0';
        return 0;
    }
    fast = json_double_fast(v, out);
    if (fast != 0) {
        return fast;
    }
    for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        n = snprintf(out, JSON_NUM_TEXT_MAX, "%.*g", prec, v);
        if (prec == 17 || strtod(out, NULL) == v) {
            break;
        }
    }
    return n > 0 ? (size_t)n : 0;
}

size_t
json_float_repr(float v, char *out)
{
    int prec, n = 0;

    if (!isfinite(v)) {
        out[0] = '\0';
        return 0;
    }
    for (prec = fabsf(v) < FLT_MIN ? 1 : 6; prec <= 9; prec++) {
        n = snprintf(out, JSON_NUM_TEXT_MAX, "%.*g", prec, (double)v);
        if (prec == 9 || strtof(out, NULL) == v) {
            break;
        }
    }
    return n > 0 ? (size_t)n : 0;
}

size_t
json_double_digits(double v, char *digits, int *decpt, bool *neg)
{
    char tmp[JSON_NUM_TEXT_MAX];
    const char *s;
    char *e;
    int prec, n;
    size_t nd = 0;
    long ex;

    digits[0] = '\0';
    if (!isfinite(v)) {
        return 0;
    }
    *neg = signbit(v) != 0;
    if (v == 0) {
        digits[0] = '0';
        digits[1] = '\0';
        *decpt = 1;
        return 1;
    }
    for (prec = fabs(v) < DBL_MIN ? 1 : 15; prec <= 17; prec++) {
        n = snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
        if (n <= 0) {
            return 0;
        }
        if (prec == 17 || strtod(tmp, NULL) == v) {
            break;
        }
    }
    /* tmp is "[-]d.ddde[+-]xx" */
    s = tmp;
    if (*s == '-') {
        s++;
    }
    for (; *s != '\0' && *s != 'e'; s++) {
        if (*s >= '0' && *s <= '9') {
            digits[nd++] = *s;
        }
    }
    if (*s != 'e') {
        return 0;
    }
    ex = strtol(s + 1, &e, 10);
    while (nd > 1 && digits[nd - 1] == '0') {
        nd--;
    }
    digits[nd] = '\0';
    *decpt = (int)ex + 1;
    return nd;
}

void
json_put_double(struct pbuf *b, double v)
{
    char tmp[JSON_NUM_TEXT_MAX];
    size_t n = json_double_repr(v, tmp);

    if (n == 0) {
        pbuf_put(b, "null", 4);
        return;
    }
    pbuf_put(b, tmp, n);
}

void
json_put_float(struct pbuf *b, float v)
{
    char tmp[JSON_NUM_TEXT_MAX];
    size_t n = json_float_repr(v, tmp);

    if (n == 0) {
        pbuf_put(b, "null", 4);
        return;
    }
    pbuf_put(b, tmp, n);
}

size_t
json_base64_encode(char *dst, const uint8_t *s, size_t n)
{
    char *o = dst;
    size_t i = 0;

    for (; i + 3 <= n; i += 3) {
        uint32_t w = ((uint32_t)s[i] << 16) | ((uint32_t)s[i + 1] << 8) |
                     s[i + 2];

        o[0] = json_b64[w >> 18];
        o[1] = json_b64[(w >> 12) & 63];
        o[2] = json_b64[(w >> 6) & 63];
        o[3] = json_b64[w & 63];
        o += 4;
    }
    if (i < n) {
        uint32_t w = (uint32_t)s[i] << 16;

        if (i + 1 < n) {
            w |= (uint32_t)s[i + 1] << 8;
        }
        o[0] = json_b64[w >> 18];
        o[1] = json_b64[(w >> 12) & 63];
        o[2] = i + 1 < n ? json_b64[(w >> 6) & 63] : '=';
        o[3] = '=';
        o += 4;
    }
    return (size_t)(o - dst);
}

void
json_put_base64(struct pbuf *b, const void *p, size_t n)
{
    size_t need;

    if (n > (SIZE_MAX - 8) / 4 * 3) {
        b->failed = true;
        return;
    }
    need = (n + 2) / 3 * 4 + 2;
    if (!pbuf_reserve(b, need)) {
        return;
    }
    b->data[b->len++] = '"';
    b->len += json_base64_encode((char *)b->data + b->len, p, n);
    b->data[b->len++] = '"';
}

void
json_put_null(struct pbuf *b)
{
    pbuf_put(b, "null", 4);
}

void
json_put_bool(struct pbuf *b, bool v)
{
    if (v) {
        pbuf_put(b, "true", 4);
    } else {
        pbuf_put(b, "false", 5);
    }
}

void
json_put_raw(struct pbuf *b, const void *p, size_t n)
{
    pbuf_put(b, p, n);
}

void
json_put_utf8_cp(struct pbuf *b, uint32_t cp)
{
    uint8_t t[4];

    if (cp < 0x80) {
        pbuf_putc(b, (char)cp);
        return;
    }
    if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
        cp = 0xfffd;
    }
    if (cp < 0x800) {
        t[0] = (uint8_t)(0xc0 | (cp >> 6));
        t[1] = (uint8_t)(0x80 | (cp & 0x3f));
        pbuf_put(b, t, 2);
    } else if (cp < 0x10000) {
        t[0] = (uint8_t)(0xe0 | (cp >> 12));
        t[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        t[2] = (uint8_t)(0x80 | (cp & 0x3f));
        pbuf_put(b, t, 3);
    } else {
        t[0] = (uint8_t)(0xf0 | (cp >> 18));
        t[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
        t[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
        t[3] = (uint8_t)(0x80 | (cp & 0x3f));
        pbuf_put(b, t, 4);
    }
}
