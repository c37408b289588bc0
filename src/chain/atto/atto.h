/* Atto: the bytes an Atto node asks its signer to sign, and Atto's text
 * forms of keys, signatures and addresses.
 *
 * The layouts are those of attocash/commons (commons-core: AttoBlock,
 * AttoVote, AttoSigner, AttoBufferExtensions). Every number is
 * little-endian; every hash is BLAKE2b; every signature is Ed25519
 * (RFC 8032, not pre-hashed) over a hash, never over the bytes themselves:
 *
 *   block      the key signs blake2b-256(block bytes)
 *   vote       the key signs blake2b-256(vote bytes)
 *   challenge  the key signs blake2b-512(public key ‖ challenge ‖ timestamp),
 *              a 64-byte message
 *
 * The signer's HTTP API carries blocks and votes as JSON objects, one
 * member per field (commons' kotlinx serialisation); the API side reads
 * those fields into struct atto_block or atto_vote and has them written
 * here (atto_block_encode, atto_vote_encode), which checks them as the
 * decoders check bytes and gives the hash the key signs. */
#ifndef SIGIL_ATTO_H
#define SIGIL_ATTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ATTO_PK_LEN 32
#define ATTO_HASH_LEN 32
#define ATTO_SIG_LEN 64
#define ATTO_CHALLENGE_HASH_LEN 64

/* Block lengths by type (commons' AttoBlockType sizes). */
#define ATTO_BLOCK_OPEN_LEN 119
#define ATTO_BLOCK_RECEIVE_LEN 126
#define ATTO_BLOCK_SEND_LEN 134
#define ATTO_BLOCK_CHANGE_LEN 126
#define ATTO_BLOCK_MAX ATTO_BLOCK_SEND_LEN
#define ATTO_VOTE_LEN 76

/* A challenge is at least 64 bytes (AttoChallenge's require); commons sets
 * no upper bound, the node sends 64. Ours keeps one request small. */
#define ATTO_CHALLENGE_MIN 64
#define ATTO_CHALLENGE_MAX 1024

/* The highest block and vote version commons knows (maxVersion, and
 * AttoVote.isValid). A later version is refused until we learn it. */
#define ATTO_VERSION_MAX 0
/* AttoAmount.MAX_RAW: 18e18 raw, more than INT64_MAX. */
#define ATTO_AMOUNT_MAX UINT64_C(18000000000000000000)
/* A vote whose timestamp is Long.MAX_VALUE is final (AttoVote.isFinal). */
#define ATTO_TIMESTAMP_FINAL INT64_MAX

/* Address text: "atto://" and 61 base32 letters; and public keys and
 * signatures as the signer writes them (uppercase hex), NUL included. */
#define ATTO_ADDRESS_SCHEME "atto://"
#define ATTO_ADDRESS_PATH_LEN 61
#define ATTO_ADDRESS_TEXT_MAX (sizeof(ATTO_ADDRESS_SCHEME) + ATTO_ADDRESS_PATH_LEN)
#define ATTO_PK_TEXT_MAX (2 * ATTO_PK_LEN + 1)
#define ATTO_SIG_TEXT_MAX (2 * ATTO_SIG_LEN + 1)

enum atto_block_type {
	ATTO_BLOCK_OPEN = 0,
	ATTO_BLOCK_RECEIVE = 1,
	ATTO_BLOCK_SEND = 2,
	ATTO_BLOCK_CHANGE = 3,
};
#define ATTO_BLOCK_TYPES 4

/* Network codes (AttoNetwork). 9 is commons' UNKNOWN, which we refuse.
 * CASH (4) appears in some commons versions only. */
enum atto_network {
	ATTO_NET_LIVE = 0,
	ATTO_NET_BETA = 1,
	ATTO_NET_DEV = 2,
	ATTO_NET_LOCAL = 3,
	ATTO_NET_CASH = 4,
};
#define ATTO_NETWORKS 5

/* The one algorithm (AttoAlgorithm.V1: BLAKE2b and Ed25519). */
#define ATTO_ALGORITHM_V1 0

/* A block's fields. The optional parts are set as the type has them:
 * previous (RECEIVE, SEND, CHANGE), send hash (OPEN, RECEIVE),
 * representative (OPEN, CHANGE), receiver and amount (SEND). */
struct atto_block {
	enum atto_block_type type;
	enum atto_network network;
	uint16_t version;
	uint8_t public_key[ATTO_PK_LEN];
	uint64_t height;            /* OPEN: 1, which its bytes do not carry */
	uint64_t balance;
	int64_t timestamp;          /* milliseconds since 1970, UTC */
	bool has_previous, has_send_hash, has_representative, has_receiver;
	uint8_t previous[ATTO_HASH_LEN];
	uint8_t send_hash[ATTO_HASH_LEN];
	uint8_t representative[ATTO_PK_LEN];
	uint8_t receiver[ATTO_PK_LEN];
	uint64_t amount;
	uint8_t hash[ATTO_HASH_LEN]; /* blake2b-256 of the bytes: what is signed */
};

