/*
 * filter.c - row filters: compiling the text and binding it to a table
 * (see filter.h for the grammar and semantics).
 *
 * filter_parse() runs a lexer and a recursive-descent parser that fill
 * arrays: expression nodes (AND/OR keep their children as sibling lists,
 * so a long chain costs no depth), constants, column references, LIKE
 * pattern elements, and a pool of bytes for names and string constants.
 * Constants are prepared once: a number as an exact normalized decimal
 * (struct fdec, filter_num.c) with an integer fast path and its double; a
 * string also with its numeric prefix.  filter_bind() resolves the column
 * names to indexes of a table's columns.  Evaluation is in filter_eval.c.
 */
#include "proto/filter_int.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mysql/charset.h"

#define FILTER_MAX_IDENT 256    /* bytes of an identifier */
#define FILTER_MAX_COLUMNS 4096 /* distinct columns (MySQL's own limit) */
#define FILTER_NONE UINT32_MAX  /* no node */

/* 'text' of p[0..n) for a message: 32 bytes at most, controls as '?';
 * when quoted, p already carries its quotes. */
void
filter_quote_bytes(char *out, size_t outlen, const uint8_t *p, size_t n,
                   bool quoted)
{
    size_t i, o = 0, lim = n > 32 ? 32 : n;

    while (lim < n && lim > 0 && (p[lim] & 0xc0) == 0x80) {
        lim--;
    }
    if (!quoted) {
        out[o++] = '\'';
    }
    for (i = 0; i < lim && o + 6 < outlen; i++) {
        out[o++] = (char)(p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i]);
    }
    if (lim < n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    if (!quoted) {
        out[o++] = '\'';
    }
    out[o] = '\0';
}

/* ---- lexer ---- */

enum tok_kind {
    TK_END = 0,
    TK_IDENT,
    TK_QIDENT,
    TK_NUM,
    TK_STR,
    TK_LP,
    TK_RP,
    TK_COMMA,
    TK_CMP,
    TK_SIGN,
    TK_ARITH,
    TK_BADOP,
    TK_AND,
    TK_OR,
    TK_NOT,
    TK_IN,
    TK_IS,
    TK_NULL,
    TK_LIKE,
    TK_ESCAPE,
    TK_BETWEEN,
    TK_TRUE,
    TK_FALSE,
    TK_UNSUP,
};

struct tok {
    uint8_t kind; /* enum tok_kind */
    uint8_t cmp;  /* TK_CMP: enum fcmp */
    size_t off;   /* first byte in the text */
    size_t len;   /* bytes */
};

/* A keyword or an operator. */
struct fword {
    const char *text; /* upper-case keyword, or operator */
    uint8_t kind;     /* enum tok_kind */
    uint8_t cmp;      /* enum fcmp for TK_CMP */
};

static const struct fword fwords[] = {
    {"AND", TK_AND, 0},         {"OR", TK_OR, 0},
    {"NOT", TK_NOT, 0},         {"IN", TK_IN, 0},
    {"IS", TK_IS, 0},           {"NULL", TK_NULL, 0},
    {"LIKE", TK_LIKE, 0},       {"ESCAPE", TK_ESCAPE, 0},
    {"BETWEEN", TK_BETWEEN, 0}, {"TRUE", TK_TRUE, 0},
    {"FALSE", TK_FALSE, 0},     {"XOR", TK_UNSUP, 0},
    {"REGEXP", TK_UNSUP, 0},    {"RLIKE", TK_UNSUP, 0},
    {"DIV", TK_UNSUP, 0},       {"MOD", TK_UNSUP, 0},
    {"CASE", TK_UNSUP, 0},      {"EXISTS", TK_UNSUP, 0},
    {"SELECT", TK_UNSUP, 0},    {"INTERVAL", TK_UNSUP, 0},
    {"BINARY", TK_UNSUP, 0},    {"COLLATE", TK_UNSUP, 0},
};

