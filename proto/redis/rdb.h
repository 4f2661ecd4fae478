/*
 * rdb.h - Redis RDB decoder (sans-I/O, resumable, event per call).
 *
 * Decodes RDB files of versions 1 to 12 (Redis 1.0 to 8.0) and Valkey 9
 * files ("VALKEY" magic, 3-digit version 80 and up), every type
 * and encoding: strings (raw, int8/16/32, LZF), lists (linked list,
 * ziplist, quicklist of ziplists, quicklist 2 of PLAIN or PACKED listpack
 * nodes), sets (hash table, intset, listpack), hashes (hash table, zipmap,
 * ziplist, listpack, the hash field expiration types of Redis 7.4 and
 * Valkey 9), sorted sets (string and binary scores, ziplist, listpack),
 * streams (three versions, consumer groups, PELs, consumers), module values
 * (walked through their opcodes, handed out raw), functions, module aux
 * data, and every opcode around keys.  A DUMP/RESTORE payload (type byte,
 * value, 2-byte version, CRC-64) decodes through the same machine, and the
 * decoder can hand out each key's value as such a payload (dump_limit).
 * Module values of Redis 4.0 release candidates (type 6) have no layout a
 * reader without the module can follow: they fail as Redis fails them.
 * Zipmaps whose count byte is 255 (Redis writes at most 254) are read by
 * walking, where Redis refuses them.
 * Formats follow Redis src/rdb.c, rdb.h, ziplist.c, listpack.c, intset.c,
 * zipmap.c, t_stream.c and module.c; Valkey's rdb.c for "VALKEY080".
 *
 * One rdb_next() call hands out one event.  The caller passes every byte
 * it holds and has not yet dropped; the decoder says how many leading bytes
 * it may drop now (*consumed).  It never needs more than one whole string
 * or compact blob (a ziplist, a listpack, one quicklist node) of the file
 * in the buffer at once, plus the key and one small field it copies: a
 * million-element list arrives node by node.  Events from inside a blob
 * leave *consumed at 0 until the blob's last element.  Feeding a file in
 * any slicing, down to one byte at a time, gives the same events with the
 * same contents.
 *
 * Views (struct span, fields[]) point into the caller's bytes or into the
 * decoder's scratch buffers, and stay valid until the next rdb_next() call
 * or rdb_dec_free().  Integers stored as integers (int-encoded strings,
 * ziplist/listpack/intset integers) are handed out as decimal text, as
 * Redis would return them.
 *
 * Errors are sticky: every later call returns the same negative code;
 * d->err_off is the file offset where the bad element starts and d->err_what
 * a sentence naming it.  A value that breaks the format is
 * -PROTO_EMALFORMED, a length over a limit -PROTO_ELIMIT, a checksum
 * mismatch -PROTO_ECHECKSUM, a type or opcode this decoder does not know
 * -PROTO_EUNSUPPORTED, a failed allocation -PROTO_ENOMEM.
 */
#ifndef TANDEM_PROTO_REDIS_RDB_H
#define TANDEM_PROTO_REDIS_RDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

/* Newest Redis RDB version decoded (Redis 7.4 and 8.0 write 12). */
#define RDB_MAX_VERSION 12
/* First version of files with the "VALKEY" magic (Valkey 9.0). */
#define RDB_VALKEY_MIN_VERSION 80
/* Default limit on one string or blob (Redis' proto-max-bulk-len). */
#define RDB_DEFAULT_MAX_STRING (512u * 1024 * 1024)
/* Bytes after a DUMP payload's value: 2-byte version, 8-byte CRC-64. */
#define RDB_DUMP_TRAILER_LEN 10

/*
 * RDB type bytes (Redis src/rdb.h): X(name, number, kind), kind being the
 * logical type (enum rdb_kind without its prefix).  Valkey 9 uses 22 for
 * its own hash with field expiration (RDB_TYPE_VALKEY_HASH_2): the decoder
 * tells the two apart by the file's magic.
 */
