/* The known record types of PSBT version 0 (BIP-174, BIP-371), checked
 * and read (chain/bitcoin/psbt.h lists them). */
#include <string.h>

#include "base/errors.h"
#include "chain/bitcoin/psbt_int.h"
#include "chain/bitcoin/sighash.h"
#include "crypto/bip340.h"

/* A non-witness utxo may be any transaction: as many inputs and outputs
 * as the bytes can hold. */
#define NWU_MAX_IO (BTC_PSBT_MAX_BYTES / 9)

int
psbt_rec_type(const struct btc_psbt_rec *r, const uint8_t **kd, size_t *kd_len)
{
	*kd = r->key + 1;
	*kd_len = r->key_len - 1;
	return r->key[0] < 0xfd ? r->key[0] : -1;
}

/* A public key as key data: 33 bytes 02/03 on the curve, or 65 bytes 04. */
static bool
pubkey_ok(const uint8_t *kd, size_t n)
{
	uint8_t x[32];

	if (n == 65)
		return kd[0] == 0x04;
	return n == 33 && sigil_xonly_from_compressed(kd, n, x) == 0;
}

/* A BIP-32 origin: 4-byte fingerprint and 4 bytes per step. */
static bool
origin_ok(size_t n)
{
	return n >= 4 && n % 4 == 0;
}

/* A taproot BIP-32 derivation value: leaf hashes, then an origin. */
static bool
tap_origin_ok(const uint8_t *v, size_t n)
{
	struct btc_cur c = {.p = v, .len = n};
	const uint8_t *h;
	uint64_t k;

	if (btc_cur_varint(&c, &k) != 0 || k > btc_cur_left(&c) / 32 || btc_cur_bytes(&c, k * 32, &h) != 0)
		return false;
	return origin_ok(btc_cur_left(&c));
}

/* A taproot tree: (depth ≤ 128, leaf version, script) tuples, at least one. */
static bool
tap_tree_ok(const uint8_t *v, size_t n)
{
	struct btc_cur c = {.p = v, .len = n};
	const uint8_t *s;
	size_t sl;
	uint8_t depth, ver;

	if (n == 0)
		return false;
	while (btc_cur_left(&c) > 0) {
		if (btc_cur_u8(&c, &depth) != 0 || btc_cur_u8(&c, &ver) != 0 || depth > 128 ||
		    (ver & 1) != 0 || btc_cur_varbytes(&c, BTC_SCRIPT_MAX, &s, &sl) != 0)
			return false;
	}
	return true;
}

static bool
tap_sig_ok(const uint8_t *v, size_t n)
{
	return n == 64 || (n == 65 && v[64] != BTC_SIGHASH_DEFAULT && btc_sighash_valid_taproot(v[64]));
}

int
psbt_check_global(struct btc_psbt *p, const char **why, size_t *rec)
{
	char sub[BTC_PSBT_REASON];
	bool has_tx = false;

	for (size_t i = 0; i < p->global.n; i++) {
		const struct btc_psbt_rec *r = &p->global.v[i];
		const uint8_t *kd;
		size_t kl;
		int t = psbt_rec_type(r, &kd, &kl), rc;

		*rec = i;
		switch (t) {
		case 0x00:
			*why = "unsigned tx: key data";
			if (kl != 0)
				return SIGIL_E_INVALID;
			*why = "unsigned tx";
			rc = btc_tx_parse(r->val, r->val_len, BTC_TX_UNSIGNED, BTC_PSBT_MAX_IO, &p->tx, sub,
			                  sizeof(sub));
			if (rc != 0)
				return rc;
			has_tx = true;
			break;
		case 0x01:
			*why = "xpub";
			if (kl != 78 || !origin_ok(r->val_len))
				return SIGIL_E_INVALID;
			break;
		case 0x02: case 0x03: case 0x04: case 0x05: case 0x06:
			*why = "a PSBTv2 field in a version 0 PSBT";
			return SIGIL_E_INVALID;
		case 0xfb:
			*why = "version";
			if (kl != 0 || r->val_len != 4)
				return SIGIL_E_INVALID;
			if (memcmp(r->val, "\0\0\0\0", 4) != 0) {
				*why = "version other than 0";
				return SIGIL_E_UNSUPPORTED;
			}
			break;
		default:
			break; /* unknown or proprietary: kept as it is */
		}
	}
	*rec = SIZE_MAX;
	*why = "no unsigned tx";
	return has_tx ? 0 : SIGIL_E_INVALID;
}

