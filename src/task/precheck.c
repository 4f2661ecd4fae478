/*
 * precheck.c - the prechecks' life cycle, connections and report (see
 * precheck.h; each chain's queries are in precheck_chain.c, the verdicts
 * in precheck_items.c and precheck_grants.c).
 *
 *   precheck_start --> source: connect -> VARS -> GRANTS -> LOGS -> EVENTS
 *                  |     -> GTID -> SCHEMATA -> TABLES -> COLUMNS -> FKS
 *                  |     -> KEYS -> end
 *                  \-> destination: connect -> VARS -> GRANTS -> SCHEMATA
 *                        -> TABLES -> COPY -> SUPER_RO -> end
 *   both ended --> pc_check_joined --> report --> finish event --> done()
 *
 * Each chain runs one query at a time on its own myconn; a step whose
 * answer is not needed (an item already decided, a start point without a
 * file) sends nothing.  A server error on a query decides that step's item;
 * a lost connection decides the item being checked and leaves the side's
 * other items "not checked".  done() always runs from the finish event, so
 * that precheck_free() from inside it never frees a connection whose
 * callback is still on the stack.  A spec whose source is Redis runs
 * precheck_redis.c's items instead, through the same finish event.
 */
#include "src/task/precheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include "src/core/log.h"
#include "src/task/precheck_int.h"

static const char *const item_names[PC_ITEM_COUNT] = {
#define X(name, text) text,
    PC_ITEMS(X)
#undef X
};

static const char *const status_names[PRECHECK_STATUS_COUNT] = {
    [PRECHECK_PASSED] = "passed",
    [PRECHECK_WARNING] = "warning",
    [PRECHECK_FAILED] = "failed",
};

/* The cause and fix of a passed item (never freed). */
static char empty_text[1];

/* The items each side decides, in chain order. */
static const enum pc_item src_items[] = {
    PC_SOURCE_CONNECT, PC_SOURCE_AUTH, PC_SOURCE_VERSION,
    PC_SOURCE_PRIVILEGES, PC_BINLOG_ENABLED, PC_BINLOG_FORMAT,
    PC_BINLOG_ROW_IMAGE, PC_SERVER_ID, PC_START_POSITION,
    PC_SOURCE_OBJECTS, PC_STORAGE_ENGINES, PC_CHARSETS, PC_FOREIGN_KEYS,
    PC_PRIMARY_KEYS,
};
static const enum pc_item dst_items[] = {
    PC_DEST_CONNECT, PC_DEST_AUTH, PC_DEST_VERSION, PC_DEST_PRIVILEGES,
    PC_DEST_READ_ONLY,
};

const char *
pc_item_name(enum pc_item id)
{
    return (unsigned)id < PC_ITEM_COUNT ? item_names[id] : "unknown";
}

const char *
precheck_status_name(enum precheck_status s)
{
    return (unsigned)s < PRECHECK_STATUS_COUNT ? status_names[s] : "unknown";
}

bool
pc_full(const struct precheck *p)
{
    return p->spec->mode == TASK_MODE_FULL ||
           p->spec->mode == TASK_MODE_FULL_INCREMENTAL;
}

bool
pc_streams(const struct precheck *p)
{
    return p->spec->mode == TASK_MODE_INCREMENTAL ||
           p->spec->mode == TASK_MODE_FULL_INCREMENTAL;
}

char *
pc_fmt(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return buf;
}

/* Length of the UTF-8 sequence at <s> (1..4), or 0 when ill-formed. */
static size_t
utf8_len(const unsigned char *s)
{
    size_t n, i;

    if (s[0] < 0x80) {
        return 1;
    }
    n = (s[0] & 0xe0) == 0xc0 ? 2 : (s[0] & 0xf0) == 0xe0 ? 3 :
        (s[0] & 0xf8) == 0xf0 ? 4 : 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 0;
        }
    }
    /* overlong forms, surrogates and values past U+10FFFF, which JSON
     * encoders refuse */
    if ((n == 2 && s[0] < 0xc2) || (n == 3 && s[0] == 0xe0 && s[1] < 0xa0) ||
        (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
        (n == 4 && (s[0] > 0xf4 || (s[0] == 0xf0 && s[1] < 0x90) ||
                    (s[0] == 0xf4 && s[1] >= 0x90)))) {
        return 0;
    }
    return n;
}

