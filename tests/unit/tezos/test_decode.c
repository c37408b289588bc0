/* tz_decode: generic operations forged by an implementation we did not
 * write, hand-built consensus requests, and every way to get them wrong.
 * Inputs sit flush against a PROT_NONE page so one byte past len crashes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "../unit_util.h"

#include "chain/tezos/decode.h"
#include "base/errors.h"

/* ---- helpers -------------------------------------------------------------- */

struct guarded {
	uint8_t *map;
	size_t maplen;
	uint8_t *p; /* p + len is the first byte of the PROT_NONE page */
};

static struct guarded
guard(const uint8_t *data, size_t len)
{
	struct guarded g;
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	size_t pages = (len + ps - 1) / ps + 1;

	if (len == 0)
		pages = 2;
	g.maplen = pages * ps;
	g.map = mmap(NULL, g.maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(g.map != MAP_FAILED);
	assert_int_equal(mprotect(g.map + g.maplen - ps, ps, PROT_NONE), 0);
	g.p = g.map + g.maplen - ps - len;
	if (len)
		memcpy(g.p, data, len);
	return g;
}

static void
unguard(struct guarded *g)
{
	munmap(g->map, g->maplen);
}

/* Decodes data[0..len) from a guarded copy. */
static int
dec(const uint8_t *data, size_t len, struct tz_request *r)
{
	struct guarded g = guard(data, len);
	int rc = tz_decode(g.p, len, r);

	unguard(&g);
	return rc;
}

static size_t
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

/* Every strict prefix must fail cleanly and never read past its end; the
 * only prefixes that may decode are shorter batches of a batch of n_ops
 * contents (cut exactly between two contents). */
static void
check_prefixes_ops(const uint8_t *data, size_t len, uint32_t n_ops)
{
	struct tz_request r;
	uint32_t boundaries = 0;

	for (size_t n = 0; n < len; n++) {
		int rc = dec(data, n, &r);

		if (rc == 0 && r.n_ops > 0 && r.n_ops < n_ops) {
			boundaries++;
			continue;
		}
		if (rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_INVALID)
			fail_msg("prefix %zu of %zu gave %d", n, len, rc);
		assert_int_equal(r.n_ops, 0);
	}
	assert_int_equal(boundaries, n_ops > 0 ? n_ops - 1 : 0);
}

static void
check_prefixes(const uint8_t *data, size_t len)
{
	check_prefixes_ops(data, len, 0);
}

#define BIT(k) (UINT64_C(1) << (k))

/* ---- generic operations forged by @taquito/local-forging 24.2.0 ------------
 * (LocalForger(ProtocolsHash.PtTALLiNt), synthetic addresses and hashes,
 * "03" prepended by us). */

struct vec {
	const char *name;
	const char *hex;
	uint32_t n_ops;
	uint64_t kinds;
};

#define BR "0301080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da"
#define SRC "00020910171e252c333a41484f565d646b72798087"
/* A plain transaction (taquito's tx_plain), appended to every vector below. */
#define TXC "6c" SRC "d209d2d422e852ac02c0843d0001030a11181f262d343b424950575e656c737a818800"
/* tz4 source; BLpk (bytes 08, 0f, 16, ...); a 96-byte BLsig (bytes 09, 10, ...) */
#define TZ4SRC "03040b121920272e353c434a51585f666d747b8289"
#define BLPK "03080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae1e8eff6fd040b121920272e353c434a51"
#define BLSIG "0910171e252c333a41484f565d646b727980878e959ca3aab1b8bfc6cdd4dbe2e9f0f7fe050c131a21282f363d444b525960676e757c838a91989fa6adb4bbc2c9d0d7dee5ecf3fa01080f161d242b323940474e555c636a71787f868d949ba2"

static const struct vec taquito[] = {
	{ "tx_plain", BR "6c" SRC "d209d2d422e852ac02c0843d0001030a11181f262d343b424950575e656c737a818800",
	  1, BIT(TZ_OP_TRANSACTION) },
	{ "tx_params", BR "6c" SRC "d209d2d422e852ac020001050c131a21282f363d444b525960676e757c838a00ffff087472616e736665720000002d07070100000024747a314b706e7543633635456d734e384d774d584a6d746e59536142484e503545597a32002a",
	  1, BIT(TZ_OP_TRANSACTION) },
	/* a transaction to oneself calling %stake is a stake, not a transaction */
	{ "tx_stake", BR "6c" SRC "d209d2d422e852ac02c096b1020000020910171e252c333a41484f565d646b72798087ff0600000002030b",
	  1, BIT(TZ_OP_STAKE) },
	{ "tx_unstake", BR "6c" SRC "d209d2d422e852ac02c096b1020000020910171e252c333a41484f565d646b72798087ff0700000002030b",
	  1, BIT(TZ_OP_UNSTAKE) },
	{ "tx_finalize_unstake", BR "6c" SRC "d209d2d422e852ac02000000020910171e252c333a41484f565d646b72798087ff0800000002030b",
	  1, BIT(TZ_OP_FINALIZE_UNSTAKE) },
	/* Pair 4000000 (Pair 20000000 Unit) */
	{ "tx_set_delegate_parameters", BR "6c" SRC "d209d2d422e852ac02000000020910171e252c333a41484f565d646b72798087ff090000001007070080a4e80307070080b48913030b",
	  1, BIT(TZ_OP_SET_DELEGATE_PARAMETERS) },
	/* a contract's own %stake: a transfer to it, and a stake as Signatory names it */
	{ "tx_kt1_stake", BR "6c" SRC "d209d2d422e852ac02c0843d01050c131a21282f363d444b525960676e757c838a00ff0600000002030b",
	  1, BIT(TZ_OP_TRANSACTION) | BIT(TZ_OP_STAKE) },
	{ "reveal", BR "6b" SRC "d209d2d422e852ac0200060d141b222930373e454c535a61686f767d848b9299a0a7aeb5bcc3cad1d8df00",
	  1, BIT(TZ_OP_REVEAL) },
	{ "delegation", BR "6e" SRC "d209d2d422e852ac02ff02040b121920272e353c434a51585f666d747b8289",
	  1, BIT(TZ_OP_DELEGATION) },
	{ "undelegation", BR "6e" SRC "d209d2d422e852ac0200", 1, BIT(TZ_OP_DELEGATION) },
	{ "origination", BR "6d" SRC "d209d2d422e852ac0200000000001c02000000170500036c0501036c050202000000080317053d036d034200000002030b",
	  1, BIT(TZ_OP_ORIGINATION) },
	{ "ballot_yay", BR "06" SRC "00000007080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae100",
	  1, BIT(TZ_OP_BALLOT_YAY) },
	{ "ballot_nay", BR "06" SRC "00000007080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae101",
	  1, BIT(TZ_OP_BALLOT_NAY) },
	{ "ballot_pass", BR "06" SRC "00000007080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae102",
	  1, BIT(TZ_OP_BALLOT_PASS) },
	{ "proposals", BR "05" SRC "0000000600000040080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3dae10910171e252c333a41484f565d646b727980878e959ca3aab1b8bfc6cdd4dbe2",
	  1, BIT(TZ_OP_PROPOSALS) },
	{ "failing_noop", BR "110000000548656c6c6f", 1, BIT(TZ_OP_FAILING_NOOP) },
	{ "update_consensus_key", BR "72" SRC "d209d2d422e852ac020102090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223242526272800",
	  1, BIT(TZ_OP_UPDATE_CONSENSUS_KEY) },
	{ "drain_delegate", BR "0901030a11181f262d343b424950575e656c737a8188" SRC "02040b121920272e353c434a51585f666d747b8289",
	  1, BIT(TZ_OP_DRAIN_DELEGATE) },
	{ "attestation", BR "1500030012d687000000020a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3",
	  1, BIT(TZ_OP_ATTESTATION) },
	{ "attestation_with_dal", BR "1700030012d687000000020a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dce3ffffffffff1f",
	  1, BIT(TZ_OP_ATTESTATION_WITH_DAL) },
	{ "activate_account", BR "04030a11181f262d343b424950575e656c737a81880a11181f262d343b424950575e656c737a81888f",
	  1, BIT(TZ_OP_ACTIVATE_ACCOUNT) },
	/* Pair 42 "sigil" */
	{ "register_global_constant", BR "6f" SRC "d209d2d422e852ac020000000e0707002a0100000005736967696c",
	  1, BIT(TZ_OP_REGISTER_GLOBAL_CONSTANT) },
	/* protocol 023: a BLS key comes with its proof of possession */
	{ "reveal_bls_proof", BR "6b" TZ4SRC "d209d2d422e852ac02" BLPK "ff00000060" BLSIG,
	  1, BIT(TZ_OP_REVEAL) },
	{ "update_consensus_key_bls_proof", BR "72" SRC "d209d2d422e852ac02" BLPK "ff00000060" BLSIG,
	  1, BIT(TZ_OP_UPDATE_CONSENSUS_KEY) },
	{ "update_companion_key", BR "73" SRC "d209d2d422e852ac02" BLPK "ff00000060" BLSIG,
	  1, BIT(TZ_OP_UPDATE_COMPANION_KEY) },
	/* contents "tk", type string, KT1 ticketer, 100, to a KT1's %receive */
	{ "transfer_ticket", BR "9e" SRC "d209d2d422e852ac02000000070100000002746b00000002036801050c131a21282f363d444b525960676e757c838a006401050c131a21282f363d444b525960676e757c838a000000000772656365697665",
	  1, BIT(TZ_OP_TRANSFER_TICKET) },
	{ "sr_originate", BR "c8" SRC "d209d2d422e852ac0201000000080061736d0100000000000002036900",
	  1, BIT(TZ_OP_SMART_ROLLUP_ORIGINATE) },
	/* arith, empty kernel, unit, whitelist [tz1, tz4] */
	{ "sr_originate_whitelist", BR "c8" SRC "d209d2d422e852ac02000000000000000002036cff0000002a00020910171e252c333a41484f565d646b7279808703040b121920272e353c434a51585f666d747b8289",
	  1, BIT(TZ_OP_SMART_ROLLUP_ORIGINATE) },
	{ "sr_add_messages", BR "c9" SRC "d209d2d422e852ac020000000b00000002010200000001ff",
	  1, BIT(TZ_OP_SMART_ROLLUP_ADD_MESSAGES) },
	{ "sr_execute_outbox", BR "ce" SRC "d209d2d422e852ac02060d141b222930373e454c535a61686f767d848b070e151c232a31383f464d545b626970777e858c939aa1a8afb6bdc4cbd2d9e000000003abcdef",
	  1, BIT(TZ_OP_SMART_ROLLUP_EXECUTE_OUTBOX_MESSAGE) },
	{ "batch_reveal_tx", BR "6b" SRC "d209d2d422e852ac0200060d141b222930373e454c535a61686f767d848b9299a0a7aeb5bcc3cad1d8df00"
	                       "6c" SRC "d209d3d422e852ac02010001030a11181f262d343b424950575e656c737a818800",
	  2, BIT(TZ_OP_REVEAL) | BIT(TZ_OP_TRANSACTION) },
};

/* Hand-built generic contents for table entries taquito does not forge.
 * Layouts from octez's id_023__ptseoulo__operation__contents.ksy; lengths
 * counted by a script, not by the decoder under test. */
#define HASH32 "1111111111111111111111111111111111111111111111111111111111111111"
#define MGR SRC "0a" "01" "8001" "00"
#define ROLLUP "2222222222222222222222222222222222222222"
#define STAKER "0102030405060708090a0b0c0d0e0f1011121314"
#define HEX16(b) b b b b b b b b b b b b b b b b
#define HEX32(b) HEX16(b) HEX16(b)
#define HEX64(b) HEX32(b) HEX32(b)
#define VDF_ELT(b) HEX64(b) HEX32(b) b b b b
#define PROOF48 HEX32("48") HEX16("48")
/* level 4096, fitness [02; 4096; (); -1; 0] */
#define FITNESS "00000001" "02" "00000004" "00001000" "00000000" "00000004" "ffffffff" \
	"00000004" "00000000"
/* 147-byte shell header, 46 bytes of protocol data, 64-byte signature */
#define BLOCK_HEADER(payload) "00001000" "03" HEX32("22") "0000000068a1b2c3" "04" HEX32("33") \
	"00000021" FITNESS HEX32("44") HEX32(payload) "00000000" "0102030405060708" "00" "04" \
	HEX64("55")
/* branch, attestation (slot 7, level 4096, round 0, payload hash), some
 * 64-byte signature: 140 bytes */
#define INLINED_ATTESTATION HEX32("88") "15" "0007" "00001000" "00000000" HEX32("99") "ff" \
	HEX64("aa")
static const struct vec handmade[] = {
	{ "seed_nonce", BR "01" "00000010" HASH32, 1, BIT(TZ_OP_SEED_NONCE_REVELATION) },
	{ "preattestations_aggregate", BR "1e" "00000010" "00000000" HASH32 "00000004" "00010002",
	  1, BIT(TZ_OP_PREATTESTATIONS_AGGREGATE) },
	{ "attestations_aggregate", BR "1f" "00000010" "00000001" HASH32 "00000007" "000100" "0002ff05",
	  1, BIT(TZ_OP_ATTESTATIONS_AGGREGATE) },
	{ "tz4_forms", BR "28" "00000010" "00000000" HASH32 "29" "00000010" "00000000" HASH32,
	  2, BIT(TZ_OP_PREATTESTATION) | BIT(TZ_OP_ATTESTATION) },
	{ "double_consensus", BR "02" "0003" "00000001" "aa" "00000000", 1,
	  BIT(TZ_OP_DOUBLE_CONSENSUS_OPERATION_EVIDENCE) },
	{ "increase_paid_storage", BR "71" MGR "a807" "01" "0101010101010101010101010101010101010101" "00",
	  1, BIT(TZ_OP_INCREASE_PAID_STORAGE) },
	{ "sr_cement_and_dal", BR "ca" MGR "2222222222222222222222222222222222222222"
	                       "e6" MGR "05" HASH32 HASH32 HASH32 HASH32 "00000000000000000000000000000000",
	  2, BIT(TZ_OP_SMART_ROLLUP_CEMENT) | BIT(TZ_OP_DAL_PUBLISH_COMMITMENT) },
	{ "set_deposits_limit", BR "70" MGR "ff" "8080a0a040", 1, BIT(TZ_OP_SET_DEPOSITS_LIMIT) },
	/* two full block headers (shell header with a 33-byte fitness,
	 * protocol data without seed nonce hash, 64-byte signature) */
	{ "double_baking_evidence", BR "03" "00000101" BLOCK_HEADER("66") "00000101" BLOCK_HEADER("77"),
	  1, BIT(TZ_OP_DOUBLE_BAKING_EVIDENCE) },
	/* the VDF solution: two 100-byte class group elements */
	{ "vdf_revelation", BR "08" VDF_ELT("ab") VDF_ELT("cd"), 1, BIT(TZ_OP_VDF_REVELATION) },
	/* inlined signed attestation, consensus slot 7, DAL slot 3, shard 2
	 * with two 32-byte shares, 48-byte proof */
	{ "dal_entrapment_evidence", BR "18" "0000008c" INLINED_ATTESTATION "0007" "03" "00000002"
	  "00000040" HASH32 HASH32 PROOF48, 1, BIT(TZ_OP_DAL_ENTRAPMENT_EVIDENCE) },
	/* rollup; commitment: state, inbox level 4096, predecessor, 10^7 ticks */
	{ "sr_publish", BR "cb" MGR ROLLUP HASH32 "00001000" HASH32 "0000000000989680", 1,
	  BIT(TZ_OP_SMART_ROLLUP_PUBLISH) },
	/* rollup, stakers alice (tz1) and bob (tz2) */
	{ "sr_timeout", BR "cd" MGR ROLLUP "00" STAKER "01" STAKER, 1,
	  BIT(TZ_OP_SMART_ROLLUP_TIMEOUT) },
	{ "sr_recover_bond", BR "cf" MGR ROLLUP "02" STAKER, 1, BIT(TZ_OP_SMART_ROLLUP_RECOVER_BOND) },
	/* the named entrypoint form of "stake" reads as tag 6 does */
	{ "tx_named_stake", BR "6c" MGR "00" "00" SRC "ff" "ff05" "7374616b65" "00000002" "030b", 1,
	  BIT(TZ_OP_STAKE) },
	{ "tx_named_other", BR "6c" MGR "00" "00" SRC "ff" "ff06" "7374616b6573" "00000002" "030b", 1,
	  BIT(TZ_OP_TRANSACTION) },
	/* set_delegate (tag 3) is an ordinary entrypoint */
	{ "tx_set_delegate", BR "6c" MGR "00" "00" SRC "ff" "03" "00000002" "030b", 1,
	  BIT(TZ_OP_TRANSACTION) },
};

/* Each vector alone, then followed by a transaction: the second content
 * only decodes if the first one's end was found exactly. */
static void
run_vectors(const struct vec *v, size_t n)
{
	static char hex[8192];
	static uint8_t buf[4096];
	struct tz_request r;

	for (size_t i = 0; i < n; i++) {
		size_t len = unhex(v[i].hex, buf, sizeof(buf));
		int rc = dec(buf, len, &r);

		if (rc != 0)
			fail_msg("%s: rc %d", v[i].name, rc);
		assert_int_equal(r.magic, TZ_MAGIC_GENERIC);
		assert_int_equal(r.kind, TZ_REQ_GENERIC);
		assert_false(r.consensus);
		assert_false(r.has_chain_id);
		assert_int_equal(r.n_ops, v[i].n_ops);
		if (r.op_kinds != v[i].kinds)
			fail_msg("%s: kinds %llx", v[i].name, (unsigned long long)r.op_kinds);
		check_prefixes_ops(buf, len, v[i].n_ops);
		/* one byte more is a content that ends at once */
		buf[len] = 0x00;
		assert_int_not_equal(dec(buf, len + 1, &r), 0);
		buf[len] = 0x6c; /* a transaction tag with no body */
		assert_int_equal(dec(buf, len + 1, &r), SIGIL_E_INCOMPLETE);

		assert_true(snprintf(hex, sizeof(hex), "%s%s", v[i].hex, TXC) < (int)sizeof(hex));
		len = unhex(hex, buf, sizeof(buf));
		rc = dec(buf, len, &r);
		if (rc != 0)
			fail_msg("%s + tx: rc %d", v[i].name, rc);
		assert_int_equal(r.n_ops, v[i].n_ops + 1);
		assert_true(r.op_kinds == (v[i].kinds | BIT(TZ_OP_TRANSACTION)));
		check_prefixes_ops(buf, len, v[i].n_ops + 1);
	}
}

/* ---- smart_rollup_refute and zk rollups -----------------------------------
 * Hand-built: taquito's local-forging 24.2.0 has no schema for these kinds.
 * Layouts from octez's Kaitai descriptions id_023__ptseoulo__operation__
 * contents.ksy / id_024__pttallin__operation__contents.ksy; the length
 * prefixes were computed by a script, not by the decoder under test. */

#define KT1 "01" "3333333333333333333333333333333333333333" "00"
/* rollup, opponent */
#define REFUTE BR "cc" MGR ROLLUP "03" "0102030405060708090a0b0c0d0e0f1011121314"
/* move: choice tick 5, proof step with a 2-byte PVM step proof */
#define REFUTE_PROOF REFUTE "01" "05" "01" "00000002" "aabb"

/* L2 operations of zk_rollup_publish: a plain one, one with a ticket whose
 * contents nest (Pair (5, Some 42) %a) under a KT1 ticketer, and one whose
 * Micheline uses the length-prefixed forms, with an implicit ticketer. */
#define ZK_OP1 "00000001" HASH32 "05" SRC ROLLUP "00000020" HASH32 "00"
#define ZK_OP2 "00000000" HASH32 "8001" SRC ROLLUP "00000000" "01" \
	"08" "07" "0005" "05" "09" "002a" "00000002" "2561" \
	"06" "63" "035b" "00000002" "3a74" KT1
#define ZK_OP3 "3fffffff" HASH32 "41" SRC ROLLUP "00000000" "01" \
	"09" "07" "00000004" "00010002" "00000000" "02" "00000002" "036c" "00" SRC
#define ZK_PUBLISH BR "fb" MGR ROLLUP "00000173" ZK_OP1 ZK_OP2 ZK_OP3
#define ZK_ORIGINATION BR "fa" MGR "00000002" "abcd" \
	"0000000c" "0000000161" "00" "0000000162" "02" "00000020" HASH32 "00000005"
#define ZK_UPDATE BR "fc" MGR ROLLUP \
	"0000004a" "0000000161" "00000020" HASH32 HASH32 "ff" \
	"00000049" "0000000162" "00000020" HASH32 HASH32 \
	"00000020" HASH32 "00000003" "010203"

static const struct vec rollup[] = {
	{ "refute_start", REFUTE "00" HASH32 HASH32, 1, BIT(TZ_OP_SMART_ROLLUP_REFUTE) },
	/* dissection: {some state, tick 0}, {no state, tick 128} */
	{ "refute_dissection", REFUTE "01" "8001" "00" "00000025" "ff" HASH32 "00" "00" "8001",
	  1, BIT(TZ_OP_SMART_ROLLUP_REFUTE) },
	{ "refute_dissection_empty", REFUTE "01" "00" "00" "00000000", 1,
	  BIT(TZ_OP_SMART_ROLLUP_REFUTE) },
	{ "refute_proof_no_input", REFUTE_PROOF "00", 1, BIT(TZ_OP_SMART_ROLLUP_REFUTE) },
	/* inbox proof: level 16, message counter 3, serialized proof */
	{ "refute_proof_inbox", REFUTE_PROOF "ff" "00" "00000010" "03" "00000001" "cc", 1,
	  BIT(TZ_OP_SMART_ROLLUP_REFUTE) },
	{ "refute_proof_raw_data", REFUTE_PROOF "ff" "01" "00" "0003" "abcdef", 1,
	  BIT(TZ_OP_SMART_ROLLUP_REFUTE) },
	{ "refute_proof_metadata", REFUTE_PROOF "ff" "01" "01", 1, BIT(TZ_OP_SMART_ROLLUP_REFUTE) },
	/* DAL page id: published level 5, slot 1, page 2; then the page proof */
	{ "refute_proof_dal_page", REFUTE_PROOF "ff" "01" "02" "00000005" "01" "0002" "00000001" "ee",
	  1, BIT(TZ_OP_SMART_ROLLUP_REFUTE) },
	{ "refute_proof_dal_params", REFUTE_PROOF "ff" "01" "03", 1, BIT(TZ_OP_SMART_ROLLUP_REFUTE) },
	{ "refute_proof_first_input", REFUTE_PROOF "ff" "02", 1, BIT(TZ_OP_SMART_ROLLUP_REFUTE) },
	{ "zk_origination", ZK_ORIGINATION, 1, BIT(TZ_OP_ZK_ROLLUP_ORIGINATION) },
	{ "zk_origination_empty", BR "fa" MGR "00000000" "00000000" "00000000" "00000000", 1,
	  BIT(TZ_OP_ZK_ROLLUP_ORIGINATION) },
	{ "zk_publish", ZK_PUBLISH, 1, BIT(TZ_OP_ZK_ROLLUP_PUBLISH) },
	{ "zk_publish_empty", BR "fb" MGR ROLLUP "00000000", 1, BIT(TZ_OP_ZK_ROLLUP_PUBLISH) },
	{ "zk_update", ZK_UPDATE, 1, BIT(TZ_OP_ZK_ROLLUP_UPDATE) },
	{ "zk_update_empty", BR "fc" MGR ROLLUP "00000000" "00000000" "00000000" "00000000", 1,
	  BIT(TZ_OP_ZK_ROLLUP_UPDATE) },
};

static void
test_rollup_generic(void **state)
{
	(void)state;
	run_vectors(rollup, sizeof(rollup) / sizeof(rollup[0]));
}

/* One byte (or a few) changed from a valid rollup content. */
struct mutation {
	const char *name;
	const char *hex;
	int rc;
};

static const struct mutation rollup_bad[] = {
	{ "refutation tag 2", REFUTE "02" HASH32 HASH32, SIGIL_E_INVALID },
	{ "step tag 2", REFUTE "01" "00" "02" "00000000", SIGIL_E_INVALID },
	{ "input proof option 01", REFUTE_PROOF "01" "02", SIGIL_E_INVALID },
	{ "input proof tag 3", REFUTE_PROOF "ff" "03", SIGIL_E_INVALID },
	{ "reveal proof tag 4", REFUTE_PROOF "ff" "01" "04", SIGIL_E_INVALID },
	{ "raw data of 4097 bytes", REFUTE_PROOF "ff" "01" "00" "1001" "00", SIGIL_E_INVALID },
	{ "raw data cut short", REFUTE_PROOF "ff" "01" "00" "0003" "abcd", SIGIL_E_INCOMPLETE },
	{ "dissection state option 01", REFUTE "01" "00" "00" "00000002" "0100", SIGIL_E_INVALID },
	{ "dissection overruns its length", REFUTE "01" "00" "00" "00000002" "ff00",
	  SIGIL_E_INVALID },
	{ "dissection tick non-canonical", REFUTE "01" "00" "00" "00000003" "00" "8000",
	  SIGIL_E_INVALID },
	{ "refute opponent key-hash tag 4",
	  BR "cc" MGR ROLLUP "04" "0102030405060708090a0b0c0d0e0f1011121314" "00" HASH32 HASH32,
	  SIGIL_E_INVALID },
	{ "refute move length past the end", REFUTE "01" "00" "00" "00000030" "00",
	  SIGIL_E_INCOMPLETE },
	{ "circuit kind 3", BR "fa" MGR "00000000" "00000006" "0000000161" "03" "00000000" "00000005",
	  SIGIL_E_INVALID },
	{ "circuit name overruns", BR "fa" MGR "00000000" "00000006" "0000000261" "00" "00000000"
	  "00000005", SIGIL_E_INVALID },
	{ "init state not scalars", BR "fa" MGR "00000000" "00000000" "00000001" "00" "00000005",
	  SIGIL_E_INVALID },
	{ "nb_ops past int31", BR "fa" MGR "00000000" "00000000" "00000000" "40000000",
	  SIGIL_E_INVALID },
	{ "nb_ops below int31", BR "fa" MGR "00000000" "00000000" "00000000" "bfffffff",
	  SIGIL_E_INVALID },
	{ "zk op_code past int31", BR "fb" MGR ROLLUP "00000073" "40000000" HASH32 "05" SRC ROLLUP
	  "00000020" HASH32 "00", SIGIL_E_INVALID },
	{ "zk ticket option ff", BR "fb" MGR ROLLUP "00000073" "00000001" HASH32 "05" SRC ROLLUP
	  "00000020" HASH32 "ff", SIGIL_E_INVALID },
	{ "zk payload not scalars", BR "fb" MGR ROLLUP "00000054" "00000001" HASH32 "05" SRC ROLLUP
	  "00000001" "11" "00", SIGIL_E_INVALID },
	{ "zk op overruns the list", BR "fb" MGR ROLLUP "00000072" "00000001" HASH32 "05" SRC ROLLUP
	  "00000020" HASH32 "00", SIGIL_E_INVALID },
	{ "micheline tag 11", BR "fb" MGR ROLLUP "0000006c" "00000001" HASH32 "05" SRC ROLLUP
	  "00000000" "01" "0b" "0300" "00" SRC, SIGIL_E_INVALID },
	{ "michelson prim 161", BR "fb" MGR ROLLUP "0000006d" "00000001" HASH32 "05" SRC ROLLUP
	  "00000000" "01" "03a1" "0300" "00" SRC, SIGIL_E_INVALID },
	{ "ticketer tag 2", BR "fb" MGR ROLLUP "0000006d" "00000001" HASH32 "05" SRC ROLLUP
	  "00000000" "01" "0300" "0300" "02" SRC, SIGIL_E_INVALID },
	{ "exit_validity 01", BR "fc" MGR ROLLUP "0000004a" "0000000161" "00000020" HASH32 HASH32
	  "01" "00000000" "00000000" "00000000", SIGIL_E_INVALID },
	{ "pending pi without exit_validity", BR "fc" MGR ROLLUP "00000049" "0000000161" "00000020"
	  HASH32 HASH32 "00000000" "00000000" "00000000", SIGIL_E_INVALID },
	{ "fee pi not scalars", BR "fc" MGR ROLLUP "00000000" "00000000" "00000002" "0000"
	  "00000000", SIGIL_E_INVALID },
	{ "plonk proof cut short", BR "fc" MGR ROLLUP "00000000" "00000000" "00000000" "00000004"
	  "010203", SIGIL_E_INCOMPLETE },
};

/* The same for the contents of run_vectors' tables. */
static const struct mutation generic_bad[] = {
	/* a proof of possession is exactly one 96-byte BLS signature */
	{ "proof of 95 bytes", BR "6b" TZ4SRC "d209d2d422e852ac02" BLPK "ff0000005f" BLSIG,
	  SIGIL_E_INVALID },
	{ "proof of 97 bytes", BR "72" SRC "d209d2d422e852ac02" BLPK "ff00000061" BLSIG "00",
	  SIGIL_E_INVALID },
	{ "proof option 01", BR "73" SRC "d209d2d422e852ac02" BLPK "0100000060" BLSIG,
	  SIGIL_E_INVALID },
	{ "proof cut short", BR "6b" TZ4SRC "d209d2d422e852ac02" BLPK "ff00000060" HEX64("09"),
	  SIGIL_E_INCOMPLETE },
	{ "whitelist key-hash tag 4", BR "c8" MGR "00" "00000000" "00000002" "036c" "ff" "00000015"
	  "04" STAKER, SIGIL_E_INVALID },
	{ "whitelist overruns its length", BR "c8" MGR "00" "00000000" "00000002" "036c" "ff"
	  "00000014" "00" STAKER, SIGIL_E_INVALID },
	{ "pvm kind 3", BR "c8" MGR "03" "00000000" "00000002" "036c" "00", SIGIL_E_INVALID },
	{ "shard index past int31", BR "18" "0000008c" INLINED_ATTESTATION "0007" "03" "40000000"
	  "00000020" HASH32 PROOF48, SIGIL_E_INVALID },
	{ "shares not 32-byte scalars", BR "18" "0000008c" INLINED_ATTESTATION "0007" "03"
	  "00000002" "00000021" HASH32 "00" PROOF48, SIGIL_E_INVALID },
	{ "entrypoint tag 10", BR "6c" MGR "00" "00" SRC "ff" "0a" "00000002" "030b",
	  SIGIL_E_INVALID },
	{ "named entrypoint of 32 bytes", BR "6c" MGR "00" "00" SRC "ff" "ff20" HEX32("61")
	  "00000002" "030b", SIGIL_E_INVALID },
	{ "named entrypoint cut short", BR "6c" MGR "00" "00" SRC "ff" "ff05" "7374616b",
	  SIGIL_E_INCOMPLETE },
	{ "stake to a contract without padding", BR "6c" MGR "00" "01" STAKER "01" "ff" "06"
	  "00000002" "030b", SIGIL_E_INVALID },
	{ "destination tag 2", BR "6c" MGR "00" "02" STAKER "00" "ff" "06" "00000002" "030b",
	  SIGIL_E_INVALID },
};

static void
run_mutations(const struct mutation *m, size_t n)
{
	uint8_t buf[1024];
	struct tz_request r;

	for (size_t i = 0; i < n; i++) {
		size_t len = unhex(m[i].hex, buf, sizeof(buf));
		int rc = dec(buf, len, &r);

		if (rc != m[i].rc)
			fail_msg("%s: rc %d, want %d", m[i].name, rc, m[i].rc);
		assert_int_equal(r.n_ops, 0);
		assert_int_equal(r.op_kinds, 0);
	}
}

static void
test_rollup_bad(void **state)
{
	(void)state;
	run_mutations(rollup_bad, sizeof(rollup_bad) / sizeof(rollup_bad[0]));
}

static void
test_generic_bad(void **state)
{
	(void)state;
	run_mutations(generic_bad, sizeof(generic_bad) / sizeof(generic_bad[0]));
}

/* A ticket whose contents nest d levels of (prim 1-arg + annotations):
 * each level leaves one annotation to read after its argument. */
static size_t
build_nested_ticket(uint8_t *b, size_t cap, unsigned d)
{
	size_t n = unhex(BR "fb" MGR ROLLUP "00000000" "00000001" HASH32 "05" SRC ROLLUP
	                    "00000000" "01", b, cap);
	size_t list_len_at = 33 + 1 + 26 + 20; /* branch, tag, MGR, rollup */
	size_t list_start = list_len_at + 4;

	/* the zero length to patch, then op_code 1 */
	assert_memory_equal(b + list_len_at, "\0\0\0\0\0\0\0\1", 8);
	assert_true(n + 2 * d + 2 + 4 * d + 2 + 22 <= cap);
	for (unsigned i = 0; i < d; i++) {
		b[n++] = 0x06; /* prim, 1 arg, annotations */
		b[n++] = 0x09; /* Some */
	}
	b[n++] = 0x03; /* Unit */
	b[n++] = 0x0b;
	for (unsigned i = 0; i < d; i++) {
		memset(b + n, 0, 4); /* empty annotations */
		n += 4;
	}
	b[n++] = 0x03; /* type: unit */
	b[n++] = 0x6c;
	n += unhex("00" SRC, b + n, cap - n);
	put32(b + list_len_at, (uint32_t)(n - list_start));
	return n;
}

static void
test_micheline_depth(void **state)
{
	static uint8_t b[8192];
	struct tz_request r;
	size_t n;

	(void)state;
	n = build_nested_ticket(b, sizeof(b), 400);
	assert_int_equal(dec(b, n, &r), 0);
	assert_int_equal(r.op_kinds, BIT(TZ_OP_ZK_ROLLUP_PUBLISH));
	/* past the skipper's stack ceiling: refused, never a crash */
	n = build_nested_ticket(b, sizeof(b), 1000);
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
}

static void
test_taquito_generic(void **state)
{
	(void)state;
	run_vectors(taquito, sizeof(taquito) / sizeof(taquito[0]));
}

static void
test_handmade_generic(void **state)
{
	(void)state;
	run_vectors(handmade, sizeof(handmade) / sizeof(handmade[0]));
}

/* ---- hand-built consensus requests (no forger builds them) --------------- */

/* 0x11 block with the fitness [02; level; locked?; -1-pred_round; round]
 * and protocol data whose payload_round differs from the fitness round. */
static size_t
build_block(uint8_t *b, int32_t level, int have_locked, int32_t round, int32_t payload_round)
{
	size_t n = 0;

	b[n++] = TZ_MAGIC_BLOCK;
	n += put32(b + n, 0x7a06a770); /* chain id */
	n += put32(b + n, (uint32_t)level);
	b[n++] = 3;                    /* proto */
	memset(b + n, 0xb1, 32 + 8 + 1 + 32); /* predecessor, timestamp, vpass, ops hash */
	n += 32 + 8 + 1 + 32;
	assert_int_equal(n, 83);
	n += put32(b + n, have_locked ? 37 : 33);
	n += put32(b + n, 1);
	b[n++] = 0x02;
	n += put32(b + n, 4);
	n += put32(b + n, (uint32_t)level);
	if (have_locked) {
		n += put32(b + n, 4);
		n += put32(b + n, 1);
	} else {
		n += put32(b + n, 0);
	}
	n += put32(b + n, 4);
	n += put32(b + n, (uint32_t)-1 - 4); /* -1 - predecessor round 4 */
	n += put32(b + n, 4);
	n += put32(b + n, (uint32_t)round);
	memset(b + n, 0xc7, 32 + 32); /* context, payload hash */
	n += 64;
	n += put32(b + n, (uint32_t)payload_round);
	memset(b + n, 0x99, 8); /* proof of work nonce */
	n += 8;
	b[n++] = 0xff; /* seed nonce hash present */
	memset(b + n, 0x5e, 32);
	n += 32;
	b[n++] = 0x04; /* per-block votes */
	return n;
}

static void
test_block(void **state)
{
	uint8_t b[512];
	struct tz_request r;
	size_t n;

	(void)state;
	for (int locked = 0; locked < 2; locked++) {
		n = build_block(b, 5726000, locked, 3, 1);
		assert_int_equal(dec(b, n, &r), 0);
		assert_int_equal(r.kind, TZ_REQ_BLOCK);
		assert_true(r.consensus && r.has_chain_id);
		assert_memory_equal(r.chain_id, "\x7a\x06\xa7\x70", 4);
		assert_int_equal(r.level, 5726000);
		assert_int_equal(r.round, 3); /* the fitness round, not payload_round 1 */
		check_prefixes(b, n);
		/* the round sits at 83 + fitness length */
		assert_int_equal(b[83 + (locked ? 37 : 33) + 3], 3);
	}
	/* without a seed nonce hash the header is 31 bytes shorter */
	n = build_block(b, 7, 0, 0, 0);
	memmove(b + n - 33, b + n - 1, 1);
	b[n - 34] = 0x00;
	assert_int_equal(dec(b, n - 32, &r), 0);
	assert_int_equal(r.level, 7);
	assert_int_equal(r.round, 0);
}

static void
test_block_bad(void **state)
{
	uint8_t b[512], t[512];
	struct tz_request r;
	size_t n;

	(void)state;
	n = build_block(b, 100, 0, 1, 0);
	memcpy(t, b, n);
	t[87 + 4] = 0x01; /* fitness version */
	assert_int_equal(dec(t, n, &r), SIGIL_E_INVALID);
	memcpy(t, b, n);
	t[86] = 34; /* total fitness length */
	assert_int_equal(dec(t, n, &r), SIGIL_E_INVALID);
	memcpy(t, b, n);
	t[87 + 5 + 3] = 3; /* level item of 3 bytes */
	assert_int_equal(dec(t, n, &r), SIGIL_E_INVALID);
	n = build_block(b, 100, 1, 1, 0);
	memcpy(t, b, n);
	t[87 + 5 + 8 + 3] = 2; /* locked round of 2 bytes, total kept at 37 */
	assert_int_equal(dec(t, n, &r), SIGIL_E_INVALID);
	n = build_block(b, -5, 0, 1, 0);
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID); /* negative level */
	n = build_block(b, 5, 0, -1, 0);
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID); /* negative round */
	n = build_block(b, 100, 0, 1, 0);
	memcpy(t, b, n);
	t[87 + 5 + 4 + 3] = 99; /* fitness level differs from the header's */
	assert_int_equal(dec(t, n, &r), SIGIL_E_INVALID);
	memcpy(t, b, n);
	t[n - 34] = 0x01; /* seed nonce hash option flag */
	assert_int_equal(dec(t, n, &r), SIGIL_E_INVALID);
	/* protocol data too short to be a header */
	assert_int_equal(dec(b, 87 + 33 + 32 + 10, &r), SIGIL_E_INCOMPLETE);
}

