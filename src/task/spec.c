/*
 * spec.c - loading and checking task specs (see spec.h for the format).
 *
 * jansson parses the text (duplicate keys refused); one parse_* function
 * per part of the document then copies it into struct task_spec, checking
 * types, ranges and unknown fields on the way down, and the checks that
 * span objects (duplicates, two names mapped to one) run once a part is
 * read.  The first mistake stops the load.  struct spec_ctx carries the
 * JSON path of the value being read, so that every message names the
 * field: "spec.json: $.objects[1].tables[0].filter: ...".  No jansson type
 * leaves this file.
 */
#include "src/task/spec.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/filter.h"
#include "proto/mysql/gtid.h"
#include "src/core/url.h"

#define SPEC_NAME_MAX 64      /* task name length */
#define SPEC_IDENT_MAX 64     /* MySQL identifier length, in characters */
#define SPEC_SHOW_MAX 64      /* bytes of user text quoted in a message */

/* The walk's state: where we are, and where a message goes. */
struct spec_ctx {
    const char *origin;     /* file name or "api": first in messages */
    char *err;              /* caller's buffer for the one-line message */
    size_t errlen;          /* its size */
    char path[768];         /* JSON path of the value being read ("$...") */
    size_t plen;            /* strlen(path) */
};

/* A name (or pair of names) and where it was found, for duplicate checks
 * by sorting. */
struct nref {
    const char *a;          /* name */
    const char *b;          /* second name, or NULL */
    size_t i;               /* position (outer index, or a tag) */
    size_t j;               /* position (inner index) */
};

static const char *const engine_names[TASK_ENGINE_COUNT] = {
    [TASK_ENGINE_MYSQL] = "mysql",
};

static const char *const mode_names[TASK_MODE_COUNT] = {
    [TASK_MODE_INCREMENTAL] = "incremental",
    [TASK_MODE_FULL] = "full",
    [TASK_MODE_FULL_INCREMENTAL] = "full+incremental",
};

static const char *const start_names[TASK_START_COUNT] = {
    [TASK_START_NOW] = "now",
    [TASK_START_GTID] = "gtid",
    [TASK_START_FILE_POS] = "file+pos",
};

static const char *const conflict_names[TASK_CONFLICT_COUNT] = {
    [TASK_CONFLICT_ERROR] = "error",
    [TASK_CONFLICT_IGNORE] = "ignore",
    [TASK_CONFLICT_OVERWRITE] = "overwrite",
};

/* The fields each kind of JSON object may hold. */
static const char *const top_fields[] = {
    "name", "source", "destination", "mode", "start", "objects",
    "dml", "ddl", "conflict", "apply", NULL,
};
static const char *const endpoint_fields[] = {"type", "url", NULL};
static const char *const start_fields[] = {"gtid", "file", "pos", NULL};
static const char *const object_fields[] = {"db", "as", "tables", NULL};
static const char *const table_fields[] = {
    "name", "as", "columns", "exclude_columns", "filter", NULL,
};
static const char *const ddl_fields[] = {
    "sync", "filter_drop_database", NULL,
};
static const char *const apply_fields[] = {
    "workers", "batch_rows", "queue_bytes", "batch_txns", NULL,
};

const char *
task_engine_name(enum task_engine e)
{
    return (unsigned)e < TASK_ENGINE_COUNT ? engine_names[e] : "unknown";
}

const char *
task_mode_name(enum task_mode m)
{
    return (unsigned)m < TASK_MODE_COUNT ? mode_names[m] : "unknown";
}

const char *
task_start_kind_name(enum task_start_kind k)
{
    return (unsigned)k < TASK_START_COUNT ? start_names[k] : "unknown";
}

const char *
task_conflict_name(enum task_conflict c)
{
    return (unsigned)c < TASK_CONFLICT_COUNT ? conflict_names[c] : "unknown";
}

/* ---------------------------------------------------------------------
 * Messages and paths
 */

/* ASCII-only case folding: column names compare like MySQL's, whatever
 * the locale. */
static int
ascii_casecmp(const char *x, const char *y)
{
    unsigned char a, b;

    for (;; x++, y++) {
        a = (unsigned char)*x;
        b = (unsigned char)*y;
        if (a >= 'A' && a <= 'Z') {
            a = (unsigned char)(a - 'A' + 'a');
        }
        if (b >= 'A' && b <= 'Z') {
            b = (unsigned char)(b - 'A' + 'a');
        }
        if (a != b || a == '\0') {
            return (int)a - (int)b;
        }
    }
}

/*
 * Writes at most SPEC_SHOW_MAX bytes of user text <s> to <buf> with
 * <quote>, backslash and control characters escaped, cut at a character
 * boundary with "..." when longer.  Returns the bytes written.
 */
static size_t
escape_text(const char *s, char quote, char *buf, size_t cap)
{
    size_t o = 0, n = 0;
    unsigned char ch;

    for (; *s != '\0' && o + 8 < cap; s++, n++) {
        ch = (unsigned char)*s;
        if (n >= SPEC_SHOW_MAX && (ch & 0xc0) != 0x80) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (ch == (unsigned char)quote || ch == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
        } else {
            buf[o++] = (char)ch;
        }
    }
    buf[o] = '\0';
    return o;
}

/*
 * User text <s> as it should appear in a message: 'text', escaped and
 * cut.  Text holding "://" may be a URL with a password and is never
 * shown.  Returns <buf>.
 */
static const char *
show(const char *s, char *buf, size_t cap)
{
    size_t o;

    if (strstr(s, "://") != NULL) {
        snprintf(buf, cap, "a URL (not shown)");
        return buf;
    }
    buf[0] = '\'';
    o = 1 + escape_text(s, '\'', buf + 1, cap - 2);
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

/* Size of a show() buffer. */
#define SHOW_BUF (SPEC_SHOW_MAX * 4 + 16)

/* show() of "<db>.<table>". */
static const char *
show_table(const char *db, const char *table, char *buf, size_t cap)
{
    char both[2 * SPEC_SHOW_MAX * 4 + 2];

    snprintf(both, sizeof(both), "%s.%s", db, table);
    return show(both, buf, cap);
}

/* Appends printf output to the path, cut when the path is full. */
static void
path_addf(struct spec_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
path_addf(struct spec_ctx *c, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(c->path + c->plen, sizeof(c->path) - c->plen, fmt, ap);
    va_end(ap);
    if (n > 0) {
        c->plen += (size_t)n;
    }
    if (c->plen >= sizeof(c->path)) {
        c->plen = sizeof(c->path) - 1;
    }
}

static bool
is_plain_key(const char *k)
{
    size_t i;

    if (!((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z') ||
          k[0] == '_')) {
        return false;
    }
    for (i = 1; k[i] != '\0'; i++) {
        if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= 'a' && k[i] <= 'z') ||
              (k[i] >= '0' && k[i] <= '9') || k[i] == '_')) {
            return false;
        }
    }
    return i <= SPEC_SHOW_MAX;
}

