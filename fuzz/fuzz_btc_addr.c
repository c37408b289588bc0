/* libFuzzer harness for Bitcoin addresses (chain/bitcoin/addr.h): any
 * text gives 0 or a defined error; an address that reads on a network
 * writes back from its script as the same text (bech32 in lower case);
 * any bytes read as a script classify consistently, and a script with an
 * address reads back from it. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "chain/bitcoin/addr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *text, size_t len)
{
	uint8_t script[BTC_ADDR_SCRIPT_MAX], d[90];
	char out[BTC_ADDR_MAX], hrp[84];
	enum btc_bech32_kind kind;
	size_t n;

	for (int net = BTC_MAINNET; net <= BTC_REGTEST; net++) {
		int rc = btc_address_script(net, text, len, script, &n);

		if (rc != 0) {
			if ((rc != SIGIL_E_INVALID && rc != SIGIL_E_CHECKSUM) || n != 0)
				abort();
			continue;
		}
		if (n == 0 || n > BTC_ADDR_SCRIPT_MAX ||
		    btc_script_address(net, script, n, out, sizeof(out)) != 0 || strlen(out) != len)
			abort();
		/* base58 is read as written; bech32 is written in lower case. */
		for (size_t i = 0; i < len; i++) {
			bool b58 = btc_script_classify(script, n, NULL, NULL, NULL) <= BTC_SCRIPT_P2SH;
			char c = !b58 && text[i] >= 'A' && text[i] <= 'Z' ? (char)(text[i] + 32) : text[i];

			if (c != out[i])
				abort();
		}
	}
	if (btc_bech32_decode(text, len, &kind, hrp, sizeof(hrp), d, &n) == 0 &&
	    ((kind != BTC_BECH32 && kind != BTC_BECH32M) || n + strlen(hrp) + 7 != len))
		abort();
}

static void
check_script(const uint8_t *s, size_t len)
{
	uint8_t back[BTC_ADDR_SCRIPT_MAX];
	char out[BTC_ADDR_MAX];
	const uint8_t *prog;
	size_t pl, n;
	int v;
	enum btc_script_type t = btc_script_classify(s, len, &v, &prog, &pl);

	if ((v >= 0) != (prog != NULL && t != BTC_SCRIPT_P2PKH && t != BTC_SCRIPT_P2SH))
		abort();
	for (int net = BTC_MAINNET; net <= BTC_REGTEST; net++) {
		int rc = btc_script_address(net, s, len, out, sizeof(out));

		if (rc != 0) {
			if (rc != SIGIL_E_UNSUPPORTED || t == BTC_SCRIPT_P2PKH || v >= 0)
				abort();
			continue;
		}
		if (btc_address_script(net, out, strlen(out), back, &n) != 0 || n != len ||
		    memcmp(back, s, len) != 0)
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_text((const char *)data, size);
	check_script(data, size);
	return 0;
}
