/*
 * ddl_keys.c - moves the plain secondary indexes of a SHOW CREATE TABLE
 * statement into ALTER TABLE clauses (see ddl_keys.h).
 *
 * The statement is read line by line: a header "CREATE [TEMPORARY] TABLE
 * <name> (", definition lines, then the line that begins with ')' and
 * everything after it, which is never read.  Each definition line goes
 * through a small lexer that must find it whole: strings and quoted names
 * closed on the line, parentheses balanced, at most one top-level comma
 * and that one last.  A line the lexer cannot follow, or a layout other
 * than this one, leaves the statement as it is.
 *
 * Strings are lexed so that their end is the same with and without
 * NO_BACKSLASH_ESCAPES, and double-quoted text the same as a string and
 * as an ANSI_QUOTES name: a backslash takes the next byte along unless
 * that byte is the closing quote, which is refused (the servers double
 * quotes inside strings, sql_show.cc append_unescaped(), and never print
 * \').  Executable comments are read as code, since the server runs them;
 * other comments are skipped; "#" and "-- " comments, which would hide the
 * rest of a line, are refused.
 *
 * Several passes over the text, none storing anything per line: proto/
 * code does not allocate on its own.
 */
#include "proto/mysql/ddl_keys.h"

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* ---- lexer over one line ---- */

enum dk_tok_kind {
    DK_TK_END = 0,   /* end of the line */
    DK_TK_WORD,      /* unquoted word or number: keyword or name */
    DK_TK_NAME,      /* `quoted` name, or "quoted" (a name or a string) */
    DK_TK_STRING,    /* 'string' */
    DK_TK_PUNCT,     /* any other single byte */
    DK_TK_BAD,       /* cannot be read within the line */
    DK_TK_KIND_COUNT /* sentinel */
};

struct dk_tok {
    enum dk_tok_kind kind; /* what it is */
    const char *p;         /* first byte, quotes included (borrowed) */
    size_t len;            /* bytes at p */
    bool in_exec;          /* read inside an executable comment */
};

struct dk_lex {
    const char *p;   /* next byte to read (borrowed) */
    const char *end; /* end of the line, its newline excluded */
    bool in_exec;    /* inside / *! ... * / */
};

static void
dk_lex_init(struct dk_lex *lx, const char *p, const char *end)
{
    lx->p = p;
    lx->end = end;
    lx->in_exec = false;
}

static bool
dk_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

static bool
dk_word_byte(char c)
{
    unsigned char u = (unsigned char)c;

    return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') ||
           (u >= '0' && u <= '9') || u == '_' || u == '$' || u >= 0x80;
}

/* Skips a quoted name or string at lx->p; false when it does not close on
 * the line or its end would depend on how backslashes are read. */
static bool
dk_skip_quoted(struct dk_lex *lx)
{
    char q = *lx->p++;
    char c;

    while (lx->p < lx->end) {
        c = *lx->p++;
        if (c == q) {
            if (lx->p < lx->end && *lx->p == q) {
                lx->p++;
                continue;
            }
            return true;
        }
        if (c == '\\' && q != '`') {
            if (lx->p == lx->end || *lx->p == q) {
                return false;
            }
            lx->p++;
        }
    }
    return false;
}

/* Skips blanks and comments; false on a comment that cannot be followed
 * within the line or that would hide the rest of it. */
static bool
dk_skip_space(struct dk_lex *lx)
{
    const char *p;

    for (;;) {
        while (lx->p < lx->end && dk_blank(*lx->p)) {
            lx->p++;
        }
        p = lx->p;
        if (lx->end - p >= 2 && p[0] == '/' && p[1] == '*') {
            if (lx->end - p >= 3 &&
                (p[2] == '!' ||
                 (lx->end - p >= 4 && p[2] == 'M' && p[3] == '!'))) {
                if (lx->in_exec) {
                    return false;
                }
                lx->p += p[2] == '!' ? 3 : 4;
                while (lx->p < lx->end && *lx->p >= '0' && *lx->p <= '9') {
                    lx->p++;
                }
                lx->in_exec = true;
                continue;
            }
            if (lx->in_exec) {
                return false;
            }
            for (p += 2; lx->end - p >= 2; p++) {
                if (p[0] == '*' && p[1] == '/') {
                    break;
                }
            }
            if (lx->end - p < 2) {
                return false;
            }
            lx->p = p + 2;
            continue;
        }
        if (lx->end - p >= 2 && p[0] == '*' && p[1] == '/') {
            if (!lx->in_exec) {
                return false;
            }
            lx->in_exec = false;
            lx->p += 2;
            continue;
        }
        if (p < lx->end && p[0] == '#') {
            return false;
        }
        if (lx->end - p >= 2 && p[0] == '-' && p[1] == '-' &&
            (lx->end - p == 2 || (unsigned char)p[2] <= ' ')) {
            return false;
        }
        return true;
    }
}

