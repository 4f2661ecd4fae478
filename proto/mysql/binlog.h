/*
 * binlog.h - MySQL / MariaDB binary log event decoder (sans-I/O).
 *
 * Decodes binlog v4 events as written by MySQL 5.0 to 9.x and MariaDB 5.5
 * to 11.x, from a binlog file (after the 4-byte "\xfebin" magic) or from a
 * COM_BINLOG_DUMP stream (after the OK byte of each packet).  One call
 * decodes one event: the 19-byte common header, the checksum (CRC32 when
 * the FORMAT_DESCRIPTION_EVENT or the connection says so) and the body of
 * every event type a replicator meets, into a tagged union of views into
 * the caller's bytes.
 *
 * Formats follow MySQL's libs/mysql/binlog/event (control_events.cpp,
 * statement_events.cpp, rows_event.cpp, codecs/binary.cpp, the
 * mysql::serialization library for GTID_TAGGED_LOG_EVENT) and MariaDB's
 * sql/log_event.cc (GTID, GTID_LIST, BINLOG_CHECKPOINT, ANNOTATE_ROWS,
 * START_ENCRYPTION and the zlib-compressed QUERY / ROWS events).
 *
 * Views (struct span, const uint8_t *) point into the bytes given to
 * binlog_event_decode() and stay valid as long as those bytes do, except
 * for the bodies of MariaDB compressed events and the events inside a
 * TRANSACTION_PAYLOAD_EVENT: those point into scratch buffers owned by the
 * decoder, valid until the next event of the same kind is decoded (next
 * compressed event, next TRANSACTION_PAYLOAD_EVENT) or binlog_decoder_free().
 *
 * The decoder fails closed: a length that points past the event, a bad
 * checksum, an unknown event type without LOG_EVENT_IGNORABLE_F, or a
 * feature we do not decode is an error with a reason and an offset, never
 * a silently skipped event.  Errors are sticky until
 * binlog_decoder_clear_error().
 */
#ifndef TANDEM_PROTO_MYSQL_BINLOG_H
#define TANDEM_PROTO_MYSQL_BINLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/buf.h"

/* File magic at offset 0 of every binlog and relay log file. */
#define BINLOG_MAGIC "\xfe" "bin"
#define BINLOG_MAGIC_LEN 4
/* Common header length of binlog v4 (MySQL 5.0+, every MariaDB). */
#define BINLOG_HEADER_LEN 19
/* Bytes of the CRC32 trailer when the checksum algorithm is CRC32. */
#define BINLOG_CHECKSUM_LEN 4
/* Largest event MySQL writes (max_allowed_packet ceiling), default limit. */
#define BINLOG_DEFAULT_MAX_EVENT (1024u * 1024u * 1024u)
/* Most columns a rows event may carry (MySQL Rows_event::max_fields). */
#define BINLOG_MAX_COLUMNS 4096

/* Header flags (common header, 2 bytes). */
#define BINLOG_F_BINLOG_IN_USE 0x0001      /* FDE only: file not closed */
#define BINLOG_F_THREAD_SPECIFIC 0x0004    /* query uses temp tables */
#define BINLOG_F_SUPPRESS_USE 0x0008       /* no USE db before the query */
#define BINLOG_F_ARTIFICIAL 0x0020         /* made up by the server */
#define BINLOG_F_RELAY_LOG 0x0040          /* written by the relay log */
#define BINLOG_F_IGNORABLE 0x0080          /* unknown type may be skipped */
#define BINLOG_F_NO_FILTER 0x0100          /* do not filter this event */
#define BINLOG_F_MTS_ISOLATE 0x0200        /* isolate on parallel apply */
#define BINLOG_F_SKIP_REPLICATION 0x8000   /* MariaDB @@skip_replication */

/* Checksum algorithm (FDE trailer byte, @@binlog_checksum). */
enum binlog_checksum {
    BINLOG_CHECKSUM_OFF = 0,     /* no checksum */
    BINLOG_CHECKSUM_CRC32 = 1,   /* zlib CRC32 trailer, 4 bytes LE */
    BINLOG_CHECKSUM_UNDEF = 255, /* pre-5.6.1 writer: no checksum */
};

