/* Plain base58 (the Bitcoin alphabet, no checksum): the one codec under
 * Tezos's base58check (chain/tezos/b58.c), Solana's addresses and
 * signatures (chain/solana/) and Polkadot's SS58 (chain/polkadot/ss58.c). */
#ifndef SIGIL_B58_H
#define SIGIL_B58_H
#include <stddef.h>
#include <stdint.h>

#define B58_BYTES_MAX 120 /* the longest byte string either way */
#define B58_TEXT_MAX 160  /* the longest text decoded (120 bytes need < 164) */

/* Writes the base58 of len bytes (at most B58_BYTES_MAX) and a NUL into
 * out; SIGIL_E_TOO_BIG when either does not fit. */
__attribute__((warn_unused_result)) int
b58_encode(const uint8_t *data, size_t len, char *out, size_t outcap);

/* Decodes slen characters (no NUL needed; at most B58_TEXT_MAX) into out,
 * big-endian, one zero byte per leading '1'. SIGIL_E_INVALID on a
 * character outside the alphabet, SIGIL_E_TOO_BIG when too long. Every
 * buffer is wiped: the text may be a secret key. */
__attribute__((warn_unused_result)) int
b58_decode(const char *s, size_t slen, uint8_t *out, size_t outcap, size_t *outlen);

#endif
