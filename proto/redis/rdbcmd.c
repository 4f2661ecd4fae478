/*
 * rdbcmd.c - RDB keys to Redis commands (see rdbcmd.h).
 *
 * A command under construction is a list of arguments in c->args; the
 * first c->fixed of them (e.g. "RPUSH", key) are repeated when a big key
 * is split.  Arguments are appended as bytes, and the views handed to the
 * callback are made only at emission, once no append can move them.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/redis/rdb.h"
#include "proto/redis/rdbcmd.h"

#define DEFAULT_MAX_ITEMS 512
#define DEFAULT_MAX_BYTES (1u << 20)

static int
fail(struct rdbcmd *c, const char *what)
{
    snprintf(c->err, sizeof(c->err), "%s", what);
    return -1;
}

static size_t
max_items(const struct rdbcmd *c)
{
    return c->opts.max_items != 0 ? c->opts.max_items : DEFAULT_MAX_ITEMS;
}

static size_t
max_bytes(const struct rdbcmd *c)
{
    return c->opts.max_bytes != 0 ? c->opts.max_bytes : DEFAULT_MAX_BYTES;
}

static bool
target_at_least(const struct rdbcmd *c, int major)
{
    return c->opts.target_major == 0 || c->opts.target_major >= major;
}

/* Appends one argument to the pending command. */
static int
arg(struct rdbcmd *c, const void *p, size_t n)
{
    size_t *q;

    if (c->nargs == c->cap_args) {
        q = realloc(c->arg_len, (c->cap_args * 2 + 16) * sizeof(*q));
        if (q == NULL) {
            return fail(c, "out of memory");
        }
        c->arg_len = q;
        c->cap_args = c->cap_args * 2 + 16;
    }
    pbuf_put(&c->args, p, n);
    if (c->args.failed) {
        return fail(c, "out of memory");
    }
    c->arg_len[c->nargs++] = n;
    return 0;
}

static int
arg_str(struct rdbcmd *c, const char *s)
{
    return arg(c, s, strlen(s));
}

static int
arg_u64(struct rdbcmd *c, uint64_t v)
{
    char t[24];

    return arg(c, t,
               (size_t)snprintf(t, sizeof(t), "%llu", (unsigned long long)v));
}

static int
arg_i64(struct rdbcmd *c, int64_t v)
{
    char t[24];

    return arg(c, t, (size_t)snprintf(t, sizeof(t), "%lld", (long long)v));
}

static int
arg_id(struct rdbcmd *c, uint64_t ms, uint64_t seq)
{
    char t[48];

    return arg(c, t,
               (size_t)snprintf(t, sizeof(t), "%llu-%llu",
                                (unsigned long long)ms,
                                (unsigned long long)seq));
}

/* A double as the shortest text that reads back to it ("inf" and "-inf"
 * as Redis writes them). */
static int
arg_double(struct rdbcmd *c, double v)
{
    char t[40];
    int prec;

    if (isinf(v)) {
        return arg_str(c, v > 0 ? "inf" : "-inf");
    }
    if (isnan(v)) {
        return fail(c, "a sorted set score is NaN");
    }
    for (prec = 15; prec <= 17; prec++) {
        snprintf(t, sizeof(t), "%.*g", prec, v);
        if (strtod(t, NULL) == v) {
            break;
        }
    }
    return arg_str(c, t);
}

static int
arg_key(struct rdbcmd *c)
{
    return arg(c, c->key.data, c->key.len);
}

/* Starts a command: <name> and the key, <fixed> of them kept on splits
 * (1: only the name, 2: name and key). */
static int
begin(struct rdbcmd *c, const char *name, size_t fixed)
{
    c->args.len = 0;
    c->args.failed = false;
    c->nargs = 0;
    c->fixed = fixed;
    if (arg_str(c, name) < 0 || arg_key(c) < 0) {
        return -1;
    }
    return 0;
}

