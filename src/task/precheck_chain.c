/*
 * precheck_chain.c - the queries of the prechecks' two chains, one step at
 * a time, and what each answer or server error decides (see precheck.c
 * for how a chain runs, precheck.h for the items).
 *
 *   source:       VARS -> GRANTS -> LOGS -> EVENTS -> GTID -> SCHEMATA ->
 *                 TABLES -> COLUMNS -> FKS -> KEYS
 *   destination:  VARS -> GRANTS -> SCHEMATA -> TABLES -> COPY -> SUPER_RO
 *
 * A step whose answer is not needed sends nothing: LOGS, EVENTS and GTID
 * only for a start point still to check, COLUMNS, FKS and KEYS only while
 * their item is open, COPY only for a full copy under "intercept",
 * SUPER_RO only on MySQL.  Every query reads information_schema, a
 * variable or a SHOW command: nothing is written.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/mysql/sqlenc.h"
#include "src/task/precheck_int.h"

/* Source chain. */
enum src_step {
    SRC_VARS = 0,   /* settings, CURRENT_USER() */
    SRC_GRANTS,     /* SHOW GRANTS */
    SRC_LOGS,       /* SHOW BINARY LOGS (start file, or GTID on MariaDB) */
    SRC_EVENTS,     /* SHOW BINLOG EVENTS at the start position */
    SRC_GTID,       /* the GTID start against the server's GTID state */
    SRC_SCHEMATA,   /* the selected databases that exist */
    SRC_TABLES,     /* their tables and engines */
    SRC_COLUMNS,    /* character sets of their columns */
    SRC_FKS,        /* their foreign keys */
    SRC_KEYS,       /* their unique keys */
    SRC_END         /* sentinel */
};

/* Destination chain. */
enum dst_step {
    DST_VARS = 0,   /* read_only, CURRENT_USER() */
    DST_GRANTS,     /* SHOW GRANTS */
    DST_SCHEMATA,   /* the destination databases that exist */
    DST_TABLES,     /* their tables */
    DST_COPY,       /* an interrupted copy of this task (tandem.copy) */
    DST_SUPER_RO,   /* MySQL 5.7+: @@super_read_only */
    DST_END         /* sentinel */
};

/* The item a query of each step serves (for a connection lost there). */
static const enum pc_item src_step_item[SRC_END] = {
    [SRC_VARS] = PC_BINLOG_ENABLED,
    [SRC_GRANTS] = PC_SOURCE_PRIVILEGES,
    [SRC_LOGS] = PC_START_POSITION,
    [SRC_EVENTS] = PC_START_POSITION,
    [SRC_GTID] = PC_START_POSITION,
    [SRC_SCHEMATA] = PC_SOURCE_OBJECTS,
    [SRC_TABLES] = PC_SOURCE_OBJECTS,
    [SRC_COLUMNS] = PC_CHARSETS,
    [SRC_FKS] = PC_FOREIGN_KEYS,
    [SRC_KEYS] = PC_PRIMARY_KEYS,
};
static const enum pc_item dst_step_item[DST_END] = {
    [DST_VARS] = PC_DEST_READ_ONLY,
    [DST_GRANTS] = PC_DEST_PRIVILEGES,
    [DST_SCHEMATA] = PC_DEST_DATABASES,
    [DST_TABLES] = PC_DEST_DATABASES,
    [DST_COPY] = PC_SCHEMA_CONFLICTS,
    [DST_SUPER_RO] = PC_DEST_READ_ONLY,
};

/* ---- the steps ---- */

static void
put_lit(struct pbuf *b, const char *s)
{
    sqlenc_text(b, s, strlen(s));
}

/* "('a','b')": the source databases (or the destination ones). */
static void
put_dbs(struct precheck *p, struct pbuf *b, bool dest, bool with_tandem)
{
    size_t i;

    pbuf_putc(b, '(');
    for (i = 0; i < p->spec->nobjects; i++) {
        if (i > 0) {
            pbuf_putc(b, ',');
        }
        put_lit(b, dest ? p->spec->objects[i].as : p->spec->objects[i].db);
    }
    if (with_tandem) {
        pbuf_puts(b, ",'tandem'");
    }
    pbuf_putc(b, ')');
}

