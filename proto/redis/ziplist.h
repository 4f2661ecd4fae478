/*
 * ziplist.h - reader of Redis ziplists (RDB types LIST_ZIPLIST,
 * ZSET_ZIPLIST, HASH_ZIPLIST and the nodes of LIST_QUICKLIST).
 *
 * Layout (Redis src/ziplist.c, every field little-endian):
 *   <zlbytes u32> <zltail u32> <zllen u16> <entry>... <0xff>
 * zlbytes is the whole size, zltail the offset of the last entry, zllen the
 * entry count (65535: count by walking).  An entry is
 *   <prevlen> <encoding> <data>
 * where prevlen is the previous entry's size (1 byte below 254, else 0xfe
 * and 4 bytes) and the encoding byte picks a string of 6-bit, 14-bit (big
 * endian) or 32-bit (big endian) length, or an integer: 0xc0 int16, 0xd0
 * int32, 0xe0 int64, 0xf0 int24, 0xfe int8, 0xf1-0xfd the values 0-12.
 *
 * Every read is checked against the blob: an entry that runs past it, a
 * wrong prevlen, an unknown encoding, a bad tail offset or count is
 * -PROTO_EMALFORMED (the checks of ziplistValidateIntegrity, deep mode).
 */
#ifndef TANDEM_PROTO_REDIS_ZIPLIST_H
#define TANDEM_PROTO_REDIS_ZIPLIST_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the header (zlbytes, zltail, zllen). */
#define ZIPLIST_HEADER_LEN 10
/* zllen value meaning "too many to count in 16 bits". */
#define ZIPLIST_COUNT_UNKNOWN 0xffff

/* One entry: a string view into the blob, or an integer. */
struct ziplist_entry {
    const uint8_t *str;  /* string bytes (borrowed), NULL for an integer */
    size_t len;          /* string length */
    int64_t v;           /* the integer when str is NULL */
};

/* Walks the entries of a ziplist. */
struct ziplist_iter {
    const uint8_t *p;    /* the ziplist (borrowed; may be re-pointed at a
                            moved copy of the same bytes between calls) */
    size_t size;         /* bytes at p */
    size_t off;          /* offset of the next entry */
    size_t prev;         /* size of the previous entry, 0 before the first */
    size_t last;         /* offset of the last entry returned */
};

/* Checks the whole ziplist of <size> bytes at <zl>.  Returns 0 and stores
 * the number of entries in *<count> (when not NULL), or -PROTO_EMALFORMED. */
int ziplist_validate(const uint8_t *zl, size_t size, size_t *count);

/* Starts an iteration (the header is not checked: validate first). */
void ziplist_iter_init(struct ziplist_iter *it, const uint8_t *zl,
                       size_t size);

/* Decodes the next entry into *<e> and returns 1; returns 0 at the end
 * marker, -PROTO_EMALFORMED for an entry that does not fit or lies. */
int ziplist_next(struct ziplist_iter *it, struct ziplist_entry *e);

/* True when the iteration stands at the end marker. */
int ziplist_at_end(const struct ziplist_iter *it);

#endif
