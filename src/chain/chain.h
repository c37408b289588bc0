/* Chains: what sigil knows of a blockchain, behind one table per chain.
 *
 * A request comes in on an API as bytes for a key (struct sign_request);
 * the key's chain decodes them into a struct sign_intent, which says what
 * signing them would mean: the kind of request, the consensus slot it
 * claims (if any), the operations it carries, and exactly what the vault
 * is to sign. Policy, watermarks, the audit log and metrics see only the
 * intent; the chain alone reads the bytes and writes addresses, public
 * keys and signatures as text.
 *
 * A chain is one folder under src/chain/ that fills one struct chain_ops
 * and adds one line to the table in chain/registry.c (docs/ARCHITECTURE.md,
 * "Adding a chain"). This header depends on crypto/ and base/ only. */
#ifndef SIGIL_CHAIN_H
#define SIGIL_CHAIN_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"

#define CHAIN_KINDS_MAX 16     /* request kinds of one chain (policy, metrics) */
#define CHAIN_ADDRESS_MAX 96   /* an address as text, NUL included */
#define CHAIN_TEXT_MAX 192     /* a public key or signature as text */
#define CHAIN_NETWORK_MAX 8    /* a network id in bytes (Tezos: 4) */
#define CHAIN_KEY_ID_LEN 21    /* a key's binary identity (Tezos: tag ‖ hash) */
#define CHAIN_REASON_MAX 160
#define INTENT_OPS_MAX 8       /* operations described one by one */
#define CHAIN_PARTS_MAX 64     /* signatures one request may need (sign_intent.parts) */


/* A public key allowed to authenticate requests. */
struct chain_pubkey {
	enum sigil_key_type type;
	uint8_t pk[SIGIL_PK_MAX];
	size_t pk_len;
};

struct sign_nonce;
struct auth_token;
struct sigil_state;

/* One signing request, as its API hands it over. The strings and bytes
 * are the caller's and stay valid until the request is answered. */
struct sign_request {
	const char *api;              /* the API it came in on, e.g. "tezos" */
	const struct chain_ops *chain;
	const char *address;          /* the key, as the chain writes addresses */
	const uint8_t *payload;       /* the bytes to sign, as the API received them */
	size_t len;
	/* The API's scheme selector, where it has one (octez: ?version=0..2,
	 * 2 when absent); the chain's decode reads it. */
	int version;
	/* The request kind the API says the bytes are, by the chain's name for
	 * it, where the bytes alone cannot tell (an Ethereum transaction or a
	 * message; an Atto block, vote or challenge), or NULL: the chain tells
	 * from the bytes. The chain refuses a kind it does not know, and bytes
	 * that are not of that kind. */
	const char *kind;
	const char *auth;             /* an authentication the API carried, or NULL */
	/* The chain's own settings from the config, or NULL (Polkadot: struct
	 * dot_conf, its networks); the pipeline sets it, decode reads it. */
	const void *chain_conf;
	const char *peer;             /* the caller's address, for the audit log */
	const char *token;            /* a bearer token's name, or NULL */
	/* The bearer token the API found for the caller (auth/token.h), or
	 * NULL. The pipeline signs only what its capabilities allow, with the
	 * keys it may use. With bearer_only the token is the whole of the
	 * caller's authentication (the v1 and Atto APIs): the chain's own
	 * (octez's authorized keys) is not asked for. */
	const struct auth_token *bearer;
	bool bearer_only;
	/* Optional: an Ed25519 nonce made ahead for these bytes (core/sign.h). */
	struct sign_nonce *nonce;
	/* The caller runs sigil_sign_after(res->after) once it has replied. */
	bool after_reply;
	/* When the API took the request in (sigil_monotonic_ms_f), for the
	 * audit line's latency and the back end's deadline; 0: when the
	 * pipeline gets it. */
	double t0;
	/* Optional: the state (core/context.h) the API holds and checked the
	 * caller's token on; the job takes a reference of that one rather
	 * than holding the context's again. NULL: the job holds the current. */
	struct sigil_state *held;
};

/* One operation of a request, as far as the chain can tell from the bytes.
 * Fields the chain cannot tell are empty strings. */
