/*
 * myconn.h - a MySQL/MariaDB client connection: connect, optional TLS,
 * authenticate, then run text queries one at a time, load rows from memory
 * with LOAD DATA LOCAL INFILE, or stream the packets of a long-running
 * command (COM_BINLOG_DUMP).
 *
 *   INIT -> CONNECTING -> HANDSHAKE -> [TLS] -> AUTH -> READY
 *   READY -> QUERY [-> INFILE -> QUERY] -> READY     READY -> STREAM
 *   any state -> CLOSED (error, or myconn_free())
 *
 * LOCAL INFILE: the client announces CLIENT_LOCAL_FILES when the server
 * offers it, so a LOAD DATA LOCAL statement gets the server's request for a
 * file.  No local file is ever opened, whatever name the server asks for:
 * myconn_load() answers with the caller's bytes, any other request gets an
 * empty file.
 *
 * Every wait is bounded: connect_timeout_ms covers each step up to READY
 * (TCP connect, the server greeting, the TLS handshake, authentication);
 * myconn_set_io_timeout() bounds silences while a query or stream runs.
 *
 * Errors meant for users are one line naming the cause and the fix:
 *   cannot connect to 127.0.0.1:3999: connection refused (111) — check
 *   that the server is running and the host/port in the URL
 *
 * All callbacks run from the event loop, never from inside the call that
 * started the work.  myconn_free() is safe from inside any callback.
 */
#ifndef TANDEM_SOURCE_MYCONN_H
#define TANDEM_SOURCE_MYCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

struct event_base;
struct evdns_base;
struct myconn;

/* Connection settings; myconn_new() copies the strings. */
struct myconn_opts {
    const char *host;            /* name or address */
    uint16_t port;               /* TCP port (0: 3306) */
    const char *user;            /* account name */
    const char *password;        /* NULL or "" for none; never logged */
    const char *db;              /* default database or NULL */
    int tls;                     /* 0 off, 1 required without verification,
                                  * 2 required and verified (CA + name) */
    const char *ca_file;         /* CA bundle for tls=2; NULL: system CAs */
    unsigned connect_timeout_ms; /* each step up to READY; 0: 10000 */
    const char *log_ctx;         /* log prefix; NULL: "peer=mysql@host:port" */
};

/* A text result set.  Owned by the conn, valid only during the callback. */
struct myresult {
    unsigned ncols;              /* columns; 0 for a statement without rows */
    const struct span *col_names; /* ncols names */
    size_t nrows;                /* rows */
    const struct span *cells;    /* row r column c: cells[r * ncols + c] */
    const bool *nulls;           /* same indexing: true for SQL NULL */
    uint64_t affected_rows;      /* from the final OK */
    uint64_t last_insert_id;     /* from the final OK */
    uint16_t warnings;           /* from the final OK or EOF */
};

/* Connection states. */
enum myconn_state {
    MYCONN_INIT = 0,             /* created */
    MYCONN_CONNECTING,           /* TCP connect */
    MYCONN_HANDSHAKE,            /* waiting for the server greeting */
    MYCONN_TLS,                  /* TLS handshake after SSLRequest */
    MYCONN_AUTH,                 /* authentication exchange */
    MYCONN_READY,                /* idle: commands accepted */
    MYCONN_QUERY,                /* a COM_QUERY response is arriving */
    MYCONN_INFILE,               /* sending the file of LOAD DATA LOCAL */
    MYCONN_STREAM,               /* a streaming command runs */
    MYCONN_CLOSED,               /* dead */
    MYCONN_STATE_COUNT           /* sentinel */
};

const char *myconn_state_name(enum myconn_state s);

typedef void (*myconn_ready_cb)(struct myconn *c, void *arg);
/* <err> is NULL on success.  A server error arrives here as
 * "1146 (42S02): Table 'x.y' doesn't exist" (res NULL) and the
 * connection stays usable. */
typedef void (*myconn_result_cb)(struct myconn *c,
                                 const struct myresult *res,
                                 const char *err, void *arg);
/* Stream mode: each whole (reassembled) payload, valid during the call. */
typedef void (*myconn_packet_cb)(struct myconn *c, const uint8_t *payload,
                                 size_t len, void *arg);
/* Fatal: the connection is dead; <err> is one line naming cause and fix.
 * Reported once; a pending query's callback is not called. */
typedef void (*myconn_error_cb)(struct myconn *c, const char *err,
                                void *arg);

/* Creates a connection (not yet connecting).  <dns> may be NULL (blocking
 * resolver).  Returns NULL when out of memory or <opts> lacks a host. */
