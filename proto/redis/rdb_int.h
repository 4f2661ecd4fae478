/*
 * rdb_int.h - internals shared by rdb.c (file, keys, strings), rdb_blob.c
 * (compact blobs, quicklists) and rdb_stream.c (stream values): the parse
 * cursor, the states, the readers of RDB lengths and strings.
 *
 * Every step of the machine parses one unit from c->pos (== c->done when
 * the step starts).  A unit that is not whole in the buffer returns
 * RDB_STEP_NEED with c->need set to the bytes of p it wants, without
 * changing the decoder (one exception: a hash element whose field is whole
 * but whose value is not keeps a copy of the field and commits it, so that
 * only the value must fit in the buffer); a unit that is whole moves
 * c->pos past it and commits (CRC, DUMP capture, d->off) before
 * returning.
 */
#ifndef TANDEM_PROTO_REDIS_RDB_INT_H
#define TANDEM_PROTO_REDIS_RDB_INT_H

#include "proto/redis/rdb.h"

/* Runs a reader; returns from the step with its result unless it is 0
 * (done). */
#define TRY(expr)                                                            \
    do {                                                                     \
        int try_rc_ = (expr);                                                \
        if (try_rc_ != 0) {                                                  \
            return try_rc_;                                                  \
        }                                                                    \
    } while (0)

/* Largest absolute field expire of a hash (Redis ebuckets.h
 * EB_EXPIRE_TIME_MAX, 48 bits). */
#define RDB_HFE_MAX ((UINT64_C(1) << 48) - 1)

/* Step results; errors are -PROTO_E*. */
#define RDB_STEP_EVENT 1  /* *ev filled */
#define RDB_STEP_MORE 2   /* progress without an event: step again */
#define RDB_STEP_NEED 3   /* more bytes (not 0: 0 is a reader's "done") */

/* String slot that decodes into d->blob (a compact blob or quicklist
 * node) instead of scratch[slot] / num[slot]. */
#define RDB_SLOT_BLOB 4

/* States (d->st). */
enum rdb_state_ {
    RDB_ST_HEADER = 0,     /* magic and version */
    RDB_ST_TOP,            /* an opcode or a key's type byte */
    RDB_ST_KEY_END,        /* hand out KEY_END */
    RDB_ST_DUMP_TRAILER,   /* DUMP mode: version and CRC */
    RDB_ST_DONE,           /* END given */
    RDB_ST_STRING,         /* a string key's value */
    RDB_ST_ELEMS,          /* list / set: d->left strings */
    RDB_ST_ZSET,           /* d->left member + score pairs */
    RDB_ST_HASH,           /* d->left fields (layout: d->hash_mode) */
    RDB_ST_HASH_VALUE,     /* the value of the field held in d->field */
    RDB_ST_BLOB,           /* a compact blob (role in d->blob_role) */
    RDB_ST_BLOB_ITER,      /* elements of the current blob */
    RDB_ST_QUICKLIST,      /* d->left quicklist nodes */
    RDB_ST_MODULE_EV,      /* hand out MODULE */
    RDB_ST_MODULE_OPS,     /* a module value's opcodes, to its EOF */
    RDB_ST_AUX_OPS,        /* a module aux payload's opcodes, to its EOF */
    RDB_ST_STREAM_NODE,    /* d->left stream listpacks */
    RDB_ST_STREAM_META,    /* length, IDs, group count */
    RDB_ST_STREAM_GROUP,   /* d->left groups */
    RDB_ST_STREAM_GPEL,    /* d->left2 group PEL entries */
    RDB_ST_STREAM_NCONS,   /* the group's consumer count */
    RDB_ST_STREAM_CONSUMER, /* d->left2 consumers */
    RDB_ST_STREAM_CPEL,    /* d->left3 consumer PEL entries */
    RDB_ST_COUNT           /* sentinel */
};

/* What the current blob holds (d->blob_role). */
enum rdb_role_ {
    RDB_ROLE_ZL_LIST = 0,  /* ziplist, one element an item */
    RDB_ROLE_ZL_HASH,      /* ziplist of field, value */
    RDB_ROLE_ZL_ZSET,      /* ziplist of member, score */
    RDB_ROLE_LP_LIST,      /* listpack, one element an item */
    RDB_ROLE_LP_HASH,      /* listpack of field, value */
    RDB_ROLE_LP_ZSET,      /* listpack of member, score */
    RDB_ROLE_LP_HASH_EX,   /* listpack of field, value, expire */
    RDB_ROLE_INTSET,       /* intset */
    RDB_ROLE_ZIPMAP,       /* zipmap of field, value */
    RDB_ROLE_STREAM,       /* stream node listpack */
    RDB_ROLE_COUNT         /* sentinel */
};

