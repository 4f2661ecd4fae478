/*
 * ddl_rewrite_walk.c - the token walking the DDL rewriter's statement
 * rewriters share (ddl_rewrite.c; see ddl_rewrite.h for what the rewriter
 * does and ddl_rewrite_int.h for the walk's types).
 *
 * The walkers read the statement's tokens again through rw->ps after
 * ddl_parse() accepted it, map every database, table and column name they
 * pass through the caller's mapping, and record edits: a token replaced by
 * a quoted name (ddlrw_edit_ident()) or a byte range cut out (ddlrw_cut(),
 * ddlrw_drop_items()), never cutting half of an executable comment.  Here
 * are the token helpers, the edits, table references, expressions (with
 * sequence calls), column definitions, key parts, indexes, foreign keys
 * and the element list of CREATE TABLE / ALTER ... ADD.  Nothing
 * recurses: expressions are scanned with a depth counter, as ddl.c does.
 */
#include "proto/mysql/ddl_rewrite_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "proto/mysql/sqlenc.h"

/* ---- errors ---- */

/* Sets the reason (the first one wins) on one line; returns false. */
bool
ddlrw_refuse(struct rw *rw, const char *fmt, ...)
{
    va_list ap;
    size_t i;

    if (rw->refused) {
        return false;
    }
    rw->refused = true;
    if (rw->err == NULL || rw->errlen == 0) {
        return false;
    }
    va_start(ap, fmt);
    vsnprintf(rw->err, rw->errlen, fmt, ap);
    va_end(ap);
    for (i = 0; rw->err[i] != '\0'; i++) {
        unsigned char c = (unsigned char)rw->err[i];

        if (c < 0x20 || c == 0x7f) {
            rw->err[i] = ' ';   /* names may hold newlines */
        }
    }
    return false;
}

/* "expected <what>" at the next token, or the lexer's error. */
bool
ddlrw_unexpected(struct rw *rw, const char *what)
{
    const struct ddl_token *t = ddl_peek(&rw->ps, 0);

    if (rw->ps.failed) {
        return ddlrw_refuse(rw, "cannot read the statement: %s", rw->st.err);
    }
    if (t->kind == DDL_TK_END) {
        return ddlrw_refuse(rw, "cannot rewrite the statement: expected %s at "
                            "the end", what);
    }
    return ddlrw_refuse(rw, "cannot rewrite the statement: expected %s at "
                        "offset %zu", what, t->off);
}

/* ---- tokens ---- */

const struct ddl_token *
ddlrw_peek(struct rw *rw, unsigned k)
{
    return ddl_peek(&rw->ps, k);
}

struct ddl_token
ddlrw_next(struct rw *rw)
{
    return ddl_next(&rw->ps);
}

bool
ddlrw_is_kw(struct rw *rw, unsigned k, const char *kw)
{
    return ddl_is_kw(&rw->ps, k, kw);
}

bool
ddlrw_accept_kw(struct rw *rw, const char *kw)
{
    return ddl_accept_kw(&rw->ps, kw);
}

bool
ddlrw_is_punct(struct rw *rw, unsigned k, char c)
{
    return ddl_is_punct(&rw->ps, k, c);
}

bool
ddlrw_accept_punct(struct rw *rw, char c)
{
    return ddl_accept_punct(&rw->ps, c);
}

bool
ddlrw_is_name_tok(const struct ddl_token *t)
{
    return t->kind == DDL_TK_WORD || t->kind == DDL_TK_IDENT;
}

/* The end of the statement (a ';' counts). */
bool
ddlrw_at_end(struct rw *rw)
{
    return ddlrw_peek(rw, 0)->kind == DDL_TK_END || ddlrw_is_punct(rw, 0, ';');
}

/* A ',' , ')' or ';' at the current depth, or the end. */
static bool
at_sep(struct rw *rw)
{
    const struct ddl_token *t = ddlrw_peek(rw, 0);

    return t->kind == DDL_TK_END ||
           (t->kind == DDL_TK_PUNCT &&
            (t->p[0] == ',' || t->p[0] == ')' || t->p[0] == ';'));
}

/* The unquoted name of token <t>, in the walk's arena. */
const char *
ddlrw_tok_name(struct rw *rw, const struct ddl_token *t)
{
    const char *s = ddl_tok_name(&rw->ps, t);

    if (s == NULL) {
        ddlrw_refuse(rw, "cannot rewrite the statement: %s", rw->st.err);
    }
    return s;
}

void
ddlrw_opt_if_exists(struct rw *rw)
{
    if (ddlrw_is_kw(rw, 0, "IF") && ddlrw_is_kw(rw, 1, "EXISTS")) {
        ddlrw_next(rw);
        ddlrw_next(rw);
    }
}

void
ddlrw_opt_if_not_exists(struct rw *rw)
{
    if (ddlrw_is_kw(rw, 0, "IF") && ddlrw_is_kw(rw, 1, "NOT") &&
        ddlrw_is_kw(rw, 2, "EXISTS")) {
        ddlrw_next(rw);
        ddlrw_next(rw);
        ddlrw_next(rw);
    }
}

/* [WAIT n | NOWAIT] (MariaDB) */
void
ddlrw_opt_wait(struct rw *rw)
{
    if (ddlrw_is_kw(rw, 0, "WAIT") &&
        ddlrw_peek(rw, 1)->kind == DDL_TK_NUMBER) {
        ddlrw_next(rw);
        ddlrw_next(rw);
    } else {
        ddlrw_accept_kw(rw, "NOWAIT");
    }
}

