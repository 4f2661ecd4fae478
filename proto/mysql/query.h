/*
 * query.h - text-protocol commands (COM_QUERY, COM_PING, COM_QUIT) and the
 * text result set decoder (MySQL internals, "COM_QUERY Response",
 * "Text Resultset", "Column Definition").
 *
 * A COM_QUERY response is one of: an OK packet, an ERR packet, a LOCAL
 * INFILE request (refused here), or a result set:
 *
 *   column count (lenenc int)
 *   column definition x count
 *   EOF                         (absent with CLIENT_DEPRECATE_EOF)
 *   text row x N                (lenenc strings, 0xfb = NULL)
 *   EOF, or OK headed 0xfe      (CLIENT_DEPRECATE_EOF), or ERR
 *
 * struct mysql_rs takes one whole payload per call (the framer's output)
 * and walks COLUMN_COUNT -> COLUMNS (-> COLUMNS_EOF) -> ROWS -> DONE,
 * back to COLUMN_COUNT when SERVER_MORE_RESULTS_EXISTS says another result
 * follows.  It allocates nothing: events carry views into the payload.
 */
#ifndef TANDEM_PROTO_MYSQL_QUERY_H
#define TANDEM_PROTO_MYSQL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/buf.h"
#include "proto/mysql/packet.h"

/* Command bytes (include/my_command.h). */
#define MYSQL_COM_QUIT 0x01
#define MYSQL_COM_QUERY 0x03
#define MYSQL_COM_PING 0x0e

/* Most columns a result set may announce (MySQL allows 4096 per table;
 * a SELECT may join more, this is the decoder's sanity bound). */
#define MYSQL_RS_MAX_COLUMNS 65536u

/*
 * Appends a whole command packet (sequence id 0, split if large) to <out>:
 * <cmd> followed by <arg>/<len> (may be empty).  Failure shows in
 * out->failed.
 */
void mysql_command_encode(struct pbuf *out, uint8_t cmd, const void *arg,
                          size_t len);

/* COM_QUERY of <sql>/<len>. */
void mysql_com_query_encode(struct pbuf *out, const char *sql, size_t len);

/* Protocol::ColumnDefinition41.  Views into the payload. */
struct mysql_coldef {
    struct span catalog;         /* always "def" */
    struct span schema;          /* database */
    struct span table;           /* table alias */
    struct span org_table;       /* physical table */
    struct span name;            /* column alias */
    struct span org_name;        /* physical column */
    uint16_t charset;            /* collation id */
    uint32_t length;             /* maximum display length */
    uint8_t type;                /* enum mysql_type */
    uint16_t flags;              /* NOT_NULL, UNSIGNED, BINARY... */
    uint8_t decimals;            /* shown decimals */
};

/*
 * Parses a ColumnDefinition41 payload.  Returns <len> or
 * -PROTO_EMALFORMED.
 */
ssize_t mysql_coldef_parse(const uint8_t *p, size_t len,
                           struct mysql_coldef *col);

/*
 * Splits a text row payload into <ncols> cells: cells[i] is a view into
 * <p>, nulls[i] is true for SQL NULL (0xfb).  Either array may be NULL to
 * only validate.  Returns <len> when the row holds exactly <ncols> cells,
 * else -PROTO_EMALFORMED.
 */
ssize_t mysql_text_row_cells(const uint8_t *p, size_t len, uint64_t ncols,
                             struct span *cells, bool *nulls);

/* Decoder states. */
enum mysql_rs_state {
    MYSQL_RS_COLUMN_COUNT = 0,   /* first packet of a response */
    MYSQL_RS_COLUMNS,            /* column definitions */
    MYSQL_RS_COLUMNS_EOF,        /* the EOF after them (no DEPRECATE_EOF) */
    MYSQL_RS_ROWS,               /* rows until EOF/OK/ERR */
    MYSQL_RS_DONE,               /* response complete */
    MYSQL_RS_STATE_COUNT         /* sentinel */
};

const char *mysql_rs_state_name(enum mysql_rs_state s);

/* What one payload turned out to be. */
enum mysql_rs_event_kind {
    MYSQL_RS_EV_NONE = 0,        /* nothing to report (the columns' EOF) */
    MYSQL_RS_EV_OK,              /* a statement without result set: ev->ok */
    MYSQL_RS_EV_COLUMN_COUNT,    /* a result set starts: ev->ncols */
    MYSQL_RS_EV_COLUMN,          /* a column: ev->index, ev->col */
    MYSQL_RS_EV_ROW,             /* a row: ev->row (see mysql_text_row_cells) */
    MYSQL_RS_EV_END,             /* the result set ended: ev->ok */
    MYSQL_RS_EV_ERROR,           /* the server sent ERR: ev->err */
    MYSQL_RS_EV_COUNT            /* sentinel */
};

const char *mysql_rs_event_name(enum mysql_rs_event_kind k);

/* An event; views point into the payload just fed. */
struct mysql_rs_event {
    enum mysql_rs_event_kind kind; /* what happened */
    uint64_t ncols;              /* COLUMN_COUNT, COLUMN, ROW: columns */
    uint64_t index;              /* COLUMN: its position from 0 */
    struct mysql_coldef col;     /* COLUMN */
    struct span row;             /* ROW: the whole row payload */
    struct mysql_ok ok;          /* OK, END (an EOF is mapped to status and
                                  * warnings, counts 0) */
    struct mysql_err err;        /* ERROR */
    bool more_results;           /* OK, END: another result follows */
};

/* Text result set decoder.  Use mysql_rs_init() to start each command. */
struct mysql_rs {
    uint32_t caps;               /* negotiated capabilities */
    enum mysql_rs_state state;   /* where the response is */
    uint64_t ncols;              /* columns of the current result set */
    uint64_t cols_seen;          /* column definitions received */
    uint64_t rows;               /* rows received in the current result */
    int err;                     /* sticky: negative PROTO_E* or 0 */
    const char *reason;          /* static text for err */
};

/* Starts a decoder for one command response under capabilities <caps>. */
void mysql_rs_init(struct mysql_rs *d, uint32_t caps);

/*
 * Feeds one whole payload.  Returns <len> with <ev> filled, or a negative
 * -PROTO_E* (sticky; d->reason says why): -PROTO_EUNSUPPORTED for a LOCAL
 * INFILE request, -PROTO_ELIMIT for too many columns, -PROTO_EMALFORMED
 * otherwise, including a payload after DONE.  A server ERR is not a
 * decoder error: it is MYSQL_RS_EV_ERROR and the decoder is DONE.
 */
ssize_t mysql_rs_feed(struct mysql_rs *d, const uint8_t *p, size_t len,
                      struct mysql_rs_event *ev);

#endif
