/*
 * task_cli.c - `tandem task [-c CONF] [-s HOST:PORT] [-d DATA_DIR] VERB
 * ARGS`: the daemon's tasks through its HTTP API (GET/POST/DELETE on
 * /v1/tasks, see src/admin/http.h), one request per connection with
 * src/admin/client.h.
 *
 * Where the daemon is: listen and data_dir of the daemon's config (-c
 * CONF, else $TANDEM_CONF, else the built-in defaults 127.0.0.1:8730 and
 * tandem-data); -s and -d override them.  The API's bearer token is the
 * first line of DATA_DIR/token, a relative DATA_DIR being taken from the
 * current directory (the daemon takes it from its own).
 *
 *   create -f SPEC.json      "created NAME" (SPEC "-": standard input)
 *   list                     NAME STATUS PHASE DELAY TPS ERROR
 *   show NAME                the task as JSON, indented
 *   precheck NAME            ITEM STATUS CAUSE/FIX, then "NAME: ready" or
 *                            "NAME: precheck_failed" (exit status 1)
 *   start|pause|resume|stop|reset NAME    "NAME: <status>"
 *   delete NAME              "deleted NAME"
 *   logs NAME [-f] [--level L] [--since MS]   "TS LEVEL message" lines;
 *                            -f polls every second until interrupted
 *   top [-n N] [-i SECONDS]  every task's NAME STATUS DELAY TPS ROWS/S,
 *                            a frame a second (the screen cleared on a
 *                            terminal, a blank line between frames
 *                            otherwise); -n stops after N frames
 *
 * Exit status: 0; 1 after one line on stderr (the API's error message,
 * the daemon unreachable, the token unreadable); 2 on bad usage.
 * Passwords: the daemon masks them in what it answers, and nothing here
 * prints a spec it read.
 */
#include "src/tools/tools.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "src/admin/client.h"
#include "src/core/config.h"

/* Deadlines: connecting, an ordinary request, a precheck (the daemon
 * answers once every check has run, each may wait for its server). */
#define CLI_CONNECT_MS 5000
#define CLI_IO_MS 60000
#define CLI_PRECHECK_MS 600000

/* The largest spec file sent. */
#define CLI_SPEC_MAX (1u << 20)

/* Where the daemon is and how to speak to it. */
struct cli {
    const char *conf_path;        /* -c or $TANDEM_CONF, NULL: defaults */
    struct config cfg;            /* listen and data_dir, -s/-d applied */
    char token[256];              /* the bearer token */
    char token_path[1100];        /* DATA_DIR/token */
};

/* A verb: its function gets argv from the verb on (argv[0] = verb). */
struct verb {
    const char *name;                                 /* "list" */
    int (*run)(struct cli *c, int argc, char **argv);  /* exit status */
};

/* A text table printed with columns aligned. */
struct table {
    size_t ncols;                 /* cells per row */
    size_t ncells;                /* cells used */
    size_t cap;                   /* cells allocated */
    char **cells;                 /* owned, row-major */
};

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: tandem task [-c CONF] [-s HOST:PORT] [-d DATA_DIR] VERB "
        "[ARGS]\n"
        "  -c CONF        the daemon's config, for listen and data_dir "
        "(default:\n"
        "                 $TANDEM_CONF, else 127.0.0.1:8730 and "
        "tandem-data)\n"
        "  -s HOST:PORT   the daemon's address (overrides listen)\n"
        "  -d DATA_DIR    the daemon's data_dir, which holds the API token "
        "(overrides\n"
        "                 data_dir)\n"
        "verbs:\n"
        "  create -f SPEC.json       create a task from its spec "
        "(-: standard input)\n"
        "  list                      every task: status, phase, delay, "
        "TPS, error\n"
        "  show NAME                 a task as JSON (passwords masked)\n"
        "  precheck NAME             check the task's servers; exit 1 when "
        "a check fails\n"
        "  start|pause|resume|stop|reset NAME\n"
        "  delete NAME\n"
        "  logs NAME [-f] [--level error|warn|info] [--since MS]\n"
        "                            the task's log; -f follows it\n"
        "  top [-n N] [-i SECONDS]   every task's delay and rates, "
        "refreshed\n");
}

