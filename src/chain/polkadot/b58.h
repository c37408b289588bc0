/* Plain base58 (the Bitcoin alphabet, no checksum of its own): SS58 puts
 * its own checksum inside the bytes (ss58.h). The Tezos codec's base58 core
 * sits behind its base58check and prefix table, so this chain has its own,
 * sized for addresses. */
#ifndef SIGIL_DOT_B58_H
#define SIGIL_DOT_B58_H
#include <stddef.h>
#include <stdint.h>

#define DOT_B58_MAX_BYTES 64   /* bytes encoded or decoded at most */
#define DOT_B58_MAX_CHARS 90   /* characters of 64 bytes (88), and room */

/* len bytes (at most DOT_B58_MAX_BYTES) as base58, NUL-terminated, into out
 * (cap bytes): 0, or SIGIL_E_TOO_BIG (input over the ceiling, out short). */
__attribute__((warn_unused_result)) int
dot_b58_encode(const uint8_t *data, size_t len, char *out, size_t cap);

/* slen characters (no NUL needed) into bytes: 0 and *outlen, or
 * SIGIL_E_INVALID (a character outside the alphabet, empty text),
 * SIGIL_E_TOO_BIG (over the ceilings, or out short). */
__attribute__((warn_unused_result)) int
dot_b58_decode(const char *s, size_t slen, uint8_t *out, size_t cap, size_t *outlen);

#endif
