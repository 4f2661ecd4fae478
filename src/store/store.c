/*
 * store.c - the state store in DATA_DIR/tandem.db (see store.h), on
 * SQLite 3.35 or later (UPSERT, RETURNING).
 *
 * Each public call runs its statements inside a SAVEPOINT, so that it
 * succeeds or fails whole both alone (the savepoint is then the
 * transaction) and inside a store_begin() batch.  Statements are prepared
 * once at open and bound with SQLITE_STATIC: every use ends with
 * st_done(), which resets the statement and clears its bindings before
 * the caller's strings go away.  Tables refer to tasks by integer id, so
 * that the per-line tables do not repeat the name, and cascade on
 * delete.  Log lines carry a per-task sequence number kept in the task
 * row, which makes trimming to the newest STORE_LOG_KEEP one range delete.
 */
#include "src/store/store.h"

#include <fcntl.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include "proto/buf.h"
#include "src/core/url.h"
#include "src/store/secret.h"

/* Schema migrations: entry i brings the file from version i to i + 1. */
static const char *const migrations[] = {
    /* 1: the first schema. */
    "CREATE TABLE task ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"  /* never reused: creation
                                                  order survives deletes */
    "  name TEXT NOT NULL UNIQUE,"
    "  spec TEXT NOT NULL,"                    /* URLs masked */
    "  status TEXT NOT NULL,"
    "  error TEXT,"
    "  created_ms INTEGER NOT NULL,"
    "  updated_ms INTEGER NOT NULL,"
    "  log_seq INTEGER NOT NULL DEFAULT 0);"   /* seq of the last log line */
    "CREATE TABLE secret ("
    "  task_id INTEGER NOT NULL REFERENCES task(id) ON DELETE CASCADE,"
    "  field TEXT NOT NULL,"                   /* \"source.url\" ... */
    "  sealed BLOB NOT NULL,"                  /* secret_seal() output */
    "  PRIMARY KEY (task_id, field)) WITHOUT ROWID;"
    "CREATE TABLE checkpoint ("
    "  task_id INTEGER PRIMARY KEY REFERENCES task(id) ON DELETE CASCADE,"
    "  file TEXT NOT NULL,"
    "  pos INTEGER NOT NULL,"
    "  gtid TEXT,"
    "  updated_ms INTEGER NOT NULL);"
    "CREATE TABLE log ("
    "  task_id INTEGER NOT NULL REFERENCES task(id) ON DELETE CASCADE,"
    "  seq INTEGER NOT NULL,"
    "  ts_ms INTEGER NOT NULL,"
    "  level INTEGER NOT NULL,"
    "  kind TEXT NOT NULL,"
    "  msg TEXT NOT NULL,"
    "  PRIMARY KEY (task_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE metrics ("
    "  task_id INTEGER NOT NULL REFERENCES task(id) ON DELETE CASCADE,"
    "  ts_ms INTEGER NOT NULL,"
    "  json TEXT NOT NULL,"
    "  PRIMARY KEY (task_id, ts_ms)) WITHOUT ROWID;",
};