struct myconn *myconn_new(struct event_base *base, struct evdns_base *dns,
                          const struct myconn_opts *opts);

/*
 * Starts connecting.  <ready> runs once authenticated; <error> on any
 * fatal failure.  Returns 0, or -1 when not in state INIT.
 */
int myconn_connect(struct myconn *c, myconn_ready_cb ready,
                   myconn_error_cb error, void *arg);

/*
 * Sends COM_QUERY <sql>; <cb> gets the result set (or OK counts) or the
 * server's error.  One at a time: returns -1 unless READY (a new query
 * may be sent from inside <cb>).  Returns 0 when sent.
 */
int myconn_query(struct myconn *c, const char *sql, myconn_result_cb cb,
                 void *arg);

/*
 * Sends COM_QUERY <sql>, a LOAD DATA LOCAL INFILE statement, and answers
 * the server's request for the file with <data>/<len> (borrowed until <cb>
 * runs; <data> may be NULL when <len> is 0).  The file name in <sql> is
 * only a label: nothing is read from disk.  The bytes go in packets of
 * MYCONN_INFILE_PACKET bytes at most, queued as the socket takes them
 * (about 1 MiB waits on the conn at a time), then an empty packet ends
 * the file.  <cb> gets the final OK (affected_rows = rows loaded) or the
 * server's error, as for myconn_query(); after a server error (a missing
 * table, local_infile=OFF, a trigger refusing a row) the connection
 * stays usable.  A server that drops the statement while the data is
 * still coming (a packet over its max_allowed_packet) closes the
 * connection: the error callback reports it.
 *
 * <sql> must be one statement: the data answers the first request for a
 * file only, and any later request in the same response gets an empty
 * file.  The server must allow local files (local_infile=ON, MariaDB's
 * default); otherwise its error reaches <cb>.  MariaDB treats LOCAL like
 * IGNORE: a duplicate key or a value it must truncate (even in strict
 * mode) is a warning, not an error, so compare affected_rows and warnings
 * with what was sent.
 *
 * Returns 0 when sent, -1 unless READY (or <sql> is NULL, or <data> is
 * NULL with <len> > 0).  May be called from inside a result callback.
 */
int myconn_load(struct myconn *c, const char *sql, const void *data,
                size_t len, myconn_result_cb cb, void *arg);

/* Largest payload of one LOCAL INFILE data packet sent by myconn_load().
 * Far below the protocol's 0xffffff: the server reads each packet whole
 * and drops the connection when one exceeds max_allowed_packet (4 MiB by
 * default on MySQL 5.7, 16 MiB on MariaDB). */
#define MYCONN_INFILE_PACKET ((size_t)64 * 1024)

/*
 * Sends command payload <cmd>/<len> (command byte first, e.g.
 * COM_REGISTER_SLAVE) whose answer is an OK or ERR packet; <cb> gets it
 * as for myconn_query() (a result without columns, or the error).
 * Returns -1 unless READY.
 */
int myconn_command(struct myconn *c, const uint8_t *cmd, size_t len,
                   myconn_result_cb cb, void *arg);

/*
 * Sends command payload <cmd>/<len> (command byte first) as sequence 0
 * and hands every following payload to <cb> until the connection closes.
 * Returns -1 unless READY.
 */
int myconn_stream(struct myconn *c, const uint8_t *cmd, size_t len,
                  myconn_packet_cb cb, void *arg);

/* Stops / restarts reading from the server (backpressure).  No callback
 * runs while paused.  Safe inside callbacks. */
void myconn_pause(struct myconn *c);
void myconn_resume(struct myconn *c);

/* Fails the connection when a query or stream waits more than <ms> for a
 * byte while not paused (0: no limit, the default). */
void myconn_set_io_timeout(struct myconn *c, unsigned ms);

/* Server facts, known from the HANDSHAKE state on. */
const char *myconn_server_version(const struct myconn *c); /* "10.11.6-MariaDB" */
uint32_t myconn_connection_id(const struct myconn *c);
bool myconn_is_mariadb(const struct myconn *c);
enum myconn_state myconn_get_state(const struct myconn *c);
/* Negotiated capability flags (MYSQL_CLIENT_*). */
uint32_t myconn_capabilities(const struct myconn *c);

/* Closes (politely when idle) and frees; deferred when called inside one
 * of its callbacks.  No callback runs afterwards.  NULL is a no-op. */
void myconn_free(struct myconn *c);

#endif
