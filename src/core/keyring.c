#include "core/keyring.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "base/hex.h"
#include "base/log.h"

static struct vault_codec ring_codec;
static pthread_once_t ring_codec_once = PTHREAD_ONCE_INIT;

/* The chain that writes a key's address and public key into the vault
 * files (file vault: the address is bound into each entry's associated
 * data): the first registered chain with addresses for its type, so
 * Tezos for the types it has (the files' form since the start) and
 * Polkadot for sr25519. */
static const struct chain_ops *
ring_codec_chain(enum sigil_key_type t)
{
	const struct chain_ops *c;

	for (size_t i = 0; (c = chain_at(i)) != NULL; i++)
		if (c->key_type_ok(t))
			return c;
	return NULL;
}

static int
ring_codec_address(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	const struct chain_ops *c = ring_codec_chain(t);
	return c ? c->address(t, pk, pklen, out, cap) : SIGIL_E_UNSUPPORTED;
}

static int
ring_codec_pk_text(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	const struct chain_ops *c = ring_codec_chain(t);
	return c ? c->public_key_text(t, pk, pklen, out, cap) : SIGIL_E_UNSUPPORTED;
}

static void
ring_codec_init(void)
{
	const struct chain_ops *c = chain_at(0);

	ring_codec.address = ring_codec_address;
	ring_codec.public_key_text = ring_codec_pk_text;
	ring_codec.secret_parse = c->secret_parse;
	ring_codec.secret_encrypted = c->secret_encrypted;
}

const struct vault_codec *
sigil_vault_codec(void)
{
	pthread_once(&ring_codec_once, ring_codec_init);
	return &ring_codec;
}

int
sigil_ring_cmp(const struct chain_ops *ca, const char *a, const struct chain_ops *cb,
               const char *b)
{
	int c = ca == cb ? 0 : strcmp(ca->name, cb->name);
	return c != 0 ? c : strcmp(a, b);
}

static int
ring_entry_cmp(const struct sigil_key *x, const struct sigil_key *y)
{
	return sigil_ring_cmp(x->chain, x->address, y->chain, y->address);
}

/* The ring entry of vault key vk on chain c, when the config has a policy
 * for its address there. 1 when filled, 0 when not configured. */
static int
ring_entry(const struct sigil_config *cfg, const struct chain_ops *c, const struct vault_key *vk,
           struct sigil_key *k)
{
	const struct policy_key *pk;

	memset(k, 0, sizeof(*k));
	if (!c->key_type_ok(vk->type) ||
	    c->address(vk->type, vk->pk, vk->pk_len, k->address, sizeof(k->address)) != 0)
		return 0;
	if ((pk = config_find_key(cfg, c, k->address)) == NULL)
		return 0;
	if (c->public_key_text(vk->type, vk->pk, vk->pk_len, k->public_key,
	                       sizeof(k->public_key)) != 0)
		return 0;
	c->key_id(vk->type, vk->pk, vk->pk_len, k->key_id);
	k->chain = c;
	k->vk = vk;
	k->policy = pk;
	return 1;
}

int
sigil_ring_build(const struct sigil_config *cfg, struct vault *const *vaults, size_t n,
                 struct sigil_key **keys, size_t *n_keys)
{
	struct sigil_key *ring;
	size_t total = 0, nchains = 0, got = 0, kept = 0;

	*keys = NULL;
	*n_keys = 0;
	while (chain_at(nchains) != NULL)
		nchains++;
	for (size_t v = 0; v < n; v++)
		total += vaults[v]->ops->count(vaults[v]);
	if ((ring = calloc(total * nchains > 0 ? total * nchains : 1, sizeof(*ring))) == NULL)
		return SIGIL_E_NOMEM;
	for (size_t v = 0; v < n; v++) {
		struct vault *vt = vaults[v];
		for (size_t i = 0; i < vt->ops->count(vt); i++) {
			const struct vault_key *vk = vt->ops->key(vt, i);
			bool used = false;
			for (size_t c = 0; c < nchains; c++) {
				struct sigil_key *k = &ring[got];
				if (!ring_entry(cfg, chain_at(c), vk, k))
					continue;
				k->vault = vt;
				k->vault_index = i;
				k->vault_name = cfg->vaults[v].name;
				got++;
				used = true;
			}
			if (!used) {
				char addr[CHAIN_ADDRESS_MAX] = "";
				const struct chain_ops *c0 = chain_at(0);
				if (c0->address(vk->type, vk->pk, vk->pk_len, addr, sizeof(addr)) != 0)
					addr[0] = '\0';
				log_info("key %s (%s) is in vault %s but not configured: not usable",
				         addr, vk->name, cfg->vaults[v].name);
			}
		}
	}
	/* A stable order keeps "the first vault" meaningful for duplicates. */
	for (size_t i = 1; i < got; i++)
		for (size_t j = i; j > 0 && ring_entry_cmp(&ring[j - 1], &ring[j]) > 0; j--) {
			struct sigil_key t = ring[j];
			ring[j] = ring[j - 1];
			ring[j - 1] = t;
		}
	for (size_t i = 0; i < got; i++) {
		if (kept > 0 && ring_entry_cmp(&ring[kept - 1], &ring[i]) == 0) {
			log_warn("key %s is in more than one vault; using %s", ring[i].address,
			         ring[kept - 1].vault_name);
			continue;
		}
		ring[kept++] = ring[i];
	}
	for (size_t i = 0; i < cfg->n_keys; i++)
		if (sigil_ring_find(ring, kept, cfg->keys[i].chain, cfg->keys[i].address) == NULL)
			log_warn("key %s is configured but no vault holds it", cfg->keys[i].address);
	*keys = ring;
	*n_keys = kept;
	return 0;
}

const struct sigil_key *
sigil_ring_find(const struct sigil_key *keys, size_t n, const struct chain_ops *chain,
                const char *address)
{
	size_t lo = 0, hi = n;

	if (chain == NULL || address == NULL)
		return NULL;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = sigil_ring_cmp(chain, address, keys[mid].chain, keys[mid].address);
		if (c == 0)
			return &keys[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

void
sigil_key_id_text(const struct vault_key *k, char out[static 2 * SIGIL_KEY_ID_LEN + 1])
{
	crypto_generichash_state h;
	uint8_t t = (uint8_t)k->type, id[SIGIL_KEY_ID_LEN];

	crypto_generichash_init(&h, NULL, 0, sizeof(id));
	crypto_generichash_update(&h, &t, 1);
	crypto_generichash_update(&h, k->pk, k->pk_len);
	crypto_generichash_final(&h, id, sizeof(id));
	if (hex_encode(id, sizeof(id), out, 2 * SIGIL_KEY_ID_LEN + 1) != 0)
		out[0] = '\0';
}
