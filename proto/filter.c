/*
 * filter.c - row filters (see filter.h for the grammar and semantics).
 *
 * filter_parse() runs a lexer and a recursive-descent parser that fill
 * arrays: expression nodes (AND/OR keep their children as sibling lists,
 * so a long chain costs no depth), constants, column references, LIKE
 * pattern elements, and a pool of bytes for names and string constants.
 * Constants are prepared once: a number as an exact normalized decimal
 * (struct fdec) with an integer fast path and its double; a string also
 * with its numeric prefix.  filter_eval() walks the nodes; each operand
 * becomes a struct fval that converts a column value lazily to what a
 * comparison needs (number or UTF-8 text) in the filter's scratch.
 */
#include "proto/filter.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/json.h"
#include "proto/mysql/charset.h"
#include "proto/mysql/format.h"

#define FDEC_DIGITS 96          /* significant digits of struct fdec */
#define FILTER_MAX_IDENT 256    /* bytes of an identifier */
#define FILTER_MAX_COLUMNS 4096 /* distinct columns (MySQL's own limit) */
#define FILTER_ERR_MAX 160      /* bytes of an evaluation error */
#define FILTER_NONE UINT32_MAX  /* no node */

/* ---- exact numbers ---- */

/* A number as 0.d[0..n) * 10^exp: no leading or trailing zero digit. */
struct fdec {
    bool neg;            /* negative (never for zero) */
    uint8_t n;           /* significant digits, 0 for zero */
    int32_t exp;         /* decimal exponent */
    char d[FDEC_DIGITS]; /* digits '0'..'9', not NUL-ended */
};

enum num_form {
    NUM_INT = 0, /* neg, mag */
    NUM_DEC,     /* dec */
    NUM_DBL,     /* d */
};

/* A number as a comparison needs it. */
struct fnum {
    uint8_t form;    /* enum num_form */
    bool neg;        /* NUM_INT: negative */
    bool has_d;      /* d also holds an INT/DEC value */
    uint64_t mag;    /* NUM_INT: magnitude */
    double d;        /* NUM_DBL value (or see has_d) */
    struct fdec dec; /* NUM_DEC value */
};