/*
 * Every event type number MySQL (0-42) and MariaDB (160-172) use, as an
 * X-macro: X(name, number).  Numbers 20-22 are the pre-GA row events of
 * MySQL 5.1.5-5.1.17 and 6/8/10/12 the LOAD DATA events of MySQL < 5.0.3;
 * 172 is MariaDB 12.3's fragment of an oversized rows event.
 */
#define BINLOG_EVENT_TYPES(X)                          \
    X(UNKNOWN, 0)                                      \
    X(START_V3, 1)                                     \
    X(QUERY, 2)                                        \
    X(STOP, 3)                                         \
    X(ROTATE, 4)                                       \
    X(INTVAR, 5)                                       \
    X(LOAD, 6)                                         \
    X(SLAVE, 7)                                        \
    X(CREATE_FILE, 8)                                  \
    X(APPEND_BLOCK, 9)                                 \
    X(EXEC_LOAD, 10)                                   \
    X(DELETE_FILE, 11)                                 \
    X(NEW_LOAD, 12)                                    \
    X(RAND, 13)                                        \
    X(USER_VAR, 14)                                    \
    X(FORMAT_DESCRIPTION, 15)                          \
    X(XID, 16)                                         \
    X(BEGIN_LOAD_QUERY, 17)                            \
    X(EXECUTE_LOAD_QUERY, 18)                          \
    X(TABLE_MAP, 19)                                   \
    X(PRE_GA_WRITE_ROWS, 20)                           \
    X(PRE_GA_UPDATE_ROWS, 21)                          \
    X(PRE_GA_DELETE_ROWS, 22)                          \
    X(WRITE_ROWS_V1, 23)                               \
    X(UPDATE_ROWS_V1, 24)                              \
    X(DELETE_ROWS_V1, 25)                              \
    X(INCIDENT, 26)                                    \
    X(HEARTBEAT, 27)                                   \
    X(IGNORABLE, 28)                                   \
    X(ROWS_QUERY, 29)                                  \
    X(WRITE_ROWS_V2, 30)                               \
    X(UPDATE_ROWS_V2, 31)                              \
    X(DELETE_ROWS_V2, 32)                              \
    X(GTID, 33)                                        \
    X(ANONYMOUS_GTID, 34)                              \
    X(PREVIOUS_GTIDS, 35)                              \
    X(TRANSACTION_CONTEXT, 36)                         \
    X(VIEW_CHANGE, 37)                                 \
    X(XA_PREPARE, 38)                                  \
    X(PARTIAL_UPDATE_ROWS, 39)                         \
    X(TRANSACTION_PAYLOAD, 40)                         \
    X(HEARTBEAT_V2, 41)                                \
    X(GTID_TAGGED, 42)                                 \
    X(MARIA_ANNOTATE_ROWS, 160)                        \
    X(MARIA_BINLOG_CHECKPOINT, 161)                    \
    X(MARIA_GTID, 162)                                 \
    X(MARIA_GTID_LIST, 163)                            \
    X(MARIA_START_ENCRYPTION, 164)                     \
    X(MARIA_QUERY_COMPRESSED, 165)                     \
    X(MARIA_WRITE_ROWS_COMPRESSED_V1, 166)             \
    X(MARIA_UPDATE_ROWS_COMPRESSED_V1, 167)            \
    X(MARIA_DELETE_ROWS_COMPRESSED_V1, 168)            \
    X(MARIA_WRITE_ROWS_COMPRESSED, 169)                \
    X(MARIA_UPDATE_ROWS_COMPRESSED, 170)               \
    X(MARIA_DELETE_ROWS_COMPRESSED, 171)               \
    X(MARIA_PARTIAL_ROW_DATA, 172)

#define BINLOG_EVENT_ENUM_(name, num) BINLOG_##name = num,
enum binlog_event_type {
    BINLOG_EVENT_TYPES(BINLOG_EVENT_ENUM_)
    BINLOG_EVENT_TYPE_COUNT = 256 /* sentinel: type is one byte */
};
#undef BINLOG_EVENT_ENUM_

