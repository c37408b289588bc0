/* SS58 addresses of 32-byte accounts (Substrate's "SS58 address format"):
 *
 *   base58( prefix ‖ account id (32) ‖ checksum (2) )
 *   checksum = the first 2 bytes of blake2b-512("SS58PRE" ‖ prefix ‖ id)
 *
 * The prefix names the network: 0 Polkadot, 2 Kusama, 42 generic Substrate
 * (Westend and development chains). It is one byte for 0..63; for 64..16383
 * it is two bytes, 01aaaaaa bbcccccc, where the 14-bit prefix's low byte
 * is aaaaaabb and its high byte 00cccccc (sp-core crypto.rs: "the
 * combination of LE encoding and missing two bits from the left"). A first
 * byte of 128 or more is no SS58 address. Prefixes 46 and 47 are reserved
 * in the SS58 registry (sp-core refuses them) and refused here; so is a
 * two-byte form of a prefix under 64, which no encoder writes (one
 * spelling per address). */
#ifndef SIGIL_DOT_SS58_H
#define SIGIL_DOT_SS58_H
#include <stddef.h>
#include <stdint.h>

#define DOT_ACCOUNT_LEN 32
#define DOT_SS58_PREFIX_MAX 16383
#define DOT_SS58_TEXT 52     /* 36 bytes are at most 50 characters, and the NUL */

enum dot_ss58_network {
	DOT_SS58_POLKADOT = 0,
	DOT_SS58_KUSAMA = 2,
	DOT_SS58_SUBSTRATE = 42, /* generic: Westend, development chains */
};

/* The address of id under prefix, NUL-terminated into out (cap bytes;
 * DOT_SS58_TEXT is enough): 0, SIGIL_E_INVALID (a prefix over 16383 or
 * reserved), SIGIL_E_TOO_BIG (out short). */
__attribute__((warn_unused_result)) int
dot_ss58_encode(uint16_t prefix, const uint8_t id[static DOT_ACCOUNT_LEN], char *out, size_t cap);

/* An address (slen characters) into its prefix and account id. Errors:
 * SIGIL_E_INVALID (not base58, a bad or reserved prefix, a non-canonical
 * two-byte prefix, a wrong length), SIGIL_E_CHECKSUM, SIGIL_E_TOO_BIG
 * (far too long). Outputs are zeroed on error. */
__attribute__((warn_unused_result)) int
dot_ss58_decode(const char *s, size_t slen, uint16_t *prefix, uint8_t id[static DOT_ACCOUNT_LEN]);

#endif