/* Descends into member <key>: returns the path length to restore. */
static size_t
path_key(struct spec_ctx *c, const char *key)
{
    size_t saved = c->plen;
    char buf[SHOW_BUF];

    if (is_plain_key(key)) {
        path_addf(c, ".%s", key);
    } else if (strstr(key, "://") != NULL) {
        path_addf(c, "[\"(a URL, not shown)\"]");
    } else {
        escape_text(key, '"', buf, sizeof(buf));
        path_addf(c, "[\"%s\"]", buf);
    }
    return saved;
}

/* Descends into array element <i>: returns the path length to restore. */
static size_t
path_index(struct spec_ctx *c, size_t i)
{
    size_t saved = c->plen;

    path_addf(c, "[%zu]", i);
    return saved;
}

static void
path_pop(struct spec_ctx *c, size_t saved)
{
    c->plen = saved;
    c->path[saved] = '\0';
}

/* Fails with "<origin>: <path>: <message>".  Returns -1. */
static int
spec_fail(struct spec_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
spec_fail(struct spec_ctx *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->errlen > 0) {
        snprintf(c->err, c->errlen, "%s: %s: %s", c->origin, c->path, msg);
    }
    return -1;
}

/* The same about member <key> of the current object. */
static int
spec_fail_at(struct spec_ctx *c, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
spec_fail_at(struct spec_ctx *c, const char *key, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    path_key(c, key);
    return spec_fail(c, "%s", msg);
}

/* Keeps the message in <err> (of <errlen> bytes, 0: none) on one line
 * whatever the origin holds. */
static void
one_line(char *err, size_t errlen)
{
    if (errlen == 0) {
        return;
    }
    for (; *err != '\0'; err++) {
        if ((unsigned char)*err < 0x20) {
            *err = ' ';
        }
    }
}

static const char *
jtype(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "an unknown value";
}

/* ---------------------------------------------------------------------
 * Field access
 */

/* Edit distance of two short strings (insert, delete, substitute), for
 * "did you mean" hints; large for long strings. */
static size_t
edit_distance(const char *x, const char *y)
{
    size_t row[SPEC_SHOW_MAX + 1], i, j, nx = strlen(x), ny = strlen(y);
    size_t diag, up, best;

    if (nx > SPEC_SHOW_MAX || ny > SPEC_SHOW_MAX) {
        return (size_t)-1;
    }
    for (j = 0; j <= ny; j++) {
        row[j] = j;
    }
    for (i = 1; i <= nx; i++) {
        diag = row[0];
        row[0] = i;
        for (j = 1; j <= ny; j++) {
            up = row[j];
            best = diag + (x[i - 1] != y[j - 1]);
            if (up + 1 < best) {
                best = up + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            diag = up;
        }
    }
    return row[ny];
}

/* Refuses the first member of <obj> not in <known>, naming the nearest
 * known field or listing them all. */
static int
check_fields(struct spec_ctx *c, json_t *obj, const char *const *known)
{
    char shown[SHOW_BUF], list[256];
    const char *key, *near;
    size_t i, d, best, o;
    void *it;

    for (it = json_object_iter(obj); it != NULL;
         it = json_object_iter_next(obj, it)) {
        key = json_object_iter_key(it);
        for (i = 0; known[i] != NULL; i++) {
            if (strcmp(key, known[i]) == 0) {
                break;
            }
        }
        if (known[i] != NULL) {
            continue;
        }
        show(key, shown, sizeof(shown));
        near = NULL;
        best = 3;
        for (i = 0; known[i] != NULL; i++) {
            d = edit_distance(key, known[i]);
            if (d < best && d < strlen(known[i])) {
                best = d;
                near = known[i];
            }
        }
        if (near != NULL) {
            return spec_fail(c, "unknown field %s (did you mean '%s'?)",
                             shown, near);
        }
        o = 0;
        list[0] = '\0';
        for (i = 0; known[i] != NULL && o < sizeof(list); i++) {
            o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
                                  i > 0 ? ", " : "", known[i]);
        }
        return spec_fail(c, "unknown field %s (known fields: %s)", shown,
                         list);
    }
    return 0;
}

/*
 * Member <key> of <obj> in *<out> (NULL when absent; absence fails when
 * <required>), checked to be of JSON type <type>, named <what> in the
 * message.
 */
static int
get_typed(struct spec_ctx *c, json_t *obj, const char *key, bool required,
          json_type type, const char *what, json_t **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL) {
        return required ? spec_fail(c, "missing field '%s'", key) : 0;
    }
    if (json_typeof(v) != type &&
        !(type == JSON_TRUE && json_typeof(v) == JSON_FALSE)) {
        return spec_fail_at(c, key, "expected %s, got %s", what, jtype(v));
    }
    *out = v;
    return 0;
}

/* String member <key> in *<out> (NULL when absent and not required). */
static int
get_str(struct spec_ctx *c, json_t *obj, const char *key, bool required,
        const char **out)
{
    json_t *v;

    *out = NULL;
    if (get_typed(c, obj, key, required, JSON_STRING, "a string", &v) < 0) {
        return -1;
    }
    if (v != NULL) {
        *out = json_string_value(v);
    }
    return 0;
}

/* Boolean member <key> in *<out>, left alone when absent. */
static int
get_bool(struct spec_ctx *c, json_t *obj, const char *key, bool *out)
{
    json_t *v;

    if (get_typed(c, obj, key, false, JSON_TRUE, "true or false", &v) < 0) {
        return -1;
    }
    if (v != NULL) {
        *out = json_is_true(v);
    }
    return 0;
}

/* Integer member <key> from <min> to <max> in *<out>, left alone when
 * absent. */
static int
get_uint(struct spec_ctx *c, json_t *obj, const char *key, uint64_t min,
         uint64_t max, uint64_t *out)
{
    json_int_t n;
    json_t *v;

    if (get_typed(c, obj, key, false, JSON_INTEGER, "an integer", &v) < 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    n = json_integer_value(v);
    if (n < 0 || (uint64_t)n < min || (uint64_t)n > max) {
        return spec_fail_at(c, key, "must be from %llu to %llu, not %lld",
                            (unsigned long long)min,
                            (unsigned long long)max, (long long)n);
    }
    *out = (uint64_t)n;
    return 0;
}

/* strdup() that fails the load when memory runs out. */
static int
copy_str(struct spec_ctx *c, const char *s, char **out)
{
    *out = strdup(s);
    return *out != NULL ? 0 : spec_fail(c, "out of memory");
}

/*
 * Why <s> cannot be a MySQL identifier (database, table or column name),
 * or NULL if it can: 1..64 characters of the Basic Multilingual Plane, no
 * trailing space (jansson already refuses NUL and invalid UTF-8).
 */
static const char *
ident_problem(const char *s)
{
    size_t chars = 0, n = strlen(s), i;

    if (n == 0) {
        return "it is empty";
    }
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if ((ch & 0xc0) != 0x80) {
            chars++;
        }
        if (ch >= 0xf0) {
            return "it holds a character beyond U+FFFF";
        }
    }
    if (chars > SPEC_IDENT_MAX) {
        return "it is longer than 64 characters";
    }
    if (s[n - 1] == ' ') {
        return "it ends with a space";
    }
    return NULL;
}

