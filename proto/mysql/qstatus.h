/*
 * qstatus.h - the status variables of a binlog QUERY event.
 *
 * A QUERY event carries the session state its statement ran with as a list
 * of (code, value) pairs whose value length depends on the code
 * (libbinlogevents statement_events.h, MariaDB log_event.h Q_*).  The DDL
 * history needs sql_mode (ANSI_QUOTES and friends change how DDL reads) and
 * the session and server collations.  Codes are scanned in order; an
 * unknown code ends the scan (its length is not known), leaving what was
 * found so far.
 */
#ifndef TANDEM_PROTO_MYSQL_QSTATUS_H
#define TANDEM_PROTO_MYSQL_QSTATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/buf.h"

struct qstatus {
    bool has_sql_mode;            /* Q_SQL_MODE_CODE seen */
    uint64_t sql_mode;            /* its value */
    bool has_charset;             /* Q_CHARSET_CODE seen */
    uint16_t client_collation;    /* character_set_client */
    uint16_t connection_collation; /* collation_connection */
    uint16_t server_collation;    /* collation_server */
    uint16_t database_collation;  /* Q_CHARSET_DATABASE_CODE, or 0 */
    uint16_t utf8mb4_collation;   /* Q_DEFAULT_COLLATION_FOR_UTF8MB4, or 0 */
    bool complete;                /* every code was known */
};

/* Scans status variables <vars>.  Returns 0, or -PROTO_EMALFORMED when a
 * known code's value runs past the end. */
int qstatus_parse(struct span vars, struct qstatus *out);

#endif
