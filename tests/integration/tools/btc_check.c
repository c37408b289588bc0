/* Holds sigil's Bitcoin codec (chain/bitcoin/) against the PSBTs
 * tests/js/btc_psbt_check.mjs makes with @scure/btc-signer 2.4.1:
 *
 *   btc_check vectors.jsonl > signed.jsonl
 *
 * For each PSBT: it parses and writes back byte for byte, every prefix is
 * refused; the plan for the vector's key finds exactly the inputs
 * btc-signer built for it, each with btc-signer's sighash
 * (preimageLegacy / preimageWitnessV0 / preimageWitnessV1) and sighash
 * type, the outputs' amounts, addresses and change flags, and the fee.
 * Then every item is signed with the vector's secret (RFC 6979 ECDSA, or
 * BIP-340 by the taproot-tweaked key), added with btc_sign_add, and the
 * signed PSBT is printed (base64, one JSON object a line) for
 * btc_psbt_check.mjs to verify and finalise. Prints what differs, with the
 * line, and exits 1 on any difference. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/bitcoin/psbt.h"
#include "chain/bitcoin/sign_input.h"
#include "crypto/bip340.h"
#include "crypto/sig.h"

static unsigned long lineno, failures, n_psbt, n_items, n_outs;

#define CHECK(cond, ...)                                                  \
	do {                                                                  \
		if (!(cond)) {                                                    \
			if (failures++ < 20) {                                        \
				fprintf(stderr, "btc_check: line %lu: ", lineno);         \
				fprintf(stderr, __VA_ARGS__);                             \
				fputc('\n', stderr);                                      \
			}                                                             \
			goto out;                                                     \
		}                                                                 \
	} while (0)

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s) / 2;

	if (strlen(s) % 2 != 0 || n > cap)
		return (size_t)-1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * i, "%2x", &v) != 1)
			return (size_t)-1;
		out[i] = (uint8_t)v;
	}
	return n;
}

static const char *
kind_name(enum btc_script_type t)
{
	return btc_script_type_name(t);
}

/* Every proper prefix must be refused. */
static int
prefixes_refused(const uint8_t *b, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		struct btc_psbt *p = NULL;
		char reason[BTC_PSBT_REASON];

		if (btc_psbt_parse(b, k, &p, reason, sizeof(reason)) == 0) {
			btc_psbt_free(p);
			return -1;
		}
	}
	return 0;
}

static int
check_items(json_t *v, const struct btc_plan *plan)
{
	json_t *ins = json_object_get(v, "inputs");
	int rc = -1;

	CHECK(json_array_size(ins) == plan->n_items, "%zu owned inputs, sigil found %zu",
	      json_array_size(ins), plan->n_items);
	for (size_t i = 0; i < plan->n_items; i++) {
		json_t *e = json_array_get(ins, i);
		const struct btc_sign_item *it = &plan->items[i];
		uint8_t want[32];

		CHECK((json_int_t)it->input == json_integer_value(json_object_get(e, "idx")), "item %zu: input %zu", i, it->input);
		CHECK(strcmp(kind_name(it->kind), str(e, "kind")) == 0, "input %zu: kind %s, want %s", it->input,
		      kind_name(it->kind), str(e, "kind"));
		CHECK((json_int_t)it->sighash_type == json_integer_value(json_object_get(e, "type")), "input %zu: type %u",
		      it->input, it->sighash_type);
		CHECK(unhex(str(e, "hash"), want, 32) == 32 && memcmp(want, it->msg, 32) == 0,
		      "input %zu (%s, type %u): sighash differs", it->input, kind_name(it->kind), it->sighash_type);
		n_items++;
	}
	rc = 0;
out:
	return rc;
}

static int
check_outputs(json_t *v, const struct btc_plan *plan)
{
	json_t *outs = json_object_get(v, "outputs"), *fee = json_object_get(v, "fee");
	int rc = -1;

	CHECK(json_array_size(outs) == plan->n_outs, "outputs");
	for (size_t i = 0; i < plan->n_outs; i++) {
		json_t *e = json_array_get(outs, i);
		char amount[32];

		snprintf(amount, sizeof(amount), "%llu", (unsigned long long)plan->outs[i].amount);
		CHECK(strcmp(amount, str(e, "amount")) == 0, "output %zu: amount %s", i, amount);
		CHECK(strcmp(plan->outs[i].address, str(e, "address")) == 0, "output %zu: address %s, want %s",
		      i, plan->outs[i].address, str(e, "address"));
		CHECK(plan->outs[i].change == json_is_true(json_object_get(e, "change")), "output %zu: change", i);
		n_outs++;
	}
	if (json_is_null(fee)) {
		CHECK(!plan->fee_known, "fee should be unknown");
	} else {
		char f[32];
		snprintf(f, sizeof(f), "%llu", (unsigned long long)plan->fee);
		CHECK(plan->fee_known && strcmp(f, str(v, "fee")) == 0, "fee %s, want %s", f, str(v, "fee"));
	}
	rc = 0;
out:
	return rc;
}