/* Whether the start point is read from the binlog files. */
static bool
start_pending(const struct precheck *p, enum task_start_kind k)
{
    return !p->set[PC_START_POSITION] && p->spec->start.kind == k;
}

/* The query of source step <step> into s->q; false: nothing to ask. */
static bool
src_query(struct precheck *p, struct pc_side *s)
{
    const struct task_start *st = &p->spec->start;
    struct pbuf *q = &s->q;

    switch ((enum src_step)s->step) {
    case SRC_VARS:
        pbuf_puts(q, "SELECT @@server_id, @@log_bin, @@binlog_format, "
                     "@@binlog_row_image, CURRENT_USER()");
        return true;
    case SRC_GRANTS:
        pbuf_puts(q, "SHOW GRANTS");
        return true;
    case SRC_LOGS:
        if (!start_pending(p, TASK_START_FILE_POS) &&
            !(start_pending(p, TASK_START_GTID) && s->srv.mariadb)) {
            return false;
        }
        pbuf_puts(q, "SHOW BINARY LOGS");
        return true;
    case SRC_EVENTS:
        if (!start_pending(p, TASK_START_FILE_POS)) {
            return false;
        }
        pbuf_puts(q, "SHOW BINLOG EVENTS IN ");
        put_lit(q, st->file);
        pbuf_printf(q, " FROM %llu LIMIT 1", (unsigned long long)st->pos);
        return true;
    case SRC_GTID:
        if (!start_pending(p, TASK_START_GTID)) {
            return false;
        }
        if (s->srv.mariadb) {
            pbuf_puts(q, "SELECT @@global.gtid_binlog_pos, BINLOG_GTID_POS(");
            put_lit(q, p->oldest_binlog != NULL ? p->oldest_binlog : "");
            pbuf_puts(q, ", 4)");
        } else {
            pbuf_puts(q, "SELECT GTID_SUBSET(@@global.gtid_purged, ");
            put_lit(q, st->gtid);
            pbuf_puts(q, "), GTID_SUBSET(");
            put_lit(q, st->gtid);
            pbuf_puts(q, ", @@global.gtid_executed), @@global.gtid_purged");
        }
        return true;
    case SRC_SCHEMATA:
        pbuf_puts(q, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                     "WHERE SCHEMA_NAME IN ");
        put_dbs(p, q, false, false);
        return true;
    case SRC_TABLES:
        if (p->set[PC_SOURCE_OBJECTS]) {
            return false;        /* SCHEMATA failed */
        }
        pbuf_puts(q, "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, ENGINE "
                     "FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ");
        put_dbs(p, q, false, false);
        return true;
    case SRC_COLUMNS:
        if (p->set[PC_CHARSETS]) {
            return false;
        }
        pbuf_puts(q, "SELECT DISTINCT TABLE_SCHEMA, TABLE_NAME, "
                     "CHARACTER_SET_NAME FROM information_schema.COLUMNS "
                     "WHERE CHARACTER_SET_NAME IS NOT NULL AND TABLE_SCHEMA "
                     "IN ");
        put_dbs(p, q, false, false);
        return true;
    case SRC_FKS:
        if (p->set[PC_FOREIGN_KEYS]) {
            return false;
        }
        pbuf_puts(q, "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, "
                     "UNIQUE_CONSTRAINT_SCHEMA, REFERENCED_TABLE_NAME FROM "
                     "information_schema.REFERENTIAL_CONSTRAINTS WHERE "
                     "CONSTRAINT_SCHEMA IN ");
        put_dbs(p, q, false, false);
        return true;
    case SRC_KEYS:
        if (p->set[PC_PRIMARY_KEYS]) {
            return false;
        }
        pbuf_puts(q, "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, "
                     "SUM(NULLABLE = 'YES') FROM information_schema."
                     "STATISTICS WHERE NON_UNIQUE = 0 AND TABLE_SCHEMA IN ");
        put_dbs(p, q, false, false);
        pbuf_puts(q, " GROUP BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME");
        return true;
    case SRC_END:
    default:
        return false;
    }
}