#define RDB_TYPES(X)                        \
    X(STRING, 0, STRING)                    \
    X(LIST, 1, LIST)                        \
    X(SET, 2, SET)                          \
    X(ZSET, 3, ZSET)                        \
    X(HASH, 4, HASH)                        \
    X(ZSET_2, 5, ZSET)                      \
    X(MODULE_PRE_GA, 6, MODULE)             \
    X(MODULE_2, 7, MODULE)                  \
    X(HASH_ZIPMAP, 9, HASH)                 \
    X(LIST_ZIPLIST, 10, LIST)               \
    X(SET_INTSET, 11, SET)                  \
    X(ZSET_ZIPLIST, 12, ZSET)               \
    X(HASH_ZIPLIST, 13, HASH)               \
    X(LIST_QUICKLIST, 14, LIST)             \
    X(STREAM_LISTPACKS, 15, STREAM)         \
    X(HASH_LISTPACK, 16, HASH)              \
    X(ZSET_LISTPACK, 17, ZSET)              \
    X(LIST_QUICKLIST_2, 18, LIST)           \
    X(STREAM_LISTPACKS_2, 19, STREAM)       \
    X(SET_LISTPACK, 20, SET)                \
    X(STREAM_LISTPACKS_3, 21, STREAM)       \
    X(HASH_METADATA_PRE_GA, 22, HASH)       \
    X(HASH_LISTPACK_EX_PRE_GA, 23, HASH)    \
    X(HASH_METADATA, 24, HASH)              \
    X(HASH_LISTPACK_EX, 25, HASH)

#define RDB_TYPE_ENUM_(name, num, kind) RDB_TYPE_##name = num,
enum rdb_type {
    RDB_TYPES(RDB_TYPE_ENUM_)
    RDB_TYPE_VALKEY_HASH_2 = 22, /* Valkey 9: field, value, ms TTL triples */
    RDB_TYPE_COUNT = 26          /* sentinel: first unknown number */
};
#undef RDB_TYPE_ENUM_

/* Opcodes (Redis src/rdb.h; 243 is Valkey's SLOT_IMPORT). */
#define RDB_OP_SLOT_IMPORT 243     /* Valkey: slot import job (skipped) */
#define RDB_OP_SLOT_INFO 244       /* slot id, keys, expires (cluster) */
#define RDB_OP_FUNCTION2 245       /* function library code (7.0 GA) */
#define RDB_OP_FUNCTION_PRE_GA 246 /* library of 7.0-rc1/rc2 */
#define RDB_OP_MODULE_AUX 247      /* module data outside the keyspace */
#define RDB_OP_IDLE 248            /* LRU idle seconds of the next key */
#define RDB_OP_FREQ 249            /* LFU counter of the next key */
#define RDB_OP_AUX 250             /* name/value pair */
#define RDB_OP_RESIZEDB 251        /* hash table sizes hint */
#define RDB_OP_EXPIRETIME_MS 252   /* expire of the next key, ms */
#define RDB_OP_EXPIRETIME 253      /* expire of the next key, seconds */
#define RDB_OP_SELECTDB 254        /* db of the next keys */
#define RDB_OP_EOF 255             /* end of the keyspace; CRC follows */

/* Logical type of a key. */
enum rdb_kind {
    RDB_KIND_STRING = 0,
    RDB_KIND_LIST,
    RDB_KIND_SET,
    RDB_KIND_ZSET,
    RDB_KIND_HASH,
    RDB_KIND_STREAM,
    RDB_KIND_MODULE,
    RDB_KIND_COUNT /* sentinel */
};

/* Events.  Fields of struct rdb_event not listed for an event are 0,
 * empty views, or -1 where -1 means "none". */