/* Consumes words up to and including <kw1> or <kw2> (may be NULL). */
bool
ddlrw_skip_past_kw(struct rw *rw, const char *kw1, const char *kw2)
{
    for (;;) {
        const struct ddl_token *t = ddlrw_peek(rw, 0);

        if (t->kind == DDL_TK_END || rw->ps.failed) {
            return ddlrw_unexpected(rw, kw1);
        }
        if (ddl_tok_is(t, kw1) || (kw2 != NULL && ddl_tok_is(t, kw2))) {
            ddlrw_next(rw);
            return true;
        }
        ddlrw_next(rw);
    }
}

/* An option value as ddl.c reads one: signs, then a word, number or
 * quoted name, or adjacent strings. */
void
ddlrw_skip_value(struct rw *rw)
{
    while (ddlrw_is_punct(rw, 0, '-') || ddlrw_is_punct(rw, 0, '+')) {
        ddlrw_next(rw);
    }
    if (ddlrw_peek(rw, 0)->kind == DDL_TK_STRING) {
        while (ddlrw_peek(rw, 0)->kind == DDL_TK_STRING) {
            ddlrw_next(rw);
        }
    } else if (ddlrw_peek(rw, 0)->kind != DDL_TK_END &&
               ddlrw_peek(rw, 0)->kind != DDL_TK_PUNCT) {
        ddlrw_next(rw);
    }
}

/*
 * Consumes a balanced (...) group, '(' being next.  The end of the
 * statement also ends it: ddl_parse() accepted the statement, and only
 * its partition clauses may stop with a group open.
 */
bool
ddlrw_skip_group(struct rw *rw)
{
    size_t depth = 0;

    if (!ddlrw_is_punct(rw, 0, '(')) {
        return ddlrw_unexpected(rw, "'('");
    }
    do {
        const struct ddl_token *t = ddlrw_peek(rw, 0);

        if (t->kind == DDL_TK_END) {
            return !rw->ps.failed || ddlrw_unexpected(rw, "')'");
        }
        if (t->kind == DDL_TK_PUNCT && t->p[0] == '(') {
            depth++;
        } else if (t->kind == DDL_TK_PUNCT && t->p[0] == ')') {
            depth--;
        }
        ddlrw_next(rw);
    } while (depth > 0);
    return true;
}

/* Consumes tokens up to a ',' or ')' at depth 0 or the end (a ';' is
 * skipped, as ddl.c's skip_to_sep() does). */
bool
ddlrw_skip_to_sep(struct rw *rw)
{
    while (ddlrw_peek(rw, 0)->kind != DDL_TK_END &&
           !ddlrw_is_punct(rw, 0, ',') && !ddlrw_is_punct(rw, 0, ')')) {
        if (ddlrw_is_punct(rw, 0, '(')) {
            if (!ddlrw_skip_group(rw)) {
                return false;
            }
            continue;
        }
        ddlrw_next(rw);
    }
    return !rw->ps.failed || ddlrw_unexpected(rw, "a token");
}

/* ---- edits ---- */

static void
add_edit(struct rw *rw, size_t off, size_t end, size_t text, size_t tlen)
{
    struct rw_edit e;

    e.off = off;
    e.end = end;
    e.text = text;
    e.tlen = tlen;
    pbuf_put(&rw->edits, &e, sizeof(e));
}

/* Replaces token <t> by <name> in backquotes. */
void
ddlrw_edit_ident(struct rw *rw, const struct ddl_token *t, const char *name)
{
    size_t mark = rw->text.len;

    sqlenc_ident(&rw->text, name, strlen(name));
    add_edit(rw, t->off, ddl_tok_end(&rw->ps, t), mark, rw->text.len - mark);
}

/*
 * Cuts [off, end) out if the executable comments that open or close in it
 * pair up there: <ma> and <mb> are the exec-comment counts of the first
 * token inside and of the last (or of the token right after <end>).
 */
static bool
try_cut(struct rw *rw, size_t off, size_t end, unsigned ma, unsigned mb)
{
    if (mb < ma || !ddl_span_balanced(&rw->ps, off, end, mb - ma)) {
        return false;
    }
    if (end > off) {
        add_edit(rw, off, end, 0, 0);
    }
    return true;
}

bool
ddlrw_cut(struct rw *rw, size_t off, size_t end, unsigned ma, unsigned mb,
          const char *what)
{
    return try_cut(rw, off, end, ma, mb) ||
           ddlrw_refuse(rw, "cannot drop %s: it straddles an executable "
                        "comment", what);
}

/* Consumes the ',' that is next. */
void
ddlrw_take_comma(struct rw *rw, struct rw_comma *c)
{
    ddlrw_next(rw);
    c->off = rw->ps.last.off;
    c->marks = rw->ps.last_marks;
}

void
ddlrw_item_begin(struct rw *rw, struct rw_item *it, struct rw_comma *comma)
{
    const struct ddl_token *t = ddlrw_peek(rw, 0);

    memset(it, 0, sizeof(*it));
    it->comma = comma->off;
    it->comma_marks = comma->marks;
    it->off = t->off;
    it->marks = ddl_peek_marks(&rw->ps, 0);
    comma->off = NO_COMMA;      /* used once */
}

/* <next> moved back over the blanks before it, not before <end>. */
static size_t
trim_blanks(const struct rw *rw, size_t end, size_t next)
{
    const char *s = rw->ps.lx.s;

    while (next > end && (s[next - 1] == ' ' || s[next - 1] == '\t' ||
                          s[next - 1] == '\n' || s[next - 1] == '\r')) {
        next--;
    }
    return next;
}

void
ddlrw_item_end(struct rw *rw, struct rw_item *it)
{
    it->end = ddl_tok_end(&rw->ps, &rw->ps.last);
    it->end_marks = rw->ps.last_marks;
    if (it->end < it->off) {
        it->end = it->off;      /* consumed nothing (refused anyway) */
    }
    it->next = trim_blanks(rw, it->end, ddlrw_peek(rw, 0)->off);
    it->next_marks = ddl_peek_marks(&rw->ps, 0);
}

