/*
 * ddl_lex.c - the DDL parser's tokenizer and plumbing.
 *
 * The lexer reads MySQL/MariaDB SQL text the way the server's lexer does
 * for the parts that matter here: whitespace and the three comment styles
 * (-- , #, / * * /) are skipped, executable comments (/ *! / *!NNNNN
 * / *M!NNNNNN) are entered and their closing * / dropped so their content
 * reads as code, strings and quoted identifiers are single tokens.  On top
 * of it sit the helpers every part of the parser uses: a few tokens of
 * lookahead, keyword and punctuation matching, the sticky error with the
 * text near its offset, the statement's arena, string literals (escapes,
 * N'', X'', B'', _charset introducers, adjacent strings), names, and
 * balanced-parenthesis skipping.
 */
#include "proto/mysql/ddl_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char
ascii_upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

bool
ddl_ieq(const char *a, const char *b)
{
    if (a == NULL || b == NULL) {
        return false;
    }
    while (*a != '\0' && ascii_upper(*a) == ascii_upper(*b)) {
        a++;
        b++;
    }
    return *a == '\0' && *b == '\0';
}

/* ---- errors ---- */

static bool
failv(struct ddl_parser *ps, size_t off, const char *fmt, va_list ap)
{
    struct ddl_stmt *st = ps->st;
    char near[40];
    size_t i, n = 0;
    int w;

    if (ps->failed) {
        return false;
    }
    ps->failed = true;
    st->err_off = off;
    w = vsnprintf(st->err, sizeof(st->err), fmt, ap);
    if (w < 0 || (size_t)w >= sizeof(st->err)) {
        return false;
    }
    if (off >= ps->lx.len) {
        snprintf(st->err + w, sizeof(st->err) - (size_t)w, " at the end");
        return false;
    }
    for (i = off; i < ps->lx.len && n < 24; i++) {
        unsigned char c = (unsigned char)ps->lx.s[i];

        near[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    near[n] = '\0';
    snprintf(st->err + w, sizeof(st->err) - (size_t)w, " near '%s%s'",
             near, i < ps->lx.len ? "..." : "");
    return false;
}

bool
ddl_fail_at(struct ddl_parser *ps, size_t off, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    failv(ps, off, fmt, ap);
    va_end(ap);
    return false;
}

/* ---- arena ---- */

void *
ddl_arena_alloc(struct ddl_parser *ps, size_t n)
{
    struct ddl_stmt *st = ps->st;
    struct ddl_chunk *c = st->arena;
    size_t need = (n + 15) & ~(size_t)15;
    unsigned char *p;

    if (ps->failed) {
        return NULL;
    }
    if (need < n) {
        ddl_fail_at(ps, ps->lx.pos, "statement too large");
        return NULL;
    }
    if (c == NULL || c->cap - c->used < need) {
        size_t cap = need > 8192 ? need : 8192;

        if (cap > DDL_ARENA_LIMIT || st->arena_used + cap > DDL_ARENA_LIMIT) {
            ddl_fail_at(ps, ps->lx.pos, "statement too large");
            return NULL;
        }
        c = malloc(sizeof(*c) + cap);
        if (c == NULL) {
            ddl_fail_at(ps, ps->lx.pos, "out of memory");
            return NULL;
        }
        c->next = st->arena;
        c->used = 0;
        c->cap = cap;
        st->arena = c;
        st->arena_used += cap;
    }
    p = (unsigned char *)c->data + c->used;
    c->used += need;
    memset(p, 0, n);
    return p;
}

void
ddl_stmt_free(struct ddl_stmt *st)
{
    struct ddl_chunk *c, *nx;

    if (st == NULL) {
        return;
    }
    for (c = st->arena; c != NULL; c = nx) {
        nx = c->next;
        free(c);
    }
    memset(st, 0, sizeof(*st));
}

/* ---- lexer ---- */

static bool
is_word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
           (c >= '0' && c <= '9') || c == '_' || c == '$' || c >= 0x80;
}

static bool
is_digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static bool
is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static bool
lex_error(struct ddl_lexer *lx, size_t off, const char *why)
{
    lx->err = why;
    lx->err_off = off;
    return false;
}

/* Skips the 5 or 6 digit server version after / *! or / *M!. */
static size_t
skip_version(const struct ddl_lexer *lx, size_t i)
{
    size_t j = i;

    while (j < lx->len && j - i < 7 && is_digit((unsigned char)lx->s[j])) {
        j++;
    }
    return (j - i == 5 || j - i == 6) ? j : i;
}

/* Does the word s[b..e) read as a number? */
static bool
word_is_number(const char *s, size_t b, size_t e)
{
    size_t i = b;

    if (e - b > 2 && s[b] == '0' && (s[b + 1] == 'x' || s[b + 1] == 'X')) {
        for (i = b + 2; i < e; i++) {
            char c = ascii_upper(s[i]);

            if (!is_digit((unsigned char)c) && (c < 'A' || c > 'F')) {
                return false;
            }
        }
        return true;
    }
    if (e - b > 2 && s[b] == '0' && (s[b + 1] == 'b' || s[b + 1] == 'B')) {
        for (i = b + 2; i < e; i++) {
            if (s[i] != '0' && s[i] != '1') {
                return false;
            }
        }
        return true;
    }
    while (i < e && is_digit((unsigned char)s[i])) {
        i++;
    }
    if (i == e) {
        return true;
    }
    if (i > b && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        while (i < e && is_digit((unsigned char)s[i])) {
            i++;
        }
        return i == e;
    }
    return false;
}

/* Scans a quoted run starting after the opening quote at i. */
static bool
scan_quoted(struct ddl_lexer *lx, size_t start, char q, bool backslash,
            size_t *end)
{
    size_t j = start + 1;

    while (j < lx->len) {
        char c = lx->s[j];

        if (c == '\\' && backslash) {
            j += 2;
            continue;
        }
        if (c == q) {
            if (j + 1 < lx->len && lx->s[j + 1] == q) {
                j += 2;
                continue;
            }
            *end = j;
            return true;
        }
        j++;
    }
    return lex_error(lx, start,
                     q == '`' ? "unterminated quoted identifier"
                              : "unterminated string");
}

static bool
lex_next(struct ddl_lexer *lx, struct ddl_token *t)
{
    const char *s = lx->s;
    size_t n = lx->len;
    size_t i = lx->pos, j;
    unsigned char c;

    memset(t, 0, sizeof(*t));
    for (;;) {
        if (i >= n) {
            t->kind = DDL_TK_END;
            t->off = n;
            t->p = s + n;
            lx->pos = n;
            return true;
        }
        c = (unsigned char)s[i];
        if (is_space(c)) {
            i++;
            continue;
        }
        if (c == '#' || (c == '-' && i + 1 < n && s[i + 1] == '-' &&
                         (i + 2 >= n || (unsigned char)s[i + 2] <= ' '))) {
            while (i < n && s[i] != '\n') {
                i++;
            }
            continue;
        }
        if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            if (i + 2 < n && s[i + 2] == '!') {
                i = skip_version(lx, i + 3);
                lx->exec_depth++;
                lx->exec_marks++;
                continue;
            }
            if (i + 3 < n && (s[i + 2] == 'M' || s[i + 2] == 'm') &&
                s[i + 3] == '!') {
                i = skip_version(lx, i + 4);
                lx->exec_depth++;
                lx->exec_marks++;
                continue;
            }
            for (j = i + 2; j + 1 < n; j++) {
                if (s[j] == '*' && s[j + 1] == '/') {
                    break;
                }
            }
            if (j + 1 >= n) {
                return lex_error(lx, i, "unterminated comment");
            }
            i = j + 2;
            continue;
        }
        if (c == '*' && i + 1 < n && s[i + 1] == '/' && lx->exec_depth > 0) {
            lx->exec_depth--;
            lx->exec_marks++;
            i += 2;
            continue;
        }
        break;
    }

    t->off = i;
    if (c == '\'' || (c == '"' && !lx->ansi_quotes)) {
        if (!scan_quoted(lx, i, (char)c, !lx->no_backslash, &j)) {
            return false;
        }
        t->kind = DDL_TK_STRING;
        t->quote = (char)c;
        t->p = s + i + 1;
        t->len = j - i - 1;
        lx->pos = j + 1;
    } else if (c == '`' || c == '"') {
        if (!scan_quoted(lx, i, (char)c, false, &j)) {
            return false;
        }
        t->kind = DDL_TK_IDENT;
        t->quote = (char)c;
        t->p = s + i + 1;
        t->len = j - i - 1;
        lx->pos = j + 1;
    } else if ((c == 'N' || c == 'n' || c == 'X' || c == 'x' || c == 'B' ||
                c == 'b') &&
               i + 1 < n && s[i + 1] == '\'') {
        char pre = ascii_upper((char)c);

        if (!scan_quoted(lx, i + 1, '\'', pre == 'N' && !lx->no_backslash,
                         &j)) {
            return false;
        }
        t->kind = DDL_TK_STRING;
        t->quote = '\'';
        t->prefix = pre;
        t->p = s + i + 2;
        t->len = j - i - 2;
        lx->pos = j + 1;
    } else if (is_word_char(c)) {
        for (j = i; j < n && is_word_char((unsigned char)s[j]); j++) {
        }
        t->p = s + i;
        if (is_digit(c) && word_is_number(s, i, j)) {
            t->kind = DDL_TK_NUMBER;
            if (j < n && s[j] == '.' && word_is_number(s, i, j) &&
                (j - i < 2 || (s[i + 1] != 'x' && s[i + 1] != 'X' &&
                               s[i + 1] != 'b' && s[i + 1] != 'B'))) {
                j++;
                while (j < n && is_word_char((unsigned char)s[j])) {
                    j++;
                }
            }
            if (j + 1 < n && (s[j - 1] == 'e' || s[j - 1] == 'E') &&
                (s[j] == '+' || s[j] == '-') &&
                is_digit((unsigned char)s[j + 1])) {
                j++;
                while (j < n && is_digit((unsigned char)s[j])) {
                    j++;
                }
            }
        } else {
            t->kind = DDL_TK_WORD;
        }
        t->len = j - i;
        lx->pos = j;
    } else if (c == '.' && i + 1 < n && is_digit((unsigned char)s[i + 1]) &&
               ((lx->prev != DDL_TK_WORD && lx->prev != DDL_TK_IDENT) ||
                (i > 0 && is_space((unsigned char)s[i - 1])))) {
        /* .5 is a number; db.5t is a qualified name. */
        for (j = i + 1; j < n && is_word_char((unsigned char)s[j]); j++) {
        }
        t->kind = DDL_TK_NUMBER;
        t->p = s + i;
        t->len = j - i;
        lx->pos = j;
    } else {
        t->kind = DDL_TK_PUNCT;
        t->p = s + i;
        t->len = 1;
        lx->pos = i + 1;
    }
    lx->prev = t->kind;
    return true;
}

