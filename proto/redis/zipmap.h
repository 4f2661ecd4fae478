/*
 * zipmap.h - reader of Redis zipmaps (RDB_TYPE_HASH_ZIPMAP, hashes saved
 * by Redis 2.0 to 2.4).
 *
 * Layout (Redis src/zipmap.c): <zmlen u8> (the pair count, 254 or more:
 * count by walking) then pairs <len>field<len><free>value<free bytes>, and
 * a final 0xff.  A <len> is one byte below 254, or 254 followed by a 4-byte
 * length (little-endian: the writers were little-endian hosts).  <free> is
 * one byte: unused bytes after the value.
 *
 * Every read is checked against the blob; a pair past the end, a missing
 * end byte or a wrong count is -PROTO_EMALFORMED.
 */
#ifndef TANDEM_PROTO_REDIS_ZIPMAP_H
#define TANDEM_PROTO_REDIS_ZIPMAP_H

#include <stddef.h>
#include <stdint.h>

/* zmlen values from this one up mean "count by walking". */
#define ZIPMAP_BIGLEN 254

/* Walks the pairs of a zipmap. */
struct zipmap_iter {
    const uint8_t *p;    /* the zipmap (borrowed; may be re-pointed at a
                            moved copy of the same bytes between calls) */
    size_t size;         /* bytes at p */
    size_t off;          /* offset of the next pair */
};

/* Checks the whole zipmap of <size> bytes at <zm>.  Returns 0 and stores
 * the number of pairs in *<count> (when not NULL), or -PROTO_EMALFORMED. */
int zipmap_validate(const uint8_t *zm, size_t size, size_t *count);

/* Starts an iteration. */
void zipmap_iter_init(struct zipmap_iter *it, const uint8_t *zm, size_t size);

/* Stores views of the next pair's field and value (into the blob) and
 * returns 1; returns 0 at the end byte, -PROTO_EMALFORMED for a pair that
 * does not fit. */
int zipmap_next(struct zipmap_iter *it, const uint8_t **field, size_t *flen,
                const uint8_t **value, size_t *vlen);

/* True when the iteration stands at the end byte. */
int zipmap_at_end(const struct zipmap_iter *it);

#endif
