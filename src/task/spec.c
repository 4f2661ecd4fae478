/*
 * spec.c - loading task specs (see spec.h for the format).
 *
 * jansson parses the text (duplicate keys refused); one parse_* function
 * per part of the document then copies it into struct task_spec, checking
 * types, ranges and unknown fields on the way down through the readers of
 * spec_check.c, and the checks that span objects (duplicates, two names
 * mapped to one) run once a part is read.  The first mistake stops the
 * load.  struct task_spec_ctx carries the JSON path of the value being
 * read, so that every message names the field: "spec.json:
 * $.objects[1].tables[0].filter: ...".  No jansson type leaves spec.c,
 * spec_check.c and spec_int.h.  The lookups on a loaded spec are in
 * spec_lookup.c.
 */
#include "src/task/spec_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/filter.h"
#include "proto/mysql/gtid.h"
#include "src/core/url.h"

#define SPEC_NAME_MAX 64      /* task name length */

static const char *const engine_names[TASK_ENGINE_COUNT] = {
    [TASK_ENGINE_MYSQL] = "mysql",
    [TASK_ENGINE_REDIS] = "redis",
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

static const char *const existing_names[TASK_EXISTING_COUNT] = {
    [TASK_EXISTING_INTERCEPT] = "intercept",
    [TASK_EXISTING_IGNORE] = "ignore",
    [TASK_EXISTING_CLEAR] = "clear",
};

/* The fields each kind of JSON object may hold. */
static const char *const top_fields[] = {
    "name", "source", "destination", "mode", "start", "start_at",
    "objects", "schema_sync", "existing_tables", "snapshot", "dml", "ddl",
    "conflict", "apply", "flow_control", NULL,
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
static const char *const flow_fields[] = {
    "rows_per_sec", "bytes_per_sec", "windows", NULL,
};
static const char *const window_fields[] = {"from", "to", NULL};

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

const char *
task_existing_tables_name(enum task_existing_tables e)
{
    return (unsigned)e < TASK_EXISTING_COUNT ? existing_names[e] : "unknown";
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

/* ---------------------------------------------------------------------
 * The parts of a spec
 */

static int
parse_name(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SPEC_SHOW_BUF];
    const char *v, *p;
    size_t n;

    if (task_spec_get_str(c, root, "name", true, &v) < 0) {
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
        return task_spec_fail_at(c, "name",
                                 "must be 1 to 64 characters of "
                                 "A-Z a-z 0-9 _ . -, not %s",
                                 task_spec_show(v, shown, sizeof(shown)));
    }
    return task_spec_copy_str(c, v, &s->name);
}

/* Engine names accepted in "type", and those planned but not there yet. */
static int
parse_engine(struct task_spec_ctx *c, const char *v, enum task_engine *out)
{
    static const char *const later[] = {
        "postgres", "postgresql", "kafka", NULL,
    };
    char shown[SPEC_SHOW_BUF];
    size_t i;

    if (strcmp(v, "mysql") == 0 || strcmp(v, "mariadb") == 0) {
        *out = TASK_ENGINE_MYSQL;
        return 0;
    }
    if (strcmp(v, "redis") == 0) {
        *out = TASK_ENGINE_REDIS;
        return 0;
    }
    for (i = 0; later[i] != NULL; i++) {
        if (strcmp(v, later[i]) == 0) {
            return task_spec_fail(c, "'%s' is not supported yet: use "
                                     "\"mysql\" or \"redis\"", v);
        }
    }
    return task_spec_fail(c,
                          "must be \"mysql\" (or its synonym \"mariadb\") "
                          "or \"redis\", not %s",
                          task_spec_show(v, shown, sizeof(shown)));
}

/*
 * "source" or "destination" (<key>) into <ep>; the parsed URL stays in
 * <u> for the checks across both ends (the caller frees it).
 */
static int
parse_endpoint(struct task_spec_ctx *c, json_t *root, const char *key,
               struct task_endpoint *ep, struct url *u)
{
    const char *type, *url, *why;
    char uerr[256];
    size_t saved, base;
    json_t *obj;

    if (task_spec_get_typed(c, root, key, true, JSON_OBJECT, "an object",
                            &obj) < 0) {
        return -1;
    }
    saved = task_spec_path_key(c, key);
    base = c->plen;
    if (task_spec_check_fields(c, obj, endpoint_fields) < 0 ||
        task_spec_get_str(c, obj, "type", true, &type) < 0 ||
        task_spec_get_str(c, obj, "url", true, &url) < 0) {
        return -1;
    }
    task_spec_path_key(c, "type");
    if (parse_engine(c, type, &ep->type) < 0) {
        return -1;
    }
    task_spec_path_pop(c, base);
    task_spec_path_key(c, "url");
    if (ep->type == TASK_ENGINE_REDIS) {
        if (strncasecmp(url, "redis://", 8) != 0 &&
            strncasecmp(url, "rediss://", 9) != 0) {
            return task_spec_fail(c, "must be a redis:// URL "
                                     "(redis://[user:password@]host:port, "
                                     "rediss:// for TLS)");
        }
    } else if (strncasecmp(url, "mysql://", 8) != 0 &&
               strncasecmp(url, "mariadb://", 10) != 0) {
        return task_spec_fail(c, "must be a mysql:// URL "
                                 "(mysql://user:password@host:port)");
    }
    if (url_parse(url, u, uerr, sizeof(uerr)) < 0) {
        /* url_parse() never puts the password in its reason. */
        why = strncmp(uerr, "url: ", 5) == 0 ? uerr + 5 : uerr;
        return task_spec_fail(c, "%s", why);
    }
    task_spec_path_pop(c, saved);
    return task_spec_copy_str(c, url, &ep->url);
}

static int
parse_mode(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SPEC_SHOW_BUF];
    const char *v;
    int i;

    if (task_spec_get_str(c, root, "mode", false, &v) < 0) {
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
        return task_spec_fail_at(c, "mode",
                                 "must be \"incremental\", \"full\" "
                                 "or \"full+incremental\", not %s",
                                 task_spec_show(v, shown, sizeof(shown)));
    }
    s->mode = (enum task_mode)i;
    return 0;
}

static int
parse_start(struct task_spec_ctx *c, json_t *root, struct task_start *st)
{
    json_t *v = json_object_get(root, "start"), *jgtid, *jfile, *jpos;
    char shown[SPEC_SHOW_BUF];
    struct gtid_set set;
    const char *why, *p;
    uint64_t pos = 0;
    size_t saved;

    st->kind = TASK_START_NOW;
    if (v == NULL) {
        return 0;
    }
    saved = task_spec_path_key(c, "start");
    if (json_is_string(v)) {
        if (strcmp(json_string_value(v), "now") != 0) {
            return task_spec_fail(
                c,
                "must be \"now\", {\"gtid\": ...} or "
                "{\"file\": ..., \"pos\": ...}, not %s",
                task_spec_show(json_string_value(v), shown, sizeof(shown)));
        }
        task_spec_path_pop(c, saved);
        return 0;
    }
    if (!json_is_object(v)) {
        return task_spec_fail(c, "expected \"now\" or an object, got %s",
                              task_spec_jtype(v));
    }
    if (task_spec_check_fields(c, v, start_fields) < 0 ||
        task_spec_get_typed(c, v, "gtid", false, JSON_STRING, "a string",
                            &jgtid) < 0 ||
        task_spec_get_typed(c, v, "file", false, JSON_STRING, "a string",
                            &jfile) < 0 ||
        task_spec_get_typed(c, v, "pos", false, JSON_INTEGER, "an integer",
                            &jpos) < 0) {
        return -1;
    }
    if (jgtid != NULL && (jfile != NULL || jpos != NULL)) {
        return task_spec_fail(c,
                              "give either \"gtid\" or \"file\" and \"pos\", "
                              "not both");
    }
    if (jgtid != NULL) {
        p = json_string_value(jgtid);
        task_spec_path_key(c, "gtid");
        if (p[0] == '\0') {
            return task_spec_fail(c,
                                  "must not be empty (use \"start\": \"now\" "
                                  "to start at the current end of the binlog)");
        }
        memset(&set, 0, sizeof(set));
        if (gtid_set_parse(&set, p, true, &why) < 0) {
            return task_spec_fail(c, "%s is not a GTID set: %s",
                                  task_spec_show(p, shown, sizeof(shown)), why);
        }
        gtid_set_free(&set);
        st->kind = TASK_START_GTID;
        task_spec_path_pop(c, saved);
        return task_spec_copy_str(c, p, &st->gtid);
    }
    if (jfile == NULL && jpos == NULL) {
        return task_spec_fail(c, "missing field 'gtid', or 'file' and 'pos'");
    }
    if (jfile == NULL) {
        return task_spec_fail(c, "missing field 'file' (\"pos\" needs it)");
    }
    if (jpos == NULL) {
        return task_spec_fail(c, "missing field 'pos' (\"file\" needs it)");
    }
    p = json_string_value(jfile);
    if (p[0] == '\0' || strlen(p) > 255) {
        return task_spec_fail_at(c, "file",
                                 "must be a binlog file name of 1 to "
                                 "255 bytes, as SHOW MASTER STATUS prints it");
    }
    for (; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20) {
            return task_spec_fail_at(c, "file", "holds a control character");
        }
    }
    /* 4: the first event follows the 4-byte magic; binlog positions are
     * 32-bit in COM_BINLOG_DUMP. */
    if (task_spec_get_uint(c, v, "pos", 4, UINT32_MAX, &pos) < 0) {
        return -1;
    }
    st->kind = TASK_START_FILE_POS;
    st->pos = pos;
    task_spec_path_pop(c, saved);
    return task_spec_copy_str(c, json_string_value(jfile), &st->file);
}