/* A usage error: one line, then the usage.  Returns 2. */
static int bad_usage(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static int
bad_usage(const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "tandem task: ");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    usage(stderr);
    return 2;
}

/* getopt's '?': an unknown option or one without its value. */
static int
bad_option(char **argv)
{
    char opt[3] = {'-', (char)optopt, '\0'};
    const char *last = optind > 0 ? argv[optind - 1] : "";

    /* a long option is named whole; a short one may sit in a bundle */
    return bad_usage("unknown option or missing value: '%s'",
                     strncmp(last, "--", 2) == 0 || optopt == 0 ? last :
                     opt);
}

/* -s "host:port" or "[v6]:port" into cfg. */
static int
parse_address(struct config *cfg, const char *v)
{
    const char *colon = strrchr(v, ':');
    const char *h = v;
    size_t hlen;
    char *end;
    unsigned long port;

    if (colon == NULL || colon == v) {
        return -1;
    }
    hlen = (size_t)(colon - v);
    if (h[0] == '[' && hlen >= 2 && h[hlen - 1] == ']') {
        h++;
        hlen -= 2;
    }
    errno = 0;
    port = strtoul(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || errno != 0 || port == 0 ||
        port > 65535 || hlen == 0 || hlen >= sizeof(cfg->listen_host)) {
        return -1;
    }
    memcpy(cfg->listen_host, h, hlen);
    cfg->listen_host[hlen] = '\0';
    cfg->listen_port = (uint16_t)port;
    return 0;
}

/* DATA_DIR/token's first line into c->token.  0, or -1 after the error
 * line. */
static int
load_token(struct cli *c)
{
    static const char fix[] = "run tandem task where the daemon's data_dir "
                              "is, or pass -c CONF or -d DATA_DIR";
    FILE *f;
    size_t n;

    snprintf(c->token_path, sizeof(c->token_path), "%s/token",
             c->cfg.data_dir);
    f = fopen(c->token_path, "re");
    if (f == NULL) {
        fprintf(stderr, "tandem task: cannot read the API token %s: %s — "
                "%s\n", c->token_path, strerror(errno), fix);
        return -1;
    }
    n = fread(c->token, 1, sizeof(c->token) - 1, f);
    fclose(f);
    c->token[n] = '\0';
    c->token[strcspn(c->token, "\r\n")] = '\0';
    n = strlen(c->token);
    while (n > 0 && (c->token[n - 1] == ' ' || c->token[n - 1] == '\t')) {
        c->token[--n] = '\0';
    }
    if (n == 0 || strpbrk(c->token, " \t") != NULL) {
        fprintf(stderr, "tandem task: %s holds no API token — %s\n",
                c->token_path, fix);
        return -1;
    }
    return 0;
}

/* Where the listen address comes from, for the unreachable hint. */
static void
listen_hint(const struct cli *c, char *out, size_t outlen)
{
    if (c->conf_path != NULL) {
        snprintf(out, outlen, "check listen in %s", c->conf_path);
    } else {
        snprintf(out, outlen, "pass the daemon's config with -c CONF or "
                 "its address with -s HOST:PORT");
    }
}

/*
 * One request; a 2xx answer's JSON into *out (owned by the caller).
 * Returns 0, or 1 after the error line: the API's own message for a 4xx
 * or 5xx answer.
 */
