/*
 * crc64.h - CRC-64/Jones, the checksum of Redis RDB files and of DUMP /
 * RESTORE payloads.
 *
 * Parameters (Redis src/crc64.c): width 64, polynomial 0xad93d23594c935a9,
 * input and output reflected, initial value 0, no final xor.  The check
 * value of "123456789" is 0xe9c6d914c4b8d9ca.  crc64_update() chains: the
 * CRC of a||b is crc64_update(crc64_update(0, a), b).  Tables are built
 * once when the program loads; the update runs eight bytes a step
 * ("slicing-by-8").
 */
#ifndef TANDEM_PROTO_REDIS_CRC64_H
#define TANDEM_PROTO_REDIS_CRC64_H

#include <stddef.h>
#include <stdint.h>

/* Returns the CRC of the bytes already summed into <crc> followed by the
 * <n> bytes at <p> (<p> may be NULL when <n> is 0).  Start from 0. */
uint64_t crc64_update(uint64_t crc, const void *p, size_t n);

/* The same value computed one byte a step, for tests. */
uint64_t crc64_bytewise(uint64_t crc, const void *p, size_t n);

#endif