#define SCHEMA_VERSION ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* The prepared statements: name, SQL. */
#define STORE_STMTS(X)                                                      \
    X(ST_BEGIN, "BEGIN IMMEDIATE")                                          \
    X(ST_COMMIT, "COMMIT")                                                  \
    X(ST_ROLLBACK, "ROLLBACK")                                              \
    X(ST_SAVEPOINT, "SAVEPOINT op")                                         \
    X(ST_RELEASE, "RELEASE op")                                             \
    X(ST_ROLLBACK_TO, "ROLLBACK TO op")                                     \
    X(ST_TASK_PUT,                                                          \
      "INSERT INTO task(name, spec, status, error, created_ms, updated_ms)" \
      " VALUES (?1, ?2, ?3, ?4, ?5, ?5) ON CONFLICT (name) DO UPDATE SET"   \
      " spec = excluded.spec, status = excluded.status,"                    \
      " error = excluded.error, updated_ms = excluded.updated_ms"           \
      " RETURNING id")                                                      \
    X(ST_TASK_STATUS,                                                       \
      "UPDATE task SET status = ?2, error = ?3, updated_ms = ?4"            \
      " WHERE name = ?1")                                                   \
    X(ST_TASK_DELETE, "DELETE FROM task WHERE name = ?1")                   \
    X(ST_TASK_ALL,                                                          \
      "SELECT id, name, spec, status, error, created_ms, updated_ms"        \
      " FROM task ORDER BY id")                                             \
    X(ST_TASK_ONE,                                                          \
      "SELECT id, name, spec, status, error, created_ms, updated_ms"        \
      " FROM task WHERE name = ?1")                                         \
    X(ST_SECRET_CLEAR, "DELETE FROM secret WHERE task_id = ?1")             \
    X(ST_SECRET_ADD,                                                        \
      "INSERT INTO secret(task_id, field, sealed) VALUES (?1, ?2, ?3)")     \
    X(ST_SECRET_OF, "SELECT field, sealed FROM secret WHERE task_id = ?1")  \
    X(ST_SECRET_ANY,                                                        \
      "SELECT t.name, s.field, s.sealed FROM secret s"                      \
      " JOIN task t ON t.id = s.task_id LIMIT 1")                           \
    X(ST_CP_PUT,                                                            \
      "INSERT INTO checkpoint(task_id, file, pos, gtid, updated_ms)"        \
      " SELECT id, ?2, ?3, ?4, ?5 FROM task WHERE name = ?1"                \
      " ON CONFLICT (task_id) DO UPDATE SET file = excluded.file,"          \
      " pos = excluded.pos, gtid = excluded.gtid,"                          \
      " updated_ms = excluded.updated_ms")                                  \
    X(ST_CP_GET,                                                            \
      "SELECT c.file, c.pos, c.gtid, c.updated_ms FROM checkpoint c"        \
      " JOIN task t ON t.id = c.task_id WHERE t.name = ?1")                 \
    X(ST_CP_DELETE,                                                         \
      "DELETE FROM checkpoint WHERE task_id ="                              \
      " (SELECT id FROM task WHERE name = ?1)")                             \
    X(ST_LOG_SEQ,                                                           \
      "UPDATE task SET log_seq = log_seq + 1 WHERE name = ?1"               \
      " RETURNING id, log_seq")                                             \
    X(ST_LOG_ADD,                                                           \
      "INSERT INTO log(task_id, seq, ts_ms, level, kind, msg)"              \
      " VALUES (?1, ?2, ?3, ?4, ?5, ?6)")                                   \
    X(ST_LOG_TRIM, "DELETE FROM log WHERE task_id = ?1 AND seq <= ?2")      \
    X(ST_LOG_EACH,                                                          \
      "SELECT seq, ts_ms, level, kind, msg FROM"                            \
      " (SELECT l.seq, l.ts_ms, l.level, l.kind, l.msg FROM log l"          \
      "  JOIN task t ON t.id = l.task_id WHERE t.name = ?1"                 \
      "  AND l.level <= ?2 AND l.ts_ms >= ?3 ORDER BY l.seq DESC LIMIT ?4)" \
      " ORDER BY seq")                                                      \
    X(ST_MET_PUT,                                                           \
      "INSERT OR REPLACE INTO metrics(task_id, ts_ms, json)"                \
      " SELECT id, ?2, ?3 FROM task WHERE name = ?1")                       \
    X(ST_MET_TRIM,                                                          \
      "DELETE FROM metrics WHERE task_id ="                                 \
      " (SELECT id FROM task WHERE name = ?1) AND ts_ms < ?2")              \
    X(ST_MET_EACH,                                                          \
      "SELECT m.ts_ms, m.json FROM metrics m"                               \
      " JOIN task t ON t.id = m.task_id WHERE t.name = ?1"                  \
      " AND m.ts_ms >= ?2 ORDER BY m.ts_ms")

#define ST_ENUM(name, sql) name,
#define ST_SQL(name, sql) [name] = sql,

enum store_stmt {
    STORE_STMTS(ST_ENUM)
    ST_COUNT                    /* sentinel */
};

static const char *const stmt_sql[ST_COUNT] = {STORE_STMTS(ST_SQL)};

struct store {
    sqlite3 *db;                /* owned connection */
    char *path;                 /* owned; DATA_DIR/tandem.db, for messages */
    char *key_path;             /* owned; DATA_DIR/secret.key, likewise */
    struct secret_key key;      /* seals the URLs; wiped at close */
    sqlite3_stmt *st[ST_COUNT]; /* owned; prepared at open */
};

/* The spec objects whose "url" member is sealed; field "<obj>.url". */
static const char *const url_objects[] = {"source", "destination"};
#define URL_OBJECTS (sizeof(url_objects) / sizeof(url_objects[0]))

static int64_t
now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Fills <err> from the connection's last error; returns -1. */
static int
sql_fail(struct store *s, const char *op, char *err, size_t errlen)
{
    const char *fix;

    switch (sqlite3_errcode(s->db)) {
    case SQLITE_FULL:
        fix = "free disk space";
        break;
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        fix = "another process holds the file: run one tandem per data_dir";
        break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        fix = "restore it from a backup, or move it away to start afresh";
        break;
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
        fix = "make the data_dir and its files writable by tandem's user";
        break;
    default:
        fix = "check the disk and the data_dir";
        break;
    }
    snprintf(err, errlen, "%s: %s failed: %s — %s", s->path, op,
             sqlite3_errmsg(s->db), fix);
    return -1;
}

/* Ends a use of <st>: resets it and drops bindings to caller memory. */
static void
st_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/*
 * Statement <id>, or NULL with <err> when it is in use: a callback of an
 * iteration called the iterating function again, which would reset the
 * scan under it.
 */
static sqlite3_stmt *
st_get(struct store *s, enum store_stmt id, const char *op, char *err,
       size_t errlen)
{
    if (sqlite3_stmt_busy(s->st[id])) {
        snprintf(err, errlen, "%s called from its own callback — call it "
                 "after the scan ends", op);
        return NULL;
    }
    return s->st[id];
}

