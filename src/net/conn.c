/*
 * conn.c - outgoing TCP/TLS connections on libevent bufferevents (see
 * conn.h).
 *
 *   conn_connect ─► resolve (numeric │ evdns │ getaddrinfo)
 *                   └► try each address in turn ─► CONNECTED ─► OPEN
 *   conn_start_tls ─► openssl filter over the socket bev ─► OPEN (TLS)
 *   any failure ─► conn_fail: close, error callback once
 *
 * Re-entrancy: every libevent callback runs between enter() and leave().
 * conn_free() and conn_close() inside that window only mark the object;
 * leave() releases the bufferevent and the conn once the outermost
 * callback unwinds (as pgbouncer frees through its justfree lists).
 */
#include "src/net/conn.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "src/core/log.h"

/* Input bytes buffered before the socket is no longer read. */
#define CONN_READ_HIGH (1024 * 1024)
/* The first read_more() reservation; it doubles while reads fill it and
 * halves while they use a quarter of it, so an idle connection holds a
 * small buffer and a busy one reads in large gulps. */
#define CONN_READ_MIN (16 * 1024)
/* Most bytes read from the socket per read callback. */
#define CONN_MAX_SINGLE_READ (256 * 1024)
/* What libevent 2.1 reads at most per callback (EVBUFFER_MAX_READ): a
 * read that brought less emptied the socket, and another would only
 * meet EAGAIN. */
#define CONN_LIBEVENT_READ 4096
/* Connect timeout when the caller gives 0. */
#define CONN_DEFAULT_TIMEOUT_MS 10000
/* Frees <p> and clears the pointer. */
#define FREE_AND_NULL(p) \
    do {                 \
        free(p);         \
        (p) = NULL;      \
    } while (0)

struct conn {
    struct event_base *base;       /* loop (borrowed) */
    struct evdns_base *dns;        /* resolver (borrowed), may be NULL */
    char *log_ctx;                 /* log prefix (owned), may be NULL */
    char *peer;                    /* "host:port" for messages (owned),
                                      NULL before conn_connect() */
    uint16_t port;                 /* TCP port */
    enum conn_state state;         /* CONN_* */
    struct bufferevent *bev;       /* socket bev, or the TLS filter on it */
    struct bufferevent *dead_bev;  /* closed inside a callback: freed in leave() */
    SSL *ssl;                      /* owned by the filter (CLOSE_ON_FREE) */
    bool tls;                      /* bev is a TLS filter */
    bool verify;                   /* certificate checked */
    struct evdns_getaddrinfo_request *dns_req; /* lookup in flight */
    struct evutil_addrinfo *ai;    /* resolved addresses (owned) */
    struct evutil_addrinfo *ai_next; /* next address to try */
    struct event *timer;           /* connect timeout; deferred errors */
    struct event *kick;            /* re-runs the read callback */
    struct conn_cbs cbs;           /* callbacks */
    unsigned timeout_ms;           /* connect timeout */
    unsigned read_timeout_ms;      /* read timeout, 0: none */
    bool paused;                   /* reading stopped by the owner */
    size_t read_size;              /* read_more()'s reservation */
    size_t kept;                   /* input bytes the read callback left
                                      unconsumed the last time */
    bool defer_errors;             /* inside conn_connect() or
                                    * conn_start_tls(): report later */
    enum conn_err pending_err;     /* error to report from the timer */
    char *pending_detail;          /* its detail (owned), or NULL */
    char *last_error;              /* last connect failure, for messages
                                      (owned, while connecting), or NULL */
    unsigned depth;                /* nesting of our libevent callbacks */
    bool free_pending;             /* conn_free() called inside a callback */
    bool destroying;               /* inside conn_destroy() */
    struct timeval started;        /* conn_connect() time, for the age */
};

static const char *const conn_err_names[CONN_ERR_COUNT] = {
    [CONN_ERR_NONE] = "none",
    [CONN_ERR_RESOLVE] = "resolve",
    [CONN_ERR_CONNECT] = "connect",
    [CONN_ERR_TIMEOUT] = "timeout",
    [CONN_ERR_TLS] = "tls",
    [CONN_ERR_EOF] = "eof",
    [CONN_ERR_IO] = "io",
};