static size_t
build_consensus(uint8_t *b, uint8_t magic, uint8_t tag, int32_t level, int32_t round)
{
	size_t n = 0;

	b[n++] = magic;
	n += put32(b + n, 0x7a06a770);
	memset(b + n, 0xbb, 32);
	n += 32;
	b[n++] = tag;
	if (tag < 40) {
		b[n++] = 0x01; /* slot 263 */
		b[n++] = 0x07;
	}
	n += put32(b + n, (uint32_t)level);
	n += put32(b + n, (uint32_t)round);
	memset(b + n, 0xdd, 32);
	n += 32;
	if (tag == 23) {
		b[n++] = 0x85; /* DAL bitset as Zarith */
		b[n++] = 0x01;
	}
	return n;
}

static void
test_consensus(void **state)
{
	static const struct {
		uint8_t magic, tag;
		enum tz_req_kind kind;
		bool slot;
		size_t level_at;
	} c[] = {
		{ TZ_MAGIC_PREATTESTATION, 20, TZ_REQ_PREATTESTATION, true, 40 },
		{ TZ_MAGIC_ATTESTATION, 21, TZ_REQ_ATTESTATION, true, 40 },
		{ TZ_MAGIC_ATTESTATION, 23, TZ_REQ_ATTESTATION_WITH_DAL, true, 40 },
		{ TZ_MAGIC_PREATTESTATION, 40, TZ_REQ_PREATTESTATION, false, 38 },
		{ TZ_MAGIC_ATTESTATION, 41, TZ_REQ_ATTESTATION, false, 38 },
	};
	uint8_t b[256];
	struct tz_request r;

	(void)state;
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t n = build_consensus(b, c[i].magic, c[i].tag, 0x01020304, 0x00000105);

		assert_int_equal(dec(b, n, &r), 0);
		assert_int_equal(r.kind, c[i].kind);
		assert_true(r.consensus && r.has_chain_id);
		assert_int_equal(r.has_slot, c[i].slot);
		assert_int_equal(r.slot, c[i].slot ? 263 : 0);
		assert_int_equal(r.level, 0x01020304);
		assert_int_equal(r.round, 0x105);
		assert_int_equal(b[c[i].level_at], 0x01);     /* level where octez reads it */
		assert_int_equal(b[c[i].level_at + 4 + 3], 0x05); /* and the round */
		check_prefixes(b, n);
		b[n] = 0x00;
		assert_int_equal(dec(b, n + 1, &r), SIGIL_E_INVALID); /* trailing */
		/* the other magic byte */
		b[0] = c[i].magic == TZ_MAGIC_ATTESTATION ? TZ_MAGIC_PREATTESTATION
		                                          : TZ_MAGIC_ATTESTATION;
		assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
		n = build_consensus(b, c[i].magic, c[i].tag, -1, 0);
		assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
		n = build_consensus(b, c[i].magic, c[i].tag, 1, INT32_MIN);
		assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
	}
	/* a consensus magic byte over a transaction tag */
	size_t n = build_consensus(b, TZ_MAGIC_ATTESTATION, 21, 1, 1);
	b[37] = 0x6c;
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
}

