/*
 * secret.h - secrets at rest: AES-256-GCM (OpenSSL EVP) under one key kept
 * in DATA_DIR/secret.key.
 *
 * The key file holds exactly 32 random bytes, mode 0600.  It is made on
 * the first start and must then be kept with the data: without it the
 * sealed values in tandem.db cannot be opened.  A sealed value is
 *
 *   version (1 byte, 1) | nonce (12 random bytes) | ciphertext | tag (16)
 *
 * where the ciphertext is as long as the plaintext.  The version byte and
 * the caller's "additional authenticated data" are authenticated with the
 * ciphertext: a sealed value opens only under the same key and the same
 * AAD, so binding the AAD to where the value lives (a task name and a
 * field) means it cannot be copied elsewhere.  Any changed byte makes
 * secret_open() fail.
 */
#ifndef TANDEM_STORE_SECRET_H
#define TANDEM_STORE_SECRET_H

#include <stddef.h>

#include "proto/buf.h"

/* Bytes of the key. */
#define SECRET_KEY_BYTES 32

/* Bytes a sealed value adds to its plaintext: version, nonce, tag. */
#define SECRET_OVERHEAD (1 + 12 + 16)

/* The key.  Wipe it with secret_key_wipe() when done. */
struct secret_key {
    unsigned char bytes[SECRET_KEY_BYTES]; /* AES-256 key */
};

/*
 * Reads <data_dir>/secret.key into <k>, or, when the file does not exist,
 * makes 32 random bytes and writes them there (created with O_EXCL and
 * mode 0600, so the file is never readable by others, not even briefly).
 * Returns 0, or -1 with one line in <err> naming the cause and the fix:
 * the file is not 32 bytes long, is readable or writable by group or
 * others, cannot be read or written.  Blocks on file I/O: call it at
 * start-up.
 */
int secret_key_load(const char *data_dir, struct secret_key *k, char *err,
                    size_t errlen);

/* Overwrites the key bytes with zeros. */
void secret_key_wipe(struct secret_key *k);

/*
 * Seals <len> bytes at <plain> under <k> with <aadlen> bytes of
 * additional authenticated data at <aad> (may hold NULs; NULL when
 * <aadlen> is 0) and appends the sealed value (<len> + SECRET_OVERHEAD
 * bytes) to <out>.  Returns 0, or -1 when the buffer cannot grow or
 * OpenSSL fails (<out> then keeps its former length).
 */
int secret_seal(const struct secret_key *k, const void *aad, size_t aadlen,
                const void *plain, size_t len, struct pbuf *out);

/*
 * Opens the sealed value of <len> bytes at <sealed> under <k> and <aad>
 * and appends the plaintext to <out>.  Returns 0, or -1 when the value is
 * malformed, was changed, or was sealed under another key or AAD; on
 * failure <out> keeps its former length and no plaintext is left in it.
 * Room for the whole plaintext is reserved at once, so with an empty
 * <out> no copy of it is left behind by a buffer growth; wipe <out> with
 * secret_pbuf_wipe() when done.
 */
int secret_open(const struct secret_key *k, const void *aad, size_t aadlen,
                const void *sealed, size_t len, struct pbuf *out);

/* Overwrites the storage of <b> (its whole capacity) and frees it. */
void secret_pbuf_wipe(struct pbuf *b);

#endif
