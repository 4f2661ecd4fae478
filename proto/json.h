/*
 * json.h - a small JSON text writer over struct pbuf.
 *
 * The hot path of every change record: strings are escaped per RFC 8259
 * section 7 (", \ and control characters; \b \t \n \f \r and \u00xx with
 * lowercase hex, the same set MySQL's JSON printer escapes) and validated as
 * UTF-8 (RFC 3629) on the way: each ill-formed sequence is replaced by one
 * U+FFFD (the "maximal subpart" practice of Unicode 15 section 3.9), so the
 * output is always valid JSON whatever bytes come in.  Runs of bytes that
 * need no escaping are copied with memcpy.
 *
 * Numbers: integers without printf; doubles and floats as the shortest text
 * that reads back to the same bits (C17 strtod/strtof); NaN and infinities
 * have no JSON form and are written as null.
 *
 * Every writer appends to `b`; failures (growth over b->limit, no memory)
 * set the sticky b->failed and are checked once by the caller.  No function
 * here allocates anything but the pbuf's own storage.
 */
#ifndef TANDEM_PROTO_JSON_H
#define TANDEM_PROTO_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

/* Longest text json_double_repr()/json_float_repr() write, NUL included. */
#define JSON_NUM_TEXT_MAX 32

/* Appends the quoted, escaped string of the n bytes at p (UTF-8 expected;
 * ill-formed sequences become U+FFFD). */
void json_put_str(struct pbuf *b, const void *p, size_t n);

/* Same as json_put_str() for a NUL-terminated string. */
void json_put_strz(struct pbuf *b, const char *s);

/* Appends the escaped bytes without the surrounding quotes (to build one
 * string from several pieces between two json_put_raw(b, "\"", 1)). */
void json_put_str_body(struct pbuf *b, const void *p, size_t n);

/* Appends an object key and its colon: "key": */
void json_put_key(struct pbuf *b, const void *p, size_t n);

/* Same as json_put_key() for a NUL-terminated key. */
void json_put_keyz(struct pbuf *b, const char *key);

/* Integers as JSON numbers, without printf. */
void json_put_i64(struct pbuf *b, int64_t v);
void json_put_u64(struct pbuf *b, uint64_t v);

/* Appends the decimal digits of v left-padded with zeros to at least width
 * digits (at most 20; no quotes: a piece of a date or time text). */
void json_put_uint_pad(struct pbuf *b, uint64_t v, unsigned width);

/* Writes the same digits at o, which has room for 20 bytes; returns the
 * end.  No NUL. */
char *json_digits(char *o, uint64_t v, unsigned width);

/* Shortest round-trip text of v ("0.1", "3.14", "1e+100"); null when v is
 * NaN or infinite. */
void json_put_double(struct pbuf *b, double v);

/* Same for a float: "3.14" for 3.14f, not the double's 3.140000104904175. */
void json_put_float(struct pbuf *b, float v);

/* Quoted standard base64 (RFC 4648 section 4, with padding, no line
 * breaks) of the n bytes at p. */
void json_put_base64(struct pbuf *b, const void *p, size_t n);

/* The literals null, true and false. */
void json_put_null(struct pbuf *b);
void json_put_bool(struct pbuf *b, bool v);

/* Appends n bytes as they are: the caller vouches they are valid JSON. */
void json_put_raw(struct pbuf *b, const void *p, size_t n);

/*
 * Writes the shortest "%.Ng" text (N = 15..17 for a double, 6..9 for a
 * float; from 1 for subnormals) that strtod/strtof turns back into v,
 * NUL-terminated, into out[JSON_NUM_TEXT_MAX] (common doubles take a path
 * without printf that yields the same text).  Returns its length, or 0
 * when v is not finite.  Assumes the "C" LC_NUMERIC locale.
 */
size_t json_double_repr(double v, char *out);
size_t json_float_repr(float v, char *out);

/*
 * Shortest round-trip decimal digits of a finite double: the significant
 * digits (no leading or trailing zeros; "0" for zero) go to
 * digits[JSON_NUM_TEXT_MAX], NUL-terminated; *decpt is the position of the
 * decimal point relative to the first digit (v = 0.d1d2... * 10^decpt, as
 * dtoa reports it) and *neg the sign.  Returns the number of digits, or 0
 * when v is not finite.
 */
size_t json_double_digits(double v, char *digits, int *decpt, bool *neg);

/* Standard base64 of n bytes into dst, which must hold 4 * ((n + 2) / 3)
 * bytes; returns the number written.  No NUL, no line breaks. */
size_t json_base64_encode(char *dst, const uint8_t *src, size_t n);

/*
 * Length of the well-formed UTF-8 sequence at p (1..4), or 0 when the bytes
 * at p do not start one; in that case *bad is set to the length of the
 * maximal ill-formed subpart to replace by one U+FFFD (at least 1).
 */
size_t json_utf8_seq(const uint8_t *p, size_t n, size_t *bad);

/* Appends the UTF-8 encoding of code point cp (no JSON escaping); a
 * surrogate or a value above U+10FFFF is written as U+FFFD. */
void json_put_utf8_cp(struct pbuf *b, uint32_t cp);

#endif
