/*
 * auth.h - the connection phase of the MySQL/MariaDB client protocol:
 * Handshake v10, SSLRequest, HandshakeResponse41, capability negotiation
 * and the authentication exchange (MySQL internals, "Connection Phase").
 *
 * Supported auth plugins:
 *   mysql_native_password  SHA1(pw) XOR SHA1(nonce + SHA1(SHA1(pw)))
 *   caching_sha2_password  SHA256(pw) XOR SHA256(SHA256(SHA256(pw)) + nonce)
 *                          then, when the server has no cached entry
 *                          (0x01 0x04 "perform full authentication"), the
 *                          cleartext password + NUL over TLS, or without
 *                          TLS the password XOR nonce encrypted with the
 *                          server's RSA key (asked for with 0x02)
 *   sha256_password        cleartext + NUL over TLS, else RSA as above
 *                          (the key is asked for with 0x01)
 * RSA uses OAEP padding with SHA-1 (RSA_PKCS1_OAEP_PADDING), as MySQL
 * 8.0.5+ servers expect.  Any other plugin (client_ed25519, dialog,
 * mysql_clear_password, ...) ends the exchange with a clear reason.
 *
 * struct mysql_auth is a sans-I/O state machine: the caller feeds each
 * server payload and sends the payload it writes, if any.
 */
#ifndef TANDEM_PROTO_MYSQL_AUTH_H
#define TANDEM_PROTO_MYSQL_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proto/buf.h"
#include "proto/mysql/packet.h"

/* Largest nonce ("auth plugin data") kept; servers send 20 bytes, or 32
 * for MariaDB's ed25519 switch. */
#define MYSQL_NONCE_MAX 64
/* Longest auth plugin name kept (with NUL). */
#define MYSQL_PLUGIN_NAME_MAX 64
/* utf8mb4_general_ci: the collation tandem asks for. */
#define MYSQL_CHARSET_UTF8MB4 45
/* max_packet_size tandem announces. */
#define MYSQL_CLIENT_MAX_PACKET (1024u * 1024u * 1024u)

/* Initial handshake packet, protocol version 10. */
struct mysql_handshake {
    uint8_t protocol_version;    /* 10 */
    struct span server_version;  /* e.g. "5.5.5-10.11.6-MariaDB" (borrowed) */
    uint32_t connection_id;      /* the server's thread id */
    uint8_t nonce[MYSQL_NONCE_MAX]; /* auth-plugin-data parts 1 and 2 */
    size_t nonce_len;            /* bytes in nonce, normally 20 */
    uint32_t caps;               /* server capability flags */
    uint32_t mariadb_caps;       /* MariaDB extended caps, 0 if none */
    uint8_t charset;             /* server default collation id */
    uint16_t status;             /* server status flags */
    struct span auth_plugin;     /* default plugin name (borrowed), may be empty */
    bool is_mariadb;             /* MariaDB (no CLIENT_MYSQL, or named so) */
};

/*
 * Parses a Handshake v10 payload.  Returns <len> on success, or
 * -PROTO_EMALFORMED / -PROTO_EUNSUPPORTED (protocol other than 10, or a
 * server without CLIENT_PROTOCOL_41) with *<why> (may be NULL) set to a
 * static reason.  A payload starting with 0xff is an ERR packet, not a
 * handshake: check for it first.
 */
ssize_t mysql_handshake_parse(const uint8_t *p, size_t len,
                              struct mysql_handshake *hs, const char **why);

/*
 * Strips MariaDB's "5.5.5-" replication prefix from <v> (MariaDB before
 * 11.0 announces "5.5.5-10.11.6-MariaDB" to old clients).
 */
struct span mysql_version_strip(struct span v);

/*
 * The capabilities tandem uses with a server offering <server_caps>:
 * PROTOCOL_41, SECURE_CONNECTION, PLUGIN_AUTH(_LENENC), CONNECT_ATTRS,
 * DEPRECATE_EOF, MULTI_RESULTS (so CALL may return rows), TRANSACTIONS,
 * LONG_FLAG, LONG_PASSWORD, each only if the server offers it, plus SSL
 * when <tls> and CONNECT_WITH_DB when <with_db>.
 */
uint32_t mysql_caps_negotiate(uint32_t server_caps, bool tls, bool with_db);

/* HandshakeResponse41 fields. */
struct mysql_hs_response {
    uint32_t caps;               /* negotiated capabilities */
    uint32_t max_packet;         /* max packet size the client accepts */
    uint8_t charset;             /* collation id */
    const char *user;            /* user name, NUL-terminated */
    const uint8_t *auth;         /* initial auth response bytes */
    size_t auth_len;             /* bytes at auth */
    const char *db;              /* default database or NULL */
    const char *plugin;          /* plugin that produced auth, or NULL */
    const char *const *attrs;    /* key, value, ..., NULL; or NULL */
};

/* Appends the 32-byte SSLRequest payload (no packet header) to <out>. */
void mysql_ssl_request_encode(struct pbuf *out, uint32_t caps,
                              uint32_t max_packet, uint8_t charset);

/* Appends a HandshakeResponse41 payload (no packet header) to <out>. */
void mysql_hs_response_encode(struct pbuf *out,
                              const struct mysql_hs_response *r);

