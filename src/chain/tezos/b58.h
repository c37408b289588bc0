/* Tezos base58check: a prefix table and checked encoding/decoding. */
#ifndef SIGIL_TZ_B58_H
#define SIGIL_TZ_B58_H
#include <stddef.h>
#include <stdint.h>

enum tz_prefix {
	TZ_P_TZ1, TZ_P_TZ2, TZ_P_TZ3, TZ_P_TZ4, TZ_P_KT1,        /* 20-byte hashes */
	TZ_P_EDPK, TZ_P_SPPK, TZ_P_P2PK, TZ_P_BLPK,              /* public keys */
	TZ_P_EDSK_SEED, TZ_P_EDSK_64, TZ_P_SPSK, TZ_P_P2SK, TZ_P_BLSK, /* secrets */
	TZ_P_EDESK, TZ_P_SPESK, TZ_P_P2ESK, TZ_P_BLESK,          /* encrypted secrets */
	TZ_P_EDSIG, TZ_P_SPSIG, TZ_P_P2SIG, TZ_P_BLSIG, TZ_P_SIG, /* signatures */
	TZ_P_NET,  /* chain id, 4 bytes */
	TZ_P_B,    /* block hash, 32 bytes */
	TZ_P_VH,   /* value (payload) hash, 32 bytes */
	TZ_P_O,    /* operation hash, 32 bytes */
	TZ_P_COUNT
};

/* Longest encoded string we produce or accept (BLsig is 142 characters). */
#define TZ_B58_MAX 160

/* The prefix's human form ("tz1", "edsig", ...) and its payload length. */
const char *tz_prefix_name(enum tz_prefix p);
size_t tz_prefix_payload_len(enum tz_prefix p);

/* Encodes prefix || data || checksum; len must equal the prefix's payload
 * length. Writes a NUL-terminated string; SIGIL_E_TOO_BIG if out is short. */
__attribute__((warn_unused_result)) int
tz_b58_encode(enum tz_prefix p, const uint8_t *data, size_t len, char *out, size_t outcap);

/* Decodes s (slen characters, no NUL needed) expecting prefix p; the payload
 * goes to out. Errors: SIGIL_E_INVALID (bad character, wrong prefix),
 * SIGIL_E_CHECKSUM, SIGIL_E_INCOMPLETE/SIGIL_E_TOO_BIG (wrong length). */
__attribute__((warn_unused_result)) int
tz_b58_decode(const char *s, size_t slen, enum tz_prefix p, uint8_t *out, size_t outcap,
              size_t *outlen);

/* Like tz_b58_decode, but finds which prefix s carries. */
__attribute__((warn_unused_result)) int
tz_b58_decode_any(const char *s, size_t slen, enum tz_prefix *p, uint8_t *out,
                  size_t outcap, size_t *outlen);

/* Plain base58check without a Tezos prefix table (bytes in, bytes out). */
__attribute__((warn_unused_result)) int
b58check_encode(const uint8_t *data, size_t len, char *out, size_t outcap);
__attribute__((warn_unused_result)) int
b58check_decode(const char *s, size_t slen, uint8_t *out, size_t outcap, size_t *outlen);

#endif