static const char *const conn_state_names[CONN_STATE_COUNT] = {
    [CONN_INIT] = "INIT",
    [CONN_CONNECTING] = "CONNECTING",
    [CONN_OPEN] = "OPEN",
    [CONN_TLS_HANDSHAKE] = "TLS_HANDSHAKE",
    [CONN_CLOSED] = "CLOSED",
};

const char *
conn_err_name(enum conn_err e)
{
    return (unsigned)e < CONN_ERR_COUNT ? conn_err_names[e] : "unknown";
}

const char *
conn_state_name(enum conn_state s)
{
    return (unsigned)s < CONN_STATE_COUNT ? conn_state_names[s] : "UNKNOWN";
}

static void conn_destroy(struct conn *c);
static void try_next_address(struct conn *c);

static void
enter(struct conn *c)
{
    c->depth++;
}

/* Ends a callback; frees what was closed or freed inside it.  <c> must
 * not be touched after this call. */
static void
leave(struct conn *c)
{
    if (--c->depth > 0) {
        return;
    }
    if (c->dead_bev != NULL) {
        bufferevent_free(c->dead_bev);
        c->dead_bev = NULL;
    }
    if (c->free_pending) {
        conn_destroy(c);
    }
}

/* "Connection refused (111)" -> "connection refused (111)". */
static void
errno_text(int e, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s (%d)", strerror(e), e);
    if (out[0] >= 'A' && out[0] <= 'Z' && out[1] >= 'a' && out[1] <= 'z') {
        out[0] = (char)(out[0] - 'A' + 'a');
    }
}

static void
errno_detail(char *out, size_t outlen)
{
    int e = EVUTIL_SOCKET_ERROR();

    if (e == 0) {
        snprintf(out, outlen, "connection failed");
    } else {
        errno_text(e, out, outlen);
    }
}

/* Keeps <text> as the last connect failure (kept as it was when out of
 * memory). */
static void
set_last_error(struct conn *c, const char *text)
{
    char *t = strdup(text);

    if (t != NULL) {
        free(c->last_error);
        c->last_error = t;
    }
}

/* The last connect failure from errno, read at once. */
static void
note_connect_errno(struct conn *c)
{
    char d[128];

    errno_detail(d, sizeof(d));
    set_last_error(c, d);
}

/* "host:port" for messages. */
static const char *
peer_name(const struct conn *c)
{
    return c->peer != NULL ? c->peer : "-";
}

/* Closes and reports <kind> once.  Inside conn_connect() and
 * conn_start_tls() the report waits for the loop, so no callback runs from
 * inside those calls. */
static void
conn_fail(struct conn *c, enum conn_err kind, const char *detail)
{
    conn_error_cb cb = c->cbs.error;

    if (c->state == CONN_CLOSED) {
        return;
    }
    if (c->defer_errors) {
        struct timeval zero = {0, 0};

        c->pending_err = kind;
        free(c->pending_detail);
        c->pending_detail = strdup(detail);
        evtimer_add(c->timer, &zero);
        return;
    }
    conn_close(c, "%s: %s", conn_err_name(kind), detail);
    if (cb != NULL && !c->free_pending) {
        cb(c, kind, detail, c->cbs.arg);
    }
}

/* One line from the OpenSSL error queue and the verify result. */
static void
tls_error_text(struct conn *c, struct bufferevent *bev, char *out,
               size_t outlen)
{
    unsigned long e, first = 0;
    const char *reason;
    char buf[256];
    long vr;
    size_t o;

    while (bev != NULL && (e = bufferevent_get_openssl_error(bev)) != 0) {
        if (first == 0) {
            first = e;
        }
    }
    while ((e = ERR_get_error()) != 0) {
        if (first == 0) {
            first = e;
        }
    }
    out[0] = '\0';
    if (first != 0) {
        reason = ERR_reason_error_string(first);
        if (reason == NULL) {
            ERR_error_string_n(first, buf, sizeof(buf));
            reason = buf;
        }
        snprintf(out, outlen, "%s", reason);
    } else if (EVUTIL_SOCKET_ERROR() != 0) {
        errno_detail(out, outlen);
    } else {
        snprintf(out, outlen, "connection closed during the TLS handshake");
    }
    if (c->verify && c->ssl != NULL) {
        vr = SSL_get_verify_result(c->ssl);
        if (vr != X509_V_OK) {
            o = strlen(out);
            snprintf(out + o, outlen - o, "%s(%s)", o > 0 ? " " : "",
                     X509_verify_cert_error_string(vr));
        }
    }
}