/* Sends the pending command (when it has more than its fixed part). */
static int
flush(struct rdbcmd *c)
{
    const uint8_t *p = c->args.data;
    struct span *v;
    size_t i, need = c->nargs;

    if (c->nargs <= c->fixed) {
        return 0;
    }
    if (need > c->cap_argv) {
        v = realloc(c->argv, need * sizeof(*v));
        if (v == NULL) {
            return fail(c, "out of memory");
        }
        c->argv = v;
        c->cap_argv = need;
    }
    for (i = 0; i < c->nargs; i++) {
        c->argv[i].p = p;
        c->argv[i].len = c->arg_len[i];
        p += c->arg_len[i];
    }
    c->commands++;
    c->wrote = true;
    if (c->emit_(c->emit_arg_, c->db, c->nargs, c->argv) < 0) {
        snprintf(c->err, sizeof(c->err), "stopped");
        return -1;
    }
    /* Keep the fixed part for the next piece of a split key. */
    c->nargs = c->fixed;
    c->args.len = 0;
    for (i = 0; i < c->fixed; i++) {
        c->args.len += c->arg_len[i];
    }
    return 0;
}

/* Sends the pending command once it holds max_items elements of
 * <per_item> arguments, or max_bytes. */
static int
maybe_flush(struct rdbcmd *c, size_t per_item)
{
    if ((c->nargs - c->fixed) / per_item >= max_items(c) ||
        c->args.len >= max_bytes(c)) {
        return flush(c);
    }
    return 0;
}

/* A whole command of C strings and views: <fmt> holds one letter per
 * argument: 's' a C string, 'v' a struct span *, 'k' the key, 'u' a
 * uint64_t, 'i' an int64_t. */
static int
command(struct rdbcmd *c, const char *fmt, ...)
{
    const struct span *sp;
    va_list ap;
    int rc = 0;

    c->args.len = 0;
    c->args.failed = false;
    c->nargs = 0;
    c->fixed = 0;
    va_start(ap, fmt);
    for (; *fmt != '\0' && rc == 0; fmt++) {
        switch (*fmt) {
        case 's':
            rc = arg_str(c, va_arg(ap, const char *));
            break;
        case 'v':
            sp = va_arg(ap, const struct span *);
            rc = arg(c, sp->p, sp->len);
            break;
        case 'k':
            rc = arg_key(c);
            break;
        case 'u':
            rc = arg_u64(c, va_arg(ap, uint64_t));
            break;
        case 'i':
            rc = arg_i64(c, va_arg(ap, int64_t));
            break;
        default:
            rc = fail(c, "bad command format");
            break;
        }
    }
    va_end(ap);
    return rc < 0 ? -1 : flush(c);
}

static int
on_key(struct rdbcmd *c, const struct rdb_event *ev)
{
    c->key.len = 0;
    c->key.failed = false;
    pbuf_put(&c->key, ev->key.p, ev->key.len);
    if (c->key.failed) {
        return fail(c, "out of memory");
    }
    c->kind = (int)ev->kind_of_key;
    c->expire_ms = ev->expire_ms;
    c->wrote = false;
    c->entries = 0;
    c->npel = 0;
    c->nargs = 0;
    c->keys++;
    if (c->opts.del_first && c->kind != RDB_KIND_STRING &&
        c->kind != RDB_KIND_MODULE && command(c, "sk", "DEL") < 0) {
        return -1;
    }
    switch (c->kind) {
    case RDB_KIND_LIST:
        return begin(c, "RPUSH", 2);
    case RDB_KIND_SET:
        return begin(c, "SADD", 2);
    case RDB_KIND_ZSET:
        return begin(c, "ZADD", 2);
    case RDB_KIND_HASH:
        return begin(c, target_at_least(c, 4) ? "HSET" : "HMSET", 2);
    default:
        c->nargs = 0;
        c->fixed = 0;
        return 0;
    }
}

/* A hash field with a TTL (Redis 7.4 hash field expiry). */
static int
field_ttl(struct rdbcmd *c, const struct span *field, int64_t ms)
{
    int rc;

    /* The pending HSET must reach the server before the field's TTL. */
    if (flush(c) < 0) {
        return -1;
    }
    rc = command(c, "skisuv", "HPEXPIREAT", ms, "FIELDS", (uint64_t)1, field);
    if (rc < 0) {
        return -1;
    }
    return begin(c, target_at_least(c, 4) ? "HSET" : "HMSET", 2);
}

