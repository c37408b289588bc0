/* The chains sigil knows, by name (chain.h). A chain adds one line here. */
#include "chain/chain.h"

#include <string.h>

#include "chain/bitcoin/chain.h"
#include "chain/ethereum/chain.h"
#include "chain/atto/chain.h"
#include "chain/polkadot/chain.h"
#include "chain/raw/raw.h"
#include "chain/solana/chain.h"
#include "chain/tezos/chain.h"

static const struct chain_ops *const chains[] = {
	&chain_tezos,
	&chain_ethereum,
	&chain_atto,
	&chain_solana,
	&chain_polkadot,
	&chain_bitcoin,
	&chain_bitcoin_testnet,
#ifdef SIGIL_TEST_HOOKS
	&chain_raw_ed25519, /* the tests' second chain (chain/raw/raw.h) */
#endif
};

void
chain_key_id_blake2b(enum sigil_key_type t, const uint8_t *pk, size_t pklen,
                     uint8_t id[static CHAIN_KEY_ID_LEN])
{
	id[0] = (uint8_t)t;
	sigil_blake2b(id + 1, CHAIN_KEY_ID_LEN - 1, pk, pklen);
}

const struct chain_ops *
chain_at(size_t i)
{
	return i < sizeof(chains) / sizeof(chains[0]) ? chains[i] : NULL;
}

const struct chain_ops *
chain_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < sizeof(chains) / sizeof(chains[0]); i++)
		if (strcmp(chains[i]->name, name) == 0)
			return chains[i];
	return NULL;
}
