/*
 * intset.c - reader of Redis intsets (see intset.h).
 */
#include "proto/redis/intset.h"

#include "proto/buf.h"

static uint32_t
le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

static int64_t
get(const uint8_t *p, uint32_t width)
{
    uint64_t u = 0;
    uint32_t i;

    for (i = 0; i < width; i++) {
        u |= (uint64_t)p[i] << (8 * i);
    }
    /* Sign-extend from the element width. */
    if (width < 8 && (u >> (8 * width - 1)) & 1) {
        u |= ~(uint64_t)0 << (8 * width);
    }
    return (int64_t)u;
}

int
intset_validate(const uint8_t *is, size_t size, uint32_t *count)
{
    uint32_t width, n, i;
    int64_t prev = 0, v;

    if (size < INTSET_HEADER_LEN) {
        return -PROTO_EMALFORMED;
    }
    width = le32(is);
    n = le32(is + 4);
    if (width != 2 && width != 4 && width != 8) {
        return -PROTO_EMALFORMED;
    }
    if ((uint64_t)n * width != size - INTSET_HEADER_LEN) {
        return -PROTO_EMALFORMED;
    }
    for (i = 0; i < n; i++) {
        v = get(is + INTSET_HEADER_LEN + (size_t)i * width, width);
        if (i > 0 && v <= prev) {
            return -PROTO_EMALFORMED;
        }
        prev = v;
    }
    if (count != NULL) {
        *count = n;
    }
    return 0;
}

void
intset_iter_init(struct intset_iter *it, const uint8_t *is, size_t size)
{
    it->p = is;
    it->size = size;
    it->width = size >= INTSET_HEADER_LEN ? le32(is) : 0;
    it->count = size >= INTSET_HEADER_LEN ? le32(is + 4) : 0;
    it->i = 0;
}

int
intset_next(struct intset_iter *it, int64_t *v)
{
    size_t off;

    if (it->i >= it->count) {
        return 0;
    }
    if (it->width != 2 && it->width != 4 && it->width != 8) {
        return -PROTO_EMALFORMED;
    }
    off = INTSET_HEADER_LEN + (size_t)it->i * it->width;
    if (off > it->size || it->width > it->size - off) {
        return -PROTO_EMALFORMED;
    }
    *v = get(it->p + off, it->width);
    it->i++;
    return 1;
}