/* Longest operators first. */
static const struct fword fops[] = {
    {"<=>", TK_BADOP, 0},   {"==", TK_BADOP, 0},    {"&&", TK_BADOP, 0},
    {"||", TK_BADOP, 0},    {"<=", TK_CMP, CMP_LE}, {">=", TK_CMP, CMP_GE},
    {"<>", TK_CMP, CMP_NE}, {"!=", TK_CMP, CMP_NE}, {"=", TK_CMP, CMP_EQ},
    {"<", TK_CMP, CMP_LT},  {">", TK_CMP, CMP_GT},  {"(", TK_LP, 0},
    {")", TK_RP, 0},        {",", TK_COMMA, 0},     {"+", TK_SIGN, 0},
    {"-", TK_SIGN, 0},      {"*", TK_ARITH, 0},     {"/", TK_ARITH, 0},
    {"%", TK_ARITH, 0},     {"!", TK_BADOP, 0},     {"&", TK_BADOP, 0},
    {"|", TK_BADOP, 0},     {"^", TK_BADOP, 0},     {"~", TK_BADOP, 0},
};

struct fparse {
    struct filter *f; /* being built */
    const uint8_t *s; /* text */
    size_t len;       /* bytes of text */
    size_t pos;       /* lexer position */
    struct tok cur;   /* current token */
    struct tok prev;  /* last consumed token */
    bool has_prev;    /* prev is set */
    bool failed;      /* an error was reported */
    unsigned depth;   /* nesting of ( and NOT */
    struct pbuf tmp;  /* LIKE pattern and escape text */
    char *err;        /* caller's error buffer */
    size_t errlen;    /* its size */
};

