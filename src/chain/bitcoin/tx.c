/* Bitcoin transactions (chain/bitcoin/tx.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/bitcoin/tx.h"

#define TXIN_MIN 41  /* txid, vout, empty script, sequence */
#define TXOUT_MIN 9  /* value, empty script */

static int
fail(int rc, char *reason, size_t cap, const char *what)
{
	if (reason != NULL && cap > 0)
		snprintf(reason, cap, "transaction: %s", what);
	return rc;
}

/* A count of items of at least min bytes each: within max and within
 * what the bytes left could hold (no allocation for counts the input
 * cannot back). */
static int
read_count(struct btc_cur *c, size_t min, size_t max, size_t *n)
{
	uint64_t v;
	int rc = btc_cur_varint(c, &v);

	if (rc != 0)
		return rc;
	if (v > max)
		return SIGIL_E_TOO_BIG;
	if (v > btc_cur_left(c) / min)
		return SIGIL_E_INCOMPLETE;
	*n = (size_t)v;
	return 0;
}

static int
read_inputs(struct btc_cur *c, struct btc_tx *tx, unsigned flags)
{
	for (size_t i = 0; i < tx->n_in; i++) {
		struct btc_txin *in = &tx->in[i];
		const uint8_t *h;
		int rc;

		if ((rc = btc_cur_bytes(c, 32, &h)) != 0 || (rc = btc_cur_u32(c, &in->prev_vout)) != 0 ||
		    (rc = btc_cur_varbytes(c, BTC_SCRIPT_MAX, &in->script, &in->script_len)) != 0 ||
		    (rc = btc_cur_u32(c, &in->sequence)) != 0)
			return rc;
		memcpy(in->prev_txid, h, 32);
		if ((flags & BTC_TX_UNSIGNED) && in->script_len != 0)
			return SIGIL_E_INVALID;
	}
	return 0;
}

static int
read_outputs(struct btc_cur *c, struct btc_tx *tx)
{
	for (size_t i = 0; i < tx->n_out; i++) {
		struct btc_txout *o = &tx->out[i];
		int rc;

		/* An output script may exceed MAX_SCRIPT_SIZE (it is then
		 * unspendable, not invalid): bounded by the bytes only. */
		if ((rc = btc_cur_u64(c, &o->value)) != 0 ||
		    (rc = btc_cur_varbytes(c, BTC_TX_MAX_BYTES, &o->script, &o->script_len)) != 0)
			return rc;
		if (o->value > BTC_MAX_MONEY)
			return SIGIL_E_INVALID;
	}
	return 0;
}

/* One witness per input, kept raw; *any set when one has items. */
static int
read_witnesses(struct btc_cur *c, struct btc_tx *tx, bool *any)
{
	for (size_t i = 0; i < tx->n_in; i++) {
		size_t start = c->off, n, len;
		const uint8_t *item;
		int rc;

		if ((rc = read_count(c, 1, BTC_WITNESS_ITEMS_MAX, &n)) != 0)
			return rc;
		for (size_t k = 0; k < n; k++)
			if ((rc = btc_cur_varbytes(c, BTC_TX_MAX_BYTES, &item, &len)) != 0)
				return rc;
		if (n > 0) {
			tx->in[i].witness = c->p + start;
			tx->in[i].witness_len = c->off - start;
			*any = true;
		}
	}
	return 0;
}

static void
txid(const uint8_t *buf, size_t body, size_t body_len, uint32_t locktime, uint8_t out[32])
{
	struct btc_sha h;

	btc_sha_init(&h);
	btc_sha_put(&h, buf, 4);
	btc_sha_put(&h, buf + body, body_len);
	btc_sha_u32(&h, locktime);
	btc_sha_final_d(&h, out);
}

