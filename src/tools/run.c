/*
 * run.c - `tandem run TASK.json [TASK.json...]`: replication tasks in the
 * foreground (the sidecar mode).  Status lines go to stderr; SIGTERM or
 * SIGINT stops reading the sources, lets what was read commit at the
 * destinations with their checkpoints, and exits 0.  The process exits
 * once every task has ended: 1 when one failed (its reason is an error
 * line), 2 for a usage error.
 *
 * The tasks share one heartbeat writer per source server (see
 * src/task/heartbeat.h).  With --stats-every MS each task's counters and
 * delay go to stdout as one JSON object a line, every MS milliseconds.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <jansson.h>

#include "src/core/log.h"
#include "src/task/heartbeat.h"
#include "src/task/spec.h"
#include "src/task/task.h"
#include "src/tools/tools.h"

/* Tasks one process runs, at most. */
#define RUN_MAX_TASKS 256

struct run_task {
    struct run_state *r;          /* owner */
    struct task_spec spec;        /* its spec */
    struct task *task;            /* the task, or NULL */
    bool done;                    /* it ended */
};

struct run_state {
    struct event_base *base;      /* the loop */
    struct run_task *tasks;       /* one per spec (owned) */
    size_t ntasks;                /* ... */
    size_t running;               /* tasks not ended */
    int status;                   /* exit status */
};

static void
on_done(struct task *t, const char *err, void *arg)
{
    struct run_task *rt = arg;
    struct run_state *r = rt->r;

    (void)t;
    if (err != NULL) {
        log_error("%s", err);
        r->status = 1;
    }
    if (!rt->done) {
        rt->done = true;
        r->running--;
    }
    if (r->running == 0) {
        event_base_loopbreak(r->base);
    }
}

static void
on_signal(evutil_socket_t sig, short what, void *arg)
{
    struct run_state *r = arg;
    size_t i;

    (void)what;
    log_info("got %s: stopping after the last transaction read commits",
             sig == SIGINT ? "SIGINT" : "SIGTERM");
    for (i = 0; i < r->ntasks; i++) {
        if (!r->tasks[i].done) {
            task_stop(r->tasks[i].task);
        }
    }
}

/* One JSON line of task rt's stats on stdout. */
static void
print_stats(const struct run_task *rt)
{
    struct task_stats st;
    struct timeval tv;
    json_t *o;
    char pos[600];

    task_get_stats(rt->task, &st);
    gettimeofday(&tv, NULL);
    if (st.file != NULL) {
        snprintf(pos, sizeof(pos), "%s:%" PRIu64, st.file, st.pos);
    }
    o = json_pack("{s:s, s:I, s:s, s:s?, s:I, s:I, s:I, s:I, s:I,"
                  " s:{s:I, s:I, s:I, s:I}, s:I, s:I, s:I, s:I, s:I, s:I}",
                  "task", rt->spec.name,
                  "ts_ms", (json_int_t)tv.tv_sec * 1000 + tv.tv_usec / 1000,
                  "status", task_status_name(st.status),
                  "position", st.file != NULL ? pos : NULL,
                  "applied_txns", (json_int_t)st.applied_txns,
                  "applied_rows", (json_int_t)st.applied_rows,
                  "read_bytes", (json_int_t)st.read_bytes,
                  "written_bytes", (json_int_t)st.written_bytes,
                  "errors", (json_int_t)st.errors,
                  "delay_ms",
                  "last", (json_int_t)st.delay_ms,
                  "p50", (json_int_t)st.delay_p50_ms,
                  "p99", (json_int_t)st.delay_p99_ms,
                  "max", (json_int_t)st.delay_max_ms,
                  "bytes_behind", (json_int_t)st.bytes_behind,
                  "queue_bytes", (json_int_t)st.queue_bytes,
                  "spill_bytes", (json_int_t)st.spill_bytes,
                  "tables_total", (json_int_t)st.tables_total,
                  "tables_done", (json_int_t)st.tables_done,
                  "rows_copied", (json_int_t)st.rows_copied);
    if (o == NULL) {
        return;
    }
    json_dumpf(o, stdout, JSON_COMPACT);
    fputc('\n', stdout);
    fflush(stdout);
    json_decref(o);
}

static void
on_stats(evutil_socket_t fd, short what, void *arg)
{
    struct run_state *r = arg;
    size_t i;

    (void)fd;
    (void)what;
    for (i = 0; i < r->ntasks; i++) {
        if (r->tasks[i].task != NULL) {
            print_stats(&r->tasks[i]);
        }
    }
}

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: tandem run TASK.json [TASK.json...] [--data-dir DIR]\n"
        "                 [--check] [--until-caught-up] [--stats-every MS]\n"
        "                 [--log-level L]\n"
        "\n"
        "Runs replication tasks in the foreground, in one process that\n"
        "writes one heartbeat per source server for all of them.  The spec\n"
        "format is in conf/task-mysql-to-mysql.json.\n"
        "\n"
        "  --data-dir DIR   local state and spill files (default\n"
        "                   ./tandem-data)\n"
        "  --check          only load and check the specs, then exit\n"
        "  --until-caught-up  exit 0 once everything the sources had at\n"
        "                   start is applied (run again to go on)\n"
        "  --stats-every MS print each task's counters and delay as a JSON\n"
        "                   line on stdout every MS milliseconds\n"
        "  --log-level L    error|warn|info|debug|trace (default info)\n");
}

static void
free_tasks(struct run_state *r)
{
    size_t i;

    for (i = 0; r->tasks != NULL && i < r->ntasks; i++) {
        task_free(r->tasks[i].task);
        task_spec_free(&r->tasks[i].spec);
    }
    free(r->tasks);
    r->tasks = NULL;
}

