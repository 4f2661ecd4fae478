/*
 * lzf.h - LZF decompression (the compressed strings of Redis RDB files).
 *
 * Redis compresses strings longer than 20 bytes with Marc Lehmann's LZF
 * when that saves at least four bytes (rdb.c rdbSaveLzfStringObject) and
 * stores them as 0xc3 <compressed len> <original len> <bytes>.  The LZF
 * stream is a sequence of runs: a control byte below 32 copies the next
 * ctrl+1 literal bytes; any other control byte is a back-reference of
 * (ctrl >> 5) + 2 bytes (7 meaning "add the next byte") at distance
 * ((ctrl & 0x1f) << 8 | next byte) + 1 behind the output position.
 *
 * The decoder checks every run against both buffers: malformed input is an
 * error, never a read or write outside them.
 */
#ifndef TANDEM_PROTO_REDIS_LZF_H
#define TANDEM_PROTO_REDIS_LZF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Decompresses the <inlen> bytes at <in> into <out> (room for <outlen>
 * bytes).  Returns the number of bytes written, or -PROTO_EMALFORMED when a
 * run reaches past the input, a back-reference points before the start of
 * the output, or the output does not fit in <outlen> bytes. */
ssize_t lzf_decode(const uint8_t *in, size_t inlen, uint8_t *out,
                   size_t outlen);

#endif