static int
on_item(struct rdbcmd *c, const struct rdb_event *ev)
{
    switch (c->kind) {
    case RDB_KIND_LIST:
    case RDB_KIND_SET:
        if (arg(c, ev->a.p, ev->a.len) < 0) {
            return -1;
        }
        return maybe_flush(c, 1);
    case RDB_KIND_ZSET:
        if ((ev->score_text.p != NULL
                 ? arg(c, ev->score_text.p, ev->score_text.len)
                 : arg_double(c, ev->score)) < 0 ||
            arg(c, ev->a.p, ev->a.len) < 0) {
            return -1;
        }
        return maybe_flush(c, 2);
    case RDB_KIND_HASH:
        if (arg(c, ev->a.p, ev->a.len) < 0 || arg(c, ev->b.p, ev->b.len) < 0) {
            return -1;
        }
        if (ev->expire_ms >= 0) {
            return field_ttl(c, &ev->a, ev->expire_ms);
        }
        return maybe_flush(c, 2);
    default:
        return fail(c, "an element event outside a list, set, sorted set "
                       "or hash");
    }
}

static int
on_stream_entry(struct rdbcmd *c, const struct rdb_event *ev)
{
    size_t i;

    c->args.len = 0;
    c->args.failed = false;
    c->nargs = 0;
    c->fixed = 0;
    if (arg_str(c, "XADD") < 0 || arg_key(c) < 0 ||
        arg_id(c, ev->id.ms, ev->id.seq) < 0) {
        return -1;
    }
    for (i = 0; i < ev->nfields * 2; i++) {
        if (arg(c, ev->fields[i].p, ev->fields[i].len) < 0) {
            return -1;
        }
    }
    c->entries++;
    return flush(c);
}

static int
on_stream_meta(struct rdbcmd *c, const struct rdb_event *ev)
{
    c->args.len = 0;
    c->nargs = 0;
    c->fixed = 0;
    if (c->entries == 0) {
        /* An empty stream exists only through an entry trimmed away. */
        if (arg_str(c, "XADD") < 0 || arg_key(c) < 0 ||
            arg_str(c, "MAXLEN") < 0 || arg_str(c, "0") < 0 ||
            arg_id(c, ev->last_id.ms, ev->last_id.seq) < 0 ||
            arg_str(c, "x") < 0 || arg_str(c, "y") < 0 || flush(c) < 0) {
            return -1;
        }
    }
    if (arg_str(c, "XSETID") < 0 || arg_key(c) < 0 ||
        arg_id(c, ev->last_id.ms, ev->last_id.seq) < 0) {
        return -1;
    }
    if (target_at_least(c, 7) &&
        (arg_str(c, "ENTRIESADDED") < 0 || arg_u64(c, ev->entries_added) < 0 ||
         arg_str(c, "MAXDELETEDID") < 0 ||
         arg_id(c, ev->max_deleted_id.ms, ev->max_deleted_id.seq) < 0)) {
        return -1;
    }
    return flush(c);
}

static int
on_stream_group(struct rdbcmd *c, const struct rdb_event *ev)
{
    c->group.len = 0;
    c->group.failed = false;
    pbuf_put(&c->group, ev->a.p, ev->a.len);
    if (c->group.failed) {
        return fail(c, "out of memory");
    }
    c->npel = 0;
    c->args.len = 0;
    c->nargs = 0;
    c->fixed = 0;
    if (arg_str(c, "XGROUP") < 0 || arg_str(c, "CREATE") < 0 ||
        arg_key(c) < 0 || arg(c, ev->a.p, ev->a.len) < 0 ||
        arg_id(c, ev->last_id.ms, ev->last_id.seq) < 0) {
        return -1;
    }
    if (target_at_least(c, 7) && ev->entries_read >= 0 &&
        (arg_str(c, "ENTRIESREAD") < 0 || arg_i64(c, ev->entries_read) < 0)) {
        return -1;
    }
    return flush(c);
}

static int
on_stream_pel(struct rdbcmd *c, const struct rdb_event *ev)
{
    struct rdbcmd_pel *q;

    if (c->npel == c->cap_pel) {
        q = realloc(c->pel, (c->cap_pel * 2 + 16) * sizeof(*q));
        if (q == NULL) {
            return fail(c, "out of memory");
        }
        c->pel = q;
        c->cap_pel = c->cap_pel * 2 + 16;
    }
    q = &c->pel[c->npel++];
    q->ms = ev->id.ms;
    q->seq = ev->id.seq;
    q->delivery_ms = ev->delivery_ms;
    q->count = ev->delivery_count;
    return 0;
}

