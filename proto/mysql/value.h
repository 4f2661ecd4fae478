/*
 * value.h - MySQL column types and decoded column values.
 *
 * The row decoder (rows.c) turns the binary row image of a binlog rows
 * event into struct mysql_value, one per column, using struct mysql_column
 * (the table map's type and metadata merged with what the schema knows:
 * names, signedness, charset, enum/set values).  The formatter (format.c)
 * turns a value into tandem's JSON conventions.  Values borrow from the
 * event bytes; they stay valid as long as those bytes do.
 */
#ifndef TANDEM_PROTO_MYSQL_VALUE_H
#define TANDEM_PROTO_MYSQL_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "proto/buf.h"

/* Column types as the binlog's TABLE_MAP writes them (field_types.h). */
enum mysql_type {
    MYT_DECIMAL = 0,      /* old DECIMAL, pre-5.0 */
    MYT_TINY = 1,
    MYT_SHORT = 2,
    MYT_LONG = 3,
    MYT_FLOAT = 4,
    MYT_DOUBLE = 5,
    MYT_NULL = 6,
    MYT_TIMESTAMP = 7,
    MYT_LONGLONG = 8,
    MYT_INT24 = 9,
    MYT_DATE = 10,
    MYT_TIME = 11,
    MYT_DATETIME = 12,
    MYT_YEAR = 13,
    MYT_NEWDATE = 14,
    MYT_VARCHAR = 15,
    MYT_BIT = 16,
    MYT_TIMESTAMP2 = 17,
    MYT_DATETIME2 = 18,
    MYT_TIME2 = 19,
    MYT_TYPED_ARRAY = 20,
    MYT_VECTOR = 242,
    MYT_INVALID = 243,
    MYT_BOOL = 244,
    MYT_JSON = 245,
    MYT_NEWDECIMAL = 246,
    MYT_ENUM = 247,
    MYT_SET = 248,
    MYT_TINY_BLOB = 249,
    MYT_MEDIUM_BLOB = 250,
    MYT_LONG_BLOB = 251,
    MYT_BLOB = 252,
    MYT_VAR_STRING = 253,
    MYT_STRING = 254,
    MYT_GEOMETRY = 255,
};

/* The binary collation id: BINARY/VARBINARY/BLOB columns carry it. */
#define MYSQL_CHARSET_BINARY 63

/*
 * One column as the row decoder needs it.  type/meta come from TABLE_MAP;
 * the rest from its optional metadata or from the schema history.
 */
struct mysql_column {
    uint8_t type;                /* enum mysql_type, as in TABLE_MAP */
    uint16_t meta;               /* TABLE_MAP per-column metadata */
    bool is_unsigned;            /* integer/decimal column is UNSIGNED */
    bool nullable;               /* TABLE_MAP null bit */
    uint16_t charset;            /* collation id; 63 = binary; 0 unknown */
    bool is_json_text;           /* MariaDB JSON (a LONGTEXT alias) */
    bool generated;              /* AS (expr): computed by the server, not
                                    written (known from the schema history
                                    only) */
    struct span name;            /* column name (borrowed), may be empty */
    const struct span *enum_values; /* ENUM or SET member names, or NULL */
    uint32_t n_enum_values;      /* entries in enum_values */
};

/* What a decoded value holds. */
enum mysql_value_kind {
    MYV_ABSENT = 0,   /* column not present in this row image */
    MYV_NULL,         /* SQL NULL */
    MYV_INT,          /* v.i: signed integer (TINY..LONGLONG, INT24) */
    MYV_UINT,         /* v.u: unsigned integer column */
    MYV_FLOAT,        /* v.f: FLOAT */
    MYV_DOUBLE,       /* v.d: DOUBLE */
    MYV_DECIMAL,      /* v.dec: decimal text with the column's scale */
    MYV_DATE,         /* v.tm: year, month, day */
    MYV_TIME,         /* v.tm: neg, hour (0..838), minute, second, usec */
    MYV_DATETIME,     /* v.tm: full date and time, usec */
    MYV_TIMESTAMP,    /* v.ts: seconds since the epoch (UTC) and usec */
    MYV_YEAR,         /* v.u: 0 or 1901..2155 */
    MYV_STRING,       /* v.bytes: text or binary string bytes */
    MYV_BIT,          /* v.u: BIT(n) value */
    MYV_ENUM,         /* v.u: 1-based member index, 0 = '' */
    MYV_SET,          /* v.u: member bitmask */
    MYV_JSON,         /* v.bytes: MySQL binary JSON */
    MYV_GEOMETRY,     /* v.bytes: SRID + WKB, as SELECT returns */
    MYV_KIND_COUNT    /* sentinel */
};

/* Longest DECIMAL text: 65 digits, sign, point, NUL. */
#define MYSQL_DECIMAL_TEXT_MAX 72

struct mysql_value {
    enum mysql_value_kind kind;  /* what v holds */
    uint8_t type;                /* column type (real type for STRING) */
    uint8_t frac;                /* fractional second digits (0..6) */
    union {
        int64_t i;               /* MYV_INT */
        uint64_t u;              /* MYV_UINT, YEAR, BIT, ENUM, SET */
        float f;                 /* MYV_FLOAT */
        double d;                /* MYV_DOUBLE */
        struct {
            char text[MYSQL_DECIMAL_TEXT_MAX]; /* "-12.340", NUL-ended */
            uint8_t len;         /* strlen(text) */
        } dec;                   /* MYV_DECIMAL */
        struct {
            bool neg;            /* TIME only: negative interval */
            uint16_t year;       /* 0..9999 */
            uint8_t month;       /* 0..12 */
            uint8_t day;         /* 0..31 */
            uint32_t hour;       /* 0..23, TIME up to 838 */
            uint8_t minute;      /* 0..59 */
            uint8_t second;      /* 0..59 */
            uint32_t usec;       /* 0..999999 */
        } tm;                    /* MYV_DATE, MYV_TIME, MYV_DATETIME */
        struct {
            int64_t sec;         /* seconds since 1970-01-01 UTC */
            uint32_t usec;       /* 0..999999 */
        } ts;                    /* MYV_TIMESTAMP */
        struct span bytes;       /* MYV_STRING, MYV_JSON, MYV_GEOMETRY */
    } v;
};

#endif