/* Reads the next token into <t>; returns its kind. */
static enum dk_tok_kind
dk_next(struct dk_lex *lx, struct dk_tok *t)
{
    char c;

    t->p = lx->p;
    t->len = 0;
    t->kind = DK_TK_BAD;
    if (!dk_skip_space(lx)) {
        return t->kind;
    }
    t->p = lx->p;
    t->in_exec = lx->in_exec;
    if (lx->p == lx->end) {
        t->kind = lx->in_exec ? DK_TK_BAD : DK_TK_END;
        return t->kind;
    }
    c = *lx->p;
    if (c == '`' || c == '"' || c == '\'') {
        if (!dk_skip_quoted(lx)) {
            return t->kind;
        }
        t->kind = c == '\'' ? DK_TK_STRING : DK_TK_NAME;
    } else if (dk_word_byte(c)) {
        while (lx->p < lx->end && dk_word_byte(*lx->p)) {
            lx->p++;
        }
        t->kind = DK_TK_WORD;
    } else {
        lx->p++;
        t->kind = DK_TK_PUNCT;
    }
    t->len = (size_t)(lx->p - t->p);
    return t->kind;
}

/* Is <t> the keyword <kw> (upper case), in any case? */
static bool
dk_is_kw(const struct dk_tok *t, const char *kw)
{
    size_t i;

    if (t->kind != DK_TK_WORD || t->len != strlen(kw)) {
        return false;
    }
    for (i = 0; i < t->len; i++) {
        char c = t->p[i];

        if (c >= 'a' && c <= 'z') {
            c = (char)(c - 'a' + 'A');
        }
        if (c != kw[i]) {
            return false;
        }
    }
    return true;
}

static bool
dk_is_punct(const struct dk_tok *t, char c)
{
    return t->kind == DK_TK_PUNCT && t->p[0] == c;
}

/* The next byte of name <t> without its quotes (a doubled quote is one),
 * ASCII letters in upper case; -1 past its end. */
static int
dk_name_byte(const struct dk_tok *t, size_t *i)
{
    bool quoted = t->kind == DK_TK_NAME;
    size_t end = quoted ? t->len - 1 : t->len;
    unsigned char c;

    if (*i >= end) {
        return -1;
    }
    c = (unsigned char)t->p[(*i)++];
    if (quoted && c == (unsigned char)t->p[0]) {
        (*i)++;
    }
    return (c >= 'a' && c <= 'z') ? c - 'a' + 'A' : c;
}

/* Do names <a> and <b> (quoted or not) name the same column?  Column
 * names compare without case; only ASCII is folded, so two spellings of a
 * non-ASCII name that differ in case compare unequal, which can only keep
 * more indexes in the statement. */
static bool
dk_name_eq(const struct dk_tok *a, const struct dk_tok *b)
{
    size_t i = a->kind == DK_TK_NAME ? 1 : 0;
    size_t j = b->kind == DK_TK_NAME ? 1 : 0;
    int ca, cb;

    do {
        ca = dk_name_byte(a, &i);
        cb = dk_name_byte(b, &j);
        if (ca != cb) {
            return false;
        }
    } while (ca >= 0);
    return true;
}

/* ---- lines ---- */

struct dk_line {
    size_t off;  /* first byte */
    size_t end;  /* past its content: before "\n" or "\r\n" */
    size_t next; /* first byte of the next line (len at the end) */
    bool eol;    /* ended by a newline */
};

static void
dk_line_at(const char *sql, size_t len, size_t off, struct dk_line *ln)
{
    const char *nl = off < len ? memchr(sql + off, '\n', len - off) : NULL;

    ln->off = off;
    if (nl == NULL) {
        ln->end = ln->next = len;
        ln->eol = false;
        return;
    }
    ln->end = (size_t)(nl - sql);
    ln->next = ln->end + 1;
    ln->eol = true;
    if (ln->end > off && sql[ln->end - 1] == '\r') {
        ln->end--;
    }
}