/* CURRENT_USER()'s user@host as 'user'@'host', for GRANT statements. */
static void
set_account(struct pc_side *s, const char *cur)
{
    const char *at = strrchr(cur, '@');

    if (at == NULL) {
        snprintf(s->srv.account, sizeof(s->srv.account), "'%.100s'", cur);
        return;
    }
    snprintf(s->srv.account, sizeof(s->srv.account), "'%.*s'@'%.255s'",
             (int)(at - cur < 100 ? at - cur : 100), cur, at + 1);
}

/* An access error ("1227 (42000): Access denied; you need...") while an
 * earlier item already found the privileges missing: not a new cause. */
static bool
denied_after(const struct precheck *p, const char *err, enum pc_item priv)
{
    return (strncmp(err, "1227 ", 5) == 0 || strncmp(err, "1142 ", 5) == 0 ||
            strncmp(err, "1044 ", 5) == 0) &&
           p->set[priv] && p->items[priv].status == PRECHECK_FAILED;
}

/* A server error answering the query of source step <step>. */
static void
src_error(struct precheck *p, struct pc_side *s, const char *err)
{
    char cause[768], fix[512];
    size_t i;

    switch ((enum src_step)s->step) {
    case SRC_VARS:
        pc_set(p, PC_BINLOG_ENABLED, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "cannot read the binlog settings "
                      "of the source %s: %s", s->peer, err),
               "check the source account and the server's error log");
        pc_skip(p, PC_BINLOG_FORMAT, PC_BINLOG_ENABLED);
        pc_skip(p, PC_BINLOG_ROW_IMAGE, PC_BINLOG_ENABLED);
        pc_skip(p, PC_SERVER_ID, PC_BINLOG_ENABLED);
        pc_skip(p, PC_START_POSITION, PC_BINLOG_ENABLED);
        return;
    case SRC_GRANTS:
        pc_set(p, PC_SOURCE_PRIVILEGES, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "cannot read the grants of the "
                      "source account on %s: %s", s->peer, err),
               "check the account in the source URL");
        return;
    case SRC_LOGS:
    case SRC_EVENTS:
    case SRC_GTID:
        if (denied_after(p, err, PC_SOURCE_PRIVILEGES)) {
            pc_skip(p, PC_START_POSITION, PC_SOURCE_PRIVILEGES);
            return;
        }
        if (s->step == SRC_EVENTS && strncmp(err, "1220 ", 5) == 0) {
            pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
                   pc_fmt(cause, sizeof(cause), "start position %s:%llu is "
                          "not the start of an event on the source %s (%s)",
                          p->spec->start.file,
                          (unsigned long long)p->spec->start.pos, s->peer,
                          err),
                   pc_fmt(fix, sizeof(fix), "give the position of a "
                          "transaction's first event (SHOW BINLOG EVENTS IN "
                          "'%s' lists them), or \"start\": \"now\"",
                          p->spec->start.file));
            return;
        }
        pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "cannot check the start point on "
                      "the source %s: %s", s->peer, err),
               "check the source's binlog settings and the account's "
               "REPLICATION CLIENT privilege");
        return;
    case SRC_SCHEMATA:
    case SRC_TABLES:
        pc_set(p, PC_SOURCE_OBJECTS, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "cannot list the selected tables "
                      "on the source %s: %s", s->peer, err),
               "check the source account's SELECT privilege and the "
               "server's error log");
        for (i = PC_STORAGE_ENGINES; i <= PC_PRIMARY_KEYS; i++) {
            if (i != PC_SCHEMA_CONFLICTS) {
                pc_skip(p, (enum pc_item)i, PC_SOURCE_OBJECTS);
            }
        }
        return;
    case SRC_COLUMNS:
    case SRC_FKS:
    case SRC_KEYS:
    default:
        pc_set(p, src_step_item[s->step], PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "cannot read information_schema "
                      "on the source %s: %s", s->peer, err),
               pc_fmt(fix, sizeof(fix), "check the server's error log"));
        return;
    }
}

