/*
 * conn.h - one outgoing TCP connection, optionally upgraded to TLS, on a
 * libevent bufferevent.
 *
 *   conn_connect() --TCP--> connected cb --conn_start_tls()--> tls_done cb
 *        |                      |                                 |
 *        +----------------------+---- read cb (input evbuffer) ---+
 *                               +---- error cb (kind, detail), once
 *
 * The connection knows nothing of the protocol spoken over it.  Names are
 * resolved through evdns (or the blocking resolver when no evdns_base is
 * given), numeric addresses directly.  TLS wraps the socket bufferevent in
 * a bufferevent_openssl filter, in the middle of a plain-text exchange
 * (MySQL's SSLRequest, PostgreSQL's SSLRequest, STARTTLS...).
 *
 * Ownership: conn_free() may be called from inside any of the conn's
 * callbacks; the object is then released when the callback returns.  After
 * an error the socket is closed and only conn_free() remains to be called.
 */
#ifndef TANDEM_NET_CONN_H
#define TANDEM_NET_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conn;
struct event_base;
struct evdns_base;
struct evbuffer;

/* Why a connection failed. */
enum conn_err {
    CONN_ERR_NONE = 0,     /* no error */
    CONN_ERR_RESOLVE,      /* the host name did not resolve */
    CONN_ERR_CONNECT,      /* TCP connect failed (refused, unreachable) */
    CONN_ERR_TIMEOUT,      /* connect or read timeout */
    CONN_ERR_TLS,          /* TLS setup or handshake failed */
    CONN_ERR_EOF,          /* the peer closed the connection */
    CONN_ERR_IO,           /* a read or write failed */
    CONN_ERR_COUNT         /* sentinel */
};

const char *conn_err_name(enum conn_err e);

/* Connection states. */
enum conn_state {
    CONN_INIT = 0,         /* created */
    CONN_CONNECTING,       /* resolving and connecting */
    CONN_OPEN,             /* connected (plain or TLS) */
    CONN_TLS_HANDSHAKE,    /* TLS handshake in progress */
    CONN_CLOSED,           /* closed; only conn_free() is left */
    CONN_STATE_COUNT       /* sentinel */
};

const char *conn_state_name(enum conn_state s);

/* TCP connected (after conn_connect) or TLS established (after
 * conn_start_tls). */
typedef void (*conn_event_cb)(struct conn *c, void *arg);
/* Bytes arrived in <in>: drain what is consumed, leave the rest. */
typedef void (*conn_read_cb)(struct conn *c, struct evbuffer *in, void *arg);
/* The connection failed and is closed.  <detail> is one line without the
 * peer name, e.g. "connection refused (111)". */
typedef void (*conn_error_cb)(struct conn *c, enum conn_err kind,
                              const char *detail, void *arg);

/* Callbacks; any may be NULL. */
struct conn_cbs {
    conn_event_cb connected;   /* TCP connection established */
    conn_event_cb tls_done;    /* TLS handshake finished */
    conn_read_cb read;         /* input available */
    conn_event_cb drained;     /* everything queued was sent (output
                                * backpressure: write more now) */
    conn_error_cb error;       /* failure, reported once */
    void *arg;                 /* passed to every callback */
};

/* TLS settings for conn_start_tls(). */
struct conn_tls_opts {
    bool verify;               /* check the certificate chain and name */
    const char *ca_file;       /* CA bundle; NULL: the system's */
    const char *server_name;   /* SNI and name check; an IP address is
                                * checked against the IP SANs */
};

/*
 * Creates an unconnected conn.  <dns> may be NULL (blocking resolver).
 * <log_ctx> (copied, may be NULL) prefixes log lines, e.g.
 * "peer=mysql@db1:3306".  Returns NULL when out of memory.
 */
struct conn *conn_new(struct event_base *base, struct evdns_base *dns,
                      const char *log_ctx);

/* Sets the callbacks (copied). */
void conn_set_cbs(struct conn *c, const struct conn_cbs *cbs);

/*
 * Starts connecting to <host>:<port>; <timeout_ms> bounds resolving and
 * connecting (0: 10 s).  Every outcome arrives through a callback, never
 * from inside this call.  Returns 0, or -1 when the conn is not INIT or
 * out of memory.
 */
int conn_connect(struct conn *c, const char *host, uint16_t port,
                 unsigned timeout_ms);

/*
 * Wraps the open connection in TLS (client side) and starts the
 * handshake; tls_done or error follows.  Returns 0, or -1 with the reason
 * in <err> (e.g. the CA file cannot be read); the conn stays open then.
 */
int conn_start_tls(struct conn *c, const struct conn_tls_opts *o, char *err,
                   size_t errlen);

/* Queues <n> bytes for sending.  Returns 0, or -1 when closed or out of
 * memory. */
int conn_write(struct conn *c, const void *p, size_t n);

/* Bytes queued for sending and not yet taken by the socket. */
size_t conn_output_len(const struct conn *c);

/* Stops reading (backpressure): no read callback until conn_resume(). */
void conn_pause(struct conn *c);
/* Starts reading again; input already buffered is delivered soon. */
void conn_resume(struct conn *c);
/* Asks for another read callback soon even without new bytes (a reader
 * that stopped early to bound its work per callback). */
void conn_kick(struct conn *c);

/* Fails the conn with CONN_ERR_TIMEOUT when reading is enabled and no
 * byte arrives for <ms> milliseconds; 0 turns it off. */
void conn_set_read_timeout(struct conn *c, unsigned ms);

/* Tries to send queued output now (best effort, plain TCP only): used
 * right before closing so a goodbye message is not lost. */
void conn_flush(struct conn *c);

/* Closes the socket; logs the printf reason once at debug level.  No
 * callback follows.  Safe inside callbacks. */
void conn_close(struct conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Closes if needed and frees; deferred when inside one of its callbacks.
 * NULL is a no-op. */
void conn_free(struct conn *c);

enum conn_state conn_get_state(const struct conn *c);
bool conn_is_tls(const struct conn *c);
/* "host:port" ("[v6]:port") as given to conn_connect(). */
const char *conn_peer(const struct conn *c);

#endif
