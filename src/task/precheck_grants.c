/*
 * precheck_grants.c - what the prechecks know of names and privileges:
 * lists of names for causes, sets of (database, table) pairs, SHOW GRANTS
 * lines read into privilege bits per scope, and the verdicts of
 * source_privileges and dest_privileges (see precheck.h for what each
 * side needs).  Nothing here does I/O.
 *
 * SHOW GRANTS formats read (MySQL 5.6-8.4, MariaDB 10.x-11.x):
 *   GRANT SELECT, REPLICATION SLAVE ON *.* TO `u`@`%` [IDENTIFIED ...]
 *   GRANT ALL PRIVILEGES ON `shop\_%`.* TO 'u'@'%' WITH GRANT OPTION
 *   GRANT SELECT (`id`), UPDATE ON `db`.`t` TO `u`@`%`   (the column
 *                                      grant is not the table's)
 *   GRANT `role` TO `u`@`%`, GRANT PROXY ON ..., GRANT EXECUTE ON
 *   PROCEDURE ..., SET DEFAULT ROLE ..., REVOKE ...      (skipped)
 * A database grant's name is a LIKE pattern (`_`, `%`, `\` escapes), as
 * the servers match it.  MariaDB lists an active role's grants after the
 * user's: they count like the user's own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/task/precheck_int.h"

/* ---- lists of names ---- */

void
pc_list_add(struct pc_list *l, const char *fmt, ...)
{
    size_t len = strlen(l->text);
    va_list ap;

    if (l->n++ >= PC_LIST_MAX || len + 4 >= sizeof(l->text)) {
        return;
    }
    if (len > 0) {
        len += (size_t)snprintf(l->text + len, sizeof(l->text) - len, "%s",
                                l->sep != NULL ? l->sep : ", ");
        if (len >= sizeof(l->text)) {
            return;
        }
    }
    va_start(ap, fmt);
    vsnprintf(l->text + len, sizeof(l->text) - len, fmt, ap);
    va_end(ap);
}

const char *
pc_list_text(struct pc_list *l)
{
    size_t len = strlen(l->text);

    if (l->n > PC_LIST_MAX && len + 32 < sizeof(l->text)) {
        snprintf(l->text + len, sizeof(l->text) - len, " and %zu more",
                 l->n - PC_LIST_MAX);
        l->n = PC_LIST_MAX;     /* once */
    }
    return l->text;
}

/* ---- sets of name pairs ---- */

void
pc_pairs_add(struct pc_pairs *s, const char *db, size_t dblen,
             const char *table, size_t tlen, const char *extra, size_t elen)
{
    struct pc_pair *e;

    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 16;
        struct pc_pair *v = realloc(s->v, cap * sizeof(*v));

        if (v == NULL) {
            s->failed = true;
            return;
        }
        s->v = v;
        s->cap = cap;
    }
    e = &s->v[s->n];
    e->db = strndup(db != NULL ? db : "", db != NULL ? dblen : 0);
    e->table = strndup(table != NULL ? table : "", table != NULL ? tlen : 0);
    e->extra = extra != NULL ? strndup(extra, elen) : NULL;
    if (e->db == NULL || e->table == NULL ||
        (extra != NULL && e->extra == NULL)) {
        free(e->db);
        free(e->table);
        free(e->extra);
        s->failed = true;
        return;
    }
    s->n++;
}

static int
pair_cmp(const void *a, const void *b)
{
    const struct pc_pair *x = a, *y = b;
    int c = strcmp(x->db, y->db);

    return c != 0 ? c : strcmp(x->table, y->table);
}

void
pc_pairs_sort(struct pc_pairs *s)
{
    if (s->n > 1) {
        qsort(s->v, s->n, sizeof(*s->v), pair_cmp);
    }
}

const struct pc_pair *
pc_pairs_find(const struct pc_pairs *s, const char *db, const char *table)
{
    struct pc_pair key;

    if (s->n == 0) {
        return NULL;
    }
    key.db = (char *)db;
    key.table = (char *)table;
    return bsearch(&key, s->v, s->n, sizeof(*s->v), pair_cmp);
}

void
pc_pairs_free(struct pc_pairs *s)
{
    size_t i;

    for (i = 0; i < s->n; i++) {
        free(s->v[i].db);
        free(s->v[i].table);
        free(s->v[i].extra);
    }
    free(s->v);
    memset(s, 0, sizeof(*s));
}

/* ---- SHOW GRANTS ---- */