/* "QUERY", "MARIA_GTID"...; "UNKNOWN_<n>" types give "UNKNOWN". */
const char *binlog_event_type_name(unsigned type);

/* The 19-byte common header. */
struct binlog_header {
    uint32_t timestamp;          /* seconds since the epoch (statement start) */
    uint8_t type;                /* event type number as written */
    uint32_t server_id;          /* originating server */
    uint32_t event_size;         /* header + body + checksum */
    uint32_t log_pos;            /* end position of the event in the file */
    uint16_t flags;              /* BINLOG_F_* */
};

/* FORMAT_DESCRIPTION_EVENT (and START_EVENT_V3 minus the last fields). */
struct binlog_fde {
    uint16_t binlog_version;     /* 4 for MySQL 5.0+ */
    struct span server_version;  /* "8.0.36", NUL padding stripped */
    uint32_t create_timestamp;   /* 0 unless the first file after start */
    uint8_t header_len;          /* common header length (19) */
    struct span post_header_len; /* post-header length per type - 1 */
    uint8_t checksum_alg;        /* enum binlog_checksum of this file */
};

/* ROTATE_EVENT: the next event is at pos in next_file. */
struct binlog_rotate {
    uint64_t pos;                /* position in the next file */
    struct span next_file;       /* file name, not NUL-terminated */
};

/* QUERY_EVENT and MARIA_QUERY_COMPRESSED (sql inflated in scratch). */
struct binlog_query {
    uint32_t thread_id;          /* session id on the source */
    uint32_t exec_time;          /* seconds the statement took */
    uint16_t error_code;         /* error of the statement on the source */
    struct span db;              /* default database, may be empty */
    struct span status_vars;     /* raw status variables (Q_* codes) */
    struct span sql;             /* statement text */
    bool compressed;             /* sql was zlib-compressed in the event */
};

/* EXECUTE_LOAD_QUERY_EVENT: a QUERY plus the LOAD DATA file reference. */
struct binlog_execute_load_query {
    struct binlog_query query;   /* the LOAD DATA statement */
    uint32_t file_id;            /* id of BEGIN_LOAD_QUERY/APPEND_BLOCK data */
    uint32_t fn_pos_start;       /* file name position in sql */
    uint32_t fn_pos_end;         /* end of the file name in sql */
    uint8_t dup_handling;        /* 0 error, 1 ignore, 2 replace */
};

/* BEGIN_LOAD_QUERY, APPEND_BLOCK, DELETE_FILE: LOAD DATA file blocks. */
struct binlog_load_block {
    uint32_t file_id;            /* LOAD DATA file id */
    struct span data;            /* file bytes (empty for DELETE_FILE) */
};

/* INTVAR_EVENT. */
struct binlog_intvar {
    uint8_t type;                /* 1 LAST_INSERT_ID, 2 INSERT_ID */
    uint64_t value;              /* the value */
};

/* RAND_EVENT. */
struct binlog_rand {
    uint64_t seed1;              /* RAND() seed 1 */
    uint64_t seed2;              /* RAND() seed 2 */
};

/* USER_VAR_EVENT. */
struct binlog_user_var {
    struct span name;            /* variable name */
    bool is_null;                /* the value is NULL */
    uint8_t value_type;          /* Item_result: 0 string 1 real 2 int 4 dec */
    uint32_t charset;            /* collation of a string value */
    struct span value;           /* raw value bytes */
    bool has_flags;              /* the flags byte is present (5.6+) */
    uint8_t flags;               /* 1 = unsigned integer */
};

/* XID_EVENT: InnoDB commit of the transaction. */
struct binlog_xid {
    uint64_t xid;                /* transaction id */
};

/* XA_PREPARE_LOG_EVENT. */
struct binlog_xa_prepare {
    bool one_phase;              /* XA COMMIT ... ONE PHASE */
    uint32_t format_id;          /* XID formatID */
    struct span gtrid;           /* global transaction id */
    struct span bqual;           /* branch qualifier */
};

