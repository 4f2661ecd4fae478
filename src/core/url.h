/*
 * url.h - connection URLs: scheme://user:password@host:port/db?key=value
 *
 *   mysql://repl:s%40cret@db1.example:3306/shop?tls=verify&ca=/etc/ca.pem
 *   mysql://root@[::1]/             (IPv6 in brackets, default port)
 *
 * User, password, database and parameter values are percent-decoded.
 * Known parameters: tls=disable|require|verify (require: TLS without
 * certificate checks; verify: CA and host name checked) and ca=FILE (a CA
 * bundle; implies tls=verify when tls is not given).  Other parameters are
 * kept for the caller (url_param(), url_check_params()).
 *
 * The password never reaches a log: print url_masked() output instead of
 * the URL.
 */
#ifndef TANDEM_CORE_URL_H
#define TANDEM_CORE_URL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* TLS modes; the values match struct myconn_opts.tls. */
enum url_tls {
    URL_TLS_DISABLE = 0,   /* plain TCP */
    URL_TLS_REQUIRE = 1,   /* TLS, certificate not checked */
    URL_TLS_VERIFY = 2,    /* TLS, CA and host name checked */
    URL_TLS_COUNT          /* sentinel */
};

const char *url_tls_name(enum url_tls t);

/* Most query parameters one URL may carry. */
#define URL_MAX_PARAMS 16

/* One query parameter, decoded. */
struct url_param {
    char *key;             /* owned */
    char *value;           /* owned, "" when given as "key" or "key=" */
};

/* A parsed URL.  Every string is owned and freed by url_free(). */
struct url {
    char *scheme;          /* lower case, e.g. "mysql" */
    char *user;            /* decoded; "" when absent */
    char *password;        /* decoded; NULL when absent (never log it) */
    char *host;            /* name or address, brackets removed */
    bool host_is_ipv6;     /* host was written in [brackets] */
    uint16_t port;         /* given, or the scheme's default */
    char *db;              /* decoded database; NULL when absent */
    enum url_tls tls;      /* from tls= (or ca=) */
    char *ca_file;         /* from ca=; NULL when absent */
    size_t nparams;        /* entries in params */
    struct url_param params[URL_MAX_PARAMS]; /* every parameter, in order */
};

/*
 * Parses <s> into <u> (zeroed first).  Returns 0, or -1 with a one-line
 * reason in <err> ("url: missing host", ...), which never contains the
 * password.  On failure <u> holds nothing to free (url_free() is still
 * safe).
 */
int url_parse(const char *s, struct url *u, char *err, size_t errlen);

/* Frees the strings of <u> (the password is wiped first); <u> may then be
 * reused.  NULL is a no-op. */
void url_free(struct url *u);

/* Decoded value of parameter <key>, or NULL when absent. */
const char *url_param(const struct url *u, const char *key);

/*
 * Fails (-1, reason in <err>) when <u> has a parameter not in <allowed>
 * (a NULL-terminated list), so that a typo such as "tsl=verify" is not
 * silently ignored.  Returns 0 otherwise.
 */
int url_check_params(const struct url *u, const char *const *allowed,
                     char *err, size_t errlen);

/*
 * Parses parameter <key> as milliseconds (digits only, at most
 * 86400000).  Returns 0 with *<ms> set (left alone when the parameter is
 * absent), or -1 with a reason in <err>.
 */
int url_param_ms(const struct url *u, const char *key, unsigned *ms,
                 char *err, size_t errlen);

/*
 * Copies URL text <s> to <out> with the password replaced by "***"
 * (works on text that does not parse, too).  Always NUL-terminates.
 * Returns <out>.
 */
char *url_masked(const char *s, char *out, size_t outlen);

#endif
