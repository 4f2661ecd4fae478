/*
 * precheck_redis_items.c - the verdicts of a Redis task's prechecks (see
 * precheck.h for the items, precheck_redis.c for the commands): each
 * function reads one reply, or the facts both sides gathered, and decides
 * its items with a one-line cause and fix naming the server by
 * host:port.  Nothing here does I/O.
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

#include <hiredis/hiredis.h>

#include "proto/redis/resp.h"
#include "src/task/precheck_redis_int.h"

static const char *const item_names[PCR_ITEM_COUNT] = {
#define X(name, text) text,
    PCR_ITEMS(X)
#undef X
};

/* ---- small helpers ---- */

const char *
pcr_item_name(enum pcr_item id)
{
    return (unsigned)id < PCR_ITEM_COUNT ? item_names[id] : "unknown";
}

uint64_t
pcr_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
pcr_add_text(char *buf, size_t len, const char *fmt, ...)
{
    char piece[1024];
    size_t n = strlen(buf);
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(piece, sizeof(piece), fmt, ap);
    va_end(ap);
    if (piece[0] != '\0' && n + 1 < len) {
        snprintf(buf + n, len - n, "%s%s", n > 0 ? "; " : "", piece);
    }
}

/* An error reply's text, at most 200 bytes, for a cause. */
const char *
pcr_reply_text(const redisReply *rep, char *buf, size_t len)
{
    snprintf(buf, len, "%.200s", rep->str != NULL ? rep->str : "");
    return buf;
}

bool
pcr_is_error(const redisReply *rep)
{
    return rep->type == REDIS_REPLY_ERROR;
}

bool
pcr_starts(const redisReply *rep, const char *prefix)
{
    return rep->str != NULL &&
           strncasecmp(rep->str, prefix, strlen(prefix)) == 0;
}

/* The error reply's text (cut to 200 bytes, in <buf>), or <other> when
 * <rep> is not an error. */
static const char *
err_or(const redisReply *rep, const char *other, char *buf, size_t len)
{
    return pcr_is_error(rep) ? pcr_reply_text(rep, buf, len) : other;
}

/* ---- items ---- */

void
pcr_set(struct pc_redis *r, enum pcr_item id, enum precheck_status st,
        const char *cause, const char *fix)
{
    if ((unsigned)id >= PCR_ITEM_COUNT || r->set[id]) {
        return;
    }
    r->set[id] = true;
    r->items[id].status = st;
    r->items[id].cause = pc_text_dup(st == PRECHECK_PASSED ? NULL : cause);
    r->items[id].fix = pc_text_dup(st == PRECHECK_PASSED ? NULL : fix);
}

void
pcr_pass(struct pc_redis *r, enum pcr_item id)
{
    pcr_set(r, id, PRECHECK_PASSED, NULL, NULL);
}

void
pcr_skip(struct pc_redis *r, enum pcr_item id, enum pcr_item because)
{
    char cause[128], fix[128];

    pcr_set(r, id, PRECHECK_WARNING,
            pc_fmt(cause, sizeof(cause), "not checked because %s failed",
                   pcr_item_name(because)),
            pc_fmt(fix, sizeof(fix), "fix %s, then run the prechecks again",
                   pcr_item_name(because)));
}

/* Marks every undecided item of side <s> "not checked because <why>";
 * items judged beside the other side's facts are left to finish(). */
void
pcr_skip_rest(struct pcr_side *s, enum pcr_item why)
{
    static const enum pcr_item src_items[] = {
        PCR_SOURCE_CONNECT, PCR_SOURCE_AUTH, PCR_SOURCE_VERSION,
        PCR_SOURCE_PSYNC, PCR_SOURCE_BACKLOG,
    };
    static const enum pcr_item dst_items[] = {
        PCR_DEST_CONNECT, PCR_DEST_AUTH, PCR_DEST_VERSION, PCR_DEST_ROLE,
        PCR_DEST_MAXMEMORY_POLICY, PCR_DEST_DATABASES, PCR_DEST_EMPTY,
    };
    const enum pcr_item *v = s->source ? src_items : dst_items;
    size_t n = s->source ? sizeof(src_items) / sizeof(src_items[0])
                         : sizeof(dst_items) / sizeof(dst_items[0]);
    size_t i;

    for (i = 0; i < n; i++) {
        if (v[i] == PCR_DEST_VERSION && s->version_known) {
            continue;
        }
        pcr_skip(s->r, v[i], why);
    }
    if (s->dead == PCR_ITEM_COUNT) {
        s->dead = why;
    }
}

/* ---- pure helpers (precheck_redis_int.h) ---- */

bool
pcr_version_parse(const char *text, struct pcr_version *v)
{
    char *end;

    memset(v, 0, sizeof(*v));
    if (!isdigit((unsigned char)text[0])) {
        return false;
    }
    v->major = (unsigned)strtoul(text, &end, 10);
    if (*end != '.' || !isdigit((unsigned char)end[1])) {
        return false;
    }
    v->minor = (unsigned)strtoul(end + 1, &end, 10);
    if (*end == '.' && isdigit((unsigned char)end[1])) {
        v->patch = (unsigned)strtoul(end + 1, NULL, 10);
    }
    return true;
}

int
pcr_version_cmp(const struct pcr_version *a, const struct pcr_version *b)
{
    if (a->major != b->major) {
        return a->major < b->major ? -1 : 1;
    }
    if (a->minor != b->minor) {
        return a->minor < b->minor ? -1 : 1;
    }
    return 0;
}

bool
pcr_version_at_least(const struct pcr_version *v, unsigned major,
                     unsigned minor, unsigned patch)
{
    if (v->major != major) {
        return v->major > major;
    }
    if (v->minor != minor) {
        return v->minor > minor;
    }
    return v->patch >= patch;
}

