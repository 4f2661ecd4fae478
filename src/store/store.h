/*
 * store.h - the daemon's embedded state store: one SQLite file,
 * DATA_DIR/tandem.db (created mode 0600), holding the tasks, their
 * secrets, a mirror of their checkpoints, their logs and their metrics.
 *
 *   task        name, spec (URLs masked), status, error, times
 *   secret      per task and URL field, the full URL sealed by secret.h
 *               under DATA_DIR/secret.key, AAD "<task name>\0<field>"
 *   checkpoint  per task, the last binlog file:pos and GTID set recorded
 *   log         per task, the newest STORE_LOG_KEEP lines
 *   metrics     per task, the samples of the last STORE_METRICS_KEEP_MS
 *   schema_version   one row per schema version applied
 *
 * No password reaches the file in clear: a spec is stored with each of
 * "source"."url" and "destination"."url" masked ("mysql://u:***@h:3306",
 * as url_masked() prints them), and the full URLs are sealed beside it;
 * store_task_each() and store_task_get() give the spec back with the URLs
 * restored.  A sealed URL opens only under its task name and field.
 *
 * The file is in WAL mode with synchronous=NORMAL (a power loss may drop
 * the last commits, never corrupt), secure_delete=ON (deleted rows are
 * overwritten) and foreign_keys=ON (deleting a task deletes the rest).
 *
 * Every call is synchronous and runs on the event loop: it touches a
 * local file and is kept short (prepared statements made once at open,
 * indexed lookups, a few rows).  Logs and metrics are many small writes:
 * write them in batches, store_begin() ... store_commit() once per batch
 * (per loop iteration or timer tick), so that each batch costs one WAL
 * append instead of one per line.  Functions that fail return -1 with one
 * line in <err> naming the cause and the fix; callbacks get views valid
 * only during the call, and may call other store functions, but not the
 * iterating function itself.
 */
#ifndef TANDEM_STORE_STORE_H
#define TANDEM_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

/* Log lines kept per task; older ones are deleted as new ones come. */
#define STORE_LOG_KEEP 10000

/* Metrics samples kept per task: those of the last hour before the newest
 * (3600 at one sample a second). */
#define STORE_METRICS_KEEP_MS (3600 * 1000)

/* Log levels of store_log_add(), most severe first. */
enum store_log_level {
    STORE_LOG_ERROR = 0,   /* the task failed or cannot go on */
    STORE_LOG_WARN,        /* something is wrong, work goes on */
    STORE_LOG_INFO,        /* notices: status changes, progress */
    STORE_LOG_DEBUG,       /* detail */
    STORE_LOG_LEVEL_COUNT  /* sentinel */
};

struct store;

/*
 * Opens <data_dir>/tandem.db (the directory must exist), creating the
 * file mode 0600 and the schema when missing and migrating an older
 * schema; loads or creates <data_dir>/secret.key (secret_key_load()) and
 * checks that it opens a stored secret.  Returns the store, owned (close
 * it with store_close()), or NULL with one line in <err>: among others, a
 * key that is not the one the secrets were sealed with, and a file made
 * by a newer tandem.  Call it at start-up.
 */
struct store *store_open(const char *data_dir, char *err, size_t errlen);

/* Closes the file (rolling back an open store_begin()), wipes the key and
 * frees <s>.  NULL is a no-op. */
void store_close(struct store *s);

/*
 * A batch: store_begin() opens a write transaction, store_commit() makes
 * everything since durable in one go, store_rollback() drops it.  Inside,
 * each store call still succeeds or fails whole.  Return 0, or -1 with
 * <err> (store_begin() inside a batch is an error).
 */
int store_begin(struct store *s, char *err, size_t errlen);
int store_commit(struct store *s, char *err, size_t errlen);
int store_rollback(struct store *s, char *err, size_t errlen);

/* A task as the store gives it back.  Every pointer is valid only during
 * the callback; spec_json holds passwords: never log it. */
struct store_task {
    const char *name;       /* task name */
    const char *spec_json;  /* the spec, URLs restored with their
                               passwords, for running (compact JSON); NULL
                               when a sealed URL does not open (changed,
                               or another key): error then says so */
    const char *status;     /* last status set */
    const char *error;      /* last error, NULL when none */
    int64_t created_ms;     /* first store_task_put(), ms since 1970 */
    int64_t updated_ms;     /* last put or status change, ms since 1970 */
};

/*
 * Gets one task.  Returns 0 to go on, > 0 to stop the scan, < 0 to stop
 * it and fail the call: every scan below returns -1 then, with <err>
 * saying that its callback failed (log the cause before returning).
 */
typedef int (*store_task_cb)(void *arg, const struct store_task *t);

/*
 * Stores task <name> with spec <spec_json> (a JSON object, the URLs with
 * their passwords in clear: they are sealed, and masked in the stored
 * spec), status <status> and error <error> (NULL: none).  A task of the
 * same name has its spec, status and error replaced and keeps its
 * creation time, checkpoint, logs and metrics.  Returns 0, or -1 with
 * <err> (the spec is not a JSON object, a disk error).
 */
int store_task_put(struct store *s, const char *name, const char *spec_json,
                   const char *status, const char *error, char *err,
                   size_t errlen);

/*
 * Sets the status of task <name> to <status> and its error to <error>
 * (NULL clears it), and its updated time to now.  Returns 0, 1 when there
 * is no such task, or -1 with <err>.
 */
