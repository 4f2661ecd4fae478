/*
 * ddl_rewrite.c - DDL statements rewritten for a destination with other
 * names (see ddl_rewrite.h).
 *
 * ddl_parse() first checks that the statement is one it reads and says
 * which kind it is; then a second walk over the same tokens (ddl_lex.c)
 * finds where every database, table and column name sits and records
 * edits: a token replaced by a quoted name, or a byte range cut out (a
 * column definition, an index, an ALTER clause, a DROP TABLE list entry).
 * The result is the input with the edits applied in offset order; bytes
 * no edit covers are copied as they are.  A cut never takes the opening
 * of an executable comment (/ *! ... * /) without its closing or the
 * reverse: the lexer counts those, the span is read again alone, and a
 * cut that would unbalance them is refused.
 *
 * The walk follows the grammar ddl.c reads (MySQL 5.6-8.4, MariaDB
 * 10.x-11.x) only as far as names are concerned: index options, table
 * options and partition definitions are skipped as balanced token runs,
 * and where ddl.c skips a construct whole (foreign keys, partitioning)
 * the walk takes any token there too.  Nothing recurses: expressions are
 * scanned with a depth counter, as ddl.c does.
 *
 * This file holds ddl_rewrite(), one rewriter per statement kind and the
 * table options and partitioning clauses only they reach;
 * ddl_rewrite_walk.c holds the token walking they share (token helpers,
 * edits, table references, expressions, column and index definitions),
 * declared in ddl_rewrite_int.h.
 */
#include "proto/mysql/ddl_rewrite.h"

#include <stdlib.h>
#include <string.h>

#include "proto/mysql/ddl_rewrite_int.h"

static const char *const result_names[DDL_RW_COUNT] = {
    "REWRITTEN", "NOT_DDL", "NOT_SELECTED", "EMPTY", "REFUSED",
};

const char *
ddl_rw_result_name(enum ddl_rw_result r)
{
    return (unsigned)r < DDL_RW_COUNT ? result_names[r] : "UNKNOWN";
}

/* ---- table options and partitioning ---- */

/* A table that must be copied, with no rules, for <why>. */
static bool
other_table(struct rw *rw, const struct rw_table *t, const char *why)
{
    struct rw_tref r;
    struct rw_table ot;

    if (!ddlrw_read_tref(rw, &r)) {
        return false;
    }
    ddlrw_resolve(rw, &r, &ot);
    if (!ddlrw_selected(&ot)) {
        return ddlrw_refuse(rw, "%s of %s%s%s names table %s%s%s, which is not "
                            "copied", why, TNAME(t), TNAME(&ot));
    }
    if (t->rules || ot.rules) {
        return ddlrw_refuse(rw, "%s between %s%s%s and %s%s%s is not "
                            "rewritten: a table with per-table rules (column "
                            "renames or exclusions, a row filter) would "
                            "change shape", why, TNAME(t), TNAME(&ot));
    }
    ddlrw_emit_tref(rw, &r, &ot);
    return true;
}

/* PARTITION BY ... and partition operations, to the end. */
static bool
walk_partition(struct rw *rw, const struct rw_table *t)
{
    struct expr_refs er;

    for (;;) {
        const struct ddl_token *tk = ddlrw_peek(rw, 0);

        if (rw->ps.failed) {
            return ddlrw_unexpected(rw, "a token");
        }
        if (tk->kind == DDL_TK_END) {
            return true;
        }
        if (ddl_tok_is(tk, "HASH") || ddl_tok_is(tk, "KEY") ||
            ddl_tok_is(tk, "RANGE") || ddl_tok_is(tk, "LIST") ||
            ddl_tok_is(tk, "COLUMNS")) {
            ddlrw_next(rw);
            if (ddlrw_is_kw(rw, 0, "ALGORITHM")) {
                ddlrw_next(rw);
                ddlrw_accept_punct(rw, '=');
                ddlrw_next(rw);
            }
            if (ddlrw_is_punct(rw, 0, '(')) {
                memset(&er, 0, sizeof(er));
                if (!ddlrw_walk_expr(rw, t, &er)) {
                    return false;
                }
                if (er.excluded > 0) {
                    return ddlrw_refuse(rw, "the partitioning of %s%s%s "
                                        "uses excluded column %s", TNAME(t),
                                        er.first);
                }
            }
        } else if (ddl_tok_is(tk, "EXCHANGE") &&
                   ddlrw_is_kw(rw, 1, "PARTITION")) {
            while (!ddlrw_at_end(rw) && !ddlrw_is_kw(rw, 0, "TABLE")) {
                ddlrw_next(rw);
            }
            if (ddlrw_accept_kw(rw, "TABLE") &&
                ddlrw_is_name_tok(ddlrw_peek(rw, 0)) &&
                !other_table(rw, t, "EXCHANGE PARTITION")) {
                return false;
            }
        } else if (tk->kind == DDL_TK_PUNCT && tk->p[0] == '(') {
            if (!ddlrw_skip_group(rw)) {
                return false;
            }
        } else {
            ddlrw_next(rw);
        }
    }
}

/* UNION [=] (t1, t2): MERGE tables' members (ddl.c skips the group
 * whole: names at depth 1 are tables, other tokens are left alone). */
