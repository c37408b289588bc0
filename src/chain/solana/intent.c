/* Solana instructions as intent operations (intent.h). */
#include "chain/solana/intent.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/b58.h"
#include "base/errors.h"

static const char *const sol_op_names[SOL_OP_KINDS] = {
	"transfer", "transfer_with_seed", "spl_transfer", "spl_transfer_checked",
	"advance_nonce", "compute_budget", "program_call",
};
_Static_assert(SOL_OP_KINDS <= 64, "op kinds fit op_kinds");

/* Program ids: the bytes behind their base58 names (checked in
 * tests/unit/solana/test_solana.c). */
static const uint8_t sol_system_program[SOL_KEY_LEN] = {0};
static const uint8_t sol_token_program[SOL_KEY_LEN] = { /* Tokenkeg…5DA */
	0x06, 0xdd, 0xf6, 0xe1, 0xd7, 0x65, 0xa1, 0x93, 0xd9, 0xcb, 0xe1, 0x46, 0xce, 0xeb, 0x79, 0xac,
	0x1c, 0xb4, 0x85, 0xed, 0x5f, 0x5b, 0x37, 0x91, 0x3a, 0x8c, 0xf5, 0x85, 0x7e, 0xff, 0x00, 0xa9};
static const uint8_t sol_token2022_program[SOL_KEY_LEN] = { /* Tokenz…uEb */
	0x06, 0xdd, 0xf6, 0xe1, 0xee, 0x75, 0x8f, 0xde, 0x18, 0x42, 0x5d, 0xbc, 0xe4, 0x6c, 0xcd, 0xda,
	0xb6, 0x1a, 0xfc, 0x4d, 0x83, 0xb9, 0x0d, 0x27, 0xfe, 0xbd, 0xf9, 0x28, 0xd8, 0xa1, 0x8b, 0xfc};
static const uint8_t sol_compute_budget_program[SOL_KEY_LEN] = { /* ComputeBudget111… */
	0x03, 0x06, 0x46, 0x6f, 0xe5, 0x21, 0x17, 0x32, 0xff, 0xec, 0xad, 0xba, 0x72, 0xc3, 0x9b, 0xe7,
	0xbc, 0x8c, 0xe5, 0xbb, 0xc5, 0xf7, 0x12, 0x6b, 0x2c, 0x43, 0x9b, 0x3a, 0x40, 0x00, 0x00, 0x00};

const char *
sol_op_kind_name(unsigned k)
{
	return k < SOL_OP_KINDS ? sol_op_names[k] : NULL;
}

int
sol_op_kind_from_name(const char *name)
{
	for (int i = 0; name != NULL && i < SOL_OP_KINDS; i++)
		if (strcmp(name, sol_op_names[i]) == 0)
			return i;
	return -1;
}

static uint64_t
sol_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* One instruction as far as it is understood. */
struct sol_desc {
	enum sol_op_kind kind;
	bool is_op;        /* may move funds: one of the intent's operations */
	bool opaque;
	struct intent_op op;
};

/* Account n of ix as text; false when it is not a static key. */
static bool
sol_account_text(const struct sol_message *m, const struct sol_ix *ix, size_t n, char *out,
                 size_t cap)
{
	const uint8_t *key = n < ix->n_accounts ? sol_message_account(m, ix->accounts[n]) : NULL;

	if (key == NULL || b58_encode(key, SOL_KEY_LEN, out, cap) != 0) {
		snprintf(out, cap, "unknown");
		return false;
	}
	return true;
}

static void
sol_program_call(struct sol_desc *d)
{
	memset(&d->op, 0, sizeof(d->op));
	d->kind = SOL_OP_PROGRAM_CALL;
	d->is_op = true;
	d->opaque = true;
}

/* A transfer of amount to account dest of ix. */
static void
sol_transfer(const struct sol_message *m, const struct sol_ix *ix, enum sol_op_kind kind,
             uint64_t amount, size_t dest, struct sol_desc *d)
{
	d->kind = kind;
	d->is_op = true;
	snprintf(d->op.amount, sizeof(d->op.amount), "%" PRIu64, amount);
	if (!sol_account_text(m, ix, dest, d->op.destination, sizeof(d->op.destination)))
		d->opaque = true;
}

static void
sol_system(const struct sol_message *m, const struct sol_ix *ix, struct sol_desc *d)
{
	const uint8_t *p = ix->data;
	size_t n = ix->data_len;
	uint32_t tag = n >= 4 ? (uint32_t)sol_le(p, 4) : UINT32_MAX;

	if (tag == 2 && n == 4 + 8 && ix->n_accounts >= 2) {
		sol_transfer(m, ix, SOL_OP_TRANSFER, sol_le(p + 4, 8), 1, d);
	} else if (tag == 11 && n >= 4 + 8 + 8 && ix->n_accounts >= 3) {
		/* The seed's length is a u64; Solana caps seeds at 32 bytes. */
		uint64_t seed = sol_le(p + 12, 8);
		if (seed > 32 || n != 4 + 8 + 8 + seed + SOL_KEY_LEN)
			sol_program_call(d);
		else
			sol_transfer(m, ix, SOL_OP_TRANSFER_WITH_SEED, sol_le(p + 4, 8), 2, d);
	} else if (tag == 4 && n == 4 && ix->n_accounts >= 3) {
		d->kind = SOL_OP_ADVANCE_NONCE;
	} else {
		sol_program_call(d);
	}
}

