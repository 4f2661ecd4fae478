/*
 * sqlenc_probe.c - turns binlog rows into SQL with proto/mysql/sqlenc.c,
 * for tests/integration/test_sqlenc_roundtrip.py (built by that test
 * against build/libproto.a).
 *
 *   sqlenc_probe binlog <dst_db> <src_db> <start_pos> <file>...
 *       Decodes the binlog files (the first from <start_pos> on; the
 *       server must log with binlog_row_metadata=FULL, for the column
 *       names) and prints, for every row of a table of <src_db>, the
 *       statement that applies it to the same table in <dst_db>:
 *         INSERT INTO `dst`.`t` (`c`, ...) VALUES (...);
 *           SELECT 'ins', COUNT(*) FROM `dst`.`t` WHERE `c` <=> ... AND ...;
 *         UPDATE `dst`.`t` SET `c` = ... WHERE `c` <=> ... AND ...;
 *           SELECT 'upd', ROW_COUNT();
 *         DELETE FROM `dst`.`t` WHERE `c` <=> ... AND ...;
 *           SELECT 'del', ROW_COUNT();
 *       Each check must answer 1: the literals store the row and compare
 *       equal to it, every column at once.  A statement with a literal
 *       that sets ctx->lenient runs under SET STATEMENT sql_mode=
 *       SQLENC_SQL_MODE_LENIENT FOR (MariaDB).
 *   sqlenc_probe cases <dst_db>
 *       Prints INSERTs into `dst`.`jc` (id INT, j JSON) of MySQL binary
 *       JSON documents built here (a MariaDB binlog has none), the last
 *       one through sqlenc_json_diff().
 *
 * Exits 0, or 1 with the reason on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/buf.h"
#include "proto/mysql/binlog.h"
#include "proto/mysql/rows.h"
#include "proto/mysql/sqlenc.h"

#define PROBE_MAX_MAPS 64

/* A table map of the source database, by table id. */
struct probe_map {
    uint64_t table_id;               /* id the rows events use */
    struct binlog_table_map tm;      /* views into the file's bytes */
    struct mysql_column *cols;       /* owned, column_count entries */
    struct span *enums;              /* owned ENUM/SET member names */
};

/* Program state. */
struct probe {
    const char *dst;                 /* destination database */
    const char *src;                 /* source database */
    struct probe_map maps[PROBE_MAX_MAPS]; /* source tables seen */
    size_t nmaps;                    /* entries in maps */
    struct sqlenc_ctx enc;           /* encoder scratch */
    struct pbuf stmt;                /* statement being built */
    struct pbuf where;               /* its WHERE clause */
    long rows;                       /* rows printed */
    uint8_t *files[64];              /* binlog bytes read (kept: table
                                        maps point into them) */
    size_t nfiles;                   /* entries in files */
};

static void
die(const char *what, const char *detail)
{
    fprintf(stderr, "sqlenc_probe: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    exit(1);
}

static uint8_t *
read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *p;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        die("cannot read", path);
    }
    p = malloc((size_t)n + 1);
    if (p == NULL || fread(p, 1, (size_t)n, f) != (size_t)n) {
        die("cannot read", path);
    }
    fclose(f);
    *len = (size_t)n;
    return p;
}

static struct probe_map *
map_find(struct probe *pr, uint64_t id)
{
    size_t i;

    for (i = 0; i < pr->nmaps; i++) {
        if (pr->maps[i].table_id == id) {
            return &pr->maps[i];
        }
    }
    return NULL;
}