static bool
walk_union(struct rw *rw, const struct rw_table *t)
{
    size_t depth = 0;

    ddlrw_accept_punct(rw, '=');
    if (!ddlrw_is_punct(rw, 0, '(')) {
        return ddlrw_unexpected(rw, "'('");
    }
    do {
        const struct ddl_token *tk = ddlrw_peek(rw, 0);

        if (tk->kind == DDL_TK_END) {
            return !rw->ps.failed || ddlrw_unexpected(rw, "')'");
        }
        if (depth == 1 && ddlrw_is_name_tok(tk)) {
            if (!other_table(rw, t, "UNION")) {
                return false;
            }
            continue;
        }
        if (tk->kind == DDL_TK_PUNCT && tk->p[0] == '(') {
            depth++;
        } else if (tk->kind == DDL_TK_PUNCT && tk->p[0] == ')') {
            depth--;
        }
        ddlrw_next(rw);
    } while (depth > 0);
    return true;
}

static bool
starts_partition_op(struct rw *rw)
{
    const struct ddl_token *t = ddlrw_peek(rw, 0);

    return (ddl_tok_is(t, "PARTITION") && ddlrw_is_kw(rw, 1, "BY")) ||
           ((ddl_tok_is(t, "REMOVE") || ddl_tok_is(t, "UPGRADE")) &&
            ddlrw_is_kw(rw, 1, "PARTITIONING")) ||
           (ddlrw_is_kw(rw, 1, "PARTITION") &&
            (ddl_tok_is(t, "ANALYZE") || ddl_tok_is(t, "CHECK") ||
             ddl_tok_is(t, "OPTIMIZE") || ddl_tok_is(t, "REBUILD") ||
             ddl_tok_is(t, "REPAIR") || ddl_tok_is(t, "TRUNCATE") ||
             ddl_tok_is(t, "COALESCE") || ddl_tok_is(t, "REORGANIZE") ||
             ddl_tok_is(t, "EXCHANGE") || ddl_tok_is(t, "DISCARD") ||
             ddl_tok_is(t, "IMPORT")));
}

/* Words that begin an ALTER TABLE clause that is not a table option. */
static bool
starts_clause(const struct ddl_token *t)
{
    static const char *const w[] = {
        "ADD", "DROP", "ALTER", "MODIFY", "CHANGE", "RENAME", "CONVERT",
        "ALGORITHM", "LOCK", "FORCE", "ORDER", "ENABLE", "DISABLE",
    };
    size_t i;

    for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        if (ddl_tok_is(t, w[i])) {
            return true;
        }
    }
    return false;
}

/*
 * Table options, up to the end (or, in an ALTER, a ',').  UNION lists are
 * mapped; PARTITION BY goes to walk_partition().
 */
static bool
walk_table_options(struct rw *rw, const struct rw_table *t, bool in_alter)
{
    bool first = true;

    for (;;) {
        const struct ddl_token *tk = ddlrw_peek(rw, 0);

        if (rw->ps.failed) {
            return ddlrw_unexpected(rw, "a table option");
        }
        if (ddlrw_at_end(rw) || (tk->kind == DDL_TK_PUNCT && tk->p[0] == ')') ||
            (in_alter && tk->kind == DDL_TK_PUNCT && tk->p[0] == ',')) {
            return true;
        }
        /* ddl.c reads ALTER clauses without a ',' between them too. */
        if (in_alter && !first && !ddl_is_punct(&rw->ps, 0, '=') &&
            !(rw->ps.last.kind == DDL_TK_PUNCT && rw->ps.last.p[0] == '=') &&
            (starts_clause(tk) || starts_partition_op(rw))) {
            return true;
        }
        first = false;
        if (ddl_tok_is(tk, "PARTITION") && ddlrw_is_kw(rw, 1, "BY")) {
            return walk_partition(rw, t);
        }
        if (ddl_tok_is(tk, "UNION")) {
            ddlrw_next(rw);
            if (!walk_union(rw, t)) {
                return false;
            }
        } else if (tk->kind == DDL_TK_PUNCT && tk->p[0] == '(') {
            if (!ddlrw_skip_group(rw)) {
                return false;
            }
        } else {
            ddlrw_next(rw);
        }
    }
}

/* ---- CREATE TABLE ---- */

static enum ddl_rw_result
rw_create_table(struct rw *rw, const struct ddl_stmt *st)
{
    struct rw_tref r;
    struct rw_table t;
    unsigned cols = 0;
    size_t kept;

    if (!ddlrw_skip_past_kw(rw, "TABLE", NULL)) {
        return DDL_RW_REFUSED;
    }
    ddlrw_opt_if_not_exists(rw);
    if (!ddlrw_read_tref(rw, &r)) {
        return DDL_RW_REFUSED;
    }
    ddlrw_resolve(rw, &r, &t);
    if (!ddlrw_selected(&t)) {
        return DDL_RW_NOT_SELECTED;
    }
    ddlrw_emit_tref(rw, &r, &t);
    if (st->has_like) {
        ddlrw_accept_punct(rw, '(');
        if (!ddlrw_accept_kw(rw, "LIKE")) {
            ddlrw_unexpected(rw, "LIKE");
            return DDL_RW_REFUSED;
        }
        return other_table(rw, &t, "CREATE TABLE ... LIKE")
                   ? DDL_RW_REWRITTEN
                   : DDL_RW_REFUSED;
    }
    if (st->from_select) {
        ddlrw_refuse(rw, "CREATE TABLE %s%s%s ... SELECT is not rewritten: its "
                     "query names tables and columns under their source names",
                     TNAME(&t));
        return DDL_RW_REFUSED;
    }
    if (!ddlrw_walk_elements(rw, &t, &cols, &kept)) {
        return DDL_RW_REFUSED;
    }
    if (cols == 0) {
        ddlrw_refuse(rw, "every column of %s%s%s is excluded", TNAME(&t));
        return DDL_RW_REFUSED;
    }
    return walk_table_options(rw, &t, false) ? DDL_RW_REWRITTEN
                                             : DDL_RW_REFUSED;
}

