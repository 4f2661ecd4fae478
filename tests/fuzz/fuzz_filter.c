/*
 * fuzz_filter.c - libFuzzer target for the row filter compiler and
 * evaluator (proto/filter.c).
 *
 * Input: when at least HDR bytes long, bytes 0..11 pick the type of the
 * twelve columns "a".."l" and bytes 12..19 seed their values; the rest
 * (or the whole input when shorter) is the filter text.  Every input is
 * parsed; a filter that parses has its column names checked, is bound to
 * the columns and evaluated on four rows: all NULL, two of seeded values
 * (strings are slices of the input, ENUM/SET sometimes without member
 * names) and one with a column MYV_ABSENT.  Checks: results are a
 * filter_result or a negative code with a reason; a referenced absent
 * column always fails; evaluating twice gives the same result; and
 * "NOT (text)" parses (unless a limit is reached) and evaluates to the
 * three-valued negation.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/filter.h"

#define NCOLS 12
#define HDR 20

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* type, meta, charset of each column template */
static const struct {
    uint8_t type;
    uint16_t meta;
    uint16_t charset;
    uint8_t kind;
} tpl[] = {
    {MYT_LONGLONG, 0, 63, MYV_INT},
    {MYT_LONGLONG, 0, 63, MYV_UINT},
    {MYT_NEWDECIMAL, (20 << 8) | 4, 63, MYV_DECIMAL},
    {MYT_FLOAT, 4, 63, MYV_FLOAT},
    {MYT_DOUBLE, 8, 63, MYV_DOUBLE},
    {MYT_VARCHAR, 100, 45, MYV_STRING},                  /* utf8mb4 */
    {MYT_VARCHAR, 100, 8, MYV_STRING},                   /* latin1 */
    {MYT_VARCHAR, 100, 35, MYV_STRING},                  /* ucs2 */
    {MYT_VARCHAR, 100, 13, MYV_STRING},                  /* sjis */
    {MYT_VARCHAR, 100, 63, MYV_STRING},                  /* varbinary */
    {MYT_STRING, (MYT_STRING << 8) | 6, 63, MYV_STRING}, /* binary(6) */
    {MYT_DATETIME2, 3, 63, MYV_DATETIME},
    {MYT_DATE, 0, 63, MYV_DATE},
    {MYT_TIMESTAMP2, 6, 63, MYV_TIMESTAMP},
    {MYT_TIME2, 2, 63, MYV_TIME},
    {MYT_YEAR, 0, 63, MYV_YEAR},
    {MYT_BIT, (2 << 8) | 3, 63, MYV_BIT},
    {MYT_STRING, (MYT_ENUM << 8) | 1, 45, MYV_ENUM},
    {MYT_STRING, (MYT_SET << 8) | 1, 8, MYV_SET},
    {MYT_BLOB, 4, 46, MYV_STRING},     /* text blob */
    {MYT_JSON, 4, 63, MYV_JSON},       /* refused */
    {MYT_VARCHAR, 100, 0, MYV_STRING}, /* refused */
};
#define NTPL (sizeof(tpl) / sizeof(tpl[0]))

static const char *const names[NCOLS] = {
    "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l",
};

static const struct span members[] = {
    {(const uint8_t *)"x", 1},
    {(const uint8_t *)"Y", 1},
    {(const uint8_t *)"z z", 3},
};

