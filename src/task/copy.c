/*
 * copy.c - full synchronization (see copy.h): connections, the schema,
 * the readers' snapshots and the end.  The rows are copy_rows.c's.
 */
#include "src/task/copy.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "proto/mysql/binpos.h"
#include "proto/mysql/ddl_keys.h"
#include "proto/mysql/sqlenc.h"
#include "src/core/log.h"
#include "src/source/myconn.h"
#include "src/task/copy_int.h"

uint64_t
copy_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void
copy_fail(struct copy *cp, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    if (cp->finished) {
        return;
    }
    cp->finished = true;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    cp->done(cp, msg, NULL, 0, cp->arg);
}

static void
on_conn_error(struct myconn *c, const char *err, void *arg)
{
    struct copy *cp = arg;

    copy_fail(cp, "%s: %s", c == cp->dst ? "destination" : "source", err);
}

void
copy_send(struct copy *cp, struct myconn *c, const char *sql,
          myconn_result_cb cb, void *arg)
{
    clog(LOG_TRACE, cp->ctx, "copy %s <- %.200s", c == cp->dst ?
         "destination" : "source", sql);
    if (myconn_query(c, sql, cb, arg) != 0) {
        copy_fail(cp, "%s connection not ready", c == cp->dst ?
                  "destination" : "source");
    }
}

/* The query in q, NUL-terminated. */
const char *
copy_qtext(struct pbuf *q)
{
    pbuf_putc(q, '\0');
    return q->failed ? "" : (const char *)q->data;
}

void
copy_put_lit(struct pbuf *b, const char *s)
{
    sqlenc_text(b, s, strlen(s));
}

/* Sets (*file, *pos) to (f, p) when *file is NULL or (f, p) orders before
 * (after, when later) it. */
static int
keep_pos(char **file, uint64_t *pos, const char *f, uint64_t p, bool later)
{
    int cmp;
    char *dup;

    if (*file != NULL) {
        cmp = binpos_cmp(f, p, *file, *pos);
        if (later ? cmp <= 0 : cmp >= 0) {
            return 0;
        }
    }
    if ((dup = strdup(f)) == NULL) {
        return -1;
    }
    free(*file);
    *file = dup;
    *pos = p;
    return 0;
}

/* ---- the end ---- */

static void
on_finished(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "cannot record the end of the copy at the "
                  "destination: %s", err);
        return;
    }
    if (cp->adding) {
        clog(LOG_INFO, cp->ctx, "copy of the added tables done: %" PRIu64
             " rows; the stream goes on from the checkpoint, writing over "
             "them until %s:%" PRIu64, cp->total, cp->until_file != NULL ?
             cp->until_file : "-", cp->until_pos);
        cp->finished = true;
        cp->done(cp, NULL, NULL, 0, cp->arg);
        return;
    }
    clog(LOG_INFO, cp->ctx, "full copy done: %" PRIu64 " rows; the stream "
         "starts at %s:%" PRIu64 "%s", cp->total, cp->start_file,
         cp->start_pos, binpos_cmp(cp->start_file, cp->start_pos,
                                   cp->until_file, cp->until_pos) < 0 ?
         ", writing over what the copy read until its last snapshot" : "");
    cp->finished = true;
    cp->done(cp, NULL, cp->start_file, cp->start_pos, cp->arg);
}

/* The stream starts at the earliest snapshot any table was read in: that
 * position becomes the task's checkpoint, and the copy is marked done,
 * in one destination transaction. */
static void
finish(struct copy *cp)
{
    size_t i;

    if (cp->adding) {
        pbuf_reset(&cp->q);
        pbuf_puts(&cp->q, "UPDATE tandem.copy SET done = 1 WHERE task = ");
        copy_put_lit(&cp->q, cp->spec->name);
        copy_send(cp, cp->dst, copy_qtext(&cp->q), on_finished, cp);
        return;
    }

    for (i = 0; i < cp->ntabs; i++) {
        if (keep_pos(&cp->start_file, &cp->start_pos, cp->tabs[i].from_file,
                     cp->tabs[i].from_pos, false) != 0) {
            copy_fail(cp, "out of memory");
            return;
        }
    }
    if (cp->start_file == NULL &&
        keep_pos(&cp->start_file, &cp->start_pos, cp->until_file,
                 cp->until_pos, false) != 0) {
        copy_fail(cp, "out of memory");
        return;
    }
    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "START TRANSACTION;INSERT INTO tandem.checkpoint "
                      "(task, worker, file, pos, gtid, applied) VALUES (");
    copy_put_lit(&cp->q, cp->spec->name);
    pbuf_puts(&cp->q, ",0,");
    copy_put_lit(&cp->q, cp->start_file);
    pbuf_printf(&cp->q, ",%" PRIu64 ",NULL,NULL) ON DUPLICATE KEY UPDATE "
                "file = VALUES(file), pos = VALUES(pos), gtid = NULL, "
                "applied = NULL;UPDATE tandem.copy SET done = 1, file = ",
                cp->start_pos);
    copy_put_lit(&cp->q, cp->start_file);
    pbuf_printf(&cp->q, ", pos = %" PRIu64 " WHERE task = ", cp->start_pos);
    copy_put_lit(&cp->q, cp->spec->name);
    pbuf_puts(&cp->q, ";COMMIT");
    copy_send(cp, cp->dst, copy_qtext(&cp->q), on_finished, cp);
}

