/* The key holder's RPC (sigil-enclave), both ends: frames and the CBOR in
 * them. A frame is a 4-byte big-endian length and one CBOR map with a single
 * key naming the request (the Confidential Space signer protocol):
 *
 *   {"Initialize": {credentials}}          -> {"Ok": {}}
 *   {"Import": blob}                       -> {"Ok": {"public_key", "handle"}}
 *   {"ImportUnencrypted": PrivateKey}      -> {"Ok": {"encrypted_private_key", "public_key", "handle"}}
 *   {"Generate": KeyType}                  -> {"Ok": {"encrypted_private_key", "public_key"}}
 *   {"GenerateAndImport": KeyType}         -> {"Ok": {"encrypted_private_key", "public_key", "handle"}}
 *   {"Sign": {"handle", "message", "version"?, "scheme"?}}       -> {"Ok": Signature}
 *   {"SignWith": {"encrypted_private_key", "message", "version"?, "scheme"?}} -> {"Ok": Signature}
 *   {"PublicKey": handle}                  -> {"Ok": PublicKey}
 *   {"PublicKeyFrom": blob}                -> {"Ok": PublicKey}
 *   {"ProvePossession": handle}            -> {"Ok": Signature}  (Bls keys)
 *   any failure                            -> {"Err": {"message": text}}
 *
 * KeyType is the text "Ed25519", "Secp256k1", "NistP256" or "Bls";
 * PublicKey, PrivateKey and Signature are single-key maps from a KeyType
 * to bytes: public keys as Tezos writes them (Ed25519 32 bytes, ECDSA 33
 * bytes compressed SEC1, Bls 48 bytes compressed G1), private keys as 32
 * bytes (Ed25519 the seed, ECDSA and Bls the big-endian scalar),
 * signatures as 64 bytes r||s (ECDSA low-S), 64 (Ed25519) or 96 (Bls).
 *
 * Sign and SignWith without "scheme" sign as Signatory's key holder does,
 * for Tezos: the blake2b-256 digest of message for Ed25519 and ECDSA keys;
 * for Bls the message itself, version 1 with message augmentation, version
 * 2 (the default) with the proof-of-possession ciphersuite. "scheme" (an
 * extension of sigil's, any chain) names what to sign instead: "plain"
 * (Ed25519 over message, ECDSA over message as a 32-byte digest),
 * "bls_pop", "bls_aug", "bls_proof" (crypto/sig.h, enum sigil_scheme).
 *
 * Nothing here keeps state; the decoders copy what they keep, and
 * enclave_request_clear wipes it. */
#ifndef SIGIL_ENCLAVE_PROTO_H
#define SIGIL_ENCLAVE_PROTO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/deadline.h"
#include "crypto/sig.h"

/* Hard ceiling on one frame, either way: a longer length closes the
 * connection before anything is read. */
#define ENCLAVE_FRAME_MAX (1024u * 1024u)
/* The longest message Sign and SignWith take (the HTTP body's ceiling,
 * hex-decoded). */
#define ENCLAVE_MSG_MAX (512u * 1024u)
/* The longest encrypted key (blob.h says what is in it). */
#define ENCLAVE_BLOB_MAX 256u
/* Initialize's credentials: at most this many entries. */
#define ENCLAVE_CRED_MAX 8
#define ENCLAVE_CRED_KEY_MAX 32
#define ENCLAVE_CRED_VALUE_MAX 256
#define ENCLAVE_ERR_MAX 256
/* The port sigil-enclave listens on over TCP unless told otherwise. */
#define ENCLAVE_DEFAULT_PORT 2000

enum enclave_op {
	ENCLAVE_OP_NONE = 0,
	ENCLAVE_INITIALIZE,
	ENCLAVE_IMPORT,
	ENCLAVE_IMPORT_UNENCRYPTED,
	ENCLAVE_GENERATE,
	ENCLAVE_GENERATE_AND_IMPORT,
	ENCLAVE_SIGN,
	ENCLAVE_SIGN_WITH,
	ENCLAVE_PUBLIC_KEY,
	ENCLAVE_PUBLIC_KEY_FROM,
	ENCLAVE_PROVE_POSSESSION,
};