/* ---- ALTER TABLE ---- */

/* [FIRST | AFTER col]: AFTER an excluded column is cut (goes last). */
static bool
walk_position(struct rw *rw, const struct rw_table *t)
{
    size_t off;
    unsigned marks;
    enum col_v v;
    const char *name;

    if (ddlrw_accept_kw(rw, "FIRST") || !ddlrw_is_kw(rw, 0, "AFTER")) {
        return true;
    }
    ddlrw_next(rw);
    off = rw->ps.last.off;
    marks = rw->ps.last_marks;
    if (!ddlrw_col_token(rw, t, &v, &name)) {
        return false;
    }
    if (v == COL_EXCLUDED) {
        return ddlrw_cut(rw, off, ddl_tok_end(&rw->ps, &rw->ps.last), marks,
                         rw->ps.last_marks, "AFTER");
    }
    return true;
}

/* ADD [COLUMN] (list): dropped when none of it is kept. */
static bool
alter_add_list(struct rw *rw, const struct rw_table *t, bool *drop)
{
    unsigned cols = 0;
    size_t kept;

    if (!ddlrw_walk_elements(rw, t, &cols, &kept)) {
        return false;
    }
    *drop = kept == 0;
    return true;
}

static bool
alter_add(struct rw *rw, const struct rw_table *t, bool *drop)
{
    bool is_col;

    if (ddlrw_accept_kw(rw, "COLUMN")) {
        ddlrw_opt_if_not_exists(rw);
    } else if (ddlrw_is_kw(rw, 0, "PARTITION")) {
        return walk_partition(rw, t);
    } else if (ddlrw_is_kw(rw, 0, "SYSTEM") &&
               ddlrw_is_kw(rw, 1, "VERSIONING")) {
        ddlrw_next(rw);
        ddlrw_next(rw);
        return true;
    } else if (ddlrw_peek(rw, 0)->kind == DDL_TK_WORD &&
               ddlrw_starts_index(rw)) {
        return ddlrw_walk_element(rw, t, drop, &is_col);
    } else {
        ddlrw_opt_if_not_exists(rw);
    }
    if (ddlrw_is_punct(rw, 0, '(')) {
        return alter_add_list(rw, t, drop);
    }
    if (!ddlrw_walk_column_def(rw, t, true, drop)) {
        return false;
    }
    return *drop || walk_position(rw, t);
}

static bool
alter_drop(struct rw *rw, const struct rw_table *t, bool *drop)
{
    enum col_v v;
    const char *name;

    if (ddlrw_is_kw(rw, 0, "INDEX") || ddlrw_is_kw(rw, 0, "KEY") ||
        ddlrw_is_kw(rw, 0, "PRIMARY") || ddlrw_is_kw(rw, 0, "FOREIGN") ||
        ddlrw_is_kw(rw, 0, "CONSTRAINT") || ddlrw_is_kw(rw, 0, "CHECK") ||
        (ddlrw_is_kw(rw, 0, "PERIOD") && ddlrw_is_kw(rw, 1, "FOR")) ||
        (ddlrw_is_kw(rw, 0, "SYSTEM") && ddlrw_is_kw(rw, 1, "VERSIONING"))) {
        return ddlrw_skip_to_sep(rw);
    }
    if (ddlrw_is_kw(rw, 0, "PARTITION")) {
        return walk_partition(rw, t);
    }
    ddlrw_accept_kw(rw, "COLUMN");
    ddlrw_opt_if_exists(rw);
    if (!ddlrw_col_token(rw, t, &v, &name)) {
        return false;
    }
    *drop = v == COL_EXCLUDED;
    if (!ddlrw_accept_kw(rw, "RESTRICT")) {
        ddlrw_accept_kw(rw, "CASCADE");
    }
    return true;
}

/* A column renamed from <ov> to <nv>: both excluded drops the clause. */
static bool
column_move(struct rw *rw, const struct rw_table *t, enum col_v ov,
            const char *oname, enum col_v nv, const char *nname, bool *drop)
{
    if (ov == COL_EXCLUDED && nv == COL_EXCLUDED) {
        *drop = true;
        return true;
    }
    if (ov == COL_EXCLUDED || nv == COL_EXCLUDED) {
        return ddlrw_refuse(rw, "column %s of %s%s%s is renamed to %s, and "
                            "only one of the two names is excluded", oname,
                            TNAME(t), nname);
    }
    return true;
}

/* CHANGE [COLUMN] [IF EXISTS] old new_definition [position] */
static bool
alter_change(struct rw *rw, const struct rw_table *t, bool *drop)
{
    struct ddl_token nt;
    enum col_v ov, nv;
    const char *oname, *nname, *to;
    bool excluded;

    ddlrw_accept_kw(rw, "COLUMN");
    ddlrw_opt_if_exists(rw);
    if (!ddlrw_col_token(rw, t, &ov, &oname)) {
        return false;
    }
    if (!ddlrw_is_name_tok(ddlrw_peek(rw, 0))) {
        return ddlrw_unexpected(rw, "a column name");
    }
    nt = *ddlrw_peek(rw, 0);
    nname = ddlrw_tok_name(rw, &nt);
    if (nname == NULL) {
        return false;
    }
    nv = ddlrw_map_col(rw, t, nname, &to);
    if (!column_move(rw, t, ov, oname, nv, nname, drop)) {
        return false;
    }
    if (*drop) {
        return ddlrw_skip_to_sep(rw);
    }
    return ddlrw_walk_column_def(rw, t, true, &excluded) &&
           walk_position(rw, t);
}

