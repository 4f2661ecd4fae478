/*
 * precheck_int.h - what the prechecks' files share: precheck.c (life
 * cycle, connections, report), precheck_chain.c (each side's queries),
 * precheck_items.c (verdicts) and precheck_grants.c (names, SHOW GRANTS,
 * privileges); precheck_redis.c runs a Redis task's prechecks instead and
 * shares only the life cycle and the report's text helpers.  Not for
 * other modules: see precheck.h.
 */
#ifndef TANDEM_TASK_PRECHECK_INT_H
#define TANDEM_TASK_PRECHECK_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/core/url.h"
#include "src/source/myconn.h"
#include "src/task/precheck.h"

struct event;
struct pc_redis;

/* X(enum suffix, item string), in report order. */
#define PC_ITEMS(X)                             \
    X(SOURCE_CONNECT, "source_connect")         \
    X(SOURCE_AUTH, "source_auth")               \
    X(SOURCE_VERSION, "source_version")         \
    X(SOURCE_PRIVILEGES, "source_privileges")   \
    X(DEST_CONNECT, "dest_connect")             \
    X(DEST_AUTH, "dest_auth")                   \
    X(DEST_VERSION, "dest_version")             \
    X(DEST_PRIVILEGES, "dest_privileges")       \
    X(BINLOG_ENABLED, "binlog_enabled")         \
    X(BINLOG_FORMAT, "binlog_format")           \
    X(BINLOG_ROW_IMAGE, "binlog_row_image")     \
    X(SERVER_ID, "server_id")                   \
    X(START_POSITION, "start_position")         \
    X(SOURCE_OBJECTS, "source_objects")         \
    X(STORAGE_ENGINES, "storage_engines")       \
    X(CHARSETS, "charsets")                     \
    X(SCHEMA_CONFLICTS, "schema_conflicts")     \
    X(FOREIGN_KEYS, "foreign_keys")             \
    X(PRIMARY_KEYS, "primary_keys")             \
    X(DEST_DATABASES, "dest_databases")         \
    X(DEST_READ_ONLY, "dest_read_only")

#define PC_ITEM_ENUM_(name, text) PC_##name,
enum pc_item {
    PC_ITEMS(PC_ITEM_ENUM_)
    PC_ITEM_COUNT       /* sentinel */
};
#undef PC_ITEM_ENUM_

const char *pc_item_name(enum pc_item id);

/* Names a cause lists before "and N more". */
#define PC_LIST_MAX 3

/* A list of names for a cause: the first PC_LIST_MAX, then a count.
 * Zeroed: empty, separated by ", ". */
struct pc_list {
    char text[1024];    /* "`a`.`b`, `a`.`c`" */
    size_t n;           /* names added, shown or not */
    const char *sep;    /* between names; NULL: ", " */
};