/* INCIDENT_EVENT: the source lost events (e.g. LOST_EVENTS). */
struct binlog_incident {
    uint16_t incident;           /* 1 = LOST_EVENTS, 2 = LOST_EVENTS_GTID */
    struct span message;         /* text */
};

/* ROWS_QUERY_LOG_EVENT and MARIA_ANNOTATE_ROWS: the statement text. */
struct binlog_text {
    struct span text;            /* statement text */
};

/* HEARTBEAT_LOG_EVENT (v1: position in the header) and HEARTBEAT_V2. */
struct binlog_heartbeat {
    struct span log_file;        /* current binlog file name */
    uint64_t log_pos;            /* position the source is at */
};

/* MySQL GTID_LOG_EVENT, ANONYMOUS_GTID_LOG_EVENT and GTID_TAGGED. */
struct binlog_gtid {
    uint8_t flags;               /* 1 = may have statement-based events */
    uint8_t sid[16];             /* source UUID */
    int64_t gno;                 /* transaction number (0 for anonymous) */
    struct span tag;             /* GTID tag (8.4+), empty if none */
    bool has_logical_clock;      /* last_committed/sequence_number valid */
    int64_t last_committed;      /* logical clock: last committed */
    int64_t sequence_number;     /* logical clock: this transaction */
    bool has_commit_ts;          /* commit timestamps valid (8.0.1+) */
    uint64_t immediate_commit_ts; /* usec since epoch, on the last server */
    uint64_t original_commit_ts; /* usec since epoch, on the origin */
    bool has_trx_length;         /* trx_length valid (8.0.2+) */
    uint64_t trx_length;         /* bytes of the whole transaction */
    bool has_server_version;     /* server versions valid (8.0.14+) */
    uint32_t immediate_server_version; /* e.g. 80036 */
    uint32_t original_server_version;  /* e.g. 80036 */
    uint64_t commit_group_ticket; /* binlog group commit ticket, or 0 */
};

/* PREVIOUS_GTIDS_LOG_EVENT: a GTID set, read with binlog_gtid_set_*. */
struct binlog_previous_gtids {
    struct span encoded;         /* the encoded GTID set (validated) */
    uint64_t n_sids;             /* number of (uuid, tag) entries */
    bool tagged;                 /* 8.4 tagged format */
};

/* One interval of an encoded GTID set. */
struct binlog_gtid_interval {
    const uint8_t *sid;          /* 16-byte source UUID (view) */
    struct span tag;             /* tag, empty if untagged */
    int64_t start;               /* first GNO */
    int64_t end;                 /* one past the last GNO */
};

/* Cursor over an encoded GTID set (PREVIOUS_GTIDS, COM_BINLOG_DUMP_GTID). */
struct binlog_gtid_set_iter {
    struct rbuf r;               /* over the encoded set */
    bool tagged;                 /* 8.4 tagged format */
    uint64_t sids_left;          /* entries not yet started */
    uint64_t intervals_left;     /* intervals left in the current entry */
    const uint8_t *sid;          /* current entry's UUID */
    struct span tag;             /* current entry's tag */
};

/* MARIA_GTID: MariaDB GTID domain-server-seq (server id in the header). */
#define BINLOG_MARIA_FL_STANDALONE 0x01     /* no BEGIN/COMMIT group */
#define BINLOG_MARIA_FL_GROUP_COMMIT_ID 0x02 /* commit_id present */
#define BINLOG_MARIA_FL_TRANSACTIONAL 0x04  /* transactional engine */
#define BINLOG_MARIA_FL_ALLOW_PARALLEL 0x08 /* may apply in parallel */
#define BINLOG_MARIA_FL_WAITED 0x10         /* waited for a row lock */
#define BINLOG_MARIA_FL_DDL 0x20            /* DDL statement */
#define BINLOG_MARIA_FL_PREPARED_XA 0x40    /* XA PREPARE group */
#define BINLOG_MARIA_FL_COMPLETED_XA 0x80   /* XA COMMIT/ROLLBACK group */
#define BINLOG_MARIA_FLX_MULTI_ENGINE 0x01  /* extra_engines present */
#define BINLOG_MARIA_FLX_START_ALTER 0x02   /* START ALTER of a split ALTER */
#define BINLOG_MARIA_FLX_COMMIT_ALTER 0x04  /* COMMIT ALTER (sa_seq_no) */
#define BINLOG_MARIA_FLX_ROLLBACK_ALTER 0x08 /* ROLLBACK ALTER (sa_seq_no) */
#define BINLOG_MARIA_FLX_THREAD_ID 0x10     /* thread_id present (11.x) */

