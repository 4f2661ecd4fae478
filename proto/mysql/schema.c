/*
 * schema.c - the schema history: table definitions as of the current binlog
 * position, built from information_schema rows at start-up and moved
 * forward by the DDL of QUERY events (parsed by ddl.c).
 *
 * Tables live in a hash keyed by (database, name) under the server's
 * lower_case_table_names rule; temporary tables in a per-session list that
 * lookups for TABLE_MAPs never see.  Every change bumps a schema-wide
 * version that the changed table records.  ALTER TABLE works on a copy that
 * replaces the original only when every specification applied, so a
 * statement that fails half-way leaves no half-altered table behind: the
 * original is marked unknown instead.
 *
 * Collations: the built-in table holds MySQL 8.4's and MariaDB 11.4's ids
 * below 1024 (the two agree except for MySQL's utf8mb4_*_0900_* and
 * gb18030 collations and the *_croatian_ci names); MariaDB's NO PAD ids
 * (name with _nopad, id + 1024) and UCA 14.0.0 ids (2048 + charset * 256 +
 * tailoring * 8 + flags) are computed.  Collations the server reports at
 * run time (schema_add_collation) take precedence.
 */
#include "proto/mysql/schema.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- built-in collations ---- */

#define CF_MY 1                   /* MySQL knows this id and name */
#define CF_MA 2                   /* MariaDB knows this id and name */
#define CF_B  3                   /* both */

struct coll_def {
    uint16_t id;                  /* collation id */
    uint8_t flavors;              /* CF_* */
    const char *name;             /* collation name (utf8mb3 spelling) */
};

static const struct coll_def coll_defs[] = {
    {1, CF_B, "big5_chinese_ci"}, {2, CF_B, "latin2_czech_cs"},
    {3, CF_B, "dec8_swedish_ci"}, {4, CF_B, "cp850_general_ci"},
    {5, CF_B, "latin1_german1_ci"}, {6, CF_B, "hp8_english_ci"},
    {7, CF_B, "koi8r_general_ci"}, {8, CF_B, "latin1_swedish_ci"},
    {9, CF_B, "latin2_general_ci"}, {10, CF_B, "swe7_swedish_ci"},
    {11, CF_B, "ascii_general_ci"}, {12, CF_B, "ujis_japanese_ci"},
    {13, CF_B, "sjis_japanese_ci"}, {14, CF_B, "cp1251_bulgarian_ci"},
    {15, CF_B, "latin1_danish_ci"}, {16, CF_B, "hebrew_general_ci"},
    {18, CF_B, "tis620_thai_ci"}, {19, CF_B, "euckr_korean_ci"},
    {20, CF_B, "latin7_estonian_cs"}, {21, CF_B, "latin2_hungarian_ci"},
    {22, CF_B, "koi8u_general_ci"}, {23, CF_B, "cp1251_ukrainian_ci"},
    {24, CF_B, "gb2312_chinese_ci"}, {25, CF_B, "greek_general_ci"},
    {26, CF_B, "cp1250_general_ci"}, {27, CF_B, "latin2_croatian_ci"},
    {28, CF_B, "gbk_chinese_ci"}, {29, CF_B, "cp1257_lithuanian_ci"},
    {30, CF_B, "latin5_turkish_ci"}, {31, CF_B, "latin1_german2_ci"},
    {32, CF_B, "armscii8_general_ci"}, {33, CF_B, "utf8mb3_general_ci"},
    {34, CF_B, "cp1250_czech_cs"}, {35, CF_B, "ucs2_general_ci"},
    {36, CF_B, "cp866_general_ci"}, {37, CF_B, "keybcs2_general_ci"},
    {38, CF_B, "macce_general_ci"}, {39, CF_B, "macroman_general_ci"},
    {40, CF_B, "cp852_general_ci"}, {41, CF_B, "latin7_general_ci"},
    {42, CF_B, "latin7_general_cs"}, {43, CF_B, "macce_bin"},
    {44, CF_B, "cp1250_croatian_ci"}, {45, CF_B, "utf8mb4_general_ci"},
    {46, CF_B, "utf8mb4_bin"}, {47, CF_B, "latin1_bin"},
    {48, CF_B, "latin1_general_ci"}, {49, CF_B, "latin1_general_cs"},
    {50, CF_B, "cp1251_bin"}, {51, CF_B, "cp1251_general_ci"},
    {52, CF_B, "cp1251_general_cs"}, {53, CF_B, "macroman_bin"},
    {54, CF_B, "utf16_general_ci"}, {55, CF_B, "utf16_bin"},
    {56, CF_B, "utf16le_general_ci"}, {57, CF_B, "cp1256_general_ci"},
    {58, CF_B, "cp1257_bin"}, {59, CF_B, "cp1257_general_ci"},
    {60, CF_B, "utf32_general_ci"}, {61, CF_B, "utf32_bin"},
    {62, CF_B, "utf16le_bin"}, {63, CF_B, "binary"},
    {64, CF_B, "armscii8_bin"}, {65, CF_B, "ascii_bin"},
    {66, CF_B, "cp1250_bin"}, {67, CF_B, "cp1256_bin"},
    {68, CF_B, "cp866_bin"}, {69, CF_B, "dec8_bin"}, {70, CF_B, "greek_bin"},
    {71, CF_B, "hebrew_bin"}, {72, CF_B, "hp8_bin"}, {73, CF_B, "keybcs2_bin"},
    {74, CF_B, "koi8r_bin"}, {75, CF_B, "koi8u_bin"},
    {76, CF_MY, "utf8mb3_tolower_ci"}, {77, CF_B, "latin2_bin"},
    {78, CF_B, "latin5_bin"}, {79, CF_B, "latin7_bin"},
    {80, CF_B, "cp850_bin"}, {81, CF_B, "cp852_bin"}, {82, CF_B, "swe7_bin"},
    {83, CF_B, "utf8mb3_bin"}, {84, CF_B, "big5_bin"}, {85, CF_B, "euckr_bin"},
    {86, CF_B, "gb2312_bin"}, {87, CF_B, "gbk_bin"}, {88, CF_B, "sjis_bin"},
    {89, CF_B, "tis620_bin"}, {90, CF_B, "ucs2_bin"}, {91, CF_B, "ujis_bin"},
    {92, CF_B, "geostd8_general_ci"}, {93, CF_B, "geostd8_bin"},
    {94, CF_B, "latin1_spanish_ci"}, {95, CF_B, "cp932_japanese_ci"},
    {96, CF_B, "cp932_bin"}, {97, CF_B, "eucjpms_japanese_ci"},
    {98, CF_B, "eucjpms_bin"}, {99, CF_B, "cp1250_polish_ci"},
    {101, CF_B, "utf16_unicode_ci"}, {102, CF_B, "utf16_icelandic_ci"},
    {103, CF_B, "utf16_latvian_ci"}, {104, CF_B, "utf16_romanian_ci"},
    {105, CF_B, "utf16_slovenian_ci"}, {106, CF_B, "utf16_polish_ci"},
    {107, CF_B, "utf16_estonian_ci"}, {108, CF_B, "utf16_spanish_ci"},
    {109, CF_B, "utf16_swedish_ci"}, {110, CF_B, "utf16_turkish_ci"},
    {111, CF_B, "utf16_czech_ci"}, {112, CF_B, "utf16_danish_ci"},
    {113, CF_B, "utf16_lithuanian_ci"}, {114, CF_B, "utf16_slovak_ci"},
    {115, CF_B, "utf16_spanish2_ci"}, {116, CF_B, "utf16_roman_ci"},
    {117, CF_B, "utf16_persian_ci"}, {118, CF_B, "utf16_esperanto_ci"},
    {119, CF_B, "utf16_hungarian_ci"}, {120, CF_B, "utf16_sinhala_ci"},
    {121, CF_B, "utf16_german2_ci"}, {122, CF_MY, "utf16_croatian_ci"},
    {122, CF_MA, "utf16_croatian_mysql561_ci"},
    {123, CF_B, "utf16_unicode_520_ci"}, {124, CF_B, "utf16_vietnamese_ci"},
    {128, CF_B, "ucs2_unicode_ci"}, {129, CF_B, "ucs2_icelandic_ci"},
    {130, CF_B, "ucs2_latvian_ci"}, {131, CF_B, "ucs2_romanian_ci"},
    {132, CF_B, "ucs2_slovenian_ci"}, {133, CF_B, "ucs2_polish_ci"},
    {134, CF_B, "ucs2_estonian_ci"}, {135, CF_B, "ucs2_spanish_ci"},
    {136, CF_B, "ucs2_swedish_ci"}, {137, CF_B, "ucs2_turkish_ci"},
    {138, CF_B, "ucs2_czech_ci"}, {139, CF_B, "ucs2_danish_ci"},
    {140, CF_B, "ucs2_lithuanian_ci"}, {141, CF_B, "ucs2_slovak_ci"},
    {142, CF_B, "ucs2_spanish2_ci"}, {143, CF_B, "ucs2_roman_ci"},
    {144, CF_B, "ucs2_persian_ci"}, {145, CF_B, "ucs2_esperanto_ci"},
    {146, CF_B, "ucs2_hungarian_ci"}, {147, CF_B, "ucs2_sinhala_ci"},
    {148, CF_B, "ucs2_german2_ci"}, {149, CF_MY, "ucs2_croatian_ci"},
    {149, CF_MA, "ucs2_croatian_mysql561_ci"},
    {150, CF_B, "ucs2_unicode_520_ci"}, {151, CF_B, "ucs2_vietnamese_ci"},
    {159, CF_B, "ucs2_general_mysql500_ci"}, {160, CF_B, "utf32_unicode_ci"},
    {161, CF_B, "utf32_icelandic_ci"}, {162, CF_B, "utf32_latvian_ci"},
    {163, CF_B, "utf32_romanian_ci"}, {164, CF_B, "utf32_slovenian_ci"},
    {165, CF_B, "utf32_polish_ci"}, {166, CF_B, "utf32_estonian_ci"},
    {167, CF_B, "utf32_spanish_ci"}, {168, CF_B, "utf32_swedish_ci"},
    {169, CF_B, "utf32_turkish_ci"}, {170, CF_B, "utf32_czech_ci"},
    {171, CF_B, "utf32_danish_ci"}, {172, CF_B, "utf32_lithuanian_ci"},
    {173, CF_B, "utf32_slovak_ci"}, {174, CF_B, "utf32_spanish2_ci"},
    {175, CF_B, "utf32_roman_ci"}, {176, CF_B, "utf32_persian_ci"},
    {177, CF_B, "utf32_esperanto_ci"}, {178, CF_B, "utf32_hungarian_ci"},
    {179, CF_B, "utf32_sinhala_ci"}, {180, CF_B, "utf32_german2_ci"},
    {181, CF_MY, "utf32_croatian_ci"},
    {181, CF_MA, "utf32_croatian_mysql561_ci"},
    {182, CF_B, "utf32_unicode_520_ci"}, {183, CF_B, "utf32_vietnamese_ci"},
    {192, CF_B, "utf8mb3_unicode_ci"}, {193, CF_B, "utf8mb3_icelandic_ci"},
    {194, CF_B, "utf8mb3_latvian_ci"}, {195, CF_B, "utf8mb3_romanian_ci"},
    {196, CF_B, "utf8mb3_slovenian_ci"}, {197, CF_B, "utf8mb3_polish_ci"},
    {198, CF_B, "utf8mb3_estonian_ci"}, {199, CF_B, "utf8mb3_spanish_ci"},
    {200, CF_B, "utf8mb3_swedish_ci"}, {201, CF_B, "utf8mb3_turkish_ci"},
    {202, CF_B, "utf8mb3_czech_ci"}, {203, CF_B, "utf8mb3_danish_ci"},
    {204, CF_B, "utf8mb3_lithuanian_ci"}, {205, CF_B, "utf8mb3_slovak_ci"},
    {206, CF_B, "utf8mb3_spanish2_ci"}, {207, CF_B, "utf8mb3_roman_ci"},
    {208, CF_B, "utf8mb3_persian_ci"}, {209, CF_B, "utf8mb3_esperanto_ci"},
    {210, CF_B, "utf8mb3_hungarian_ci"}, {211, CF_B, "utf8mb3_sinhala_ci"},
    {212, CF_B, "utf8mb3_german2_ci"}, {213, CF_MY, "utf8mb3_croatian_ci"},
    {213, CF_MA, "utf8mb3_croatian_mysql561_ci"},
    {214, CF_B, "utf8mb3_unicode_520_ci"},
    {215, CF_B, "utf8mb3_vietnamese_ci"},
    {223, CF_B, "utf8mb3_general_mysql500_ci"},
    {224, CF_B, "utf8mb4_unicode_ci"}, {225, CF_B, "utf8mb4_icelandic_ci"},
    {226, CF_B, "utf8mb4_latvian_ci"}, {227, CF_B, "utf8mb4_romanian_ci"},
    {228, CF_B, "utf8mb4_slovenian_ci"}, {229, CF_B, "utf8mb4_polish_ci"},
    {230, CF_B, "utf8mb4_estonian_ci"}, {231, CF_B, "utf8mb4_spanish_ci"},
    {232, CF_B, "utf8mb4_swedish_ci"}, {233, CF_B, "utf8mb4_turkish_ci"},
    {234, CF_B, "utf8mb4_czech_ci"}, {235, CF_B, "utf8mb4_danish_ci"},
    {236, CF_B, "utf8mb4_lithuanian_ci"}, {237, CF_B, "utf8mb4_slovak_ci"},
    {238, CF_B, "utf8mb4_spanish2_ci"}, {239, CF_B, "utf8mb4_roman_ci"},
    {240, CF_B, "utf8mb4_persian_ci"}, {241, CF_B, "utf8mb4_esperanto_ci"},
    {242, CF_B, "utf8mb4_hungarian_ci"}, {243, CF_B, "utf8mb4_sinhala_ci"},
    {244, CF_B, "utf8mb4_german2_ci"}, {245, CF_MY, "utf8mb4_croatian_ci"},
    {245, CF_MA, "utf8mb4_croatian_mysql561_ci"},
    {246, CF_B, "utf8mb4_unicode_520_ci"},
    {247, CF_B, "utf8mb4_vietnamese_ci"}, {248, CF_MY, "gb18030_chinese_ci"},
    {249, CF_MY, "gb18030_bin"}, {250, CF_MY, "gb18030_unicode_520_ci"},
    {255, CF_MY, "utf8mb4_0900_ai_ci"},
    {256, CF_MY, "utf8mb4_de_pb_0900_ai_ci"},
    {257, CF_MY, "utf8mb4_is_0900_ai_ci"},
    {258, CF_MY, "utf8mb4_lv_0900_ai_ci"},
    {259, CF_MY, "utf8mb4_ro_0900_ai_ci"},
    {260, CF_MY, "utf8mb4_sl_0900_ai_ci"},
    {261, CF_MY, "utf8mb4_pl_0900_ai_ci"},
    {262, CF_MY, "utf8mb4_et_0900_ai_ci"},
    {263, CF_MY, "utf8mb4_es_0900_ai_ci"},
    {264, CF_MY, "utf8mb4_sv_0900_ai_ci"},
    {265, CF_MY, "utf8mb4_tr_0900_ai_ci"},
    {266, CF_MY, "utf8mb4_cs_0900_ai_ci"},
    {267, CF_MY, "utf8mb4_da_0900_ai_ci"},
    {268, CF_MY, "utf8mb4_lt_0900_ai_ci"},
    {269, CF_MY, "utf8mb4_sk_0900_ai_ci"},
    {270, CF_MY, "utf8mb4_es_trad_0900_ai_ci"},
    {271, CF_MY, "utf8mb4_la_0900_ai_ci"},
    {273, CF_MY, "utf8mb4_eo_0900_ai_ci"},
    {274, CF_MY, "utf8mb4_hu_0900_ai_ci"},
    {275, CF_MY, "utf8mb4_hr_0900_ai_ci"},
    {277, CF_MY, "utf8mb4_vi_0900_ai_ci"}, {278, CF_MY, "utf8mb4_0900_as_cs"},
    {279, CF_MY, "utf8mb4_de_pb_0900_as_cs"},
    {280, CF_MY, "utf8mb4_is_0900_as_cs"},
    {281, CF_MY, "utf8mb4_lv_0900_as_cs"},
    {282, CF_MY, "utf8mb4_ro_0900_as_cs"},
    {283, CF_MY, "utf8mb4_sl_0900_as_cs"},
    {284, CF_MY, "utf8mb4_pl_0900_as_cs"},
    {285, CF_MY, "utf8mb4_et_0900_as_cs"},
    {286, CF_MY, "utf8mb4_es_0900_as_cs"},
    {287, CF_MY, "utf8mb4_sv_0900_as_cs"},
    {288, CF_MY, "utf8mb4_tr_0900_as_cs"},
    {289, CF_MY, "utf8mb4_cs_0900_as_cs"},
    {290, CF_MY, "utf8mb4_da_0900_as_cs"},
    {291, CF_MY, "utf8mb4_lt_0900_as_cs"},
    {292, CF_MY, "utf8mb4_sk_0900_as_cs"},
    {293, CF_MY, "utf8mb4_es_trad_0900_as_cs"},
    {294, CF_MY, "utf8mb4_la_0900_as_cs"},
    {296, CF_MY, "utf8mb4_eo_0900_as_cs"},
    {297, CF_MY, "utf8mb4_hu_0900_as_cs"},
    {298, CF_MY, "utf8mb4_hr_0900_as_cs"},
    {300, CF_MY, "utf8mb4_vi_0900_as_cs"},
    {303, CF_MY, "utf8mb4_ja_0900_as_cs"},
    {304, CF_MY, "utf8mb4_ja_0900_as_cs_ks"},
    {305, CF_MY, "utf8mb4_0900_as_ci"}, {306, CF_MY, "utf8mb4_ru_0900_ai_ci"},
    {307, CF_MY, "utf8mb4_ru_0900_as_cs"},
    {308, CF_MY, "utf8mb4_zh_0900_as_cs"}, {309, CF_MY, "utf8mb4_0900_bin"},
    {310, CF_MY, "utf8mb4_nb_0900_ai_ci"},
    {311, CF_MY, "utf8mb4_nb_0900_as_cs"},
    {312, CF_MY, "utf8mb4_nn_0900_ai_ci"},
    {313, CF_MY, "utf8mb4_nn_0900_as_cs"},
    {314, CF_MY, "utf8mb4_sr_latn_0900_ai_ci"},
    {315, CF_MY, "utf8mb4_sr_latn_0900_as_cs"},
    {316, CF_MY, "utf8mb4_bs_0900_ai_ci"},
    {317, CF_MY, "utf8mb4_bs_0900_as_cs"},
    {318, CF_MY, "utf8mb4_bg_0900_ai_ci"},
    {319, CF_MY, "utf8mb4_bg_0900_as_cs"},
    {320, CF_MY, "utf8mb4_gl_0900_ai_ci"},
    {321, CF_MY, "utf8mb4_gl_0900_as_cs"},
    {322, CF_MY, "utf8mb4_mn_cyrl_0900_ai_ci"},
    {323, CF_MY, "utf8mb4_mn_cyrl_0900_as_cs"},
    {576, CF_MA, "utf8mb3_croatian_ci"}, {577, CF_MA, "utf8mb3_myanmar_ci"},
    {578, CF_MA, "utf8mb3_thai_520_w2"}, {608, CF_MA, "utf8mb4_croatian_ci"},
    {609, CF_MA, "utf8mb4_myanmar_ci"}, {610, CF_MA, "utf8mb4_thai_520_w2"},
    {640, CF_MA, "ucs2_croatian_ci"}, {641, CF_MA, "ucs2_myanmar_ci"},
    {642, CF_MA, "ucs2_thai_520_w2"}, {672, CF_MA, "utf16_croatian_ci"},
    {673, CF_MA, "utf16_myanmar_ci"}, {674, CF_MA, "utf16_thai_520_w2"},
    {736, CF_MA, "utf32_croatian_ci"}, {737, CF_MA, "utf32_myanmar_ci"},
    {738, CF_MA, "utf32_thai_520_w2"},
};

