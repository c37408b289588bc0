/* The signing payload of a signed Substrate extrinsic (transaction format
 * v4), as a wallet or polkadot-js hands it to a signer: the bytes of
 * ExtrinsicPayload.toU8a({ method: true }), which are what the runtime
 * rebuilds and checks the signature against (sp_runtime's
 * generic::SignedPayload):
 *
 *   call ‖ extra ‖ additional
 *
 *   call        pallet index (u8) ‖ call index (u8) ‖ arguments
 *   extra       era (1 byte 0x00 immortal, or 2 bytes mortal) ‖
 *               nonce (compact u32) ‖ tip (compact u128) ‖
 *               [mode (u8: 0 disabled, 1 enabled), CheckMetadataHash]
 *   additional  spec_version (u32 LE) ‖ transaction_version (u32 LE) ‖
 *               genesis hash (32) ‖ block hash (32: the era's birth
 *               block; the genesis hash for an immortal era) ‖
 *               [Option<metadata hash> (0x00 None when mode is 0;
 *               0x01 ‖ 32 bytes when 1), CheckMetadataHash]
 *
 * The order is the runtime's signed extensions: CheckNonZeroSender,
 * CheckSpecVersion, CheckTxVersion, CheckGenesis, CheckMortality,
 * CheckNonce, CheckWeight, ChargeTransactionPayment, (Polkadot:
 * PrevalidateAttests), CheckMetadataHash; the ones not listed above carry
 * no bytes. polkadot-js writes the mode as a u8 and the hash as
 * Option<[u8;32]> (@polkadot/types signedExtensions/substrate.ts).
 *
 * Which bytes extra holds depends on the runtime, so the decoder takes a
 * network description (struct dot_network); sigil has Polkadot's,
 * Kusama's and Westend's.
 *
 * What the call does is read for the calls a wallet sends money with:
 * balances.transfer_allow_death, transfer_keep_alive, transfer_all,
 * force_transfer, and utility.batch, batch_all and force_batch around any
 * of them (a transfer inside a batch is an operation like any other). Any
 * other call is an operation of unknown effect; its arguments cannot be
 * skipped without the runtime's metadata, so the decoder stops there: a
 * batch holding one such call is opaque from it on, and what follows the
 * call (extra) is not read.
 *
 * After an unknown call, additional is still read, from the end: the
 * runtime appends it after the call and extra, and its length is fixed by
 * the description (72 bytes; with CheckMetadataHash 73 or 105, and the
 * mode byte right before it must agree with the Option: see
 * dot_payload_decode). Extra cannot be read from the end: compact integers
 * and the era (1 or 2 bytes) are read front to back only. So for such a
 * payload sigil knows the network (genesis hash), spec and transaction
 * versions and the block hash, and not the nonce, tip or era. */
#ifndef SIGIL_DOT_EXTRINSIC_H
#define SIGIL_DOT_EXTRINSIC_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/polkadot/scale.h"
#include "chain/polkadot/ss58.h"

#define DOT_PAYLOAD_MAX (128 * 1024) /* a signer's ceiling; runtime upgrades are larger */
#define DOT_SIGN_RAW_MAX 256         /* longer payloads are signed as their blake2b-256 */
#define DOT_BATCH_MAX 1024           /* calls in one batch */
#define DOT_DEPTH_MAX 4              /* batches within batches; deeper is unknown */
#define DOT_OPS_MAX 8                /* operations described one by one */
#define DOT_RAW_ADDR_MAX 64          /* MultiAddress::Raw, bytes */
#define DOT_DEST_TEXT 80             /* a destination as text, NUL included */
#define DOT_HASH_LEN 32