static int perr(struct fparse *ps, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports the first error: "offset N: ..." (no offset for SIZE_MAX). */
static int
perr(struct fparse *ps, size_t off, const char *fmt, ...)
{
    va_list ap;
    int n = 0;

    if (!ps->failed && ps->err != NULL && ps->errlen > 0) {
        if (off != SIZE_MAX) {
            n = snprintf(ps->err, ps->errlen, "offset %zu: ", off);
        }
        if (n >= 0 && (size_t)n < ps->errlen) {
            va_start(ap, fmt);
            vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
            va_end(ap);
        }
    }
    ps->failed = true;
    return -1;
}

static bool
is_ident(uint8_t c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '$' || c >= 0x80 || filter_is_digit(c);
}

/* A 'string', "string" or `identifier` starting at i. */
static int
lex_quoted(struct fparse *ps, size_t i)
{
    const uint8_t *s = ps->s;
    uint8_t q = s[i];
    size_t j = i + 1, bytes = 0;

    for (;; j++, bytes++) {
        if (j >= ps->len) {
            return perr(ps, i,
                        q == '`' ? "unterminated quoted identifier"
                                 : "unterminated string");
        }
        if (q != '`' && s[j] == '\\') {
            j++;
        } else if (s[j] == q && (j + 1 >= ps->len || s[j + 1] != q)) {
            break;
        } else if (s[j] == q) {
            j++;
        } else if (q == '`' && s[j] == 0) {
            return perr(ps, j, "NUL byte in a quoted identifier");
        }
    }
    if (q == '`' && (bytes == 0 || bytes > FILTER_MAX_IDENT)) {
        return perr(ps, i,
                    bytes ? "identifier longer than 256 bytes"
                          : "empty quoted identifier");
    }
    ps->cur.kind = q == '`' ? TK_QIDENT : TK_STR;
    ps->cur.len = j + 1 - i;
    return 0;
}

static int
lex_word(struct fparse *ps, size_t i)
{
    const uint8_t *s = ps->s;
    size_t j = i, k, w;
    char q[48];

    while (j < ps->len && is_ident(s[j])) {
        j++;
    }
    if (j - i > FILTER_MAX_IDENT) {
        return perr(ps, i, "identifier longer than 256 bytes");
    }
    ps->cur.kind = TK_IDENT;
    ps->cur.len = j - i;
    for (k = 0; k < sizeof(fwords) / sizeof(fwords[0]); k++) {
        for (w = 0;
             i + w < j && filter_upper(s[i + w]) == (uint8_t)fwords[k].text[w];
             w++) {
        }
        if (i + w == j && fwords[k].text[w] == '\0') {
            ps->cur.kind = fwords[k].kind;
            break;
        }
    }
    if (ps->cur.kind == TK_UNSUP) {
        filter_quote_bytes(q, sizeof(q), s + i, j - i, false);
        return perr(ps, i, "unsupported keyword %s", q);
    }
    return 0;
}

static int
lex_number(struct fparse *ps, size_t i)
{
    const uint8_t *s = ps->s;
    struct fdec d;
    bool trunc;
    size_t j = i + filter_dec_scan(s + i, ps->len - i, &d, &trunc);
    char q[48];

    if (j < ps->len && (is_ident(s[j]) || s[j] == '.')) {
        while (j < ps->len && (is_ident(s[j]) || s[j] == '.')) {
            j++;
        }
        filter_quote_bytes(q, sizeof(q), s + i, j - i, false);
        return perr(ps, i, "malformed number %s", q);
    }
    if (trunc) {
        return perr(ps, i, "number longer than %d significant digits",
                    FDEC_DIGITS);
    }
    ps->cur.kind = TK_NUM;
    ps->cur.len = j - i;
    return 0;
}

static int
lex_op(struct fparse *ps, size_t i)
{
    size_t k, l;
    uint8_t c = ps->s[i];

    for (k = 0; k < sizeof(fops) / sizeof(fops[0]); k++) {
        l = strlen(fops[k].text);
        if (l <= ps->len - i && memcmp(ps->s + i, fops[k].text, l) == 0) {
            if (fops[k].kind == TK_BADOP) {
                return perr(ps, i, "unknown operator '%s'", fops[k].text);
            }
            ps->cur.kind = fops[k].kind;
            ps->cur.cmp = fops[k].cmp;
            ps->cur.len = l;
            return 0;
        }
    }
    if (c >= 0x21 && c < 0x7f) {
        return perr(ps, i, "unexpected character '%c'", c);
    }
    return perr(ps, i, "unexpected byte 0x%02x", c);
}

/* Reads the next token into ps->cur. */
static int
lex(struct fparse *ps)
{
    const uint8_t *s = ps->s;
    size_t i = ps->pos;
    int rc = 0;

    while (i < ps->len && filter_is_space(s[i])) {
        i++;
    }
    memset(&ps->cur, 0, sizeof(ps->cur));
    ps->cur.off = i;
    if (i >= ps->len) {
        ps->cur.kind = TK_END;
    } else if (is_ident(s[i]) && !filter_is_digit(s[i])) {
        rc = lex_word(ps, i);
    } else if (s[i] == '`' || s[i] == '\'' || s[i] == '"') {
        rc = lex_quoted(ps, i);
    } else if (filter_is_digit(s[i]) ||
               (s[i] == '.' && i + 1 < ps->len && filter_is_digit(s[i + 1]))) {
        rc = lex_number(ps, i);
    } else {
        rc = lex_op(ps, i);
    }
    ps->pos = i + ps->cur.len;
    return rc;
}

static int
next(struct fparse *ps)
{
    ps->prev = ps->cur;
    ps->has_prev = true;
    return lex(ps);
}

/* "expected <what> after '<previous token>'" at the current token;
 * arithmetic where an operator is expected gets its own message. */
static int
perr_expected(struct fparse *ps, const char *what)
{
    const struct tok *t = &ps->prev;
    char q[48];

    if (ps->cur.kind == TK_SIGN || ps->cur.kind == TK_ARITH) {
        if (ps->has_prev && (t->kind <= TK_STR || t->kind == TK_RP ||
                             t->kind == TK_NULL || t->kind >= TK_TRUE)) {
            return perr(ps, ps->cur.off,
                        "arithmetic is not supported in filters: '%c'",
                        ps->s[ps->cur.off]);
        }
    }
    if (!ps->has_prev) {
        return perr(ps, ps->cur.off, "expected %s", what);
    }
    filter_quote_bytes(q, sizeof(q), ps->s + t->off, t->len,
                       t->kind == TK_STR || t->kind == TK_QIDENT);
    return perr(ps, ps->cur.off, "expected %s after %s", what, q);
}

/* ---- parser ---- */

/* Makes room for one more entry of array a (of elem bytes) at *p. */
static int
grow(struct fparse *ps, unsigned a, void **p, size_t elem)
{
    struct filter *f = ps->f;
    uint32_t ncap;
    void *q;

    if (f->n[a] < f->cap[a]) {
        return 0;
    }
    ncap = f->cap[a] ? f->cap[a] * 2 : 16;
    q = realloc(*p, (size_t)ncap * elem);
    if (q == NULL) {
        return perr(ps, SIZE_MAX, "out of memory");
    }
    *p = q;
    f->cap[a] = ncap;
    return 0;
}

/* A new node of op with first operand a; its index in *out. */
static int
new_node(struct fparse *ps, uint8_t op, bool negated, struct foperand a,
         uint32_t *out)
{
    struct filter *f = ps->f;
    struct filter_node *nd;

    if (grow(ps, A_NODES, (void **)&f->nodes, sizeof(*f->nodes)) < 0) {
        return -1;
    }
    nd = &f->nodes[f->n[A_NODES]];
    memset(nd, 0, sizeof(*nd));
    nd->op = op;
    nd->negated = negated;
    nd->arg[0] = a;
    nd->next = FILTER_NONE;
    nd->first = FILTER_NONE;
    *out = f->n[A_NODES]++;
    return 0;
}

/* Decodes the string token t (MySQL escapes) onto out. */
static void
str_decode(struct pbuf *out, const uint8_t *s, const struct tok *t)
{
    static const char esc_from[] = "0bnrtZ", esc_to[] = "\0\b\n\r\t\x1a";
    const uint8_t *p = s + t->off + 1;
    const char *e;
    size_t i, n = t->len - 2;
    uint8_t c;

    for (i = 0; i < n; i++) {
        c = p[i];
        if (c == '\\' && i + 1 < n) {
            c = p[++i];
            e = memchr(esc_from, c, sizeof(esc_from) - 1);
            if (e != NULL) {
                c = (uint8_t)esc_to[e - esc_from];
            } else if (c == '%' || c == '_') {
                pbuf_putc(out, '\\');
            }
        } else if (c == s[t->off]) {
            i++; /* doubled quote */
        }
        pbuf_putc(out, (char)c);
    }
}

/* Adds the constant at the current token (sign: '-', '+' or 0). */
static int
add_const(struct fparse *ps, uint8_t sign, uint32_t *out)
{
    struct filter *f = ps->f;
    const struct tok *t = &ps->cur;
    struct filter_const *c;
    struct fdec d;
    bool trunc;

    if (grow(ps, A_CONSTS, (void **)&f->consts, sizeof(*f->consts)) < 0) {
        return -1;
    }
    c = &f->consts[f->n[A_CONSTS]];
    memset(c, 0, sizeof(*c));
    c->off = (uint32_t)f->pool.len;
    c->type = t->kind == TK_NULL  ? FK_NULL
              : t->kind == TK_STR ? FK_STR
                                  : FK_NUM;
    if (t->kind == TK_TRUE || t->kind == TK_FALSE) {
        pbuf_putc(&f->pool, t->kind == TK_TRUE ? '1' : '0');
    } else if (t->kind == TK_NUM) {
        if (sign == '-') {
            pbuf_putc(&f->pool, '-');
        }
        pbuf_put(&f->pool, ps->s + t->off, t->len);
    } else if (t->kind == TK_STR) {
        str_decode(&f->pool, ps->s, t);
    }
    c->len = (uint32_t)(f->pool.len - c->off);
    pbuf_putc(&f->pool, '\0');
    if (f->pool.failed) {
        return perr(ps, SIZE_MAX, "out of memory");
    }
    filter_dec_scan(f->pool.data + c->off, c->len, &d, &trunc);
    filter_num_from_dec(&c->num, &d);
    c->num.d = filter_num_double(&c->num);
    c->num.has_d = true;
    if (t->kind == TK_STR) {
        filter_num_of_text(&c->num, f->pool.data + c->off, c->len);
        c->num.d = filter_num_double(&c->num);
        c->num.has_d = true;
    } else if (isinf(c->num.d)) {
        return perr(ps, t->off, "number out of range");
    }
    *out = f->n[A_CONSTS]++;
    return next(ps);
}

static bool
name_eq(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    size_t i;

    if (na != nb) {
        return false;
    }
    for (i = 0; i < na && filter_upper(a[i]) == filter_upper(b[i]); i++) {
    }
    return i == na;
}

/* Adds (or finds) the column named by the current token. */
static int
add_colref(struct fparse *ps, uint32_t *out)
{
    struct filter *f = ps->f;
    const struct tok *t = &ps->cur;
    const uint8_t *raw = ps->s + t->off;
    size_t start = f->pool.len, i;
    uint32_t len;

    if (t->kind == TK_QIDENT) {
        for (i = 1; i + 1 < t->len; i++) {
            pbuf_putc(&f->pool, (char)raw[i]);
            i += raw[i] == '`';
        }
    } else {
        pbuf_put(&f->pool, raw, t->len);
    }
    pbuf_putc(&f->pool, '\0');
    if (f->pool.failed) {
        return perr(ps, SIZE_MAX, "out of memory");
    }
    len = (uint32_t)(f->pool.len - start - 1);
    for (*out = 0; *out < f->n[A_REFS]; (*out)++) {
        if (name_eq(f->pool.data + f->refs[*out].off, f->refs[*out].len,
                    f->pool.data + start, len)) {
            f->pool.len = start;
            return next(ps);
        }
    }
    if (*out >= FILTER_MAX_COLUMNS) {
        return perr(ps, t->off, "more than %d distinct columns",
                    FILTER_MAX_COLUMNS);
    }
    if (grow(ps, A_REFS, (void **)&f->refs, sizeof(*f->refs)) < 0) {
        return -1;
    }
    f->refs[*out].off = (uint32_t)start;
    f->refs[*out].len = len;
    f->refs[*out].index = 0;
    f->n[A_REFS]++;
    return next(ps);
}

/* column | const; <what> names the thing expected in the message. */
static int
parse_operand(struct fparse *ps, struct foperand *o, const char *what)
{
    const struct tok *t = &ps->cur;
    size_t i = ps->pos;
    uint8_t sign;
    char name[44], q[48];

    o->is_col = t->kind == TK_IDENT || t->kind == TK_QIDENT;
    if (o->is_col) {
        while (i < ps->len && filter_is_space(ps->s[i])) {
            i++;
        }
        if (i < ps->len && ps->s[i] == '(') {
            i = t->len < 40 ? t->len : 40;
            memcpy(name, ps->s + t->off, i);
            name[i] = '(';
            filter_quote_bytes(q, sizeof(q), (const uint8_t *)name,
                               t->len < 40 ? i + 1 : i, false);
            return perr(ps, t->off,
                        "functions are not supported in filters: %s", q);
        }
        return add_colref(ps, &o->idx);
    }
    switch (t->kind) {
    case TK_NUM:
    case TK_STR:
    case TK_NULL:
    case TK_TRUE:
    case TK_FALSE:
        return add_const(ps, 0, &o->idx);
    case TK_SIGN:
        sign = ps->s[t->off];
        if (next(ps) < 0) {
            return -1;
        }
        if (ps->cur.kind != TK_NUM) {
            return perr_expected(ps, "a number");
        }
        return add_const(ps, sign, &o->idx);
    default:
        return perr_expected(ps, what);
    }
}

static int
parse_in(struct fparse *ps, struct foperand a, bool negated, uint32_t *out)
{
    struct foperand item;
    uint32_t n = 0, first = ps->f->n[A_CONSTS];
    char q[48];

    if (next(ps) < 0) {
        return -1;
    }
    if (ps->cur.kind != TK_LP) {
        return perr_expected(ps, "'('");
    }
    do {
        if (next(ps) < 0) {
            return -1;
        }
        if (ps->cur.kind == TK_IDENT || ps->cur.kind == TK_QIDENT) {
            filter_quote_bytes(q, sizeof(q), ps->s + ps->cur.off, ps->cur.len,
                               ps->cur.kind == TK_QIDENT);
            return perr(ps, ps->cur.off,
                        "IN lists hold constants only, found %s", q);
        }
        if (parse_operand(ps, &item, "a constant") < 0) {
            return -1;
        }
        n++;
        if (ps->cur.kind != TK_RP && ps->cur.kind != TK_COMMA) {
            return perr_expected(ps, "',' or ')'");
        }
    } while (ps->cur.kind == TK_COMMA);
    if (new_node(ps, FN_IN, negated, a, out) < 0) {
        return -1;
    }
    ps->f->nodes[*out].first = first;
    ps->f->nodes[*out].count = n;
    return next(ps);
}

/* Compiles the pattern in ps->tmp with escape esc into node nd. */
static int
like_compile(struct fparse *ps, uint32_t nd, uint8_t esc)
{
    struct filter *f = ps->f;
    const uint8_t *p = ps->tmp.data;
    size_t i = 0, l, n = ps->tmp.len;
    struct like_elem e;

    f->nodes[nd].first = f->n[A_LIKES];
    while (i < n) {
        memset(&e, 0, sizeof(e));
        if (p[i] == esc && i + 1 < n) {
            i++;
        } else if (p[i] == '%' || p[i] == '_') {
            e.kind = p[i++] == '%' ? LK_ANY : LK_ONE;
        }
        if (e.kind == LK_LIT) {
            l = p[i] < 0xc0 ? 1 : p[i] < 0xe0 ? 2 : p[i] < 0xf0 ? 3 : 4;
            e.len = (uint8_t)(l > n - i ? n - i : l);
            memcpy(e.c, p + i, e.len);
            i += e.len;
        } else if (e.kind == LK_ANY && f->nodes[nd].count > 0 &&
                   f->likes[f->n[A_LIKES] - 1].kind == LK_ANY) {
            continue;
        }
        if (grow(ps, A_LIKES, (void **)&f->likes, sizeof(*f->likes)) < 0) {
            return -1;
        }
        f->likes[f->n[A_LIKES]++] = e;
        f->nodes[nd].count++;
    }
    return 0;
}

static int
parse_like(struct fparse *ps, struct foperand a, bool negated, uint32_t *out)
{
    struct tok pat;
    uint8_t esc = '\\';

    if (next(ps) < 0) {
        return -1;
    }
    if (ps->cur.kind != TK_STR) {
        return perr_expected(ps, "a string pattern");
    }
    pat = ps->cur;
    if (next(ps) < 0) {
        return -1;
    }
    if (ps->cur.kind == TK_ESCAPE) {
        if (next(ps) < 0) {
            return -1;
        }
        if (ps->cur.kind != TK_STR) {
            return perr_expected(ps, "a string");
        }
        pbuf_reset(&ps->tmp);
        str_decode(&ps->tmp, ps->s, &ps->cur);
        if (ps->tmp.len > 1 || (ps->tmp.len == 1 && ps->tmp.data[0] >= 0x80)) {
            return perr(ps, ps->cur.off, "ESCAPE must be one character");
        }
        esc = ps->tmp.len == 1 ? ps->tmp.data[0] : esc;
        if (next(ps) < 0) {
            return -1;
        }
    }
    pbuf_reset(&ps->tmp);
    str_decode(&ps->tmp, ps->s, &pat);
    if (ps->tmp.failed) {
        return perr(ps, SIZE_MAX, "out of memory");
    }
    if (new_node(ps, FN_LIKE, negated, a, out) < 0) {
        return -1;
    }
    return like_compile(ps, *out, esc);
}

static int
parse_between(struct fparse *ps, struct foperand a, bool negated, uint32_t *out)
{
    struct foperand lo, hi;

    if (next(ps) < 0 || parse_operand(ps, &lo, "a value") < 0) {
        return -1;
    }
    if (ps->cur.kind != TK_AND) {
        return perr_expected(ps, "AND");
    }
    if (next(ps) < 0 || parse_operand(ps, &hi, "a value") < 0 ||
        new_node(ps, FN_BETWEEN, negated, a, out) < 0) {
        return -1;
    }
    ps->f->nodes[*out].arg[1] = lo;
    ps->f->nodes[*out].arg[2] = hi;
    return 0;
}

static int parse_or(struct fparse *ps, uint32_t *out);

static int
deeper(struct fparse *ps)
{
    if (++ps->depth > FILTER_MAX_DEPTH) {
        return perr(ps, ps->cur.off, "nesting deeper than %d levels",
                    FILTER_MAX_DEPTH);
    }
    return next(ps);
}

static int
parse_pred(struct fparse *ps, uint32_t *out)
{
    struct foperand a, b;
    bool negated = false;
    uint8_t cmp;

    if (ps->cur.kind == TK_LP) {
        if (deeper(ps) < 0 || parse_or(ps, out) < 0) {
            return -1;
        }
        if (ps->cur.kind != TK_RP) {
            return perr_expected(ps, "')'");
        }
        ps->depth--;
        return next(ps);
    }
    if (parse_operand(ps, &a, "a condition") < 0) {
        return -1;
    }
    if (ps->cur.kind == TK_NOT) {
        if (next(ps) < 0) {
            return -1;
        }
        negated = true;
        if (ps->cur.kind != TK_IN && ps->cur.kind != TK_LIKE &&
            ps->cur.kind != TK_BETWEEN) {
            return perr_expected(ps, "IN, LIKE or BETWEEN");
        }
    }
    switch (ps->cur.kind) {
    case TK_IN:
        return parse_in(ps, a, negated, out);
    case TK_LIKE:
        return parse_like(ps, a, negated, out);
    case TK_BETWEEN:
        return parse_between(ps, a, negated, out);
    case TK_CMP:
        cmp = ps->cur.cmp;
        if (next(ps) < 0 || parse_operand(ps, &b, "a value") < 0 ||
            new_node(ps, FN_CMP, false, a, out) < 0) {
            return -1;
        }
        ps->f->nodes[*out].cmp = cmp;
        ps->f->nodes[*out].arg[1] = b;
        return 0;
    case TK_IS:
        if (next(ps) < 0) {
            return -1;
        }
        if (ps->cur.kind == TK_NOT) {
            negated = true;
            if (next(ps) < 0) {
                return -1;
            }
        }
        if (ps->cur.kind != TK_NULL) {
            return perr_expected(ps, negated ? "NULL" : "NULL or NOT NULL");
        }
        if (new_node(ps, FN_ISNULL, negated, a, out) < 0) {
            return -1;
        }
        return next(ps);
    default:
        return perr_expected(ps, "a comparison operator");
    }
}

static int
parse_not(struct fparse *ps, uint32_t *out)
{
    struct foperand none = {false, 0};
    uint32_t child;

    if (ps->cur.kind != TK_NOT) {
        return parse_pred(ps, out);
    }
    if (deeper(ps) < 0 || parse_not(ps, &child) < 0 ||
        new_node(ps, FN_NOT, false, none, out) < 0) {
        return -1;
    }
    ps->depth--;
    ps->f->nodes[*out].first = child;
    return 0;
}

/* An AND or OR list: operands parsed by sub, joined by token tk. */
static int
parse_list(struct fparse *ps, uint8_t op, uint8_t tk,
           int (*sub)(struct fparse *, uint32_t *), uint32_t *out)
{
    struct foperand none = {false, 0};
    uint32_t first, last, child;

    if (sub(ps, &first) < 0) {
        return -1;
    }
    if (ps->cur.kind != tk) {
        *out = first;
        return 0;
    }
    if (new_node(ps, op, false, none, out) < 0) {
        return -1;
    }
    ps->f->nodes[*out].first = first;
    ps->f->nodes[*out].count = 1;
    for (last = first; ps->cur.kind == tk; last = child) {
        if (next(ps) < 0 || sub(ps, &child) < 0) {
            return -1;
        }
        ps->f->nodes[last].next = child;
        ps->f->nodes[*out].count++;
    }
    return 0;
}

static int
parse_and(struct fparse *ps, uint32_t *out)
{
    return parse_list(ps, FN_AND, TK_AND, parse_not, out);
}

static int
parse_or(struct fparse *ps, uint32_t *out)
{
    return parse_list(ps, FN_OR, TK_OR, parse_and, out);
}

struct filter *
filter_parse(const char *text, size_t len, char *err, size_t errlen)
{
    struct fparse ps;
    struct filter *f;

    memset(&ps, 0, sizeof(ps));
    ps.err = err;
    ps.errlen = errlen;
    if (err != NULL && errlen > 0) {
        err[0] = '\0';
    }
    if (len > FILTER_MAX_LEN) {
        perr(&ps, FILTER_MAX_LEN, "filter longer than %d bytes",
             FILTER_MAX_LEN);
        return NULL;
    }
    f = calloc(1, sizeof(*f));
    if (f == NULL || (f->scr = calloc(1, sizeof(*f->scr))) == NULL) {
        free(f);
        perr(&ps, SIZE_MAX, "out of memory");
        return NULL;
    }
    ps.f = f;
    ps.s = (const uint8_t *)text;
    ps.len = len;
    if (lex(&ps) == 0) {
        if (ps.cur.kind == TK_END) {
            perr(&ps, ps.cur.off, "empty filter");
        } else if (parse_or(&ps, &f->root) == 0 && ps.cur.kind == TK_RP) {
            perr(&ps, ps.cur.off, "unbalanced ')'");
        } else if (!ps.failed && ps.cur.kind != TK_END) {
            perr_expected(&ps, "AND or OR");
        }
    }
    pbuf_free(&ps.tmp);
    if (ps.failed) {
        filter_free(f);
        return NULL;
    }
    return f;
}

size_t
filter_ncolumns(const struct filter *f)
{
    return f != NULL ? f->n[A_REFS] : 0;
}

const char *
filter_column(const struct filter *f, size_t i)
{
    if (f == NULL || i >= f->n[A_REFS]) {
        return NULL;
    }
    return (const char *)f->pool.data + f->refs[i].off;
}

/* ---- binding ---- */

/* Real type of a STRING column (STRING, ENUM or SET), as format.c. */
unsigned
filter_col_real_type(const struct mysql_column *col)
{
    unsigned b0 = col->meta >> 8;

    if (col->type != MYT_STRING || b0 == 0) {
        return col->type;
    }
    return (b0 & 0x30) != 0x30 ? (b0 | 0x30) : b0;
}

int
filter_bind(struct filter *f, const struct mysql_column *cols, size_t ncols,
            char *err, size_t errlen)
{
    const struct filter_colref *r;
    const struct mysql_column *c;
    size_t j;
    uint32_t i;
    unsigned t;
    char q[48], why[96];

    f->bound = false;
    for (i = 0; i < f->n[A_REFS]; i++) {
        r = &f->refs[i];
        for (j = 0; j < ncols && !name_eq(cols[j].name.p, cols[j].name.len,
                                          f->pool.data + r->off, r->len);
             j++) {
        }
        c = &cols[j];
        t = j < ncols ? filter_col_real_type(c) : 0;
        if (j == ncols) {
            why[0] = '\0';
        } else if ((t == MYT_JSON && !c->is_json_text) || t == MYT_GEOMETRY ||
                   t == MYT_VECTOR || t == MYT_TYPED_ARRAY) {
            snprintf(why, sizeof(why),
                     "has type %s, which filters do not "
                     "support",
                     t == MYT_JSON       ? "JSON"
                     : t == MYT_GEOMETRY ? "GEOMETRY"
                     : t == MYT_VECTOR   ? "VECTOR"
                                         : "TYPED_ARRAY");
        } else if ((t == MYT_VARCHAR || t == MYT_VAR_STRING ||
                    t == MYT_STRING || t == MYT_JSON ||
                    (t >= MYT_TINY_BLOB && t <= MYT_BLOB)) &&
                   mysql_charset_of_collation(c->charset) == MYCS_UNKNOWN) {
            snprintf(why, sizeof(why), "has an unknown collation (id %u)",
                     (unsigned)c->charset);
        } else {
            f->refs[i].index = (uint32_t)j;
            continue;
        }
        if (err != NULL && errlen > 0) {
            filter_quote_bytes(q, sizeof(q), f->pool.data + r->off, r->len,
                               false);
            if (j == ncols) {
                snprintf(err, errlen, "unknown column %s", q);
            } else {
                snprintf(err, errlen, "column %s %s", q, why);
            }
        }
        return -1;
    }
    f->bound = true;
    return 0;
}

void
filter_free(struct filter *f)
{
    if (f == NULL) {
        return;
    }
    if (f->scr != NULL) {
        filter_trim(f);
        mysql_format_ctx_free(&f->scr->fmt);
        free(f->scr);
    }
    free(f->nodes);
    free(f->consts);
    free(f->refs);
    free(f->likes);
    pbuf_free(&f->pool);
    free(f);
}
