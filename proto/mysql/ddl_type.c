/*
 * ddl_type.c - data types and column definitions of the DDL parser.
 *
 * A column definition is a name, a data type of one to three words with
 * its (M,D) arguments or ENUM/SET members, and attributes in any order.
 * The table below maps every SQL type name both servers accept to the
 * type a binlog TABLE_MAP shows for the column, with the sql_mode and
 * server variations (REAL_AS_FLOAT, MariaDB's ORACLE mode, JSON as
 * LONGTEXT, COMPRESSED).  Attributes that do not change the row image
 * (DEFAULT and ON UPDATE values, REFERENCES, CHECK expressions other than
 * json_valid(col), comments, storage options) are skipped; the ones that
 * do (NULL, keys, UNSIGNED, charsets, generated and versioning columns,
 * INVISIBLE) are recorded.  ddl_parse_column_type() reads the same syntax
 * from information_schema's COLUMN_TYPE.
 */
#include "proto/mysql/ddl_int.h"

#include <stdio.h>
#include <string.h>

#include "proto/mysql/value.h"

/* ---- data types ---- */

enum type_class {
    TC_INT = 0,                   /* integers */
    TC_SERIAL,                    /* SERIAL: BIGINT UNSIGNED NOT NULL ... */
    TC_DECIMAL,                   /* DECIMAL(M,D) */
    TC_FLOAT,                     /* FLOAT, FLOAT(p) */
    TC_DOUBLE,                    /* DOUBLE, REAL */
    TC_BIT,                       /* BIT(M) */
    TC_YEAR,                      /* YEAR */
    TC_TEMPORAL,                  /* DATE, TIME, DATETIME, TIMESTAMP */
    TC_TEXT,                      /* character strings */
    TC_BINARY,                    /* byte strings */
    TC_ENUM,                      /* ENUM(...) */
    TC_SET,                       /* SET(...) */
    TC_JSON,                      /* JSON */
    TC_GEOMETRY,                  /* spatial types */
    TC_FIXED_BINARY,              /* MariaDB UUID, INET4, INET6 */
    TC_VECTOR,                    /* VECTOR(n) */
    TC_COUNT                      /* sentinel */
};

#define TF_MARIADB  0x01          /* a MariaDB type */
#define TF_ORACLE   0x02          /* MariaDB sql_mode=ORACLE only */
#define TF_NATIONAL 0x04          /* utf8mb3 */

struct type_def {
    const char *name;             /* upper-case keyword */
    uint8_t type;                 /* TABLE_MAP type */
    uint8_t cls;                  /* enum type_class */
    uint8_t flags;                /* TF_* */
    uint8_t fixed_len;            /* TC_FIXED_BINARY byte length */
};

/*
 * SQL type names and the type a binlog TABLE_MAP shows for them.  Checked
 * against TABLE_MAP events written by MariaDB 10.11.19 (binlog_row_metadata
 * =FULL) for one column of each type, and against the MySQL 5.5-9.0
 * binlogs of the test corpus:
 *
 *   TINYINT/BOOL 1  SMALLINT 2  MEDIUMINT 9  INT 3  BIGINT/SERIAL 8
 *   DECIMAL/NUMERIC 246 (meta precision<<8|scale)  FLOAT 4  DOUBLE/REAL 5
 *   BIT 16  YEAR 13  DATE 10 (never NEWDATE 14)  TIME 19  DATETIME 18
 *   TIMESTAMP 17 (MySQL < 5.6.4 and old-format columns: 11, 12, 7)
 *   CHAR/BINARY 254 (meta 0xfe<<8|len)  ENUM 254 (meta 0xf7<<8|1..2)
 *   SET 254 (meta 0xf8<<8|bytes)  VARCHAR/VARBINARY 15
 *   TINY/MEDIUM/LONG TEXT/BLOB 252 (meta 1..4)  GEOMETRY/POINT/... 255
 *   JSON: MySQL 245, MariaDB 252 (LONGTEXT utf8mb4_bin + json_valid check)
 *   MariaDB UUID 254/16, INET4 254/4, INET6 254/16, all binary
 *   MariaDB TEXT COMPRESSED 140, VARCHAR COMPRESSED 141
 *   MySQL 9 VECTOR 242
 *   virtual generated and INVISIBLE columns are in the TABLE_MAP.
 */
