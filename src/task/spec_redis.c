/*
 * spec_redis.c - the part of a task spec that differs when Redis is the
 * source: databases are numbers, and keys are selected by prefix.
 *
 *   {
 *     "name": "cache-to-dr",
 *     "source":      {"type": "redis", "url": "redis://:pw@10.0.0.5:6379"},
 *     "destination": {"type": "redis", "url": "rediss://u:pw@dr:6380"},
 *     "mode": "full+incremental",       the default; "incremental" (no
 *                                       full sync: from the checkpoint
 *                                       at the destination, else from
 *                                       now) or "full" (one full sync)
 *     "objects": [                      optional: every database when
 *       {"db": 0, "as": 3},             absent; "as" maps the number
 *       {"db": 1, "key_prefixes": ["user:", "session:"]}
 *     ],
 *     "existing_tables": "intercept",   the selected destination
 *                                       databases must be empty when full
 *                                       sync begins (default), or
 *                                       "ignore": keys are overwritten
 *     "apply": {"queue_bytes": 67108864},
 *     "start_at": "..."                 as for MySQL
 *   }
 *
 * Fields that only make sense for SQL ("start", "schema_sync",
 * "snapshot", "dml", "ddl", "conflict", "flow_control", "tables") are
 * refused with the reason, so a spec never seems to ask for something a
 * Redis task does not do.  Redis to anything but Redis is refused too.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/task/spec_int.h"

static const char *const redis_top_fields[] = {
    "name",    "source",          "destination", "mode", "start_at",
    "objects", "existing_tables", "apply",       NULL,
};
static const char *const redis_sql_fields[] = {
    "start", "schema_sync", "snapshot",     "dml",
    "ddl",   "conflict",    "flow_control", NULL,
};
static const char *const redis_object_fields[] = {
    "db",
    "as",
    "key_prefixes",
    NULL,
};
static const char *const redis_apply_fields[] = {"queue_bytes", NULL};

/* The rules of a database when "objects" is absent. */
static const struct task_redis_db every_key;

static int
parse_mode(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SPEC_SHOW_BUF];
    const char *v;
    int i;

    if (task_spec_get_str(c, root, "mode", false, &v) < 0) {
        return -1;
    }
    s->mode = TASK_MODE_FULL_INCREMENTAL;
    if (v == NULL) {
        return 0;
    }
    for (i = 0; i < TASK_MODE_COUNT; i++) {
        if (strcmp(v, task_mode_name((enum task_mode)i)) == 0) {
            s->mode = (enum task_mode)i;
            return 0;
        }
    }
    return task_spec_fail_at(c, "mode",
                             "must be \"full+incremental\", \"incremental\" "
                             "or \"full\", not %s",
                             task_spec_show(v, shown, sizeof(shown)));
}

static int
get_db_number(struct task_spec_ctx *c, json_t *obj, const char *key,
              bool required, unsigned *out)
{
    json_t *v = json_object_get(obj, key);
    uint64_t n;

    if (v == NULL) {
        if (required) {
            return task_spec_fail(c,
                                  "missing \"%s\": give the database "
                                  "number, e.g. {\"db\": 0}",
                                  key);
        }
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 ||
        json_integer_value(v) > TASK_REDIS_MAX_DB) {
        return task_spec_fail_at(c, key,
                                 "must be a database number from 0 to %d, "
                                 "not %s",
                                 TASK_REDIS_MAX_DB,
                                 json_is_integer(v) ? "that number"
                                                    : task_spec_jtype(v));
    }
    n = (uint64_t)json_integer_value(v);
    *out = (unsigned)n;
    return 0;
}