/* Signs every item with sk and adds it; prints the signed PSBT. */
static int
sign_all(struct btc_psbt *p, const struct btc_plan *plan, const uint8_t sk[32])
{
	uint8_t sig[SIGIL_SIG_MAX], *bin = NULL;
	char *b64 = NULL;
	size_t n, sl;
	int rc = -1;

	for (size_t i = 0; i < plan->n_items; i++) {
		const struct btc_sign_item *it = &plan->items[i];

		if (it->scheme == BTC_SIGN_ECDSA)
			CHECK(sigil_sign_digest(SIGIL_KEY_SECP256K1, sk, it->msg, sig, &sl) == 0 && sl == 64, "ecdsa");
		else
			CHECK(sigil_bip340_sign_taproot(sk, NULL, it->msg, sig) == 0, "bip340");
		CHECK(btc_sign_add(p, plan, it, sig, 64) == 0, "input %zu: sign_add", it->input);
		/* A signature that does not verify is refused. */
		sig[10] ^= 1;
		CHECK(btc_sign_add(p, plan, it, sig, 64) == SIGIL_E_CRYPTO, "a bad signature was added");
	}
	CHECK(btc_psbt_write(p, &bin, &n) == 0 && btc_psbt_to_base64(bin, n, &b64) == 0, "write");
	printf("{\"psbt\":\"%s\"}\n", b64);
	rc = 0;
out:
	free(bin);
	free(b64);
	return rc;
}

static void
check_line(const char *line)
{
	json_error_t jerr;
	json_t *v = json_loads(line, 0, &jerr);
	struct btc_psbt *p = NULL;
	struct btc_plan plan = {0};
	uint8_t *bin = NULL, *back = NULL, sk[32], pk[33];
	char reason[BTC_PSBT_REASON];
	const char *net_s;
	enum btc_net net;
	size_t n, m;
	int rc;

	CHECK(v != NULL, "json: %s", jerr.text);
	net_s = str(v, "net");
	net = strcmp(net_s, "mainnet") == 0 ? BTC_MAINNET : strcmp(net_s, "testnet") == 0 ? BTC_TESTNET : BTC_REGTEST;
	CHECK(unhex(str(v, "sk"), sk, 32) == 32 && unhex(str(v, "pk"), pk, 33) == 33, "keys");
	CHECK(btc_psbt_from_base64(str(v, "psbt"), strlen(str(v, "psbt")), &bin, &n) == 0, "base64");
	rc = btc_psbt_parse(bin, n, &p, reason, sizeof(reason));
	CHECK(rc == 0, "parse: %d %s", rc, reason);
	CHECK(btc_psbt_write(p, &back, &m) == 0 && m == n && memcmp(back, bin, n) == 0, "written back differs");
	CHECK(prefixes_refused(bin, n) == 0, "a prefix parsed");
	rc = btc_sign_plan(p, pk, 33, net, &plan, reason, sizeof(reason));
	CHECK(rc == 0, "plan: %d %s", rc, reason);
	if (check_items(v, &plan) != 0 || check_outputs(v, &plan) != 0)
		goto out;
	if (sign_all(p, &plan, sk) != 0)
		goto out;
	n_psbt++;
out:
	sodium_memzero(sk, sizeof(sk));
	btc_plan_free(&plan);
	btc_psbt_free(p);
	free(bin);
	free(back);
	json_decref(v);
}

int
main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	if (argc != 2 || (f = fopen(argv[1], "r")) == NULL) {
		fprintf(stderr, "usage: btc_check vectors.jsonl\n");
		return 2;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		check_line(line);
	}
	free(line);
	fclose(f);
	fprintf(stderr, "btc_check: %lu PSBTs, %lu signed inputs, %lu outputs, %lu failures\n", n_psbt,
	        n_items, n_outs, failures);
	return failures == 0 && n_psbt > 0 ? 0 : 1;
}
