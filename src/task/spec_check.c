/*
 * spec_check.c - the checks of a task spec load and how they report (see
 * spec.h for the rules).
 *
 * Every value read from the document goes through a typed reader here
 * (type, range, identifier rules, unknown fields with a "did you mean"
 * hint), and every failure becomes one line naming the field by its JSON
 * path: "spec.json: $.objects[1].tables[0].filter: ...".  User text in a
 * message is quoted, escaped and cut, and never shown when it may be a
 * URL with a password.  The checks that span entries find duplicates by
 * sorting names with their positions and report the pair whose later
 * entry comes first in the spec; the checks across objects (destinations
 * shared, a table copied onto itself) run once "objects" is read.
 */
#include "src/task/spec_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPEC_IDENT_MAX 64     /* MySQL identifier length, in characters */

/* ---------------------------------------------------------------------
 * Messages and paths
 */

/* ASCII-only case folding: column names compare like MySQL's, whatever
 * the locale. */
int
task_spec_ascii_casecmp(const char *x, const char *y)
{
    unsigned char a, b;

    for (;; x++, y++) {
        a = (unsigned char)*x;
        b = (unsigned char)*y;
        if (a >= 'A' && a <= 'Z') {
            a = (unsigned char)(a - 'A' + 'a');
        }
        if (b >= 'A' && b <= 'Z') {
            b = (unsigned char)(b - 'A' + 'a');
        }
        if (a != b || a == '\0') {
            return (int)a - (int)b;
        }
    }
}

/*
 * Writes at most SPEC_SHOW_MAX bytes of user text <s> to <buf> with
 * <quote>, backslash and control characters escaped, cut at a character
 * boundary with "..." when longer.  Returns the bytes written.
 */
static size_t
escape_text(const char *s, char quote, char *buf, size_t cap)
{
    size_t o = 0, n = 0;
    unsigned char ch;

    for (; *s != '\0' && o + 8 < cap; s++, n++) {
        ch = (unsigned char)*s;
        if (n >= SPEC_SHOW_MAX && (ch & 0xc0) != 0x80) {
            memcpy(buf + o, "...", 3);
            o += 3;
            break;
        }
        if (ch == (unsigned char)quote || ch == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)ch;
        } else if (ch < 0x20 || ch == 0x7f) {
            o += (size_t)snprintf(buf + o, cap - o, "\\x%02x", ch);
        } else {
            buf[o++] = (char)ch;
        }
    }
    buf[o] = '\0';
    return o;
}

/*
 * User text <s> as it should appear in a message: 'text', escaped and
 * cut.  Text holding "://" may be a URL with a password and is never
 * shown.  Returns <buf>.
 */
const char *
task_spec_show(const char *s, char *buf, size_t cap)
{
    size_t o;

    if (strstr(s, "://") != NULL) {
        snprintf(buf, cap, "a URL (not shown)");
        return buf;
    }
    buf[0] = '\'';
    o = 1 + escape_text(s, '\'', buf + 1, cap - 2);
    buf[o++] = '\'';
    buf[o] = '\0';
    return buf;
}

/* task_spec_show() of "<db>.<table>". */
static const char *
show_table(const char *db, const char *table, char *buf, size_t cap)
{
    char both[2 * SPEC_SHOW_MAX * 4 + 2];

    snprintf(both, sizeof(both), "%s.%s", db, table);
    return task_spec_show(both, buf, cap);
}

/* Appends printf output to the path, cut when the path is full. */
static void
path_addf(struct task_spec_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
path_addf(struct task_spec_ctx *c, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(c->path + c->plen, sizeof(c->path) - c->plen, fmt, ap);
    va_end(ap);
    if (n > 0) {
        c->plen += (size_t)n;
    }
    if (c->plen >= sizeof(c->path)) {
        c->plen = sizeof(c->path) - 1;
    }
}

static bool
is_plain_key(const char *k)
{
    size_t i;

    if (!((k[0] >= 'A' && k[0] <= 'Z') || (k[0] >= 'a' && k[0] <= 'z') ||
          k[0] == '_')) {
        return false;
    }
    for (i = 1; k[i] != '\0'; i++) {
        if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= 'a' && k[i] <= 'z') ||
              (k[i] >= '0' && k[i] <= '9') || k[i] == '_')) {
            return false;
        }
    }
    return i <= SPEC_SHOW_MAX;
}

