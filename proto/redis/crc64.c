/*
 * crc64.c - CRC-64/Jones with slicing-by-8 (see crc64.h).
 *
 * tab[0] is the classic reflected byte table; tab[k][b] is the CRC of byte
 * b followed by k zero bytes, which lets one step fold eight input bytes
 * with eight lookups.  The tables are filled by a load-time constructor, so
 * they are read-only by the time any caller runs.
 */
#include "proto/redis/crc64.h"

/* 0xad93d23594c935a9 with its bits reversed (the reflected form). */
#define CRC64_POLY_REFLECTED UINT64_C(0x95ac9329ac4bc9b5)

static uint64_t tab[8][256];

__attribute__((constructor)) static void
crc64_init(void)
{
    unsigned b, k, i;

    for (b = 0; b < 256; b++) {
        uint64_t c = b;

        for (i = 0; i < 8; i++) {
            c = (c & 1) ? (c >> 1) ^ CRC64_POLY_REFLECTED : c >> 1;
        }
        tab[0][b] = c;
    }
    for (b = 0; b < 256; b++) {
        for (k = 1; k < 8; k++) {
            uint64_t prev = tab[k - 1][b];

            tab[k][b] = tab[0][prev & 0xff] ^ (prev >> 8);
        }
    }
}

uint64_t
crc64_bytewise(uint64_t crc, const void *p, size_t n)
{
    const uint8_t *q = p;
    size_t i;

    for (i = 0; i < n; i++) {
        crc = tab[0][(crc ^ q[i]) & 0xff] ^ (crc >> 8);
    }
    return crc;
}

uint64_t
crc64_update(uint64_t crc, const void *p, size_t n)
{
    const uint8_t *q = p;

    while (n >= 8) {
        uint64_t w;

        /* Little-endian load: byte 0 in the low bits, as the reflected
         * algorithm consumes it first. */
        w = (uint64_t)q[0] | (uint64_t)q[1] << 8 | (uint64_t)q[2] << 16 |
            (uint64_t)q[3] << 24 | (uint64_t)q[4] << 32 | (uint64_t)q[5] << 40 |
            (uint64_t)q[6] << 48 | (uint64_t)q[7] << 56;
        w ^= crc;
        crc = tab[7][w & 0xff] ^ tab[6][(w >> 8) & 0xff] ^
              tab[5][(w >> 16) & 0xff] ^ tab[4][(w >> 24) & 0xff] ^
              tab[3][(w >> 32) & 0xff] ^ tab[2][(w >> 40) & 0xff] ^
              tab[1][(w >> 48) & 0xff] ^ tab[0][w >> 56];
        q += 8;
        n -= 8;
    }
    return crc64_bytewise(crc, q, n);
}
