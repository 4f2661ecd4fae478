/*
 * host_api.c - the daemon's tasks as the API shows them: lists, views,
 * logs, and changes to a task's spec (see host.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include "proto/buf.h"
#include "src/core/log.h"
#include "src/core/url.h"
#include "src/store/store.h"
#include "src/task/host_int.h"
#include "src/task/task.h"

/* RFC 3339 UTC with milliseconds. */
static json_t *
json_time(int64_t ms)
{
    char buf[40];
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    size_t n;

    gmtime_r(&s, &tm);
    n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof(buf) - n, ".%03dZ", (int)(ms % 1000));
    return json_string(buf);
}

json_t *
host_public_spec(const struct htask *t)
{
    /* a change a running task takes at its restart shows at once */
    const struct task_spec *ts = t->next_doc != NULL ? &t->next_spec :
                                 &t->spec;
    json_t *spec = json_deep_copy(t->next_doc != NULL ? t->next_doc :
                                  t->doc), *ep;
    char masked[1200];

    if (spec == NULL) {
        return NULL;
    }
    json_object_del(spec, "description");
    json_object_del(spec, "tags");
    json_object_del(spec, "objects_to_copy");
    ep = json_object_get(spec, "source");
    if (json_is_object(ep) && ts->source.url != NULL) {
        json_object_set_new(ep, "url", json_string(task_spec_masked_url(
            &ts->source, masked, sizeof(masked))));
    }
    ep = json_object_get(spec, "destination");
    if (json_is_object(ep) && ts->destination.url != NULL) {
        json_object_set_new(ep, "url", json_string(task_spec_masked_url(
            &ts->destination, masked, sizeof(masked))));
    }
    return spec;
}

/* A delay in ms, or null when not known. */
static json_t *
json_delay(int64_t ms)
{
    return ms >= 0 ? json_integer(ms) : json_null();
}

json_t *
host_task_summary(const struct htask *t, const struct task_stats *ts)
{
    return json_pack("{s:s,s:s,s:s?,s:s,s:o,s:f,s:f,s:s?}", "name",
                     t->name, "status", hstatus_name(t->status), "phase",
                     t->phase, "mode", task_mode_name(t->spec.mode),
                     "delay_ms", json_delay(ts->delay_ms), "tps", t->tps,
                     "rows_per_sec", t->rows_per_sec, "error", t->error);
}

json_t *
host_task_metrics(const struct htask *t, const struct task_stats *ts)
{
    return json_pack(
        "{s:f,s:f,s:f,s:f,s:{s:o,s:o,s:o,s:o},s:I,s:I,s:I,s:I,s:I,s:I}",
        "read_bytes_per_sec", t->read_bps, "write_bytes_per_sec",
        t->write_bps, "tps", t->tps, "rows_per_sec", t->rows_per_sec,
        "delay_ms", "last", json_delay(ts->delay_ms), "p50",
        json_delay(ts->delay_p50_ms), "p99", json_delay(ts->delay_p99_ms),
        "max", json_delay(ts->delay_max_ms), "bytes_behind",
        (json_int_t)ts->bytes_behind, "queue_bytes",
        (json_int_t)ts->queue_bytes, "spill_bytes",
        (json_int_t)ts->spill_bytes, "errors", (json_int_t)ts->errors,
        "transactions", (json_int_t)ts->applied_txns, "rows",
        (json_int_t)ts->applied_rows);
}

json_t *
host_task_view(const struct htask *t)
{
    const json_t *doc = t->next_doc != NULL ? t->next_doc : t->doc;
    json_t *v, *pos = json_null(), *d;
    struct task_stats ts;

    host_stats(t, &ts);
    v = host_task_summary(t, &ts);
    if (v == NULL) {
        return NULL;
    }
    if (ts.file != NULL) {
        json_decref(pos);
        pos = json_pack("{s:s,s:I}", "file", ts.file, "pos",
                        (json_int_t)ts.pos);
    } else if (t->mirror_file != NULL) {
        json_decref(pos);
        pos = json_pack("{s:s,s:I}", "file", t->mirror_file, "pos",
                        (json_int_t)t->mirror_pos);
    }
    d = json_object_get(doc, "description");
    json_object_set_new(v, "description", d != NULL ? json_incref(d) :
                        json_null());
    d = json_object_get(doc, "tags");
    json_object_set_new(v, "tags", d != NULL ? json_incref(d) :
                        json_array());
    json_object_set_new(v, "spec", host_public_spec(t));
    d = json_object_get(doc, "objects_to_copy");
    json_object_set_new(v, "objects_to_copy", d != NULL ? json_incref(d) :
                        json_array());
    json_object_set_new(v, "metrics", host_task_metrics(t, &ts));
    json_object_set_new(v, "progress", t->spec.mode == TASK_MODE_INCREMENTAL
                        ? json_null() : json_pack(
                            "{s:I,s:I,s:I}", "tables_total",
                            (json_int_t)ts.tables_total, "tables_done",
                            (json_int_t)ts.tables_done, "rows_copied",
                            (json_int_t)ts.rows_copied));
    json_object_set_new(v, "position", pos);
    json_object_set(v, "precheck", t->report != NULL ? t->report :
                    json_null());
    json_object_set_new(v, "created", json_time(t->created_ms));
    json_object_set_new(v, "updated", json_time(t->updated_ms));
    return v;
}

