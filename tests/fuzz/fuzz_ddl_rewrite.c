/*
 * fuzz_ddl_rewrite.c - libFuzzer target for the DDL rewriter
 * (proto/mysql/ddl_rewrite*.c).
 *
 * Input: the statement, optionally followed by a 0xff byte (never part of
 * UTF-8 text) and one option byte: bits 0-2 pick ANSI_QUOTES,
 * NO_BACKSLASH_ESCAPES and MariaDB types, bits 3-4 the default database.
 * So raw SQL text (tests/fuzz/run.sh seeds from the corpus' statements) is
 * an input too.
 *
 * The mapping is fixed and uses one-letter names the fuzzer finds soon:
 * database d is copied as D2 table by table (t as T`x with column rules,
 * u under its name, v as vv), database e whole under its name, no other.
 *
 * Checked: the result is in range; a refusal has a one-line reason and no
 * output; only a rewrite has output, and it parses again with ddl_parse()
 * as the same kind of statement; without a mapping the output is the
 * input byte for byte, never "nothing to apply", and never a refusal
 * because the rewriter could not follow a statement ddl_parse() read.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/mysql/ddl.h"
#include "proto/mysql/ddl_rewrite.h"

static const char *
map_db(void *arg, const char *db)
{
    (void)arg;
    if (strcmp(db, "d") == 0) {
        return "D2";
    }
    return strcmp(db, "e") == 0 ? db : NULL;
}

static const char *
map_table(void *arg, const char *db, const char *table, bool *rules)
{
    (void)arg;
    if (strcmp(db, "d") != 0) {
        return table;
    }
    if (strcmp(table, "t") == 0) {
        *rules = true;
        return "T`x";
    }
    if (strcmp(table, "u") == 0) {
        return table;
    }
    return strcmp(table, "v") == 0 ? "vv" : NULL;
}

static const char *
map_column(void *arg, const char *db, const char *table, const char *col)
{
    (void)arg;
    if (strcmp(db, "d") != 0) {
        return col;
    }
    if (strcmp(table, "t") == 0) {
        if (strcmp(col, "a") == 0 || strcmp(col, "c") == 0) {
            return NULL;
        }
        return strcmp(col, "b") == 0 ? "B b" : col;
    }
    if (strcmp(table, "v") == 0 && strcmp(col, "a") == 0) {
        return "aa";
    }
    return col;
}

static const struct ddl_rw_map fuzz_map = {map_db, map_table, map_column,
                                           NULL};

static void
check_result(enum ddl_rw_result res, const struct pbuf *out, const char *err,
             enum ddl_kind kind, const struct ddl_opts *o)
{
    struct ddl_stmt st;

    if ((unsigned)res >= DDL_RW_COUNT ||
        (out->failed && res != DDL_RW_REFUSED)) {
        abort();
    }
    if (res == DDL_RW_REFUSED &&
        (err[0] == '\0' || strchr(err, '\n') != NULL)) {
        abort();
    }
    if (res != DDL_RW_REWRITTEN) {
        if (out->len != 0) {
            abort();
        }
        return;
    }
    memset(&st, 0, sizeof(st));
    if (ddl_parse(&st, (const char *)out->data, out->len, o) != 0 ||
        st.kind != kind) {
        abort();
    }
    ddl_stmt_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const dbs[] = {"d", "e", NULL, "x"};
    const uint8_t *sep = size > 0 ? memchr(data, 0xff, size) : NULL;
    size_t len = sep != NULL ? (size_t)(sep - data) : size;
    unsigned opt = sep != NULL && len + 1 < size ? sep[1] : 0;
    const char *sql = (const char *)data, *db = dbs[(opt >> 3) & 3];
    struct ddl_opts o;
    struct ddl_stmt st;
    struct pbuf out;
    char err[256];
    enum ddl_rw_result res;
    enum ddl_kind kind;

    o.sql_mode = ((opt & 1) ? DDL_MODE_ANSI_QUOTES : 0) |
                 ((opt & 2) ? DDL_MODE_NO_BACKSLASH_ESCAPES : 0);
    o.mariadb = (opt & 4) != 0;
    memset(&st, 0, sizeof(st));
    if (ddl_parse(&st, sql, len, &o) != 0) {
        ddl_stmt_free(&st);
        kind = DDL_KIND_COUNT;  /* refused: no output to read back */
    } else {
        kind = st.kind;
        ddl_stmt_free(&st);
    }
    memset(&out, 0, sizeof(out));
    out.limit = 1u << 20;

    res = ddl_rewrite(sql, len, db, &o, &fuzz_map, &out, err, sizeof(err));
    check_result(res, &out, err, kind, &o);
    if (kind == DDL_KIND_COUNT && res != DDL_RW_REFUSED) {
        abort();
    }

    /* No mapping (and a default database, so that every name resolves):
     * the statement itself, or a reason that is not the rewriter losing
     * its way in a statement the parser read. */
    res = ddl_rewrite(sql, len, db != NULL ? db : "x", &o, NULL, &out, err,
                      sizeof(err));
    check_result(res, &out, err, kind, &o);
    if (res == DDL_RW_EMPTY) {
        abort();
    }
    if (res == DDL_RW_REWRITTEN &&
        (out.len != len || (len > 0 && memcmp(out.data, sql, len) != 0))) {
        abort();
    }
    if (res == DDL_RW_REFUSED && kind != DDL_KIND_COUNT &&
        strncmp(err, "cannot rewrite the statement", 28) == 0) {
        abort();
    }
    pbuf_free(&out);
    return 0;
}