enum rdb_ev {
    RDB_EV_NONE = 0,
    RDB_EV_HEADER,         /* version, valkey */
    RDB_EV_AUX,            /* a = name, b = value */
    RDB_EV_DB,             /* SELECTDB: db */
    RDB_EV_RESIZEDB,       /* db_size, expires_size */
    RDB_EV_SLOT_INFO,      /* slot, db_size (keys), expires_size */
    RDB_EV_KEY,            /* a key begins: key, kind_of_key, type, db,
                              expire_ms, idle, freq, count (elements when
                              the encoding says so up front, else -1) */
    RDB_EV_STRING,         /* a = the string key's value */
    RDB_EV_ITEM,           /* list element / set member: a; hash: a = field,
                              b = value, expire_ms = field's absolute expire
                              (-1 none); zset: a = member, score, score_text
                              (the score as written when stored as text) */
    RDB_EV_STREAM_ENTRY,   /* id, nfields, fields[2 * nfields] (field, value
                              views); deleted entries are not handed out */
    RDB_EV_STREAM_META,    /* length, last_id, first_id, max_deleted_id,
                              entries_added, count = consumer groups; a
                              STREAM_LISTPACKS value lacks the middle three
                              and gets what Redis derives when loading it:
                              the first entry's ID (max-max when empty),
                              0-0, length */
    RDB_EV_STREAM_GROUP,   /* a = group name, last_id, entries_read (-1
                              unknown), count = entries in its PEL */
    RDB_EV_STREAM_PEL,     /* group pending entry: id, delivery_ms,
                              delivery_count */
    RDB_EV_STREAM_CONSUMER, /* a = consumer name, seen_ms, active_ms (-1
                              unknown), count = entries it owns */
    RDB_EV_STREAM_CONSUMER_PEL, /* id of a pending entry of the consumer */
    RDB_EV_MODULE,         /* a = module name (9 characters), module_id,
                              module_ver; the value's raw bytes come in the
                              KEY_END dump when they fit dump_limit */
    RDB_EV_KEY_END,        /* the key's value is complete: count = ITEM,
                              STRING, MODULE or STREAM_ENTRY events given
                              for it (0 for a list, set, zset or hash: an
                              empty key, which Redis skips when loading);
                              dump = the RESTORE payload when captured */
    RDB_EV_FUNCTION,       /* a = library code; type = opcode; for the
                              7.0-rc format also b = library name and one
                              pair in fields[]: engine, description (p NULL
                              when there is none) */
    RDB_EV_MODULE_AUX,     /* a = module name, module_id, module_ver; the
                              data itself is skipped */
    RDB_EV_END,            /* EOF opcode (file) or trailer (DUMP) read and
                              the checksum verified (a file's only when not
                              0, its writer's "rdbchecksum no"): checksum */
    RDB_EV_COUNT           /* sentinel */
};

/* A stream entry ID. */
struct rdb_stream_id {
    uint64_t ms;   /* milliseconds part */
    uint64_t seq;  /* sequence part */
};

/* One decoded event; see enum rdb_ev for which fields each kind sets. */
struct rdb_event {
    enum rdb_ev kind;            /* what happened */
    uint64_t off;                /* file offset of the event's first byte */
    struct span a;               /* first string (see enum rdb_ev) */
    struct span b;               /* second string */
    struct span key;             /* KEY to KEY_END: the key (decoder copy;
                                    empty in DUMP mode) */
    struct span dump;            /* KEY_END: type byte, value bytes as in
                                    the file, the file's version (2 bytes
                                    LE), CRC-64 (8 bytes LE): the DUMP of
                                    the key for RESTORE; p == NULL when
                                    over dump_limit or not captured */
    struct span score_text;      /* zset ITEM: score text as stored, or
                                    p == NULL for a binary score */
    struct span *fields;         /* STREAM_ENTRY / FUNCTION: pairs of views */
    size_t nfields;              /* pairs in fields[] (2 * nfields views) */
    unsigned version;            /* HEADER: RDB version of the file */
    bool valkey;                 /* HEADER: "VALKEY" magic */
    uint64_t db;                 /* DB; KEY..KEY_END: db of the key */
    uint64_t db_size;            /* RESIZEDB / SLOT_INFO: keys */
    uint64_t expires_size;       /* RESIZEDB / SLOT_INFO: keys with TTL */
    uint64_t slot;               /* SLOT_INFO: cluster slot */
    enum rdb_kind kind_of_key;   /* KEY..KEY_END: logical type */
    unsigned type;               /* KEY..KEY_END: RDB type byte */
    int64_t expire_ms;           /* KEY: absolute unix ms, -1 none; hash
                                    ITEM: the field's, -1 none */
    int64_t idle;                /* KEY: LRU idle seconds, -1 none */
    int freq;                    /* KEY: LFU counter, -1 none */
    int64_t count;               /* see enum rdb_ev; -1 unknown */
    double score;                /* zset ITEM */
    struct rdb_stream_id id;     /* STREAM_ENTRY, *_PEL */
    struct rdb_stream_id last_id;        /* STREAM_META / GROUP */
    struct rdb_stream_id first_id;       /* STREAM_META */
    struct rdb_stream_id max_deleted_id; /* STREAM_META */
    uint64_t length;             /* STREAM_META: live entries */
    uint64_t entries_added;      /* STREAM_META: entries ever added */
    int64_t entries_read;        /* STREAM_GROUP: -1 unknown */
    int64_t delivery_ms;         /* STREAM_PEL: last delivery time */
    uint64_t delivery_count;     /* STREAM_PEL: deliveries */
    int64_t seen_ms;             /* STREAM_CONSUMER: last seen */
    int64_t active_ms;           /* STREAM_CONSUMER: last active, -1 */
    uint64_t module_id;          /* MODULE / MODULE_AUX: 64-bit type id */
    unsigned module_ver;         /* MODULE / MODULE_AUX: encoding version */
    uint64_t checksum;           /* END: stored CRC-64 (0: not checked) */
};