/* ---- the rest of the error paths ----------------------------------------- */

static void
test_bad_input(void **state)
{
	uint8_t b[1024] = { 0 };
	struct tz_request r;
	size_t n;
	uint8_t *big;

	(void)state;
	assert_int_equal(dec(b, 0, &r), SIGIL_E_INCOMPLETE);
	for (int m = 0; m < 256; m++) {
		if (m == 0x03 || m == 0x05 || (m >= 0x11 && m <= 0x13))
			continue;
		b[0] = (uint8_t)m;
		memset(b + 1, 0, 100);
		assert_int_equal(dec(b, 101, &r), SIGIL_E_INVALID);
	}
	/* pack */
	assert_int_equal(dec((const uint8_t *)"\x05\x00\x01", 3, &r), 0);
	assert_int_equal(r.kind, TZ_REQ_PACK);
	assert_int_equal(dec((const uint8_t *)"\x05", 1, &r), SIGIL_E_INCOMPLETE);
	/* a batch without contents */
	n = unhex(BR, b, sizeof(b));
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
	/* unknown tags: 7 was double_preattestation_evidence before 023 */
	n = unhex(taquito[11].hex, b, sizeof(b)); /* failing_noop */
	const uint8_t bad_tags[] = { 0x00, 0x07, 0x0a, 0x16, 0x63, 0x74, 0xfe, 0xff };
	for (size_t i = 0; i < sizeof(bad_tags); i++) {
		b[33] = bad_tags[i];
		assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
	}
	/* every kind of 023/024 is decoded now: no tag may be left unsupported */
	for (int t = 0; t < 256; t++) {
		b[33] = (uint8_t)t;
		assert_int_not_equal(dec(b, n, &r), SIGIL_E_UNSUPPORTED);
	}
	/* ballot with vote 3 */
	n = unhex(taquito[7].hex, b, sizeof(b));
	b[n - 1] = 3;
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
	/* Zarith: non-canonical trailing zero group, and more than 10 bytes */
	n = unhex(BR "6e" SRC "8000" "01" "01" "00" "00", b, sizeof(b));
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
	n = unhex(BR "6e" SRC "0001" "01" "00" "00", b, sizeof(b));
	assert_int_equal(dec(b, n, &r), 0);
	n = unhex(BR "6e" SRC "ffffffffffffffffffff01" "01" "01" "00" "00", b, sizeof(b));
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
	/* bad option byte, bad key-hash tag, bad contract padding */
	n = unhex(BR "6e" SRC "00" "01" "01" "00" "01", b, sizeof(b));
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
	n = unhex(BR "6e" "04020910171e252c333a41484f565d646b72798087" "00" "01" "01" "00" "00", b,
	          sizeof(b));
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
	n = unhex(taquito[1].hex, b, sizeof(b)); /* tx to KT1: padding at 33+21+4+1+21 */
	b[33 + 21 + 2 + 3 + 2 + 2 + 1 + 1 + 21] = 0x01;
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
	/* a 4-byte length claiming more than is there */
	n = unhex(BR "11" "00000006" "48656c6c6f", b, sizeof(b));
	assert_int_equal(dec(b, n, &r), SIGIL_E_INCOMPLETE);
	n = unhex(BR "11" "ffffffff" "48656c6c6f", b, sizeof(b));
	assert_int_equal(dec(b, n, &r), SIGIL_E_INCOMPLETE);
	/* a committee whose inner items overrun their region */
	n = unhex(BR "1f" "00000010" "00000001" HASH32 "00000003" "0001ff", b, sizeof(b));
	assert_int_equal(dec(b, n, &r), SIGIL_E_INVALID);
	/* oversized */
	big = calloc(1, TZ_REQUEST_MAX + 1);
	assert_non_null(big);
	big[0] = TZ_MAGIC_PACK;
	assert_int_equal(tz_decode(big, TZ_REQUEST_MAX + 1, &r), SIGIL_E_TOO_BIG);
	assert_int_equal(tz_decode(big, TZ_REQUEST_MAX, &r), 0);
	free(big);
}

