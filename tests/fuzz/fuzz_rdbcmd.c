/*
 * fuzz_rdbcmd.c - RDB bytes through the decoder into the command builder
 * (proto/redis/rdbcmd.c): every command it emits has a name and a key,
 * views inside their storage, and nothing leaks or overruns whatever the
 * events (the decoder's output on hostile input).  The first byte picks
 * the options: small split limits, DEL first, the target version.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/redis/rdb.h"
#include "proto/redis/rdbcmd.h"

static int
emit(void *arg, int db, size_t argc, const struct span *argv)
{
    size_t i, *total = arg;

    (void)db;
    if (argc < 2) {
        __builtin_trap();
    }
    for (i = 0; i < argc; i++) {
        if (argv[i].len > 0 && argv[i].p == NULL) {
            __builtin_trap();
        }
        /* touch every byte: ASan checks the views */
        if (argv[i].len > 0) {
            *total += argv[i].p[0] + argv[i].p[argv[i].len - 1];
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct rdb_dec d;
    struct rdb_event ev;
    struct rdbcmd c;
    size_t off = 0, used, total = 0;
    int rc;

    if (size < 1) {
        return 0;
    }
    memset(&d, 0, sizeof(d));
    memset(&c, 0, sizeof(c));
    c.opts.max_items = 1 + (data[0] & 7);
    c.opts.max_bytes = 64u << (data[0] >> 5);
    c.opts.del_first = (data[0] & 8) != 0;
    c.opts.target_major = (data[0] & 16) ? 5 : 0;
    c.opts.restore_version = (data[0] & 16) ? 9 : RDB_MAX_VERSION;
    c.opts.mset = (data[0] & 1) != 0;
    d.dump_limit = 4096;
    d.max_string = 1u << 20;
    data++;
    size--;
    for (;;) {
        used = 0;
        rc = rdb_next(&d, data + off, size - off, &used, &ev);
        off += used;
        if (rc == 0 && used > 0) {
            continue;
        }
        if (rc <= 0) {
            break;
        }
        if (rdbcmd_event(&c, &ev, emit, &total) < 0 || ev.kind == RDB_EV_END) {
            break;
        }
    }
    rdbcmd_free(&c);
    rdb_dec_free(&d);
    return total == (size_t)-1;
}