struct intent_op {
	unsigned kind;                          /* index for chain_ops.op_name */
	char asset[48];                         /* "" for the chain's own coin; else its
	                                           contract (an Ethereum token: 0x…) */
	char amount[80];                        /* decimal, smallest unit (up to 2^256) */
	char destination[CHAIN_ADDRESS_MAX];
	char fee[160];                          /* decimal; Ethereum's gas × price is wide */
};

/* What signing a request would mean: the chain's decode fills it. */
struct sign_intent {
	unsigned kind;         /* index into chain_ops.kinds */
	/* A consensus slot: the key must sign at most one payload per
	 * (network, key, slot class, level, round). */
	bool has_slot;
	int32_t level, round;
	unsigned slot_class;   /* 0 .. CHAIN_SLOT_CLASSES-1 */
	uint8_t network[CHAIN_NETWORK_MAX];
	size_t network_len;    /* 0: the bytes name no network */
	uint64_t op_kinds;     /* bit (1 << intent_op.kind) per kind present */
	uint32_t n_ops;        /* how many operations, described or not */
	/* The chain cannot account for the request's whole effect (a contract
	 * call of unknown meaning): routes take it only where they say
	 * "unknown" (policy/routes.h). */
	bool opaque;
	struct intent_op ops[INTENT_OPS_MAX]; /* the first few of them */
	/* What the vault signs: msg (msg_len bytes, pointing into the request
	 * or into sign_buf below) under scheme. */
	enum sigil_scheme scheme;
	const uint8_t *msg;
	size_t msg_len;
	uint8_t sign_buf[64]; /* Atto's challenges sign a 64-byte hash */
	/* A request that needs several signatures (a PSBT with several inputs
	 * of the key): n_parts messages of 32 bytes, each under its scheme,
	 * signed in order; msg and scheme above are then parts[0]'s. 0 for a
	 * request with one signature. */
	uint16_t n_parts;
	struct sign_part {
		enum sigil_scheme scheme;
		uint8_t msg[32];
	} parts[CHAIN_PARTS_MAX];
	/* The identity of what is signed: equal digests mean "the same
	 * signature", whatever the scheme (watermarks and identical requests
	 * go by it). */
	uint8_t digest[32];
};
#define CHAIN_SLOT_CLASSES 3