/* "Initialize", … (NULL for an unknown op). */
const char *enclave_op_name(enum enclave_op op);
/* "Ed25519", "Secp256k1", "NistP256", "Bls" and back (-1 when unknown). */
const char *enclave_key_type_name(enum sigil_key_type t);
int enclave_key_type_from_name(const char *name, size_t len);

/* Initialize's credentials map, as text: each value a text or byte string
 * (as given), an unsigned integer (in decimal) or an array of unsigned
 * integers (decimal, comma-separated: "0,7"). Which entries mean what is
 * the KEK provider's business; "provider" names it. Values may be secret
 * (a passphrase): keep the struct where secrets go and clear it. */
struct enclave_credentials {
	size_t n;
	struct {
		char key[ENCLAVE_CRED_KEY_MAX];
		char value[ENCLAVE_CRED_VALUE_MAX];
		size_t value_len;
	} item[ENCLAVE_CRED_MAX];
};
/* The value under key (NUL-terminated), or NULL. */
const char *enclave_credentials_get(const struct enclave_credentials *c, const char *key);
/* Adds key = value (text); SIGIL_E_TOO_BIG when full or too long. */
int enclave_credentials_set(struct enclave_credentials *c, const char *key, const char *value);

/* The scheme of a Sign request: Signatory's Tezos default, or one named. */
#define ENCLAVE_SCHEME_TEZOS (-1)

struct enclave_request {
	enum enclave_op op;
	struct enclave_credentials cred; /* INITIALIZE */
	/* GENERATE, GENERATE_AND_IMPORT, IMPORT_UNENCRYPTED */
	enum sigil_key_type key_type;
	/* IMPORT_UNENCRYPTED: the secret as sigil keeps it (crypto/sig.h: a
	 * BLS scalar little-endian; the wire has it big-endian). */
	uint8_t secret[SIGIL_SECRET_LEN];
	uint64_t handle;     /* SIGN, PUBLIC_KEY, PROVE_POSSESSION */
	uint8_t *blob;       /* IMPORT, SIGN_WITH, PUBLIC_KEY_FROM (malloc'ed) */
	size_t blob_len;
	uint8_t *msg;        /* SIGN, SIGN_WITH (malloc'ed; may be NULL if empty) */
	size_t msg_len;
	bool has_version;
	unsigned version;
	int scheme;          /* ENCLAVE_SCHEME_TEZOS or an enum sigil_scheme */
};

/* Decodes one frame's body into r (zeroed first). SIGIL_E_INVALID for bad
 * CBOR, a map without exactly one known key, a value of the wrong type or
 * size (err says which, no secret in it); SIGIL_E_TOO_BIG over the
 * ceilings. On failure r holds nothing to clear, but clearing is safe. */
int enclave_request_decode(const uint8_t *buf, size_t len, struct enclave_request *r, char *err,
                           size_t errlen);
/* Encodes r into a malloc'ed buffer *out (*outlen bytes); the caller wipes
 * and frees it (it may hold a secret or a passphrase). */
int enclave_request_encode(const struct enclave_request *r, uint8_t **out, size_t *outlen);
/* Wipes the secret and the credentials, frees blob and msg. */
void enclave_request_clear(struct enclave_request *r);

struct enclave_reply {
	bool ok;
	char message[ENCLAVE_ERR_MAX]; /* when !ok */
	/* What the op's Ok carries (see the table above); has_* say which. */
	bool has_public_key;
	enum sigil_key_type key_type;
	uint8_t pk[SIGIL_PK_MAX];
	size_t pk_len;
	bool has_handle;
	uint64_t handle;
	bool has_blob;
	uint8_t blob[ENCLAVE_BLOB_MAX];
	size_t blob_len;
	bool has_sig;
	uint8_t sig[SIGIL_SIG_MAX];
	size_t sig_len;
};