/* Fails at the current path when <s> is no MySQL identifier. */
static int
check_ident(struct spec_ctx *c, const char *s)
{
    const char *why = ident_problem(s);
    char shown[SHOW_BUF];

    if (why == NULL) {
        return 0;
    }
    return spec_fail(c, "%s is not a valid MySQL name: %s",
                     show(s, shown, sizeof(shown)), why);
}

/* Identifier member <key> copied to *<out> (NULL when absent and not
 * required). */
static int
get_ident(struct spec_ctx *c, json_t *obj, const char *key, bool required,
          char **out)
{
    const char *v;
    size_t saved;

    *out = NULL;
    if (get_str(c, obj, key, required, &v) < 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    saved = path_key(c, key);
    if (check_ident(c, v) < 0 || copy_str(c, v, out) < 0) {
        return -1;
    }
    path_pop(c, saved);
    return 0;
}

/* ---------------------------------------------------------------------
 * Duplicate checks: sort the names with their positions, compare
 * neighbours, report the pair whose later entry comes first in the spec.
 */

static int
nref_cmp_key(const struct nref *x, const struct nref *y, bool icase)
{
    int r;

    r = icase ? ascii_casecmp(x->a, y->a) : strcmp(x->a, y->a);
    if (r == 0) {
        r = strcmp(x->b != NULL ? x->b : "", y->b != NULL ? y->b : "");
    }
    return r;
}

static int
nref_cmp_pos(const struct nref *x, const struct nref *y)
{
    if (x->i != y->i) {
        return x->i < y->i ? -1 : 1;
    }
    if (x->j != y->j) {
        return x->j < y->j ? -1 : 1;
    }
    return 0;
}

static int
nref_qcmp_exact(const void *p, const void *q)
{
    int r = nref_cmp_key(p, q, false);

    return r != 0 ? r : nref_cmp_pos(p, q);
}

static int
nref_qcmp_icase(const void *p, const void *q)
{
    int r = nref_cmp_key(p, q, true);

    return r != 0 ? r : nref_cmp_pos(p, q);
}

/*
 * Sorts <v> and finds two entries with equal names (ASCII case folded
 * when <icase>): returns true with *<first> before *<second> in spec
 * order, the pair whose second entry comes first.  With <cross>, only
 * pairs whose i differ count (i is then a tag: "renamed" vs "excluded").
 */
static bool
nref_find_dup(struct nref *v, size_t n, bool icase, bool cross,
              const struct nref **first, const struct nref **second)
{
    size_t k;

    *first = *second = NULL;
    if (n < 2) {
        return false;
    }
    qsort(v, n, sizeof(*v), icase ? nref_qcmp_icase : nref_qcmp_exact);
    for (k = 0; k + 1 < n; k++) {
        if (nref_cmp_key(&v[k], &v[k + 1], icase) != 0 ||
            (cross && v[k].i == v[k + 1].i)) {
            continue;
        }
        if (*second == NULL || nref_cmp_pos(&v[k + 1], *second) < 0) {
            *first = &v[k];
            *second = &v[k + 1];
        }
    }
    return *second != NULL;
}

/* ---------------------------------------------------------------------
 * The parts of a spec
 */

static int
parse_name(struct spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SHOW_BUF];
    const char *v, *p;
    size_t n;

    if (get_str(c, root, "name", true, &v) < 0) {
        return -1;
    }
    n = strlen(v);
    for (p = v; *p != '\0'; p++) {
        if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
              (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
              *p == '-')) {
            break;
        }
    }
    if (n == 0 || n > SPEC_NAME_MAX || *p != '\0') {
        return spec_fail_at(c, "name", "must be 1 to 64 characters of "
                            "A-Z a-z 0-9 _ . -, not %s",
                            show(v, shown, sizeof(shown)));
    }
    return copy_str(c, v, &s->name);
}

/* Engine names accepted in "type", and those planned but not there yet. */
static int
parse_engine(struct spec_ctx *c, const char *v, enum task_engine *out)
{
    static const char *const later[] = {
        "postgres", "postgresql", "redis", "kafka", NULL,
    };
    char shown[SHOW_BUF];
    size_t i;

    if (strcmp(v, "mysql") == 0 || strcmp(v, "mariadb") == 0) {
        *out = TASK_ENGINE_MYSQL;
        return 0;
    }
    for (i = 0; later[i] != NULL; i++) {
        if (strcmp(v, later[i]) == 0) {
            return spec_fail(c, "'%s' is not supported yet: use \"mysql\"",
                             v);
        }
    }
    return spec_fail(c, "must be \"mysql\" (or its synonym \"mariadb\"), "
                     "not %s", show(v, shown, sizeof(shown)));
}

/*
 * "source" or "destination" (<key>) into <ep>; the parsed URL stays in
 * <u> for the checks across both ends (the caller frees it).
 */
static int
parse_endpoint(struct spec_ctx *c, json_t *root, const char *key,
               struct task_endpoint *ep, struct url *u)
{
    const char *type, *url, *why;
    char uerr[256];
    size_t saved, base;
    json_t *obj;

    if (get_typed(c, root, key, true, JSON_OBJECT, "an object", &obj) < 0) {
        return -1;
    }
    saved = path_key(c, key);
    base = c->plen;
    if (check_fields(c, obj, endpoint_fields) < 0 ||
        get_str(c, obj, "type", true, &type) < 0 ||
        get_str(c, obj, "url", true, &url) < 0) {
        return -1;
    }
    path_key(c, "type");
    if (parse_engine(c, type, &ep->type) < 0) {
        return -1;
    }
    path_pop(c, base);
    path_key(c, "url");
    if (strncasecmp(url, "mysql://", 8) != 0 &&
        strncasecmp(url, "mariadb://", 10) != 0) {
        return spec_fail(c, "must be a mysql:// URL "
                         "(mysql://user:password@host:port)");
    }
    if (url_parse(url, u, uerr, sizeof(uerr)) < 0) {
        /* url_parse() never puts the password in its reason. */
        why = strncmp(uerr, "url: ", 5) == 0 ? uerr + 5 : uerr;
        return spec_fail(c, "%s", why);
    }
    path_pop(c, saved);
    return copy_str(c, url, &ep->url);
}

