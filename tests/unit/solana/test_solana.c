/* The Solana chain (chain/solana/): messages, intents, text forms.
 *
 * Known answers: three messages compiled by @solana/kit 8.4.0 (not ours;
 * tests/js/solana_msg.mjs, printed by tests/js/solana_vectors.mjs): a
 * legacy System transfer, a legacy SPL TransferChecked behind a compute
 * unit limit and price, and a v0 transfer whose destination comes from an
 * address table. The rest are built here byte by byte, each with one
 * thing wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>
#include <sodium.h>

#include "base/b58.h"
#include "base/errors.h"
#include "chain/solana/chain.h"
#include "chain/solana/intent.h"
#include "chain/solana/message.h"
#include "../unit_util.h"

#define A_B58 "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"
#define B_B58 "4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T"
#define C_B58 "8qbHbw2BbbTHBW1sbeqakYXVKRQM8Ne7pLK7m6CVfeR"
#define MINT_B58 "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"

static const char *const kit_legacy =
	"01000103850f2d6e02a47af824d09ab69dc42d70cb28cbfa249fb7ee57b9d256c12762ef321cfa5add185e88"
	"93a5fd88013ec4d7e122ded46354cadff50d956395e75b600000000000000000000000000000000000000000"
	"000000000000000000000000cc490e928cd2e3873bb343fc95da33179ca60f4dbf46c2c36e91299d55d4e6b9"
	"01020200010c02000000002f685900000000";
static const char *const kit_spl =
	"01000306850f2d6e02a47af824d09ab69dc42d70cb28cbfa249fb7ee57b9d256c12762ef321cfa5add185e88"
	"93a5fd88013ec4d7e122ded46354cadff50d956395e75b600202020202020202020202020202020202020202"
	"0202020202020202020202020306466fe5211732ffecadba72c39be7bc8ce5bbc5f7126b2c439b3a40000000"
	"c6fa7af3bedbad3a3d65f36aabc97431b1bbe4c2d2f6e0e47ca60203452f5d6106ddf6e1d765a193d9cbe146"
	"ceeb79ac1cb485ed5f5b37913a8cf5857eff00a9cc490e928cd2e3873bb343fc95da33179ca60f4dbf46c2c3"
	"6e91299d55d4e6b90303000502400d030003000903e8030000000000000504010402000a0ca0252600000000"
	"0006";
static const char *const kit_v0 =
	"8001000102850f2d6e02a47af824d09ab69dc42d70cb28cbfa249fb7ee57b9d256c12762ef00000000000000"
	"00000000000000000000000000000000000000000000000000cc490e928cd2e3873bb343fc95da33179ca60f"
	"4dbf46c2c36e91299d55d4e6b901010200020c020000000700000000000000010277a6af97339b7ac88d1892"
	"c90446f50002309266f62e53c118244982000000010100";
static const char *const kits[] = {kit_legacy, kit_spl, kit_v0};

static void
key_of(const char *b58, uint8_t out[32])
{
	size_t n = 0;

	assert_int_equal(b58_decode(b58, strlen(b58), out, 32, &n), 0);
	assert_int_equal(n, 32);
}

/* The chain's decode of buf (len bytes) for the key named by b58. */
static int
decode(const uint8_t *buf, size_t len, const char *signer, struct sign_intent *in, char *reason)
{
	struct sign_request req = {.api = "test", .chain = &chain_solana, .payload = buf, .len = len};
	uint8_t pk[32];

	key_of(signer, pk);
	return chain_solana.decode(&req, SIGIL_KEY_ED25519, pk, 32, in, reason, 160);
}

/* ---- a message builder for the hand-made cases --------------------------- */

struct mb {
	uint8_t b[2048];
	size_t n;
};

static void
mb_u8(struct mb *m, unsigned v)
{
	assert_true(m->n < sizeof(m->b));
	m->b[m->n++] = (uint8_t)v;
}

