/*
 * jsonb.h - MySQL binary JSON (the JSON column type of MySQL 5.7-9.x row
 * events) to JSON text, and MySQL partial JSON updates (the JSON diffs of
 * PARTIAL_UPDATE_ROWS_EVENT, binlog_row_value_options=PARTIAL_JSON).
 *
 * Binary format (sql-common/json_binary.cc): a document is one type byte and
 * a value.  Objects and arrays come in a small (2-byte offsets and sizes)
 * and a large (4-byte) form: element count, byte size, then for objects one
 * key entry per member (key offset, 2-byte key length), then one value
 * entry per element (type byte, then the offset of the value or, for
 * literals and 16-bit integers (and 32-bit ones in the large form), the
 * value itself), then keys and values.  Offsets count from the start of
 * the object or array.  Scalars: literal (null/true/false), int16, uint16,
 * int32, uint32, int64, uint64, double (8 bytes LE), utf8mb4 string
 * (7-bit variable-length length, then bytes) and opaque (a MySQL field
 * type byte, variable length, bytes).  An empty document is JSON null, as
 * MySQL reads it.
 *
 * Text follows what `SELECT json_col` prints (Json_wrapper::to_string):
 * keys in stored order (by length, then bytes); doubles in my_gcvt() form
 * with ".0" added to integral values ("1.0", "0.1", "1e20"); opaque
 * DECIMAL as a number with its scale ("9.00"); opaque DATE "2012-03-18",
 * DATETIME/TIMESTAMP "2012-03-18 11:30:45.000000" and TIME
 * "87:31:46.654321" as strings (always 6 fraction digits); opaque
 * VAR_STRING as a string; any other opaque as "base64:typeN:..." with a
 * newline after every 76 base64 characters, as MySQL's base64_encode
 * writes it.  Strings are escaped as MySQL escapes them, and invalid UTF-8
 * becomes U+FFFD.  Separators are "," and ":" (JSONB_COMPACT) or ", " and
 * ": " (JSONB_MYSQL_SPACING, byte-for-byte MySQL's text).
 *
 * Nesting deeper than JSONB_MAX_DEPTH (MySQL's JSON_DOCUMENT_MAX_DEPTH) is
 * refused; every offset and length is checked against the bytes given, so
 * malformed input yields an error, never a read outside them.
 */
#ifndef TANDEM_PROTO_MYSQL_JSONB_H
#define TANDEM_PROTO_MYSQL_JSONB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

/* Deepest nesting of arrays and objects accepted. */
#define JSONB_MAX_DEPTH 100

/* Output flags. */
#define JSONB_COMPACT 0x0          /* "," and ":" */
#define JSONB_MYSQL_SPACING 0x1    /* ", " and ": " like SELECT prints */

/* JSON diff operations (enum_json_diff_operation, sql/json_diff.h). */
enum jsonb_diff_op {
    JSONB_DIFF_REPLACE = 0,  /* replace the value at path */
    JSONB_DIFF_INSERT = 1,   /* insert a member or an array element */
    JSONB_DIFF_REMOVE = 2,   /* remove the value at path */
    JSONB_DIFF_OP_COUNT      /* sentinel */
};

const char *jsonb_diff_op_name(enum jsonb_diff_op op);

/* Why a decode failed. */
struct jsonb_error {
    const char *reason;  /* static text, NULL when there was no error */
    size_t offset;       /* offset in the bytes being read when it failed */
};

/*
 * Appends the JSON text of the binary JSON document doc[0..len) to out.
 * flags: JSONB_COMPACT or JSONB_MYSQL_SPACING.  Returns 0, or
 * -PROTO_EMALFORMED (bad offsets, types, lengths), -PROTO_ELIMIT (nested
 * deeper than JSONB_MAX_DEPTH) or -PROTO_ENOMEM (out failed) with err
 * filled (err may be NULL); on error out is left as it was on entry.
 * Allocates nothing but out's storage.
 */
int jsonb_to_json(struct pbuf *out, const uint8_t *doc, size_t len,
                  unsigned flags, struct jsonb_error *err);

/* One node of the partially expanded document (see jsonb.c). */
struct jsonb_node;

/*
 * Scratch memory for jsonb_apply_diffs(), reused across calls so that a
 * warm context allocates nothing.  A zeroed struct is valid;
 * jsonb_tree_free() releases it.
 */
struct jsonb_tree {
    struct jsonb_node *nodes;  /* owned array of nodes */
    uint32_t n_nodes;          /* nodes in use */
    uint32_t cap_nodes;        /* nodes allocated */
    uint8_t *keys;             /* owned: member names decoded from paths */
    size_t keys_len;           /* bytes in use */
    size_t keys_cap;           /* bytes allocated */
};

void jsonb_tree_free(struct jsonb_tree *t);

/*
 * Applies a JSON diff vector to the binary document before[0..before_len)
 * and appends the resulting document as JSON text to out (flags as for
 * jsonb_to_json()).
 *
 * diffs[0..diffs_len) is the body of a Json_diff_vector as MySQL 8.0 writes
 * it in a partial JSON column of PARTIAL_UPDATE_ROWS_EVENT, i.e. the bytes
 * after the column's 4-byte little-endian length (Json_diff_vector::
 * write_binary, sql/json_diff.cc): zero or more diffs, each
 *     operation       1 byte (0 REPLACE, 1 INSERT, 2 REMOVE)
 *     path length     length-encoded integer (net_field_length)
 *     path            MySQL JSON path text, e.g. $.a[2]."b c"[last-1]
 *     value length    length-encoded integer      } not for REMOVE
 *     value           binary JSON document        }
 * Semantics are those of apply_json_diffs() in the same file: a path of
 * member and array-cell legs only, no auto-wrapping; REPLACE needs the path
 * to exist; INSERT needs the parent to exist and adds a member (that must
 * not exist) or inserts into an array at the index, clamped to its size;
 * REMOVE needs the member or element to exist; a diff on the root is
 * refused.  A refused diff is an error: the before image does not match
 * the change the server logged.
 *
 * Returns 0, -PROTO_EMALFORMED (bad diff or document, path not found,
 * refused diff), -PROTO_EUNSUPPORTED (wildcard or range path),
 * -PROTO_ELIMIT (nesting) or -PROTO_ENOMEM, with err filled (may be
 * NULL); on error out is left as it was on entry.  The before image must
 * be the full document: with binlog_row_image=MINIMAL the before image
 * does not carry the JSON column and the after value cannot be rebuilt.
 */
int jsonb_apply_diffs(struct pbuf *out, const uint8_t *before,
                      size_t before_len, const uint8_t *diffs,
                      size_t diffs_len, unsigned flags, struct jsonb_tree *t,
                      struct jsonb_error *err);

#endif
