/*
 * precheck.h - the prechecks of a task (MySQL/MariaDB -> MySQL/MariaDB,
 * or Redis -> Redis): before a task starts, each way it could fail that a
 * look at the two servers can tell is one item of a report, with its
 * cause and its fix.
 *
 *   precheck_start --> source connection: settings, grants, binlog files,
 *                  |   the selected tables (information_schema)
 *                  \-> destination connection: settings, grants, the
 *                      destination databases and tables
 *                  both done --> items joining the two sides --> done()
 *
 * The two connections run side by side on the caller's loop, one query at
 * a time each, and never block it.  Every wait is bounded: reaching a
 * logged-in session takes at most PRECHECK_CONNECT_MS per server, and a
 * query that leaves its server silent for PRECHECK_QUERY_MS fails.  Each
 * query reads a bounded answer (a few rows per selected table at most).
 *
 * The items, always all of them, always in this order (item string:
 * what passes):
 *
 *   source_connect     the source answers with a MySQL/MariaDB greeting
 *                      (TCP, the greeting and TLS when the URL asks for it)
 *   source_auth        the source accepts the URL's user and password
 *   source_version     MySQL 5.6-8.4 or MariaDB 10.x-11.x
 *   source_privileges  the account holds, from SHOW GRANTS: REPLICATION
 *                      SLAVE and REPLICATION CLIENT on *.* when changes
 *                      are streamed (the binlog dump; SHOW MASTER STATUS,
 *                      SHOW BINARY LOGS: MariaDB 10.5+ prints it BINLOG
 *                      MONITOR, and SUPER serves too), RELOAD and
 *                      REPLICATION CLIENT on *.* when a full copy takes
 *                      FLUSH TABLES WITH READ LOCK ("snapshot": "lock", or
 *                      a MySQL source), and SELECT on every
 *                      selected database (or *.*, or, for a table listed by
 *                      name, on that table).  SHOW VIEW is not asked: views
 *                      are never read (schema_copy.h).  Roles count when
 *                      active at login (MariaDB default roles); column
 *                      grants and REVOKE lines (MySQL partial revokes) are
 *                      not read.  MariaDB 10.11 checks REPLICATION SLAVE
 *                      for COM_BINLOG_DUMP and BINLOG MONITOR or SUPER for
 *                      SHOW BINLOG STATUS / SHOW BINARY LOGS; REPLICATION
 *                      SLAVE ADMIN and SLAVE MONITOR serve a replica's own
 *                      threads and are not needed.
 *   dest_connect, dest_auth, dest_version   the same for the destination;
 *                      dest_version warns when the destination is the
 *                      other kind of server, or older than the source
 *   dest_privileges    SELECT, INSERT, UPDATE, DELETE on every destination
 *                      database (UPDATE and DELETE read the key columns),
 *                      plus CREATE, ALTER, INDEX and DROP there when the
 *                      task creates tables (full modes with "schema_sync")
 *                      or replicates DDL (DROP alone for "existing_tables":
 *                      "clear", which truncates); and CREATE, ALTER,
 *                      SELECT, INSERT, UPDATE, DELETE on the tandem
 *                      database, where checkpoints and copy progress live
 *                      (sink/mysql.c, task/copy.c)
 *   binlog_enabled     log_bin is ON
 *   binlog_format      ROW
 *   binlog_row_image   FULL
 *   server_id          not 0 (a server with server_id 0 refuses replicas)
 *   start_position     incremental mode only, the spec's "start": "now"
 *                      passes; a file must be listed by SHOW BINARY LOGS
 *                      and its position at most the file's size, at the
 *                      start of an event (SHOW BINLOG EVENTS ... FROM pos);
 *                      a MariaDB GTID list must hold every domain of the
 *                      oldest binlog's Gtid_list (BINLOG_GTID_POS(oldest,
 *                      4)) at or past that sequence, and none past
 *                      @@gtid_binlog_pos; a MySQL GTID set must contain
 *                      @@gtid_purged and be contained in @@gtid_executed.
 *                      A task resuming from its checkpoint starts there,
 *                      not at "start": that position is not checked here.
 *   source_objects     every selected database exists at the source, and
 *                      every table listed by name is a base table there
 *                      (a missing one while source_privileges failed is
 *                      "not checked": information_schema hides what the
 *                      account may not read)
 *   storage_engines    InnoDB passes; MyISAM, Aria, MEMORY, ARCHIVE, CSV
 *                      and engines not named here warn (no transactions: a
 *                      copy is not consistent, a crash may leave half a
 *                      statement applied; MEMORY loses its rows at a
 *                      restart); BLACKHOLE, FEDERATED, MRG_MyISAM, SPIDER,
 *                      CONNECT and TokuDB fail (their rows are elsewhere or
 *                      nowhere: not copied, not replayed faithfully)
 *   charsets           every character column's set is one proto/mysql/
 *                      charset.h converts (all of MariaDB 10.11's)
 *   schema_conflicts   full modes with "existing_tables": "intercept": no
 *                      destination table has a selected table's
 *                      destination name (a copy resuming after an
 *                      interruption passes: those tables are its own)
 *   foreign_keys       every foreign key of a selected table points at a
 *                      selected table; failed in full modes, a warning in
 *                      incremental mode (the destination applies with
 *                      foreign_key_checks=0, so rows still go in)
 *   primary_keys       every selected table has a primary key or a unique
 *                      key of NOT NULL columns; a warning otherwise (rows
 *                      are found by every column, duplicates may merge)
 *   dest_databases     incremental mode, or "schema_sync": false: every
 *                      destination database and table exists; full modes
 *                      with schema_sync: a missing database may be created
 *                      (CREATE on it); "not checked" when something is
 *                      missing and dest_privileges failed
 *   dest_read_only     @@read_only (and MySQL's @@super_read_only) is OFF
 *
 * A task whose source is Redis (spec_redis.c) has these items instead,
 * always all of them, in this order (precheck_redis.c; two control
 * connections, one command at a time each, bounded by the same two
 * limits).  Nothing is written: permissions are read with ACL DRYRUN, or
 * tried with a command carrying arguments the server refuses only after
 * its permission checks:
 *
 *   source_connect     the source answers in RESP (TCP, and TLS for
 *                      rediss:// or tls=); a full server ("max number of
 *                      clients") fails here
 *   source_auth        the URL's password (AUTH pw) or user and password
 *                      (AUTH user pw, Redis 6+ ACLs) are accepted; a URL
 *                      without a password fails on a server that needs
 *                      one (NOAUTH), one with a password fails on a server
 *                      that has none
 *   source_version     INFO answers and its redis_version is 2.8 or newer
 *                      (PSYNC came with 2.8)
 *   source_psync       the account may run PSYNC and REPLCONF: neither is
 *                      renamed or disabled (COMMAND INFO answers nil, or
 *                      "unknown command"); REPLCONF with one argument is
 *                      refused for its syntax, not by the ACL; PSYNC is
 *                      allowed by ACL DRYRUN <user> PSYNC ? -1 (7.0+), else
 *                      by the user's rules from ACL GETUSER (6.0, 6.1),
 *                      else (6.2+) by PSYNC tandem-precheck -1 FAILOVER,
 *                      which a server refuses after its ACL check and
 *                      before anything else (it logs "Failover request
 *                      received for replid tandem-precheck").  Failed
 *                      when one is refused; a warning when the ACL could
 *                      not be read at all, or when SET tandem:heartbeat
 *                      is refused (ACL key pattern, a read-only replica,
 *                      OOM: tried as SET with NX and XX, a syntax error):
 *                      the task runs, its delay is not measured
 *   source_backlog     repl-backlog-size (CONFIG GET) holds 60 s of the
 *                      source's writes, from two INFO samples 1 s apart:
 *                      the growth of master_repl_offset when the backlog
 *                      is active (the very bytes it keeps), else of
 *                      total_net_input_bytes less the prechecks' own
 *                      commands (an upper bound: reads count too).  Only
 *                      ever a warning: a link cut longer than what the
 *                      backlog holds costs a full sync, and CONFIG refused
 *                      is "not checked"
 *   dest_connect, dest_auth   as for the source
 *   dest_version       INFO answers, redis_version is 2.8 or newer and
 *                      its major.minor is not older than the source's
 *                      (an older destination may not load the source's
 *                      RESTORE payloads or commands): failed otherwise
 *   dest_role          INFO replication says role:master (a replica
 *                      refuses writes, or drops them at its next
 *                      resynchronisation)
 *   dest_maxmemory_policy   noeviction passes; any other policy warns:
 *                      keys may be evicted at the destination
 *   dest_databases     every destination database the task writes ("as"
 *                      of "objects", or without it each source database
 *                      holding keys in INFO keyspace) is below the
 *                      destination's `databases` (CONFIG GET, or when
 *                      CONFIG is refused, SELECT n: "DB index is out of
 *                      range")
 *   dest_empty         modes full and full+incremental with
 *                      "existing_tables": "intercept" only: each selected
 *                      destination database (every one without "objects")
 *                      holds no key, tandem:* keys of database 0 aside
 *                      (SCAN, stopping at the first other key, which the
 *                      cause quotes).  This task's checkpoint
 *                      tandem:checkpoint:<task> in database 0 passes (it
 *                      resumes), and so does its mark tandem:fullsync:<task>
 *                      (a full sync cut short starts over on what it
 *                      wrote).  "ignore" and mode "incremental" pass
 *
 * Status rule: each bad set-up fails its own item only.  An item that
 * cannot be checked because an item it needs failed (the source is
 * unreachable, so its binlog settings are unknown) is a "warning" with the
 * cause "not checked because <item> failed".  So a report has a "failed"
 * item for each root cause, and a "warning" either for something that
 * works but deserves a look, or for what was not checked.  Settings that a
 * full-only task does not read (binlog_format, binlog_row_image) warn
 * instead of failing in mode "full".
 *
 * Causes and fixes are one line each and name the object (server, table,
 * privilege); servers are named by host:port, never by URL, so no password
 * reaches a report.
 */