static const struct type_def type_defs[] = {
    {"TINYINT", MYT_TINY, TC_INT, 0, 0},
    {"INT1", MYT_TINY, TC_INT, 0, 0},
    {"BOOL", MYT_TINY, TC_INT, 0, 0},
    {"BOOLEAN", MYT_TINY, TC_INT, 0, 0},
    {"SMALLINT", MYT_SHORT, TC_INT, 0, 0},
    {"INT2", MYT_SHORT, TC_INT, 0, 0},
    {"MEDIUMINT", MYT_INT24, TC_INT, 0, 0},
    {"INT3", MYT_INT24, TC_INT, 0, 0},
    {"MIDDLEINT", MYT_INT24, TC_INT, 0, 0},
    {"INT", MYT_LONG, TC_INT, 0, 0},
    {"INTEGER", MYT_LONG, TC_INT, 0, 0},
    {"INT4", MYT_LONG, TC_INT, 0, 0},
    {"BIGINT", MYT_LONGLONG, TC_INT, 0, 0},
    {"INT8", MYT_LONGLONG, TC_INT, 0, 0},
    {"SERIAL", MYT_LONGLONG, TC_SERIAL, 0, 0},
    {"DECIMAL", MYT_NEWDECIMAL, TC_DECIMAL, 0, 0},
    {"DEC", MYT_NEWDECIMAL, TC_DECIMAL, 0, 0},
    {"NUMERIC", MYT_NEWDECIMAL, TC_DECIMAL, 0, 0},
    {"FIXED", MYT_NEWDECIMAL, TC_DECIMAL, 0, 0},
    {"NUMBER", MYT_NEWDECIMAL, TC_DECIMAL, TF_ORACLE, 0},
    {"FLOAT", MYT_FLOAT, TC_FLOAT, 0, 0},
    {"FLOAT4", MYT_FLOAT, TC_FLOAT, 0, 0},
    {"DOUBLE", MYT_DOUBLE, TC_DOUBLE, 0, 0},
    {"FLOAT8", MYT_DOUBLE, TC_DOUBLE, 0, 0},
    {"REAL", MYT_DOUBLE, TC_DOUBLE, 0, 0},
    {"BIT", MYT_BIT, TC_BIT, 0, 0},
    {"YEAR", MYT_YEAR, TC_YEAR, 0, 0},
    {"DATE", MYT_DATE, TC_TEMPORAL, 0, 0},
    {"TIME", MYT_TIME2, TC_TEMPORAL, 0, 0},
    {"DATETIME", MYT_DATETIME2, TC_TEMPORAL, 0, 0},
    {"TIMESTAMP", MYT_TIMESTAMP2, TC_TEMPORAL, 0, 0},
    {"CHAR", MYT_STRING, TC_TEXT, 0, 0},
    {"CHARACTER", MYT_STRING, TC_TEXT, 0, 0},
    {"NCHAR", MYT_STRING, TC_TEXT, TF_NATIONAL, 0},
    {"VARCHAR", MYT_VARCHAR, TC_TEXT, 0, 0},
    {"VARCHARACTER", MYT_VARCHAR, TC_TEXT, 0, 0},
    {"NVARCHAR", MYT_VARCHAR, TC_TEXT, TF_NATIONAL, 0},
    {"VARCHAR2", MYT_VARCHAR, TC_TEXT, TF_ORACLE, 0},
    {"NVARCHAR2", MYT_VARCHAR, TC_TEXT, TF_ORACLE | TF_NATIONAL, 0},
    {"BINARY", MYT_STRING, TC_BINARY, 0, 0},
    {"VARBINARY", MYT_VARCHAR, TC_BINARY, 0, 0},
    {"RAW", MYT_VARCHAR, TC_BINARY, TF_ORACLE, 0},
    {"TINYTEXT", MYT_BLOB, TC_TEXT, 0, 0},
    {"TEXT", MYT_BLOB, TC_TEXT, 0, 0},
    {"MEDIUMTEXT", MYT_BLOB, TC_TEXT, 0, 0},
    {"LONGTEXT", MYT_BLOB, TC_TEXT, 0, 0},
    {"CLOB", MYT_BLOB, TC_TEXT, TF_ORACLE, 0},
    {"TINYBLOB", MYT_BLOB, TC_BINARY, 0, 0},
    {"BLOB", MYT_BLOB, TC_BINARY, 0, 0},
    {"MEDIUMBLOB", MYT_BLOB, TC_BINARY, 0, 0},
    {"LONGBLOB", MYT_BLOB, TC_BINARY, 0, 0},
    {"ENUM", MYT_STRING, TC_ENUM, 0, 0},
    {"SET", MYT_STRING, TC_SET, 0, 0},
    {"JSON", MYT_JSON, TC_JSON, 0, 0},
    {"GEOMETRY", MYT_GEOMETRY, TC_GEOMETRY, 0, 0},
    {"POINT", MYT_GEOMETRY, TC_GEOMETRY, 0, 0},
    {"LINESTRING", MYT_GEOMETRY, TC_GEOMETRY, 0, 0},
    {"POLYGON", MYT_GEOMETRY, TC_GEOMETRY, 0, 0},
    {"MULTIPOINT", MYT_GEOMETRY, TC_GEOMETRY, 0, 0},
    {"MULTILINESTRING", MYT_GEOMETRY, TC_GEOMETRY, 0, 0},
    {"MULTIPOLYGON", MYT_GEOMETRY, TC_GEOMETRY, 0, 0},
    {"GEOMETRYCOLLECTION", MYT_GEOMETRY, TC_GEOMETRY, 0, 0},
    {"GEOMCOLLECTION", MYT_GEOMETRY, TC_GEOMETRY, 0, 0},
    {"UUID", MYT_STRING, TC_FIXED_BINARY, TF_MARIADB, 16},
    {"INET4", MYT_STRING, TC_FIXED_BINARY, TF_MARIADB, 4},
    {"INET6", MYT_STRING, TC_FIXED_BINARY, TF_MARIADB, 16},
    {"VECTOR", MYT_VECTOR, TC_VECTOR, 0, 0},
};