/* Runs <st> (bound, or NULL from st_get()) to its end.  0 or -1. */
static int
st_run(struct store *s, sqlite3_stmt *st, const char *op, char *err,
       size_t errlen)
{
    int rc;

    if (st == NULL) {
        return -1;
    }
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) {
        sql_fail(s, op, err, errlen);
        st_done(st);
        return -1;
    }
    st_done(st);
    return 0;
}

/* A failed bind (out of memory, too big): fills <err>, returns -1. */
static int
bind_fail(struct store *s, sqlite3_stmt *st, const char *op, char *err,
          size_t errlen)
{
    sql_fail(s, op, err, errlen);
    st_done(st);
    return -1;
}

static int
bind_text(sqlite3_stmt *st, int i, const char *v)
{
    return v != NULL ? sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC)
                     : sqlite3_bind_null(st, i);
}

/* Column <i> as text, "" when NULL. */
static const char *
col_text(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);

    return t != NULL ? (const char *)t : "";
}

static int
op_begin(struct store *s, const char *op, char *err, size_t errlen)
{
    return st_run(s, st_get(s, ST_SAVEPOINT, op, err, errlen), op, err,
                  errlen);
}

/*
 * Ends the savepoint of a call that got <rc> so far: releases it (which
 * commits when no batch is open) on 0, rolls back to it otherwise.
 * Returns <rc>, or -1 when the release fails (<err> set).
 */
static int
op_end(struct store *s, int rc, const char *op, char *err, size_t errlen)
{
    char e2[256];

    if (rc >= 0 && st_run(s, s->st[ST_RELEASE], op, err, errlen) == 0) {
        return rc;
    }
    /* A failed statement may have rolled the whole transaction back. */
    if (!sqlite3_get_autocommit(s->db)) {
        st_run(s, s->st[ST_ROLLBACK_TO], op, e2, sizeof(e2));
        st_run(s, s->st[ST_RELEASE], op, e2, sizeof(e2));
    }
    return -1;
}

/* "<name>\0<obj>.url": binds a sealed URL to its task and field. */
static void
make_aad(struct pbuf *aad, const char *name, const char *obj)
{
    pbuf_reset(aad);
    pbuf_puts(aad, name);
    pbuf_putc(aad, '\0');
    pbuf_puts(aad, obj);
    pbuf_puts(aad, ".url");
}

/* The "url" string of spec object <obj>, or NULL. */
static json_t *
spec_url(json_t *root, const char *obj)
{
    json_t *u = json_object_get(json_object_get(root, obj), "url");

    return json_is_string(u) ? u : NULL;
}

/*
 * Overwrites the text of a jansson string in place: jansson frees
 * without wiping, and this is a malloc'd copy we may write to.
 */
static void
wipe_json_string(json_t *u)
{
    if (u != NULL) {
        OPENSSL_cleanse((char *)json_string_value(u), json_string_length(u));
    }
}

static void
wipe_free(char *p)
{
    if (p != NULL) {
        OPENSSL_cleanse(p, strlen(p));
        free(p);
    }
}

/* ---- open, close, batches ---- */

static int
db_exec(struct store *s, const char *sql, const char *op, char *err,
        size_t errlen)
{
    if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK) {
        return sql_fail(s, op, err, errlen);
    }
    return 0;
}

/* One-row, one-column query of an integer into *<v>. */
static int
db_int(struct store *s, const char *sql, int64_t *v, const char *op,
       char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc;

    if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
        return sql_fail(s, op, err, errlen);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        *v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return 0;
    }
    sql_fail(s, op, err, errlen);
    sqlite3_finalize(st);
    return -1;
}

/* Settings that hold per connection. */
static int
set_pragmas(struct store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    bool wal;

    if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode = WAL", -1, &st,
                           NULL) != SQLITE_OK) {
        return sql_fail(s, "setting WAL mode", err, errlen);
    }
    wal = sqlite3_step(st) == SQLITE_ROW &&
          strcmp(col_text(st, 0), "wal") == 0;
    sqlite3_finalize(st);
    if (!wal) {
        return sql_fail(s, "setting WAL mode", err, errlen);
    }
    return db_exec(s,
                   "PRAGMA synchronous = NORMAL;"
                   "PRAGMA secure_delete = ON;"
                   "PRAGMA foreign_keys = ON;",
                   "setting pragmas", err, errlen);
}

/* Creates or migrates the schema, in one transaction. */
static int
migrate(struct store *s, char *err, size_t errlen)
{
    char sql[160];
    int64_t v = 0;

    if (db_exec(s,
                "BEGIN IMMEDIATE;"
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "  version INTEGER PRIMARY KEY,"
                "  applied_ms INTEGER NOT NULL);",
                "reading the schema version", err, errlen) != 0 ||
        db_int(s, "SELECT coalesce(max(version), 0) FROM schema_version",
               &v, "reading the schema version", err, errlen) != 0) {
        goto fail;
    }
    if (v > SCHEMA_VERSION) {
        snprintf(err, errlen, "%s has schema version %lld, newer than "
                 "this tandem's %d — run the tandem that wrote it, or a "
                 "newer one", s->path, (long long)v, SCHEMA_VERSION);
        goto fail;
    }
    for (; v < SCHEMA_VERSION; v++) {
        snprintf(sql, sizeof(sql), "INSERT INTO schema_version VALUES "
                 "(%lld, %lld)", (long long)v + 1, (long long)now_ms());
        if (db_exec(s, migrations[v], "creating the schema", err,
                    errlen) != 0 ||
            db_exec(s, sql, "creating the schema", err, errlen) != 0) {
            goto fail;
        }
    }
    if (db_exec(s, "COMMIT", "creating the schema", err, errlen) == 0) {
        return 0;
    }
fail:
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return -1;
}

