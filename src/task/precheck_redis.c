/*
 * precheck_redis.c - the prechecks of a Redis -> Redis task (items and
 * their rules: precheck.h).  Two control connections (rcli.h) run side by
 * side, one command at a time each, and never write: permissions are
 * read with ACL DRYRUN, or tried with commands whose arguments the server
 * refuses only after its permission checks, so that nothing runs.
 *
 *   pc_redis_start --> source: [AUTH] -> INFO (version, keyspace, first
 *                  |     sample) -> COMMAND INFO psync replconf ->
 *                  |     REPLCONF probe -> ACL DRYRUN | ACL GETUSER |
 *                  |     PSYNC probe -> SET probe -> CONFIG GET
 *                  |     repl-backlog-size -> pause -> INFO (second
 *                  |     sample) -> end
 *                  \-> destination: [AUTH] -> INFO (version, role,
 *                        keyspace) -> CONFIG GET maxmemory-policy ->
 *                        CONFIG GET databases -> SELECT 0 -> EXISTS
 *                        checkpoint -> EXISTS mark -> SCAN db 0 ...
 *                        -> [SELECT n ... when CONFIG is refused] -> end
 *   both ended --> items joining the sides --> report --> finish event
 *
 * The URL handed to rcli carries no user or password: AUTH is sent here
 * as the first command, so that a refused login is told apart from an
 * unreachable server.  A timer per side bounds every wait: the way to a
 * first reply (PRECHECK_CONNECT_MS), each command's reply
 * (PRECHECK_QUERY_MS), and the pause between the two samples.  The
 * verdicts are in precheck_redis_items.c.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "proto/redis/resp.h"
#include "src/core/log.h"
#include "src/core/url.h"
#include "src/task/precheck_int.h"
#include "src/task/precheck_redis_int.h"
#include "src/task/rcli.h"

static const char *const step_names[PCR_STEP_COUNT] = {
#define X(name, cmd, item) cmd,
    PCR_STEPS(X)
#undef X
};

static const enum pcr_item step_items[PCR_STEP_COUNT] = {
#define X(name, cmd, item) PCR_##item,
    PCR_STEPS(X)
#undef X
};

/* ---- the chain ---- */

static void side_done(struct pcr_side *s);

static void
arm(struct pcr_side *s, unsigned ms)
{
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};

    evtimer_add(s->timer, &tv);
}

static void on_reply(struct rcli *c, redisReply *rep, void *arg);

/* Bytes <argv> takes as a RESP command. */
static uint64_t
wire_len(const char *const *argv)
{
    char head[32];
    uint64_t n = 0, len;
    size_t i;

    for (i = 0; argv[i] != NULL; i++) {
        len = strlen(argv[i]);
        n += (uint64_t)snprintf(head, sizeof(head), "$%" PRIu64 "\r\n", len) +
             len + 2;
    }
    return n + (uint64_t)snprintf(head, sizeof(head), "*%zu\r\n", i);
}

static enum pcr_act
side_send(struct pcr_side *s, const char *const *argv)
{
    s->sent += wire_len(argv);
    if (rcli_call(s->cli, on_reply, s, argv) != 0) {
        pcr_set(s->r, step_items[s->step], PRECHECK_FAILED,
                "internal error: the control connection refused a command",
                "run the prechecks again");
        pcr_skip_rest(s, step_items[s->step]);
        return PCR_STOP;
    }
    clog(LOG_DEBUG, s->ctx, "precheck: %s", step_names[s->step]);
    /* the connect deadline runs until the first reply */
    if (s->answered) {
        arm(s, PRECHECK_QUERY_MS);
    }
    return PCR_SENT;
}

/* ---- sending each step ---- */