/* A copy of <s> fit for a one-line JSON string: ill-formed UTF-8 bytes
 * (a name in another character set) become '?', control characters a
 * space. */
char *
pc_text_dup(const char *s)
{
    size_t i = 0, n;
    char *d;

    if (s == NULL || s[0] == '\0') {
        return empty_text;
    }
    d = strdup(s);
    if (d == NULL) {
        return empty_text;
    }
    while (d[i] != '\0') {
        n = utf8_len((const unsigned char *)d + i);
        if (n == 0) {
            d[i++] = '?';
        } else if (n == 1 && (unsigned char)d[i] < 0x20) {
            d[i++] = ' ';
        } else {
            i += n;
        }
    }
    return d;
}

void
pc_text_free(char *s)
{
    if (s != empty_text) {
        free(s);
    }
}

void
pc_set(struct precheck *p, enum pc_item id, enum precheck_status st,
       const char *cause, const char *fix)
{
    if ((unsigned)id >= PC_ITEM_COUNT || p->set[id]) {
        return;
    }
    p->set[id] = true;
    p->items[id].status = st;
    p->items[id].cause =
        st == PRECHECK_PASSED ? empty_text : pc_text_dup(cause);
    p->items[id].fix = st == PRECHECK_PASSED ? empty_text : pc_text_dup(fix);
}

void
pc_pass(struct precheck *p, enum pc_item id)
{
    pc_set(p, id, PRECHECK_PASSED, NULL, NULL);
}

void
pc_skip(struct precheck *p, enum pc_item id, enum pc_item because)
{
    char cause[128], fix[128];

    pc_set(p, id, PRECHECK_WARNING,
           pc_fmt(cause, sizeof(cause), "not checked because %s failed",
                  pc_item_name(because)),
           pc_fmt(fix, sizeof(fix), "fix %s, then run the prechecks again",
                  pc_item_name(because)));
}

bool
pc_null(const struct myresult *r, size_t row, unsigned col)
{
    return r == NULL || row >= r->nrows || col >= r->ncols ||
           r->nulls[row * r->ncols + col];
}

const char *
pc_cell(const struct myresult *r, size_t row, unsigned col, char *buf,
        size_t len)
{
    const struct span *v;

    buf[0] = '\0';
    if (pc_null(r, row, col)) {
        return buf;
    }
    v = &r->cells[row * r->ncols + col];
    snprintf(buf, len, "%.*s", (int)v->len,
             v->p != NULL ? (const char *)v->p : "");
    return buf;
}

/* ---- the end ---- */

static void
on_finish(evutil_socket_t fd, short what, void *arg)
{
    struct precheck *p = arg;

    (void)fd;
    (void)what;
    /* p may be freed inside: touch nothing afterwards */
    p->done(p, &p->report, p->arg);
}

static void
finish(struct precheck *p)
{
    size_t i;

    pc_check_joined(p);
    for (i = 0; i < PC_ITEM_COUNT; i++) {
        /* every item has a verdict by now; this only guards the report */
        pc_set(p, (enum pc_item)i, PRECHECK_WARNING, "not checked",
               "run the prechecks again");
    }
    p->finished = true;
    clog(LOG_INFO, p->src.ctx, "prechecks done: %s",
         precheck_report_failed(&p->report) ? "failed" : "passed");
    event_active(p->finish, EV_TIMEOUT, 1);
}

/* Marks every undecided item of side <s> "not checked because <why>". */
static void
skip_rest(struct pc_side *s, enum pc_item why)
{
    const enum pc_item *v = s->source ? src_items : dst_items;
    size_t n = s->source ? sizeof(src_items) / sizeof(src_items[0])
                         : sizeof(dst_items) / sizeof(dst_items[0]);
    size_t i;

    for (i = 0; i < n; i++) {
        /* the destination's version is judged beside the source's, once
         * both are known */
        if (v[i] == PC_DEST_VERSION && s->srv.known) {
            continue;
        }
        pc_skip(s->p, v[i], why);
    }
    if (s->dead == PC_ITEM_COUNT) {
        s->dead = why;
    }
}

