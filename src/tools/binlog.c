/*
 * binlog.c - `tandem binlog`: stream a MySQL/MariaDB binlog over the
 * replication protocol and print each change as one JSON object per line.
 *
 *   {"op":"insert","db":"shop","table":"orders","after":{"id":1},
 *    "file":"bin.000001","pos":1234,"gtid":"0-1-17","ts":1767225600}
 *   {"op":"ddl","db":"shop","sql":"ALTER TABLE ...","file":...}
 *
 * Values follow tandem's JSON conventions (proto/mysql/format.h).  Lines
 * are flushed at every transaction end, so a live tail shows each
 * transaction as it commits.  Exit status: 0 after --until-now reached its
 * end or on SIGTERM/SIGINT, 1 when the stream failed or a table had to be
 * stopped (its error is printed as one line on stderr).
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
#include "proto/mysql/format.h"
#include "proto/mysql/jsonb.h"
#include "proto/mysql/rows.h"
#include "src/core/log.h"
#include "src/source/mysql.h"
#include "src/tools/tools.h"

/* Appends a string literal (a constant JSON fragment) without strlen. */
#define PUT_LIT(b, lit) pbuf_put((b), (lit), sizeof(lit) - 1)

/* Flush the output buffer once it holds this much, even mid-transaction. */
#define OUT_FLUSH_BYTES (256 * 1024)

/* Entries of the escaped-name cache (direct-mapped by generation). */
#define NAME_CACHE_SLOTS 16

/*
 * A table's JSON fragments escaped once: `"db":"x","table":"y",` and every
 * column's `"name":`.  Rows repeat them; escaping them per row was a good
 * part of the output cost.
 */
struct name_cache {
    uint64_t generation;          /* mysrc_row.table_generation; 0 empty */
    struct pbuf text;             /* head, then the keys back to back */
    size_t head_len;              /* bytes of the db/table head */
    size_t *key_off;              /* ncols + 1 offsets of keys in text */
    size_t ncols;                 /* columns */
};

/* A string and its JSON form, kept while it repeats. */
struct text_cache {
    struct pbuf raw;              /* the string as last seen */
    struct pbuf json;             /* key and escaped value */
    size_t raw_len;               /* bytes of raw in use */
    bool is_null;                 /* the string was NULL */
    bool valid;                   /* json matches raw */
};

struct binlog_tool {
    struct name_cache names[NAME_CACHE_SLOTS]; /* escaped names */
    struct text_cache file_text;  /* "file":"bin.000001" */
    struct text_cache gtid_text;  /* ,"gtid":"0-1-5" */
    struct event_base *base;      /* the loop */
    struct mysrc *src;            /* the source */
    struct pbuf out;              /* pending output lines */
    struct mysql_format_ctx fmt;  /* value formatting scratch */
    struct jsonb_tree jtree;      /* partial JSON scratch */
    int status;                   /* exit status */
    bool ended;                   /* on_end ran */
};

static void
out_flush(struct binlog_tool *t)
{
    if (t->out.len > 0) {
        if (fwrite(t->out.data, 1, t->out.len, stdout) != t->out.len ||
            fflush(stdout) != 0) {
            if (t->status == 0) {
                log_error("cannot write to stdout: %s — is the reader "
                          "still there?", strerror(errno));
            }
            t->status = 1;
            if (t->src != NULL) {
                mysrc_stop(t->src);
            }
        }
        pbuf_reset(&t->out);
    }
}

/*
 * Appends `"file":"...",` (escaped once per file) and `,"gtid":...`
 * (once per transaction): rows of one transaction repeat them.
 */
static void
put_cached(struct pbuf *b, struct text_cache *tc, const char *raw,
           const char *key, size_t keylen)
{
    size_t n = raw != NULL ? strlen(raw) : 0;

    if (!tc->valid || tc->raw_len != n || tc->is_null != (raw == NULL) ||
        (n > 0 && memcmp(tc->raw.data, raw, n) != 0)) {
        pbuf_reset(&tc->raw);
        pbuf_put(&tc->raw, raw, n);
        pbuf_reset(&tc->json);
        pbuf_put(&tc->json, key, keylen);
        if (raw != NULL) {
            json_put_str(&tc->json, raw, n);
        } else {
            json_put_null(&tc->json);
        }
        tc->raw_len = n;
        tc->is_null = raw == NULL;
        tc->valid = !tc->raw.failed && !tc->json.failed;
        if (!tc->valid) {
            b->failed = true;
            return;
        }
    }
    pbuf_put(b, tc->json.data, tc->json.len);
}