static int
parse_prefixes(struct task_spec_ctx *c, json_t *obj, struct task_redis_db *d)
{
    size_t saved, base, k, j, n;
    const char *p;
    json_t *arr, *v;

    if (task_spec_get_typed(c, obj, "key_prefixes", false, JSON_ARRAY,
                            "an array of strings", &arr) < 0) {
        return -1;
    }
    if (arr == NULL) {
        return 0;
    }
    saved = task_spec_path_key(c, "key_prefixes");
    base = c->plen;
    n = json_array_size(arr);
    if (n == 0 || n > TASK_REDIS_MAX_PREFIXES) {
        return task_spec_fail(c,
                              "must list 1 to %d prefixes (leave it out to "
                              "replicate every key)",
                              TASK_REDIS_MAX_PREFIXES);
    }
    d->key_prefixes = calloc(n, sizeof(*d->key_prefixes));
    if (d->key_prefixes == NULL) {
        return task_spec_fail(c, "out of memory");
    }
    for (k = 0; k < n; k++) {
        task_spec_path_index(c, k);
        v = json_array_get(arr, k);
        if (!json_is_string(v)) {
            return task_spec_fail(c, "expected a string, got %s",
                                  task_spec_jtype(v));
        }
        p = json_string_value(v);
        if (p[0] == '\0' || strlen(p) != json_string_length(v)) {
            return task_spec_fail(c, "a prefix is not empty and holds no "
                                     "NUL byte");
        }
        for (j = 0; j < k; j++) {
            if (strcmp(d->key_prefixes[j], p) == 0) {
                return task_spec_fail(c,
                                      "prefix listed twice (first at "
                                      "key_prefixes[%zu])",
                                      j);
            }
        }
        if (task_spec_copy_str(c, p, &d->key_prefixes[k]) < 0) {
            return -1;
        }
        d->nkey_prefixes = k + 1;
        task_spec_path_pop(c, base);
    }
    task_spec_path_pop(c, saved);
    return 0;
}

static int
parse_objects(struct task_spec_ctx *c, json_t *root, struct task_spec *s,
              bool same_server)
{
    struct task_redis_db *d;
    size_t saved, base, k, j, n;
    json_t *arr, *v;

    if (task_spec_get_typed(c, root, "objects", false, JSON_ARRAY, "an array",
                            &arr) < 0) {
        return -1;
    }
    if (arr == NULL) {
        if (same_server) {
            return task_spec_fail(c, "source and destination are the same "
                                     "server: list the databases in "
                                     "\"objects\" and map each to another "
                                     "number with \"as\"");
        }
        return 0;
    }
    saved = task_spec_path_key(c, "objects");
    base = c->plen;
    n = json_array_size(arr);
    if (n == 0) {
        return task_spec_fail(c, "must list at least one database "
                                 "({\"db\": 0}), or be left out to "
                                 "replicate every database");
    }
    s->redis.dbs = calloc(n, sizeof(*s->redis.dbs));
    if (s->redis.dbs == NULL) {
        return task_spec_fail(c, "out of memory");
    }
    for (k = 0; k < n; k++) {
        task_spec_path_index(c, k);
        v = json_array_get(arr, k);
        d = &s->redis.dbs[k];
        s->redis.ndbs = k + 1;
        if (!json_is_object(v)) {
            return task_spec_fail(c,
                                  "expected an object ({\"db\": 0}), "
                                  "got %s",
                                  task_spec_jtype(v));
        }
        if (json_object_get(v, "tables") != NULL) {
            return task_spec_fail_at(c, "tables",
                                     "a Redis database has no tables: "
                                     "select keys with \"key_prefixes\"");
        }
        if (task_spec_check_fields(c, v, redis_object_fields) < 0 ||
            get_db_number(c, v, "db", true, &d->db) < 0) {
            return -1;
        }
        d->as = d->db;
        if (get_db_number(c, v, "as", false, &d->as) < 0 ||
            parse_prefixes(c, v, d) < 0) {
            return -1;
        }
        for (j = 0; j < k; j++) {
            if (s->redis.dbs[j].db == d->db) {
                return task_spec_fail_at(c, "db",
                                         "database %u is listed twice "
                                         "(first at $.objects[%zu])",
                                         d->db, j);
            }
            if (s->redis.dbs[j].as == d->as) {
                return task_spec_fail(c,
                                      "databases %u and %u both go to "
                                      "destination database %u: give each "
                                      "its own \"as\"",
                                      s->redis.dbs[j].db, d->db, d->as);
            }
        }
        if (same_server && d->as == d->db) {
            return task_spec_fail(c,
                                  "source and destination are the same "
                                  "server and database %u would be copied "
                                  "onto itself: map it to another number "
                                  "with \"as\"",
                                  d->db);
        }
        task_spec_path_pop(c, base);
    }
    task_spec_path_pop(c, saved);
    return 0;
}