static void
set_socket_options(struct conn *c)
{
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    int one = 1;

    if (fd < 0) {
        return;
    }
    /* Commands are small and latency matters; keepalive finds dead peers
     * on idle connections.  Failures here are harmless. */
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    (void)setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
}

/*
 * libevent 2.1 reads at most 4 KiB per callback (EVBUFFER_MAX_READ), which
 * costs a readv, an ioctl and an epoll_wait per 4 KiB of a binlog stream.
 * On a plain socket, read what else is there straight into the input
 * buffer, up to CONN_MAX_SINGLE_READ and below the read high watermark,
 * when libevent's read filled its 4 KiB (a smaller one found the socket
 * empty: an idle stream's heartbeat costs one read, not two).
 * EOF and errors are left for the bufferevent's next read to report.
 */
static void
read_more(struct conn *c, struct evbuffer *in)
{
    struct evbuffer_iovec v[2];
    evutil_socket_t fd = bufferevent_getfd(c->bev);
    size_t have = evbuffer_get_length(in), want;
    ssize_t r;
    int i, nv;

    if (c->tls || fd < 0 || have >= CONN_READ_HIGH ||
        have < c->kept + CONN_LIBEVENT_READ) {
        return;
    }
    /* A socket bufferevent keeps the end of its input frozen except while
     * it reads itself; do as it does. */
    evbuffer_unfreeze(in, 0);
    if (c->read_size < CONN_READ_MIN) {
        c->read_size = CONN_READ_MIN;
    }
    want = c->read_size < CONN_READ_HIGH - have ? c->read_size :
           CONN_READ_HIGH - have;
    nv = evbuffer_reserve_space(in, (ev_ssize_t)want, v, 2);
    if (nv > 0) {
        r = readv(fd, (struct iovec *)v, nv);
        if (r <= 0) {
            nv = 0;
        } else if ((size_t)r >= want && c->read_size < CONN_READ_HIGH) {
            c->read_size *= 2;
        } else if ((size_t)r < want / 4 && c->read_size > CONN_READ_MIN) {
            c->read_size /= 2;
        }
        for (i = 0; i < nv; i++) {
            if ((size_t)r < v[i].iov_len) {
                v[i].iov_len = (size_t)r;
            }
            r -= (ssize_t)v[i].iov_len;
        }
        evbuffer_commit_space(in, v, nv);
    }
    evbuffer_freeze(in, 0);
}

static void
on_read(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;

    enter(c);
    if (c->state == CONN_OPEN && !c->paused && c->cbs.read != NULL) {
        read_more(c, bufferevent_get_input(bev));
        c->cbs.read(c, bufferevent_get_input(bev), c->cbs.arg);
        if (c->bev != NULL) {
            c->kept = evbuffer_get_length(bufferevent_get_input(c->bev));
        }
    }
    leave(c);
}