static void
side_done(struct pc_side *s)
{
    struct precheck *p = s->p;

    if (s->done) {
        return;
    }
    s->done = true;
    if (s->deadline != NULL) {
        evtimer_del(s->deadline);
    }
    if (s->conn != NULL) {
        myconn_free(s->conn);     /* deferred inside its own callback */
        s->conn = NULL;
    }
    if (!s->source && s->dead == PC_ITEM_COUNT) {
        char cause[512], fix[256];

        if (p->dst_read_only) {
            pc_set(p, PC_DEST_READ_ONLY, PRECHECK_FAILED,
                   pc_fmt(cause, sizeof(cause), "the destination %s is "
                          "read-only (%s = ON): the task cannot write "
                          "there", s->peer, p->dst_ro_name),
                   pc_fmt(fix, sizeof(fix), "SET GLOBAL %s = OFF on %s (and "
                          "in its config), or point the destination URL at "
                          "the primary server", p->dst_ro_name, s->peer));
        }
        pc_pass(p, PC_DEST_READ_ONLY);
    }
    if (p->src.done && p->dst.done) {
        finish(p);
    }
}

/* ---- connections ---- */

/* Splits myconn's "cause — fix" error line. */
static void
split_err(const char *err, char *cause, size_t clen, char *fix, size_t flen,
          const char *default_fix)
{
    const char *dash = strstr(err, " \xe2\x80\x94 ");

    if (dash == NULL) {
        snprintf(cause, clen, "%s", err);
        snprintf(fix, flen, "%s", default_fix);
        return;
    }
    snprintf(cause, clen, "%.*s", (int)(dash - err), err);
    snprintf(fix, flen, "%s", dash + 5);
}

/* The connection failed before a session was ready: decide whether the
 * server was reached (then the login failed) or not. */
static void
login_failed(struct pc_side *s, bool auth, const char *err)
{
    struct precheck *p = s->p;
    enum pc_item conn_item = s->source ? PC_SOURCE_CONNECT : PC_DEST_CONNECT;
    enum pc_item auth_item = s->source ? PC_SOURCE_AUTH : PC_DEST_AUTH;
    char cause[768], fix[512];

    split_err(err, cause, sizeof(cause), fix, sizeof(fix),
              "check the host and port in the URL and that the server runs");
    if (auth) {
        pc_pass(p, conn_item);
        pc_set(p, auth_item, PRECHECK_FAILED, cause, fix);
        skip_rest(s, auth_item);
    } else {
        pc_set(p, conn_item, PRECHECK_FAILED, cause, fix);
        skip_rest(s, conn_item);
    }
    clog(LOG_INFO, s->ctx, "%s failed: %s",
         pc_item_name(auth ? auth_item : conn_item), err);
}

static void side_next(struct pc_side *s);

static void
on_error(struct myconn *c, const char *err, void *arg)
{
    struct pc_side *s = arg;
    char cause[768], fix[512];

    if (!s->srv.known) {
        /* after the greeting ("" before), only TLS or the login fail */
        const char *v = myconn_server_version(c);

        login_failed(s, v != NULL && v[0] != '\0' &&
                        strstr(err, "TLS") == NULL, err);
    } else {
        split_err(err, cause, sizeof(cause), fix, sizeof(fix),
                  "check the server and the network");
        pc_set(s->p, s->checking, PRECHECK_FAILED, cause, fix);
        skip_rest(s, s->checking);
    }
    side_done(s);
}

static void
on_deadline(evutil_socket_t fd, short what, void *arg)
{
    struct pc_side *s = arg;
    enum myconn_state st = myconn_get_state(s->conn);
    char err[512];

    (void)fd;
    (void)what;
    snprintf(err, sizeof(err), "no logged-in session with %s within %u s "
             "(stuck at %s) \xe2\x80\x94 check the network, the server's "
             "load and its error log", s->peer, PRECHECK_CONNECT_MS / 1000,
             myconn_state_name(st));
    login_failed(s, st == MYCONN_AUTH, err);
    side_done(s);
}