/* ALTER [COLUMN] c SET DEFAULT ... / DROP DEFAULT / SET [IN]VISIBLE */
static bool
alter_alter(struct rw *rw, const struct rw_table *t, bool *drop)
{
    struct expr_refs er;
    enum col_v v;
    const char *name;

    if (ddlrw_is_kw(rw, 0, "INDEX") || ddlrw_is_kw(rw, 0, "KEY") ||
        ddlrw_is_kw(rw, 0, "CHECK") || ddlrw_is_kw(rw, 0, "CONSTRAINT")) {
        return ddlrw_skip_to_sep(rw);
    }
    ddlrw_accept_kw(rw, "COLUMN");
    ddlrw_opt_if_exists(rw);
    if (!ddlrw_col_token(rw, t, &v, &name)) {
        return false;
    }
    if (v == COL_EXCLUDED) {
        *drop = true;
        return ddlrw_skip_to_sep(rw);
    }
    /* SET DEFAULT value | SET [IN]VISIBLE | DROP DEFAULT, as ddl.c */
    if (ddlrw_accept_kw(rw, "SET")) {
        if (ddlrw_accept_kw(rw, "DEFAULT")) {
            memset(&er, 0, sizeof(er));
            if (!ddlrw_walk_value(rw, t, &er)) {
                return false;
            }
            if (er.excluded > 0) {
                return ddlrw_refuse(rw, "the default of column %s of %s%s%s "
                                    "uses excluded column %s", name, TNAME(t),
                                    er.first);
            }
            return true;
        }
        ddlrw_next(rw);
        return true;
    }
    ddlrw_next(rw);             /* DROP */
    ddlrw_next(rw);             /* DEFAULT */
    return true;
}

static bool
alter_rename(struct rw *rw, const struct rw_table *t, bool *drop)
{
    struct rw_tref r;
    struct rw_table nt;
    enum col_v ov, nv;
    const char *oname, *nname;

    if (ddlrw_accept_kw(rw, "COLUMN")) {
        if (!ddlrw_col_token(rw, t, &ov, &oname)) {
            return false;
        }
        if (!ddlrw_accept_kw(rw, "TO")) {
            return ddlrw_unexpected(rw, "TO");
        }
        return ddlrw_col_token(rw, t, &nv, &nname) &&
               column_move(rw, t, ov, oname, nv, nname, drop);
    }
    if (ddlrw_is_kw(rw, 0, "INDEX") || ddlrw_is_kw(rw, 0, "KEY")) {
        return ddlrw_skip_to_sep(rw);
    }
    if (!ddlrw_accept_kw(rw, "TO") && !ddlrw_accept_kw(rw, "AS")) {
        ddlrw_accept_punct(rw, '=');
    }
    if (!ddlrw_read_tref(rw, &r)) {
        return false;
    }
    ddlrw_resolve(rw, &r, &nt);
    if (!ddlrw_selected(&nt)) {
        return ddlrw_refuse(rw, "ALTER TABLE %s%s%s renames it to %s%s%s, "
                            "which is not copied", TNAME(t), TNAME(&nt));
    }
    if (t->rules || nt.rules) {
        return ddlrw_refuse(rw, "ALTER TABLE %s%s%s RENAME TO %s%s%s is not "
                            "rewritten: a table with per-table rules (column "
                            "renames or exclusions, a row filter) would change "
                            "shape", TNAME(t), TNAME(&nt));
    }
    ddlrw_emit_tref(rw, &r, &nt);
    return true;
}

static bool
alter_convert(struct rw *rw, const struct rw_table *t)
{
    if (ddlrw_accept_kw(rw, "PARTITION")) {
        if (!ddlrw_is_name_tok(ddlrw_peek(rw, 0))) {
            return ddlrw_unexpected(rw, "a partition name");
        }
        ddlrw_next(rw);
        if (!ddlrw_accept_kw(rw, "TO") || !ddlrw_accept_kw(rw, "TABLE")) {
            return ddlrw_unexpected(rw, "TO TABLE");
        }
        return other_table(rw, t, "CONVERT PARTITION") && walk_partition(rw,
                                                                         t);
    }
    if (ddlrw_accept_kw(rw, "TABLE")) {
        return other_table(rw, t, "CONVERT TABLE") && walk_partition(rw, t);
    }
    return ddlrw_skip_to_sep(rw);
}

/* Words that begin an ALTER TABLE clause (ends ORDER BY lists: ddl.c). */
static bool
starts_alter_spec(const struct ddl_token *t)
{
    static const char *const w[] = {
        "ADD", "DROP", "ALTER", "MODIFY", "CHANGE", "RENAME", "CONVERT",
        "ALGORITHM", "LOCK", "FORCE", "ORDER", "ENGINE", "DEFAULT",
        "CHARACTER", "CHARSET", "COLLATE", "ENABLE", "DISABLE",
    };
    size_t i;

    for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
        if (ddl_tok_is(t, w[i])) {
            return true;
        }
    }
    return false;
}

/* ORDER BY col [ASC|DESC], ...: dropped if it names an excluded column
 * (it only sorts the rows once). */