int
host_list(struct host *h, json_t **out)
{
    json_t *a = json_array();
    const struct htask *t;
    struct task_stats ts;

    for (t = h->tasks; t != NULL && a != NULL; t = t->next) {
        host_stats(t, &ts);
        json_array_append_new(a, host_task_summary(t, &ts));
    }
    *out = json_pack("{s:o}", "tasks", a != NULL ? a : json_array());
    return 200;
}

int
host_show(struct host *h, const char *name, json_t **out)
{
    struct htask *t = host_find(h, name);

    if (t == NULL) {
        return host_error(out, 404, "no task named '%s'", name);
    }
    *out = host_task_view(t);
    return *out != NULL ? 200 : host_error(out, 500, "out of memory");
}

/* ---- logs ---- */

static int
on_log_line(void *arg, const struct store_log *l)
{
    json_t *a = arg;

    return json_array_append_new(a, json_pack(
        "{s:o,s:I,s:s,s:s,s:s}", "ts", json_time(l->ts_ms), "ts_ms",
        (json_int_t)l->ts_ms, "level", log_level_name((enum log_level)
        l->level), "kind", l->kind, "message", l->msg));
}

int
host_logs(struct host *h, const char *name, const char *level,
          int64_t since_ms, json_t **out)
{
    enum log_level max = LOG_INFO;
    char err[600];
    json_t *a;

    if (host_find(h, name) == NULL) {
        return host_error(out, 404, "no task named '%s'", name);
    }
    if (level != NULL && (!log_level_parse(level, &max) || max > LOG_INFO)) {
        return host_error(out, 400, "level: error, warn or info");
    }
    a = json_array();
    if (a == NULL) {
        return host_error(out, 500, "out of memory");
    }
    host_flush_logs(h);
    /* since is exclusive here, inclusive in the store */
    if (store_log_each(h->st, name, (int)max, since_ms > 0 ? since_ms + 1 :
                       0, 1000, on_log_line,
                       a, err, sizeof(err)) != 0) {
        json_decref(a);
        return host_error(out, 500, "the store cannot read the log: %s",
                          err);
    }
    *out = json_pack("{s:o}", "logs", a);
    return 200;
}

/* ---- changes to a task ---- */

/* Percent-encodes s into b (the URL's userinfo characters). */
static void
put_escaped(struct pbuf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";

    for (; *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;

        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
            c == '~') {
            pbuf_putc(b, (char)c);
        } else {
            pbuf_putc(b, '%');
            pbuf_putc(b, hex[c >> 4]);
            pbuf_putc(b, hex[c & 15]);
        }
    }
}

/* The endpoint's URL with password pw, in ep (a spec's "source" or
 * "destination" object). */
static int
set_password(json_t *ep, const char *which, const char *pw, json_t **out)
{
    const char *url = json_string_value(json_object_get(ep, "url"));
    const char *p, *at, *colon;
    struct pbuf b = {0};
    int rc = 0;

    if (url == NULL || (p = strstr(url, "://")) == NULL) {
        return host_error(out, 400, "%s has no URL to change", which);
    }
    p += 3;
    at = strchr(p, '@');
    if (at == NULL || (size_t)(at - p) > strcspn(p, "/?")) {
        return host_error(out, 400, "%s.url names no user: put the user "
                          "in the URL (PATCH {\"%s\": {\"url\": ...}})",
                          which, which);
    }
    colon = memchr(p, ':', (size_t)(at - p));
    pbuf_put(&b, url, (size_t)((colon != NULL ? colon : at) - url));
    pbuf_putc(&b, ':');
    put_escaped(&b, pw);
    pbuf_puts(&b, at);
    pbuf_putc(&b, '\0');
    if (b.failed || json_object_set_new(ep, "url", json_string(
                        (const char *)b.data)) != 0) {
        rc = host_error(out, 500, "out of memory");
    }
    OPENSSL_cleanse(b.data, b.len);
    pbuf_free(&b);
    return rc;
}

