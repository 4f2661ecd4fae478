/*
 * precheck.c - `tandem precheck TASK.json`: runs a task's prechecks
 * (src/task/precheck.h) against its source and destination and prints the
 * report on stdout as one JSON document:
 *
 *   {"passed": false, "items": [{"item": "source_connect",
 *     "status": "passed", "cause": "", "fix": ""}, ...]}
 *
 * "passed" is true when no item failed (warnings allowed).  Nothing is
 * written to either server.  Exit 0 when nothing failed, 1 when an item
 * failed, 2 for a usage error or a spec that does not load.
 */
#include "src/tools/tools.h"

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <jansson.h>

#include "src/core/log.h"
#include "src/task/precheck.h"
#include "src/task/spec.h"

/* One run of the tool. */
struct precheck_run {
    struct event_base *base;      /* the loop */
    json_t *report;               /* the report's items, once done */
    bool failed;                  /* an item failed */
    bool done;                    /* the prechecks ended */
};

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: tandem precheck TASK.json [--log-level L]\n"
        "\n"
        "Checks that the task can run: both servers reachable and logged\n"
        "in, versions, privileges, binlog settings, the start point, the\n"
        "selected tables (engines, character sets, keys, foreign keys) and\n"
        "the destination (databases, existing tables, read-only).  Prints\n"
        "the report as JSON; nothing is written to either server.\n"
        "\n"
        "  --log-level L    error|warn|info|debug|trace (default warn)\n"
        "\n"
        "Exit status: 0 nothing failed, 1 an item failed, 2 usage or spec\n"
        "error.\n");
}

static void
on_done(struct precheck *p, const struct precheck_report *r, void *arg)
{
    struct precheck_run *run = arg;

    (void)p;
    run->report = precheck_report_json(r);
    run->failed = precheck_report_failed(r);
    run->done = true;
    event_base_loopbreak(run->base);
}

int
tool_precheck_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct task_spec spec;
    struct precheck_run run;
    struct precheck *p = NULL;
    struct evdns_base *dns = NULL;
    json_t *doc;
    char err[1024];
    int c, status = 1;

    memset(&run, 0, sizeof(run));
    memset(&spec, 0, sizeof(spec));
    log_current_level = LOG_WARN;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'l':
            if (!log_level_parse(optarg, &log_current_level)) {
                fprintf(stderr, "tandem precheck: --log-level '%s' is not "
                        "one of error, warn, info, debug, trace\n", optarg);
                return 2;
            }
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "tandem precheck: give one task spec file\n");
        usage(stderr);
        return 2;
    }
    if (task_spec_load_file(argv[optind], &spec, err, sizeof(err)) != 0) {
        fprintf(stderr, "tandem precheck: %s\n", err);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    run.base = event_base_new();
    if (run.base == NULL) {
        fprintf(stderr, "tandem precheck: cannot create the event loop\n");
        task_spec_free(&spec);
        return 1;
    }
    dns = evdns_base_new(run.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    p = precheck_start(run.base, dns, &spec, on_done, &run);
    if (p == NULL) {
        fprintf(stderr, "tandem precheck: out of memory\n");
        goto out;
    }
    while (!run.done) {
        if (event_base_loop(run.base, EVLOOP_ONCE) < 0) {
            break;
        }
    }
    if (!run.done || run.report == NULL) {
        fprintf(stderr, "tandem precheck: the prechecks did not complete "
                "(out of memory) — run them again\n");
        goto out;
    }
    doc = json_pack("{s:b,s:O}", "passed", !run.failed, "items", run.report);
    if (doc == NULL || json_dumpf(doc, stdout, JSON_INDENT(2)) != 0) {
        fprintf(stderr, "tandem precheck: cannot print the report\n");
        json_decref(doc);
        goto out;
    }
    fputc('\n', stdout);
    fflush(stdout);
    json_decref(doc);
    status = run.failed ? 1 : 0;
out:
    precheck_free(p);
    json_decref(run.report);
    /* let freed connections close politely */
    event_base_loop(run.base, EVLOOP_NONBLOCK);
    if (dns != NULL) {
        evdns_base_free(dns, 0);
    }
    event_base_free(run.base);
    task_spec_free(&spec);
    return status;
}