/* What a runtime's extrinsics look like, as far as the decoder needs. */
struct dot_network {
	const char *name;             /* "polkadot", "kusama", "westend" */
	uint16_t ss58_prefix;         /* destinations are written with it */
	uint8_t genesis[DOT_HASH_LEN];
	bool check_genesis;           /* a payload naming another genesis is refused */
	bool metadata_hash;           /* CheckMetadataHash is among the signed extensions */
	/* MultiAddress::Index holds a Compact<u32> account index; false: the
	 * unit type (), which is encoded as no bytes at all (AccountIdLookup<
	 * AccountId, ()>, as the relay chains have). */
	bool index_u32;
	uint8_t balances;             /* pallet indices, as construct_runtime! numbers them */
	uint8_t utility;
	/* pallet_balances call indices (#[pallet::call_index]) */
	uint8_t transfer_allow_death, force_transfer, transfer_keep_alive, transfer_all;
	/* pallet_utility call indices */
	uint8_t batch, batch_all, force_batch;
};

/* The call indices pallet_balances and pallet_utility give their calls
 * (#[pallet::call_index]), which every runtime built on them has, as
 * initialisers of a struct dot_network. */
#define DOT_PALLET_CALLS                                                                       \
	.transfer_allow_death = 0, .force_transfer = 2, .transfer_keep_alive = 3,              \
	.transfer_all = 4, .batch = 0, .batch_all = 2, .force_batch = 4

extern const struct dot_network dot_net_polkadot, dot_net_kusama, dot_net_westend;

/* Networks from the config (`polkadot_networks:`, config_polkadot.c): new
 * ones, and built-in ones described again (a runtime upgrade that moves a
 * pallet), which replace those of the same name. sign_request.chain_conf
 * points to one, or is NULL. */
struct dot_conf {
	const struct dot_network *nets;
	size_t n;
};

/* The network whose genesis hash is genesis (32 bytes): the config's
 * first, then the built-in ones it does not replace; NULL when none. And
 * by name. */
const struct dot_network *dot_conf_by_genesis(const struct dot_conf *conf,
                                              const uint8_t genesis[static DOT_HASH_LEN]);
const struct dot_network *dot_conf_by_name(const struct dot_conf *conf, const char *name);

/* A network by name ("polkadot", "kusama", "westend"), or NULL; and the
 * known ones in order, i from 0 until NULL. */
const struct dot_network *dot_network_find(const char *name);
const struct dot_network *dot_network_at(size_t i);

enum dot_op_kind {
	DOT_OP_TRANSFER_ALLOW_DEATH,
	DOT_OP_TRANSFER_KEEP_ALIVE,
	DOT_OP_TRANSFER_ALL,      /* the whole transferable balance: amount "" */
	DOT_OP_FORCE_TRANSFER,    /* needs Root; moves source's funds */
	DOT_OP_UNKNOWN,           /* any other call: effect unknown */
	DOT_OP_KINDS
};

/* "transfer_allow_death", "transfer_keep_alive", "transfer_all",
 * "force_transfer", "unknown_call"; NULL / -1 when unknown. */
const char *dot_op_kind_name(enum dot_op_kind k);
int dot_op_kind_from_name(const char *name);

enum dot_batch {
	DOT_BATCH_NONE,           /* the call is not a utility batch */
	DOT_BATCH,                /* utility.batch: stops at the first failure */
	DOT_BATCH_ALL,            /* utility.batch_all: all or nothing */
	DOT_BATCH_FORCE,          /* utility.force_batch: carries on past failures */
};

/* One call (a batch's calls count one by one). Destinations:
 *   Id, Address32   SS58 under the network's prefix (dest_account)
 *   Address20       "0x" and 40 hex digits
 *   Raw             "raw:0x" and the hex of up to 32 bytes; "" if longer
 *   Index           "index:N" (Compact<u32> index) or "index" (unit)
 * Only the first two name an account of the chain. */
struct dot_op {
	enum dot_op_kind kind;
	uint8_t pallet, call;                   /* the call's two index bytes */
	char amount[SCALE_U128_DEC];            /* decimal planck; "" when none */
	uint8_t amount_le[SCALE_U128_LEN];
	char destination[DOT_DEST_TEXT];        /* "" for an unknown call */
	bool dest_account;
	char source[DOT_DEST_TEXT];             /* force_transfer's; else "" */
	bool keep_alive;                        /* transfer_all's flag; true for keep_alive */
};

