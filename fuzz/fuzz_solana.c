/* libFuzzer harness for Solana messages and their intents
 * (chain/solana/message.h, intent.h): any input gives 0 or a defined
 * error with the message zeroed; whatever decodes is canonical (written
 * again from its fields it is the very input: minimal shortvecs, no
 * trailing bytes), every index it holds is in range, and the chain's
 * decode for its fee payer describes it soundly: no more operations than
 * instructions, decimal amounts, opaque whenever some operation is not
 * described, Ed25519 over the input itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/solana/chain.h"
#include "chain/solana/message.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t again[SOL_MESSAGE_MAX + 64];
static size_t n_again;

static void
put(const void *p, size_t n)
{
	if (n_again + n > sizeof(again))
		abort();
	memcpy(again + n_again, p, n);
	n_again += n;
}

static void
put_shortvec(size_t v)
{
	do {
		uint8_t b = v & 0x7f;
		v >>= 7;
		if (v)
			b |= 0x80;
		put(&b, 1);
	} while (v);
}

static void
rewrite(const struct sol_message *m)
{
	uint8_t h[3] = {m->n_signers, m->n_readonly_signed, m->n_readonly_unsigned}, v0 = 0x80;

	n_again = 0;
	if (m->version == 0)
		put(&v0, 1);
	put(h, 3);
	put_shortvec(m->n_keys), put(m->keys, m->n_keys * SOL_KEY_LEN);
	put(m->blockhash, SOL_KEY_LEN);
	put_shortvec(m->n_ix);
	for (size_t i = 0; i < m->n_ix; i++) {
		const struct sol_ix *ix = &m->ix[i];
		put(&ix->program, 1);
		put_shortvec(ix->n_accounts), put(ix->accounts, ix->n_accounts);
		put_shortvec(ix->data_len), put(ix->data, ix->data_len);
	}
	if (m->version != 0)
		return;
	put_shortvec(m->n_lookups);
	for (size_t i = 0; i < m->n_lookups; i++) {
		const struct sol_lookup *l = &m->lookups[i];
		put(l->table, SOL_KEY_LEN);
		put_shortvec(l->n_writable), put(l->writable, l->n_writable);
		put_shortvec(l->n_readonly), put(l->readonly, l->n_readonly);
	}
}

static bool
decimal(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s) && (s[0] != '0' || s[1] == '\0');
}

static void
check_intent(const uint8_t *data, size_t size, const struct sol_message *m)
{
	struct sign_request req = {.api = "fuzz", .chain = &chain_solana, .payload = data,
	                           .len = size};
	struct sign_intent in;
	char reason[CHAIN_REASON_MAX];
	int rc = chain_solana.decode(&req, SIGIL_KEY_ED25519, m->keys, SOL_KEY_LEN, &in, reason,
	                             sizeof(reason));

	if (rc != 0) {
		/* Only a Compute Budget instruction given twice is refused here. */
		if (rc != SIGIL_E_INVALID)
			abort();
		return;
	}
	if (in.n_ops > m->n_ix || (in.n_ops > INTENT_OPS_MAX && !in.opaque) ||
	    in.msg != data || in.msg_len != size || in.scheme != SIGIL_SCHEME_PLAIN)
		abort();
	for (uint32_t i = 0; i < in.n_ops && i < INTENT_OPS_MAX; i++) {
		const struct intent_op *op = &in.ops[i];
		if (chain_solana.op_name(op->kind) == NULL || (op->amount[0] && !decimal(op->amount)))
			abort();
		if (strcmp(op->destination, "unknown") == 0 && !in.opaque)
			abort();
	}
	if (in.n_ops > 0 && !decimal(in.ops[0].fee))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sol_message m;
	char reason[CHAIN_REASON_MAX];
	int rc = sol_message_decode(data, size, &m, reason, sizeof(reason));

	if (rc != 0) {
		static const struct sol_message zero;
		if ((rc != SIGIL_E_INVALID && rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_TOO_BIG &&
		     rc != SIGIL_E_UNSUPPORTED) || memcmp(&m, &zero, sizeof(m)) != 0 ||
		    reason[0] == '\0')
			abort();
		return 0;
	}
	rewrite(&m);
	if (n_again != size || memcmp(again, data, size) != 0)
		abort();
	for (size_t i = 0; i < m.n_ix; i++) {
		if (m.ix[i].program == 0 || sol_message_account(&m, m.ix[i].program) == NULL)
			abort();
		for (size_t j = 0; j < m.ix[i].n_accounts; j++)
			if (m.ix[i].accounts[j] >= m.n_keys + m.n_lookup_accounts)
				abort();
	}
	if (m.n_signers == 0 || !sol_message_is_signer(&m, m.keys))
		abort();
	check_intent(data, size, &m);
	return 0;
}
