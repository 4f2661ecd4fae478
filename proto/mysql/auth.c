/*
 * auth.c - Handshake v10, HandshakeResponse41, SSLRequest and the auth
 * plugins (see auth.h).  Formats: MySQL internals "Connection Phase
 * Packets", "Authentication Method Switch", "caching_sha2_password
 * information"; MariaDB "Connection" (extended capabilities in the
 * handshake's reserved bytes).  Hashes and RSA go through libcrypto's EVP
 * interfaces (OpenSSL 3.0).
 */
#include "proto/mysql/auth.h"

#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

/* Auth switch requests accepted before giving up (a server loop guard). */
#define AUTH_MAX_SWITCHES 4
/* Longest password the RSA path takes (a 2048-bit key holds 214 bytes). */
#define AUTH_MAX_PASSWORD 1024

/* caching_sha2_password more-data codes. */
#define SHA2_FAST_AUTH_OK 0x03
#define SHA2_PERFORM_FULL 0x04
#define SHA2_REQUEST_KEY 0x02
/* sha256_password asks for the key with 0x01. */
#define SHA256_REQUEST_KEY 0x01
/* First byte of the AuthMoreData packet. */
#define AUTH_MORE_DATA 0x01

static const char *const plugin_names[MYSQL_AUTH_PLUGIN_COUNT] = {
    [MYSQL_AUTH_NATIVE] = "mysql_native_password",
    [MYSQL_AUTH_CACHING_SHA2] = "caching_sha2_password",
    [MYSQL_AUTH_SHA256] = "sha256_password",
    [MYSQL_AUTH_UNSUPPORTED] = "unsupported",
};

static const char *const auth_state_names[MYSQL_AUTH_ST_COUNT] = {
    [MYSQL_AUTH_ST_INIT] = "INIT",
    [MYSQL_AUTH_ST_WAIT_RESULT] = "WAIT_RESULT",
    [MYSQL_AUTH_ST_WAIT_OK] = "WAIT_OK",
    [MYSQL_AUTH_ST_WAIT_PUBKEY] = "WAIT_PUBKEY",
    [MYSQL_AUTH_ST_DONE] = "DONE",
    [MYSQL_AUTH_ST_FAILED] = "FAILED",
};

static const char *const auth_step_names[MYSQL_AUTH_STEP_COUNT] = {
    [MYSQL_AUTH_SEND] = "SEND",
    [MYSQL_AUTH_WAIT] = "WAIT",
    [MYSQL_AUTH_OK] = "OK",
    [MYSQL_AUTH_DENIED] = "DENIED",
    [MYSQL_AUTH_FAILED] = "FAILED",
};

const char *
mysql_auth_step_name(enum mysql_auth_step s)
{
    return (unsigned)s < MYSQL_AUTH_STEP_COUNT ? auth_step_names[s]
                                               : "UNKNOWN";
}

const char *
mysql_auth_state_name(enum mysql_auth_state s)
{
    return (unsigned)s < MYSQL_AUTH_ST_COUNT ? auth_state_names[s]
                                             : "UNKNOWN";
}

enum mysql_auth_plugin
mysql_auth_plugin_parse(struct span name)
{
    int i;

    for (i = 0; i < MYSQL_AUTH_UNSUPPORTED; i++) {
        if (span_eq(name, plugin_names[i])) {
            return (enum mysql_auth_plugin)i;
        }
    }
    return MYSQL_AUTH_UNSUPPORTED;
}

const char *
mysql_auth_plugin_name(enum mysql_auth_plugin p)
{
    return (unsigned)p < MYSQL_AUTH_PLUGIN_COUNT ? plugin_names[p]
                                                 : "unsupported";
}

/* ---- handshake ---- */

static ssize_t
hs_fail(const char **why, int err, const char *reason)
{
    if (why != NULL) {
        *why = reason;
    }
    return -err;
}

ssize_t
mysql_handshake_parse(const uint8_t *p, size_t len,
                      struct mysql_handshake *hs, const char **why)
{
    struct rbuf r;
    const uint8_t *part;
    size_t n2;
    uint8_t data_len;
    const uint8_t *nul;