static int
parse_mode(struct spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SHOW_BUF];
    const char *v;
    int i;

    if (get_str(c, root, "mode", false, &v) < 0) {
        return -1;
    }
    if (v == NULL) {
        s->mode = TASK_MODE_INCREMENTAL;
        return 0;
    }
    for (i = 0; i < TASK_MODE_COUNT; i++) {
        if (strcmp(v, mode_names[i]) == 0) {
            break;
        }
    }
    if (i == TASK_MODE_COUNT) {
        return spec_fail_at(c, "mode", "must be \"incremental\", \"full\" "
                            "or \"full+incremental\", not %s",
                            show(v, shown, sizeof(shown)));
    }
    if (i != TASK_MODE_INCREMENTAL) {
        /* Refused until the full-sync capability exists: accepting it
         * would promise a copy nothing makes. */
        return spec_fail_at(c, "mode", "'%s' is not supported yet: use "
                            "\"incremental\" (full sync comes with the "
                            "full-sync capability)", v);
    }
    s->mode = (enum task_mode)i;
    return 0;
}

static int
parse_start(struct spec_ctx *c, json_t *root, struct task_start *st)
{
    json_t *v = json_object_get(root, "start"), *jgtid, *jfile, *jpos;
    char shown[SHOW_BUF];
    struct gtid_set set;
    const char *why, *p;
    uint64_t pos = 0;
    size_t saved;

    st->kind = TASK_START_NOW;
    if (v == NULL) {
        return 0;
    }
    saved = path_key(c, "start");
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "now") != 0) {
            return spec_fail(c, "must be \"now\", {\"gtid\": ...} or "
                             "{\"file\": ..., \"pos\": ...}, not %s",
                             show(json_string_value(v), shown,
                                  sizeof(shown)));
        }
        path_pop(c, saved);
        return 0;
    }
    if (!json_is_object(v)) {
        return spec_fail(c, "expected \"now\" or an object, got %s",
                         jtype(v));
    }
    if (check_fields(c, v, start_fields) < 0 ||
        get_typed(c, v, "gtid", false, JSON_STRING, "a string", &jgtid) < 0 ||
        get_typed(c, v, "file", false, JSON_STRING, "a string", &jfile) < 0 ||
        get_typed(c, v, "pos", false, JSON_INTEGER, "an integer", &jpos) < 0) {
        return -1;
    }
    if (jgtid != NULL && (jfile != NULL || jpos != NULL)) {
        return spec_fail(c, "give either \"gtid\" or \"file\" and \"pos\", "
                         "not both");
    }
    if (jgtid != NULL) {
        p = json_string_value(jgtid);
        path_key(c, "gtid");
        if (p[0] == '\0') {
            return spec_fail(c, "must not be empty (use \"start\": \"now\" "
                             "to start at the current end of the binlog)");
        }
        memset(&set, 0, sizeof(set));
        if (gtid_set_parse(&set, p, true, &why) < 0) {
            return spec_fail(c, "%s is not a GTID set: %s",
                             show(p, shown, sizeof(shown)), why);
        }
        gtid_set_free(&set);
        st->kind = TASK_START_GTID;
        path_pop(c, saved);
        return copy_str(c, p, &st->gtid);
    }
    if (jfile == NULL && jpos == NULL) {
        return spec_fail(c, "missing field 'gtid', or 'file' and 'pos'");
    }
    if (jfile == NULL) {
        return spec_fail(c, "missing field 'file' (\"pos\" needs it)");
    }
    if (jpos == NULL) {
        return spec_fail(c, "missing field 'pos' (\"file\" needs it)");
    }
    p = json_string_value(jfile);
    if (p[0] == '\0' || strlen(p) > 255) {
        return spec_fail_at(c, "file", "must be a binlog file name of 1 to "
                            "255 bytes, as SHOW MASTER STATUS prints it");
    }
    for (; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20) {
            return spec_fail_at(c, "file", "holds a control character");
        }
    }
    /* 4: the first event follows the 4-byte magic; binlog positions are
     * 32-bit in COM_BINLOG_DUMP. */
    if (get_uint(c, v, "pos", 4, UINT32_MAX, &pos) < 0) {
        return -1;
    }
    st->kind = TASK_START_FILE_POS;
    st->pos = pos;
    path_pop(c, saved);
    return copy_str(c, json_string_value(jfile), &st->file);
}

/* The rule fields only tables have, with the message for an object that
 * holds one. */
static int
check_table_only_fields(struct spec_ctx *c, json_t *obj)
{
    static const char *const per_table[] = {
        "columns", "exclude_columns", "filter", NULL,
    };
    size_t i;

    for (i = 0; per_table[i] != NULL; i++) {
        if (json_object_get(obj, per_table[i]) != NULL) {
            return spec_fail_at(c, per_table[i], "\"%s\" belongs to a "
                                "table: list the table under \"tables\" and "
                                "give it \"%s\" there",
                                per_table[i], per_table[i]);
        }
    }
    return 0;
}

/* Row filter <text> of the table at the current path: compiled once
 * here so that a bad one is refused with the spec, then thrown away (the
 * pipeline compiles its own and binds it to the table's columns). */
static int
validate_filter(struct spec_ctx *c, const char *text)
{
    struct filter *f;
    char why[256];

    f = filter_parse(text, strlen(text), why, sizeof(why));
    if (f == NULL) {
        return spec_fail(c, "%s", why);
    }
    filter_free(f);
    return 0;
}

/* "columns": {"source": "destination", ...} of one table. */
static int
parse_columns(struct spec_ctx *c, json_t *obj, struct task_table *t)
{
    char shown[SHOW_BUF], shown2[SHOW_BUF], shown3[SHOW_BUF];
    const struct nref *x, *y;
    struct nref *refs = NULL;
    const char *key;
    size_t saved, base, k;
    json_t *v;
    void *it;
    int rc = -1;

    saved = path_key(c, "columns");
    base = c->plen;
    t->columns = calloc(json_object_size(obj) + 1, sizeof(*t->columns));
    refs = calloc(json_object_size(obj) + 1, sizeof(*refs));
    if (t->columns == NULL || refs == NULL) {
        spec_fail(c, "out of memory");
        goto out;
    }
    for (it = json_object_iter(obj); it != NULL;
         it = json_object_iter_next(obj, it)) {
        key = json_object_iter_key(it);
        v = json_object_iter_value(it);
        path_key(c, key);
        if (check_ident(c, key) < 0) {
            goto out;
        }
        if (!json_is_string(v)) {
            spec_fail(c, "expected a string (the destination column name), "
                      "got %s", jtype(v));
            goto out;
        }
        if (check_ident(c, json_string_value(v)) < 0 ||
            copy_str(c, key, &t->columns[t->ncolumns].from) < 0 ||
            copy_str(c, json_string_value(v), &t->columns[t->ncolumns].to) <
                0) {
            goto out;
        }
        t->ncolumns++;
        path_pop(c, base);
    }

    for (k = 0; k < t->ncolumns; k++) {
        refs[k] = (struct nref){t->columns[k].from, NULL, k, 0};
    }
    if (nref_find_dup(refs, t->ncolumns, true, false, &x, &y)) {
        path_key(c, t->columns[y->i].from);
        spec_fail(c, "column %s is renamed twice (column names are "
                  "case-insensitive: see %s)",
                  show(y->a, shown, sizeof(shown)),
                  show(x->a, shown2, sizeof(shown2)));
        goto out;
    }
    for (k = 0; k < t->ncolumns; k++) {
        refs[k] = (struct nref){t->columns[k].to, NULL, k, 0};
    }
    if (nref_find_dup(refs, t->ncolumns, true, false, &x, &y)) {
        path_key(c, t->columns[y->i].from);
        spec_fail(c, "columns %s and %s are both renamed to %s",
                  show(t->columns[x->i].from, shown, sizeof(shown)),
                  show(t->columns[y->i].from, shown2, sizeof(shown2)),
                  show(y->a, shown3, sizeof(shown3)));
        goto out;
    }
    path_pop(c, saved);
    rc = 0;
out:
    free(refs);
    return rc;
}

