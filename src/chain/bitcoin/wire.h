/* Bitcoin's wire primitives: a reading cursor and a writer for
 * little-endian integers and CompactSize lengths, and the hashes Bitcoin
 * builds from them (SHA-256 streamed, SHA-256d, HASH160, BIP-340 tagged
 * hashes).
 *
 * CompactSize (Bitcoin Core's ReadCompactSize): n < 0xfd is one byte;
 * 0xfd ‖ u16, 0xfe ‖ u32, 0xff ‖ u64 little-endian otherwise. Only the
 * shortest form is accepted (Core refuses the others as "non-canonical"),
 * so what is read writes back as the same bytes. */
#ifndef SIGIL_BTC_WIRE_H
#define SIGIL_BTC_WIRE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

/* Reads from p[0..len): every read checks what remains first, and fails
 * with SIGIL_E_INCOMPLETE without moving. */
struct btc_cur {
	const uint8_t *p;
	size_t len, off;
};

static inline size_t
btc_cur_left(const struct btc_cur *c)
{
	return c->len - c->off;
}

__attribute__((warn_unused_result)) int btc_cur_bytes(struct btc_cur *c, size_t n,
                                                      const uint8_t **out);
__attribute__((warn_unused_result)) int btc_cur_u8(struct btc_cur *c, uint8_t *v);
__attribute__((warn_unused_result)) int btc_cur_u32(struct btc_cur *c, uint32_t *v);
__attribute__((warn_unused_result)) int btc_cur_u64(struct btc_cur *c, uint64_t *v);
/* A canonical CompactSize: SIGIL_E_INVALID for a longer form than needed. */
__attribute__((warn_unused_result)) int btc_cur_varint(struct btc_cur *c, uint64_t *v);
/* A CompactSize length then that many bytes; SIGIL_E_TOO_BIG past max. */
__attribute__((warn_unused_result)) int btc_cur_varbytes(struct btc_cur *c, size_t max,
                                                         const uint8_t **out, size_t *n);

/* Writes into p[0..cap); with p NULL it only counts. An append that does
 * not fit sets err (SIGIL_E_TOO_BIG) and writes nothing more. */
struct btc_w {
	uint8_t *p;
	size_t cap, len;
	int err;
};

void btc_w_put(struct btc_w *w, const void *s, size_t n);
void btc_w_u8(struct btc_w *w, uint8_t v);
void btc_w_u32(struct btc_w *w, uint32_t v);
void btc_w_u64(struct btc_w *w, uint64_t v);
void btc_w_varint(struct btc_w *w, uint64_t v);
void btc_w_varbytes(struct btc_w *w, const uint8_t *s, size_t n);
size_t btc_varint_len(uint64_t v);

/* SHA-256, streamed. */
struct btc_sha {
	crypto_hash_sha256_state st;
};

void btc_sha_init(struct btc_sha *h);
/* Starts a BIP-340 tagged hash: SHA256(tag) twice, then the message. */
void btc_sha_tagged(struct btc_sha *h, const char *tag);
void btc_sha_put(struct btc_sha *h, const void *p, size_t n);
void btc_sha_u32(struct btc_sha *h, uint32_t v);
void btc_sha_u64(struct btc_sha *h, uint64_t v);
void btc_sha_varint(struct btc_sha *h, uint64_t v);
void btc_sha_varbytes(struct btc_sha *h, const uint8_t *p, size_t n);
void btc_sha_final(struct btc_sha *h, uint8_t out[static 32]);
/* SHA-256 of the SHA-256 so far (Bitcoin's hash256). */
void btc_sha_final_d(struct btc_sha *h, uint8_t out[static 32]);

void btc_sha256(const uint8_t *in, size_t len, uint8_t out[static 32]);
/* RIPEMD-160(SHA-256(in)): P2PKH and P2WPKH key hashes, P2SH. 0, or
 * SIGIL_E_INTERNAL (out zeroed) when OpenSSL cannot give RIPEMD-160. */
__attribute__((warn_unused_result)) int btc_hash160(const uint8_t *in, size_t len, uint8_t out[static 20]);

#endif
