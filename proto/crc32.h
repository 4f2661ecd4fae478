/*
 * crc32.h - CRC-32 (ISO-HDLC, the zlib/binlog checksum), fast.
 *
 * crc32_update() returns the same value as zlib's crc32(crc, p, n), so it
 * chains the same way (start from 0).  On x86-64 CPUs with PCLMULQDQ and
 * SSE4.1 (checked at run time) inputs of 16 bytes and more are folded with
 * carry-less multiplication (Intel, "Fast CRC Computation for Generic
 * Polynomials Using PCLMULQDQ Instruction", 2009); other lengths and CPUs
 * use zlib.  Verifying every binlog event's checksum is a large part of
 * decoding time otherwise.
 */
#ifndef TANDEM_PROTO_CRC32_H
#define TANDEM_PROTO_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n);

/* The portable path alone (zlib), for tests. */
uint32_t crc32_portable(uint32_t crc, const uint8_t *p, size_t n);

#endif
