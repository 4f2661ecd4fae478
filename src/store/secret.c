/*
 * secret.c - AES-256-GCM sealing under DATA_DIR/secret.key (see secret.h).
 * The nonce is 96 random bits per value (NIST SP 800-38D 8.2.2): with one
 * key per data_dir and a few values per task, far below the 2^32 values
 * that bound the collision risk.
 */
#include "src/store/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

/* Layout of a sealed value. */
#define SEAL_VERSION 1
#define SEAL_NONCE 12
#define SEAL_TAG 16

/* Reads exactly <n> bytes; -1 on error or a short file. */
static int
read_full(int fd, unsigned char *p, size_t n)
{
    ssize_t r;

    while (n > 0) {
        r = read(fd, p, n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Opens the existing key file <path>.  1: it does not exist. */
static int
key_read(const char *path, struct secret_key *k, char *err, size_t errlen)
{
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

    if (fd < 0) {
        if (errno == ENOENT) {
            return 1;
        }
        snprintf(err, errlen, "cannot open %s: %s — make it readable by "
                 "the user tandem runs as", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file — restore the "
                 "key file tandem made there", path);
        close(fd);
        return -1;
    }
    if ((st.st_mode & 0777 & ~0600) != 0) {
        snprintf(err, errlen, "%s has mode %04o, open to others — run "
                 "chmod 600 %s", path, (unsigned)(st.st_mode & 0777), path);
        close(fd);
        return -1;
    }
    if (st.st_size != SECRET_KEY_BYTES) {
        snprintf(err, errlen, "%s holds %lld bytes, not %d: not a tandem "
                 "key — restore the original file (the stored passwords "
                 "need it)", path, (long long)st.st_size, SECRET_KEY_BYTES);
        close(fd);
        return -1;
    }
    errno = 0;
    if (read_full(fd, k->bytes, sizeof(k->bytes)) != 0) {
        snprintf(err, errlen, "cannot read %s: %s — check the file and "
                 "the disk", path, errno ? strerror(errno) : "short read");
        close(fd);
        secret_key_wipe(k);
        return -1;
    }
    close(fd);
    return 0;
}

/* Makes a new key file <path>.  1: another process made it meanwhile. */
static int
key_create(const char *path, struct secret_key *k, char *err, size_t errlen)
{
    size_t off = 0;
    ssize_t w;
    int fd;

    if (RAND_bytes(k->bytes, sizeof(k->bytes)) != 1) {
        snprintf(err, errlen, "no random bytes from OpenSSL for %s — check "
                 "the system's entropy source", path);
        return -1;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
              0600);
    if (fd < 0) {
        secret_key_wipe(k);
        if (errno == EEXIST) {
            return 1;
        }
        snprintf(err, errlen, "cannot create %s: %s — check the data_dir's "
                 "permissions", path, strerror(errno));
        return -1;
    }
    errno = 0;
    while (off < sizeof(k->bytes)) {
        w = write(fd, k->bytes + off, sizeof(k->bytes) - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            break;
        }
        off += (size_t)w;
    }
    if (off != sizeof(k->bytes) || fsync(fd) != 0) {
        snprintf(err, errlen, "cannot write %s: %s — free disk space and "
                 "start again", path, errno ? strerror(errno) : "short write");
        close(fd);
        unlink(path);
        secret_key_wipe(k);
        return -1;
    }
    close(fd);
    return 0;
}

int
secret_key_load(const char *data_dir, struct secret_key *k, char *err,
                size_t errlen)
{
    char path[4096];
    int rc, tries;

    if ((size_t)snprintf(path, sizeof(path), "%s/secret.key", data_dir) >=
        sizeof(path)) {
        snprintf(err, errlen, "data_dir path too long — use a shorter one");
        return -1;
    }
    for (tries = 0; tries < 2; tries++) {
        rc = key_read(path, k, err, errlen);
        if (rc <= 0) {
            return rc;
        }
        rc = key_create(path, k, err, errlen);
        if (rc <= 0) {
            return rc;
        }
    }
    snprintf(err, errlen, "%s keeps appearing and vanishing — run one "
             "tandem per data_dir", path);
    return -1;
}

void
secret_key_wipe(struct secret_key *k)
{
    OPENSSL_cleanse(k->bytes, sizeof(k->bytes));
}

/* Feeds the version byte and the caller's AAD to <c>. */
static int
put_aad(EVP_CIPHER_CTX *c, const void *aad, size_t aadlen)
{
    static const unsigned char version = SEAL_VERSION;
    int n;

    if (EVP_CipherUpdate(c, NULL, &n, &version, 1) != 1) {
        return -1;
    }
    if (aadlen > 0 && (aadlen > INT32_MAX ||
                       EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) != 1)) {
        return -1;
    }
    return 0;
}

int
secret_seal(const struct secret_key *k, const void *aad, size_t aadlen,
            const void *plain, size_t len, struct pbuf *out)
{
    EVP_CIPHER_CTX *c;
    unsigned char *p;
    size_t start = out->len;
    int n, fin, rc = -1;

    if (len > INT32_MAX || !pbuf_reserve(out, len + SECRET_OVERHEAD)) {
        return -1;
    }
    p = out->data + start;
    p[0] = SEAL_VERSION;
    if (RAND_bytes(p + 1, SEAL_NONCE) != 1 ||
        (c = EVP_CIPHER_CTX_new()) == NULL) {
        return -1;
    }
    if (EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, k->bytes, p + 1) ==
            1 &&
        put_aad(c, aad, aadlen) == 0 &&
        EVP_EncryptUpdate(c, p + 1 + SEAL_NONCE, &n, plain, (int)len) == 1 &&
        EVP_EncryptFinal_ex(c, p + 1 + SEAL_NONCE + n, &fin) == 1 &&
        (size_t)(n + fin) == len &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SEAL_TAG,
                            p + 1 + SEAL_NONCE + len) == 1) {
        out->len = start + len + SECRET_OVERHEAD;
        rc = 0;
    }
    EVP_CIPHER_CTX_free(c);
    return rc;
}

