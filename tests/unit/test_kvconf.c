/*
 * test_kvconf.c - the daemon config's "key = value" lines: blanks,
 * comments, CRLF, values with '=' and '#', and each refused shape naming
 * its line.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto/kvconf.h"

/* Entries seen, as "key=value@line;" */
struct seen {
    char text[1024];
    const char *refuse;           /* key whose callback fails */
};

static int
collect(const char *key, const char *value, unsigned line, void *arg,
        char *err, size_t errlen)
{
    struct seen *s = arg;
    size_t n = strlen(s->text);

    if (s->refuse != NULL && strcmp(key, s->refuse) == 0) {
        snprintf(err, errlen, "%s refused", key);
        return -1;
    }
    snprintf(s->text + n, sizeof(s->text) - n, "%s=%s@%u;", key, value,
             line);
    return 0;
}

static int
parse(const char *text, struct seen *s, char *err)
{
    memset(s->text, 0, sizeof(s->text));
    err[0] = '\0';
    return kvconf_parse(text, strlen(text), collect, s, err, 256);
}

static void
test_accepted(void **state)
{
    struct seen s = {{0}, NULL};
    char err[256];

    (void)state;
    assert_int_equal(parse("", &s, err), 0);
    assert_string_equal(s.text, "");
    assert_int_equal(parse("# only a comment\n\n   \t\n", &s, err), 0);
    assert_string_equal(s.text, "");
    assert_int_equal(parse("listen = 127.0.0.1:8730\n"
                           "  # indented comment\n"
                           "data_dir=/var/lib/tandem dir\r\n"
                           "x.y_2 =  a = b # not a comment  \n"
                           "empty =\n"
                           "last = no newline", &s, err), 0);
    assert_string_equal(s.text, "listen=127.0.0.1:8730@1;"
                        "data_dir=/var/lib/tandem dir@3;"
                        "x.y_2=a = b # not a comment@4;"
                        "empty=@5;last=no newline@6;");
}

static void
refused(const char *text, const char *want)
{
    struct seen s = {{0}, "bad"};
    char err[256];

    assert_int_equal(parse(text, &s, err), -1);
    if (strstr(err, want) == NULL) {
        fail_msg("%s: got '%s', want '%s'", text, err, want);
    }
}

static void
test_refused(void **state)
{
    char big[KVCONF_MAX_LINE + 16];

    (void)state;
    refused("a = 1\nno equals sign\n", "line 2: expected \"key = value\"");
    refused(" = 1\n", "line 1: an empty key");
    refused("Key = 1\n", "line 1: a key is lower-case");
    refused("1a = 1\n", "line 1: a key is lower-case");
    refused("a b = 1\n", "line 1: a key is lower-case");
    refused("a = 1\n\na = 2\n", "line 3: a is set a second time");
    refused("ok = 1\nbad = 2\n", "line 2: bad refused");
    memset(big, 'v', sizeof(big));
    memcpy(big, "k = ", 4);
    big[sizeof(big) - 1] = '\0';
    refused(big, "line 1: longer than");
    {
        struct seen s = {{0}, NULL};
        char err[256];
        const char nul[] = "a = 1\nb = x\0y\n";

        assert_int_equal(kvconf_parse(nul, sizeof(nul) - 1, collect, &s,
                                      err, sizeof(err)), -1);
        assert_non_null(strstr(err, "line 2: holds a NUL byte"));
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accepted),
        cmocka_unit_test(test_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