static void
mb_shortvec(struct mb *m, unsigned v)
{
	do {
		unsigned b = v & 0x7f;
		v >>= 7;
		mb_u8(m, v ? b | 0x80 : b);
	} while (v);
}

static void
mb_le(struct mb *m, uint64_t v, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		mb_u8(m, (unsigned)(v >> (8 * i)) & 0xff);
}

static void
mb_key(struct mb *m, const uint8_t k[32])
{
	for (int i = 0; i < 32; i++)
		mb_u8(m, k[i]);
}

/* A legacy message from A: keys A, B, C, the System program, the token
 * program, then `extra` keys filled with 0x40+i; the instructions follow
 * (the caller writes their count and them). */
static void
mb_head(struct mb *m, unsigned extra)
{
	uint8_t k[32];

	memset(m, 0, sizeof(*m));
	mb_u8(m, 1), mb_u8(m, 0), mb_u8(m, 2);
	mb_shortvec(m, 5 + extra);
	key_of(A_B58, k), mb_key(m, k);
	key_of(B_B58, k), mb_key(m, k);
	key_of(C_B58, k), mb_key(m, k);
	memset(k, 0, 32), mb_key(m, k);
	key_of("TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA", k), mb_key(m, k);
	for (unsigned i = 0; i < extra; i++)
		memset(k, 0x40 + (int)i, 32), mb_key(m, k);
	memset(k, 0x77, 32), mb_key(m, k); /* blockhash */
}

/* A System transfer of lamports from account 0 to account `to`. */
static void
mb_transfer(struct mb *m, unsigned to, uint64_t lamports)
{
	mb_u8(m, 3);
	mb_shortvec(m, 2), mb_u8(m, 0), mb_u8(m, to);
	mb_shortvec(m, 12), mb_le(m, 2, 4), mb_le(m, lamports, 8);
}

/* ---- tests ----------------------------------------------------------------- */

static void
test_base58(void **state)
{
	static const char *const ids[] = {
		"11111111111111111111111111111111", "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA",
		"TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb",
		"ComputeBudget111111111111111111111111111111", A_B58, MINT_B58};
	uint8_t k[32], big[B58_BYTES_MAX + 1] = {0}, sig[64];
	char text[CHAIN_TEXT_MAX];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		key_of(ids[i], k);
		assert_int_equal(chain_solana.address(SIGIL_KEY_ED25519, k, 32, text, sizeof(text)), 0);
		assert_string_equal(text, ids[i]);
		assert_int_equal(chain_solana.address_check(ids[i]), 0);
	}
	/* 64 bytes of 0xff: 88 characters, the longest signature text. */
	memset(sig, 0xff, sizeof(sig));
	assert_int_equal(chain_solana.signature_text(SIGIL_KEY_ED25519, sig, 64, text, sizeof(text)),
	                 0);
	assert_int_equal(strlen(text), 88);
	assert_int_equal(b58_decode(text, strlen(text), big, sizeof(big), &n), 0);
	assert_int_equal(n, 64);
	assert_memory_equal(big, sig, 64);
	assert_int_equal(chain_solana.signature_text(SIGIL_KEY_ED25519, sig, 63, text, sizeof(text)),
	                 SIGIL_E_INVALID);
	/* Refused: a character outside the alphabet, 31 or 33 bytes, a
	 * spelling with a leading '1' too many, too long for the codec. */
	assert_int_equal(chain_solana.address_check("0xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin"),
	                 SIGIL_E_INVALID);
	assert_int_equal(chain_solana.address_check("1111111111111111111111111111111"),
	                 SIGIL_E_INVALID);
	assert_int_equal(chain_solana.address_check("111111111111111111111111111111111"),
	                 SIGIL_E_INVALID);
	assert_int_equal(chain_solana.address_check("1" A_B58), SIGIL_E_INVALID);
	assert_int_equal(chain_solana.address_check(""), SIGIL_E_INVALID);
	assert_int_equal(b58_encode(big, sizeof(big), text, sizeof(text)), SIGIL_E_TOO_BIG);
	assert_int_equal(b58_encode(k, 32, text, 10), SIGIL_E_TOO_BIG);
}

