/*
 * src_test_store.c - the state store (src/store/store.c) and its sealing
 * of secrets (src/store/secret.c) on real files in a temp dir: the key
 * file's creation and checks, AES-GCM round trips and every tampering,
 * tasks stored and read back across a reopen with no password anywhere
 * in the files, statuses, checkpoints, logs, metrics, batches and
 * deletion, checked through a second SQLite connection.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sqlite3.h>

#include "src/store/secret.h"
#include "src/store/store.h"

#define PASSWORD "S3cretPw!"
#define SRC_URL "mysql://repl:" PASSWORD "@127.0.0.1:3306"
#define DST_URL "mysql://root:" PASSWORD "@127.0.0.1:3307/?tls=require"

static const char spec1[] =
    "{\"name\": \"t1\","
    " \"source\": {\"type\": \"mysql\", \"url\": \"" SRC_URL "\"},"
    " \"destination\": {\"type\": \"mysql\", \"url\": \"" DST_URL "\"},"
    " \"objects\": [{\"db\": \"shop\"}]}";

static const char spec2[] =
    "{\"name\": \"t2\","
    " \"source\": {\"type\": \"mysql\", \"url\": \"mysql://u@h1\"},"
    " \"destination\": {\"type\": \"mysql\", \"url\": \"mysql://u:pw2@h2\"},"
    " \"objects\": [{\"db\": \"crm\"}]}";

/* ---- helpers ---- */

static char *
make_dir(void)
{
    char *d = strdup("/tmp/tandem-store-XXXXXX");

    assert_non_null(d);
    assert_non_null(mkdtemp(d));
    return d;
}

static void
remove_dir(char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
            unlink(path);
        }
    }
    closedir(d);
    rmdir(dir);
    free(dir);
}

static void
file_path(char *out, size_t outlen, const char *dir, const char *name)
{
    snprintf(out, outlen, "%s/%s", dir, name);
}

static void
write_file(const char *dir, const char *name, const void *p, size_t n,
           mode_t mode)
{
    char path[512];
    int fd;

    file_path(path, sizeof(path), dir, name);
    unlink(path);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, p, n), (ssize_t)n);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

/* How many files of <dir> hold <needle>; how many were read in *nfiles. */
static int
files_holding(const char *dir, const char *needle, int *nfiles)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[512];
    char *buf;
    size_t cap = 1 << 24;
    ssize_t n;
    int fd, hits = 0;

    assert_non_null(d);
    buf = malloc(cap);
    assert_non_null(buf);
    *nfiles = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        file_path(path, sizeof(path), dir, e->d_name);
        fd = open(path, O_RDONLY);
        assert_true(fd >= 0);
        n = read(fd, buf, cap);
        close(fd);
        assert_true(n >= 0 && (size_t)n < cap);
        (*nfiles)++;
        if (memmem(buf, (size_t)n, needle, strlen(needle)) != NULL) {
            hits++;
        }
    }
    closedir(d);
    free(buf);
    return hits;
}

static mode_t
file_mode(const char *dir, const char *name)
{
    char path[512];
    struct stat st;

    file_path(path, sizeof(path), dir, name);
    assert_int_equal(stat(path, &st), 0);
    return st.st_mode & 0777;
}

/* A second connection to tandem.db, as another process would open it. */
static sqlite3 *
raw_open(const char *dir)
{
    char path[512];
    sqlite3 *db;

    file_path(path, sizeof(path), dir, "tandem.db");
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE,
                                     NULL), SQLITE_OK);
    sqlite3_busy_timeout(db, 2000);
    return db;
}

static int64_t
raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st;
    int64_t v;

    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

static void
raw_exec(sqlite3 *db, const char *sql)
{
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
}

static struct store *
open_ok(const char *dir)
{
    char err[512] = "";
    struct store *s = store_open(dir, err, sizeof(err));

    if (s == NULL) {
        fail_msg("store_open: %s", err);
    }
    return s;
}

