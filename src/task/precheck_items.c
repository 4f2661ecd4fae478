/*
 * precheck_items.c - the verdicts of the prechecks (see precheck.h): each
 * function reads one query's answer, or the facts both sides gathered, and
 * decides its items with a one-line cause and fix (the privileges' are in
 * precheck_grants.c).  Nothing here does I/O.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "proto/mysql/charset.h"
#include "proto/mysql/gtid.h"
#include "src/task/precheck_int.h"

/* ---- server settings ---- */

static bool
supported(const struct pc_server *v)
{
    if (v->mariadb) {
        return v->major == 10 || v->major == 11;
    }
    return (v->major == 5 && (v->minor == 6 || v->minor == 7)) ||
           (v->major == 8 && v->minor <= 4);
}

static const char *
flavor(const struct pc_server *v)
{
    return v->mariadb ? "MariaDB" : "MySQL";
}

void
pc_check_version(struct precheck *p, struct pc_side *s)
{
    char cause[512];

    if (!supported(&s->srv)) {
        pc_set(p, s->source ? PC_SOURCE_VERSION : PC_DEST_VERSION,
               PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "the %s %s runs %s %s, which "
                      "tandem does not support", s->source ? "source" :
                      "destination", s->peer, flavor(&s->srv),
                      s->srv.version),
               "use MySQL 5.6-8.4 or MariaDB 10.x-11.x");
        return;
    }
    if (s->source) {
        pc_pass(p, PC_SOURCE_VERSION);
    }
    /* the destination's is judged beside the source's: pc_check_joined */
}

static bool
is_on(const char *v)
{
    return strcmp(v, "1") == 0 || strcasecmp(v, "ON") == 0;
}

/* The start point against the source's flavor; the rest needs queries. */
static void
check_start_kind(struct precheck *p)
{
    const struct task_start *st = &p->spec->start;
    struct gtid_set g;
    const char *why = NULL;
    char cause[768];

    if (p->spec->mode != TASK_MODE_INCREMENTAL || st->kind == TASK_START_NOW) {
        pc_pass(p, PC_START_POSITION);
        return;
    }
    if (st->kind != TASK_START_GTID) {
        return;
    }
    memset(&g, 0, sizeof(g));
    if (gtid_set_parse(&g, st->gtid, p->src.srv.mariadb, &why) != 0) {
        pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "start GTID '%s' does not parse: "
                      "%s", st->gtid, why != NULL ? why : "bad syntax"),
               "fix \"start\" in the task spec");
        return;
    }
    if (g.mariadb != p->src.srv.mariadb) {
        pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "start GTID '%s' is a %s GTID "
                      "but the source %s is %s", st->gtid,
                      g.mariadb ? "MariaDB" : "MySQL", p->src.peer,
                      flavor(&p->src.srv)),
               p->src.srv.mariadb
                   ? "give a MariaDB GTID list such as 0-1-100 (SELECT "
                     "@@gtid_binlog_pos on the source)"
                   : "give a MySQL GTID set such as uuid:1-100 (SELECT "
                     "@@gtid_executed on the source)");
    }
    gtid_set_free(&g);
}