static void
on_write(struct bufferevent *bev, void *arg)
{
    struct conn *c = arg;

    (void)bev;
    enter(c);
    if (c->state == CONN_OPEN && c->cbs.drained != NULL) {
        c->cbs.drained(c, c->cbs.arg);
    }
    leave(c);
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
    struct conn *c = arg;
    char detail[256];
    int dns_err;

    enter(c);
    if (what & BEV_EVENT_CONNECTED) {
        if (c->state == CONN_CONNECTING) {
            evtimer_del(c->timer);
            evutil_freeaddrinfo(c->ai);
            c->ai = c->ai_next = NULL;
            FREE_AND_NULL(c->last_error);
            set_socket_options(c);
            c->state = CONN_OPEN;
            bufferevent_enable(bev, c->paused ? EV_WRITE : EV_READ | EV_WRITE);
            clog(LOG_DEBUG, c->log_ctx, "connected to %s", c->peer);
            if (c->cbs.connected != NULL) {
                c->cbs.connected(c, c->cbs.arg);
            }
        } else if (c->state == CONN_TLS_HANDSHAKE) {
            c->state = CONN_OPEN;
            clog(LOG_DEBUG, c->log_ctx, "TLS established with %s (%s, %s)",
                 c->peer, SSL_get_version(c->ssl),
                 SSL_get_cipher_name(c->ssl));
            if (c->paused) {
                bufferevent_disable(bev, EV_READ);
            }
            if (c->cbs.tls_done != NULL) {
                c->cbs.tls_done(c, c->cbs.arg);
            }
        }
    } else if (what & BEV_EVENT_TIMEOUT) {
        snprintf(detail, sizeof(detail), "no data for %u ms",
                 c->read_timeout_ms);
        conn_fail(c, CONN_ERR_TIMEOUT, detail);
    } else if (what & BEV_EVENT_ERROR) {
        if (c->state == CONN_CONNECTING) {
            dns_err = bufferevent_socket_get_dns_error(bev);
            if (dns_err != 0) {
                snprintf(detail, sizeof(detail), "%s",
                         evutil_gai_strerror(dns_err));
                conn_fail(c, CONN_ERR_RESOLVE, detail);
            } else {
                note_connect_errno(c);
                try_next_address(c);
            }
        } else if (c->state == CONN_TLS_HANDSHAKE || c->tls) {
            tls_error_text(c, bev, detail, sizeof(detail));
            conn_fail(c, c->state == CONN_TLS_HANDSHAKE ? CONN_ERR_TLS
                                                        : CONN_ERR_IO,
                      detail);
        } else {
            errno_detail(detail, sizeof(detail));
            conn_fail(c, CONN_ERR_IO, detail);
        }
    } else if (what & BEV_EVENT_EOF) {
        if (c->state == CONN_TLS_HANDSHAKE) {
            conn_fail(c, CONN_ERR_TLS,
                      "connection closed during the TLS handshake");
        } else {
            conn_fail(c, CONN_ERR_EOF, "connection closed by the peer");
        }
    }
    leave(c);
}

static void
on_kick(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    struct evbuffer *in;

    (void)fd;
    (void)what;
    enter(c);
    if (c->state == CONN_OPEN && !c->paused && c->bev != NULL &&
        c->cbs.read != NULL) {
        in = bufferevent_get_input(c->bev);
        if (evbuffer_get_length(in) > 0) {
            c->cbs.read(c, in, c->cbs.arg);
        }
        if (c->bev != NULL) {
            c->kept = evbuffer_get_length(bufferevent_get_input(c->bev));
        }
    }
    leave(c);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct conn *c = arg;
    enum conn_err kind;
    char detail[256];

    (void)fd;
    (void)what;
    enter(c);
    if (c->pending_err != CONN_ERR_NONE) {
        kind = c->pending_err;
        c->pending_err = CONN_ERR_NONE;
        snprintf(detail, sizeof(detail), "%s", c->pending_detail != NULL ?
                 c->pending_detail : "out of memory");
        FREE_AND_NULL(c->pending_detail);
        conn_fail(c, kind, detail);
    } else if (c->state == CONN_CONNECTING) {
        snprintf(detail, sizeof(detail), "connect timeout after %u ms",
                 c->timeout_ms);
        conn_fail(c, CONN_ERR_TIMEOUT, detail);
    }
    leave(c);
}

struct conn *
conn_new(struct event_base *base, struct evdns_base *dns,
         const char *log_ctx)
{
    struct conn *c = calloc(1, sizeof(*c));

    if (c == NULL) {
        return NULL;
    }
    c->base = base;
    c->dns = dns;
    c->log_ctx = log_ctx != NULL ? strdup(log_ctx) : NULL;
    c->timer = evtimer_new(base, on_timer, c);
    c->kick = event_new(base, -1, 0, on_kick, c);
    if ((log_ctx != NULL && c->log_ctx == NULL) || c->timer == NULL ||
        c->kick == NULL) {
        conn_destroy(c);
        return NULL;
    }
    return c;
}

void
conn_set_cbs(struct conn *c, const struct conn_cbs *cbs)
{
    c->cbs = *cbs;
    /* The write callback only when wanted: for TLS filters libevent
     * defers it, holding a reference until the loop runs it. */
    if (c->bev != NULL && c->state != CONN_CLOSED) {
        bufferevent_setcb(c->bev, on_read,
                          c->cbs.drained != NULL ? on_write : NULL, on_event,
                          c);
    }
}