static const struct type_def *
find_type(struct ddl_parser *ps, const struct ddl_token *t)
{
    size_t i;

    for (i = 0; i < sizeof(type_defs) / sizeof(type_defs[0]); i++) {
        const struct type_def *d = &type_defs[i];

        if ((d->flags & TF_ORACLE) && !ps->oracle) {
            continue;
        }
        if (ddl_tok_is(t, d->name)) {
            return d;
        }
    }
    return NULL;
}

static void
lower_copy(char *d, const char *s)
{
    while (*s != '\0') {
        char c = *s++;

        *d++ = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    *d = '\0';
}

/* ENUM/SET ('a', 'b', ...) */
static bool
parse_values(struct ddl_parser *ps, struct ddl_column *col)
{
    struct ddl_value *vals = NULL, *nv;
    uint32_t n = 0, cap = 0;

    if (!ddl_expect_punct(ps, '(')) {
        return false;
    }
    do {
        if (n == cap) {
            uint32_t ncap = cap ? cap * 2 : 8;

            if (ncap > 65536) {
                return ddl_fail_at(ps, ddl_peek(ps, 0)->off,
                                   "too many values");
            }
            nv = ddl_arena_alloc(ps, ncap * sizeof(*nv));
            if (nv == NULL) {
                return false;
            }
            if (n > 0) {
                memcpy(nv, vals, n * sizeof(*nv));
            }
            vals = nv;
            cap = ncap;
        }
        if (!ddl_parse_string(ps, &vals[n])) {
            return false;
        }
        n++;
    } while (ddl_accept_punct(ps, ','));
    if (!ddl_expect_punct(ps, ')')) {
        return false;
    }
    col->values = vals;
    col->n_values = n;
    return true;
}

/* (M) or (M,D) after a type name. */
static bool
parse_type_args(struct ddl_parser *ps, struct ddl_column *col)
{
    struct ddl_token t;

    if (!ddl_is_punct(ps, 0, '(')) {
        return true;
    }
    if (ddl_peek(ps, 1)->kind != DDL_TK_NUMBER) {
        return ddl_skip_parens(ps);
    }
    ddl_next(ps);
    t = ddl_next(ps);
    col->has_length = true;
    col->length = ddl_tok_u32(&t);
    if (ddl_accept_punct(ps, ',')) {
        if (ddl_peek(ps, 0)->kind != DDL_TK_NUMBER) {
            return ddl_fail_tok(ps, "a number");
        }
        t = ddl_next(ps);
        col->has_scale = true;
        col->scale = ddl_tok_u32(&t);
    }
    /* MariaDB sql_mode=ORACLE: VARCHAR2(10 CHAR) / (10 BYTE). */
    while (ddl_peek(ps, 0)->kind == DDL_TK_WORD) {
        ddl_next(ps);
    }
    return ddl_expect_punct(ps, ')');
}

/*
 * The data type of a column: one to three words, arguments, and the type
 * class flags.  Attributes that follow (UNSIGNED, CHARACTER SET, ...) are
 * read by parse_column_attrs().
 */
static bool
parse_data_type(struct ddl_parser *ps, struct ddl_column *col)
{
    const struct type_def *d = NULL;
    const struct ddl_token *t = ddl_peek(ps, 0);
    struct ddl_token tk;
    char name[40];
    uint8_t cls;

    if (t->kind != DDL_TK_WORD) {
        return ddl_fail_tok(ps, "a data type");
    }
    name[0] = '\0';
    if (ddl_tok_is(t, "NATIONAL")) {
        ddl_next(ps);
        col->national = true;
        if (!ddl_accept_kw(ps, "CHAR") && !ddl_accept_kw(ps, "CHARACTER")) {
            if (ddl_accept_kw(ps, "VARCHAR") ||
                ddl_accept_kw(ps, "VARCHARACTER")) {
                d = find_type(ps, &(struct ddl_token){DDL_TK_WORD, "VARCHAR",
                                                      7, 0, 0, 0});
                snprintf(name, sizeof(name), "varchar");
            } else {
                return ddl_fail_tok(ps, "CHAR or VARCHAR");
            }
        } else if (ddl_accept_kw(ps, "VARYING")) {
            d = find_type(ps, &(struct ddl_token){DDL_TK_WORD, "VARCHAR", 7,
                                                  0, 0, 0});
            snprintf(name, sizeof(name), "varchar");
        } else {
            d = find_type(ps, &(struct ddl_token){DDL_TK_WORD, "CHAR", 4, 0,
                                                  0, 0});
            snprintf(name, sizeof(name), "char");
        }
    } else if (ddl_tok_is(t, "LONG") && !ddl_is_punct(ps, 1, '(')) {
        ddl_next(ps);
        if (ddl_accept_kw(ps, "VARBINARY")) {
            d = find_type(ps, &(struct ddl_token){DDL_TK_WORD, "MEDIUMBLOB",
                                                  10, 0, 0, 0});
            snprintf(name, sizeof(name), "mediumblob");
        } else {
            if (ddl_accept_kw(ps, "CHAR") || ddl_accept_kw(ps, "CHARACTER")) {
                if (!ddl_expect_kw(ps, "VARYING")) {
                    return false;
                }
            } else {
                ddl_accept_kw(ps, "VARCHAR");
            }
            d = find_type(ps, &(struct ddl_token){DDL_TK_WORD, "MEDIUMTEXT",
                                                  10, 0, 0, 0});
            snprintf(name, sizeof(name), "mediumtext");
        }
    } else {
        tk = ddl_next(ps);
        d = find_type(ps, &tk);
        if (d != NULL) {
            lower_copy(name, d->name);
            if (d->type == MYT_DOUBLE && ddl_tok_is(&tk, "DOUBLE")) {
                ddl_accept_kw(ps, "PRECISION");
            }
            if ((ddl_tok_is(&tk, "CHAR") || ddl_tok_is(&tk, "CHARACTER") ||
                 ddl_tok_is(&tk, "NCHAR")) &&
                (ddl_accept_kw(ps, "VARYING") ||
                 (ddl_tok_is(&tk, "NCHAR") && ddl_accept_kw(ps, "VARCHAR")))) {
                col->national = ddl_tok_is(&tk, "NCHAR");
                d = find_type(ps, &(struct ddl_token){DDL_TK_WORD, "VARCHAR",
                                                      7, 0, 0, 0});
                snprintf(name, sizeof(name), "varchar");
            }
        } else {
            /* A type we do not know (a plugin type): keep the column. */
            size_t n = tk.len < sizeof(name) - 1 ? tk.len : sizeof(name) - 1;
            size_t i;

            for (i = 0; i < n; i++) {
                char c = tk.p[i];

                name[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
            }
            name[n] = '\0';
            col->type = MYT_INVALID;
            col->real_type = MYT_INVALID;
            col->type_name = ddl_arena_strndup(ps, name, strlen(name));
            if (ddl_is_punct(ps, 0, '(')) {
                return ddl_skip_parens(ps);
            }
            return !ps->failed;
        }
    }
    if (d == NULL) {
        return ddl_fail_tok(ps, "a data type");
    }
    col->type_name = ddl_arena_strndup(ps, name, strlen(name));
    col->type = d->type;
    col->real_type = d->type;
    if (d->flags & TF_NATIONAL) {
        col->national = true;
    }
    cls = d->cls;
    switch (cls) {
    case TC_ENUM:
    case TC_SET:
        col->real_type = cls == TC_ENUM ? MYT_ENUM : MYT_SET;
        col->is_text = true;
        if (!parse_values(ps, col)) {
            return false;
        }
        break;
    case TC_YEAR:
        /* Servers flag YEAR unsigned (TABLE_MAP SIGNEDNESS says so). */
        col->is_unsigned = true;
        if (!parse_type_args(ps, col)) {
            return false;
        }
        break;
    case TC_SERIAL:
        col->is_unsigned = true;
        col->not_null = true;
        col->auto_increment = true;
        col->unique = true;
        break;
    case TC_FLOAT:
        if (!parse_type_args(ps, col)) {
            return false;
        }
        /* FLOAT(p) with 25 <= p <= 53 is a DOUBLE. */
        if (col->has_length && !col->has_scale && col->length > 24) {
            col->type = MYT_DOUBLE;
            col->real_type = MYT_DOUBLE;
        }
        break;
    case TC_DOUBLE:
        if (ddl_tok_is(&tk, "REAL") && ps->real_as_float) {
            col->type = MYT_FLOAT;
            col->real_type = MYT_FLOAT;
        }
        if (!parse_type_args(ps, col)) {
            return false;
        }
        break;
    case TC_TEMPORAL:
        if (ps->oracle && col->type == MYT_DATE) {
            col->type = MYT_DATETIME2;
            col->real_type = MYT_DATETIME2;
        }
        if (!parse_type_args(ps, col)) {
            return false;
        }
        break;
    case TC_TEXT:
        col->is_text = true;
        if (!parse_type_args(ps, col)) {
            return false;
        }
        if (col->type == MYT_STRING && !col->has_length) {
            col->has_length = true;
            col->length = 1;
        }
        break;
    case TC_BINARY:
        col->is_binary = true;
        if (!parse_type_args(ps, col)) {
            return false;
        }
        if (col->type == MYT_STRING && !col->has_length) {
            col->has_length = true;
            col->length = 1;
        }
        break;
    case TC_JSON:
        col->is_json = true;
        if (ps->mariadb) {
            col->type = MYT_BLOB;
            col->real_type = MYT_BLOB;
            col->is_text = true;
        }
        break;
    case TC_GEOMETRY:
        col->is_binary = true;
        break;
    case TC_FIXED_BINARY:
        col->is_binary = true;
        col->has_length = true;
        col->length = d->fixed_len;
        break;
    case TC_VECTOR:
        col->is_binary = true;
        if (ps->mariadb) {
            col->type = MYT_VARCHAR;
            col->real_type = MYT_VARCHAR;
        }
        if (!parse_type_args(ps, col)) {
            return false;
        }
        break;
    default:
        if (!parse_type_args(ps, col)) {
            return false;
        }
        break;
    }
    return !ps->failed;
}

/* DEFAULT / ON UPDATE value: a literal, a (expression) or a call. */
bool
ddl_skip_expr_value(struct ddl_parser *ps)
{
    const struct ddl_token *t;
    int rounds = 0;

    for (;;) {
        while (ddl_is_punct(ps, 0, '-') || ddl_is_punct(ps, 0, '+') ||
               ddl_is_punct(ps, 0, '~') || ddl_is_punct(ps, 0, '!')) {
            ddl_next(ps);
        }
        t = ddl_peek(ps, 0);
        switch (t->kind) {
        case DDL_TK_STRING:
            while (ddl_peek(ps, 0)->kind == DDL_TK_STRING) {
                ddl_next(ps);
            }
            break;
        case DDL_TK_NUMBER:
            ddl_next(ps);
            break;
        case DDL_TK_IDENT:
            ddl_next(ps);
            while (ddl_is_punct(ps, 0, '.') &&
                   (ddl_peek(ps, 1)->kind == DDL_TK_IDENT ||
                    ddl_peek(ps, 1)->kind == DDL_TK_WORD)) {
                ddl_next(ps);
                ddl_next(ps);
            }
            break;
        case DDL_TK_WORD:
            ddl_next(ps);
            if (ddl_peek(ps, 0)->kind == DDL_TK_STRING) {
                while (ddl_peek(ps, 0)->kind == DDL_TK_STRING) {
                    ddl_next(ps);
                }
            } else if (ddl_is_punct(ps, 0, '(')) {
                if (!ddl_skip_parens(ps)) {
                    return false;
                }
            }
            break;
        case DDL_TK_PUNCT:
            if (t->p[0] == '(') {
                if (!ddl_skip_parens(ps)) {
                    return false;
                }
                break;
            }
            return ddl_fail_tok(ps, "a value");
        default:
            return ddl_fail_tok(ps, "a value");
        }
        t = ddl_peek(ps, 0);
        if (t->kind == DDL_TK_PUNCT && strchr("+-*/%|&^", t->p[0]) != NULL &&
            ++rounds < 1000) {
            ddl_next(ps);
            continue;
        }
        return !ps->failed;
    }
}

/* REFERENCES tbl (cols) [MATCH x] [ON {DELETE|UPDATE} action]... */
static bool
skip_references(struct ddl_parser *ps)
{
    struct ddl_table_name tn;

    if (!ddl_parse_table_name(ps, &tn)) {
        return false;
    }
    if (ddl_is_punct(ps, 0, '(') && !ddl_skip_parens(ps)) {
        return false;
    }
    if (ddl_accept_kw(ps, "MATCH") && !ddl_skip_value(ps)) {
        return false;
    }
    while (ddl_is_kw(ps, 0, "ON") &&
           (ddl_is_kw(ps, 1, "DELETE") || ddl_is_kw(ps, 1, "UPDATE"))) {
        ddl_next(ps);
        ddl_next(ps);
        if (ddl_accept_kw(ps, "SET") || ddl_accept_kw(ps, "NO")) {
            if (!ddl_skip_value(ps)) {
                return false;
            }
        } else if (!ddl_accept_kw(ps, "RESTRICT") &&
                   !ddl_accept_kw(ps, "CASCADE")) {
            return ddl_fail_tok(ps, "a referential action");
        }
    }
    return !ps->failed;
}

/*
 * CHECK (expr) [[NOT] ENFORCED]; the '(' is next.  Sets *json_col to the
 * column name when the expression is exactly json_valid(name).
 */
bool
ddl_parse_check(struct ddl_parser *ps, const char **json_col)
{
    *json_col = NULL;
    if (ddl_is_punct(ps, 0, '(') &&
        ddl_tok_is(ddl_peek(ps, 1), "JSON_VALID") &&
        ddl_is_punct(ps, 2, '(') &&
        (ddl_peek(ps, 3)->kind == DDL_TK_WORD ||
         ddl_peek(ps, 3)->kind == DDL_TK_IDENT)) {
        struct ddl_token name;

        ddl_next(ps);
        ddl_next(ps);
        ddl_next(ps);
        name = ddl_next(ps);
        if (ddl_is_punct(ps, 0, ')') && ddl_is_punct(ps, 1, ')')) {
            ddl_next(ps);
            ddl_next(ps);
            *json_col = ddl_tok_name(ps, &name);
        } else {
            /* Not the simple form: skip the rest of the expression. */
            size_t depth = 2;

            while (depth > 0) {
                const struct ddl_token *t = ddl_peek(ps, 0);

                if (t->kind == DDL_TK_END) {
                    return ddl_fail_at(ps, t->off, "unbalanced parentheses");
                }
                if (t->kind == DDL_TK_PUNCT && t->p[0] == '(') {
                    depth++;
                } else if (t->kind == DDL_TK_PUNCT && t->p[0] == ')') {
                    depth--;
                }
                ddl_next(ps);
            }
        }
    } else if (!ddl_skip_parens(ps)) {
        return false;
    }
    if (ddl_is_kw(ps, 0, "NOT") && ddl_is_kw(ps, 1, "ENFORCED")) {
        ddl_next(ps);
        ddl_next(ps);
    } else {
        ddl_accept_kw(ps, "ENFORCED");
    }
    return !ps->failed;
}

/*
 * Column attributes up to ',' or ')' (or, in ALTER, FIRST/AFTER and the end
 * of the statement).  Accepted in any order, as both servers do.
 */
static bool
parse_column_attrs(struct ddl_parser *ps, struct ddl_column *col,
                   bool in_alter)
{
    const struct ddl_token *t;
    const char *jc;

    for (;;) {
        t = ddl_peek(ps, 0);
        if (ps->failed) {
            return false;
        }
        if (t->kind == DDL_TK_END ||
            (t->kind == DDL_TK_PUNCT &&
             (t->p[0] == ',' || t->p[0] == ')' || t->p[0] == ';'))) {
            return true;
        }
        if (t->kind == DDL_TK_IDENT && ddl_is_punct(ps, 1, '=')) {
            /* MariaDB engine-defined attribute: `name` = value. */
            ddl_next(ps);
            ddl_next(ps);
            if (!ddl_skip_value(ps)) {
                return false;
            }
            continue;
        }
        if (t->kind != DDL_TK_WORD) {
            return ddl_fail_at(ps, t->off,
                               "unexpected token in the definition of "
                               "column %s",
                               col->name ? col->name : "");
        }
        if (in_alter && (ddl_tok_is(t, "FIRST") || ddl_tok_is(t, "AFTER"))) {
            return true;
        }
        if (ddl_tok_is(t, "NOT") && ddl_is_kw(ps, 1, "NULL")) {
            ddl_next(ps);
            ddl_next(ps);
            col->not_null = true;
        } else if (ddl_tok_is(t, "NULL")) {
            ddl_next(ps);
            col->not_null = false;
        } else if (ddl_tok_is(t, "DEFAULT")) {
            ddl_next(ps);
            if (!ddl_skip_expr_value(ps)) {
                return false;
            }
        } else if (ddl_tok_is(t, "ON") && ddl_is_kw(ps, 1, "UPDATE")) {
            ddl_next(ps);
            ddl_next(ps);
            if (!ddl_skip_expr_value(ps)) {
                return false;
            }
        } else if (ddl_tok_is(t, "AUTO_INCREMENT")) {
            ddl_next(ps);
            col->auto_increment = true;
        } else if (ddl_tok_is(t, "UNIQUE")) {
            ddl_next(ps);
            ddl_accept_kw(ps, "KEY");
            col->unique = true;
        } else if (ddl_tok_is(t, "PRIMARY") || ddl_tok_is(t, "KEY")) {
            if (ddl_accept_kw(ps, "PRIMARY")) {
                if (!ddl_expect_kw(ps, "KEY")) {
                    return false;
                }
            } else {
                ddl_next(ps);
            }
            col->primary_key = true;
            col->not_null = true;
        } else if (ddl_tok_is(t, "COMMENT")) {
            ddl_next(ps);
            ddl_opt_eq(ps);
            if (!ddl_skip_value(ps)) {
                return false;
            }
        } else if (ddl_tok_is(t, "COLLATE")) {
            ddl_next(ps);
            ddl_opt_eq(ps);
            if (!ddl_parse_name_or_string(ps, &col->collate, "a collation")) {
                return false;
            }
        } else if (ddl_tok_is(t, "CHARSET") ||
                   ((ddl_tok_is(t, "CHARACTER") || ddl_tok_is(t, "CHAR")) &&
                    ddl_is_kw(ps, 1, "SET"))) {
            if (!ddl_tok_is(t, "CHARSET")) {
                ddl_next(ps);
            }
            ddl_next(ps);
            ddl_opt_eq(ps);
            if (!ddl_parse_name_or_string(ps, &col->charset, "a charset")) {
                return false;
            }
            if (ddl_ieq(col->charset, "binary") && col->is_text &&
                col->real_type != MYT_ENUM && col->real_type != MYT_SET) {
                col->is_text = false;
                col->is_binary = true;
            }
        } else if (ddl_tok_is(t, "UNSIGNED")) {
            ddl_next(ps);
            col->is_unsigned = true;
        } else if (ddl_tok_is(t, "SIGNED")) {
            ddl_next(ps);
            col->is_unsigned = false;
        } else if (ddl_tok_is(t, "ZEROFILL")) {
            ddl_next(ps);
            col->zerofill = true;
            col->is_unsigned = true;
        } else if (ddl_tok_is(t, "BINARY")) {
            ddl_next(ps);
            col->binary_attr = true;
        } else if (ddl_tok_is(t, "ASCII")) {
            ddl_next(ps);
            col->charset = "latin1";
        } else if (ddl_tok_is(t, "UNICODE")) {
            ddl_next(ps);
            col->charset = "ucs2";
        } else if (ddl_tok_is(t, "BYTE")) {
            ddl_next(ps);
            col->charset = "binary";
            if (col->is_text && col->real_type != MYT_ENUM &&
                col->real_type != MYT_SET) {
                col->is_text = false;
                col->is_binary = true;
            }
        } else if (ddl_tok_is(t, "VISIBLE")) {
            ddl_next(ps);
            col->invisible = false;
        } else if (ddl_tok_is(t, "INVISIBLE")) {
            ddl_next(ps);
            col->invisible = true;
        } else if (ddl_tok_is(t, "COLUMN_FORMAT") ||
                   ddl_tok_is(t, "STORAGE") ||
                   ddl_tok_is(t, "SRID")) {
            ddl_next(ps);
            if (!ddl_skip_value(ps)) {
                return false;
            }
        } else if (ddl_tok_is(t, "ENGINE_ATTRIBUTE") ||
                   ddl_tok_is(t, "SECONDARY_ENGINE_ATTRIBUTE")) {
            ddl_next(ps);
            ddl_opt_eq(ps);
            if (!ddl_skip_value(ps)) {
                return false;
            }
        } else if (ddl_tok_is(t, "GENERATED") || ddl_tok_is(t, "AS")) {
            if (ddl_tok_is(t, "GENERATED")) {
                ddl_next(ps);
                if (!ddl_expect_kw(ps, "ALWAYS")) {
                    return false;
                }
                /* MariaDB: GENERATED ALWAYS AS ROW START/END */
            }
            if (!ddl_expect_kw(ps, "AS")) {
                return false;
            }
            if (ddl_accept_kw(ps, "ROW")) {
                if (ddl_accept_kw(ps, "START")) {
                    col->gen = DDL_GEN_ROW_START;
                } else if (ddl_accept_kw(ps, "END")) {
                    col->gen = DDL_GEN_ROW_END;
                } else {
                    return ddl_fail_tok(ps, "START or END");
                }
            } else {
                if (!ddl_skip_parens(ps)) {
                    return false;
                }
                col->gen = DDL_GEN_VIRTUAL;
            }
        } else if (ddl_tok_is(t, "VIRTUAL")) {
            ddl_next(ps);
            col->gen = DDL_GEN_VIRTUAL;
        } else if (ddl_tok_is(t, "STORED") || ddl_tok_is(t, "PERSISTENT")) {
            ddl_next(ps);
            col->gen = DDL_GEN_STORED;
        } else if (ddl_tok_is(t, "REFERENCES")) {
            ddl_next(ps);
            if (!skip_references(ps)) {
                return false;
            }
        } else if (ddl_tok_is(t, "CONSTRAINT") || ddl_tok_is(t, "CHECK")) {
            if (ddl_accept_kw(ps, "CONSTRAINT") &&
                !ddl_is_kw(ps, 0, "CHECK")) {
                const char *sym;

                if (!ddl_parse_name(ps, &sym, "a constraint name")) {
                    return false;
                }
            }
            if (!ddl_expect_kw(ps, "CHECK") || !ddl_parse_check(ps, &jc)) {
                return false;
            }
            if (jc != NULL && col->name != NULL && ddl_ieq(jc, col->name)) {
                col->json_check = true;
            }
        } else if (ddl_tok_is(t, "WITH") && ddl_is_kw(ps, 1, "SYSTEM")) {
            ddl_next(ps);
            ddl_next(ps);
            if (!ddl_expect_kw(ps, "VERSIONING")) {
                return false;
            }
            col->versioning = 1;
        } else if (ddl_tok_is(t, "WITHOUT") && ddl_is_kw(ps, 1, "SYSTEM")) {
            ddl_next(ps);
            ddl_next(ps);
            if (!ddl_expect_kw(ps, "VERSIONING")) {
                return false;
            }
            col->versioning = -1;
        } else if (ddl_tok_is(t, "COMPRESSED")) {
            ddl_next(ps);
            col->compressed = true;
            if (ddl_accept_punct(ps, '=') && !ddl_skip_value(ps)) {
                return false;
            }
        } else if (ddl_tok_is(t, "SERIAL") && ddl_is_kw(ps, 1, "DEFAULT") &&
                   ddl_is_kw(ps, 2, "VALUE")) {
            ddl_next(ps);
            ddl_next(ps);
            ddl_next(ps);
            col->not_null = true;
            col->auto_increment = true;
            col->unique = true;
        } else if (ddl_is_punct(ps, 1, '=')) {
            /* MariaDB engine-defined attribute: name = value. */
            ddl_next(ps);
            ddl_next(ps);
            if (!ddl_skip_value(ps)) {
                return false;
            }
        } else {
            return ddl_fail_at(ps, t->off,
                               "unexpected word in the definition of "
                               "column %s",
                               col->name ? col->name : "");
        }
    }
}

struct ddl_column *
ddl_parse_column(struct ddl_parser *ps, bool in_alter)
{
    struct ddl_column *col = ddl_arena_alloc(ps, sizeof(*col));

    if (col == NULL || !ddl_parse_name(ps, &col->name, "a column name") ||
        !parse_data_type(ps, col) || !parse_column_attrs(ps, col, in_alter)) {
        return NULL;
    }
    return col;
}

/* ---- information_schema COLUMN_TYPE ---- */

int
ddl_parse_column_type(struct ddl_stmt *st, const char *text, size_t len,
                      const struct ddl_opts *opts, struct ddl_column **col)
{
    struct ddl_parser ps;
    struct ddl_column *c;

    ddl_parser_init(&ps, st, text, len, opts);
    *col = NULL;
    c = ddl_arena_alloc(&ps, sizeof(*c));
    if (c == NULL || !parse_data_type(&ps, c) ||
        !parse_column_attrs(&ps, c, false) || !ddl_expect_end(&ps)) {
        if (st->err[0] == '\0') {
            snprintf(st->err, sizeof(st->err), "cannot parse column type");
        }
        return -1;
    }
    *col = c;
    return 0;
}