static enum pcr_act
step_send(struct pcr_side *s)
{
    struct pc_redis *r = s->r;
    const struct pcr_version *v = &s->version;
    char key[320], num[16];
    const char *argv[8] = {NULL};
    uint64_t now;
    unsigned top = 0;

    switch (s->step) {
    case PCR_SRC_AUTH:
    case PCR_DST_AUTH:
        if (s->url.password == NULL) {
            return PCR_SKIP;    /* the first INFO tells NOAUTH */
        }
        argv[0] = "AUTH";
        argv[1] = s->url.user[0] != '\0' ? s->url.user : s->url.password;
        argv[2] = s->url.user[0] != '\0' ? s->url.password : NULL;
        return side_send(s, argv);
    case PCR_SRC_INFO:
    case PCR_SRC_INFO2:
    case PCR_DST_INFO:
        /* the default sections: server, replication, stats, keyspace */
        argv[0] = "INFO";
        return side_send(s, argv);
    case PCR_SRC_COMMAND:
        if (!pcr_version_at_least(v, 2, 8, 13)) {
            return PCR_SKIP;    /* COMMAND came with 2.8.13 */
        }
        argv[0] = "COMMAND";
        argv[1] = "INFO";
        argv[2] = "psync";
        argv[3] = "replconf";
        return side_send(s, argv);
    case PCR_SRC_REPLCONF:
        /* an odd argument count: "syntax error" once the ACL let it in
         * (replication.c replconfCommand), nothing changed */
        argv[0] = "REPLCONF";
        argv[1] = "tandem-precheck";
        return side_send(s, argv);
    case PCR_SRC_DRYRUN:
        if (!pcr_version_at_least(v, 7, 0, 0) || r->psync_renamed) {
            return PCR_SKIP;
        }
        argv[0] = "ACL";
        argv[1] = "DRYRUN";
        argv[2] = r->user;
        argv[3] = "PSYNC";
        argv[4] = "?";
        argv[5] = "-1";
        return side_send(s, argv);
    case PCR_SRC_GETUSER:
        /* Redis 6.0 and 6.1 have neither ACL DRYRUN nor the probe below */
        if (!pcr_version_at_least(v, 6, 0, 0) ||
            pcr_version_at_least(v, 6, 2, 0) || r->psync_renamed) {
            return PCR_SKIP;
        }
        argv[0] = "ACL";
        argv[1] = "GETUSER";
        argv[2] = r->user;
        return side_send(s, argv);
    case PCR_SRC_PSYNC:
        /*
         * Redis 6.2+ answers PSYNC <replid> <offset> FAILOVER with an
         * error before anything else when <replid> is not its own (on a
         * master: "can't be sent to a master"), and checks the ACL
         * before that (replication.c syncCommand).  "tandem-precheck" is
         * never a replid (40 hex digits); the server logs "Failover
         * request received for replid tandem-precheck".  Never sent to
         * older servers, where it would start a full resynchronisation.
         */
        if (!pcr_version_at_least(v, 6, 2, 0) || r->psync_renamed ||
            r->perm != PCR_PERM_UNKNOWN) {
            return PCR_SKIP;
        }
        argv[0] = "PSYNC";
        argv[1] = "tandem-precheck";
        argv[2] = "-1";
        argv[3] = "FAILOVER";
        return side_send(s, argv);
    case PCR_SRC_SET:
        /* NX with XX is a syntax error in every version (2.6.12+), found
         * after the ACL key check and the read-only replica check */
        argv[0] = "SET";
        argv[1] = PCR_HEARTBEAT_KEY;
        argv[2] = "0";
        argv[3] = "NX";
        argv[4] = "XX";
        return side_send(s, argv);
    case PCR_SRC_CONFIG:
        argv[0] = "CONFIG";
        argv[1] = "GET";
        argv[2] = "repl-backlog-size";
        return side_send(s, argv);
    case PCR_SRC_PAUSE:
        now = pcr_now_ms();
        if (now >= r->s1.at_ms + PCR_SAMPLE_MS) {
            return PCR_SKIP;
        }
        s->sleeping = true;
        arm(s, (unsigned)(r->s1.at_ms + PCR_SAMPLE_MS - now));
        return PCR_WAIT;
    case PCR_DST_POLICY:
        argv[0] = "CONFIG";
        argv[1] = "GET";
        argv[2] = "maxmemory-policy";
        return side_send(s, argv);
    case PCR_DST_DATABASES:
        argv[0] = "CONFIG";
        argv[1] = "GET";
        argv[2] = "databases";
        return side_send(s, argv);
    case PCR_DST_SELECT0:
        if (r->set[PCR_DEST_EMPTY]) {
            return PCR_SKIP;
        }
        argv[0] = "SELECT";
        argv[1] = "0";
        return side_send(s, argv);
    case PCR_DST_CHECKPOINT:
    case PCR_DST_MARK:
        if (r->set[PCR_DEST_EMPTY]) {
            return PCR_SKIP;
        }
        /* the keys rtask.c and sink/redis.c keep in database 0 */
        snprintf(key, sizeof(key), "tandem:%s:%s",
                 s->step == PCR_DST_CHECKPOINT ? "checkpoint" : "fullsync",
                 r->spec->name);
        argv[0] = "EXISTS";
        argv[1] = key;
        return side_send(s, argv);
    case PCR_DST_SCAN:
        if (r->set[PCR_DEST_EMPTY] || !pcr_writes_db0(r) ||
            pcr_keyspace_keys(s->info, s->info_len, 0) == 0) {
            return PCR_SKIP;
        }
        if (s->iter == 0) {
            snprintf(s->cursor, sizeof(s->cursor), "0");
        }
        argv[0] = "SCAN";
        argv[1] = s->cursor;
        argv[2] = "COUNT";
        argv[3] = "1000";
        return side_send(s, argv);
    case PCR_DST_SELECT:
        if (r->databases >= 0 || r->dbs_fit || r->select_err[0] != '\0') {
            return PCR_SKIP;
        }
        if (!pcr_needed_known(r)) {
            if (r->src.done) {
                return PCR_SKIP;    /* finish() says why */
            }
            s->waiting = true;      /* the source's INFO wakes us */
            return PCR_WAIT;
        }
        if (s->iter == 0) {
            if (!pcr_highest_db(r, &top) || top == 0) {
                r->dbs_fit = true;  /* database 0 always exists */
                return PCR_SKIP;
            }
            s->probe_db = top;
        } else {
            s->probe_db = r->db_lo + (r->db_hi - r->db_lo) / 2;
        }
        s->iter++;
        snprintf(num, sizeof(num), "%u", s->probe_db);
        argv[0] = "SELECT";
        argv[1] = num;
        return side_send(s, argv);
    default:
        return PCR_SKIP;
    }
}