/*
 * Cuts the items marked drop out of the list it[0..n), at least one of
 * which stays: a run of dropped items goes with the ',' before it, or, at
 * the head of the list, with the ',' after it.
 */
bool
ddlrw_drop_items(struct rw *rw, const struct rw_item *it, size_t n,
                 const char *what)
{
    size_t i, j;
    bool ok = true;

    for (i = 0; i < n && ok; i = j + 1) {
        j = i;
        if (!it[i].drop) {
            continue;
        }
        while (j + 1 < n && it[j + 1].drop) {
            j++;
        }
        /* To the end of the run's last token, or else on to the next
         * token (over the closing of a comment the run opened). */
        if (it[i].comma != NO_COMMA) {
            ok = try_cut(rw, it[i].comma, it[j].end, it[i].comma_marks,
                         it[j].end_marks) ||
                 ddlrw_cut(rw, it[i].comma, it[j].next, it[i].comma_marks,
                           it[j].next_marks, what);
        } else if (j + 1 < n) {
            ok = ddlrw_cut(rw, it[i].off, it[j + 1].off, it[i].marks,
                           it[j + 1].marks, what);
        } else {
            ok = try_cut(rw, it[i].off, it[j].end, it[i].marks,
                         it[j].end_marks) ||
                 ddlrw_cut(rw, it[i].off, it[j].next, it[i].marks,
                           it[j].next_marks, what);
        }
    }
    return ok;
}

/* ---- names ---- */

/* [db.]table */
bool
ddlrw_read_tref(struct rw *rw, struct rw_tref *r)
{
    struct ddl_token a;

    memset(r, 0, sizeof(*r));
    if (!ddlrw_is_name_tok(ddlrw_peek(rw, 0))) {
        return ddlrw_unexpected(rw, "a table name");
    }
    a = ddlrw_next(rw);
    if (ddlrw_is_punct(rw, 0, '.') && ddlrw_is_name_tok(ddlrw_peek(rw, 1))) {
        ddlrw_next(rw);
        r->qualified = true;
        r->dbt = a;
        r->namet = ddlrw_next(rw);
        r->db = ddlrw_tok_name(rw, &r->dbt);
        if (r->db == NULL) {
            return false;
        }
    } else {
        r->namet = a;
        r->db = rw->defdb;
    }
    r->name = ddlrw_tok_name(rw, &r->namet);
    return r->name != NULL;
}

/* What the mapping makes of <db>.<name> (db NULL: no database). */
void
ddlrw_resolve_names(struct rw *rw, const char *db, const char *name,
                    struct rw_table *t)
{
    const struct ddl_rw_map *m = rw->map;

    memset(t, 0, sizeof(*t));
    t->db = db;
    t->name = name;
    if (db == NULL || name == NULL) {
        return;
    }
    t->mdb = m->db != NULL ? m->db(m->arg, db) : db;
    if (t->mdb == NULL) {
        return;
    }
    t->mname = m->table != NULL ? m->table(m->arg, db, name, &t->rules)
                                : name;
    if (t->mname == NULL) {
        t->mdb = NULL;
    }
}

void
ddlrw_resolve(struct rw *rw, const struct rw_tref *r, struct rw_table *t)
{
    ddlrw_resolve_names(rw, r->db, r->name, t);
}

bool
ddlrw_selected(const struct rw_table *t)
{
    return t->mname != NULL;
}

/* Writes the destination names of a copied table over the source ones. */
void
ddlrw_emit_tref(struct rw *rw, const struct rw_tref *r,
                const struct rw_table *t)
{
    if (r->qualified && strcmp(t->mdb, r->db) != 0) {
        ddlrw_edit_ident(rw, &r->dbt, t->mdb);
    }
    if (strcmp(t->mname, r->name) != 0) {
        ddlrw_edit_ident(rw, &r->namet, t->mname);
    }
}

enum col_v
ddlrw_map_col(struct rw *rw, const struct rw_table *t, const char *col,
              const char **to)
{
    const struct ddl_rw_map *m = rw->map;
    const char *d = m->column != NULL ? m->column(m->arg, t->db, t->name, col)
                                      : col;

    *to = d;
    if (d == NULL) {
        return COL_EXCLUDED;
    }
    return strcmp(d, col) == 0 ? COL_SAME : COL_RENAMED;
}

/* Consumes a column name of table <t>, renaming it in place. */
bool
ddlrw_col_token(struct rw *rw, const struct rw_table *t, enum col_v *v,
                const char **name)
{
    struct ddl_token tk;
    const char *to;

    if (!ddlrw_is_name_tok(ddlrw_peek(rw, 0))) {
        return ddlrw_unexpected(rw, "a column name");
    }
    tk = ddlrw_next(rw);
    *name = ddlrw_tok_name(rw, &tk);
    if (*name == NULL) {
        return false;
    }
    *v = ddlrw_map_col(rw, t, *name, &to);
    if (*v == COL_RENAMED) {
        ddlrw_edit_ident(rw, &tk, to);
    }
    return true;
}

/* ---- expressions ---- */

/* Operator words: never columns (reserved), not counted as names. */
static const char *const expr_words[] = {
    "AND", "OR", "NOT", "XOR", "IS", "NULL", "TRUE", "FALSE", "IN",
    "BETWEEN", "LIKE", "REGEXP", "RLIKE", "DIV", "MOD", "CASE", "WHEN",
    "THEN", "ELSE", "END", "UNKNOWN", "ESCAPE", "BINARY", "COLLATE",
    "INTERVAL", "SOUNDS",
};