/* ---- parser plumbing ---- */

const struct ddl_token *
ddl_peek(struct ddl_parser *ps, unsigned k)
{
    while (ps->nla <= k) {
        if (ps->failed) {
            return &ps->end_tok;
        }
        if (!lex_next(&ps->lx, &ps->la[ps->nla])) {
            ddl_fail_at(ps, ps->lx.err_off, "%s", ps->lx.err);
            return &ps->end_tok;
        }
        /* No comment boundary inside a token: the count after it is the
         * count before it. */
        ps->la_marks[ps->nla] = ps->lx.exec_marks;
        ps->nla++;
    }
    return &ps->la[k];
}

struct ddl_token
ddl_next(struct ddl_parser *ps)
{
    struct ddl_token t = *ddl_peek(ps, 0);
    unsigned marks = ddl_peek_marks(ps, 0);

    if (ps->nla > 0) {
        memmove(&ps->la[0], &ps->la[1], (ps->nla - 1) * sizeof(ps->la[0]));
        memmove(&ps->la_marks[0], &ps->la_marks[1],
                (ps->nla - 1) * sizeof(ps->la_marks[0]));
        ps->nla--;
    }
    ps->last = t;
    ps->last_marks = marks;
    return t;
}

unsigned
ddl_peek_marks(struct ddl_parser *ps, unsigned k)
{
    ddl_peek(ps, k);
    return k < ps->nla ? ps->la_marks[k] : ps->lx.exec_marks;
}