/* non_witness_utxo: the transaction whose output the input spends. */
static int
in_nwu(struct btc_psbt *p, size_t idx, const struct btc_psbt_rec *r, const char **why)
{
	struct btc_psbt_in *in = &p->in[idx];
	const struct btc_txin *ti = &p->tx.in[idx];
	struct btc_tx prev;
	char sub[BTC_PSBT_REASON];
	int rc = btc_tx_parse(r->val, r->val_len, 0, NWU_MAX_IO, &prev, sub, sizeof(sub));

	*why = "non_witness_utxo";
	if (rc != 0)
		return rc;
	rc = SIGIL_E_INVALID;
	*why = "non_witness_utxo: txid is not the prevout's";
	if (memcmp(prev.txid, ti->prev_txid, 32) != 0)
		goto out;
	*why = "non_witness_utxo: no such output";
	if (ti->prev_vout >= prev.n_out)
		goto out;
	in->has_nwu = true;
	in->amount = prev.out[ti->prev_vout].value;
	in->script = prev.out[ti->prev_vout].script;
	in->script_len = prev.out[ti->prev_vout].script_len;
	rc = 0;
out:
	btc_tx_free(&prev);
	return rc;
}

static int
in_wu(struct btc_psbt_in *in, const struct btc_psbt_rec *r, uint64_t *amount,
      const uint8_t **script, size_t *script_len, const char **why)
{
	struct btc_cur c = {.p = r->val, .len = r->val_len};

	*why = "witness_utxo";
	if (btc_cur_u64(&c, amount) != 0 || *amount > BTC_MAX_MONEY ||
	    btc_cur_varbytes(&c, BTC_TX_MAX_BYTES, script, script_len) != 0 || btc_cur_left(&c) != 0)
		return SIGIL_E_INVALID;
	in->has_wu = true;
	return 0;
}

static int
in_script(const struct btc_psbt_rec *r, const uint8_t **s, size_t *n)
{
	if (r->val_len > BTC_SCRIPT_MAX)
		return SIGIL_E_TOO_BIG;
	*s = r->val;
	*n = r->val_len;
	return 0;
}

/* The key data rule of an input type (-1: none, else its length; pubkeys
 * and control blocks apart), and a name for the reason. */
static int
in_record(struct btc_psbt *p, size_t idx, const struct btc_psbt_rec *r, int t, const uint8_t *kd,
          size_t kl, uint64_t *wu_amt, const uint8_t **wu_s, size_t *wu_n, const char **why)
{
	struct btc_psbt_in *in = &p->in[idx];
	static const int empty_kd[] = {0x00, 0x01, 0x03, 0x04, 0x05, 0x07, 0x08, 0x09, 0x13, 0x17, 0x18};

	*why = "key data where the type takes none";
	for (size_t i = 0; i < sizeof(empty_kd) / sizeof(empty_kd[0]); i++)
		if (t == empty_kd[i] && kl != 0)
			return SIGIL_E_INVALID;
	switch (t) {
	case 0x00: return in_nwu(p, idx, r, why);
	case 0x01: return in_wu(in, r, wu_amt, wu_s, wu_n, why);
	case 0x02:
		*why = "partial_sig";
		in->n_partial_sigs++;
		return pubkey_ok(kd, kl) && r->val_len > 0 ? 0 : SIGIL_E_INVALID;
	case 0x03:
		*why = "sighash type";
		if (r->val_len != 4)
			return SIGIL_E_INVALID;
		in->has_sighash = true;
		in->sighash = (uint32_t)r->val[0] | (uint32_t)r->val[1] << 8 | (uint32_t)r->val[2] << 16 |
		              (uint32_t)r->val[3] << 24;
		return 0;
	case 0x04: *why = "redeem script"; return in_script(r, &in->redeem_script, &in->redeem_len);
	case 0x05:
		*why = "witness script";
		return in_script(r, &in->witness_script, &in->witness_script_len);
	case 0x06:
		*why = "bip32 derivation";
		return pubkey_ok(kd, kl) && origin_ok(r->val_len) ? 0 : SIGIL_E_INVALID;
	case 0x07: case 0x08: in->finalized = true; return 0;
	case 0x0a: case 0x0c: *why = "preimage key"; return kl == 20 ? 0 : SIGIL_E_INVALID;
	case 0x0b: case 0x0d: *why = "preimage key"; return kl == 32 ? 0 : SIGIL_E_INVALID;
	case 0x0e: case 0x0f: case 0x10: case 0x11: case 0x12:
		*why = "a PSBTv2 field in a version 0 PSBT";
		return SIGIL_E_INVALID;
	case 0x13:
		*why = "tap_key_sig";
		in->has_tap_key_sig = true;
		return tap_sig_ok(r->val, r->val_len) ? 0 : SIGIL_E_INVALID;
	case 0x14:
		*why = "tap_script_sig";
		return kl == 64 && tap_sig_ok(r->val, r->val_len) ? 0 : SIGIL_E_INVALID;
	case 0x15:
		*why = "tap_leaf_script";
		return kl >= 33 && (kl - 33) % 32 == 0 && kl <= 33 + 128 * 32 && r->val_len >= 1
		               ? 0
		               : SIGIL_E_INVALID;
	case 0x16:
		*why = "tap_bip32_derivation";
		return kl == 32 && tap_origin_ok(r->val, r->val_len) ? 0 : SIGIL_E_INVALID;
	case 0x17:
		*why = "tap_internal_key";
		if (r->val_len != 32)
			return SIGIL_E_INVALID;
		in->has_tap_internal_key = true;
		memcpy(in->tap_internal_key, r->val, 32);
		return 0;
	case 0x18:
		*why = "tap_merkle_root";
		in->has_tap_merkle_root = true;
		return r->val_len == 32 ? 0 : SIGIL_E_INVALID;
	default: return 0;
	}
}

