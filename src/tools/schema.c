/*
 * schema.c - `tandem schema TASK.json`: prints the statements that create
 * a task's databases and tables at its destination, read from the source
 * and rewritten with the task's names and column rules (schema_copy.h).
 * The destination is not touched.
 *
 * Output, one statement a line, each ending with ';', ready for the
 * mariadb/mysql client:
 *
 *   SET SESSION foreign_key_checks = 0;    tables are in name order, not
 *                                          in foreign-key order
 *   CREATE DATABASE IF NOT EXISTS `shop2` CHARACTER SET ... COLLATE ...;
 *   USE `shop2`;                           before the tables of a database
 *   CREATE TABLE `orders` ( `id` int(11) NOT NULL, ... ) ENGINE=...;
 *
 * SHOW CREATE TABLE's line breaks between clauses become one space; a
 * line break inside a quoted string or name is kept as it is (its
 * meaning would change otherwise), so such a statement spans lines.
 *
 * Exit 0 on success; 1 with one line on stderr on any error; 2 for a
 * usage error.
 */
#include "src/tools/tools.h"

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <event2/event.h>

#include "src/core/log.h"
#include "src/core/url.h"
#include "src/source/myconn.h"
#include "src/task/schema_copy.h"
#include "src/task/spec.h"

#define SCHEMA_DEFAULT_CONNECT_MS 10000
#define SCHEMA_DEFAULT_READ_MS 600000

/* One run of the tool. */
struct schema_run {
    struct event_base *base;      /* the loop */
    const struct task_spec *spec; /* the task */
    struct schema_copy *sc;       /* the schema read, once connected */
    unsigned read_timeout_ms;     /* io timeout while reading */
    int status;                   /* exit status */
    char err[1024];               /* error line when status != 0 */
};

static void
usage(FILE *f)
{
    fprintf(
        f,
        "usage: tandem schema TASK.json [--log-level L]\n"
        "\n"
        "Prints the statements that create the task's databases and tables\n"
        "at its destination (names mapped, excluded columns left out), read\n"
        "from the source.  The destination is not touched.\n"
        "\n"
        "  --log-level L    error|warn|info|debug|trace (default warn)\n");
}

static void
schema_fail(struct schema_run *r, const char *err)
{
    r->status = 1;
    snprintf(r->err, sizeof(r->err), "%s", err);
    event_base_loopbreak(r->base);
}

/* Writes <sql> on one line: a line break outside quotes, with the
 * indentation after it, becomes one space. */
static void
put_one_line(FILE *out, const char *sql)
{
    const char *p = sql;
    char quote = 0;

    while (*p != '\0') {
        char ch = *p;

        if (quote != 0) {
            fputc(ch, out);
            if (ch == '\\' && quote != '`' && p[1] != '\0') {
                fputc(p[1], out);
                p += 2;
                continue;
            }
            if (ch == quote) {
                /* A doubled quote stays inside: the next round reopens. */
                quote = 0;
            }
            p++;
            continue;
        }
        if (ch == '\r' || ch == '\n') {
            while (*p == '\r' || *p == '\n' || *p == ' ' || *p == '\t') {
                p++;
            }
            fputc(' ', out);
            continue;
        }
        if (ch == '\'' || ch == '"' || ch == '`') {
            quote = ch;
        }
        fputc(ch, out);
        p++;
    }
}

static void
print_stmts(struct schema_run *r)
{
    const struct schema_stmt *v;
    const char *cur = NULL;
    size_t i, n;

    v = schema_copy_stmts(r->sc, &n);
    fputs("SET SESSION foreign_key_checks = 0;\n", stdout);
    for (i = 0; i < n; i++) {
        if (v[i].kind == SCHEMA_STMT_CREATE_TABLE &&
            (cur == NULL || strcmp(cur, v[i].db) != 0)) {
            /* The name needs the quoting sqlenc_ident() gives: ` doubled. */
            const char *q;

            fputs("USE `", stdout);
            for (q = v[i].db; *q != '\0'; q++) {
                if (*q == '`') {
                    fputc('`', stdout);
                }
                fputc(*q, stdout);
            }
            fputs("`;\n", stdout);
            cur = v[i].db;
        }
        put_one_line(stdout, v[i].sql);
        fputs(";\n", stdout);
    }
}