/* The rule fields only tables have, with the message for an object that
 * holds one. */
static int
check_table_only_fields(struct task_spec_ctx *c, json_t *obj)
{
    static const char *const per_table[] = {
        "columns", "exclude_columns", "filter", NULL,
    };
    size_t i;

    for (i = 0; per_table[i] != NULL; i++) {
        if (json_object_get(obj, per_table[i]) != NULL) {
            return task_spec_fail_at(
                c, per_table[i],
                "\"%s\" belongs to a "
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
validate_filter(struct task_spec_ctx *c, const char *text)
{
    struct filter *f;
    char why[256];

    f = filter_parse(text, strlen(text), why, sizeof(why));
    if (f == NULL) {
        return task_spec_fail(c, "%s", why);
    }
    filter_free(f);
    return 0;
}

/* "columns": {"source": "destination", ...} of one table. */
static int
parse_columns(struct task_spec_ctx *c, json_t *obj, struct task_table *t)
{
    char shown[SPEC_SHOW_BUF], shown2[SPEC_SHOW_BUF], shown3[SPEC_SHOW_BUF];
    const struct task_spec_nref *x, *y;
    struct task_spec_nref *refs = NULL;
    const char *key;
    size_t saved, base, k;
    json_t *v;
    void *it;
    int rc = -1;

    saved = task_spec_path_key(c, "columns");
    base = c->plen;
    t->columns = calloc(json_object_size(obj) + 1, sizeof(*t->columns));
    refs = calloc(json_object_size(obj) + 1, sizeof(*refs));
    if (t->columns == NULL || refs == NULL) {
        task_spec_fail(c, "out of memory");
        goto out;
    }
    for (it = json_object_iter(obj); it != NULL;
         it = json_object_iter_next(obj, it)) {
        key = json_object_iter_key(it);
        v = json_object_iter_value(it);
        task_spec_path_key(c, key);
        if (task_spec_check_ident(c, key) < 0) {
            goto out;
        }
        if (!json_is_string(v)) {
            task_spec_fail(c,
                           "expected a string (the destination column name), "
                           "got %s",
                           task_spec_jtype(v));
            goto out;
        }
        if (task_spec_check_ident(c, json_string_value(v)) < 0 ||
            task_spec_copy_str(c, key, &t->columns[t->ncolumns].from) < 0 ||
            task_spec_copy_str(c, json_string_value(v),
                               &t->columns[t->ncolumns].to) < 0) {
            goto out;
        }
        t->ncolumns++;
        task_spec_path_pop(c, base);
    }

    for (k = 0; k < t->ncolumns; k++) {
        refs[k] = (struct task_spec_nref){t->columns[k].from, NULL, k, 0};
    }
    if (task_spec_nref_find_dup(refs, t->ncolumns, true, false, &x, &y)) {
        task_spec_path_key(c, t->columns[y->i].from);
        task_spec_fail(c,
                       "column %s is renamed twice (column names are "
                       "case-insensitive: see %s)",
                       task_spec_show(y->a, shown, sizeof(shown)),
                       task_spec_show(x->a, shown2, sizeof(shown2)));
        goto out;
    }
    for (k = 0; k < t->ncolumns; k++) {
        refs[k] = (struct task_spec_nref){t->columns[k].to, NULL, k, 0};
    }
    if (task_spec_nref_find_dup(refs, t->ncolumns, true, false, &x, &y)) {
        task_spec_path_key(c, t->columns[y->i].from);
        task_spec_fail(
            c, "columns %s and %s are both renamed to %s",
            task_spec_show(t->columns[x->i].from, shown, sizeof(shown)),
            task_spec_show(t->columns[y->i].from, shown2, sizeof(shown2)),
            task_spec_show(y->a, shown3, sizeof(shown3)));
        goto out;
    }
    task_spec_path_pop(c, saved);
    rc = 0;
out:
    free(refs);
    return rc;
}

/* "exclude_columns": [...] of one table, checked against the renames. */
static int
parse_exclude(struct task_spec_ctx *c, json_t *arr, struct task_table *t)
{
    size_t saved, base, k, n = json_array_size(arr);
    const struct task_spec_nref *x, *y;
    struct task_spec_nref *refs = NULL;
    char shown[SPEC_SHOW_BUF];
    json_t *v;
    int rc = -1;

    saved = task_spec_path_key(c, "exclude_columns");
    base = c->plen;
    t->exclude_columns = calloc(n + 1, sizeof(*t->exclude_columns));
    refs = calloc(n + t->ncolumns + 1, sizeof(*refs));
    if (t->exclude_columns == NULL || refs == NULL) {
        task_spec_fail(c, "out of memory");
        goto out;
    }
    for (k = 0; k < n; k++) {
        v = json_array_get(arr, k);
        task_spec_path_index(c, k);
        if (!json_is_string(v)) {
            task_spec_fail(c, "expected a string (a column name), got %s",
                           task_spec_jtype(v));
            goto out;
        }
        if (task_spec_check_ident(c, json_string_value(v)) < 0 ||
            task_spec_copy_str(c, json_string_value(v),
                               &t->exclude_columns[k]) < 0) {
            goto out;
        }
        t->nexclude_columns++;
        task_spec_path_pop(c, base);
    }

    for (k = 0; k < n; k++) {
        refs[k] = (struct task_spec_nref){t->exclude_columns[k], NULL, k, 0};
    }
    if (task_spec_nref_find_dup(refs, n, true, false, &x, &y)) {
        task_spec_path_index(c, y->i);
        task_spec_fail(c,
                       "column %s is listed twice (first at [%zu]; column "
                       "names are case-insensitive)",
                       task_spec_show(y->a, shown, sizeof(shown)), x->i);
        goto out;
    }
    /* i is a tag here: 0 renamed, 1 excluded. */
    for (k = 0; k < t->ncolumns; k++) {
        refs[k] = (struct task_spec_nref){t->columns[k].from, NULL, 0, k};
    }
    for (k = 0; k < n; k++) {
        refs[t->ncolumns + k] =
            (struct task_spec_nref){t->exclude_columns[k], NULL, 1, k};
    }
    if (task_spec_nref_find_dup(refs, t->ncolumns + n, true, true, &x, &y)) {
        task_spec_path_index(c, y->j);
        task_spec_fail(c,
                       "column %s is both renamed (in \"columns\") and "
                       "excluded: drop one of the two",
                       task_spec_show(y->a, shown, sizeof(shown)));
        goto out;
    }
    task_spec_path_pop(c, saved);
    rc = 0;
out:
    free(refs);
    return rc;
}

static int
parse_table(struct task_spec_ctx *c, json_t *v, struct task_table *t)
{
    json_t *cols, *excl;
    const char *filter;
    size_t saved;
    char *as;

    if (!json_is_object(v)) {
        return task_spec_fail(c, "expected an object ({\"name\": ...}), got %s",
                              task_spec_jtype(v));
    }
    if (task_spec_check_fields(c, v, table_fields) < 0 ||
        task_spec_get_ident(c, v, "name", true, &t->name) < 0 ||
        task_spec_get_ident(c, v, "as", false, &as) < 0) {
        return -1;
    }
    if (as == NULL && task_spec_copy_str(c, t->name, &as) < 0) {
        return -1;
    }
    t->as = as;
    if (task_spec_get_typed(
            c, v, "columns", false, JSON_OBJECT,
            "an object ({\"source column\": \"destination column\"})",
            &cols) < 0 ||
        task_spec_get_typed(c, v, "exclude_columns", false, JSON_ARRAY,
                            "an array of column names", &excl) < 0 ||
        task_spec_get_str(c, v, "filter", false, &filter) < 0) {
        return -1;
    }
    if (cols != NULL && parse_columns(c, cols, t) < 0) {
        return -1;
    }
    if (excl != NULL && parse_exclude(c, excl, t) < 0) {
        return -1;
    }
    if (filter != NULL) {
        saved = task_spec_path_key(c, "filter");
        if (strspn(filter, " \t\r\n") == strlen(filter)) {
            return task_spec_fail(c,
                                  "must not be empty (leave \"filter\" out to "
                                  "replicate every row)");
        }
        if (validate_filter(c, filter) < 0 ||
            task_spec_copy_str(c, filter, &t->filter) < 0) {
            return -1;
        }
        task_spec_path_pop(c, saved);
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
parse_object(struct task_spec_ctx *c, json_t *v, struct task_object *o)
{
    const struct task_table *dup;
    char shown[SPEC_SHOW_BUF];
    size_t saved, base, k, n;
    json_t *tables;
    char *as;

    if (!json_is_object(v)) {
        return task_spec_fail(c, "expected an object ({\"db\": ...}), got %s",
                              task_spec_jtype(v));
    }
    if (check_table_only_fields(c, v) < 0 ||
        task_spec_check_fields(c, v, object_fields) < 0 ||
        task_spec_get_ident(c, v, "db", true, &o->db) < 0 ||
        task_spec_get_ident(c, v, "as", false, &as) < 0) {
        return -1;
    }
    if (as == NULL && task_spec_copy_str(c, o->db, &as) < 0) {
        return -1;
    }
    o->as = as;
    if (task_spec_get_typed(c, v, "tables", false, JSON_ARRAY, "an array",
                            &tables) < 0) {
        return -1;
    }
    if (tables == NULL) {
        o->whole_db = true;
        return 0;
    }
    saved = task_spec_path_key(c, "tables");
    base = c->plen;
    n = json_array_size(tables);
    if (n == 0) {
        return task_spec_fail(c,
                              "must list at least one table (leave \"tables\" "
                              "out to replicate the whole database)");
    }
    o->tables = calloc(n, sizeof(*o->tables));
    o->by_name_ = calloc(n, sizeof(*o->by_name_));
    if (o->tables == NULL || o->by_name_ == NULL) {
        return task_spec_fail(c, "out of memory");
    }
    o->ntables = n;
    for (k = 0; k < n; k++) {
        task_spec_path_index(c, k);
        if (parse_table(c, json_array_get(tables, k), &o->tables[k]) < 0) {
            return -1;
        }
        task_spec_path_pop(c, base);
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
        task_spec_path_index(c, (size_t)(dup - o->tables));
        task_spec_path_key(c, "name");
        return task_spec_fail(c,
                              "table %s is listed twice (first at "
                              "tables[%zu]): list each table once",
                              task_spec_show(dup->name, shown, sizeof(shown)),
                              k);
    }
    task_spec_path_pop(c, saved);
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

static int
parse_objects(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    struct task_object *dup = NULL;
    char shown[SPEC_SHOW_BUF];
    size_t k, n, saved, base;
    json_t *arr;

    if (task_spec_get_typed(c, root, "objects", true, JSON_ARRAY, "an array",
                            &arr) < 0) {
        return -1;
    }
    saved = task_spec_path_key(c, "objects");
    base = c->plen;
    n = json_array_size(arr);
    if (n == 0) {
        return task_spec_fail(c, "must list at least one database "
                                 "({\"db\": \"name\"})");
    }
    s->objects = calloc(n, sizeof(*s->objects));
    s->by_db_ = calloc(n, sizeof(*s->by_db_));
    if (s->objects == NULL || s->by_db_ == NULL) {
        return task_spec_fail(c, "out of memory");
    }
    s->nobjects = n;
    for (k = 0; k < n; k++) {
        task_spec_path_index(c, k);
        if (parse_object(c, json_array_get(arr, k), &s->objects[k]) < 0) {
            return -1;
        }
        task_spec_path_pop(c, base);
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
        task_spec_path_index(c, (size_t)(dup - s->objects));
        return task_spec_fail_at(c, "db",
                                 "database %s is listed twice (first "
                                 "at $.objects[%zu]): give each database once, "
                                 "its tables together under \"tables\"",
                                 task_spec_show(dup->db, shown, sizeof(shown)),
                                 k);
    }
    task_spec_path_pop(c, saved);
    return task_spec_check_destinations(c, s);
}

static int
parse_dml(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SPEC_SHOW_BUF];
    size_t saved, base, k, n;
    const char *name;
    json_t *arr, *v;
    bool *flag;

    s->dml_insert = s->dml_update = s->dml_delete = true;
    if (task_spec_get_typed(c, root, "dml", false, JSON_ARRAY, "an array",
                            &arr) < 0) {
        return -1;
    }
    if (arr == NULL) {
        return 0;
    }
    saved = task_spec_path_key(c, "dml");
    base = c->plen;
    n = json_array_size(arr);
    if (n == 0) {
        return task_spec_fail(
            c, "must list at least one of \"insert\", "
               "\"update\", \"delete\" (leave \"dml\" out for all "
               "three)");
    }
    s->dml_insert = s->dml_update = s->dml_delete = false;
    for (k = 0; k < n; k++) {
        v = json_array_get(arr, k);
        task_spec_path_index(c, k);
        if (!json_is_string(v)) {
            return task_spec_fail(c, "expected a string, got %s",
                                  task_spec_jtype(v));
        }
        name = json_string_value(v);
        if (strcmp(name, "insert") == 0) {
            flag = &s->dml_insert;
        } else if (strcmp(name, "update") == 0) {
            flag = &s->dml_update;
        } else if (strcmp(name, "delete") == 0) {
            flag = &s->dml_delete;
        } else {
            return task_spec_fail(c,
                                  "must be \"insert\", \"update\" or "
                                  "\"delete\", not %s",
                                  task_spec_show(name, shown, sizeof(shown)));
        }
        if (*flag) {
            return task_spec_fail(c, "'%s' is listed twice", name);
        }
        *flag = true;
        task_spec_path_pop(c, base);
    }
    task_spec_path_pop(c, saved);
    return 0;
}

static int
parse_ddl(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    size_t saved;
    json_t *obj;

    s->ddl_sync = true;
    s->ddl_filter_drop_database = true;
    if (task_spec_get_typed(c, root, "ddl", false, JSON_OBJECT, "an object",
                            &obj) < 0) {
        return -1;
    }
    if (obj == NULL) {
        return 0;
    }
    saved = task_spec_path_key(c, "ddl");
    if (task_spec_check_fields(c, obj, ddl_fields) < 0 ||
        task_spec_get_bool(c, obj, "sync", &s->ddl_sync) < 0 ||
        task_spec_get_bool(c, obj, "filter_drop_database",
                           &s->ddl_filter_drop_database) < 0) {
        return -1;
    }
    task_spec_path_pop(c, saved);
    return 0;
}

static int
parse_conflict(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SPEC_SHOW_BUF];
    const char *v;
    int i;

    s->conflict = TASK_CONFLICT_ERROR;
    if (task_spec_get_str(c, root, "conflict", false, &v) < 0) {
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
    return task_spec_fail_at(c, "conflict",
                             "must be \"error\", \"ignore\" or "
                             "\"overwrite\", not %s",
                             task_spec_show(v, shown, sizeof(shown)));
}

static int
parse_apply(struct task_spec_ctx *c, json_t *root, struct task_apply *a)
{
    uint64_t workers = 4, rows = 1000, txns = 100;
    uint64_t bytes = (uint64_t)64 << 20;
    size_t saved;
    json_t *obj;

    if (task_spec_get_typed(c, root, "apply", false, JSON_OBJECT, "an object",
                            &obj) < 0) {
        return -1;
    }
    if (obj != NULL) {
        saved = task_spec_path_key(c, "apply");
        if (task_spec_check_fields(c, obj, apply_fields) < 0 ||
            task_spec_get_uint(c, obj, "workers", 1, 64, &workers) < 0 ||
            task_spec_get_uint(c, obj, "batch_rows", 1, 100000, &rows) < 0 ||
            task_spec_get_uint(c, obj, "queue_bytes", (uint64_t)1 << 20,
                               (uint64_t)64 << 30, &bytes) < 0 ||
            task_spec_get_uint(c, obj, "batch_txns", 1, 10000, &txns) < 0) {
            return -1;
        }
        task_spec_path_pop(c, saved);
    }
    a->workers = (unsigned)workers;
    a->batch_rows = (unsigned)rows;
    a->queue_bytes = bytes;
    a->batch_txns = (unsigned)txns;
    return 0;
}

/* "snapshot": how full sync opens its consistent snapshots. */
static int
parse_snapshot(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SPEC_SHOW_BUF];
    const char *v;

    s->snapshot = TASK_SNAPSHOT_AUTO;
    if (task_spec_get_str(c, root, "snapshot", false, &v) < 0) {
        return -1;
    }
    if (v == NULL || strcmp(v, "auto") == 0) {
        return 0;
    }
    if (strcmp(v, "lock") == 0) {
        s->snapshot = TASK_SNAPSHOT_LOCK;
        return 0;
    }
    return task_spec_fail_at(c, "snapshot",
                             "must be \"auto\" (MariaDB: no lock; MySQL: "
                             "a brief global read lock) or \"lock\" (the "
                             "brief lock everywhere), not %s",
                             task_spec_show(v, shown, sizeof(shown)));
}

static int
parse_existing_tables(struct task_spec_ctx *c, json_t *root,
                      struct task_spec *s)
{
    char shown[SPEC_SHOW_BUF];
    const char *v;
    int i;

    s->existing_tables = TASK_EXISTING_INTERCEPT;
    if (task_spec_get_str(c, root, "existing_tables", false, &v) < 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    for (i = 0; i < TASK_EXISTING_COUNT; i++) {
        if (strcmp(v, existing_names[i]) == 0) {
            s->existing_tables = (enum task_existing_tables)i;
            return 0;
        }
    }
    return task_spec_fail_at(c, "existing_tables",
                             "must be \"intercept\" (refuse to start), "
                             "\"ignore\" (write into the table) or "
                             "\"clear\" (truncate it first), not %s",
                             task_spec_show(v, shown, sizeof(shown)));
}

/* The minutes of window <w> as one range [r[0][0], r[0][1]), or two when
 * it runs past midnight.  Returns how many. */
static size_t
window_ranges(const struct task_flow_window *w, unsigned r[2][2])
{
    r[0][0] = w->from;
    if (w->from < w->to) {
        r[0][1] = w->to;
        return 1;
    }
    r[0][1] = 24 * 60;
    r[1][0] = 0;
    r[1][1] = w->to;
    return 2;
}

/* True iff windows <x> and <y> share a minute. */
static bool
windows_overlap(const struct task_flow_window *x,
                const struct task_flow_window *y)
{
    unsigned xr[2][2], yr[2][2];
    size_t nx = window_ranges(x, xr), ny = window_ranges(y, yr), i, j;

    for (i = 0; i < nx; i++) {
        for (j = 0; j < ny; j++) {
            if (xr[i][0] < yr[j][1] && yr[j][0] < xr[i][1]) {
                return true;
            }
        }
    }
    return false;
}

/* "windows": [{"from": "HH:MM", "to": "HH:MM"}, ...] of "flow_control". */
static int
parse_windows(struct task_spec_ctx *c, json_t *arr, struct task_flow_control *f)
{
    size_t saved, base, k, i, n = json_array_size(arr);
    struct task_flow_window *w;
    json_t *v;

    saved = task_spec_path_key(c, "windows");
    base = c->plen;
    if (n == 0) {
        return task_spec_fail(c, "must list at least one window (leave "
                                 "\"windows\" out to limit all day)");
    }
    if (n > TASK_FLOW_MAX_WINDOWS) {
        return task_spec_fail(c,
                              "lists %zu windows, more than the %d allowed: "
                              "merge or drop some",
                              n, TASK_FLOW_MAX_WINDOWS);
    }
    for (k = 0; k < n; k++) {
        v = json_array_get(arr, k);
        w = &f->windows[k];
        task_spec_path_index(c, k);
        if (!json_is_object(v)) {
            return task_spec_fail(c,
                                  "expected an object ({\"from\": "
                                  "\"HH:MM\", \"to\": \"HH:MM\"}), got %s",
                                  task_spec_jtype(v));
        }
        if (task_spec_check_fields(c, v, window_fields) < 0 ||
            task_spec_get_clock(c, v, "from", &w->from) < 0 ||
            task_spec_get_clock(c, v, "to", &w->to) < 0) {
            return -1;
        }
        if (w->from == w->to) {
            return task_spec_fail_at(c, "to",
                                     "equals \"from\" (%02u:%02u): a window "
                                     "needs \"to\" other than \"from\" (leave "
                                     "\"windows\" out to limit all day)",
                                     w->from / 60, w->from % 60);
        }
        for (i = 0; i < k; i++) {
            if (windows_overlap(&f->windows[i], w)) {
                return task_spec_fail(
                    c,
                    "overlaps windows[%zu] (%02u:%02u-%02u:%02u and "
                    "%02u:%02u-%02u:%02u): merge the two into one window",
                    i, f->windows[i].from / 60, f->windows[i].from % 60,
                    f->windows[i].to / 60, f->windows[i].to % 60, w->from / 60,
                    w->from % 60, w->to / 60, w->to % 60);
            }
        }
        task_spec_path_pop(c, base);
    }
    f->nwindows = n;
    task_spec_path_pop(c, saved);
    return 0;
}

/* "flow_control": the full copy's pace. */
static int
parse_flow_control(struct task_spec_ctx *c, json_t *root,
                   struct task_flow_control *f)
{
    json_t *obj, *bytes, *windows;
    json_int_t n;
    size_t saved;

    memset(f, 0, sizeof(*f));
    if (task_spec_get_typed(c, root, "flow_control", false, JSON_OBJECT,
                            "an object", &obj) < 0) {
        return -1;
    }
    if (obj == NULL) {
        return 0;
    }
    saved = task_spec_path_key(c, "flow_control");
    if (task_spec_check_fields(c, obj, flow_fields) < 0 ||
        task_spec_get_uint(c, obj, "rows_per_sec", 1,
                           TASK_FLOW_MAX_ROWS_PER_SEC, &f->rows_per_sec) < 0 ||
        task_spec_get_typed(c, obj, "bytes_per_sec", false, JSON_INTEGER,
                            "an integer", &bytes) < 0 ||
        task_spec_get_typed(c, obj, "windows", false, JSON_ARRAY,
                            "an array ([{\"from\": \"HH:MM\", \"to\": "
                            "\"HH:MM\"}])",
                            &windows) < 0) {
        return -1;
    }
    if (bytes != NULL) {
        n = json_integer_value(bytes);
        if (n < 1 || (uint64_t)n > TASK_FLOW_MAX_BYTES_PER_SEC) {
            return task_spec_fail_at(
                c, "bytes_per_sec",
                "must be from 1 to %llu (9999 MiB/s, the most allowed), "
                "not %lld",
                (unsigned long long)TASK_FLOW_MAX_BYTES_PER_SEC, (long long)n);
        }
        f->bytes_per_sec = (uint64_t)n;
    }
    if (f->rows_per_sec == 0 && f->bytes_per_sec == 0) {
        return task_spec_fail(c, "limits nothing: give \"rows_per_sec\", "
                                 "\"bytes_per_sec\" or both (or leave "
                                 "\"flow_control\" out for no limit)");
    }
    if (windows != NULL && parse_windows(c, windows, f) < 0) {
        return -1;
    }
    task_spec_path_pop(c, saved);
    return 0;
}

/* Every part of <root>, in the order a reader of the spec meets them. */
static int
parse_root(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    struct url src, dst;
    int rc = -1;

    memset(&src, 0, sizeof(src));
    memset(&dst, 0, sizeof(dst));
    s->schema_sync = true;
    if (!json_is_object(root)) {
        return task_spec_fail(c, "expected an object, got %s",
                              task_spec_jtype(root));
    }
    if (task_spec_check_fields(c, root, top_fields) < 0 ||
        parse_name(c, root, s) < 0 ||
        parse_endpoint(c, root, "source", &s->source, &src) < 0 ||
        parse_endpoint(c, root, "destination", &s->destination, &dst) < 0) {
        goto out;
    }
    if (s->source.type == TASK_ENGINE_REDIS ||
        s->destination.type == TASK_ENGINE_REDIS) {
        rc = task_spec_redis_parse(c, root, s, &src, &dst);
        goto out;
    }
    if (parse_mode(c, root, s) < 0 || parse_start(c, root, &s->start) < 0 ||
        task_spec_get_timestamp(c, root, "start_at", &s->has_start_at,
                                &s->start_at) < 0 ||
        parse_objects(c, root, s) < 0 ||
        task_spec_check_not_self(c, s, &src, &dst) < 0 ||
        task_spec_get_bool(c, root, "schema_sync", &s->schema_sync) < 0 ||
        parse_existing_tables(c, root, s) < 0 ||
        parse_snapshot(c, root, s) < 0 || parse_dml(c, root, s) < 0 ||
        parse_ddl(c, root, s) < 0 || parse_conflict(c, root, s) < 0 ||
        parse_apply(c, root, &s->apply) < 0 ||
        parse_flow_control(c, root, &s->flow) < 0) {
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
    struct task_spec_ctx c;
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
    for (i = 0; i < s->redis.ndbs; i++) {
        for (k = 0; k < s->redis.dbs[i].nkey_prefixes; k++) {
            free(s->redis.dbs[i].key_prefixes[k]);
        }
        free(s->redis.dbs[i].key_prefixes);
    }
    free(s->redis.dbs);
    memset(s, 0, sizeof(*s));
}

char *
task_spec_masked_url(const struct task_endpoint *ep, char *out,
                     size_t outlen)
{
    return url_masked(ep->url != NULL ? ep->url : "", out, outlen);
}
