/* Signature hashes (chain/bitcoin/sighash.h). */
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/bitcoin/sighash.h"

static bool
base_type_ok(uint32_t t)
{
	uint32_t b = t & ~(uint32_t)BTC_SIGHASH_ANYONECANPAY;

	return b >= BTC_SIGHASH_ALL && b <= BTC_SIGHASH_SINGLE;
}

bool
btc_sighash_valid_ecdsa(uint32_t t)
{
	return t <= 0xff && base_type_ok(t);
}

bool
btc_sighash_valid_taproot(uint32_t t)
{
	return t == BTC_SIGHASH_DEFAULT || btc_sighash_valid_ecdsa(t);
}

static int
check_args(const struct btc_tx *tx, size_t idx, uint32_t t, bool taproot)
{
	if (tx == NULL || idx >= tx->n_in)
		return SIGIL_E_INVALID;
	if (!(taproot ? btc_sighash_valid_taproot(t) : btc_sighash_valid_ecdsa(t)))
		return SIGIL_E_UNSUPPORTED;
	if ((t & 0x7f) == BTC_SIGHASH_SINGLE && idx >= tx->n_out)
		return SIGIL_E_UNSUPPORTED;
	return 0;
}

static void
put_out(struct btc_sha *h, const struct btc_txout *o)
{
	btc_sha_u64(h, o->value);
	btc_sha_varbytes(h, o->script, o->script_len);
}

/* --- legacy ------------------------------------------------------------ */

static void
legacy_inputs(struct btc_sha *h, const struct btc_tx *tx, size_t idx, const uint8_t *sc,
              size_t sc_len, uint32_t t)
{
	bool acp = t & BTC_SIGHASH_ANYONECANPAY;
	uint32_t base = t & 0x1f;

	btc_sha_varint(h, acp ? 1 : tx->n_in);
	for (size_t i = 0; i < tx->n_in; i++) {
		if (acp && i != idx)
			continue;
		btc_sha_put(h, tx->in[i].prev_txid, 32);
		btc_sha_u32(h, tx->in[i].prev_vout);
		if (i == idx)
			btc_sha_varbytes(h, sc, sc_len);
		else
			btc_sha_varint(h, 0);
		/* NONE and SINGLE let the other inputs' sequences change. */
		if (i != idx && (base == BTC_SIGHASH_NONE || base == BTC_SIGHASH_SINGLE))
			btc_sha_u32(h, 0);
		else
			btc_sha_u32(h, tx->in[i].sequence);
	}
}

static void
legacy_outputs(struct btc_sha *h, const struct btc_tx *tx, size_t idx, uint32_t t)
{
	uint32_t base = t & 0x1f;

	if (base == BTC_SIGHASH_NONE) {
		btc_sha_varint(h, 0);
		return;
	}
	if (base == BTC_SIGHASH_SINGLE) {
		btc_sha_varint(h, idx + 1);
		for (size_t i = 0; i < idx; i++) {
			btc_sha_u64(h, UINT64_MAX); /* value -1, empty script */
			btc_sha_varint(h, 0);
		}
		put_out(h, &tx->out[idx]);
		return;
	}
	btc_sha_varint(h, tx->n_out);
	for (size_t i = 0; i < tx->n_out; i++)
		put_out(h, &tx->out[i]);
}

int
btc_sighash_legacy(const struct btc_tx *tx, size_t idx, const uint8_t *script_code,
                   size_t sc_len, uint32_t hash_type, uint8_t out[static 32])
{
	struct btc_sha h;
	int rc;

	memset(out, 0, 32);
	if ((rc = check_args(tx, idx, hash_type, false)) != 0)
		return rc;
	btc_sha_init(&h);
	btc_sha_u32(&h, tx->version);
	legacy_inputs(&h, tx, idx, script_code, sc_len, hash_type);
	legacy_outputs(&h, tx, idx, hash_type);
	btc_sha_u32(&h, tx->locktime);
	btc_sha_u32(&h, hash_type);
	btc_sha_final_d(&h, out);
	return 0;
}

/* --- BIP-143 ----------------------------------------------------------- */

static void
v0_hashes(const struct btc_tx *tx, size_t idx, uint32_t t, uint8_t prev[32], uint8_t seq[32],
          uint8_t outs[32])
{
	uint32_t base = t & 0x1f;
	bool acp = t & BTC_SIGHASH_ANYONECANPAY;
	struct btc_sha h;

	memset(prev, 0, 32);
	memset(seq, 0, 32);
	memset(outs, 0, 32);
	if (!acp) {
		btc_sha_init(&h);
		for (size_t i = 0; i < tx->n_in; i++) {
			btc_sha_put(&h, tx->in[i].prev_txid, 32);
			btc_sha_u32(&h, tx->in[i].prev_vout);
		}
		btc_sha_final_d(&h, prev);
	}
	if (!acp && base != BTC_SIGHASH_SINGLE && base != BTC_SIGHASH_NONE) {
		btc_sha_init(&h);
		for (size_t i = 0; i < tx->n_in; i++)
			btc_sha_u32(&h, tx->in[i].sequence);
		btc_sha_final_d(&h, seq);
	}
	if (base != BTC_SIGHASH_SINGLE && base != BTC_SIGHASH_NONE) {
		btc_sha_init(&h);
		for (size_t i = 0; i < tx->n_out; i++)
			put_out(&h, &tx->out[i]);
		btc_sha_final_d(&h, outs);
	} else if (base == BTC_SIGHASH_SINGLE) {
		btc_sha_init(&h);
		put_out(&h, &tx->out[idx]);
		btc_sha_final_d(&h, outs);
	}
}