void
copy_maybe_end(struct copy *cp)
{
    unsigned i;

    if (cp->ending || cp->finished || cp->nsnap < cp->nr) {
        return;
    }
    for (i = 0; i < cp->nr; i++) {
        if (!cp->r[i].finished) {
            return;
        }
    }
    for (i = 0; i < cp->nw; i++) {
        if (cp->w[i].busy) {
            return;
        }
    }
    if (cp->altering != NULL) {
        return;
    }
    for (i = 0; i < cp->ntabs; i++) {
        if (cp->tabs[i].nkeys > 0) {
            return;
        }
    }
    cp->ending = true;
    finish(cp);
}

/* ---- indexes added after the rows ---- */

static void send_keys(struct copy *cp, struct copy_table *t);

static void
on_keys(struct myconn *c, const struct myresult *res, const char *err,
        void *arg)
{
    struct copy *cp = arg;
    struct copy_table *t = cp->altering;

    (void)c;
    (void)res;
    if (err != NULL && strncmp(err, "1061 ", 5) == 0 &&
        t->key_next == SIZE_MAX) {
        /* some are there already (an interrupted copy added them):
         * the others one by one */
        t->key_next = 0;
        send_keys(cp, t);
        return;
    }
    if (err != NULL && strncmp(err, "1061 ", 5) != 0) {
        copy_fail(cp, "destination refused an index of `%s`.`%s`: %s",
                  t->st->src_db, t->st->src_table, err);
        return;
    }
    if (t->key_next != SIZE_MAX) {
        t->key_next += strlen((const char *)t->keys.data + t->key_next) + 1;
        if (t->key_next < t->keys.len) {
            send_keys(cp, t);
            return;
        }
    }
    clog(LOG_INFO, cp->ctx, "indexes of `%s`.`%s` added in %.1f s",
         t->st->src_db, t->st->src_table,
         (double)(copy_now_ms() - t->started_ms) / 1000.0);
    t->nkeys = 0;
    cp->altering = NULL;
    copy_add_keys(cp);
    copy_maybe_end(cp);
}

/* ALTER TABLE adding t's indexes: all at once, or the one at key_next. */
static void
send_keys(struct copy *cp, struct copy_table *t)
{
    const char *k = (const char *)t->keys.data;
    size_t at = t->key_next == SIZE_MAX ? 0 : t->key_next;

    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "ALTER TABLE ");
    sqlenc_qualified(&cp->q, t->st->db, task_spec_map_table(cp->spec,
                     t->st->src_db, t->st->src_table));
    pbuf_putc(&cp->q, ' ');
    while (at < t->keys.len) {
        pbuf_puts(&cp->q, k + at);
        at += strlen(k + at) + 1;
        if (t->key_next != SIZE_MAX || at == t->keys.len) {
            break;
        }
        pbuf_putc(&cp->q, ',');
    }
    copy_send(cp, cp->dst, copy_qtext(&cp->q), on_keys, cp);
}

void
copy_add_keys(struct copy *cp)
{
    size_t i;

    if (cp->altering != NULL || !cp->reading || cp->finished) {
        return;
    }
    for (i = 0; i < cp->ntabs; i++) {
        struct copy_table *t = &cp->tabs[i];

        if (t->done && t->nkeys > 0) {
            clog(LOG_INFO, cp->ctx, "adding %zu index%s to `%s`.`%s`",
                 t->nkeys, t->nkeys > 1 ? "es" : "", t->st->src_db,
                 t->st->src_table);
            cp->altering = t;
            t->key_next = SIZE_MAX;
            t->started_ms = copy_now_ms();
            send_keys(cp, t);
            return;
        }
    }
}

/* ---- snapshots ---- */

static void
on_recorded(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy *cp = arg;
    unsigned i;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "cannot record the copy at the destination: %s", err);
        return;
    }
    cp->reading = true;
    for (i = 0; i < cp->nr && !cp->finished; i++) {
        copy_next_table(&cp->r[i]);
    }
    copy_add_keys(cp);
}

/* Every reader's snapshot is open: the latest of them, and of an earlier
 * run's, is recorded before any chunk read in it can be written. */
static void
record_snapshots(struct copy *cp)
{
    char *first = NULL;
    uint64_t first_pos = 0;
    unsigned i;

    for (i = 0; i < cp->nr; i++) {
        if (keep_pos(&cp->until_file, &cp->until_pos, cp->r[i].file,
                     cp->r[i].pos, true) != 0 ||
            keep_pos(&first, &first_pos, cp->r[i].file, cp->r[i].pos,
                     false) != 0) {
            free(first);
            copy_fail(cp, "out of memory");
            return;
        }
    }
    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "INSERT INTO tandem.copy (task, file, pos, until_file, "
                      "until_pos, done) VALUES (");
    copy_put_lit(&cp->q, cp->spec->name);
    pbuf_putc(&cp->q, ',');
    copy_put_lit(&cp->q, first);
    pbuf_printf(&cp->q, ",%" PRIu64 ",", first_pos);
    copy_put_lit(&cp->q, cp->until_file);
    pbuf_printf(&cp->q, ",%" PRIu64 ",0) ON DUPLICATE KEY UPDATE "
                "until_file = VALUES(until_file), until_pos = "
                "VALUES(until_pos), done = 0", cp->until_pos);
    free(first);
    copy_send(cp, cp->dst, copy_qtext(&cp->q), on_recorded, cp);
}