#ifndef TANDEM_TASK_PRECHECK_H
#define TANDEM_TASK_PRECHECK_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "src/task/spec.h"

struct event_base;
struct evdns_base;
struct precheck;

/* Longest wait for a logged-in session, per server (ms). */
#define PRECHECK_CONNECT_MS 10000
/* Longest silence of a server while a query runs (ms). */
#define PRECHECK_QUERY_MS 30000

/* The outcome of one item. */
enum precheck_status {
    PRECHECK_PASSED = 0,    /* fine */
    PRECHECK_WARNING,       /* works, with a caveat; or not checked */
    PRECHECK_FAILED,        /* the task would fail or lose data */
    PRECHECK_STATUS_COUNT   /* sentinel */
};

/* One item of a report. */
struct precheck_item {
    const char *item;             /* stable identifier, "source_auth"
                                     (static storage) */
    enum precheck_status status;  /* its outcome */
    char *cause;                  /* one line; "" when passed */
    char *fix;                    /* one line; "" when passed */
};

/* A whole report: every item, in the order above. */
struct precheck_report {
    struct precheck_item *items;  /* n items */
    size_t n;                     /* entries in items */
};

/*
 * Called once, from the loop, when every item is known.  <r> belongs to
 * <p> and lives until precheck_free(p), which may be called from here.
 */
