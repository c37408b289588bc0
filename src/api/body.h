/* Request bodies and query arguments of the octez-signer protocol. */
#ifndef SIGIL_API_BODY_H
#define SIGIL_API_BODY_H
#include <stddef.h>
#include <stdint.h>

/* Bodies larger than this are refused with 413 before they are read. */
#define API_BODY_MAX (1024 * 1024)

/* Parses a POST /keys/{pkh} body: one JSON string of hex digits, with
 * optional white space around it. The bytes go to out (outcap bytes).
 * SIGIL_E_INVALID for anything else (not a string, escapes, bad hex, empty),
 * SIGIL_E_TOO_BIG when the bytes exceed outcap. */
__attribute__((warn_unused_result)) int
api_parse_sign_body(const char *body, size_t len, uint8_t *out, size_t outcap,
                    size_t *outlen);

/* Parses the version query argument: NULL means the default 2; otherwise
 * exactly "0", "1" or "2". */
__attribute__((warn_unused_result)) int
api_parse_version(const char *arg, int *version);

#endif