bool
pcr_keyspace_next(const char *text, size_t len, size_t *pos, unsigned *db,
                  long long *keys)
{
    size_t i = *pos, j, k;
    unsigned long n;
    long long kn;

    while (i < len) {
        j = i;
        while (j < len && text[j] != '\n') {
            j++;
        }
        /* "db<digits>:keys=<digits>" */
        k = i + 2;
        if (j - i > 2 && memcmp(text + i, "db", 2) == 0 && k < j &&
            isdigit((unsigned char)text[k])) {
            n = 0;
            while (k < j && isdigit((unsigned char)text[k]) &&
                   n <= 1000000) {
                n = n * 10 + (unsigned long)(text[k++] - '0');
            }
            if (n <= 1000000 && j - k > 6 &&
                memcmp(text + k, ":keys=", 6) == 0 &&
                isdigit((unsigned char)text[k + 6])) {
                k += 6;
                kn = 0;
                while (k < j && isdigit((unsigned char)text[k]) &&
                       kn < (long long)1e15) {
                    kn = kn * 10 + (text[k++] - '0');
                }
                *db = (unsigned)n;
                *keys = kn;
                *pos = j < len ? j + 1 : j;
                return true;
            }
        }
        i = j < len ? j + 1 : j;
    }
    *pos = len;
    return false;
}

long long
pcr_keyspace_keys(const char *text, size_t len, unsigned db)
{
    size_t pos = 0;
    unsigned d;
    long long k;

    while (pcr_keyspace_next(text, len, &pos, &d, &k)) {
        if (d == db) {
            return k;
        }
    }
    return 0;
}

bool
pcr_acl_allows(const char *rules, const char *cmd, const char *const *cats)
{
    bool allowed = false;
    const char *p = rules, *t;
    size_t n, i;

    while (*p != '\0') {
        while (*p == ' ') {
            p++;
        }
        t = p;
        while (*p != '\0' && *p != ' ') {
            p++;
        }
        n = (size_t)(p - t);
        if (n < 2 || (t[0] != '+' && t[0] != '-')) {
            if ((n == 11 && strncasecmp(t, "allcommands", n) == 0)) {
                allowed = true;
            } else if (n == 10 && strncasecmp(t, "nocommands", n) == 0) {
                allowed = false;
            }
            continue;
        }
        if (t[1] == '@') {
            if (n == 5 && strncasecmp(t + 2, "all", 3) == 0) {
                allowed = t[0] == '+';
                continue;
            }
            for (i = 0; cats != NULL && cats[i] != NULL; i++) {
                if (strlen(cats[i]) == n - 2 &&
                    strncasecmp(t + 2, cats[i], n - 2) == 0) {
                    allowed = t[0] == '+';
                }
            }
            continue;
        }
        if (strlen(cmd) == n - 1 && strncasecmp(t + 1, cmd, n - 1) == 0) {
            allowed = t[0] == '+';
        }
    }
    return allowed;
}

enum pcr_probe
pcr_probe_kind(const char *err)
{
    if (err == NULL) {
        return PCR_PROBE_ALLOWED;
    }
    if (strncasecmp(err, "NOPERM", 6) == 0) {
        return PCR_PROBE_NOPERM;
    }
    if (strncasecmp(err, "ERR unknown command", 19) == 0) {
        return PCR_PROBE_UNKNOWN;
    }
    /* the argument checks each probe aims at: REPLCONF and SET answer
     * "syntax error", PSYNC ... FAILOVER one of its own two (6.2+,
     * replication.c syncCommand) */
    if (strncasecmp(err, "ERR syntax error", 16) == 0 ||
        strncasecmp(err, "ERR wrong number of arguments", 29) == 0 ||
        strncasecmp(err, "ERR PSYNC FAILOVER", 18) == 0) {
        return PCR_PROBE_ALLOWED;
    }
    return PCR_PROBE_OTHER;
}

static bool
info_u64(const char *text, size_t len, const char *key, uint64_t *out)
{
    char v[32], *end;

    if (!resp_info_field(text, len, key, v, sizeof(v)) ||
        !isdigit((unsigned char)v[0])) {
        return false;
    }
    errno = 0;
    *out = strtoull(v, &end, 10);
    return errno == 0;
}

void
pcr_sample_read(struct pcr_sample *s, const char *text, size_t len,
                uint64_t own, uint64_t at_ms)
{
    uint64_t active = 0;

    memset(s, 0, sizeof(*s));
    s->known = true;
    s->own = own;
    s->at_ms = at_ms;
    s->backlog_active = info_u64(text, len, "repl_backlog_active", &active) &&
                        active == 1;
    s->has_offset = info_u64(text, len, "master_repl_offset", &s->offset);
    s->has_input = info_u64(text, len, "total_net_input_bytes", &s->input);
}

bool
pcr_write_rate(const struct pcr_sample *a, const struct pcr_sample *b,
               double *bps, bool *exact)
{
    double secs;

    if (!a->known || !b->known || b->at_ms < a->at_ms + 100) {
        return false;
    }
    secs = (double)(b->at_ms - a->at_ms) / 1000.0;
    if (a->backlog_active && b->backlog_active && a->has_offset &&
        b->has_offset && b->offset >= a->offset) {
        *bps = (double)(b->offset - a->offset) / secs;
        *exact = true;
        return true;
    }
    if (a->has_input && b->has_input && b->input >= a->input) {
        uint64_t in = b->input - a->input;
        uint64_t own = b->own >= a->own ? b->own - a->own : 0;

        *bps = (double)(in > own ? in - own : 0) / secs;
        *exact = false;
        return true;
    }
    return false;
}

/* ---- the selection ---- */

bool
pcr_full_mode(const struct pc_redis *r)
{
    return r->spec->mode == TASK_MODE_FULL ||
           r->spec->mode == TASK_MODE_FULL_INCREMENTAL;
}

/* A walk over the destination databases the task writes. */
struct needed_walk {
    size_t k;       /* next entry of "objects" */
    size_t pos;     /* next byte of the source's INFO */
};

/* The next destination database the task writes: each "as" of
 * "objects", or without it each source database holding keys (from the
 * source's INFO, once pcr_needed_known()).  False past the last. */
static bool
needed_next(const struct pc_redis *r, struct needed_walk *w, unsigned *db)
{
    long long keys;
    unsigned d;

    if (r->spec->redis.ndbs > 0) {
        if (w->k >= r->spec->redis.ndbs) {
            return false;
        }
        *db = r->spec->redis.dbs[w->k++].as;
        return true;
    }
    while (pcr_keyspace_next(r->src.info, r->src.info_len, &w->pos, &d,
                             &keys)) {
        if (keys > 0) {
            *db = d;
            return true;
        }
    }
    return false;
}

/* True when the needed databases can be listed now. */
bool
pcr_needed_known(const struct pc_redis *r)
{
    return r->spec->redis.ndbs > 0 || r->src.info != NULL;
}