/* Fails when the key does not open a stored secret: better refuse to
 * start than fail every task. */
static int
check_key(struct store *s, char *err, size_t errlen)
{
    sqlite3_stmt *st = s->st[ST_SECRET_ANY];
    struct pbuf aad = {0}, plain = {0};
    int rc;

    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        st_done(st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        sql_fail(s, "reading a secret", err, errlen);
        st_done(st);
        return -1;
    }
    pbuf_reset(&aad);
    pbuf_puts(&aad, col_text(st, 0));
    pbuf_putc(&aad, '\0');
    pbuf_puts(&aad, col_text(st, 1));
    rc = aad.failed ? -1
                    : secret_open(&s->key, aad.data, aad.len,
                                  sqlite3_column_blob(st, 2),
                                  (size_t)sqlite3_column_bytes(st, 2),
                                  &plain);
    st_done(st);
    pbuf_free(&aad);
    secret_pbuf_wipe(&plain);
    if (rc != 0) {
        snprintf(err, errlen, "%s does not open the passwords stored in "
                 "%s: not the key they were sealed with — put the original "
                 "key file back, or move %s away to start without tasks",
                 s->key_path, s->path, s->path);
        return -1;
    }
    return 0;
}

static char *
path_join(const char *dir, const char *file)
{
    size_t n = strlen(dir) + strlen(file) + 2;
    char *p = malloc(n);

    if (p != NULL) {
        snprintf(p, n, "%s/%s", dir, file);
    }
    return p;
}

struct store *
store_open(const char *data_dir, char *err, size_t errlen)
{
    struct store *s = calloc(1, sizeof(*s));
    int fd, i;

    if (s == NULL || (s->path = path_join(data_dir, "tandem.db")) == NULL ||
        (s->key_path = path_join(data_dir, "secret.key")) == NULL) {
        snprintf(err, errlen, "out of memory opening the store");
        goto fail;
    }
    if (secret_key_load(data_dir, &s->key, err, errlen) != 0) {
        goto fail;
    }
    /* SQLite would create the file 0644; the WAL and shared-memory files
     * it makes later copy the database file's mode. */
    fd = open(s->path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s — make the data_dir "
                 "writable by tandem's user", s->path, strerror(errno));
        goto fail;
    }
    close(fd);
    if (sqlite3_open_v2(s->path, &s->db, SQLITE_OPEN_READWRITE |
                        SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        if (s->db == NULL) {
            snprintf(err, errlen, "out of memory opening %s", s->path);
        } else {
            sql_fail(s, "opening", err, errlen);
        }
        goto fail;
    }
    /* Another process may hold the lock briefly (a backup, sqlite3 CLI):
     * wait that long at most, the loop is blocked meanwhile. */
    sqlite3_busy_timeout(s->db, 1000);
    if (set_pragmas(s, err, errlen) != 0 || migrate(s, err, errlen) != 0) {
        goto fail;
    }
    for (i = 0; i < ST_COUNT; i++) {
        if (sqlite3_prepare_v3(s->db, stmt_sql[i], -1,
                               SQLITE_PREPARE_PERSISTENT, &s->st[i],
                               NULL) != SQLITE_OK) {
            sql_fail(s, "preparing statements", err, errlen);
            goto fail;
        }
    }
    if (check_key(s, err, errlen) != 0) {
        goto fail;
    }
    return s;
fail:
    store_close(s);
    return NULL;
}

void
store_close(struct store *s)
{
    int i;

    if (s == NULL) {
        return;
    }
    for (i = 0; i < ST_COUNT; i++) {
        sqlite3_finalize(s->st[i]);
    }
    /* Rolls back an open batch. */
    sqlite3_close_v2(s->db);
    secret_key_wipe(&s->key);
    free(s->path);
    free(s->key_path);
    free(s);
}

int
store_begin(struct store *s, char *err, size_t errlen)
{
    if (!sqlite3_get_autocommit(s->db)) {
        snprintf(err, errlen, "store_begin: a batch is already open — "
                 "store_commit() it first");
        return -1;
    }
    return st_run(s, st_get(s, ST_BEGIN, "store_begin", err, errlen),
                  "beginning a batch", err, errlen);
}

int
store_commit(struct store *s, char *err, size_t errlen)
{
    return st_run(s, st_get(s, ST_COMMIT, "store_commit", err, errlen),
                  "committing a batch", err, errlen);
}

