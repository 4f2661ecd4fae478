/*
 * zipmap.c - reader of Redis zipmaps (see zipmap.h).
 */
#include "proto/redis/zipmap.h"

#include "proto/buf.h"

#define ZIPMAP_END 255

void
zipmap_iter_init(struct zipmap_iter *it, const uint8_t *zm, size_t size)
{
    it->p = zm;
    it->size = size;
    it->off = 1;
}

int
zipmap_at_end(const struct zipmap_iter *it)
{
    return it->off < it->size && it->p[it->off] == ZIPMAP_END;
}

/* Reads a <len> at *off (before end); 0 or -PROTO_EMALFORMED. */
static int
get_len(const uint8_t *p, size_t end, size_t *off, size_t *len)
{
    size_t o = *off;

    if (o >= end) {
        return -PROTO_EMALFORMED;
    }
    if (p[o] < ZIPMAP_BIGLEN) {
        *len = p[o];
        *off = o + 1;
        return 0;
    }
    if (p[o] != ZIPMAP_BIGLEN || end - o < 5) {
        return -PROTO_EMALFORMED;
    }
    *len = (size_t)p[o + 1] | (size_t)p[o + 2] << 8 | (size_t)p[o + 3] << 16 |
           (size_t)p[o + 4] << 24;
    *off = o + 5;
    return 0;
}

int
zipmap_next(struct zipmap_iter *it, const uint8_t **field, size_t *flen,
            const uint8_t **value, size_t *vlen)
{
    const uint8_t *p = it->p;
    size_t end, o = it->off, fl, vl, fr;

    if (it->size < 2 || o >= it->size) {
        return -PROTO_EMALFORMED;
    }
    end = it->size - 1; /* offset of the end byte */
    if (p[o] == ZIPMAP_END) {
        return o == end ? 0 : -PROTO_EMALFORMED;
    }
    if (get_len(p, end, &o, &fl) < 0 || fl > end - o) {
        return -PROTO_EMALFORMED;
    }
    *field = p + o;
    *flen = fl;
    o += fl;
    if (get_len(p, end, &o, &vl) < 0 || o >= end) {
        return -PROTO_EMALFORMED;
    }
    fr = p[o++];
    if (vl > end - o || fr > end - o - vl) {
        return -PROTO_EMALFORMED;
    }
    *value = p + o;
    *vlen = vl;
    it->off = o + vl + fr;
    return 1;
}

int
zipmap_validate(const uint8_t *zm, size_t size, size_t *count)
{
    struct zipmap_iter it;
    const uint8_t *f, *v;
    size_t fl, vl, n = 0;
    int rc;

    if (size < 2 || zm[size - 1] != ZIPMAP_END) {
        return -PROTO_EMALFORMED;
    }
    zipmap_iter_init(&it, zm, size);
    while ((rc = zipmap_next(&it, &f, &fl, &v, &vl)) == 1) {
        n++;
    }
    if (rc < 0) {
        return rc;
    }
    if (zm[0] < ZIPMAP_BIGLEN && zm[0] != n) {
        return -PROTO_EMALFORMED;
    }
    if (count != NULL) {
        *count = n;
    }
    return 0;
}
