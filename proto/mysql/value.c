/*
 * value.c - names of column types and value kinds (see value.h), for
 * messages.
 */
#include "proto/mysql/value.h"

const char *
mysql_type_name(unsigned type)
{
    switch (type) {
    case MYT_DECIMAL: return "DECIMAL";
    case MYT_TINY: return "TINY";
    case MYT_SHORT: return "SHORT";
    case MYT_LONG: return "LONG";
    case MYT_FLOAT: return "FLOAT";
    case MYT_DOUBLE: return "DOUBLE";
    case MYT_NULL: return "NULL";
    case MYT_TIMESTAMP: return "TIMESTAMP";
    case MYT_LONGLONG: return "LONGLONG";
    case MYT_INT24: return "INT24";
    case MYT_DATE: return "DATE";
    case MYT_TIME: return "TIME";
    case MYT_DATETIME: return "DATETIME";
    case MYT_YEAR: return "YEAR";
    case MYT_NEWDATE: return "NEWDATE";
    case MYT_VARCHAR: return "VARCHAR";
    case MYT_BIT: return "BIT";
    case MYT_TIMESTAMP2: return "TIMESTAMP2";
    case MYT_DATETIME2: return "DATETIME2";
    case MYT_TIME2: return "TIME2";
    case MYT_TYPED_ARRAY: return "TYPED_ARRAY";
    case MYT_VECTOR: return "VECTOR";
    case MYT_INVALID: return "INVALID";
    case MYT_BOOL: return "BOOL";
    case MYT_JSON: return "JSON";
    case MYT_NEWDECIMAL: return "NEWDECIMAL";
    case MYT_ENUM: return "ENUM";
    case MYT_SET: return "SET";
    case MYT_TINY_BLOB: return "TINY_BLOB";
    case MYT_MEDIUM_BLOB: return "MEDIUM_BLOB";
    case MYT_LONG_BLOB: return "LONG_BLOB";
    case MYT_BLOB: return "BLOB";
    case MYT_VAR_STRING: return "VAR_STRING";
    case MYT_STRING: return "STRING";
    case MYT_GEOMETRY: return "GEOMETRY";
    default: return "UNKNOWN";
    }
}

const char *
mysql_value_kind_name(enum mysql_value_kind k)
{
    static const char *const names[MYV_KIND_COUNT] = {
        "ABSENT", "NULL", "INT", "UINT", "FLOAT", "DOUBLE", "DECIMAL",
        "DATE", "TIME", "DATETIME", "TIMESTAMP", "YEAR", "STRING", "BIT",
        "ENUM", "SET", "JSON", "GEOMETRY",
    };

    return (unsigned)k < MYV_KIND_COUNT ? names[k] : "?";
}
