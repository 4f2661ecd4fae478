/*
 * loaddata_probe.c - drives src/source/myconn.c against a real server for
 * tests/integration/test_conn_load.py (built by that test with
 * build/libproto.a and the sources myconn.c needs).
 *
 *   loaddata_probe [-t] <host> <port> <user> <password> <db> <cmd>...
 *
 * Logs in (-t: TLS without verification), then runs every <cmd> in turn
 * on that one connection:
 *   q:<sql>                myconn_query()
 *   load:<data>:<sql>      myconn_load() with generated <data>:
 *     rows=N     N rows "id \t txt \t bin \t opt": txt holds tabs, newlines,
 *                backslashes, UTF-8 and (every 5th row) a NUL; bin holds
 *                arbitrary bytes; opt is \N every 3rd row, else id*10
 *     big=M      rows "id \t payload" of (id*7919) % 150001 copies of the
 *                letter 'a' + id % 26, until at least M MiB
 *     exact=K    rows "id \t payload" of exactly K * MYCONN_INFILE_PACKET
 *                bytes in all
 *     empty      no bytes
 * and prints, per command (prefix: its index from 1):
 *   <i> data rows=R bytes=B sumlen=S packets=P rss_kb=K   (load: what is
 *       sent; S sums the payload/txt field lengths before escaping; K is
 *       the peak resident size with the data built, before sending)
 *   <i> ok affected=A warnings=W infile_ticks=T     (T: 5 ms timer ticks
 *       seen while the connection was in state INFILE)
 *   <i> row <cell>\t<cell>...                       (\N for NULL)
 *   <i> err <server error>
 * then "maxrss_kb=K" (peak resident size of the whole run) and exits 0.  A fatal connection error prints
 * "fatal <message>" on stderr and exits 1; bad usage exits 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <event2/event.h>

#include "proto/buf.h"
#include "proto/mysql/packet.h"
#include "src/core/log.h"
#include "src/source/myconn.h"

/* Program state. */
struct probe {
    struct event_base *base;     /* the loop */
    struct myconn *c;            /* the connection */
    struct event *tick;          /* 5 ms timer */
    char **cmds;                 /* commands from the command line */
    int ncmds;                   /* their number */
    int next;                    /* index of the command to run next */
    struct pbuf data;            /* LOAD DATA bytes of the current command */
    unsigned long infile_ticks;  /* ticks seen in state INFILE */
    int status;                  /* exit status */
};

static void run_next(struct probe *pr);

static void
usage(void)
{
    fprintf(stderr, "usage: loaddata_probe [-t] host port user password db "
            "q:SQL|load:DATA:SQL...\n");
    exit(2);
}

/* Appends <p>/<n> as one LOAD DATA field with the default escapes. */
static void
put_field(struct pbuf *b, const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        switch (p[i]) {
        case '\0':
            pbuf_put(b, "\\0", 2);
            break;
        case '\t':
            pbuf_put(b, "\\t", 2);
            break;
        case '\n':
            pbuf_put(b, "\\n", 2);
            break;
        case '\\':
            pbuf_put(b, "\\\\", 2);
            break;
        default:
            pbuf_putc(b, (char)p[i]);
            break;
        }
    }
}

/* rows=N; returns the summed txt lengths.  The same rule lives in
 * test_conn_load.py (expected_rows). */
static size_t
gen_rows(struct pbuf *b, long n, long *rows)
{
    static const char utf8[] = "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";
    uint8_t txt[256], bin[64];
    size_t sum = 0, k, j;
    long i;

    for (i = 1; i <= n; i++) {
        k = (size_t)snprintf((char *)txt, sizeof(txt),
                             "r%ld tab\there nl\nthere bs\\ %s", i, utf8);
        if (i % 5 == 0) {
            txt[k++] = '\0';
            txt[k++] = 'z';
        }
        for (j = 0; j < (size_t)(i % 40); j++) {
            bin[j] = (uint8_t)((i * 31 + (long)j * 7) & 0xff);
        }
        pbuf_printf(b, "%ld\t", i);
        put_field(b, txt, k);
        pbuf_putc(b, '\t');
        put_field(b, bin, (size_t)(i % 40));
        if (i % 3 == 0) {
            pbuf_puts(b, "\t\\N\n");
        } else {
            pbuf_printf(b, "\t%ld\n", i * 10);
        }
        sum += k;
    }
    *rows = n;
    return sum;
}

