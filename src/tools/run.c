/*
 * run.c - `tandem run TASK.json`: one replication task in the foreground
 * (the sidecar mode).  Status lines go to stderr; SIGTERM or SIGINT stops
 * reading the source, lets what was read commit at the destination with
 * its checkpoint, and exits 0.  Exit 1 when the task fails (its reason is
 * the last error line), 2 for a usage error.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "src/core/log.h"
#include "src/task/spec.h"
#include "src/task/task.h"
#include "src/tools/tools.h"

struct run_state {
    struct event_base *base;      /* the loop */
    struct task *task;            /* the task */
    int status;                   /* exit status */
    bool done;                    /* the task ended */
};

static void
on_done(struct task *t, const char *err, void *arg)
{
    struct run_state *r = arg;

    (void)t;
    if (err != NULL) {
        log_error("%s", err);
        r->status = 1;
    }
    r->done = true;
    event_base_loopbreak(r->base);
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct run_state *r = arg;

    (void)what;
    log_info("got %s: stopping after the last transaction read commits",
             sig == SIGINT ? "SIGINT" : "SIGTERM");
    task_stop(r->task);
}

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: tandem run TASK.json [--data-dir DIR] [--check]\n"
        "                 [--until-caught-up] [--log-level L]\n"
        "\n"
        "Runs one replication task in the foreground.  The spec format is\n"
        "in conf/task-mysql-to-mysql.json.\n"
        "\n"
        "  --data-dir DIR   local state and spill files (default\n"
        "                   ./tandem-data)\n"
        "  --check          only load and check the spec, then exit\n"
        "  --until-caught-up  exit 0 once everything the source had at\n"
        "                   start is applied (run again to go on)\n"
        "  --log-level L    error|warn|info|debug|trace (default info)\n");
}

int
tool_run_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"check", no_argument, NULL, 'c'},
        {"until-caught-up", no_argument, NULL, 'u'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data_dir = "tandem-data";
    struct task_spec spec;
    struct run_state r;
    struct evdns_base *dns = NULL;
    struct event *sigterm = NULL, *sigint = NULL;
    bool check = false, until = false;
    char err[1024];
    int c;

    memset(&r, 0, sizeof(r));
    memset(&spec, 0, sizeof(spec));
    log_current_level = LOG_INFO;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'd':
            data_dir = optarg;
            break;
        case 'c':
            check = true;
            break;
        case 'u':
            until = true;
            break;
        case 'l':
            if (!log_level_parse(optarg, &log_current_level)) {
                fprintf(stderr, "tandem run: --log-level '%s' is not one of "
                        "error, warn, info, debug, trace\n", optarg);
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
        fprintf(stderr, "tandem run: give one task spec file\n");
        usage(stderr);
        return 2;
    }
    if (task_spec_load_file(argv[optind], &spec, err, sizeof(err)) != 0) {
        fprintf(stderr, "tandem run: %s\n", err);
        return 1;
    }
    if (check) {
        printf("spec ok: %s\n", spec.name);
        task_spec_free(&spec);
        return 0;
    }
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        log_error("cannot create the data dir %s: %s — give a writable "
                  "--data-dir", data_dir, strerror(errno));
        task_spec_free(&spec);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    r.base = event_base_new();
    if (r.base == NULL) {
        task_spec_free(&spec);
        return 1;
    }
    dns = evdns_base_new(r.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    r.task = task_new(r.base, dns, &spec, on_done, &r, err, sizeof(err));
    if (r.task == NULL) {
        log_error("%s", err);
        r.status = 1;
        goto out;
    }
    sigterm = evsignal_new(r.base, SIGTERM, on_signal, &r);
    sigint = evsignal_new(r.base, SIGINT, on_signal, &r);
    if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) ||
        evsignal_add(sigint, NULL)) {
        log_error("cannot install signal handlers");
        r.status = 1;
        goto out;
    }
    if (until) {
        task_until_caught_up(r.task);
    }
    log_info("task %s: starting", spec.name);
    if (task_start(r.task) != 0) {
        r.status = 1;
        goto out;
    }
    while (!r.done) {
        if (event_base_loop(r.base, EVLOOP_ONCE) < 0) {
            break;
        }
    }
out:
    if (sigterm != NULL) {
        event_free(sigterm);
    }
    if (sigint != NULL) {
        event_free(sigint);
    }
    task_free(r.task);
    event_base_loop(r.base, EVLOOP_NONBLOCK);
    if (dns != NULL) {
        evdns_base_free(dns, 0);
    }
    event_base_free(r.base);
    task_spec_free(&spec);
    return r.status;
}