void
pc_check_source_vars(struct precheck *p, const struct myresult *r)
{
    const char *peer = p->src.peer;
    enum precheck_status st = pc_streams(p) ? PRECHECK_FAILED
                                            : PRECHECK_WARNING;
    const char *later = pc_streams(p) ? "" : " (a full copy does not read "
                                             "it; streaming changes would)";
    char v[128], cause[768], fix[512];

    pc_cell(r, 0, 0, v, sizeof(v));
    if (strcmp(v, "0") == 0) {
        pc_set(p, PC_SERVER_ID, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "server_id is 0 on the source "
                      "%s: it refuses replicas", peer),
               "set server_id to a unique nonzero number in the source's "
               "config (and SET GLOBAL server_id = N), then run the "
               "prechecks again");
    } else {
        pc_pass(p, PC_SERVER_ID);
    }
    pc_cell(r, 0, 1, v, sizeof(v));
    if (!is_on(v)) {
        pc_set(p, PC_BINLOG_ENABLED, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "binary logging is off on the "
                      "source %s (log_bin = OFF)", peer),
               "start the source with log_bin, binlog_format=ROW and "
               "binlog_row_image=FULL in its config, then restart it");
        pc_skip(p, PC_BINLOG_FORMAT, PC_BINLOG_ENABLED);
        pc_skip(p, PC_BINLOG_ROW_IMAGE, PC_BINLOG_ENABLED);
        pc_skip(p, PC_START_POSITION, PC_BINLOG_ENABLED);
        return;
    }
    pc_pass(p, PC_BINLOG_ENABLED);
    pc_cell(r, 0, 2, v, sizeof(v));
    if (strcasecmp(v, "ROW") != 0) {
        pc_set(p, PC_BINLOG_FORMAT, st,
               pc_fmt(cause, sizeof(cause), "binlog_format is %s on the "
                      "source %s: tandem reads row events only%s",
                      v[0] ? v : "unknown", peer, later),
               pc_fmt(fix, sizeof(fix), "SET GLOBAL binlog_format = ROW on "
                      "%s and set binlog_format = ROW in the server's config "
                      "(open sessions keep the old format until they "
                      "reconnect), then run the prechecks again", peer));
    } else {
        pc_pass(p, PC_BINLOG_FORMAT);
    }
    pc_cell(r, 0, 3, v, sizeof(v));
    if (strcasecmp(v, "FULL") != 0) {
        pc_set(p, PC_BINLOG_ROW_IMAGE, st,
               pc_fmt(cause, sizeof(cause), "binlog_row_image is %s on the "
                      "source %s: row events lack the columns a change did "
                      "not touch%s", v[0] ? v : "unknown", peer, later),
               pc_fmt(fix, sizeof(fix), "SET GLOBAL binlog_row_image = FULL "
                      "on %s and set binlog_row_image = FULL in the server's "
                      "config, then run the prechecks again", peer));
    } else {
        pc_pass(p, PC_BINLOG_ROW_IMAGE);
    }
    check_start_kind(p);
}

/* ---- the start point ---- */

void
pc_check_binlog_file(struct precheck *p, const struct myresult *r,
                     bool *need_events)
{
    const struct task_start *st = &p->spec->start;
    char name[512], size[32], first[512], last[512], cause[1400], fix[768];
    size_t i;

    *need_events = false;
    first[0] = last[0] = '\0';
    for (i = 0; r != NULL && i < r->nrows; i++) {
        pc_cell(r, i, 0, name, sizeof(name));
        if (i == 0) {
            snprintf(first, sizeof(first), "%s", name);
        }
        snprintf(last, sizeof(last), "%s", name);
        if (strcmp(name, st->file) != 0) {
            continue;
        }
        pc_cell(r, i, 1, size, sizeof(size));
        if (st->pos > strtoull(size, NULL, 10)) {
            pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
                   pc_fmt(cause, sizeof(cause), "start position %s:%" PRIu64
                          " is past the end of that file (%s bytes) on the "
                          "source %s", st->file, st->pos, size, p->src.peer),
                   pc_fmt(fix, sizeof(fix), "give a position inside the file "
                          "(SHOW BINLOG EVENTS IN '%s' lists its events), or "
                          "\"start\": \"now\"", st->file));
            return;
        }
        *need_events = st->pos < strtoull(size, NULL, 10);
        return;
    }
    pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
           pc_fmt(cause, sizeof(cause), "start file %s is not among the "
                  "binlog files of the source %s (%s%s%s): purged, or never "
                  "written", st->file, p->src.peer,
                  first[0] ? first : "none", first[0] ? " .. " : "", last),
           "start from a file SHOW BINARY LOGS lists, from \"now\", or copy "
           "the tables again with mode \"full+incremental\"");
}