/* Default collation of each charset (information_schema.CHARACTER_SETS). */
struct charset_def {
    const char *name;             /* charset */
    uint16_t id;                  /* default collation; utf8mb4 by flavor */
};

static const struct charset_def charset_defs[] = {
    {"armscii8", 32}, {"ascii", 11},    {"big5", 1},      {"binary", 63},
    {"cp1250", 26},   {"cp1251", 51},   {"cp1256", 57},   {"cp1257", 59},
    {"cp850", 4},     {"cp852", 40},    {"cp866", 36},    {"cp932", 95},
    {"dec8", 3},      {"eucjpms", 97},  {"euckr", 19},    {"gb18030", 248},
    {"gb2312", 24},   {"gbk", 28},      {"geostd8", 92},  {"greek", 25},
    {"hebrew", 16},   {"hp8", 6},       {"keybcs2", 37},  {"koi8r", 7},
    {"koi8u", 22},    {"latin1", 8},    {"latin2", 9},    {"latin5", 30},
    {"latin7", 41},   {"macce", 38},    {"macroman", 39}, {"sjis", 13},
    {"swe7", 10},     {"tis620", 18},   {"ucs2", 35},     {"ujis", 12},
    {"utf16", 54},    {"utf16le", 56},  {"utf32", 60},    {"utf8mb3", 33},
    {"utf8mb4", 45},
};

/* MariaDB UCA 14.0.0 tailorings, by their index in the collation id. */
static const char *const uca1400_tailorings[25] = {
    "", "icelandic", "latvian", "romanian", "slovenian", "polish",
    "estonian", "spanish", "swedish", "turkish", "czech", "danish",
    "lithuanian", "slovak", "spanish2", "roman", "persian", "esperanto",
    "hungarian", "sinhala", "german2", NULL, NULL, "vietnamese", "croatian",
};

/* Charsets of the UCA 14.0.0 ids: id >> 8. */
static const char *const uca1400_charsets[5] = {
    "utf8mb3", "utf8mb4", "ucs2", "utf16", "utf32",
};

/* ---- the schema ---- */

struct schema_db {
    char *name;                   /* owned database name */
    uint16_t collation;           /* default collation, 0 unknown */
};

struct named_id {
    char *name;                   /* owned, lower-case */
    uint16_t id;                  /* collation id */
};

struct schema {
    enum schema_flavor flavor;    /* server family */
    int lctn;                     /* lower_case_table_names */
    uint16_t server_collation;    /* collation_server default */
    uint64_t version;             /* bumped on every change */
    struct schema_db *dbs;        /* known databases (owned) */
    size_t ndbs;                  /* entries in dbs */
    size_t capdbs;                /* allocated entries */
    struct schema_table **buckets; /* hash of real tables */
    size_t nbuckets;              /* power of two */
    size_t ntables;               /* real tables */
    struct schema_table *temps;   /* temporary tables, newest first */
    size_t ntemps;                /* entries in temps */
    struct named_id *colls;       /* server collations (owned) */
    size_t ncolls;                /* entries in colls */
    size_t capcolls;              /* allocated entries */
    struct named_id *csdefs;      /* charset default overrides (owned) */
    size_t ncsdefs;               /* entries in csdefs */
    size_t capcsdefs;             /* allocated entries */
    struct ddl_stmt stmt;         /* parse tree of the current statement */
};

static const char *const flavor_names[SCHEMA_FLAVOR_COUNT] = {
    "mysql", "mysql57", "mariadb",
};

const char *
schema_flavor_name(enum schema_flavor f)
{
    return (unsigned)f < SCHEMA_FLAVOR_COUNT ? flavor_names[f] : "unknown";
}

static int seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
seterr(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err != NULL && errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static char
lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char *
xstrndup(const char *p, size_t n)
{
    char *d = malloc(n + 1);

    if (d != NULL) {
        if (n > 0) {
            memcpy(d, p, n);
        }
        d[n] = '\0';
    }
    return d;
}

static char *
xstrdup(const char *p)
{
    return xstrndup(p, strlen(p));
}

/* Case-insensitive (ASCII) comparison of NUL-terminated a with b[0..n). */
static bool
ieq_n(const char *a, const char *b, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        if (a[i] == '\0' || lower(a[i]) != lower(b[i])) {
            return false;
        }
    }
    return a[n] == '\0';
}

/* Database/table name equality under lower_case_table_names. */
static bool
name_eq(const struct schema *s, const char *a, const char *b, size_t n)
{
    if (s->lctn != 0) {
        return ieq_n(a, b, n);
    }
    return strlen(a) == n && memcmp(a, b, n) == 0;
}

static bool
col_name_eq(const char *a, const char *b)
{
    return ddl_ieq(a, b);
}

/* Lower-cases <name> into out[0..outlen) with "utf8" read as utf8mb3. */
static void
norm_name(const char *name, char *out, size_t outlen)
{
    size_t i, j = 0;

    if (outlen == 0) {
        return;
    }
    if (ieq_n("utf8", name, 4) && (name[4] == '\0' || name[4] == '_')) {
        snprintf(out, outlen, "utf8mb3");
        j = strlen(out);
        name += 4;
    }
    for (i = 0; name[i] != '\0' && j + 1 < outlen; i++) {
        out[j++] = lower(name[i]);
    }
    out[j] = '\0';
}

static uint8_t
flavor_mask(const struct schema *s)
{
    return s->flavor == SCHEMA_FLAVOR_MARIADB ? CF_MA : CF_MY;
}

static uint16_t
static_collation(const struct schema *s, const char *norm)
{
    uint8_t fm = flavor_mask(s);
    size_t i;

    for (i = 0; i < sizeof(coll_defs) / sizeof(coll_defs[0]); i++) {
        if ((coll_defs[i].flavors & fm) &&
            strcmp(coll_defs[i].name, norm) == 0) {
            return coll_defs[i].id;
        }
    }
    return 0;
}

/* MariaDB <cs>_uca1400[_tailoring][_nopad]_{ai,as}_{ci,cs}. */
static uint16_t
uca1400_id(const char *norm)
{
    const char *u = strstr(norm, "_uca1400");
    char mid[40];
    size_t cslen, restlen, midlen, i;
    unsigned base = 0, flags = 0, t = 0;
    const char *rest, *suffix;

    if (u == NULL) {
        return 0;
    }
    cslen = (size_t)(u - norm);
    for (i = 0; i < 5; i++) {
        if (strlen(uca1400_charsets[i]) == cslen &&
            memcmp(uca1400_charsets[i], norm, cslen) == 0) {
            base = 0x800 + (unsigned)i * 0x100;
        }
    }
    rest = u + 8;
    restlen = strlen(rest);
    if (base == 0 || restlen < 6) {
        return 0;
    }
    suffix = rest + restlen - 6;
    if (strcmp(suffix, "_ai_ci") == 0) {
        flags = 0;
    } else if (strcmp(suffix, "_ai_cs") == 0) {
        flags = 1;
    } else if (strcmp(suffix, "_as_ci") == 0) {
        flags = 2;
    } else if (strcmp(suffix, "_as_cs") == 0) {
        flags = 3;
    } else {
        return 0;
    }
    midlen = restlen - 6;
    if (midlen >= sizeof(mid)) {
        return 0;
    }
    memcpy(mid, rest, midlen);
    mid[midlen] = '\0';
    if (midlen >= 6 && strcmp(mid + midlen - 6, "_nopad") == 0) {
        flags |= 4;
        midlen -= 6;
        mid[midlen] = '\0';
    }
    if (midlen > 0) {
        if (mid[0] != '_') {
            return 0;
        }
        for (t = 1; t < 25; t++) {
            if (uca1400_tailorings[t] != NULL &&
                strcmp(uca1400_tailorings[t], mid + 1) == 0) {
                break;
            }
        }
        if (t == 25) {
            return 0;
        }
    }
    return (uint16_t)(base + t * 8 + flags);
}