static void
src_answer(struct precheck *p, struct pc_side *s, const struct myresult *r)
{
    char buf[512];
    bool need_events = false;
    size_t i;

    switch ((enum src_step)s->step) {
    case SRC_VARS:
        set_account(s, pc_cell(r, 0, 4, buf, sizeof(buf)));
        pc_check_source_vars(p, r);
        return;
    case SRC_GRANTS:
        for (i = 0; r != NULL && i < r->nrows; i++) {
            if (!pc_null(r, i, 0)) {
                const struct span *v = &r->cells[i * r->ncols];

                pc_grants_add_line(&s->grants, (const char *)v->p, v->len);
            }
        }
        s->grants_known = true;
        pc_check_source_grants(p);
        return;
    case SRC_LOGS:
        if (r != NULL && r->nrows > 0 && !pc_null(r, 0, 0)) {
            free(p->oldest_binlog);
            p->oldest_binlog = strdup(pc_cell(r, 0, 0, buf, sizeof(buf)));
        }
        if (p->spec->start.kind == TASK_START_FILE_POS) {
            pc_check_binlog_file(p, r, &need_events);
            if (!need_events) {
                pc_pass(p, PC_START_POSITION);
            }
        } else if (p->oldest_binlog == NULL) {
            pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
                   pc_fmt(buf, sizeof(buf), "the source %s lists no binlog "
                          "file (SHOW BINARY LOGS is empty)", s->peer),
                   "start the source with log_bin=ON, or use \"start\": "
                   "\"now\"");
        }
        return;
    case SRC_EVENTS:
        pc_pass(p, PC_START_POSITION);
        return;
    case SRC_GTID:
        if (s->srv.mariadb) {
            pc_check_gtid_maria(p, r);
        } else {
            pc_check_gtid_mysql(p, r);
        }
        return;
    case SRC_SCHEMATA:
        for (i = 0; r != NULL && i < r->nrows; i++) {
            const struct span *v = &r->cells[i * r->ncols];

            pc_pairs_add(&p->src_dbs, (const char *)v->p, v->len, "", 0,
                         NULL, 0);
        }
        pc_pairs_sort(&p->src_dbs);
        return;
    case SRC_TABLES:
        pc_check_objects(p, r);
        return;
    case SRC_COLUMNS:
        pc_check_charsets(p, r);
        return;
    case SRC_FKS:
        pc_check_foreign_keys(p, r);
        return;
    case SRC_KEYS:
        pc_check_keys(p, r);
        return;
    case SRC_END:
    default:
        return;
    }
}

/* The query of destination step <step> into s->q; false: nothing to ask. */
static bool
dst_query(struct precheck *p, struct pc_side *s)
{
    struct pbuf *q = &s->q;

    switch ((enum dst_step)s->step) {
    case DST_VARS:
        pbuf_puts(q, "SELECT @@global.read_only, CURRENT_USER()");
        return true;
    case DST_GRANTS:
        pbuf_puts(q, "SHOW GRANTS");
        return true;
    case DST_SCHEMATA:
        pbuf_puts(q, "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA "
                     "WHERE SCHEMA_NAME IN ");
        put_dbs(p, q, true, true);
        return true;
    case DST_TABLES:
        pbuf_puts(q, "SELECT TABLE_SCHEMA, TABLE_NAME FROM information_schema"
                     ".TABLES WHERE TABLE_SCHEMA IN ");
        put_dbs(p, q, true, false);
        return true;
    case DST_COPY:
        if (!pc_full(p) ||
            p->spec->existing_tables != TASK_EXISTING_INTERCEPT ||
            pc_pairs_find(&p->dst_dbs, "tandem", "") == NULL) {
            return false;
        }
        pbuf_puts(q, "SELECT done FROM tandem.copy WHERE task = ");
        put_lit(q, p->spec->name);
        return true;
    case DST_SUPER_RO:
        if (s->srv.mariadb || p->dst_read_only) {
            return false;        /* MariaDB has no super_read_only */
        }
        pbuf_puts(q, "SELECT @@global.super_read_only");
        return true;
    case DST_END:
    default:
        return false;
    }
}