struct binlog_maria_gtid {
    uint64_t seq_no;             /* sequence number */
    uint32_t domain_id;          /* replication domain */
    uint8_t flags;               /* BINLOG_MARIA_FL_* */
    uint64_t commit_id;          /* group commit id, if FL_GROUP_COMMIT_ID */
    uint32_t xa_format_id;       /* XID formatID, if an XA flag is set */
    struct span xa_gtrid;        /* XID gtrid, if an XA flag is set */
    struct span xa_bqual;        /* XID bqual, if an XA flag is set */
    uint8_t flags_extra;         /* BINLOG_MARIA_FLX_*, 0 if absent */
    uint8_t extra_engines;       /* engines beyond the first */
    uint64_t sa_seq_no;          /* seq_no of the START ALTER */
    uint32_t thread_id;          /* source thread id if FLX_THREAD_ID */
};

/* MARIA_GTID_LIST: the binlog state at the start of a file. */
struct binlog_maria_gtid_list {
    uint32_t count;              /* number of entries */
    uint8_t flags;               /* top 4 bits of the count field */
    struct span entries;         /* count x (domain 4, server 4, seq 8) */
};

/* One MariaDB GTID. */
struct binlog_maria_gtid_entry {
    uint32_t domain_id;          /* replication domain */
    uint32_t server_id;          /* originating server */
    uint64_t seq_no;             /* sequence number */
};

/* MARIA_BINLOG_CHECKPOINT. */
struct binlog_checkpoint {
    struct span file;            /* oldest binlog needed by crash recovery */
};

/* MARIA_START_ENCRYPTION: the rest of the file is encrypted. */
struct binlog_start_encryption {
    uint8_t scheme;              /* encryption scheme (1) */
    uint32_t key_version;        /* key version */
    const uint8_t *nonce;        /* 12 bytes */
};

/* TRANSACTION_PAYLOAD_EVENT: a whole transaction, usually zstd'ed. */
#define BINLOG_PAYLOAD_ZSTD 0
#define BINLOG_PAYLOAD_NONE 255
struct binlog_payload {
    uint64_t payload_size;       /* bytes of payload */
    uint32_t compression_type;   /* BINLOG_PAYLOAD_ZSTD / _NONE */
    uint64_t uncompressed_size;  /* declared size of the inner events */
    struct span payload;         /* compressed inner events (view) */
};

/*
 * TABLE_MAP_EVENT: the table definition the next rows events refer to.
 * Decoded by binlog_table_map_decode() (rows.h); everything is a view.
 * The optional metadata spans are the TLV values of the last occurrence
 * of each type (MySQL 8.0.1+ and MariaDB 10.5+ binlog_row_metadata).
 */