/* Collation id of a normalized name, without the server's table. */
static uint16_t
builtin_collation(const struct schema *s, const char *norm)
{
    uint16_t id = static_collation(s, norm);
    const char *np;
    char base[80];

    if (id != 0 || s->flavor != SCHEMA_FLAVOR_MARIADB) {
        return id;
    }
    id = uca1400_id(norm);
    if (id != 0) {
        return id;
    }
    /* NO PAD twins: latin1_swedish_nopad_ci = latin1_swedish_ci + 1024. */
    np = strstr(norm, "_nopad_");
    if (np != NULL && strlen(norm) < sizeof(base)) {
        size_t pre = (size_t)(np - norm);

        memcpy(base, norm, pre);
        snprintf(base + pre, sizeof(base) - pre, "_%s", np + 7);
        id = static_collation(s, base);
        if (id != 0 && id < 1024) {
            return (uint16_t)(id + 1024);
        }
    }
    return 0;
}

uint16_t
schema_collation_id(const struct schema *s, const char *name)
{
    char norm[80];
    size_t i;

    if (s == NULL || name == NULL || strlen(name) >= sizeof(norm) - 4) {
        return 0;
    }
    norm_name(name, norm, sizeof(norm));
    for (i = 0; i < s->ncolls; i++) {
        if (strcmp(s->colls[i].name, norm) == 0) {
            return s->colls[i].id;
        }
    }
    if (strcmp(norm, "binary") == 0) {
        return MYSQL_CHARSET_BINARY;
    }
    return builtin_collation(s, norm);
}

static uint16_t
charset_collation(const struct schema *s, const char *name,
                  uint16_t utf8mb4_override)
{
    char norm[80];
    size_t i;

    if (name == NULL || strlen(name) >= sizeof(norm) - 4) {
        return 0;
    }
    norm_name(name, norm, sizeof(norm));
    if (utf8mb4_override != 0 && strcmp(norm, "utf8mb4") == 0) {
        return utf8mb4_override;
    }
    for (i = 0; i < s->ncsdefs; i++) {
        if (strcmp(s->csdefs[i].name, norm) == 0) {
            return s->csdefs[i].id;
        }
    }
    if (strcmp(norm, "utf8mb4") == 0) {
        return s->flavor == SCHEMA_FLAVOR_MYSQL ? 255 : 45;
    }
    for (i = 0; i < sizeof(charset_defs) / sizeof(charset_defs[0]); i++) {
        if (strcmp(charset_defs[i].name, norm) == 0) {
            if (charset_defs[i].id == 248 &&
                s->flavor == SCHEMA_FLAVOR_MARIADB) {
                return 0;
            }
            return charset_defs[i].id;
        }
    }
    return 0;
}

uint16_t
schema_charset_collation(const struct schema *s, const char *name)
{
    return s != NULL ? charset_collation(s, name, 0) : 0;
}

/* Writes the charset of collation <id> into out; false if unknown. */
static bool
collation_charset(const struct schema *s, uint16_t id, char *out,
                  size_t outlen)
{
    const char *name = NULL;
    uint8_t fm = flavor_mask(s);
    size_t i, n;

    if (id == MYSQL_CHARSET_BINARY) {
        snprintf(out, outlen, "binary");
        return true;
    }
    for (i = 0; i < s->ncolls && name == NULL; i++) {
        if (s->colls[i].id == id) {
            name = s->colls[i].name;
        }
    }
    if (name == NULL && s->flavor == SCHEMA_FLAVOR_MARIADB) {
        if (id >= 0x800 && id < 0xd00) {
            snprintf(out, outlen, "%s", uca1400_charsets[(id >> 8) - 8]);
            return true;
        }
        if (id >= 1024 && id < 2048) {
            id = (uint16_t)(id - 1024);
        }
    }
    for (i = 0; i < sizeof(coll_defs) / sizeof(coll_defs[0]) && name == NULL;
         i++) {
        if (coll_defs[i].id == id && (coll_defs[i].flavors & fm)) {
            name = coll_defs[i].name;
        }
    }
    if (name == NULL) {
        return false;
    }
    n = strcspn(name, "_");
    snprintf(out, outlen, "%.*s", (int)n, name);
    if (strcmp(out, "utf8") == 0) {
        snprintf(out, outlen, "utf8mb3");
    }
    return true;
}

/* The <charset>_bin collation of the charset of collation <id>. */
static uint16_t
bin_collation_of(const struct schema *s, uint16_t id)
{
    char cs[40], name[48];

    if (!collation_charset(s, id, cs, sizeof(cs))) {
        return 0;
    }
    if (strcmp(cs, "binary") == 0) {
        return MYSQL_CHARSET_BINARY;
    }
    snprintf(name, sizeof(name), "%s_bin", cs);
    return schema_collation_id(s, name);
}

/*
 * Collation of an explicit CHARACTER SET <cs> and/or COLLATE <coll>
 * clause; 0 when neither is given or the names are unknown.  MariaDB's
 * charset-free "uca1400_ai_ci" takes the charset in front.
 */
static uint16_t
resolve_collation(const struct schema *s, const char *cs, const char *coll,
                  uint16_t utf8mb4_override)
{
    char full[96];

    if (coll != NULL) {
        if (ieq_n("uca1400", coll, 7) && cs != NULL) {
            snprintf(full, sizeof(full), "%s_%s", cs, coll);
            return schema_collation_id(s, full);
        }
        return schema_collation_id(s, coll);
    }
    if (cs != NULL) {
        return charset_collation(s, cs, utf8mb4_override);
    }
    return 0;
}

static int
named_id_put(struct named_id **arr, size_t *n, size_t *cap, const char *name,
             uint16_t id)
{
    char norm[80];
    size_t i;
    struct named_id *na;
    char *dup;

    if (name == NULL || strlen(name) >= sizeof(norm) - 4) {
        return -1;
    }
    norm_name(name, norm, sizeof(norm));
    for (i = 0; i < *n; i++) {
        if (strcmp((*arr)[i].name, norm) == 0) {
            (*arr)[i].id = id;
            return 0;
        }
    }
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 64;

        na = realloc(*arr, ncap * sizeof(*na));
        if (na == NULL) {
            return -1;
        }
        *arr = na;
        *cap = ncap;
    }
    dup = xstrdup(norm);
    if (dup == NULL) {
        return -1;
    }
    (*arr)[*n].name = dup;
    (*arr)[*n].id = id;
    (*n)++;
    return 0;
}

int
schema_add_collation(struct schema *s, const char *name, uint16_t id)
{
    return named_id_put(&s->colls, &s->ncolls, &s->capcolls, name, id);
}

int
schema_set_charset_collation(struct schema *s, const char *charset,
                             uint16_t id)
{
    return named_id_put(&s->csdefs, &s->ncsdefs, &s->capcsdefs, charset, id);
}

void
schema_set_server_collation(struct schema *s, uint16_t id)
{
    s->server_collation = id;
}

uint64_t
schema_version(const struct schema *s)
{
    return s->version;
}

/* ---- columns ---- */

void
schema_column_clear(struct schema_column *c)
{
    if (c == NULL) {
        return;
    }
    free(c->name);
    free(c->hidden_index);
    free(c->enum_values);
    free(c->enum_buf);
    memset(c, 0, sizeof(*c));
}

static int
set_enum_values(struct schema_column *c, const struct ddl_value *vals,
                uint32_t n)
{
    size_t total = 0, off = 0;
    uint32_t i;

    free(c->enum_values);
    free(c->enum_buf);
    c->enum_values = NULL;
    c->enum_buf = NULL;
    c->n_enum_values = 0;
    if (n == 0) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        total += vals[i].len;
    }
    c->enum_buf = malloc(total + 1);
    c->enum_values = calloc(n, sizeof(*c->enum_values));
    if (c->enum_buf == NULL || c->enum_values == NULL) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        if (vals[i].len > 0) {
            memcpy(c->enum_buf + off, vals[i].p, vals[i].len);
        }
        c->enum_values[i].p = (const uint8_t *)c->enum_buf + off;
        c->enum_values[i].len = vals[i].len;
        off += vals[i].len;
    }
    c->n_enum_values = n;
    return 0;
}

static int
col_copy(struct schema_column *d, const struct schema_column *src)
{
    size_t total = 0;
    uint32_t i;

    *d = *src;
    d->name = NULL;
    d->hidden_index = NULL;
    d->enum_values = NULL;
    d->enum_buf = NULL;
    d->n_enum_values = 0;
    d->name = xstrdup(src->name);
    if (d->name == NULL) {
        return -1;
    }
    if (src->hidden_index != NULL) {
        d->hidden_index = xstrdup(src->hidden_index);
        if (d->hidden_index == NULL) {
            return -1;
        }
    }
    if (src->n_enum_values > 0) {
        for (i = 0; i < src->n_enum_values; i++) {
            total += src->enum_values[i].len;
        }
        d->enum_buf = malloc(total + 1);
        d->enum_values = calloc(src->n_enum_values, sizeof(*d->enum_values));
        if (d->enum_buf == NULL || d->enum_values == NULL) {
            return -1;
        }
        if (total > 0) {
            memcpy(d->enum_buf, src->enum_buf, total);
        }
        for (i = 0; i < src->n_enum_values; i++) {
            d->enum_values[i].p = (const uint8_t *)d->enum_buf +
                                  (src->enum_values[i].p -
                                   (const uint8_t *)src->enum_buf);
            d->enum_values[i].len = src->enum_values[i].len;
        }
        d->n_enum_values = src->n_enum_values;
    }
    return 0;
}

static bool
is_string_type(const struct schema_column *c)
{
    switch (c->type) {
    case MYT_STRING:
    case MYT_VARCHAR:
    case MYT_VAR_STRING:
    case MYT_BLOB:
    case MYT_TINY_BLOB:
    case MYT_MEDIUM_BLOB:
    case MYT_LONG_BLOB:
    case SCHEMA_MYT_BLOB_COMPRESSED:
    case SCHEMA_MYT_VARCHAR_COMPRESSED:
        return true;
    default:
        return false;
    }
}

/* Charset of a character column without CHARACTER SET/COLLATE. */
static uint16_t
text_collation(const struct schema *s, const struct ddl_column *dc,
               uint16_t table_coll, uint16_t utf8mb4)
{
    const char *cs = dc->charset;
    uint16_t id;

    if (cs == NULL && dc->national) {
        cs = "utf8mb3";
    }
    if (dc->collate != NULL || cs != NULL) {
        if (dc->collate == NULL && dc->binary_attr) {
            char name[96];

            snprintf(name, sizeof(name), "%s_bin", cs);
            id = schema_collation_id(s, name);
            if (id != 0) {
                return id;
            }
        }
        return resolve_collation(s, cs, dc->collate, utf8mb4);
    }
    if (dc->is_json && s->flavor == SCHEMA_FLAVOR_MARIADB) {
        return 46; /* MariaDB JSON: utf8mb4_bin */
    }
    if (dc->binary_attr && table_coll != 0) {
        id = bin_collation_of(s, table_coll);
        if (id != 0) {
            return id;
        }
    }
    return table_coll;
}

/*
 * Converts a parsed column definition; <table_coll> is the table default
 * collation that character columns without their own take.
 */
static int
col_from_ddl(const struct schema *s, const struct ddl_column *dc,
             uint16_t table_coll, uint16_t utf8mb4, struct schema_column *c)
{
    memset(c, 0, sizeof(*c));
    c->name = xstrdup(dc->name != NULL ? dc->name : "");
    if (c->name == NULL) {
        return -1;
    }
    c->type = dc->type;
    c->real_type = dc->real_type;
    if (dc->compressed && s->flavor == SCHEMA_FLAVOR_MARIADB) {
        if (dc->type == MYT_BLOB) {
            c->type = SCHEMA_MYT_BLOB_COMPRESSED;
            c->real_type = c->type;
        } else if (dc->type == MYT_VARCHAR) {
            c->type = SCHEMA_MYT_VARCHAR_COMPRESSED;
            c->real_type = c->type;
        }
    }
    c->is_unsigned = dc->is_unsigned;
    c->nullable = !dc->not_null && !dc->primary_key &&
                  dc->gen != DDL_GEN_ROW_START && dc->gen != DDL_GEN_ROW_END;
    c->invisible = dc->invisible;
    c->generated = dc->gen == DDL_GEN_VIRTUAL || dc->gen == DDL_GEN_STORED;
    if (dc->gen == DDL_GEN_ROW_START || dc->gen == DDL_GEN_ROW_END) {
        c->period = (uint8_t)dc->gen;
    }
    c->length = dc->has_length ? dc->length : 0;
    c->scale = dc->has_scale ? dc->scale : 0;
    if (dc->is_binary) {
        c->charset = MYSQL_CHARSET_BINARY;
    } else if (dc->is_text) {
        c->charset = text_collation(s, dc, table_coll, utf8mb4);
    } else if (dc->is_json || c->type == MYT_GEOMETRY) {
        c->charset = MYSQL_CHARSET_BINARY;
    }
    c->is_json_text = s->flavor == SCHEMA_FLAVOR_MARIADB &&
                      (dc->is_json || dc->json_check) &&
                      (c->type == MYT_BLOB ||
                       c->type == SCHEMA_MYT_BLOB_COMPRESSED);
    if (dc->n_values > 0 && set_enum_values(c, dc->values, dc->n_values) < 0) {
        return -1;
    }
    return 0;
}