struct chain_ops {
	const char *name;                 /* as the config and URLs write it */
	/* For error messages: what its addresses look like, and what its
	 * network ids are called ("chain id (Net…)"; NULL: none). */
	const char *address_form;
	const char *network_form;
	/* Request kinds, by index: intent.kind, policy's allow list, metrics. */
	const char *const *kinds;
	unsigned n_kinds;
	/* The kinds a key may sign when its policy names none. */
	uint32_t default_kinds;
	/* The kind whose requests carry operations (their kinds are policed
	 * one by one), or -1. */
	int ops_kind;
	/* A key type this chain has addresses for. */
	bool (*key_type_ok)(enum sigil_key_type t);
	/* A policy name for a request kind (aliases included) and back; -1
	 * when unknown. */
	int (*kind_from_name)(const char *name);
	/* The operation kinds a policy name allows (one name may stand for
	 * several, as "ballot" does), 0 when unknown; and one kind's name. */
	uint64_t (*ops_from_name)(const char *name);
	const char *(*op_name)(unsigned op);
	/* Decodes req's bytes for a key of type t and public key pk: 0 with
	 * *out filled, or an error code with a secret-free reason. */
	int (*decode)(const struct sign_request *req, enum sigil_key_type t, const uint8_t *pk,
	              size_t pklen, struct sign_intent *out, char *reason, size_t cap);
	/* 0 when text is an address of this chain, else SIGIL_E_INVALID. */
	int (*address_check)(const char *text);
	/* The key's address, and its binary identity (for authentication and
	 * watermarks), from its public key. */
	int (*address)(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out,
	               size_t cap);
	/* Optional: the key's other addresses on this chain, by form (Bitcoin:
	 * "p2tr"), shown beside the one that names it (GET /v1/keys as
	 * "<chain>:<form>", sigil list --chain <chain>:<form>). */
	const char *const *address_forms;
	unsigned n_address_forms;
	int (*other_address)(unsigned form, enum sigil_key_type t, const uint8_t *pk, size_t pklen,
	                     char *out, size_t cap);
	void (*key_id)(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
	               uint8_t id[static CHAIN_KEY_ID_LEN]);
	/* Public keys and signatures as text, and a public key back (the
	 * config names authorised keys by it). */
	int (*public_key_text)(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out,
	                       size_t cap);
	int (*public_key_parse)(const char *text, enum sigil_key_type *t,
	                        uint8_t pk[static SIGIL_PK_MAX], size_t *pklen);
	int (*signature_text)(enum sigil_key_type t, const uint8_t *sig, size_t siglen, char *out,
	                      size_t cap);
	/* Its signatures carry ECDSA's recovery id (Ethereum's v): the vault
	 * is asked for it, and signature_text gets r ‖ s ‖ id (65 bytes). */
	bool recid;
	/* Optional: the payload with the signature in it, as the chain sends
	 * it on (a signed Ethereum transaction), for a request of kind (its
	 * name) signed with sig (sig_len bytes, as the vault made it: what
	 * signature_text is given): *out is malloc'ed text.
	 * SIGIL_E_UNSUPPORTED for a kind that has none. */
	int (*signed_payload)(const uint8_t *payload, size_t len, const char *kind,
	                      const uint8_t *sig, size_t sig_len, char **out);
	/* For a chain whose requests carry parts (sign_intent.n_parts, or one
	 * signature in a container: a PSBT): the payload with the parts'
	 * signatures (sigs[i], sig_len bytes each, in parts' order) put in,
	 * as text (*out malloc'ed), for a key of type t and public key pk.
	 * The chain decodes the payload again (the intent does not keep it);
	 * the signatures are checked as the vault's verify_signatures says,
	 * before this. NULL: none. */
	int (*signed_parts)(const uint8_t *payload, size_t len, enum sigil_key_type t,
	                    const uint8_t *pk, size_t pklen, const uint8_t (*sigs)[64],
	                    size_t n, char **out);
	/* Network ids: text to bytes and back (NULL: the chain has none). */
	int (*network_parse)(const char *text, uint8_t out[static CHAIN_NETWORK_MAX], size_t *len);
	int (*network_text)(const uint8_t *net, size_t len, char *out, size_t cap);
	/* Optional: checks an authentication the API carried (req->auth) for
	 * the key id, against the public keys allowed to authenticate. 0 when
	 * it holds; an error code (SIGIL_E_AUTH) when not. */
	int (*authenticate)(const struct sign_request *req, const uint8_t id[static CHAIN_KEY_ID_LEN],
	                    const struct chain_pubkey *allowed, size_t n_allowed);
	/* Optional: secret keys written as text (imports, Signatory's file
	 * vault): into sk, which the caller keeps in locked memory; and
	 * whether a text is in an encrypted form. */
	int (*secret_parse)(const char *text, const char *passphrase, enum sigil_key_type *t,
	                    uint8_t sk[static SIGIL_SECRET_LEN]);
	bool (*secret_encrypted)(const char *text);
};

/* A watermark as another signer's files hold it (imports): its identity
 * (network, key id, slot class, as sign_intent and chain_ops.key_id give
 * them) and the mark. watermark/import.h writes them to a store. */
struct chain_mark {
	uint8_t network[4];
	uint8_t key_id[CHAIN_KEY_ID_LEN];
	unsigned slot_class;
	int32_t level, round;
	uint8_t digest[32];     /* sign_intent.digest of what was signed */
	bool has_digest;        /* some files keep none */
	uint8_t sig[SIGIL_SIG_MAX];
	size_t sig_len;         /* 0: no signature kept */
};

/* A growable list of them: v is malloc'ed (free it), n in use. */
struct chain_marks {
	struct chain_mark *v;
	size_t n, cap;
};

/* A key's binary identity as most chains make it (chain_ops.key_id): its
 * type, then the blake2b-160 of its public key. Tezos (the hash inside its
 * address) and Ethereum (its address) make their own. */
void chain_key_id_blake2b(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
                          uint8_t id[static CHAIN_KEY_ID_LEN]);

/* The chain registered under name, or NULL. */
const struct chain_ops *chain_find(const char *name);
/* The registered chains, in registration order: i from 0 until NULL. */
const struct chain_ops *chain_at(size_t i);

#endif