static void
test_public_keys(void **state)
{
	uint8_t pk[SIGIL_PK_MAX], seed[32] = {7}, sk[64], want[32];
	enum sigil_key_type t;
	char text[CHAIN_TEXT_MAX];
	size_t n;

	(void)state;
	crypto_sign_seed_keypair(want, sk, seed);
	assert_int_equal(chain_solana.public_key_text(SIGIL_KEY_ED25519, want, 32, text,
	                                              sizeof(text)), 0);
	assert_int_equal(chain_solana.public_key_parse(text, &t, pk, &n), 0);
	assert_int_equal(n, 32);
	assert_int_equal(t, SIGIL_KEY_ED25519);
	assert_memory_equal(pk, want, 32);
	/* The System program's id is an address but no point on the curve. */
	assert_int_equal(chain_solana.public_key_parse("11111111111111111111111111111111", &t, pk,
	                                               &n), SIGIL_E_INVALID);
	assert_int_equal(chain_solana.public_key_text(SIGIL_KEY_SECP256K1, want, 32, text,
	                                              sizeof(text)), SIGIL_E_UNSUPPORTED);
	assert_false(chain_solana.key_type_ok(SIGIL_KEY_SECP256K1));
	assert_true(chain_solana.key_type_ok(SIGIL_KEY_ED25519));
	sodium_memzero(sk, sizeof(sk));
}

static void
test_shortvec(void **state)
{
	static const struct {
		const char *hex;
		int rc;
		unsigned v;
	} cases[] = {
		{"00", 0, 0}, {"7f", 0, 127}, {"8001", 0, 128}, {"ff7f", 0, 16383},
		{"808001", 0, 16384}, {"ffff03", 0, 65535},
		{"8000", SIGIL_E_INVALID, 0},   /* 0 in two bytes */
		{"ff00", SIGIL_E_INVALID, 0},   /* 127 in two bytes */
		{"808000", SIGIL_E_INVALID, 0}, /* 0 in three */
		{"ffff04", SIGIL_E_INVALID, 0}, /* 65536 */
		{"ffff83", SIGIL_E_INVALID, 0}, /* a fourth byte announced */
		{"80", SIGIL_E_INCOMPLETE, 0},  {"ff80", SIGIL_E_INCOMPLETE, 0},
		{"", SIGIL_E_INCOMPLETE, 0},
	};
	uint8_t b[4];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = unhex(cases[i].hex, b, sizeof(b)), pos = 0;
		uint16_t v = 1;
		assert_int_equal(sol_shortvec_read(b, n, &pos, &v), cases[i].rc);
		if (cases[i].rc == 0) {
			assert_int_equal(v, cases[i].v);
			assert_int_equal(pos, n);
		}
	}
}

static void
test_kit_legacy_transfer(void **state)
{
	uint8_t buf[1300];
	size_t n = unhex(kit_legacy, buf, sizeof(buf));
	struct sign_intent in;
	struct sol_message m;
	char reason[160];

	(void)state;
	assert_int_equal(sol_message_decode(buf, n, &m, reason, sizeof(reason)), 0);
	assert_int_equal(m.version, -1);
	assert_int_equal(m.n_signers, 1);
	assert_int_equal(m.n_keys, 3);
	assert_int_equal(m.n_ix, 1);
	assert_int_equal(decode(buf, n, A_B58, &in, reason), 0);
	assert_int_equal(in.kind, 0);
	assert_false(in.has_slot);
	assert_int_equal(in.network_len, 0);
	assert_int_equal(in.n_ops, 1);
	assert_false(in.opaque);
	assert_int_equal(in.op_kinds, UINT64_C(1) << SOL_OP_TRANSFER);
	assert_string_equal(in.ops[0].asset, "");
	assert_string_equal(in.ops[0].amount, "1500000000");
	assert_string_equal(in.ops[0].destination, B_B58);
	assert_string_equal(in.ops[0].fee, "5000");
	/* Ed25519 over the message as it is. */
	assert_int_equal(in.scheme, SIGIL_SCHEME_PLAIN);
	assert_ptr_equal(in.msg, buf);
	assert_int_equal(in.msg_len, n);
	/* B is no signer of it. */
	assert_int_equal(decode(buf, n, B_B58, &in, reason), SIGIL_E_INVALID);
	assert_non_null(strstr(reason, "not one of its 1 required signers"));
}