int
btc_sighash_segwit_v0(const struct btc_tx *tx, size_t idx, const uint8_t *script_code,
                      size_t sc_len, uint64_t amount, uint32_t hash_type, uint8_t out[static 32])
{
	uint8_t prev[32], seq[32], outs[32];
	struct btc_sha h;
	int rc;

	memset(out, 0, 32);
	if ((rc = check_args(tx, idx, hash_type, false)) != 0)
		return rc;
	v0_hashes(tx, idx, hash_type, prev, seq, outs);
	btc_sha_init(&h);
	btc_sha_u32(&h, tx->version);
	btc_sha_put(&h, prev, 32);
	btc_sha_put(&h, seq, 32);
	btc_sha_put(&h, tx->in[idx].prev_txid, 32);
	btc_sha_u32(&h, tx->in[idx].prev_vout);
	btc_sha_varbytes(&h, script_code, sc_len);
	btc_sha_u64(&h, amount);
	btc_sha_u32(&h, tx->in[idx].sequence);
	btc_sha_put(&h, outs, 32);
	btc_sha_u32(&h, tx->locktime);
	btc_sha_u32(&h, hash_type);
	btc_sha_final_d(&h, out);
	return 0;
}

/* --- BIP-341 ----------------------------------------------------------- */

void
btc_taproot_midstate(const struct btc_tx *tx, const struct btc_spent *spent,
                     struct btc_taproot_mid *mid)
{
	struct btc_sha p, a, s, q, o;

	btc_sha_init(&p);
	btc_sha_init(&a);
	btc_sha_init(&s);
	btc_sha_init(&q);
	btc_sha_init(&o);
	for (size_t i = 0; i < tx->n_in; i++) {
		btc_sha_put(&p, tx->in[i].prev_txid, 32);
		btc_sha_u32(&p, tx->in[i].prev_vout);
		btc_sha_u64(&a, spent[i].amount);
		btc_sha_varbytes(&s, spent[i].script, spent[i].script_len);
		btc_sha_u32(&q, tx->in[i].sequence);
	}
	for (size_t i = 0; i < tx->n_out; i++)
		put_out(&o, &tx->out[i]);
	btc_sha_final(&p, mid->prevouts);
	btc_sha_final(&a, mid->amounts);
	btc_sha_final(&s, mid->scripts);
	btc_sha_final(&q, mid->sequences);
	btc_sha_final(&o, mid->outputs);
}

/* The spent output of input idx, as ANYONECANPAY's SigMsg writes it. */
static void
this_input(struct btc_w *w, const struct btc_tx *tx, size_t idx, const struct btc_spent *sp)
{
	btc_w_put(w, tx->in[idx].prev_txid, 32);
	btc_w_u32(w, tx->in[idx].prev_vout);
	btc_w_u64(w, sp->amount);
	btc_w_varbytes(w, sp->script, sp->script_len);
	btc_w_u32(w, tx->in[idx].sequence);
}

int
btc_taproot_sigmsg(const struct btc_tx *tx, size_t idx, const struct btc_spent *spent,
                   uint32_t hash_type, uint8_t *msg, size_t cap, size_t *len)
{
	struct btc_w w = {.p = msg, .cap = cap};
	uint32_t base = hash_type & 0x03;
	bool acp = hash_type & BTC_SIGHASH_ANYONECANPAY;
	struct btc_taproot_mid mid;
	int rc;

	*len = 0;
	if ((rc = check_args(tx, idx, hash_type, true)) != 0)
		return rc;
	if (spent == NULL || spent[idx].script_len > BTC_SCRIPT_MAX)
		return SIGIL_E_INVALID;
	btc_w_u8(&w, (uint8_t)hash_type);
	btc_w_u32(&w, tx->version);
	btc_w_u32(&w, tx->locktime);
	if (!acp) {
		btc_taproot_midstate(tx, spent, &mid);
		btc_w_put(&w, mid.prevouts, 32);
		btc_w_put(&w, mid.amounts, 32);
		btc_w_put(&w, mid.scripts, 32);
		btc_w_put(&w, mid.sequences, 32);
	}
	if (base != BTC_SIGHASH_NONE && base != BTC_SIGHASH_SINGLE) {
		if (acp) /* the outputs' hash alone */
			btc_taproot_midstate(&(struct btc_tx){.n_out = tx->n_out, .out = tx->out}, spent,
			                     &mid);
		btc_w_put(&w, mid.outputs, 32);
	}
	btc_w_u8(&w, 0); /* spend_type: ext_flag 0, no annex */
	if (acp)
		this_input(&w, tx, idx, &spent[idx]);
	else
		btc_w_u32(&w, (uint32_t)idx);
	if (base == BTC_SIGHASH_SINGLE) {
		struct btc_sha h;
		uint8_t one[32];

		btc_sha_init(&h);
		put_out(&h, &tx->out[idx]);
		btc_sha_final(&h, one);
		btc_w_put(&w, one, 32);
	}
	if (w.err != 0)
		return w.err;
	*len = w.len;
	return 0;
}

int
btc_sighash_taproot(const struct btc_tx *tx, size_t idx, const struct btc_spent *spent,
                    uint32_t hash_type, uint8_t out[static 32])
{
	uint8_t *msg = malloc(BTC_TAPROOT_MSG_MAX);
	struct btc_sha h;
	size_t len;
	int rc;

	memset(out, 0, 32);
	if (msg == NULL)
		return SIGIL_E_NOMEM;
	rc = btc_taproot_sigmsg(tx, idx, spent, hash_type, msg, BTC_TAPROOT_MSG_MAX, &len);
	if (rc == 0) {
		btc_sha_tagged(&h, "TapSighash");
		btc_sha_put(&h, "\x00", 1); /* epoch 0 */
		btc_sha_put(&h, msg, len);
		btc_sha_final(&h, out);
	}
	free(msg);
	return rc;
}
