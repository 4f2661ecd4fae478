/*
 * tools.h - the subcommands of the tandem command line.
 *
 * Each takes the arguments from the subcommand name on: argv[0] is the
 * name ("query"), argv[1..] its arguments.  Each returns the process exit
 * status: 0 on success, 1 on error (after one line on stderr).
 */
#ifndef TANDEM_TOOLS_TOOLS_H
#define TANDEM_TOOLS_TOOLS_H

#include <stddef.h>

struct event_base;
struct myconn;
struct url;

/* tandem query URL SQL: run one statement, print its rows. */
int tool_query_main(int argc, char **argv);

/* tandem binlog --source URL ...: print a binlog as JSON lines. */
int tool_binlog_main(int argc, char **argv);

/* tandem redis-stream --source URL ...: a Redis master's replication
 * stream as JSON lines. */
int tool_redis_stream_main(int argc, char **argv);

/* tandem rdb FILE: an RDB file's keys as commands, as JSON lines. */
int tool_rdb_main(int argc, char **argv);

/* tandem run TASK.json...: run replication tasks in the foreground. */
int tool_run_main(int argc, char **argv);

/* tandem schema TASK.json: print the task's destination CREATE statements. */
int tool_schema_main(int argc, char **argv);

/* tandem serve -c FILE [-t]: the daemon (or check its config). */
int tool_serve_main(int argc, char **argv);

/* tandem precheck TASK.json: run a task's prechecks, print the report. */
int tool_precheck_main(int argc, char **argv);

/* tandem task VERB ...: the daemon's tasks, through its HTTP API. */
int tool_task_main(int argc, char **argv);

/*
 * The loop of a tool that runs a few queries and exits: creates *base,
 * connects to u (default database db, may be NULL) and dispatches until
 * a callback breaks the loop (event_base_loopbreak(*base)); then frees
 * the connection, the resolver and the loop (*base back to NULL).  Returns
 * 0 after the loop ran, -1 with err filled when it could not start.
 */
int tool_oneshot_run(const struct url *u, const char *db, unsigned connect_ms,
                     void (*on_ready)(struct myconn *c, void *arg),
                     void (*on_error)(struct myconn *c, const char *err,
                                      void *arg),
                     void *arg, struct event_base **base, char *err,
                     size_t errlen);

#endif
