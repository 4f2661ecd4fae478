/*
 * redis_stream.c - `tandem redis-stream`: register with a Redis master as
 * a replica and print what it sends as JSON lines: the keys of the RDB as
 * the commands that rebuild them, then every command of the stream.
 *
 *   {"db":0,"cmd":["RPUSH","list","a","b"],"rdb":true}
 *   {"db":0,"cmd":["SET","k","v"],"offset":1234}
 *   {"full":{"replid":"8426...","offset":30546}}     (before the RDB)
 *   {"continue":{"replid":"8426...","offset":30546}} (stream from there)
 *
 * An argument that is not valid UTF-8 is printed as {"base64":"..."}.
 * `tandem rdb FILE` prints the keys of an RDB file the same way.  Exit
 * status: 0 at the end of the RDB with --until-now or on SIGTERM/SIGINT,
 * 1 when the stream failed (one line on stderr).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "proto/json.h"
#include "proto/redis/rdb.h"
#include "proto/redis/rdbcmd.h"
#include "src/core/log.h"
#include "src/source/redis.h"
#include "src/tools/tools.h"

/* Flush the output buffer once it holds this much. */
#define OUT_FLUSH_BYTES (256 * 1024)

struct rstream_tool {
    struct event_base *base;
    struct rsrc *src;
    struct rdbcmd conv; /* RDB keys to commands */
    struct pbuf out;    /* pending output */
    bool until_now;     /* stop after the RDB */
    bool ended;
    int status;
};

static void
out_flush(struct pbuf *out)
{
    if (out->len > 0) {
        fwrite(out->data, 1, out->len, stdout);
        fflush(stdout);
        out->len = 0;
    }
}

/* Length of the valid UTF-8 prefix of p/n (RFC 3629). */
static bool
utf8_valid(const uint8_t *p, size_t n)
{
    size_t i = 0, k, len;
    uint32_t cp;

    while (i < n) {
        if (p[i] < 0x80) {
            i++;
            continue;
        }
        if ((p[i] & 0xe0) == 0xc0) {
            len = 2;
            cp = p[i] & 0x1f;
        } else if ((p[i] & 0xf0) == 0xe0) {
            len = 3;
            cp = p[i] & 0x0f;
        } else if ((p[i] & 0xf8) == 0xf0) {
            len = 4;
            cp = p[i] & 0x07;
        } else {
            return false;
        }
        if (i + len > n) {
            return false;
        }
        for (k = 1; k < len; k++) {
            if ((p[i + k] & 0xc0) != 0x80) {
                return false;
            }
            cp = (cp << 6) | (p[i + k] & 0x3f);
        }
        if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
            (cp >= 0xd800 && cp <= 0xdfff)) {
            return false;
        }
        i += len;
    }
    return true;
}

static void
put_base64(struct pbuf *b, const uint8_t *p, size_t n)
{
    static const char tab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char q[4];
    uint32_t v;
    size_t i;

    for (i = 0; i + 2 < n; i += 3) {
        v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        q[0] = tab[v >> 18];
        q[1] = tab[(v >> 12) & 63];
        q[2] = tab[(v >> 6) & 63];
        q[3] = tab[v & 63];
        pbuf_put(b, q, 4);
    }
    if (i < n) {
        v = (uint32_t)p[i] << 16 | (i + 1 < n ? (uint32_t)p[i + 1] << 8 : 0);
        q[0] = tab[v >> 18];
        q[1] = tab[(v >> 12) & 63];
        q[2] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        q[3] = '=';
        pbuf_put(b, q, 4);
    }
}

/* One argument: a JSON string, or {"base64":...} for other bytes. */
static void
put_arg(struct pbuf *b, const struct span *a)
{
    if (utf8_valid(a->p, a->len)) {
        json_put_str(b, a->p, a->len);
        return;
    }
    pbuf_puts(b, "{\"base64\":\"");
    put_base64(b, a->p, a->len);
    pbuf_puts(b, "\"}");
}

/* {"db":N,"cmd":[...] and what the caller adds, then }. */
static void
put_cmd(struct pbuf *b, int db, size_t argc, const struct span *argv)
{
    size_t i;

    pbuf_puts(b, "{\"db\":");
    json_put_i64(b, db);
    pbuf_puts(b, ",\"cmd\":[");
    for (i = 0; i < argc; i++) {
        if (i > 0) {
            pbuf_putc(b, ',');
        }
        put_arg(b, &argv[i]);
    }
    pbuf_putc(b, ']');
}

static int
emit_rdb_cmd(void *arg, int db, size_t argc, const struct span *argv)
{
    struct pbuf *out = arg;

    put_cmd(out, db, argc, argv);
    pbuf_puts(out, ",\"rdb\":true}\n");
    if (out->len >= OUT_FLUSH_BYTES) {
        out_flush(out);
    }
    return out->failed ? -1 : 0;
}