static void
test_kit_spl_transfer_checked(void **state)
{
	uint8_t buf[1300];
	size_t n = unhex(kit_spl, buf, sizeof(buf));
	struct sign_intent in;
	char reason[160];

	(void)state;
	assert_int_equal(decode(buf, n, A_B58, &in, reason), 0);
	assert_int_equal(in.n_ops, 1);
	assert_false(in.opaque);
	assert_int_equal(in.op_kinds, (UINT64_C(1) << SOL_OP_SPL_TRANSFER_CHECKED) |
	                                      (UINT64_C(1) << SOL_OP_COMPUTE_BUDGET));
	assert_int_equal(in.ops[0].kind, SOL_OP_SPL_TRANSFER_CHECKED);
	assert_string_equal(in.ops[0].asset, MINT_B58);
	assert_string_equal(in.ops[0].amount, "2500000");
	assert_string_equal(in.ops[0].destination, C_B58);
	/* 5000 per signature, and 1000 micro-lamports × 200000 units. */
	assert_string_equal(in.ops[0].fee, "5200");
}

static void
test_kit_v0_lookup(void **state)
{
	uint8_t buf[1300];
	size_t n = unhex(kit_v0, buf, sizeof(buf));
	struct sign_intent in;
	struct sol_message m;
	char reason[160];

	(void)state;
	assert_int_equal(sol_message_decode(buf, n, &m, reason, sizeof(reason)), 0);
	assert_int_equal(m.version, 0);
	assert_int_equal(m.n_keys, 2);
	assert_int_equal(m.n_lookups, 1);
	assert_int_equal(m.n_lookup_accounts, 1);
	assert_null(sol_message_account(&m, 2)); /* the table's, unseen */
	assert_int_equal(decode(buf, n, A_B58, &in, reason), 0);
	assert_int_equal(in.n_ops, 1);
	assert_string_equal(in.ops[0].amount, "7");
	assert_string_equal(in.ops[0].destination, "unknown");
	assert_true(in.opaque);
}

/* Every cut of each message is refused, read flush against a guard page;
 * so is each with a byte more. */
static void
test_truncated_and_trailing(void **state)
{
	(void)state;
	for (size_t k = 0; k < sizeof(kits) / sizeof(kits[0]); k++) {
		uint8_t buf[1300];
		size_t n = unhex(kits[k], buf, sizeof(buf));
		struct sign_intent in;
		char reason[160];

		for (size_t cut = 0; cut < n; cut++) {
			void *map;
			size_t maplen;
			const uint8_t *p = (const uint8_t *)flush_copy(buf, cut, &map, &maplen);
			assert_int_not_equal(decode(p, cut, A_B58, &in, reason), 0);
			munmap(map, maplen);
		}
		buf[n] = 0;
		assert_int_equal(decode(buf, n + 1, A_B58, &in, reason), SIGIL_E_INVALID);
		assert_non_null(strstr(reason, "after its end"));
	}
}

static void
test_oversized(void **state)
{
	static uint8_t buf[SOL_MESSAGE_MAX + 1];
	struct sign_intent in;
	char reason[160];
	struct mb m;

	(void)state;
	assert_int_equal(decode(buf, sizeof(buf), A_B58, &in, reason), SIGIL_E_TOO_BIG);
	/* 65 instructions: one over the ceiling. */
	mb_head(&m, 0);
	mb_shortvec(&m, 65);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), SIGIL_E_TOO_BIG);
}