/* Whether object o (an "objects" entry) is for database db. */
static bool
same_db(json_t *o, const char *db)
{
    const char *d = json_string_value(json_object_get(o, "db"));

    return d != NULL && strcmp(d, db) == 0;
}

/* Removes the entry of database db from array a; whether it was there. */
static bool
remove_db(json_t *a, const char *db)
{
    size_t j;

    for (j = 0; j < json_array_size(a); j++) {
        if (same_db(json_array_get(a, j), db)) {
            json_array_remove(a, j);
            return true;
        }
    }
    return false;
}

/* Applies {"add": [...], "remove": [...]} to doc's objects; with copy,
 * the added entries also go to "objects_to_copy" (copied before the
 * stream goes on). */
static int
patch_objects(json_t *doc, json_t *ch, bool copy, json_t **out)
{
    json_t *objs = json_object_get(doc, "objects"), *add, *rm, *v, *tc;
    size_t i;

    add = json_object_get(ch, "add");
    rm = json_object_get(ch, "remove");
    if (!json_is_object(ch) || (add != NULL && !json_is_array(add)) ||
        (rm != NULL && !json_is_array(rm)) ||
        json_object_size(ch) != (size_t)(add != NULL) + (rm != NULL)) {
        return host_error(out, 400, "objects: {\"add\": [entries as in the "
                          "spec], \"remove\": [database names]}");
    }
    json_array_foreach(rm, i, v) {
        if (!json_is_string(v)) {
            return host_error(out, 400, "objects.remove[%zu]: a database "
                              "name", i);
        }
        if (!remove_db(objs, json_string_value(v))) {
            return host_error(out, 400, "objects.remove[%zu]: '%s' is not "
                              "among the task's objects", i,
                              json_string_value(v));
        }
        remove_db(json_object_get(doc, "objects_to_copy"),
                  json_string_value(v));
    }
    tc = json_object_get(doc, "objects_to_copy");
    if (copy && tc == NULL && json_array_size(add) > 0) {
        tc = json_array();
        json_object_set_new(doc, "objects_to_copy", tc);
    }
    json_array_foreach(add, i, v) {
        json_array_append(objs, v);
        if (copy) {
            json_array_append(tc, v);
        }
    }
    if (tc != NULL && json_array_size(tc) == 0) {
        json_object_del(doc, "objects_to_copy");
    }
    return 0;
}

int
host_patch(struct host *h, const char *name, const char *body, size_t len,
           json_t **out)
{
    struct htask *t = host_find(h, name);
    json_t *ch, *doc, *v, *pw;
    json_error_t je;
    const char *key;
    int code = 0;
    bool restart = false;

    if (t == NULL) {
        return host_error(out, 404, "no task named '%s'", name);
    }
    if (t->stop != HSTOP_NONE || t->pre != NULL || resetting(t)) {
        return host_error(out, 409, "task '%s' is busy: try again in a "
                          "moment", name);
    }
    ch = json_loadb(body, len, 0, &je);
    if (!json_is_object(ch)) {
        json_decref(ch);
        return host_error(out, 400, "the body is not a JSON object: send "
                          "{\"objects\": ..., \"flow_control\": ..., "
                          "\"source\": {\"password\": ...}}");
    }
    doc = json_deep_copy(t->doc);
    json_object_foreach(ch, key, v) {
        if (strcmp(key, "objects") == 0) {
            if (t->spec.source.type == TASK_ENGINE_REDIS) {
                code = host_error(out, 409, "the databases of a Redis task "
                                  "cannot be changed while it exists: "
                                  "create a task for the others instead");
            } else if (t->spec.mode == TASK_MODE_FULL &&
                json_array_size(json_object_get(v, "add")) > 0 &&
                t->status != HS_CREATED && t->status != HS_READY &&
                t->status != HS_PRECHECK_FAILED) {
                code = host_error(out, 409, "objects added to a started "
                                  "\"full\" task would miss their copy: "
                                  "create a task for them instead");
            } else {
                /* past its full copy, a task copies what is added
                 * before it goes on streaming */
                code = patch_objects(doc, v, t->spec.mode ==
                                     TASK_MODE_FULL_INCREMENTAL &&
                                     (t->mirror_file != NULL ||
                                      t->status == HS_INCREMENTAL), out);
            }
            restart = true;
        } else if (strcmp(key, "flow_control") == 0) {
            json_object_set(doc, key, v);
            restart = t->status == HS_FULL_SYNC;
        } else if ((strcmp(key, "source") == 0 ||
                    strcmp(key, "destination") == 0) &&
                   json_is_object(v) && json_object_size(v) == 1 &&
                   json_is_string(pw = json_object_get(v, "password"))) {
            code = set_password(json_object_get(doc, key), key,
                                json_string_value(pw), out);
            restart = true;
        } else if (strcmp(key, "description") == 0 ||
                   strcmp(key, "tags") == 0) {
            json_object_set(doc, key, v);
        } else {
            code = host_error(out, 400, "'%s' cannot be changed: PATCH "
                              "takes objects, flow_control, description, "
                              "tags, source.password and "
                              "destination.password", key);
        }
        if (code != 0) {
            break;
        }
    }
    json_decref(ch);
    if (code == 0) {
        code = host_apply_doc(t, doc, restart, out);
    }
    json_decref(doc);
    return code;
}