static bool
expr_word(const struct ddl_token *t)
{
    size_t i;

    for (i = 0; i < sizeof(expr_words) / sizeof(expr_words[0]); i++) {
        if (ddl_tok_is(t, expr_words[i])) {
            return true;
        }
    }
    return false;
}

/* Does <t> end an operand (or is it AS), so that a word after it is not
 * a column? */
static bool
ends_operand(const struct ddl_token *t)
{
    switch (t->kind) {
    case DDL_TK_NUMBER:
    case DDL_TK_STRING:
    case DDL_TK_IDENT:
        return true;
    case DDL_TK_WORD:
        return !expr_word(t);
    case DDL_TK_PUNCT:
        return t->p[0] == ')';
    default:
        return false;
    }
}

/* A sequence's name in an expression: mapped like any table. */
static bool
expr_sequence(struct rw *rw)
{
    struct rw_tref r;
    struct rw_table t;

    if (!ddlrw_is_name_tok(ddlrw_peek(rw, 0))) {
        return true;            /* no name: nothing to map */
    }
    if (!ddlrw_read_tref(rw, &r)) {
        return false;
    }
    ddlrw_resolve(rw, &r, &t);
    if (!ddlrw_selected(&t)) {
        return ddlrw_refuse(rw, "an expression uses sequence %s%s%s, which is "
                            "not copied", TNAME(&t));
    }
    ddlrw_emit_tref(rw, &r, &t);
    return true;
}

/* NEXTVAL(s) / LASTVAL(s) / SETVAL(s, ...): the word and '(' are next. */
static bool
is_seq_call(struct rw *rw)
{
    const struct ddl_token *t = ddlrw_peek(rw, 0);

    return (ddl_tok_is(t, "NEXTVAL") || ddl_tok_is(t, "LASTVAL") ||
            ddl_tok_is(t, "SETVAL")) &&
           ddlrw_is_punct(rw, 1, '(');
}

/* Consumes a sequence function call through its ')'. */
static bool
walk_seq_call(struct rw *rw)
{
    size_t depth = 1;

    ddlrw_next(rw);
    ddlrw_next(rw);
    if (!expr_sequence(rw)) {
        return false;
    }
    while (depth > 0) {
        const struct ddl_token *t = ddlrw_peek(rw, 0);

        if (t->kind == DDL_TK_END) {
            return !rw->ps.failed || ddlrw_unexpected(rw, "')'");
        }
        if (t->kind == DDL_TK_PUNCT && t->p[0] == '(') {
            depth++;
        } else if (t->kind == DDL_TK_PUNCT && t->p[0] == ')') {
            depth--;
        }
        ddlrw_next(rw);
    }
    return true;
}

/* NEXT VALUE FOR s / PREVIOUS VALUE FOR s (MariaDB) */
static bool
is_value_for(struct rw *rw)
{
    return (ddlrw_is_kw(rw, 0, "NEXT") || ddlrw_is_kw(rw, 0, "PREVIOUS")) &&
           ddlrw_is_kw(rw, 1, "VALUE") && ddlrw_is_kw(rw, 2, "FOR");
}

/* One name inside an expression over the columns of <t>. */
static bool
expr_name(struct rw *rw, const struct rw_table *t, struct expr_refs *er)
{
    const struct ddl_token *tk = ddlrw_peek(rw, 0);
    struct ddl_token prev = rw->ps.last, cur;
    bool word = tk->kind == DDL_TK_WORD;
    const char *name, *to;
    enum col_v v;

    if (word && is_seq_call(rw)) {
        return walk_seq_call(rw);
    }
    if (word && ddlrw_is_punct(rw, 1, '(')) {
        ddlrw_next(rw);         /* a function's name */
        return true;
    }
    if (word && is_value_for(rw)) {
        ddlrw_next(rw);
        ddlrw_next(rw);
        ddlrw_next(rw);
        return expr_sequence(rw);
    }
    if (word && tk->p[0] == '_' && ddlrw_peek(rw, 1)->kind == DDL_TK_STRING) {
        ddlrw_next(rw);         /* a _charset introducer */
        return true;
    }
    if (ddl_tok_is(&prev, "COLLATE") || ddl_tok_is(&prev, "USING")) {
        ddlrw_next(rw);         /* a collation or charset name */
        return true;
    }
    if (ddlrw_is_punct(rw, 1, '.') && ddlrw_is_name_tok(ddlrw_peek(rw, 2))) {
        /* [db.]table.column: the table is not checked, so a mapped
         * column is not rewritten there. */
        while (ddlrw_is_name_tok(ddlrw_peek(rw, 0)) &&
               ddlrw_is_punct(rw, 1, '.') &&
               ddlrw_is_name_tok(ddlrw_peek(rw, 2))) {
            ddlrw_next(rw);
            ddlrw_next(rw);
        }
        cur = ddlrw_next(rw);
        name = ddlrw_tok_name(rw, &cur);
        if (name == NULL) {
            return false;
        }
        if (ddlrw_map_col(rw, t, name, &to) != COL_SAME) {
            return ddlrw_refuse(rw, "cannot rewrite the qualified column "
                                "reference to %s in an expression of %s%s%s",
                                name, TNAME(t));
        }
        er->others++;
        return true;
    }
    cur = ddlrw_next(rw);
    name = ddlrw_tok_name(rw, &cur);
    if (name == NULL) {
        return false;
    }
    v = ddlrw_map_col(rw, t, name, &to);
    if (v == COL_SAME) {
        if (!(word && expr_word(&cur))) {
            er->others++;
        }
        return true;
    }
    if (word && ends_operand(&prev)) {
        /* Two operands are never adjacent: after one, a word is a type
         * (CAST(x AS date)), a unit (INTERVAL n day) or a keyword. */
        return ddlrw_refuse(rw, "cannot tell whether %s in an expression of "
                            "%s%s%s is the column of that name", name,
                            TNAME(t));
    }
    if (v == COL_EXCLUDED) {
        er->excluded++;
        if (er->first == NULL) {
            er->first = name;
        }
        return true;
    }
    ddlrw_edit_ident(rw, &cur, to);
    return true;
}