static void
on_snapshot_pos(struct myconn *c, const struct myresult *res,
                const char *err, void *arg)
{
    struct copy_reader *r = arg;
    struct copy *cp = r->cp;
    bool have_pos = false;
    size_t i;

    (void)c;
    if (err != NULL) {
        copy_fail(cp, "source: %s", err);
        return;
    }
    for (i = 0; res != NULL && i < res->nrows; i++) {
        const struct span *v = &res->cells[i * res->ncols];

        if (v[0].len == 20 && memcmp(v[0].p, "Binlog_snapshot_file", 20) ==
            0) {
            free(r->file);
            r->file = span_strdup(v[1]);
        } else if (v[0].len == 24 &&
                   memcmp(v[0].p, "Binlog_snapshot_position", 24) == 0) {
            r->pos = span_u64(v[1]);
            have_pos = v[1].len > 0;
        }
    }
    if (r->file == NULL || r->file[0] == '\0' || !have_pos) {
        copy_fail(cp, "the source gives no binlog position for a "
                  "consistent snapshot (binlog_snapshot_file is empty) — "
                  "full sync needs the binlog on (log_bin)");
        return;
    }
    clog(LOG_INFO, cp->ctx, "consistent snapshot of the source at %s:%"
         PRIu64 " (reader %u)", r->file, r->pos, (unsigned)(r - cp->r) + 1);
    if (++cp->nsnap == cp->nr) {
        record_snapshots(cp);
    }
}

/* ---- snapshots under a brief global read lock ---- */

static void on_snapshot(struct myconn *c, const struct myresult *res,
                        const char *err, void *arg);
static void on_lock_retry(evutil_socket_t fd, short what, void *arg);

/* A lock that waits longer than this (a long statement runs) is given up
 * and tried again, so that writers queued behind it are not held. */
#define COPY_LOCK_TRIES 20

static void
on_unlocked(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "source: %s", err);
        return;
    }
    clog(LOG_INFO, cp->ctx, "%u consistent snapshot%s of the source at %s:%"
         PRIu64 ", opened under a global read lock held %" PRIu64 " ms",
         cp->nr, cp->nr > 1 ? "s" : "", cp->r[0].file, cp->r[0].pos,
         copy_now_ms() - cp->lock_ms);
    record_snapshots(cp);
}

/* The binlog position while the lock holds: every reader's snapshot's. */
static void
on_lock_pos(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy *cp = arg;
    unsigned i;

    (void)c;
    if (err != NULL && !cp->binary_log_status) {
        /* MySQL 8.4 names it SHOW BINARY LOG STATUS */
        cp->binary_log_status = true;
        copy_send(cp, cp->src, "SHOW BINARY LOG STATUS", on_lock_pos, cp);
        return;
    }
    if (err != NULL || res == NULL || res->nrows != 1 || res->ncols < 2 ||
        res->nulls[0] || res->nulls[1]) {
        copy_fail(cp, "the source gives no binlog position%s%s — full sync "
                  "needs the binlog on (log_bin) and the REPLICATION CLIENT "
                  "privilege", err ? ": " : "", err ? err : "");
        return;
    }
    for (i = 0; i < cp->nr; i++) {
        free(cp->r[i].file);
        cp->r[i].file = span_strdup(res->cells[0]);
        cp->r[i].pos = span_u64(res->cells[1]);
        if (cp->r[i].file == NULL) {
            copy_fail(cp, "out of memory");
            return;
        }
    }
    copy_send(cp, cp->src, "UNLOCK TABLES", on_unlocked, cp);
}

static void
on_locked(struct myconn *c, const struct myresult *res, const char *err,
          void *arg)
{
    struct copy *cp = arg;
    unsigned i;

    (void)c;
    (void)res;
    if (err != NULL && strncmp(err, "1205 ", 5) == 0 &&
        cp->lock_tries < COPY_LOCK_TRIES) {
        struct timeval tv = {1, 0};

        clog(LOG_WARN, cp->ctx, "FLUSH TABLES WITH READ LOCK waited over 1 "
             "s for a running statement: given up, trying again in 1 s");
        if (cp->lock_retry == NULL &&
            (cp->lock_retry = evtimer_new(cp->base, on_lock_retry,
                                          cp)) == NULL) {
            copy_fail(cp, "out of memory");
            return;
        }
        evtimer_add(cp->lock_retry, &tv);
        return;
    }
    if (err != NULL) {
        copy_fail(cp, "source: cannot take FLUSH TABLES WITH READ LOCK for "
                  "the copy's snapshots: %s — the account needs the RELOAD "
                  "privilege, and no statement may run for long", err);
        return;
    }
    cp->lock_ms = copy_now_ms();
    for (i = 0; i < cp->nr; i++) {
        copy_send(cp, cp->r[i].c, "START TRANSACTION WITH CONSISTENT "
                  "SNAPSHOT", on_snapshot, &cp->r[i]);
    }
}