static void
test_bad_indices_and_header(void **state)
{
	struct sign_intent in;
	char reason[160];
	struct mb m;

	(void)state;
	mb_head(&m, 0);
	mb_shortvec(&m, 1), mb_transfer(&m, 5, 1); /* 5 keys: index 5 is past them */
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), SIGIL_E_INVALID);
	assert_non_null(strstr(reason, "account index out of range"));
	mb_head(&m, 0);
	mb_shortvec(&m, 1), mb_u8(&m, 0), mb_shortvec(&m, 0), mb_shortvec(&m, 0);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), SIGIL_E_INVALID); /* program 0 */
	mb_head(&m, 0);
	mb_shortvec(&m, 1), mb_u8(&m, 5), mb_shortvec(&m, 0), mb_shortvec(&m, 0);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), SIGIL_E_INVALID); /* program 5 */
	/* Header: no writable signer; more accounts than keys. */
	mb_head(&m, 0);
	m.b[1] = 1;
	mb_shortvec(&m, 0);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), SIGIL_E_INVALID);
	mb_head(&m, 0);
	m.b[0] = 4, m.b[2] = 2;
	mb_shortvec(&m, 0);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), SIGIL_E_INVALID);
	/* A key twice: B where C was. */
	mb_head(&m, 0);
	memcpy(m.b + 4 + 2 * 32, m.b + 4 + 32, 32);
	mb_shortvec(&m, 0);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), SIGIL_E_INVALID);
	assert_non_null(strstr(reason, "twice"));
	/* Version 1 and a non-minimal count. */
	mb_head(&m, 0);
	mb_shortvec(&m, 0);
	uint8_t v1[sizeof(m.b) + 1] = {0x81};
	memcpy(v1 + 1, m.b, m.n);
	assert_int_equal(decode(v1, m.n + 1, A_B58, &in, reason), SIGIL_E_UNSUPPORTED);
	mb_head(&m, 0);
	mb_u8(&m, 0x80), mb_u8(&m, 0x00);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), SIGIL_E_INVALID);
	/* No instructions: decoded, but no operation for a policy to allow. */
	mb_head(&m, 0);
	mb_shortvec(&m, 0);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), 0);
	assert_int_equal(in.op_kinds, 0);
}

static void
test_v0_lookup_rules(void **state)
{
	struct sign_intent in;
	struct sol_message sm;
	char reason[160];
	uint8_t buf[1300];
	size_t n = unhex(kit_v0, buf, sizeof(buf));

	(void)state;
	/* The lookup loads one writable account (index 2 overall): index 3 is
	 * out of range. The transfer's `to` is its second account index. */
	/* prefix, header, key count, keys, blockhash, then the instruction:
	 * count, program, account count, from, to. */
	size_t prog = 1 + 3 + 1 + 2 * 32 + 32 + 1, to = prog + 3;
	assert_int_equal(buf[to], 2);
	buf[to] = 3;
	assert_int_equal(decode(buf, n, A_B58, &in, reason), SIGIL_E_INVALID);
	buf[to] = 2;
	/* A lookup that loads nothing: writable count 1 → 0, index dropped. */
	uint8_t empty[1300];
	memcpy(empty, buf, n);
	empty[n - 3] = 0, empty[n - 2] = 0;
	assert_int_equal(sol_message_decode(empty, n - 1, &sm, reason, sizeof(reason)),
	                 SIGIL_E_INVALID);
	assert_non_null(strstr(reason, "loads nothing"));
	/* A program id from the table: the program index is a static key's. */
	assert_int_equal(buf[prog], 1);
	buf[prog] = 2;
	assert_int_equal(decode(buf, n, A_B58, &in, reason), SIGIL_E_INVALID);
}

/* A transfer the routes see, and a second one: both described; nine: more
 * than INTENT_OPS_MAX, all counted, and the request opaque. */
