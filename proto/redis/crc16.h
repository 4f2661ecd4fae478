/*
 * crc16.h - CRC16-XMODEM and the Redis Cluster key slot.
 *
 * Redis Cluster maps a key to one of 16384 slots with CRC16 in its XMODEM
 * variant (polynomial 0x1021, initial value 0, no reflection, no final
 * XOR; check value 0x31c3 for "123456789") taken modulo 16384 (Redis
 * Cluster specification, "Keys distribution model").  When a key holds a
 * '{' followed later by a '}' with at least one byte between them, only the
 * bytes between the first '{' and the first '}' after it are hashed (the
 * "hash tag"), so that "{user1000}.following" and "{user1000}.followers"
 * share a slot.
 */
#ifndef TANDEM_PROTO_REDIS_CRC16_H
#define TANDEM_PROTO_REDIS_CRC16_H

#include <stddef.h>
#include <stdint.h>

/* Number of Redis Cluster hash slots. */
#define CRC16_SLOTS 16384

/* CRC16-XMODEM of <len> bytes at <p> (<p> may be NULL when <len> is 0). */
uint16_t crc16_xmodem(const uint8_t *p, size_t len);

/* Redis Cluster slot (0..16383) of the key <key>/<len>, hash tags
 * included. */
uint16_t crc16_slot(const uint8_t *key, size_t len);

#endif