/* Encodes the reply to op (its Ok shape, or Err) into a malloc'ed buffer.
 * An Err may have op ENCLAVE_OP_NONE: it answers a request that did not
 * decode; an Ok needs a known op. */
int enclave_reply_encode(enum enclave_op op, const struct enclave_reply *r, uint8_t **out,
                         size_t *outlen);
/* Decodes the reply to op; SIGIL_E_INVALID when it is not that op's shape
 * (err says how). An Err reply decodes fine, with ok false, for any op and
 * for ENCLAVE_OP_NONE (which takes no Ok). */
int enclave_reply_decode(enum enclave_op op, const uint8_t *buf, size_t len,
                         struct enclave_reply *r, char *err, size_t errlen);

/* ---- encrypted keys ----------------------------------------------------
 * What anyone may read of a blob sigil-enclave made, without its KEK: the
 * key type and public key in its clear header (enclave/holder/blob.h has
 * the layout; the AEAD binds them to the secret, so the holder refuses a
 * blob whose header was changed). SIGIL_E_INVALID when blob is not of a
 * format version this build knows. */
int enclave_blob_public(const uint8_t *blob, size_t len, enum sigil_key_type *t,
                        uint8_t pk[static SIGIL_PK_MAX], size_t *pklen);

/* ---- frames ----------------------------------------------------------
 * Both answer by dl (NULL: no deadline) on a blocking or non-blocking fd:
 * SIGIL_E_TIMEOUT when it passes, SIGIL_E_IO when the peer goes away or a
 * call fails, SIGIL_E_NOT_FOUND for a clean end of stream before a frame
 * starts, SIGIL_E_TOO_BIG for a length over max (nothing more read). */
int enclave_frame_read(int fd, size_t max, const struct sigil_deadline *dl, uint8_t **out,
                       size_t *outlen);
int enclave_frame_write(int fd, const uint8_t *buf, size_t len, const struct sigil_deadline *dl);

/* ---- streams: frames read in bulk and written in batches ---------------
 * For a connection that carries several calls at once: either end may
 * send frames one after another without waiting (replies come in the
 * order of their requests), and a reader takes whatever has arrived in one
 * call. A stream is a buffer of bytes, wiped wherever it lets bytes go (a
 * frame may hold a secret). None of these blocks: the caller waits for
 * its socket (poll, epoll) when one says SIGIL_E_AGAIN_STREAM. */
struct enclave_stream {
	uint8_t *p;
	size_t off, len, cap; /* the bytes held: p[off] to p[len - 1] */
};
#define SIGIL_E_AGAIN_STREAM 1 /* would block: nothing lost, try when ready */

/* Reads what fd has (up to 64 KiB past what s holds): 0 when something
 * came, SIGIL_E_AGAIN_STREAM when nothing was there, SIGIL_E_NOT_FOUND at
 * the end of the stream, SIGIL_E_IO, SIGIL_E_NOMEM, or SIGIL_E_TOO_BIG when
 * s holds more than two whole frames' worth (a reader that does not pop). */
int enclave_stream_recv(int fd, struct enclave_stream *s);
/* The first frame in s when all of it has come: 1 and its body in
 * (*body, *len), valid until s changes; 0 when it has not; SIGIL_E_TOO_BIG
 * when its length is over max. */
int enclave_stream_frame(const struct enclave_stream *s, size_t max, const uint8_t **body,
                         size_t *len);
/* Lets the first frame go (after enclave_stream_frame said 1), wiped. */
void enclave_stream_pop(struct enclave_stream *s);
/* Appends body as one frame: 0, SIGIL_E_TOO_BIG or SIGIL_E_NOMEM. */
int enclave_stream_put(struct enclave_stream *s, const uint8_t *body, size_t len);
/* Sends what fd takes of s now: 0 when all of it went,
 * SIGIL_E_AGAIN_STREAM when some is left, SIGIL_E_IO. */
int enclave_stream_send(int fd, struct enclave_stream *s);
/* Wipes and frees s's buffer; s is then empty and may be used again. */
void enclave_stream_free(struct enclave_stream *s);

#endif
