/*
 * ziplist.c - reader of Redis ziplists (see ziplist.h).
 */
#include "proto/redis/ziplist.h"

#include "proto/buf.h"

#define ZIP_END 0xff
#define ZIP_BIG_PREVLEN 0xfe

static uint64_t
le(const uint8_t *p, unsigned n)
{
    uint64_t v = 0;
    unsigned i;

    for (i = 0; i < n; i++) {
        v |= (uint64_t)p[i] << (8 * i);
    }
    return v;
}

static int64_t
sext(uint64_t u, unsigned bits)
{
    if (bits < 64 && (u >> (bits - 1)) & 1) {
        u |= ~(uint64_t)0 << bits;
    }
    return (int64_t)u;
}

void
ziplist_iter_init(struct ziplist_iter *it, const uint8_t *zl, size_t size)
{
    it->p = zl;
    it->size = size;
    it->off = ZIPLIST_HEADER_LEN;
    it->prev = 0;
    it->last = 0;
}

int
ziplist_at_end(const struct ziplist_iter *it)
{
    return it->off < it->size && it->p[it->off] == ZIP_END;
}

int
ziplist_next(struct ziplist_iter *it, struct ziplist_entry *e)
{
    const uint8_t *p = it->p;
    size_t end, off = it->off, prevlen, hdr, dlen;
    uint8_t enc;

    /* Entries live between the header and the end byte. */
    if (it->size < ZIPLIST_HEADER_LEN + 1 || off >= it->size) {
        return -PROTO_EMALFORMED;
    }
    end = it->size - 1;
    if (p[off] == ZIP_END) {
        return off == end ? 0 : -PROTO_EMALFORMED;
    }
    if (p[off] == ZIP_BIG_PREVLEN) {
        if (end - off < 5) {
            return -PROTO_EMALFORMED;
        }
        prevlen = (size_t)le(p + off + 1, 4);
        hdr = 5;
    } else {
        prevlen = p[off];
        hdr = 1;
    }
    if (prevlen != it->prev) {
        return -PROTO_EMALFORMED;
    }
    if (end - off <= hdr) {
        return -PROTO_EMALFORMED;
    }
    enc = p[off + hdr];
    e->str = NULL;
    e->len = 0;
    e->v = 0;
    switch (enc & 0xc0) {
    case 0x00:
        dlen = enc & 0x3f;
        hdr += 1;
        break;
    case 0x40:
        if (end - off < hdr + 2) {
            return -PROTO_EMALFORMED;
        }
        dlen = (size_t)(enc & 0x3f) << 8 | p[off + hdr + 1];
        hdr += 2;
        break;
    case 0x80:
        /* The low 6 bits are unused (Redis masks them off). */
        if (end - off < hdr + 5) {
            return -PROTO_EMALFORMED;
        }
        dlen = (size_t)p[off + hdr + 1] << 24 | (size_t)p[off + hdr + 2] << 16 |
               (size_t)p[off + hdr + 3] << 8 | p[off + hdr + 4];
        hdr += 5;
        break;
    default:
        hdr += 1;
        switch (enc) {
        case 0xc0:
            dlen = 2;
            break;
        case 0xd0:
            dlen = 4;
            break;
        case 0xe0:
            dlen = 8;
            break;
        case 0xf0:
            dlen = 3;
            break;
        case 0xfe:
            dlen = 1;
            break;
        default:
            if (enc < 0xf1 || enc > 0xfd) {
                return -PROTO_EMALFORMED;
            }
            dlen = 0;
            e->v = (int64_t)(enc & 0x0f) - 1;
            break;
        }
        if (hdr > end - off || dlen > end - off - hdr) {
            return -PROTO_EMALFORMED;
        }
        if (dlen > 0) {
            e->v = sext(le(p + off + hdr, (unsigned)dlen), (unsigned)dlen * 8);
        }
        goto done;
    }
    if (hdr > end - off || dlen > end - off - hdr) {
        return -PROTO_EMALFORMED;
    }
    e->str = p + off + hdr;
    e->len = dlen;
done:
    it->last = off;
    it->prev = hdr + dlen;
    it->off = off + hdr + dlen;
    return 1;
}

int
ziplist_validate(const uint8_t *zl, size_t size, size_t *count)
{
    struct ziplist_iter it;
    struct ziplist_entry e;
    size_t n = 0;
    uint32_t tail;
    uint16_t hcount;
    int rc;

    if (size < ZIPLIST_HEADER_LEN + 1 || le(zl, 4) != size ||
        zl[size - 1] != ZIP_END) {
        return -PROTO_EMALFORMED;
    }
    tail = (uint32_t)le(zl + 4, 4);
    hcount = (uint16_t)le(zl + 8, 2);
    if (tail > size - 1) {
        return -PROTO_EMALFORMED;
    }
    ziplist_iter_init(&it, zl, size);
    while ((rc = ziplist_next(&it, &e)) == 1) {
        n++;
    }
    if (rc < 0) {
        return rc;
    }
    /* zltail points at the last entry. */
    if (n > 0 && tail != it.last) {
        return -PROTO_EMALFORMED;
    }
    if (hcount != ZIPLIST_COUNT_UNKNOWN && hcount != n) {
        return -PROTO_EMALFORMED;
    }
    if (count != NULL) {
        *count = n;
    }
    return 0;
}