static int
on_stream_consumer(struct rdbcmd *c, const struct rdb_event *ev)
{
    struct span g;

    c->consumer.len = 0;
    c->consumer.failed = false;
    pbuf_put(&c->consumer, ev->a.p, ev->a.len);
    if (c->consumer.failed) {
        return fail(c, "out of memory");
    }
    if (!target_at_least(c, 6)) {
        return 0; /* XCLAIM creates it, when it owns an entry */
    }
    g.p = c->group.data;
    g.len = c->group.len;
    return command(c, "sskvv", "XGROUP", "CREATECONSUMER", &g, &ev->a);
}

/* The group's pending entry <ms>-<seq>, found by binary search: the RDB
 * lists a group's entries in ID order. */
static const struct rdbcmd_pel *
find_pel(const struct rdbcmd *c, uint64_t ms, uint64_t seq)
{
    size_t lo = 0, hi = c->npel, mid;
    const struct rdbcmd_pel *q;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        q = &c->pel[mid];
        if (q->ms == ms && q->seq == seq) {
            return q;
        }
        if (q->ms < ms || (q->ms == ms && q->seq < seq)) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return NULL;
}

static int
on_stream_consumer_pel(struct rdbcmd *c, const struct rdb_event *ev)
{
    const struct rdbcmd_pel *q = find_pel(c, ev->id.ms, ev->id.seq);
    struct span g, n;

    if (q == NULL) {
        return fail(c, "a consumer's pending entry is missing from its "
                       "group's pending list");
    }
    g.p = c->group.data;
    g.len = c->group.len;
    n.p = c->consumer.data;
    n.len = c->consumer.len;
    c->args.len = 0;
    c->nargs = 0;
    c->fixed = 0;
    if (arg_str(c, "XCLAIM") < 0 || arg_key(c) < 0 || arg(c, g.p, g.len) < 0 ||
        arg(c, n.p, n.len) < 0 || arg_str(c, "0") < 0 ||
        arg_id(c, q->ms, q->seq) < 0 || arg_str(c, "TIME") < 0 ||
        arg_i64(c, q->delivery_ms) < 0 || arg_str(c, "RETRYCOUNT") < 0 ||
        arg_u64(c, q->count) < 0 || arg_str(c, "FORCE") < 0 ||
        arg_str(c, "JUSTID") < 0) {
        return -1;
    }
    return flush(c);
}

/* True when the destination's RESTORE loads payload <dump>. */
static bool
restorable(const struct rdbcmd *c, const struct span *dump)
{
    unsigned ver;

    if (dump->p == NULL || dump->len < RDB_DUMP_TRAILER_LEN ||
        c->opts.restore_version == 0) {
        return false;
    }
    ver = dump->p[dump->len - 10] | (unsigned)dump->p[dump->len - 9] << 8;
    return ver <= c->opts.restore_version;
}

static int
on_key_end(struct rdbcmd *c, const struct rdb_event *ev)
{
    if (c->kind == RDB_KIND_STREAM && restorable(c, &ev->dump)) {
        if (command(c, "sksvs", "RESTORE", "0", &ev->dump, "REPLACE") < 0) {
            return -1;
        }
    } else if (c->kind == RDB_KIND_MODULE) {
        if (!restorable(c, &ev->dump)) {
            snprintf(c->err, sizeof(c->err),
                     "a key of module type '%.*s' can only be carried as "
                     "a RESTORE payload, and the destination cannot load "
                     "this one (too big, or a newer RDB version)",
                     (int)(ev->a.len < 16 ? ev->a.len : 16),
                     ev->a.p != NULL ? (const char *)ev->a.p : "");
            return -1;
        }
        if (command(c, "sksvs", "RESTORE", "0", &ev->dump, "REPLACE") < 0) {
            return -1;
        }
    } else if (flush(c) < 0) {
        return -1;
    }
    if (c->expire_ms >= 0 && command(c, "ski", "PEXPIREAT", c->expire_ms) < 0) {
        return -1;
    }
    c->kind = -1;
    c->nargs = 0;
    return 0;
}