/* "CREATE [TEMPORARY] TABLE <name> (" alone on the line. */
static bool
dk_header_ok(const char *p, const char *end)
{
    struct dk_lex lx;
    struct dk_tok t;
    unsigned n;

    dk_lex_init(&lx, p, end);
    dk_next(&lx, &t);
    if (!dk_is_kw(&t, "CREATE")) {
        return false;
    }
    dk_next(&lx, &t);
    if (dk_is_kw(&t, "TEMPORARY")) {
        dk_next(&lx, &t);
    }
    if (!dk_is_kw(&t, "TABLE")) {
        return false;
    }
    /* IF NOT EXISTS db . t: at most six tokens before the '('. */
    for (n = 0; n < 7; n++) {
        dk_next(&lx, &t);
        if (dk_is_punct(&t, '(')) {
            return n > 0 && !t.in_exec && dk_next(&lx, &t) == DK_TK_END;
        }
        if (t.kind != DK_TK_WORD && t.kind != DK_TK_NAME &&
            !dk_is_punct(&t, '.')) {
            return false;
        }
    }
    return false;
}

/* What a definition line defines, as far as moving indexes goes. */
enum dk_def_kind {
    DK_DEF_COLUMN = 0, /* a column */
    DK_DEF_KEY,        /* KEY / INDEX: a plain index, may move */
    DK_DEF_UNIQUE,     /* PRIMARY KEY, UNIQUE KEY */
    DK_DEF_BARRIER,    /* SPATIAL, VECTOR key: ordered among plain keys */
    DK_DEF_FOREIGN,    /* FOREIGN KEY, CONSTRAINT ... FOREIGN KEY */
    DK_DEF_OTHER,      /* FULLTEXT key, CHECK, CONSTRAINT, PERIOD FOR */
    DK_DEF_KIND_COUNT  /* sentinel */
};

struct dk_def {
    enum dk_def_kind kind; /* what the line defines */
    const char *text;      /* the definition, past the indentation */
    const char *text_end;  /* its end, before the comma and blanks */
    const char *comma;     /* the trailing top-level comma, or NULL */
    struct dk_tok name;    /* DK_DEF_COLUMN: the column's name */
    bool auto_inc;         /* DK_DEF_COLUMN: an AUTO_INCREMENT column */
};

/* Kind of a definition from its first three tokens.  A line that matches
 * no key or constraint form is a column: the key words are reserved, so a
 * column named so is quoted.  Every doubt leans towards keeping a line. */
static enum dk_def_kind
dk_classify(const struct dk_tok f[3])
{
    bool key1 = dk_is_kw(&f[1], "KEY") || dk_is_kw(&f[1], "INDEX");

    if (f[0].kind == DK_TK_NAME) {
        return DK_DEF_COLUMN;
    }
    if (dk_is_kw(&f[0], "KEY") || dk_is_kw(&f[0], "INDEX")) {
        return DK_DEF_KEY;
    }
    if ((dk_is_kw(&f[0], "PRIMARY") && dk_is_kw(&f[1], "KEY")) ||
        (dk_is_kw(&f[0], "UNIQUE") && key1)) {
        return DK_DEF_UNIQUE;
    }
    if ((dk_is_kw(&f[0], "SPATIAL") || dk_is_kw(&f[0], "VECTOR")) && key1) {
        return DK_DEF_BARRIER;
    }
    if (dk_is_kw(&f[0], "FOREIGN") ||
        (dk_is_kw(&f[0], "CONSTRAINT") &&
         (dk_is_kw(&f[1], "FOREIGN") || dk_is_kw(&f[2], "FOREIGN")))) {
        return DK_DEF_FOREIGN;
    }
    if ((dk_is_kw(&f[0], "FULLTEXT") && key1) ||
        dk_is_kw(&f[0], "CONSTRAINT") || dk_is_kw(&f[0], "CHECK") ||
        (dk_is_kw(&f[0], "PERIOD") && dk_is_kw(&f[1], "FOR"))) {
        return DK_DEF_OTHER;
    }
    return DK_DEF_COLUMN;
}

/* Reads definition line [p, end) into <d>; false when it is not one whole
 * indented definition. */