/* Tasks seen by store_task_each() / store_task_get(). */
struct seen {
    int n;                      /* tasks seen */
    char names[8][16];          /* their names, in order */
    char *specs[8];             /* their spec_json, owned (NULL if NULL) */
    char status[8][32];         /* their status */
    char error[8][512];         /* their error, "" when NULL */
    int64_t created_ms[8];      /* their creation times */
    int64_t updated_ms[8];      /* their update times */
    int stop_after;             /* return 1 after this many (0: never) */
};

static int
collect_task(void *arg, const struct store_task *t)
{
    struct seen *s = arg;

    assert_true(s->n < 8);
    snprintf(s->names[s->n], sizeof(s->names[0]), "%s", t->name);
    s->specs[s->n] = t->spec_json != NULL ? strdup(t->spec_json) : NULL;
    snprintf(s->status[s->n], sizeof(s->status[0]), "%s", t->status);
    snprintf(s->error[s->n], sizeof(s->error[0]), "%s",
             t->error != NULL ? t->error : "");
    s->created_ms[s->n] = t->created_ms;
    s->updated_ms[s->n] = t->updated_ms;
    s->n++;
    return s->stop_after != 0 && s->n >= s->stop_after;
}

static void
seen_free(struct seen *s)
{
    int i;

    for (i = 0; i < s->n; i++) {
        free(s->specs[i]);
    }
    memset(s, 0, sizeof(*s));
}

/* "<obj>"."url" of JSON text <spec>, copied into <out>. */
static void
spec_url_of(const char *spec, const char *obj, char *out, size_t outlen)
{
    json_t *root = json_loads(spec, 0, NULL);
    json_t *u;

    assert_non_null(root);
    u = json_object_get(json_object_get(root, obj), "url");
    assert_true(json_is_string(u));
    snprintf(out, outlen, "%s", json_string_value(u));
    json_decref(root);
}

/* ---- secret.c ---- */

static void
test_key_file(void **state)
{
    char *dir = make_dir();
    struct secret_key k1, k2;
    char err[512] = "";
    char path[512];
    struct stat st;

    (void)state;
    assert_int_equal(secret_key_load(dir, &k1, err, sizeof(err)), 0);
    file_path(path, sizeof(path), dir, "secret.key");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, SECRET_KEY_BYTES);
    /* Reused, not remade. */
    assert_int_equal(secret_key_load(dir, &k2, err, sizeof(err)), 0);
    assert_memory_equal(k1.bytes, k2.bytes, SECRET_KEY_BYTES);

    /* Open to others: refused with the fix. */
    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(secret_key_load(dir, &k2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "mode 0644"));
    assert_non_null(strstr(err, "chmod 600"));
    assert_null(strchr(err, '\n'));
    assert_int_equal(chmod(path, 0600), 0);

    /* Wrong size: refused, and not replaced by a new key. */
    write_file(dir, "secret.key", "short", 5, 0600);
    assert_int_equal(secret_key_load(dir, &k2, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "holds 5 bytes, not 32"));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 5);

    secret_key_wipe(&k1);
    secret_key_wipe(&k2);
    remove_dir(dir);
}

