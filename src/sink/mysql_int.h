/*
 * mysql_int.h - inside the MySQL writer: the statements of a batch
 * (mysql_stmt.c) for the connections and dispatch of mysql.c.
 */
#ifndef TANDEM_SINK_MYSQL_INT_H
#define TANDEM_SINK_MYSQL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "src/sink/mysql.h"

/* Largest statement built from a run of rows (the destination's
 * max_allowed_packet is at least 16 MiB on current servers). */
#define SINK_MAX_STATEMENT (4u * 1024u * 1024u)

/* One key the batch writes, as its net effect (mysql_stmt.c). */
struct sink_net;

/* What builds a batch's statements; reused from batch to batch. */
struct sink_builder {
    enum sink_conflict conflict;   /* policy */
    size_t batch_rows;             /* rows per statement */
    struct sink_net *net;          /* keys of the batch (owned) */
    size_t nnet, capnet;           /* used, allocated */
    uint32_t *slots;               /* hash index into net (owned) */
    size_t nslots;                 /* power of two */
};

/* Whether rows of table t can be merged and ordered by their key alone:
 * a key whose literal identifies the row and no other unique key. */
static inline bool
sink_table_by_key(const struct sink_table *t)
{
    return t->has_pk && t->keyed && !t->unique2;
}

/* Appends to b the NUL-separated statements writing the rows of txns
 * [from, to): per key of a table sink_table_by_key() accepts, the net
 * effect of the batch (deletes first, then one row image per key); other
 * tables' rows in source order.  Opens a transaction first when begin. */
void sink_build_rows(struct sink_builder *sb, struct pbuf *b,
                     const struct sink_txn *from, const struct sink_txn *to,
                     bool begin);
void sink_builder_free(struct sink_builder *sb);

/* Source transactions [first, last] (by end position) committed. */
struct sink_range {
    char *first_file;             /* owned */
    uint64_t first_pos;           /* ... */
    char *last_file;              /* owned */
    uint64_t last_pos;            /* ... */
};

/* A list of ranges. */
struct sink_ranges {
    struct sink_range *r;         /* owned */
    size_t n, cap;                /* used, allocated */
};

/* Orders binlog positions: by the file's number, then the offset. */
int sink_pos_cmp(const char *fa, uint64_t pa, const char *fb, uint64_t pb);
/* Appends [ff:fp, lf:lp]; 0 or -1 when out of memory. */
int sink_ranges_add(struct sink_ranges *rs, const char *ff, uint64_t fp,
                    const char *lf, uint64_t lp);
/* Drops the ranges that end at or below (file, pos); none when file is
 * NULL. */
void sink_ranges_prune(struct sink_ranges *rs, const char *file,
                       uint64_t pos);
/* Whether a range holds the transaction ending at (file, pos). */
bool sink_ranges_hold(const struct sink_ranges *rs, const char *file,
                      uint64_t pos);
void sink_ranges_free(struct sink_ranges *rs);
/* As stored in tandem.checkpoint.applied: one range per line,
 * "first_file TAB first_pos TAB last_file TAB last_pos".  Parsing
 * returns 0, or -1 on a damaged text or out of memory. */
void sink_ranges_put(struct pbuf *b, const struct sink_ranges *rs);
int sink_ranges_parse(struct sink_ranges *rs, const char *p, size_t n);

/* 64-bit hash of bytes, seeded (FNV-1a folded with a final mix). */
uint64_t sink_hash(uint64_t seed, const void *p, size_t n);

#endif
