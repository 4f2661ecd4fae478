/*
 * query.c - COM_QUERY/COM_PING/COM_QUIT encoding and the text result set
 * decoder (see query.h).  Layouts: MySQL internals "COM_QUERY Response",
 * "Protocol::ColumnDefinition41", "Protocol::ResultsetRow"; the
 * CLIENT_DEPRECATE_EOF variant from MySQL 5.7.5 / MariaDB 10.2.
 */
#include "proto/mysql/query.h"

#include <string.h>

/* First byte of a LOCAL INFILE request. */
#define MYSQL_PKT_LOCAL_INFILE 0xfb

static const char *const rs_state_names[MYSQL_RS_STATE_COUNT] = {
    [MYSQL_RS_COLUMN_COUNT] = "COLUMN_COUNT",
    [MYSQL_RS_COLUMNS] = "COLUMNS",
    [MYSQL_RS_COLUMNS_EOF] = "COLUMNS_EOF",
    [MYSQL_RS_ROWS] = "ROWS",
    [MYSQL_RS_DONE] = "DONE",
};

static const char *const rs_event_names[MYSQL_RS_EV_COUNT] = {
    [MYSQL_RS_EV_NONE] = "NONE",
    [MYSQL_RS_EV_OK] = "OK",
    [MYSQL_RS_EV_COLUMN_COUNT] = "COLUMN_COUNT",
    [MYSQL_RS_EV_COLUMN] = "COLUMN",
    [MYSQL_RS_EV_ROW] = "ROW",
    [MYSQL_RS_EV_END] = "END",
    [MYSQL_RS_EV_ERROR] = "ERROR",
};

const char *
mysql_rs_state_name(enum mysql_rs_state s)
{
    return (unsigned)s < MYSQL_RS_STATE_COUNT ? rs_state_names[s]
                                              : "UNKNOWN";
}

const char *
mysql_rs_event_name(enum mysql_rs_event_kind k)
{
    return (unsigned)k < MYSQL_RS_EV_COUNT ? rs_event_names[k] : "UNKNOWN";
}

void
mysql_command_encode(struct pbuf *out, uint8_t cmd, const void *arg,
                     size_t len)
{
    mysql_packet_encode2(out, 0, &cmd, 1, arg, len);
}

void
mysql_com_query_encode(struct pbuf *out, const char *sql, size_t len)
{
    mysql_command_encode(out, MYSQL_COM_QUERY, sql, len);
}

ssize_t
mysql_coldef_parse(const uint8_t *p, size_t len, struct mysql_coldef *col)
{
    struct rbuf r;
    uint64_t fixed;

    memset(col, 0, sizeof(*col));
    rbuf_init(&r, p, len);
    col->catalog = rbuf_lenenc_str(&r, NULL);
    col->schema = rbuf_lenenc_str(&r, NULL);
    col->table = rbuf_lenenc_str(&r, NULL);
    col->org_table = rbuf_lenenc_str(&r, NULL);
    col->name = rbuf_lenenc_str(&r, NULL);
    col->org_name = rbuf_lenenc_str(&r, NULL);
    fixed = rbuf_lenenc(&r, NULL);
    if (r.short_read || fixed < 10 || fixed > rbuf_left(&r)) {
        return -PROTO_EMALFORMED;
    }
    col->charset = rbuf_u16(&r);
    col->length = rbuf_u32(&r);
    col->type = rbuf_u8(&r);
    col->flags = rbuf_u16(&r);
    col->decimals = rbuf_u8(&r);
    /* Two filler bytes, then (COM_FIELD_LIST only) default values. */
    return r.short_read ? -PROTO_EMALFORMED : (ssize_t)len;
}

ssize_t
mysql_text_row_cells(const uint8_t *p, size_t len, uint64_t ncols,
                     struct span *cells, bool *nulls)
{
    struct rbuf r;
    struct span s;
    uint64_t i;
    bool is_null;

    rbuf_init(&r, p, len);
    for (i = 0; i < ncols; i++) {
        s = rbuf_lenenc_str(&r, &is_null);
        if (r.short_read) {
            return -PROTO_EMALFORMED;
        }
        if (cells != NULL) {
            cells[i] = s;
        }
        if (nulls != NULL) {
            nulls[i] = is_null;
        }
    }
    return rbuf_left(&r) == 0 ? (ssize_t)len : -PROTO_EMALFORMED;
}

void
mysql_rs_init(struct mysql_rs *d, uint32_t caps)
{
    memset(d, 0, sizeof(*d));
    d->caps = caps;
    d->state = MYSQL_RS_COLUMN_COUNT;
}

static ssize_t
rs_fail(struct mysql_rs *d, int err, const char *reason)
{
    d->err = -err;
    d->reason = reason;
    return d->err;
}

/* After an OK/EOF that ends a response or a result: DONE, or the next
 * result when the server says more follow. */
static void
rs_after_ok(struct mysql_rs *d, struct mysql_rs_event *ev)
{
    ev->more_results = (ev->ok.status & MYSQL_SERVER_MORE_RESULTS_EXISTS)
                       != 0;
    d->state = ev->more_results ? MYSQL_RS_COLUMN_COUNT : MYSQL_RS_DONE;
}