/* A parenthesised expression over the columns of <t>, '(' being next
 * (ended by the end of the statement too, as ddlrw_skip_group()). */
bool
ddlrw_walk_expr(struct rw *rw, const struct rw_table *t, struct expr_refs *er)
{
    size_t depth = 0;

    if (!ddlrw_is_punct(rw, 0, '(')) {
        return ddlrw_unexpected(rw, "'('");
    }
    do {
        const struct ddl_token *tk = ddlrw_peek(rw, 0);

        if (rw->ps.failed) {
            return ddlrw_unexpected(rw, "')'");
        }
        if (tk->kind == DDL_TK_END) {
            return true;
        }
        if (tk->kind == DDL_TK_PUNCT) {
            if (tk->p[0] == '(') {
                depth++;
            } else if (tk->p[0] == ')') {
                depth--;
            }
            ddlrw_next(rw);
        } else if (ddlrw_is_name_tok(tk)) {
            if (!expr_name(rw, t, er)) {
                return false;
            }
        } else {
            ddlrw_next(rw);
        }
    } while (depth > 0);
    return true;
}

/* A name as a whole operand (DEFAULT col): a column of <t>. */
static bool
value_name(struct rw *rw, const struct rw_table *t, struct expr_refs *er)
{
    struct ddl_token cur = ddlrw_next(rw);
    const char *name = ddlrw_tok_name(rw, &cur), *to;
    enum col_v v;

    if (name == NULL) {
        return false;
    }
    if (ddlrw_is_punct(rw, 0, '.')) {
        /* db.seq or table.col: ddl.c skips the chain; a mapped name in
         * it is not guessed at. */
        while (ddlrw_is_punct(rw, 0, '.') &&
               ddlrw_is_name_tok(ddlrw_peek(rw, 1))) {
            ddlrw_next(rw);
            cur = ddlrw_next(rw);
        }
        name = ddlrw_tok_name(rw, &cur);
        if (name != NULL && ddlrw_map_col(rw, t, name, &to) != COL_SAME) {
            return ddlrw_refuse(rw, "cannot rewrite the qualified name %s in a "
                                "default of %s%s%s", name, TNAME(t));
        }
        return name != NULL;
    }
    v = ddlrw_map_col(rw, t, name, &to);
    if (v == COL_EXCLUDED) {
        er->excluded++;
        if (er->first == NULL) {
            er->first = name;
        }
    } else if (v == COL_RENAMED) {
        ddlrw_edit_ident(rw, &cur, to);
    }
    return true;
}

/*
 * A DEFAULT / ON UPDATE value as ddl.c reads one (ddl_skip_expr_value()):
 * operands (literals, names, calls, (expressions)) joined by arithmetic
 * operators.
 */
bool
ddlrw_walk_value(struct rw *rw, const struct rw_table *t, struct expr_refs *er)
{
    int rounds = 0;

    for (;;) {
        const struct ddl_token *tk;

        while (ddlrw_is_punct(rw, 0, '-') || ddlrw_is_punct(rw, 0, '+') ||
               ddlrw_is_punct(rw, 0, '~') || ddlrw_is_punct(rw, 0, '!')) {
            ddlrw_next(rw);
        }
        tk = ddlrw_peek(rw, 0);
        if (tk->kind == DDL_TK_STRING) {
            while (ddlrw_peek(rw, 0)->kind == DDL_TK_STRING) {
                ddlrw_next(rw);
            }
        } else if (tk->kind == DDL_TK_NUMBER) {
            ddlrw_next(rw);
        } else if (tk->kind == DDL_TK_WORD && is_value_for(rw)) {
            ddlrw_next(rw);
            ddlrw_next(rw);
            ddlrw_next(rw);
            if (!expr_sequence(rw)) {
                return false;
            }
        } else if (tk->kind == DDL_TK_WORD && is_seq_call(rw)) {
            if (!walk_seq_call(rw)) {
                return false;
            }
        } else if (tk->kind == DDL_TK_WORD &&
                   (ddlrw_peek(rw, 1)->kind == DDL_TK_STRING ||
                    ddlrw_is_punct(rw, 1, '('))) {
            ddlrw_next(rw);     /* an introducer, or a function's name */
            if (ddlrw_is_punct(rw, 0, '(')) {
                if (!ddlrw_walk_expr(rw, t, er)) {
                    return false;
                }
            } else {
                while (ddlrw_peek(rw, 0)->kind == DDL_TK_STRING) {
                    ddlrw_next(rw);
                }
            }
        } else if (tk->kind == DDL_TK_WORD &&
                   (expr_word(tk) || ddl_tok_is(tk, "CURRENT_TIMESTAMP") ||
                    ddl_tok_is(tk, "LOCALTIME") ||
                    ddl_tok_is(tk, "LOCALTIMESTAMP") ||
                    ddl_tok_is(tk, "CURRENT_DATE") ||
                    ddl_tok_is(tk, "CURRENT_TIME") ||
                    ddl_tok_is(tk, "NOW"))) {
            ddlrw_next(rw);
        } else if (ddlrw_is_name_tok(tk)) {
            if (!value_name(rw, t, er)) {
                return false;
            }
        } else if (ddlrw_is_punct(rw, 0, '(')) {
            if (!ddlrw_walk_expr(rw, t, er)) {
                return false;
            }
        } else {
            return true;        /* ddl.c refused it already */
        }
        tk = ddlrw_peek(rw, 0);
        if (tk->kind != DDL_TK_PUNCT || strchr("+-*/%|&^", tk->p[0]) == NULL ||
            ++rounds >= 1000) {
            return true;
        }
        ddlrw_next(rw);
    }
}