int
store_rollback(struct store *s, char *err, size_t errlen)
{
    return st_run(s, st_get(s, ST_ROLLBACK, "store_rollback", err, errlen),
                  "rolling back a batch", err, errlen);
}

/* ---- tasks ---- */

/*
 * Seals each URL of <root> (the spec of task <name>) into <sealed>[i] and
 * replaces it with its masked form, wiping the clear text jansson held.
 */
static int
seal_urls(struct store *s, const char *name, json_t *root,
          struct pbuf *sealed, char *err, size_t errlen)
{
    struct pbuf aad = {0};
    json_t *u, *m;
    char *masked;
    size_t i, n;

    for (i = 0; i < URL_OBJECTS; i++) {
        if ((u = spec_url(root, url_objects[i])) == NULL) {
            continue;
        }
        make_aad(&aad, name, url_objects[i]);
        n = json_string_length(u) + 4;  /* "***" may be longer */
        masked = malloc(n);
        if (aad.failed || masked == NULL ||
            secret_seal(&s->key, aad.data, aad.len, json_string_value(u),
                        json_string_length(u), &sealed[i]) != 0) {
            free(masked);
            pbuf_free(&aad);
            snprintf(err, errlen, "task %s: cannot seal %s.url: out of "
                     "memory or an OpenSSL failure — retry", name,
                     url_objects[i]);
            return -1;
        }
        url_masked(json_string_value(u), masked, n);
        wipe_json_string(u);
        m = json_string(masked);
        free(masked);
        if (m == NULL ||
            json_object_set_new(json_object_get(root, url_objects[i]),
                                "url", m) != 0) {
            pbuf_free(&aad);
            snprintf(err, errlen, "task %s: out of memory masking %s.url",
                     name, url_objects[i]);
            return -1;
        }
    }
    pbuf_free(&aad);
    return 0;
}

int
store_task_put(struct store *s, const char *name, const char *spec_json,
               const char *status, const char *error, char *err,
               size_t errlen)
{
    struct pbuf sealed[URL_OBJECTS] = {{0}};
    json_error_t jerr;
    json_t *root;
    sqlite3_stmt *st;
    char field[32];
    char *spec = NULL;
    int64_t id = 0;
    int rc = -1, b;
    size_t i;

    root = json_loads(spec_json, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(root)) {
        /* Not jerr.text: it may quote the text near the error. */
        snprintf(err, errlen, "task %s: the spec is not a JSON object "
                 "(line %d, column %d) — send the spec as a JSON object",
                 name, jerr.line, jerr.column);
        json_decref(root);
        return -1;
    }
    if (seal_urls(s, name, root, sealed, err, errlen) != 0) {
        goto out;
    }
    if ((spec = json_dumps(root, JSON_COMPACT)) == NULL) {
        snprintf(err, errlen, "task %s: out of memory storing the spec",
                 name);
        goto out;
    }
    if (op_begin(s, "store_task_put", err, errlen) != 0) {
        goto out;
    }
    st = s->st[ST_TASK_PUT];
    b = bind_text(st, 1, name) | bind_text(st, 2, spec) |
        bind_text(st, 3, status) | bind_text(st, 4, error) |
        sqlite3_bind_int64(st, 5, now_ms());
    if (b != SQLITE_OK) {
        rc = op_end(s, bind_fail(s, st, "storing a task", err, errlen),
                    "store_task_put", err, errlen);
        goto out;
    }
    if (sqlite3_step(st) != SQLITE_ROW) {
        sql_fail(s, "storing a task", err, errlen);
        st_done(st);
        rc = op_end(s, -1, "store_task_put", err, errlen);
        goto out;
    }
    id = sqlite3_column_int64(st, 0);
    st_done(st);
    st = s->st[ST_SECRET_CLEAR];
    sqlite3_bind_int64(st, 1, id);
    rc = st_run(s, st, "storing a task's secrets", err, errlen);
    for (i = 0; rc == 0 && i < URL_OBJECTS; i++) {
        if (sealed[i].len == 0) {
            continue;
        }
        snprintf(field, sizeof(field), "%s.url", url_objects[i]);
        st = s->st[ST_SECRET_ADD];
        b = sqlite3_bind_int64(st, 1, id) | bind_text(st, 2, field) |
            sqlite3_bind_blob(st, 3, sealed[i].data, (int)sealed[i].len,
                              SQLITE_STATIC);
        rc = b != SQLITE_OK
                 ? bind_fail(s, st, "storing a task's secrets", err, errlen)
                 : st_run(s, st, "storing a task's secrets", err, errlen);
    }
    rc = op_end(s, rc, "store_task_put", err, errlen);
out:
    for (i = 0; i < URL_OBJECTS; i++) {
        pbuf_free(&sealed[i]);
    }
    free(spec);
    json_decref(root);
    return rc;
}