struct binlog_table_map {
    uint64_t table_id;           /* id the rows events use */
    uint16_t flags;              /* TABLE_MAP flags */
    struct span db;              /* database name */
    struct span table;           /* table name */
    uint32_t column_count;       /* number of columns */
    const uint8_t *types;        /* column_count type bytes */
    struct span meta;            /* packed per-column metadata */
    const uint8_t *null_bits;    /* (column_count + 7) / 8 bytes, LSB first */
    struct span opt;             /* all optional metadata TLVs */
    struct span signedness;      /* 1: bit per numeric column, MSB first */
    struct span default_charset; /* 2: default + (char col, collation) */
    struct span column_charset;  /* 3: collation per character column */
    struct span column_name;     /* 4: lenenc name per column */
    struct span set_str_value;   /* 5: per SET column: count, values */
    struct span enum_str_value;  /* 6: per ENUM column: count, values */
    struct span geometry_type;   /* 7: packed type per geometry column */
    struct span simple_pk;       /* 8: packed PK column indexes */
    struct span pk_with_prefix;  /* 9: packed (index, prefix) pairs */
    struct span enum_set_default_charset; /* 10: like 2, ENUM/SET only */
    struct span enum_set_column_charset;  /* 11: like 3, ENUM/SET only */
    struct span column_visibility; /* 12: bit per column, 1 = visible */
    struct span vector_dimensionality; /* 13: packed per VECTOR column */
    bool is_mariadb;             /* written by MariaDB: YEAR has a
                                  * SIGNEDNESS bit, GEOMETRY a charset */
};

/* Rows events: WRITE/UPDATE/DELETE v0 (pre-GA), v1, v2, MariaDB compressed,
 * PARTIAL_UPDATE.  Iterate the rows with binlog_rows_init() (rows.h). */
enum binlog_rows_kind {
    BINLOG_ROWS_WRITE = 0,       /* after image only */
    BINLOG_ROWS_UPDATE,          /* before and after images */
    BINLOG_ROWS_DELETE,          /* before image only */
    BINLOG_ROWS_PARTIAL_UPDATE,  /* UPDATE with value_options per row */
    BINLOG_ROWS_KIND_COUNT       /* sentinel */
};

#define BINLOG_ROWS_F_STMT_END 0x0001        /* last event of the statement */
#define BINLOG_ROWS_F_NO_FOREIGN_KEY_CHECKS 0x0002
#define BINLOG_ROWS_F_RELAXED_UNIQUE_CHECKS 0x0004
#define BINLOG_ROWS_F_COMPLETE_ROWS 0x0008   /* all columns logged */

struct binlog_rows_event {
    enum binlog_rows_kind kind;  /* which images each row has */
    uint8_t version;             /* 1 or 2 (extra info header) */
    bool compressed;             /* rows were inflated (MariaDB) */
    uint64_t table_id;           /* table map it refers to */
    uint16_t flags;              /* BINLOG_ROWS_F_* */
    struct span extra;           /* v2 extra row info, raw */
    int32_t partition_id;        /* v2 PART info, or -1 */
    int32_t source_partition_id; /* v2 PART info of UPDATE source, or -1 */
    struct span ndb_info;        /* v2 NDB info (len, format, data), or empty */
    uint32_t width;              /* number of columns of the table */
    const uint8_t *cols_before;  /* columns-present bitmap, before image */
    const uint8_t *cols_after;   /* columns-present bitmap, after image */
    struct span rows;            /* row images */
};

/*
 * MARIA_PARTIAL_ROW_DATA (MariaDB 12.3, MDEV-32570): one fragment of a
 * rows event larger than the replica's max packet.  The chunks of a group
 * in sequence order rebuild the original rows event; reassembly is left to
 * the caller, which must refuse the group if it does not do it.
 */
struct binlog_partial_rows {
    uint32_t total;              /* fragments in the group */
    uint32_t seq;                /* this fragment, 1-based */
    uint8_t flags;               /* 1 = orig_size present */
    uint64_t orig_size;          /* size of the rebuilt event, or 0 */
    struct span chunk;           /* this fragment's bytes */
};

/* START_EVENT_V3 (binlog v1/v3, MySQL < 5.0). */
struct binlog_start_v3 {
    uint16_t binlog_version;     /* 1 or 3 */
    struct span server_version;  /* server version string */
    uint32_t create_timestamp;   /* file creation time */
};

/*
 * A decoded event.  type says which union member is valid; it equals
 * h.type except for unknown types flagged LOG_EVENT_IGNORABLE_F, which are
 * reported as BINLOG_IGNORABLE with u.raw (callers skip them).  body is
 * the post-header and body without the checksum, for every type.
 */