static void
on_done(struct schema_copy *sc, const char *err, void *arg)
{
    struct schema_run *r = arg;

    (void)sc;
    if (err != NULL) {
        schema_fail(r, err);
        return;
    }
    r->status = 0;
    event_base_loopbreak(r->base);
}

static void
on_ready(struct myconn *c, void *arg)
{
    struct schema_run *r = arg;
    char err[256];

    clog(LOG_DEBUG, NULL, "connected: server %s, connection id %u",
         myconn_server_version(c), (unsigned)myconn_connection_id(c));
    myconn_set_io_timeout(c, r->read_timeout_ms);
    r->sc = schema_copy_start(r->spec, c, on_done, r, err, sizeof(err));
    if (r->sc == NULL) {
        schema_fail(r, err);
    }
}

static void
on_error(struct myconn *c, const char *err, void *arg)
{
    (void)c;
    schema_fail(arg, err);
}

/* Connects to the source and reads the schema into r->sc. */
static void
run(struct schema_run *r, const struct url *u, unsigned connect_ms)
{
    /* failed until a callback says otherwise */
    r->status = 1;
    snprintf(r->err, sizeof(r->err), "the event loop stopped early");
    tool_oneshot_run(u, NULL, connect_ms, on_ready, on_error, r, &r->base,
                     r->err, sizeof(r->err));
}

int
tool_schema_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct task_spec spec;
    struct schema_run r;
    struct url u;
    unsigned connect_ms = SCHEMA_DEFAULT_CONNECT_MS;
    char err[1024];
    int c;

    memset(&r, 0, sizeof(r));
    memset(&spec, 0, sizeof(spec));
    r.status = 1;
    r.read_timeout_ms = SCHEMA_DEFAULT_READ_MS;
    log_current_level = LOG_WARN;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if (!log_level_parse(optarg, &log_current_level)) {
                fprintf(stderr,
                        "tandem schema: --log-level '%s' is not one "
                        "of error, warn, info, debug, trace\n",
                        optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tandem schema: give one task spec file "
                        "(usage: tandem schema TASK.json)\n");
        return 2;
    }
    if (task_spec_load_file(argv[optind], &spec, err, sizeof(err)) != 0) {
        fprintf(stderr, "tandem schema: %s\n", err);
        return 1;
    }
    if (spec.source.type == TASK_ENGINE_REDIS) {
        fprintf(stderr, "tandem schema: %s is a Redis task: Redis has no "
                        "schema to create\n", argv[optind]);
        task_spec_free(&spec);
        return 1;
    }
    if (url_parse(spec.source.url, &u, err, sizeof(err)) != 0) {
        fprintf(stderr, "tandem schema: source %s\n", err);
        task_spec_free(&spec);
        return 1;
    }
    if (url_param_ms(&u, "connect_timeout", &connect_ms, err, sizeof(err)) <
            0 ||
        url_param_ms(&u, "read_timeout", &r.read_timeout_ms, err, sizeof(err)) <
            0) {
        fprintf(stderr, "tandem schema: source %s\n", err);
        url_free(&u);
        task_spec_free(&spec);
        return 1;
    }
    /* A closed stdout must fail the write, not kill the process. */
    signal(SIGPIPE, SIG_IGN);
    r.spec = &spec;
    run(&r, &u, connect_ms);
    url_free(&u);
    if (r.status == 0) {
        print_stmts(&r);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            snprintf(r.err, sizeof(r.err),
                     "cannot write the statements to "
                     "stdout");
            r.status = 1;
        }
    }
    schema_copy_free(r.sc);
    task_spec_free(&spec);
    if (r.status != 0) {
        fprintf(stderr, "tandem schema: %s\n", r.err);
    }
    return r.status;
}
