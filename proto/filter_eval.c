/*
 * filter_eval.c - evaluating a bound row filter on one row (see filter.h
 * for the semantics).
 *
 * filter_eval() walks the nodes filter.c compiled, with SQL three-valued
 * logic; AND and OR stop at the first child that decides.  Each operand
 * becomes a struct fval that converts a column value lazily to what a
 * comparison needs: a number (struct fnum, filter_num.c) or text, UTF-8
 * unless binary, built in the filter's scratch buffers, which grow to the
 * largest value seen and are reused.  Text compares
 * ASCII-case-insensitively with PAD SPACE, binary strings and temporal
 * literals byte-wise, and LIKE patterns match by backtracking to the last
 * %.
 */
#include "proto/filter_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mysql/charset.h"

const char *
filter_result_name(int r)
{
    static const char *const names[] = {"FALSE", "TRUE", "UNKNOWN"};

    return r >= 0 && r < FILTER_RESULT_COUNT ? names[r] : "?";
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
        filter_quote_bytes(e + 7, 48, ev->f->pool.data + x->ref->off,
                           x->ref->len, false);
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
        pad = filter_col_real_type(x->col) == MYT_STRING
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
        filter_num_of_text(n, (const uint8_t *)v->v.dec.text,
                           strnlen(v->v.dec.text, sizeof(v->v.dec.text)));
    } else if (x->cat == FC_STR || x->cat == FC_TEMP) {
        if ((rc = fv_text(ev, x)) < 0) {
            return rc;
        }
        if (x->cat == FC_STR) {
            filter_num_of_text(n, x->tp, x->tl);
        } else {
            /* "2024-01-31 12:00:00.5" is 20240131120000.5 */
            for (i = 0; i < x->tl && o < sizeof(buf); i++) {
                if (filter_is_digit(x->tp[i]) || x->tp[i] == '.' ||
                    (i == 0 && x->tp[i] == '-')) {
                    buf[o++] = (char)x->tp[i];
                }
            }
            filter_dec_scan((const uint8_t *)buf, o, &d, &t);
            filter_num_from_dec(n, &d);
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
        ca = i < na ? filter_upper(a[i]) : ' ';
        cb = i < nb ? filter_upper(b[i]) : ' ';
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
        return filter_num_cmp(a->np, b->np, order);
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
        if (binary ? e->c[i] != s[i]
                   : filter_upper(e->c[i]) != filter_upper(s[i])) {
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
