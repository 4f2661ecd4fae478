/*
 * fuzz_src_http.c - libFuzzer target for the CLI's reading of the
 * daemon's HTTP answers (src/admin/client.c): any bytes give an answer, a
 * wait for more, or a one-line error, never a crash; a body is never
 * longer than the bytes read, and an answer complete before the end of
 * the connection stays the same once it has ended.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/admin/client.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct admin_client_reply open, closed;
    char err[512];
    int a, b;

    err[0] = '\0';
    a = admin_client_parse((const char *)data, size, false, &open, err,
                           sizeof(err));
    if (a < 0 && (err[0] == '\0' || strchr(err, '\n') != NULL)) {
        abort();
    }
    b = admin_client_parse((const char *)data, size, true, &closed, err,
                           sizeof(err));
    if (a > 0 && (b <= 0 || open.status != closed.status ||
                  open.body_len != closed.body_len ||
                  memcmp(open.body, closed.body, open.body_len) != 0)) {
        abort();
    }
    if ((a > 0 && open.body_len > size) || (b > 0 && closed.body_len > size)
        || b == 0) {
        abort();
    }
    if (a > 0) {
        admin_client_reply_free(&open);
    }
    if (b > 0) {
        admin_client_reply_free(&closed);
    }
    return 0;
}