/* ---- tables ---- */

static void
table_free(struct schema_table *t)
{
    uint32_t i;

    if (t == NULL) {
        return;
    }
    for (i = 0; i < t->ncols; i++) {
        schema_column_clear(&t->cols[i]);
    }
    free(t->cols);
    free(t->db);
    free(t->name);
    free(t->unknown_reason);
    free(t);
}

static struct schema_table *
table_new(const char *db, size_t dblen, const char *name, size_t nlen)
{
    struct schema_table *t = calloc(1, sizeof(*t));

    if (t == NULL) {
        return NULL;
    }
    t->db = xstrndup(db, dblen);
    t->name = xstrndup(name, nlen);
    if (t->db == NULL || t->name == NULL) {
        table_free(t);
        return NULL;
    }
    return t;
}

static int
table_reserve(struct schema_table *t, uint32_t n)
{
    struct schema_column *nc;
    uint32_t ncap;

    if (t->ncols + n <= t->cap) {
        return 0;
    }
    ncap = t->cap ? t->cap * 2 : 8;
    while (ncap < t->ncols + n) {
        ncap *= 2;
    }
    nc = realloc(t->cols, ncap * sizeof(*nc));
    if (nc == NULL) {
        return -1;
    }
    t->cols = nc;
    t->cap = ncap;
    return 0;
}

/* Inserts *c (moved in) at index <at>. */
static int
table_insert_col(struct schema_table *t, uint32_t at, struct schema_column *c)
{
    if (table_reserve(t, 1) < 0) {
        return -1;
    }
    if (at > t->ncols) {
        at = t->ncols;
    }
    memmove(&t->cols[at + 1], &t->cols[at],
            (t->ncols - at) * sizeof(t->cols[0]));
    t->cols[at] = *c;
    memset(c, 0, sizeof(*c));
    t->ncols++;
    if (t->cols[at].hidden) {
        t->n_hidden++;
    }
    return 0;
}

static void
table_remove_col(struct schema_table *t, uint32_t at)
{
    if (t->cols[at].hidden) {
        t->n_hidden--;
    }
    schema_column_clear(&t->cols[at]);
    memmove(&t->cols[at], &t->cols[at + 1],
            (t->ncols - at - 1) * sizeof(t->cols[0]));
    t->ncols--;
}

static void
table_clear_cols(struct schema_table *t)
{
    while (t->ncols > 0) {
        table_remove_col(t, t->ncols - 1);
    }
    t->n_hidden = 0;
    t->hidden_unknown = 0;
}

static int
table_find_col(const struct schema_table *t, const char *name)
{
    uint32_t i;

    for (i = 0; i < t->ncols; i++) {
        if (!t->cols[i].hidden && col_name_eq(t->cols[i].name, name)) {
            return (int)i;
        }
    }
    return -1;
}

/* Renumbers pk_pos after a key column went away. */
static void
table_compact_pk(struct schema_table *t)
{
    uint16_t next = 1, want;
    uint32_t i;
    bool found;

    for (want = 1; want != 0 && want <= t->ncols + 1; want++) {
        found = false;
        for (i = 0; i < t->ncols; i++) {
            if (t->cols[i].pk_pos == want) {
                t->cols[i].pk_pos = next;
                found = true;
            }
        }
        if (found) {
            next++;
        }
    }
}

static void
table_drop_pk(struct schema_table *t)
{
    uint32_t i;

    for (i = 0; i < t->ncols; i++) {
        t->cols[i].pk_pos = 0;
    }
}

static int
table_set_unknown(struct schema_table *t, const char *reason)
{
    char *r = xstrdup(reason);

    if (r == NULL) {
        return -1;
    }
    free(t->unknown_reason);
    t->unknown_reason = r;
    t->unknown = true;
    return 0;
}

static struct schema_table *
table_clone(const struct schema_table *src)
{
    struct schema_table *t = table_new(src->db, strlen(src->db), src->name,
                                       strlen(src->name));
    uint32_t i;

    if (t == NULL) {
        return NULL;
    }
    if (src->ncols > 0 && table_reserve(t, src->ncols) < 0) {
        table_free(t);
        return NULL;
    }
    for (i = 0; i < src->ncols; i++) {
        if (col_copy(&t->cols[i], &src->cols[i]) < 0) {
            t->ncols = i + 1;
            table_free(t);
            return NULL;
        }
        t->ncols = i + 1;
    }
    t->n_hidden = src->n_hidden;
    t->hidden_unknown = src->hidden_unknown;
    t->collation = src->collation;
    t->version = src->version;
    t->unknown = src->unknown;
    if (src->unknown_reason != NULL) {
        t->unknown_reason = xstrdup(src->unknown_reason);
        if (t->unknown_reason == NULL) {
            table_free(t);
            return NULL;
        }
    }
    t->temporary = src->temporary;
    t->thread_id = src->thread_id;
    return t;
}

/* ---- the table hash ---- */

static uint64_t
name_hash(const struct schema *s, const char *db, size_t dblen,
          const char *name, size_t nlen)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;

    for (i = 0; i < dblen; i++) {
        h = (h ^ (uint8_t)(s->lctn ? lower(db[i]) : db[i])) * 1099511628211ull;
    }
    h = (h ^ 0xff) * 1099511628211ull;
    for (i = 0; i < nlen; i++) {
        h = (h ^ (uint8_t)(s->lctn ? lower(name[i]) : name[i])) *
            1099511628211ull;
    }
    return h;
}

static struct schema_table **
find_slot(const struct schema *s, const char *db, size_t dblen,
          const char *name, size_t nlen)
{
    struct schema_table **pp;

    if (s->nbuckets == 0) {
        return NULL;
    }
    pp = &s->buckets[name_hash(s, db, dblen, name, nlen) & (s->nbuckets - 1)];
    for (; *pp != NULL; pp = &(*pp)->hnext) {
        if (name_eq(s, (*pp)->db, db, dblen) &&
            name_eq(s, (*pp)->name, name, nlen)) {
            return pp;
        }
    }
    return NULL;
}

static struct schema_table *
find_real(const struct schema *s, const char *db, const char *name)
{
    struct schema_table **pp;

    if (db == NULL || name == NULL) {
        return NULL;
    }
    pp = find_slot(s, db, strlen(db), name, strlen(name));
    return pp != NULL ? *pp : NULL;
}

const struct schema_table *
schema_find_table(const struct schema *s, struct span db, struct span table)
{
    struct schema_table **pp;

    if (s == NULL) {
        return NULL;
    }
    pp = find_slot(s, (const char *)db.p, db.len, (const char *)table.p,
                   table.len);
    return pp != NULL ? *pp : NULL;
}

static int
hash_grow(struct schema *s)
{
    size_t nb = s->nbuckets ? s->nbuckets * 2 : 64, i;
    struct schema_table **b = calloc(nb, sizeof(*b)), *t, *nx;

    if (b == NULL) {
        return -1;
    }
    for (i = 0; i < s->nbuckets; i++) {
        for (t = s->buckets[i]; t != NULL; t = nx) {
            size_t h = (size_t)name_hash(s, t->db, strlen(t->db), t->name,
                                         strlen(t->name)) &
                       (nb - 1);

            nx = t->hnext;
            t->hnext = b[h];
            b[h] = t;
        }
    }
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = nb;
    return 0;
}

/* Unlinks the real table db.name (not freed); NULL if absent. */
static struct schema_table *
unlink_real(struct schema *s, const char *db, const char *name)
{
    struct schema_table **pp, *t;

    if (db == NULL || name == NULL) {
        return NULL;
    }
    pp = find_slot(s, db, strlen(db), name, strlen(name));
    if (pp == NULL) {
        return NULL;
    }
    t = *pp;
    *pp = t->hnext;
    t->hnext = NULL;
    s->ntables--;
    return t;
}

/* Inserts <t>, freeing a table of the same name that was there. */
static int
insert_real(struct schema *s, struct schema_table *t)
{
    size_t h;

    table_free(unlink_real(s, t->db, t->name));
    if (s->ntables >= s->nbuckets && hash_grow(s) < 0) {
        return -1;
    }
    h = (size_t)name_hash(s, t->db, strlen(t->db), t->name, strlen(t->name)) &
        (s->nbuckets - 1);
    t->temporary = false;
    t->hnext = s->buckets[h];
    s->buckets[h] = t;
    s->ntables++;
    return 0;
}

/* ---- temporary tables ---- */

static struct schema_table **
find_temp_slot(struct schema *s, uint32_t thread, const char *db,
               const char *name)
{
    struct schema_table **pp;

    if (db == NULL || name == NULL) {
        return NULL;
    }
    for (pp = &s->temps; *pp != NULL; pp = &(*pp)->hnext) {
        if ((*pp)->thread_id == thread &&
            name_eq(s, (*pp)->db, db, strlen(db)) &&
            name_eq(s, (*pp)->name, name, strlen(name))) {
            return pp;
        }
    }
    return NULL;
}

static struct schema_table *
unlink_temp(struct schema *s, uint32_t thread, const char *db,
            const char *name)
{
    struct schema_table **pp = find_temp_slot(s, thread, db, name), *t;

    if (pp == NULL) {
        return NULL;
    }
    t = *pp;
    *pp = t->hnext;
    t->hnext = NULL;
    s->ntemps--;
    return t;
}

static void
insert_temp(struct schema *s, struct schema_table *t, uint32_t thread)
{
    struct schema_table **pp;

    table_free(unlink_temp(s, thread, t->db, t->name));
    t->temporary = true;
    t->thread_id = thread;
    t->hnext = s->temps;
    s->temps = t;
    s->ntemps++;
    if (s->ntemps > SCHEMA_MAX_TEMP_TABLES) {
        /* Sessions whose temporary tables were never dropped in the
         * binlog: forget the oldest. */
        for (pp = &s->temps; (*pp)->hnext != NULL; pp = &(*pp)->hnext) {
        }
        table_free(*pp);
        *pp = NULL;
        s->ntemps--;
    }
}

/* ---- databases ---- */

static struct schema_db *
find_db(const struct schema *s, const char *name, size_t n)
{
    size_t i;

    for (i = 0; i < s->ndbs; i++) {
        if (name_eq(s, s->dbs[i].name, name, n)) {
            return &s->dbs[i];
        }
    }
    return NULL;
}

static struct schema_db *
put_db(struct schema *s, const char *name, size_t n, uint16_t collation)
{
    struct schema_db *d = find_db(s, name, n), *nd;
    char *dup;

    if (d != NULL) {
        d->collation = collation;
        return d;
    }
    if (s->ndbs == s->capdbs) {
        size_t ncap = s->capdbs ? s->capdbs * 2 : 16;

        nd = realloc(s->dbs, ncap * sizeof(*nd));
        if (nd == NULL) {
            return NULL;
        }
        s->dbs = nd;
        s->capdbs = ncap;
    }
    dup = xstrndup(name, n);
    if (dup == NULL) {
        return NULL;
    }
    d = &s->dbs[s->ndbs++];
    d->name = dup;
    d->collation = collation;
    return d;
}

/* Drops the database entry and every table in it. */
static void
drop_db(struct schema *s, const char *name)
{
    struct schema_db *d = find_db(s, name, strlen(name));
    struct schema_table **pp, *t;
    size_t i;

    for (i = 0; i < s->nbuckets; i++) {
        for (pp = &s->buckets[i]; *pp != NULL;) {
            t = *pp;
            if (name_eq(s, t->db, name, strlen(name))) {
                *pp = t->hnext;
                table_free(t);
                s->ntables--;
            } else {
                pp = &t->hnext;
            }
        }
    }
    for (pp = &s->temps; *pp != NULL;) {
        t = *pp;
        if (name_eq(s, t->db, name, strlen(name))) {
            *pp = t->hnext;
            table_free(t);
            s->ntemps--;
        } else {
            pp = &t->hnext;
        }
    }
    if (d != NULL) {
        free(d->name);
        *d = s->dbs[--s->ndbs];
    }
}

/* ---- lifetime ---- */

struct schema *
schema_new(enum schema_flavor flavor, int lower_case_table_names)
{
    struct schema *s = calloc(1, sizeof(*s));

    if (s == NULL) {
        return NULL;
    }
    s->flavor = (unsigned)flavor < SCHEMA_FLAVOR_COUNT ? flavor
                                                       : SCHEMA_FLAVOR_MYSQL;
    s->lctn = lower_case_table_names;
    s->server_collation = s->flavor == SCHEMA_FLAVOR_MYSQL ? 255 : 8;
    return s;
}

void
schema_free(struct schema *s)
{
    struct schema_table *t, *nx;
    size_t i;

    if (s == NULL) {
        return;
    }
    for (i = 0; i < s->nbuckets; i++) {
        for (t = s->buckets[i]; t != NULL; t = nx) {
            nx = t->hnext;
            table_free(t);
        }
    }
    for (t = s->temps; t != NULL; t = nx) {
        nx = t->hnext;
        table_free(t);
    }
    for (i = 0; i < s->ndbs; i++) {
        free(s->dbs[i].name);
    }
    for (i = 0; i < s->ncolls; i++) {
        free(s->colls[i].name);
    }
    for (i = 0; i < s->ncsdefs; i++) {
        free(s->csdefs[i].name);
    }
    free(s->buckets);
    free(s->dbs);
    free(s->colls);
    free(s->csdefs);
    ddl_stmt_free(&s->stmt);
    free(s);
}

/* ---- applying DDL ---- */