static ssize_t
rs_error(struct mysql_rs *d, const uint8_t *p, size_t len,
         struct mysql_rs_event *ev)
{
    if (mysql_err_parse(p, len, &ev->err) < 0) {
        return rs_fail(d, PROTO_EMALFORMED, "malformed ERR packet");
    }
    ev->kind = MYSQL_RS_EV_ERROR;
    d->state = MYSQL_RS_DONE;
    return (ssize_t)len;
}

static ssize_t
rs_column_count(struct mysql_rs *d, const uint8_t *p, size_t len,
                struct mysql_rs_event *ev)
{
    struct rbuf r;
    uint64_t n;

    switch (p[0]) {
    case MYSQL_PKT_OK:
        if (mysql_ok_parse(p, len, d->caps, &ev->ok) < 0) {
            return rs_fail(d, PROTO_EMALFORMED, "malformed OK packet");
        }
        ev->kind = MYSQL_RS_EV_OK;
        rs_after_ok(d, ev);
        return (ssize_t)len;
    case MYSQL_PKT_ERR:
        return rs_error(d, p, len, ev);
    case MYSQL_PKT_LOCAL_INFILE:
        return rs_fail(d, PROTO_EUNSUPPORTED,
                       "server asks for a LOCAL INFILE file");
    default:
        break;
    }
    rbuf_init(&r, p, len);
    n = rbuf_lenenc(&r, NULL);
    if (r.short_read || rbuf_left(&r) != 0 || n == 0) {
        return rs_fail(d, PROTO_EMALFORMED, "malformed column count");
    }
    if (n > MYSQL_RS_MAX_COLUMNS) {
        return rs_fail(d, PROTO_ELIMIT, "too many columns in result set");
    }
    d->ncols = n;
    d->cols_seen = 0;
    d->rows = 0;
    d->state = MYSQL_RS_COLUMNS;
    ev->kind = MYSQL_RS_EV_COLUMN_COUNT;
    ev->ncols = n;
    return (ssize_t)len;
}

static ssize_t
rs_rows(struct mysql_rs *d, const uint8_t *p, size_t len,
        struct mysql_rs_event *ev)
{
    struct mysql_eof eof;

    if (p[0] == MYSQL_PKT_ERR) {
        /* A row never starts with 0xff: no lenenc begins so. */
        return rs_error(d, p, len, ev);
    }
    if (d->caps & MYSQL_CLIENT_DEPRECATE_EOF) {
        if (mysql_is_ok_eof(p, len)) {
            if (mysql_ok_parse(p, len, d->caps, &ev->ok) < 0) {
                return rs_fail(d, PROTO_EMALFORMED,
                               "malformed OK packet ending the rows");
            }
            ev->kind = MYSQL_RS_EV_END;
            rs_after_ok(d, ev);
            return (ssize_t)len;
        }
    } else if (mysql_is_eof(p, len)) {
        mysql_eof_parse(p, len, &eof);
        ev->ok.header = MYSQL_PKT_EOF;
        ev->ok.status = eof.status;
        ev->ok.warnings = eof.warnings;
        ev->kind = MYSQL_RS_EV_END;
        rs_after_ok(d, ev);
        return (ssize_t)len;
    }
    if (mysql_text_row_cells(p, len, d->ncols, NULL, NULL) < 0) {
        return rs_fail(d, PROTO_EMALFORMED,
                       "row does not hold the announced column count");
    }
    d->rows++;
    ev->kind = MYSQL_RS_EV_ROW;
    ev->ncols = d->ncols;
    ev->row.p = p;
    ev->row.len = len;
    return (ssize_t)len;
}

ssize_t
mysql_rs_feed(struct mysql_rs *d, const uint8_t *p, size_t len,
              struct mysql_rs_event *ev)
{
    memset(ev, 0, sizeof(*ev));
    if (d->err != 0) {
        return d->err;
    }
    if (len == 0) {
        return rs_fail(d, PROTO_EMALFORMED, "empty payload in a response");
    }
    switch (d->state) {
    case MYSQL_RS_COLUMN_COUNT:
        return rs_column_count(d, p, len, ev);
    case MYSQL_RS_COLUMNS:
        if (p[0] == MYSQL_PKT_ERR) {
            return rs_error(d, p, len, ev);
        }
        if (mysql_coldef_parse(p, len, &ev->col) < 0) {
            return rs_fail(d, PROTO_EMALFORMED,
                           "malformed column definition");
        }
        ev->kind = MYSQL_RS_EV_COLUMN;
        ev->ncols = d->ncols;
        ev->index = d->cols_seen++;
        if (d->cols_seen == d->ncols) {
            d->state = (d->caps & MYSQL_CLIENT_DEPRECATE_EOF)
                           ? MYSQL_RS_ROWS : MYSQL_RS_COLUMNS_EOF;
        }
        return (ssize_t)len;
    case MYSQL_RS_COLUMNS_EOF:
        if (p[0] == MYSQL_PKT_ERR) {
            return rs_error(d, p, len, ev);
        }
        if (!mysql_is_eof(p, len)) {
            return rs_fail(d, PROTO_EMALFORMED,
                           "expected EOF after column definitions");
        }
        ev->kind = MYSQL_RS_EV_NONE;
        d->state = MYSQL_RS_ROWS;
        return (ssize_t)len;
    case MYSQL_RS_ROWS:
        return rs_rows(d, p, len, ev);
    case MYSQL_RS_DONE:
    default:
        return rs_fail(d, PROTO_EMALFORMED,
                       "payload after the end of the response");
    }
}