static void
put_pos(struct binlog_tool *t, const struct mysrc_pos *p)
{
    struct pbuf *b = &t->out;

    put_cached(b, &t->file_text, p->file, "\"file\":", 7);
    PUT_LIT(b, ",\"pos\":");
    json_put_u64(b, p->pos);
    put_cached(b, &t->gtid_text, p->gtid, ",\"gtid\":", 8);
    PUT_LIT(b, ",\"ts\":");
    json_put_u64(b, p->ts);
}

/* The escaped names of r's table, built on first use; NULL on OOM. */
static const struct name_cache *
names_of(struct binlog_tool *t, const struct mysrc_row *r)
{
    struct name_cache *nc = &t->names[r->table_generation % NAME_CACHE_SLOTS];
    struct pbuf *b = &nc->text;
    size_t i, *off;

    if (nc->generation == r->table_generation && nc->ncols == r->ncols) {
        return nc;
    }
    nc->generation = 0;
    off = realloc(nc->key_off, (r->ncols + 1) * sizeof(*off));
    if (off == NULL) {
        return NULL;
    }
    nc->key_off = off;
    pbuf_reset(b);
    PUT_LIT(b, "\"db\":");
    json_put_strz(b, r->db);
    PUT_LIT(b, ",\"table\":");
    json_put_strz(b, r->table);
    pbuf_putc(b, ',');
    nc->head_len = b->len;
    for (i = 0; i < r->ncols; i++) {
        const struct mysql_column *c = &r->cols[i];

        off[i] = b->len;
        if (c->name.len > 0) {
            json_put_key(b, c->name.p, c->name.len);
        } else {
            char k[24];

            snprintf(k, sizeof(k), "@%zu", i + 1);
            json_put_keyz(b, k);
        }
    }
    off[r->ncols] = b->len;
    if (b->failed) {
        return NULL;
    }
    nc->ncols = r->ncols;
    nc->generation = r->table_generation;
    return nc;
}

/* Appends {"name":value,...} of one row image; 0 or -1 (error logged). */
static int
put_image(struct binlog_tool *t, const struct mysrc_row *r,
          const struct name_cache *nc, const struct mysql_value *vals,
          bool after)
{
    struct pbuf *b = &t->out;
    bool first = true;
    size_t i;

    pbuf_putc(b, '{');
    for (i = 0; i < r->ncols; i++) {
        const struct mysql_column *c = &r->cols[i];
        const struct mysql_value *v = &vals[i];
        int rc;

        if (v->kind == MYV_ABSENT) {
            continue;
        }
        if (!first) {
            pbuf_putc(b, ',');
        }
        first = false;
        pbuf_put(b, nc->text.data + nc->key_off[i],
                 nc->key_off[i + 1] - nc->key_off[i]);
        if (after && r->partial != NULL && v->kind == MYV_JSON &&
            binlog_rows_is_partial(r->partial, (uint32_t)i)) {
            struct jsonb_error je = {0};

            if (r->before == NULL || r->before[i].kind != MYV_JSON) {
                log_error("%s.%s: column %.*s holds a partial JSON update "
                          "but the before image lacks the document — set "
                          "binlog_row_image=FULL on the source", r->db,
                          r->table, (int)c->name.len,
                          (const char *)c->name.p);
                return -1;
            }
            rc = jsonb_apply_diffs(b, r->before[i].v.bytes.p,
                                   r->before[i].v.bytes.len, v->v.bytes.p,
                                   v->v.bytes.len, JSONB_COMPACT, &t->jtree,
                                   &je);
            if (rc != 0) {
                log_error("%s.%s: cannot apply the partial JSON update of "
                          "column %.*s at %s:%" PRIu64 ": %s", r->db,
                          r->table, (int)c->name.len,
                          (const char *)c->name.p, r->pos.file, r->pos.pos,
                          je.reason ? je.reason : proto_err_name(rc));
                return -1;
            }
            continue;
        }
        rc = mysql_format_value(b, c, v, &t->fmt);
        if (rc != 0) {
            log_error("%s.%s: cannot print column %.*s at %s:%" PRIu64
                      ": %s", r->db, r->table, (int)c->name.len,
                      (const char *)c->name.p, r->pos.file, r->pos.pos,
                      t->fmt.err);
            return -1;
        }
    }
    pbuf_putc(b, '}');
    return 0;
}