static int
parse_existing(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    char shown[SPEC_SHOW_BUF];
    const char *v;

    if (task_spec_get_str(c, root, "existing_tables", false, &v) < 0) {
        return -1;
    }
    s->existing_tables = TASK_EXISTING_INTERCEPT;
    if (v == NULL || strcmp(v, "intercept") == 0) {
        return 0;
    }
    if (strcmp(v, "ignore") == 0) {
        s->existing_tables = TASK_EXISTING_IGNORE;
        return 0;
    }
    return task_spec_fail_at(c, "existing_tables",
                             "must be \"intercept\" (the destination "
                             "databases must be empty) or \"ignore\" "
                             "(existing keys are overwritten), not %s",
                             task_spec_show(v, shown, sizeof(shown)));
}

static int
parse_apply(struct task_spec_ctx *c, json_t *root, struct task_spec *s)
{
    size_t saved;
    json_t *a;

    s->apply.workers = 1;
    s->apply.batch_rows = 1000;
    s->apply.batch_txns = 100;
    s->apply.queue_bytes = UINT64_C(64) << 20;
    if (task_spec_get_typed(c, root, "apply", false, JSON_OBJECT, "an object",
                            &a) < 0) {
        return -1;
    }
    if (a == NULL) {
        return 0;
    }
    saved = task_spec_path_key(c, "apply");
    if (task_spec_check_fields(c, a, redis_apply_fields) < 0 ||
        task_spec_get_uint(c, a, "queue_bytes", UINT64_C(1) << 20,
                           UINT64_C(64) << 30, &s->apply.queue_bytes) < 0) {
        return -1;
    }
    task_spec_path_pop(c, saved);
    return 0;
}

int
task_spec_redis_parse(struct task_spec_ctx *c, json_t *root,
                      struct task_spec *s, const struct url *src,
                      const struct url *dst)
{
    bool same_server;
    size_t i;

    if (s->source.type != TASK_ENGINE_REDIS ||
        s->destination.type != TASK_ENGINE_REDIS) {
        task_spec_path_key(
            c, s->source.type == TASK_ENGINE_REDIS ? "destination" : "source");
        return task_spec_fail_at(c, "type",
                                 "a Redis task copies Redis to Redis: "
                                 "make both ends \"redis\"");
    }
    for (i = 0; redis_sql_fields[i] != NULL; i++) {
        if (json_object_get(root, redis_sql_fields[i]) != NULL) {
            return task_spec_fail_at(c, redis_sql_fields[i],
                                     "not a setting of a Redis task: "
                                     "remove it");
        }
    }
    same_server =
        strcasecmp(src->host, dst->host) == 0 && src->port == dst->port;
    s->schema_sync = false;
    s->dml_insert = s->dml_update = s->dml_delete = true;
    if (task_spec_check_fields(c, root, redis_top_fields) < 0 ||
        parse_mode(c, root, s) < 0 ||
        task_spec_get_timestamp(c, root, "start_at", &s->has_start_at,
                                &s->start_at) < 0 ||
        parse_objects(c, root, s, same_server) < 0 ||
        parse_existing(c, root, s) < 0 || parse_apply(c, root, s) < 0) {
        return -1;
    }
    return 0;
}

const struct task_redis_db *
task_spec_redis_db(const struct task_spec *s, unsigned db, unsigned *as)
{
    size_t i;

    if (s->redis.ndbs == 0) {
        *as = db;
        return &every_key;
    }
    for (i = 0; i < s->redis.ndbs; i++) {
        if (s->redis.dbs[i].db == db) {
            *as = s->redis.dbs[i].as;
            return &s->redis.dbs[i];
        }
    }
    return NULL;
}

bool
task_spec_redis_key_selected(const struct task_redis_db *d, const void *key,
                             size_t len)
{
    size_t i, n;

    if (d->nkey_prefixes == 0) {
        return true;
    }
    for (i = 0; i < d->nkey_prefixes; i++) {
        n = strlen(d->key_prefixes[i]);
        if (n <= len && memcmp(d->key_prefixes[i], key, n) == 0) {
            return true;
        }
    }
    return false;
}
