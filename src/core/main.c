/*
 * main.c - the tandem command: dispatches to a subcommand.
 *
 *   tandem binlog --source URL [...]   print a binlog as JSON lines
 *   tandem redis-stream --source URL   print a Redis replication stream
 *   tandem rdb FILE                    print an RDB file's keys
 *   tandem query URL SQL               run one SQL statement, print rows
 *   tandem run TASK.json               run one replication task
 *   tandem schema TASK.json            print the destination's CREATEs
 *   tandem serve -c FILE               the daemon
 *   tandem precheck TASK.json          a task's prechecks, as JSON
 *   tandem task VERB ...               the daemon's tasks, over its API
 *   tandem version
 */
#include <stdio.h>
#include <string.h>

#include "src/core/log.h"
#include "src/tools/tools.h"

#define TANDEM_VERSION "0.1.0"

struct subcommand {
    const char *name;                     /* argv[1] */
    int (*main)(int argc, char **argv);   /* gets argv[1..] */
    const char *help;                     /* one line for usage() */
};

static const struct subcommand subcommands[] = {
    {"binlog", tool_binlog_main, "print a MySQL/MariaDB binlog as JSON lines"},
    {"redis-stream", tool_redis_stream_main,
     "print a Redis master's replication stream as JSON lines"},
    {"rdb", tool_rdb_main, "print an RDB file's keys as commands"},
    {"query", tool_query_main, "run one SQL statement and print its rows"},
    {"run", tool_run_main, "run one replication task in the foreground"},
    {"schema", tool_schema_main,
     "print the CREATE statements a task's destination needs"},
    {"serve", tool_serve_main, "run the daemon (-t: check its config)"},
    {"precheck", tool_precheck_main,
     "check a task's source and destination, print the report"},
    {"task", tool_task_main, "manage the daemon's tasks (create, list, top...)"},
};

static void
usage(FILE *f)
{
    size_t i;

    fprintf(f, "usage: tandem <command> [options]\n\ncommands:\n");
    for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        fprintf(f, "  %-12s %s\n", subcommands[i].name, subcommands[i].help);
    }
    fprintf(f, "  %-12s %s\n", "version", "print the version");
    fprintf(f, "\nRun `tandem <command> --help` for a command's options.\n");
}

int
main(int argc, char **argv)
{
    size_t i;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "version") == 0 ||
        strcmp(argv[1], "--version") == 0) {
        printf("tandem %s\n", TANDEM_VERSION);
        return 0;
    }
    for (i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
        if (strcmp(argv[1], subcommands[i].name) == 0) {
            return subcommands[i].main(argc - 1, argv + 1);
        }
    }
    fprintf(stderr, "tandem: unknown command '%s' — run `tandem --help` "
                    "for the list\n", argv[1]);
    return 2;
}