static void
put_position(struct pbuf *b, const char *what, const char *replid,
             uint64_t offset)
{
    pbuf_puts(b, "{\"");
    pbuf_puts(b, what);
    pbuf_puts(b, "\":{\"replid\":");
    json_put_strz(b, replid);
    pbuf_puts(b, ",\"offset\":");
    json_put_u64(b, offset);
    pbuf_puts(b, "}}\n");
}

static void
on_full(void *arg, const char *replid, uint64_t offset)
{
    struct rstream_tool *t = arg;

    put_position(&t->out, "full", replid, offset);
}

static int
on_rdb(void *arg, const struct rdb_event *ev)
{
    struct rstream_tool *t = arg;

    if (rdbcmd_event(&t->conv, ev, emit_rdb_cmd, &t->out) < 0) {
        rsrc_fail(t->src, "cannot rebuild a key of the RDB: %s", t->conv.err);
        return -1;
    }
    return 0;
}

static void
on_rdb_end(void *arg)
{
    struct rstream_tool *t = arg;

    out_flush(&t->out);
    if (t->until_now) {
        t->status = 0;
        rsrc_stop(t->src);
    }
}

static void
on_continue(void *arg, const char *replid, uint64_t offset)
{
    struct rstream_tool *t = arg;

    put_position(&t->out, "continue", replid, offset);
    out_flush(&t->out);
}

static int
on_command(void *arg, int db, size_t argc, const struct span *argv,
           uint64_t offset)
{
    struct rstream_tool *t = arg;

    put_cmd(&t->out, db, argc, argv);
    pbuf_puts(&t->out, ",\"offset\":");
    json_put_u64(&t->out, offset);
    pbuf_puts(&t->out, "}\n");
    /* A live tail shows each command as it comes. */
    out_flush(&t->out);
    return 0;
}

static void
on_end(void *arg, const char *err, bool resumable)
{
    struct rstream_tool *t = arg;

    (void)resumable;
    out_flush(&t->out);
    if (err != NULL) {
        fprintf(stderr, "tandem redis-stream: %s\n", err);
        t->status = 1;
    }
    t->ended = true;
    event_base_loopbreak(t->base);
}

static void
on_signal(evutil_socket_t fd, short what, void *arg)
{
    struct rstream_tool *t = arg;

    (void)fd;
    (void)what;
    rsrc_stop(t->src);
}

static void
usage(FILE *f)
{
    fprintf(
        f, "usage: tandem redis-stream --source URL [options]\n"
           "\n"
           "Registers with a Redis master as a replica (PSYNC) and prints the\n"
           "keys of its RDB as commands, then every command it streams, as\n"
           "JSON lines.\n"
           "\n"
           "  --source URL       redis://[user:password@]host:port "
           "(rediss:// for TLS)\n"
           "  --until-now        stop at the end of the RDB\n"
           "  --from-now         no RDB: stream from the master's current "
           "offset\n"
           "  --replid ID        resume: the replication ID ...\n"
           "  --offset N         ... and the last offset handled\n"
           "  --log-level L      error|warn|info|debug|trace (default warn)\n");
}

int
tool_redis_stream_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"source", required_argument, NULL, 's'},
        {"until-now", no_argument, NULL, 'u'},
        {"from-now", no_argument, NULL, 'n'},
        {"replid", required_argument, NULL, 'r'},
        {"offset", required_argument, NULL, 'o'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct rsrc_opts o;
    struct rsrc_cbs cbs;
    struct rstream_tool t;
    struct evdns_base *dns = NULL;
    struct event *sigterm = NULL, *sigint = NULL;
    bool have_offset = false;
    char err[512], *end;
    int c;

    memset(&o, 0, sizeof(o));
    memset(&t, 0, sizeof(t));
    log_current_level = LOG_WARN;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            o.url = optarg;
            break;
        case 'u':
            t.until_now = true;
            break;
        case 'n':
            o.from_now = true;
            break;
        case 'r':
            o.replid = optarg;
            break;
        case 'o':
            errno = 0;
            o.offset = strtoull(optarg, &end, 10);
            if (errno != 0 || *optarg == '\0' || *end != '\0' ||
                optarg[0] == '-') {
                fprintf(stderr,
                        "tandem redis-stream: --offset '%s' is not "
                        "a replication offset\n",
                        optarg);
                return 1;
            }
            have_offset = true;
            break;
        case 'l':
            if (!log_level_parse(optarg, &log_current_level)) {
                fprintf(stderr,
                        "tandem redis-stream: --log-level '%s' is "
                        "not one of error, warn, info, debug, trace\n",
                        optarg);
                return 1;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 1;
        }
    }
    if (optind < argc || o.url == NULL) {
        fprintf(stderr, "tandem redis-stream: %s\n",
                o.url == NULL ? "--source URL is required"
                              : "unexpected argument");
        usage(stderr);
        return 1;
    }
    if ((o.replid != NULL) != have_offset) {
        fprintf(stderr, "tandem redis-stream: --replid and --offset go "
                        "together\n");
        return 1;
    }
    if (t.until_now && (o.from_now || o.replid != NULL)) {
        fprintf(stderr,
                "tandem redis-stream: --until-now stops at the end "
                "of the RDB: it does not go with --from-now or --replid\n");
        return 1;
    }

    signal(SIGPIPE, SIG_IGN);
    t.base = event_base_new();
    if (t.base == NULL) {
        fprintf(stderr, "tandem redis-stream: cannot create the event "
                        "loop\n");
        return 1;
    }
    dns = evdns_base_new(t.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    memset(&cbs, 0, sizeof(cbs));
    cbs.on_full = on_full;
    cbs.on_rdb = on_rdb;
    cbs.on_rdb_end = on_rdb_end;
    cbs.on_continue = on_continue;
    cbs.on_command = on_command;
    cbs.on_end = on_end;
    o.log_ctx = "cmd=redis-stream";
    o.rdb_dump_limit = 64u << 20;
    t.conv.opts.del_first = false;
    t.conv.opts.restore_version = RDB_MAX_VERSION;
    t.src = rsrc_new(t.base, dns, &o, &cbs, &t, err, sizeof(err));
    if (t.src == NULL) {
        fprintf(stderr, "tandem redis-stream: %s\n", err);
        t.status = 1;
        goto out;
    }
    sigterm = evsignal_new(t.base, SIGTERM, on_signal, &t);
    sigint = evsignal_new(t.base, SIGINT, on_signal, &t);
    if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) ||
        evsignal_add(sigint, NULL)) {
        fprintf(stderr, "tandem redis-stream: cannot install signal "
                        "handlers\n");
        t.status = 1;
        goto out;
    }
    if (rsrc_start(t.src, err, sizeof(err)) != 0) {
        fprintf(stderr, "tandem redis-stream: %s\n", err);
        t.status = 1;
        goto out;
    }
    while (!t.ended) {
        if (event_base_loop(t.base, EVLOOP_ONCE) < 0) {
            break;
        }
    }
    out_flush(&t.out);