/* Descends into member <key>: returns the path length to restore. */
size_t
task_spec_path_key(struct task_spec_ctx *c, const char *key)
{
    size_t saved = c->plen;
    char buf[SPEC_SHOW_BUF];

    if (is_plain_key(key)) {
        path_addf(c, ".%s", key);
    } else if (strstr(key, "://") != NULL) {
        path_addf(c, "[\"(a URL, not shown)\"]");
    } else {
        escape_text(key, '"', buf, sizeof(buf));
        path_addf(c, "[\"%s\"]", buf);
    }
    return saved;
}

/* Descends into array element <i>: returns the path length to restore. */
size_t
task_spec_path_index(struct task_spec_ctx *c, size_t i)
{
    size_t saved = c->plen;

    path_addf(c, "[%zu]", i);
    return saved;
}

void
task_spec_path_pop(struct task_spec_ctx *c, size_t saved)
{
    c->plen = saved;
    c->path[saved] = '\0';
}

/* Fails with "<origin>: <path>: <message>".  Returns -1. */
int
task_spec_fail(struct task_spec_ctx *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (c->errlen > 0) {
        snprintf(c->err, c->errlen, "%s: %s: %s", c->origin, c->path, msg);
    }
    return -1;
}

/* The same about member <key> of the current object. */
int
task_spec_fail_at(struct task_spec_ctx *c, const char *key,
                  const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    task_spec_path_key(c, key);
    return task_spec_fail(c, "%s", msg);
}

const char *
task_spec_jtype(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number with a fraction";
    case JSON_TRUE:
    case JSON_FALSE:
        return "a boolean";
    case JSON_NULL:
        return "null";
    }
    return "an unknown value";
}

/* ---------------------------------------------------------------------
 * Field access
 */

/* Edit distance of two short strings (insert, delete, substitute), for
 * "did you mean" hints; large for long strings. */
static size_t
edit_distance(const char *x, const char *y)
{
    size_t row[SPEC_SHOW_MAX + 1], i, j, nx = strlen(x), ny = strlen(y);
    size_t diag, up, best;

    if (nx > SPEC_SHOW_MAX || ny > SPEC_SHOW_MAX) {
        return (size_t)-1;
    }
    for (j = 0; j <= ny; j++) {
        row[j] = j;
    }
    for (i = 1; i <= nx; i++) {
        diag = row[0];
        row[0] = i;
        for (j = 1; j <= ny; j++) {
            up = row[j];
            best = diag + (x[i - 1] != y[j - 1]);
            if (up + 1 < best) {
                best = up + 1;
            }
            if (row[j - 1] + 1 < best) {
                best = row[j - 1] + 1;
            }
            row[j] = best;
            diag = up;
        }
    }
    return row[ny];
}

/* Refuses the first member of <obj> not in <known>, naming the nearest
 * known field or listing them all. */
int
task_spec_check_fields(struct task_spec_ctx *c, json_t *obj,
                       const char *const *known)
{
    char shown[SPEC_SHOW_BUF], list[256];
    const char *key, *near;
    size_t i, d, best, o;
    void *it;

    for (it = json_object_iter(obj); it != NULL;
         it = json_object_iter_next(obj, it)) {
        key = json_object_iter_key(it);
        for (i = 0; known[i] != NULL; i++) {
            if (strcmp(key, known[i]) == 0) {
                break;
            }
        }
        if (known[i] != NULL) {
            continue;
        }
        task_spec_show(key, shown, sizeof(shown));
        near = NULL;
        best = 3;
        for (i = 0; known[i] != NULL; i++) {
            d = edit_distance(key, known[i]);
            if (d < best && d < strlen(known[i])) {
                best = d;
                near = known[i];
            }
        }
        if (near != NULL) {
            return task_spec_fail(c, "unknown field %s (did you mean '%s'?)",
                                  shown, near);
        }
        o = 0;
        list[0] = '\0';
        for (i = 0; known[i] != NULL && o < sizeof(list); i++) {
            o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s",
                                  i > 0 ? ", " : "", known[i]);
        }
        return task_spec_fail(c, "unknown field %s (known fields: %s)", shown,
                              list);
    }
    return 0;
}

/*
 * Member <key> of <obj> in *<out> (NULL when absent; absence fails when
 * <required>), checked to be of JSON type <type>, named <what> in the
 * message.
 */
int
task_spec_get_typed(struct task_spec_ctx *c, json_t *obj, const char *key,
                    bool required, json_type type, const char *what,
                    json_t **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL) {
        return required ? task_spec_fail(c, "missing field '%s'", key) : 0;
    }
    if (json_typeof(v) != type &&
        !(type == JSON_TRUE && json_typeof(v) == JSON_FALSE)) {
        return task_spec_fail_at(c, key, "expected %s, got %s", what,
                                 task_spec_jtype(v));
    }
    *out = v;
    return 0;
}