/* "ALTER TABLE" for DDL_ALTER_TABLE, for messages. */
static void
kind_words(enum ddl_kind k, char *out, size_t outlen)
{
    size_t i;

    snprintf(out, outlen, "%s", ddl_kind_name(k));
    for (i = 0; out[i] != '\0'; i++) {
        if (out[i] == '_') {
            out[i] = ' ';
        }
    }
}

/* What applying one statement needs besides the tree. */
struct apply {
    struct schema *s;             /* the history */
    const struct schema_query_ctx *ctx; /* session of the statement */
    const struct ddl_stmt *st;    /* parsed statement */
    char *err;                    /* error message buffer */
    size_t errlen;                /* its size */
};

static const char *
ctx_db(const struct apply *ap, const struct ddl_table_name *tn)
{
    if (tn->db != NULL) {
        return tn->db;
    }
    return ap->ctx->db;
}

static uint16_t
server_collation(const struct apply *ap)
{
    return ap->ctx->collation_server != 0 ? ap->ctx->collation_server
                                          : ap->s->server_collation;
}

/* Default collation of database <db>: tracked, else the server's. */
static uint16_t
db_collation(const struct apply *ap, const char *db)
{
    const struct schema_db *d = db ? find_db(ap->s, db, strlen(db)) : NULL;

    if (d != NULL && d->collation != 0) {
        return d->collation;
    }
    return server_collation(ap);
}

static int
oom(const struct apply *ap)
{
    return seterr(ap->err, ap->errlen, "out of memory while applying DDL");
}

/* Collation new character columns of <t> take. */
static uint16_t
table_collation(const struct apply *ap, const struct schema_table *t)
{
    return t->collation != 0 ? t->collation : db_collation(ap, t->db);
}

/* Real or (first) this session's temporary table db.name. */
static struct schema_table *
find_target(const struct apply *ap, const char *db, const char *name,
            bool *is_temp)
{
    struct schema_table **pp =
        find_temp_slot(ap->s, ap->ctx->thread_id, db, name);

    *is_temp = pp != NULL;
    if (pp != NULL) {
        return *pp;
    }
    return find_real(ap->s, db, name);
}

/* Appends the hidden column(s) of a functional index. */
static int
add_hidden_cols(struct schema_table *t, const struct ddl_index *ix,
                unsigned *unnamed)
{
    struct schema_column c;
    char idx[96], name[160];
    uint32_t k;

    if (ix->name != NULL) {
        snprintf(idx, sizeof(idx), "%s", ix->name);
    } else if ((*unnamed)++ == 0) {
        snprintf(idx, sizeof(idx), "functional_index");
    } else {
        snprintf(idx, sizeof(idx), "functional_index_%u", *unnamed);
    }
    for (k = 0; k < ix->n_functional; k++) {
        memset(&c, 0, sizeof(c));
        snprintf(name, sizeof(name), "!hidden!%s!%u!0", idx, k);
        c.name = xstrdup(name);
        c.hidden_index = xstrdup(idx);
        c.type = MYT_INVALID;
        c.real_type = MYT_INVALID;
        c.nullable = true;
        c.hidden = true;
        c.generated = true;
        if (c.name == NULL || c.hidden_index == NULL ||
            table_insert_col(t, t->ncols, &c) < 0) {
            schema_column_clear(&c);
            return -1;
        }
    }
    return 0;
}

static int
remove_hidden_cols(struct schema_table *t, const char *index)
{
    uint32_t i;
    int n = 0;

    for (i = t->ncols; i-- > 0;) {
        if (t->cols[i].hidden && t->cols[i].hidden_index != NULL &&
            col_name_eq(t->cols[i].hidden_index, index)) {
            table_remove_col(t, i);
            n++;
        }
    }
    return n;
}

static int
set_primary_key(struct schema_table *t, const struct ddl_name_list *cols)
{
    uint16_t pos = 1;
    int i;

    table_drop_pk(t);
    for (; cols != NULL; cols = cols->next) {
        i = table_find_col(t, cols->name);
        if (i >= 0 && t->cols[i].pk_pos == 0) {
            t->cols[i].pk_pos = pos++;
            t->cols[i].nullable = false;
        }
    }
    return 0;
}

static bool
has_primary_key(const struct schema_table *t)
{
    uint32_t i;

    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].pk_pos != 0) {
            return true;
        }
    }
    return false;
}

/*
 * Without a PRIMARY KEY, servers use the first UNIQUE index whose columns
 * are all NOT NULL as one (information_schema shows it as PRI).
 */
static bool
promote_unique(struct schema_table *t, const struct ddl_name_list *cols)
{
    const struct ddl_name_list *nl;
    int i;

    if (cols == NULL || has_primary_key(t)) {
        return false;
    }
    for (nl = cols; nl != NULL; nl = nl->next) {
        i = table_find_col(t, nl->name);
        if (i < 0 || t->cols[i].nullable) {
            return false;
        }
    }
    set_primary_key(t, cols);
    return true;
}

static bool
has_period(const struct schema_table *t)
{
    uint32_t i;

    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].period != 0) {
            return true;
        }
    }
    return false;
}

/*
 * MariaDB WITH SYSTEM VERSIONING without explicit period columns appends
 * invisible row_start and row_end TIMESTAMP(6) columns; they stay last.
 */
static int
add_implicit_versioning(struct schema_table *t)
{
    static const char *const names[2] = {"row_start", "row_end"};
    struct schema_column c;
    int k;

    if (has_period(t)) {
        return 0;
    }
    for (k = 0; k < 2; k++) {
        memset(&c, 0, sizeof(c));
        c.name = xstrdup(names[k]);
        c.type = MYT_TIMESTAMP2;
        c.real_type = MYT_TIMESTAMP2;
        c.scale = 6;
        c.invisible = true;
        c.system_implicit = true;
        c.period = (uint8_t)(k == 0 ? DDL_GEN_ROW_START : DDL_GEN_ROW_END);
        if (c.name == NULL || table_insert_col(t, t->ncols, &c) < 0) {
            schema_column_clear(&c);
            return -1;
        }
    }
    return 0;
}

/*
 * DROP SYSTEM VERSIONING removes the implicit row_start/row_end; explicit
 * period columns must be dropped by the same statement (MariaDB refuses it
 * otherwise), with their own DROP COLUMN.
 */
static void
drop_versioning(struct schema_table *t)
{
    uint32_t i;

    for (i = t->ncols; i-- > 0;) {
        if (t->cols[i].system_implicit) {
            table_remove_col(t, i);
        }
    }
}

/* Index where an ADD COLUMN without FIRST/AFTER goes. */
static uint32_t
append_pos(const struct schema_table *t)
{
    uint32_t i;

    for (i = 0; i < t->ncols; i++) {
        if (t->cols[i].system_implicit) {
            return i;
        }
    }
    return t->ncols;
}

/* Builds the columns of CREATE TABLE (...) into <t>. */
static int
build_columns(const struct apply *ap, struct schema_table *t)
{
    const struct ddl_stmt *st = ap->st;
    const struct ddl_column *dc;
    const struct ddl_index *ix;
    struct schema_column c;
    uint16_t pos = 1;
    unsigned unnamed = 0;
    bool versioned = st->with_versioning;

    for (dc = st->columns; dc != NULL; dc = dc->next) {
        if (table_find_col(t, dc->name) >= 0) {
            return seterr(ap->err, ap->errlen,
                          "CREATE TABLE %s.%s: duplicate column %s", t->db,
                          t->name, dc->name);
        }
        if (col_from_ddl(ap->s, dc, t->collation, ap->ctx->utf8mb4_collation,
                         &c) < 0 ||
            table_insert_col(t, t->ncols, &c) < 0) {
            schema_column_clear(&c);
            return oom(ap);
        }
        if (dc->versioning > 0) {
            versioned = true;
        }
    }
    for (dc = st->columns; dc != NULL; dc = dc->next) {
        if (dc->primary_key) {
            int i = table_find_col(t, dc->name);

            if (i >= 0) {
                t->cols[i].pk_pos = pos++;
            }
        }
    }
    for (ix = st->indexes; ix != NULL; ix = ix->next) {
        if (ix->primary) {
            set_primary_key(t, ix->cols);
        }
    }
    for (dc = st->columns; dc != NULL; dc = dc->next) {
        if (dc->unique && !has_primary_key(t)) {
            struct ddl_name_list one;

            one.next = NULL;
            one.name = dc->name;
            promote_unique(t, &one);
        }
    }
    for (ix = st->indexes; ix != NULL; ix = ix->next) {
        if (ix->unique) {
            promote_unique(t, ix->cols);
        }
        if (ix->n_functional > 0 && ap->s->flavor != SCHEMA_FLAVOR_MARIADB &&
            add_hidden_cols(t, ix, &unnamed) < 0) {
            return oom(ap);
        }
    }
    if (versioned && ap->s->flavor == SCHEMA_FLAVOR_MARIADB &&
        add_implicit_versioning(t) < 0) {
        return oom(ap);
    }
    return 0;
}

/* MariaDB sequence tables: the eight columns every sequence has. */
static int
build_sequence(struct schema_table *t)
{
    static const struct {
        const char *name;         /* column */
        uint8_t type;             /* binlog type */
        bool is_unsigned;         /* UNSIGNED */
    } cols[8] = {
        {"next_not_cached_value", MYT_LONGLONG, false},
        {"minimum_value", MYT_LONGLONG, false},
        {"maximum_value", MYT_LONGLONG, false},
        {"start_value", MYT_LONGLONG, false},
        {"increment", MYT_LONGLONG, false},
        {"cache_size", MYT_LONGLONG, true},
        {"cycle_option", MYT_TINY, true},
        {"cycle_count", MYT_LONGLONG, false},
    };
    struct schema_column c;
    int i;

    for (i = 0; i < 8; i++) {
        memset(&c, 0, sizeof(c));
        c.name = xstrdup(cols[i].name);
        c.type = cols[i].type;
        c.real_type = cols[i].type;
        c.is_unsigned = cols[i].is_unsigned;
        if (c.name == NULL || table_insert_col(t, t->ncols, &c) < 0) {
            schema_column_clear(&c);
            return -1;
        }
    }
    return 0;
}

/* Marks <t> unknown: a DDL statement on it could not be applied. */
static void
poison(struct schema *s, struct schema_table *t, const char *err)
{
    char why[400];

    snprintf(why, sizeof(why), "a DDL statement on it could not be applied "
                               "(%s)",
             err);
    if (table_set_unknown(t, why) == 0) {
        t->version = ++s->version;
    }
}

static int
apply_create_table(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    struct schema *s = ap->s;
    const char *db = ctx_db(ap, &st->table);
    struct schema_table *t, *src = NULL;
    char why[256];
    bool src_temp;
    uint16_t coll;

    if (db == NULL) {
        return seterr(ap->err, ap->errlen,
                      "CREATE TABLE %s: no database selected", st->table.name);
    }
    if (st->if_not_exists && !st->or_replace) {
        bool exists;

        if (st->temporary) {
            exists = find_temp_slot(s, ap->ctx->thread_id, db,
                                    st->table.name) != NULL;
        } else {
            exists = find_real(s, db, st->table.name) != NULL;
        }
        if (exists) {
            return 0; /* IF NOT EXISTS on an existing table: no change */
        }
    }
    if (st->has_like) {
        const char *ldb = ctx_db(ap, &st->like);

        src = find_target(ap, ldb, st->like.name, &src_temp);
        if (src != NULL) {
            t = table_clone(src);
            if (t == NULL) {
                return oom(ap);
            }
            free(t->db);
            free(t->name);
            t->db = xstrdup(db);
            t->name = xstrdup(st->table.name);
            if (t->db == NULL || t->name == NULL) {
                table_free(t);
                return oom(ap);
            }
        } else {
            t = table_new(db, strlen(db), st->table.name,
                          strlen(st->table.name));
            snprintf(why, sizeof(why),
                     "created LIKE %s.%s, which the schema history does "
                     "not hold",
                     ldb ? ldb : "?", st->like.name);
            if (t == NULL || table_set_unknown(t, why) < 0) {
                table_free(t);
                return oom(ap);
            }
        }
    } else {
        t = table_new(db, strlen(db), st->table.name, strlen(st->table.name));
        if (t == NULL) {
            return oom(ap);
        }
        coll = resolve_collation(s, st->charset, st->collate,
                                 ap->ctx->utf8mb4_collation);
        t->collation = coll != 0 ? coll : db_collation(ap, db);
        if (st->from_select) {
            if (table_set_unknown(t, "created by CREATE TABLE ... SELECT, "
                                     "whose columns the statement does "
                                     "not list") < 0) {
                table_free(t);
                return oom(ap);
            }
        } else if (build_columns(ap, t) < 0) {
            /* Keep the table, unknown, so its rows fail clearly. */
            table_clear_cols(t);
            poison(s, t, ap->err);
            if (st->temporary) {
                insert_temp(s, t, ap->ctx->thread_id);
            } else if (insert_real(s, t) < 0) {
                table_free(t);
            }
            return -1;
        }
    }
    t->version = ++s->version;
    if (st->temporary) {
        insert_temp(s, t, ap->ctx->thread_id);
        return 0;
    }
    if (insert_real(s, t) < 0) {
        table_free(t);
        return oom(ap);
    }
    return 0;
}

static int
apply_create_sequence(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    const char *db = ctx_db(ap, &st->table);
    struct schema_table *t;

    if (db == NULL) {
        return seterr(ap->err, ap->errlen,
                      "CREATE SEQUENCE %s: no database selected",
                      st->table.name);
    }
    if (st->if_not_exists && !st->temporary &&
        find_real(ap->s, db, st->table.name) != NULL) {
        return 0;
    }
    t = table_new(db, strlen(db), st->table.name, strlen(st->table.name));
    if (t == NULL || build_sequence(t) < 0) {
        table_free(t);
        return oom(ap);
    }
    t->collation = db_collation(ap, db);
    t->version = ++ap->s->version;
    if (st->temporary) {
        insert_temp(ap->s, t, ap->ctx->thread_id);
        return 0;
    }
    if (insert_real(ap->s, t) < 0) {
        table_free(t);
        return oom(ap);
    }
    return 0;
}