static const struct {
    const char *name;
    uint32_t bits;
} priv_table[] = {
    {"ALL", PC_PRIV_ALL},
    {"ALL PRIVILEGES", PC_PRIV_ALL},
    {"SELECT", PC_PRIV_SELECT},
    {"INSERT", PC_PRIV_INSERT},
    {"UPDATE", PC_PRIV_UPDATE},
    {"DELETE", PC_PRIV_DELETE},
    {"CREATE", PC_PRIV_CREATE},
    {"DROP", PC_PRIV_DROP},
    {"ALTER", PC_PRIV_ALTER},
    {"INDEX", PC_PRIV_INDEX},
    {"RELOAD", PC_PRIV_RELOAD},
    {"SUPER", PC_PRIV_SUPER},
    {"REPLICATION SLAVE", PC_PRIV_REPL_SLAVE},
    {"REPLICATION REPLICA", PC_PRIV_REPL_SLAVE},     /* MariaDB 10.5.1+ */
    {"REPLICATION CLIENT", PC_PRIV_REPL_CLIENT},
    {"BINLOG MONITOR", PC_PRIV_REPL_CLIENT},         /* MariaDB 10.5.2+ */
};

static uint32_t
priv_bits(const char *s, size_t n)
{
    size_t i;

    while (n > 0 && (*s == ' ')) {
        s++;
        n--;
    }
    while (n > 0 && s[n - 1] == ' ') {
        n--;
    }
    /* "SELECT (`id`)": a column grant, not the table's */
    if (memchr(s, '(', n) != NULL) {
        return 0;
    }
    for (i = 0; i < sizeof(priv_table) / sizeof(priv_table[0]); i++) {
        if (strlen(priv_table[i].name) == n &&
            strncasecmp(priv_table[i].name, s, n) == 0) {
            return priv_table[i].bits;
        }
    }
    return 0;
}

/* Reads an identifier at *pp: `quoted` (`` for a backquote) or bare up to
 * '.', ' ' or the end.  Returns a malloc'd copy, NULL on a syntax error or
 * no memory. */