static int
call(struct cli *c, const char *method, const char *target,
     const char *body, size_t body_len, unsigned io_ms, json_t **out)
{
    struct admin_client_req req;
    struct admin_client_reply r;
    enum admin_client_rc rc;
    char err[512], hint[1200];
    json_error_t jerr;
    json_t *j, *msg;

    *out = NULL;
    memset(&req, 0, sizeof(req));
    req.host = c->cfg.listen_host;
    req.port = c->cfg.listen_port;
    req.method = method;
    req.target = target;
    req.token = c->token;
    req.body = body;
    req.body_len = body_len;
    req.connect_ms = CLI_CONNECT_MS;
    req.io_ms = io_ms;
    rc = admin_client_request(&req, &r, err, sizeof(err));
    if (rc == ADMIN_CLIENT_UNREACHABLE) {
        listen_hint(c, hint, sizeof(hint));
        fprintf(stderr, "tandem task: cannot reach the daemon at %s:%u: "
                "%s — is `tandem serve` running? %s\n",
                c->cfg.listen_host, (unsigned)c->cfg.listen_port, err, hint);
        return 1;
    }
    if (rc != ADMIN_CLIENT_OK) {
        fprintf(stderr, "tandem task: no answer from the daemon at %s:%u to "
                "%s %s: %s — check the daemon's log\n", c->cfg.listen_host,
                (unsigned)c->cfg.listen_port, method, target, err);
        return 1;
    }
    j = json_loadb(r.body, r.body_len, 0, &jerr);
    if (r.status < 200 || r.status > 299) {
        msg = json_object_get(j, "error");
        if (r.status == 401) {
            fprintf(stderr, "tandem task: the daemon at %s:%u refused the "
                    "token of %s (%s) — pass the -c CONF or -d DATA_DIR of "
                    "the daemon that listens there\n", c->cfg.listen_host,
                    (unsigned)c->cfg.listen_port, c->token_path,
                    json_is_string(msg) ? json_string_value(msg) :
                    "HTTP 401");
        } else if (json_is_string(msg)) {
            fprintf(stderr, "tandem task: %s\n", json_string_value(msg));
        } else {
            fprintf(stderr, "tandem task: the daemon at %s:%u answered %s "
                    "%s with HTTP %d and no error message — check the "
                    "daemon's log\n", c->cfg.listen_host,
                    (unsigned)c->cfg.listen_port, method, target, r.status);
        }
        json_decref(j);
        admin_client_reply_free(&r);
        return 1;
    }
    admin_client_reply_free(&r);
    if (j == NULL) {
        fprintf(stderr, "tandem task: the daemon at %s:%u answered %s %s "
                "with no JSON (%s) — check that -s names a tandem daemon\n",
                c->cfg.listen_host, (unsigned)c->cfg.listen_port, method,
                target, jerr.text);
        return 1;
    }
    *out = j;
    return 0;
}

/* "/v1/tasks/NAME" + <suffix>, NAME %-encoded (RFC 3986 unreserved kept).
 * -1 when it does not fit. */
static int
task_path(char *out, size_t outlen, const char *name, const char *suffix)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = (size_t)snprintf(out, outlen, "/v1/tasks/");
    const unsigned char *p;

    for (p = (const unsigned char *)name; *p != '\0'; p++) {
        if (n + 4 >= outlen) {
            return -1;
        }
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
            *p == '_' || *p == '~') {
            out[n++] = (char)*p;
        } else {
            out[n++] = '%';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        }
    }
    if (n + strlen(suffix) >= outlen) {
        return -1;
    }
    snprintf(out + n, outlen - n, "%s", suffix);
    return 0;
}

/* A member as a string, or <dflt> when absent, null or not a string. */
static const char *
str_of(const json_t *obj, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(obj, key));

    return s != NULL && s[0] != '\0' ? s : dflt;
}

/* A delay in milliseconds, as a person reads it: "120ms", "3.2s",
 * "4m05s", "2h10m"; "-" when null or absent. */
static void
fmt_delay(const json_t *v, char *out, size_t outlen)
{
    double ms;
    long long s;

    if (!json_is_number(v)) {
        snprintf(out, outlen, "-");
        return;
    }
    ms = json_number_value(v);
    if (ms < 0) {
        ms = 0;
    }
    if (ms < 1000) {
        snprintf(out, outlen, "%.0fms", ms);
    } else if (ms < 59950) {
        snprintf(out, outlen, "%.1fs", ms / 1000);
    } else if (ms < 3600000) {
        s = (long long)(ms / 1000 + 0.5);
        snprintf(out, outlen, "%lldm%02llds", s / 60, s % 60);
    } else {
        s = (long long)(ms / 60000 + 0.5);
        snprintf(out, outlen, "%lldh%02lldm", s / 60, s % 60);
    }
}

/* A rate: an integer when whole or large, one decimal when small; "-"
 * when null or absent. */
