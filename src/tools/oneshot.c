/*
 * oneshot.c - the loop, resolver and connection of a tool that runs a
 * few queries and exits (see tools.h).
 */
#include "src/tools/tools.h"

#include <stdio.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "src/core/url.h"
#include "src/source/myconn.h"

int
tool_oneshot_run(const struct url *u, const char *db, unsigned connect_ms,
                 void (*on_ready)(struct myconn *c, void *arg),
                 void (*on_error)(struct myconn *c, const char *err,
                                  void *arg),
                 void *arg, struct event_base **base, char *err,
                 size_t errlen)
{
    struct myconn_opts opts;
    struct evdns_base *dns;
    struct myconn *c;
    int rc = -1;

    *base = event_base_new();
    if (*base == NULL) {
        snprintf(err, errlen, "cannot create the event loop");
        return -1;
    }
    /* Without a usable resolv.conf, fall back to the blocking resolver
     * (the hosts file still works). */
    dns = evdns_base_new(*base, EVDNS_BASE_INITIALIZE_NAMESERVERS |
                                    EVDNS_BASE_DISABLE_WHEN_INACTIVE);
    memset(&opts, 0, sizeof(opts));
    opts.host = u->host;
    opts.port = u->port;
    opts.user = u->user;
    opts.password = u->password;
    opts.db = db;
    opts.tls = (int)u->tls;
    opts.ca_file = u->ca_file;
    opts.connect_timeout_ms = connect_ms;
    c = myconn_new(*base, dns, &opts);
    if (c == NULL || myconn_connect(c, on_ready, on_error, arg) < 0) {
        snprintf(err, errlen, "out of memory");
    } else {
        event_base_dispatch(*base);
        rc = 0;
    }
    /* The conn first: a query still running points into the caller. */
    myconn_free(c);
    if (dns != NULL) {
        evdns_base_free(dns, 0);
    }
    /* Let libevent run deferred callbacks and finalizers of what was
     * just freed before the loop goes away. */
    event_base_loop(*base, EVLOOP_NONBLOCK);
    event_base_free(*base);
    *base = NULL;
    return rc;
}
