/* The inputs a key signs in a PSBT, what the PSBT pays, and the
 * signatures put back (chain/bitcoin/sign_input.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/bitcoin/sighash.h"
#include "chain/bitcoin/sign_input.h"
#include "crypto/bip340.h"
#include "crypto/ecdsa_der.h"
#include "crypto/sig.h"

__attribute__((format(printf, 4, 5))) static int
fail(int rc, char *reason, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (reason != NULL && cap > 0) {
		va_start(ap, fmt);
		vsnprintf(reason, cap, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* Whether the PSBT's amount for this input is one a signature commits to,
 * or one the parser checked (see sign_input.h). */
static bool
amount_committed(const struct btc_psbt_in *in)
{
	const uint8_t *h;
	uint8_t rh[20];
	size_t hl;
	int v;

	if (in->has_nwu)
		return true;
	if (!in->has_wu)
		return false;
	if (btc_script_classify(in->script, in->script_len, &v, NULL, NULL) != BTC_SCRIPT_P2SH)
		return v >= 0;
	/* P2SH-wrapped segwit: the redeem script is a witness program of
	 * this very P2SH hash. */
	btc_script_classify(in->script, in->script_len, NULL, &h, &hl);
	if (in->redeem_script == NULL ||
	    (btc_script_classify(in->redeem_script, in->redeem_len, &v, NULL, NULL), v < 0))
		return false;
	return btc_hash160(in->redeem_script, in->redeem_len, rh) == 0 && memcmp(rh, h, 20) == 0;
}

static int
plan_outputs(const struct btc_psbt *p, enum btc_net net, struct btc_plan *pl, char *reason,
             size_t cap)
{
	pl->n_outs = p->tx.n_out;
	if (pl->n_outs > 0 && (pl->outs = calloc(pl->n_outs, sizeof(*pl->outs))) == NULL)
		return SIGIL_E_NOMEM;
	for (size_t i = 0; i < pl->n_outs; i++) {
		const struct btc_txout *o = &p->tx.out[i];
		struct btc_plan_out *po = &pl->outs[i];
		int rc;

		po->amount = o->value;
		po->type = btc_script_classify(o->script, o->script_len, NULL, NULL, NULL);
		rc = btc_script_address(net, o->script, o->script_len, po->address, sizeof(po->address));
		if (rc == SIGIL_E_UNSUPPORTED)
			po->address[0] = '\0';
		else if (rc != 0)
			return fail(rc, reason, cap, "output %zu: no address", i);
		po->change = btc_key_owns(&pl->keys, o->script, o->script_len) != BTC_SCRIPT_NONSTANDARD;
		pl->total_out += o->value; /* 256 × 21e6 BTC fits in 64 bits */
		if (po->change)
			pl->change_out += o->value;
	}
	return 0;
}

/* Every input's spent output, for BIP-341; NULL (not an error) when one
 * is unknown. */
static int
spent_all(const struct btc_psbt *p, struct btc_spent **out)
{
	struct btc_spent *s;

	*out = NULL;
	for (size_t i = 0; i < p->tx.n_in; i++)
		if (!p->in[i].has_nwu && !p->in[i].has_wu)
			return 0;
	if ((s = calloc(p->tx.n_in ? p->tx.n_in : 1, sizeof(*s))) == NULL)
		return SIGIL_E_NOMEM;
	for (size_t i = 0; i < p->tx.n_in; i++)
		s[i] = (struct btc_spent){p->in[i].amount, p->in[i].script, p->in[i].script_len};
	*out = s;
	return 0;
}

static int
item_hash(const struct btc_psbt *p, const struct btc_plan *pl, const struct btc_spent *spent,
          struct btc_sign_item *it)
{
	const struct btc_psbt_in *in = &p->in[it->input];
	uint8_t sc[25];

