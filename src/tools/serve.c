/*
 * serve.c - `tandem serve -c FILE`: the daemon.  It opens the store of
 * its data directory, brings back every task (running ones resume), and
 * serves the API on the config's listen address.  SIGHUP re-reads the
 * config (log_level, queue_bytes; a new listen address or data_dir needs
 * a restart).  SIGTERM or SIGINT: every running task commits what it read
 * and stops, then the daemon exits 0 (a second signal cuts the wait).
 * `-t` checks the config and exits.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>

#include "src/admin/http.h"
#include "src/core/config.h"
#include "src/core/log.h"
#include "src/store/store.h"
#include "src/task/host.h"
#include "src/tools/tools.h"

/* How long running tasks get to stop on SIGTERM. */
#define SERVE_STOP_MS 30000

struct serve {
    struct event_base *base;      /* the loop */
    struct host *host;            /* the tasks */
    bool stopping;                /* a stop signal came */
    const char *path;             /* config file */
    struct config cfg;            /* as loaded */
};

/* jansson's memory is wiped when freed: parsed specs hold passwords. */
static void
wiping_free(void *p)
{
    if (p != NULL) {
        OPENSSL_cleanse(p, malloc_usable_size(p));
        free(p);
    }
}

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: tandem serve -c FILE [-t]\n"
        "  -c FILE   the daemon's config (conf/tandem.conf shows every key)\n"
        "  -t        check the config and exit\n");
}

static void
on_stopped(void *arg)
{
    struct serve *s = arg;

    event_base_loopbreak(s->base);
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
    struct serve *s = arg;

    (void)what;
    if (s->stopping) {
        log_warn("got %s again: exiting without waiting for the tasks",
                 sig == SIGTERM ? "SIGTERM" : "SIGINT");
        event_base_loopbreak(s->base);
        return;
    }
    s->stopping = true;
    log_info("got %s: stopping every task at a checkpoint",
             sig == SIGTERM ? "SIGTERM" : "SIGINT");
    host_shutdown(s->host, SERVE_STOP_MS, on_stopped, s);
}

static void
on_hup(evutil_socket_t sig, short what, void *arg)
{
    struct serve *s = arg;
    struct config c;
    char err[1200];

    (void)sig;
    (void)what;
    config_defaults(&c);
    if (config_load(s->path, &c, err, sizeof(err)) != 0) {
        log_error("SIGHUP: the config is not re-read: %s", err);
        return;
    }
    if (strcmp(c.listen_host, s->cfg.listen_host) != 0 ||
        c.listen_port != s->cfg.listen_port) {
        log_warn("SIGHUP: listen changed in %s: it takes effect at the "
                 "next start", s->path);
    }
    if (strcmp(c.data_dir, s->cfg.data_dir) != 0) {
        log_warn("SIGHUP: data_dir changed in %s: it takes effect at the "
                 "next start", s->path);
    }
    s->cfg.log_level = c.log_level;
    s->cfg.queue_bytes = c.queue_bytes;
    host_set_queue_bytes(s->host, c.queue_bytes);
    log_current_level = c.log_level;
    log_info("SIGHUP: %s re-read (log_level %s)", s->path,
             log_level_name(c.log_level));
}

/* data_dir exists (created, mode 0700, when missing). */
static int
make_data_dir(const char *dir, char *err, size_t errlen)
{
    struct stat st;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        snprintf(err, errlen, "cannot create data_dir %s: %s — create it "
                 "or set data_dir in the config", dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "data_dir %s is not a directory — set "
                 "data_dir in the config", dir);
        return -1;
    }
    return 0;
}

/* DATA_DIR/lock, held for the daemon's life: a second daemon on the same
 * data_dir would run the same tasks.  The fd, or -1 with err. */