static void
fmt_rate(const json_t *v, char *out, size_t outlen)
{
    double x;

    if (!json_is_number(v)) {
        snprintf(out, outlen, "-");
        return;
    }
    x = json_number_value(v);
    if (json_is_integer(v) || fabs(x) >= 100 || x == floor(x)) {
        snprintf(out, outlen, "%.0f", x);
    } else {
        snprintf(out, outlen, "%.1f", x);
    }
}

/* Copies <s> with control characters as spaces: one cell, one line. */
static char *
one_line(const char *s)
{
    char *d = strdup(s), *p;

    if (d == NULL) {
        fprintf(stderr, "tandem task: out of memory\n");
        exit(1);
    }
    for (p = d; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            *p = ' ';
        }
    }
    return d;
}

static void
table_init(struct table *t, size_t ncols)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
}

/* Adds a row of t->ncols cells. */
static void
table_add(struct table *t, const char *const *row)
{
    size_t i;

    if (t->ncells + t->ncols > t->cap) {
        size_t ncap = t->cap == 0 ? 16 * t->ncols : t->cap * 2;
        char **p = realloc(t->cells, ncap * sizeof(*p));

        if (p == NULL) {
            fprintf(stderr, "tandem task: out of memory\n");
            exit(1);
        }
        t->cells = p;
        t->cap = ncap;
    }
    for (i = 0; i < t->ncols; i++) {
        t->cells[t->ncells++] = one_line(row[i]);
    }
}

/* Width on a terminal: UTF-8 code points. */
static size_t
text_width(const char *s)
{
    size_t w = 0;

    for (; *s != '\0'; s++) {
        w += ((unsigned char)*s & 0xc0) != 0x80;
    }
    return w;
}

/* Prints the rows, columns two spaces apart, the last one unpadded. */
static void
table_print(const struct table *t, FILE *f)
{
    size_t widths[8] = {0};
    size_t i, col;

    for (i = 0; i < t->ncells; i++) {
        col = i % t->ncols;
        if (col < 8 && text_width(t->cells[i]) > widths[col]) {
            widths[col] = text_width(t->cells[i]);
        }
    }
    for (i = 0; i < t->ncells; i++) {
        col = i % t->ncols;
        fputs(t->cells[i], f);
        if (col + 1 == t->ncols) {
            fputc('\n', f);
        } else {
            fprintf(f, "%*s", (int)(widths[col] -
                    text_width(t->cells[i]) + 2), "");
        }
    }
}

static void
table_free(struct table *t)
{
    size_t i;

    for (i = 0; i < t->ncells; i++) {
        free(t->cells[i]);
    }
    free(t->cells);
    memset(t, 0, sizeof(*t));
}

/* A verb's arguments beyond its options: exactly <want> of them. */
static int
want_args(int argc, char **argv, int want, const char *what)
{
    if (argc - optind < want) {
        return bad_usage("%s needs a task NAME", what);
    }
    if (argc - optind > want) {
        return bad_usage("unexpected argument '%s'", argv[optind + want]);
    }
    return 0;
}