/* Every reader is connected: the lock, bounded by lock_wait_timeout so
 * that a long statement at the source does not hold writers behind it
 * for more than a second. */
static void
take_lock(struct copy *cp)
{
    cp->lock_tries++;
    copy_send(cp, cp->src, "SET SESSION lock_wait_timeout = 1;"
                           "FLUSH TABLES WITH READ LOCK", on_locked, cp);
}

static void
on_lock_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    take_lock(arg);
}

static void
on_snapshot(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy_reader *r = arg;

    (void)res;
    if (err != NULL) {
        copy_fail(r->cp, "source: cannot open a consistent snapshot: %s",
                  err);
        return;
    }
    if (r->cp->lock) {
        if (++r->cp->nsnap == r->cp->nr) {
            copy_send(r->cp, r->cp->src, "SHOW MASTER STATUS",
                      on_lock_pos, r->cp);
        }
        return;
    }
    copy_send(r->cp, c, "SHOW STATUS LIKE 'binlog_snapshot_%'",
              on_snapshot_pos, r);
}

static void take_lock(struct copy *cp);

static void
on_reader_session(struct myconn *c, const struct myresult *res,
                  const char *err, void *arg)
{
    struct copy_reader *r = arg;

    (void)res;
    if (err != NULL) {
        copy_fail(r->cp, "source: %s", err);
        return;
    }
    if (!r->cp->lock) {
        copy_send(r->cp, c, "START TRANSACTION WITH CONSISTENT SNAPSHOT",
                  on_snapshot, r);
    } else if (++r->cp->nsession == r->cp->nr) {
        take_lock(r->cp);
    }
}

static void
on_reader_ready(struct myconn *c, void *arg)
{
    struct copy_reader *r = arg;

    copy_send(r->cp, c, "SET time_zone = '+00:00';SET SESSION TRANSACTION "
                        "ISOLATION LEVEL REPEATABLE READ",
              on_reader_session, r);
}

static void
on_reader_error(struct myconn *c, const char *err, void *arg)
{
    struct copy_reader *r = arg;

    (void)c;
    copy_fail(r->cp, "source: %s", err);
}

static struct myconn *connect_to(struct copy *cp, const struct url *u);

/* One reader per table left, up to apply.workers, each with its own
 * snapshot: the stream writes over what the later ones read (see
 * copy.h). */
static void
start_readers(struct copy *cp)
{
    size_t todo = 0, i;
    unsigned n, k;

    for (i = 0; i < cp->ntabs; i++) {
        todo += !cp->tabs[i].done;
    }
    n = cp->nw;
    if (todo < n) {
        n = todo > 0 ? (unsigned)todo : 1;
    }
    cp->r = calloc(n, sizeof(*cp->r));
    if (cp->r == NULL) {
        copy_fail(cp, "out of memory");
        return;
    }
    cp->nr = n;
    /* MySQL tells no snapshot's binlog position: a brief lock then */
    cp->lock = cp->spec->snapshot == TASK_SNAPSHOT_LOCK ||
               !myconn_is_mariadb(cp->src);
    for (k = 0; k < n; k++) {
        struct copy_reader *r = &cp->r[k];

        r->cp = cp;
        r->c = connect_to(cp, &cp->su);
        if (r->c == NULL ||
            myconn_connect(r->c, on_reader_ready, on_reader_error, r) != 0) {
            copy_fail(cp, "cannot start connecting to the source");
            return;
        }
    }
}

/* ---- the schema ---- */

static void run_schema(struct copy *cp);

static void
on_schema_stmt(struct myconn *c, const struct myresult *res, const char *err,
               void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "destination refused the schema (%.80s): %s",
                  cp->stmts[cp->si].sql, err);
        return;
    }
    cp->si++;
    run_schema(cp);
}

static struct copy_table *
table_of(struct copy *cp, const struct schema_stmt *st)
{
    size_t i;

    for (i = 0; i < cp->ntabs; i++) {
        if (cp->tabs[i].st == st) {
            return &cp->tabs[i];
        }
    }
    return NULL;
}

/* The schema statements one by one: a database, then per table the
 * existing_tables decision. */