bool
ddl_span_balanced(const struct ddl_parser *ps, size_t a, size_t b,
                  unsigned marks)
{
    struct ddl_lexer lx = ps->lx;
    struct ddl_token t;

    if (a > b || b > ps->lx.len) {
        return false;
    }
    lx.len = b;
    lx.pos = a;
    lx.exec_depth = 0;
    lx.exec_marks = 0;
    lx.prev = DDL_TK_END;
    lx.err = NULL;
    do {
        if (!lex_next(&lx, &t)) {
            return false;
        }
    } while (t.kind != DDL_TK_END);
    /* A closing that belongs to an opening before the span is not one
     * here (depth 0), so the counts differ; an opening left open shows
     * in the depth. */
    return lx.exec_depth == 0 && lx.exec_marks == marks;
}

size_t
ddl_tok_end(const struct ddl_parser *ps, const struct ddl_token *t)
{
    size_t start = (size_t)(t->p - ps->lx.s);

    if (t->kind == DDL_TK_END) {
        return t->off;
    }
    /* Quoted tokens point inside their quotes: add the closing one. */
    return start + t->len + (t->quote != 0 ? 1 : 0);
}

bool
ddl_tok_is(const struct ddl_token *t, const char *kw)
{
    size_t i;

    if (t->kind != DDL_TK_WORD) {
        return false;
    }
    for (i = 0; i < t->len; i++) {
        if (kw[i] == '\0' || ascii_upper(t->p[i]) != kw[i]) {
            return false;
        }
    }
    return kw[i] == '\0';
}