static char *
read_ident(const char **pp, const char *end)
{
    const char *p = *pp;
    char *out = malloc((size_t)(end - p) + 1);
    size_t n = 0;

    if (out == NULL) {
        return NULL;
    }
    if (p < end && *p == '`') {
        for (p++; p < end; p++) {
            if (*p == '`') {
                if (p + 1 < end && p[1] == '`') {
                    out[n++] = '`';
                    p++;
                    continue;
                }
                break;
            }
            out[n++] = *p;
        }
        if (p >= end) {
            free(out);
            return NULL;
        }
        p++;
    } else {
        while (p < end && *p != '.' && *p != ' ') {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    *pp = p;
    return out;
}

void
pc_grants_add_line(struct pc_grants *g, const char *line, size_t len)
{
    const char *p = line, *end = line + len, *on = NULL, *start;
    uint32_t bits = 0;
    char quote = 0;
    int depth = 0;
    char *db = NULL, *table = NULL;

    if (len < 6 || strncasecmp(line, "GRANT ", 6) != 0) {
        return;                       /* REVOKE, SET DEFAULT ROLE */
    }
    /* the privilege list ends at " ON " outside quotes and parentheses */
    for (p = line + 6; p + 4 <= end; p++) {
        if (quote != 0) {
            quote = *p == quote ? 0 : quote;
        } else if (*p == '`' || *p == '\'') {
            quote = *p;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            depth--;
        } else if (depth == 0 && strncasecmp(p, " ON ", 4) == 0) {
            on = p;
            break;
        }
    }
    if (on == NULL) {
        return;                       /* GRANT `role` TO ... */
    }
    start = line + 6;
    depth = 0;
    quote = 0;
    for (p = start; p <= on; p++) {
        if (p == on || (quote == 0 && depth == 0 && *p == ',')) {
            bits |= priv_bits(start, (size_t)(p - start));
            start = p + 1;
            continue;
        }
        if (quote != 0) {
            quote = *p == quote ? 0 : quote;
        } else if (*p == '`') {
            quote = *p;
        } else if (*p == '(') {
            depth++;
        } else if (*p == ')') {
            depth--;
        }
    }
    p = on + 4;
    if (end - p >= 3 && memcmp(p, "*.*", 3) == 0) {
        g->global |= bits;
        return;
    }
    if (p >= end || *p == '\'' ||
        (end - p >= 9 && (strncasecmp(p, "FUNCTION ", 9) == 0 ||
                          strncasecmp(p, "PROCEDURE", 9) == 0 ||
                          strncasecmp(p, "PACKAGE ", 8) == 0))) {
        return;                       /* PROXY, routines */
    }
    if (bits == 0) {
        return;
    }
    db = read_ident(&p, end);
    if (db == NULL || p >= end || *p != '.') {
        free(db);
        return;
    }
    p++;
    if (p < end && *p == '*') {
        table = NULL;
    } else if ((table = read_ident(&p, end)) == NULL) {
        free(db);
        return;
    }
    if (g->n == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 8;
        struct pc_grant *v = realloc(g->v, cap * sizeof(*v));

        if (v == NULL) {
            free(db);
            free(table);
            g->failed = true;
            return;
        }
        g->v = v;
        g->cap = cap;
    }
    g->v[g->n].db = db;
    g->v[g->n].table = table;
    g->v[g->n].privs = bits;
    g->n++;
}

/* SQL LIKE as database grants use it: % any run, _ one character, \
 * escapes the next one. */
static bool
like_match(const char *pat, const char *s)
{
    for (; *pat != '\0'; pat++, s++) {
        if (*pat == '%') {
            for (;; s++) {
                if (like_match(pat + 1, s)) {
                    return true;
                }
                if (*s == '\0') {
                    return false;
                }
            }
        }
        if (*s == '\0') {
            return false;
        }
        if (*pat == '\\' && pat[1] != '\0') {
            pat++;
            if (*pat != *s) {
                return false;
            }
        } else if (*pat != '_' && *pat != *s) {
            return false;
        }
    }
    return *s == '\0';
}

uint32_t
pc_grants_have(const struct pc_grants *g, uint32_t want, const char *db,
               const char *table)
{
    uint32_t have = g->global;
    size_t i;

    for (i = 0; db != NULL && i < g->n; i++) {
        const struct pc_grant *e = &g->v[i];

        if (e->table == NULL ? like_match(e->db, db)
                             : (table != NULL && strcmp(e->db, db) == 0 &&
                                strcmp(e->table, table) == 0)) {
            have |= e->privs;
        }
    }
    /* SUPER serves SHOW MASTER STATUS and SHOW BINARY LOGS too */
    if (have & PC_PRIV_SUPER) {
        have |= PC_PRIV_REPL_CLIENT;
    }
    return have & want;
}

void
pc_grants_free(struct pc_grants *g)
{
    size_t i;

    for (i = 0; i < g->n; i++) {
        free(g->v[i].db);
        free(g->v[i].table);
    }
    free(g->v);
    memset(g, 0, sizeof(*g));
}

void
pc_priv_names(uint32_t privs, bool binlog_monitor, char *out, size_t outlen)
{
    static const struct {
        uint32_t bit;
        const char *name;
    } order[] = {
        {PC_PRIV_REPL_SLAVE, "REPLICATION SLAVE"},
        {PC_PRIV_REPL_CLIENT, NULL},
        {PC_PRIV_RELOAD, "RELOAD"},
        {PC_PRIV_SELECT, "SELECT"},
        {PC_PRIV_INSERT, "INSERT"},
        {PC_PRIV_UPDATE, "UPDATE"},
        {PC_PRIV_DELETE, "DELETE"},
        {PC_PRIV_CREATE, "CREATE"},
        {PC_PRIV_DROP, "DROP"},
        {PC_PRIV_ALTER, "ALTER"},
        {PC_PRIV_INDEX, "INDEX"},
    };
    size_t i, len = 0;

    out[0] = '\0';
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        const char *name = order[i].name;

        if (!(privs & order[i].bit)) {
            continue;
        }
        if (name == NULL) {
            name = binlog_monitor ? "BINLOG MONITOR" : "REPLICATION CLIENT";
        }
        len += (size_t)snprintf(out + len, len < outlen ? outlen - len : 0,
                                "%s%s", len > 0 ? ", " : "", name);
        if (len >= outlen) {
            break;
        }
    }
}

/* ---- privileges ---- */

/* Whether MariaDB prints REPLICATION CLIENT as BINLOG MONITOR. */
static bool
binlog_monitor(const struct pc_server *v)
{
    return v->mariadb && (v->major > 10 || (v->major == 10 && v->minor >= 5));
}

/* Adds "GRANT <privs> ON <what> TO <account>" to <fix>. */
static void
add_grant(char *fix, size_t len, uint32_t privs, bool bm, const char *what,
          const char *account)
{
    size_t n = strlen(fix);
    char names[256];

    pc_priv_names(privs, bm, names, sizeof(names));
    snprintf(fix + n, len - n, "%sGRANT %s ON %s TO %s", n > 0 ? "; " : "",
             names, what, account);
}

/* Checks <want> on every selected database (or its listed tables) of
 * side <s>, destination names when <dest>; adds what lacks to <l> and
 * <fix>. */
static void
check_objects_privs(struct precheck *p, const struct pc_side *s, bool dest,
                    uint32_t want, struct pc_list *l, char *fix,
                    size_t fixlen)
{
    bool bm = binlog_monitor(&s->srv);
    char names[256], what[600];
    size_t i, j, grants = 0;

    for (i = 0; i < p->spec->nobjects; i++) {
        const struct task_object *o = &p->spec->objects[i];
        const char *db = dest ? o->as : o->db;
        uint32_t miss;

        if (o->whole_db || (dest && pc_full(p) && p->spec->schema_sync)) {
            miss = want & ~pc_grants_have(&s->grants, want, db, NULL);
            if (miss == 0) {
                continue;
            }
            pc_priv_names(miss, bm, names, sizeof(names));
            pc_list_add(l, "%s on `%s`.*", names, db);
            snprintf(what, sizeof(what), "`%s`.*", db);
            if (grants++ < PC_LIST_MAX) {
                add_grant(fix, fixlen, miss, bm, what, s->srv.account);
            }
            continue;
        }
        for (j = 0; j < o->ntables; j++) {
            const char *t = dest ? o->tables[j].as : o->tables[j].name;

            miss = want & ~pc_grants_have(&s->grants, want, db, t);
            if (miss == 0) {
                continue;
            }
            pc_priv_names(miss, bm, names, sizeof(names));
            pc_list_add(l, "%s on `%s`.`%s`", names, db, t);
            snprintf(what, sizeof(what), "`%s`.`%s`", db, t);
            if (grants++ < PC_LIST_MAX) {
                add_grant(fix, fixlen, miss, bm, what, s->srv.account);
            }
        }
    }
}

static void
privileges_verdict(struct precheck *p, const struct pc_side *s,
                   enum pc_item id, struct pc_list *l, const char *fix)
{
    char cause[1400];

    if (l->n == 0) {
        pc_pass(p, id);
        return;
    }
    pc_set(p, id, PRECHECK_FAILED,
           pc_fmt(cause, sizeof(cause), "the %s account %s on %s lacks %s",
                  s->source ? "source" : "destination", s->srv.account,
                  s->peer, pc_list_text(l)),
           fix);
}

void
pc_check_source_grants(struct precheck *p)
{
    const struct pc_side *s = &p->src;
    bool bm = binlog_monitor(&s->srv);
    uint32_t want = 0, miss;
    struct pc_list l;
    char fix[1400], names[256];

    if (pc_streams(p)) {
        /* the binlog dump, and SHOW MASTER STATUS before it */
        want |= PC_PRIV_REPL_SLAVE | PC_PRIV_REPL_CLIENT;
    }
    if (pc_full(p) && (p->spec->snapshot == TASK_SNAPSHOT_LOCK ||
                       !s->srv.mariadb)) {
        /* FLUSH TABLES WITH READ LOCK, then SHOW MASTER STATUS */
        want |= PC_PRIV_RELOAD | PC_PRIV_REPL_CLIENT;
    }
    memset(&l, 0, sizeof(l));
    l.sep = "; ";
    fix[0] = '\0';
    miss = want & ~pc_grants_have(&s->grants, want, NULL, NULL);
    if (miss != 0) {
        pc_priv_names(miss, bm, names, sizeof(names));
        pc_list_add(&l, "%s on *.*", names);
        add_grant(fix, sizeof(fix), miss, bm, "*.*", s->srv.account);
    }
    check_objects_privs(p, s, false, PC_PRIV_SELECT, &l, fix, sizeof(fix));
    privileges_verdict(p, s, PC_SOURCE_PRIVILEGES, &l, fix);
}

void
pc_check_dest_grants(struct precheck *p)
{
    const struct task_spec *sp = p->spec;
    const struct pc_side *s = &p->dst;
    uint32_t want = PC_PRIV_SELECT | PC_PRIV_INSERT | PC_PRIV_UPDATE |
                    PC_PRIV_DELETE;
    uint32_t tandem = PC_PRIV_CREATE | PC_PRIV_ALTER | PC_PRIV_SELECT |
                      PC_PRIV_INSERT | PC_PRIV_UPDATE | PC_PRIV_DELETE;
    uint32_t miss;
    struct pc_list l;
    char fix[1400], names[256];

    if (sp->ddl_sync || (pc_full(p) && sp->schema_sync)) {
        want |= PC_PRIV_CREATE | PC_PRIV_ALTER | PC_PRIV_INDEX |
                PC_PRIV_DROP;
    }
    if (pc_full(p) && sp->existing_tables == TASK_EXISTING_CLEAR) {
        want |= PC_PRIV_DROP;     /* TRUNCATE TABLE */
    }
    memset(&l, 0, sizeof(l));
    l.sep = "; ";
    fix[0] = '\0';
    check_objects_privs(p, s, true, want, &l, fix, sizeof(fix));
    miss = tandem & ~pc_grants_have(&s->grants, tandem, "tandem", NULL);
    if (miss != 0) {
        pc_priv_names(miss, false, names, sizeof(names));
        pc_list_add(&l, "%s on `tandem`.* (checkpoints)", names);
        add_grant(fix, sizeof(fix), miss, false, "`tandem`.*",
                  s->srv.account);
    }
    privileges_verdict(p, s, PC_DEST_PRIVILEGES, &l, fix);
}