    memset(hs, 0, sizeof(*hs));
    rbuf_init(&r, p, len);
    hs->protocol_version = rbuf_u8(&r);
    if (r.short_read) {
        return hs_fail(why, PROTO_EMALFORMED, "empty handshake packet");
    }
    if (hs->protocol_version != 10) {
        return hs_fail(why, PROTO_EUNSUPPORTED,
                       "handshake protocol version is not 10");
    }
    hs->server_version = rbuf_cstr(&r);
    hs->connection_id = rbuf_u32(&r);
    part = rbuf_take(&r, 8);
    rbuf_skip(&r, 1);
    hs->caps = rbuf_u16(&r);
    if (r.short_read) {
        return hs_fail(why, PROTO_EMALFORMED, "handshake packet truncated");
    }
    memcpy(hs->nonce, part, 8);
    hs->nonce_len = 8;
    if (rbuf_left(&r) == 0 || !(hs->caps & MYSQL_CLIENT_PROTOCOL_41)) {
        /* Pre-4.1 layout: no charset, status or upper capabilities. */
        return hs_fail(why, PROTO_EUNSUPPORTED,
                       "server does not speak protocol 4.1");
    }
    hs->charset = rbuf_u8(&r);
    hs->status = rbuf_u16(&r);
    hs->caps |= (uint32_t)rbuf_u16(&r) << 16;
    data_len = rbuf_u8(&r);
    part = rbuf_take(&r, 10);
    if (r.short_read) {
        return hs_fail(why, PROTO_EMALFORMED, "handshake packet truncated");
    }
    if (!(hs->caps & MYSQL_CLIENT_LONG_PASSWORD)) {
        /* MariaDB 10.2+: the last 4 reserved bytes are extended caps. */
        hs->mariadb_caps = (uint32_t)part[6] | (uint32_t)part[7] << 8 |
                           (uint32_t)part[8] << 16 | (uint32_t)part[9] << 24;
        hs->is_mariadb = true;
    }
    if (hs->caps & MYSQL_CLIENT_SECURE_CONNECTION) {
        n2 = data_len > 21 ? (size_t)data_len - 8 : 13;
        /* MySQL 5.5.7-5.5.9 sent fewer bytes: take what is there. */
        if (n2 > rbuf_left(&r)) {
            n2 = rbuf_left(&r);
        }
        part = rbuf_take(&r, n2);
        if (n2 > 0 && part[n2 - 1] == 0) {
            n2--;   /* trailing NUL is not part of the nonce */
        }
        if (8 + n2 > MYSQL_NONCE_MAX) {
            return hs_fail(why, PROTO_EMALFORMED,
                           "handshake auth data too long");
        }
        if (n2 > 0) {
            memcpy(hs->nonce + 8, part, n2);
        }
        hs->nonce_len = 8 + n2;
    }
    if ((hs->caps & MYSQL_CLIENT_PLUGIN_AUTH) && rbuf_left(&r) > 0) {
        /* NUL-terminated, but 5.5.7-5.5.9 left the NUL out. */
        nul = memchr(r.p + r.off, 0, rbuf_left(&r));
        hs->auth_plugin.p = r.p + r.off;
        hs->auth_plugin.len = nul != NULL ? (size_t)(nul - (r.p + r.off))
                                          : rbuf_left(&r);
    }
    if (hs->server_version.len >= 7 &&
        memmem(hs->server_version.p, hs->server_version.len, "MariaDB", 7)
            != NULL) {
        hs->is_mariadb = true;
    }
    return (ssize_t)len;
}

struct span
mysql_version_strip(struct span v)
{
    if (v.len > 6 && memcmp(v.p, "5.5.5-", 6) == 0) {
        v.p += 6;
        v.len -= 6;
    }
    return v;
}

uint32_t
mysql_caps_negotiate(uint32_t server_caps, bool tls, bool with_db)
{
    uint32_t want = MYSQL_CLIENT_LONG_PASSWORD | MYSQL_CLIENT_LONG_FLAG |
                    MYSQL_CLIENT_PROTOCOL_41 | MYSQL_CLIENT_TRANSACTIONS |
                    MYSQL_CLIENT_SECURE_CONNECTION |
                    MYSQL_CLIENT_PLUGIN_AUTH |
                    MYSQL_CLIENT_PLUGIN_AUTH_LENENC |
                    MYSQL_CLIENT_CONNECT_ATTRS | MYSQL_CLIENT_DEPRECATE_EOF |
                    MYSQL_CLIENT_MULTI_RESULTS |
                    /* a replication writer sends a whole destination
                     * transaction in one round trip */
                    MYSQL_CLIENT_MULTI_STATEMENTS;

    if (tls) {
        want |= MYSQL_CLIENT_SSL;
    }
    if (with_db) {
        want |= MYSQL_CLIENT_CONNECT_WITH_DB;
    }
    return want & server_caps;
}

