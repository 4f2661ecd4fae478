/*
 * filter_num.c - the exact numbers of row filters (see filter.h for the
 * semantics they implement).
 *
 * A number is kept as a normalized decimal (struct fdec: up to
 * FDEC_DIGITS significant digits and an exponent) so that integers up to
 * 2^64-1, DECIMAL column text and decimal constants compare exactly, as
 * MySQL compares them; struct fnum adds a 64-bit integer fast path and a
 * double for FLOAT and DOUBLE operands.  The parser uses these functions
 * to prepare constants once, the evaluator to convert and order operands.
 * Strings become numbers as MySQL converts them: the numeric prefix after
 * leading spaces, but exactly rather than through a double.
 */
#include "proto/filter_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/json.h"

/*
 * Reads [sign] digits [. digits] [e [sign] digits] at p[0..n) into *out.
 * Returns the bytes read, 0 when there is no digit (*out is then zero).
 * Digits beyond FDEC_DIGITS are dropped, *truncated telling whether one
 * of them was not zero.  The exponent saturates far beyond any double.
 */
size_t
filter_dec_scan(const uint8_t *p, size_t n, struct fdec *out, bool *truncated)
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
        if (!filter_is_digit(p[i])) {
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
        for (; j < n && filter_is_digit(p[j]); i = ++j) {
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
void
filter_num_from_dec(struct fnum *x, const struct fdec *d)
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
void
filter_num_of_text(struct fnum *x, const uint8_t *p, size_t n)
{
    struct fdec d;
    size_t i = 0;
    bool t;

    while (i < n && filter_is_space(p[i])) {
        i++;
    }
    filter_dec_scan(p + i, n - i, &d, &t);
    filter_num_from_dec(x, &d);
}

double
filter_num_double(const struct fnum *x)
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
    filter_dec_scan((uint8_t *)buf, (size_t)(json_digits(buf, x->mag, 1) - buf),
                    tmp, &t);
    tmp->neg = x->neg && tmp->n > 0;
    return tmp;
}

/* Orders a against b: 0 with *order set, 1 when a NaN makes it UNKNOWN. */
int
filter_num_cmp(const struct fnum *a, const struct fnum *b, int *order)
{
    struct fdec ta, tb;
    double x, y;
    int sa, sb, c;

    if (a->form == NUM_DBL || b->form == NUM_DBL) {
        x = filter_num_double(a);
        y = filter_num_double(b);
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