static void
run_schema(struct copy *cp)
{
    for (; cp->si < cp->nstmts; cp->si++) {
        const struct schema_stmt *st = &cp->stmts[cp->si];
        struct copy_table *t;
        const char *table;

        if (st->kind == SCHEMA_STMT_CREATE_DATABASE) {
            if (cp->spec->schema_sync) {
                copy_send(cp, cp->dst, st->sql, on_schema_stmt, cp);
                return;
            }
            continue;
        }
        t = table_of(cp, st);
        table = task_spec_map_table(cp->spec, st->src_db, st->src_table);
        pbuf_reset(&cp->q);
        pbuf_puts(&cp->q, "USE ");
        sqlenc_ident(&cp->q, st->db, strlen(st->db));
        pbuf_puts(&cp->q, ";");
        if (t != NULL && cp->defer_keys) {
            /* the tables are the copy's own: indexes come after the
             * rows (an interrupted copy's tables may lack them too) */
            int n = ddl_split_keys(st->sql, strlen(st->sql), &cp->q,
                                   &t->keys);

            if (n < 0) {
                copy_fail(cp, "out of memory");
                return;
            }
            t->nkeys = (size_t)n;
        } else {
            pbuf_puts(&cp->q, st->sql);
            pbuf_putc(&cp->q, '\0');
        }
        if (pbuf_has_pair(&cp->existing, st->db, table)) {
            if (cp->spec->existing_tables == TASK_EXISTING_IGNORE ||
                (t != NULL && t->progress)) {
                /* the user's rows stay; a table an interrupted copy has
                 * begun goes on (see put_insert_tail) */
                continue;
            }
            /* clear, or a table the interrupted copy created and wrote
             * no chunk of yet (an earlier version's copy may have left
             * rows without progress): emptied */
            pbuf_reset(&cp->q);
            pbuf_puts(&cp->q, "TRUNCATE TABLE ");
            sqlenc_qualified(&cp->q, st->db, table);
            pbuf_putc(&cp->q, '\0');
        } else if (!cp->spec->schema_sync) {
            copy_fail(cp, "destination table `%s`.`%s` does not exist — "
                      "create it, or set \"schema_sync\" to true",
                      st->db, table);
            return;
        }
        if (cp->q.failed) {
            copy_fail(cp, "out of memory");
            return;
        }
        copy_send(cp, cp->dst, (const char *)cp->q.data, on_schema_stmt,
                  cp);
        return;
    }
    start_readers(cp);
}

static void
on_existing(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy *cp = arg;
    size_t r, i;

    (void)c;
    if (err != NULL) {
        copy_fail(cp, "destination: %s", err);
        return;
    }
    pbuf_reset(&cp->existing);
    for (r = 0; res != NULL && r < res->nrows; r++) {
        const struct span *v = &res->cells[r * res->ncols];

        pbuf_put_pair(&cp->existing, v[0], v[1]);
    }
    if ((!cp->resuming || cp->adding) &&
        cp->spec->existing_tables == TASK_EXISTING_INTERCEPT) {
        for (i = 0; i < cp->ntabs; i++) {
            const struct schema_stmt *st = cp->tabs[i].st;
            const char *table = task_spec_map_table(cp->spec, st->src_db,
                                                    st->src_table);

            if (!cp->tabs[i].progress &&
                pbuf_has_pair(&cp->existing, st->db, table)) {
                copy_fail(cp, "destination table `%s`.`%s` already exists "
                          "and \"existing_tables\" is \"intercept\" — drop "
                          "or rename it, map the table to another name, or "
                          "set \"existing_tables\" to \"ignore\" or "
                          "\"clear\"", st->db, table);
                return;
            }
        }
    }
    cp->si = 0;
    run_schema(cp);
}

/* The destination tables of the tables to copy. */
static void
find_existing(struct copy *cp)
{
    size_t i;

    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "SELECT TABLE_SCHEMA, TABLE_NAME FROM "
                      "information_schema.TABLES WHERE TABLE_SCHEMA IN (");
    for (i = 0; i < cp->ntabs; i++) {
        if (i > 0) {
            pbuf_putc(&cp->q, ',');
        }
        copy_put_lit(&cp->q, cp->tabs[i].st->db);
    }
    if (cp->ntabs == 0) {
        pbuf_puts(&cp->q, "NULL");
    }
    pbuf_putc(&cp->q, ')');
    copy_send(cp, cp->dst, copy_qtext(&cp->q), on_existing, cp);
}

static struct copy_table *
find_table(struct copy *cp, struct span db, struct span table)
{
    size_t i;

    for (i = 0; i < cp->ntabs; i++) {
        const struct schema_stmt *st = cp->tabs[i].st;

        if (strlen(st->src_db) == db.len && strlen(st->src_table) ==
            table.len && memcmp(st->src_db, db.p, db.len) == 0 &&
            memcmp(st->src_table, table.p, table.len) == 0) {
            return &cp->tabs[i];
        }
    }
    return NULL;
}

/* What the interrupted copy committed, per table: db, tbl, file, pos,
 * seq, last_key, rows, done. */