void
pc_check_gtid_maria(struct precheck *p, const struct myresult *r)
{
    const char *peer = p->src.peer;
    struct gtid_set want, cur, purged;
    const char *why = NULL;
    char buf[4096], cause[1400];
    const char *fix = "give a GTID position the source still has (SELECT "
                      "@@gtid_binlog_pos), \"start\": \"now\", or copy the "
                      "tables again with mode \"full+incremental\"";
    size_t i, j;

    memset(&want, 0, sizeof(want));
    memset(&cur, 0, sizeof(cur));
    memset(&purged, 0, sizeof(purged));
    if (gtid_set_parse(&want, p->spec->start.gtid, true, &why) != 0 ||
        gtid_set_parse(&cur, pc_cell(r, 0, 0, buf, sizeof(buf)), true,
                       &why) != 0 ||
        gtid_set_parse(&purged, pc_cell(r, 0, 1, buf, sizeof(buf)), true,
                       &why) != 0) {
        pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "cannot compare the start GTID "
                      "with the source %s's binlog: %s", peer,
                      why != NULL ? why : "out of memory"),
               fix);
        goto out;
    }
    /* every domain the oldest binlog starts inside of must be resumed at
     * or after the point where that binlog begins */
    for (i = 0; i < purged.n_doms; i++) {
        const struct gtid_maria *g = &purged.doms[i];

        for (j = 0; j < want.n_doms && want.doms[j].domain != g->domain;
             j++) {
        }
        if (j == want.n_doms || want.doms[j].seq < g->seq) {
            pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
                   pc_fmt(cause, sizeof(cause), "the source %s has purged "
                          "the binlogs of domain %u up to %u-%u-%" PRIu64
                          " and the start GTID '%s' needs older ones", peer,
                          g->domain, g->domain, g->server, g->seq,
                          p->spec->start.gtid),
                   fix);
            goto out;
        }
    }
    for (i = 0; i < want.n_doms; i++) {
        const struct gtid_maria *g = &want.doms[i];

        for (j = 0; j < cur.n_doms && cur.doms[j].domain != g->domain; j++) {
        }
        if (j == cur.n_doms || cur.doms[j].seq < g->seq) {
            pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
                   pc_fmt(cause, sizeof(cause), "start GTID %u-%u-%" PRIu64
                          " is ahead of the binlog of the source %s "
                          "(gtid_binlog_pos '%s')", g->domain, g->server,
                          g->seq, peer, pc_cell(r, 0, 0, buf, sizeof(buf))),
                   fix);
            goto out;
        }
    }
    pc_pass(p, PC_START_POSITION);
out:
    gtid_set_free(&want);
    gtid_set_free(&cur);
    gtid_set_free(&purged);
}

void
pc_check_gtid_mysql(struct precheck *p, const struct myresult *r)
{
    const char *fix = "give a GTID set the source can still send (one that "
                      "contains @@gtid_purged), \"start\": \"now\", or copy "
                      "the tables again with mode \"full+incremental\"";
    char a[8], b[8], purged[2048], cause[3000];

    pc_cell(r, 0, 0, a, sizeof(a));
    pc_cell(r, 0, 1, b, sizeof(b));
    pc_cell(r, 0, 2, purged, sizeof(purged));
    if (strcmp(a, "1") != 0) {
        pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "the source %s has purged "
                      "transactions the start GTID set lacks (gtid_purged "
                      "'%s')", p->src.peer, purged),
               fix);
    } else if (strcmp(b, "1") != 0) {
        pc_set(p, PC_START_POSITION, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "the start GTID set holds "
                      "transactions the source %s never executed (not in "
                      "@@gtid_executed; is gtid_mode ON?)", p->src.peer),
               fix);
    } else {
        pc_pass(p, PC_START_POSITION);
    }
}

/* ---- the selected tables ---- */

static bool
base_table(const char *type)
{
    return strcmp(type, "BASE TABLE") == 0 ||
           strcmp(type, "SYSTEM VERSIONED") == 0;   /* MariaDB */
}

enum engine_class { ENGINE_OK = 0, ENGINE_WARN, ENGINE_FAIL };

static enum engine_class
engine_class(const char *e)
{
    static const char *const fail[] = {
        "BLACKHOLE", "FEDERATED", "FEDERATEDX", "MRG_MyISAM", "MRG_MYISAM",
        "MERGE", "SPIDER", "CONNECT", "TokuDB",
    };
    size_t i;

    if (strcasecmp(e, "InnoDB") == 0) {
        return ENGINE_OK;
    }
    for (i = 0; i < sizeof(fail) / sizeof(fail[0]); i++) {
        if (strcasecmp(e, fail[i]) == 0) {
            return ENGINE_FAIL;
        }
    }
    return ENGINE_WARN;
}