typedef void (*precheck_done_cb)(struct precheck *p,
                                 const struct precheck_report *r, void *arg);

/*
 * Starts the prechecks of <spec> (borrowed: it must outlive the precheck,
 * or precheck_free() must come first) on loop <base>; <dns> may be NULL
 * (blocking resolver).  <done>(p, report, <arg>) runs later, from the loop,
 * never from inside this call.  Returns NULL when out of memory (nothing
 * runs then).  Callable from a callback.
 */
struct precheck *precheck_start(struct event_base *base,
                                struct evdns_base *dns,
                                const struct task_spec *spec,
                                precheck_done_cb done, void *arg);

/* Cancels the prechecks if they run (done is not called then) and frees
 * <p> and its report.  NULL: no-op.  Safe inside <done>. */
void precheck_free(struct precheck *p);

/* True when an item of <r> failed. */
bool precheck_report_failed(const struct precheck_report *r);

/* "passed", "warning", "failed" ("unknown" out of range). */
const char *precheck_status_name(enum precheck_status s);

/*
 * The report as a new JSON array (caller owns the reference):
 *   [{"item": "source_auth", "status": "failed", "cause": "...",
 *     "fix": "..."}, ...]
 * NULL when out of memory.
 */
json_t *precheck_report_json(const struct precheck_report *r);

#endif