struct binlog_event {
    struct binlog_header h;      /* common header */
    enum binlog_event_type type; /* selects the union member */
    struct span body;            /* everything after the header */
    union {
        struct binlog_fde fde;                   /* FORMAT_DESCRIPTION */
        struct binlog_start_v3 start_v3;         /* START_V3 */
        struct binlog_rotate rotate;             /* ROTATE */
        struct binlog_query query;               /* QUERY, QUERY_COMPRESSED */
        struct binlog_execute_load_query exec_load; /* EXECUTE_LOAD_QUERY */
        struct binlog_load_block load_block;     /* BEGIN_LOAD_QUERY, ... */
        struct binlog_intvar intvar;             /* INTVAR */
        struct binlog_rand rand;                 /* RAND */
        struct binlog_user_var user_var;         /* USER_VAR */
        struct binlog_xid xid;                   /* XID */
        struct binlog_xa_prepare xa_prepare;     /* XA_PREPARE */
        struct binlog_incident incident;         /* INCIDENT */
        struct binlog_text text;                 /* ROWS_QUERY, ANNOTATE */
        struct binlog_heartbeat heartbeat;       /* HEARTBEAT(_V2) */
        struct binlog_gtid gtid;                 /* GTID, ANON, TAGGED */
        struct binlog_previous_gtids prev_gtids; /* PREVIOUS_GTIDS */
        struct binlog_maria_gtid maria_gtid;     /* MARIA_GTID */
        struct binlog_maria_gtid_list gtid_list; /* MARIA_GTID_LIST */
        struct binlog_checkpoint checkpoint;     /* MARIA_BINLOG_CHECKPOINT */
        struct binlog_start_encryption encryption; /* START_ENCRYPTION */
        struct binlog_payload payload;           /* TRANSACTION_PAYLOAD */
        struct binlog_table_map table_map;       /* TABLE_MAP */
        struct binlog_rows_event rows;           /* every rows event */
        struct binlog_partial_rows partial_rows; /* PARTIAL_ROW_DATA */
        struct span raw;                         /* anything else */
    } u;
};

/* State of the inner-event cursor of the last TRANSACTION_PAYLOAD. */
struct binlog_payload_state {
    bool active;                 /* a payload is being iterated */
    uint32_t compression_type;   /* BINLOG_PAYLOAD_* */
    struct span in;              /* compressed bytes (caller's view) */
    size_t in_pos;               /* bytes of in fed to zstd */
    uint64_t declared_size;      /* uncompressed size from the header */
    size_t out_pos;              /* next inner event offset in buf */
    bool eof;                    /* zstd frame fully decoded */
};

/*
 * Decoder state.  A zeroed struct is valid: binlog v4, 19-byte header, no
 * checksum until binlog_decoder_set_checksum() or a FORMAT_DESCRIPTION.
 */
struct binlog_decoder {
    /* limits (0 = BINLOG_DEFAULT_MAX_EVENT) */
    size_t max_event_size;       /* largest event_size accepted */
    size_t max_uncompressed;     /* largest inflated payload / event */

    /* from the last FORMAT_DESCRIPTION_EVENT */
    bool have_fde;               /* an FDE was decoded */
    uint16_t binlog_version;     /* binlog format version (4) */
    char server_version[51];     /* NUL-terminated */
    uint32_t server_version_num; /* major*10000 + minor*100 + patch */
    bool is_mariadb;             /* server_version names MariaDB */
    uint8_t header_len;          /* common header length (19) */
    uint8_t checksum_alg;        /* enum binlog_checksum in effect */
    uint16_t n_post_header;      /* entries in post_header_len */
    uint8_t post_header_len[256]; /* per type - 1, from the FDE */

    /* need-more hint */
    size_t need;                 /* bytes required at p (header or event) */

