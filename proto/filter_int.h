/*
 * filter_int.h - what the row filter's files share: the compiled form of
 * a filter, the exact numbers its constants and operands become, and the
 * helpers one file defines for the others.
 *
 * filter.c compiles the text (lexer, parser) and binds column names;
 * filter_num.c holds the exact decimal arithmetic used both to prepare
 * constants and to compare operands; filter_eval.c evaluates a bound
 * filter on a row.  This header is internal to those files: other modules
 * use filter.h.
 */
#ifndef TANDEM_PROTO_FILTER_INT_H
#define TANDEM_PROTO_FILTER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"
#include "proto/filter.h"
#include "proto/mysql/format.h"
#include "proto/mysql/value.h"

#define FDEC_DIGITS 96     /* significant digits of struct fdec */
#define FILTER_ERR_MAX 160 /* bytes of an evaluation error */

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

/* ---- characters ---- */

static inline bool
filter_is_digit(uint8_t c)
{
    return c >= '0' && c <= '9';
}

static inline bool
filter_is_space(uint8_t c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

static inline uint8_t
filter_upper(uint8_t c)
{
    return c >= 'a' && c <= 'z' ? (uint8_t)(c - 32) : c;
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

/* ---- filter_num.c ---- */

/*
 * Reads [sign] digits [. digits] [e [sign] digits] at <p>[0..<n>) into
 * *<out>.  Returns the bytes read, 0 when there is no digit (*<out> is
 * then zero).  Digits beyond FDEC_DIGITS are dropped, *<truncated>
 * telling whether one of them was not zero.
 */
size_t filter_dec_scan(const uint8_t *p, size_t n, struct fdec *out,
                       bool *truncated);

/* *<x> = <d>, as NUM_INT when <d> is an integer within 64 bits. */
void filter_num_from_dec(struct fnum *x, const struct fdec *d);

/* MySQL's string-to-number of <p>[0..<n>) into *<x>: the numeric prefix
 * after leading spaces. */
void filter_num_of_text(struct fnum *x, const uint8_t *p, size_t n);

/* <x> as a double. */
double filter_num_double(const struct fnum *x);

/* Orders <a> against <b>: 0 with *<order> set (-1, 0, 1), 1 when a NaN
 * makes the comparison UNKNOWN. */
int filter_num_cmp(const struct fnum *a, const struct fnum *b, int *order);

/* ---- filter.c ---- */

/* 'text' of <p>[0..<n>) for a message into <out>[<outlen>]: 32 bytes at
 * most, controls as '?'; when <quoted>, <p> already carries its quotes. */
void filter_quote_bytes(char *out, size_t outlen, const uint8_t *p, size_t n,
                        bool quoted);

/* Real type of a STRING column (STRING, ENUM or SET), as format.c sees
 * it; the column's type for any other column. */
unsigned filter_col_real_type(const struct mysql_column *col);

#endif