static int
parse_body(struct btc_cur *c, unsigned flags, size_t max_io, struct btc_tx *tx, const char **why)
{
	size_t body, body_end;
	bool any = false;
	uint8_t b;
	int rc;

	*why = "truncated";
	if ((rc = btc_cur_u32(c, &tx->version)) != 0 || (rc = btc_cur_u8(c, &b)) != 0)
		return rc;
	c->off--;
	/* BIP-144's marker, except in a PSBT's unsigned transaction, which is
	 * in the legacy form: there a zero is an empty input list (BIP-174
	 * counts such a PSBT valid). */
	if (b == 0 && !(flags & BTC_TX_UNSIGNED)) {
		*why = "bad segwit flag";
		if (btc_cur_left(c) < 2 || c->p[c->off + 1] != 0x01)
			return SIGIL_E_INVALID;
		c->off += 2;
		tx->segwit = true;
	}
	body = c->off;
	*why = "input count";
	if ((rc = read_count(c, TXIN_MIN, max_io, &tx->n_in)) != 0)
		return rc;
	if (tx->n_in == 0 && !(flags & BTC_TX_UNSIGNED))
		return SIGIL_E_INVALID;
	if (tx->n_in > 0 && (tx->in = calloc(tx->n_in, sizeof(*tx->in))) == NULL)
		return SIGIL_E_NOMEM;
	*why = (flags & BTC_TX_UNSIGNED) ? "input (scriptSig must be empty)" : "input";
	if ((rc = read_inputs(c, tx, flags)) != 0)
		return rc;
	*why = "output count";
	if ((rc = read_count(c, TXOUT_MIN, max_io, &tx->n_out)) != 0)
		return rc;
	if (tx->n_out > 0 && (tx->out = calloc(tx->n_out, sizeof(*tx->out))) == NULL)
		return SIGIL_E_NOMEM;
	*why = "output";
	if ((rc = read_outputs(c, tx)) != 0)
		return rc;
	body_end = c->off;
	*why = "witness";
	if (tx->segwit && (rc = read_witnesses(c, tx, &any)) != 0)
		return rc;
	/* Core refuses a segwit form whose witnesses are all empty. */
	if (tx->segwit && !any)
		return SIGIL_E_INVALID;
	*why = "locktime";
	if ((rc = btc_cur_u32(c, &tx->locktime)) != 0)
		return rc;
	*why = "trailing bytes";
	if (btc_cur_left(c) != 0)
		return SIGIL_E_INVALID;
	txid(c->p, body, body_end - body, tx->locktime, tx->txid);
	return 0;
}

int
btc_tx_parse(const uint8_t *buf, size_t len, unsigned flags, size_t max_io, struct btc_tx *tx,
             char *reason, size_t cap)
{
	struct btc_cur c = {.p = buf, .len = len};
	const char *why = "";
	int rc;

	memset(tx, 0, sizeof(*tx));
	if (reason != NULL && cap > 0)
		reason[0] = '\0';
	if (buf == NULL || len > BTC_TX_MAX_BYTES)
		return fail(buf == NULL ? SIGIL_E_INVALID : SIGIL_E_TOO_BIG, reason, cap, "size");
	rc = parse_body(&c, flags, max_io, tx, &why);
	if (rc != 0) {
		btc_tx_free(tx);
		return fail(rc, reason, cap, why);
	}
	return 0;
}

void
btc_tx_free(struct btc_tx *tx)
{
	if (tx == NULL)
		return;
	free(tx->in);
	free(tx->out);
	memset(tx, 0, sizeof(*tx));
}

void
btc_tx_write(const struct btc_tx *tx, bool with_witness, struct btc_w *w)
{
	bool wit = false;

	for (size_t i = 0; with_witness && i < tx->n_in; i++)
		wit = wit || tx->in[i].witness_len > 0;
	btc_w_u32(w, tx->version);
	if (wit)
		btc_w_put(w, "\x00\x01", 2);
	btc_w_varint(w, tx->n_in);
	for (size_t i = 0; i < tx->n_in; i++) {
		btc_w_put(w, tx->in[i].prev_txid, 32);
		btc_w_u32(w, tx->in[i].prev_vout);
		btc_w_varbytes(w, tx->in[i].script, tx->in[i].script_len);
		btc_w_u32(w, tx->in[i].sequence);
	}
	btc_w_varint(w, tx->n_out);
	for (size_t i = 0; i < tx->n_out; i++) {
		btc_w_u64(w, tx->out[i].value);
		btc_w_varbytes(w, tx->out[i].script, tx->out[i].script_len);
	}
	for (size_t i = 0; wit && i < tx->n_in; i++) {
		if (tx->in[i].witness_len == 0)
			btc_w_u8(w, 0);
		else
			btc_w_put(w, tx->in[i].witness, tx->in[i].witness_len);
	}
	btc_w_u32(w, tx->locktime);
}