/* The 32 bytes SSLRequest and HandshakeResponse41 start with. */
static void
put_client_head(struct pbuf *out, uint32_t caps, uint32_t max_packet,
                uint8_t charset)
{
    static const uint8_t filler[23];

    pbuf_put_uint(out, caps, 4);
    pbuf_put_uint(out, max_packet, 4);
    pbuf_put_uint(out, charset, 1);
    pbuf_put(out, filler, sizeof(filler));
}

void
mysql_ssl_request_encode(struct pbuf *out, uint32_t caps,
                         uint32_t max_packet, uint8_t charset)
{
    put_client_head(out, caps | MYSQL_CLIENT_SSL, max_packet, charset);
}

void
mysql_hs_response_encode(struct pbuf *out, const struct mysql_hs_response *r)
{
    struct pbuf attrs = {0};
    size_t i;

    put_client_head(out, r->caps, r->max_packet, r->charset);
    pbuf_puts(out, r->user != NULL ? r->user : "");
    pbuf_putc(out, '\0');
    if (r->caps & MYSQL_CLIENT_PLUGIN_AUTH_LENENC) {
        pbuf_put_lenenc(out, r->auth_len);
        pbuf_put(out, r->auth, r->auth_len);
    } else if (r->caps & MYSQL_CLIENT_SECURE_CONNECTION) {
        /* One length byte: responses are at most 32 bytes here. */
        pbuf_put_uint(out, r->auth_len > 255 ? 255 : r->auth_len, 1);
        pbuf_put(out, r->auth, r->auth_len > 255 ? 255 : r->auth_len);
    } else {
        pbuf_put(out, r->auth, r->auth_len);
        pbuf_putc(out, '\0');
    }
    if (r->caps & MYSQL_CLIENT_CONNECT_WITH_DB) {
        pbuf_puts(out, r->db != NULL ? r->db : "");
        pbuf_putc(out, '\0');
    }
    if (r->caps & MYSQL_CLIENT_PLUGIN_AUTH) {
        pbuf_puts(out, r->plugin != NULL ? r->plugin
                                         : plugin_names[MYSQL_AUTH_NATIVE]);
        pbuf_putc(out, '\0');
    }
    if ((r->caps & MYSQL_CLIENT_CONNECT_ATTRS) && r->attrs != NULL) {
        for (i = 0; r->attrs[i] != NULL && r->attrs[i + 1] != NULL; i += 2) {
            pbuf_put_lenenc(&attrs, strlen(r->attrs[i]));
            pbuf_puts(&attrs, r->attrs[i]);
            pbuf_put_lenenc(&attrs, strlen(r->attrs[i + 1]));
            pbuf_puts(&attrs, r->attrs[i + 1]);
        }
        if (attrs.failed) {
            out->failed = true;
        }
        pbuf_put_lenenc(out, attrs.len);
        pbuf_put(out, attrs.data, attrs.len);
        pbuf_free(&attrs);
    }
}

/* ---- scrambles ---- */

static void
digest(const EVP_MD *md, const void *a, size_t alen, const void *b,
       size_t blen, uint8_t *out)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned int n = 0;

    if (ctx == NULL) {
        memset(out, 0, (size_t)EVP_MD_get_size(md));
        return;
    }
    EVP_DigestInit_ex(ctx, md, NULL);
    EVP_DigestUpdate(ctx, a, alen);
    if (blen > 0) {
        EVP_DigestUpdate(ctx, b, blen);
    }
    EVP_DigestFinal_ex(ctx, out, &n);
    EVP_MD_CTX_free(ctx);
}

