/*
 * crc32.c - CRC-32 with PCLMULQDQ folding (see crc32.h).
 *
 * The folding constants are x^k mod P(x) for the bit-reflected polynomial
 * P = 0x104C11DB7: R1 = x^(4*128+32), R2 = x^(4*128-32) fold 512 bits
 * ahead, R3/R4 fold 128 bits, R5 folds 64 into 32 bits, and (P', mu)
 * drive the final Barrett reduction (Intel's paper, section 4; the same
 * values as the Linux kernel's crc32-pclmul).
 */
#include "proto/crc32.h"

#include <zlib.h>

uint32_t
crc32_portable(uint32_t crc, const uint8_t *p, size_t n)
{
    /* zlib takes an unsigned int length: feed it in slices. */
    while (n > 0) {
        unsigned chunk = n > (1u << 30) ? (1u << 30) : (unsigned)n;

        crc = (uint32_t)crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define CRC_TARGET __attribute__((target("pclmul,sse4.1")))

/* Folds n (a multiple of 16, >= 16) bytes into the raw (not inverted)
 * CRC register state; returns the new state. */
static CRC_TARGET uint32_t
crc32_fold(uint32_t state, const uint8_t *p, size_t n)
{
    const __m128i r2r1 = _mm_set_epi64x(0x1c6e41596LL, 0x154442bd4LL);
    const __m128i r4r3 = _mm_set_epi64x(0x0ccaa009eLL, 0x1751997d0LL);
    const __m128i r5 = _mm_set_epi64x(0, 0x163cd6124LL);
    const __m128i poly = _mm_set_epi64x(0x1f7011641LL, 0x1db710641LL);
    const __m128i mask32 = _mm_set_epi32(0, 0, 0, -1);
    __m128i x1, x2, x3, x4, t1, t2, t3, t4;

    x1 = _mm_loadu_si128((const __m128i *)(const void *)(p + 0));
    x1 = _mm_xor_si128(x1, _mm_cvtsi32_si128((int)state));
    if (n < 64) {
        p += 16;
        n -= 16;
        goto by16;
    }
    x2 = _mm_loadu_si128((const __m128i *)(const void *)(p + 16));
    x3 = _mm_loadu_si128((const __m128i *)(const void *)(p + 32));
    x4 = _mm_loadu_si128((const __m128i *)(const void *)(p + 48));
    p += 64;
    n -= 64;

    /* Four lanes, 64 bytes per round. */
    while (n >= 64) {
        t1 = _mm_clmulepi64_si128(x1, r2r1, 0x00);
        t2 = _mm_clmulepi64_si128(x2, r2r1, 0x00);
        t3 = _mm_clmulepi64_si128(x3, r2r1, 0x00);
        t4 = _mm_clmulepi64_si128(x4, r2r1, 0x00);
        x1 = _mm_clmulepi64_si128(x1, r2r1, 0x11);
        x2 = _mm_clmulepi64_si128(x2, r2r1, 0x11);
        x3 = _mm_clmulepi64_si128(x3, r2r1, 0x11);
        x4 = _mm_clmulepi64_si128(x4, r2r1, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, t1),
                           _mm_loadu_si128((const __m128i *)(const void *)
                                           (p + 0)));
        x2 = _mm_xor_si128(_mm_xor_si128(x2, t2),
                           _mm_loadu_si128((const __m128i *)(const void *)
                                           (p + 16)));
        x3 = _mm_xor_si128(_mm_xor_si128(x3, t3),
                           _mm_loadu_si128((const __m128i *)(const void *)
                                           (p + 32)));
        x4 = _mm_xor_si128(_mm_xor_si128(x4, t4),
                           _mm_loadu_si128((const __m128i *)(const void *)
                                           (p + 48)));
        p += 64;
        n -= 64;
    }

    /* Four lanes into one. */
    t1 = _mm_clmulepi64_si128(x1, r4r3, 0x00);
    x1 = _mm_clmulepi64_si128(x1, r4r3, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, t1), x2);
    t1 = _mm_clmulepi64_si128(x1, r4r3, 0x00);
    x1 = _mm_clmulepi64_si128(x1, r4r3, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, t1), x3);
    t1 = _mm_clmulepi64_si128(x1, r4r3, 0x00);
    x1 = _mm_clmulepi64_si128(x1, r4r3, 0x11);
    x1 = _mm_xor_si128(_mm_xor_si128(x1, t1), x4);