static void
test_names(void **state)
{
	(void)state;
	for (int k = 0; k < TZ_OP_KIND_COUNT; k++) {
		const char *name = tz_op_kind_name((enum tz_op_kind)k);

		assert_non_null(name);
		assert_int_equal(tz_op_kind_from_name(name), k);
	}
	for (int k = 0; k < TZ_REQ_KINDS; k++)
		assert_int_equal(tz_req_kind_from_name(tz_req_kind_name((enum tz_req_kind)k)), k);
	assert_string_equal(tz_op_kind_name(TZ_OP_BALLOT_NAY), "ballot:nay");
	assert_string_equal(tz_op_kind_name(TZ_OP_TRANSACTION), "transaction");
	assert_string_equal(tz_op_kind_name(TZ_OP_STAKE), "stake");
	assert_string_equal(tz_op_kind_name(TZ_OP_UNSTAKE), "unstake");
	assert_string_equal(tz_op_kind_name(TZ_OP_FINALIZE_UNSTAKE), "finalize_unstake");
	assert_string_equal(tz_op_kind_name(TZ_OP_SET_DELEGATE_PARAMETERS), "set_delegate_parameters");
	assert_string_equal(tz_req_kind_name(TZ_REQ_ATTESTATION_WITH_DAL), "attestation_with_dal");
	assert_int_equal(tz_op_kind_from_name("ballot"), -1);
	/* the decoder knows today's names only; policy maps the old ones */
	assert_int_equal(tz_op_kind_from_name("endorsement"), -1);
	assert_int_equal(tz_op_kind_from_name(NULL), -1);
	assert_int_equal(tz_req_kind_from_name("Block"), -1);
	assert_null(tz_op_kind_name(TZ_OP_KIND_COUNT));
	assert_null(tz_req_kind_name((enum tz_req_kind)TZ_REQ_KINDS));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_taquito_generic),
		cmocka_unit_test(test_handmade_generic),
		cmocka_unit_test(test_rollup_generic),
		cmocka_unit_test(test_rollup_bad),
		cmocka_unit_test(test_generic_bad),
		cmocka_unit_test(test_micheline_depth),
		cmocka_unit_test(test_block),
		cmocka_unit_test(test_block_bad),
		cmocka_unit_test(test_consensus),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