/* "exclude_columns": [...] of one table, checked against the renames. */
static int
parse_exclude(struct spec_ctx *c, json_t *arr, struct task_table *t)
{
    size_t saved, base, k, n = json_array_size(arr);
    const struct nref *x, *y;
    struct nref *refs = NULL;
    char shown[SHOW_BUF];
    json_t *v;
    int rc = -1;

    saved = path_key(c, "exclude_columns");
    base = c->plen;
    t->exclude_columns = calloc(n + 1, sizeof(*t->exclude_columns));
    refs = calloc(n + t->ncolumns + 1, sizeof(*refs));
    if (t->exclude_columns == NULL || refs == NULL) {
        spec_fail(c, "out of memory");
        goto out;
    }
    for (k = 0; k < n; k++) {
        v = json_array_get(arr, k);
        path_index(c, k);
        if (!json_is_string(v)) {
            spec_fail(c, "expected a string (a column name), got %s",
                      jtype(v));
            goto out;
        }
        if (check_ident(c, json_string_value(v)) < 0 ||
            copy_str(c, json_string_value(v), &t->exclude_columns[k]) < 0) {
            goto out;
        }
        t->nexclude_columns++;
        path_pop(c, base);
    }

    for (k = 0; k < n; k++) {
        refs[k] = (struct nref){t->exclude_columns[k], NULL, k, 0};
    }
    if (nref_find_dup(refs, n, true, false, &x, &y)) {
        path_index(c, y->i);
        spec_fail(c, "column %s is listed twice (first at [%zu]; column "
                  "names are case-insensitive)",
                  show(y->a, shown, sizeof(shown)), x->i);
        goto out;
    }
    /* i is a tag here: 0 renamed, 1 excluded. */
    for (k = 0; k < t->ncolumns; k++) {
        refs[k] = (struct nref){t->columns[k].from, NULL, 0, k};
    }
    for (k = 0; k < n; k++) {
        refs[t->ncolumns + k] =
            (struct nref){t->exclude_columns[k], NULL, 1, k};
    }
    if (nref_find_dup(refs, t->ncolumns + n, true, true, &x, &y)) {
        path_index(c, y->j);
        spec_fail(c, "column %s is both renamed (in \"columns\") and "
                  "excluded: drop one of the two",
                  show(y->a, shown, sizeof(shown)));
        goto out;
    }
    path_pop(c, saved);
    rc = 0;
out:
    free(refs);
    return rc;
}

static int
parse_table(struct spec_ctx *c, json_t *v, struct task_table *t)
{
    json_t *cols, *excl;
    const char *filter;
    size_t saved;
    char *as;

    if (!json_is_object(v)) {
        return spec_fail(c, "expected an object ({\"name\": ...}), got %s",
                         jtype(v));
    }
    if (check_fields(c, v, table_fields) < 0 ||
        get_ident(c, v, "name", true, &t->name) < 0 ||
        get_ident(c, v, "as", false, &as) < 0) {
        return -1;
    }
    if (as == NULL && copy_str(c, t->name, &as) < 0) {
        return -1;
    }
    t->as = as;
    if (get_typed(c, v, "columns", false, JSON_OBJECT,
                  "an object ({\"source column\": \"destination column\"})",
                  &cols) < 0 ||
        get_typed(c, v, "exclude_columns", false, JSON_ARRAY,
                  "an array of column names", &excl) < 0 ||
        get_str(c, v, "filter", false, &filter) < 0) {
        return -1;
    }
    if (cols != NULL && parse_columns(c, cols, t) < 0) {
        return -1;
    }
    if (excl != NULL && parse_exclude(c, excl, t) < 0) {
        return -1;
    }
    if (filter != NULL) {
        saved = path_key(c, "filter");
        if (strspn(filter, " \t\r\n") == strlen(filter)) {
            return spec_fail(c, "must not be empty (leave \"filter\" out to "
                             "replicate every row)");
        }
        if (validate_filter(c, filter) < 0 ||
            copy_str(c, filter, &t->filter) < 0) {
            return -1;
        }
        path_pop(c, saved);
    }
    return 0;
}

static int
table_ptr_cmp(const void *p, const void *q)
{
    const struct task_table *x = *(const struct task_table *const *)p;
    const struct task_table *y = *(const struct task_table *const *)q;
    int r = strcmp(x->name, y->name);

    if (r != 0) {
        return r;
    }
    return x < y ? -1 : x > y;
}

static int
parse_object(struct spec_ctx *c, json_t *v, struct task_object *o)
{
    const struct task_table *dup;
    char shown[SHOW_BUF];
    size_t saved, base, k, n;
    json_t *tables;
    char *as;

    if (!json_is_object(v)) {
        return spec_fail(c, "expected an object ({\"db\": ...}), got %s",
                         jtype(v));
    }
    if (check_table_only_fields(c, v) < 0 ||
        check_fields(c, v, object_fields) < 0 ||
        get_ident(c, v, "db", true, &o->db) < 0 ||
        get_ident(c, v, "as", false, &as) < 0) {
        return -1;
    }
    if (as == NULL && copy_str(c, o->db, &as) < 0) {
        return -1;
    }
    o->as = as;
    if (get_typed(c, v, "tables", false, JSON_ARRAY, "an array", &tables) <
        0) {
        return -1;
    }
    if (tables == NULL) {
        o->whole_db = true;
        return 0;
    }
    saved = path_key(c, "tables");
    base = c->plen;
    n = json_array_size(tables);
    if (n == 0) {
        return spec_fail(c, "must list at least one table (leave \"tables\" "
                         "out to replicate the whole database)");
    }
    o->tables = calloc(n, sizeof(*o->tables));
    o->by_name_ = calloc(n, sizeof(*o->by_name_));
    if (o->tables == NULL || o->by_name_ == NULL) {
        return spec_fail(c, "out of memory");
    }
    o->ntables = n;
    for (k = 0; k < n; k++) {
        path_index(c, k);
        if (parse_table(c, json_array_get(tables, k), &o->tables[k]) < 0) {
            return -1;
        }
        path_pop(c, base);
        o->by_name_[k] = &o->tables[k];
    }
    qsort(o->by_name_, n, sizeof(*o->by_name_), table_ptr_cmp);
    dup = NULL;
    for (k = 0; k + 1 < n; k++) {
        if (strcmp(o->by_name_[k]->name, o->by_name_[k + 1]->name) == 0 &&
            (dup == NULL || o->by_name_[k + 1] < dup)) {
            dup = o->by_name_[k + 1];
        }
    }
    if (dup != NULL) {
        for (k = 0; strcmp(o->tables[k].name, dup->name) != 0; k++) {
        }
        path_index(c, (size_t)(dup - o->tables));
        path_key(c, "name");
        return spec_fail(c, "table %s is listed twice (first at "
                         "tables[%zu]): list each table once",
                         show(dup->name, shown, sizeof(shown)), k);
    }
    path_pop(c, saved);
    return 0;
}