/* String member <key> in *<out> (NULL when absent and not required). */
int
task_spec_get_str(struct task_spec_ctx *c, json_t *obj, const char *key,
                  bool required, const char **out)
{
    json_t *v;

    *out = NULL;
    if (task_spec_get_typed(c, obj, key, required, JSON_STRING, "a string",
                            &v) < 0) {
        return -1;
    }
    if (v != NULL) {
        *out = json_string_value(v);
    }
    return 0;
}

/* Boolean member <key> in *<out>, left alone when absent. */
int
task_spec_get_bool(struct task_spec_ctx *c, json_t *obj, const char *key,
                   bool *out)
{
    json_t *v;

    if (task_spec_get_typed(c, obj, key, false, JSON_TRUE, "true or false",
                            &v) < 0) {
        return -1;
    }
    if (v != NULL) {
        *out = json_is_true(v);
    }
    return 0;
}

/* Integer member <key> from <min> to <max> in *<out>, left alone when
 * absent. */
int
task_spec_get_uint(struct task_spec_ctx *c, json_t *obj, const char *key,
                   uint64_t min, uint64_t max, uint64_t *out)
{
    json_int_t n;
    json_t *v;

    if (task_spec_get_typed(c, obj, key, false, JSON_INTEGER, "an integer",
                            &v) < 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    n = json_integer_value(v);
    if (n < 0 || (uint64_t)n < min || (uint64_t)n > max) {
        return task_spec_fail_at(c, key, "must be from %llu to %llu, not %lld",
                                 (unsigned long long)min,
                                 (unsigned long long)max, (long long)n);
    }
    *out = (uint64_t)n;
    return 0;
}

/* strdup() that fails the load when memory runs out. */
int
task_spec_copy_str(struct task_spec_ctx *c, const char *s, char **out)
{
    *out = strdup(s);
    return *out != NULL ? 0 : task_spec_fail(c, "out of memory");
}

/*
 * Why <s> cannot be a MySQL identifier (database, table or column name),
 * or NULL if it can: 1..64 characters of the Basic Multilingual Plane, no
 * trailing space (jansson already refuses NUL and invalid UTF-8).
 */
static const char *
ident_problem(const char *s)
{
    size_t chars = 0, n = strlen(s), i;

    if (n == 0) {
        return "it is empty";
    }
    for (i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];

        if ((ch & 0xc0) != 0x80) {
            chars++;
        }
        if (ch >= 0xf0) {
            return "it holds a character beyond U+FFFF";
        }
    }
    if (chars > SPEC_IDENT_MAX) {
        return "it is longer than 64 characters";
    }
    if (s[n - 1] == ' ') {
        return "it ends with a space";
    }
    return NULL;
}

/* Fails at the current path when <s> is no MySQL identifier. */
int
task_spec_check_ident(struct task_spec_ctx *c, const char *s)
{
    const char *why = ident_problem(s);
    char shown[SPEC_SHOW_BUF];

    if (why == NULL) {
        return 0;
    }
    return task_spec_fail(c, "%s is not a valid MySQL name: %s",
                          task_spec_show(s, shown, sizeof(shown)), why);
}

/* Identifier member <key> copied to *<out> (NULL when absent and not
 * required). */
