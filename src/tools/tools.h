/*
 * tools.h - the subcommands of the tandem command line.
 *
 * Each takes the arguments from the subcommand name on: argv[0] is the
 * name ("query"), argv[1..] its arguments.  Each returns the process exit
 * status: 0 on success, 1 on error (after one line on stderr).
 */
#ifndef TANDEM_TOOLS_TOOLS_H
#define TANDEM_TOOLS_TOOLS_H

/* tandem query URL SQL: run one statement, print its rows. */
int tool_query_main(int argc, char **argv);

/* tandem binlog --source URL ...: print a binlog as JSON lines. */
int tool_binlog_main(int argc, char **argv);

/* tandem run TASK.json: run one replication task in the foreground. */
int tool_run_main(int argc, char **argv);

#endif