	switch (it->kind) {
	case BTC_SCRIPT_P2PKH:
		return btc_sighash_legacy(&p->tx, it->input, in->script, in->script_len,
		                          it->sighash_type, it->msg);
	case BTC_SCRIPT_P2WPKH:
		/* BIP-143: P2WPKH's scriptCode is the P2PKH script of the hash. */
		memcpy(sc, pl->keys.p2pkh, sizeof(sc));
		return btc_sighash_segwit_v0(&p->tx, it->input, sc, sizeof(sc), in->amount,
		                             it->sighash_type, it->msg);
	case BTC_SCRIPT_P2TR:
		if (spent == NULL)
			return SIGIL_E_INVALID;
		return btc_sighash_taproot(&p->tx, it->input, spent, it->sighash_type, it->msg);
	default:
		return SIGIL_E_INTERNAL;
	}
}

static int
plan_inputs(const struct btc_psbt *p, struct btc_plan *pl, const struct btc_spent *spent,
            char *reason, size_t cap)
{
	if ((pl->items = calloc(p->tx.n_in ? p->tx.n_in : 1, sizeof(*pl->items))) == NULL)
		return SIGIL_E_NOMEM;
	pl->fee_known = true;
	for (size_t i = 0; i < p->tx.n_in; i++) {
		const struct btc_psbt_in *in = &p->in[i];
		struct btc_sign_item *it = &pl->items[pl->n_items];
		enum btc_script_type k = BTC_SCRIPT_NONSTANDARD;
		int rc;

		if (amount_committed(in))
			pl->total_in += in->amount;
		else
			pl->fee_known = false;
		if (in->script != NULL && !in->finalized)
			k = btc_key_owns(&pl->keys, in->script, in->script_len);
		if (k == BTC_SCRIPT_NONSTANDARD) {
			pl->n_other_inputs++;
			continue;
		}
		it->input = i;
		it->kind = k;
		it->scheme = k == BTC_SCRIPT_P2TR ? BTC_SIGN_BIP340_TAPROOT : BTC_SIGN_ECDSA;
		it->sighash_type = in->has_sighash ? in->sighash
		                   : k == BTC_SCRIPT_P2TR ? BTC_SIGHASH_DEFAULT : BTC_SIGHASH_ALL;
		if ((rc = item_hash(p, pl, spent, it)) != 0)
			return fail(rc, reason, cap,
			            rc == SIGIL_E_UNSUPPORTED
			                    ? "input %zu: a sighash type sigil cannot sign"
			                    : "input %zu: taproot signs every input's spent output, and one is unknown",
			            i);
		if (it->sighash_type != BTC_SIGHASH_ALL && it->sighash_type != BTC_SIGHASH_DEFAULT)
			pl->nonstandard_sighash = true;
		pl->n_items++;
	}
	return 0;
}

/* Whether any output, or any input's spent output, is a taproot script
 * (OP_1 and 32 bytes): only then can the key's own P2TR be among them. */
static bool
psbt_has_taproot(const struct btc_psbt *p)
{
	for (size_t i = 0; i < p->tx.n_out; i++)
		if (p->tx.out[i].script_len == 34 && p->tx.out[i].script[0] == 0x51 &&
		    p->tx.out[i].script[1] == 0x20)
			return true;
	for (size_t i = 0; i < p->tx.n_in; i++)
		if (p->in[i].script_len == 34 && p->in[i].script[0] == 0x51 && p->in[i].script[1] == 0x20)
			return true;
	return false;
}

int
btc_sign_plan(const struct btc_psbt *p, const uint8_t *pk, size_t pklen, enum btc_net net,
              struct btc_plan *plan, char *reason, size_t cap)
{
	struct btc_spent *spent = NULL;
	int rc;

	memset(plan, 0, sizeof(*plan));
	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if (p == NULL)
		return SIGIL_E_INVALID;
	if ((rc = btc_key_scripts_ex(pk, pklen, psbt_has_taproot(p), &plan->keys)) != 0) {
		fail(rc, reason, cap, "not a compressed secp256k1 public key");
		goto out;
	}
	if ((rc = plan_outputs(p, net, plan, reason, cap)) != 0 || (rc = spent_all(p, &spent)) != 0 ||
	    (rc = plan_inputs(p, plan, spent, reason, cap)) != 0)
		goto out;
	if (plan->fee_known) {
		if (plan->total_in < plan->total_out) {
			rc = fail(SIGIL_E_INVALID, reason, cap, "outputs exceed the inputs");
			goto out;
		}
		plan->fee = plan->total_in - plan->total_out;
	} else {
		plan->total_in = 0;
	}
out:
	free(spent);
	if (rc != 0)
		btc_plan_free(plan);
	return rc;
}

