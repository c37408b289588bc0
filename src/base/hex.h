#ifndef SIGIL_HEX_H
#define SIGIL_HEX_H
#include <stddef.h>
#include <stdint.h>

/* The value of one hex digit (either case), or -1. */
int hex_nibble(char c);

/* Decodes hex (either case, even length) into out. SIGIL_E_INVALID on a bad
 * digit (out's first hexlen/2 bytes then zero) or odd length, SIGIL_E_TOO_BIG
 * when out is too small. No branch depends on the digits (a key's text). */
__attribute__((warn_unused_result)) int
hex_decode(const char *hex, size_t hexlen, uint8_t *out, size_t outcap, size_t *outlen);

/* Writes 2*len lowercase digits and a NUL; outcap must be >= 2*len+1. */
__attribute__((warn_unused_result)) int
hex_encode(const uint8_t *in, size_t len, char *out, size_t outcap);

/* The same after "0x" (Ethereum's and Substrate's form); outcap must be
 * >= 2*len+3, else SIGIL_E_TOO_BIG. */
__attribute__((warn_unused_result)) int
hex_encode_0x(const uint8_t *in, size_t len, char *out, size_t outcap);

#endif