size_t
mysql_scramble_native(const char *password, const uint8_t *nonce,
                      size_t nonce_len, uint8_t out[20])
{
    uint8_t stage1[20], stage2[20], mix[20];
    size_t i;

    if (password == NULL || password[0] == '\0') {
        return 0;
    }
    if (nonce_len > 20) {
        nonce_len = 20;
    }
    digest(EVP_sha1(), password, strlen(password), NULL, 0, stage1);
    digest(EVP_sha1(), stage1, 20, NULL, 0, stage2);
    digest(EVP_sha1(), nonce, nonce_len, stage2, 20, mix);
    for (i = 0; i < 20; i++) {
        out[i] = stage1[i] ^ mix[i];
    }
    OPENSSL_cleanse(stage1, sizeof(stage1));
    return 20;
}

size_t
mysql_scramble_sha256(const char *password, const uint8_t *nonce,
                      size_t nonce_len, uint8_t out[32])
{
    uint8_t stage1[32], stage2[32], mix[32];
    size_t i;

    if (password == NULL || password[0] == '\0') {
        return 0;
    }
    digest(EVP_sha256(), password, strlen(password), NULL, 0, stage1);
    digest(EVP_sha256(), stage1, 32, NULL, 0, stage2);
    digest(EVP_sha256(), stage2, 32, nonce, nonce_len, mix);
    for (i = 0; i < 32; i++) {
        out[i] = stage1[i] ^ mix[i];
    }
    OPENSSL_cleanse(stage1, sizeof(stage1));
    return 32;
}

/* ---- RSA ---- */

static EVP_PKEY *
load_public_key(const uint8_t *pem, size_t pem_len)
{
    OSSL_DECODER_CTX *dctx;
    EVP_PKEY *pkey = NULL;
    const unsigned char *data = pem;
    size_t left = pem_len;

    /* Any structure: SubjectPublicKeyInfo ("BEGIN PUBLIC KEY", what
     * servers send) or PKCS#1 ("BEGIN RSA PUBLIC KEY"). */
    dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, "RSA",
                                         EVP_PKEY_PUBLIC_KEY, NULL, NULL);
    if (dctx == NULL) {
        return NULL;
    }
    if (!OSSL_DECODER_from_data(dctx, &data, &left)) {
        pkey = NULL;
    }
    OSSL_DECODER_CTX_free(dctx);
    return pkey;
}

ssize_t
mysql_rsa_encrypt_password(const uint8_t *pem, size_t pem_len,
                           const char *password, const uint8_t *nonce,
                           size_t nonce_len, struct pbuf *out,
                           const char **why)
{
    EVP_PKEY *pkey;
    EVP_PKEY_CTX *ctx = NULL;
    uint8_t plain[AUTH_MAX_PASSWORD + 1];
    size_t plen, i, clen = 0;
    ssize_t rc = -PROTO_EMALFORMED;
    const char *reason = "cannot encrypt the password with the server key";

    if (password == NULL) {
        password = "";
    }
    plen = strlen(password) + 1;
    if (plen > sizeof(plain)) {
        if (why != NULL) {
            *why = "password too long for RSA encryption";
        }
        return -PROTO_ELIMIT;
    }
    pkey = load_public_key(pem, pem_len);
    if (pkey == NULL) {
        ERR_clear_error();
        if (why != NULL) {
            *why = "server sent an unreadable RSA public key";
        }
        return -PROTO_EMALFORMED;
    }
    memcpy(plain, password, plen);
    for (i = 0; i < plen && nonce_len > 0; i++) {
        plain[i] ^= nonce[i % nonce_len];
    }
    ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    if (ctx == NULL || EVP_PKEY_encrypt_init(ctx) <= 0 ||
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) <= 0 ||
        EVP_PKEY_encrypt(ctx, NULL, &clen, plain, plen) <= 0) {
        goto out;
    }
    if ((size_t)EVP_PKEY_get_size(pkey) < plen + 42) {
        /* OAEP with SHA-1 takes at most key size - 42 bytes. */
        rc = -PROTO_ELIMIT;
        reason = "password too long for the server's RSA key";
        goto out;
    }
    if (!pbuf_reserve(out, clen)) {
        rc = -PROTO_ENOMEM;
        reason = "out of memory";
        goto out;
    }
    if (EVP_PKEY_encrypt(ctx, out->data + out->len, &clen, plain,
                         plen) <= 0) {
        goto out;
    }
    out->len += clen;
    rc = (ssize_t)clen;
    reason = NULL;
