/*
 * fuzz_ddl.c - libFuzzer target for the DDL parser and the schema history.
 *
 * Input: byte 0 picks the server flavor, lower_case_table_names and the
 * sql_mode bits that change tokenizing; byte 1 picks a prelude of real
 * CREATE TABLE statements (so fuzzed ALTERs find tables to work on); the
 * rest is a sequence of statements separated by 0xff bytes (never part of
 * UTF-8 text), applied in order.  With the top bit of byte 0 set, the
 * statements are read as information_schema COLUMN_TYPE values instead.
 *
 * Checked after each statement: the result is -1, 0 or 1, an error comes
 * with a message and an offset inside the statement, and every table the
 * history holds for the names the prelude uses accepts a TABLE_MAP built
 * from its own columns (check and fill agree with the definition).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mysql/ddl.h"
#include "proto/mysql/schema.h"
#include "proto/mysql/value.h"

static const char *const preludes[] = {
    "CREATE TABLE t (id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY, "
    "name VARCHAR(40) CHARACTER SET utf8mb4, e ENUM('a','b''c'), s "
    "SET('x','y'), d DECIMAL(10,2), j JSON, b BLOB, ts TIMESTAMP(6) NULL)",
    "CREATE TABLE t1 (a INT, INDEX i((a+1)), b TEXT) DEFAULT CHARSET=latin1",
    "CREATE TABLE a (x CHAR(3), y BIT(5), z YEAR, g POINT, u UUID) WITH "
    "SYSTEM VERSIONING",
    "CREATE TEMPORARY TABLE t (only_temp INT)",
    "CREATE SEQUENCE t1",
    "CREATE TABLE `t` (`c``1` int(11) NOT NULL, KEY `k` (`c``1`)) "
    "ENGINE=InnoDB",
};

static const char *const names[] = {"t", "t1", "a"};

static void
check_tables(const struct schema *s)
{
    struct span db = {(const uint8_t *)"d", 1};
    struct mysql_column *cols;
    uint8_t *types;
    uint16_t *metas;
    char err[512];
    size_t i;
    uint32_t k, n;

    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct span tn = {(const uint8_t *)names[i], strlen(names[i])};
        const struct schema_table *t = schema_find_table(s, db, tn), *got;

        if (t == NULL || t->unknown || t->hidden_unknown > 0) {
            continue;
        }
        n = t->ncols - t->n_hidden;
        types = calloc(n + 1, 1);
        metas = calloc(n + 1, sizeof(*metas));
        cols = calloc(n + 1, sizeof(*cols));
        if (types == NULL || metas == NULL || cols == NULL) {
            abort();
        }
        n = 0;
        for (k = 0; k < t->ncols; k++) {
            const struct schema_column *c = &t->cols[k];

            if (c->hidden) {
                continue;
            }
            types[n] = c->type == MYT_INVALID ? MYT_LONG : c->type;
            if (c->type == MYT_STRING) {
                metas[n] = (uint16_t)(c->real_type << 8);
                if (c->real_type != MYT_STRING && c->n_enum_values > 0) {
                    unsigned pack = c->real_type == MYT_ENUM
                                        ? (c->n_enum_values < 256 ? 1 : 2)
                                        : (c->n_enum_values + 7) / 8;

                    metas[n] |= (uint16_t)(pack > 4 && c->real_type ==
                                                           MYT_SET
                                               ? 8
                                               : pack);
                }
            }
            n++;
        }
        if (schema_check_table_map(s, db, tn, n, types, metas, &got, err,
                                   sizeof(err)) != SCHEMA_OK ||
            got != t) {
            abort();
        }
        if (schema_fill_columns(t, cols, n, err, sizeof(err)) != 0) {
            abort();
        }
        for (k = 0; k < n; k++) {
            if (cols[k].name.p == NULL ||
                (cols[k].n_enum_values > 0 && cols[k].enum_values == NULL)) {
                abort();
            }
        }
        free(types);
        free(metas);
        free(cols);
    }
}

static void
run_column_type(const struct schema *s, const uint8_t *p, size_t len)
{
    struct schema_column c;
    struct ddl_stmt st;
    struct ddl_column *dc;
    char err[256];

    if (schema_parse_column_type(s, (const char *)p, len, NULL, &c, err,
                                 sizeof(err)) == 0) {
        schema_column_clear(&c);
    } else if (err[0] == '\0') {
        abort();
    }
    memset(&st, 0, sizeof(st));
    if (ddl_parse_column_type(&st, (const char *)p, len, NULL, &dc) < 0 &&
        (st.err[0] == '\0' || st.err_off > len)) {
        abort();
    }
    ddl_stmt_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct schema_query_ctx ctx;
    struct schema *s;
    struct ddl_stmt st;
    enum schema_flavor flavor;
    enum ddl_kind kind;
    const uint8_t *p, *end, *sep;
    char err[512];
    unsigned opts, prelude, i, nstmt = 0;
    int rc;

    if (size < 2) {
        return 0;
    }
    opts = data[0];
    prelude = data[1];
    flavor = (opts & 3) == 1   ? SCHEMA_FLAVOR_MARIADB
             : (opts & 3) == 2 ? SCHEMA_FLAVOR_MYSQL57
                               : SCHEMA_FLAVOR_MYSQL;
    s = schema_new(flavor, (opts >> 2) & 1);
    if (s == NULL) {
        return 0;
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.db = "d";
    if (opts & 0x08) {
        ctx.sql_mode |= DDL_MODE_ANSI_QUOTES;
    }
    if (opts & 0x10) {
        ctx.sql_mode |= DDL_MODE_NO_BACKSLASH_ESCAPES;
    }
    if (opts & 0x20) {
        ctx.sql_mode |= DDL_MODE_REAL_AS_FLOAT | DDL_MODE_ORACLE;
    }
    for (i = 0; i < sizeof(preludes) / sizeof(preludes[0]); i++) {
        if (prelude & (1u << i)) {
            schema_apply_query(s, &ctx, preludes[i], strlen(preludes[i]),
                               NULL, err, sizeof(err));
        }
    }
    p = data + 2;
    end = data + size;
    while (p <= end && nstmt++ < 64) {
        sep = memchr(p, 0xff, (size_t)(end - p));
        if (sep == NULL) {
            sep = end;
        }
        if (opts & 0x80) {
            run_column_type(s, p, (size_t)(sep - p));
        } else {
            /* The parser alone: an error has a reason and an offset. */
            memset(&st, 0, sizeof(st));
            rc = ddl_parse(&st, (const char *)p, (size_t)(sep - p), NULL);
            if (rc != 0 && (rc != -1 || st.err[0] == '\0' ||
                            st.err_off > (size_t)(sep - p))) {
                abort();
            }
            ddl_stmt_free(&st);
            ctx.thread_id = nstmt % 3;
            err[0] = '\0';
            rc = schema_apply_query(s, &ctx, (const char *)p,
                                    (size_t)(sep - p), &kind, err,
                                    sizeof(err));
            if (rc < -1 || rc > 1 || (unsigned)kind >= DDL_KIND_COUNT ||
                (rc == -1 && err[0] == '\0')) {
                abort();
            }
            check_tables(s);
        }
        if (sep == end) {
            break;
        }
        p = sep + 1;
    }
    schema_free(s);
    return 0;
}