/* Option flags of struct rdb_dec. */
#define RDB_F_DUMP 0x01        /* input is one DUMP payload (no header):
                                  see rdb_dec_init_dump() */
#define RDB_F_ANY_VERSION 0x02 /* accept REDIS versions above
                                  RDB_MAX_VERSION (unknown types still
                                  fail) */
#define RDB_F_NO_CHECKSUM 0x04 /* do not verify the trailing CRC-64 */

/*
 * The decoder.  A zeroed struct, with the options set, is a valid start
 * state for a file; results and internals are written by rdb_next().
 * rdb_dec_free() releases the scratch buffers (the struct may then be
 * zeroed and reused).
 */
struct rdb_dec {
    /* ---- options, set before the first call ---- */
    size_t dump_limit;      /* capture values up to this many bytes as
                               RESTORE payloads; 0: never */
    unsigned dump_kinds;    /* ... of these kinds only: bits 1 << enum
                               rdb_kind; 0: every kind */
    size_t max_string;      /* longest string or blob; 0: 512 MiB */
    unsigned flags;         /* RDB_F_* */

    /* ---- results ---- */
    size_t need;            /* after 0: bytes of p wanted (after dropping
                               *consumed) before calling again */
    int err;                /* sticky PROTO_E* code (positive), 0 none */
    uint64_t err_off;       /* file offset of the offending element */
    const char *err_what;   /* static, or err_buf: what went wrong */
    bool done;              /* END was handed out */
    unsigned version;       /* RDB version (after HEADER) */
    bool valkey;            /* "VALKEY" magic */
    uint64_t off;           /* bytes consumed so far */

    /* ---- internals (rdb.c); do not touch ---- */
    uint8_t st;             /* state of the machine */
    uint8_t next_st;        /* state after the current blob */
    uint8_t blob_role;      /* what the current blob holds */
    uint8_t hash_mode;      /* which hash-with-TTL layout is being read */
    bool started;           /* HEADER (or the DUMP type byte) seen */
    bool blob_scratch;      /* the blob lives in blob (LZF), not in p */
    bool capturing;         /* consumed bytes go to dumpbuf */
    bool dump_over;         /* the value outgrew dump_limit */
    bool field_held;        /* field holds a hash field */
    bool in_key;            /* between KEY and KEY_END */
    unsigned type;          /* RDB type of the current key */
    uint64_t crc;           /* CRC-64 of the bytes consumed */
    uint64_t db;            /* current db */
    int64_t expire_ms;      /* pending key attributes from opcodes */
    int64_t idle;           /* pending LRU idle, -1 */
    int freq;               /* pending LFU counter, -1 */
    uint64_t left;          /* elements / nodes / groups left */
    uint64_t left2;         /* PEL entries / consumers left */
    uint64_t left3;         /* consumer PEL entries left */
    uint64_t items;         /* ITEM / STREAM_ENTRY events of this key */
    uint64_t min_expire;    /* HASH_METADATA: base of relative TTLs */
    int64_t field_ttl;      /* TTL read with the held field */
    uint64_t field_off;     /* file offset of the held element */
    size_t blob_len;        /* bytes of the current blob */
    size_t blob_off;        /* iteration offset inside the blob */
    size_t blob_prev;       /* ziplist: size of the previous entry */
    uint64_t blob_at;       /* file offset of the blob's first byte */
    uint64_t ent_left;      /* stream: entries left in the node */
    uint64_t master_ms;     /* stream node master ID */
    uint64_t master_seq;    /* stream node master ID */
    uint64_t master_n;      /* stream node master field count */
    uint64_t module_id;     /* MODULE_2 value being walked */
    struct rdb_stream_id first; /* stream: first live entry handed out */
    bool have_first;        /* stream: first is set */
    struct pbuf key;        /* the current key */
    struct pbuf field;      /* a hash field kept across calls */
    struct pbuf blob;       /* an LZF blob, decompressed */
    struct pbuf scratch[4]; /* LZF strings of one event */
    struct pbuf txt;        /* integer texts of a stream entry */
    struct pbuf spans;      /* struct span array of a stream entry */
    struct pbuf moffs;      /* size_t offsets of the master fields */
    struct pbuf dumpbuf;    /* the captured value */
    char num[4][24];        /* integer texts of one event */
    char err_buf[96];       /* err_what when it names a number */
};