static void
check_engines(struct precheck *p)
{
    struct pc_list bad, warn;
    bool memory = false;
    char cause[1400];
    size_t i;

    memset(&bad, 0, sizeof(bad));
    memset(&warn, 0, sizeof(warn));
    for (i = 0; i < p->tabs.n; i++) {
        const struct pc_pair *t = &p->tabs.v[i];
        const char *e = t->extra != NULL ? t->extra : "";

        switch (engine_class(e)) {
        case ENGINE_FAIL:
            pc_list_add(&bad, "`%s`.`%s` (%s)", t->db, t->table, e);
            break;
        case ENGINE_WARN:
            memory = memory || strcasecmp(e, "MEMORY") == 0;
            pc_list_add(&warn, "`%s`.`%s` (%s)", t->db, t->table,
                     e[0] ? e : "no engine");
            break;
        case ENGINE_OK:
        default:
            break;
        }
    }
    if (bad.n > 0) {
        pc_set(p, PC_STORAGE_ENGINES, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "selected tables on the source "
                      "%s use engines whose rows tandem cannot copy or "
                      "replay: %s", p->src.peer, pc_list_text(&bad)),
               "convert them to InnoDB (ALTER TABLE ... ENGINE = InnoDB) or "
               "remove them from \"objects\"");
    } else if (warn.n > 0) {
        pc_set(p, PC_STORAGE_ENGINES, PRECHECK_WARNING,
               pc_fmt(cause, sizeof(cause), "selected tables on the source "
                      "%s are not transactional: %s; a copy of them is not "
                      "consistent, a crash may apply part of a statement%s",
                      p->src.peer, pc_list_text(&warn),
                      memory ? ", and MEMORY tables lose their rows at a "
                      "restart" : ""),
               "convert them to InnoDB (ALTER TABLE ... ENGINE = InnoDB)");
    } else {
        pc_pass(p, PC_STORAGE_ENGINES);
    }
}

void
pc_check_objects(struct precheck *p, const struct myresult *r)
{
    const struct task_spec *sp = p->spec;
    struct pc_pairs other;
    struct pc_list l;
    bool only_missing = true;
    char db[256], name[256], type[64], engine[64], cause[1400];
    size_t i, j;

    memset(&other, 0, sizeof(other));
    memset(&l, 0, sizeof(l));
    for (i = 0; r != NULL && i < r->nrows; i++) {
        const struct task_object *o;

        pc_cell(r, i, 0, db, sizeof(db));
        pc_cell(r, i, 1, name, sizeof(name));
        pc_cell(r, i, 2, type, sizeof(type));
        pc_cell(r, i, 3, engine, sizeof(engine));
        if (task_spec_find_table(sp, db, name, &o) == NULL &&
            (o == NULL || !o->whole_db)) {
            continue;                    /* not selected */
        }
        if (base_table(type)) {
            pc_pairs_add(&p->tabs, db, strlen(db), name, strlen(name),
                         engine, strlen(engine));
        } else if (!o->whole_db) {
            pc_pairs_add(&other, db, strlen(db), name, strlen(name), type,
                         strlen(type));
        }
    }
    pc_pairs_sort(&p->tabs);
    pc_pairs_sort(&other);
    p->tabs_known = !p->tabs.failed;
    for (i = 0; i < sp->nobjects; i++) {
        const struct task_object *o = &sp->objects[i];
        const struct pc_pair *x;

        if (pc_pairs_find(&p->src_dbs, o->db, "") == NULL) {
            pc_list_add(&l, "database `%s` does not exist", o->db);
            continue;
        }
        for (j = 0; j < o->ntables; j++) {
            if (pc_pairs_find(&p->tabs, o->db, o->tables[j].name) != NULL) {
                continue;
            }
            x = pc_pairs_find(&other, o->db, o->tables[j].name);
            if (x != NULL) {
                only_missing = false;
                pc_list_add(&l, "`%s`.`%s` is a %s, not a base table", o->db,
                         o->tables[j].name, x->extra);
            } else {
                pc_list_add(&l, "table `%s`.`%s` does not exist", o->db,
                         o->tables[j].name);
            }
        }
    }
    pc_pairs_free(&other);
    if (l.n == 0) {
        pc_pass(p, PC_SOURCE_OBJECTS);
    } else if (only_missing && p->set[PC_SOURCE_PRIVILEGES] &&
               p->items[PC_SOURCE_PRIVILEGES].status == PRECHECK_FAILED) {
        /* information_schema hides what the account may not read */
        pc_skip(p, PC_SOURCE_OBJECTS, PC_SOURCE_PRIVILEGES);
    } else {
        pc_set(p, PC_SOURCE_OBJECTS, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "on the source %s: %s",
                      p->src.peer, pc_list_text(&l)),
               "create them at the source or remove them from \"objects\" "
               "in the task spec (views are not replicated)");
    }
    check_engines(p);
}