static void
on_progress(struct myconn *c, const struct myresult *res, const char *err,
            void *arg)
{
    struct copy *cp = arg;
    size_t r;

    (void)c;
    if (err != NULL) {
        copy_fail(cp, "destination: %s", err);
        return;
    }
    for (r = 0; res != NULL && r < res->nrows; r++) {
        const struct span *v = &res->cells[r * res->ncols];
        const bool *nul = &res->nulls[r * res->ncols];
        struct copy_table *t = find_table(cp, v[0], v[1]);

        if (t == NULL) {
            continue;   /* no longer selected */
        }
        t->progress = true;
        t->from_file = span_strdup(v[2]);
        t->from_pos = span_u64(v[3]);
        t->wm_seq = span_u64(v[4]);
        t->next_seq = t->wm_seq + 1;
        t->wm_rows = t->rows = span_u64(v[6]);
        t->done = v[7].len == 1 && v[7].p[0] == '1';
        if (!nul[5]) {
            if (v[5].len < 2 || v[5].p[0] != '(' ||
                v[5].p[v[5].len - 1] != ')') {
                copy_fail(cp, "tandem.copy_table holds a damaged key for "
                          "`%s`.`%s` — delete the task's rows of "
                          "tandem.copy and tandem.copy_table at the "
                          "destination to copy again from the start",
                          t->st->src_db, t->st->src_table);
                return;
            }
            t->wm_key = span_strdup(v[5]);
            pbuf_put(&t->last, v[5].p, v[5].len);
            t->has_last = true;
        }
        if (t->from_file == NULL || (!nul[5] && t->wm_key == NULL)) {
            copy_fail(cp, "out of memory");
            return;
        }
        if (t->done) {
            clog(LOG_INFO, cp->ctx, "`%s`.`%s` was copied before the "
                 "interruption (%" PRIu64 " rows)", t->st->src_db,
                 t->st->src_table, t->rows);
        }
    }
    find_existing(cp);
}

static void
on_cleared(struct myconn *c, const struct myresult *res, const char *err,
           void *arg)
{
    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(arg, "destination: %s", err);
        return;
    }
    find_existing(arg);
}

static void
on_copy_state(struct myconn *c, const struct myresult *res, const char *err,
              void *arg)
{
    struct copy *cp = arg;

    (void)c;
    if (err != NULL) {
        copy_fail(cp, "destination: %s", err);
        return;
    }
    cp->resuming = res != NULL && res->nrows > 0 && (cp->adding ||
                   (res->cells[0].len == 1 && res->cells[0].p[0] == '0'));
    pbuf_reset(&cp->q);
    if (cp->adding && !cp->resuming) {
        copy_fail(cp, "tables were added but tandem.copy holds no copy of "
                  "this task at the destination — reset the task to copy "
                  "every table again");
        return;
    }
    if (cp->resuming) {
        if (res->cells[1].len > 0) {   /* else none recorded yet */
            cp->until_file = span_strdup(res->cells[1]);
            cp->until_pos = span_u64(res->cells[2]);
            if (cp->until_file == NULL) {
                copy_fail(cp, "out of memory");
                return;
            }
        }
        if (cp->adding) {
            clog(LOG_INFO, cp->ctx, "copying the tables added to the "
                 "task");
        } else {
            clog(LOG_INFO, cp->ctx, "an earlier full copy was interrupted: "
                 "resuming it from its finished chunks");
        }
        pbuf_puts(&cp->q, "SELECT db, tbl, file, pos, seq, last_key, `rows`, "
                          "done FROM tandem.copy_table WHERE task = ");
        copy_put_lit(&cp->q, cp->spec->name);
        copy_send(cp, cp->dst, copy_qtext(&cp->q), on_progress, cp);
        return;
    }
    /* a new copy: what an earlier, finished one recorded goes */
    pbuf_puts(&cp->q, "DELETE FROM tandem.copy_table WHERE task = ");
    copy_put_lit(&cp->q, cp->spec->name);
    copy_send(cp, cp->dst, copy_qtext(&cp->q), on_cleared, cp);
}

static void
on_copy_ready(struct myconn *c, const struct myresult *res, const char *err,
              void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "cannot prepare the destination for the copy: %s — "
                  "the account needs CREATE and ALTER on the tandem "
                  "database", err);
        return;
    }
    pbuf_reset(&cp->q);
    pbuf_puts(&cp->q, "SELECT done, until_file, until_pos FROM tandem.copy "
                      "WHERE task = ");
    copy_put_lit(&cp->q, cp->spec->name);
    copy_send(cp, cp->dst, copy_qtext(&cp->q), on_copy_state, cp);
}

/* A tandem.copy of an earlier version lacks the latest snapshot: it gets
 * the columns (empty: none recorded). */
static void
on_copy_columns(struct myconn *c, const struct myresult *res,
                const char *err, void *arg)
{
    struct copy *cp = arg;

    if (err == NULL && res != NULL && res->nrows == 1 &&
        res->cells[0].len == 1 && res->cells[0].p[0] == '0') {
        clog(LOG_INFO, cp->ctx, "tandem.copy gets the latest snapshot's "
             "position: upgrading the table");
        copy_send(cp, cp->dst, "ALTER TABLE tandem.copy ADD COLUMN "
                  "until_file VARCHAR(512) NOT NULL DEFAULT '' AFTER pos, "
                  "ADD COLUMN until_pos BIGINT UNSIGNED NOT NULL DEFAULT 0 "
                  "AFTER until_file", on_copy_ready, cp);
        return;
    }
    on_copy_ready(c, res, err, arg);
}