int
store_task_set_status(struct store *s, const char *name, const char *status,
                      const char *error, char *err, size_t errlen)
{
    sqlite3_stmt *st = s->st[ST_TASK_STATUS];

    if (bind_text(st, 1, name) | bind_text(st, 2, status) |
        bind_text(st, 3, error) | sqlite3_bind_int64(st, 4, now_ms())) {
        return bind_fail(s, st, "setting a task's status", err, errlen);
    }
    if (st_run(s, st, "setting a task's status", err, errlen) != 0) {
        return -1;
    }
    return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

int
store_task_delete(struct store *s, const char *name, char *err,
                  size_t errlen)
{
    sqlite3_stmt *st = s->st[ST_TASK_DELETE];

    /* One statement: the cascades delete the rest atomically with it. */
    if (bind_text(st, 1, name) != SQLITE_OK) {
        return bind_fail(s, st, "deleting a task", err, errlen);
    }
    if (st_run(s, st, "deleting a task", err, errlen) != 0) {
        return -1;
    }
    return sqlite3_changes(s->db) == 0 ? 1 : 0;
}

/*
 * The runnable spec of task <id> <name> from its stored spec <stored>:
 * the URLs put back from their sealed copies.  Returns 0 with *<out> a
 * malloc'd string holding passwords (free it with wipe_free()), 1 with a
 * reason in <why> when a secret does not open or has no place in the
 * spec, or -1 with <err> on a disk or memory error.
 */
static int
spec_restore(struct store *s, int64_t id, const char *name,
             const char *stored, char **out, char *why, size_t whylen,
             char *err, size_t errlen)
{
    sqlite3_stmt *st = s->st[ST_SECRET_OF];
    struct pbuf aad = {0}, plain = {0};
    json_error_t jerr;
    json_t *root, *u;
    const char *field;
    char obj[32];
    size_t n, olen;
    int rc = SQLITE_DONE, ret = 0;

    *out = NULL;
    root = json_loads(stored, 0, &jerr);
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(why, whylen, "%s: the stored spec of task %s is not JSON "
                 "— delete the task and create it again", s->path, name);
        return 1;
    }
    sqlite3_bind_int64(st, 1, id);
    while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        field = col_text(st, 0);
        n = strcspn(field, ".");
        if (n >= sizeof(obj) || strcmp(field + n, ".url") != 0) {
            n = 0;
        }
        memcpy(obj, field, n);
        obj[n] = '\0';
        make_aad(&aad, name, obj);
        pbuf_reset(&plain);
        if (n == 0 || !json_is_object(json_object_get(root, obj)) ||
            aad.failed ||
            secret_open(&s->key, aad.data, aad.len,
                        sqlite3_column_blob(st, 1),
                        (size_t)sqlite3_column_bytes(st, 1), &plain) != 0) {
            snprintf(why, whylen, "%s: the stored %s of task %s does not "
                     "open (changed, or sealed under another key) — delete "
                     "the task and create it again", s->path, field, name);
            ret = 1;
            break;
        }
        u = json_stringn((const char *)plain.data, plain.len);
        if (u == NULL || json_object_set_new(json_object_get(root, obj),
                                             "url", u) != 0) {
            snprintf(err, errlen, "out of memory restoring task %s", name);
            ret = -1;
        }
        OPENSSL_cleanse(plain.data, plain.len);
    }
    if (ret == 0 && rc != SQLITE_DONE) {
        ret = sql_fail(s, "reading a task's secrets", err, errlen);
    }
    st_done(st);
    pbuf_free(&aad);
    secret_pbuf_wipe(&plain);
    if (ret == 0) {
        /* json_dumpb() writes straight into our buffer: no growing copies
         * of the passwords left behind, as json_dumps() would. */
        olen = json_dumpb(root, NULL, 0, JSON_COMPACT);
        if (olen == 0 || (*out = malloc(olen + 1)) == NULL) {
            snprintf(err, errlen, "out of memory restoring task %s", name);
            ret = -1;
        } else {
            json_dumpb(root, *out, olen, JSON_COMPACT);
            (*out)[olen] = '\0';
        }
    }
    for (n = 0; n < URL_OBJECTS; n++) {
        wipe_json_string(spec_url(root, url_objects[n]));
    }
    json_decref(root);
    return ret;
}

/*
 * What a callback's return <rc> means to the scan: 0 go on, 1 stop, -1
 * stop and fail (<cb> failed, while at <what>).
 */
static int
cb_result(int rc, const char *op, const char *what, char *err,
          size_t errlen)
{
    if (rc < 0) {
        snprintf(err, errlen, "%s: its callback failed at %s (out of "
                 "memory?) — see the lines logged before", op, what);
        return -1;
    }
    return rc > 0 ? 1 : 0;
}

/*
 * Gives the task of the current row of <st> (ST_TASK_ALL/ONE columns) to
 * <cb>.  Returns -1 (error), 0 (go on) or 1 (<cb> stopped).
 */
static int
task_emit(struct store *s, sqlite3_stmt *st, store_task_cb cb, void *arg,
          const char *op, char *err, size_t errlen)
{
    struct store_task t;
    char why[512];
    char *spec;
    int rc;

    t.name = col_text(st, 1);
    t.status = col_text(st, 3);
    t.error = (const char *)sqlite3_column_text(st, 4);
    t.created_ms = sqlite3_column_int64(st, 5);
    t.updated_ms = sqlite3_column_int64(st, 6);
    rc = spec_restore(s, sqlite3_column_int64(st, 0), t.name,
                      col_text(st, 2), &spec, why, sizeof(why), err,
                      errlen);
    if (rc < 0) {
        return -1;
    }
    t.spec_json = spec;
    if (rc > 0) {
        t.error = why;
    }
    rc = cb(arg, &t);
    wipe_free(spec);
    return cb_result(rc, op, t.name, err, errlen);
}

