/*
 * ddl_rewrite_int.h - what the DDL rewriter's files share: the walk's
 * state, the tables and list items it records, and the walking helpers
 * ddl_rewrite_walk.c defines for ddl_rewrite.c.
 *
 * ddl_rewrite_walk.c holds the token walking every statement needs (token
 * helpers, edits and cuts, table references and what the mapping makes of
 * them, expressions, column definitions, keys, indexes, foreign keys);
 * ddl_rewrite.c holds ddl_rewrite() and one rewriter per statement kind,
 * with the table options and partitioning only they reach.  A helper that
 * walks and returns bool returns false only once the statement is refused
 * (ddlrw_refuse(): rw->refused is sticky, the reason in rw->err); the
 * is_, at_, accept_ and starts_ ones answer a question instead.  Names
 * the helpers return live in the walk's arena (rw->st) until ddl_rewrite()
 * returns.  This header is internal to those files: other modules use
 * ddl_rewrite.h.
 */
#ifndef TANDEM_PROTO_MYSQL_DDL_REWRITE_INT_H
#define TANDEM_PROTO_MYSQL_DDL_REWRITE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/mysql/ddl_int.h"
#include "proto/mysql/ddl_rewrite.h"

/* ---- the walk ---- */

/* No ',' before a list item. */
#define NO_COMMA SIZE_MAX

/* One change to the statement text. */
struct rw_edit {
    size_t off;                   /* first byte replaced */
    size_t end;                   /* one past the last byte replaced */
    size_t text;                  /* replacement: offset in rw.text */
    size_t tlen;                  /* its length; 0 cuts the bytes out */
};

/* One entry of a comma-separated list that may be cut out. */
struct rw_item {
    size_t comma;                 /* offset of the ',' before it, or
                                     NO_COMMA */
    unsigned comma_marks;         /* that comma's exec-comment count */
    size_t off;                   /* offset of its first token */
    unsigned marks;               /* that token's exec-comment count */
    size_t end;                   /* end of its last token */
    unsigned end_marks;           /* that token's exec-comment count */
    size_t next;                  /* offset of the token after it, less
                                     the blanks before that token */
    unsigned next_marks;          /* that token's exec-comment count */
    bool drop;                    /* cut it out */
    bool modifier;                /* ALTER: ALGORITHM/LOCK, no change */
};

/* A table name as written. */
struct rw_tref {
    struct ddl_token dbt;         /* the database token, if qualified */
    struct ddl_token namet;       /* the table token */
    bool qualified;               /* db.table */
    const char *db;               /* source database (written, else the
                                     default one); NULL: none */
    const char *name;             /* source table */
};

/* A table and what the mapping makes of it. */
struct rw_table {
    const char *db;               /* source database, NULL: none */
    const char *name;             /* source table */
    const char *mdb;              /* destination database; NULL with
                                     mname when not copied */
    const char *mname;            /* destination table, NULL: not copied */
    bool rules;                   /* per-table rules */
};

/* For messages: "%s%s%s" of a struct rw_table *. */
#define TNAME(t)                                                         \
    ((t)->db != NULL ? (t)->db : ""), ((t)->db != NULL ? "." : ""),      \
        ((t)->name != NULL ? (t)->name : "")

/* What a column name becomes. */
enum col_v {
    COL_SAME = 0,                 /* kept under its name */
    COL_RENAMED,                  /* kept under another name */
    COL_EXCLUDED,                 /* not at the destination */
    COL_V_COUNT                   /* sentinel */
};

/* The walk. */
struct rw {
    struct ddl_parser ps;         /* token source over the statement */
    struct ddl_stmt st;           /* arena of the walk (names) */
    const char *defdb;            /* default database, NULL: none */
    const struct ddl_rw_map *map; /* the caller's mapping */
    struct pbuf edits;            /* struct rw_edit[] */
    struct pbuf text;             /* replacement bytes */
    char *err;                    /* caller's reason buffer */
    size_t errlen;                /* its size */
    bool refused;                 /* sticky: err is set */
};

/* Where a list's ',' was. */
struct rw_comma {
    size_t off;                   /* its offset, NO_COMMA: none */
    unsigned marks;               /* its exec-comment count */
};

/* What names an expression uses. */
struct expr_refs {
    unsigned excluded;            /* references to excluded columns */
    unsigned others;              /* other names that may be columns */
    const char *first;            /* the first excluded column */
};

/* What the parts of a key are made of. */
struct key_parts {
    unsigned kept;                /* parts over copied columns */
    unsigned excluded;            /* parts over excluded columns */
    bool mixed;                   /* one expression over both */
    const char *first;            /* an excluded column */
};

/* ---- ddl_rewrite_walk.c: errors ---- */