static void
test_seal_open(void **state)
{
    static const char aad[] = "t1\0source.url";
    static const char plain[] = "mysql://u:" PASSWORD "@h";
    struct secret_key k, other;
    struct pbuf sealed = {0}, sealed2 = {0}, out = {0};
    size_t len = strlen(plain), i;

    (void)state;
    memset(k.bytes, 0x11, sizeof(k.bytes));
    memset(other.bytes, 0x11, sizeof(other.bytes));
    other.bytes[31] ^= 1;

    assert_int_equal(secret_seal(&k, aad, sizeof(aad) - 1, plain, len,
                                 &sealed), 0);
    assert_int_equal(sealed.len, len + SECRET_OVERHEAD);
    assert_int_equal(sealed.data[0], 1);
    assert_null(memmem(sealed.data, sealed.len, PASSWORD, strlen(PASSWORD)));
    assert_int_equal(secret_open(&k, aad, sizeof(aad) - 1, sealed.data,
                                 sealed.len, &out), 0);
    assert_int_equal(out.len, len);
    assert_memory_equal(out.data, plain, len);

    /* A fresh nonce each time. */
    assert_int_equal(secret_seal(&k, aad, sizeof(aad) - 1, plain, len,
                                 &sealed2), 0);
    assert_int_equal(sealed2.len, sealed.len);
    assert_memory_not_equal(sealed2.data, sealed.data, sealed.len);

    /* Every single changed byte is caught, the version byte too. */
    for (i = 0; i < sealed.len; i++) {
        sealed.data[i] ^= 0x40;
        pbuf_reset(&out);
        assert_int_equal(secret_open(&k, aad, sizeof(aad) - 1, sealed.data,
                                     sealed.len, &out), -1);
        assert_int_equal(out.len, 0);
        sealed.data[i] ^= 0x40;
    }
    /* Truncated, wrong AAD (also past its NUL), wrong key. */
    assert_int_equal(secret_open(&k, aad, sizeof(aad) - 1, sealed.data,
                                 sealed.len - 1, &out), -1);
    assert_int_equal(secret_open(&k, aad, SECRET_OVERHEAD - 1, sealed.data,
                                 SECRET_OVERHEAD - 1, &out), -1);
    assert_int_equal(secret_open(&k, "t1\0source.urx", sizeof(aad) - 1,
                                 sealed.data, sealed.len, &out), -1);
    assert_int_equal(secret_open(&k, "t2\0source.url", sizeof(aad) - 1,
                                 sealed.data, sealed.len, &out), -1);
    assert_int_equal(secret_open(&k, aad, 2, sealed.data, sealed.len, &out),
                     -1);
    assert_int_equal(secret_open(&other, aad, sizeof(aad) - 1, sealed.data,
                                 sealed.len, &out), -1);
    assert_int_equal(out.len, 0);

    /* Empty plaintext, no AAD. */
    pbuf_reset(&sealed);
    assert_int_equal(secret_seal(&k, NULL, 0, "", 0, &sealed), 0);
    assert_int_equal(sealed.len, SECRET_OVERHEAD);
    assert_int_equal(secret_open(&k, NULL, 0, sealed.data, sealed.len,
                                 &out), 0);
    assert_int_equal(out.len, 0);

    pbuf_free(&sealed);
    pbuf_free(&sealed2);
    secret_pbuf_wipe(&out);
}

/* ---- store.c ---- */