static int
lock_data_dir(const char *dir, char *err, size_t errlen)
{
    char path[1100], pid[32];
    int fd, n;

    snprintf(path, sizeof(path), "%s/lock", dir);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s — check the data_dir's "
                 "permissions", path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        n = (int)read(fd, pid, sizeof(pid) - 1);
        pid[n > 0 ? n : 0] = '\0';
        pid[strcspn(pid, "\n")] = '\0';
        snprintf(err, errlen, "data_dir %s is in use by another tandem "
                 "serve (pid %s) — stop it, or give this one another "
                 "data_dir", dir, pid[0] != '\0' ? pid : "unknown");
        close(fd);
        return -1;
    }
    n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || write(fd, pid, (size_t)n) != n) {
        log_warn("cannot write the pid to %s: %s", path, strerror(errno));
    }
    return fd;
}

int
tool_serve_main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"test", no_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct serve s;
    struct admin_http *http = NULL;
    struct evdns_base *dns = NULL;
    struct store *st = NULL;
    int lock = -1;
    struct event *sigs[3] = {NULL, NULL, NULL};
    char err[1200];
    bool check = false;
    int o, rc = 1;
    size_t i;

    memset(&s, 0, sizeof(s));
    optind = 1;
    while ((o = getopt_long(argc, argv, "c:th", opts, NULL)) != -1) {
        switch (o) {
        case 'c':
            s.path = optarg;
            break;
        case 't':
            check = true;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (s.path == NULL || optind != argc) {
        fprintf(stderr, "tandem serve: %s — give the config with -c FILE\n",
                s.path == NULL ? "no config" : "unexpected argument");
        return 2;
    }
    config_defaults(&s.cfg);
    if (config_load(s.path, &s.cfg, err, sizeof(err)) != 0) {
        fprintf(stderr, "tandem serve: %s\n", err);
        return 1;
    }
    if (check) {
        printf("config ok: listen %s:%u, data_dir %s, log_level %s, "
               "queue_bytes %" PRIu64 "\n", s.cfg.listen_host,
               (unsigned)s.cfg.listen_port, s.cfg.data_dir,
               log_level_name(s.cfg.log_level), s.cfg.queue_bytes);
        return 0;
    }
    log_current_level = s.cfg.log_level;
    json_set_alloc_funcs(malloc, wiping_free);
    if (make_data_dir(s.cfg.data_dir, err, sizeof(err)) != 0 ||
        (lock = lock_data_dir(s.cfg.data_dir, err, sizeof(err))) < 0) {
        log_error("%s", err);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    s.base = event_base_new();
    if (s.base == NULL) {
        log_error("out of memory");
        return 1;
    }
    dns = evdns_base_new(s.base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
    if (dns == NULL) {
        dns = evdns_base_new(s.base, 0);
    }
    st = store_open(s.cfg.data_dir, err, sizeof(err));
    if (st == NULL) {
        log_error("%s", err);
        goto out;
    }
    s.host = host_new(s.base, dns, st, s.cfg.queue_bytes, err, sizeof(err));
    if (s.host == NULL) {
        log_error("%s", err);
        goto out;
    }
    http = admin_http_start(s.base, s.cfg.listen_host, s.cfg.listen_port,
                            s.cfg.data_dir, s.host, err, sizeof(err));
    if (http == NULL) {
        log_error("%s", err);
        goto out;
    }
    host_resume(s.host);
    sigs[0] = evsignal_new(s.base, SIGTERM, on_stop, &s);
    sigs[1] = evsignal_new(s.base, SIGINT, on_stop, &s);
    sigs[2] = evsignal_new(s.base, SIGHUP, on_hup, &s);
    for (i = 0; i < 3; i++) {
        if (sigs[i] == NULL || evsignal_add(sigs[i], NULL) != 0) {
            log_error("cannot watch signals");
            goto out;
        }
    }
    log_info("serving on %s:%u (data_dir %s)", s.cfg.listen_host,
             (unsigned)s.cfg.listen_port, s.cfg.data_dir);
    event_base_dispatch(s.base);
    log_info("stopped");
    rc = 0;
out:
    for (i = 0; i < 3; i++) {
        if (sigs[i] != NULL) {
            event_free(sigs[i]);
        }
    }
    admin_http_free(http);
    host_free(s.host);
    store_close(st);
    if (dns != NULL) {
        evdns_base_free(dns, 0);
    }
    event_base_free(s.base);
    close(lock);
    return rc;
}