static void
on_table_map(struct probe *pr, struct binlog_decoder *d,
             const struct binlog_event *ev)
{
    struct binlog_table_map tm;
    struct probe_map *m;
    const char *reason = NULL;
    ssize_t nenum;

    if (binlog_table_map_decode(&tm, ev->body.p, ev->body.len,
                                d->post_header_len[BINLOG_TABLE_MAP - 1],
                                d->is_mariadb, &reason) < 0) {
        die("bad TABLE_MAP", reason);
    }
    if (!span_eq(tm.db, pr->src)) {
        return;
    }
    if (tm.column_name.len == 0) {
        die("TABLE_MAP without column names", "binlog_row_metadata=FULL?");
    }
    m = map_find(pr, tm.table_id);
    if (m == NULL) {
        if (pr->nmaps == PROBE_MAX_MAPS) {
            die("too many tables", NULL);
        }
        m = &pr->maps[pr->nmaps++];
    } else {
        free(m->cols);
        free(m->enums);
    }
    m->table_id = tm.table_id;
    m->tm = tm;
    nenum = binlog_table_map_enum_value_count(&tm);
    m->cols = calloc(tm.column_count + 1, sizeof(*m->cols));
    m->enums = calloc(nenum > 0 ? (size_t)nenum : 1, sizeof(*m->enums));
    if (nenum < 0 || m->cols == NULL || m->enums == NULL) {
        die("cannot build columns", NULL);
    }
    if (binlog_table_map_columns(&tm, m->cols, tm.column_count, m->enums,
                                 (size_t)nenum, &reason) < 0) {
        die("cannot build columns", reason);
    }
}

static void
put_table(struct probe *pr, const struct probe_map *m)
{
    sqlenc_ident(&pr->stmt, pr->dst, strlen(pr->dst));
    pbuf_putc(&pr->stmt, '.');
    sqlenc_ident(&pr->stmt, (const char *)m->tm.table.p, m->tm.table.len);
}

static void
put_value(struct probe *pr, struct pbuf *out, const struct mysql_column *c,
          const struct mysql_value *v)
{
    if (sqlenc_value(out, c, v, &pr->enc) < 0) {
        die("sqlenc_value failed", pr->enc.err);
    }
}

/* `c1` <=> v1 AND `c2` <=> v2 ... into pr->where. */
static void
build_where(struct probe *pr, const struct probe_map *m,
            const struct mysql_value *vals)
{
    uint32_t i;

    pbuf_reset(&pr->where);
    pbuf_puts(&pr->where, " WHERE ");
    for (i = 0; i < m->tm.column_count; i++) {
        if (i > 0) {
            pbuf_puts(&pr->where, " AND ");
        }
        sqlenc_ident(&pr->where, (const char *)m->cols[i].name.p,
                     m->cols[i].name.len);
        pbuf_puts(&pr->where, " <=> ");
        put_value(pr, &pr->where, &m->cols[i], &vals[i]);
    }
}

static void
flush_stmt(struct probe *pr, const char *check, const struct probe_map *m)
{
    if (pr->enc.lenient) {
        printf("SET STATEMENT sql_mode='%s' FOR ", SQLENC_SQL_MODE_LENIENT);
    }
    fwrite(pr->stmt.data, 1, pr->stmt.len, stdout);
    fputs(";\n", stdout);
    if (strcmp(check, "ins") == 0) {
        pbuf_reset(&pr->stmt);
        pbuf_puts(&pr->stmt, "SELECT 'ins', COUNT(*) FROM ");
        put_table(pr, m);
        pbuf_put(&pr->stmt, pr->where.data, pr->where.len);
        fwrite(pr->stmt.data, 1, pr->stmt.len, stdout);
        fputs(";\n", stdout);
    } else {
        printf("SELECT '%s', ROW_COUNT();\n", check);
    }
    pr->enc.lenient = false;
    pr->rows++;
}