/* Connects to the next resolved address; fails when none is left. */
static void
try_next_address(struct conn *c)
{
    struct evutil_addrinfo *ai;
    char detail[300];

    while ((ai = c->ai_next) != NULL) {
        c->ai_next = ai->ai_next;
        if (c->bev != NULL) {
            if (c->depth > 0 && c->dead_bev == NULL) {
                c->dead_bev = c->bev;
                bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
                bufferevent_disable(c->bev, EV_READ | EV_WRITE);
            } else {
                bufferevent_free(c->bev);
            }
        }
        c->bev = bufferevent_socket_new(c->base, -1, BEV_OPT_CLOSE_ON_FREE);
        if (c->bev == NULL) {
            set_last_error(c, "out of memory");
            break;
        }
        bufferevent_setcb(c->bev, on_read,
                          c->cbs.drained != NULL ? on_write : NULL, on_event,
                          c);
        bufferevent_setwatermark(c->bev, EV_READ, 0, CONN_READ_HIGH);
        /* libevent reads 4 KiB per callback by default: too little for
         * a binlog stream of hundreds of MB/s. */
        bufferevent_set_max_single_read(c->bev, CONN_MAX_SINGLE_READ);
        if (bufferevent_socket_connect(c->bev, ai->ai_addr,
                                       (int)ai->ai_addrlen) == 0) {
            return;
        }
        note_connect_errno(c);
    }
    snprintf(detail, sizeof(detail), "%s",
             c->last_error != NULL ? c->last_error : "no address");
    conn_fail(c, CONN_ERR_CONNECT, detail);
}

static void
on_resolved(int err, struct evutil_addrinfo *res, void *arg)
{
    struct conn *c = arg;

    c->dns_req = NULL;
    if (err == EVUTIL_EAI_CANCEL || c->destroying) {
        if (res != NULL) {
            evutil_freeaddrinfo(res);
        }
        return;
    }
    enter(c);
    if (err != 0) {
        conn_fail(c, CONN_ERR_RESOLVE, evutil_gai_strerror(err));
    } else if (c->state == CONN_CONNECTING) {
        c->ai = res;
        c->ai_next = res;
        try_next_address(c);
    } else {
        evutil_freeaddrinfo(res);
    }
    leave(c);
}

int
conn_connect(struct conn *c, const char *host, uint16_t port,
             unsigned timeout_ms)
{
    struct evutil_addrinfo hints;
    struct evutil_addrinfo *res = NULL;
    struct timeval tv;
    char portstr[8];
    size_t n;
    int rc;

    if (c->state != CONN_INIT || host == NULL) {
        return -1;
    }
    c->port = port;
    n = strlen(host) + sizeof("[]:65535");
    free(c->peer);
    c->peer = malloc(n);
    if (c->peer == NULL) {
        return -1;
    }
    snprintf(c->peer, n, strchr(host, ':') != NULL ? "[%s]:%u" : "%s:%u",
             host, (unsigned)port);
    c->timeout_ms = timeout_ms != 0 ? timeout_ms : CONN_DEFAULT_TIMEOUT_MS;
    c->state = CONN_CONNECTING;
    gettimeofday(&c->started, NULL);
    tv.tv_sec = c->timeout_ms / 1000;
    tv.tv_usec = (c->timeout_ms % 1000) * 1000;
    evtimer_add(c->timer, &tv);

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);

    enter(c);
    c->defer_errors = true;
    hints.ai_flags = EVUTIL_AI_NUMERICHOST;
    rc = evutil_getaddrinfo(host, portstr, &hints, &res);
    if (rc == 0) {
        /* A numeric address: connect directly. */
        on_resolved(0, res, c);
    } else if (c->dns != NULL) {
        hints.ai_flags = 0;
        /* May answer at once (hosts file) by calling on_resolved. */
        c->dns_req = evdns_getaddrinfo(c->dns, host, portstr, &hints,
                                       on_resolved, c);
    } else {
        hints.ai_flags = 0;
        rc = evutil_getaddrinfo(host, portstr, &hints, &res);
        on_resolved(rc, rc == 0 ? res : NULL, c);
    }
    c->defer_errors = false;
    leave(c);
    return 0;
}

