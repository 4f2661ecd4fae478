/*
 * listpack.h - reader of Redis listpacks (RDB types HASH_LISTPACK,
 * ZSET_LISTPACK, SET_LISTPACK, HASH_LISTPACK_EX, the PACKED nodes of
 * LIST_QUICKLIST_2 and the nodes of streams).
 *
 * Layout (Redis src/listpack.c, antirez/listpack spec): <total bytes u32 LE>
 * <element count u16 LE, 65535 = unknown> <entry>... <0xff>.  An entry is
 * <encoding+data> <backlen>, where backlen is the size of encoding+data
 * written backwards in 7-bit groups (1 to 5 bytes).  Encodings: 0xxxxxxx
 * a 7-bit unsigned integer; 10xxxxxx a string of up to 63 bytes; 110xxxxx
 * a 13-bit signed integer (next byte low); 1110xxxx a string of up to 4095
 * bytes (next byte low); 0xf0 a string with a 32-bit length; 0xf1/0xf2/
 * 0xf3/0xf4 16/24/32/64-bit signed integers (little-endian).
 *
 * Every read is checked against the blob: an entry past the end, a backlen
 * that disagrees, an unknown encoding or a wrong count is
 * -PROTO_EMALFORMED (the checks of lpValidateIntegrity, deep mode).
 */
#ifndef TANDEM_PROTO_REDIS_LISTPACK_H
#define TANDEM_PROTO_REDIS_LISTPACK_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of the header (total bytes, element count). */
#define LISTPACK_HEADER_LEN 6
/* Element count value meaning "count by walking". */
#define LISTPACK_COUNT_UNKNOWN 0xffff

/* One entry: a string view into the blob, or an integer. */
struct listpack_entry {
    const uint8_t *str;  /* string bytes (borrowed), NULL for an integer */
    size_t len;          /* string length */
    int64_t v;           /* the integer when str is NULL */
};

/* Walks the entries of a listpack. */
struct listpack_iter {
    const uint8_t *p;    /* the listpack (borrowed; may be re-pointed at a
                            moved copy of the same bytes between calls) */
    size_t size;         /* bytes at p */
    size_t off;          /* offset of the next entry; an entry offset saved
                            from here may be stored back to re-read it */
};

/* Checks the whole listpack of <size> bytes at <lp>.  Returns 0 and stores
 * the number of entries in *<count> (when not NULL), or -PROTO_EMALFORMED. */
int listpack_validate(const uint8_t *lp, size_t size, size_t *count);

/* Starts an iteration (the header is not checked: validate first). */
void listpack_iter_init(struct listpack_iter *it, const uint8_t *lp,
                        size_t size);

/* Decodes the next entry into *<e> and returns 1; returns 0 at the end
 * marker, -PROTO_EMALFORMED for an entry that does not fit or lies. */
int listpack_next(struct listpack_iter *it, struct listpack_entry *e);

/* True when the iteration stands at the end marker. */
int listpack_at_end(const struct listpack_iter *it);

#endif