struct atto_vote {
	uint16_t version;
	uint8_t public_key[ATTO_PK_LEN];
	uint8_t block_hash[ATTO_HASH_LEN];
	int64_t timestamp;
	bool final;                  /* timestamp == ATTO_TIMESTAMP_FINAL */
	uint8_t hash[ATTO_HASH_LEN]; /* blake2b-256 of the 76 bytes: what is signed */
};

/* Decodes a block's canonical bytes (type byte first). *out is zeroed at
 * entry and again on error; reason (cap bytes, may be NULL) says why,
 * never quoting the bytes. SIGIL_E_INCOMPLETE for no bytes or fewer than
 * the type needs; SIGIL_E_TOO_BIG past ATTO_BLOCK_MAX; SIGIL_E_INVALID
 * for an unknown type, network or algorithm, a version above
 * ATTO_VERSION_MAX, trailing bytes, or a block commons' validate() refuses
 * for reasons the bytes alone show (height below 2 after OPEN, an amount
 * or balance above ATTO_AMOUNT_MAX, a zero amount or a send to oneself, a
 * zero balance after receiving, a negative timestamp). */
__attribute__((warn_unused_result)) int
atto_block_decode(const uint8_t *buf, size_t len, struct atto_block *out, char *reason,
                  size_t cap);

/* The canonical bytes of b (its type's length, at most ATTO_BLOCK_MAX)
 * into out, and b->hash computed from them; the has_ flags are set from
 * the type. The fields are checked as atto_block_decode checks them (same
 * codes and reasons); *len is 0 on error. */
__attribute__((warn_unused_result)) int
atto_block_encode(struct atto_block *b, uint8_t out[static ATTO_BLOCK_MAX], size_t *len,
                  char *reason, size_t cap);

/* A vote's 76 bytes: version, algorithm, public key, block algorithm,
 * block hash, timestamp. Same conventions as atto_block_decode. */
__attribute__((warn_unused_result)) int
atto_vote_decode(const uint8_t *buf, size_t len, struct atto_vote *out, char *reason,
                 size_t cap);
__attribute__((warn_unused_result)) int
atto_vote_encode(struct atto_vote *v, uint8_t out[static ATTO_VOTE_LEN], char *reason,
                 size_t cap);

/* What the key signs for a challenge: blake2b-512(pk ‖ challenge ‖
 * timestamp as 8 bytes little-endian), 64 bytes. SIGIL_E_INVALID below
 * ATTO_CHALLENGE_MIN bytes or for a negative timestamp, SIGIL_E_TOO_BIG
 * above ATTO_CHALLENGE_MAX; out is zeroed on error. */
__attribute__((warn_unused_result)) int
atto_challenge_hash(const uint8_t pk[static ATTO_PK_LEN], const uint8_t *challenge, size_t len,
                    int64_t timestamp, uint8_t out[static ATTO_CHALLENGE_HASH_LEN], char *reason,
                    size_t cap);

/* BLAKE2b (RFC 7693, unkeyed) with any output length from 1 to 64 bytes:
 * addresses need 5, which libsodium's generichash does not give. */
void atto_blake2b(uint8_t *out, size_t outlen, const uint8_t *in, size_t len);

/* "atto://" and the base32 path of (algorithm ‖ pk ‖ blake2b-40 checksum),
 * lowercase, unpadded. SIGIL_E_TOO_BIG when cap is short. */
__attribute__((warn_unused_result)) int
atto_address_encode(const uint8_t pk[static ATTO_PK_LEN], char *out, size_t cap);

/* An address back to its public key: "atto://" and the path, or the path
 * alone, as AttoAddress.parse takes them; lowercase only, unused bits
 * zero, algorithm V1, checksum checked (SIGIL_E_CHECKSUM). pk is zeroed on
 * error. */
__attribute__((warn_unused_result)) int
atto_address_parse(const char *text, uint8_t pk[static ATTO_PK_LEN]);

/* Bytes as the signer writes them: uppercase hex and a NUL (cap >= 2*len+1). */
__attribute__((warn_unused_result)) int
atto_hex_encode(const uint8_t *in, size_t len, char *out, size_t cap);

/* Hex of exactly 2*len digits (either case, as commons reads it; no sign,
 * no odd length, unlike its lenient fromHexToByteArray) into out. */
__attribute__((warn_unused_result)) int
atto_hex_decode(const char *text, size_t textlen, uint8_t *out, size_t len);

/* Names as commons' JSON writes them, and back (-1 when unknown). */
const char *atto_block_type_name(enum atto_block_type t);
int atto_block_type_from_name(const char *name, size_t len);
const char *atto_network_name(enum atto_network n);
int atto_network_from_name(const char *name, size_t len);

#endif