out:
    OPENSSL_cleanse(plain, sizeof(plain));
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    if (reason != NULL) {
        ERR_clear_error();
        if (why != NULL) {
            *why = reason;
        }
    }
    return rc;
}

/* ---- the exchange ---- */

static enum mysql_auth_step
auth_fail(struct mysql_auth *a, const char *reason)
{
    a->state = MYSQL_AUTH_ST_FAILED;
    a->reason = reason;
    return MYSQL_AUTH_FAILED;
}

static void
set_plugin(struct mysql_auth *a, struct span name, const uint8_t *nonce,
           size_t nonce_len)
{
    size_t n = name.len < MYSQL_PLUGIN_NAME_MAX - 1
                   ? name.len : MYSQL_PLUGIN_NAME_MAX - 1;

    a->plugin = mysql_auth_plugin_parse(name);
    if (n > 0) {
        memcpy(a->plugin_name, name.p, n);
    }
    a->plugin_name[n] = '\0';
    if (nonce_len > MYSQL_NONCE_MAX) {
        nonce_len = MYSQL_NONCE_MAX;
    }
    if (nonce_len > 0) {
        memcpy(a->nonce, nonce, nonce_len);
    }
    a->nonce_len = nonce_len;
}

static void
use_native(struct mysql_auth *a)
{
    a->plugin = MYSQL_AUTH_NATIVE;
    strcpy(a->plugin_name, plugin_names[MYSQL_AUTH_NATIVE]);
}

/* Appends the current plugin's first response; sets the next state. */
static enum mysql_auth_step
first_response(struct mysql_auth *a, struct pbuf *out)
{
    uint8_t buf[32];
    size_t n;

    switch (a->plugin) {
    case MYSQL_AUTH_NATIVE:
        n = mysql_scramble_native(a->password, a->nonce, a->nonce_len, buf);
        pbuf_put(out, buf, n);
        break;
    case MYSQL_AUTH_CACHING_SHA2:
        n = mysql_scramble_sha256(a->password, a->nonce, a->nonce_len, buf);
        pbuf_put(out, buf, n);
        break;
    case MYSQL_AUTH_SHA256:
        if (a->password[0] == '\0') {
            pbuf_putc(out, '\0');           /* empty password */
        } else if (a->secure) {
            pbuf_puts(out, a->password);    /* TLS: cleartext + NUL */
            pbuf_putc(out, '\0');
        } else {
            pbuf_putc(out, SHA256_REQUEST_KEY);
            a->state = MYSQL_AUTH_ST_WAIT_PUBKEY;
            return MYSQL_AUTH_SEND;
        }
        break;
    default:
        a->unsupported_plugin = true;
        return auth_fail(a, "the server asks for an unsupported auth plugin");
    }
    OPENSSL_cleanse(buf, sizeof(buf));
    if (out->failed) {
        return auth_fail(a, "out of memory");
    }
    a->state = MYSQL_AUTH_ST_WAIT_RESULT;
    return MYSQL_AUTH_SEND;
}

int
mysql_auth_start(struct mysql_auth *a, const struct mysql_handshake *hs,
                 const char *password, bool secure, uint32_t caps,
                 struct pbuf *resp, const char **plugin)
{
    a->password = password != NULL ? password : "";
    a->secure = secure;
    a->caps = caps;
    a->switches = 0;
    a->unsupported_plugin = false;
    a->reason = NULL;
    set_plugin(a, hs->auth_plugin, hs->nonce, hs->nonce_len);
    if (a->plugin == MYSQL_AUTH_UNSUPPORTED) {
        /* The account may use a plugin we know: the server switches. */
        use_native(a);
    }
    *plugin = plugin_names[a->plugin];
    if (first_response(a, resp) != MYSQL_AUTH_SEND) {
        return -PROTO_EUNSUPPORTED;
    }
    return 0;
}

/* 0xfe: Protocol::AuthSwitchRequest: plugin name NUL, plugin data. */
static enum mysql_auth_step
auth_switch(struct mysql_auth *a, const uint8_t *p, size_t len,
            struct pbuf *out)
{
    struct rbuf r;
    struct span name, data;