/* One "id \t payload" row of <len> copies of <ch>. */
static void
put_payload_row(struct pbuf *b, long id, size_t len, char ch)
{
    size_t at;

    pbuf_printf(b, "%ld\t", id);
    at = b->len;
    if (!pbuf_reserve(b, len + 1)) {
        return;
    }
    memset(b->data + at, ch, len);
    b->len = at + len;
    pbuf_putc(b, '\n');
}

/* big=M; returns the summed payload lengths. */
static size_t
gen_big(struct pbuf *b, long mib, long *rows)
{
    size_t sum = 0, len, target = (size_t)mib * 1024 * 1024;
    long i;

    /* Sized once: a growing buffer's realloc copies would blur maxrss. */
    pbuf_reserve(b, target + 160 * 1024);
    for (i = 1; b->len < target && !b->failed; i++) {
        len = (size_t)((i * 7919) % 150001);
        put_payload_row(b, i, len, (char)('a' + i % 26));
        sum += len;
    }
    *rows = i - 1;
    return sum;
}

/* exact=K: rows of 1000-byte payloads, the last one padded so that the
 * file is exactly K * MYCONN_INFILE_PACKET bytes. */
static size_t
gen_exact(struct pbuf *b, long k, long *rows)
{
    size_t sum = 0, target = (size_t)k * MYCONN_INFILE_PACKET, len;
    char head[32];
    long i;

    pbuf_reserve(b, target);
    for (i = 1; !b->failed; i++) {
        len = 1000;
        /* Leave room for one more full row, else pad this one. */
        if (target - b->len < 3000) {
            len = target - b->len -
                  (size_t)snprintf(head, sizeof(head), "%ld\t", i) - 1;
        }
        put_payload_row(b, i, len, 'x');
        sum += len;
        if (b->len >= target) {
            break;
        }
    }
    *rows = i;
    return sum;
}

static void
print_cell(struct span s, bool null)
{
    if (null) {
        fputs("\\N", stdout);
    } else {
        fwrite(s.p, 1, s.len, stdout);
    }
}

static void
on_result(struct myconn *c, const struct myresult *res, const char *err,
          void *arg)
{
    struct probe *pr = arg;
    size_t r;
    unsigned col;

    (void)c;
    if (err != NULL) {
        printf("%d err %s\n", pr->next, err);
    } else if (res->ncols == 0) {
        printf("%d ok affected=%llu warnings=%u infile_ticks=%lu\n",
               pr->next, (unsigned long long)res->affected_rows,
               (unsigned)res->warnings, pr->infile_ticks);
    } else {
        for (r = 0; r < res->nrows; r++) {
            printf("%d row ", pr->next);
            for (col = 0; col < res->ncols; col++) {
                if (col > 0) {
                    putchar('\t');
                }
                print_cell(res->cells[r * res->ncols + col],
                           res->nulls[r * res->ncols + col]);
            }
            putchar('\n');
        }
    }
    fflush(stdout);
    pbuf_free(&pr->data);   /* borrowed by myconn_load() until now */
    run_next(pr);
}

/* Builds the data of "load:<data>:"; returns the SQL after it or NULL. */
static const char *
make_data(struct probe *pr, const char *spec)
{
    const char *sql = strchr(spec, ':');
    struct rusage ru;
    long n = 0, rows = 0;
    size_t sum = 0;

    if (sql == NULL) {
        return NULL;
    }
    pbuf_reset(&pr->data);
    if (strncmp(spec, "rows=", 5) == 0) {
        sum = gen_rows(&pr->data, strtol(spec + 5, NULL, 10), &rows);
    } else if (strncmp(spec, "big=", 4) == 0) {
        sum = gen_big(&pr->data, strtol(spec + 4, NULL, 10), &rows);
    } else if (strncmp(spec, "exact=", 6) == 0) {
        n = strtol(spec + 6, NULL, 10);
        sum = gen_exact(&pr->data, n, &rows);
    } else if (strncmp(spec, "empty:", 6) != 0) {
        return NULL;
    }
    if (pr->data.failed) {
        fprintf(stderr, "fatal out of memory for the data\n");
        exit(1);
    }
    getrusage(RUSAGE_SELF, &ru);
    printf("%d data rows=%ld bytes=%zu sumlen=%zu packets=%zu rss_kb=%ld\n",
           pr->next, rows, pr->data.len, sum,
           (pr->data.len + MYCONN_INFILE_PACKET - 1) / MYCONN_INFILE_PACKET,
           ru.ru_maxrss);
    return sql + 1;
}