static void
on_reply(struct rcli *c, redisReply *rep, void *arg)
{
    struct pcr_side *s = arg;
    struct pc_redis *r = s->r;
    char cause[512], fix[300], buf[256];
    enum pcr_act act;

    (void)c;
    if (rep == NULL || s->done) {
        return;
    }
    evtimer_del(s->timer);
    if (!s->answered) {
        s->answered = true;
        if (pcr_is_error(rep) && pcr_starts(rep, "ERR max number of clients")) {
            pcr_set(r, s->connect_item, PRECHECK_FAILED,
                    pc_fmt(cause, sizeof(cause), "the %s %s refuses "
                           "connections: %s", s->role, s->peer,
                           pcr_reply_text(rep, buf, sizeof(buf))),
                    pc_fmt(fix, sizeof(fix), "raise maxclients on %s, or "
                           "close its idle clients", s->peer));
            pcr_skip_rest(s, s->connect_item);
            side_done(s);
            return;
        }
        pcr_pass(r, s->connect_item);
    }
    if (!s->authed && s->step != PCR_SRC_AUTH && s->step != PCR_DST_AUTH) {
        if (pcr_is_error(rep) && pcr_starts(rep, "NOAUTH")) {
            pcr_auth_failed(s, rep);
            side_done(s);
            return;
        }
        s->authed = true;
        pcr_pass(r, s->auth_item);
    }
    act = pcr_got_reply(s, rep);
    if (s->done) {
        return;
    }
    if (act == PCR_STOP) {
        side_done(s);
        return;
    }
    if (act != PCR_AGAIN) {
        s->step++;
        s->iter = 0;
    }
    pcr_side_next(s);
}