int
store_task_each(struct store *s, store_task_cb cb, void *arg, char *err,
                size_t errlen)
{
    sqlite3_stmt *st = st_get(s, ST_TASK_ALL, "store_task_each", err,
                              errlen);
    int rc = SQLITE_DONE, r = 0;

    if (st == NULL) {
        return -1;
    }
    while (r == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        r = task_emit(s, st, cb, arg, "store_task_each", err, errlen);
    }
    if (r == 0 && rc != SQLITE_DONE) {
        r = sql_fail(s, "reading the tasks", err, errlen);
    }
    st_done(st);
    return r < 0 ? -1 : 0;
}

int
store_task_get(struct store *s, const char *name, store_task_cb cb,
               void *arg, char *err, size_t errlen)
{
    sqlite3_stmt *st = st_get(s, ST_TASK_ONE, "store_task_get", err,
                              errlen);
    int rc;

    if (st == NULL) {
        return -1;
    }
    if (bind_text(st, 1, name) != SQLITE_OK) {
        return bind_fail(s, st, "reading a task", err, errlen);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        rc = task_emit(s, st, cb, arg, "store_task_get", err, errlen) < 0
                 ? -1
                 : 0;
    } else if (rc == SQLITE_DONE) {
        rc = 1;
    } else {
        rc = sql_fail(s, "reading a task", err, errlen);
    }
    st_done(st);
    return rc;
}

/* ---- checkpoints ---- */

int
store_checkpoint_put(struct store *s, const char *name, const char *file,
                     uint64_t pos, const char *gtid, char *err,
                     size_t errlen)
{
    sqlite3_stmt *st = s->st[ST_CP_PUT];

    if (pos > INT64_MAX) {
        snprintf(err, errlen, "task %s: checkpoint position %llu out of "
                 "range — this is a bug, report it", name,
                 (unsigned long long)pos);
        return -1;
    }
    if (bind_text(st, 1, name) | bind_text(st, 2, file) |
        sqlite3_bind_int64(st, 3, (int64_t)pos) | bind_text(st, 4, gtid) |
        sqlite3_bind_int64(st, 5, now_ms())) {
        return bind_fail(s, st, "storing a checkpoint", err, errlen);
    }
    if (st_run(s, st, "storing a checkpoint", err, errlen) != 0) {
        return -1;
    }
    if (sqlite3_changes(s->db) == 0) {
        snprintf(err, errlen, "no task %s in the store — store the task "
                 "before its checkpoint", name);
        return -1;
    }
    return 0;
}

int
store_checkpoint_get(struct store *s, const char *name,
                     struct store_checkpoint *out, char *err, size_t errlen)
{
    sqlite3_stmt *st = s->st[ST_CP_GET];
    const unsigned char *gtid;
    int rc;

    memset(out, 0, sizeof(*out));
    if (bind_text(st, 1, name) != SQLITE_OK) {
        return bind_fail(s, st, "reading a checkpoint", err, errlen);
    }
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        gtid = sqlite3_column_text(st, 2);
        out->file = strdup(col_text(st, 0));
        out->pos = (uint64_t)sqlite3_column_int64(st, 1);
        out->gtid = gtid != NULL ? strdup((const char *)gtid) : NULL;
        out->updated_ms = sqlite3_column_int64(st, 3);
        rc = 0;
        if (out->file == NULL || (gtid != NULL && out->gtid == NULL)) {
            store_checkpoint_free(out);
            snprintf(err, errlen, "out of memory reading a checkpoint");
            rc = -1;
        }
    } else if (rc == SQLITE_DONE) {
        rc = 1;
    } else {
        rc = sql_fail(s, "reading a checkpoint", err, errlen);
    }
    st_done(st);
    return rc;
}

int
store_checkpoint_delete(struct store *s, const char *name, char *err,
                        size_t errlen)
{
    sqlite3_stmt *st = s->st[ST_CP_DELETE];

    if (bind_text(st, 1, name) != SQLITE_OK) {
        return bind_fail(s, st, "deleting a checkpoint", err, errlen);
    }
    return st_run(s, st, "deleting a checkpoint", err, errlen);
}

void
store_checkpoint_free(struct store_checkpoint *c)
{
    free(c->file);
    free(c->gtid);
    memset(c, 0, sizeof(*c));
}

/* ---- logs ---- */