static bool
dk_def_read(const char *p, const char *end, struct dk_def *d)
{
    struct dk_lex lx;
    struct dk_tok t, f[3];
    unsigned n = 0;
    size_t depth = 0;
    bool auto_inc = false;

    if (p == end || (*p != ' ' && *p != '\t')) {
        return false;
    }
    memset(f, 0, sizeof(f));
    d->comma = NULL;
    dk_lex_init(&lx, p, end);
    while (dk_next(&lx, &t) != DK_TK_END) {
        if (t.kind == DK_TK_BAD || d->comma != NULL) {
            return false;
        }
        if (n < 3) {
            f[n++] = t;
        }
        if (dk_is_punct(&t, '(')) {
            depth++;
        } else if (dk_is_punct(&t, ')')) {
            if (depth == 0) {
                return false;
            }
            depth--;
        } else if (dk_is_punct(&t, ',') && depth == 0) {
            if (t.in_exec) {
                return false;
            }
            d->comma = t.p;
        } else if (depth == 0 && dk_is_kw(&t, "AUTO_INCREMENT")) {
            auto_inc = true;
        }
    }
    /* The first token opens the line: no comment before it. */
    while (p < end && dk_blank(*p)) {
        p++;
    }
    if (depth != 0 || n == 0 || f[0].p != p ||
        (f[0].kind != DK_TK_WORD && f[0].kind != DK_TK_NAME)) {
        return false;
    }
    d->text = f[0].p;
    d->text_end = d->comma != NULL ? d->comma : end;
    while (d->text_end > d->text && dk_blank(d->text_end[-1])) {
        d->text_end--;
    }
    d->kind = dk_classify(f);
    /* KEY [name] (part, ...): the only shape the servers print. */
    if (d->kind == DK_DEF_KEY && !dk_is_punct(&f[1], '(') &&
        (!dk_is_punct(&f[2], '(') ||
         (f[1].kind != DK_TK_WORD && f[1].kind != DK_TK_NAME))) {
        return false;
    }
    d->name = f[0];
    d->auto_inc = d->kind == DK_DEF_COLUMN && auto_inc;
    return true;
}

/* Does index line [p, end) list column <col> among its parts (*any), and
 * first (*first)?  Parts are the names that open the index's first
 * parenthesised list or follow one of its commas; a functional part
 * ((expr)) names none. */
static void
dk_key_parts(const char *p, const char *end, const struct dk_tok *col,
             bool *first, bool *any)
{
    struct dk_lex lx;
    struct dk_tok t;
    size_t depth = 0;
    unsigned part = 0;
    bool opens = false, in_list = false;

    *first = *any = false;
    dk_lex_init(&lx, p, end);
    while (dk_next(&lx, &t) != DK_TK_END && t.kind != DK_TK_BAD) {
        if (in_list && opens &&
            (t.kind == DK_TK_WORD || t.kind == DK_TK_NAME) &&
            dk_name_eq(&t, col)) {
            *any = true;
            *first = *first || part == 0;
        }
        opens = false;
        if (dk_is_punct(&t, '(')) {
            if (depth++ == 0) {
                in_list = opens = true;
            }
        } else if (dk_is_punct(&t, ')')) {
            if (depth > 0 && --depth == 0 && in_list) {
                return;
            }
        } else if (dk_is_punct(&t, ',') && depth == 1 && in_list) {
            opens = true;
            part++;
        }
    }
}

/* ---- the split ---- */

struct dk_plan {
    size_t body;            /* first byte of the first definition line */
    size_t close;           /* first byte of the line opening with ')' */
    struct dk_tok auto_col; /* the AUTO_INCREMENT column's name */
    bool has_auto;          /* there is one */
    bool auto_covered;      /* a PRIMARY or UNIQUE key begins with it */
    size_t barrier;         /* the last line no plain index before may move
                               past (0: none) */
    size_t last_kept;       /* the last definition line that stays */
    size_t moved;           /* definition lines that move */
};

/* The definition line at <off> into <ln>, <d>; false at the ')' line.
 * Only for lines dk_plan_read() has read. */
static bool
dk_def_at(const char *sql, size_t len, const struct dk_plan *pl, size_t off,
          struct dk_line *ln, struct dk_def *d)
{
    if (off >= pl->close) {
        return false;
    }
    dk_line_at(sql, len, off, ln);
    return dk_def_read(sql + ln->off, sql + ln->end, d);
}

/* First pass: the layout, foreign keys, the AUTO_INCREMENT column.  False
 * when nothing may move. */