/* Names: "STRING", "HASH"...; "ITEM", "KEY_END"...; NULL-safe ("?"). */
const char *rdb_kind_name(enum rdb_kind k);
const char *rdb_ev_name(enum rdb_ev e);
/* Redis' name of an RDB type byte ("LIST_QUICKLIST_2"), "HASH_2" for 22 in
 * a Valkey file, "?" for unknown numbers. */
const char *rdb_type_name(unsigned type, bool valkey);
/* Logical type of an RDB type byte; RDB_KIND_COUNT when unknown. */
enum rdb_kind rdb_type_kind(unsigned type);

/*
 * Decodes the next event from the <len> bytes at <p>: the bytes not yet
 * dropped, contiguous, the caller appending new bytes at the end.
 * Returns:
 *   1  *<ev> is filled; the caller handles it, then drops *<consumed>
 *      leading bytes (possibly 0: an event from inside a blob that is
 *      still in the buffer) and calls again;
 *   0  more bytes are needed: drop *<consumed> bytes (work done without an
 *      event, e.g. a skipped module value), then call again once at least
 *      d->need bytes are held (a huge value is not re-parsed on every
 *      chunk); after END it returns 0 with d->need = 0 and d->done set:
 *      the bytes after the RDB belong to the caller (an AOF tail, a PSYNC
 *      EOF mark);
 *  <0  -PROTO_E* (sticky), details in d->err_off / d->err_what.
 * Not reentrant for one decoder; any number of decoders may run at once.
 */
int rdb_next(struct rdb_dec *d, const uint8_t *p, size_t len,
             size_t *consumed, struct rdb_event *ev);

/* Frees the scratch buffers; the decoder must be zeroed before reuse. */
void rdb_dec_free(struct rdb_dec *d);

/*
 * Checks the trailer of a DUMP payload (<len> bytes at <p>): at least a
 * type byte and the 10-byte trailer, CRC-64 of everything before the CRC
 * equal to the stored one (no exception for 0, as in Redis' RESTORE).
 * Stores the payload's RDB version in *<rdbver> (when not NULL).  Returns
 * 0, -PROTO_ETRUNCATED (too short) or -PROTO_ECHECKSUM.
 */
int rdb_dump_check(const uint8_t *p, size_t len, unsigned *rdbver);

/*
 * Prepares a zeroed decoder with its options set to decode the DUMP
 * payload <p>/<len> (the value of RESTORE): checks the trailer with
 * rdb_dump_check(), takes the version from it (80 and up: a Valkey value)
 * and sets RDB_F_DUMP.  rdb_next() then gives KEY (empty key), the value's
 * events, KEY_END and END, with *consumed reaching len - 10 at KEY_END and
 * len at END.  Returns 0 or the negative code of rdb_dump_check().
 */
int rdb_dec_init_dump(struct rdb_dec *d, const uint8_t *p, size_t len);

/* Builds a DUMP payload in <out> (appended): <type> byte, the <n> value
 * bytes at <value>, <rdbver> as 2 bytes LE and the CRC-64 of all that, LE.
 * Check out->failed afterwards. */
void rdb_dump_build(struct pbuf *out, unsigned type, const uint8_t *value,
                    size_t n, unsigned rdbver);

#endif