int
psbt_check_input(struct btc_psbt *p, size_t idx, const char **why, size_t *rec)
{
	struct btc_psbt_in *in = &p->in[idx];
	const uint8_t *wu_s = NULL;
	uint64_t wu_amt = 0;
	size_t wu_n = 0;

	for (size_t i = 0; i < in->map.n; i++) {
		const struct btc_psbt_rec *r = &in->map.v[i];
		const uint8_t *kd;
		size_t kl;
		int t = psbt_rec_type(r, &kd, &kl), rc;

		*rec = i;
		if ((rc = in_record(p, idx, r, t, kd, kl, &wu_amt, &wu_s, &wu_n, why)) != 0)
			return rc;
	}
	*rec = SIZE_MAX;
	if (!in->has_wu)
		return 0;
	/* Both forms: they must name one output, or the amount is a lie in
	 * one of them. */
	*why = "witness_utxo and non_witness_utxo disagree";
	if (in->has_nwu && (in->amount != wu_amt || in->script_len != wu_n ||
	                    memcmp(in->script, wu_s, wu_n) != 0))
		return SIGIL_E_INVALID;
	in->amount = wu_amt;
	in->script = wu_s;
	in->script_len = wu_n;
	return 0;
}

int
psbt_check_output(struct btc_psbt *p, size_t idx, const char **why, size_t *rec)
{
	const struct btc_psbt_map *m = &p->out[idx].map;

	for (size_t i = 0; i < m->n; i++) {
		const struct btc_psbt_rec *r = &m->v[i];
		const uint8_t *kd;
		size_t kl;
		int t = psbt_rec_type(r, &kd, &kl);
		bool ok = true;

		*rec = i;
		switch (t) {
		case 0x00: *why = "redeem script"; ok = kl == 0 && r->val_len <= BTC_SCRIPT_MAX; break;
		case 0x01: *why = "witness script"; ok = kl == 0 && r->val_len <= BTC_SCRIPT_MAX; break;
		case 0x02: *why = "bip32 derivation"; ok = pubkey_ok(kd, kl) && origin_ok(r->val_len); break;
		case 0x03: case 0x04: *why = "a PSBTv2 field in a version 0 PSBT"; ok = false; break;
		case 0x05: *why = "tap_internal_key"; ok = kl == 0 && r->val_len == 32; break;
		case 0x06: *why = "tap_tree"; ok = kl == 0 && tap_tree_ok(r->val, r->val_len); break;
		case 0x07: *why = "tap_bip32_derivation"; ok = kl == 32 && tap_origin_ok(r->val, r->val_len); break;
		default: break;
		}
		if (!ok)
			return SIGIL_E_INVALID;
	}
	*rec = SIZE_MAX;
	return 0;
}