/* Moves column <from> of <t> to where <a> says (FIRST / AFTER x). */
static int
place_column(const struct apply *ap, struct schema_table *t, uint32_t from,
             const struct ddl_alter *a)
{
    struct schema_column tmp;
    int after;
    uint32_t to;

    if (a->pos == DDL_POS_DEFAULT) {
        return 0;
    }
    tmp = t->cols[from];
    memmove(&t->cols[from], &t->cols[from + 1],
            (t->ncols - from - 1) * sizeof(t->cols[0]));
    t->ncols--;
    if (a->pos == DDL_POS_FIRST) {
        to = 0;
    } else {
        after = table_find_col(t, a->after);
        if (after < 0) {
            /* Put it back so the table stays whole, then fail. */
            memmove(&t->cols[from + 1], &t->cols[from],
                    (t->ncols - from) * sizeof(t->cols[0]));
            t->cols[from] = tmp;
            t->ncols++;
            return seterr(ap->err, ap->errlen,
                          "ALTER TABLE %s.%s: AFTER %s: no such column",
                          t->db, t->name, a->after);
        }
        to = (uint32_t)after + 1;
    }
    memmove(&t->cols[to + 1], &t->cols[to],
            (t->ncols - to) * sizeof(t->cols[0]));
    t->cols[to] = tmp;
    t->ncols++;
    return 0;
}

static int
alter_add_column(const struct apply *ap, struct schema_table *t,
                 const struct ddl_alter *a)
{
    struct schema_column c;
    uint32_t at;

    if (table_find_col(t, a->column->name) >= 0) {
        if (a->if_exists) {
            return 0;
        }
        return seterr(ap->err, ap->errlen,
                      "ALTER TABLE %s.%s: ADD COLUMN %s: the column exists",
                      t->db, t->name, a->column->name);
    }
    if (col_from_ddl(ap->s, a->column, table_collation(ap, t),
                     ap->ctx->utf8mb4_collation, &c) < 0) {
        schema_column_clear(&c);
        return oom(ap);
    }
    if (a->column->primary_key) {
        table_drop_pk(t);
        c.pk_pos = 1;
    }
    at = append_pos(t);
    if (table_insert_col(t, at, &c) < 0) {
        schema_column_clear(&c);
        return oom(ap);
    }
    if (a->column->versioning > 0 && ap->s->flavor == SCHEMA_FLAVOR_MARIADB &&
        add_implicit_versioning(t) < 0) {
        return oom(ap);
    }
    return place_column(ap, t, at, a);
}

/* MODIFY and CHANGE: replace column <i> by the new definition. */
static int
alter_replace_column(const struct apply *ap, struct schema_table *t, int i,
                     const struct ddl_alter *a)
{
    struct schema_column c;
    int other = table_find_col(t, a->column->name);

    if (other >= 0 && other != i) {
        return seterr(ap->err, ap->errlen,
                      "ALTER TABLE %s.%s: CHANGE %s %s: the column exists",
                      t->db, t->name, t->cols[i].name, a->column->name);
    }
    if (col_from_ddl(ap->s, a->column, table_collation(ap, t),
                     ap->ctx->utf8mb4_collation, &c) < 0) {
        schema_column_clear(&c);
        return oom(ap);
    }
    c.pk_pos = t->cols[i].pk_pos;
    if (c.pk_pos != 0) {
        c.nullable = false;
    }
    c.system_implicit = t->cols[i].system_implicit;
    if (a->column->primary_key) {
        table_drop_pk(t);
        c.pk_pos = 1;
    }
    schema_column_clear(&t->cols[i]);
    t->cols[i] = c;
    return place_column(ap, t, (uint32_t)i, a);
}

static int
alter_convert(const struct apply *ap, struct schema_table *t,
              const struct ddl_alter *a, bool columns)
{
    uint16_t coll;
    uint32_t i;

    if (a->charset_default) {
        coll = db_collation(ap, t->db);
        if (a->collate != NULL) {
            coll = resolve_collation(ap->s, NULL, a->collate,
                                     ap->ctx->utf8mb4_collation);
        }
    } else {
        coll = resolve_collation(ap->s, a->charset, a->collate,
                                 ap->ctx->utf8mb4_collation);
    }
    if (coll == 0) {
        /* An unknown charset: new columns' charsets become unknown. */
        t->collation = 0;
    } else {
        t->collation = coll;
    }
    if (!columns) {
        return 0;
    }
    for (i = 0; i < t->ncols; i++) {
        struct schema_column *c = &t->cols[i];

        if (is_string_type(c) && c->charset != MYSQL_CHARSET_BINARY &&
            c->charset != 0) {
            c->charset = t->collation;
        } else if (c->type == MYT_STRING && c->real_type != MYT_STRING &&
                   c->charset != 0) {
            c->charset = t->collation;
        }
    }
    return 0;
}

static int
alter_one(const struct apply *ap, struct schema_table *t,
          const struct ddl_alter *a, struct schema_table **spawn,
          const char **drop_db_name, const char **drop_name)
{
    unsigned unnamed = 0;
    int i;

    switch (a->kind) {
    case DDL_ALTER_ADD_COLUMN:
        return alter_add_column(ap, t, a);
    case DDL_ALTER_DROP_COLUMN:
        i = table_find_col(t, a->name);
        if (i < 0) {
            return a->if_exists
                       ? 0
                       : seterr(ap->err, ap->errlen,
                                "ALTER TABLE %s.%s: DROP COLUMN %s: no "
                                "such column",
                                t->db, t->name, a->name);
        }
        table_remove_col(t, (uint32_t)i);
        table_compact_pk(t);
        return 0;
    case DDL_ALTER_MODIFY_COLUMN:
    case DDL_ALTER_CHANGE_COLUMN:
        i = table_find_col(t, a->name);
        if (i < 0) {
            return a->if_exists
                       ? 0
                       : seterr(ap->err, ap->errlen,
                                "ALTER TABLE %s.%s: %s %s: no such column",
                                t->db, t->name,
                                a->kind == DDL_ALTER_MODIFY_COLUMN ? "MODIFY"
                                                                   : "CHANGE",
                                a->name);
        }
        return alter_replace_column(ap, t, i, a);
    case DDL_ALTER_RENAME_COLUMN: {
        char *nn;

        i = table_find_col(t, a->name);
        if (i < 0) {
            return seterr(ap->err, ap->errlen,
                          "ALTER TABLE %s.%s: RENAME COLUMN %s: no such "
                          "column",
                          t->db, t->name, a->name);
        }
        if (table_find_col(t, a->new_name) >= 0 &&
            !col_name_eq(a->name, a->new_name)) {
            return seterr(ap->err, ap->errlen,
                          "ALTER TABLE %s.%s: RENAME COLUMN %s TO %s: the "
                          "column exists",
                          t->db, t->name, a->name, a->new_name);
        }
        nn = xstrdup(a->new_name);
        if (nn == NULL) {
            return oom(ap);
        }
        free(t->cols[i].name);
        t->cols[i].name = nn;
        return 0;
    }
    case DDL_ALTER_COLUMN_VISIBILITY:
        i = table_find_col(t, a->name);
        if (i >= 0) {
            t->cols[i].invisible = a->flag;
        }
        return 0;
    case DDL_ALTER_RENAME_TABLE: {
        const char *db = a->table.db ? a->table.db : ap->ctx->db;
        char *ndb, *nname;

        if (db == NULL) {
            db = t->db;
        }
        ndb = xstrdup(db);
        nname = xstrdup(a->table.name);
        if (ndb == NULL || nname == NULL) {
            free(ndb);
            free(nname);
            return oom(ap);
        }
        free(t->db);
        free(t->name);
        t->db = ndb;
        t->name = nname;
        return 0;
    }
    case DDL_ALTER_CONVERT_CHARSET:
        return alter_convert(ap, t, a, true);
    case DDL_ALTER_DEFAULT_CHARSET:
        return alter_convert(ap, t, a, false);
    case DDL_ALTER_ADD_INDEX:
        if (a->index->primary) {
            set_primary_key(t, a->index->cols);
        } else if (a->index->unique) {
            promote_unique(t, a->index->cols);
        }
        if (a->index->n_functional > 0 &&
            ap->s->flavor != SCHEMA_FLAVOR_MARIADB &&
            add_hidden_cols(t, a->index, &unnamed) < 0) {
            return oom(ap);
        }
        return 0;
    case DDL_ALTER_DROP_INDEX:
        if (ddl_ieq(a->name, "PRIMARY")) {
            table_drop_pk(t);
        }
        remove_hidden_cols(t, a->name);
        return 0;
    case DDL_ALTER_DROP_PRIMARY_KEY:
        table_drop_pk(t);
        return 0;
    case DDL_ALTER_RENAME_INDEX: {
        uint32_t k;

        for (k = 0; k < t->ncols; k++) {
            if (t->cols[k].hidden && t->cols[k].hidden_index != NULL &&
                col_name_eq(t->cols[k].hidden_index, a->name)) {
                char *nn = xstrdup(a->new_name);

                if (nn == NULL) {
                    return oom(ap);
                }
                free(t->cols[k].hidden_index);
                t->cols[k].hidden_index = nn;
            }
        }
        return 0;
    }
    case DDL_ALTER_ADD_VERSIONING:
        if (ap->s->flavor == SCHEMA_FLAVOR_MARIADB &&
            add_implicit_versioning(t) < 0) {
            return oom(ap);
        }
        return 0;
    case DDL_ALTER_DROP_VERSIONING:
        drop_versioning(t);
        return 0;
    case DDL_ALTER_PARTITION_TO_TABLE:
        *spawn = table_clone(t);
        if (*spawn == NULL) {
            return oom(ap);
        }
        free((*spawn)->db);
        free((*spawn)->name);
        (*spawn)->db = xstrdup(a->table.db ? a->table.db : t->db);
        (*spawn)->name = xstrdup(a->table.name);
        if ((*spawn)->db == NULL || (*spawn)->name == NULL) {
            table_free(*spawn);
            *spawn = NULL;
            return oom(ap);
        }
        return 0;
    case DDL_ALTER_TABLE_TO_PARTITION:
        *drop_db_name = a->table.db ? a->table.db : ap->ctx->db;
        *drop_name = a->table.name;
        return 0;
    default:
        return 0;
    }
}

static int
apply_alter_table(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    struct schema *s = ap->s;
    const char *db = ctx_db(ap, &st->table);
    const struct ddl_alter *a;
    struct schema_table *t, *nt, *spawn = NULL;
    const char *drop_db_name = NULL, *drop_name = NULL;
    bool is_temp;

    if (db == NULL) {
        return seterr(ap->err, ap->errlen,
                      "ALTER TABLE %s: no database selected", st->table.name);
    }
    t = find_target(ap, db, st->table.name, &is_temp);
    if (t == NULL) {
        return 0; /* a table the history does not hold */
    }
    nt = table_clone(t);
    if (nt == NULL) {
        return oom(ap);
    }
    for (a = st->alters; a != NULL; a = a->next) {
        bool column_op = a->kind == DDL_ALTER_ADD_COLUMN ||
                         a->kind == DDL_ALTER_DROP_COLUMN ||
                         a->kind == DDL_ALTER_MODIFY_COLUMN ||
                         a->kind == DDL_ALTER_CHANGE_COLUMN ||
                         a->kind == DDL_ALTER_RENAME_COLUMN;

        if (nt->unknown && column_op) {
            continue; /* columns unknown anyway: only track renames */
        }
        if (alter_one(ap, nt, a, &spawn, &drop_db_name, &drop_name) < 0) {
            table_free(nt);
            table_free(spawn);
            poison(s, t, ap->err);
            return -1;
        }
    }
    nt->version = ++s->version;
    if (is_temp) {
        table_free(unlink_temp(s, ap->ctx->thread_id, t->db, t->name));
        insert_temp(s, nt, ap->ctx->thread_id);
    } else {
        table_free(unlink_real(s, t->db, t->name));
        if (insert_real(s, nt) < 0) {
            table_free(nt);
            table_free(spawn);
            return oom(ap);
        }
    }
    if (spawn != NULL) {
        spawn->version = s->version;
        if (insert_real(s, spawn) < 0) {
            table_free(spawn);
            return oom(ap);
        }
    }
    if (drop_name != NULL && drop_db_name != NULL) {
        table_free(unlink_real(s, drop_db_name, drop_name));
    }
    return 0;
}

static int
apply_drop_table(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    const struct ddl_name_list *nl;
    const char *db;

    for (nl = st->tables; nl != NULL; nl = nl->next) {
        db = ctx_db(ap, &nl->table);
        if (db == NULL) {
            continue;
        }
        /*
         * Servers log the drop of a temporary table as DROP TEMPORARY
         * TABLE (MySQL: DROP / *!40005 TEMPORARY * / TABLE), so a plain DROP
         * TABLE in the binlog is about the real table.
         */
        if (st->temporary) {
            table_free(unlink_temp(ap->s, ap->ctx->thread_id, db,
                                   nl->table.name));
        } else {
            table_free(unlink_real(ap->s, db, nl->table.name));
        }
    }
    ap->s->version++;
    return 0;
}