/* ---- column definitions, keys, references ---- */

/*
 * (col, ...) of a foreign key or its REFERENCES, '(' being next: ddl.c
 * skips these whole, so any token is taken; the names at depth 1 (but
 * ASC, DESC) are columns of <t>.
 */
static bool
walk_name_group(struct rw *rw, const struct rw_table *t, struct key_parts *kp)
{
    size_t depth = 0;
    enum col_v v;
    const char *name;

    do {
        const struct ddl_token *tk = ddlrw_peek(rw, 0);

        if (tk->kind == DDL_TK_END) {
            return !rw->ps.failed || ddlrw_unexpected(rw, "')'");
        }
        if (depth == 1 && ddlrw_is_name_tok(tk) && !ddl_tok_is(tk, "ASC") &&
            !ddl_tok_is(tk, "DESC")) {
            if (!ddlrw_col_token(rw, t, &v, &name)) {
                return false;
            }
            if (v == COL_EXCLUDED) {
                kp->excluded++;
                if (kp->first == NULL) {
                    kp->first = name;
                }
            } else {
                kp->kept++;
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

/* REFERENCES read: tbl [(col, ...)], from <t>'s <what>. */
static bool
walk_references(struct rw *rw, const struct rw_table *t, const char *what)
{
    struct rw_tref r;
    struct rw_table rt;
    struct key_parts kp;

    if (!ddlrw_is_name_tok(ddlrw_peek(rw, 0))) {
        return true;            /* not SQL a server runs: left as it is */
    }
    if (!ddlrw_read_tref(rw, &r)) {
        return false;
    }
    ddlrw_resolve(rw, &r, &rt);
    if (!ddlrw_selected(&rt)) {
        return ddlrw_refuse(rw, "%s of %s%s%s references table %s%s%s, "
                            "which is not copied", what, TNAME(t),
                            TNAME(&rt));
    }
    ddlrw_emit_tref(rw, &r, &rt);
    if (!ddlrw_is_punct(rw, 0, '(')) {
        return true;
    }
    memset(&kp, 0, sizeof(kp));
    if (!walk_name_group(rw, &rt, &kp)) {
        return false;
    }
    if (kp.excluded > 0) {
        return ddlrw_refuse(rw, "%s of %s%s%s references excluded column %s of "
                            "%s%s%s", what, TNAME(t), kp.first, TNAME(&rt));
    }
    return true;
}

/*
 * A column definition's attributes: expressions (DEFAULT (...), AS (...),
 * CHECK (...)), sequence defaults and REFERENCES.  Stops at ',', ')', the
 * end, and in an ALTER at FIRST/AFTER.
 */
static bool
walk_column_rest(struct rw *rw, const struct rw_table *t, const char *col,
                 bool in_alter)
{
    struct expr_refs er;
    char what[96];

    for (;;) {
        const struct ddl_token *tk = ddlrw_peek(rw, 0);

        if (rw->ps.failed) {
            return ddlrw_unexpected(rw, "a column attribute");
        }
        if (at_sep(rw) || (in_alter && (ddl_tok_is(tk, "FIRST") ||
                                        ddl_tok_is(tk, "AFTER")))) {
            return true;
        }
        if ((tk->kind == DDL_TK_PUNCT && tk->p[0] == '(') ||
            ddl_tok_is(tk, "DEFAULT") ||
            (ddl_tok_is(tk, "ON") && ddlrw_is_kw(rw, 1, "UPDATE"))) {
            memset(&er, 0, sizeof(er));
            if (tk->kind == DDL_TK_PUNCT) {
                if (!ddlrw_walk_expr(rw, t, &er)) {
                    return false;
                }
            } else {
                if (ddl_tok_is(tk, "ON")) {
                    ddlrw_next(rw);
                }
                ddlrw_next(rw);
                if (!ddlrw_walk_value(rw, t, &er)) {
                    return false;
                }
            }
            if (er.excluded > 0) {
                return ddlrw_refuse(rw, "column %s of %s%s%s is computed "
                                    "from or checked against excluded "
                                    "column %s", col, TNAME(t), er.first);
            }
        } else if (is_seq_call(rw)) {
            if (!walk_seq_call(rw)) {
                return false;
            }
        } else if (is_value_for(rw)) {
            ddlrw_next(rw);
            ddlrw_next(rw);
            ddlrw_next(rw);
            if (!expr_sequence(rw)) {
                return false;
            }
        } else if (ddl_tok_is(tk, "REFERENCES")) {
            ddlrw_next(rw);
            snprintf(what, sizeof(what), "column %s", col);
            if (!walk_references(rw, t, what)) {
                return false;
            }
        } else {
            ddlrw_next(rw);
        }
    }
}

/* name type attributes; *excluded: the column is not copied (skipped). */
bool
ddlrw_walk_column_def(struct rw *rw, const struct rw_table *t, bool in_alter,
                      bool *excluded)
{
    enum col_v v;
    const char *name;

    *excluded = false;
    if (!ddlrw_col_token(rw, t, &v, &name)) {
        return false;
    }
    if (v == COL_EXCLUDED) {
        *excluded = true;
        return ddlrw_skip_to_sep(rw);
    }
    if (ddlrw_peek(rw, 0)->kind == DDL_TK_WORD) {
        ddlrw_next(rw);         /* the type, whatever word (ddl.c) */
    }
    return walk_column_rest(rw, t, name, in_alter);
}

/* (part, ...) of an index, '(' being next. */
bool
ddlrw_walk_key_parts(struct rw *rw, const struct rw_table *t,
                     struct key_parts *kp)
{
    struct expr_refs er;
    enum col_v v;
    const char *name;

    if (!ddlrw_accept_punct(rw, '(')) {
        return ddlrw_unexpected(rw, "'('");
    }
    do {
        if (ddlrw_is_punct(rw, 0, '(')) {
            memset(&er, 0, sizeof(er));
            if (!ddlrw_walk_expr(rw, t, &er)) {
                return false;
            }
            if (er.excluded > 0) {
                kp->excluded++;
                kp->mixed = kp->mixed || er.others > 0;
                if (kp->first == NULL) {
                    kp->first = er.first;
                }
            } else {
                kp->kept++;
            }
        } else {
            if (!ddlrw_col_token(rw, t, &v, &name)) {
                return false;
            }
            if (v == COL_EXCLUDED) {
                kp->excluded++;
                if (kp->first == NULL) {
                    kp->first = name;
                }
            } else {
                kp->kept++;
            }
            if (ddlrw_is_punct(rw, 0, '(') && !ddlrw_skip_group(rw)) {
                return false;   /* prefix length */
            }
        }
        if (!ddlrw_accept_kw(rw, "ASC")) {
            ddlrw_accept_kw(rw, "DESC");
        }
    } while (ddlrw_accept_punct(rw, ','));
    return ddlrw_accept_punct(rw, ')') || ddlrw_unexpected(rw, "')'");
}

/* Kept (true, *drop false), dropped (true, *drop) or refused (false). */
bool
ddlrw_key_verdict(struct rw *rw, const struct rw_table *t,
                  const struct key_parts *kp, const char *what,
                  const char *name, bool *drop)
{
    *drop = false;
    if (kp->excluded == 0) {
        return true;
    }
    if (kp->kept == 0 && !kp->mixed) {
        *drop = true;
        return true;
    }
    return ddlrw_refuse(rw, "%s%s%s of %s%s%s mixes excluded column %s with "
                        "copied columns", what, name != NULL ? " " : "",
                        name != NULL ? name : "", TNAME(t), kp->first);
}

/* [IF NOT EXISTS] [name] [USING type] before the key parts (ddl.c's
 * parse_index_body()); *name NULL when there is none. */
bool
ddlrw_index_head(struct rw *rw, const char **name)
{
    const struct ddl_token *tk;
    struct ddl_token nt;

    *name = NULL;
    ddlrw_opt_if_not_exists(rw);
    tk = ddlrw_peek(rw, 0);
    if ((tk->kind == DDL_TK_WORD && !ddl_tok_is(tk, "USING") &&
         !ddl_tok_is(tk, "TYPE")) ||
        tk->kind == DDL_TK_IDENT) {
        nt = ddlrw_next(rw);
        *name = ddlrw_tok_name(rw, &nt);
        if (*name == NULL) {
            return false;
        }
    }
    if (ddlrw_accept_kw(rw, "USING") || ddlrw_accept_kw(rw, "TYPE")) {
        ddlrw_skip_value(rw);
    }
    return true;
}

/* [IF NOT EXISTS] [name] [USING type] (parts) [options] */
static bool
walk_index_body(struct rw *rw, const struct rw_table *t, const char *what,
                bool *drop)
{
    const char *name;
    struct key_parts kp;

    memset(&kp, 0, sizeof(kp));
    return ddlrw_index_head(rw, &name) && ddlrw_walk_key_parts(rw, t, &kp) &&
           ddlrw_key_verdict(rw, t, &kp, what, name, drop) &&
           ddlrw_skip_to_sep(rw);
}

/* FOREIGN KEY read: [IF NOT EXISTS] [name] (cols) REFERENCES ... */
static bool
walk_foreign_key(struct rw *rw, const struct rw_table *t, const char *cname,
                 bool *drop)
{
    struct key_parts kp;
    char what[96];

    ddlrw_opt_if_not_exists(rw);
    if (ddlrw_is_name_tok(ddlrw_peek(rw, 0))) {
        ddlrw_next(rw);         /* the index name */
    }
    memset(&kp, 0, sizeof(kp));
    if (ddlrw_is_punct(rw, 0, '(') && !walk_name_group(rw, t, &kp)) {
        return false;
    }
    if (!ddlrw_key_verdict(rw, t, &kp, "FOREIGN KEY", cname, drop)) {
        return false;
    }
    if (*drop || !ddlrw_accept_kw(rw, "REFERENCES")) {
        return ddlrw_skip_to_sep(rw);
    }
    snprintf(what, sizeof(what), "FOREIGN KEY%s%s", cname != NULL ? " " : "",
             cname != NULL ? cname : "");
    return walk_references(rw, t, what) && ddlrw_skip_to_sep(rw);
}

/* Does the next element start an index or constraint (as ddl.c sees)? */
bool
ddlrw_starts_index(struct rw *rw)
{
    const struct ddl_token *t = ddlrw_peek(rw, 0);

    return ddl_tok_is(t, "CONSTRAINT") || ddl_tok_is(t, "PRIMARY") ||
           ddl_tok_is(t, "INDEX") || ddl_tok_is(t, "KEY") ||
           ddl_tok_is(t, "UNIQUE") || ddl_tok_is(t, "FULLTEXT") ||
           ddl_tok_is(t, "SPATIAL") || ddl_tok_is(t, "FOREIGN") ||
           ddl_tok_is(t, "CHECK") ||
           (ddl_tok_is(t, "VECTOR") &&
            (ddlrw_is_kw(rw, 1, "INDEX") || ddlrw_is_kw(rw, 1, "KEY"))) ||
           (ddl_tok_is(t, "PERIOD") && ddlrw_is_kw(rw, 1, "FOR"));
}

/* One element of a CREATE TABLE / ALTER ... ADD list. */
bool
ddlrw_walk_element(struct rw *rw, const struct rw_table *t, bool *drop,
                   bool *is_col)
{
    struct expr_refs er;
    struct ddl_token nt;
    const char *cname = NULL;
    bool constraint = false;

    *drop = false;
    *is_col = false;
    if (!ddlrw_starts_index(rw)) {
        *is_col = true;
        return ddlrw_walk_column_def(rw, t, false, drop);
    }
    if (ddlrw_accept_kw(rw, "CONSTRAINT")) {
        constraint = true;
        if (!ddlrw_is_kw(rw, 0, "PRIMARY") && !ddlrw_is_kw(rw, 0, "UNIQUE") &&
            !ddlrw_is_kw(rw, 0, "FOREIGN") && !ddlrw_is_kw(rw, 0, "CHECK")) {
            if (!ddlrw_is_name_tok(ddlrw_peek(rw, 0))) {
                return ddlrw_unexpected(rw, "a constraint name");
            }
            nt = ddlrw_next(rw);
            cname = ddlrw_tok_name(rw, &nt);
            if (cname == NULL) {
                return false;
            }
        }
    }
    if (ddlrw_accept_kw(rw, "PRIMARY")) {
        return (ddlrw_accept_kw(rw, "KEY") || ddlrw_unexpected(rw, "KEY")) &&
               walk_index_body(rw, t, "PRIMARY KEY", drop);
    }
    if (ddlrw_accept_kw(rw, "UNIQUE") ||
        (!constraint && (ddlrw_accept_kw(rw, "FULLTEXT") ||
                         ddlrw_accept_kw(rw, "SPATIAL") ||
                         ddlrw_accept_kw(rw, "VECTOR")))) {
        if (!ddlrw_accept_kw(rw, "INDEX")) {
            ddlrw_accept_kw(rw, "KEY");
        }
        return walk_index_body(rw, t, "index", drop);
    }
    if (!constraint &&
        (ddlrw_accept_kw(rw, "INDEX") || ddlrw_accept_kw(rw, "KEY"))) {
        return walk_index_body(rw, t, "index", drop);
    }
    if (ddlrw_accept_kw(rw, "FOREIGN")) {
        return (ddlrw_accept_kw(rw, "KEY") || ddlrw_unexpected(rw, "KEY")) &&
               walk_foreign_key(rw, t, cname, drop);
    }
    if (ddlrw_accept_kw(rw, "CHECK")) {
        memset(&er, 0, sizeof(er));
        if (!ddlrw_walk_expr(rw, t, &er)) {
            return false;
        }
        if (er.excluded > 0 && er.others > 0) {
            return ddlrw_refuse(rw, "CHECK constraint%s%s of %s%s%s mixes "
                                "excluded column %s with other columns",
                                cname != NULL ? " " : "",
                                cname != NULL ? cname : "", TNAME(t),
                                er.first);
        }
        *drop = er.excluded > 0;
        return ddlrw_skip_to_sep(rw);
    }
    if (!constraint && ddlrw_accept_kw(rw, "PERIOD")) {
        /* FOR name (start_column, end_column) */
        while (ddlrw_peek(rw, 0)->kind != DDL_TK_END &&
               !ddlrw_is_punct(rw, 0, ',') && !ddlrw_is_punct(rw, 0, ')')) {
            if (!ddlrw_is_punct(rw, 0, '(')) {
                ddlrw_next(rw);
                continue;
            }
            memset(&er, 0, sizeof(er));
            if (!ddlrw_walk_expr(rw, t, &er)) {
                return false;
            }
            if (er.excluded > 0) {
                return ddlrw_refuse(rw, "a PERIOD of %s%s%s uses excluded "
                                    "column %s", TNAME(t), er.first);
            }
        }
        return !rw->ps.failed || ddlrw_unexpected(rw, "a token");
    }
    return ddlrw_unexpected(rw, "PRIMARY KEY, UNIQUE, FOREIGN KEY or CHECK");
}

/*
 * (element, ...) of CREATE TABLE or ALTER ... ADD, '(' being next.  Cuts
 * the dropped elements unless none is kept (*kept 0: the caller drops the
 * whole); *cols counts the column definitions kept.
 */
bool
ddlrw_walk_elements(struct rw *rw, const struct rw_table *t, unsigned *cols,
                    size_t *kept)
{
    struct pbuf items;
    struct rw_item it;
    struct rw_comma comma = {NO_COMMA, 0};
    bool drop, is_col, ok = true;
    size_t n, i;

    memset(&items, 0, sizeof(items));
    *kept = 0;
    if (!ddlrw_accept_punct(rw, '(')) {
        return ddlrw_unexpected(rw, "'('");
    }
    for (;;) {
        ddlrw_item_begin(rw, &it, &comma);
        if (!ddlrw_walk_element(rw, t, &drop, &is_col)) {
            ok = false;
            break;
        }
        ddlrw_item_end(rw, &it);
        it.drop = drop;
        if (is_col && !drop) {
            (*cols)++;
        }
        pbuf_put(&items, &it, sizeof(it));
        if (ddlrw_is_punct(rw, 0, ',')) {
            ddlrw_take_comma(rw, &comma);
            continue;
        }
        if (!ddlrw_accept_punct(rw, ')')) {
            ok = ddlrw_unexpected(rw, "',' or ')'");
        }
        break;
    }
    if (ok && items.failed) {
        ok = ddlrw_refuse(rw, "out of memory");
    }
    if (ok) {
        const struct rw_item *arr = (const struct rw_item *)items.data;

        n = items.len / sizeof(it);
        for (i = 0; i < n; i++) {
            *kept += !arr[i].drop;
        }
        if (*kept > 0) {
            ok = ddlrw_drop_items(rw, arr, n, "a column or index definition");
        }
    }
    pbuf_free(&items);
    return ok;
}