by16:
    /* Remaining 16-byte blocks. */
    while (n >= 16) {
        t1 = _mm_clmulepi64_si128(x1, r4r3, 0x00);
        x1 = _mm_clmulepi64_si128(x1, r4r3, 0x11);
        x1 = _mm_xor_si128(_mm_xor_si128(x1, t1),
                           _mm_loadu_si128((const __m128i *)(const void *)p));
        p += 16;
        n -= 16;
    }

    /* 128 -> 64 bits. */
    t1 = _mm_clmulepi64_si128(x1, r4r3, 0x10);
    x1 = _mm_xor_si128(_mm_srli_si128(x1, 8), t1);
    /* 64 -> 32 bits. */
    t1 = _mm_srli_si128(x1, 4);
    x1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), r5, 0x00);
    x1 = _mm_xor_si128(x1, t1);
    /* Barrett reduction. */
    t1 = _mm_clmulepi64_si128(_mm_and_si128(x1, mask32), poly, 0x10);
    t1 = _mm_clmulepi64_si128(_mm_and_si128(t1, mask32), poly, 0x00);
    x1 = _mm_xor_si128(x1, t1);
    return (uint32_t)_mm_extract_epi32(x1, 1);
}

/* Slice-by-8 tables for the tail (< 16 bytes) after the folded blocks:
 * crc_table[k][b] is the CRC of byte b followed by k zero bytes. */
static uint32_t crc_table[8][256];

static void
crc_table_init(void)
{
    uint32_t i, j, c;

    for (i = 0; i < 256; i++) {
        c = i;
        for (j = 0; j < 8; j++) {
            c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
        }
        crc_table[0][i] = c;
    }
    for (i = 0; i < 256; i++) {
        c = crc_table[0][i];
        for (j = 1; j < 8; j++) {
            c = crc_table[0][c & 0xff] ^ (c >> 8);
            crc_table[j][i] = c;
        }
    }
}

static int
have_pclmul(void)
{
    static int cached = -1;

    if (cached < 0) {
        crc_table_init();
        __builtin_cpu_init();
        cached = __builtin_cpu_supports("pclmul") &&
                 __builtin_cpu_supports("sse4.1");
    }
    return cached;
}

uint32_t
crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    uint32_t state;
    size_t bulk;

    if (n < 16 || !have_pclmul()) {
        return crc32_portable(crc, p, n);
    }
    bulk = n & ~(size_t)15;
    state = crc32_fold(~crc, p, bulk);
    p += bulk;
    n -= bulk;
    if (n >= 8) {
        uint32_t lo = (uint32_t)p[0] | (uint32_t)p[1] << 8 |
                      (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 |
                      (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;

        lo ^= state;
        state = crc_table[7][lo & 0xff] ^ crc_table[6][(lo >> 8) & 0xff] ^
                crc_table[5][(lo >> 16) & 0xff] ^ crc_table[4][lo >> 24] ^
                crc_table[3][hi & 0xff] ^ crc_table[2][(hi >> 8) & 0xff] ^
                crc_table[1][(hi >> 16) & 0xff] ^ crc_table[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    for (; n > 0; n--) {
        state = crc_table[0][(state ^ *p++) & 0xff] ^ (state >> 8);
    }
    return ~state;
}

#else

uint32_t
crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    return crc32_portable(crc, p, n);
}

#endif