/* Sends the waiting MSET. */
static int
mset_flush(struct rdbcmd *c)
{
    const uint8_t *p = c->mset.data;
    size_t i, n = c->mset_n + 1;
    struct span *v;

    if (c->mset_n == 0) {
        return 0;
    }
    v = realloc(c->mset_argv, n * sizeof(*v));
    if (v == NULL) {
        return fail(c, "out of memory");
    }
    c->mset_argv = v;
    v[0].p = (const uint8_t *)"MSET";
    v[0].len = 4;
    for (i = 0; i < c->mset_n; i++) {
        v[i + 1].p = p;
        v[i + 1].len = c->mset_len[i];
        if (c->mset_len[i] > 0) {
            p += c->mset_len[i];    /* no arithmetic on a NULL p */
        }
    }
    c->mset_n = 0;
    c->mset.len = 0;
    c->commands++;
    if (c->emit_(c->emit_arg_, c->mset_db, n, v) < 0) {
        snprintf(c->err, sizeof(c->err), "stopped");
        return -1;
    }
    return 0;
}

static int
mset_add(struct rdbcmd *c, const struct span *value)
{
    size_t *q;

    if (c->mset_n > 0 && c->mset_db != c->db && mset_flush(c) < 0) {
        return -1;
    }
    if (c->mset_n + 2 > c->mset_cap) {
        q = realloc(c->mset_len, (c->mset_cap * 2 + 32) * sizeof(*q));
        if (q == NULL) {
            return fail(c, "out of memory");
        }
        c->mset_len = q;
        c->mset_cap = c->mset_cap * 2 + 32;
    }
    c->mset_db = c->db;
    pbuf_put(&c->mset, c->key.data, c->key.len);
    pbuf_put(&c->mset, value->p, value->len);
    if (c->mset.failed) {
        return fail(c, "out of memory");
    }
    c->mset_len[c->mset_n++] = c->key.len;
    c->mset_len[c->mset_n++] = value->len;
    c->wrote = true;
    if (c->mset_n / 2 >= max_items(c) || c->mset.len >= max_bytes(c)) {
        return mset_flush(c);
    }
    return 0;
}

int
rdbcmd_event(struct rdbcmd *c, const struct rdb_event *ev, rdbcmd_emit_cb emit,
             void *arg_)
{
    c->emit_ = emit;
    c->emit_arg_ = arg_;
    /* Waiting strings stay while other keys go (the keys of an RDB are
     * all different): they go at the end of their database. */
    if (c->mset_n > 0 &&
        (ev->kind == RDB_EV_END ||
         (ev->kind == RDB_EV_DB && (int)ev->db != c->mset_db)) &&
        mset_flush(c) < 0) {
        return -1;
    }
    switch (ev->kind) {
    case RDB_EV_DB:
        c->db = (int)ev->db;
        return 0;
    case RDB_EV_KEY:
        return on_key(c, ev);
    case RDB_EV_STRING:
        if (c->opts.mset && c->expire_ms < 0) {
            return mset_add(c, &ev->a);
        }
        if (c->expire_ms > 0 && target_at_least(c, 7)) {
            /* The TTL with the value (PXAT is 6.2+): one command less. */
            if (command(c, "skvsi", "SET", &ev->a, "PXAT", c->expire_ms) < 0) {
                return -1;
            }
            c->expire_ms = -1;
            return 0;
        }
        return command(c, "skv", "SET", &ev->a);
    case RDB_EV_ITEM:
        return on_item(c, ev);
    case RDB_EV_STREAM_ENTRY:
        return on_stream_entry(c, ev);
    case RDB_EV_STREAM_META:
        return on_stream_meta(c, ev);
    case RDB_EV_STREAM_GROUP:
        return on_stream_group(c, ev);
    case RDB_EV_STREAM_PEL:
        return on_stream_pel(c, ev);
    case RDB_EV_STREAM_CONSUMER:
        return on_stream_consumer(c, ev);
    case RDB_EV_STREAM_CONSUMER_PEL:
        return on_stream_consumer_pel(c, ev);
    case RDB_EV_KEY_END:
        return on_key_end(c, ev);
    default:
        return 0;
    }
}

void
rdbcmd_free(struct rdbcmd *c)
{
    pbuf_free(&c->mset);
    free(c->mset_len);
    free(c->mset_argv);
    pbuf_free(&c->key);
    pbuf_free(&c->args);
    pbuf_free(&c->group);
    pbuf_free(&c->consumer);
    free(c->arg_len);
    free(c->argv);
    free(c->pel);
    memset(c, 0, sizeof(*c));
}