int
secret_open(const struct secret_key *k, const void *aad, size_t aadlen,
            const void *sealed, size_t len, struct pbuf *out)
{
    const unsigned char *s = sealed;
    EVP_CIPHER_CTX *c;
    unsigned char *p;
    size_t plen, start = out->len;
    int n = 0, fin, rc = -1;

    if (len < SECRET_OVERHEAD || s[0] != SEAL_VERSION ||
        len - SECRET_OVERHEAD > INT32_MAX) {
        return -1;
    }
    plen = len - SECRET_OVERHEAD;
    /* One byte more than needed: pbuf_reserve(0) cannot make data
     * non-NULL, and an empty plaintext is legal. */
    if (!pbuf_reserve(out, plen + 1) || (c = EVP_CIPHER_CTX_new()) == NULL) {
        return -1;
    }
    p = out->data + start;
    if (EVP_DecryptInit_ex(c, EVP_aes_256_gcm(), NULL, k->bytes, s + 1) ==
            1 &&
        put_aad(c, aad, aadlen) == 0 &&
        EVP_DecryptUpdate(c, p, &n, s + 1 + SEAL_NONCE, (int)plen) == 1 &&
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SEAL_TAG,
                            (void *)(s + 1 + SEAL_NONCE + plen)) == 1 &&
        EVP_DecryptFinal_ex(c, p + n, &fin) == 1 &&
        (size_t)(n + fin) == plen) {
        out->len = start + plen;
        rc = 0;
    } else {
        /* Unauthenticated plaintext must not linger. */
        OPENSSL_cleanse(p, plen);
    }
    EVP_CIPHER_CTX_free(c);
    return rc;
}

void
secret_pbuf_wipe(struct pbuf *b)
{
    if (b->data != NULL) {
        OPENSSL_cleanse(b->data, b->cap);
    }
    pbuf_free(b);
}