void
pcr_side_next(struct pcr_side *s)
{
    while (!s->done) {
        if (s->step >= s->end) {
            side_done(s);
            return;
        }
        switch (step_send(s)) {
        case PCR_SENT:
        case PCR_WAIT:
            return;
        case PCR_STOP:
            side_done(s);
            return;
        default:
            s->step++;
            s->iter = 0;
            break;
        }
    }
}

static void
on_ready(struct rcli *c, void *arg)
{
    (void)c;
    pcr_side_next(arg);
}

/* Splits rcli's "cause — fix" line; returns the cause part in <buf>. */
static const char *
cause_of(const char *err, char *buf, size_t len)
{
    const char *dash = strstr(err, " \xe2\x80\x94 ");

    snprintf(buf, len, "%.*s", dash != NULL ? (int)(dash - err)
                                            : (int)strlen(err), err);
    return buf;
}

static void
on_cli_error(struct rcli *c, const char *err, void *arg)
{
    struct pcr_side *s = arg;
    struct pc_redis *r = s->r;
    char cause[768], fix[384], buf[512];
    enum pcr_item item;

    (void)c;
    if (s->done) {
        return;
    }
    if (!s->answered) {
        item = s->connect_item;
        pcr_set(r, item, PRECHECK_FAILED, cause_of(err, buf, sizeof(buf)),
                pc_fmt(fix, sizeof(fix), "check that a Redis server "
                       "listens on %s and that the %s URL names it",
                       s->peer, s->role));
    } else {
        item = step_items[s->step];
        pcr_set(r, item, PRECHECK_FAILED,
                pc_fmt(cause, sizeof(cause), "the connection to the %s %s "
                       "broke while checking %s: %s", s->role, s->peer,
                       pcr_item_name(item), cause_of(err, buf, sizeof(buf))),
                pc_fmt(fix, sizeof(fix), "look at %s's log (a restart, a "
                       "crash, CLIENT KILL, timeout), then run the "
                       "prechecks again", s->peer));
    }
    clog(LOG_INFO, s->ctx, "%s failed: %s", pcr_item_name(item), err);
    pcr_skip_rest(s, item);
    side_done(s);
}

static void
on_timer(evutil_socket_t fd, short what, void *arg)
{
    struct pcr_side *s = arg;
    struct pc_redis *r = s->r;
    char cause[512], fix[384];
    enum pcr_item item;

    (void)fd;
    (void)what;
    if (s->done) {
        return;
    }
    if (s->sleeping) {
        s->sleeping = false;
        s->step++;
        s->iter = 0;
        pcr_side_next(s);
        return;
    }
    if (!s->answered) {
        item = s->connect_item;
        if (s->cli != NULL && rcli_ready(s->cli)) {
            pc_fmt(cause, sizeof(cause), "the %s %s took the connection but "
                   "gave no Redis answer within %u s", s->role, s->peer,
                   PRECHECK_CONNECT_MS / 1000);
        } else if (s->tls) {
            pc_fmt(cause, sizeof(cause), "no TLS session with the %s %s "
                   "within %u s: does it speak TLS on that port?", s->role,
                   s->peer, PRECHECK_CONNECT_MS / 1000);
        } else {
            pc_fmt(cause, sizeof(cause), "no connection to the %s %s within "
                   "%u s", s->role, s->peer, PRECHECK_CONNECT_MS / 1000);
        }
        pc_fmt(fix, sizeof(fix), "check that a Redis server listens on %s, "
               "that the %s URL names it and that the network lets tandem "
               "through", s->peer, s->role);
    } else {
        item = step_items[s->step];
        pc_fmt(cause, sizeof(cause), "the %s %s did not answer %s within "
               "%u s", s->role, s->peer, step_names[s->step],
               PRECHECK_QUERY_MS / 1000);
        pc_fmt(fix, sizeof(fix), "look at the load of %s (SLOWLOG GET, "
               "LATENCY DOCTOR), then run the prechecks again", s->peer);
    }
    pcr_set(r, item, PRECHECK_FAILED, cause, fix);
    clog(LOG_INFO, s->ctx, "%s failed: %s", pcr_item_name(item), cause);
    pcr_skip_rest(s, item);
    side_done(s);
}