int
task_spec_get_ident(struct task_spec_ctx *c, json_t *obj, const char *key,
                    bool required, char **out)
{
    const char *v;
    size_t saved;

    *out = NULL;
    if (task_spec_get_str(c, obj, key, required, &v) < 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    saved = task_spec_path_key(c, key);
    if (task_spec_check_ident(c, v) < 0 || task_spec_copy_str(c, v, out) < 0) {
        return -1;
    }
    task_spec_path_pop(c, saved);
    return 0;
}

/* ---------------------------------------------------------------------
 * Times: "HH:MM" of flow-control windows, RFC 3339 for "start_at".
 */

/* Exactly <n> decimal digits at *<p> in *<out>, *<p> moved past them;
 * false (nothing moved) when there are fewer. */
static bool
take_digits(const char **p, int n, unsigned *out)
{
    unsigned v = 0;
    int i;

    for (i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9') {
            return false;
        }
        v = v * 10 + (unsigned)((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return true;
}

/* Character <a> or <b> at *<p>, *<p> moved past it. */
static bool
take_char(const char **p, char a, char b)
{
    if (**p != a && **p != b) {
        return false;
    }
    (*p)++;
    return true;
}

/* Member <key>, required: a 24-hour "HH:MM" in minutes since midnight. */
int
task_spec_get_clock(struct task_spec_ctx *c, json_t *obj, const char *key,
                    unsigned *out)
{
    char shown[SPEC_SHOW_BUF];
    const char *v, *p;
    unsigned h, m;

    if (task_spec_get_str(c, obj, key, true, &v) < 0) {
        return -1;
    }
    p = v;
    if (!take_digits(&p, 2, &h) || !take_char(&p, ':', ':') ||
        !take_digits(&p, 2, &m) || *p != '\0' || h > 23 || m > 59) {
        return task_spec_fail_at(c, key,
                                 "must be a 24-hour time of day \"HH:MM\" "
                                 "from \"00:00\" to \"23:59\", not %s",
                                 task_spec_show(v, shown, sizeof(shown)));
    }
    *out = h * 60 + m;
    return 0;
}

static bool
is_leap_year(unsigned y)
{
    return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

/* Days in month <m> (1..12) of year <y>. */
static unsigned
days_in_month(unsigned y, unsigned m)
{
    static const unsigned char days[12] = {
        31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31,
    };

    return m == 2 && is_leap_year(y) ? 29 : days[m - 1];
}

/* Days from 1970-01-01 to the valid date <y>-<m>-<d> (y >= 1) of the
 * proleptic Gregorian calendar, negative before. */
static int64_t
days_from_epoch(unsigned y, unsigned m, unsigned d)
{
    static const unsigned short before[12] = {
        0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334,
    };
    int64_t past = (int64_t)y - 1, days;

    /* Days of the years 1..y-1, then of the months before m. */
    days = past * 365 + past / 4 - past / 100 + past / 400;
    days += before[m - 1] + (m > 2 && is_leap_year(y)) + (d - 1);
    /* 719162: the same count for 1970-01-01. */
    return days - 719162;
}

/*
 * RFC 3339 section 5.6 date-time <s>: "YYYY-MM-DDTHH:MM:SS", an optional
 * fraction of a second (dropped), then "Z" or "+HH:MM"/"-HH:MM"; "t" and
 * "z" may be lower case (section 5.6, NOTE).  Returns true with seconds
 * since 1970-01-01 UTC in *<out>, or false with the field out of range
 * in <why> (of <whylen> > 0 bytes), left empty when <s> does not have
 * that shape at all.
 */
static bool
rfc3339_parse(const char *s, int64_t *out, char *why, size_t whylen)
{
    unsigned y, mo, d, h, mi, sec, oh = 0, om = 0;
    const char *p = s;
    int64_t sign = 0;

    why[0] = '\0';
    if (!take_digits(&p, 4, &y) || !take_char(&p, '-', '-') ||
        !take_digits(&p, 2, &mo) || !take_char(&p, '-', '-') ||
        !take_digits(&p, 2, &d) || !take_char(&p, 'T', 't') ||
        !take_digits(&p, 2, &h) || !take_char(&p, ':', ':') ||
        !take_digits(&p, 2, &mi) || !take_char(&p, ':', ':') ||
        !take_digits(&p, 2, &sec)) {
        return false;
    }
    if (*p == '.') {
        p++;
        if (*p < '0' || *p > '9') {
            return false;
        }
        while (*p >= '0' && *p <= '9') {
            p++;
        }
    }
    if (take_char(&p, 'Z', 'z')) {
        sign = 0;
    } else if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (!take_digits(&p, 2, &oh) || !take_char(&p, ':', ':') ||
            !take_digits(&p, 2, &om)) {
            return false;
        }
    } else {
        return false;
    }
    if (*p != '\0') {
        return false;
    }
    if (y < 1) {
        snprintf(why, whylen, "year must be 0001 to 9999, not 0000");
    } else if (mo < 1 || mo > 12) {
        snprintf(why, whylen, "month must be 01 to 12, not %02u", mo);
    } else if (d < 1 || d > days_in_month(y, mo)) {
        snprintf(why, whylen, "day must be 01 to %u in %04u-%02u, not %02u",
                 days_in_month(y, mo), y, mo, d);
    } else if (h > 23) {
        snprintf(why, whylen, "hour must be 00 to 23, not %02u", h);
    } else if (mi > 59) {
        snprintf(why, whylen, "minute must be 00 to 59, not %02u", mi);
    } else if (sec > 59) {
        /* RFC 3339 allows 60 at a leap second; nothing here needs one. */
        snprintf(why, whylen, "second must be 00 to 59, not %02u", sec);
    } else if (oh > 23) {
        snprintf(why, whylen, "offset hour must be 00 to 23, not %02u", oh);
    } else if (om > 59) {
        snprintf(why, whylen, "offset minute must be 00 to 59, not %02u", om);
    } else {
        *out = days_from_epoch(y, mo, d) * 86400 + (int64_t)h * 3600 +
               (int64_t)mi * 60 + (int64_t)sec -
               sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
        return true;
    }
    return false;
}

/* Member <key> as an RFC 3339 time in seconds since 1970-01-01 UTC. */
int
task_spec_get_timestamp(struct task_spec_ctx *c, json_t *obj, const char *key,
                        bool *given, int64_t *out)
{
    char shown[SPEC_SHOW_BUF], why[128];
    const char *v;

    *given = false;
    if (task_spec_get_str(c, obj, key, false, &v) < 0) {
        return -1;
    }
    if (v == NULL) {
        return 0;
    }
    if (rfc3339_parse(v, out, why, sizeof(why))) {
        *given = true;
        return 0;
    }
    task_spec_show(v, shown, sizeof(shown));
    if (why[0] == '\0') {
        return task_spec_fail_at(c, key,
                                 "must be an RFC 3339 time such as "
                                 "\"2026-05-01T02:00:00Z\" (UTC) or "
                                 "\"2026-05-01T10:00:00+08:00\", not %s",
                                 shown);
    }
    return task_spec_fail_at(c, key, "%s is not a valid time: %s", shown, why);
}

/* ---------------------------------------------------------------------
 * Duplicate checks: sort the names with their positions, compare
 * neighbours, report the pair whose later entry comes first in the spec.
 */

static int
nref_cmp_key(const struct task_spec_nref *x, const struct task_spec_nref *y,
             bool icase)
{
    int r;

    r = icase ? task_spec_ascii_casecmp(x->a, y->a) : strcmp(x->a, y->a);
    if (r == 0) {
        r = strcmp(x->b != NULL ? x->b : "", y->b != NULL ? y->b : "");
    }
    return r;
}

static int
nref_cmp_pos(const struct task_spec_nref *x, const struct task_spec_nref *y)
{
    if (x->i != y->i) {
        return x->i < y->i ? -1 : 1;
    }
    if (x->j != y->j) {
        return x->j < y->j ? -1 : 1;
    }
    return 0;
}

static int
nref_qcmp_exact(const void *p, const void *q)
{
    int r = nref_cmp_key(p, q, false);

    return r != 0 ? r : nref_cmp_pos(p, q);
}

static int
nref_qcmp_icase(const void *p, const void *q)
{
    int r = nref_cmp_key(p, q, true);

    return r != 0 ? r : nref_cmp_pos(p, q);
}

/*
 * Sorts <v> and finds two entries with equal names (ASCII case folded
 * when <icase>): returns true with *<first> before *<second> in spec
 * order, the pair whose second entry comes first.  With <cross>, only
 * pairs whose i differ count (i is then a tag: "renamed" vs "excluded").
 */
bool
task_spec_nref_find_dup(struct task_spec_nref *v, size_t n, bool icase,
                        bool cross, const struct task_spec_nref **first,
                        const struct task_spec_nref **second)
{
    size_t k;

    *first = *second = NULL;
    if (n < 2) {
        return false;
    }
    qsort(v, n, sizeof(*v), icase ? nref_qcmp_icase : nref_qcmp_exact);
    for (k = 0; k + 1 < n; k++) {
        if (nref_cmp_key(&v[k], &v[k + 1], icase) != 0 ||
            (cross && v[k].i == v[k + 1].i)) {
            continue;
        }
        if (*second == NULL || nref_cmp_pos(&v[k + 1], *second) < 0) {
            *first = &v[k];
            *second = &v[k + 1];
        }
    }
    return *second != NULL;
}

/* Two source tables must not land in one destination table, nor a whole
 * database share its destination with anything. */
int
task_spec_check_destinations(struct task_spec_ctx *c, struct task_spec *s)
{
    const struct task_spec_nref *x = NULL, *y;
    char shown[SPEC_SHOW_BUF];
    struct task_object *o;
    size_t i, k, n = 0;
    struct task_spec_nref *refs;
    int rc = 0;

    /* Destination databases: i = object, j = 1 when whole. */
    refs = calloc(s->nobjects + 1, sizeof(*refs));
    if (refs == NULL) {
        return task_spec_fail(c, "out of memory");
    }
    for (i = 0; i < s->nobjects; i++) {
        refs[i] = (struct task_spec_nref){s->objects[i].as, NULL, i,
                                          s->objects[i].whole_db};
    }
    qsort(refs, s->nobjects, sizeof(*refs), nref_qcmp_exact);
    y = NULL;
    for (k = 0; k + 1 < s->nobjects; k++) {
        if (strcmp(refs[k].a, refs[k + 1].a) == 0 &&
            (refs[k].j || refs[k + 1].j)) {
            /* sorted by name then position: k+1 is the later entry */
            if (y == NULL || refs[k + 1].i < y->i) {
                x = &refs[k];
                y = &refs[k + 1];
            }
        }
    }
    if (y != NULL) {
        o = &s->objects[y->i];
        task_spec_path_key(c, "objects");
        task_spec_path_index(c, y->i);
        rc = task_spec_fail_at(
            c, strcmp(o->as, o->db) != 0 ? "as" : "db",
            "destination database %s is also that of "
            "$.objects[%zu], and a whole database cannot share "
            "its destination: list tables, or map to another "
            "name with \"as\"",
            task_spec_show(o->as, shown, sizeof(shown)), x->i);
        free(refs);
        return rc;
    }
    free(refs);

    /* Destination tables of table-by-table databases. */
    for (i = 0; i < s->nobjects; i++) {
        n += s->objects[i].ntables;
    }
    refs = calloc(n + 1, sizeof(*refs));
    if (refs == NULL) {
        return task_spec_fail(c, "out of memory");
    }
    n = 0;
    for (i = 0; i < s->nobjects; i++) {
        o = &s->objects[i];
        for (k = 0; k < o->ntables; k++) {
            refs[n++] = (struct task_spec_nref){o->as, o->tables[k].as, i, k};
        }
    }
    if (task_spec_nref_find_dup(refs, n, false, false, &x, &y)) {
        o = &s->objects[y->i];
        task_spec_path_key(c, "objects");
        task_spec_path_index(c, y->i);
        task_spec_path_key(c, "tables");
        task_spec_path_index(c, y->j);
        rc = task_spec_fail_at(
            c,
            strcmp(o->tables[y->j].as, o->tables[y->j].name) != 0 ? "as"
                                                                  : "name",
            "destination table %s is also that of "
            "$.objects[%zu].tables[%zu]: two tables cannot be "
            "copied into one",
            show_table(y->a, y->b, shown, sizeof(shown)), x->i, x->j);
    }
    free(refs);
    return rc;
}

/*
 * Source and destination on the same server (same host text and port: a
 * best effort, "localhost" and "127.0.0.1" differ) must not copy a table
 * onto itself: every change would be applied to the table it came from.
 */
int
task_spec_check_not_self(struct task_spec_ctx *c, struct task_spec *s,
                         const struct url *src, const struct url *dst)
{
    const struct task_object *o;
    char shown[SPEC_SHOW_BUF];
    size_t i, k, top, saved;

    if (task_spec_ascii_casecmp(src->host, dst->host) != 0 ||
        src->port != dst->port) {
        return 0;
    }
    top = task_spec_path_key(c, "objects");
    for (i = 0; i < s->nobjects; i++) {
        o = &s->objects[i];
        if (strcmp(o->db, o->as) != 0) {
            continue;
        }
        saved = task_spec_path_index(c, i);
        if (o->whole_db) {
            return task_spec_fail(
                c,
                "source and destination are the same server "
                "(%s:%u) and database %s would be copied onto "
                "itself: map it to another name with \"as\"",
                src->host, src->port,
                task_spec_show(o->db, shown, sizeof(shown)));
        }
        for (k = 0; k < o->ntables; k++) {
            if (strcmp(o->tables[k].name, o->tables[k].as) == 0) {
                task_spec_path_key(c, "tables");
                task_spec_path_index(c, k);
                return task_spec_fail(
                    c,
                    "source and destination are the same "
                    "server (%s:%u) and table %s would be "
                    "copied onto itself: map it to another name "
                    "with \"as\"",
                    src->host, src->port,
                    show_table(o->db, o->tables[k].name, shown, sizeof(shown)));
            }
        }
        task_spec_path_pop(c, saved);
    }
    task_spec_path_pop(c, top);
    return 0;
}