static bool
alter_order(struct rw *rw, const struct rw_table *t, bool *drop)
{
    enum col_v v;
    const char *name;

    if (!ddlrw_accept_kw(rw, "BY")) {
        return ddlrw_unexpected(rw, "BY");
    }
    for (;;) {
        if (!ddlrw_col_token(rw, t, &v, &name)) {
            return false;
        }
        *drop = *drop || v == COL_EXCLUDED;
        if (!ddlrw_accept_kw(rw, "ASC")) {
            ddlrw_accept_kw(rw, "DESC");
        }
        if (!ddlrw_is_punct(rw, 0, ',') ||
            starts_alter_spec(ddlrw_peek(rw, 1)) ||
            !ddlrw_is_name_tok(ddlrw_peek(rw, 1))) {
            return true;
        }
        ddlrw_next(rw);
    }
}


/* One ALTER TABLE clause; *drop when it only touches excluded columns. */
static bool
walk_alter_clause(struct rw *rw, const struct rw_table *t, bool *drop,
                  bool *modifier)
{
    bool excluded;

    *drop = false;
    *modifier = false;
    if (ddlrw_peek(rw, 0)->kind != DDL_TK_WORD) {
        return ddlrw_unexpected(rw, "an ALTER TABLE clause");
    }
    if (ddlrw_accept_kw(rw, "ADD")) {
        return alter_add(rw, t, drop);
    }
    if (ddlrw_accept_kw(rw, "DROP")) {
        return alter_drop(rw, t, drop);
    }
    if (ddlrw_accept_kw(rw, "MODIFY")) {
        ddlrw_accept_kw(rw, "COLUMN");
        ddlrw_opt_if_exists(rw);
        if (!ddlrw_walk_column_def(rw, t, true, &excluded)) {
            return false;
        }
        *drop = excluded;
        return excluded || walk_position(rw, t);
    }
    if (ddlrw_accept_kw(rw, "CHANGE")) {
        return alter_change(rw, t, drop);
    }
    if (ddlrw_accept_kw(rw, "ALTER")) {
        return alter_alter(rw, t, drop);
    }
    if (ddlrw_accept_kw(rw, "RENAME")) {
        return alter_rename(rw, t, drop);
    }
    if (ddlrw_accept_kw(rw, "CONVERT")) {
        return alter_convert(rw, t);
    }
    if (ddlrw_accept_kw(rw, "ORDER")) {
        return alter_order(rw, t, drop);
    }
    if (ddlrw_is_kw(rw, 0, "ALGORITHM") || ddlrw_is_kw(rw, 0, "LOCK")) {
        *modifier = true;
        ddlrw_next(rw);
        ddlrw_accept_punct(rw, '=');
        ddlrw_skip_value(rw);
        return true;
    }
    if (starts_partition_op(rw)) {
        return walk_partition(rw, t);
    }
    return walk_table_options(rw, t, true);
}

/* A table not copied: does the ALTER bring a copied table into play? */
static bool
alter_moves_in(struct rw *rw, const struct ddl_stmt *st,
               const struct rw_table *t)
{
    const struct ddl_alter *a;
    struct rw_table nt;
    struct rw_tref r;

    for (a = st->alters; a != NULL; a = a->next) {
        if (a->kind != DDL_ALTER_RENAME_TABLE &&
            a->kind != DDL_ALTER_PARTITION_TO_TABLE &&
            a->kind != DDL_ALTER_TABLE_TO_PARTITION) {
            continue;
        }
        ddlrw_resolve_names(rw, a->table.db != NULL ? a->table.db : rw->defdb,
                            a->table.name, &nt);
        if (ddlrw_selected(&nt)) {
            return ddlrw_refuse(rw, "ALTER TABLE %s%s%s, which is not copied, "
                                "changes copied table %s%s%s", TNAME(t),
                                TNAME(&nt));
        }
    }
    /* EXCHANGE PARTITION ... WITH TABLE, which ddl.c does not record. */
    while (!ddlrw_at_end(rw) && !rw->ps.failed) {
        if (ddlrw_is_kw(rw, 0, "EXCHANGE") && ddlrw_is_kw(rw, 1, "PARTITION")) {
            while (!ddlrw_at_end(rw) && !ddlrw_is_kw(rw, 0, "TABLE")) {
                ddlrw_next(rw);
            }
            if (ddlrw_accept_kw(rw, "TABLE") && ddlrw_read_tref(rw, &r)) {
                ddlrw_resolve(rw, &r, &nt);
                if (ddlrw_selected(&nt)) {
                    return ddlrw_refuse(rw, "ALTER TABLE %s%s%s, which is not "
                                        "copied, exchanges a partition with "
                                        "copied table %s%s%s", TNAME(t),
                                        TNAME(&nt));
                }
            }
            continue;
        }
        ddlrw_next(rw);
    }
    return !rw->refused;
}