static void
finish(struct pc_redis *r)
{
    struct precheck *p = r->p;
    size_t i;

    if (r->finished) {
        return;
    }
    r->finished = true;
    pcr_check_joined(r);
    for (i = 0; i < PCR_ITEM_COUNT; i++) {
        /* every item has a verdict by now; this only guards the report */
        pcr_set(r, (enum pcr_item)i, PRECHECK_WARNING, "not checked",
                "run the prechecks again");
    }
    p->report.items = r->items;
    p->report.n = PCR_ITEM_COUNT;
    p->finished = true;
    clog(LOG_INFO, r->src.ctx, "prechecks done: %s",
         precheck_report_failed(&p->report) ? "failed" : "passed");
    event_active(p->finish, EV_TIMEOUT, 1);
}

static void
side_done(struct pcr_side *s)
{
    struct pc_redis *r = s->r;

    if (s->done) {
        return;
    }
    s->done = true;
    s->sleeping = false;
    if (s->timer != NULL) {
        evtimer_del(s->timer);
    }
    rcli_free(s->cli);      /* deferred inside its own callback */
    s->cli = NULL;
    if (s->source && r->dst.waiting) {
        r->dst.waiting = false;
        pcr_side_next(&r->dst);
    }
    if (r->src.done && r->dst.done) {
        finish(r);
    }
}

/* ---- life cycle ---- */

/* <url> without its user info (NULL when out of memory): AUTH is sent
 * by the chain itself. */
static char *
url_without_login(const char *url)
{
    const char *sep = strstr(url, "://"), *auth, *end, *at = NULL, *q;
    size_t head;
    char *out;

    if (sep == NULL) {
        return strdup(url);
    }
    auth = sep + 3;
    end = auth + strcspn(auth, "/?#");
    /* the last '@' ends the user info, as url_parse() reads it */
    for (q = auth; q < end; q++) {
        if (*q == '@') {
            at = q;
        }
    }
    if (at == NULL) {
        return strdup(url);
    }
    head = (size_t)(auth - url);
    out = malloc(head + strlen(at + 1) + 1);
    if (out != NULL) {
        memcpy(out, url, head);
        strcpy(out + head, at + 1);
    }
    return out;
}

static int
side_init(struct pc_redis *r, struct pcr_side *s, bool source,
          const struct task_endpoint *ep)
{
    struct precheck *p = r->p;
    char err[256], cause[512], fix[256];
    char *plain;

    s->r = r;
    s->source = source;
    s->role = source ? "source" : "destination";
    s->dead = PCR_ITEM_COUNT;
    s->step = source ? PCR_SRC_AUTH : PCR_DST_AUTH;
    s->end = source ? PCR_SRC_END : PCR_DST_END;
    s->connect_item = source ? PCR_SOURCE_CONNECT : PCR_DEST_CONNECT;
    s->auth_item = source ? PCR_SOURCE_AUTH : PCR_DEST_AUTH;
    snprintf(s->ctx, sizeof(s->ctx), "task=%s precheck=%s", r->spec->name,
             s->role);
    s->timer = evtimer_new(p->base, on_timer, s);
    if (s->timer == NULL) {
        return -1;
    }
    if (url_parse(ep->url, &s->url, err, sizeof(err)) != 0) {
        pcr_set(r, s->connect_item, PRECHECK_FAILED,
                pc_fmt(cause, sizeof(cause), "the %s URL does not parse: %s",
                       s->role, err),
                "fix the URL in the task spec");
        pcr_skip_rest(s, s->connect_item);
        s->done = true;
        return 0;
    }
    snprintf(s->peer, sizeof(s->peer),
             s->url.host_is_ipv6 ? "[%s]:%u" : "%s:%u", s->url.host,
             (unsigned)s->url.port);
    /* as rcli reads it: rediss:// means TLS unless tls= says otherwise */
    s->tls = s->url.tls != URL_TLS_DISABLE ||
             (strcmp(s->url.scheme, "rediss") == 0 &&
              url_param(&s->url, "tls") == NULL);
    plain = url_without_login(ep->url);
    if (plain == NULL) {
        return -1;
    }
    s->cli = rcli_new(p->base, p->dns, plain,
                      source ? "redis source" : "redis destination", s->ctx,
                      on_ready, on_cli_error, s, err, sizeof(err));
    free(plain);
    if (s->cli == NULL) {
        pcr_set(r, s->connect_item, PRECHECK_FAILED,
                pc_fmt(cause, sizeof(cause), "the %s %s: %s", s->role,
                       s->peer, err),
                pc_fmt(fix, sizeof(fix), "fix the %s URL in the task spec",
                       s->role));
        pcr_skip_rest(s, s->connect_item);
        s->done = true;
    }
    return 0;
}

