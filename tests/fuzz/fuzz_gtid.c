/*
 * fuzz_gtid.c - libFuzzer target for the GTID set parser and the QUERY
 * event status-variable scanner.
 *
 * The first byte picks the flavor of an empty set; the input is parsed as
 * a GTID text (NUL-terminated copy), formatted, parsed again, and the two
 * formats must agree (parse -> format -> parse round trip).  The same
 * bytes are then scanned as status variables.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/mysql/gtid.h"
#include "proto/mysql/qstatus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gtid_set a, b;
    struct pbuf fa = {0}, fb = {0};
    struct qstatus qs;
    struct span vars;
    const char *why = NULL;
    char *text;

    if (size == 0) {
        return 0;
    }
    text = malloc(size);
    if (text == NULL) {
        return 0;
    }
    memcpy(text, data + 1, size - 1);
    text[size - 1] = '\0';
    if (gtid_set_parse(&a, text, data[0] & 1, &why) == 0) {
        gtid_set_format(&a, &fa);
        pbuf_putc(&fa, '\0');
        if (!fa.failed) {
            if (gtid_set_parse(&b, (const char *)fa.data, a.mariadb,
                               &why) != 0) {
                abort();    /* our own output must parse */
            }
            gtid_set_format(&b, &fb);
            pbuf_putc(&fb, '\0');
            if (!fb.failed && strcmp((char *)fa.data, (char *)fb.data) != 0) {
                abort();    /* and format back the same */
            }
            gtid_set_free(&b);
        }
        gtid_set_free(&a);
    }
    pbuf_free(&fa);
    pbuf_free(&fb);
    free(text);

    vars.p = data;
    vars.len = size;
    (void)qstatus_parse(vars, &qs);
    return 0;
}