/* ---- source verdicts ---- */

static void
psync_bad(struct pc_redis *r, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Notes a refusal of what replication needs (source_psync fails). */
static void
psync_bad(struct pc_redis *r, const char *fix, const char *fmt, ...)
{
    char text[384];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    pcr_add_text(r->psync_bad, sizeof(r->psync_bad), "%s", text);
    if (strstr(r->psync_bad_fix, fix) == NULL) {
        pcr_add_text(r->psync_bad_fix, sizeof(r->psync_bad_fix), "%s", fix);
    }
}

static void
psync_warn(struct pc_redis *r, const char *fix, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Notes a trouble of the heartbeat, or a check that could not be made
 * (source_psync warns). */
static void
psync_warn(struct pc_redis *r, const char *fix, const char *fmt, ...)
{
    char text[384];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    pcr_add_text(r->psync_warn, sizeof(r->psync_warn), "%s", text);
    if (strstr(r->psync_warn_fix, fix) == NULL) {
        pcr_add_text(r->psync_warn_fix, sizeof(r->psync_warn_fix), "%s",
                     fix);
    }
}

static void
check_source_version(struct pc_redis *r, struct pcr_side *s)
{
    char cause[512], fix[256];

    if (!pcr_version_at_least(&s->version, 2, 8, 0)) {
        pcr_set(r, PCR_SOURCE_VERSION, PRECHECK_FAILED,
                pc_fmt(cause, sizeof(cause), "the source %s runs Redis %s: "
                       "replication with PSYNC needs Redis 2.8 or newer",
                       s->peer, s->version_text),
                pc_fmt(fix, sizeof(fix), "upgrade %s to Redis 2.8 or newer "
                       "(7.x is best)", s->peer));
        return;
    }
    pcr_pass(r, PCR_SOURCE_VERSION);
}

/* INFO's answer on either side: version, and the side's facts. */
static enum pcr_act
got_info(struct pcr_side *s, const redisReply *rep)
{
    struct pc_redis *r = s->r;
    enum pcr_item item = s->source ? PCR_SOURCE_VERSION : PCR_DEST_VERSION;
    char cause[512], fix[300], v[64], buf[256];

    if (pcr_is_error(rep) || rep->type != REDIS_REPLY_STRING) {
        pcr_set(r, item, PRECHECK_FAILED,
                pc_fmt(cause, sizeof(cause), "the %s %s refused INFO: %s",
                       s->role, s->peer,
                       err_or(rep, "not a text answer", buf, sizeof(buf))),
                pc_fmt(fix, sizeof(fix), "allow this account to run INFO "
                       "on %s (ACL +info): the task reads it", s->peer));
        pcr_skip_rest(s, item);
        return PCR_STOP;
    }
    if (!resp_info_field(rep->str, rep->len, "redis_version", v, sizeof(v)) ||
        !pcr_version_parse(v, &s->version)) {
        pcr_set(r, item, PRECHECK_FAILED,
                pc_fmt(cause, sizeof(cause), "the %s %s gives no "
                       "redis_version in INFO: is it a Redis server?",
                       s->role, s->peer),
                pc_fmt(fix, sizeof(fix), "point the %s URL at a Redis "
                       "server (2.8 or newer), not %s", s->role, s->peer));
        pcr_skip_rest(s, item);
        return PCR_STOP;
    }
    s->version_known = true;
    snprintf(s->version_text, sizeof(s->version_text), "%s", v);
    s->info = malloc(rep->len + 1);
    if (s->info == NULL) {
        pcr_set(r, item, PRECHECK_FAILED, "out of memory",
                "give the daemon more memory, then run the prechecks again");
        pcr_skip_rest(s, item);
        return PCR_STOP;
    }
    memcpy(s->info, rep->str, rep->len);
    s->info[rep->len] = '\0';
    s->info_len = rep->len;
    if (s->source) {
        pcr_sample_read(&r->s1, rep->str, rep->len, s->sent, pcr_now_ms());
        check_source_version(r, s);
        if (r->set[PCR_SOURCE_VERSION] &&
            r->items[PCR_SOURCE_VERSION].status == PRECHECK_FAILED) {
            pcr_skip_rest(s, PCR_SOURCE_VERSION);
            return PCR_STOP;
        }
        /* the destination may be waiting for the source's keyspace */
        if (r->dst.waiting) {
            r->dst.waiting = false;
            pcr_side_next(&r->dst);
        }
        return PCR_SKIP;
    }
    /* dest_role: a replica refuses writes (or loses them at its next
     * resynchronisation when replica-read-only is off) */
    if (resp_info_field(rep->str, rep->len, "role", v, sizeof(v))) {
        if (strcmp(v, "master") == 0) {
            pcr_pass(r, PCR_DEST_ROLE);
        } else {
            char mh[128] = "", mp[16] = "";

            resp_info_field(rep->str, rep->len, "master_host", mh,
                            sizeof(mh));
            resp_info_field(rep->str, rep->len, "master_port", mp,
                            sizeof(mp));
            pcr_set(r, PCR_DEST_ROLE, PRECHECK_FAILED,
                    pc_fmt(cause, sizeof(cause), "the destination %s is a "
                           "replica (role:%s) of %s:%s: it refuses writes, "
                           "or drops them at its next resynchronisation",
                           s->peer, v, mh[0] ? mh : "?", mp[0] ? mp : "?"),
                    pc_fmt(fix, sizeof(fix), "point the destination URL at "
                           "the master, or run REPLICAOF NO ONE on %s",
                           s->peer));
        }
    } else {
        pcr_set(r, PCR_DEST_ROLE, PRECHECK_WARNING,
                pc_fmt(cause, sizeof(cause), "the destination %s gives no "
                       "role in INFO: not checked", s->peer),
                pc_fmt(fix, sizeof(fix), "make sure %s is a master (INFO "
                       "replication)", s->peer));
    }
    return PCR_SKIP;
}

/* The fix for an account that lacks a replication permission. */
static const char *
grant_fix(const struct pcr_side *s, char *buf, size_t len)
{
    return pc_fmt(buf, len, "let user %s replicate on %s: ACL SETUSER %s "
                  "+psync +replconf (and in its ACL file)", s->r->user,
                  s->peer, s->r->user);
}

static const char *
rename_fix(const struct pcr_side *s, char *buf, size_t len)
{
    return pc_fmt(buf, len, "remove the rename-command of that command "
                  "from %s's config, then restart it", s->peer);
}

/* Sets source_psync from what the probes found. */
static void
check_psync(struct pc_redis *r, struct pcr_side *s)
{
    char cause[1024], fix[768];

    if (r->psync_bad[0] != '\0') {
        /* the heartbeat's troubles ride along: one report, every fix */
        snprintf(cause, sizeof(cause), "%s", r->psync_bad);
        snprintf(fix, sizeof(fix), "%s", r->psync_bad_fix);
        pcr_add_text(cause, sizeof(cause), "%s", r->psync_warn);
        pcr_add_text(fix, sizeof(fix), "%s", r->psync_warn_fix);
        pcr_set(r, PCR_SOURCE_PSYNC, PRECHECK_FAILED, cause, fix);
        return;
    }
    if (r->perm == PCR_PERM_UNKNOWN &&
        pcr_version_at_least(&s->version, 6, 0, 0)) {
        pc_fmt(cause, sizeof(cause), "whether user %s may run PSYNC on the "
               "source %s was not checked (%s)", r->user, s->peer,
               r->perm_note[0] ? r->perm_note : "no way to ask");
        pc_fmt(fix, sizeof(fix), "make sure user %s has +psync +replconf on "
               "%s (ACL GETUSER %s), or let it run ACL DRYRUN", r->user,
               s->peer, r->user);
        pcr_add_text(cause, sizeof(cause), "%s", r->psync_warn);
        pcr_add_text(fix, sizeof(fix), "%s", r->psync_warn_fix);
        pcr_set(r, PCR_SOURCE_PSYNC, PRECHECK_WARNING, cause, fix);
        return;
    }
    if (r->psync_warn[0] != '\0') {
        pcr_set(r, PCR_SOURCE_PSYNC, PRECHECK_WARNING, r->psync_warn,
                r->psync_warn_fix);
        return;
    }
    pcr_pass(r, PCR_SOURCE_PSYNC);
}

/* The heartbeat probe's answer: SET tandem:heartbeat 0 NX XX. */
static void
got_set_probe(struct pc_redis *r, struct pcr_side *s, const redisReply *rep)
{
    char buf[256], fix[300];

    switch (pcr_probe_kind(pcr_is_error(rep) ? rep->str : NULL)) {
    case PCR_PROBE_ALLOWED:
        break;
    case PCR_PROBE_NOPERM:
        psync_warn(r, pc_fmt(fix, sizeof(fix), "ACL SETUSER %s +set "
                             "~tandem:* on %s", r->user, s->peer),
                   "user %s may not write %s on the source %s (%s): the "
                   "delay is not measured", r->user, PCR_HEARTBEAT_KEY,
                   s->peer, pcr_reply_text(rep, buf, sizeof(buf)));
        break;
    case PCR_PROBE_UNKNOWN:
        psync_warn(r, rename_fix(s, fix, sizeof(fix)), "SET is renamed or "
                   "disabled on the source %s: %s cannot be written and the "
                   "delay is not measured", s->peer, PCR_HEARTBEAT_KEY);
        break;
    default:
        if (pcr_starts(rep, "READONLY")) {
            /* a replica's own writes reach none of its replicas (Redis
             * 4.0+), so the heartbeat would not come back either */
            psync_warn(r, pc_fmt(fix, sizeof(fix), "replicate from the "
                                 "master of %s to measure the delay",
                                 s->peer),
                       "the source %s is a read-only replica: %s cannot be "
                       "written there and the delay is not measured",
                       s->peer, PCR_HEARTBEAT_KEY);
            break;
        }
        psync_warn(r, pc_fmt(fix, sizeof(fix), "clear what %s reports, "
                             "then run the prechecks again", s->peer),
                   "the source %s refuses SET %s (%s): the delay is not "
                   "measured", s->peer, PCR_HEARTBEAT_KEY,
                   pcr_reply_text(rep, buf, sizeof(buf)));
        break;
    }
    check_psync(r, s);
}

/* The source's answers about PSYNC and REPLCONF. */
static enum pcr_act
got_psync_step(struct pcr_side *s, const redisReply *rep)
{
    static const char *const names[2] = {"PSYNC", "REPLCONF"};
    static const char *const psync_cats[] = {"admin", "slow", "dangerous",
                                             NULL};
    struct pc_redis *r = s->r;
    char buf[256], fix[300];
    size_t i;

    switch (s->step) {
    case PCR_SRC_COMMAND:
        /* COMMAND INFO answers nil for a command renamed or disabled
         * (rename-command psync ""); a refusal of COMMAND tells nothing */
        for (i = 0; rep->type == REDIS_REPLY_ARRAY && i < rep->elements &&
                    i < 2; i++) {
            if (rep->element[i]->type == REDIS_REPLY_NIL) {
                psync_bad(r, rename_fix(s, fix, sizeof(fix)), "%s is renamed "
                          "or disabled on the source %s (rename-command)",
                          names[i], s->peer);
                r->psync_renamed = r->psync_renamed || i == 0;
            }
        }
        return PCR_SKIP;
    case PCR_SRC_REPLCONF:
        switch (pcr_probe_kind(pcr_is_error(rep) ? rep->str : NULL)) {
        case PCR_PROBE_ALLOWED:
            break;
        case PCR_PROBE_NOPERM:
            psync_bad(r, grant_fix(s, fix, sizeof(fix)), "user %s may not "
                      "run REPLCONF on the source %s (%s)", r->user, s->peer,
                      pcr_reply_text(rep, buf, sizeof(buf)));
            break;
        case PCR_PROBE_UNKNOWN:
            if (strstr(r->psync_bad, "REPLCONF is renamed") == NULL) {
                psync_bad(r, rename_fix(s, fix, sizeof(fix)), "REPLCONF is "
                          "renamed or disabled on the source %s "
                          "(rename-command)", s->peer);
            }
            break;
        default:
            psync_warn(r, pc_fmt(fix, sizeof(fix), "clear what %s reports, "
                                 "then run the prechecks again", s->peer),
                       "REPLCONF could not be tried on the source %s (%s)",
                       s->peer, pcr_reply_text(rep, buf, sizeof(buf)));
            break;
        }
        return PCR_SKIP;
    case PCR_SRC_DRYRUN:
        /* +OK, or a bulk string saying why not (Redis 7.0+) */
        if (rep->type == REDIS_REPLY_STATUS) {
            r->perm = PCR_PERM_ALLOWED;
        } else if (rep->type == REDIS_REPLY_STRING) {
            r->perm = PCR_PERM_DENIED;
            psync_bad(r, grant_fix(s, fix, sizeof(fix)), "user %s may not "
                      "run PSYNC on the source %s (ACL DRYRUN: %.200s)",
                      r->user, s->peer, rep->str);
        } else {
            pc_fmt(r->perm_note, sizeof(r->perm_note), "ACL DRYRUN: %s",
                   err_or(rep, "no answer", buf, sizeof(buf)));
        }
        return PCR_SKIP;
    case PCR_SRC_GETUSER:
        /* Redis 6.0/6.1: [..., "commands", "+@all -psync", ...] */
        if (rep->type != REDIS_REPLY_ARRAY) {
            pc_fmt(r->perm_note, sizeof(r->perm_note), "ACL GETUSER: %s",
                   err_or(rep, "no such user", buf, sizeof(buf)));
            return PCR_SKIP;
        }
        for (i = 0; i + 1 < rep->elements; i += 2) {
            if (rep->element[i]->type == REDIS_REPLY_STRING &&
                strcmp(rep->element[i]->str, "commands") == 0 &&
                rep->element[i + 1]->type == REDIS_REPLY_STRING) {
                if (pcr_acl_allows(rep->element[i + 1]->str, "psync",
                                   psync_cats)) {
                    r->perm = PCR_PERM_ALLOWED;
                } else {
                    r->perm = PCR_PERM_DENIED;
                    psync_bad(r, grant_fix(s, fix, sizeof(fix)), "user %s "
                              "may not run PSYNC on the source %s (its ACL "
                              "rules: %.200s)", r->user, s->peer,
                              rep->element[i + 1]->str);
                }
                return PCR_SKIP;
            }
        }
        pc_fmt(r->perm_note, sizeof(r->perm_note), "ACL GETUSER gave no "
               "command rules");
        return PCR_SKIP;
    case PCR_SRC_PSYNC:
        switch (pcr_probe_kind(pcr_is_error(rep) ? rep->str : NULL)) {
        case PCR_PROBE_ALLOWED:
            r->perm = PCR_PERM_ALLOWED;
            break;
        case PCR_PROBE_NOPERM:
            r->perm = PCR_PERM_DENIED;
            psync_bad(r, grant_fix(s, fix, sizeof(fix)), "user %s may not "
                      "run PSYNC on the source %s (%s)", r->user, s->peer,
                      pcr_reply_text(rep, buf, sizeof(buf)));
            break;
        case PCR_PROBE_UNKNOWN:
            psync_bad(r, rename_fix(s, fix, sizeof(fix)), "PSYNC is renamed "
                      "or disabled on the source %s (rename-command)",
                      s->peer);
            break;
        default:
            pc_fmt(r->perm_note, sizeof(r->perm_note), "PSYNC could not be "
                   "tried: %s", pcr_reply_text(rep, buf, sizeof(buf)));
            break;
        }
        return PCR_SKIP;
    case PCR_SRC_SET:
        got_set_probe(r, s, rep);
        return PCR_SKIP;
    default:
        return PCR_SKIP;
    }
}

/* "1.5 MiB" */
static const char *
human_bytes(double n, char *buf, size_t len)
{
    if (n >= 1024.0 * 1024.0) {
        return pc_fmt(buf, len, "%.1f MiB", n / (1024.0 * 1024.0));
    }
    if (n >= 1024.0) {
        return pc_fmt(buf, len, "%.1f KiB", n / 1024.0);
    }
    return pc_fmt(buf, len, "%.0f bytes", n);
}

/* The second sample read: source_backlog. */
static void
check_backlog(struct pc_redis *r, struct pcr_side *s)
{
    char cause[768], fix[384], size[32], rate[32], want[32];
    double bps, need, secs;
    uint64_t suggest;
    bool exact;

    if (!pcr_write_rate(&r->s1, &r->s2, &bps, &exact)) {
        pcr_set(r, PCR_SOURCE_BACKLOG, PRECHECK_WARNING,
                pc_fmt(cause, sizeof(cause), "the source %s gives neither "
                       "master_repl_offset nor total_net_input_bytes in "
                       "INFO: its write rate was not measured", s->peer),
                pc_fmt(fix, sizeof(fix), "make sure repl-backlog-size on %s "
                       "holds %d s of its writes", s->peer,
                       PCR_BACKLOG_SECONDS));
        return;
    }
    need = bps * PCR_BACKLOG_SECONDS;
    if ((double)r->backlog_size >= need) {
        pcr_pass(r, PCR_SOURCE_BACKLOG);
        return;
    }
    /* at least twice the need, rounded up to a MiB */
    suggest = ((uint64_t)(need * 2) + (1u << 20) - 1) & ~(uint64_t)0xfffff;
    secs = bps > 0 ? (double)r->backlog_size / bps : 0;
    pcr_set(r, PCR_SOURCE_BACKLOG, PRECHECK_WARNING,
            pc_fmt(cause, sizeof(cause), "repl-backlog-size on the source %s "
                   "(%s) holds about %.0f s of its writes (%s/s over %.1f "
                   "s, %s): a link cut for longer than that forces a new "
                   "full sync", s->peer,
                   human_bytes((double)r->backlog_size, size, sizeof(size)),
                   secs, human_bytes(bps, rate, sizeof(rate)),
                   (double)(r->s2.at_ms - r->s1.at_ms) / 1000.0,
                   exact ? "its replication stream"
                         : "its clients' input, reads included"),
            pc_fmt(fix, sizeof(fix), "raise it on %s to hold %d s: CONFIG "
                   "SET repl-backlog-size %" PRIu64 " (%s), and in its "
                   "config file", s->peer, PCR_BACKLOG_SECONDS, suggest,
                   human_bytes((double)suggest, want, sizeof(want))));
}

static enum pcr_act
got_backlog_step(struct pcr_side *s, const redisReply *rep)
{
    struct pc_redis *r = s->r;
    char cause[512], fix[300], buf[256];

    if (s->step == PCR_SRC_INFO2) {
        if (rep->type != REDIS_REPLY_STRING) {
            pcr_set(r, PCR_SOURCE_BACKLOG, PRECHECK_WARNING,
                    pc_fmt(cause, sizeof(cause), "the source %s did not "
                           "answer the second INFO (%s): its write rate was "
                           "not measured", s->peer,
                           err_or(rep, "not a text answer", buf, sizeof(buf))),
                    pc_fmt(fix, sizeof(fix), "make sure repl-backlog-size "
                           "on %s holds %d s of its writes", s->peer,
                           PCR_BACKLOG_SECONDS));
            return PCR_STOP;
        }
        pcr_sample_read(&r->s2, rep->str, rep->len, s->sent, pcr_now_ms());
        check_backlog(r, s);
        return PCR_SKIP;
    }
    /* CONFIG GET repl-backlog-size: ["repl-backlog-size", "1048576"] */
    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 2 ||
        rep->element[1]->type != REDIS_REPLY_STRING ||
        !isdigit((unsigned char)rep->element[1]->str[0])) {
        pcr_set(r, PCR_SOURCE_BACKLOG, PRECHECK_WARNING,
                pc_fmt(cause, sizeof(cause), "not checked: the source %s "
                       "does not tell its repl-backlog-size (CONFIG GET: "
                       "%s)", s->peer,
                       err_or(rep, "no such setting", buf, sizeof(buf))),
                pc_fmt(fix, sizeof(fix), "allow CONFIG GET to this account "
                       "on %s, or make sure its repl-backlog-size holds %d "
                       "s of its writes", s->peer, PCR_BACKLOG_SECONDS));
        return PCR_STOP;
    }
    r->backlog_size = strtoull(rep->element[1]->str, NULL, 10);
    return PCR_SKIP;
}

/* ---- destination verdicts ---- */

static enum pcr_act
got_config(struct pcr_side *s, const redisReply *rep)
{
    struct pc_redis *r = s->r;
    char cause[512], fix[300], buf[256];
    const char *v;

    if (rep->type != REDIS_REPLY_ARRAY || rep->elements < 2 ||
        rep->element[1]->type != REDIS_REPLY_STRING) {
        if (s->step == PCR_DST_DATABASES) {
            return PCR_SKIP;    /* SELECT tells it later */
        }
        pcr_set(r, PCR_DEST_MAXMEMORY_POLICY, PRECHECK_WARNING,
                pc_fmt(cause, sizeof(cause), "not checked: the destination "
                       "%s does not tell its maxmemory-policy (CONFIG GET: "
                       "%s)", s->peer,
                       err_or(rep, "no such setting", buf, sizeof(buf))),
                pc_fmt(fix, sizeof(fix), "allow CONFIG GET to this account "
                       "on %s, or make sure its maxmemory-policy is "
                       "noeviction", s->peer));
        return PCR_SKIP;
    }
    v = rep->element[1]->str;
    if (s->step == PCR_DST_DATABASES) {
        r->databases = isdigit((unsigned char)v[0]) ? strtoll(v, NULL, 10)
                                                    : -1;
        return PCR_SKIP;
    }
    if (strcasecmp(v, "noeviction") == 0) {
        pcr_pass(r, PCR_DEST_MAXMEMORY_POLICY);
        return PCR_SKIP;
    }
    pcr_set(r, PCR_DEST_MAXMEMORY_POLICY, PRECHECK_WARNING,
            pc_fmt(cause, sizeof(cause), "maxmemory-policy is %.64s on the "
                   "destination %s: keys may be evicted at the destination",
                   v, s->peer),
            pc_fmt(fix, sizeof(fix), "set maxmemory-policy noeviction on %s "
                   "(CONFIG SET maxmemory-policy noeviction, and in its "
                   "config file)", s->peer));
    return PCR_SKIP;
}

/* dest_empty could not be found out: a warning naming <what>. */
static enum pcr_act
empty_unknown(struct pcr_side *s, const char *cmd, const redisReply *rep)
{
    char cause[512], fix[300], buf[256];

    pcr_set(s->r, PCR_DEST_EMPTY, PRECHECK_WARNING,
            pc_fmt(cause, sizeof(cause), "not checked: the destination %s "
                   "refused %s (%s)", s->peer, cmd,
                   err_or(rep, "unexpected answer", buf, sizeof(buf))),
            pc_fmt(fix, sizeof(fix), "allow %s to this account on %s, or "
                   "make sure the destination databases are empty", cmd,
                   s->peer));
    return PCR_SKIP;
}

static enum pcr_act
got_empty_step(struct pcr_side *s, const redisReply *rep)
{
    struct pc_redis *r = s->r;
    const redisReply *keys;
    size_t i;

    switch (s->step) {
    case PCR_DST_SELECT0:
        return pcr_is_error(rep) ? empty_unknown(s, "SELECT 0", rep) : PCR_SKIP;
    case PCR_DST_CHECKPOINT:
    case PCR_DST_MARK:
        if (rep->type != REDIS_REPLY_INTEGER) {
            return empty_unknown(s, "EXISTS", rep);
        }
        if (rep->integer > 0) {
            /* a checkpoint: the task resumes; a mark: the full sync it
             * cut short starts over on what it wrote (rtask.c) */
            pcr_pass(r, PCR_DEST_EMPTY);
        }
        return PCR_SKIP;
    case PCR_DST_SCAN:
        /* [cursor, [key, ...]]: stop at the first key not tandem's */
        if (rep->type != REDIS_REPLY_ARRAY || rep->elements != 2 ||
            rep->element[0]->type != REDIS_REPLY_STRING ||
            rep->element[1]->type != REDIS_REPLY_ARRAY) {
            return empty_unknown(s, "SCAN", rep);
        }
        keys = rep->element[1];
        for (i = 0; i < keys->elements; i++) {
            const redisReply *k = keys->element[i];

            if (k->type == REDIS_REPLY_STRING &&
                (k->len < strlen(PCR_KEY_PREFIX) ||
                 memcmp(k->str, PCR_KEY_PREFIX, strlen(PCR_KEY_PREFIX)) !=
                     0)) {
                snprintf(r->foreign_key, sizeof(r->foreign_key), "%.*s%s",
                         (int)(k->len > PCR_KEY_SHOWN ? PCR_KEY_SHOWN
                                                      : k->len),
                         k->str, k->len > PCR_KEY_SHOWN ? "..." : "");
                r->scan_done = true;
                return PCR_SKIP;
            }
        }
        snprintf(s->cursor, sizeof(s->cursor), "%.20s",
                 rep->element[0]->str);
        if (strcmp(s->cursor, "0") == 0) {
            r->scan_done = true;
            return PCR_SKIP;
        }
        if (++s->iter >= PCR_SCAN_MAX) {
            char cause[384], fix[256];

            pcr_set(r, PCR_DEST_EMPTY, PRECHECK_WARNING,
                    pc_fmt(cause, sizeof(cause), "not checked: database 0 "
                           "of the destination %s holds too many %s* keys "
                           "to tell from others in %d SCAN calls", s->peer,
                           PCR_KEY_PREFIX, PCR_SCAN_MAX),
                    pc_fmt(fix, sizeof(fix), "delete the %s* keys no task "
                           "uses from %s", PCR_KEY_PREFIX, s->peer));
            return PCR_SKIP;
        }
        return PCR_AGAIN;
    default:
        return PCR_SKIP;
    }
}

/* Whether destination database 0 is one the task writes. */
bool
pcr_writes_db0(const struct pc_redis *r)
{
    size_t i;

    for (i = 0; i < r->spec->redis.ndbs; i++) {
        if (r->spec->redis.dbs[i].as == 0) {
            return true;
        }
    }
    return r->spec->redis.ndbs == 0;
}

/* The highest destination database the task writes; false: none. */
bool
pcr_highest_db(const struct pc_redis *r, unsigned *db)
{
    struct needed_walk w = {0, 0};
    unsigned d;
    bool any = false;

    while (needed_next(r, &w, &d)) {
        if (!any || d > *db) {
            *db = d;
        }
        any = true;
    }
    return any;
}

/*
 * SELECT n when CONFIG GET databases was refused: n < databases is the
 * only way SELECT n succeeds, so the highest database written is tried
 * first, and when it is out of range a bisection between the highest
 * known good one and the lowest known bad one finds the count.
 */
static enum pcr_act
got_select(struct pcr_side *s, const redisReply *rep)
{
    struct pc_redis *r = s->r;
    char buf[256];

    if (!pcr_is_error(rep)) {
        r->db_lo = s->probe_db;
    } else if (strstr(rep->str, "out of range") != NULL ||
               strstr(rep->str, "invalid DB index") != NULL) {
        r->db_hi = s->probe_db;
        r->db_hi_known = true;
    } else {
        pc_fmt(r->select_err, sizeof(r->select_err), "SELECT %u: %s",
               s->probe_db, pcr_reply_text(rep, buf, sizeof(buf)));
        return PCR_SKIP;
    }
    if (!r->db_hi_known) {
        r->databases = -1;      /* every database written exists */
        r->dbs_fit = true;
        return PCR_SKIP;
    }
    if (r->db_hi - r->db_lo <= 1) {
        r->databases = r->db_hi;
        return PCR_SKIP;
    }
    return PCR_AGAIN;
}

/* ---- replies ---- */

/* AUTH refused (or NOAUTH when the URL gave no password). */
void
pcr_auth_failed(struct pcr_side *s, const redisReply *rep)
{
    bool user = s->url.user[0] != '\0' && s->url.password != NULL;
    char cause[512], fix[384], buf[256];
    const char *t = pcr_reply_text(rep, buf, sizeof(buf));

    if (s->url.password == NULL) {
        pc_fmt(cause, sizeof(cause), "the %s %s requires a password and the "
               "%s URL has none (%s)", s->role, s->peer, s->role, t);
        pc_fmt(fix, sizeof(fix), "put the password of %s in the %s URL "
               "(with the user name too for an ACL user)", s->peer,
               s->role);
    } else if (strcasestr(t, "without any password configured") != NULL ||
               strcasestr(t, "no password is set") != NULL) {
        pc_fmt(cause, sizeof(cause), "the %s %s has no password set but the "
               "%s URL gives one (%s)", s->role, s->peer, s->role, t);
        pc_fmt(fix, sizeof(fix), "remove the password from the %s URL, or "
               "set requirepass on %s", s->role, s->peer);
    } else if (user && strcasestr(t, "wrong number of arguments") != NULL) {
        pc_fmt(cause, sizeof(cause), "the %s %s has no ACL users (Redis "
               "before 6.0) but the %s URL names user %s", s->role, s->peer,
               s->role, s->url.user);
        pc_fmt(fix, sizeof(fix), "drop the user name from the %s URL, "
               "keep the password of %s", s->role, s->peer);
    } else {
        pc_fmt(cause, sizeof(cause), "the %s %s refused the %s of the %s URL "
               "(%s)", s->role, s->peer, user ? "user and password" :
               "password", s->role, t);
        pc_fmt(fix, sizeof(fix), "put the right %s in the %s URL, or set it "
               "on %s (%s)", user ? "user and password" : "password",
               s->role, s->peer, user ? "ACL SETUSER" : "requirepass");
    }
    pcr_set(s->r, s->auth_item, PRECHECK_FAILED, cause, fix);
    pcr_skip_rest(s, s->auth_item);
}

enum pcr_act
pcr_got_reply(struct pcr_side *s, const redisReply *rep)
{
    switch (s->step) {
    case PCR_SRC_AUTH:
    case PCR_DST_AUTH:
        if (pcr_is_error(rep)) {
            pcr_auth_failed(s, rep);
            return PCR_STOP;
        }
        s->authed = true;
        pcr_pass(s->r, s->auth_item);
        return PCR_SKIP;
    case PCR_SRC_INFO:
    case PCR_DST_INFO:
        return got_info(s, rep);
    case PCR_SRC_COMMAND:
    case PCR_SRC_REPLCONF:
    case PCR_SRC_DRYRUN:
    case PCR_SRC_GETUSER:
    case PCR_SRC_PSYNC:
    case PCR_SRC_SET:
        return got_psync_step(s, rep);
    case PCR_SRC_CONFIG:
    case PCR_SRC_INFO2:
        return got_backlog_step(s, rep);
    case PCR_DST_POLICY:
    case PCR_DST_DATABASES:
        return got_config(s, rep);
    case PCR_DST_SELECT0:
    case PCR_DST_CHECKPOINT:
    case PCR_DST_MARK:
    case PCR_DST_SCAN:
        return got_empty_step(s, rep);
    case PCR_DST_SELECT:
        return got_select(s, rep);
    default:
        return PCR_SKIP;
    }
}

/* ---- the end ---- */

static void
check_dest_version(struct pc_redis *r)
{
    struct pcr_side *d = &r->dst, *s = &r->src;
    char cause[512], fix[384];

    if (r->set[PCR_DEST_VERSION] || !d->version_known) {
        return;
    }
    if (!pcr_version_at_least(&d->version, 2, 8, 0)) {
        pcr_set(r, PCR_DEST_VERSION, PRECHECK_FAILED,
                pc_fmt(cause, sizeof(cause), "the destination %s runs Redis "
                       "%s: tandem writes to Redis 2.8 or newer", d->peer,
                       d->version_text),
                pc_fmt(fix, sizeof(fix), "upgrade %s to Redis 2.8 or newer",
                       d->peer));
        return;
    }
    if (!s->version_known) {
        pcr_skip(r, PCR_DEST_VERSION, s->dead != PCR_ITEM_COUNT
                                          ? s->dead : PCR_SOURCE_VERSION);
        return;
    }
    if (pcr_version_cmp(&d->version, &s->version) < 0) {
        pcr_set(r, PCR_DEST_VERSION, PRECHECK_FAILED,
                pc_fmt(cause, sizeof(cause), "the destination %s runs Redis "
                       "%s, older than the source's %s: its RESTORE "
                       "payloads and commands may not load there", d->peer,
                       d->version_text, s->version_text),
                pc_fmt(fix, sizeof(fix), "upgrade %s to Redis %u.%u or "
                       "newer, or choose a destination at least as new as "
                       "the source", d->peer, s->version.major,
                       s->version.minor));
        return;
    }
    pcr_pass(r, PCR_DEST_VERSION);
}

static void
check_dest_databases(struct pc_redis *r)
{
    struct pcr_side *d = &r->dst;
    char cause[768], fix[384];
    struct needed_walk w = {0, 0};
    struct pc_list bad;
    unsigned db, top = 0;

    if (r->set[PCR_DEST_DATABASES]) {
        return;
    }
    if (!pcr_needed_known(r)) {
        pcr_skip(r, PCR_DEST_DATABASES, r->src.dead != PCR_ITEM_COUNT
                                            ? r->src.dead
                                            : PCR_SOURCE_VERSION);
        return;
    }
    if (r->dbs_fit) {
        pcr_pass(r, PCR_DEST_DATABASES);
        return;
    }
    if (r->databases < 0) {
        pcr_set(r, PCR_DEST_DATABASES, PRECHECK_WARNING,
                pc_fmt(cause, sizeof(cause), "not checked: the destination "
                       "%s tells neither its databases setting (CONFIG GET) "
                       "nor which SELECT works (%s)", d->peer,
                       r->select_err[0] ? r->select_err : "no answer"),
                pc_fmt(fix, sizeof(fix), "allow CONFIG GET or SELECT to "
                       "this account on %s", d->peer));
        return;
    }
    memset(&bad, 0, sizeof(bad));
    while (needed_next(r, &w, &db)) {
        if ((long long)db >= r->databases) {
            pc_list_add(&bad, "%u", db);
            top = db > top ? db : top;
        }
    }
    if (bad.n == 0) {
        pcr_pass(r, PCR_DEST_DATABASES);
        return;
    }
    pcr_set(r, PCR_DEST_DATABASES, PRECHECK_FAILED,
            pc_fmt(cause, sizeof(cause), "the destination %s has %lld "
                   "databases (databases %lld) and the task writes database%s "
                   "%s", d->peer, r->databases, r->databases,
                   bad.n > 1 ? "s" : "", pc_list_text(&bad)),
            pc_fmt(fix, sizeof(fix), "raise databases on %s to at least %u "
                   "(its config file, then a restart), or map %s to lower "
                   "numbers with \"as\" in \"objects\"", d->peer, top + 1,
                   bad.n > 1 ? "them" : "it"));
}

/* Adds destination database <db> to <l> when it holds keys that are not
 * tandem's. */
static void
empty_db(struct pc_redis *r, struct pc_list *l, unsigned db)
{
    long long keys = pcr_keyspace_keys(r->dst.info, r->dst.info_len, db);

    if (keys == 0) {
        return;
    }
    if (db != 0) {
        pc_list_add(l, "%u (%lld key%s)", db, keys, keys > 1 ? "s" : "");
    } else if (r->foreign_key[0] != '\0') {
        pc_list_add(l, "0 (%lld key%s, among them \"%s\")", keys,
                    keys > 1 ? "s" : "", r->foreign_key);
    }
}

static void
check_dest_empty(struct pc_redis *r)
{
    struct pcr_side *d = &r->dst;
    char cause[768], fix[384];
    struct pc_list l;
    long long keys;
    size_t pos = 0, i;
    unsigned db;

    if (r->set[PCR_DEST_EMPTY] || d->info == NULL) {
        return;
    }
    if (pcr_writes_db0(r) && !r->scan_done &&
        pcr_keyspace_keys(d->info, d->info_len, 0) > 0) {
        return;     /* SCAN gave no verdict: finish() marks it */
    }
    memset(&l, 0, sizeof(l));
    for (i = 0; i < r->spec->redis.ndbs; i++) {
        empty_db(r, &l, r->spec->redis.dbs[i].as);
    }
    while (r->spec->redis.ndbs == 0 &&
           pcr_keyspace_next(d->info, d->info_len, &pos, &db, &keys)) {
        empty_db(r, &l, db);
    }
    if (l.n == 0) {
        pcr_pass(r, PCR_DEST_EMPTY);
        return;
    }
    pcr_set(r, PCR_DEST_EMPTY, PRECHECK_FAILED,
            pc_fmt(cause, sizeof(cause), "existing_tables is \"intercept\" "
                   "and the destination %s holds keys in database%s %s",
                   d->peer, l.n > 1 ? "s" : "", pc_list_text(&l)),
            pc_fmt(fix, sizeof(fix), "empty %s on %s (FLUSHDB), or set "
                   "\"existing_tables\": \"ignore\" to overwrite keys",
                   l.n > 1 ? "them" : "it", d->peer));
}

void
pcr_check_joined(struct pc_redis *r)
{
    check_dest_version(r);
    if (r->dst.dead != PCR_ITEM_COUNT) {
        return;     /* its other items are "not checked" already */
    }
    check_dest_databases(r);
    check_dest_empty(r);
}