static void
side_start(struct pcr_side *s)
{
    char cause[384];

    if (s->done) {
        return;
    }
    if (rcli_start(s->cli) != 0) {
        pcr_set(s->r, s->connect_item, PRECHECK_FAILED,
                pc_fmt(cause, sizeof(cause), "cannot start connecting to the "
                       "%s %s", s->role, s->peer),
                "give the daemon more memory, then run the prechecks again");
        pcr_skip_rest(s, s->connect_item);
        side_done(s);
        return;
    }
    arm(s, PRECHECK_CONNECT_MS);
}

int
pc_redis_start(struct precheck *p)
{
    struct pc_redis *r = calloc(1, sizeof(*r));
    const struct task_spec *spec = p->spec;
    size_t i;

    if (r == NULL) {
        return -1;
    }
    p->redis = r;
    r->p = p;
    r->spec = spec;
    r->databases = -1;
    for (i = 0; i < PCR_ITEM_COUNT; i++) {
        r->items[i].item = pcr_item_name((enum pcr_item)i);
        r->items[i].cause = pc_text_dup(NULL);
        r->items[i].fix = pc_text_dup(NULL);
    }
    r->src.r = r->dst.r = r;
    r->src.dead = r->dst.dead = PCR_ITEM_COUNT;
    if (side_init(r, &r->src, true, &spec->source) != 0 ||
        side_init(r, &r->dst, false, &spec->destination) != 0) {
        return -1;
    }
    /* the account AUTH logs in as, which ACL DRYRUN and GETUSER name */
    snprintf(r->user, sizeof(r->user), "%s",
             r->src.url.password != NULL && r->src.url.user != NULL &&
                     r->src.url.user[0] != '\0'
                 ? r->src.url.user
                 : "default");
    /* dest_empty has nothing to look at unless a full sync may start
     * under "intercept" */
    if (!pcr_full_mode(r) || spec->existing_tables != TASK_EXISTING_INTERCEPT) {
        pcr_pass(r, PCR_DEST_EMPTY);
    }
    clog(LOG_INFO, r->src.ctx, "prechecks: source %s, destination %s",
         r->src.peer[0] ? r->src.peer : "?",
         r->dst.peer[0] ? r->dst.peer : "?");
    side_start(&r->src);
    side_start(&r->dst);
    if (r->src.done && r->dst.done) {
        finish(r);      /* done() still comes from the loop */
    }
    return 0;
}

static void
side_free(struct pcr_side *s)
{
    rcli_free(s->cli);
    s->cli = NULL;
    if (s->timer != NULL) {
        event_free(s->timer);
        s->timer = NULL;
    }
    url_free(&s->url);
    free(s->info);
    s->info = NULL;
}

void
pc_redis_free(struct pc_redis *r)
{
    size_t i;

    if (r == NULL) {
        return;
    }
    side_free(&r->src);
    side_free(&r->dst);
    for (i = 0; i < PCR_ITEM_COUNT; i++) {
        pc_text_free(r->items[i].cause);
        pc_text_free(r->items[i].fix);
    }
    free(r);
}
