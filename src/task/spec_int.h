/*
 * spec_int.h - what the task spec's files share: the state of a load
 * (the JSON path being read and where the message goes), the typed
 * field readers and checks every part of the document goes through, and
 * the checks across objects.
 *
 * spec.c walks the document into struct task_spec; spec_check.c reads
 * and checks single fields, formats failures with their JSON path, and
 * runs the checks that span objects; spec_lookup.c answers the
 * pipeline's selection and mapping questions on a loaded spec.  The
 * functions here that take a struct task_spec_ctx and return int return
 * 0, or -1 once the message is in the caller's buffer (the first failure
 * stops a load).  This header is internal to those files: other modules
 * use spec.h.
 */
#ifndef TANDEM_TASK_SPEC_INT_H
#define TANDEM_TASK_SPEC_INT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "src/core/url.h"
#include "src/task/spec.h"

#define SPEC_SHOW_MAX 64      /* bytes of user text quoted in a message */

/* Size of a task_spec_show() buffer. */
#define SPEC_SHOW_BUF (SPEC_SHOW_MAX * 4 + 16)

/* The walk's state: where we are, and where a message goes. */
struct task_spec_ctx {
    const char *origin;     /* file name or "api": first in messages */
    char *err;              /* caller's buffer for the one-line message */
    size_t errlen;          /* its size */
    char path[768];         /* JSON path of the value being read ("$...") */
    size_t plen;            /* strlen(path) */
};

/* A name (or pair of names) and where it was found, for duplicate checks
 * by sorting. */
struct task_spec_nref {
    const char *a;          /* name */
    const char *b;          /* second name, or NULL */
    size_t i;               /* position (outer index, or a tag) */
    size_t j;               /* position (inner index) */
};

/* ---- spec_check.c: messages and paths ---- */

/* strcmp() with ASCII-only case folding: column names compare like
 * MySQL's, whatever the locale. */
int task_spec_ascii_casecmp(const char *x, const char *y);

/*
 * User text <s> as it should appear in a message: 'text', escaped and
 * cut, in <buf> of <cap> (SPEC_SHOW_BUF) bytes.  Text holding "://" may
 * be a URL with a password and is never shown.  Returns <buf>.
 */
const char *task_spec_show(const char *s, char *buf, size_t cap);

/* Descends into member <key> / array element <i>: returns the path
 * length to give task_spec_path_pop() to come back up. */
size_t task_spec_path_key(struct task_spec_ctx *c, const char *key);
size_t task_spec_path_index(struct task_spec_ctx *c, size_t i);
void task_spec_path_pop(struct task_spec_ctx *c, size_t saved);

/* Fails with "<origin>: <path>: <message>".  Returns -1. */
int task_spec_fail(struct task_spec_ctx *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The same about member <key> of the current object. */
int task_spec_fail_at(struct task_spec_ctx *c, const char *key,
                      const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "an object", "a string", ...: the JSON type of <v> for a message. */
const char *task_spec_jtype(const json_t *v);

/* ---- spec_check.c: fields ---- */

/* Refuses the first member of <obj> not in <known> (NULL-ended), naming
 * the nearest known field or listing them all. */
int task_spec_check_fields(struct task_spec_ctx *c, json_t *obj,
                           const char *const *known);

/* Member <key> of <obj> in *<out> (NULL when absent; absence fails when
 * <required>), checked to be of JSON type <type> (JSON_TRUE: a boolean),
 * named <what> in the message. */
int task_spec_get_typed(struct task_spec_ctx *c, json_t *obj, const char *key,
                        bool required, json_type type, const char *what,
                        json_t **out);

/* String member <key> in *<out> (NULL when absent and not required),
 * owned by the JSON document. */
int task_spec_get_str(struct task_spec_ctx *c, json_t *obj, const char *key,
                      bool required, const char **out);

/* Boolean member <key> in *<out>, left alone when absent. */
int task_spec_get_bool(struct task_spec_ctx *c, json_t *obj, const char *key,
                       bool *out);

/* Integer member <key> from <min> to <max> in *<out>, left alone when
 * absent. */
int task_spec_get_uint(struct task_spec_ctx *c, json_t *obj, const char *key,
                       uint64_t min, uint64_t max, uint64_t *out);

/* strdup() of <s> into *<out> that fails the load when memory runs out. */
int task_spec_copy_str(struct task_spec_ctx *c, const char *s, char **out);

/* Fails at the current path when <s> is no MySQL identifier (1..64
 * characters of the Basic Multilingual Plane, no trailing space). */
int task_spec_check_ident(struct task_spec_ctx *c, const char *s);

/* Identifier member <key> copied to *<out> (owned; NULL when absent and
 * not required). */
int task_spec_get_ident(struct task_spec_ctx *c, json_t *obj, const char *key,
                        bool required, char **out);

/* String member <key> of <obj>, required, as a 24-hour time of day
 * "HH:MM" from 00:00 to 23:59: minutes since midnight in *<out>. */
int task_spec_get_clock(struct task_spec_ctx *c, json_t *obj, const char *key,
                        unsigned *out);

/*
 * String member <key> of <obj> as an RFC 3339 date and time ("Z" or a
 * numeric offset; a fraction of a second is dropped): seconds since
 * 1970-01-01 UTC in *<out>, and *<given> true.  Absent: *<given> false,
 * *<out> left alone.
 */
int task_spec_get_timestamp(struct task_spec_ctx *c, json_t *obj,
                            const char *key, bool *given, int64_t *out);

/* ---- spec_check.c: checks across entries ---- */

/*
 * Sorts the <n> entries at <v> and finds two with equal names (ASCII case
 * folded when <icase>): returns true with *<first> before *<second> in
 * spec order, the pair whose second entry comes first.  With <cross>,
 * only pairs whose i differ count (i is then a tag: "renamed" vs
 * "excluded").
 */
bool task_spec_nref_find_dup(struct task_spec_nref *v, size_t n, bool icase,
                             bool cross, const struct task_spec_nref **first,
                             const struct task_spec_nref **second);

/* Two source tables must not land in one destination table, nor a whole
 * database share its destination with anything. */
int task_spec_check_destinations(struct task_spec_ctx *c, struct task_spec *s);

/* Source and destination on the same server (<src> and <dst>, parsed
 * from the two URLs) must not copy a table onto itself. */
int task_spec_check_not_self(struct task_spec_ctx *c, struct task_spec *s,
                             const struct url *src, const struct url *dst);

/* ---- spec_redis.c ---- */

/* The rest of a spec whose source or destination is Redis (<src> and
 * <dst>: the parsed URLs). */
int task_spec_redis_parse(struct task_spec_ctx *c, json_t *root,
                          struct task_spec *s, const struct url *src,
                          const struct url *dst);

#endif