static int
on_row(void *arg, const struct mysrc_row *r)
{
    struct binlog_tool *t = arg;
    const struct name_cache *nc = names_of(t, r);
    struct pbuf *b = &t->out;
    size_t mark = b->len;

    if (nc == NULL) {
        log_error("out of memory formatting a row of %s.%s", r->db,
                  r->table);
        t->status = 1;
        return -1;
    }
    if (r->op == 'i') {
        PUT_LIT(b, "{\"op\":\"insert\",");
    } else if (r->op == 'u') {
        PUT_LIT(b, "{\"op\":\"update\",");
    } else {
        PUT_LIT(b, "{\"op\":\"delete\",");
    }
    pbuf_put(b, nc->text.data, nc->head_len);
    if (r->before != NULL) {
        PUT_LIT(b, "\"before\":");
        if (put_image(t, r, nc, r->before, false) != 0) {
            b->len = mark;
            t->status = 1;
            return -1;
        }
        pbuf_putc(b, ',');
    }
    if (r->after != NULL) {
        PUT_LIT(b, "\"after\":");
        if (put_image(t, r, nc, r->after, true) != 0) {
            b->len = mark;
            t->status = 1;
            return -1;
        }
        pbuf_putc(b, ',');
    }
    put_pos(t, &r->pos);
    pbuf_puts(b, "}\n");
    if (b->failed) {
        log_error("out of memory formatting a row of %s.%s", r->db,
                  r->table);
        t->status = 1;
        return -1;
    }
    if (b->len >= OUT_FLUSH_BYTES) {
        out_flush(t);
    }
    return 0;
}

static int
on_ddl(void *arg, const struct mysrc_ddl *d)
{
    struct binlog_tool *t = arg;
    struct pbuf *b = &t->out;

    pbuf_puts(b, "{\"op\":\"ddl\",");
    PUT_LIT(b, "\"db\":");
    json_put_strz(b, d->db);
    pbuf_putc(b, ',');
    json_put_keyz(b, "sql");
    json_put_str(b, d->sql, d->sql_len);
    pbuf_putc(b, ',');
    put_pos(t, &d->pos);
    pbuf_puts(b, "}\n");
    return 0;
}

static int
on_commit(void *arg, const struct mysrc_pos *p)
{
    struct binlog_tool *t = arg;

    (void)p;
    if (t->out.len >= OUT_FLUSH_BYTES / 4 || isatty(STDOUT_FILENO) ||
        !mysrc_catching_up(t->src)) {
        out_flush(t);
    }
    return 0;
}

static void
on_table_error(void *arg, const char *db, const char *table, const char *err)
{
    struct binlog_tool *t = arg;

    (void)db;
    (void)table;
    (void)err;          /* logged once by the source */
    t->status = 1;
}

static void
on_end(void *arg, const char *err)
{
    struct binlog_tool *t = arg;

    out_flush(t);
    if (err != NULL) {
        log_error("%s", err);
        t->status = 1;
    }
    t->ended = true;
    event_base_loopbreak(t->base);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct binlog_tool *t = arg;

    (void)what;
    log_info("got %s, stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    mysrc_stop(t->src);
}

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: tandem binlog --source URL [--from-file F --from-pos P |\n"
        "                     --from-gtid SET] [--until-now] [options]\n"
        "\n"
        "Streams the binlog of a MySQL/MariaDB server over the replication\n"
        "protocol and prints each change as one JSON object per line.\n"
        "\n"
        "  --source URL       mysql://user:password@host:port"
        "[?tls=verify&ca=FILE]\n"
        "  --from-file F      start in binlog file F ...\n"
        "  --from-pos P       ... at position P (default 4)\n"
        "  --from-gtid SET    start after the transactions of SET\n"
        "                     (MySQL uuid:1-100, MariaDB 0-1-100)\n"
        "                     default: the current end of the binlog\n"
        "  --until-now        stop at the end of the binlog as it was at\n"
        "                     start\n"
        "  --server-id N      replica server_id to register with (unique\n"
        "                     among the source's replicas; default derived\n"
        "                     from the process id)\n"
        "  --heartbeat-ms N   server heartbeat period (default 1000)\n"
        "  --log-level L      error|warn|info|debug|trace (default warn)\n");
}

static bool
parse_u64(const char *s, uint64_t max, uint64_t *out)
{
    char *end;
    unsigned long long v;

    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *s == '\0' || *end != '\0' || s[0] == '-' || v > max) {
        return false;
    }
    *out = v;
    return true;
}

