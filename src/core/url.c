/*
 * url.c - connection URL parsing and masking (see url.h).  The grammar is
 * the usual RFC 3986 authority form, kept lenient where passwords are
 * concerned: the user info ends at the last '@' of the authority and the
 * password at nothing, so an unencoded '@' or ':' in a password works.
 */
#include "src/core/url.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Default ports by scheme. */
static const struct {
    const char *scheme;    /* lower case */
    uint16_t port;         /* default port */
} url_schemes[] = {
    {"mysql", 3306},
    {"mariadb", 3306},
    {"redis", 6379},
    {"rediss", 6379},
    {"postgres", 5432},
    {"postgresql", 5432},
};

static const char *const url_tls_names[URL_TLS_COUNT] = {
    [URL_TLS_DISABLE] = "disable",
    [URL_TLS_REQUIRE] = "require",
    [URL_TLS_VERIFY] = "verify",
};

const char *
url_tls_name(enum url_tls t)
{
    return (unsigned)t < URL_TLS_COUNT ? url_tls_names[t] : "unknown";
}

static int
url_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
url_err(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (errlen > 0) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int
hexval(int c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    c = tolower(c);
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

/*
 * Percent-decodes <n> bytes at <p> into a new string; '+' stays '+'.
 * Returns NULL on a bad escape, an encoded NUL or no memory (*<bad> tells
 * which).
 */
static char *
decode(const char *p, size_t n, bool *bad)
{
    char *out = malloc(n + 1);
    size_t i, o = 0;
    int hi, lo;

    *bad = false;
    if (out == NULL) {
        return NULL;
    }
    for (i = 0; i < n; i++) {
        if (p[i] != '%') {
            out[o++] = p[i];
            continue;
        }
        hi = lo = -1;
        if (i + 2 < n) {
            hi = hexval((unsigned char)p[i + 1]);
            lo = hexval((unsigned char)p[i + 2]);
        }
        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            free(out);
            *bad = true;
            return NULL;
        }
        out[o++] = (char)(hi << 4 | lo);
        i += 2;
    }
    out[o] = '\0';
    return out;
}

static char *
dup_n(const char *p, size_t n)
{
    char *s = malloc(n + 1);

    if (s != NULL) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

static void
wipe_free(char *s)
{
    if (s != NULL) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void
url_free(struct url *u)
{
    size_t i;

    if (u == NULL) {
        return;
    }
    free(u->scheme);
    free(u->user);
    wipe_free(u->password);
    free(u->host);
    free(u->db);
    free(u->ca_file);
    for (i = 0; i < u->nparams; i++) {
        free(u->params[i].key);
        free(u->params[i].value);
    }
    memset(u, 0, sizeof(*u));
}

const char *
url_param(const struct url *u, const char *key)
{
    size_t i;

    for (i = 0; i < u->nparams; i++) {
        if (strcmp(u->params[i].key, key) == 0) {
            return u->params[i].value;
        }
    }
    return NULL;
}

int
url_check_params(const struct url *u, const char *const *allowed, char *err,
                 size_t errlen)
{
    size_t i, j;

    for (i = 0; i < u->nparams; i++) {
        for (j = 0; allowed[j] != NULL; j++) {
            if (strcmp(u->params[i].key, allowed[j]) == 0) {
                break;
            }
        }
        if (allowed[j] == NULL) {
            return url_err(err, errlen, "url: unknown parameter '%s'",
                           u->params[i].key);
        }
    }
    return 0;
}

int
url_param_ms(const struct url *u, const char *key, unsigned *ms, char *err,
             size_t errlen)
{
    const char *v = url_param(u, key);
    unsigned long n = 0;
    const char *p;

    if (v == NULL) {
        return 0;
    }
    for (p = v; *p != '\0'; p++) {
        if (!isdigit((unsigned char)*p) || n > 86400000ul) {
            break;
        }
        n = n * 10 + (unsigned long)(*p - '0');
    }
    if (*v == '\0' || *p != '\0' || n > 86400000ul) {
        return url_err(err, errlen,
                       "url: %s must be milliseconds (0..86400000)", key);
    }
    *ms = (unsigned)n;
    return 0;
}

/* Parses "k=v&k2=v2" (the text after '?'). */
static int
parse_query(struct url *u, const char *q, char *err, size_t errlen)
{
    const char *amp, *eq, *end;
    struct url_param *pm;
    bool bad;
    size_t i;

    while (*q != '\0') {
        amp = strchr(q, '&');
        end = amp != NULL ? amp : q + strlen(q);
        if (end == q) {
            q = end + 1;          /* empty piece: "a=1&&b=2" */
            continue;
        }
        if (u->nparams == URL_MAX_PARAMS) {
            return url_err(err, errlen, "url: more than %d parameters",
                           URL_MAX_PARAMS);
        }
        eq = memchr(q, '=', (size_t)(end - q));
        pm = &u->params[u->nparams];
        pm->key = decode(q, (size_t)((eq != NULL ? eq : end) - q), &bad);
        pm->value = eq != NULL ? decode(eq + 1, (size_t)(end - eq - 1), &bad)
                               : dup_n("", 0);
        if (pm->key == NULL || pm->value == NULL) {
            free(pm->key);
            free(pm->value);
            pm->key = pm->value = NULL;
            return url_err(err, errlen, bad ? "url: bad percent-encoding in "
                                              "a parameter"
                                            : "url: out of memory");
        }
        u->nparams++;
        for (i = 0; i + 1 < u->nparams; i++) {
            if (strcmp(u->params[i].key, pm->key) == 0) {
                return url_err(err, errlen, "url: duplicate parameter '%s'",
                               pm->key);
            }
        }
        q = amp != NULL ? amp + 1 : end;
    }
    return 0;
}

/* Applies the parameters tandem itself knows: tls and ca. */
static int
apply_params(struct url *u, char *err, size_t errlen)
{
    const char *tls = url_param(u, "tls");
    const char *ca = url_param(u, "ca");
    int i;

    if (ca != NULL) {
        if (ca[0] == '\0') {
            return url_err(err, errlen, "url: ca= needs a file name");
        }
        u->ca_file = strdup(ca);
        if (u->ca_file == NULL) {
            return url_err(err, errlen, "url: out of memory");
        }
        u->tls = URL_TLS_VERIFY;
    }
    if (tls != NULL) {
        for (i = 0; i < URL_TLS_COUNT; i++) {
            if (strcmp(tls, url_tls_names[i]) == 0) {
                break;
            }
        }
        if (i == URL_TLS_COUNT) {
            return url_err(err, errlen,
                           "url: tls must be disable, require or verify, "
                           "not '%s'", tls);
        }
        u->tls = (enum url_tls)i;
    }
    return 0;
}

/* Parses host[:port] or [v6][:port] from <p>/<n>. */
static int
parse_hostport(struct url *u, const char *p, size_t n, char *err,
               size_t errlen)
{
    const char *host = p, *port = NULL, *close;
    size_t hlen = n, plen = 0, i;
    unsigned long v = 0;

    if (n > 0 && p[0] == '[') {
        close = memchr(p, ']', n);
        if (close == NULL) {
            return url_err(err, errlen, "url: missing ']' after IPv6 host");
        }
        host = p + 1;
        hlen = (size_t)(close - host);
        u->host_is_ipv6 = true;
        if (close + 1 < p + n) {
            if (close[1] != ':') {
                return url_err(err, errlen,
                               "url: unexpected text after ']'");
            }
            port = close + 2;
            plen = (size_t)(p + n - port);
        }
    } else {
        close = memchr(p, ':', n);
        if (close != NULL) {
            hlen = (size_t)(close - p);
            port = close + 1;
            plen = (size_t)(p + n - port);
        }
    }
    if (hlen == 0) {
        return url_err(err, errlen, "url: missing host");
    }
    for (i = 0; i < hlen; i++) {
        unsigned char c = (unsigned char)host[i];

        if (c <= ' ' || c == '/' || c == '?' || c == '#' || c == '%' ||
            (c == ':' && !u->host_is_ipv6) || c == '[' || c == ']') {
            return url_err(err, errlen, "url: bad character in host");
        }
    }
    if (port != NULL) {
        for (i = 0; i < plen; i++) {
            if (!isdigit((unsigned char)port[i]) || v > 65535) {
                break;
            }
            v = v * 10 + (unsigned long)(port[i] - '0');
        }
        if (plen == 0 || i < plen || v == 0 || v > 65535) {
            return url_err(err, errlen,
                           "url: port must be a number from 1 to 65535");
        }
        u->port = (uint16_t)v;
    }
    u->host = dup_n(host, hlen);
    return u->host != NULL ? 0 : url_err(err, errlen, "url: out of memory");
}

/* Parses [user[:password]@] from the authority's user info. */
static int
parse_userinfo(struct url *u, const char *p, size_t n, char *err,
               size_t errlen)
{
    const char *colon = memchr(p, ':', n);
    bool bad = false;

    u->user = decode(p, colon != NULL ? (size_t)(colon - p) : n, &bad);
    if (u->user == NULL) {
        return url_err(err, errlen, bad ? "url: bad percent-encoding in user"
                                        : "url: out of memory");
    }
    if (colon != NULL) {
        u->password = decode(colon + 1, (size_t)(p + n - colon - 1), &bad);
        if (u->password == NULL) {
            return url_err(err, errlen,
                           bad ? "url: bad percent-encoding in password"
                               : "url: out of memory");
        }
    }
    return 0;
}

int
url_parse(const char *s, struct url *u, char *err, size_t errlen)
{
    const char *sep, *auth, *auth_end, *at, *q;
    size_t i, slen;
    bool bad;

    memset(u, 0, sizeof(*u));
    if (s == NULL || *s == '\0') {
        return url_err(err, errlen, "url: empty");
    }
    sep = strstr(s, "://");
    if (sep == NULL || sep == s) {
        return url_err(err, errlen,
                       "url: missing scheme (expected mysql://...)");
    }
    slen = (size_t)(sep - s);
    u->scheme = dup_n(s, slen);
    if (u->scheme == NULL) {
        return url_err(err, errlen, "url: out of memory");
    }
    for (i = 0; i < slen; i++) {
        u->scheme[i] = (char)tolower((unsigned char)u->scheme[i]);
    }
    for (i = 0; i < sizeof(url_schemes) / sizeof(url_schemes[0]); i++) {
        if (strcmp(u->scheme, url_schemes[i].scheme) == 0) {
            u->port = url_schemes[i].port;
            break;
        }
    }
    if (i == sizeof(url_schemes) / sizeof(url_schemes[0])) {
        url_err(err, errlen, "url: unsupported scheme '%.*s'",
                (int)(slen > 20 ? 20 : slen), s);
        url_free(u);
        return -1;
    }

    auth = sep + 3;
    auth_end = auth + strcspn(auth, "/?#");
    if (*auth_end == '#') {
        url_err(err, errlen, "url: '#' must be written %%23");
        goto fail;
    }
    /* The last '@' ends the user info: passwords may hold '@'. */
    at = NULL;
    for (q = auth; q < auth_end; q++) {
        if (*q == '@') {
            at = q;
        }
    }
    if (at != NULL) {
        if (parse_userinfo(u, auth, (size_t)(at - auth), err, errlen) < 0) {
            goto fail;
        }
        auth = at + 1;
    } else {
        u->user = dup_n("", 0);
    }
    if (parse_hostport(u, auth, (size_t)(auth_end - auth), err, errlen) < 0) {
        goto fail;
    }
    q = auth_end;
    if (*q == '/') {
        const char *db_end = q + 1 + strcspn(q + 1, "?#");

        if (db_end > q + 1) {
            u->db = decode(q + 1, (size_t)(db_end - q - 1), &bad);
            if (u->db == NULL) {
                url_err(err, errlen, bad ? "url: bad percent-encoding in "
                                           "database"
                                         : "url: out of memory");
                goto fail;
            }
            if (strchr(u->db, '/') != NULL) {
                url_err(err, errlen, "url: database name holds '/'");
                goto fail;
            }
        }
        q = db_end;
    }
    if (*q == '#') {
        url_err(err, errlen, "url: '#' must be written %%23");
        goto fail;
    }
    if (*q == '?' && (parse_query(u, q + 1, err, errlen) < 0 ||
                      apply_params(u, err, errlen) < 0)) {
        goto fail;
    }
    if (strchr(q, '#') != NULL) {
        url_err(err, errlen, "url: '#' must be written %%23");
        goto fail;
    }
    return 0;
fail:
    url_free(u);
    return -1;
}

char *
url_masked(const char *s, char *out, size_t outlen)
{
    const char *sep, *auth, *auth_end, *at = NULL, *colon, *q;
    size_t o = 0, n;

    if (outlen == 0) {
        return out;
    }
    out[0] = '\0';
    if (s == NULL) {
        return out;
    }
    sep = strstr(s, "://");
    auth = sep != NULL ? sep + 3 : s;
    auth_end = auth + strcspn(auth, "/?#");
    for (q = auth; q < auth_end; q++) {
        if (*q == '@') {
            at = q;
        }
    }
    colon = at != NULL ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon == NULL) {
        snprintf(out, outlen, "%s", s);
        return out;
    }
    n = (size_t)(colon + 1 - s);
    if (n >= outlen) {
        n = outlen - 1;
    }
    memcpy(out, s, n);
    o = n;
    snprintf(out + o, outlen - o, "***%s", at);
    return out;
}