/* Major and minor version from "10.11.6-MariaDB...". */
static void
parse_version(struct pc_server *v, const char *text)
{
    char *end;

    snprintf(v->version, sizeof(v->version), "%s", text);
    v->major = (unsigned)strtoul(text, &end, 10);
    v->minor = *end == '.' ? (unsigned)strtoul(end + 1, NULL, 10) : 0;
}

static void
on_ready(struct myconn *c, void *arg)
{
    struct pc_side *s = arg;
    const char *v = myconn_server_version(c);

    evtimer_del(s->deadline);
    s->srv.known = true;
    s->srv.mariadb = myconn_is_mariadb(c);
    parse_version(&s->srv, v != NULL ? v : "");
    pc_pass(s->p, s->source ? PC_SOURCE_CONNECT : PC_DEST_CONNECT);
    pc_pass(s->p, s->source ? PC_SOURCE_AUTH : PC_DEST_AUTH);
    myconn_set_io_timeout(c, PRECHECK_QUERY_MS);
    pc_check_version(s->p, s);
    side_next(s);
}

static void
side_start(struct pc_side *s)
{
    struct myconn_opts o;
    struct timeval tv = {PRECHECK_CONNECT_MS / 1000,
                         (PRECHECK_CONNECT_MS % 1000) * 1000};

    memset(&o, 0, sizeof(o));
    o.host = s->url.host;
    o.port = s->url.port;
    o.user = s->url.user;
    o.password = s->url.password;
    o.tls = (int)s->url.tls;
    o.ca_file = s->url.ca_file;
    /* each step gives up a little before the whole, so that a stuck
     * step is reported by myconn, which knows which step it was */
    o.connect_timeout_ms = PRECHECK_CONNECT_MS * 9 / 10;
    o.log_ctx = s->ctx;
    s->conn = myconn_new(s->p->base, s->p->dns, &o);
    if (s->conn == NULL ||
        myconn_connect(s->conn, on_ready, on_error, s) != 0 ||
        evtimer_add(s->deadline, &tv) != 0) {
        login_failed(s, false, "out of memory while connecting");
        side_done(s);
    }
}

/* ---- running the chain (its steps: precheck_chain.c) ---- */

static void
on_result(struct myconn *c, const struct myresult *r, const char *err,
          void *arg)
{
    struct pc_side *s = arg;

    (void)c;
    pc_chain_result(s->p, s, r, err);
    s->step++;
    side_next(s);
}

static void
side_next(struct pc_side *s)
{
    struct precheck *p = s->p;

    for (; s->step < pc_chain_end(s); s->step++) {
        pbuf_reset(&s->q);
        if (!pc_chain_query(p, s)) {
            continue;
        }
        pbuf_putc(&s->q, '\0');
        s->checking = pc_chain_item(s);
        if (s->q.failed) {
            pc_set(p, s->checking, PRECHECK_FAILED, "out of memory",
                   "give the daemon more memory, then run the prechecks "
                   "again");
            continue;
        }
        clog(LOG_DEBUG, s->ctx, "precheck query: %s",
             (const char *)s->q.data);
        if (myconn_query(s->conn, (const char *)s->q.data, on_result, s) !=
            0) {
            pc_set(p, s->checking, PRECHECK_FAILED,
                   "internal error: connection busy",
                   "run the prechecks again");
            skip_rest(s, s->checking);
            break;
        }
        return;
    }
    side_done(s);
}

/* ---- life cycle ---- */

static int
side_init(struct precheck *p, struct pc_side *s, bool source,
          const struct task_endpoint *ep)
{
    char err[256], cause[512];

    s->p = p;
    s->source = source;
    s->dead = PC_ITEM_COUNT;
    s->checking = source ? PC_SOURCE_CONNECT : PC_DEST_CONNECT;
    snprintf(s->ctx, sizeof(s->ctx), "task=%s precheck=%s", p->spec->name,
             source ? "source" : "destination");
    s->deadline = evtimer_new(p->base, on_deadline, s);
    if (s->deadline == NULL) {
        return -1;
    }
    if (url_parse(ep->url, &s->url, err, sizeof(err)) != 0) {
        pc_set(p, source ? PC_SOURCE_CONNECT : PC_DEST_CONNECT,
               PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "the %s URL does not parse: %s",
                      source ? "source" : "destination", err),
               "fix the URL in the task spec");
        skip_rest(s, source ? PC_SOURCE_CONNECT : PC_DEST_CONNECT);
        s->done = true;
        return 0;
    }
    snprintf(s->peer, sizeof(s->peer),
             s->url.host_is_ipv6 ? "[%s]:%u" : "%s:%u", s->url.host,
             (unsigned)s->url.port);
    return 0;
}