int
store_log_add(struct store *s, const char *name, int64_t ts_ms, int level,
              const char *kind, const char *msg, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int64_t id, seq;
    int rc;

    if (level < 0 || level >= STORE_LOG_LEVEL_COUNT) {
        snprintf(err, errlen, "log level %d of task %s is not 0..3 — this "
                 "is a bug, report it", level, name);
        return -1;
    }
    if (op_begin(s, "store_log_add", err, errlen) != 0) {
        return -1;
    }
    st = s->st[ST_LOG_SEQ];
    if (bind_text(st, 1, name) != SQLITE_OK) {
        return op_end(s, bind_fail(s, st, "adding a log line", err, errlen),
                      "store_log_add", err, errlen);
    }
    rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE) {
            snprintf(err, errlen, "no task %s in the store — store the "
                     "task before its logs", name);
        } else {
            sql_fail(s, "adding a log line", err, errlen);
        }
        st_done(st);
        return op_end(s, -1, "store_log_add", err, errlen);
    }
    id = sqlite3_column_int64(st, 0);
    seq = sqlite3_column_int64(st, 1);
    st_done(st);
    st = s->st[ST_LOG_ADD];
    if (sqlite3_bind_int64(st, 1, id) | sqlite3_bind_int64(st, 2, seq) |
        sqlite3_bind_int64(st, 3, ts_ms) | sqlite3_bind_int(st, 4, level) |
        bind_text(st, 5, kind) | bind_text(st, 6, msg)) {
        rc = bind_fail(s, st, "adding a log line", err, errlen);
    } else {
        rc = st_run(s, st, "adding a log line", err, errlen);
    }
    if (rc == 0 && seq > STORE_LOG_KEEP) {
        st = s->st[ST_LOG_TRIM];
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, seq - STORE_LOG_KEEP);
        rc = st_run(s, st, "trimming the log", err, errlen);
    }
    return op_end(s, rc, "store_log_add", err, errlen);
}

int
store_log_each(struct store *s, const char *name, int max_level,
               int64_t since_ms, unsigned limit, store_log_cb cb, void *arg,
               char *err, size_t errlen)
{
    sqlite3_stmt *st = st_get(s, ST_LOG_EACH, "store_log_each", err,
                              errlen);
    struct store_log l;
    int rc = SQLITE_DONE, stop = 0;

    if (st == NULL) {
        return -1;
    }
    if (bind_text(st, 1, name) | sqlite3_bind_int(st, 2, max_level) |
        sqlite3_bind_int64(st, 3, since_ms) |
        sqlite3_bind_int64(st, 4, limit == 0 ? -1 : (int64_t)limit)) {
        return bind_fail(s, st, "reading the log", err, errlen);
    }
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        l.seq = sqlite3_column_int64(st, 0);
        l.ts_ms = sqlite3_column_int64(st, 1);
        l.level = sqlite3_column_int(st, 2);
        l.kind = col_text(st, 3);
        l.msg = col_text(st, 4);
        stop = cb_result(cb(arg, &l), "store_log_each", "a log line", err,
                         errlen);
    }
    if (!stop && rc != SQLITE_DONE) {
        stop = sql_fail(s, "reading the log", err, errlen);
    }
    st_done(st);
    return stop < 0 ? -1 : 0;
}

/* ---- metrics ---- */

int
store_metrics_put(struct store *s, const char *name, int64_t ts_ms,
                  const char *json, char *err, size_t errlen)
{
    sqlite3_stmt *st;
    int rc;

    if (op_begin(s, "store_metrics_put", err, errlen) != 0) {
        return -1;
    }
    st = s->st[ST_MET_PUT];
    if (bind_text(st, 1, name) | sqlite3_bind_int64(st, 2, ts_ms) |
        bind_text(st, 3, json)) {
        rc = bind_fail(s, st, "storing metrics", err, errlen);
    } else {
        rc = st_run(s, st, "storing metrics", err, errlen);
    }
    if (rc == 0 && sqlite3_changes(s->db) == 0) {
        snprintf(err, errlen, "no task %s in the store — store the task "
                 "before its metrics", name);
        rc = -1;
    }
    if (rc == 0) {
        st = s->st[ST_MET_TRIM];
        bind_text(st, 1, name);
        sqlite3_bind_int64(st, 2, ts_ms - STORE_METRICS_KEEP_MS);
        rc = st_run(s, st, "trimming metrics", err, errlen);
    }
    return op_end(s, rc, "store_metrics_put", err, errlen);
}

int
store_metrics_each(struct store *s, const char *name, int64_t since_ms,
                   store_metrics_cb cb, void *arg, char *err, size_t errlen)
{
    sqlite3_stmt *st = st_get(s, ST_MET_EACH, "store_metrics_each", err,
                              errlen);
    int rc = SQLITE_DONE, stop = 0;

    if (st == NULL) {
        return -1;
    }
    if (bind_text(st, 1, name) | sqlite3_bind_int64(st, 2, since_ms)) {
        return bind_fail(s, st, "reading metrics", err, errlen);
    }
    while (!stop && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        stop = cb_result(cb(arg, sqlite3_column_int64(st, 0),
                            col_text(st, 1)),
                         "store_metrics_each", "a sample", err, errlen);
    }
    if (!stop && rc != SQLITE_DONE) {
        stop = sql_fail(s, "reading metrics", err, errlen);
    }
    st_done(st);
    return stop < 0 ? -1 : 0;
}