static enum ddl_rw_result
rw_alter_table(struct rw *rw, const struct ddl_stmt *st)
{
    struct pbuf items;
    struct rw_item it;
    struct rw_comma comma = {NO_COMMA, 0};
    struct rw_tref r;
    struct rw_table t;
    bool drop, modifier, ok = true;
    size_t n, i, dropped = 0, kept = 0;
    enum ddl_rw_result res = DDL_RW_REWRITTEN;

    if (!ddlrw_skip_past_kw(rw, "TABLE", NULL)) {
        return DDL_RW_REFUSED;
    }
    ddlrw_opt_if_exists(rw);
    if (!ddlrw_read_tref(rw, &r)) {
        return DDL_RW_REFUSED;
    }
    ddlrw_resolve(rw, &r, &t);
    if (!ddlrw_selected(&t)) {
        return alter_moves_in(rw, st, &t) ? DDL_RW_NOT_SELECTED
                                          : DDL_RW_REFUSED;
    }
    ddlrw_emit_tref(rw, &r, &t);
    ddlrw_opt_wait(rw);
    memset(&items, 0, sizeof(items));
    while (!ddlrw_at_end(rw) && !rw->ps.failed) {
        if (ddlrw_is_punct(rw, 0, ',')) {
            ddlrw_take_comma(rw, &comma);
            continue;
        }
        ddlrw_item_begin(rw, &it, &comma);
        if (!walk_alter_clause(rw, &t, &drop, &modifier)) {
            ok = false;
            break;
        }
        ddlrw_item_end(rw, &it);
        it.drop = drop;
        it.modifier = modifier;
        pbuf_put(&items, &it, sizeof(it));
    }
    if (ok && (rw->ps.failed || items.failed)) {
        ok = rw->ps.failed ? ddlrw_unexpected(rw, "a token")
                           : ddlrw_refuse(rw, "out of memory");
    }
    if (ok) {
        const struct rw_item *arr = (const struct rw_item *)items.data;

        n = items.len / sizeof(it);
        for (i = 0; i < n; i++) {
            dropped += arr[i].drop;
            kept += !arr[i].drop && !arr[i].modifier;
        }
        if (dropped > 0 && kept == 0) {
            res = DDL_RW_EMPTY;
        } else if (dropped > 0) {
            ok = ddlrw_drop_items(rw, arr, n, "an ALTER TABLE clause");
        }
    }
    pbuf_free(&items);
    return ok ? res : DDL_RW_REFUSED;
}

/* ---- DROP / RENAME / TRUNCATE ---- */

/* DROP [TEMPORARY] TABLE|TABLES|SEQUENCE [IF EXISTS] t1, t2 ... */
static enum ddl_rw_result
rw_drop_table(struct rw *rw, bool sequence)
{
    struct pbuf items;
    struct rw_item it;
    struct rw_comma comma = {NO_COMMA, 0};
    struct rw_tref r;
    struct rw_table t;
    bool ok = true;
    size_t n = 0, kept = 0;

    if (!(sequence ? ddlrw_skip_past_kw(rw, "SEQUENCE", NULL)
                   : ddlrw_skip_past_kw(rw, "TABLE", "TABLES"))) {
        return DDL_RW_REFUSED;
    }
    ddlrw_opt_if_exists(rw);
    memset(&items, 0, sizeof(items));
    for (;;) {
        ddlrw_item_begin(rw, &it, &comma);
        if (!ddlrw_read_tref(rw, &r)) {
            ok = false;
            break;
        }
        ddlrw_resolve(rw, &r, &t);
        if (ddlrw_selected(&t)) {
            ddlrw_emit_tref(rw, &r, &t);
            kept++;
        } else {
            it.drop = true;
        }
        ddlrw_item_end(rw, &it);
        pbuf_put(&items, &it, sizeof(it));
        n++;
        if (!ddlrw_is_punct(rw, 0, ',')) {
            break;
        }
        ddlrw_take_comma(rw, &comma);
    }
    if (ok && items.failed) {
        ok = ddlrw_refuse(rw, "out of memory");
    }
    if (ok && kept > 0 && kept < n) {
        ok = ddlrw_drop_items(rw, (const struct rw_item *)items.data, n,
                              "a table not copied from the list");
    }
    pbuf_free(&items);
    if (!ok) {
        return DDL_RW_REFUSED;
    }
    return kept > 0 ? DDL_RW_REWRITTEN : DDL_RW_NOT_SELECTED;
}

/* RENAME TABLE a TO b, c TO d */
static enum ddl_rw_result
rw_rename_table(struct rw *rw)
{
    struct pbuf items;
    struct rw_item it;
    struct rw_comma comma = {NO_COMMA, 0};
    struct rw_tref fr, tr;
    struct rw_table ft, tt;
    bool ok = true;
    size_t n = 0, kept = 0;

    if (!ddlrw_skip_past_kw(rw, "TABLE", "TABLES")) {
        return DDL_RW_REFUSED;
    }
    ddlrw_opt_if_exists(rw);
    memset(&items, 0, sizeof(items));
    for (;;) {
        ddlrw_item_begin(rw, &it, &comma);
        if (!ddlrw_read_tref(rw, &fr)) {
            ok = false;
            break;
        }
        ddlrw_opt_wait(rw);
        if (!ddlrw_accept_kw(rw, "TO")) {
            ok = ddlrw_unexpected(rw, "TO");
            break;
        }
        if (!ddlrw_read_tref(rw, &tr)) {
            ok = false;
            break;
        }
        ddlrw_resolve(rw, &fr, &ft);
        ddlrw_resolve(rw, &tr, &tt);
        if (!ddlrw_selected(&ft) && !ddlrw_selected(&tt)) {
            it.drop = true;
        } else if (!ddlrw_selected(&tt)) {
            ok = ddlrw_refuse(rw, "RENAME TABLE moves %s%s%s out of the copied "
                              "tables (to %s%s%s)", TNAME(&ft), TNAME(&tt));
            break;
        } else if (!ddlrw_selected(&ft)) {
            ok = ddlrw_refuse(rw, "RENAME TABLE moves %s%s%s, which is not "
                              "copied, to copied table name %s%s%s", TNAME(&ft),
                              TNAME(&tt));
            break;
        } else if (ft.rules || tt.rules) {
            ok = ddlrw_refuse(rw, "RENAME TABLE %s%s%s TO %s%s%s is not "
                              "rewritten: a table with per-table rules "
                              "(column renames or exclusions, a row filter) "
                              "would change shape", TNAME(&ft), TNAME(&tt));
            break;
        } else {
            ddlrw_emit_tref(rw, &fr, &ft);
            ddlrw_emit_tref(rw, &tr, &tt);
            kept++;
        }
        ddlrw_item_end(rw, &it);
        pbuf_put(&items, &it, sizeof(it));
        n++;
        if (!ddlrw_is_punct(rw, 0, ',')) {
            break;
        }
        ddlrw_take_comma(rw, &comma);
    }
    if (ok && items.failed) {
        ok = ddlrw_refuse(rw, "out of memory");
    }
    if (ok && kept > 0 && kept < n) {
        ok = ddlrw_drop_items(rw, (const struct rw_item *)items.data, n,
                              "a rename of tables not copied");
    }
    pbuf_free(&items);
    if (!ok) {
        return DDL_RW_REFUSED;
    }
    return kept > 0 ? DDL_RW_REWRITTEN : DDL_RW_NOT_SELECTED;
}

