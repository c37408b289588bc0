/* libFuzzer harness for PSBT version 0 and the transactions in it
 * (chain/bitcoin/psbt.h, tx.h, sign_input.h): any input gives 0 or a
 * defined error with a reason and no PSBT; whatever parses writes back as
 * the very bytes it came from (every record is kept, every length is
 * canonical) and parses again; its plan for a fixed key names only inputs
 * that exist, and a signature added for each item is refused unless it
 * verifies, leaving the PSBT as it was. The same bytes as one transaction:
 * what parses writes back. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/bitcoin/psbt.h"
#include "chain/bitcoin/sign_input.h"
#include "chain/bitcoin/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The compressed public key of the secret 1 (the generator). */
static const uint8_t key1[33] = {0x02, 0x79, 0xbe, 0x66, 0x7e, 0xf9, 0xdc, 0xbb, 0xac, 0x55, 0xa0,
                                 0x62, 0x95, 0xce, 0x87, 0x0b, 0x07, 0x02, 0x9b, 0xfc, 0xdb, 0x2d,
                                 0xce, 0x28, 0xd9, 0x59, 0xf2, 0x81, 0x5b, 0x16, 0xf8, 0x17, 0x98};

static void
check_plan(struct btc_psbt *p)
{
	struct btc_plan plan;
	char reason[BTC_PSBT_REASON];
	uint8_t sig[64] = {1}, *out;
	size_t n;
	int rc = btc_sign_plan(p, key1, sizeof(key1), BTC_MAINNET, &plan, reason, sizeof(reason));

	if (rc != 0) {
		if (reason[0] == '\0' || plan.items != NULL || plan.n_items != 0)
			abort();
		return;
	}
	if (plan.n_items + plan.n_other_inputs != p->tx.n_in || plan.n_outs != p->tx.n_out)
		abort();
	if (plan.fee_known && plan.fee + plan.total_out != plan.total_in)
		abort();
	if (btc_psbt_write(p, &out, &n) != 0)
		abort();
	for (size_t i = 0; i < plan.n_items; i++) {
		if (plan.items[i].input >= p->tx.n_in)
			abort();
		if (btc_sign_add(p, &plan, &plan.items[i], sig, sizeof(sig)) != SIGIL_E_CRYPTO)
			abort();
	}
	{
		uint8_t *again;
		size_t m;
		if (btc_psbt_write(p, &again, &m) != 0 || m != n || memcmp(again, out, n) != 0)
			abort();
		free(again);
	}
	free(out);
	btc_plan_free(&plan);
}

static void
check_psbt(const uint8_t *data, size_t size)
{
	struct btc_psbt *p = NULL, *q = NULL;
	char reason[BTC_PSBT_REASON];
	uint8_t *out;
	size_t n;
	int rc = btc_psbt_parse(data, size, &p, reason, sizeof(reason));

	if (memchr(reason, '\0', sizeof(reason)) == NULL)
		abort();
	if (rc != 0) {
		if (p != NULL || reason[0] == '\0' ||
		    (rc != SIGIL_E_INVALID && rc != SIGIL_E_INCOMPLETE && rc != SIGIL_E_TOO_BIG &&
		     rc != SIGIL_E_UNSUPPORTED))
			abort();
		return;
	}
	if (btc_psbt_write(p, &out, &n) != 0 || n != size || memcmp(out, data, size) != 0)
		abort();
	if (btc_psbt_parse(out, n, &q, reason, sizeof(reason)) != 0)
		abort();
	btc_psbt_free(q);
	free(out);
	check_plan(p);
	btc_psbt_free(p);
}

static void
check_tx(const uint8_t *data, size_t size)
{
	static uint8_t out[BTC_TX_MAX_BYTES];
	struct btc_tx tx;
	char reason[160];
	struct btc_w w = {.p = out, .cap = sizeof(out)};

	if (btc_tx_parse(data, size, 0, 100000, &tx, reason, sizeof(reason)) != 0)
		return;
	btc_tx_write(&tx, true, &w);
	if (w.err != 0 || w.len != size || memcmp(out, data, size) != 0)
		abort();
	btc_tx_free(&tx);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_psbt(data, size);
	check_tx(data, size);
	return 0;
}