int store_task_set_status(struct store *s, const char *name,
                          const char *status, const char *error, char *err,
                          size_t errlen);

/*
 * Deletes task <name> with its secrets, checkpoint, logs and metrics, in
 * one transaction.  Returns 0, 1 when there is no such task, or -1 with
 * <err>.
 */
int store_task_delete(struct store *s, const char *name, char *err,
                      size_t errlen);

/*
 * Calls <cb>(<arg>, task) for each task, in creation order, until <cb>
 * returns non-zero.  A task whose secrets do not open still comes, with
 * spec_json NULL, so that one damaged row does not hide the others.
 * Returns 0 (also when <cb> stopped the scan with > 0), or -1 with <err>
 * (a disk error, <cb> returned < 0).
 */
int store_task_each(struct store *s, store_task_cb cb, void *arg, char *err,
                    size_t errlen);

/* Calls <cb>(<arg>, task) for task <name>.  Returns 0, 1 when there is no
 * such task (<cb> not called), or -1 with <err> (also when <cb> returned
 * < 0). */
int store_task_get(struct store *s, const char *name, store_task_cb cb,
                   void *arg, char *err, size_t errlen);

/* A task's checkpoint as store_checkpoint_get() returns it. */
struct store_checkpoint {
    char *file;             /* owned; binlog file name */
    uint64_t pos;           /* position in file */
    char *gtid;             /* owned; GTID set or list, NULL when none */
    int64_t updated_ms;     /* when it was put, ms since 1970 */
};

/*
 * Records the checkpoint of task <name>: binlog <file> (not NULL) at
 * <pos> (below 2^63) and GTID set <gtid> (NULL: none), replacing the
 * former one.  This is a mirror for display and for restarts: the
 * authoritative position lives at the destination (see DESIGN.md).
 * Returns 0, or -1 with <err> (no such task, a disk error).
 */
int store_checkpoint_put(struct store *s, const char *name, const char *file,
                         uint64_t pos, const char *gtid, char *err,
                         size_t errlen);

/*
 * Reads the checkpoint of task <name> into <out> (zeroed first; free it
 * with store_checkpoint_free()).  Returns 0, 1 when there is none (or no
 * such task), or -1 with <err>.
 */
int store_checkpoint_get(struct store *s, const char *name,
                         struct store_checkpoint *out, char *err,
                         size_t errlen);

/* Forgets the checkpoint of task <name> (a reset).  Returns 0 (also when
 * there was none), or -1 with <err>. */
int store_checkpoint_delete(struct store *s, const char *name, char *err,
                            size_t errlen);

/* Frees what <c> owns and zeroes it. */
void store_checkpoint_free(struct store_checkpoint *c);

/* A log line as store_log_each() gives it; pointers valid during the
 * callback only. */
struct store_log {
    int64_t seq;            /* 1, 2, ... per task, in the order added */
    int64_t ts_ms;          /* when, ms since 1970 */
    int level;              /* enum store_log_level */
    const char *kind;       /* "alarm", "error", "notice", ... */
    const char *msg;        /* the line */
};

/* Gets one line; returns as a store_task_cb does. */
typedef int (*store_log_cb)(void *arg, const struct store_log *l);

/*
 * Adds a log line to task <name>: time <ts_ms>, <level> (enum
 * store_log_level), <kind> and <msg> (not NULL; never a password), and
 * deletes the task's lines older than its newest STORE_LOG_KEEP.
 * Returns 0, or -1 with <err> (no such task, a bad level, a disk error).
 */
int store_log_add(struct store *s, const char *name, int64_t ts_ms,
                  int level, const char *kind, const char *msg, char *err,
                  size_t errlen);

/*
 * Calls <cb> for the newest <limit> (0: all kept) log lines of task
 * <name> whose level is at most <max_level> and whose time is at least
 * <since_ms>, oldest first (newest last), until <cb> returns non-zero.
 * Returns 0 (also for no lines, no such task, or a stop by <cb> with
 * > 0), or -1 with <err> (a disk error, <cb> returned < 0).
 */
int store_log_each(struct store *s, const char *name, int max_level,
                   int64_t since_ms, unsigned limit, store_log_cb cb,
                   void *arg, char *err, size_t errlen);

/* Gets one sample; returns as a store_task_cb does.  <json> is valid
 * during the call only. */
typedef int (*store_metrics_cb)(void *arg, int64_t ts_ms, const char *json);

/*
 * Adds the metrics sample <json> (text, stored as given) of task <name>
 * at <ts_ms> (a sample at the same time is replaced), and deletes the
 * task's samples older than STORE_METRICS_KEEP_MS before <ts_ms>.
 * Returns 0, or -1 with <err> (no such task, a disk error).
 */
int store_metrics_put(struct store *s, const char *name, int64_t ts_ms,
                      const char *json, char *err, size_t errlen);

/*
 * Calls <cb> for each sample of task <name> at <since_ms> or later,
 * oldest first, until <cb> returns non-zero.  Returns 0 (also for none,
 * or a stop by <cb> with > 0), or -1 with <err> (a disk error, <cb>
 * returned < 0).
 */
int store_metrics_each(struct store *s, const char *name, int64_t since_ms,
                       store_metrics_cb cb, void *arg, char *err,
                       size_t errlen);

#endif