struct dot_payload {
	const struct dot_network *net;
	/* the call */
	enum dot_batch batch;
	bool call_known;          /* every call was read: the call's end is known */
	size_t call_len;          /* its bytes, when call_known */
	uint32_t n_ops;           /* calls read (an unknown one included) */
	struct dot_op ops[DOT_OPS_MAX];
	/* The payload's effect is not all in ops: an unknown call, a
	 * transfer_all (no amount), or a destination that is no account of
	 * the chain. Routes take it only as "unknown". */
	bool opaque;
	/* extra: read only when call_known */
	bool has_extra;
	bool immortal;
	uint32_t era_period, era_phase;
	uint32_t nonce;
	char tip[SCALE_U128_DEC];
	uint8_t mode;             /* CheckMetadataHash's, when the network has it */
	/* additional: from the front when call_known, else from the end when
	 * only one reading fits (see dot_payload_decode) */
	bool has_additional;
	uint32_t spec_version, tx_version;
	uint8_t block_hash[DOT_HASH_LEN];
	bool has_metadata_hash;
	uint8_t metadata_hash[DOT_HASH_LEN];
	/* The genesis hash: known when has_additional, or when every reading
	 * of the end names the same one. */
	bool has_genesis;
	uint8_t genesis[DOT_HASH_LEN];
};

/* Decodes a signing payload (buf, len bytes) for network net into *out
 * (zeroed first, and again on error; ops point nowhere into buf).
 *
 * Refused, with a secret-free reason in reason (cap bytes, may be NULL):
 * SIGIL_E_INCOMPLETE (cut short), SIGIL_E_TOO_BIG (over DOT_PAYLOAD_MAX, a
 * batch over DOT_BATCH_MAX, an amount over 128 bits), SIGIL_E_INVALID
 * (malformed: a known call with bad arguments, a non-canonical compact,
 * an invalid era, a mode other than 0 or 1 or not matching the metadata
 * hash Option, an immortal era whose block hash is not the genesis hash,
 * trailing bytes, too short for any payload; a genesis hash other than
 * the network's when net->check_genesis; a payload whose end fits no
 * reading of the network's additional data).
 *
 * After an unknown call the end is read as additional data: without
 * CheckMetadataHash the last 72 bytes; with it, 73 bytes ending in 0x00
 * (None) with mode 0 just before them, or 105 bytes starting 0x01 (Some)
 * with mode 1 before. When both readings fit (possible only for bytes made
 * to), has_additional is false, and the genesis hash is known only if
 * both name the same one; with check_genesis, both must name the
 * network's. When neither fits: SIGIL_E_INVALID. */
__attribute__((warn_unused_result)) int
dot_payload_decode(const uint8_t *buf, size_t len, const struct dot_network *net,
                   struct dot_payload *out, char *reason, size_t cap);

/* blake2b-256 of len bytes (sp_core::blake2_256). */
void dot_blake2_256(const uint8_t *in, size_t len, uint8_t out[static DOT_HASH_LEN]);

/* The bytes a key signs for a payload (Substrate's rule, sp_runtime
 * generic::SignedPayload::using_encoded; polkadot-js signs the same): the
 * payload itself when it is at most 256 bytes, else its blake2b-256 in
 * hash. *msg points to payload or to hash. */
void dot_signing_bytes(const uint8_t *payload, size_t len, uint8_t hash[static DOT_HASH_LEN],
                       const uint8_t **msg, size_t *msg_len);

/* ---- the call, on its own (calls.c) ------------------------------------ */

/* Reads the call at the cursor into out's batch, n_ops, ops and opaque.
 * 0 with the cursor after the call and out->call_known set; 0 with
 * call_known false when an unknown call stopped the reading (the cursor
 * is then meaningless); or an error code with a reason. */
__attribute__((warn_unused_result)) int
dot_call_decode(struct scale_cur *c, const struct dot_network *net, struct dot_payload *out,
                char *reason, size_t cap);

#endif