static void
test_many_transfers(void **state)
{
	struct sign_intent in;
	char reason[160];
	struct mb m;

	(void)state;
	mb_head(&m, 0);
	mb_shortvec(&m, 2), mb_transfer(&m, 1, 1000), mb_transfer(&m, 2, 5000000000);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), 0);
	assert_int_equal(in.n_ops, 2);
	assert_false(in.opaque);
	assert_string_equal(in.ops[0].amount, "1000");
	assert_string_equal(in.ops[1].amount, "5000000000");
	assert_string_equal(in.ops[1].destination, C_B58);
	mb_head(&m, 0);
	mb_shortvec(&m, INTENT_OPS_MAX + 1);
	for (int i = 0; i < INTENT_OPS_MAX; i++)
		mb_transfer(&m, 1, 1);
	mb_transfer(&m, 2, 9000000000);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), 0);
	assert_int_equal(in.n_ops, INTENT_OPS_MAX + 1);
	assert_true(in.opaque);
}

static void
test_unknown_and_malformed_instructions(void **state)
{
	struct sign_intent in;
	char reason[160];
	struct mb m;

	(void)state;
	/* A program nobody knows (key 0x40…). */
	mb_head(&m, 1);
	mb_shortvec(&m, 1), mb_u8(&m, 5), mb_shortvec(&m, 1), mb_u8(&m, 1), mb_shortvec(&m, 1),
		mb_u8(&m, 9);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), 0);
	assert_true(in.opaque);
	assert_int_equal(in.op_kinds, UINT64_C(1) << SOL_OP_PROGRAM_CALL);
	assert_int_equal(chain_solana.op_name(in.ops[0].kind), chain_solana.op_name(SOL_OP_PROGRAM_CALL));
	/* A System transfer with a byte more of data: not read as one. */
	mb_head(&m, 0);
	mb_shortvec(&m, 1), mb_u8(&m, 3), mb_shortvec(&m, 2), mb_u8(&m, 0), mb_u8(&m, 1),
		mb_shortvec(&m, 13), mb_le(&m, 2, 4), mb_le(&m, 1, 8), mb_u8(&m, 0);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), 0);
	assert_true(in.opaque);
	assert_int_equal(in.ops[0].kind, SOL_OP_PROGRAM_CALL);
	/* One account short of a transfer. */
	mb_head(&m, 0);
	mb_shortvec(&m, 1), mb_u8(&m, 3), mb_shortvec(&m, 1), mb_u8(&m, 0),
		mb_shortvec(&m, 12), mb_le(&m, 2, 4), mb_le(&m, 1, 8);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), 0);
	assert_true(in.opaque);
	/* SPL Transfer (3): no mint among its accounts. */
	mb_head(&m, 0);
	mb_shortvec(&m, 1), mb_u8(&m, 4), mb_shortvec(&m, 3), mb_u8(&m, 1), mb_u8(&m, 2),
		mb_u8(&m, 0), mb_shortvec(&m, 9), mb_u8(&m, 3), mb_le(&m, 42, 8);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), 0);
	assert_false(in.opaque);
	assert_int_equal(in.ops[0].kind, SOL_OP_SPL_TRANSFER);
	assert_string_equal(in.ops[0].asset, "spl-token:unknown-mint");
	assert_string_equal(in.ops[0].amount, "42");
	assert_string_equal(in.ops[0].destination, C_B58);
	/* TransferWithSeed: 4 + 8 + 8 + seed (3) + 32 bytes; to is account 2. */
	mb_head(&m, 0);
	mb_shortvec(&m, 1), mb_u8(&m, 3), mb_shortvec(&m, 3), mb_u8(&m, 1), mb_u8(&m, 0),
		mb_u8(&m, 2), mb_shortvec(&m, 55), mb_le(&m, 11, 4), mb_le(&m, 77, 8), mb_le(&m, 3, 8),
		mb_u8(&m, 'a'), mb_u8(&m, 'b'), mb_u8(&m, 'c');
	for (int i = 0; i < 32; i++)
		mb_u8(&m, 0x10);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), 0);
	assert_false(in.opaque);
	assert_int_equal(in.ops[0].kind, SOL_OP_TRANSFER_WITH_SEED);
	assert_string_equal(in.ops[0].amount, "77");
	assert_string_equal(in.ops[0].destination, C_B58);
}