/* Auth plugins tandem knows. */
enum mysql_auth_plugin {
    MYSQL_AUTH_NATIVE = 0,       /* mysql_native_password */
    MYSQL_AUTH_CACHING_SHA2,     /* caching_sha2_password */
    MYSQL_AUTH_SHA256,           /* sha256_password */
    MYSQL_AUTH_UNSUPPORTED,      /* any other name */
    MYSQL_AUTH_PLUGIN_COUNT      /* sentinel */
};

/* Plugin for a name; MYSQL_AUTH_UNSUPPORTED when unknown. */
enum mysql_auth_plugin mysql_auth_plugin_parse(struct span name);
/* Protocol name of a plugin ("mysql_native_password"), or "unsupported". */
const char *mysql_auth_plugin_name(enum mysql_auth_plugin p);

/*
 * mysql_native_password scramble of NUL-terminated <password> with
 * <nonce> (its first 20 bytes are used).  Writes 20 bytes to <out> and
 * returns 20, or returns 0 for an empty password (empty response).
 */
size_t mysql_scramble_native(const char *password, const uint8_t *nonce,
                             size_t nonce_len, uint8_t out[20]);

/*
 * caching_sha2_password fast-path scramble.  Writes 32 bytes to <out> and
 * returns 32, or returns 0 for an empty password.
 */
size_t mysql_scramble_sha256(const char *password, const uint8_t *nonce,
                             size_t nonce_len, uint8_t out[32]);

/*
 * Encrypts (<password> + NUL) XOR <nonce> (repeated) with the RSA public
 * key in <pem> (SubjectPublicKeyInfo or PKCS#1 PEM), OAEP padding.
 * Appends the ciphertext to <out> and returns its length, or returns
 * -PROTO_EMALFORMED (bad key) / -PROTO_ELIMIT (password too long for the
 * key) / -PROTO_ENOMEM with *<why> set to a static reason.
 */
ssize_t mysql_rsa_encrypt_password(const uint8_t *pem, size_t pem_len,
                                   const char *password,
                                   const uint8_t *nonce, size_t nonce_len,
                                   struct pbuf *out, const char **why);

/* States of the authentication exchange. */
enum mysql_auth_state {
    MYSQL_AUTH_ST_INIT = 0,      /* mysql_auth_start() not called yet */
    MYSQL_AUTH_ST_WAIT_RESULT,   /* response sent; OK/ERR/switch/more-data next */
    MYSQL_AUTH_ST_WAIT_OK,       /* fast auth succeeded; OK next */
    MYSQL_AUTH_ST_WAIT_PUBKEY,   /* asked for the RSA public key */
    MYSQL_AUTH_ST_DONE,          /* OK received: authenticated */
    MYSQL_AUTH_ST_FAILED,        /* ERR received or cannot go on */
    MYSQL_AUTH_ST_COUNT          /* sentinel */
};

const char *mysql_auth_state_name(enum mysql_auth_state s);

/* What mysql_auth_feed() asks the caller to do. */
enum mysql_auth_step {
    MYSQL_AUTH_SEND = 0,         /* send <out> as the next packet, then wait */
    MYSQL_AUTH_WAIT,             /* nothing to send; wait for the next packet */
    MYSQL_AUTH_OK,               /* authenticated (a->ok holds the OK) */
    MYSQL_AUTH_DENIED,           /* the server sent ERR (a->err) */
    MYSQL_AUTH_FAILED,           /* cannot go on (a->reason) */
    MYSQL_AUTH_STEP_COUNT        /* sentinel */
};

const char *mysql_auth_step_name(enum mysql_auth_step s);

/* Authentication exchange.  Zero it, then call mysql_auth_start(). */
struct mysql_auth {
    const char *password;        /* borrowed, NUL-terminated; "" for none */
    bool secure;                 /* the channel is TLS: cleartext allowed */
    uint32_t caps;               /* negotiated capabilities (OK parsing) */
    enum mysql_auth_state state; /* where the exchange is */
    enum mysql_auth_plugin plugin; /* plugin in use */
    char plugin_name[MYSQL_PLUGIN_NAME_MAX]; /* as the server named it */
    uint8_t nonce[MYSQL_NONCE_MAX]; /* current plugin's nonce */
    size_t nonce_len;            /* bytes in nonce */
    unsigned switches;           /* auth switch requests seen (loop guard) */
    bool unsupported_plugin;     /* FAILED because of plugin_name */
    struct mysql_ok ok;          /* the final OK (views into its payload) */
    struct mysql_err err;        /* the ERR (views into its payload) */
    const char *reason;          /* static reason when FAILED */
};

/*
 * Starts the exchange after Handshake v10 <hs>: picks the handshake's
 * plugin (mysql_native_password when it names an unsupported one: the
 * server switches if the account needs another) and appends the initial
 * auth response to <resp>.  <password> is borrowed for the whole
 * exchange; <secure> says the channel is TLS.  *<plugin> receives the name
 * to put in HandshakeResponse41.  Returns 0, or <0 with a->reason set.
 */
int mysql_auth_start(struct mysql_auth *a, const struct mysql_handshake *hs,
                     const char *password, bool secure, uint32_t caps,
                     struct pbuf *resp, const char **plugin);

/*
 * Feeds one server payload of the authentication phase.  Returns an
 * enum mysql_auth_step; for MYSQL_AUTH_SEND the payload to send is
 * appended to <out> (it may be empty: send an empty packet).  Views in
 * a->ok and a->err point into <p>.
 */
enum mysql_auth_step mysql_auth_feed(struct mysql_auth *a, const uint8_t *p,
                                     size_t len, struct pbuf *out);

#endif