/* Loads the specs argv[first..argc); 0, or the exit status. */
static int
load_specs(struct run_state *r, int argc, char **argv, int first)
{
    char err[1024];
    size_t i, j;

    r->ntasks = (size_t)(argc - first);
    r->tasks = calloc(r->ntasks, sizeof(*r->tasks));
    if (r->tasks == NULL) {
        fprintf(stderr, "tandem run: out of memory\n");
        return 1;
    }
    for (i = 0; i < r->ntasks; i++) {
        r->tasks[i].r = r;
        if (task_spec_load_file(argv[first + (int)i], &r->tasks[i].spec,
                                err, sizeof(err)) != 0) {
            fprintf(stderr, "tandem run: %s\n", err);
            return 1;
        }
        for (j = 0; j < i; j++) {
            if (strcmp(r->tasks[j].spec.name, r->tasks[i].spec.name) == 0) {
                fprintf(stderr, "tandem run: %s and %s both name task %s — "
                        "give each task its own name\n", argv[first + (int)j],
                        argv[first + (int)i], r->tasks[i].spec.name);
                return 1;
            }
        }
    }
    return 0;
}

int
tool_run_main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"data-dir", required_argument, NULL, 'd'},
        {"check", no_argument, NULL, 'c'},
        {"until-caught-up", no_argument, NULL, 'u'},
        {"stats-every", required_argument, NULL, 's'},
        {"log-level", required_argument, NULL, 'l'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *data_dir = "tandem-data";
    struct run_state r;
    struct evdns_base *dns = NULL;
    struct heartbeats *hbs = NULL;
    struct event *sigterm = NULL, *sigint = NULL, *stats = NULL;
    bool check = false, until = false;
    unsigned long stats_ms = 0;
    char err[1024], *end;
    size_t i;
    int c;

    memset(&r, 0, sizeof(r));
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
        case 's':
            errno = 0;
            stats_ms = strtoul(optarg, &end, 10);
            if (errno != 0 || *end != '\0' || stats_ms < 10 ||
                stats_ms > 3600000) {
                fprintf(stderr, "tandem run: --stats-every '%s' must be 10 "
                        "to 3600000 milliseconds\n", optarg);
                return 2;
            }
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
    if (optind >= argc) {
        fprintf(stderr, "tandem run: give a task spec file\n");
        usage(stderr);
        return 2;
    }
    if (argc - optind > RUN_MAX_TASKS) {
        fprintf(stderr, "tandem run: %d specs given, at most %d — run the "
                "others in another process or in the daemon\n",
                argc - optind, RUN_MAX_TASKS);
        return 2;
    }
    if ((r.status = load_specs(&r, argc, argv, optind)) != 0) {
        free_tasks(&r);
        return r.status;
    }
    if (check) {
        for (i = 0; i < r.ntasks; i++) {
            printf("spec ok: %s\n", r.tasks[i].spec.name);
        }
        free_tasks(&r);
        return 0;
    }
    if (mkdir(data_dir, 0700) != 0 && errno != EEXIST) {
        log_error("cannot create the data dir %s: %s — give a writable "
                  "--data-dir", data_dir, strerror(errno));
        free_tasks(&r);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    r.base = event_base_new();
    if (r.base == NULL) {
        free_tasks(&r);
        return 1;
    }
    dns = evdns_base_new(r.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    hbs = heartbeats_new(r.base, dns);
    if (hbs == NULL) {
        log_error("out of memory");
        r.status = 1;
        goto out;
    }
    for (i = 0; i < r.ntasks; i++) {
        r.tasks[i].task = task_new(r.base, dns, &r.tasks[i].spec, on_done,
                                   &r.tasks[i], err, sizeof(err));
        if (r.tasks[i].task == NULL) {
            log_error("%s", err);
            r.status = 1;
            goto out;
        }
        task_set_heartbeats(r.tasks[i].task, hbs);
        if (until) {
            task_until_caught_up(r.tasks[i].task);
        }
    }
    sigterm = evsignal_new(r.base, SIGTERM, on_signal, &r);
    sigint = evsignal_new(r.base, SIGINT, on_signal, &r);
    if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) ||
        evsignal_add(sigint, NULL)) {
        log_error("cannot install signal handlers");
        r.status = 1;
        goto out;
    }
    if (stats_ms > 0) {
        struct timeval tv = {(time_t)(stats_ms / 1000),
                             (suseconds_t)(stats_ms % 1000) * 1000};

        stats = event_new(r.base, -1, EV_PERSIST, on_stats, &r);
        if (stats == NULL || event_add(stats, &tv) != 0) {
            log_error("out of memory");
            r.status = 1;
            goto out;
        }
    }
    r.running = r.ntasks;
    for (i = 0; i < r.ntasks; i++) {
        log_info("task %s: starting", r.tasks[i].spec.name);
        if (task_start(r.tasks[i].task) != 0) {
            r.status = 1;
            goto out;
        }
    }
    while (r.running > 0) {
        if (event_base_loop(r.base, EVLOOP_ONCE) < 0) {
            break;
        }
    }
out:
    if (stats != NULL) {
        event_free(stats);
    }
    if (sigterm != NULL) {
        event_free(sigterm);
    }
    if (sigint != NULL) {
        event_free(sigint);
    }
    free_tasks(&r);
    heartbeats_free(hbs);
    event_base_loop(r.base, EVLOOP_NONBLOCK);
    if (dns != NULL) {
        evdns_base_free(dns, 0);
    }
    event_base_free(r.base);
    return r.status;
}