out:
    if (sigterm != NULL) {
        event_free(sigterm);
    }
    if (sigint != NULL) {
        event_free(sigint);
    }
    rsrc_free(t.src);
    event_base_loop(t.base, EVLOOP_NONBLOCK);
    if (dns != NULL) {
        evdns_base_free(dns, 0);
    }
    event_base_free(t.base);
    rdbcmd_free(&t.conv);
    pbuf_free(&t.out);
    return t.status;
}

/* ---- tandem rdb FILE ---- */

int
tool_rdb_main(int argc, char **argv)
{
    struct rdb_dec d;
    struct rdb_event ev;
    struct rdbcmd conv;
    struct pbuf out = {0};
    uint8_t *buf = NULL;
    size_t len = 0, cap = 0, off = 0, used;
    int rc, status = 1;
    FILE *f;

    if (argc != 2 || strcmp(argv[1], "--help") == 0) {
        fprintf(argc == 2 ? stdout : stderr,
                "usage: tandem rdb FILE\n\nPrints the keys of an RDB file "
                "as the commands that rebuild them, as JSON lines.\n");
        return argc == 2 ? 0 : 1;
    }
    f = fopen(argv[1], "rb");
    if (f == NULL) {
        fprintf(stderr, "tandem rdb: %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    for (;;) {
        if (len == cap) {
            uint8_t *nb = realloc(buf, cap * 2 + (1u << 16));

            if (nb == NULL) {
                fprintf(stderr, "tandem rdb: out of memory\n");
                fclose(f);
                free(buf);
                return 1;
            }
            buf = nb;
            cap = cap * 2 + (1u << 16);
        }
        used = fread(buf + len, 1, cap - len, f);
        if (used == 0) {
            break;
        }
        len += used;
    }
    fclose(f);
    memset(&d, 0, sizeof(d));
    memset(&conv, 0, sizeof(conv));
    d.dump_limit = 64u << 20;
    conv.opts.restore_version = RDB_MAX_VERSION;
    for (;;) {
        used = 0;
        rc = rdb_next(&d, buf + off, len - off, &used, &ev);
        if (rc == 0 && used > 0) {
            off += used;
            continue;
        }
        if (rc == 0) {
            fprintf(stderr, "tandem rdb: %s: truncated at byte %zu\n", argv[1],
                    len);
            break;
        }
        if (rc < 0) {
            fprintf(stderr, "tandem rdb: %s: %s (%s at byte %zu)\n", argv[1],
                    proto_err_name(-rc), d.err_what != NULL ? d.err_what : "?",
                    off + d.err_off);
            break;
        }
        if (rdbcmd_event(&conv, &ev, emit_rdb_cmd, &out) < 0) {
            fprintf(stderr, "tandem rdb: %s: %s\n", argv[1], conv.err);
            break;
        }
        off += used;
        if (ev.kind == RDB_EV_END) {
            status = 0;
            break;
        }
    }
    out_flush(&out);
    pbuf_free(&out);
    rdbcmd_free(&conv);
    rdb_dec_free(&d);
    free(buf);
    return status;
}