static bool
is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static bool
is_space(uint8_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static uint8_t
up(uint8_t c)
{
    return c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
}

/*
 * Reads [sign] digits [. digits] [e [sign] digits] at p[0..n) into *out.
 * Returns the bytes read, 0 when there is no digit (*out is then zero).
 * Digits beyond FDEC_DIGITS are dropped, *truncated telling whether one
 * of them was not zero.  The exponent saturates far beyond any double.
 */
static size_t
dec_scan(const uint8_t *p, size_t n, struct fdec *out, bool *truncated)
{
    size_t i = 0, j, ndig = 0;
    bool point = false;
    int64_t exp = 0, e = 0, esign = 1;

    out->neg = false;
    out->n = 0;
    *truncated = false;
    if (i < n && (p[i] == '+' || p[i] == '-')) {
        out->neg = p[i++] == '-';
    }
    for (; i < n; i++) {
        if (p[i] == '.' && !point) {
            point = true;
            continue;
        }
        if (!is_digit(p[i])) {
            break;
        }
        ndig++;
        if (out->n == 0 && p[i] == '0') {
            exp -= point;
            continue;
        }
        if (out->n < FDEC_DIGITS) {
            out->d[out->n++] = (char)p[i];
        } else {
            *truncated |= p[i] != '0';
        }
        exp += !point;
    }
    if (ndig > 0 && i < n && (p[i] == 'e' || p[i] == 'E')) {
        j = i + 1;
        if (j < n && (p[j] == '+' || p[j] == '-')) {
            esign = p[j++] == '-' ? -1 : 1;
        }
        for (; j < n && is_digit(p[j]); i = ++j) {
            e = e < 100000000 ? e * 10 + (p[j] - '0') : e;
        }
        exp += esign * e;
    }
    while (out->n > 0 && out->d[out->n - 1] == '0') {
        out->n--;
    }
    if (out->n == 0) {
        out->neg = false;
        exp = 0;
    }
    out->exp = (int32_t)(exp > 200000000    ? 200000000
                         : exp < -200000000 ? -200000000
                                            : exp);
    return ndig > 0 ? i : 0;
}

static int
dec_cmp(const struct fdec *a, const struct fdec *b)
{
    int sa = a->n == 0 ? 0 : a->neg ? -1 : 1;
    int sb = b->n == 0 ? 0 : b->neg ? -1 : 1;
    int c;

    if (sa != sb || sa == 0) {
        return sa < sb ? -1 : sa > sb;
    }
    if (a->exp != b->exp) {
        c = a->exp < b->exp ? -1 : 1;
    } else {
        c = memcmp(a->d, b->d, a->n < b->n ? a->n : b->n);
        c = c != 0 ? (c < 0 ? -1 : 1) : a->n < b->n ? -1 : a->n > b->n;
    }
    return sa < 0 ? -c : c;
}

static double
dec_to_double(const struct fdec *x)
{
    char buf[FDEC_DIGITS + 32];

    if (x->n == 0) {
        return 0.0;
    }
    snprintf(buf, sizeof(buf), "%s0.%.*se%d", x->neg ? "-" : "", (int)x->n,
             x->d, (int)x->exp);
    return strtod(buf, NULL);
}

/* *x = d, as NUM_INT when d is an integer within 64 bits. */
static void
num_from_dec(struct fnum *x, const struct fdec *d)
{
    uint64_t mag = 0;
    unsigned dig;
    int32_t k;

    x->has_d = false;
    x->form = NUM_DEC;
    x->dec = *d;
    if (d->exp < d->n || d->exp > 20) {
        return;
    }
    for (k = 0; k < d->exp; k++) {
        dig = k < d->n ? (unsigned)(d->d[k] - '0') : 0;
        if (mag > (UINT64_MAX - dig) / 10) {
            return;
        }
        mag = mag * 10 + dig;
    }
    x->form = NUM_INT;
    x->neg = d->neg;
    x->mag = mag;
}

/* MySQL's string-to-number: the numeric prefix after leading spaces. */
static void
num_of_text(struct fnum *x, const uint8_t *p, size_t n)
{
    struct fdec d;
    size_t i = 0;
    bool t;

    while (i < n && is_space(p[i])) {
        i++;
    }
    dec_scan(p + i, n - i, &d, &t);
    num_from_dec(x, &d);
}

static double
num_double(const struct fnum *x)
{
    if (x->form == NUM_DBL || x->has_d) {
        return x->d;
    }
    if (x->form == NUM_INT) {
        return x->neg ? -(double)x->mag : (double)x->mag;
    }
    return dec_to_double(&x->dec);
}

/* The decimal of a NUM_INT (or of x->dec). */
static const struct fdec *
num_dec(const struct fnum *x, struct fdec *tmp)
{
    char buf[24];
    bool t;

    if (x->form != NUM_INT) {
        return &x->dec;
    }
    dec_scan((uint8_t *)buf, (size_t)(json_digits(buf, x->mag, 1) - buf), tmp,
             &t);
    tmp->neg = x->neg && tmp->n > 0;
    return tmp;
}

/* Orders a against b: 0 with *order set, 1 when a NaN makes it UNKNOWN. */
static int
num_cmp(const struct fnum *a, const struct fnum *b, int *order)
{
    struct fdec ta, tb;
    double x, y;
    int sa, sb, c;

    if (a->form == NUM_DBL || b->form == NUM_DBL) {
        x = num_double(a);
        y = num_double(b);
        *order = x < y ? -1 : x > y;
        return isnan(x) || isnan(y);
    }
    if (a->form == NUM_INT && b->form == NUM_INT) {
        sa = a->mag == 0 ? 0 : a->neg ? -1 : 1;
        sb = b->mag == 0 ? 0 : b->neg ? -1 : 1;
        c = a->mag < b->mag ? -1 : a->mag > b->mag;
        *order = sa != sb ? (sa < sb ? -1 : 1) : sa < 0 ? -c : c;
        return 0;
    }
    *order = dec_cmp(num_dec(a, &ta), num_dec(b, &tb));
    return 0;
}

/* ---- compiled form ---- */

enum fnode_op {
    FN_AND = 0, /* children: all TRUE */
    FN_OR,      /* children: one TRUE */
    FN_NOT,     /* one child */
    FN_CMP,     /* arg[0] cmp arg[1] */
    FN_IN,      /* arg[0] IN constants */
    FN_ISNULL,  /* arg[0] IS NULL */
    FN_LIKE,    /* arg[0] LIKE pattern elements */
    FN_BETWEEN, /* arg[0] BETWEEN arg[1] AND arg[2] */
};

enum fcmp { CMP_EQ = 0, CMP_NE, CMP_LT, CMP_GT, CMP_LE, CMP_GE };

/* A column reference or a constant. */
struct foperand {
    bool is_col;  /* idx is into refs, else into consts */
    uint32_t idx; /* index */
};

struct filter_node {
    uint8_t op;             /* enum fnode_op */
    uint8_t cmp;            /* FN_CMP: enum fcmp */
    bool negated;           /* NOT IN/LIKE/BETWEEN, IS NOT NULL */
    uint32_t first;         /* AND/OR/NOT first child; IN first
                               constant; LIKE first element */
    uint32_t count;         /* AND/OR children, IN items, LIKE
                               elements */
    uint32_t next;          /* next sibling under AND/OR */
    struct foperand arg[3]; /* operands, see enum fnode_op */
};

enum fconst_type {
    FK_NULL = 0, /* NULL */
    FK_NUM,      /* number (TRUE/FALSE are 1/0) */
    FK_STR,      /* string */
};

struct filter_const {
    uint8_t type;    /* enum fconst_type */
    uint32_t off;    /* text in the pool: the string, or the
                        number as written */
    uint32_t len;    /* bytes of text */
    struct fnum num; /* numeric value (a string's prefix) */
};

struct filter_colref {
    uint32_t off;   /* NUL-ended name in the pool */
    uint32_t len;   /* bytes of name */
    uint32_t index; /* bound column index */
};

enum like_kind { LK_LIT = 0, LK_ONE, LK_ANY }; /* char, _, % */

struct like_elem {
    uint8_t kind; /* enum like_kind */
    uint8_t len;  /* LK_LIT: bytes in c (1..4) */
    uint8_t c[4]; /* LK_LIT: the character's bytes */
};

/* Scratch state of filter_eval(), reached through a const filter. */
struct filter_scratch {
    struct pbuf text[2];         /* value text per operand slot */
    struct mysql_format_ctx fmt; /* value text, iconv descriptors */
    char err[FILTER_ERR_MAX];    /* reason of the last failure */
};

struct filter {
    struct filter_node *nodes;   /* expression nodes */
    struct filter_const *consts; /* constants */
    struct filter_colref *refs;  /* distinct columns */
    struct like_elem *likes;     /* LIKE pattern elements */
    uint32_t n[4];               /* used entries of the four arrays */
    uint32_t cap[4];             /* allocated entries of them */
    struct pbuf pool;            /* names and constant text */
    uint32_t root;               /* root node */
    bool bound;                  /* refs[].index are valid */
    struct filter_scratch *scr;  /* evaluation scratch, owned */
};

enum { A_NODES = 0, A_CONSTS, A_REFS, A_LIKES }; /* filter.n[] index */

/* 'text' of p[0..n) for a message: 32 bytes at most, controls as '?';
 * when quoted, p already carries its quotes. */
static void
quote_bytes(char *out, size_t outlen, const uint8_t *p, size_t n, bool quoted)
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
           c == '$' || c >= 0x80 || is_digit(c);
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
        for (w = 0; i + w < j && up(s[i + w]) == (uint8_t)fwords[k].text[w];
             w++) {
        }
        if (i + w == j && fwords[k].text[w] == '\0') {
            ps->cur.kind = fwords[k].kind;
            break;
        }
    }
    if (ps->cur.kind == TK_UNSUP) {
        quote_bytes(q, sizeof(q), s + i, j - i, false);
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
    size_t j = i + dec_scan(s + i, ps->len - i, &d, &trunc);
    char q[48];

    if (j < ps->len && (is_ident(s[j]) || s[j] == '.')) {
        while (j < ps->len && (is_ident(s[j]) || s[j] == '.')) {
            j++;
        }
        quote_bytes(q, sizeof(q), s + i, j - i, false);
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

    while (i < ps->len && is_space(s[i])) {
        i++;
    }
    memset(&ps->cur, 0, sizeof(ps->cur));
    ps->cur.off = i;
    if (i >= ps->len) {
        ps->cur.kind = TK_END;
    } else if (is_ident(s[i]) && !is_digit(s[i])) {
        rc = lex_word(ps, i);
    } else if (s[i] == '`' || s[i] == '\'' || s[i] == '"') {
        rc = lex_quoted(ps, i);
    } else if (is_digit(s[i]) ||
               (s[i] == '.' && i + 1 < ps->len && is_digit(s[i + 1]))) {
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
    quote_bytes(q, sizeof(q), ps->s + t->off, t->len,
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
    dec_scan(f->pool.data + c->off, c->len, &d, &trunc);
    num_from_dec(&c->num, &d);
    c->num.d = num_double(&c->num);
    c->num.has_d = true;
    if (t->kind == TK_STR) {
        num_of_text(&c->num, f->pool.data + c->off, c->len);
        c->num.d = num_double(&c->num);
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
    for (i = 0; i < na && up(a[i]) == up(b[i]); i++) {
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
        while (i < ps->len && is_space(ps->s[i])) {
            i++;
        }
        if (i < ps->len && ps->s[i] == '(') {
            i = t->len < 40 ? t->len : 40;
            memcpy(name, ps->s + t->off, i);
            name[i] = '(';
            quote_bytes(q, sizeof(q), (const uint8_t *)name,
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
            quote_bytes(q, sizeof(q), ps->s + ps->cur.off, ps->cur.len,
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

const char *
filter_result_name(int r)
{
    static const char *const names[] = {"FALSE", "TRUE", "UNKNOWN"};

    return r >= 0 && r < FILTER_RESULT_COUNT ? names[r] : "?";
}

/* ---- binding ---- */

/* Real type of a STRING column (STRING, ENUM or SET), as format.c. */
static unsigned
col_real_type(const struct mysql_column *col)
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
        t = j < ncols ? col_real_type(c) : 0;
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
            quote_bytes(q, sizeof(q), f->pool.data + r->off, r->len, false);
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

/* ---- evaluation ---- */

struct fev {
    const struct filter *f;          /* filter */
    const struct mysql_column *cols; /* row's columns */
    const struct mysql_value *vals;  /* row's values */
    struct filter_scratch *scr;      /* scratch of f */
};

enum fcat {
    FC_NULL = 0, /* SQL NULL */
    FC_NUM,      /* number */
    FC_STR,      /* text or binary string */
    FC_TEMP,     /* DATE, TIME, DATETIME, TIMESTAMP */
    FC_ENUM,     /* ENUM or SET: string or number */
};

/* One operand being evaluated; conversions are done on demand. */
struct fval {
    const struct filter_const *c;    /* constant, or NULL */
    const struct mysql_value *v;     /* column value, or NULL */
    const struct mysql_column *col;  /* column of v */
    const struct filter_colref *ref; /* reference of v */
    unsigned slot;                   /* scratch text buffer */
    uint8_t cat;                     /* enum fcat */
    bool text_ok;                    /* tp, tl, binary are set */
    bool binary;                     /* tp is a binary string */
    const uint8_t *tp;               /* text: UTF-8 unless binary */
    size_t tl;                       /* bytes at tp */
    const struct fnum *np;           /* numeric value, or NULL */
    struct fnum num;                 /* storage for a column's np */
};

static int ev_fail(struct fev *ev, const struct fval *x, int code,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Sets the reason ("column 'x' " + fmt when x is given), returns -code. */
static int
ev_fail(struct fev *ev, const struct fval *x, int code, const char *fmt, ...)
{
    char *e = ev->scr->err;
    size_t n = 0;
    va_list ap;

    if (x != NULL) {
        memcpy(e, "column ", 7);
        quote_bytes(e + 7, 48, ev->f->pool.data + x->ref->off, x->ref->len,
                    false);
        n = strlen(e);
        e[n++] = ' ';
    }
    va_start(ap, fmt);
    vsnprintf(e + n, FILTER_ERR_MAX - n, fmt, ap);
    va_end(ap);
    return -code;
}

static void
fv_prep(struct fev *ev, struct foperand o, unsigned slot, struct fval *x)
{
    static const uint8_t cats[MYV_KIND_COUNT] = {
        [MYV_NULL] = FC_NULL,      [MYV_INT] = FC_NUM,
        [MYV_UINT] = FC_NUM,       [MYV_FLOAT] = FC_NUM,
        [MYV_DOUBLE] = FC_NUM,     [MYV_DECIMAL] = FC_NUM,
        [MYV_YEAR] = FC_NUM,       [MYV_BIT] = FC_NUM,
        [MYV_STRING] = FC_STR,     [MYV_DATE] = FC_TEMP,
        [MYV_TIME] = FC_TEMP,      [MYV_DATETIME] = FC_TEMP,
        [MYV_TIMESTAMP] = FC_TEMP, [MYV_ENUM] = FC_ENUM,
        [MYV_SET] = FC_ENUM,       [MYV_JSON] = FC_STR,
        [MYV_GEOMETRY] = FC_STR,
    };

    memset(x, 0, offsetof(struct fval, num));
    x->slot = slot;
    if (!o.is_col) {
        x->c = &ev->f->consts[o.idx];
        x->cat = x->c->type == FK_NULL  ? FC_NULL
                 : x->c->type == FK_NUM ? FC_NUM
                                        : FC_STR;
        x->np = &x->c->num;
        return;
    }
    x->ref = &ev->f->refs[o.idx];
    x->v = &ev->vals[x->ref->index];
    x->col = &ev->cols[x->ref->index];
    x->cat = (unsigned)x->v->kind < MYV_KIND_COUNT ? cats[x->v->kind] : FC_STR;
}

/* Appends p[0..n) of charset cs as UTF-8 onto out. */
static int
ev_conv(struct fev *ev, struct pbuf *out, enum mysql_charset cs,
        const uint8_t *p, size_t n)
{
    int rc;

    if (n == 0 || mysql_charset_is_utf8(cs)) {
        pbuf_put(out, p, n);
        return 0;
    }
    rc = mysql_charset_to_utf8(out, cs, p, n, &ev->scr->fmt.cs);
    if (rc < 0) {
        return ev_fail(ev, NULL, -rc, "cannot convert %s text to UTF-8",
                       mysql_charset_name(cs));
    }
    return 0;
}

/* ENUM member name or SET member list as UTF-8 onto out. */
static int
fv_members(struct fev *ev, struct fval *x, struct pbuf *out)
{
    const struct mysql_column *col = x->col;
    enum mysql_charset cs = mysql_charset_of_collation(col->charset);
    uint64_t u = x->v->v.u;
    uint32_t i, nm = col->n_enum_values;
    bool first = true;
    int rc = 0;

    cs = cs == MYCS_UNKNOWN || cs == MYCS_BINARY ? MYCS_UTF8MB4 : cs;
    if (u != 0 && col->enum_values == NULL) {
        return ev_fail(ev, x, PROTO_EUNSUPPORTED,
                       "has no ENUM/SET member "
                       "names (binlog_row_metadata=FULL is needed)");
    }
    if (x->v->kind == MYV_ENUM) {
        if (u > nm) {
            return ev_fail(ev, x, PROTO_EMALFORMED,
                           "has ENUM index %llu "
                           "beyond its %u members",
                           (unsigned long long)u, (unsigned)nm);
        }
        return u ? ev_conv(ev, out, cs, col->enum_values[u - 1].p,
                           col->enum_values[u - 1].len)
                 : 0;
    }
    if (nm < 64 && (u >> nm) != 0) {
        return ev_fail(ev, x, PROTO_EMALFORMED,
                       "has SET bits beyond its "
                       "%u members",
                       (unsigned)nm);
    }
    for (i = 0; i < nm && i < 64 && rc == 0; i++) {
        if ((u & ((uint64_t)1 << i)) != 0) {
            if (!first) {
                pbuf_putc(out, ',');
            }
            first = false;
            rc = ev_conv(ev, out, cs, col->enum_values[i].p,
                         col->enum_values[i].len);
        }
    }
    return rc;
}

static bool
all_ascii(const uint8_t *p, size_t n)
{
    size_t i;

    for (i = 0; i < n && p[i] < 0x80; i++) {
    }
    return i == n;
}

/* Fills x's text: the string itself, member names, or the value's MySQL
 * literal text. */
static int
fv_text(struct fev *ev, struct fval *x)
{
    struct pbuf *out = &ev->scr->text[x->slot];
    const struct span *s = x->v != NULL ? &x->v->v.bytes : NULL;
    enum mysql_charset cs;
    size_t pad;
    int rc = 0;

    if (x->text_ok) {
        return 0;
    }
    if (x->c != NULL) {
        x->tp = ev->f->pool.data + x->c->off;
        x->tl = x->c->len;
        x->text_ok = true;
        return 0;
    }
    pbuf_reset(out);
    if (x->v->kind == MYV_STRING) {
        cs = mysql_charset_of_collation(x->col->charset);
        pad = col_real_type(x->col) == MYT_STRING
                  ? mysql_format_string_len(x->col)
                  : 0;
        x->binary = cs == MYCS_BINARY;
        if (cs == MYCS_UNKNOWN) {
            return ev_fail(ev, x, PROTO_EUNSUPPORTED,
                           "has an unknown "
                           "collation (id %u)",
                           (unsigned)x->col->charset);
        } else if (x->binary && pad > s->len) {
            /* BINARY(n): the binlog drops the trailing 0x00 bytes */
            pbuf_put(out, s->p, s->len);
            while (out->len < pad && !out->failed) {
                pbuf_putc(out, '\0');
            }
        } else if (x->binary || mysql_charset_is_utf8(cs) ||
                   (mysql_charset_ascii_compatible(cs) &&
                    all_ascii(s->p, s->len))) {
            out = NULL;
        } else {
            rc = ev_conv(ev, out, cs, s->p, s->len);
        }
    } else if (x->v->kind == MYV_ENUM || x->v->kind == MYV_SET) {
        rc = fv_members(ev, x, out);
    } else if (x->v->kind == MYV_JSON || x->v->kind == MYV_GEOMETRY) {
        return ev_fail(ev, x, PROTO_EUNSUPPORTED,
                       "holds a %s value, which "
                       "filters do not support",
                       x->v->kind == MYV_JSON ? "JSON" : "GEOMETRY");
    } else if ((rc = mysql_format_value(out, x->col, x->v, &ev->scr->fmt)) <
               0) {
        return ev_fail(ev, x, -rc, "%s", ev->scr->fmt.err);
    }
    if (rc == 0 && out != NULL && out->failed) {
        rc = ev_fail(ev, NULL, PROTO_ENOMEM, "out of memory in a filter");
    }
    x->tp = out != NULL ? out->data : s->p;
    x->tl = out != NULL ? out->len : s->len;
    if (out != NULL && x->tl >= 2 && x->tp[0] == '"' && x->cat != FC_STR &&
        x->cat != FC_ENUM) {
        x->tp++; /* quoted JSON text of DECIMAL, temporal, YEAR */
        x->tl -= 2;
    }
    x->tp = x->tp != NULL ? x->tp : (const uint8_t *)"";
    x->text_ok = rc == 0;
    return rc;
}

/* Fills x->np: the numeric value of x (MySQL's numeric form of a temporal
 * value, the numeric prefix of a string, index/bitmask of ENUM/SET). */
static int
fv_num(struct fev *ev, struct fval *x)
{
    const struct mysql_value *v = x->v;
    struct fnum *n = &x->num;
    struct fdec d;
    char buf[48];
    size_t i, o = 0;
    bool t;
    int rc;

    if (x->np != NULL) {
        return 0;
    }
    n->form = NUM_INT;
    n->neg = false;
    n->has_d = false;
    n->mag = v->v.u;
    if (v->kind == MYV_INT) {
        n->neg = v->v.i < 0;
        n->mag = n->neg ? 0 - (uint64_t)v->v.i : (uint64_t)v->v.i;
    } else if (v->kind == MYV_FLOAT || v->kind == MYV_DOUBLE) {
        n->form = NUM_DBL;
        n->d = v->kind == MYV_FLOAT ? (double)v->v.f : v->v.d;
    } else if (v->kind == MYV_DECIMAL) {
        num_of_text(n, (const uint8_t *)v->v.dec.text,
                    strnlen(v->v.dec.text, sizeof(v->v.dec.text)));
    } else if (x->cat == FC_STR || x->cat == FC_TEMP) {
        if ((rc = fv_text(ev, x)) < 0) {
            return rc;
        }
        if (x->cat == FC_STR) {
            num_of_text(n, x->tp, x->tl);
        } else {
            /* "2024-01-31 12:00:00.5" is 20240131120000.5 */
            for (i = 0; i < x->tl && o < sizeof(buf); i++) {
                if (is_digit(x->tp[i]) || x->tp[i] == '.' ||
                    (i == 0 && x->tp[i] == '-')) {
                    buf[o++] = (char)x->tp[i];
                }
            }
            dec_scan((const uint8_t *)buf, o, &d, &t);
            num_from_dec(n, &d);
        }
    }
    x->np = n;
    return 0;
}

/* PAD SPACE, ASCII-case-insensitive order (upper case weights). */
static int
text_cmp(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    size_t i, n = na > nb ? na : nb;
    uint8_t ca, cb;

    for (i = 0; i < n; i++) {
        ca = i < na ? up(a[i]) : ' ';
        cb = i < nb ? up(b[i]) : ' ';
        if (ca != cb) {
            return ca < cb ? -1 : 1;
        }
    }
    return 0;
}

/*
 * Byte order; with temporal set, a text that extends the other only by
 * characters other than 1-9 ("2024-01-31" and "2024-01-31 00:00:00.000")
 * is equal to it, else greater.
 */
static int
bin_cmp(const uint8_t *a, size_t na, const uint8_t *b, size_t nb, bool temporal)
{
    size_t i, n = na < nb ? na : nb;
    int c = n > 0 ? memcmp(a, b, n) : 0;

    if (c != 0 || na == nb) {
        return c < 0 ? -1 : c > 0;
    }
    for (i = n; temporal && i < na; i++) {
        if (a[i] >= '1' && a[i] <= '9') {
            return 1;
        }
    }
    for (i = n; temporal && i < nb; i++) {
        if (b[i] >= '1' && b[i] <= '9') {
            return -1;
        }
    }
    return temporal ? 0 : na < nb ? -1 : 1;
}

/* Orders a against b: 0 with *order set, 1 for UNKNOWN, <0 error. */
static int
fv_cmp(struct fev *ev, struct fval *a, struct fval *b, int *order)
{
    uint8_t ca = a->cat, cb = b->cat;
    int rc;

    if (ca == FC_NULL || cb == FC_NULL) {
        return 1;
    }
    ca = ca == FC_ENUM ? (cb == FC_NUM ? FC_NUM : FC_STR) : ca;
    cb = cb == FC_ENUM ? (ca == FC_NUM ? FC_NUM : FC_STR) : cb;
    if (ca == FC_NUM || cb == FC_NUM) {
        if ((rc = fv_num(ev, a)) < 0 || (rc = fv_num(ev, b)) < 0) {
            return rc;
        }
        return num_cmp(a->np, b->np, order);
    }
    if ((rc = fv_text(ev, a)) < 0 || (rc = fv_text(ev, b)) < 0) {
        return rc;
    }
    if (a->binary || b->binary || ca == FC_TEMP || cb == FC_TEMP) {
        *order =
            bin_cmp(a->tp, a->tl, b->tp, b->tl, ca == FC_TEMP || cb == FC_TEMP);
    } else {
        *order = text_cmp(a->tp, a->tl, b->tp, b->tl);
    }
    return 0;
}

/* Three-valued a <op> b, or <0. */
static int
ev_cmp(struct fev *ev, struct fval *a, struct fval *b, uint8_t op)
{
    int order = 0, rc = fv_cmp(ev, a, b, &order);

    if (rc != 0) {
        return rc < 0 ? rc : FILTER_UNKNOWN;
    }
    switch (op) {
    case CMP_EQ:
        return order == 0;
    case CMP_NE:
        return order != 0;
    case CMP_LT:
        return order < 0;
    case CMP_GT:
        return order > 0;
    case CMP_LE:
        return order <= 0;
    default:
        return order >= 0;
    }
}

/* Length of the character at s (one byte in a binary string). */
static size_t
char_len(const uint8_t *s, size_t n, bool binary)
{
    size_t l = binary || s[0] < 0xc0 ? 1
               : s[0] < 0xe0         ? 2
               : s[0] < 0xf0         ? 3
                                     : 4;

    return l > n ? n : l;
}

static bool
like_lit(const struct like_elem *e, const uint8_t *s, size_t n, bool binary)
{
    size_t i;

    for (i = 0; i < e->len && i < n; i++) {
        if (binary ? e->c[i] != s[i] : up(e->c[i]) != up(s[i])) {
            return false;
        }
    }
    return i == e->len;
}

/* Wildcard match, backtracking to the last % only: O(n * m). */
static bool
like_match(const struct like_elem *pe, size_t np, const uint8_t *s, size_t n,
           bool binary)
{
    size_t i = 0, p = 0, star_p = SIZE_MAX, star_i = 0;

    while (i < n) {
        if (p < np && pe[p].kind == LK_ANY) {
            star_p = p++;
            star_i = i;
        } else if (p < np && pe[p].kind == LK_ONE) {
            i += char_len(s + i, n - i, binary);
            p++;
        } else if (p < np && like_lit(&pe[p], s + i, n - i, binary)) {
            i += pe[p].len;
            p++;
        } else if (star_p != SIZE_MAX) {
            p = star_p + 1;
            star_i += char_len(s + star_i, n - star_i, binary);
            i = star_i;
        } else {
            return false;
        }
    }
    while (p < np && pe[p].kind == LK_ANY) {
        p++;
    }
    return p == np;
}

static int
tv_not(int r)
{
    return r == FILTER_UNKNOWN ? r : !r;
}

/* SQL AND of two three-valued results. */
static int
tv_and(int a, int b)
{
    if (a == FILTER_FALSE || b == FILTER_FALSE) {
        return FILTER_FALSE;
    }
    return a == FILTER_TRUE && b == FILTER_TRUE ? FILTER_TRUE : FILTER_UNKNOWN;
}

static int
ev_node(struct fev *ev, uint32_t ni)
{
    const struct filter_node *nd = &ev->f->nodes[ni];
    struct fval a, b;
    uint32_t i, c;
    int r = 0, r2, acc;

    if (nd->op == FN_AND || nd->op == FN_OR) {
        r2 = nd->op == FN_AND ? FILTER_FALSE : FILTER_TRUE; /* decides */
        acc = !r2;
        for (c = nd->first, i = 0; i < nd->count;
             i++, c = ev->f->nodes[c].next) {
            r = ev_node(ev, c);
            if (r < 0 || r == r2) {
                return r;
            }
            acc = r == FILTER_UNKNOWN ? r : acc;
        }
        return acc;
    }
    if (nd->op == FN_NOT) {
        r = ev_node(ev, nd->first);
        return r < 0 ? r : tv_not(r);
    }
    fv_prep(ev, nd->arg[0], 0, &a);
    switch (nd->op) {
    case FN_CMP:
        fv_prep(ev, nd->arg[1], 1, &b);
        return ev_cmp(ev, &a, &b, nd->cmp);
    case FN_ISNULL:
        return (a.cat == FC_NULL) != nd->negated;
    case FN_LIKE:
        if (a.cat == FC_NULL || (r = fv_text(ev, &a)) < 0) {
            return r < 0 ? r : FILTER_UNKNOWN;
        }
        return like_match(nd->count ? ev->f->likes + nd->first : NULL,
                          nd->count, a.tp, a.tl, a.binary) != nd->negated;
    case FN_IN:
        acc = FILTER_FALSE;
        for (i = 0; i < nd->count && acc != FILTER_TRUE; i++) {
            fv_prep(ev, (struct foperand){false, nd->first + i}, 1, &b);
            if ((r = ev_cmp(ev, &a, &b, CMP_EQ)) < 0) {
                return r;
            }
            acc = r != FILTER_FALSE ? r : acc;
        }
        return nd->negated ? tv_not(acc) : acc;
    default:
        fv_prep(ev, nd->arg[1], 1, &b);
        if ((r = ev_cmp(ev, &a, &b, CMP_GE)) < 0) {
            return r;
        }
        fv_prep(ev, nd->arg[2], 1, &b);
        if ((r2 = ev_cmp(ev, &a, &b, CMP_LE)) < 0) {
            return r2;
        }
        return nd->negated ? tv_not(tv_and(r, r2)) : tv_and(r, r2);
    }
}

int
filter_eval(const struct filter *f, const struct mysql_column *cols,
            const struct mysql_value *vals, size_t ncols)
{
    struct fev ev = {f, cols, vals, f->scr};
    struct fval x;
    uint32_t i, j;

    ev.scr->err[0] = '\0';
    if (f->n[A_REFS] > 0 && !f->bound) {
        return ev_fail(&ev, NULL, PROTO_EUNSUPPORTED,
                       "filter is not bound to a table");
    }
    for (i = 0; i < f->n[A_REFS]; i++) {
        j = f->refs[i].index;
        if (j < ncols && vals[j].kind != MYV_ABSENT) {
            continue;
        }
        x.ref = &f->refs[i];
        if (j >= ncols) {
            return ev_fail(&ev, &x, PROTO_EUNSUPPORTED,
                           "is not in a row of %zu columns", ncols);
        }
        return ev_fail(&ev, &x, PROTO_EUNSUPPORTED,
                       "is not in the row "
                       "image (filters need binlog_row_image=FULL)");
    }
    return ev_node(&ev, f->root);
}

const char *
filter_eval_error(const struct filter *f)
{
    return f != NULL && f->scr != NULL ? f->scr->err : "";
}

void
filter_trim(struct filter *f)
{
    if (f == NULL || f->scr == NULL) {
        return;
    }
    pbuf_free(&f->scr->text[0]);
    pbuf_free(&f->scr->text[1]);
    pbuf_free(&f->scr->fmt.scratch);
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
