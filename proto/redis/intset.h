/*
 * intset.h - reader of Redis intsets (the RDB_TYPE_SET_INTSET blob).
 *
 * Layout (Redis src/intset.c): a 4-byte little-endian encoding (2, 4 or 8:
 * the width of every element), a 4-byte little-endian element count, then
 * the elements as little-endian signed integers of that width, sorted
 * ascending without duplicates.
 */
#ifndef TANDEM_PROTO_REDIS_INTSET_H
#define TANDEM_PROTO_REDIS_INTSET_H

#include <stddef.h>
#include <stdint.h>

/* Bytes before the first element. */
#define INTSET_HEADER_LEN 8

/* Walks the elements of an intset. */
struct intset_iter {
    const uint8_t *p; /* the intset (borrowed; may be re-pointed at a
                         moved copy between calls) */
    size_t size;      /* bytes at p */
    uint32_t width;   /* bytes per element */
    uint32_t count;   /* elements */
    uint32_t i;       /* next element */
};

/* Checks the intset of <size> bytes at <is>: a known width, a size that
 * matches the count exactly, elements strictly ascending.  Returns 0 and
 * stores the element count in *<count> (when not NULL), or
 * -PROTO_EMALFORMED. */
int intset_validate(const uint8_t *is, size_t size, uint32_t *count);

/* Starts an iteration over a validated intset. */
void intset_iter_init(struct intset_iter *it, const uint8_t *is, size_t size);

/* Stores the next element in *<v> and returns 1, or returns 0 at the end;
 * -PROTO_EMALFORMED if the element lies outside the blob. */
int intset_next(struct intset_iter *it, int64_t *v);

#endif