/* Sets the reason (the first one wins) on one line; returns false. */
bool ddlrw_refuse(struct rw *rw, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "expected <what>" at the next token, or the lexer's error. */
bool ddlrw_unexpected(struct rw *rw, const char *what);

/* ---- ddl_rewrite_walk.c: tokens ---- */

/* ddl_peek(), ddl_next(), ddl_is_kw()... over rw->ps. */
const struct ddl_token *ddlrw_peek(struct rw *rw, unsigned k);
struct ddl_token ddlrw_next(struct rw *rw);
bool ddlrw_is_kw(struct rw *rw, unsigned k, const char *kw);
bool ddlrw_accept_kw(struct rw *rw, const char *kw);
bool ddlrw_is_punct(struct rw *rw, unsigned k, char c);
bool ddlrw_accept_punct(struct rw *rw, char c);
/* A word or a quoted identifier. */
bool ddlrw_is_name_tok(const struct ddl_token *t);
/* The end of the statement (a ';' counts). */
bool ddlrw_at_end(struct rw *rw);
/* The unquoted name of token <t>, in the walk's arena; NULL: refused. */
const char *ddlrw_tok_name(struct rw *rw, const struct ddl_token *t);
/* [IF EXISTS], [IF NOT EXISTS], [WAIT n | NOWAIT] (MariaDB). */
void ddlrw_opt_if_exists(struct rw *rw);
void ddlrw_opt_if_not_exists(struct rw *rw);
void ddlrw_opt_wait(struct rw *rw);
/* Consumes words up to and including <kw1> or <kw2> (may be NULL). */
bool ddlrw_skip_past_kw(struct rw *rw, const char *kw1, const char *kw2);
/* An option value as ddl.c reads one. */
void ddlrw_skip_value(struct rw *rw);
/* A balanced (...) group, '(' being next (or to the end). */
bool ddlrw_skip_group(struct rw *rw);
/* Tokens up to a ',' or ')' at depth 0 or the end. */
bool ddlrw_skip_to_sep(struct rw *rw);

/* ---- ddl_rewrite_walk.c: edits ---- */

/* Replaces token <t> by <name> in backquotes. */
void ddlrw_edit_ident(struct rw *rw, const struct ddl_token *t,
                      const char *name);
/* Cuts [off, end) out, or refuses when that would unbalance executable
 * comments (<ma>, <mb>: exec-comment counts at both ends). */
bool ddlrw_cut(struct rw *rw, size_t off, size_t end, unsigned ma,
               unsigned mb, const char *what);
/* Lists that may lose entries: the ',' that is next, where an entry
 * begins and ends, and the cut of the entries marked drop. */
void ddlrw_take_comma(struct rw *rw, struct rw_comma *c);
void ddlrw_item_begin(struct rw *rw, struct rw_item *it,
                      struct rw_comma *comma);
void ddlrw_item_end(struct rw *rw, struct rw_item *it);
bool ddlrw_drop_items(struct rw *rw, const struct rw_item *it, size_t n,
                      const char *what);

/* ---- ddl_rewrite_walk.c: names ---- */

/* [db.]table */
bool ddlrw_read_tref(struct rw *rw, struct rw_tref *r);
/* What the mapping makes of <db>.<name> (db NULL: no database), or of the
 * table <r> names. */
void ddlrw_resolve_names(struct rw *rw, const char *db, const char *name,
                         struct rw_table *t);
void ddlrw_resolve(struct rw *rw, const struct rw_tref *r,
                   struct rw_table *t);
/* Is table <t> copied? */
bool ddlrw_selected(const struct rw_table *t);
/* Writes the destination names of a copied table over the source ones. */
void ddlrw_emit_tref(struct rw *rw, const struct rw_tref *r,
                     const struct rw_table *t);
/* What column <col> of <t> becomes; *to: its destination name. */
enum col_v ddlrw_map_col(struct rw *rw, const struct rw_table *t,
                         const char *col, const char **to);
/* Consumes a column name of table <t>, renaming it in place. */
bool ddlrw_col_token(struct rw *rw, const struct rw_table *t, enum col_v *v,
                     const char **name);

/* ---- ddl_rewrite_walk.c: expressions ---- */

/* A parenthesised expression over the columns of <t>, '(' being next. */
bool ddlrw_walk_expr(struct rw *rw, const struct rw_table *t,
                     struct expr_refs *er);
/* A DEFAULT / ON UPDATE value over the columns of <t>. */
bool ddlrw_walk_value(struct rw *rw, const struct rw_table *t,
                      struct expr_refs *er);

/* ---- ddl_rewrite_walk.c: column definitions, keys, references ---- */

/* name type attributes; *excluded: the column is not copied (skipped). */
bool ddlrw_walk_column_def(struct rw *rw, const struct rw_table *t,
                           bool in_alter, bool *excluded);
/* (part, ...) of an index, '(' being next. */
bool ddlrw_walk_key_parts(struct rw *rw, const struct rw_table *t,
                          struct key_parts *kp);
/* Kept (true, *drop false), dropped (true, *drop) or refused (false). */
bool ddlrw_key_verdict(struct rw *rw, const struct rw_table *t,
                       const struct key_parts *kp, const char *what,
                       const char *name, bool *drop);
/* [IF NOT EXISTS] [name] [USING type] before the key parts. */
bool ddlrw_index_head(struct rw *rw, const char **name);
/* Does the next element start an index or constraint (as ddl.c sees)? */
bool ddlrw_starts_index(struct rw *rw);
/* One element of a CREATE TABLE / ALTER ... ADD list. */
bool ddlrw_walk_element(struct rw *rw, const struct rw_table *t, bool *drop,
                        bool *is_col);
/* (element, ...) of CREATE TABLE or ALTER ... ADD, '(' being next. */
bool ddlrw_walk_elements(struct rw *rw, const struct rw_table *t,
                         unsigned *cols, size_t *kept);

#endif
