/*
 * ddl_keys.h - takes the plain secondary indexes out of a CREATE TABLE, so
 * that a full copy loads rows into a table without them and adds them
 * afterwards (InnoDB builds an added index by sorting, far faster than
 * inserting into it row by row).
 *
 * The input is the text MariaDB 10.x-11.x and MySQL 5.6-8.4 print for
 * SHOW CREATE TABLE (or the same text after tandem renamed objects in it):
 *
 *   CREATE TABLE `t` (
 *     `id` int(11) NOT NULL AUTO_INCREMENT,       <- one definition a line,
 *     `k` int(11) NOT NULL DEFAULT 0,                indented, each but the
 *     PRIMARY KEY (`id`),                            last ending with ','
 *     KEY `k_1` (`k`)
 *   ) ENGINE=InnoDB ...                           <- from here on: verbatim
 *    PARTITION BY HASH (`id`) ...
 *
 * Only lines that begin with KEY or INDEX move; every other line, and every
 * byte of the lines that stay, is kept as written.  The function works on
 * lines and the leading words of each, with a lexer that knows quoted
 * names (`a``b`, "a""b" under ANSI_QUOTES, unquoted under
 * sql_quote_show_create=0), strings and comments: it never cuts through a
 * name or a string.  Text in an ASCII-compatible character set is
 * expected (utf8mb4, latin1...): a multibyte set whose characters may
 * contain the byte of '\' or a quote (sjis, gbk, big5) can fool it.
 */
#ifndef TANDEM_PROTO_MYSQL_DDL_KEYS_H
#define TANDEM_PROTO_MYSQL_DDL_KEYS_H

#include <stddef.h>

#include "proto/buf.h"

/*
 * Splits the CREATE TABLE statement sql[0..len) (not NUL-terminated; lines
 * end with "\n" or "\r\n"), as SHOW CREATE TABLE prints it, into the
 * statement without its plain secondary indexes, appended to <table>
 * NUL-terminated, and those indexes as ALTER TABLE clauses
 * "ADD KEY `k` (`a`,`b`) ..." (the index's line without its indentation
 * and trailing comma, after "ADD "), each NUL-terminated, appended to
 * <keys> in the statement's order.  Running the statement then
 * "ALTER TABLE t <clause>, <clause>..." gives back the table the input
 * describes, indexes in the same order.
 *
 * What stays in the statement: PRIMARY KEY and UNIQUE keys (they guard the
 * data while it loads), FULLTEXT, SPATIAL and VECTOR keys, CHECK
 * constraints, columns, and everything from the closing ')' line on.  Also
 * kept, so that the result is the same table:
 *   - every index of a table with a FOREIGN KEY (an index may back it);
 *   - an index holding the AUTO_INCREMENT column when no PRIMARY or UNIQUE
 *     key begins with it (the server wants the column indexed);
 *   - a plain index followed by a SPATIAL or VECTOR key, or by an index
 *     kept for the above: the server keeps such keys in the order they
 *     were added, so moving it would change the order of the indexes.
 * A table whose columns a foreign key of another table references through
 * a plain index must have that index back before the other table is
 * created (MariaDB 10.11 refuses the foreign key otherwise, errno 150,
 * even with foreign_key_checks=0): the caller's business.
 *
 * Returns the number of clauses appended to <keys> (> 0); 0 when nothing
 * moves, and then <table> holds the input unchanged and <keys> is left
 * alone, which is also the answer for text not in the expected layout (not
 * one definition a line, no closing ')' line, a name or string spanning
 * lines, a NUL byte, unbalanced parentheses, an index line not of the
 * form KEY [name] (...)...): the result is never a broken statement; -1
 * when a buffer could not grow (allocation or its limit): both are then
 * back at their length on entry, and the buffer that failed keeps its
 * sticky `failed` flag.
 *
 * The caller owns both buffers, two distinct ones.  Pure function: no
 * allocation besides the buffers' own growth, callable from anywhere.
 */
int ddl_split_keys(const char *sql, size_t len, struct pbuf *table,
                   struct pbuf *keys);

#endif
