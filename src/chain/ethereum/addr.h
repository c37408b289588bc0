/* Ethereum addresses and personal_sign.
 *
 * An address is the last 20 bytes of keccak256 of a secp256k1 public key
 * written uncompressed without its 04 tag (X ‖ Y, 64 bytes); sigil keeps
 * public keys compressed (33 bytes), so the point is decompressed first.
 * As text it is "0x" and 40 hex digits in EIP-55's mixed case, where a
 * letter is upper case when the matching nibble of keccak256(the lower-case
 * hex) is 8 or more: a checksum that costs nothing to a reader who ignores
 * it. Text in one case only carries no checksum and is accepted as such;
 * mixed case must be the checksum exactly.
 *
 * personal_sign (EIP-191 version 0x45) signs
 * keccak256("\x19Ethereum Signed Message:\n" ‖ decimal length ‖ message),
 * so that a signed message can never be a transaction. */
#ifndef SIGIL_ETH_ADDR_H
#define SIGIL_ETH_ADDR_H
#include <stddef.h>
#include <stdint.h>

#define ETH_ADDR_LEN 20
#define ETH_ADDR_TEXT 43 /* "0x" + 40 digits + NUL */

/* The address of a secp256k1 public key, compressed (33 bytes, 02/03) or
 * uncompressed (65 bytes, 04). SIGIL_E_CRYPTO when pk is not a point of
 * the curve, SIGIL_E_INVALID for another length; addr zeroed then. */
__attribute__((warn_unused_result)) int
eth_address_from_pubkey(const uint8_t *pk, size_t pklen, uint8_t addr[static ETH_ADDR_LEN]);

/* addr as EIP-55 text ("0x" and 40 mixed-case digits, NUL-terminated). */
void eth_address_text(const uint8_t addr[static ETH_ADDR_LEN], char out[static ETH_ADDR_TEXT]);

/* Reads text (slen characters, no NUL needed): "0x" and exactly 40 hex
 * digits. SIGIL_E_INVALID for any other form, SIGIL_E_CHECKSUM for mixed
 * case that is not the EIP-55 checksum; addr zeroed on error. */
__attribute__((warn_unused_result)) int
eth_address_parse(const char *text, size_t slen, uint8_t addr[static ETH_ADDR_LEN]);

/* The EIP-191 personal_sign hash of msg (len bytes; msg may be NULL when
 * len is 0). */
void eth_personal_hash(const uint8_t *msg, size_t len, uint8_t out[static 32]);

#endif