static void
sol_token(const struct sol_message *m, const struct sol_ix *ix, bool t2022, struct sol_desc *d)
{
	const uint8_t *p = ix->data;
	size_t n = ix->data_len;

	if (n == 1 + 8 && p[0] == 3 && ix->n_accounts >= 3) {
		sol_transfer(m, ix, SOL_OP_SPL_TRANSFER, sol_le(p + 1, 8), 1, d);
		snprintf(d->op.asset, sizeof(d->op.asset), "%s:unknown-mint",
		         t2022 ? "token-2022" : "spl-token");
	} else if (n == 1 + 8 + 1 && p[0] == 12 && ix->n_accounts >= 4) {
		sol_transfer(m, ix, SOL_OP_SPL_TRANSFER_CHECKED, sol_le(p + 1, 8), 2, d);
		if (!sol_account_text(m, ix, 1, d->op.asset, sizeof(d->op.asset)))
			d->opaque = true;
	} else {
		sol_program_call(d);
	}
}

/* The Compute Budget's settings, as far as the fee needs them. */
struct sol_budget {
	unsigned seen;     /* bit per instruction tag: each at most once */
	uint32_t limit;
	uint64_t price;
};

static int
sol_budget(const struct sol_ix *ix, struct sol_budget *b, struct sol_desc *d, char *reason,
           size_t cap)
{
	const uint8_t *p = ix->data;
	size_t n = ix->data_len;
	unsigned tag = n > 0 ? p[0] : 0;

	if (!((tag == 1 || tag == 2 || tag == 4) && n == 5) && !(tag == 3 && n == 9)) {
		sol_program_call(d);
		return 0;
	}
	if (b->seen & (1u << tag)) {
		/* The runtime fails such a transaction (DuplicateInstruction). */
		snprintf(reason, cap, "solana message: compute budget instruction %u twice", tag);
		return SIGIL_E_INVALID;
	}
	b->seen |= 1u << tag;
	if (tag == 2)
		b->limit = (uint32_t)sol_le(p + 1, 4);
	else if (tag == 3)
		b->price = sol_le(p + 1, 8);
	d->kind = SOL_OP_COMPUTE_BUDGET;
	return 0;
}

static int
sol_describe(const struct sol_message *m, const struct sol_ix *ix, struct sol_budget *b,
             struct sol_desc *d, char *reason, size_t cap)
{
	const uint8_t *prog = sol_message_account(m, ix->program); /* static: sanitised */

	memset(d, 0, sizeof(*d));
	if (memcmp(prog, sol_system_program, SOL_KEY_LEN) == 0)
		sol_system(m, ix, d);
	else if (memcmp(prog, sol_token_program, SOL_KEY_LEN) == 0)
		sol_token(m, ix, false, d);
	else if (memcmp(prog, sol_token2022_program, SOL_KEY_LEN) == 0)
		sol_token(m, ix, true, d);
	else if (memcmp(prog, sol_compute_budget_program, SOL_KEY_LEN) == 0)
		return sol_budget(ix, b, d, reason, cap);
	else
		sol_program_call(d);
	return 0;
}

/* The fee at most (intent.h) as decimal. */
static void
sol_fee(const struct sol_message *m, const struct sol_budget *b, char *out, size_t cap)
{
	uint32_t limit = (b->seen & (1u << 2)) ? b->limit : SOL_MAX_COMPUTE_UNITS;
	unsigned __int128 prio = ((unsigned __int128)b->price * limit + 999999) / 1000000;
	unsigned __int128 fee = prio + (unsigned __int128)m->n_signers * SOL_LAMPORTS_PER_SIGNATURE;
	char digits[48];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + (int)(fee % 10));
		fee /= 10;
	} while (fee != 0 && n < sizeof(digits));
	if (n + 1 > cap) {
		out[0] = '\0';
		return;
	}
	for (size_t i = 0; i < n; i++)
		out[i] = digits[n - 1 - i];
	out[n] = '\0';
}

int
sol_intent_ops(const struct sol_message *m, struct sign_intent *in, char *reason, size_t cap)
{
	struct sol_budget b = {0};
	struct sol_desc d;
	int rc;

	in->n_ops = 0;
	in->op_kinds = 0;
	in->opaque = false;
	for (size_t i = 0; i < m->n_ix; i++) {
		if ((rc = sol_describe(m, &m->ix[i], &b, &d, reason, cap)) != 0)
			return rc;
		in->op_kinds |= UINT64_C(1) << d.kind;
		in->opaque |= d.opaque;
		if (!d.is_op)
			continue;
		/* Past INTENT_OPS_MAX an operation is counted, not described: no
		 * route may judge the request by the ones it sees. */
		if (in->n_ops < INTENT_OPS_MAX) {
			d.op.kind = d.kind;
			in->ops[in->n_ops] = d.op;
		} else {
			in->opaque = true;
		}
		in->n_ops++;
	}
	if (in->n_ops > 0)
		sol_fee(m, &b, in->ops[0].fee, sizeof(in->ops[0].fee));
	return 0;
}