static void
test_compute_budget(void **state)
{
	struct sign_intent in;
	char reason[160];
	uint8_t cb[32];
	struct mb m;

	(void)state;
	key_of("ComputeBudget111111111111111111111111111111", cb);
	/* A price and no limit: the fee at most uses 1.4M units. */
	mb_head(&m, 0);
	memcpy(m.b + 4 + 4 * 32, cb, 32); /* the token program's place */
	mb_shortvec(&m, 2);
	mb_u8(&m, 4), mb_shortvec(&m, 0), mb_shortvec(&m, 9), mb_u8(&m, 3), mb_le(&m, 3, 8);
	mb_transfer(&m, 1, 10);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), 0);
	assert_int_equal(in.n_ops, 1);
	assert_string_equal(in.ops[0].fee, "5005"); /* 5000 + ceil(3 × 1.4M / 10^6) */
	/* The same instruction twice: the runtime refuses it, and so does sigil. */
	mb_head(&m, 0);
	memcpy(m.b + 4 + 4 * 32, cb, 32);
	mb_shortvec(&m, 2);
	for (int i = 0; i < 2; i++)
		mb_u8(&m, 4), mb_shortvec(&m, 0), mb_shortvec(&m, 5), mb_u8(&m, 2), mb_le(&m, 1, 4);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), SIGIL_E_INVALID);
	/* An unknown tag: of unknown effect. */
	mb_head(&m, 0);
	memcpy(m.b + 4 + 4 * 32, cb, 32);
	mb_shortvec(&m, 1);
	mb_u8(&m, 4), mb_shortvec(&m, 0), mb_shortvec(&m, 5), mb_u8(&m, 9), mb_le(&m, 1, 4);
	assert_int_equal(decode(m.b, m.n, A_B58, &in, reason), 0);
	assert_true(in.opaque);
}

static void
test_kinds_and_names(void **state)
{
	struct sign_request req = {.kind = "message"};
	struct sign_intent in;
	uint8_t pk[32] = {0};
	char reason[160];

	(void)state;
	assert_int_equal(chain_solana.kind_from_name("transaction"), 0);
	assert_int_equal(chain_solana.kind_from_name("message"), -1);
	assert_int_equal(chain_solana.decode(&req, SIGIL_KEY_ED25519, pk, 32, &in, reason,
	                                     sizeof(reason)), SIGIL_E_INVALID);
	assert_int_equal(chain_solana.decode(&req, SIGIL_KEY_SECP256K1, pk, 33, &in, reason,
	                                     sizeof(reason)), SIGIL_E_UNSUPPORTED);
	for (unsigned k = 0; k < SOL_OP_KINDS; k++)
		assert_int_equal(chain_solana.ops_from_name(chain_solana.op_name(k)), UINT64_C(1) << k);
	assert_int_equal(chain_solana.ops_from_name("nothing"), 0);
	assert_null(chain_solana.op_name(SOL_OP_KINDS));
	assert_ptr_equal(chain_find("solana"), &chain_solana);
	assert_null(chain_solana.network_parse);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base58),
		cmocka_unit_test(test_public_keys),
		cmocka_unit_test(test_shortvec),
		cmocka_unit_test(test_kit_legacy_transfer),
		cmocka_unit_test(test_kit_spl_transfer_checked),
		cmocka_unit_test(test_kit_v0_lookup),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_bad_indices_and_header),
		cmocka_unit_test(test_v0_lookup_rules),
		cmocka_unit_test(test_many_transfers),
		cmocka_unit_test(test_unknown_and_malformed_instructions),
		cmocka_unit_test(test_compute_budget),
		cmocka_unit_test(test_kinds_and_names),
	};
	if (sodium_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