void
btc_plan_free(struct btc_plan *plan)
{
	if (plan == NULL)
		return;
	free(plan->items);
	free(plan->outs);
	memset(plan, 0, sizeof(*plan));
}

static int
add_ecdsa(struct btc_psbt *p, const struct btc_plan *pl, const struct btc_sign_item *it,
          const uint8_t *sig, bool check)
{
	uint8_t key[34], val[SIGIL_DER_SIG_MAX + 1], low[64];
	size_t n;
	int rc;

	/* sigil_verify_digest refuses a high-S signature: Bitcoin's
	 * standardness rules (BIP-146 LOW_S) would not relay it. Unchecked,
	 * the S is still held to that. */
	if (check && sigil_verify_digest(SIGIL_KEY_SECP256K1, pl->keys.pk, 33, it->msg, sig, 64) != 0)
		return SIGIL_E_CRYPTO;
	memcpy(low, sig, sizeof(low));
	if (sigil_ecdsa_low_s(SIGIL_KEY_SECP256K1, low) != 0 || memcmp(low, sig, sizeof(low)) != 0)
		return SIGIL_E_CRYPTO;
	if ((rc = sigil_ecdsa_der_encode(sig, val, &n)) != 0)
		return rc;
	val[n++] = (uint8_t)it->sighash_type;
	key[0] = BTC_IN_PARTIAL_SIG;
	memcpy(key + 1, pl->keys.pk, 33);
	if (btc_psbt_in_get(p, it->input, key, sizeof(key)) == NULL)
		p->in[it->input].n_partial_sigs++;
	return btc_psbt_in_set(p, it->input, key, sizeof(key), val, n);
}

static int
add_taproot(struct btc_psbt *p, const struct btc_plan *pl, const struct btc_sign_item *it,
            const uint8_t *sig, bool check)
{
	static const uint8_t key[1] = {BTC_IN_TAP_KEY_SIG};
	uint8_t val[65];
	size_t n = 64;
	int rc;

	if (check && sigil_bip340_verify(pl->keys.output_key, it->msg, 32, sig) != 0)
		return SIGIL_E_CRYPTO;
	memcpy(val, sig, 64);
	/* BIP-341: DEFAULT is the 64-byte form; any other type is appended. */
	if (it->sighash_type != BTC_SIGHASH_DEFAULT)
		val[n++] = (uint8_t)it->sighash_type;
	if ((rc = btc_psbt_in_set(p, it->input, key, sizeof(key), val, n)) == 0)
		p->in[it->input].has_tap_key_sig = true;
	return rc;
}

static int
sign_add(struct btc_psbt *p, const struct btc_plan *plan, const struct btc_sign_item *item,
         const uint8_t *sig, size_t siglen, bool check)
{
	if (p == NULL || plan == NULL || item == NULL || sig == NULL || item->input >= p->tx.n_in ||
	    siglen != 64)
		return SIGIL_E_INVALID;
	if (item->scheme == BTC_SIGN_ECDSA)
		return add_ecdsa(p, plan, item, sig, check);
	if (item->scheme == BTC_SIGN_BIP340_TAPROOT)
		return add_taproot(p, plan, item, sig, check);
	return SIGIL_E_INVALID;
}

int
btc_sign_add(struct btc_psbt *p, const struct btc_plan *plan, const struct btc_sign_item *item,
             const uint8_t *sig, size_t siglen)
{
	return sign_add(p, plan, item, sig, siglen, true);
}

int
btc_sign_put(struct btc_psbt *p, const struct btc_plan *plan, const struct btc_sign_item *item,
             const uint8_t *sig, size_t siglen)
{
	return sign_add(p, plan, item, sig, siglen, false);
}