static int
object_ptr_cmp(const void *p, const void *q)
{
    const struct task_object *x = *(const struct task_object *const *)p;
    const struct task_object *y = *(const struct task_object *const *)q;
    int r = strcmp(x->db, y->db);

    if (r != 0) {
        return r;
    }
    return x < y ? -1 : x > y;
}

/* Two source tables must not land in one destination table, nor a whole
 * database share its destination with anything. */
static int
check_destinations(struct spec_ctx *c, struct task_spec *s)
{
    const struct nref *x = NULL, *y;
    char shown[SHOW_BUF];
    struct task_object *o;
    size_t i, k, n = 0;
    struct nref *refs;
    int rc = 0;

    /* Destination databases: i = object, j = 1 when whole. */
    refs = calloc(s->nobjects + 1, sizeof(*refs));
    if (refs == NULL) {
        return spec_fail(c, "out of memory");
    }
    for (i = 0; i < s->nobjects; i++) {
        refs[i] = (struct nref){s->objects[i].as, NULL, i,
                                s->objects[i].whole_db};
    }
    qsort(refs, s->nobjects, sizeof(*refs), nref_qcmp_exact);
    y = NULL;
    for (k = 0; k + 1 < s->nobjects; k++) {
        if (strcmp(refs[k].a, refs[k + 1].a) == 0 &&
            (refs[k].j || refs[k + 1].j)) {
            /* sorted by name then position: k+1 is the later entry */
            if (y == NULL || refs[k + 1].i < y->i) {
                x = &refs[k];
                y = &refs[k + 1];
            }
        }
    }
    if (y != NULL) {
        o = &s->objects[y->i];
        path_key(c, "objects");
        path_index(c, y->i);
        rc = spec_fail_at(c, strcmp(o->as, o->db) != 0 ? "as" : "db",
                          "destination database %s is also that of "
                          "$.objects[%zu], and a whole database cannot share "
                          "its destination: list tables, or map to another "
                          "name with \"as\"",
                          show(o->as, shown, sizeof(shown)), x->i);
        free(refs);
        return rc;
    }
    free(refs);

    /* Destination tables of table-by-table databases. */
    for (i = 0; i < s->nobjects; i++) {
        n += s->objects[i].ntables;
    }
    refs = calloc(n + 1, sizeof(*refs));
    if (refs == NULL) {
        return spec_fail(c, "out of memory");
    }
    n = 0;
    for (i = 0; i < s->nobjects; i++) {
        o = &s->objects[i];
        for (k = 0; k < o->ntables; k++) {
            refs[n++] = (struct nref){o->as, o->tables[k].as, i, k};
        }
    }
    if (nref_find_dup(refs, n, false, false, &x, &y)) {
        o = &s->objects[y->i];
        path_key(c, "objects");
        path_index(c, y->i);
        path_key(c, "tables");
        path_index(c, y->j);
        rc = spec_fail_at(c, strcmp(o->tables[y->j].as,
                                    o->tables[y->j].name) != 0 ? "as"
                                                               : "name",
                          "destination table %s is also that of "
                          "$.objects[%zu].tables[%zu]: two tables cannot be "
                          "copied into one",
                          show_table(y->a, y->b, shown, sizeof(shown)), x->i,
                          x->j);
    }
    free(refs);
    return rc;
}

/*
 * Source and destination on the same server (same host text and port: a
 * best effort, "localhost" and "127.0.0.1" differ) must not copy a table
 * onto itself: every change would be applied to the table it came from.
 */
static int
check_not_self(struct spec_ctx *c, struct task_spec *s,
               const struct url *src, const struct url *dst)
{
    const struct task_object *o;
    char shown[SHOW_BUF];
    size_t i, k, top, saved;

    if (ascii_casecmp(src->host, dst->host) != 0 || src->port != dst->port) {
        return 0;
    }
    top = path_key(c, "objects");
    for (i = 0; i < s->nobjects; i++) {
        o = &s->objects[i];
        if (strcmp(o->db, o->as) != 0) {
            continue;
        }
        saved = path_index(c, i);
        if (o->whole_db) {
            return spec_fail(c, "source and destination are the same server "
                             "(%s:%u) and database %s would be copied onto "
                             "itself: map it to another name with \"as\"",
                             src->host, src->port,
                             show(o->db, shown, sizeof(shown)));
        }
        for (k = 0; k < o->ntables; k++) {
            if (strcmp(o->tables[k].name, o->tables[k].as) == 0) {
                path_key(c, "tables");
                path_index(c, k);
                return spec_fail(c, "source and destination are the same "
                                 "server (%s:%u) and table %s would be "
                                 "copied onto itself: map it to another name "
                                 "with \"as\"", src->host, src->port,
                                 show_table(o->db, o->tables[k].name, shown,
                                            sizeof(shown)));
            }
        }
        path_pop(c, saved);
    }
    path_pop(c, top);
    return 0;
}

static int
parse_objects(struct spec_ctx *c, json_t *root, struct task_spec *s)
{
    struct task_object *dup = NULL;
    char shown[SHOW_BUF];
    size_t k, n, saved, base;
    json_t *arr;

    if (get_typed(c, root, "objects", true, JSON_ARRAY, "an array", &arr) <
        0) {
        return -1;
    }
    saved = path_key(c, "objects");
    base = c->plen;
    n = json_array_size(arr);
    if (n == 0) {
        return spec_fail(c, "must list at least one database "
                         "({\"db\": \"name\"})");
    }
    s->objects = calloc(n, sizeof(*s->objects));
    s->by_db_ = calloc(n, sizeof(*s->by_db_));
    if (s->objects == NULL || s->by_db_ == NULL) {
        return spec_fail(c, "out of memory");
    }
    s->nobjects = n;
    for (k = 0; k < n; k++) {
        path_index(c, k);
        if (parse_object(c, json_array_get(arr, k), &s->objects[k]) < 0) {
            return -1;
        }
        path_pop(c, base);
        s->by_db_[k] = &s->objects[k];
    }
    qsort(s->by_db_, n, sizeof(*s->by_db_), object_ptr_cmp);
    for (k = 0; k + 1 < n; k++) {
        if (strcmp(s->by_db_[k]->db, s->by_db_[k + 1]->db) == 0 &&
            (dup == NULL || s->by_db_[k + 1] < dup)) {
            dup = s->by_db_[k + 1];
        }
    }
    if (dup != NULL) {
        for (k = 0; strcmp(s->objects[k].db, dup->db) != 0; k++) {
        }
        path_index(c, (size_t)(dup - s->objects));
        return spec_fail_at(c, "db", "database %s is listed twice (first "
                            "at $.objects[%zu]): give each database once, "
                            "its tables together under \"tables\"",
                            show(dup->db, shown, sizeof(shown)), k);
    }
    path_pop(c, saved);
    return check_destinations(c, s);
}