int
tool_binlog_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"source", required_argument, NULL, 's'},
        {"from-file", required_argument, NULL, 'f'},
        {"from-pos", required_argument, NULL, 'p'},
        {"from-gtid", required_argument, NULL, 'g'},
        {"until-now", no_argument, NULL, 'u'},
        {"server-id", required_argument, NULL, 'i'},
        {"heartbeat-ms", required_argument, NULL, 'H'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct mysrc_opts o;
    struct mysrc_cbs cbs;
    struct binlog_tool t;
    struct evdns_base *dns = NULL;
    struct event *sigterm = NULL, *sigint = NULL;
    char err[512];
    bool have_pos = false;
    uint64_t v;
    int c;

    memset(&o, 0, sizeof(o));
    memset(&t, 0, sizeof(t));
    log_current_level = LOG_WARN;
    o.server_id = 1000000 + (uint32_t)(getpid() % 1000000);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            o.url = optarg;
            break;
        case 'f':
            o.start = MYSRC_START_FILE_POS;
            o.start_file = optarg;
            break;
        case 'p':
            if (!parse_u64(optarg, UINT32_MAX, &v)) {
                fprintf(stderr, "tandem binlog: --from-pos '%s' is not a "
                        "binlog position (0..4294967295)\n", optarg);
                return 1;
            }
            o.start_pos = v;
            have_pos = true;
            break;
        case 'g':
            o.start = MYSRC_START_GTID;
            o.start_gtid = optarg;
            break;
        case 'u':
            o.until_now = true;
            break;
        case 'i':
            if (!parse_u64(optarg, UINT32_MAX, &v) || v == 0) {
                fprintf(stderr, "tandem binlog: --server-id '%s' must be "
                        "1..4294967295\n", optarg);
                return 1;
            }
            o.server_id = (uint32_t)v;
            break;
        case 'H':
            if (!parse_u64(optarg, 3600000, &v) || v == 0) {
                fprintf(stderr, "tandem binlog: --heartbeat-ms '%s' must be "
                        "1..3600000\n", optarg);
                return 1;
            }
            o.heartbeat_ms = (unsigned)v;
            break;
        case 'l':
            if (!log_level_parse(optarg, &log_current_level)) {
                fprintf(stderr, "tandem binlog: --log-level '%s' is not one "
                        "of error, warn, info, debug, trace\n", optarg);
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
        fprintf(stderr, "tandem binlog: %s\n", o.url == NULL ?
                "--source URL is required" : "unexpected argument");
        usage(stderr);
        return 1;
    }
    if (have_pos && o.start != MYSRC_START_FILE_POS) {
        fprintf(stderr, "tandem binlog: --from-pos needs --from-file\n");
        return 1;
    }
    if (o.start_file != NULL && o.start_gtid != NULL) {
        fprintf(stderr, "tandem binlog: give --from-file/--from-pos or "
                "--from-gtid, not both\n");
        return 1;
    }
    if (o.start == MYSRC_START_FILE_POS && !have_pos) {
        o.start_pos = 4;
    }

    signal(SIGPIPE, SIG_IGN);
    t.base = event_base_new();
    if (t.base == NULL) {
        fprintf(stderr, "tandem binlog: cannot create the event loop\n");
        return 1;
    }
    dns = evdns_base_new(t.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    memset(&cbs, 0, sizeof(cbs));
    cbs.on_row = on_row;
    cbs.on_ddl = on_ddl;
    cbs.on_commit = on_commit;
    cbs.on_end = on_end;
    cbs.on_table_error = on_table_error;
    o.log_ctx = "cmd=binlog";
    t.src = mysrc_new(t.base, dns, &o, &cbs, &t, err, sizeof(err));
    if (t.src == NULL) {
        log_error("%s", err);
        t.status = 1;
        goto out;
    }
    sigterm = evsignal_new(t.base, SIGTERM, on_signal, &t);
    sigint = evsignal_new(t.base, SIGINT, on_signal, &t);
    if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) ||
        evsignal_add(sigint, NULL)) {
        log_error("cannot install signal handlers");
        t.status = 1;
        goto out;
    }
    if (mysrc_start(t.src, err, sizeof(err)) != 0) {
        log_error("%s", err);
        t.status = 1;
        goto out;
    }
    while (!t.ended) {
        if (event_base_loop(t.base, EVLOOP_ONCE) < 0) {
            break;
        }
    }
    out_flush(&t);
out:
    if (sigterm != NULL) {
        event_free(sigterm);
    }
    if (sigint != NULL) {
        event_free(sigint);
    }
    mysrc_free(t.src);
    /* Let libevent finish freeing what was closed (TLS bufferevents are
     * released from the loop). */
    event_base_loop(t.base, EVLOOP_NONBLOCK);
    if (dns != NULL) {
        evdns_base_free(dns, 0);
    }
    event_base_free(t.base);
    pbuf_free(&t.out);
    pbuf_free(&t.file_text.raw);
    pbuf_free(&t.file_text.json);
    pbuf_free(&t.gtid_text.raw);
    pbuf_free(&t.gtid_text.json);
    for (c = 0; c < NAME_CACHE_SLOTS; c++) {
        pbuf_free(&t.names[c].text);
        free(t.names[c].key_off);
    }
    mysql_format_ctx_free(&t.fmt);
    jsonb_tree_free(&t.jtree);
    return t.status;
}