static void
on_row(struct probe *pr, const struct probe_map *m, enum binlog_rows_kind k,
       const struct mysql_value *before, const struct mysql_value *after)
{
    uint32_t i;

    pbuf_reset(&pr->stmt);
    if (k == BINLOG_ROWS_WRITE) {
        pbuf_puts(&pr->stmt, "INSERT INTO ");
        put_table(pr, m);
        pbuf_puts(&pr->stmt, " (");
        for (i = 0; i < m->tm.column_count; i++) {
            if (i > 0) {
                pbuf_puts(&pr->stmt, ", ");
            }
            sqlenc_ident(&pr->stmt, (const char *)m->cols[i].name.p,
                         m->cols[i].name.len);
        }
        pbuf_puts(&pr->stmt, ") VALUES (");
        for (i = 0; i < m->tm.column_count; i++) {
            if (i > 0) {
                pbuf_puts(&pr->stmt, ", ");
            }
            put_value(pr, &pr->stmt, &m->cols[i], &after[i]);
        }
        pbuf_putc(&pr->stmt, ')');
        build_where(pr, m, after);
        flush_stmt(pr, "ins", m);
        return;
    }
    if (k == BINLOG_ROWS_DELETE) {
        pbuf_puts(&pr->stmt, "DELETE FROM ");
        put_table(pr, m);
        build_where(pr, m, before);
        pbuf_put(&pr->stmt, pr->where.data, pr->where.len);
        flush_stmt(pr, "del", m);
        return;
    }
    pbuf_puts(&pr->stmt, "UPDATE ");
    put_table(pr, m);
    pbuf_puts(&pr->stmt, " SET ");
    for (i = 0; i < m->tm.column_count; i++) {
        if (i > 0) {
            pbuf_puts(&pr->stmt, ", ");
        }
        sqlenc_ident(&pr->stmt, (const char *)m->cols[i].name.p,
                     m->cols[i].name.len);
        pbuf_puts(&pr->stmt, " = ");
        put_value(pr, &pr->stmt, &m->cols[i], &after[i]);
    }
    build_where(pr, m, before);
    pbuf_put(&pr->stmt, pr->where.data, pr->where.len);
    flush_stmt(pr, "upd", m);
}

static void
on_rows(struct probe *pr, const struct binlog_event *ev)
{
    const struct probe_map *m = map_find(pr, ev->u.rows.table_id);
    struct binlog_rows_iter it;
    struct mysql_value *before, *after;
    uint32_t n;
    int rc;

    if (m == NULL) {
        return;
    }
    n = m->tm.column_count;
    before = calloc(n + 1, sizeof(*before));
    after = calloc(n + 1, sizeof(*after));
    if (before == NULL || after == NULL ||
        binlog_rows_init(&it, &ev->u.rows) < 0) {
        die("cannot read rows", NULL);
    }
    while ((rc = binlog_rows_next(&it, m->cols, n, before, after)) > 0) {
        on_row(pr, m, ev->u.rows.kind, before, after);
    }
    if (rc < 0) {
        die("bad row", it.reason);
    }
    free(before);
    free(after);
}

static void
on_event(struct probe *pr, struct binlog_decoder *d,
         const struct binlog_event *ev, size_t off, size_t start)
{
    if (ev->type == BINLOG_TABLE_MAP) {
        on_table_map(pr, d, ev);
    } else if (binlog_is_rows_event(ev->type) && off >= start) {
        on_rows(pr, ev);
    }
}

static void
scan_file(struct probe *pr, const char *path, size_t start)
{
    struct binlog_decoder d;
    struct binlog_event ev, inner;
    size_t len, off = 4;
    uint8_t *p = read_file(path, &len);
    ssize_t n, k;

    /* the bytes stay allocated: table maps keep views into them */
    if (pr->nfiles < sizeof(pr->files) / sizeof(pr->files[0])) {
        pr->files[pr->nfiles++] = p;
    }
    memset(&d, 0, sizeof(d));
    if (!binlog_file_check_magic(p, len)) {
        die("not a binlog file", path);
    }
    while (off < len) {
        n = binlog_event_decode(&d, p + off, len - off, &ev);
        if (n == 0) {
            break;          /* a partial event at the end of a live file */
        }
        if (n < 0) {
            die("bad event", binlog_decoder_strerror(&d));
        }
        if (ev.type == BINLOG_TRANSACTION_PAYLOAD) {
            while ((k = binlog_payload_next(&d, &inner)) > 0) {
                on_event(pr, &d, &inner, off, start);
            }
            if (k < 0) {
                die("bad payload", binlog_decoder_strerror(&d));
            }
        } else {
            on_event(pr, &d, &ev, off, start);
        }
        off += (size_t)n;
    }
    binlog_decoder_free(&d);
}

/* ---- cases: MySQL binary JSON ---- */

static void
json_case(struct probe *pr, int id, const char *doc, size_t len)
{
    struct mysql_column c;
    struct mysql_value v;

    memset(&c, 0, sizeof(c));
    memset(&v, 0, sizeof(v));
    c.type = MYT_JSON;
    c.meta = 4;
    c.charset = MYSQL_CHARSET_BINARY;
    v.kind = MYV_JSON;
    v.type = MYT_JSON;
    v.v.bytes.p = (const uint8_t *)doc;
    v.v.bytes.len = len;
    pbuf_reset(&pr->stmt);
    pbuf_printf(&pr->stmt, "INSERT INTO `%s`.`jc` VALUES (%d, ", pr->dst, id);
    put_value(pr, &pr->stmt, &c, &v);
    pbuf_puts(&pr->stmt, ");\n");
    fwrite(pr->stmt.data, 1, pr->stmt.len, stdout);
}