bool
ddl_is_kw(struct ddl_parser *ps, unsigned k, const char *kw)
{
    return ddl_tok_is(ddl_peek(ps, k), kw);
}

bool
ddl_is_punct(struct ddl_parser *ps, unsigned k, char c)
{
    const struct ddl_token *t = ddl_peek(ps, k);

    return t->kind == DDL_TK_PUNCT && t->p[0] == c;
}

bool
ddl_accept_kw(struct ddl_parser *ps, const char *kw)
{
    if (ddl_is_kw(ps, 0, kw)) {
        ddl_next(ps);
        return true;
    }
    return false;
}

bool
ddl_accept_punct(struct ddl_parser *ps, char c)
{
    if (ddl_is_punct(ps, 0, c)) {
        ddl_next(ps);
        return true;
    }
    return false;
}

/* "expected <what>" at the next token (failv adds where). */
bool
ddl_fail_tok(struct ddl_parser *ps, const char *what)
{
    return ddl_fail_at(ps, ddl_peek(ps, 0)->off, "expected %s", what);
}

bool
ddl_expect_kw(struct ddl_parser *ps, const char *kw)
{
    return ddl_accept_kw(ps, kw) || ddl_fail_tok(ps, kw);
}

bool
ddl_expect_punct(struct ddl_parser *ps, char c)
{
    char what[4] = {'\'', c, '\'', '\0'};

    return ddl_accept_punct(ps, c) || ddl_fail_tok(ps, what);
}

/* Accepts an optional '='. */
void
ddl_opt_eq(struct ddl_parser *ps)
{
    ddl_accept_punct(ps, '=');
}

