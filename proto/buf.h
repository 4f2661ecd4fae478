/*
 * buf.h - byte readers and growable output buffers shared by every codec.
 *
 * struct rbuf is a little-endian cursor over bytes the caller owns.  Reading
 * past the end never touches memory outside the buffer: it sets the sticky
 * `short_read` flag and returns zeros, so a decoder can read a whole fixed
 * header and check the flag once (as pgbouncer's pktbuf does for writes).
 *
 * struct pbuf is an output buffer that grows on demand up to `limit` bytes.
 * A failed growth (allocation or limit) sets the sticky `failed` flag and
 * drops the write; the encoder checks the flag once at the end.  The caller
 * owns the storage and frees it with pbuf_free().
 */
#ifndef TANDEM_PROTO_BUF_H
#define TANDEM_PROTO_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Error codes returned (negated) by proto/ decoders. */
enum proto_err {
    PROTO_OK = 0,        /* no error */
    PROTO_EMALFORMED,    /* bytes do not follow the format */
    PROTO_ETRUNCATED,    /* a length field points past the end */
    PROTO_EUNSUPPORTED,  /* well-formed but a feature we do not decode */
    PROTO_ECHECKSUM,     /* checksum mismatch */
    PROTO_ELIMIT,        /* a configured size limit was reached */
    PROTO_ENOMEM,        /* an output buffer could not grow */
    PROTO_ERR_COUNT      /* sentinel */
};

const char *proto_err_name(int err);

struct rbuf {
    const uint8_t *p;   /* first byte (borrowed) */
    size_t len;         /* number of bytes at p */
    size_t off;         /* read position */
    bool short_read;    /* sticky: a read went past len */
};

static inline void
rbuf_init(struct rbuf *r, const void *p, size_t len)
{
    r->p = p;
    r->len = len;
    r->off = 0;
    r->short_read = false;
}

static inline size_t
rbuf_left(const struct rbuf *r)
{
    return r->off <= r->len ? r->len - r->off : 0;
}

/* Returns a pointer to the next n bytes and advances, or NULL (and sets
 * short_read) when fewer than n bytes are left. */
static inline const uint8_t *
rbuf_take(struct rbuf *r, size_t n)
{
    const uint8_t *q;

    if (n > rbuf_left(r)) {
        r->short_read = true;
        r->off = r->len;
        return NULL;
    }
    q = r->p + r->off;
    r->off += n;
    return q;
}

static inline bool
rbuf_skip(struct rbuf *r, size_t n)
{
    return rbuf_take(r, n) != NULL;
}

static inline uint64_t
rbuf_uint(struct rbuf *r, size_t n)
{
    const uint8_t *q = rbuf_take(r, n);
    uint64_t v = 0;
    size_t i;

    if (q == NULL) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        v |= (uint64_t)q[i] << (8 * i);
    }
    return v;
}

/* Big-endian unsigned of n bytes (MySQL DECIMAL, DATETIME2, TIME2...). */
static inline uint64_t
rbuf_uint_be(struct rbuf *r, size_t n)
{
    const uint8_t *q = rbuf_take(r, n);
    uint64_t v = 0;
    size_t i;

    if (q == NULL) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        v = (v << 8) | q[i];
    }
    return v;
}

static inline uint8_t rbuf_u8(struct rbuf *r) { return (uint8_t)rbuf_uint(r, 1); }
static inline uint16_t rbuf_u16(struct rbuf *r) { return (uint16_t)rbuf_uint(r, 2); }
static inline uint32_t rbuf_u24(struct rbuf *r) { return (uint32_t)rbuf_uint(r, 3); }
static inline uint32_t rbuf_u32(struct rbuf *r) { return (uint32_t)rbuf_uint(r, 4); }
static inline uint64_t rbuf_u48(struct rbuf *r) { return rbuf_uint(r, 6); }
static inline uint64_t rbuf_u64(struct rbuf *r) { return rbuf_uint(r, 8); }

/*
 * MySQL length-encoded integer (protocol "int<lenenc>").  0xfb (NULL in a
 * text row) and 0xff (error marker) are not integers: they set *is_null
 * (when given) or mark the read short.
 */
static inline uint64_t
rbuf_lenenc(struct rbuf *r, bool *is_null)
{
    uint8_t b = rbuf_u8(r);

    if (is_null != NULL) {
        *is_null = false;
    }
    if (b < 0xfb) {
        return b;
    }
    switch (b) {
    case 0xfc:
        return rbuf_uint(r, 2);
    case 0xfd:
        return rbuf_uint(r, 3);
    case 0xfe:
        return rbuf_uint(r, 8);
    case 0xfb:
        if (is_null != NULL) {
            *is_null = true;
            return 0;
        }
        /* fallthrough */
    default:
        r->short_read = true;
        return 0;
    }
}

