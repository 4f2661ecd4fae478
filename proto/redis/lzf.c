/*
 * lzf.c - LZF decompression with bounds checks (see lzf.h).
 */
#include "proto/redis/lzf.h"

#include <string.h>

#include "proto/buf.h"

ssize_t
lzf_decode(const uint8_t *in, size_t inlen, uint8_t *out, size_t outlen)
{
    size_t ip = 0, op = 0;

    while (ip < inlen) {
        unsigned ctrl = in[ip++];

        if (ctrl < 32) {
            size_t run = (size_t)ctrl + 1;

            if (run > inlen - ip || run > outlen - op) {
                return -PROTO_EMALFORMED;
            }
            memcpy(out + op, in + ip, run);
            ip += run;
            op += run;
        } else {
            size_t len = ctrl >> 5, dist;

            if (len == 7) {
                if (ip >= inlen) {
                    return -PROTO_EMALFORMED;
                }
                len += in[ip++];
            }
            if (ip >= inlen) {
                return -PROTO_EMALFORMED;
            }
            dist = ((size_t)(ctrl & 0x1f) << 8 | in[ip++]) + 1;
            len += 2;
            if (dist > op || len > outlen - op) {
                return -PROTO_EMALFORMED;
            }
            /* A reference may overlap the bytes it produces (a run
             * repeating its last dist bytes): copy dist bytes at a
             * time, each copy reading only bytes already written. */
            if (dist == 1) {
                memset(out + op, out[op - 1], len);
                op += len;
                len = 0;
            }
            while (len > 0) {
                size_t n = len < dist ? len : dist;

                memcpy(out + op, out + op - dist, n);
                op += n;
                len -= n;
            }
        }
    }
    return (ssize_t)op;
}