static int
apply_rename_table(const struct apply *ap)
{
    const struct ddl_rename *r;
    struct schema *s = ap->s;
    struct schema_table *t;
    const char *from_db, *to_db;
    char *ndb, *nname;
    bool is_temp;

    for (r = ap->st->renames; r != NULL; r = r->next) {
        from_db = ctx_db(ap, &r->from);
        to_db = ctx_db(ap, &r->to);
        if (from_db == NULL || to_db == NULL) {
            return seterr(ap->err, ap->errlen,
                          "RENAME TABLE %s: no database selected",
                          r->from.name);
        }
        t = find_target(ap, from_db, r->from.name, &is_temp);
        if (t == NULL) {
            /* Unknown source: whatever had the target name is gone. */
            table_free(unlink_real(s, to_db, r->to.name));
            continue;
        }
        t = is_temp ? unlink_temp(s, ap->ctx->thread_id, t->db, t->name)
                    : unlink_real(s, t->db, t->name);
        ndb = xstrdup(to_db);
        nname = xstrdup(r->to.name);
        if (ndb == NULL || nname == NULL) {
            free(ndb);
            free(nname);
            table_free(t);
            return oom(ap);
        }
        free(t->db);
        free(t->name);
        t->db = ndb;
        t->name = nname;
        t->version = ++s->version;
        if (is_temp) {
            insert_temp(s, t, ap->ctx->thread_id);
        } else if (insert_real(s, t) < 0) {
            table_free(t);
            return oom(ap);
        }
    }
    return 0;
}

static int
apply_database(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    struct schema *s = ap->s;
    const char *db = st->db_name != NULL ? st->db_name : ap->ctx->db;
    uint16_t coll;

    if (db == NULL) {
        char what[32];

        kind_words(st->kind, what, sizeof(what));
        return seterr(ap->err, ap->errlen, "%s: no database selected", what);
    }
    switch (st->kind) {
    case DDL_CREATE_DATABASE:
        if (find_db(s, db, strlen(db)) != NULL && st->if_not_exists &&
            !st->or_replace) {
            return 0;
        }
        if (st->or_replace) {
            drop_db(s, db);
        }
        coll = resolve_collation(s, st->charset, st->collate,
                                 ap->ctx->utf8mb4_collation);
        if (coll == 0) {
            coll = server_collation(ap);
        }
        if (put_db(s, db, strlen(db), coll) == NULL) {
            return oom(ap);
        }
        break;
    case DDL_ALTER_DATABASE:
        coll = resolve_collation(s, st->charset, st->collate,
                                 ap->ctx->utf8mb4_collation);
        if (coll != 0 && put_db(s, db, strlen(db), coll) == NULL) {
            return oom(ap);
        }
        break;
    case DDL_DROP_DATABASE:
        drop_db(s, db);
        break;
    default:
        break;
    }
    s->version++;
    return 0;
}

/* CREATE/DROP INDEX: only functional key parts change the row image. */
static int
apply_index(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    const char *db = ctx_db(ap, &st->table);
    struct schema_table *t;
    unsigned unnamed = 0;
    bool is_temp;

    if (db == NULL) {
        return 1;
    }
    t = find_target(ap, db, st->table.name, &is_temp);
    if (t == NULL) {
        return 1;
    }
    if (st->kind == DDL_CREATE_INDEX) {
        if (st->index == NULL || st->index->n_functional == 0 ||
            ap->s->flavor == SCHEMA_FLAVOR_MARIADB) {
            return 1;
        }
        if (add_hidden_cols(t, st->index, &unnamed) < 0) {
            return oom(ap);
        }
    } else {
        if (ddl_ieq(st->index_name, "PRIMARY")) {
            table_drop_pk(t);
        } else if (remove_hidden_cols(t, st->index_name) == 0) {
            return 1;
        }
    }
    t->version = ++ap->s->version;
    return 0;
}

/* A statement that could not be parsed: mark the table it was about. */
static void
poison_unparsed(const struct apply *ap)
{
    const struct ddl_stmt *st = ap->st;
    struct schema *s = ap->s;
    const char *db = ctx_db(ap, &st->table);
    struct schema_table *t;
    bool is_temp;

    if (db == NULL || st->table.name == NULL) {
        return;
    }
    switch (st->kind) {
    case DDL_CREATE_TABLE:
        if (st->temporary) {
            return;
        }
        t = table_new(db, strlen(db), st->table.name, strlen(st->table.name));
        if (t == NULL) {
            return;
        }
        poison(s, t, ap->err);
        if (insert_real(s, t) < 0) {
            table_free(t);
        }
        return;
    case DDL_ALTER_TABLE:
        t = find_target(ap, db, st->table.name, &is_temp);
        break;
    case DDL_CREATE_INDEX:
    case DDL_DROP_INDEX:
        if (s->flavor == SCHEMA_FLAVOR_MARIADB) {
            return;
        }
        t = find_target(ap, db, st->table.name, &is_temp);
        break;
    default:
        return;
    }
    if (t != NULL) {
        poison(s, t, ap->err);
    }
}

int
schema_apply_query(struct schema *s, const struct schema_query_ctx *ctx,
                   const char *sql, size_t len, enum ddl_kind *kind,
                   char *err, size_t errlen)
{
    static const struct schema_query_ctx zero_ctx;
    char local_err[512];
    struct ddl_opts opts;
    struct apply ap;
    int rc;

    if (ctx == NULL) {
        ctx = &zero_ctx;
    }
    if (err == NULL || errlen == 0) {
        /* Reasons still go into the tables this statement marks. */
        err = local_err;
        errlen = sizeof(local_err);
    }
    err[0] = '\0';
    opts.sql_mode = ctx->sql_mode;
    opts.mariadb = s->flavor == SCHEMA_FLAVOR_MARIADB;
    ap.s = s;
    ap.ctx = ctx;
    ap.st = &s->stmt;
    ap.err = err;
    ap.errlen = errlen;
    rc = ddl_parse(&s->stmt, sql, len, &opts);
    if (kind != NULL) {
        *kind = s->stmt.kind;
    }
    if (rc < 0) {
        char what[32];

        kind_words(s->stmt.kind, what, sizeof(what));
        if (s->stmt.kind == DDL_NONE) {
            seterr(err, errlen, "cannot parse statement: %s (offset %zu)",
                   s->stmt.err, s->stmt.err_off);
        } else if (s->stmt.table.name != NULL) {
            seterr(err, errlen,
                   "cannot parse %s statement on %s%s%s: %s (offset %zu)",
                   what, s->stmt.table.db ? s->stmt.table.db : "",
                   s->stmt.table.db ? "." : "", s->stmt.table.name,
                   s->stmt.err, s->stmt.err_off);
            poison_unparsed(&ap);
        } else {
            seterr(err, errlen, "cannot parse %s statement: %s (offset %zu)",
                   what, s->stmt.err, s->stmt.err_off);
        }
        ddl_stmt_free(&s->stmt);
        return -1;
    }
    switch (s->stmt.kind) {
    case DDL_CREATE_TABLE:
        rc = apply_create_table(&ap);
        break;
    case DDL_ALTER_TABLE:
        rc = apply_alter_table(&ap);
        break;
    case DDL_DROP_TABLE:
    case DDL_DROP_SEQUENCE:
        rc = apply_drop_table(&ap);
        break;
    case DDL_RENAME_TABLE:
        rc = apply_rename_table(&ap);
        break;
    case DDL_CREATE_DATABASE:
    case DDL_ALTER_DATABASE:
    case DDL_DROP_DATABASE:
        rc = apply_database(&ap);
        break;
    case DDL_CREATE_INDEX:
    case DDL_DROP_INDEX:
        rc = apply_index(&ap);
        break;
    case DDL_CREATE_SEQUENCE:
        rc = apply_create_sequence(&ap);
        break;
    case DDL_TRUNCATE_TABLE:
    case DDL_NONE:
    default:
        rc = 1;
        break;
    }
    ddl_stmt_free(&s->stmt);
    return rc;
}

int
schema_apply_ddl(struct schema *s, const char *current_db, const char *sql,
                 size_t len, char *err, size_t errlen)
{
    struct schema_query_ctx ctx;

    memset(&ctx, 0, sizeof(ctx));
    ctx.db = current_db;
    return schema_apply_query(s, &ctx, sql, len, NULL, err, errlen);
}

/* ---- TABLE_MAP checks ---- */

static const char *
type_name(unsigned t)
{
    switch (t) {
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
    case SCHEMA_MYT_BLOB_COMPRESSED: return "BLOB_COMPRESSED";
    case SCHEMA_MYT_VARCHAR_COMPRESSED: return "VARCHAR_COMPRESSED";
    case MYT_VECTOR: return "VECTOR";
    case MYT_INVALID: return "UNKNOWN";
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
    default: return "?";
    }
}

#define CLS_STRING_ANY 1000       /* MYT_STRING without metadata */

/* The comparison class of a binlog type. */
static int
type_class(unsigned t, unsigned real)
{
    switch (t) {
    case MYT_STRING:
        if (real == MYT_ENUM || real == MYT_SET) {
            return (int)real;
        }
        return MYT_STRING;
    case MYT_VAR_STRING:
    case SCHEMA_MYT_VARCHAR_COMPRESSED:
        return MYT_VARCHAR;
    case MYT_TINY_BLOB:
    case MYT_MEDIUM_BLOB:
    case MYT_LONG_BLOB:
    case SCHEMA_MYT_BLOB_COMPRESSED:
    case MYT_JSON:
    case MYT_GEOMETRY:
        return MYT_BLOB;
    case MYT_DECIMAL:
        return MYT_NEWDECIMAL;
    case MYT_NEWDATE:
        return MYT_DATE;
    case MYT_TIME:
        return MYT_TIME2;
    case MYT_DATETIME:
        return MYT_DATETIME2;
    case MYT_TIMESTAMP:
        return MYT_TIMESTAMP2;
    default:
        return (int)t;
    }
}

/* Real type of a TABLE_MAP MYT_STRING column from its metadata. */
static unsigned
binlog_real_type(unsigned t, const uint16_t *metas, uint32_t i)
{
    unsigned b0;

    if (t != MYT_STRING) {
        return t;
    }
    if (metas == NULL) {
        return 0;
    }
    b0 = metas[i] >> 8;
    if (b0 == 0) {
        return 0; /* no real type given: any of CHAR, ENUM, SET */
    }
    /* CHAR longer than 255 bytes folds length bits into this byte. */
    if ((b0 & 0x30) != 0x30) {
        b0 |= 0x30;
    }
    return b0;
}

static bool
compatible(const struct schema_column *c, unsigned bt, unsigned breal)
{
    int hc, bc;

    if (c->type == MYT_INVALID) {
        return true;
    }
    hc = type_class(c->type, c->real_type);
    bc = (bt == MYT_STRING && breal == 0) ? CLS_STRING_ANY
                                          : type_class(bt, breal);
    if (hc == bc) {
        return true;
    }
    if (bc == CLS_STRING_ANY &&
        (hc == MYT_STRING || hc == MYT_ENUM || hc == MYT_SET)) {
        return true;
    }
    if (c->type == MYT_VECTOR && (bc == MYT_BLOB || bc == MYT_VARCHAR)) {
        return true;
    }
    if (bt == MYT_VECTOR && (hc == MYT_BLOB || hc == MYT_VARCHAR)) {
        return true;
    }
    return false;
}

/* ENUM/SET storage bytes that the member count implies. */
static unsigned
enum_pack_len(const struct schema_column *c)
{
    unsigned n = c->n_enum_values;

    if (c->real_type == MYT_ENUM) {
        return n < 256 ? 1 : 2;
    }
    n = (n + 7) / 8;
    return n > 4 ? 8 : n;
}

static const char ADVICE[] =
    " \xe2\x80\x94 the table changed by a DDL the history did not see; "
    "enable binlog_row_metadata=FULL on the source or start after that DDL";

/* Compares; returns the index of the first mismatch or -1. */
static int
match_cols(const struct schema_table *t, bool skip_hidden, uint32_t ncols,
           const uint8_t *types, const uint16_t *metas, uint32_t *hist_idx)
{
    uint32_t i, j = 0;

    for (i = 0; i < t->ncols && j < ncols; i++) {
        const struct schema_column *c = &t->cols[i];
        unsigned breal;

        if (skip_hidden && c->hidden) {
            continue;
        }
        breal = binlog_real_type(types[j], metas, j);
        if (!compatible(c, types[j], breal)) {
            *hist_idx = i;
            return (int)j;
        }
        if (metas != NULL && c->type == MYT_STRING &&
            (c->real_type == MYT_ENUM || c->real_type == MYT_SET) &&
            c->n_enum_values > 0 && (metas[j] & 0xff) != 0 &&
            (metas[j] & 0xff) != enum_pack_len(c)) {
            *hist_idx = i;
            return (int)j;
        }
        j++;
    }
    return -1;
}

static void
list_types(char *out, size_t outlen, uint32_t ncols, const uint8_t *types)
{
    size_t used = 0;
    uint32_t i;
    int w;

    out[0] = '\0';
    for (i = 0; i < ncols; i++) {
        w = snprintf(out + used, outlen - used, "%s%s", i ? ", " : "",
                     type_name(types[i]));
        if (w < 0 || (size_t)w >= outlen - used || used + (size_t)w > 160) {
            snprintf(out + used, outlen - used, ", ...");
            return;
        }
        used += (size_t)w;
    }
}

