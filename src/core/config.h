/*
 * config.h - the daemon's config file (`tandem serve -c FILE`), in the
 * "key = value" format of proto/kvconf.h:
 *
 *   listen = 127.0.0.1:8730      address:port of the HTTP API (default)
 *   data_dir = tandem-data       where the daemon keeps its state
 *   log_level = info             error|warn|info|debug|trace
 *   queue_bytes = 64M            a task's default queue bound (K, M, G:
 *                                binary units), 1M to 16G
 *
 * Every key is optional; any other key is refused, naming its line.
 */
#ifndef TANDEM_CORE_CONFIG_H
#define TANDEM_CORE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "src/core/log.h"

struct config {
    char listen_host[256];        /* "127.0.0.1" */
    uint16_t listen_port;         /* 8730 */
    char data_dir[1024];          /* "tandem-data" */
    enum log_level log_level;     /* LOG_INFO */
    uint64_t queue_bytes;         /* 64 MiB */
};

/* The defaults. */
void config_defaults(struct config *c);
/* Reads file <path> over the defaults.  0, or -1 with one line naming
 * the file, the line, the cause and the fix in err. */
int config_load(const char *path, struct config *c, char *err,
                size_t errlen);

#endif