static void
cases(struct probe *pr)
{
    /* {"a": 1} */
    static const char a1[] = "\x00\x01\x00\x0c\x00\x0b\x00\x01\x00"
                             "\x05\x01\x00" "a";
    /* {"k": [1, "x"], "s": "it's \"q\" \\ é\n"}: a small object of a
     * small array and a string */
    static const char nested[] =
        "\x00\x02\x00\x2f\x00"              /* 2 members, 47 bytes */
        "\x12\x00\x01\x00" "\x13\x00\x01\x00" /* keys at 18, 19 */
        "\x02\x14\x00" "\x0c\x20\x00"       /* array at 20, string 32 */
        "ks"
        "\x02\x00\x0c\x00\x05\x01\x00\x0c\x0a\x00\x01" "x"
        "\x0e" "it's \"q\" \\ \xc3\xa9\n";   /* 14 bytes */
    /* scalars: 0.1, the opaque DECIMAL 1.50, "" */
    static const char dbl[] = "\x0b\x9a\x99\x99\x99\x99\x99\xb9\x3f";
    static const char dec[] = "\x0f\xf6\x04\x03\x02\x81\x32";
    static const char empty[] = "\x0c\x00";
    /* REPLACE $.a with 2, then INSERT $.b "new" */
    static const char diff[] = "\x00\x03$.a\x03\x05\x02\x00"
                               "\x01\x03$.b\x05\x0c\x03new";
    struct mysql_value before, dv;

    json_case(pr, 1, a1, sizeof(a1) - 1);
    json_case(pr, 2, nested, sizeof(nested) - 1);
    json_case(pr, 3, dbl, sizeof(dbl) - 1);
    json_case(pr, 4, dec, sizeof(dec) - 1);
    json_case(pr, 5, empty, sizeof(empty) - 1);
    json_case(pr, 6, "", 0);

    memset(&before, 0, sizeof(before));
    before.kind = MYV_JSON;
    before.v.bytes.p = (const uint8_t *)a1;
    before.v.bytes.len = sizeof(a1) - 1;
    dv = before;
    dv.v.bytes.p = (const uint8_t *)diff;
    dv.v.bytes.len = sizeof(diff) - 1;
    pbuf_reset(&pr->stmt);
    pbuf_printf(&pr->stmt, "INSERT INTO `%s`.`jc` VALUES (7, ", pr->dst);
    if (sqlenc_json_diff(&pr->stmt, &before, &dv, &pr->enc) < 0) {
        die("sqlenc_json_diff failed", pr->enc.err);
    }
    pbuf_puts(&pr->stmt, ");\n");
    fwrite(pr->stmt.data, 1, pr->stmt.len, stdout);
}

int
main(int argc, char **argv)
{
    static struct probe pr;
    int i;

    if (argc == 3 && strcmp(argv[1], "cases") == 0) {
        pr.dst = argv[2];
        cases(&pr);
    } else if (argc >= 6 && strcmp(argv[1], "binlog") == 0) {
        pr.dst = argv[2];
        pr.src = argv[3];
        for (i = 5; i < argc; i++) {
            scan_file(&pr, argv[i], i == 5 ? strtoul(argv[4], NULL, 10) : 0);
        }
        fprintf(stderr, "sqlenc_probe: %ld rows\n", pr.rows);
    } else {
        die("usage: sqlenc_probe binlog DST SRC START_POS FILE... | "
            "sqlenc_probe cases DST", NULL);
    }
    if (pr.stmt.failed || pr.where.failed || fflush(stdout) != 0) {
        die("output failed", NULL);
    }
    sqlenc_ctx_free(&pr.enc);
    pbuf_free(&pr.stmt);
    pbuf_free(&pr.where);
    while (pr.nfiles > 0) {
        free(pr.files[--pr.nfiles]);
    }
    return 0;
}