static void
dst_error(struct precheck *p, struct pc_side *s, const char *err)
{
    char cause[768];

    switch ((enum dst_step)s->step) {
    case DST_VARS:
        pc_set(p, PC_DEST_READ_ONLY, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "cannot read @@read_only on the "
                      "destination %s: %s", s->peer, err),
               "check the destination account and the server's error log");
        return;
    case DST_GRANTS:
        pc_set(p, PC_DEST_PRIVILEGES, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "cannot read the grants of the "
                      "destination account on %s: %s", s->peer, err),
               "check the account in the destination URL");
        return;
    case DST_SCHEMATA:
    case DST_TABLES:
        pc_set(p, PC_DEST_DATABASES, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "cannot list the destination "
                      "databases and tables on %s: %s", s->peer, err),
               "check the destination account and the server's error log");
        s->step = DST_COPY;     /* nothing to compare with */
        return;
    case DST_COPY:          /* no tandem.copy: no copy to resume */
    case DST_SUPER_RO:      /* MySQL before 5.7.8: no such variable */
    case DST_END:
    default:
        return;
    }
}

static void
dst_answer(struct precheck *p, struct pc_side *s, const struct myresult *r)
{
    char buf[512];
    size_t i;

    switch ((enum dst_step)s->step) {
    case DST_VARS:
        set_account(s, pc_cell(r, 0, 1, buf, sizeof(buf)));
        pc_cell(r, 0, 0, buf, sizeof(buf));
        if (strcmp(buf, "1") == 0 || strcasecmp(buf, "ON") == 0) {
            p->dst_read_only = true;
            snprintf(p->dst_ro_name, sizeof(p->dst_ro_name), "read_only");
        }
        return;
    case DST_GRANTS:
        for (i = 0; r != NULL && i < r->nrows; i++) {
            if (!pc_null(r, i, 0)) {
                const struct span *v = &r->cells[i * r->ncols];

                pc_grants_add_line(&s->grants, (const char *)v->p, v->len);
            }
        }
        s->grants_known = true;
        pc_check_dest_grants(p);
        return;
    case DST_SCHEMATA:
        for (i = 0; r != NULL && i < r->nrows; i++) {
            const struct span *v = &r->cells[i * r->ncols];

            pc_pairs_add(&p->dst_dbs, (const char *)v->p, v->len, "", 0,
                         NULL, 0);
        }
        pc_pairs_sort(&p->dst_dbs);
        return;
    case DST_TABLES:
        for (i = 0; r != NULL && i < r->nrows; i++) {
            const struct span *v = &r->cells[i * r->ncols];

            pc_pairs_add(&p->dst_tabs, (const char *)v[0].p, v[0].len,
                         (const char *)v[1].p, v[1].len, NULL, 0);
        }
        pc_pairs_sort(&p->dst_tabs);
        p->dst_known = !p->dst_dbs.failed && !p->dst_tabs.failed;
        return;
    case DST_COPY:
        p->resuming = r != NULL && r->nrows > 0 &&
                      strcmp(pc_cell(r, 0, 0, buf, sizeof(buf)), "0") == 0;
        return;
    case DST_SUPER_RO:
        pc_cell(r, 0, 0, buf, sizeof(buf));
        if (strcmp(buf, "1") == 0 || strcasecmp(buf, "ON") == 0) {
            p->dst_read_only = true;
            snprintf(p->dst_ro_name, sizeof(p->dst_ro_name),
                     "super_read_only");
        }
        return;
    case DST_END:
    default:
        return;
    }
}

unsigned
pc_chain_end(const struct pc_side *s)
{
    return s->source ? SRC_END : DST_END;
}

enum pc_item
pc_chain_item(const struct pc_side *s)
{
    if (s->step >= pc_chain_end(s)) {
        return PC_ITEM_COUNT;
    }
    return s->source ? src_step_item[s->step] : dst_step_item[s->step];
}

bool
pc_chain_query(struct precheck *p, struct pc_side *s)
{
    return s->source ? src_query(p, s) : dst_query(p, s);
}

void
pc_chain_result(struct precheck *p, struct pc_side *s,
                const struct myresult *r, const char *err)
{
    if (s->source) {
        if (err != NULL) {
            src_error(p, s, err);
        } else {
            src_answer(p, s, r);
        }
    } else if (err != NULL) {
        dst_error(p, s, err);
    } else {
        dst_answer(p, s, r);
    }
}