/* A borrowed view of bytes. */
struct span {
    const uint8_t *p;   /* borrowed, not NUL-terminated */
    size_t len;         /* bytes at p */
};

/* Length-encoded string: a view into the reader's bytes. */
static inline struct span
rbuf_lenenc_str(struct rbuf *r, bool *is_null)
{
    struct span s = {NULL, 0};
    uint64_t n = rbuf_lenenc(r, is_null);

    if (is_null != NULL && *is_null) {
        return s;
    }
    if (n > rbuf_left(r)) {
        r->short_read = true;
        r->off = r->len;
        return s;
    }
    s.p = rbuf_take(r, (size_t)n);
    s.len = (size_t)n;
    return s;
}

/* NUL-terminated string: view without the NUL; short_read if no NUL. */
static inline struct span
rbuf_cstr(struct rbuf *r)
{
    struct span s = {NULL, 0};
    const uint8_t *start = r->p + r->off;
    const uint8_t *nul;
    size_t left = rbuf_left(r);

    nul = left ? memchr(start, 0, left) : NULL;
    if (nul == NULL) {
        r->short_read = true;
        r->off = r->len;
        return s;
    }
    s.p = start;
    s.len = (size_t)(nul - start);
    r->off += s.len + 1;
    return s;
}

/* Rest of the buffer as a view. */
static inline struct span
rbuf_rest(struct rbuf *r)
{
    struct span s;

    s.len = rbuf_left(r);
    s.p = s.len ? r->p + r->off : NULL;
    r->off = r->len;
    return s;
}

static inline bool
span_eq(struct span s, const char *lit)
{
    size_t n = strlen(lit);

    return s.len == n && (n == 0 || memcmp(s.p, lit, n) == 0);
}

/* ---- output buffer ---- */

struct pbuf {
    uint8_t *data;      /* owned; NULL until the first write */
    size_t len;         /* bytes written */
    size_t cap;         /* bytes allocated */
    size_t limit;       /* 0: no limit; else the most len may reach */
    bool failed;        /* sticky: a write was dropped */
};

/* Slow path of pbuf_reserve(): grows the storage. */
bool pbuf_grow_(struct pbuf *b, size_t n);

/* Makes room for n more bytes; false (and failed set) if it cannot. */
static inline bool
pbuf_reserve(struct pbuf *b, size_t n)
{
    if (!b->failed && n <= b->cap - b->len) {
        return true;
    }
    return pbuf_grow_(b, n);
}

void pbuf_free(struct pbuf *b);

/* A NUL-terminated copy of s (malloc'd; free() it), NULL when out of
 * memory. */
char *span_strdup(struct span s);
/* The number the leading decimal digits of s write (a result cell such
 * as "1234"); 0 without any, UINT64_MAX past it. */
uint64_t span_u64(struct span s);

/* Pairs of names kept in a pbuf as "a\0b\0a\0b\0...": appends one, and
 * tells whether (a, b) is among them. */
void pbuf_put_pair(struct pbuf *p, struct span a, struct span b);
bool pbuf_has_pair(const struct pbuf *p, const char *a, const char *b);

static inline void
pbuf_reset(struct pbuf *b)
{
    b->len = 0;
    b->failed = false;
}

static inline void
pbuf_put(struct pbuf *b, const void *p, size_t n)
{
    if (n == 0 || !pbuf_reserve(b, n)) {
        return;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

static inline void
pbuf_putc(struct pbuf *b, char c)
{
    if (b->len < b->cap) {
        b->data[b->len++] = (uint8_t)c;
        return;
    }
    pbuf_put(b, &c, 1);
}

static inline void
pbuf_puts(struct pbuf *b, const char *s)
{
    pbuf_put(b, s, strlen(s));
}

static inline void
pbuf_put_uint(struct pbuf *b, uint64_t v, size_t n)
{
    uint8_t tmp[8];
    size_t i;

    for (i = 0; i < n && i < 8; i++) {
        tmp[i] = (uint8_t)(v >> (8 * i));
    }
    pbuf_put(b, tmp, n);
}

/* MySQL length-encoded integer. */
void pbuf_put_lenenc(struct pbuf *b, uint64_t v);

/* printf into the buffer. */
void pbuf_printf(struct pbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Decimal text of v / signed v (fast path, no printf). */
void pbuf_put_u64(struct pbuf *b, uint64_t v);
void pbuf_put_i64(struct pbuf *b, int64_t v);

/* Hex dump of at most 32 bytes, "0a 1b ..." for error messages. */
void hexdump32(char *out, size_t outlen, const uint8_t *p, size_t n);

#endif