char *
ddl_arena_strndup(struct ddl_parser *ps, const char *p, size_t n)
{
    char *d = ddl_arena_alloc(ps, n + 1);

    if (d != NULL) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

/* Copies a name token, collapsing doubled quotes. */
const char *
ddl_tok_name(struct ddl_parser *ps, const struct ddl_token *t)
{
    char *d;
    size_t i, j = 0;

    if (t->kind == DDL_TK_WORD) {
        return ddl_arena_strndup(ps, t->p, t->len);
    }
    d = ddl_arena_alloc(ps, t->len + 1);
    if (d == NULL) {
        return NULL;
    }
    for (i = 0; i < t->len; i++) {
        if (t->p[i] == t->quote && i + 1 < t->len) {
            i++;
        }
        d[j++] = t->p[i];
    }
    d[j] = '\0';
    return d;
}

static int
hexval(char c)
{
    c = ascii_upper(c);
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

/* Unescapes a string token into <out>. */
static bool
tok_string(struct ddl_parser *ps, const struct ddl_token *t,
           struct ddl_value *out)
{
    char *d = ddl_arena_alloc(ps, t->len + 2);
    size_t i, j = 0;

    if (d == NULL) {
        return false;
    }
    if (t->prefix == 'X') {
        /* X'4142': pairs of hex digits (an odd count gets a leading 0). */
        i = 0;
        if (t->len % 2 == 1) {
            int v = hexval(t->p[0]);

            if (v < 0) {
                return ddl_fail_at(ps, t->off, "bad hexadecimal literal");
            }
            d[j++] = (char)v;
            i = 1;
        }
        for (; i < t->len; i += 2) {
            int hi = hexval(t->p[i]), lo = hexval(t->p[i + 1]);

            if (hi < 0 || lo < 0) {
                return ddl_fail_at(ps, t->off, "bad hexadecimal literal");
            }
            d[j++] = (char)(hi * 16 + lo);
        }
    } else if (t->prefix == 'B') {
        /* B'0100001': bits, right-aligned into whole bytes. */
        size_t lead = t->len % 8 ? t->len % 8 : 8;
        unsigned v = 0;

        for (i = 0; i < t->len; i++) {
            if (t->p[i] != '0' && t->p[i] != '1') {
                return ddl_fail_at(ps, t->off, "bad bit literal");
            }
            v = (v << 1) | (unsigned)(t->p[i] - '0');
            if (i + 1 >= lead && (i + 1 - lead) % 8 == 0) {
                d[j++] = (char)v;
                v = 0;
            }
        }
    } else {
        for (i = 0; i < t->len; i++) {
            char c = t->p[i];

            if (c == '\\' && !ps->lx.no_backslash && i + 1 < t->len) {
                c = t->p[++i];
                switch (c) {
                case '0':
                    c = '\0';
                    break;
                case 'b':
                    c = '\b';
                    break;
                case 'n':
                    c = '\n';
                    break;
                case 'r':
                    c = '\r';
                    break;
                case 't':
                    c = '\t';
                    break;
                case 'Z':
                    c = '\032';
                    break;
                case '%':
                case '_':
                    d[j++] = '\\';
                    break;
                default:
                    break;
                }
            } else if (c == t->quote && i + 1 < t->len) {
                i++;
            }
            d[j++] = c;
        }
    }
    d[j] = '\0';
    out->p = d;
    out->len = j;
    return true;
}

/*
 * Reads a string literal: an optional _charset introducer, then one or
 * more adjacent string tokens ('a' 'b' is 'ab').
 */
bool
ddl_parse_string(struct ddl_parser *ps, struct ddl_value *out)
{
    struct ddl_value part;
    char *d;

    if (ddl_peek(ps, 0)->kind == DDL_TK_WORD && ddl_peek(ps, 0)->p[0] == '_' &&
        ddl_peek(ps, 1)->kind == DDL_TK_STRING) {
        ddl_next(ps);
    }
    if (ddl_peek(ps, 0)->kind != DDL_TK_STRING) {
        return ddl_fail_tok(ps, "a string");
    }
    {
        struct ddl_token t = ddl_next(ps);

        if (!tok_string(ps, &t, out)) {
            return false;
        }
    }
    while (ddl_peek(ps, 0)->kind == DDL_TK_STRING) {
        struct ddl_token t = ddl_next(ps);

        if (!tok_string(ps, &t, &part)) {
            return false;
        }
        d = ddl_arena_alloc(ps, out->len + part.len + 1);
        if (d == NULL) {
            return false;
        }
        memcpy(d, out->p, out->len);
        memcpy(d + out->len, part.p, part.len);
        out->p = d;
        out->len += part.len;
    }
    return true;
}

/* A name: a word or a quoted identifier. */
bool
ddl_parse_name(struct ddl_parser *ps, const char **out, const char *what)
{
    const struct ddl_token *t = ddl_peek(ps, 0);
    struct ddl_token tk;

    if (t->kind != DDL_TK_WORD && t->kind != DDL_TK_IDENT) {
        return ddl_fail_tok(ps, what);
    }
    tk = ddl_next(ps);
    *out = ddl_tok_name(ps, &tk);
    return *out != NULL;
}

/* A name that may also be written as a string (charsets, collations). */
bool
ddl_parse_name_or_string(struct ddl_parser *ps, const char **out,
                         const char *what)
{
    struct ddl_value v;

    if (ddl_peek(ps, 0)->kind == DDL_TK_STRING) {
        if (!ddl_parse_string(ps, &v)) {
            return false;
        }
        *out = ddl_arena_strndup(ps, v.p, v.len);
        return *out != NULL;
    }
    return ddl_parse_name(ps, out, what);
}

bool
ddl_parse_table_name(struct ddl_parser *ps, struct ddl_table_name *tn)
{
    const char *a;

    if (!ddl_parse_name(ps, &a, "a table name")) {
        return false;
    }
    if (ddl_is_punct(ps, 0, '.')) {
        ddl_next(ps);
        tn->db = a;
        return ddl_parse_name(ps, &tn->name, "a table name");
    }
    tn->db = NULL;
    tn->name = a;
    return true;
}

uint32_t
ddl_tok_u32(const struct ddl_token *t)
{
    uint64_t v = 0;
    size_t i;

    for (i = 0; i < t->len && is_digit((unsigned char)t->p[i]); i++) {
        v = v * 10 + (uint64_t)(t->p[i] - '0');
        if (v > UINT32_MAX) {
            return UINT32_MAX;
        }
    }
    return (uint32_t)v;
}

/* Consumes a parenthesised group, the opening '(' being next. */
bool
ddl_skip_parens(struct ddl_parser *ps)
{
    size_t depth = 0;
    const struct ddl_token *t;

    if (!ddl_expect_punct(ps, '(')) {
        return false;
    }
    depth = 1;
    while (depth > 0) {
        t = ddl_peek(ps, 0);
        if (t->kind == DDL_TK_END) {
            return ddl_fail_at(ps, t->off, "unbalanced parentheses");
        }
        if (t->kind == DDL_TK_PUNCT && t->p[0] == '(') {
            depth++;
        } else if (t->kind == DDL_TK_PUNCT && t->p[0] == ')') {
            depth--;
        }
        ddl_next(ps);
    }
    return true;
}

/* Requires the statement to be over (an optional ';' allowed). */
bool
ddl_expect_end(struct ddl_parser *ps)
{
    ddl_accept_punct(ps, ';');
    if (ddl_peek(ps, 0)->kind != DDL_TK_END) {
        return ddl_fail_tok(ps, "the end of the statement");
    }
    return !ps->failed;
}

/* An option value: word, number, string, quoted name or DEFAULT. */
bool
ddl_skip_value(struct ddl_parser *ps)
{
    const struct ddl_token *t;

    while (ddl_is_punct(ps, 0, '-') || ddl_is_punct(ps, 0, '+')) {
        ddl_next(ps);
    }
    t = ddl_peek(ps, 0);
    switch (t->kind) {
    case DDL_TK_WORD:
    case DDL_TK_IDENT:
    case DDL_TK_NUMBER:
        ddl_next(ps);
        return true;
    case DDL_TK_STRING:
        ddl_next(ps);
        while (ddl_peek(ps, 0)->kind == DDL_TK_STRING) {
            ddl_next(ps);
        }
        return true;
    default:
        return ddl_fail_tok(ps, "a value");
    }
}

/* ---- set-up ---- */

void
ddl_parser_init(struct ddl_parser *ps, struct ddl_stmt *st, const char *sql,
                size_t len, const struct ddl_opts *opts)
{
    static const char empty[1] = "";

    ddl_stmt_free(st);
    memset(ps, 0, sizeof(*ps));
    if (sql == NULL) {
        sql = empty;
        len = 0;
    }
    ps->lx.s = sql;
    ps->lx.len = len;
    ps->st = st;
    if (opts != NULL) {
        ps->lx.ansi_quotes = (opts->sql_mode & DDL_MODE_ANSI_QUOTES) != 0;
        ps->lx.no_backslash =
            (opts->sql_mode & DDL_MODE_NO_BACKSLASH_ESCAPES) != 0;
        ps->mariadb = opts->mariadb;
        ps->oracle = opts->mariadb && (opts->sql_mode & DDL_MODE_ORACLE);
        ps->real_as_float = (opts->sql_mode & DDL_MODE_REAL_AS_FLOAT) != 0;
    }
    ps->end_tok.kind = DDL_TK_END;
    ps->end_tok.p = sql + len;
    ps->end_tok.off = len;
}