    if (len == 1) {
        /* Old-style switch to the pre-4.1 mysql_old_password. */
        strcpy(a->plugin_name, "mysql_old_password");
        a->plugin = MYSQL_AUTH_UNSUPPORTED;
        a->unsupported_plugin = true;
        return auth_fail(a, "the server asks for an unsupported auth plugin");
    }
    if (++a->switches > AUTH_MAX_SWITCHES) {
        return auth_fail(a, "too many auth switch requests");
    }
    rbuf_init(&r, p + 1, len - 1);
    name = rbuf_cstr(&r);
    if (r.short_read) {
        return auth_fail(a, "malformed auth switch request");
    }
    data = rbuf_rest(&r);
    if (data.len > 0 && data.p[data.len - 1] == 0) {
        data.len--;     /* the nonce is sent NUL-terminated */
    }
    set_plugin(a, name, data.p, data.len);
    if (a->plugin == MYSQL_AUTH_UNSUPPORTED) {
        a->unsupported_plugin = true;
        return auth_fail(a, "the server asks for an unsupported auth plugin");
    }
    return first_response(a, out);
}

/* 0x01: Protocol::AuthMoreData for the sha2 plugins. */
static enum mysql_auth_step
auth_more_data(struct mysql_auth *a, const uint8_t *p, size_t len,
               struct pbuf *out)
{
    const char *why = NULL;

    if (a->plugin == MYSQL_AUTH_CACHING_SHA2 &&
        a->state == MYSQL_AUTH_ST_WAIT_RESULT && len == 2) {
        if (p[1] == SHA2_FAST_AUTH_OK) {
            a->state = MYSQL_AUTH_ST_WAIT_OK;
            return MYSQL_AUTH_WAIT;
        }
        if (p[1] == SHA2_PERFORM_FULL) {
            if (a->secure) {
                pbuf_puts(out, a->password);
                pbuf_putc(out, '\0');
                a->state = MYSQL_AUTH_ST_WAIT_RESULT;
            } else {
                pbuf_putc(out, SHA2_REQUEST_KEY);
                a->state = MYSQL_AUTH_ST_WAIT_PUBKEY;
            }
            return out->failed ? auth_fail(a, "out of memory")
                               : MYSQL_AUTH_SEND;
        }
        return auth_fail(a, "unknown caching_sha2_password status");
    }
    if (a->state == MYSQL_AUTH_ST_WAIT_PUBKEY &&
        (a->plugin == MYSQL_AUTH_CACHING_SHA2 ||
         a->plugin == MYSQL_AUTH_SHA256)) {
        if (mysql_rsa_encrypt_password(p + 1, len - 1, a->password,
                                       a->nonce, a->nonce_len, out,
                                       &why) < 0) {
            return auth_fail(a, why);
        }
        a->state = MYSQL_AUTH_ST_WAIT_RESULT;
        return MYSQL_AUTH_SEND;
    }
    return auth_fail(a, "unexpected auth more-data packet");
}

enum mysql_auth_step
mysql_auth_feed(struct mysql_auth *a, const uint8_t *p, size_t len,
                struct pbuf *out)
{
    if (a->state == MYSQL_AUTH_ST_INIT || a->state == MYSQL_AUTH_ST_DONE ||
        a->state == MYSQL_AUTH_ST_FAILED) {
        return auth_fail(a, "packet outside the authentication exchange");
    }
    if (len == 0) {
        return auth_fail(a, "empty packet during authentication");
    }
    switch (p[0]) {
    case MYSQL_PKT_OK:
        if (mysql_ok_parse(p, len, a->caps, &a->ok) < 0) {
            return auth_fail(a, "malformed OK packet");
        }
        a->state = MYSQL_AUTH_ST_DONE;
        return MYSQL_AUTH_OK;
    case MYSQL_PKT_ERR:
        if (mysql_err_parse(p, len, &a->err) < 0) {
            return auth_fail(a, "malformed ERR packet");
        }
        a->state = MYSQL_AUTH_ST_FAILED;
        return MYSQL_AUTH_DENIED;
    case MYSQL_PKT_EOF:
        return auth_switch(a, p, len, out);
    case AUTH_MORE_DATA:
        return auth_more_data(a, p, len, out);
    default:
        return auth_fail(a, "unexpected packet during authentication");
    }
}