static uint64_t
rnd(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static void
fill(struct mysql_value *v, const struct mysql_column *c, uint8_t kind,
     uint64_t *seed, const uint8_t *data, size_t size)
{
    uint64_t r = rnd(seed);
    size_t off, len;

    memset(v, 0, sizeof(*v));
    v->kind = kind;
    switch (kind) {
    case MYV_INT:
        v->v.i = (r & 3) == 0 ? (int64_t)(r >> 2) : (int64_t)(r % 21) - 10;
        break;
    case MYV_UINT:
    case MYV_BIT:
    case MYV_SET:
        v->v.u = (r & 3) == 0 ? UINT64_MAX - (r % 3) : r % 16;
        break;
    case MYV_YEAR:
        v->v.u = (r & 1) ? 0 : 1901 + r % 255;
        break;
    case MYV_ENUM:
        v->v.u = r % 5;
        break;
    case MYV_FLOAT:
        v->v.f = (r & 7) == 0 ? (float)(int64_t)r : (float)(r % 200) / 8;
        break;
    case MYV_DOUBLE:
        if ((r & 15) == 0) {
            memcpy(&v->v.d, &r, sizeof(r)); /* any bits, NaN too */
        } else {
            v->v.d = (double)((int64_t)(r % 2001) - 1000) / 16;
        }
        break;
    case MYV_DECIMAL:
        snprintf(v->v.dec.text, sizeof(v->v.dec.text), "%s%llu.%04u",
                 (r & 1) ? "-" : "", (unsigned long long)((r >> 1) % 100000),
                 (unsigned)((r >> 20) % 10000));
        v->v.dec.len = (uint8_t)strlen(v->v.dec.text);
        break;
    case MYV_DATE:
    case MYV_DATETIME:
    case MYV_TIME:
        v->frac = c->meta <= 6 ? (uint8_t)c->meta : 0;
        v->v.tm.neg = kind == MYV_TIME && (r & 1);
        v->v.tm.year = (uint16_t)(r % 10000);
        v->v.tm.month = (uint8_t)((r >> 14) % 13);
        v->v.tm.day = (uint8_t)((r >> 18) % 32);
        v->v.tm.hour = (uint32_t)((r >> 23) % (kind == MYV_TIME ? 839 : 24));
        v->v.tm.minute = (uint8_t)((r >> 33) % 60);
        v->v.tm.second = (uint8_t)((r >> 39) % 60);
        v->v.tm.usec = (uint32_t)((r >> 45) % 1000000);
        break;
    case MYV_TIMESTAMP:
        v->frac = 6;
        v->v.ts.sec = (r & 7) == 0 ? (int64_t)r : (int64_t)(r % 4102444800u);
        v->v.ts.usec = (uint32_t)((r >> 40) % 1000000);
        break;
    default: /* strings and JSON bytes: a slice of the input */
        off = size ? (size_t)(r % size) : 0;
        len = (size_t)((r >> 32) % 24);
        len = len > size - off ? size - off : len;
        v->v.bytes.p = data + off;
        v->v.bytes.len = len;
        break;
    }
}

static int
negate(int r)
{
    return r == FILTER_UNKNOWN ? r : !r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mysql_column cols[NCOLS];
    struct mysql_value vals[NCOLS];
    const uint8_t *text = data;
    size_t tlen = size, i, k;
    uint64_t seed = 0x9e3779b97f4a7c15ull;
    struct filter *f, *g;
    char err[200], *neg;
    int r1, r2, row, absent;
    bool have_cols = size >= HDR, bound, ref_absent;

    if (have_cols) {
        memcpy(&seed, data + NCOLS, sizeof(seed));
        seed |= 1;
        text = data + HDR;
        tlen = size - HDR;
    }
    f = filter_parse((const char *)text, tlen, err, sizeof(err));
    if (f == NULL) {
        if (err[0] == '\0' || strchr(err, '\n') != NULL) {
            abort(); /* a one-line reason */
        }
        return 0;
    }
    for (i = 0; i < filter_ncolumns(f); i++) {
        if (filter_column(f, i) == NULL || filter_column(f, i)[0] == '\0' ||
            strlen(filter_column(f, i)) > 256) {
            abort();
        }
    }
    for (k = 0; k < NCOLS; k++) {
        size_t t = have_cols ? data[k] % NTPL : k;

        memset(&cols[k], 0, sizeof(cols[k]));
        cols[k].type = tpl[t].type;
        cols[k].meta = tpl[t].meta;
        cols[k].charset = tpl[t].charset;
        cols[k].is_unsigned = tpl[t].kind == MYV_UINT;
        cols[k].name.p = (const uint8_t *)names[k];
        cols[k].name.len = 1;
        if (tpl[t].kind == MYV_ENUM || tpl[t].kind == MYV_SET) {
            cols[k].enum_values = (seed & (1u << k)) ? NULL : members;
            cols[k].n_enum_values = 3;
        }
    }
    bound = filter_bind(f, cols, NCOLS, err, sizeof(err)) == 0;
    if (!bound && err[0] == '\0') {
        abort();
    }
    /* NOT (text) must parse unless a limit is reached */
    neg = malloc(tlen + 7);
    if (neg == NULL) {
        filter_free(f);
        return 0;
    }
    memcpy(neg, "NOT (", 5);
    memcpy(neg + 5, text, tlen);
    neg[tlen + 5] = ')';
    g = filter_parse(neg, tlen + 6, err, sizeof(err));
    if (g == NULL && strstr(err, "nesting deeper") == NULL &&
        strstr(err, "longer than") == NULL) {
        abort();
    }
    if (g != NULL && bound &&
        filter_bind(g, cols, NCOLS, err, sizeof(err)) != 0) {
        abort(); /* the same names bind the same way */
    }
    for (row = 0; row < 4; row++) {
        absent = row == 3 ? (int)(seed % NCOLS) : -1;
        for (k = 0; k < NCOLS; k++) {
            size_t t = have_cols ? data[k] % NTPL : k;

            if (row == 0) {
                memset(&vals[k], 0, sizeof(vals[k]));
                vals[k].kind = MYV_NULL;
            } else {
                fill(&vals[k], &cols[k], tpl[t].kind, &seed, data, size);
            }
            if ((int)k == absent) {
                vals[k].kind = MYV_ABSENT;
            }
        }
        ref_absent = false;
        for (i = 0; absent >= 0 && i < filter_ncolumns(f); i++) {
            const char *n = filter_column(f, i);

            ref_absent |= (n[0] | 0x20) == names[absent][0] && n[1] == '\0';
        }
        r1 = filter_eval(f, cols, vals, NCOLS);
        if (r1 >= FILTER_RESULT_COUNT ||
            (!bound && filter_ncolumns(f) && r1 >= 0) ||
            (bound && ref_absent && r1 >= 0) ||
            (r1 < 0 && filter_eval_error(f)[0] == '\0')) {
            abort();
        }
        if (filter_eval(f, cols, vals, NCOLS) != r1) {
            abort(); /* scratch reuse changes nothing */
        }
        if (g != NULL && bound) {
            r2 = filter_eval(g, cols, vals, NCOLS);
            if ((r1 < 0) != (r2 < 0) || (r1 >= 0 && r2 != negate(r1))) {
                abort();
            }
        }
    }
    filter_trim(f);
    filter_free(g);
    filter_free(f);
    free(neg);
    return 0;
}
