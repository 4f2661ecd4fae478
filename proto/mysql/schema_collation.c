/*
 * schema_collation.c - collation and charset names and ids for the schema
 * history.
 *
 * The built-in table holds MySQL 8.4's and MariaDB 11.4's ids below 1024
 * (the two agree except for MySQL's utf8mb4_*_0900_* and gb18030
 * collations and the *_croatian_ci names); MariaDB's NO PAD ids (name with
 * _nopad, id + 1024) and UCA 14.0.0 ids (2048 + charset * 256 + tailoring
 * * 8 + flags) are computed.  Collations and charset defaults the server
 * reports at run time (schema_add_collation, schema_set_charset_collation)
 * take precedence.  On top of the name <-> id maps sit the rules DDL
 * follows to give a column or table its collation: CHARACTER SET and
 * COLLATE clauses, "utf8" as utf8mb3, the BINARY attribute's _bin
 * collation, NATIONAL, and MariaDB's JSON.
 */
#include "proto/mysql/schema_int.h"

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

/* ---- names and ids ---- */

/* Lower-cases <name> into out[0..outlen) with "utf8" read as utf8mb3. */
static void
norm_name(const char *name, char *out, size_t outlen)
{
    size_t i, j = 0;

    if (outlen == 0) {
        return;
    }
    if (schema_ieq_n("utf8", name, 4) && (name[4] == '\0' || name[4] == '_')) {
        snprintf(out, outlen, "utf8mb3");
        j = strlen(out);
        name += 4;
    }
    for (i = 0; name[i] != '\0' && j + 1 < outlen; i++) {
        out[j++] = schema_lower(name[i]);
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

/* Default collation of the normalized charset name, without the
 * server's table. */
static uint16_t
builtin_charset_collation(const struct schema *s, const char *norm)
{
    size_t i;

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
    return builtin_charset_collation(s, norm);
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
uint16_t
schema_resolve_collation(const struct schema *s, const char *cs,
                         const char *coll, uint16_t utf8mb4_override)
{
    char full[96];

    if (coll != NULL) {
        if (schema_ieq_n("uca1400", coll, 7) && cs != NULL) {
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

/*
 * Sets <name> = <id> in the table arr[0..*n); a name not in the table yet
 * is added only when <builtin>, the id the built-in knowledge gives it,
 * differs: what the server says is then remembered, what it repeats of
 * the built-in tables costs nothing.  A server reports hundreds of
 * collations and a process may read many streams of one server.
 */
static int
named_id_put(struct named_id **arr, size_t *n, size_t *cap, const char *norm,
             uint16_t id, uint16_t builtin)
{
    size_t i;
    struct named_id *na;
    char *dup;

    for (i = 0; i < *n; i++) {
        if (strcmp((*arr)[i].name, norm) == 0) {
            (*arr)[i].id = id;
            return 0;
        }
    }
    if (id == builtin) {
        return 0;
    }
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 4;

        na = realloc(*arr, ncap * sizeof(*na));
        if (na == NULL) {
            return -1;
        }
        *arr = na;
        *cap = ncap;
    }
    dup = schema_xstrdup(norm);
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
    char norm[80];

    if (name == NULL || strlen(name) >= sizeof(norm) - 4) {
        return -1;
    }
    norm_name(name, norm, sizeof(norm));
    return named_id_put(&s->colls, &s->ncolls, &s->capcolls, norm, id,
                        strcmp(norm, "binary") == 0 ? MYSQL_CHARSET_BINARY :
                        builtin_collation(s, norm));
}

int
schema_set_charset_collation(struct schema *s, const char *charset,
                             uint16_t id)
{
    char norm[80];

    if (charset == NULL || strlen(charset) >= sizeof(norm) - 4) {
        return -1;
    }
    norm_name(charset, norm, sizeof(norm));
    return named_id_put(&s->csdefs, &s->ncsdefs, &s->capcsdefs, norm, id,
                        builtin_charset_collation(s, norm));
}

void
schema_set_server_collation(struct schema *s, uint16_t id)
{
    s->server_collation = id;
}

/* ---- columns ---- */

/* Charset of a character column without CHARACTER SET/COLLATE. */
uint16_t
schema_text_collation(const struct schema *s, const struct ddl_column *dc,
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
        return schema_resolve_collation(s, cs, dc->collate, utf8mb4);
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