static int
parse_dml(struct spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SHOW_BUF];
    size_t saved, base, k, n;
    const char *name;
    json_t *arr, *v;
    bool *flag;

    s->dml_insert = s->dml_update = s->dml_delete = true;
    if (get_typed(c, root, "dml", false, JSON_ARRAY, "an array", &arr) < 0) {
        return -1;
    }
    if (arr == NULL) {
        return 0;
    }
    saved = path_key(c, "dml");
    base = c->plen;
    n = json_array_size(arr);
    if (n == 0) {
        return spec_fail(c, "must list at least one of \"insert\", "
                         "\"update\", \"delete\" (leave \"dml\" out for all "
                         "three)");
    }
    s->dml_insert = s->dml_update = s->dml_delete = false;
    for (k = 0; k < n; k++) {
        v = json_array_get(arr, k);
        path_index(c, k);
        if (!json_is_string(v)) {
            return spec_fail(c, "expected a string, got %s", jtype(v));
        }
        name = json_string_value(v);
        if (strcmp(name, "insert") == 0) {
            flag = &s->dml_insert;
        } else if (strcmp(name, "update") == 0) {
            flag = &s->dml_update;
        } else if (strcmp(name, "delete") == 0) {
            flag = &s->dml_delete;
        } else {
            return spec_fail(c, "must be \"insert\", \"update\" or "
                             "\"delete\", not %s",
                             show(name, shown, sizeof(shown)));
        }
        if (*flag) {
            return spec_fail(c, "'%s' is listed twice", name);
        }
        *flag = true;
        path_pop(c, base);
    }
    path_pop(c, saved);
    return 0;
}

static int
parse_ddl(struct spec_ctx *c, json_t *root, struct task_spec *s)
{
    size_t saved;
    json_t *obj;

    s->ddl_sync = true;
    s->ddl_filter_drop_database = true;
    if (get_typed(c, root, "ddl", false, JSON_OBJECT, "an object", &obj) <
        0) {
        return -1;
    }
    if (obj == NULL) {
        return 0;
    }
    saved = path_key(c, "ddl");
    if (check_fields(c, obj, ddl_fields) < 0 ||
        get_bool(c, obj, "sync", &s->ddl_sync) < 0 ||
        get_bool(c, obj, "filter_drop_database",
                 &s->ddl_filter_drop_database) < 0) {
        return -1;
    }
    path_pop(c, saved);
    return 0;
}

static int
parse_conflict(struct spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SHOW_BUF];
    const char *v;
    int i;

    s->conflict = TASK_CONFLICT_ERROR;
    if (get_str(c, root, "conflict", false, &v) < 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    for (i = 0; i < TASK_CONFLICT_COUNT; i++) {
        if (strcmp(v, conflict_names[i]) == 0) {
            s->conflict = (enum task_conflict)i;
            return 0;
        }
    }
    return spec_fail_at(c, "conflict", "must be \"error\", \"ignore\" or "
                        "\"overwrite\", not %s",
                        show(v, shown, sizeof(shown)));
}

static int
parse_apply(struct spec_ctx *c, json_t *root, struct task_apply *a)
{
    uint64_t workers = 4, rows = 1000, txns = 100;
    uint64_t bytes = (uint64_t)64 << 20;
    size_t saved;
    json_t *obj;

    if (get_typed(c, root, "apply", false, JSON_OBJECT, "an object", &obj) <
        0) {
        return -1;
    }
    if (obj != NULL) {
        saved = path_key(c, "apply");
        if (check_fields(c, obj, apply_fields) < 0 ||
            get_uint(c, obj, "workers", 1, 64, &workers) < 0 ||
            get_uint(c, obj, "batch_rows", 1, 100000, &rows) < 0 ||
            get_uint(c, obj, "queue_bytes", (uint64_t)1 << 20,
                     (uint64_t)64 << 30, &bytes) < 0 ||
            get_uint(c, obj, "batch_txns", 1, 10000, &txns) < 0) {
            return -1;
        }
        path_pop(c, saved);
    }
    a->workers = (unsigned)workers;
    a->batch_rows = (unsigned)rows;
    a->queue_bytes = bytes;
    a->batch_txns = (unsigned)txns;
    return 0;
}

/* Every part of <root>, in the order a reader of the spec meets them. */
static int
parse_root(struct spec_ctx *c, json_t *root, struct task_spec *s)
{
    struct url src, dst;
    int rc = -1;

    memset(&src, 0, sizeof(src));
    memset(&dst, 0, sizeof(dst));
    if (!json_is_object(root)) {
        return spec_fail(c, "expected an object, got %s", jtype(root));
    }
    if (check_fields(c, root, top_fields) < 0 ||
        parse_name(c, root, s) < 0 ||
        parse_endpoint(c, root, "source", &s->source, &src) < 0 ||
        parse_endpoint(c, root, "destination", &s->destination, &dst) < 0 ||
        parse_mode(c, root, s) < 0 ||
        parse_start(c, root, &s->start) < 0 ||
        parse_objects(c, root, s) < 0 ||
        check_not_self(c, s, &src, &dst) < 0 ||
        parse_dml(c, root, s) < 0 ||
        parse_ddl(c, root, s) < 0 ||
        parse_conflict(c, root, s) < 0 ||
        parse_apply(c, root, &s->apply) < 0) {
        goto out;
    }
    rc = 0;
out:
    url_free(&src);
    url_free(&dst);
    return rc;
}

/* Wipes the URL strings jansson holds, before they are freed. */
static void
wipe_json_urls(json_t *root)
{
    static const char *const ends[] = {"source", "destination", NULL};
    json_t *ep, *url;
    size_t i;

    for (i = 0; ends[i] != NULL; i++) {
        ep = json_object_get(root, ends[i]);
        url = json_is_object(ep) ? json_object_get(ep, "url") : NULL;
        if (json_is_string(url)) {
            /* jansson's own copy, malloc'd and about to be freed. */
            explicit_bzero((char *)json_string_value(url),
                           json_string_length(url));
        }
    }
}

/*
 * jansson's message without the text it quotes after "near" when that
 * may hold a URL (and so a password): a token cut inside a string shows
 * what precedes the error.
 */
static void
scrub_json_error(char *text)
{
    char *near = strstr(text, " near '");

    if (near != NULL && (strstr(near, "://") != NULL ||
                         strchr(near, '@') != NULL)) {
        snprintf(near, strlen(near) + 1, " (near text not shown)");
    }
}