/* A statement about one table (after <kw>, NULL: next): the rest is
 * copied as it is. */
static enum ddl_rw_result
rw_one_table(struct rw *rw, const char *kw, bool if_not_exists)
{
    struct rw_tref r;
    struct rw_table t;

    if (kw != NULL && !ddlrw_skip_past_kw(rw, kw, NULL)) {
        return DDL_RW_REFUSED;
    }
    if (if_not_exists) {
        ddlrw_opt_if_not_exists(rw);
    }
    if (!ddlrw_read_tref(rw, &r)) {
        return DDL_RW_REFUSED;
    }
    ddlrw_resolve(rw, &r, &t);
    if (!ddlrw_selected(&t)) {
        return DDL_RW_NOT_SELECTED;
    }
    ddlrw_emit_tref(rw, &r, &t);
    return DDL_RW_REWRITTEN;
}

static enum ddl_rw_result
rw_truncate(struct rw *rw)
{
    struct rw_tref r;
    struct rw_table t;

    ddlrw_next(rw);             /* TRUNCATE */
    ddlrw_accept_kw(rw, "TABLE");
    if (!ddlrw_read_tref(rw, &r)) {
        return DDL_RW_REFUSED;
    }
    ddlrw_resolve(rw, &r, &t);
    if (!ddlrw_selected(&t)) {
        return DDL_RW_NOT_SELECTED;
    }
    ddlrw_emit_tref(rw, &r, &t);
    return DDL_RW_REWRITTEN;
}

/* CREATE [UNIQUE ...] INDEX [IF NOT EXISTS] i [USING t] ON tbl (parts) */
static enum ddl_rw_result
rw_create_index(struct rw *rw)
{
    struct rw_tref r;
    struct rw_table t;
    struct key_parts kp;
    struct ddl_token nt;
    const char *name, *other;
    bool drop;

    if (!ddlrw_skip_past_kw(rw, "INDEX", NULL)) {
        return DDL_RW_REFUSED;
    }
    ddlrw_opt_if_not_exists(rw);
    if (!ddlrw_is_name_tok(ddlrw_peek(rw, 0))) {
        ddlrw_unexpected(rw, "an index name");
        return DDL_RW_REFUSED;
    }
    nt = ddlrw_next(rw);
    name = ddlrw_tok_name(rw, &nt);
    if (name == NULL) {
        return DDL_RW_REFUSED;
    }
    if (ddlrw_accept_kw(rw, "USING") || ddlrw_accept_kw(rw, "TYPE")) {
        ddlrw_skip_value(rw);
    }
    if (!ddlrw_accept_kw(rw, "ON")) {
        ddlrw_unexpected(rw, "ON");
        return DDL_RW_REFUSED;
    }
    if (!ddlrw_read_tref(rw, &r)) {
        return DDL_RW_REFUSED;
    }
    ddlrw_resolve(rw, &r, &t);
    if (!ddlrw_selected(&t)) {
        return DDL_RW_NOT_SELECTED;
    }
    ddlrw_emit_tref(rw, &r, &t);
    memset(&kp, 0, sizeof(kp));
    if (!ddlrw_index_head(rw, &other) || !ddlrw_walk_key_parts(rw, &t, &kp) ||
        !ddlrw_key_verdict(rw, &t, &kp, "index", name, &drop)) {
        return DDL_RW_REFUSED;
    }
    return drop ? DDL_RW_EMPTY : DDL_RW_REWRITTEN;
}

/* DROP INDEX [ONLINE|OFFLINE] [IF EXISTS] i ON tbl ... */
static enum ddl_rw_result
rw_drop_index(struct rw *rw)
{
    if (!ddlrw_skip_past_kw(rw, "INDEX", NULL) ||
        !ddlrw_skip_past_kw(rw, "ON", NULL)) {
        return DDL_RW_REFUSED;
    }
    return rw_one_table(rw, NULL, false);
}

/* ---- databases ---- */

static enum ddl_rw_result
rw_database(struct rw *rw, const struct ddl_stmt *st)
{
    const struct ddl_rw_map *m = rw->map;
    struct ddl_token nt;
    const char *name, *to;

    if (!ddlrw_skip_past_kw(rw, "DATABASE", "SCHEMA")) {
        return DDL_RW_REFUSED;
    }
    if (st->db_name == NULL) {
        /* ALTER DATABASE options: the default database's. */
        if (rw->defdb == NULL ||
            (m->db != NULL && m->db(m->arg, rw->defdb) == NULL)) {
            return DDL_RW_NOT_SELECTED;
        }
        return DDL_RW_REWRITTEN;
    }
    if (st->kind == DDL_CREATE_DATABASE) {
        ddlrw_opt_if_not_exists(rw);
    } else {
        ddlrw_opt_if_exists(rw);
    }
    if (!ddlrw_is_name_tok(ddlrw_peek(rw, 0))) {
        ddlrw_unexpected(rw, "a database name");
        return DDL_RW_REFUSED;
    }
    nt = ddlrw_next(rw);
    name = ddlrw_tok_name(rw, &nt);
    if (name == NULL) {
        return DDL_RW_REFUSED;
    }
    to = m->db != NULL ? m->db(m->arg, name) : name;
    if (to == NULL) {
        return DDL_RW_NOT_SELECTED;
    }
    if (strcmp(to, name) != 0) {
        ddlrw_edit_ident(rw, &nt, to);
    }
    return DDL_RW_REWRITTEN;
}

