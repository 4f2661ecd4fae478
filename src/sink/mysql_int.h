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
#include "proto/mysql/binpos.h"
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

/* 64-bit hash of bytes, seeded (FNV-1a folded with a final mix). */
uint64_t sink_hash(uint64_t seed, const void *p, size_t n);

#endif