static void
on_copy_tables(struct myconn *c, const struct myresult *res, const char *err,
               void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "cannot prepare the destination for the copy: %s — "
                  "the account needs CREATE on the tandem database", err);
        return;
    }
    copy_send(cp, cp->dst, "SELECT COUNT(*) FROM information_schema.COLUMNS "
              "WHERE TABLE_SCHEMA = 'tandem' AND TABLE_NAME = 'copy' AND "
              "COLUMN_NAME = 'until_file'", on_copy_columns, cp);
}

/* The copy's state at the destination (see copy_int.h). */
#define COPY_STATE_TABLES                                                  \
    "CREATE TABLE IF NOT EXISTS tandem.copy ("                             \
    " task VARCHAR(64) NOT NULL PRIMARY KEY,"                              \
    " file VARCHAR(512) NOT NULL,"                                         \
    " pos BIGINT UNSIGNED NOT NULL,"                                       \
    " until_file VARCHAR(512) NOT NULL,"                                   \
    " until_pos BIGINT UNSIGNED NOT NULL,"                                 \
    " done TINYINT NOT NULL) ENGINE=InnoDB;"                               \
    "CREATE TABLE IF NOT EXISTS tandem.copy_table ("                       \
    " task VARCHAR(64) NOT NULL,"                                          \
    " db VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,"  \
    " tbl VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL," \
    " file VARCHAR(512) NOT NULL,"                                         \
    " pos BIGINT UNSIGNED NOT NULL,"                                       \
    " seq BIGINT UNSIGNED NOT NULL,"                                       \
    " last_key MEDIUMTEXT NULL,"                                           \
    " `rows` BIGINT UNSIGNED NOT NULL,"                                    \
    " done TINYINT NOT NULL,"                                              \
    " PRIMARY KEY (task, db, tbl)) ENGINE=InnoDB"

static void
on_schema(struct schema_copy *sc, const char *err, void *arg)
{
    struct copy *cp = arg;
    size_t i, n = 0;

    if (err != NULL) {
        copy_fail(cp, "%s", err);
        return;
    }
    cp->stmts = schema_copy_stmts(sc, &cp->nstmts);
    /* Tables the copy creates get their indexes after the rows, unless
     * a foreign key may reference one of them (its index must be there
     * before the referencing table is created). */
    cp->defer_keys = cp->spec->existing_tables == TASK_EXISTING_INTERCEPT;
    for (i = 0; i < cp->nstmts; i++) {
        n += cp->stmts[i].kind == SCHEMA_STMT_CREATE_TABLE;
        if (cp->stmts[i].kind == SCHEMA_STMT_CREATE_TABLE &&
            strstr(cp->stmts[i].sql, "FOREIGN KEY") != NULL) {
            cp->defer_keys = false;
        }
    }
    cp->tabs = calloc(n > 0 ? n : 1, sizeof(*cp->tabs));
    if (cp->tabs == NULL) {
        copy_fail(cp, "out of memory");
        return;
    }
    for (i = 0; i < cp->nstmts; i++) {
        const struct schema_stmt *st = &cp->stmts[i];
        struct copy_table *t;

        if (st->kind != SCHEMA_STMT_CREATE_TABLE) {
            continue;
        }
        t = &cp->tabs[cp->ntabs++];
        t->st = st;
        t->rules = task_spec_find_table(cp->spec, st->src_db,
                                        st->src_table, NULL);
        t->next_seq = 1;
    }
    copy_send(cp, cp->dst, COPY_STATE_TABLES, on_copy_tables, cp);
}

/* ---- connecting ---- */

/* The destination session every writer and the main connection use:
 * the settings the literals rely on (UTC, utf8mb4, strict). */
#define COPY_DST_SESSION                                                  \
    "SET NAMES utf8mb4;SET time_zone = '+00:00';"                          \
    "SET SESSION sql_mode = '" SQLENC_SQL_MODE "';"                        \
    "SET foreign_key_checks = 0"

static void conn_ready(struct copy *cp);

static void
on_writer_session(struct myconn *c, const struct myresult *res,
                  const char *err, void *arg)
{
    struct copy_writer *w = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(w->cp, "destination: %s", err);
        return;
    }
    w->ready = true;
    conn_ready(w->cp);
}

static void
on_writer_ready(struct myconn *c, void *arg)
{
    struct copy_writer *w = arg;

    if (myconn_query(c, COPY_DST_SESSION, on_writer_session, w) != 0) {
        copy_fail(w->cp, "destination connection not ready");
    }
}

static void
on_writer_error(struct myconn *c, const char *err, void *arg)
{
    struct copy_writer *w = arg;

    (void)c;
    copy_fail(w->cp, "destination: %s", err);
}

static void
on_dst_session(struct myconn *c, const struct myresult *res, const char *err,
               void *arg)
{
    struct copy *cp = arg;

    (void)c;
    (void)res;
    if (err != NULL) {
        copy_fail(cp, "destination: %s", err);
        return;
    }
    conn_ready(cp);
}

/* Once every connection is ready: the schema. */
static void
conn_ready(struct copy *cp)
{
    char why[300];

    if (++cp->ready < 2 + cp->nw) {
        return;
    }
    cp->sc = schema_copy_start(cp->spec, cp->src, on_schema, cp, why,
                               sizeof(why));
    if (cp->sc == NULL) {
        copy_fail(cp, "%s", why);
    }
}