int
conn_start_tls(struct conn *c, const struct conn_tls_opts *o, char *err,
               size_t errlen)
{
    SSL_CTX *ctx;
    SSL *ssl;
    struct bufferevent *filter;
    struct evutil_addrinfo hints, *res = NULL;
    bool is_ip = false;
    unsigned long e;
    struct timeval tv;

    if (c->state != CONN_OPEN || c->tls || c->bev == NULL) {
        snprintf(err, errlen, "connection is not open");
        return -1;
    }
    if (o->verify && o->ca_file != NULL) {
        FILE *f = fopen(o->ca_file, "r");

        if (f == NULL) {
            char why[128];

            errno_text(errno, why, sizeof(why));
            snprintf(err, errlen, "cannot read CA file '%s': %s", o->ca_file,
                     why);
            return -1;
        }
        fclose(f);
    }
    ERR_clear_error();
    ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        snprintf(err, errlen, "cannot create a TLS context");
        return -1;
    }
    if (o->verify) {
        if (o->ca_file != NULL
                ? SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1
                : SSL_CTX_set_default_verify_paths(ctx) != 1) {
            e = ERR_peek_last_error();
            snprintf(err, errlen, "cannot load CA file '%s': %s",
                     o->ca_file != NULL ? o->ca_file : "(system default)",
                     e != 0 && ERR_reason_error_string(e) != NULL
                         ? ERR_reason_error_string(e) : "unreadable");
            ERR_clear_error();
            SSL_CTX_free(ctx);
            return -1;
        }
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    } else {
        SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
    }
    ssl = SSL_new(ctx);
    SSL_CTX_free(ctx);      /* the SSL holds its own reference */
    if (ssl == NULL) {
        snprintf(err, errlen, "cannot create a TLS session");
        return -1;
    }
    if (o->server_name != NULL && o->server_name[0] != '\0') {
        memset(&hints, 0, sizeof(hints));
        hints.ai_flags = EVUTIL_AI_NUMERICHOST;
        hints.ai_socktype = SOCK_STREAM;
        is_ip = evutil_getaddrinfo(o->server_name, NULL, &hints, &res) == 0;
        if (res != NULL) {
            evutil_freeaddrinfo(res);
        }
        if (!is_ip) {
            SSL_set_tlsext_host_name(ssl, o->server_name);
            if (o->verify) {
                SSL_set1_host(ssl, o->server_name);
            }
        } else if (o->verify) {
            X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl),
                                          o->server_name);
        }
    }
    /* BEV_OPT_CLOSE_ON_FREE: freeing the filter frees the socket bev and
     * the SSL. */
    filter = bufferevent_openssl_filter_new(c->base, c->bev, ssl,
                                            BUFFEREVENT_SSL_CONNECTING,
                                            BEV_OPT_CLOSE_ON_FREE);
    if (filter == NULL) {
        SSL_free(ssl);
        snprintf(err, errlen, "cannot start TLS on the connection");
        return -1;
    }
    /* Servers often close without close_notify: treat it as EOF. */
    bufferevent_openssl_set_allow_dirty_shutdown(filter, 1);
    c->bev = filter;
    c->ssl = ssl;
    c->tls = true;
    c->verify = o->verify;
    c->state = CONN_TLS_HANDSHAKE;
    clog(LOG_DEBUG, c->log_ctx, "TLS handshake with %s (verify=%s)",
         c->peer, o->verify ? "yes" : "no");
    /* The handshake may fail at once (bytes already buffered): report it
     * from the loop, not from inside this call. */
    enter(c);
    c->defer_errors = true;
    bufferevent_setcb(filter, on_read, c->cbs.drained != NULL ? on_write : NULL,
                      on_event, c);
    bufferevent_setwatermark(filter, EV_READ, 0, CONN_READ_HIGH);
    if (c->read_timeout_ms != 0) {
        tv.tv_sec = c->read_timeout_ms / 1000;
        tv.tv_usec = (c->read_timeout_ms % 1000) * 1000;
        bufferevent_set_timeouts(filter, &tv, NULL);
    }
    bufferevent_enable(filter, EV_READ | EV_WRITE);
    c->defer_errors = false;
    leave(c);
    return 0;
}

int
conn_write(struct conn *c, const void *p, size_t n)
{
    if (c->bev == NULL || c->state == CONN_CLOSED ||
        c->state == CONN_CONNECTING) {
        return -1;
    }
    return bufferevent_write(c->bev, p, n) == 0 ? 0 : -1;
}

size_t
conn_output_len(const struct conn *c)
{
    return c->bev != NULL ? evbuffer_get_length(bufferevent_get_output(c->bev))
                          : 0;
}