/* Character set name (information_schema) to ours; MYCS_UNKNOWN if none. */
static enum mysql_charset
charset_by_name(const char *name)
{
    unsigned i;

    if (strcasecmp(name, "utf8") == 0) {
        return MYCS_UTF8MB3;      /* MySQL 5.x, MariaDB before 10.6 */
    }
    for (i = 1; i < MYCS_COUNT; i++) {
        if (strcasecmp(name, mysql_charset_name((enum mysql_charset)i)) ==
            0) {
            return (enum mysql_charset)i;
        }
    }
    return MYCS_UNKNOWN;
}

void
pc_check_charsets(struct precheck *p, const struct myresult *r)
{
    struct pc_list l;
    char db[256], name[256], cs[64], cause[1400];
    size_t i;

    memset(&l, 0, sizeof(l));
    for (i = 0; r != NULL && i < r->nrows; i++) {
        pc_cell(r, i, 0, db, sizeof(db));
        pc_cell(r, i, 1, name, sizeof(name));
        pc_cell(r, i, 2, cs, sizeof(cs));
        if (pc_pairs_find(&p->tabs, db, name) != NULL &&
            charset_by_name(cs) == MYCS_UNKNOWN) {
            pc_list_add(&l, "`%s`.`%s` (%s)", db, name, cs);
        }
    }
    if (l.n == 0) {
        pc_pass(p, PC_CHARSETS);
        return;
    }
    pc_set(p, PC_CHARSETS, PRECHECK_FAILED,
           pc_fmt(cause, sizeof(cause), "selected tables on the source %s "
                  "have columns in character sets tandem cannot convert: %s",
                  p->src.peer, pc_list_text(&l)),
           "convert the columns to utf8mb4 (ALTER TABLE ... CONVERT TO "
           "CHARACTER SET utf8mb4) or remove the tables from \"objects\"");
}

void
pc_check_foreign_keys(struct precheck *p, const struct myresult *r)
{
    struct pc_list l;
    char db[256], name[256], fk[256], pdb[256], ptab[256], cause[1400];
    size_t i;

    memset(&l, 0, sizeof(l));
    for (i = 0; r != NULL && i < r->nrows; i++) {
        pc_cell(r, i, 0, db, sizeof(db));
        pc_cell(r, i, 1, name, sizeof(name));
        pc_cell(r, i, 2, fk, sizeof(fk));
        pc_cell(r, i, 3, pdb, sizeof(pdb));
        pc_cell(r, i, 4, ptab, sizeof(ptab));
        if (pc_pairs_find(&p->tabs, db, name) != NULL &&
            pc_pairs_find(&p->tabs, pdb, ptab) == NULL) {
            pc_list_add(&l, "`%s`.`%s` (%s) -> `%s`.`%s`", db, name, fk, pdb,
                     ptab);
        }
    }
    if (l.n == 0) {
        pc_pass(p, PC_FOREIGN_KEYS);
        return;
    }
    pc_set(p, PC_FOREIGN_KEYS,
           pc_full(p) ? PRECHECK_FAILED : PRECHECK_WARNING,
           pc_fmt(cause, sizeof(cause), "foreign keys of selected tables on "
                  "the source %s point at tables not selected: %s%s",
                  p->src.peer, pc_list_text(&l),
                  pc_full(p) ? "" : " (changes apply with foreign_key_checks"
                  " = 0; the parents at the destination are not kept in "
                  "step)"),
           "add the parent tables to \"objects\", remove the child tables, "
           "or drop those foreign keys");
}

void
pc_check_keys(struct precheck *p, const struct myresult *r)
{
    struct pc_list l;
    char db[256], name[256], nulls[32], cause[1400], fix[768];
    size_t i;

    memset(&l, 0, sizeof(l));
    for (i = 0; r != NULL && i < r->nrows; i++) {
        if (strcmp(pc_cell(r, i, 3, nulls, sizeof(nulls)), "0") != 0) {
            continue;            /* a unique key with a nullable column */
        }
        pc_cell(r, i, 0, db, sizeof(db));
        pc_cell(r, i, 1, name, sizeof(name));
        pc_pairs_add(&p->keyed, db, strlen(db), name, strlen(name), NULL, 0);
    }
    pc_pairs_sort(&p->keyed);
    fix[0] = '\0';
    for (i = 0; i < p->tabs.n; i++) {
        const struct pc_pair *t = &p->tabs.v[i];

        if (pc_pairs_find(&p->keyed, t->db, t->table) == NULL) {
            if (l.n == 0) {
                snprintf(fix, sizeof(fix), "add a primary key (ALTER TABLE "
                         "`%s`.`%s` ADD PRIMARY KEY (...)) to each",
                         t->db, t->table);
            }
            pc_list_add(&l, "`%s`.`%s`", t->db, t->table);
        }
    }
    if (l.n == 0) {
        pc_pass(p, PC_PRIMARY_KEYS);
        return;
    }
    pc_set(p, PC_PRIMARY_KEYS, PRECHECK_WARNING,
           pc_fmt(cause, sizeof(cause), "selected tables on the source %s "
                  "have no primary key nor a unique key of NOT NULL "
                  "columns: %s; their rows are matched by every column, more "
                  "slowly, and identical rows cannot be told apart",
                  p->src.peer, pc_list_text(&l)),
           fix);
}