static void
finish(struct probe *pr)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    printf("maxrss_kb=%ld\n", ru.ru_maxrss);
    fflush(stdout);
    event_base_loopexit(pr->base, NULL);
}

static void
run_next(struct probe *pr)
{
    const char *cmd, *sql;
    int rc;

    if (pr->next >= pr->ncmds) {
        finish(pr);
        return;
    }
    cmd = pr->cmds[pr->next++];
    pr->infile_ticks = 0;
    if (strncmp(cmd, "q:", 2) == 0) {
        rc = myconn_query(pr->c, cmd + 2, on_result, pr);
    } else if (strncmp(cmd, "load:", 5) == 0 &&
               (sql = make_data(pr, cmd + 5)) != NULL) {
        rc = myconn_load(pr->c, sql, pr->data.data, pr->data.len, on_result,
                         pr);
    } else {
        fprintf(stderr, "bad command: %s\n", cmd);
        exit(2);
    }
    if (rc != 0) {
        fprintf(stderr, "fatal command %d refused in state %s\n", pr->next,
                myconn_state_name(myconn_get_state(pr->c)));
        pr->status = 1;
        event_base_loopexit(pr->base, NULL);
    }
}

static void
on_ready(struct myconn *c, void *arg)
{
    struct probe *pr = arg;

    printf("0 login local_files=%d\n",
           (myconn_capabilities(c) & MYSQL_CLIENT_LOCAL_FILES) != 0);
    run_next(pr);
}

static void
on_error(struct myconn *c, const char *err, void *arg)
{
    struct probe *pr = arg;

    (void)c;
    fprintf(stderr, "fatal %s\n", err);
    pr->status = 1;
    event_base_loopexit(pr->base, NULL);
}

static void
on_tick(evutil_socket_t fd, short what, void *arg)
{
    struct probe *pr = arg;

    (void)fd;
    (void)what;
    if (myconn_get_state(pr->c) == MYCONN_INFILE) {
        pr->infile_ticks++;
    }
}

int
main(int argc, char **argv)
{
    struct probe pr;
    struct myconn_opts o;
    struct timeval tv = {0, 5000};
    int a = 1;

    memset(&pr, 0, sizeof(pr));
    memset(&o, 0, sizeof(o));
    if (a < argc && strcmp(argv[a], "-t") == 0) {
        o.tls = 1;
        a++;
    }
    if (argc - a < 6) {
        usage();
    }
    o.host = argv[a];
    o.port = (uint16_t)atoi(argv[a + 1]);
    o.user = argv[a + 2];
    o.password = argv[a + 3];
    o.db = argv[a + 4];
    o.connect_timeout_ms = 10000;
    pr.cmds = argv + a + 5;
    pr.ncmds = argc - a - 5;
    if (getenv("PROBE_DEBUG") != NULL) {
        log_current_level = LOG_DEBUG;
    }
    pr.base = event_base_new();
    pr.c = pr.base != NULL ? myconn_new(pr.base, NULL, &o) : NULL;
    pr.tick = pr.base != NULL
                  ? event_new(pr.base, -1, EV_PERSIST, on_tick, &pr) : NULL;
    if (pr.c == NULL || pr.tick == NULL) {
        fprintf(stderr, "fatal out of memory\n");
        return 1;
    }
    myconn_set_io_timeout(pr.c, 60000);
    event_add(pr.tick, &tv);
    if (myconn_connect(pr.c, on_ready, on_error, &pr) != 0) {
        fprintf(stderr, "fatal cannot start connecting\n");
        return 1;
    }
    event_base_dispatch(pr.base);
    myconn_free(pr.c);
    event_free(pr.tick);
    event_base_free(pr.base);
    pbuf_free(&pr.data);
    return pr.status;
}
