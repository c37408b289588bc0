/* libFuzzer harness for the JSON-RPC transaction reader
 * (chain/ethereum/rpc_tx.h): any JSON object gives 0 or a defined error,
 * and whatever it accepts is an unsigned transaction the chain's own
 * decoder reads back, whose `from` is an address. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>

#include "base/errors.h"
#include "chain/ethereum/rpc_tx.h"
#include "chain/ethereum/tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[ETH_TX_MAX];

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_error_t jerr;
	json_t *o = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &jerr);
	char from[ETH_ADDR_TEXT], reason[160];
	size_t n = 0;

	if (o == NULL)
		return 0;
	int rc = eth_tx_from_rpc(o, 1, out, sizeof(out), &n, from, reason, sizeof(reason));
	if (rc == 0) {
		struct eth_tx tx;
		if (eth_tx_decode(out, n, 0, &tx, NULL, 0) != 0)
			__builtin_trap();
		if (from[0] != '\0' && strncmp(from, "0x", 2) != 0)
			__builtin_trap();
	} else if (rc != SIGIL_E_INVALID && rc != SIGIL_E_TOO_BIG && rc != SIGIL_E_NOMEM &&
	           rc != SIGIL_E_UNSUPPORTED && rc != SIGIL_E_INCOMPLETE) {
		__builtin_trap();
	}
	json_decref(o);
	return 0;
}