    /* sticky error */
    int err;                     /* -PROTO_E* or 0 */
    const char *err_reason;      /* static text */
    uint8_t err_type;            /* event type being decoded */
    size_t err_offset;           /* offset of the problem in the event
                                  * (inner event, or inflated payload for
                                  * payload framing errors) */
    uint64_t err_value;          /* a number the reason refers to */
    bool err_inner;              /* error inside a TRANSACTION_PAYLOAD */
    char err_msg[192];           /* binlog_decoder_strerror() output */

    /* scratch buffers, owned */
    struct pbuf zquery;          /* inflated MariaDB compressed query */
    struct pbuf zrows;           /* inflated MariaDB compressed rows */
    struct pbuf payload;         /* inflated TRANSACTION_PAYLOAD */
    void *zstd;                  /* ZSTD_DStream, created lazily */
    struct binlog_payload_state ps; /* inner event cursor */
};

/* Frees the scratch buffers; the decoder stays usable (state kept). */
void binlog_decoder_free(struct binlog_decoder *d);

/* Sets the checksum algorithm in effect until the next FDE (the value of
 * @@master_binlog_checksum negotiated on a dump connection). */
void binlog_decoder_set_checksum(struct binlog_decoder *d,
                                 enum binlog_checksum alg);

/* Clears a sticky error so decoding may continue at a new position. */
void binlog_decoder_clear_error(struct binlog_decoder *d);

/* Human-readable sticky error ("unknown event type 100 at offset 0 ..."),
 * formatted into d->err_msg; "" when no error. */
const char *binlog_decoder_strerror(struct binlog_decoder *d);

/*
 * Decodes one event at p.
 *
 * Returns the event size (> 0) with *ev filled, 0 when len is smaller than
 * the header or the event (d->need is then the number of bytes required
 * at p), or -PROTO_E* with the reason in the decoder (sticky).  An FDE
 * updates the decoder (header length, post-header lengths, checksum).  A
 * TRANSACTION_PAYLOAD_EVENT is validated and prepared for
 * binlog_payload_next(); its compressed bytes must stay valid until the
 * inner events are consumed.  Not for events inside a payload (see
 * binlog_payload_next()).
 */
ssize_t binlog_event_decode(struct binlog_decoder *d, const uint8_t *p,
                            size_t len, struct binlog_event *ev);

/*
 * Next event inside the TRANSACTION_PAYLOAD_EVENT decoded last.  The
 * payload is inflated with zstd as far as the next event needs (bounded by
 * max_uncompressed), so each call does a bounded slice of work.  Returns
 * the inner event size (> 0), 0 at the end of the payload (the declared
 * uncompressed size is checked), or -PROTO_E* (sticky).  Inner events
 * carry no checksum; their views stay valid until the next
 * TRANSACTION_PAYLOAD_EVENT is decoded.
 */
ssize_t binlog_payload_next(struct binlog_decoder *d, struct binlog_event *ev);

/* True for every rows event type (WRITE/UPDATE/DELETE of each version,
 * PARTIAL_UPDATE_ROWS, MariaDB's compressed ones): ev->u.rows is set. */
bool binlog_is_rows_event(unsigned type);

/* True if the 4 bytes at p are the binlog file magic (len >= 4). */
bool binlog_file_check_magic(const uint8_t *p, size_t len);

/* Entry i (< count) of a MariaDB GTID list. */
void binlog_gtid_list_get(const struct binlog_maria_gtid_list *l, uint32_t i,
                          struct binlog_maria_gtid_entry *out);

/*
 * Iterates an encoded MySQL GTID set (untagged or 8.4 tagged format).
 * init returns 0 or -PROTO_EMALFORMED; next returns 1 with *out filled, 0
 * at the end, -PROTO_EMALFORMED / -PROTO_ETRUNCATED on bad input.
 */
int binlog_gtid_set_iter_init(struct binlog_gtid_set_iter *it,
                              struct span encoded);
int binlog_gtid_set_next(struct binlog_gtid_set_iter *it,
                         struct binlog_gtid_interval *out);

/* Reads a MySQL packed ("length-encoded") integer; false if truncated or
 * the 0xfb / 0xff marker. */
bool binlog_read_packed(struct rbuf *r, uint64_t *out);

#endif