static void
on_ready(struct myconn *c, void *arg)
{
    struct copy *cp = arg;

    if (c == cp->dst) {
        copy_send(cp, c, COPY_DST_SESSION ";CREATE DATABASE IF NOT EXISTS "
                         "tandem", on_dst_session, cp);
    } else {
        conn_ready(cp);
    }
}

static struct myconn *
connect_to(struct copy *cp, const struct url *u)
{
    struct myconn_opts o;
    struct myconn *c;

    memset(&o, 0, sizeof(o));
    o.host = u->host;
    o.port = u->port;
    o.user = u->user;
    o.password = u->password;
    o.tls = (int)u->tls;
    o.ca_file = u->ca_file;
    o.connect_timeout_ms = 10000;
    o.log_ctx = cp->ctx;
    c = myconn_new(cp->base, cp->dns, &o);
    if (c != NULL) {
        myconn_set_io_timeout(c, 600000);
    }
    return c;
}

/* apply.workers connections write chunks in parallel. */
static int
start_writers(struct copy *cp)
{
    unsigned i;

    cp->nw = cp->spec->apply.workers > 0 ? cp->spec->apply.workers : 1;
    cp->w = calloc(cp->nw, sizeof(*cp->w));
    if (cp->w == NULL) {
        cp->nw = 0;
        return -1;
    }
    for (i = 0; i < cp->nw; i++) {
        cp->w[i].cp = cp;
        cp->w[i].c = connect_to(cp, &cp->du);
        if (cp->w[i].c == NULL ||
            myconn_connect(cp->w[i].c, on_writer_ready, on_writer_error,
                           &cp->w[i]) != 0) {
            return -1;
        }
    }
    return 0;
}

struct copy *
copy_start(struct event_base *base, struct evdns_base *dns,
           const struct task_spec *spec, const char *log_ctx,
           copy_done_cb done, void *arg, char *err, size_t errlen)
{
    struct copy *cp = calloc(1, sizeof(*cp));

    if (cp == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    cp->base = base;
    cp->dns = dns;
    cp->spec = spec;
    cp->ctx = log_ctx;
    cp->done = done;
    cp->arg = arg;
    if (url_parse(spec->source.url, &cp->su, err, errlen) != 0 ||
        url_parse(spec->destination.url, &cp->du, err, errlen) != 0 ||
        (cp->src = connect_to(cp, &cp->su)) == NULL ||
        (cp->dst = connect_to(cp, &cp->du)) == NULL ||
        myconn_connect(cp->src, on_ready, on_conn_error, cp) != 0 ||
        myconn_connect(cp->dst, on_ready, on_conn_error, cp) != 0 ||
        start_writers(cp) != 0) {
        if (err[0] == '\0') {
            snprintf(err, errlen, "cannot start connecting for the copy");
        }
        copy_free(cp);
        return NULL;
    }
    return cp;
}

struct copy *
copy_start_added(struct event_base *base, struct evdns_base *dns,
                 const struct task_spec *added, const char *log_ctx,
                 copy_done_cb done, void *arg, char *err, size_t errlen)
{
    struct copy *cp = copy_start(base, dns, added, log_ctx, done, arg, err,
                                 errlen);

    if (cp != NULL) {
        cp->adding = true;
    }
    return cp;
}

void
copy_progress(const struct copy *cp, uint64_t *tables_total,
              uint64_t *tables_done, uint64_t *rows)
{
    size_t i, j;

    *tables_total = cp->ntabs;
    *tables_done = 0;
    *rows = 0;
    for (i = 0; i < cp->ntabs; i++) {
        const struct copy_table *t = &cp->tabs[i];

        *tables_done += t->done;
        *rows += t->wm_rows;
        for (j = 0; j < t->nabove; j++) {
            *rows += t->above[j].rows;
        }
    }
}

void
copy_free(struct copy *cp)
{
    size_t i;

    if (cp == NULL) {
        return;
    }
    /* the conns first: a query still running points at the copy */
    myconn_free(cp->src);
    myconn_free(cp->dst);
    for (i = 0; i < cp->nr; i++) {
        myconn_free(cp->r[i].c);
        pbuf_free(&cp->r[i].q);
        free(cp->r[i].file);
    }
    free(cp->r);
    for (i = 0; i < cp->nw; i++) {
        myconn_free(cp->w[i].c);
        pbuf_free(&cp->w[i].ins);
        free(cp->w[i].key);
    }
    free(cp->w);
    for (i = 0; i < cp->ntabs; i++) {
        copy_table_free(&cp->tabs[i]);
    }
    free(cp->tabs);
    if (cp->pace != NULL) {
        event_free(cp->pace);
    }
    if (cp->lock_retry != NULL) {
        event_free(cp->lock_retry);
    }
    schema_copy_free(cp->sc);
    url_free(&cp->su);
    url_free(&cp->du);
    free(cp->until_file);
    free(cp->start_file);
    pbuf_free(&cp->existing);
    pbuf_free(&cp->q);
    free(cp);
}
