/*
 * rcli.c - a small Redis control client (see rcli.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "src/core/log.h"
#include "src/core/url.h"
#include "src/net/conn.h"
#include "src/task/rcli.h"

/* Most commands waiting for their replies. */
#define RCLI_MAX_PENDING 1024

struct rcli_wait {
    rcli_reply_cb cb;
    void *arg;
};

struct rcli {
    struct conn *conn;
    struct url url;
    char what[32]; /* "redis source" */
    rcli_ready_cb ready;
    rcli_error_cb error;
    void *arg;
    redisReader *reader;                     /* hiredis reply parser */
    struct rcli_wait wait[RCLI_MAX_PENDING]; /* ring of pending replies */
    size_t head, npending;
    bool authed;     /* AUTH answered (or none needed) */
    bool up;         /* ready was called */
    bool dead;       /* error was reported */
    bool in_cb;      /* inside one of our callbacks */
    bool free_later; /* rcli_free() called inside one */
};

static void rcli_die(struct rcli *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
rcli_die(struct rcli *c, const char *fmt, ...)
{
    char msg[512];
    va_list ap;

    if (c->dead) {
        return;
    }
    c->dead = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    conn_close(c->conn, "%s", msg);
    if (c->error != NULL) {
        c->in_cb = true;
        c->error(c, msg, c->arg);
        c->in_cb = false;
    }
}

static int
send_argv(struct rcli *c, const char *const *argv)
{
    char *cmd = NULL;
    int argc = 0, n;

    while (argv[argc] != NULL) {
        argc++;
    }
    n = redisFormatCommandArgv(&cmd, argc, (const char **)argv, NULL);
    if (n < 0) {
        return -1;
    }
    conn_write(c->conn, cmd, (size_t)n);
    /* hiredis allocated cmd; it may hold a password: wipe it. */
    explicit_bzero(cmd, (size_t)n);
    redisFreeCommand(cmd);
    return 0;
}

static void
send_auth(struct rcli *c)
{
    const char *argv[4] = {"AUTH", c->url.user, c->url.password, NULL};

    if (c->url.user[0] == '\0') {
        argv[1] = c->url.password;
        argv[2] = NULL;
    }
    send_argv(c, argv);
}

static void
on_open(struct rcli *c)
{
    if (c->url.password != NULL) {
        send_auth(c);
        return;
    }
    c->authed = true;
    c->up = true;
    if (c->ready != NULL) {
        c->in_cb = true;
        c->ready(c, c->arg);
        c->in_cb = false;
    }
}

static void
on_tls(struct conn *conn, void *arg)
{
    (void)conn;
    on_open(arg);
}

static void
on_connected(struct conn *conn, void *arg)
{
    struct rcli *c = arg;
    struct conn_tls_opts tls;
    char err[256];

    (void)conn;
    if (c->url.tls == URL_TLS_DISABLE) {
        on_open(c);
        return;
    }
    memset(&tls, 0, sizeof(tls));
    tls.verify = c->url.tls == URL_TLS_VERIFY;
    tls.ca_file = c->url.ca_file;
    tls.server_name = c->url.host;
    if (conn_start_tls(c->conn, &tls, err, sizeof(err)) < 0) {
        rcli_die(c, "%s %s: %s", c->what, conn_peer(c->conn), err);
        if (c->free_later) {
            rcli_free(c);
        }
    }
}

static void
on_reply(struct rcli *c, redisReply *r)
{
    struct rcli_wait w;

    if (!c->authed) {
        if (r->type == REDIS_REPLY_ERROR) {
            rcli_die(c,
                     "%s %s: authentication failed: %.200s — check the "
                     "user and password in the URL",
                     c->what, conn_peer(c->conn), r->str);
            return;
        }
        c->authed = true;
        c->up = true;
        if (c->ready != NULL) {
            c->ready(c, c->arg);
        }
        return;
    }
    if (c->npending == 0) {
        rcli_die(c, "%s %s: a reply nobody asked for", c->what,
                 conn_peer(c->conn));
        return;
    }
    w = c->wait[c->head];
    c->head = (c->head + 1) % RCLI_MAX_PENDING;
    c->npending--;
    if (w.cb != NULL) {
        w.cb(c, r, w.arg);
    }
}

static void
on_read(struct conn *conn, struct evbuffer *in, void *arg)
{
    struct rcli *c = arg;
    struct evbuffer_iovec v[8];
    void *reply;
    int i, n;

    (void)conn;
    n = evbuffer_peek(in, -1, NULL, v, 8);
    for (i = 0; i < n && i < 8; i++) {
        if (redisReaderFeed(c->reader, v[i].iov_base, v[i].iov_len) !=
            REDIS_OK) {
            break;
        }
    }
    evbuffer_drain(in, evbuffer_get_length(in));
    c->in_cb = true;
    while (!c->dead && !c->free_later) {
        if (redisReaderGetReply(c->reader, &reply) != REDIS_OK) {
            rcli_die(c,
                     "%s %s: the reply is not RESP (%s): is it a Redis "
                     "server?",
                     c->what, conn_peer(c->conn), c->reader->errstr);
            break;
        }
        if (reply == NULL) {
            break;
        }
        on_reply(c, reply);
        freeReplyObject(reply);
    }
    c->in_cb = false;
    if (c->free_later) {
        rcli_free(c);
    }
}

static void
on_error(struct conn *conn, enum conn_err kind, const char *detail, void *arg)
{
    struct rcli *c = arg;

    (void)conn;
    c->in_cb = true;
    rcli_die(c, "%s %s: %s%s", c->what, conn_peer(c->conn), detail,
             kind == CONN_ERR_CONNECT || kind == CONN_ERR_RESOLVE
                 ? " — check that the server is running and the host/port "
                   "in the URL"
                 : "");
    c->in_cb = false;
    if (c->free_later) {
        rcli_free(c);
    }
}

struct rcli *
rcli_new(struct event_base *base, struct evdns_base *dns, const char *url,
         const char *what, const char *log_ctx, rcli_ready_cb ready,
         rcli_error_cb error, void *arg, char *err, size_t errlen)
{
    struct rcli *c = calloc(1, sizeof(*c));
    struct conn_cbs cbs;

    if (c == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (url_parse(url, &c->url, err, errlen) < 0) {
        free(c);
        return NULL;
    }
    if (strcmp(c->url.scheme, "rediss") == 0 &&
        url_param(&c->url, "tls") == NULL && c->url.ca_file == NULL) {
        c->url.tls = URL_TLS_VERIFY;
    }
    snprintf(c->what, sizeof(c->what), "%s", what);
    c->ready = ready;
    c->error = error;
    c->arg = arg;
    c->reader = redisReaderCreate();
    c->conn = conn_new(base, dns, log_ctx);
    if (c->reader == NULL || c->conn == NULL) {
        snprintf(err, errlen, "out of memory");
        rcli_free(c);
        return NULL;
    }
    memset(&cbs, 0, sizeof(cbs));
    cbs.connected = on_connected;
    cbs.tls_done = on_tls;
    cbs.read = on_read;
    cbs.error = on_error;
    cbs.arg = c;
    conn_set_cbs(c->conn, &cbs);
    return c;
}

int
rcli_start(struct rcli *c)
{
    return conn_connect(c->conn, c->url.host, c->url.port, 0);
}

int
rcli_call(struct rcli *c, rcli_reply_cb cb, void *arg, const char *const *argv)
{
    size_t i;

    if (c->dead || !c->up || c->npending == RCLI_MAX_PENDING) {
        return -1;
    }
    if (send_argv(c, argv) < 0) {
        return -1;
    }
    i = (c->head + c->npending) % RCLI_MAX_PENDING;
    c->wait[i].cb = cb;
    c->wait[i].arg = arg;
    c->npending++;
    return 0;
}

size_t
rcli_pending(const struct rcli *c)
{
    return c->npending;
}

bool
rcli_ready(const struct rcli *c)
{
    return c->up && !c->dead;
}

void
rcli_free(struct rcli *c)
{
    if (c == NULL) {
        return;
    }
    if (c->in_cb) {
        c->free_later = true;
        c->ready = NULL;
        c->error = NULL;
        return;
    }
    conn_free(c->conn);
    if (c->reader != NULL) {
        redisReaderFree(c->reader);
    }
    url_free(&c->url);
    free(c);
}