int
schema_check_table_map(const struct schema *s, struct span db,
                       struct span table, uint32_t ncols,
                       const uint8_t *types, const uint16_t *metas,
                       const struct schema_table **out, char *err,
                       size_t errlen)
{
    const struct schema_table *t = schema_find_table(s, db, table);
    uint32_t nvis, hi = 0;
    int bad = -1;
    bool tried = false;
    char list[200];

    if (out != NULL) {
        *out = NULL;
    }
    if (t == NULL) {
        seterr(err, errlen, "table %.*s.%.*s is not in the schema history",
               (int)db.len, (const char *)db.p, (int)table.len,
               (const char *)table.p);
        return SCHEMA_ENOTABLE;
    }
    if (t->unknown) {
        seterr(err, errlen,
               "table %s.%s: the schema history does not know its columns: "
               "%s; enable binlog_row_metadata=FULL on the source or start "
               "after a DDL that defines the table",
               t->db, t->name,
               t->unknown_reason ? t->unknown_reason : "unknown");
        return SCHEMA_EUNKNOWN;
    }
    nvis = t->ncols - t->n_hidden;
    if (ncols == t->ncols) {
        tried = true;
        bad = match_cols(t, false, ncols, types, metas, &hi);
        if (bad < 0) {
            goto ok;
        }
    }
    if (t->n_hidden > 0 && ncols == nvis) {
        int bad2 = match_cols(t, true, ncols, types, metas, &hi);

        if (bad2 < 0) {
            goto ok;
        }
        if (!tried) {
            bad = bad2;
        }
        tried = true;
    }
    if (!tried) {
        list_types(list, sizeof(list), ncols, types);
        if (t->hidden_unknown > 0 && ncols == t->ncols + t->hidden_unknown) {
            seterr(err, errlen,
                   "table %s.%s: binlog TABLE_MAP has %u columns (%s) and the "
                   "schema history %u plus %u hidden functional-index "
                   "columns whose positions information_schema does not "
                   "give; enable binlog_row_metadata=FULL on the source",
                   t->db, t->name, ncols, list, t->ncols, t->hidden_unknown);
        } else {
            seterr(err, errlen,
                   "table %s.%s: binlog TABLE_MAP has %u columns (%s) but the "
                   "schema history has %u%s",
                   t->db, t->name, ncols, list, nvis, ADVICE);
        }
        return SCHEMA_EMISMATCH;
    }
    {
        const struct schema_column *c = &t->cols[hi];
        unsigned breal = binlog_real_type(types[bad], metas, (uint32_t)bad);
        const char *ht = type_name(c->type == MYT_STRING ? c->real_type
                                                         : c->type);
        const char *bt = type_name(types[bad] == MYT_STRING && breal != 0
                                       ? (breal == MYT_ENUM || breal == MYT_SET
                                              ? breal
                                              : MYT_STRING)
                                       : types[bad]);

        if (strcmp(ht, bt) == 0) {
            seterr(err, errlen,
                   "table %s.%s: column %d (%s) is an %s of %u members in "
                   "the schema history but takes %u bytes in the binlog "
                   "TABLE_MAP%s",
                   t->db, t->name, bad + 1, c->name, ht, c->n_enum_values,
                   metas ? (unsigned)(metas[bad] & 0xff) : 0u, ADVICE);
        } else {
            seterr(err, errlen,
                   "table %s.%s: column %d (%s) is %s in the binlog TABLE_MAP "
                   "but %s in the schema history%s",
                   t->db, t->name, bad + 1, c->name, bt, ht, ADVICE);
        }
    }
    return SCHEMA_EMISMATCH;
ok:
    if (out != NULL) {
        *out = t;
    }
    return SCHEMA_OK;
}

int
schema_fill_columns(const struct schema_table *t, struct mysql_column *cols,
                    uint32_t ncols, char *err, size_t errlen)
{
    bool skip_hidden;
    uint32_t i, j = 0;

    if (t->unknown) {
        return seterr(err, errlen, "table %s.%s: columns unknown", t->db,
                      t->name);
    }
    if (ncols == t->ncols) {
        skip_hidden = false;
    } else if (t->n_hidden > 0 && ncols == t->ncols - t->n_hidden) {
        skip_hidden = true;
    } else {
        return seterr(err, errlen,
                      "table %s.%s: %u TABLE_MAP columns for %u in the "
                      "schema history",
                      t->db, t->name, ncols, t->ncols);
    }
    for (i = 0; i < t->ncols && j < ncols; i++) {
        const struct schema_column *c = &t->cols[i];
        struct mysql_column *m;

        if (skip_hidden && c->hidden) {
            continue;
        }
        m = &cols[j++];
        m->name.p = (const uint8_t *)c->name;
        m->name.len = strlen(c->name);
        m->is_unsigned = c->is_unsigned;
        m->charset = c->charset;
        m->is_json_text = c->is_json_text;
        m->enum_values = c->n_enum_values > 0 ? c->enum_values : NULL;
        m->n_enum_values = c->n_enum_values;
    }
    return 0;
}

/* ---- information_schema loaders ---- */

/* Copies a span into a NUL-terminated buffer; false if it does not fit. */
static bool
span_cstr(struct span v, char *out, size_t outlen)
{
    if (v.p == NULL || v.len >= outlen) {
        return false;
    }
    if (v.len > 0) {
        memcpy(out, v.p, v.len);
    }
    out[v.len] = '\0';
    return true;
}

static bool
span_ieq(struct span v, const char *lit)
{
    return v.p != NULL && ieq_n(lit, (const char *)v.p, v.len);
}

/* The real table db.name, created empty when absent. */
static struct schema_table *
load_table(struct schema *s, struct span db, struct span name)
{
    struct schema_table **pp =
        find_slot(s, (const char *)db.p, db.len, (const char *)name.p,
                  name.len);
    struct schema_table *t;

    if (pp != NULL) {
        return *pp;
    }
    t = table_new((const char *)db.p, db.len, (const char *)name.p, name.len);
    if (t == NULL) {
        return NULL;
    }
    if (insert_real(s, t) < 0) {
        table_free(t);
        return NULL;
    }
    return t;
}

int
schema_load_database(struct schema *s, struct span name,
                     struct span default_collation, char *err, size_t errlen)
{
    char coll[96];
    uint16_t id = 0;

    if (name.p == NULL || name.len == 0) {
        return seterr(err, errlen, "SCHEMATA row without SCHEMA_NAME");
    }
    if (span_cstr(default_collation, coll, sizeof(coll))) {
        id = schema_collation_id(s, coll);
    }
    if (put_db(s, (const char *)name.p, name.len, id) == NULL) {
        return seterr(err, errlen, "out of memory");
    }
    s->version++;
    return 0;
}

int
schema_load_table(struct schema *s, struct span db, struct span name,
                  struct span table_collation, struct span table_type,
                  char *err, size_t errlen)
{
    struct schema_table *t;
    char coll[96];

    if (db.p == NULL || name.p == NULL) {
        return seterr(err, errlen, "TABLES row without a name");
    }
    if (span_ieq(table_type, "VIEW") || span_ieq(table_type, "SYSTEM VIEW")) {
        return 1;
    }
    t = load_table(s, db, name);
    if (t == NULL) {
        return seterr(err, errlen, "out of memory");
    }
    if (span_cstr(table_collation, coll, sizeof(coll))) {
        t->collation = schema_collation_id(s, coll);
    }
    t->version = ++s->version;
    return 0;
}

int
schema_parse_column_type(const struct schema *s, const char *text, size_t len,
                         const char *collation_name,
                         struct schema_column *col, char *err, size_t errlen)
{
    struct ddl_stmt st;
    struct ddl_column *dc;
    struct ddl_opts opts;
    int rc;

    memset(&st, 0, sizeof(st));
    memset(col, 0, sizeof(*col));
    opts.sql_mode = 0;
    opts.mariadb = s->flavor == SCHEMA_FLAVOR_MARIADB;
    if (ddl_parse_column_type(&st, text, len, &opts, &dc) < 0) {
        seterr(err, errlen, "cannot parse COLUMN_TYPE '%.*s': %s",
               (int)(len > 64 ? 64 : len), text, st.err);
        ddl_stmt_free(&st);
        return -1;
    }
    dc->name = "";
    rc = col_from_ddl(s, dc, 0, 0, col);
    if (rc == 0) {
        free(col->name);
        col->name = NULL;
        if (collation_name != NULL) {
            col->charset = schema_collation_id(s, collation_name);
        } else if (dc->is_binary || dc->is_json ||
                   col->type == MYT_GEOMETRY) {
            col->charset = s->flavor == SCHEMA_FLAVOR_MARIADB && dc->is_json
                               ? 46
                               : MYSQL_CHARSET_BINARY;
        } else {
            col->charset = 0;
        }
    } else {
        schema_column_clear(col);
        seterr(err, errlen, "out of memory");
    }
    ddl_stmt_free(&st);
    return rc;
}

int
schema_load_column(struct schema *s, const struct schema_column_row *row,
                   char *err, size_t errlen)
{
    struct schema_table *t;
    struct schema_column c;
    char coll[96];
    const struct span *tp;

    if (row->table_schema.p == NULL || row->table_name.p == NULL ||
        row->column_name.p == NULL) {
        return seterr(err, errlen, "COLUMNS row without a name");
    }
    t = load_table(s, row->table_schema, row->table_name);
    if (t == NULL) {
        return seterr(err, errlen, "out of memory");
    }
    if (row->ordinal_position == 1 && (t->ncols > 0 || t->unknown)) {
        table_clear_cols(t); /* the table again: start over */
        t->unknown = false;
        free(t->unknown_reason);
        t->unknown_reason = NULL;
    } else if (t->unknown) {
        return 1; /* a column of it could not be read: rows will fail */
    }
    if (row->ordinal_position != t->ncols + 1) {
        return seterr(err, errlen,
                      "column %s.%s.%.*s: ORDINAL_POSITION %u where %u was "
                      "expected",
                      t->db, t->name, (int)row->column_name.len,
                      (const char *)row->column_name.p, row->ordinal_position,
                      t->ncols + 1);
    }
    tp = row->column_type.p != NULL ? &row->column_type : &row->data_type;
    if (tp->p == NULL) {
        return seterr(err, errlen, "column %s.%s.%.*s: no COLUMN_TYPE",
                      t->db, t->name, (int)row->column_name.len,
                      (const char *)row->column_name.p);
    }
    if (schema_parse_column_type(
            s, (const char *)tp->p, tp->len,
            span_cstr(row->collation_name, coll, sizeof(coll)) ? coll : NULL,
            &c, err, errlen) < 0) {
        char why[400];

        snprintf(why, sizeof(why), "information_schema column %.*s: %s",
                 (int)row->column_name.len, (const char *)row->column_name.p,
                 err != NULL && errlen > 0 ? err : "bad COLUMN_TYPE");
        table_set_unknown(t, why);
        t->version = ++s->version;
        return -1;
    }
    c.name = xstrndup((const char *)row->column_name.p, row->column_name.len);
    if (c.name == NULL) {
        schema_column_clear(&c);
        return seterr(err, errlen, "out of memory");
    }
    c.nullable = span_ieq(row->is_nullable, "YES");
    if (span_ieq(row->column_key, "PRI")) {
        uint16_t pos = 0;
        uint32_t i;

        for (i = 0; i < t->ncols; i++) {
            if (t->cols[i].pk_pos > pos) {
                pos = t->cols[i].pk_pos;
            }
        }
        c.pk_pos = (uint16_t)(pos + 1);
    }
    if (table_insert_col(t, t->ncols, &c) < 0) {
        schema_column_clear(&c);
        return seterr(err, errlen, "out of memory");
    }
    t->version = ++s->version;
    return 0;
}

static struct schema_table *
loaded_table(struct schema *s, struct span db, struct span table, char *err,
             size_t errlen)
{
    struct schema_table **pp;

    if (db.p == NULL || table.p == NULL) {
        seterr(err, errlen, "row without a table name");
        return NULL;
    }
    pp = find_slot(s, (const char *)db.p, db.len, (const char *)table.p,
                   table.len);
    if (pp == NULL) {
        seterr(err, errlen, "table %.*s.%.*s has no columns loaded",
               (int)db.len, (const char *)db.p, (int)table.len,
               (const char *)table.p);
        return NULL;
    }
    return *pp;
}

int
schema_load_implicit_versioning(struct schema *s, struct span db,
                                struct span table, char *err, size_t errlen)
{
    struct schema_table *t = loaded_table(s, db, table, err, errlen);

    if (t == NULL) {
        return -1;
    }
    if (has_period(t)) {
        return 1;
    }
    if (add_implicit_versioning(t) < 0) {
        return seterr(err, errlen, "out of memory");
    }
    t->version = ++s->version;
    return 0;
}

int
schema_load_json_check(struct schema *s, struct span db, struct span table,
                       struct span check_clause, char *err, size_t errlen)
{
    struct schema_table *t;
    char clause[200], name[160];
    const char *p, *q;
    size_t n;
    int i;

    if (!span_cstr(check_clause, clause, sizeof(clause))) {
        return 1;
    }
    /* json_valid(`col`), as MariaDB writes it (col with `` escapes). */
    if (strncmp(clause, "json_valid(`", 12) != 0) {
        return 1;
    }
    p = clause + 12;
    n = 0;
    for (q = p; *q != '\0'; q++) {
        if (*q == '`') {
            if (q[1] == '`') {
                q++;
            } else {
                break;
            }
        }
        if (n + 1 >= sizeof(name)) {
            return 1;
        }
        name[n++] = *q;
    }
    name[n] = '\0';
    if (*q != '`' || strcmp(q, "`)") != 0) {
        return 1;
    }
    t = loaded_table(s, db, table, err, errlen);
    if (t == NULL) {
        return -1;
    }
    i = table_find_col(t, name);
    if (i < 0 || (t->cols[i].type != MYT_BLOB &&
                  t->cols[i].type != SCHEMA_MYT_BLOB_COMPRESSED)) {
        return 1;
    }
    t->cols[i].is_json_text = true;
    t->version = ++s->version;
    return 0;
}

int
schema_load_functional_index(struct schema *s, struct span db,
                             struct span table, char *err, size_t errlen)
{
    struct schema_table *t = loaded_table(s, db, table, err, errlen);

    if (t == NULL) {
        return -1;
    }
    t->hidden_unknown++;
    t->version = ++s->version;
    return 0;
}