/* Options of a verb that has none but -h. */
static int
no_options(int argc, char **argv)
{
    static const struct option opts[] = {
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int o;

    optind = 0;
    while ((o = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        if (o == 'h') {
            usage(stdout);
            return -1;
        }
        return bad_option(argv);
    }
    return 0;
}

/* Reads <path> ("-": standard input) whole, up to CLI_SPEC_MAX bytes. */
static char *
read_spec(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "re");
    char *buf;
    size_t n;

    if (f == NULL) {
        fprintf(stderr, "tandem task: cannot open %s: %s — give the spec "
                "file with -f SPEC.json\n", path, strerror(errno));
        return NULL;
    }
    buf = malloc(CLI_SPEC_MAX + 1);
    if (buf == NULL) {
        fprintf(stderr, "tandem task: out of memory\n");
        exit(1);
    }
    n = fread(buf, 1, CLI_SPEC_MAX + 1, f);
    if (ferror(f) || n > CLI_SPEC_MAX) {
        fprintf(stderr, "tandem task: cannot read %s: %s\n", path,
                ferror(f) ? strerror(errno) : "larger than 1 MiB — a spec "
                "is a few kilobytes: check the file");
        if (f != stdin) {
            fclose(f);
        }
        free(buf);
        return NULL;
    }
    if (f != stdin) {
        fclose(f);
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int
verb_create(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"file", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    char *spec;
    size_t len = 0;
    json_error_t jerr;
    json_t *j, *r;
    int o, rc;

    optind = 0;
    while ((o = getopt_long(argc, argv, "f:h", opts, NULL)) != -1) {
        switch (o) {
        case 'f':
            path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return bad_option(argv);
        }
    }
    if (path == NULL) {
        return bad_usage("create needs the spec: -f SPEC.json");
    }
    if (optind != argc) {
        return bad_usage("unexpected argument '%s'", argv[optind]);
    }
    if ((rc = load_token(c)) != 0) {
        return 1;
    }
    spec = read_spec(path, &len);
    if (spec == NULL) {
        return 1;
    }
    /* a syntax error is named here, with its line, rather than by the
     * daemon after a round trip */
    j = json_loadb(spec, len, 0, &jerr);
    if (j == NULL) {
        fprintf(stderr, "tandem task: %s:%d:%d: %s — fix the JSON\n", path,
                jerr.line, jerr.column, jerr.text);
        free(spec);
        return 1;
    }
    json_decref(j);
    rc = call(c, "POST", "/v1/tasks", spec, len, CLI_IO_MS, &r);
    explicit_bzero(spec, len);
    free(spec);
    if (rc != 0) {
        return rc;
    }
    printf("created %s\n", str_of(r, "name", "?"));
    json_decref(r);
    return 0;
}

/* GET /v1/tasks: the "tasks" array, owned through *root. */
static json_t *
get_tasks(struct cli *c, json_t **root)
{
    json_t *tasks;

    if (call(c, "GET", "/v1/tasks", NULL, 0, CLI_IO_MS, root) != 0) {
        return NULL;
    }
    tasks = json_object_get(*root, "tasks");
    if (!json_is_array(tasks)) {
        fprintf(stderr, "tandem task: the daemon at %s:%u answered GET "
                "/v1/tasks without a \"tasks\" array — check that it runs "
                "the same version as this command\n", c->cfg.listen_host,
                (unsigned)c->cfg.listen_port);
        json_decref(*root);
        *root = NULL;
        return NULL;
    }
    return tasks;
}

static int
verb_list(struct cli *c, int argc, char **argv)
{
    static const char *const head[] = {
        "NAME", "STATUS", "PHASE", "DELAY", "TPS", "ERROR",
    };
    struct table t;
    json_t *root, *tasks, *e;
    size_t i;
    int rc;

    if ((rc = no_options(argc, argv)) != 0) {
        return rc < 0 ? 0 : rc;
    }
    if (optind != argc) {
        return bad_usage("unexpected argument '%s'", argv[optind]);
    }
    if (load_token(c) != 0 || (tasks = get_tasks(c, &root)) == NULL) {
        return 1;
    }
    table_init(&t, 6);
    table_add(&t, head);
    json_array_foreach(tasks, i, e) {
        char delay[32], tps[32];
        const char *row[6];

        fmt_delay(json_object_get(e, "delay_ms"), delay, sizeof(delay));
        fmt_rate(json_object_get(e, "tps"), tps, sizeof(tps));
        row[0] = str_of(e, "name", "?");
        row[1] = str_of(e, "status", "-");
        row[2] = str_of(e, "phase", "-");
        row[3] = delay;
        row[4] = tps;
        row[5] = str_of(e, "error", "-");
        table_add(&t, row);
    }
    table_print(&t, stdout);
    table_free(&t);
    json_decref(root);
    return 0;
}

/* Verbs of the form VERB NAME: the name, or NULL after a usage error
 * (*rc set). */
static const char *
name_arg(int argc, char **argv, int *rc)
{
    *rc = no_options(argc, argv);
    if (*rc != 0) {
        if (*rc < 0) {
            *rc = 0;
        }
        return NULL;
    }
    *rc = want_args(argc, argv, 1, argv[0]);
    if (*rc != 0) {
        return NULL;
    }
    if (argv[optind][0] == '\0' || strlen(argv[optind]) > 200) {
        *rc = bad_usage("'%s' is not a task name", argv[optind]);
        return NULL;
    }
    return argv[optind];
}

/* The request of a verb on one task: NAME from the arguments, then
 * METHOD /v1/tasks/NAME<suffix>.  0 with *name and *r (owned) set; else
 * the exit status, with *r NULL (0 after --help). */
static int
task_call(struct cli *c, int argc, char **argv, const char *method,
          const char *suffix, unsigned io_ms, const char **name, json_t **r)
{
    char path[1024];
    int rc;

    *r = NULL;
    if ((*name = name_arg(argc, argv, &rc)) == NULL) {
        return rc;
    }
    if (load_token(c) != 0) {
        return 1;
    }
    task_path(path, sizeof(path), *name, suffix);
    return call(c, method, path, NULL, 0, io_ms, r);
}

static int
verb_show(struct cli *c, int argc, char **argv)
{
    const char *name;
    char *text;
    json_t *r;
    int rc;

    if ((rc = task_call(c, argc, argv, "GET", "", CLI_IO_MS, &name,
                        &r)) != 0 || r == NULL) {
        return rc;
    }
    text = json_dumps(r, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(r);
    if (text == NULL) {
        fprintf(stderr, "tandem task: out of memory\n");
        return 1;
    }
    printf("%s\n", text);
    free(text);
    return 0;
}

static int
verb_precheck(struct cli *c, int argc, char **argv)
{
    static const char *const head[] = {"ITEM", "STATUS", "CAUSE/FIX"};
    const char *name, *status;
    struct table t;
    json_t *r, *e;
    size_t i;
    int rc;

    if ((rc = task_call(c, argc, argv, "POST", "/precheck",
                        CLI_PRECHECK_MS, &name, &r)) != 0 || r == NULL) {
        return rc;
    }
    table_init(&t, 3);
    table_add(&t, head);
    json_array_foreach(json_object_get(r, "report"), i, e) {
        const char *cause = str_of(e, "cause", NULL);
        const char *fix = str_of(e, "fix", NULL);
        char *cf = NULL;
        const char *row[3];

        if (cause != NULL && fix != NULL &&
            asprintf(&cf, "%s — %s", cause, fix) < 0) {
            cf = NULL;
        }
        row[0] = str_of(e, "item", "?");
        row[1] = str_of(e, "status", "?");
        row[2] = cf != NULL ? cf : cause != NULL ? cause :
                 fix != NULL ? fix : "-";
        table_add(&t, row);
        free(cf);
    }
    table_print(&t, stdout);
    table_free(&t);
    status = str_of(r, "status", "?");
    printf("%s: %s\n", str_of(r, "name", name), status);
    rc = strcmp(status, "ready") == 0 ? 0 : 1;
    json_decref(r);
    return rc;
}

/* start, pause, resume, stop, reset: POST /v1/tasks/NAME/VERB. */
static int
verb_control(struct cli *c, int argc, char **argv)
{
    const char *name;
    char suffix[16];
    json_t *r;
    int rc;

    snprintf(suffix, sizeof(suffix), "/%s", argv[0]);
    if ((rc = task_call(c, argc, argv, "POST", suffix, CLI_IO_MS, &name,
                        &r)) != 0 || r == NULL) {
        return rc;
    }
    printf("%s: %s\n", str_of(r, "name", name), str_of(r, "status", "?"));
    json_decref(r);
    return 0;
}

static int
verb_delete(struct cli *c, int argc, char **argv)
{
    const char *name;
    json_t *r;
    int rc;

    if ((rc = task_call(c, argc, argv, "DELETE", "", CLI_IO_MS, &name,
                        &r)) != 0 || r == NULL) {
        return rc;
    }
    printf("deleted %s\n", str_of(r, "name", name));
    json_decref(r);
    return 0;
}

/* Sleeps <ms> milliseconds (a signal ends the process, or the sleep). */
static void
sleep_ms(long long ms)
{
    struct timespec ts;

    if (ms <= 0) {
        return;
    }
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    nanosleep(&ts, NULL);
}

static long long
mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int
verb_logs(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"follow", no_argument, NULL, 'f'},
        {"level", required_argument, NULL, 'l'},
        {"since", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *level = NULL, *name;
    bool follow = false;
    long long since = -1, last = -1;
    size_t at_last = 0;
    char base[1024], target[1200], *end;
    int o, rc;

    optind = 0;
    while ((o = getopt_long(argc, argv, "fl:s:h", opts, NULL)) != -1) {
        switch (o) {
        case 'f':
            follow = true;
            break;
        case 'l':
            if (strcmp(optarg, "error") != 0 && strcmp(optarg, "warn") != 0 &&
                strcmp(optarg, "info") != 0) {
                return bad_usage("--level '%s' is not error, warn or info",
                                 optarg);
            }
            level = optarg;
            break;
        case 's':
            errno = 0;
            since = strtoll(optarg, &end, 10);
            if (optarg[0] < '0' || optarg[0] > '9' || *end != '\0' ||
                errno != 0) {
                return bad_usage("--since '%s' is not milliseconds since "
                                 "the epoch", optarg);
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return bad_option(argv);
        }
    }
    if ((rc = want_args(argc, argv, 1, "logs")) != 0) {
        return rc;
    }
    name = argv[optind];
    if (name[0] == '\0' || strlen(name) > 200) {
        return bad_usage("'%s' is not a task name", name);
    }
    if (load_token(c) != 0) {
        return 1;
    }
    task_path(base, sizeof(base), name, "/logs");
    for (;;) {
        long long t0 = mono_ms(), from, old_last = last;
        size_t skip = at_last, i;
        json_t *r, *logs, *e;

        /*
         * "since" is exclusive: asking from the last millisecond seen
         * minus one brings the entries of that millisecond again, and
         * the at_last first of them were printed already (the log is
         * append-only, oldest first) -- no entry written within the same
         * millisecond as the previous poll's last one is lost.
         */
        from = last >= 0 ? last - 1 : since;
        snprintf(target, sizeof(target), "%s%s%s%s", base,
                 level != NULL ? "?level=" : "", level != NULL ? level : "",
                 from >= 0 ? (level != NULL ? "&since=" : "?since=") : "");
        if (from >= 0) {
            snprintf(target + strlen(target), sizeof(target) -
                     strlen(target), "%lld", from);
        }
        if ((rc = call(c, "GET", target, NULL, 0, CLI_IO_MS, &r)) != 0) {
            return rc;
        }
        logs = json_object_get(r, "logs");
        json_array_foreach(logs, i, e) {
            json_t *jts = json_object_get(e, "ts_ms");
            long long ts = json_is_integer(jts) ? json_integer_value(jts) :
                           -1;
            char *msg;

            if (old_last >= 0 && ts == old_last && skip > 0) {
                skip--;
                continue;
            }
            msg = one_line(str_of(e, "message", ""));
            printf("%s %-5s %s\n", str_of(e, "ts", "-"),
                   str_of(e, "level", "-"), msg);
            free(msg);
            if (ts > last) {
                last = ts;
                at_last = 1;
            } else if (ts == last) {
                at_last++;
            }
        }
        json_decref(r);
        fflush(stdout);
        if (!follow) {
            return 0;
        }
        sleep_ms(1000 - (mono_ms() - t0));
    }
}

static int
verb_top(struct cli *c, int argc, char **argv)
{
    static const struct option opts[] = {
        {"frames", required_argument, NULL, 'n'},
        {"interval", required_argument, NULL, 'i'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    static const char *const head[] = {
        "NAME", "STATUS", "DELAY", "TPS", "ROWS/S",
    };
    long long frames = 0, n, t0 = 0;
    double interval = 1.0;
    bool tty = isatty(STDOUT_FILENO) == 1;
    char *end;
    int o;

    optind = 0;
    while ((o = getopt_long(argc, argv, "n:i:h", opts, NULL)) != -1) {
        switch (o) {
        case 'n':
            errno = 0;
            frames = strtoll(optarg, &end, 10);
            if (*end != '\0' || errno != 0 || frames < 1) {
                return bad_usage("-n '%s' is not a number of frames, 1 or "
                                 "more", optarg);
            }
            break;
        case 'i':
            errno = 0;
            interval = strtod(optarg, &end);
            if (*end != '\0' || errno != 0 || !(interval >= 0.1) ||
                interval > 3600) {
                return bad_usage("-i '%s' is not 0.1 to 3600 seconds",
                                 optarg);
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return bad_option(argv);
        }
    }
    if (optind != argc) {
        return bad_usage("unexpected argument '%s'", argv[optind]);
    }
    if (load_token(c) != 0) {
        return 1;
    }
    for (n = 0; frames == 0 || n < frames; n++) {
        struct table t;
        json_t *root, *tasks, *e;
        size_t i;

        if (n > 0) {
            sleep_ms(t0 + (long long)(interval * 1000) - mono_ms());
        }
        t0 = mono_ms();
        if ((tasks = get_tasks(c, &root)) == NULL) {
            return 1;
        }
        table_init(&t, 5);
        table_add(&t, head);
        json_array_foreach(tasks, i, e) {
            char delay[32], tps[32], rows[32];
            const char *row[5];

            fmt_delay(json_object_get(e, "delay_ms"), delay, sizeof(delay));
            fmt_rate(json_object_get(e, "tps"), tps, sizeof(tps));
            fmt_rate(json_object_get(e, "rows_per_sec"), rows,
                     sizeof(rows));
            row[0] = str_of(e, "name", "?");
            row[1] = str_of(e, "status", "-");
            row[2] = delay;
            row[3] = tps;
            row[4] = rows;
            table_add(&t, row);
        }
        if (tty) {
            /* cursor home, clear the screen */
            fputs("\033[H\033[2J", stdout);
        } else if (n > 0) {
            fputc('\n', stdout);
        }
        table_print(&t, stdout);
        fflush(stdout);
        table_free(&t);
        json_decref(root);
    }
    return 0;
}

static const struct verb verbs[] = {
    {"create", verb_create},
    {"list", verb_list},
    {"show", verb_show},
    {"precheck", verb_precheck},
    {"start", verb_control},
    {"pause", verb_control},
    {"resume", verb_control},
    {"stop", verb_control},
    {"reset", verb_control},
    {"delete", verb_delete},
    {"logs", verb_logs},
    {"top", verb_top},
};

int
tool_task_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"server", required_argument, NULL, 's'},
        {"data-dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct cli c;
    const char *server = NULL, *data_dir = NULL;
    char err[1200];
    size_t i;
    int o, rc;

    memset(&c, 0, sizeof(c));
    opterr = 0;
    optind = 0;
    /* "+": options stop at the verb, whose own options follow it */
    while ((o = getopt_long(argc, argv, "+c:s:d:h", opts, NULL)) != -1) {
        switch (o) {
        case 'c':
            c.conf_path = optarg;
            break;
        case 's':
            server = optarg;
            break;
        case 'd':
            data_dir = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            return bad_option(argv);
        }
    }
    if (optind >= argc) {
        return bad_usage("no verb — give one of create, list, show, "
                         "precheck, start, pause, resume, stop, reset, "
                         "delete, logs, top");
    }
    if (c.conf_path == NULL && getenv("TANDEM_CONF") != NULL &&
        getenv("TANDEM_CONF")[0] != '\0') {
        c.conf_path = getenv("TANDEM_CONF");
    }
    config_defaults(&c.cfg);
    if (c.conf_path != NULL &&
        config_load(c.conf_path, &c.cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "tandem task: %s\n", err);
        return 1;
    }
    if (server != NULL && parse_address(&c.cfg, server) != 0) {
        return bad_usage("-s '%s' is not HOST:PORT (e.g. 127.0.0.1:8730)",
                         server);
    }
    if (data_dir != NULL) {
        if (data_dir[0] == '\0' || strlen(data_dir) >= sizeof(c.cfg.data_dir)) {
            return bad_usage("-d '%s' is not a directory name", data_dir);
        }
        snprintf(c.cfg.data_dir, sizeof(c.cfg.data_dir), "%s", data_dir);
    }
    for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        if (strcmp(argv[optind], verbs[i].name) == 0) {
            rc = verbs[i].run(&c, argc - optind, argv + optind);
            explicit_bzero(c.token, sizeof(c.token));
            return rc;
        }
    }
    return bad_usage("unknown verb '%s' — give one of create, list, show, "
                     "precheck, start, pause, resume, stop, reset, delete, "
                     "logs, top", argv[optind]);
}