/* ---- the result ---- */

static int
edit_cmp(const void *a, const void *b)
{
    const struct rw_edit *x = a, *y = b;

    if (x->off != y->off) {
        return x->off < y->off ? -1 : 1;
    }
    /* The longer first: a cut covers a rename starting where it does. */
    if (x->end != y->end) {
        return x->end > y->end ? -1 : 1;
    }
    return 0;
}

static bool
wordish(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80 ||
           c == '`' || c == '"' || c == '\'';
}

/* The statement with the edits applied, into <out>. */
static bool
assemble(struct rw *rw, const char *sql, size_t len, struct pbuf *out)
{
    struct rw_edit *e = (struct rw_edit *)rw->edits.data;
    size_t n = rw->edits.len / sizeof(*e), i, cur = 0;

    if (rw->edits.failed || rw->text.failed) {
        out->failed = true;
        return ddlrw_refuse(rw, "out of memory");
    }
    if (n > 1) {
        qsort(e, n, sizeof(*e), edit_cmp);
    }
    for (i = 0; i < n; i++) {
        if (e[i].off < cur) {
            if (e[i].end > cur) {
                return ddlrw_refuse(rw, "cannot rewrite the statement: "
                                    "overlapping changes at offset %zu",
                                    e[i].off);
            }
            continue;           /* inside a cut */
        }
        pbuf_put(out, sql + cur, e[i].off - cur);
        if (e[i].tlen > 0) {
            pbuf_put(out, rw->text.data + e[i].text, e[i].tlen);
        } else if (out->len > 0 && e[i].end < len &&
                   wordish(out->data[out->len - 1]) &&
                   wordish((unsigned char)sql[e[i].end])) {
            pbuf_putc(out, ' ');  /* keep two tokens apart */
        }
        cur = e[i].end;
    }
    pbuf_put(out, sql + cur, len - cur);
    if (out->failed) {
        return ddlrw_refuse(rw, "out of memory");
    }
    return true;
}

enum ddl_rw_result
ddl_rewrite(const char *sql, size_t len, const char *default_db,
            const struct ddl_opts *opts, const struct ddl_rw_map *map,
            struct pbuf *out, char *err, size_t errlen)
{
    static const struct ddl_rw_map identity = {NULL, NULL, NULL, NULL};
    struct ddl_stmt st;
    struct rw rw;
    enum ddl_rw_result res;

    pbuf_reset(out);
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    memset(&st, 0, sizeof(st));
    memset(&rw, 0, sizeof(rw));
    rw.err = err;
    rw.errlen = errlen;
    if (ddl_parse(&st, sql, len, opts) != 0) {
        ddlrw_refuse(&rw, "cannot read the statement: %s", st.err);
        ddl_stmt_free(&st);
        return DDL_RW_REFUSED;
    }
    if (st.kind == DDL_NONE) {
        ddl_stmt_free(&st);
        return DDL_RW_NOT_DDL;
    }
    ddl_parser_init(&rw.ps, &rw.st, sql, len, opts);
    rw.defdb = default_db != NULL && default_db[0] != '\0' ? default_db
                                                          : NULL;
    rw.map = map != NULL ? map : &identity;
    switch (st.kind) {
    case DDL_CREATE_TABLE:
        res = rw_create_table(&rw, &st);
        break;
    case DDL_ALTER_TABLE:
        res = rw_alter_table(&rw, &st);
        break;
    case DDL_DROP_TABLE:
        res = rw_drop_table(&rw, false);
        break;
    case DDL_DROP_SEQUENCE:
        res = rw_drop_table(&rw, true);
        break;
    case DDL_RENAME_TABLE:
        res = rw_rename_table(&rw);
        break;
    case DDL_TRUNCATE_TABLE:
        res = rw_truncate(&rw);
        break;
    case DDL_CREATE_SEQUENCE:
        res = rw_one_table(&rw, "SEQUENCE", true);
        break;
    case DDL_CREATE_INDEX:
        res = rw_create_index(&rw);
        break;
    case DDL_DROP_INDEX:
        res = rw_drop_index(&rw);
        break;
    case DDL_CREATE_DATABASE:
    case DDL_ALTER_DATABASE:
    case DDL_DROP_DATABASE:
        res = rw_database(&rw, &st);
        break;
    default:
        res = DDL_RW_NOT_DDL;
        break;
    }
    if (res == DDL_RW_REWRITTEN && !rw.refused) {
        assemble(&rw, sql, len, out);
    }
    if (rw.refused) {
        res = DDL_RW_REFUSED;
    }
    if (res != DDL_RW_REWRITTEN) {
        bool failed = out->failed;

        pbuf_reset(out);
        out->failed = failed;   /* tells "out of memory" apart */
    }
    pbuf_free(&rw.edits);
    pbuf_free(&rw.text);
    ddl_stmt_free(&rw.st);
    ddl_stmt_free(&st);
    return res;
}
