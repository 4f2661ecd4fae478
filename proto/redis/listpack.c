/*
 * listpack.c - reader of Redis listpacks (see listpack.h).
 */
#include "proto/redis/listpack.h"

#include "proto/buf.h"

#define LP_EOF 0xff

/* Bytes lpEncodeBacklen() uses for an entry of l bytes. */
static size_t
backlen_size(size_t l)
{
    if (l <= 127) {
        return 1;
    }
    if (l < 16383) {
        return 2;
    }
    if (l < 2097151) {
        return 3;
    }
    if (l < 268435455) {
        return 4;
    }
    return 5;
}

void
listpack_iter_init(struct listpack_iter *it, const uint8_t *lp, size_t size)
{
    it->p = lp;
    it->size = size;
    it->off = LISTPACK_HEADER_LEN;
}

int
listpack_at_end(const struct listpack_iter *it)
{
    return it->off < it->size && it->p[it->off] == LP_EOF;
}

static int64_t
sext(uint64_t u, unsigned bits)
{
    if (bits < 64 && (u >> (bits - 1)) & 1) {
        u |= ~(uint64_t)0 << bits;
    }
    return (int64_t)u;
}

int
listpack_next(struct listpack_iter *it, struct listpack_entry *e)
{
    const uint8_t *p = it->p, *q;
    size_t off = it->off, room, hdr, dlen, elen, bl, i;
    uint64_t back = 0;
    unsigned nbytes = 0;
    uint8_t b;

    if (it->size < LISTPACK_HEADER_LEN + 1 || off < LISTPACK_HEADER_LEN ||
        off >= it->size) {
        return -PROTO_EMALFORMED;
    }
    room = it->size - 1 - off; /* bytes before the end marker */
    b = p[off];
    if (b == LP_EOF) {
        return room == 0 ? 0 : -PROTO_EMALFORMED;
    }
    e->str = NULL;
    e->len = 0;
    e->v = 0;
    if ((b & 0x80) == 0) {
        hdr = 1;
        dlen = 0;
        e->v = b & 0x7f;
    } else if ((b & 0xc0) == 0x80) {
        hdr = 1;
        dlen = b & 0x3f;
    } else if ((b & 0xe0) == 0xc0) {
        hdr = 1;
        nbytes = 1; /* one more byte holds the low 8 of 13 bits */
        dlen = 1;
    } else if ((b & 0xf0) == 0xe0) {
        if (room < 2) {
            return -PROTO_EMALFORMED;
        }
        hdr = 2;
        dlen = (size_t)(b & 0x0f) << 8 | p[off + 1];
    } else if (b == 0xf0) {
        if (room < 5) {
            return -PROTO_EMALFORMED;
        }
        hdr = 5;
        dlen = (size_t)p[off + 1] | (size_t)p[off + 2] << 8 |
               (size_t)p[off + 3] << 16 | (size_t)p[off + 4] << 24;
    } else if (b >= 0xf1 && b <= 0xf4) {
        static const unsigned widths[4] = {2, 3, 4, 8};

        hdr = 1;
        nbytes = widths[b - 0xf1];
        dlen = nbytes;
    } else {
        return -PROTO_EMALFORMED;
    }
    if (hdr > room || dlen > room - hdr) {
        return -PROTO_EMALFORMED;
    }
    elen = hdr + dlen;
    bl = backlen_size(elen);
    if (bl > room - elen) {
        return -PROTO_EMALFORMED;
    }
    /* The backlen is read from its last byte backwards, 7 bits a byte,
     * the high bit set on every byte but the first one written. */
    q = p + off + elen + bl - 1;
    for (i = 0; i < bl; i++) {
        back |= (uint64_t)(q[-(ptrdiff_t)i] & 0x7f) << (7 * i);
        if (i + 1 < bl ? !(q[-(ptrdiff_t)i] & 0x80)
                       : (q[-(ptrdiff_t)i] & 0x80)) {
            return -PROTO_EMALFORMED;
        }
    }
    if (back != elen) {
        return -PROTO_EMALFORMED;
    }
    if (nbytes > 0) {
        uint64_t u = 0;

        if ((b & 0xe0) == 0xc0) {
            e->v = sext((uint64_t)(b & 0x1f) << 8 | p[off + 1], 13);
        } else {
            for (i = 0; i < nbytes; i++) {
                u |= (uint64_t)p[off + 1 + i] << (8 * i);
            }
            e->v = sext(u, nbytes * 8);
        }
    } else if ((b & 0x80) != 0) {
        e->str = p + off + hdr;
        e->len = dlen;
    }
    it->off = off + elen + bl;
    return 1;
}

int
listpack_validate(const uint8_t *lp, size_t size, size_t *count)
{
    struct listpack_iter it;
    struct listpack_entry e;
    size_t n = 0;
    uint32_t total;
    uint16_t hcount;
    int rc;

    if (size < LISTPACK_HEADER_LEN + 1 || lp[size - 1] != LP_EOF) {
        return -PROTO_EMALFORMED;
    }
    total = (uint32_t)lp[0] | (uint32_t)lp[1] << 8 | (uint32_t)lp[2] << 16 |
            (uint32_t)lp[3] << 24;
    hcount = (uint16_t)(lp[4] | lp[5] << 8);
    if (total != size) {
        return -PROTO_EMALFORMED;
    }
    listpack_iter_init(&it, lp, size);
    while ((rc = listpack_next(&it, &e)) == 1) {
        n++;
    }
    if (rc < 0) {
        return rc;
    }
    if (hcount != LISTPACK_COUNT_UNKNOWN && hcount != n) {
        return -PROTO_EMALFORMED;
    }
    if (count != NULL) {
        *count = n;
    }
    return 0;
}