/* ---- items that join both sides ---- */

/* The item to blame when the source's tables are unknown. */
static enum pc_item
src_because(const struct precheck *p)
{
    return p->src.dead != PC_ITEM_COUNT ? p->src.dead : PC_SOURCE_OBJECTS;
}

static enum pc_item
dst_because(const struct precheck *p)
{
    return p->dst.dead != PC_ITEM_COUNT ? p->dst.dead : PC_DEST_DATABASES;
}

/*
 * The destination tables the task writes, into <out> (db, table, extra =
 * "sourcedb.table"), sorted.  False when the source's table list is needed
 * (whole databases) and unknown.
 */
static bool
dest_tables(const struct precheck *p, struct pc_pairs *out)
{
    const struct task_spec *sp = p->spec;
    char src[600];
    size_t i, j;

    if (p->tabs_known) {
        for (i = 0; i < p->tabs.n; i++) {
            const struct pc_pair *t = &p->tabs.v[i];
            const char *ddb = task_spec_map_db(sp, t->db);
            const char *dt = task_spec_map_table(sp, t->db, t->table);

            if (ddb == NULL || dt == NULL) {
                continue;
            }
            snprintf(src, sizeof(src), "%s.%s", t->db, t->table);
            pc_pairs_add(out, ddb, strlen(ddb), dt, strlen(dt), src,
                         strlen(src));
        }
        pc_pairs_sort(out);
        return true;
    }
    for (i = 0; i < sp->nobjects; i++) {
        const struct task_object *o = &sp->objects[i];

        if (o->whole_db) {
            return false;
        }
        for (j = 0; j < o->ntables; j++) {
            snprintf(src, sizeof(src), "%s.%s", o->db, o->tables[j].name);
            pc_pairs_add(out, o->as, strlen(o->as), o->tables[j].as,
                         strlen(o->tables[j].as), src, strlen(src));
        }
    }
    pc_pairs_sort(out);
    return true;
}

static void
check_dest_version(struct precheck *p)
{
    const struct pc_server *s = &p->src.srv, *d = &p->dst.srv;
    char cause[768];

    if (!d->known || p->set[PC_DEST_VERSION]) {
        return;
    }
    if (s->known && s->mariadb != d->mariadb) {
        pc_set(p, PC_DEST_VERSION, PRECHECK_WARNING,
               pc_fmt(cause, sizeof(cause), "the source %s runs %s %s and "
                      "the destination %s runs %s %s: types and DDL that "
                      "only one of them knows fail to apply", p->src.peer,
                      flavor(s), s->version, p->dst.peer, flavor(d),
                      d->version),
               "use the same server on both sides, or check that the "
               "selected tables use types both know");
    } else if (s->known && (d->major < s->major ||
                            (d->major == s->major && d->minor < s->minor))) {
        pc_set(p, PC_DEST_VERSION, PRECHECK_WARNING,
               pc_fmt(cause, sizeof(cause), "the destination %s runs %s %s, "
                      "older than the source %s (%s): types, collations and "
                      "DDL new in %u.%u fail to apply", p->dst.peer,
                      flavor(d), d->version, p->src.peer, s->version,
                      s->major, s->minor),
               "use a destination of the source's version or newer");
    } else {
        pc_pass(p, PC_DEST_VERSION);
    }
}

