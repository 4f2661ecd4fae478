/*
 * serve.c - `tandem serve -c FILE`: the daemon.  For now it serves the
 * health endpoint on the config's listen address, keeps its data
 * directory, re-reads the config on SIGHUP (log_level; a new listen
 * address needs a restart) and exits 0 on SIGTERM or SIGINT.  `-t`
 * checks the config and exits.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <event2/event.h>

#include "src/admin/http.h"
#include "src/core/config.h"
#include "src/core/log.h"
#include "src/tools/tools.h"

struct serve {
    struct event_base *base;      /* the loop */
    const char *path;             /* config file */
    struct config cfg;            /* as loaded */
};

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: tandem serve -c FILE [-t]\n"
        "  -c FILE   the daemon's config (conf/tandem.conf shows every key)\n"
        "  -t        check the config and exit\n");
}

static void
on_stop(evutil_socket_t sig, short what, void *arg)
{
    struct serve *s = arg;

    (void)what;
    log_info("got %s: stopping", sig == SIGTERM ? "SIGTERM" : "SIGINT");
    event_base_loopbreak(s->base);
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
    if (make_data_dir(s.cfg.data_dir, err, sizeof(err)) != 0) {
        log_error("%s", err);
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);
    s.base = event_base_new();
    if (s.base == NULL) {
        log_error("out of memory");
        return 1;
    }
    http = admin_http_start(s.base, s.cfg.listen_host, s.cfg.listen_port,
                            s.cfg.data_dir, err, sizeof(err));
    if (http == NULL) {
        log_error("%s", err);
        goto out;
    }
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
    event_base_free(s.base);
    return rc;
}