static void
test_tasks_sealed(void **state)
{
    char *dir = make_dir();
    char err[512] = "", url[256];
    struct store *s;
    struct seen seen = {0};
    json_t *want, *got;
    sqlite3 *raw;
    sqlite3_stmt *st;
    int nfiles;

    (void)state;
    s = open_ok(dir);
    assert_int_equal(file_mode(dir, "tandem.db"), 0600);
    assert_int_equal(file_mode(dir, "secret.key"), 0600);
    assert_int_equal(store_task_put(s, "t1", spec1, "created", NULL, err,
                                    sizeof(err)), 0);
    assert_int_equal(store_task_put(s, "t2", spec2, "created", NULL, err,
                                    sizeof(err)), 0);
    assert_int_equal(store_task_put(s, "bad", "[1, 2]", "created", NULL,
                                    err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a JSON object"));

    /* While open, with the WAL in use: no password in any file. */
    assert_int_equal(file_mode(dir, "tandem.db-wal"), 0600);
    assert_int_equal(file_mode(dir, "tandem.db-shm"), 0600);
    assert_int_equal(files_holding(dir, PASSWORD, &nfiles), 0);
    assert_true(nfiles >= 4);
    /* The scan does see what is written: the masked URL. */
    assert_true(files_holding(dir, "repl:***@", &nfiles) >= 1);
    assert_int_equal(files_holding(dir, "pw2", &nfiles), 0);

    /* What is stored: masked spec, one sealed row per URL. */
    raw = raw_open(dir);
    assert_int_equal(sqlite3_prepare_v2(raw, "SELECT spec FROM task WHERE "
                                        "name = 't1'", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    spec_url_of((const char *)sqlite3_column_text(st, 0), "source", url,
                sizeof(url));
    assert_string_equal(url, "mysql://repl:***@127.0.0.1:3306");
    spec_url_of((const char *)sqlite3_column_text(st, 0), "destination", url,
                sizeof(url));
    assert_string_equal(url, "mysql://root:***@127.0.0.1:3307/?tls=require");
    sqlite3_finalize(st);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM secret"), 4);
    assert_int_equal(raw_int(raw, "SELECT max(version) FROM "
                                  "schema_version"), 1);
    sqlite3_close(raw);
    store_close(s);

    /* Reopened: the URLs come back exactly, in creation order. */
    s = open_ok(dir);
    assert_int_equal(store_task_each(s, collect_task, &seen, err,
                                     sizeof(err)), 0);
    assert_int_equal(seen.n, 2);
    assert_string_equal(seen.names[0], "t1");
    assert_string_equal(seen.names[1], "t2");
    spec_url_of(seen.specs[0], "source", url, sizeof(url));
    assert_string_equal(url, SRC_URL);
    spec_url_of(seen.specs[0], "destination", url, sizeof(url));
    assert_string_equal(url, DST_URL);
    want = json_loads(spec2, 0, NULL);
    got = json_loads(seen.specs[1], 0, NULL);
    assert_true(json_equal(want, got));
    json_decref(want);
    json_decref(got);
    assert_string_equal(seen.status[0], "created");
    assert_string_equal(seen.error[0], "");
    assert_true(seen.created_ms[0] > 1600000000000LL);
    seen_free(&seen);

    /* The callback stops the scan. */
    seen.stop_after = 1;
    assert_int_equal(store_task_each(s, collect_task, &seen, err,
                                     sizeof(err)), 0);
    assert_int_equal(seen.n, 1);
    seen_free(&seen);

    /* Replacing keeps the creation order and time. */
    assert_int_equal(store_task_get(s, "t1", collect_task, &seen, err,
                                    sizeof(err)), 0);
    assert_int_equal(store_task_put(s, "t1", spec1, "paused", NULL, err,
                                    sizeof(err)), 0);
    assert_int_equal(store_task_get(s, "t1", collect_task, &seen, err,
                                    sizeof(err)), 0);
    assert_int_equal(seen.n, 2);
    assert_int_equal(seen.created_ms[1], seen.created_ms[0]);
    assert_string_equal(seen.status[1], "paused");
    assert_string_equal(seen.specs[1], seen.specs[0]);
    seen_free(&seen);
    assert_int_equal(store_task_get(s, "nope", collect_task, &seen, err,
                                    sizeof(err)), 1);
    assert_int_equal(seen.n, 0);
    store_close(s);

    /* Closed (WAL folded into the file): still no password. */
    assert_int_equal(files_holding(dir, PASSWORD, &nfiles), 0);
    assert_int_equal(files_holding(dir, "repl:***@", &nfiles), 1);
    assert_int_equal(files_holding(dir, "pw2", &nfiles), 0);
    remove_dir(dir);
}

/* Task names seen, as "a,b," */
static int
names_cb(void *arg, const struct store_task *t)
{
    char *out = arg;

    strcat(out, t->name);
    strcat(out, t->spec_json == NULL ? "!," : ",");
    return 0;
}

static void
test_tampered_secrets(void **state)
{
    char *dir = make_dir();
    char err[512] = "", names[64] = "";
    struct store *s;
    struct seen seen = {0};
    struct secret_key k;
    sqlite3 *raw;

    (void)state;
    s = open_ok(dir);
    assert_int_equal(store_task_put(s, "t1", spec1, "created", NULL, err,
                                    sizeof(err)), 0);
    assert_int_equal(store_task_put(s, "t2", spec2, "created", NULL, err,
                                    sizeof(err)), 0);
    store_close(s);

    /* t1's sealed URL moved to t2: bound to t1, it does not open there;
     * the other task still comes whole. */
    raw = raw_open(dir);
    raw_exec(raw, "UPDATE secret SET sealed = (SELECT sealed FROM secret "
                  "WHERE task_id = 1 AND field = 'source.url') "
                  "WHERE task_id = 2 AND field = 'source.url'");
    sqlite3_close(raw);
    s = open_ok(dir);
    assert_int_equal(store_task_each(s, names_cb, names, err, sizeof(err)),
                     0);
    assert_string_equal(names, "t1,t2!,");
    assert_int_equal(store_task_get(s, "t2", collect_task, &seen, err,
                                    sizeof(err)), 0);
    assert_null(seen.specs[0]);
    assert_non_null(strstr(seen.error[0], "source.url of task t2 does not "
                                          "open"));
    seen_free(&seen);
    store_close(s);

    /* Another key: refused at open, naming the fix. */
    memset(k.bytes, 7, sizeof(k.bytes));
    write_file(dir, "secret.key", k.bytes, sizeof(k.bytes), 0600);
    assert_null(store_open(dir, err, sizeof(err)));
    assert_non_null(strstr(err, "not the key they were sealed with"));
    assert_null(strchr(err, '\n'));

    /* A key file open to others: refused. */
    write_file(dir, "secret.key", k.bytes, sizeof(k.bytes), 0644);
    assert_null(store_open(dir, err, sizeof(err)));
    assert_non_null(strstr(err, "chmod 600"));
    remove_dir(dir);
}

static int
reenter_cb(void *arg, const struct store_task *t)
{
    struct store *s = arg;
    char err[256] = "";

    (void)t;
    assert_int_equal(store_task_each(s, reenter_cb, s, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "called from its own callback"));
    /* Other calls are fine. */
    assert_int_equal(store_task_set_status(s, t->name, "running", NULL, err,
                                           sizeof(err)), 0);
    return 0;
}

static int
failing_cb(void *arg, const struct store_task *t)
{
    (void)arg;
    (void)t;
    return -1;
}

static void
test_status_and_checkpoint(void **state)
{
    char *dir = make_dir();
    char err[512] = "";
    struct store *s;
    struct seen seen = {0};
    struct store_checkpoint cp;

    (void)state;
    s = open_ok(dir);
    assert_int_equal(store_task_put(s, "t1", spec1, "created", NULL, err,
                                    sizeof(err)), 0);
    assert_int_equal(store_task_set_status(s, "t1", "failed", "boom", err,
                                           sizeof(err)), 0);
    assert_int_equal(store_task_get(s, "t1", collect_task, &seen, err,
                                    sizeof(err)), 0);
    assert_string_equal(seen.status[0], "failed");
    assert_string_equal(seen.error[0], "boom");
    assert_true(seen.updated_ms[0] >= seen.created_ms[0]);
    assert_int_equal(store_task_set_status(s, "t1", "incremental sync",
                                           NULL, err, sizeof(err)), 0);
    assert_int_equal(store_task_get(s, "t1", collect_task, &seen, err,
                                    sizeof(err)), 0);
    assert_string_equal(seen.status[1], "incremental sync");
    assert_string_equal(seen.error[1], "");
    assert_true(seen.updated_ms[1] >= seen.updated_ms[0]);
    seen_free(&seen);
    assert_int_equal(store_task_set_status(s, "nope", "failed", NULL, err,
                                           sizeof(err)), 1);

    assert_int_equal(store_task_each(s, reenter_cb, s, err, sizeof(err)), 0);
    assert_int_equal(store_task_get(s, "t1", collect_task, &seen, err,
                                    sizeof(err)), 0);
    assert_string_equal(seen.status[0], "running");
    seen_free(&seen);

    assert_int_equal(store_checkpoint_get(s, "t1", &cp, err, sizeof(err)),
                     1);
    assert_int_equal(store_checkpoint_put(s, "t1", "bin.000003", 1234,
                                          "0-1-100", err, sizeof(err)), 0);
    assert_int_equal(store_checkpoint_get(s, "t1", &cp, err, sizeof(err)),
                     0);
    assert_string_equal(cp.file, "bin.000003");
    assert_int_equal(cp.pos, 1234);
    assert_string_equal(cp.gtid, "0-1-100");
    assert_true(cp.updated_ms > 0);
    store_checkpoint_free(&cp);
    assert_int_equal(store_checkpoint_put(s, "t1", "bin.000004",
                                          UINT64_C(5000000000), NULL, err,
                                          sizeof(err)), 0);
    assert_int_equal(store_checkpoint_get(s, "t1", &cp, err, sizeof(err)),
                     0);
    assert_string_equal(cp.file, "bin.000004");
    assert_int_equal(cp.pos, UINT64_C(5000000000));
    assert_null(cp.gtid);
    store_checkpoint_free(&cp);
    assert_int_equal(store_checkpoint_put(s, "nope", "bin.000001", 4, NULL,
                                          err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no task nope"));
    assert_int_equal(store_checkpoint_get(s, "nope", &cp, err, sizeof(err)),
                     1);

    /* Survives a reopen; a reset forgets it. */
    store_close(s);
    s = open_ok(dir);
    assert_int_equal(store_checkpoint_get(s, "t1", &cp, err, sizeof(err)),
                     0);
    assert_int_equal(cp.pos, UINT64_C(5000000000));
    store_checkpoint_free(&cp);
    assert_int_equal(store_checkpoint_delete(s, "t1", err, sizeof(err)), 0);
    assert_int_equal(store_checkpoint_get(s, "t1", &cp, err, sizeof(err)),
                     1);
    assert_int_equal(store_checkpoint_delete(s, "t1", err, sizeof(err)), 0);

    /* A failing callback fails the scan, naming where. */
    assert_int_equal(store_task_each(s, failing_cb, NULL, err, sizeof(err)),
                     -1);
    assert_non_null(strstr(err, "callback failed at t1"));
    assert_int_equal(store_task_get(s, "t1", failing_cb, NULL, err,
                                    sizeof(err)), -1);
    store_close(s);
    remove_dir(dir);
}

/* Log lines seen, as "seq:level:kind:msg;" */
struct lines {
    char text[4096];            /* the lines */
    int n;                      /* how many */
    int64_t first_seq;          /* seq of the first */
};

static int
lines_cb(void *arg, const struct store_log *l)
{
    struct lines *o = arg;
    size_t n = strlen(o->text);

    if (o->n++ == 0) {
        o->first_seq = l->seq;
    }
    if (n < sizeof(o->text) - 200) {
        snprintf(o->text + n, sizeof(o->text) - n, "%lld:%d:%s:%s;",
                 (long long)l->seq, l->level, l->kind, l->msg);
    }
    return 0;
}

static void
read_lines(struct store *s, const char *name, int max_level, int64_t since,
           unsigned limit, struct lines *o)
{
    char err[512] = "";

    memset(o, 0, sizeof(*o));
    assert_int_equal(store_log_each(s, name, max_level, since, limit,
                                    lines_cb, o, err, sizeof(err)), 0);
}

static void
test_logs(void **state)
{
    char *dir = make_dir();
    char err[512] = "", msg[32];
    struct store *s;
    struct lines o;
    int i;

    (void)state;
    s = open_ok(dir);
    assert_int_equal(store_task_put(s, "t1", spec1, "created", NULL, err,
                                    sizeof(err)), 0);
    assert_int_equal(store_task_put(s, "t2", spec2, "created", NULL, err,
                                    sizeof(err)), 0);
    assert_int_equal(store_log_add(s, "t1", 1000, STORE_LOG_INFO, "notice",
                                   "started", err, sizeof(err)), 0);
    assert_int_equal(store_log_add(s, "t1", 2000, STORE_LOG_DEBUG, "notice",
                                   "detail", err, sizeof(err)), 0);
    assert_int_equal(store_log_add(s, "t1", 3000, STORE_LOG_ERROR, "error",
                                   "lost", err, sizeof(err)), 0);
    assert_int_equal(store_log_add(s, "t2", 1500, STORE_LOG_WARN, "alarm",
                                   "slow", err, sizeof(err)), 0);
    assert_int_equal(store_log_add(s, "t1", 4000, 4, "notice", "x", err,
                                   sizeof(err)), -1);
    assert_int_equal(store_log_add(s, "nope", 4000, 0, "error", "x", err,
                                   sizeof(err)), -1);
    assert_non_null(strstr(err, "no task nope"));

    read_lines(s, "t1", STORE_LOG_DEBUG, 0, 0, &o);
    assert_string_equal(o.text, "1:2:notice:started;2:3:notice:detail;"
                                "3:0:error:lost;");
    read_lines(s, "t1", STORE_LOG_INFO, 0, 0, &o);
    assert_string_equal(o.text, "1:2:notice:started;3:0:error:lost;");
    read_lines(s, "t1", STORE_LOG_DEBUG, 2000, 0, &o);
    assert_string_equal(o.text, "2:3:notice:detail;3:0:error:lost;");
    read_lines(s, "t1", STORE_LOG_DEBUG, 0, 1, &o);      /* the newest */
    assert_string_equal(o.text, "3:0:error:lost;");
    read_lines(s, "t2", STORE_LOG_ERROR, 0, 0, &o);
    assert_string_equal(o.text, "");
    read_lines(s, "t2", STORE_LOG_WARN, 0, 0, &o);
    assert_string_equal(o.text, "1:1:alarm:slow;");
    read_lines(s, "nope", STORE_LOG_DEBUG, 0, 0, &o);
    assert_int_equal(o.n, 0);

    /* A rolled-back batch leaves nothing; a committed one trims t1 to its
     * newest STORE_LOG_KEEP lines and leaves t2 alone. */
    assert_int_equal(store_begin(s, err, sizeof(err)), 0);
    assert_int_equal(store_begin(s, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "already open"));
    assert_int_equal(store_log_add(s, "t1", 5000, STORE_LOG_INFO, "notice",
                                   "dropped", err, sizeof(err)), 0);
    assert_int_equal(store_rollback(s, err, sizeof(err)), 0);
    read_lines(s, "t1", STORE_LOG_DEBUG, 0, 0, &o);
    assert_int_equal(o.n, 3);

    assert_int_equal(store_begin(s, err, sizeof(err)), 0);
    for (i = 0; i < STORE_LOG_KEEP; i++) {
        snprintf(msg, sizeof(msg), "line %d", i);
        assert_int_equal(store_log_add(s, "t1", 10000 + i, STORE_LOG_INFO,
                                       "notice", msg, err, sizeof(err)), 0);
    }
    assert_int_equal(store_commit(s, err, sizeof(err)), 0);
    read_lines(s, "t1", STORE_LOG_DEBUG, 0, 0, &o);
    assert_int_equal(o.n, STORE_LOG_KEEP);
    /* The rolled-back line took no sequence number; the first three
     * lines went. */
    assert_int_equal(o.first_seq, 4);
    assert_int_equal(strncmp(o.text, "4:2:notice:line 0;", 18), 0);
    read_lines(s, "t1", STORE_LOG_DEBUG, 0, 2, &o);
    snprintf(msg, sizeof(msg), "line %d;", STORE_LOG_KEEP - 1);
    assert_non_null(strstr(o.text, msg));
    assert_int_equal(o.first_seq, STORE_LOG_KEEP + 3 - 1);
    read_lines(s, "t2", STORE_LOG_DEBUG, 0, 0, &o);
    assert_int_equal(o.n, 1);

    /* Sequence numbers go on after a reopen. */
    store_close(s);
    s = open_ok(dir);
    assert_int_equal(store_log_add(s, "t1", 99999, STORE_LOG_WARN, "alarm",
                                   "late", err, sizeof(err)), 0);
    read_lines(s, "t1", STORE_LOG_WARN, 0, 0, &o);
    snprintf(msg, sizeof(msg), "%d:1:alarm:late;", STORE_LOG_KEEP + 4);
    assert_string_equal(o.text, msg);
    store_close(s);
    remove_dir(dir);
}

/* Metrics seen, as "ts=json;" */
static int
metrics_cb(void *arg, int64_t ts_ms, const char *json)
{
    char *out = arg;
    size_t n = strlen(out);

    snprintf(out + n, 256 - n, "%lld=%s;", (long long)ts_ms, json);
    return 0;
}

static void
test_metrics_and_delete(void **state)
{
    char *dir = make_dir();
    char err[512] = "", got[256];
    const int64_t t0 = 1700000000000LL;
    struct store *s;
    sqlite3 *raw;

    (void)state;
    s = open_ok(dir);
    assert_int_equal(store_task_put(s, "t1", spec1, "created", NULL, err,
                                    sizeof(err)), 0);
    assert_int_equal(store_task_put(s, "t2", spec2, "created", NULL, err,
                                    sizeof(err)), 0);
    assert_int_equal(store_metrics_put(s, "t1", t0, "{\"a\":1}", err,
                                       sizeof(err)), 0);
    assert_int_equal(store_metrics_put(s, "t1", t0 + 1000, "{\"a\":2}", err,
                                       sizeof(err)), 0);
    assert_int_equal(store_metrics_put(s, "t1", t0 + 1000, "{\"a\":3}", err,
                                       sizeof(err)), 0);
    assert_int_equal(store_metrics_put(s, "t2", t0, "{\"b\":1}", err,
                                       sizeof(err)), 0);
    assert_int_equal(store_metrics_put(s, "nope", t0, "{}", err,
                                       sizeof(err)), -1);
    got[0] = '\0';
    assert_int_equal(store_metrics_each(s, "t1", 0, metrics_cb, got, err,
                                        sizeof(err)), 0);
    assert_string_equal(got, "1700000000000={\"a\":1};"
                             "1700000001000={\"a\":3};");
    got[0] = '\0';
    assert_int_equal(store_metrics_each(s, "t1", t0 + 1, metrics_cb, got,
                                        err, sizeof(err)), 0);
    assert_string_equal(got, "1700000001000={\"a\":3};");
    /* An hour and a half later: only the last hour is kept. */
    assert_int_equal(store_metrics_put(s, "t1", t0 + STORE_METRICS_KEEP_MS +
                                       500, "{\"a\":4}", err, sizeof(err)),
                     0);
    got[0] = '\0';
    assert_int_equal(store_metrics_each(s, "t1", 0, metrics_cb, got, err,
                                        sizeof(err)), 0);
    assert_string_equal(got, "1700000001000={\"a\":3};"
                             "1700003600500={\"a\":4};");

    assert_int_equal(store_checkpoint_put(s, "t1", "bin.000001", 4, NULL,
                                          err, sizeof(err)), 0);
    assert_int_equal(store_log_add(s, "t1", t0, STORE_LOG_INFO, "notice",
                                   "x", err, sizeof(err)), 0);
    assert_int_equal(store_log_add(s, "t2", t0, STORE_LOG_INFO, "notice",
                                   "y", err, sizeof(err)), 0);

    /* Deleting t1 removes all of it, t2 stays whole. */
    raw = raw_open(dir);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM secret"), 4);
    assert_int_equal(store_task_delete(s, "t1", err, sizeof(err)), 0);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM task"), 1);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM secret"), 2);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM secret s JOIN task "
                                  "t ON t.id = s.task_id "
                                  "WHERE t.name = 't2'"), 2);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM checkpoint"), 0);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM log"), 1);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM metrics"), 1);
    assert_int_equal(store_task_delete(s, "t1", err, sizeof(err)), 1);
    got[0] = '\0';
    assert_int_equal(store_metrics_each(s, "t1", 0, metrics_cb, got, err,
                                        sizeof(err)), 0);
    assert_string_equal(got, "");

    /* A task of the same name made again starts empty. */
    assert_int_equal(store_task_put(s, "t1", spec1, "created", NULL, err,
                                    sizeof(err)), 0);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM secret"), 4);
    assert_int_equal(raw_int(raw, "SELECT count(*) FROM log l JOIN task t "
                                  "ON t.id = l.task_id "
                                  "WHERE t.name = 't1'"), 0);
    sqlite3_close(raw);
    store_close(s);
    remove_dir(dir);
}

static void
test_newer_schema(void **state)
{
    char *dir = make_dir();
    char err[512] = "";
    sqlite3 *raw;

    (void)state;
    store_close(open_ok(dir));
    raw = raw_open(dir);
    raw_exec(raw, "INSERT INTO schema_version VALUES (99, 0)");
    sqlite3_close(raw);
    assert_null(store_open(dir, err, sizeof(err)));
    assert_non_null(strstr(err, "schema version 99, newer than this "
                                "tandem's 1"));
    remove_dir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_file),
        cmocka_unit_test(test_seal_open),
        cmocka_unit_test(test_tasks_sealed),
        cmocka_unit_test(test_tampered_secrets),
        cmocka_unit_test(test_status_and_checkpoint),
        cmocka_unit_test(test_logs),
        cmocka_unit_test(test_metrics_and_delete),
        cmocka_unit_test(test_newer_schema),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