static void
check_conflicts(struct precheck *p, struct pc_pairs *want, bool want_known)
{
    struct pc_list l;
    char cause[1400];
    size_t i;

    if (!pc_full(p) || p->spec->existing_tables != TASK_EXISTING_INTERCEPT) {
        pc_pass(p, PC_SCHEMA_CONFLICTS);
        return;
    }
    if (!p->dst_known) {
        pc_skip(p, PC_SCHEMA_CONFLICTS, dst_because(p));
        return;
    }
    if (p->resuming) {
        pc_pass(p, PC_SCHEMA_CONFLICTS);
        return;
    }
    if (!want_known) {
        pc_skip(p, PC_SCHEMA_CONFLICTS, src_because(p));
        return;
    }
    memset(&l, 0, sizeof(l));
    for (i = 0; i < want->n; i++) {
        if (pc_pairs_find(&p->dst_tabs, want->v[i].db, want->v[i].table) !=
            NULL) {
            pc_list_add(&l, "`%s`.`%s`", want->v[i].db, want->v[i].table);
        }
    }
    if (l.n == 0) {
        pc_pass(p, PC_SCHEMA_CONFLICTS);
        return;
    }
    pc_set(p, PC_SCHEMA_CONFLICTS, PRECHECK_FAILED,
           pc_fmt(cause, sizeof(cause), "destination tables already exist "
                  "on %s and \"existing_tables\" is \"intercept\": %s",
                  p->dst.peer, pc_list_text(&l)),
           "drop or rename them, map the tables to other names (\"as\"), or "
           "set \"existing_tables\" to \"ignore\" or \"clear\"");
}

static void
check_dest_databases(struct precheck *p, struct pc_pairs *want,
                     bool want_known)
{
    const struct task_spec *sp = p->spec;
    bool need_tables = sp->mode == TASK_MODE_INCREMENTAL || !sp->schema_sync;
    bool priv_failed = p->set[PC_DEST_PRIVILEGES] &&
                       p->items[PC_DEST_PRIVILEGES].status == PRECHECK_FAILED;
    struct pc_list l;
    char cause[1400];
    size_t i;

    if (!p->dst_known) {
        pc_skip(p, PC_DEST_DATABASES, dst_because(p));
        return;
    }
    memset(&l, 0, sizeof(l));
    for (i = 0; i < sp->nobjects; i++) {
        const char *db = sp->objects[i].as;

        if (pc_pairs_find(&p->dst_dbs, db, "") != NULL) {
            continue;
        }
        if (need_tables) {
            pc_list_add(&l, "database `%s` does not exist", db);
        } else if (!p->dst.grants_known ||
                   pc_grants_have(&p->dst.grants, PC_PRIV_CREATE, db,
                                  NULL) == 0) {
            pc_list_add(&l, "database `%s` does not exist and the account "
                     "cannot create it", db);
        }
    }
    for (i = 0; need_tables && want_known && i < want->n; i++) {
        const struct pc_pair *t = &want->v[i];

        if (pc_pairs_find(&p->dst_dbs, t->db, "") != NULL &&
            pc_pairs_find(&p->dst_tabs, t->db, t->table) == NULL) {
            pc_list_add(&l, "table `%s`.`%s` (for %s) does not exist", t->db,
                     t->table, t->extra != NULL ? t->extra : "?");
        }
    }
    if (l.n > 0 && priv_failed) {
        /* information_schema hides what the account may not read, and
         * what it may not create is dest_privileges' finding */
        pc_skip(p, PC_DEST_DATABASES, PC_DEST_PRIVILEGES);
    } else if (l.n > 0) {
        pc_set(p, PC_DEST_DATABASES, PRECHECK_FAILED,
               pc_fmt(cause, sizeof(cause), "on the destination %s: %s",
                      p->dst.peer, pc_list_text(&l)),
               need_tables && sp->mode == TASK_MODE_INCREMENTAL
                   ? "create them before incremental sync (mode "
                     "\"full+incremental\" copies and creates them)"
                   : need_tables
                   ? "create them, or set \"schema_sync\" to true"
                   : "create the databases, or GRANT CREATE on them to the "
                     "destination account");
    } else if (need_tables && !want_known) {
        pc_skip(p, PC_DEST_DATABASES, src_because(p));
    } else {
        pc_pass(p, PC_DEST_DATABASES);
    }
}

void
pc_check_joined(struct precheck *p)
{
    struct pc_pairs want;
    bool known;

    memset(&want, 0, sizeof(want));
    check_dest_version(p);
    known = dest_tables(p, &want) && !want.failed;
    check_conflicts(p, &want, known);
    check_dest_databases(p, &want, known);
    pc_pairs_free(&want);
}
