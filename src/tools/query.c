/*
 * query.c - `tandem query [-v] URL SQL`: connect to a MySQL/MariaDB
 * server, run one statement and print its rows on stdout, tab-separated,
 * escaped as `mariadb --batch` does (\t \n \\ \0, NULL as \N), no header.
 * Exit status 0 on success; on any error one line on stderr and 1.
 *
 * URL parameters: tls=disable|require|verify, ca=FILE, connect_timeout=MS
 * (each step up to login, default 10000), read_timeout=MS (silence allowed
 * while the statement runs, default 600000, 0 for none).
 */
#include "src/tools/tools.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "src/core/log.h"
#include "src/core/url.h"
#include "src/source/myconn.h"

#define QUERY_DEFAULT_CONNECT_MS 10000
#define QUERY_DEFAULT_READ_MS 600000

static const char *const query_params[] = {
    "tls", "ca", "connect_timeout", "read_timeout", NULL,
};

/* One run of the tool. */
struct query_run {
    struct event_base *base;     /* the loop */
    const char *sql;             /* statement to run */
    int status;                  /* exit status */
    char err[1024];              /* error line when status != 0 */
    unsigned read_timeout_ms;    /* io timeout while the query runs */
};

static void
usage(FILE *f)
{
    fprintf(f, "usage: tandem query [-v] URL SQL\n"
               "  URL  mysql://user:password@host:port[/db]"
               "[?tls=verify&ca=FILE]\n"
               "  -v   debug logs on stderr\n");
}

static void
query_fail(struct query_run *r, const char *err)
{
    r->status = 1;
    snprintf(r->err, sizeof(r->err), "%s", err);
    event_base_loopbreak(r->base);
}

/* Writes <n> bytes of a cell, escaped as mariadb --batch does. */
static void
put_cell(FILE *out, const uint8_t *p, size_t n)
{
    size_t i, start = 0;
    const char *esc;

    for (i = 0; i < n; i++) {
        switch (p[i]) {
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\\':
            esc = "\\\\";
            break;
        case '\0':
            esc = "\\0";
            break;
        default:
            continue;
        }
        fwrite(p + start, 1, i - start, out);
        fputs(esc, out);
        start = i + 1;
    }
    fwrite(p + start, 1, n - start, out);
}

static void
on_result(struct myconn *c, const struct myresult *res, const char *err,
          void *arg)
{
    struct query_run *r = arg;
    size_t row, col, i;

    (void)c;
    if (err != NULL) {
        query_fail(r, err);
        return;
    }
    for (row = 0; row < res->nrows; row++) {
        for (col = 0; col < res->ncols; col++) {
            i = row * res->ncols + col;
            if (col > 0) {
                fputc('\t', stdout);
            }
            if (res->nulls[i]) {
                fputs("\\N", stdout);
            } else {
                put_cell(stdout, res->cells[i].p, res->cells[i].len);
            }
        }
        fputc('\n', stdout);
    }
    r->status = 0;
    event_base_loopbreak(r->base);
}

static void
on_ready(struct myconn *c, void *arg)
{
    struct query_run *r = arg;

    clog(LOG_DEBUG, NULL, "connected: server %s, connection id %u",
         myconn_server_version(c), (unsigned)myconn_connection_id(c));
    myconn_set_io_timeout(c, r->read_timeout_ms);
    if (myconn_query(c, r->sql, on_result, r) < 0) {
        query_fail(r, "cannot send the query");
    }
}

static void
on_error(struct myconn *c, const char *err, void *arg)
{
    (void)c;
    query_fail(arg, err);
}

/* Connects, runs r->sql and fills r->status / r->err. */
static void
run(struct query_run *r, const struct url *u, unsigned connect_ms)
{
    /* failed until a callback says otherwise */
    r->status = 1;
    snprintf(r->err, sizeof(r->err), "the event loop stopped early");
    tool_oneshot_run(u, u->db, connect_ms, on_ready, on_error, r, &r->base,
                     r->err, sizeof(r->err));
}

int
tool_query_main(int argc, char **argv)
{
    struct query_run r;
    struct url u;
    const char *pos[2];
    unsigned connect_ms = QUERY_DEFAULT_CONNECT_MS;
    char err[256];
    int i, npos = 0;
    bool opts_done = false;

    memset(&r, 0, sizeof(r));
    r.status = 1;
    r.read_timeout_ms = QUERY_DEFAULT_READ_MS;
    for (i = 1; i < argc; i++) {
        if (!opts_done && strcmp(argv[i], "--") == 0) {
            opts_done = true;
        } else if (!opts_done && (strcmp(argv[i], "-h") == 0 ||
                                  strcmp(argv[i], "--help") == 0)) {
            usage(stdout);
            return 0;
        } else if (!opts_done && (strcmp(argv[i], "-v") == 0 ||
                                  strcmp(argv[i], "--verbose") == 0)) {
            log_current_level = LOG_DEBUG;
        } else if (!opts_done && argv[i][0] == '-' && argv[i][1] != '\0') {
            fprintf(stderr, "tandem query: unknown option '%s'\n", argv[i]);
            return 1;
        } else if (npos < 2) {
            pos[npos++] = argv[i];
        } else {
            npos++;
        }
    }
    if (npos != 2) {
        fprintf(stderr, "tandem query: expected URL and SQL " \
                        "(usage: tandem query [-v] URL SQL)\n");
        return 1;
    }
    if (url_parse(pos[0], &u, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return 1;
    }
    if (strcmp(u.scheme, "mysql") != 0 && strcmp(u.scheme, "mariadb") != 0) {
        fprintf(stderr, "url: tandem query needs a mysql:// URL\n");
        url_free(&u);
        return 1;
    }
    if (url_check_params(&u, query_params, err, sizeof(err)) < 0 ||
        url_param_ms(&u, "connect_timeout", &connect_ms, err,
                     sizeof(err)) < 0 ||
        url_param_ms(&u, "read_timeout", &r.read_timeout_ms, err,
                     sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        url_free(&u);
        return 1;
    }
    /* A closed stdout must fail the write, not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    r.sql = pos[1];
    run(&r, &u, connect_ms);
    url_free(&u);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        if (r.status == 0) {
            snprintf(r.err, sizeof(r.err), "cannot write the rows to stdout");
        }
        r.status = 1;
    }
    if (r.status != 0) {
        fprintf(stderr, "%s\n", r.err);
    }
    return r.status;
}