/* Adds a printf-formatted name (kept when among the first PC_LIST_MAX). */
void pc_list_add(struct pc_list *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The names, with " and N more" when some were left out (added once). */
const char *pc_list_text(struct pc_list *l);

/* Privileges the checks look for, as bits (named as GRANT names them). */
enum {
    PC_PRIV_SELECT = 1u << 0,
    PC_PRIV_INSERT = 1u << 1,
    PC_PRIV_UPDATE = 1u << 2,
    PC_PRIV_DELETE = 1u << 3,
    PC_PRIV_CREATE = 1u << 4,
    PC_PRIV_DROP = 1u << 5,
    PC_PRIV_ALTER = 1u << 6,
    PC_PRIV_INDEX = 1u << 7,
    PC_PRIV_RELOAD = 1u << 8,
    PC_PRIV_SUPER = 1u << 9,
    PC_PRIV_REPL_SLAVE = 1u << 10,   /* REPLICATION SLAVE / REPLICA */
    PC_PRIV_REPL_CLIENT = 1u << 11,  /* REPLICATION CLIENT, BINLOG MONITOR */
    PC_PRIV_ALL = (1u << 12) - 1     /* ALL PRIVILEGES */
};

/* One GRANT line's scope and privileges (global ones go to ->global). */
struct pc_grant {
    char *db;           /* owned; a LIKE pattern (`_`, `%`, `\` escapes) */
    char *table;        /* owned; NULL for db.* */
    uint32_t privs;     /* PC_PRIV_* bits */
};

/* An account's grants as SHOW GRANTS prints them. */
struct pc_grants {
    uint32_t global;        /* privileges on *.* */
    struct pc_grant *v;     /* owned; database and table grants */
    size_t n;               /* entries in v */
    size_t cap;             /* allocated entries */
    bool failed;            /* out of memory while adding */
};

/* Reads one SHOW GRANTS row (<len> bytes at <line>) into <g>: GRANT ...
 * ON *.* | db.* | db.table; other lines (roles, PROXY, routines, SET
 * DEFAULT ROLE, REVOKE) are skipped.  Out of memory sets g->failed. */
void pc_grants_add_line(struct pc_grants *g, const char *line, size_t len);
/* The bits of <want> the grants give on <db> (NULL: *.* only) and, when
 * not NULL, <table> of it. */
uint32_t pc_grants_have(const struct pc_grants *g, uint32_t want,
                        const char *db, const char *table);
void pc_grants_free(struct pc_grants *g);
/* "SELECT, INSERT" for the bits of <privs> into <out>; REPLICATION CLIENT
 * is named BINLOG MONITOR when <binlog_monitor> (MariaDB 10.5+). */
void pc_priv_names(uint32_t privs, bool binlog_monitor, char *out,
                   size_t outlen);

/* A (database, table) name pair. */
struct pc_pair {
    char *db;       /* owned */
    char *table;    /* owned; may be "" for a set of databases */
    char *extra;    /* owned or NULL: engine, destination names... */
};

/* A set of pairs: add, then sort once, then look up. */
struct pc_pairs {
    struct pc_pair *v;  /* owned */
    size_t n;           /* entries */
    size_t cap;         /* allocated */
    bool failed;        /* out of memory while adding */
};

/* Adds (<db>, <table>) with <extra> (NULL: none), copied; out of memory
 * sets s->failed. */
void pc_pairs_add(struct pc_pairs *s, const char *db, size_t dblen,
                  const char *table, size_t tlen, const char *extra,
                  size_t elen);
void pc_pairs_sort(struct pc_pairs *s);
/* The pair, after pc_pairs_sort(); NULL when absent. */
const struct pc_pair *pc_pairs_find(const struct pc_pairs *s,
                                    const char *db, const char *table);
void pc_pairs_free(struct pc_pairs *s);

/* Server facts of one side. */
struct pc_server {
    bool known;          /* logged in: the fields below are set */
    bool mariadb;        /* MariaDB rather than MySQL */
    unsigned major;      /* version numbers from the greeting */
    unsigned minor;      /* ... */
    char version[64];    /* "10.11.6-MariaDB" */
    char account[400];   /* CURRENT_USER() as 'user'@'host' */
};

/* One server's connection and its query chain. */
struct pc_side {
    struct precheck *p;       /* owner */
    bool source;              /* the source side, else the destination */
    struct url url;           /* parsed URL (password never printed) */
    char peer[300];           /* "host:port" for messages */
    char ctx[200];            /* log prefix */
    struct myconn *conn;      /* while the chain runs */
    struct event *deadline;   /* bounds the way to a logged-in session */
    unsigned step;            /* query of the chain being run */
    enum pc_item checking;    /* the item that query serves */
    struct pbuf q;            /* the query's text */
    bool done;                /* the chain ended (well or not) */
    enum pc_item dead;        /* the item whose failure stopped the chain
                                 (PC_ITEM_COUNT: none) */
    struct pc_server srv;     /* facts once logged in */
    struct pc_grants grants;  /* the account's grants */
    bool grants_known;        /* SHOW GRANTS answered */
};

struct precheck {
    struct event_base *base;       /* loop (borrowed) */
    struct evdns_base *dns;        /* resolver (borrowed) */
    const struct task_spec *spec;  /* the task (borrowed) */
    precheck_done_cb done;         /* called once at the end */
    void *arg;                     /* its argument */
    struct event *finish;          /* runs done from the loop */
    bool finished;                 /* the report is complete */
    struct pc_side src;            /* the source */
    struct pc_side dst;            /* the destination */
    struct precheck_item items[PC_ITEM_COUNT]; /* the report's items */
    bool set[PC_ITEM_COUNT];       /* items[i] has its verdict */
    struct precheck_report report; /* points at items */

    /* source facts */
    char *oldest_binlog;           /* first file of SHOW BINARY LOGS */
    struct pc_pairs src_dbs;       /* selected databases that exist
                                      (table "") */
    struct pc_pairs tabs;          /* the selected tables at the source
                                      (extra: ENGINE), sorted */
    bool tabs_known;               /* tabs holds the source's answer */
    struct pc_pairs keyed;         /* tables with a PK or NOT NULL unique
                                      key, sorted */

    /* destination facts */
    struct pc_pairs dst_dbs;       /* existing destination databases */
    struct pc_pairs dst_tabs;      /* existing destination tables */
    bool dst_known;                /* both hold the destination's answer */
    bool resuming;                 /* tandem.copy: this task's copy was
                                      interrupted, its tables are its own */
    bool dst_read_only;            /* @@read_only or @@super_read_only */
    char dst_ro_name[32];          /* which of the two */

    struct pc_redis *redis;        /* a Redis task's prechecks (owned), in
                                      place of everything above but base,
                                      dns, spec, done, arg and finish;
                                      NULL for MySQL */
};

/* A copy of <s> fit for a one-line JSON string (ill-formed UTF-8 bytes
 * become '?', control characters a space); a shared empty string for ""
 * or NULL, and when out of memory.  Free with pc_text_free(). */
char *pc_text_dup(const char *s);
void pc_text_free(char *s);

/*
 * A Redis task's prechecks (precheck_redis.c).  pc_redis_start() starts
 * them for p->spec on p->base; when every item is known it points
 * p->report at its items, sets p->finished and activates p->finish (so
 * done() runs from the loop).  Returns 0, or -1 when out of memory
 * (nothing runs then).  pc_redis_free() stops them and frees their
 * report; NULL is a no-op.
 */
int pc_redis_start(struct precheck *p);
void pc_redis_free(struct pc_redis *r);

/* Sets item <id> once (later calls for the same item are ignored):
 * <cause> and <fix> are copied ("" when passed). */
void pc_set(struct precheck *p, enum pc_item id, enum precheck_status st,
            const char *cause, const char *fix);
/* Passed. */
void pc_pass(struct precheck *p, enum pc_item id);
/* A warning "not checked because <because> failed". */
void pc_skip(struct precheck *p, enum pc_item id, enum pc_item because);
/* printf into <buf>; returns <buf>. */
char *pc_fmt(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Cell <col> of row <row> as a NUL-terminated copy in <buf> ("" for NULL
 * or out of range); returns <buf>. */
const char *pc_cell(const struct myresult *r, size_t row, unsigned col,
                    char *buf, size_t len);
/* True when the cell is SQL NULL or missing. */
bool pc_null(const struct myresult *r, size_t row, unsigned col);

/* The chains (precheck_chain.c): the end of side <s>'s steps; the item
 * its current step serves; the step's query into s->q (false: nothing to
 * ask); the step's answer <r> or server error <err> read. */
unsigned pc_chain_end(const struct pc_side *s);
enum pc_item pc_chain_item(const struct pc_side *s);
bool pc_chain_query(struct precheck *p, struct pc_side *s);
void pc_chain_result(struct precheck *p, struct pc_side *s,
                     const struct myresult *r, const char *err);

/* Item verdicts from query answers (precheck_items.c). */
void pc_check_version(struct precheck *p, struct pc_side *s);
void pc_check_source_vars(struct precheck *p, const struct myresult *r);
void pc_check_source_grants(struct precheck *p);
void pc_check_dest_grants(struct precheck *p);
void pc_check_binlog_file(struct precheck *p, const struct myresult *r,
                          bool *need_events);
void pc_check_gtid_maria(struct precheck *p, const struct myresult *r);
void pc_check_gtid_mysql(struct precheck *p, const struct myresult *r);
void pc_check_objects(struct precheck *p, const struct myresult *r);
void pc_check_charsets(struct precheck *p, const struct myresult *r);
void pc_check_foreign_keys(struct precheck *p, const struct myresult *r);
void pc_check_keys(struct precheck *p, const struct myresult *r);
/* The items that join both sides, once both chains ended. */
void pc_check_joined(struct precheck *p);

/* True when the task copies tables (modes full and full+incremental). */
bool pc_full(const struct precheck *p);
/* True when the task streams changes (incremental, full+incremental). */
bool pc_streams(const struct precheck *p);

#endif