/* Layouts of hashes with field TTLs (d->hash_mode). */
enum rdb_hash_mode_ {
    RDB_HASH_PLAIN = 0,    /* field, value */
    RDB_HASH_META,         /* ttl (relative to min_expire, +1), field,
                              value (HASH_METADATA) */
    RDB_HASH_META_ABS,     /* ttl (absolute), field, value (7.4 RC) */
    RDB_HASH_VALKEY2       /* field, value, int64 ms (-1 none) */
};

/* Parse cursor over the caller's bytes for one rdb_next() call. */
struct rdb_cur_ {
    const uint8_t *p;      /* caller's bytes */
    size_t len;            /* bytes at p */
    size_t pos;            /* parse position */
    size_t done;           /* bytes committed (dropped by the caller) */
    size_t need;           /* after RDB_STEP_NEED: bytes of p wanted */
};

/* Records a sticky error at offset <at> of p; returns -code. */
int rdb_fail_(struct rdb_dec *d, const struct rdb_cur_ *c, size_t at,
              int code, const char *what);
/* The same at an absolute file offset. */
int rdb_fail_at_(struct rdb_dec *d, uint64_t off, int code,
                 const char *what);
/* Sets c->need = <upto> and returns RDB_STEP_NEED. */
int rdb_need_(struct rdb_cur_ *c, size_t upto);
/* Commits [c->done, c->pos): CRC, DUMP capture when on, d->off. */
void rdb_commit_(struct rdb_dec *d, struct rdb_cur_ *c);
/* Takes <n> bytes at c->pos into *<q>; 0 or RDB_STEP_NEED. */
int rdb_take_(struct rdb_cur_ *c, size_t n, const uint8_t **q);
/* RDB length (or, with *<enc>, a special encoding number); 0, NEED or
 * an error. */
int rdb_len_(struct rdb_dec *d, struct rdb_cur_ *c, uint64_t *v, bool *enc);
/* A plain RDB length (an encoded one is malformed). */
int rdb_plain_len_(struct rdb_dec *d, struct rdb_cur_ *c, uint64_t *v);
/* An RDB string into *<out> (raw: a view into p; int: decimal text in
 * num[slot]; LZF: scratch[slot]); for RDB_SLOT_BLOB both go to d->blob.
 * *<inplace> (when not NULL) tells whether out points into p. */
int rdb_str_(struct rdb_dec *d, struct rdb_cur_ *c, int slot,
             struct span *out, bool *inplace);
/* Reads the blob string at c->pos, commits, validates it for <role> and
 * starts its iteration; after it the machine goes to <next>. */
int rdb_enter_blob_(struct rdb_dec *d, struct rdb_cur_ *c, int role,
                    int next);
/* Ends the current blob: commits it when it lives in p. */
void rdb_finish_blob_(struct rdb_dec *d, struct rdb_cur_ *c);
/* The limit on one string or blob. */
size_t rdb_max_string_(const struct rdb_dec *d);
/* A view of a pbuf's bytes (never NULL). */
struct span rdb_span_of_(const struct pbuf *b);
/* <v> as decimal text in d->num[slot]. */
struct span rdb_num_span_(struct rdb_dec *d, int slot, int64_t v);
/* A score written as text; -1 for NaN, junk or an empty string. */
int rdb_parse_score_(const uint8_t *s, size_t n, double *out);
/* rdb_blob.c: blob role of a compact RDB type, -1 for other types. */
int rdb_blob_role_(unsigned type);
/* rdb_blob.c: the element count in the header of the blob at c->pos
 * (-1 when compressed or not stated), without consuming it. */
int rdb_peek_count_(struct rdb_dec *d, struct rdb_cur_ *c, int role,
                    int64_t *count);
/* rdb_blob.c: steps of RDB_ST_BLOB_ITER and RDB_ST_QUICKLIST. */
int rdb_blob_iter_step_(struct rdb_dec *d, struct rdb_cur_ *c,
                        struct rdb_event *ev);
int rdb_quicklist_step_(struct rdb_dec *d, struct rdb_cur_ *c,
                        struct rdb_event *ev);
/* Decimal text of <v> in <buf> (24 bytes); returns its length. */
size_t rdb_fmt_i64_(char *buf, int64_t v);
/* Loads an 8-byte little-endian value. */
uint64_t rdb_le64_(const uint8_t *q);

/* rdb_stream.c: checks a stream node listpack (master entry and every
 * entry's layout); 0 or -PROTO_EMALFORMED with *<what>. */
int rdb_stream_validate_(const uint8_t *lp, size_t size, const char **what);
/* Positions the iteration after the master entry of a validated node. */
int rdb_stream_begin_(struct rdb_dec *d, const uint8_t *lp);
/* Next live entry of the node: 1 (*ev filled), 0 (node done) or error. */
int rdb_stream_entry_(struct rdb_dec *d, const uint8_t *lp,
                      struct rdb_event *ev, const char **what);
/* Steps of the stream states after the nodes. */
int rdb_stream_step_(struct rdb_dec *d, struct rdb_cur_ *c,
                     struct rdb_event *ev);

#endif
