/*
 * ddl_int.h - what the DDL parser's files share: the token, lexer and
 * parser state, and the helpers one file defines for the others.
 *
 * ddl_lex.c turns statement text into tokens and provides the parser's
 * plumbing (lookahead, keyword matching, errors, the arena, literals and
 * names); ddl_type.c reads data types and column definitions; ddl.c reads
 * whole statements.  Everything here follows the conventions of ddl.c: a
 * bool helper returns false once the parser failed (ps->failed is sticky,
 * the reason in ps->st->err), and nothing is read after a failure.  This
 * header is internal to those files: other modules use ddl.h.
 */
#ifndef TANDEM_PROTO_MYSQL_DDL_INT_H
#define TANDEM_PROTO_MYSQL_DDL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/mysql/ddl.h"

/* ---- arena ---- */

struct ddl_chunk {
    struct ddl_chunk *next;       /* previously filled chunk */
    size_t used;                  /* bytes handed out from data */
    size_t cap;                   /* bytes in data */
    max_align_t data[];           /* storage */
};

/* ---- tokens ---- */

enum ddl_tok_kind {
    DDL_TK_END = 0,               /* end of the statement */
    DDL_TK_WORD,                  /* unquoted word: keyword or name */
    DDL_TK_IDENT,                 /* `quoted` (or "quoted" in ANSI_QUOTES) */
    DDL_TK_STRING,                /* 'string' / "string", N'', X'', B'' */
    DDL_TK_NUMBER,                /* 12, 1.5e3, 0x1f, 0b01, .5 */
    DDL_TK_PUNCT,                 /* any other single character */
    DDL_TK_KIND_COUNT             /* sentinel */
};

struct ddl_token {
    enum ddl_tok_kind kind;       /* what it is */
    const char *p;                /* content (inside the quotes) */
    size_t len;                   /* content length */
    size_t off;                   /* offset of the token in the statement */
    char quote;                   /* IDENT/STRING: the quote char */
    char prefix;                  /* DDL_TK_STRING: 'N', 'X', 'B' or 0 */
};

struct ddl_lexer {
    const char *s;                /* statement (borrowed) */
    size_t len;                   /* its length */
    size_t pos;                   /* next byte to read */
    unsigned exec_depth;          /* open executable comments */
    unsigned exec_marks;          /* executable comment openings and
                                     closings read so far: two tokens with
                                     equal counts have none between them */
    bool ansi_quotes;             /* "x" is an identifier */
    bool no_backslash;            /* backslash is an ordinary character */
    enum ddl_tok_kind prev;       /* kind of the previous token */
    const char *err;              /* static reason of a lexing error */
    size_t err_off;               /* where */
};

#define DDL_LA_MAX 4

struct ddl_parser {
    struct ddl_lexer lx;          /* token source */
    struct ddl_token la[DDL_LA_MAX]; /* lookahead tokens */
    unsigned nla;                 /* tokens in la */
    unsigned la_marks[DDL_LA_MAX]; /* lx.exec_marks at each of la */
    unsigned last_marks;          /* the same for last */
    struct ddl_token end_tok;     /* returned once the input failed */
    struct ddl_token last;        /* the token ddl_next() returned last */
    struct ddl_stmt *st;          /* output */
    bool mariadb;                 /* MariaDB type names */
    bool oracle;                  /* MariaDB sql_mode=ORACLE types */
    bool real_as_float;           /* REAL means FLOAT */
    bool failed;                  /* sticky: st->err is set */
};

/* ---- ddl_lex.c: set-up, errors, arena ---- */

/* Resets <st> and readies <ps> to read sql[0..len) under <opts>. */
void ddl_parser_init(struct ddl_parser *ps, struct ddl_stmt *st,
                     const char *sql, size_t len,
                     const struct ddl_opts *opts);

/* Sets the sticky error (once) at offset <off>; returns false. */
bool ddl_fail_at(struct ddl_parser *ps, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "expected <what>" at the next token; returns false. */
bool ddl_fail_tok(struct ddl_parser *ps, const char *what);

/* Zeroed arena memory; NULL (with the error set) on failure. */
void *ddl_arena_alloc(struct ddl_parser *ps, size_t n);
char *ddl_arena_strndup(struct ddl_parser *ps, const char *p, size_t n);

/* ---- ddl_lex.c: tokens ---- */

/* The k-th lookahead token (k < DDL_LA_MAX); DDL_TK_END after a failure. */
const struct ddl_token *ddl_peek(struct ddl_parser *ps, unsigned k);
/* Consumes and returns the next token. */
struct ddl_token ddl_next(struct ddl_parser *ps);
/* Offset one past the last byte of <t> (closing quote included). */
size_t ddl_tok_end(const struct ddl_parser *ps, const struct ddl_token *t);
/* Executable comment openings and closings before the k-th lookahead
 * token (ps->last_marks: before ps->last): two tokens with the same count
 * have none between them. */
unsigned ddl_peek_marks(struct ddl_parser *ps, unsigned k);
/* Re-reads the statement's bytes [a, b) (token boundaries) alone: true
 * when the <marks> executable comment openings and closings the whole
 * statement's lexer saw there all pair up inside the span, so that
 * cutting it out leaves the rest well formed. */
bool ddl_span_balanced(const struct ddl_parser *ps, size_t a, size_t b,
                       unsigned marks);
/* Is <t> the word <kw> (upper case), in any case? */
bool ddl_tok_is(const struct ddl_token *t, const char *kw);
bool ddl_is_kw(struct ddl_parser *ps, unsigned k, const char *kw);
bool ddl_is_punct(struct ddl_parser *ps, unsigned k, char c);
bool ddl_accept_kw(struct ddl_parser *ps, const char *kw);
bool ddl_accept_punct(struct ddl_parser *ps, char c);
bool ddl_expect_kw(struct ddl_parser *ps, const char *kw);
bool ddl_expect_punct(struct ddl_parser *ps, char c);
void ddl_opt_eq(struct ddl_parser *ps);
bool ddl_expect_end(struct ddl_parser *ps);

/* ---- ddl_lex.c: literals, names, skipping ---- */

const char *ddl_tok_name(struct ddl_parser *ps, const struct ddl_token *t);
uint32_t ddl_tok_u32(const struct ddl_token *t);
bool ddl_parse_string(struct ddl_parser *ps, struct ddl_value *out);
bool ddl_parse_name(struct ddl_parser *ps, const char **out,
                    const char *what);
bool ddl_parse_name_or_string(struct ddl_parser *ps, const char **out,
                              const char *what);
bool ddl_parse_table_name(struct ddl_parser *ps, struct ddl_table_name *tn);
bool ddl_skip_parens(struct ddl_parser *ps);
bool ddl_skip_value(struct ddl_parser *ps);

/* ---- ddl_type.c: columns ---- */

/* A column definition: name, data type and attributes. */
struct ddl_column *ddl_parse_column(struct ddl_parser *ps, bool in_alter);
/* DEFAULT / ON UPDATE value: a literal, a (expression) or a call. */
bool ddl_skip_expr_value(struct ddl_parser *ps);
/* CHECK (expr) [[NOT] ENFORCED]; *json_col for CHECK (json_valid(c)). */
bool ddl_parse_check(struct ddl_parser *ps, const char **json_col);

#endif