int
task_spec_load_text(const char *json, size_t len, const char *origin,
                    struct task_spec *out, char *err, size_t errlen)
{
    struct spec_ctx c;
    json_error_t jerr;
    json_t *root;
    int rc;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    c.origin = origin != NULL ? origin : "spec";
    c.err = err;
    c.errlen = errlen;
    c.path[0] = '$';
    c.plen = 1;
    if (errlen > 0) {
        err[0] = '\0';
    }
    /* A byte-order mark from an editor is no reason to refuse a file. */
    if (len >= 3 && memcmp(json, "\xef\xbb\xbf", 3) == 0) {
        json += 3;
        len -= 3;
    }
    root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (root == NULL) {
        scrub_json_error(jerr.text);
        if (errlen > 0) {
            snprintf(err, errlen, "%s:%d:%d: %s", c.origin, jerr.line,
                     jerr.column, jerr.text);
            one_line(err, errlen);
        }
        explicit_bzero(&jerr, sizeof(jerr));
        return -1;
    }
    rc = parse_root(&c, root, out);
    wipe_json_urls(root);
    json_decref(root);
    if (rc < 0) {
        task_spec_free(out);
        if (errlen > 0) {
            one_line(err, errlen);
        }
    }
    return rc;
}

int
task_spec_load_file(const char *path, struct task_spec *out, char *err,
                    size_t errlen)
{
    size_t cap = 0, len = 0, n;
    char *buf = NULL, *nbuf;
    const char *fail = NULL;
    int rc, eno = 0;
    FILE *f;

    memset(out, 0, sizeof(*out));
    f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(errno));
        one_line(err, errlen);
        return -1;
    }
    for (;;) {
        if (len > TASK_SPEC_MAX_BYTES) {
            fail = "larger than 16 MiB: not a task spec";
            break;
        }
        if (len == cap) {
            cap = cap == 0 ? 8192 : cap * 2;
            nbuf = malloc(cap);
            if (nbuf == NULL) {
                fail = "out of memory";
                break;
            }
            /* By hand rather than realloc(): no copy of the passwords is
             * left unwiped in freed memory. */
            if (buf != NULL) {
                memcpy(nbuf, buf, len);
                explicit_bzero(buf, len);
                free(buf);
            }
            buf = nbuf;
        }
        n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (n == 0) {
            if (ferror(f)) {
                eno = errno != 0 ? errno : EIO;
            }
            break;
        }
    }
    fclose(f);
    if (fail != NULL || eno != 0) {
        if (fail != NULL) {
            snprintf(err, errlen, "%s: %s", path, fail);
        } else {
            snprintf(err, errlen, "%s: cannot read: %s", path,
                     strerror(eno));
        }
        one_line(err, errlen);
        rc = -1;
    } else {
        rc = task_spec_load_text(buf != NULL ? buf : "", len, path, out, err,
                                 errlen);
    }
    if (buf != NULL) {
        explicit_bzero(buf, len);
        free(buf);
    }
    return rc;
}

static void
free_table(struct task_table *t)
{
    size_t k;

    free(t->name);
    free(t->as);
    for (k = 0; k < t->ncolumns; k++) {
        free(t->columns[k].from);
        free(t->columns[k].to);
    }
    free(t->columns);
    for (k = 0; k < t->nexclude_columns; k++) {
        free(t->exclude_columns[k]);
    }
    free(t->exclude_columns);
    free(t->filter);
}

static void
wipe_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void
task_spec_free(struct task_spec *s)
{
    struct task_object *o;
    size_t i, k;

    if (s == NULL) {
        return;
    }
    free(s->name);
    wipe_free(s->source.url);
    wipe_free(s->destination.url);
    free(s->start.gtid);
    free(s->start.file);
    for (i = 0; i < s->nobjects; i++) {
        o = &s->objects[i];
        free(o->db);
        free(o->as);
        for (k = 0; k < o->ntables; k++) {
            free_table(&o->tables[k]);
        }
        free(o->tables);
        free(o->by_name_);
    }
    free(s->objects);
    free(s->by_db_);
    memset(s, 0, sizeof(*s));
}

char *
task_spec_masked_url(const struct task_endpoint *ep, char *out,
                     size_t outlen)
{
    return url_masked(ep->url != NULL ? ep->url : "", out, outlen);
}

/* ---------------------------------------------------------------------
 * Lookups
 */

const struct task_object *
task_spec_find_db(const struct task_spec *s, const char *db)
{
    size_t lo = 0, hi = s->nobjects, mid;
    int r;

    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        r = strcmp(db, s->by_db_[mid]->db);
        if (r == 0) {
            return s->by_db_[mid];
        }
        if (r < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

const struct task_table *
task_spec_find_table(const struct task_spec *s, const char *db,
                     const char *table, const struct task_object **obj_out)
{
    const struct task_object *o = task_spec_find_db(s, db);
    size_t lo = 0, hi, mid;
    int r;

    if (obj_out != NULL) {
        *obj_out = NULL;
    }
    if (o == NULL) {
        return NULL;
    }
    if (o->whole_db) {
        if (obj_out != NULL) {
            *obj_out = o;
        }
        return NULL;
    }
    hi = o->ntables;
    while (lo < hi) {
        mid = lo + (hi - lo) / 2;
        r = strcmp(table, o->by_name_[mid]->name);
        if (r == 0) {
            if (obj_out != NULL) {
                *obj_out = o;
            }
            return o->by_name_[mid];
        }
        if (r < 0) {
            hi = mid;
        } else {
            lo = mid + 1;
        }
    }
    return NULL;
}

bool
task_spec_table_selected(const struct task_spec *s, const char *db,
                         const char *table)
{
    const struct task_object *o;

    task_spec_find_table(s, db, table, &o);
    return o != NULL;
}

const char *
task_spec_map_db(const struct task_spec *s, const char *db)
{
    const struct task_object *o = task_spec_find_db(s, db);

    return o != NULL ? o->as : NULL;
}

const char *
task_spec_map_table(const struct task_spec *s, const char *db,
                    const char *table)
{
    const struct task_object *o;
    const struct task_table *t = task_spec_find_table(s, db, table, &o);

    if (o == NULL) {
        return NULL;
    }
    return t != NULL ? t->as : table;
}

bool
task_spec_column_excluded(const struct task_table *t, const char *column)
{
    size_t k;

    if (t == NULL) {
        return false;
    }
    for (k = 0; k < t->nexclude_columns; k++) {
        if (ascii_casecmp(column, t->exclude_columns[k]) == 0) {
            return true;
        }
    }
    return false;
}

const char *
task_spec_map_column(const struct task_table *t, const char *column)
{
    size_t k;

    if (t == NULL) {
        return column;
    }
    if (task_spec_column_excluded(t, column)) {
        return NULL;
    }
    for (k = 0; k < t->ncolumns; k++) {
        if (ascii_casecmp(column, t->columns[k].from) == 0) {
            return t->columns[k].to;
        }
    }
    return column;
}
