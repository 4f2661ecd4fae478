/*
 * qstatus.c - QUERY event status variables (see qstatus.h).
 */
#include "proto/mysql/qstatus.h"

#include <string.h>

/* Q_* codes (MySQL statement_events.h, MariaDB log_event.h). */
enum {
    Q_FLAGS2_CODE = 0,
    Q_SQL_MODE_CODE = 1,
    Q_CATALOG_CODE = 2,
    Q_AUTO_INCREMENT = 3,
    Q_CHARSET_CODE = 4,
    Q_TIME_ZONE_CODE = 5,
    Q_CATALOG_NZ_CODE = 6,
    Q_LC_TIME_NAMES_CODE = 7,
    Q_CHARSET_DATABASE_CODE = 8,
    Q_TABLE_MAP_FOR_UPDATE_CODE = 9,
    Q_MASTER_DATA_WRITTEN_CODE = 10,
    Q_INVOKER = 11,
    Q_UPDATED_DB_NAMES = 12,
    Q_MICROSECONDS = 13,
    Q_COMMIT_TS = 14,
    Q_COMMIT_TS2 = 15,
    Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP = 16,
    Q_DDL_LOGGED_WITH_XID = 17,
    Q_DEFAULT_COLLATION_FOR_UTF8MB4 = 18,
    Q_SQL_REQUIRE_PRIMARY_KEY = 19,
    Q_DEFAULT_TABLE_ENCRYPTION = 20,
    Q_HRNOW = 128,               /* MariaDB */
    Q_XID = 129,                 /* MariaDB */
    Q_GTID_FLAGS3 = 130,         /* MariaDB */
};

/* Q_UPDATED_DB_NAMES count meaning "too many to list". */
#define OVER_MAX_DBS_IN_EVENT_MTS 254

int
qstatus_parse(struct span vars, struct qstatus *out)
{
    struct rbuf r;

    memset(out, 0, sizeof(*out));
    rbuf_init(&r, vars.p, vars.len);
    while (rbuf_left(&r) > 0) {
        uint8_t code = rbuf_u8(&r);
        size_t n;

        switch (code) {
        case Q_FLAGS2_CODE:
        case Q_AUTO_INCREMENT:
        case Q_MASTER_DATA_WRITTEN_CODE:
            rbuf_skip(&r, 4);
            break;
        case Q_SQL_MODE_CODE:
            out->sql_mode = rbuf_u64(&r);
            out->has_sql_mode = true;
            break;
        case Q_CATALOG_CODE:             /* length, bytes, NUL */
            n = rbuf_u8(&r);
            rbuf_skip(&r, n + 1);
            break;
        case Q_CHARSET_CODE:
            out->client_collation = rbuf_u16(&r);
            out->connection_collation = rbuf_u16(&r);
            out->server_collation = rbuf_u16(&r);
            out->has_charset = true;
            break;
        case Q_TIME_ZONE_CODE:
        case Q_CATALOG_NZ_CODE:
            n = rbuf_u8(&r);
            rbuf_skip(&r, n);
            break;
        case Q_LC_TIME_NAMES_CODE:
            rbuf_skip(&r, 2);
            break;
        case Q_CHARSET_DATABASE_CODE:
            out->database_collation = rbuf_u16(&r);
            break;
        case Q_TABLE_MAP_FOR_UPDATE_CODE:
        case Q_DDL_LOGGED_WITH_XID:
        case Q_XID:
            rbuf_skip(&r, 8);
            break;
        case Q_INVOKER:                  /* user, host: length + bytes */
            n = rbuf_u8(&r);
            rbuf_skip(&r, n);
            n = rbuf_u8(&r);
            rbuf_skip(&r, n);
            break;
        case Q_UPDATED_DB_NAMES: {
            uint8_t cnt = rbuf_u8(&r);
            uint8_t i;

            if (cnt == OVER_MAX_DBS_IN_EVENT_MTS) {
                break;
            }
            for (i = 0; i < cnt && !r.short_read; i++) {
                (void)rbuf_cstr(&r);
            }
            break;
        }
        case Q_MICROSECONDS:
        case Q_HRNOW:
            rbuf_skip(&r, 3);
            break;
        case Q_EXPLICIT_DEFAULTS_FOR_TIMESTAMP:
        case Q_SQL_REQUIRE_PRIMARY_KEY:
        case Q_DEFAULT_TABLE_ENCRYPTION:
        case Q_GTID_FLAGS3:
            rbuf_skip(&r, 1);
            break;
        case Q_DEFAULT_COLLATION_FOR_UTF8MB4:
            out->utf8mb4_collation = rbuf_u16(&r);
            break;
        default:
            /* Q_COMMIT_TS(2) and newer codes: length unknown here. */
            return r.short_read ? -PROTO_EMALFORMED : 0;
        }
        if (r.short_read) {
            return -PROTO_EMALFORMED;
        }
    }
    out->complete = true;
    return 0;
}
