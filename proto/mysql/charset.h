/*
 * charset.h - MySQL/MariaDB collation ids, their character sets, and
 * conversion of column text to UTF-8.
 *
 * Collation ids are those of `SHOW COLLATION` in MySQL 5.7-8.4 (1..323) and
 * MariaDB 10.x/11.x (the same low ids, plus 576..738, the NO PAD
 * collations at id + 1024, and the UCA 14.0 collations at 2048..3327 whose
 * block of 256 ids names the character set).  The two servers never give
 * one id two different character sets.
 *
 * Conversion rules:
 * - utf8mb3, utf8mb4: copied, ill-formed sequences replaced (U+FFFD).
 * - single-byte sets (latin1 ... tis620, ascii): 128-entry tables of the
 *   upper half (plus the lower half of swe7), taken from what MariaDB 10.11
 *   itself returns for CONVERT(x USING utf32), byte by byte.  Note where
 *   they differ from Python's codecs of the same name: MySQL latin1 is
 *   cp1252 with 0x81 0x8d 0x8f 0x90 0x9d mapped to U+0081 ...; greek maps
 *   0xa1/0xa2 to U+02BD/U+02BC and lacks 0xa4 0xa5 0xaa; hebrew 0xaf is
 *   U+203E; koi8u 0x95 is U+2022; cp866 0xfc/0xfd are U+207F/U+00B2; cp1256
 *   lacks 8 of Windows' letters.  Bytes the server cannot map (it prints
 *   '?') become U+FFFD.
 * - ucs2, utf16 (big-endian), utf16le, utf32 (big-endian): decoded;
 *   unpaired surrogates, values above U+10FFFF and a trailing partial unit
 *   become U+FFFD.
 * - multi-byte CJK sets: characters are delimited by the server's own
 *   lead/trail byte rules (a byte that cannot start or end a character is
 *   one U+FFFD), ASCII bytes are copied, and other characters are decoded
 *   with glibc iconv(3): gbk=GBK, gb2312=EUC-CN, euckr=CP949, cp932=CP932,
 *   eucjpms=EUC-JP-MS, ujis=EUC-JP-MS, sjis=SJIS, big5=BIG5, gb18030=
 *   GB18030.  Every 1- and 2-byte code (and 3-byte for ujis/eucjpms) was
 *   compared with MariaDB 10.11: gbk, gb2312, euckr, cp932, eucjpms match
 *   exactly; where big5 (267 codes), ujis (9) and sjis (1) differ, a small
 *   override table gives the server's mapping.  gb18030 (MySQL only) was
 *   not compared.  A character iconv rejects becomes U+FFFD.  iconv
 *   descriptors are opened once per character set and kept in the
 *   caller's struct mysql_charset_cache.
 */
#ifndef TANDEM_PROTO_MYSQL_CHARSET_H
#define TANDEM_PROTO_MYSQL_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/buf.h"

/* X(enum suffix, MySQL name) in enum order. */
#define MYSQL_CHARSETS(X) \
    X(UNKNOWN, "unknown") \
    X(BINARY, "binary") \
    X(UTF8MB3, "utf8mb3") \
    X(UTF8MB4, "utf8mb4") \
    X(ASCII, "ascii") \
    X(LATIN1, "latin1") \
    X(LATIN2, "latin2") \
    X(LATIN5, "latin5") \
    X(LATIN7, "latin7") \
    X(CP1250, "cp1250") \
    X(CP1251, "cp1251") \
    X(CP1256, "cp1256") \
    X(CP1257, "cp1257") \
    X(KOI8R, "koi8r") \
    X(KOI8U, "koi8u") \
    X(GREEK, "greek") \
    X(HEBREW, "hebrew") \
    X(CP850, "cp850") \
    X(CP852, "cp852") \
    X(CP866, "cp866") \
    X(SWE7, "swe7") \
    X(DEC8, "dec8") \
    X(HP8, "hp8") \
    X(KEYBCS2, "keybcs2") \
    X(MACCE, "macce") \
    X(MACROMAN, "macroman") \
    X(ARMSCII8, "armscii8") \
    X(GEOSTD8, "geostd8") \
    X(TIS620, "tis620") \
    X(UCS2, "ucs2") \
    X(UTF16, "utf16") \
    X(UTF16LE, "utf16le") \
    X(UTF32, "utf32") \
    X(GBK, "gbk") \
    X(BIG5, "big5") \
    X(SJIS, "sjis") \
    X(UJIS, "ujis") \
    X(EUCKR, "euckr") \
    X(GB2312, "gb2312") \
    X(GB18030, "gb18030") \
    X(CP932, "cp932") \
    X(EUCJPMS, "eucjpms")

#define MYSQL_CHARSET_ENUM_(name, text) MYCS_##name,
enum mysql_charset {
    MYSQL_CHARSETS(MYSQL_CHARSET_ENUM_)
    MYCS_COUNT   /* sentinel */
};
#undef MYSQL_CHARSET_ENUM_

/* "latin1", "utf8mb4"... ("unknown" for MYCS_UNKNOWN or out of range). */
const char *mysql_charset_name(enum mysql_charset cs);

/* Character set of a collation id; MYCS_UNKNOWN when the id is unknown
 * (including 0).  63 is MYCS_BINARY. */
enum mysql_charset mysql_charset_of_collation(unsigned collation_id);

/* True when text of cs is already UTF-8 (utf8mb3, utf8mb4: copied with
 * validation only). */
bool mysql_charset_is_utf8(enum mysql_charset cs);

/*
 * iconv descriptors, opened on first use of each multi-byte set and reused.
 * A zeroed struct is a valid empty cache; mysql_charset_cache_free()
 * closes what was opened and leaves it zeroed.
 */
struct mysql_charset_cache {
    void *cd[MYCS_COUNT];        /* iconv_t per set, NULL until opened */
    bool failed[MYCS_COUNT];     /* iconv_open failed for this set */
};

void mysql_charset_cache_free(struct mysql_charset_cache *c);

/*
 * Appends the UTF-8 form of the n bytes at p, text of character set cs, to
 * out.  The output is always well-formed UTF-8 (no JSON escaping).
 * Returns 0, -PROTO_EUNSUPPORTED when cs is MYCS_UNKNOWN or MYCS_BINARY or
 * its iconv converter cannot be opened, or -PROTO_ENOMEM when out failed.
 * cache may be NULL when cs needs no iconv.
 */
int mysql_charset_to_utf8(struct pbuf *out, enum mysql_charset cs,
                          const uint8_t *p, size_t n,
                          struct mysql_charset_cache *cache);

/* True when no byte of p[0..n) has its top bit set. */
bool mysql_ascii_only(const uint8_t *p, size_t n);

/* True when bytes 0x00..0x7f of cs are ASCII and stand alone (UTF-8,
 * the single-byte sets but swe7, the multi-byte CJK sets): an all-ASCII
 * string needs no conversion. */
bool mysql_charset_ascii_compatible(enum mysql_charset cs);

#endif