struct precheck *
precheck_start(struct event_base *base, struct evdns_base *dns,
               const struct task_spec *spec, precheck_done_cb done,
               void *arg)
{
    struct precheck *p = calloc(1, sizeof(*p));
    size_t i;

    if (p == NULL) {
        return NULL;
    }
    p->base = base;
    p->dns = dns;
    p->spec = spec;
    p->done = done;
    p->arg = arg;
    for (i = 0; i < PC_ITEM_COUNT; i++) {
        p->items[i].item = item_names[i];
        p->items[i].cause = empty_text;
        p->items[i].fix = empty_text;
    }
    p->report.items = p->items;
    p->report.n = PC_ITEM_COUNT;
    p->finish = event_new(base, -1, 0, on_finish, p);
    if (p->finish != NULL && spec->source.type == TASK_ENGINE_REDIS) {
        /* a Redis task has its own items (precheck_redis.c) */
        if (pc_redis_start(p) != 0) {
            precheck_free(p);
            return NULL;
        }
        return p;
    }
    if (p->finish == NULL || side_init(p, &p->src, true, &spec->source) != 0 ||
        side_init(p, &p->dst, false, &spec->destination) != 0) {
        precheck_free(p);
        return NULL;
    }
    clog(LOG_INFO, p->src.ctx, "prechecks: source %s, destination %s",
         p->src.peer[0] ? p->src.peer : "?",
         p->dst.peer[0] ? p->dst.peer : "?");
    if (!p->src.done) {
        side_start(&p->src);
    }
    if (!p->dst.done) {
        side_start(&p->dst);
    }
    if (p->src.done && p->dst.done && !p->finished) {
        finish(p);       /* done() still comes from the loop */
    }
    return p;
}

static void
side_free(struct pc_side *s)
{
    if (s->conn != NULL) {
        myconn_free(s->conn);
        s->conn = NULL;
    }
    if (s->deadline != NULL) {
        event_free(s->deadline);
        s->deadline = NULL;
    }
    url_free(&s->url);
    pbuf_free(&s->q);
    pc_grants_free(&s->grants);
}

void
precheck_free(struct precheck *p)
{
    size_t i;

    if (p == NULL) {
        return;
    }
    pc_redis_free(p->redis);
    side_free(&p->src);
    side_free(&p->dst);
    if (p->finish != NULL) {
        event_free(p->finish);
    }
    for (i = 0; i < PC_ITEM_COUNT; i++) {
        pc_text_free(p->items[i].cause);
        pc_text_free(p->items[i].fix);
    }
    free(p->oldest_binlog);
    pc_pairs_free(&p->src_dbs);
    pc_pairs_free(&p->tabs);
    pc_pairs_free(&p->keyed);
    pc_pairs_free(&p->dst_dbs);
    pc_pairs_free(&p->dst_tabs);
    free(p);
}

bool
precheck_report_failed(const struct precheck_report *r)
{
    size_t i;

    for (i = 0; r != NULL && i < r->n; i++) {
        if (r->items[i].status == PRECHECK_FAILED) {
            return true;
        }
    }
    return false;
}

json_t *
precheck_report_json(const struct precheck_report *r)
{
    json_t *a = json_array();
    size_t i;

    if (a == NULL) {
        return NULL;
    }
    for (i = 0; i < r->n; i++) {
        const struct precheck_item *it = &r->items[i];
        json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "item", it->item,
                              "status", precheck_status_name(it->status),
                              "cause", it->cause ? it->cause : "",
                              "fix", it->fix ? it->fix : "");

        if (o == NULL || json_array_append_new(a, o) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}