/* ---- /metrics ---- */

/* One sample line: NAME{task="T"} VALUE. */
static void
metric(struct pbuf *b, const char *name, const char *task, double v)
{
    char line[256];
    int n = snprintf(line, sizeof(line), "%s{task=\"%s\"} %.17g\n", name,
                     task, v);

    if (n > 0 && (size_t)n < sizeof(line)) {
        pbuf_put(b, line, (size_t)n);
    }
}

static double
seconds(int64_t ms)
{
    return ms >= 0 ? (double)ms / 1000.0 : 0.0 / 0.0;
}

/* The families, each with its help and type, then a line per task. */
void
host_metrics(struct host *h, struct pbuf *out)
{
    static const struct {
        const char *name, *type, *help;
    } fam[] = {
        {"tandem_task_status", "gauge", "1 for the task's status (label "
         "status)"},
        {"tandem_task_delay_seconds", "gauge", "apply time minus the source "
         "time of the last applied heartbeat or transaction"},
        {"tandem_task_delay_p50_seconds", "gauge", "median delay over the "
         "last minute"},
        {"tandem_task_delay_p99_seconds", "gauge", "99th percentile delay "
         "over the last minute"},
        {"tandem_task_delay_max_seconds", "gauge", "largest delay over the "
         "last minute"},
        {"tandem_task_read_bytes_total", "counter", "bytes read from the "
         "source"},
        {"tandem_task_written_bytes_total", "counter", "bytes sent to the "
         "destination"},
        {"tandem_task_transactions_total", "counter", "source transactions "
         "committed at the destination"},
        {"tandem_task_rows_total", "counter", "row changes committed at the "
         "destination"},
        {"tandem_task_behind_bytes", "gauge", "source log bytes not yet "
         "applied"},
        {"tandem_task_queue_bytes", "gauge", "bytes queued for the "
         "destination"},
        {"tandem_task_spill_bytes", "gauge", "bytes spilled to disk"},
        {"tandem_task_errors_total", "counter", "errors the task restarted "
         "after"},
        {"tandem_task_copied_rows_total", "counter", "rows copied by the "
         "full sync"},
    };
    const struct htask *t;
    struct task_stats *all;
    size_t f, n = 0, i;
    char line[256];

    for (t = h->tasks; t != NULL; t = t->next) {
        n++;
    }
    all = calloc(n > 0 ? n : 1, sizeof(*all));
    if (all == NULL) {
        out->failed = true;
        return;
    }
    for (t = h->tasks, i = 0; t != NULL; t = t->next, i++) {
        host_stats(t, &all[i]);
    }
    for (f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
        snprintf(line, sizeof(line), "# HELP %s %s\n# TYPE %s %s\n",
                 fam[f].name, fam[f].help, fam[f].name, fam[f].type);
        pbuf_puts(out, line);
        for (t = h->tasks, i = 0; t != NULL; t = t->next, i++) {
            const struct task_stats *ts = &all[i];
            double v;

            switch (f) {
            case 0:
                snprintf(line, sizeof(line), "%s{task=\"%s\",status=\"%s\"} "
                         "1\n", fam[f].name, t->name,
                         hstatus_name(t->status));
                pbuf_puts(out, line);
                continue;
            case 1: v = seconds(ts->delay_ms); break;
            case 2: v = seconds(ts->delay_p50_ms); break;
            case 3: v = seconds(ts->delay_p99_ms); break;
            case 4: v = seconds(ts->delay_max_ms); break;
            case 5: v = (double)ts->read_bytes; break;
            case 6: v = (double)ts->written_bytes; break;
            case 7: v = (double)ts->applied_txns; break;
            case 8: v = (double)ts->applied_rows; break;
            case 9: v = (double)ts->bytes_behind; break;
            case 10: v = (double)ts->queue_bytes; break;
            case 11: v = (double)ts->spill_bytes; break;
            case 12: v = (double)ts->errors; break;
            default: v = (double)ts->rows_copied; break;
            }
            if (v == v) {            /* NaN: not known, no sample */
                metric(out, fam[f].name, t->name, v);
            }
        }
    }
    free(all);
}