void
conn_pause(struct conn *c)
{
    c->paused = true;
    if (c->bev != NULL && c->state == CONN_OPEN) {
        bufferevent_disable(c->bev, EV_READ);
    }
}

void
conn_kick(struct conn *c)
{
    if (c->state == CONN_OPEN) {
        event_active(c->kick, EV_TIMEOUT, 0);
    }
}

void
conn_resume(struct conn *c)
{
    if (!c->paused) {
        return;
    }
    c->paused = false;
    if (c->bev != NULL && c->state == CONN_OPEN) {
        bufferevent_enable(c->bev, EV_READ);
        if (evbuffer_get_length(bufferevent_get_input(c->bev)) > 0) {
            conn_kick(c);
        }
    }
}

void
conn_set_read_timeout(struct conn *c, unsigned ms)
{
    const struct timeval *ct;
    struct timeval tv;

    c->read_timeout_ms = ms;
    if (c->bev == NULL || c->state == CONN_CLOSED) {
        return;
    }
    tv.tv_sec = ms / 1000;
    tv.tv_usec = (ms % 1000) * 1000;
    /* Every read re-arms the timeout: connections sharing a period share
     * a libevent common timeout, a queue instead of the timer heap. */
    ct = ms != 0 ? event_base_init_common_timeout(c->base, &tv) : NULL;
    bufferevent_set_timeouts(c->bev, ms == 0 ? NULL : ct != NULL ? ct : &tv,
                             NULL);
}

void
conn_flush(struct conn *c)
{
    evutil_socket_t fd;

    if (c->bev == NULL || c->tls || c->state != CONN_OPEN) {
        return;
    }
    fd = bufferevent_getfd(c->bev);
    if (fd >= 0) {
        /* Non-blocking: whatever the socket takes now. */
        (void)evbuffer_write(bufferevent_get_output(c->bev), fd);
    }
}

void
conn_close(struct conn *c, const char *fmt, ...)
{
    char reason[512];
    struct timeval now;
    double age = 0;
    va_list ap;

    if (c->state == CONN_CLOSED) {
        return;
    }
    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (c->state != CONN_INIT) {
        gettimeofday(&now, NULL);
        age = (double)(now.tv_sec - c->started.tv_sec) +
              (double)(now.tv_usec - c->started.tv_usec) / 1e6;
    }
    clog(LOG_DEBUG, c->log_ctx, "closing connection to %s: %s (age=%.3fs)",
         peer_name(c), reason, age);
    c->state = CONN_CLOSED;
    evtimer_del(c->timer);
    event_del(c->kick);
    c->pending_err = CONN_ERR_NONE;
    if (c->dns_req != NULL) {
        struct evdns_getaddrinfo_request *req = c->dns_req;

        c->dns_req = NULL;
        c->destroying = true;   /* the cancel callback must not act */
        evdns_getaddrinfo_cancel(req);
        c->destroying = false;
    }
    if (c->bev != NULL) {
        bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
        bufferevent_disable(c->bev, EV_READ | EV_WRITE);
        if (c->depth > 0 && c->dead_bev == NULL) {
            c->dead_bev = c->bev;
        } else {
            bufferevent_free(c->bev);
        }
        c->bev = NULL;
        c->ssl = NULL;
    }
}

static void
conn_destroy(struct conn *c)
{
    c->destroying = true;
    if (c->state != CONN_CLOSED) {
        conn_close(c, "freed");
    }
    if (c->dead_bev != NULL) {
        bufferevent_free(c->dead_bev);
    }
    if (c->timer != NULL) {
        event_free(c->timer);
    }
    if (c->kick != NULL) {
        event_free(c->kick);
    }
    if (c->ai != NULL) {
        evutil_freeaddrinfo(c->ai);
    }
    free(c->log_ctx);
    free(c->peer);
    free(c->pending_detail);
    free(c->last_error);
    free(c);
}

void
conn_free(struct conn *c)
{
    if (c == NULL) {
        return;
    }
    if (c->depth > 0) {
        c->free_pending = true;
        conn_close(c, "freed");
        return;
    }
    conn_destroy(c);
}

enum conn_state
conn_get_state(const struct conn *c)
{
    return c->state;
}

bool
conn_is_tls(const struct conn *c)
{
    return c->tls;
}

const char *
conn_peer(const struct conn *c)
{
    return c->peer != NULL ? c->peer : "";
}