static bool
dk_plan_read(const char *sql, size_t len, struct dk_plan *pl)
{
    struct dk_line ln;
    struct dk_def d;
    size_t off, ndefs = 0, nkeys = 0;
    bool comma = false;

    memset(pl, 0, sizeof(*pl));
    if (len == 0 || memchr(sql, '\0', len) != NULL) {
        return false;
    }
    dk_line_at(sql, len, 0, &ln);
    if (!ln.eol || !dk_header_ok(sql, sql + ln.end)) {
        return false;
    }
    pl->body = ln.next;
    for (off = pl->body;; off = ln.next) {
        if (off >= len) {
            return false;
        }
        dk_line_at(sql, len, off, &ln);
        if (sql[off] == ')') {
            break;
        }
        if (!ln.eol || (ndefs > 0 && !comma) ||
            !dk_def_read(sql + ln.off, sql + ln.end, &d)) {
            return false;
        }
        ndefs++;
        comma = d.comma != NULL;
        if (d.kind == DK_DEF_FOREIGN) {
            return false;
        }
        nkeys += d.kind == DK_DEF_KEY;
        if (d.auto_inc) {
            if (pl->has_auto) {
                return false;
            }
            pl->has_auto = true;
            pl->auto_col = d.name;
        }
    }
    pl->close = off;
    return ndefs > 0 && !comma && nkeys > 0;
}

/* Must the index at <d> stay because of the AUTO_INCREMENT column? */
static bool
dk_key_keeps_auto(const struct dk_plan *pl, const struct dk_def *d)
{
    bool first, any;

    if (!pl->has_auto || pl->auto_covered) {
        return false;
    }
    dk_key_parts(d->text, d->text_end, &pl->auto_col, &first, &any);
    return any;
}

/* Other passes: which lines move, which one ends the list. */
static bool
dk_plan_moves(const char *sql, size_t len, struct dk_plan *pl)
{
    struct dk_line ln;
    struct dk_def d;
    size_t off;
    bool first, any;

    if (pl->has_auto) {
        for (off = pl->body; dk_def_at(sql, len, pl, off, &ln, &d);
             off = ln.next) {
            if (d.kind == DK_DEF_UNIQUE) {
                dk_key_parts(d.text, d.text_end, &pl->auto_col, &first, &any);
                pl->auto_covered = pl->auto_covered || first;
            }
        }
    }
    for (off = pl->body; dk_def_at(sql, len, pl, off, &ln, &d); off = ln.next) {
        if (d.kind == DK_DEF_BARRIER ||
            (d.kind == DK_DEF_KEY && dk_key_keeps_auto(pl, &d))) {
            pl->barrier = off;
        }
    }
    for (off = pl->body; dk_def_at(sql, len, pl, off, &ln, &d); off = ln.next) {
        if (d.kind == DK_DEF_KEY && off > pl->barrier) {
            pl->moved++;
        } else {
            pl->last_kept = off;
        }
    }
    return pl->moved > 0 && pl->moved <= INT_MAX && pl->last_kept > 0;
}

int
ddl_split_keys(const char *sql, size_t len, struct pbuf *table,
               struct pbuf *keys)
{
    struct dk_plan pl;
    struct dk_line ln;
    struct dk_def d;
    size_t off, table_len = table->len, keys_len = keys->len;

    if (!dk_plan_read(sql, len, &pl) || !dk_plan_moves(sql, len, &pl)) {
        pbuf_put(table, sql, len);
        pbuf_putc(table, '\0');
        if (table->failed) {
            table->len = table_len;
            return -1;
        }
        return 0;
    }
    pbuf_put(table, sql, pl.body);
    for (off = pl.body; dk_def_at(sql, len, &pl, off, &ln, &d); off = ln.next) {
        if (d.kind == DK_DEF_KEY && off > pl.barrier) {
            pbuf_puts(keys, "ADD ");
            pbuf_put(keys, d.text, (size_t)(d.text_end - d.text));
            pbuf_putc(keys, '\0');
        } else if (off == pl.last_kept && d.comma != NULL) {
            /* The list's new last line: its comma goes, nothing else. */
            pbuf_put(table, sql + off, (size_t)(d.comma - (sql + off)));
            pbuf_put(table, d.comma + 1,
                     ln.next - off - 1 - (size_t)(d.comma - (sql + off)));
        } else {
            pbuf_put(table, sql + off, ln.next - off);
        }
    }
    pbuf_put(table, sql + pl.close, len - pl.close);
    pbuf_putc(table, '\0');
    if (table->failed || keys->failed) {
        table->len = table_len;
        keys->len = keys_len;
        return -1;
    }
    return (int)pl.moved;
}
