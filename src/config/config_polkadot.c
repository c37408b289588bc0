/* `polkadot_networks:` in the config: Substrate networks the Polkadot chain
 * decodes payloads for, beside (or instead of) its built-in Polkadot, Kusama
 * and Westend (chain/polkadot/extrinsic.h). A runtime upgrade that moves a
 * pallet is one edit here, not a new sigil:
 *
 *   polkadot_networks:
 *     westend:                 # a built-in name: its description, changed
 *       balances: 4
 *     mychain:                 # a new one: genesis, ss58_prefix, balances
 *       genesis: 0x…           # and utility are needed
 *       ss58_prefix: 42
 *       balances: 10
 *       utility: 40
 *       metadata_hash: false   # the runtime has no CheckMetadataHash (default true)
 *       index_u32: false       # MultiAddress::Index is Compact<u32> (default: ())
 *       transfer_allow_death: 0   # pallet_balances and pallet_utility call
 *       force_transfer: 2         # indices, by default those of the pallets
 *       transfer_keep_alive: 3
 *       transfer_all: 4
 *       batch: 0
 *       batch_all: 2
 *       force_batch: 4
 *
 * A payload names its network by its genesis hash; a key's allowed_chains
 * names networks by name (built-in) or by 0x and the genesis hash. */
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "chain/polkadot/extrinsic.h"
#include "config/config_schema.h"

#define DOT_CONF_MAX 32
#define DOT_UNSET 0xffffu

/* One network as the walk fills it; DOT_UNSET where not given. */
struct dot_stage {
	char *genesis;
	unsigned ss58_prefix, balances, utility;
	unsigned tad, ft, tka, ta, batch, batch_all, force_batch;
	bool metadata_hash, index_u32;
};

#define ST(m) offsetof(struct dot_stage, m)
static const struct field dot_fields[] = {
	{"genesis", FT_STRING, ST(genesis), 0, 0},
	{"ss58_prefix", FT_UINT, ST(ss58_prefix), 0, DOT_SS58_PREFIX_MAX},
	{"balances", FT_UINT, ST(balances), 0, 255},
	{"utility", FT_UINT, ST(utility), 0, 255},
	{"transfer_allow_death", FT_UINT, ST(tad), 0, 255},
	{"force_transfer", FT_UINT, ST(ft), 0, 255},
	{"transfer_keep_alive", FT_UINT, ST(tka), 0, 255},
	{"transfer_all", FT_UINT, ST(ta), 0, 255},
	{"batch", FT_UINT, ST(batch), 0, 255},
	{"batch_all", FT_UINT, ST(batch_all), 0, 255},
	{"force_batch", FT_UINT, ST(force_batch), 0, 255},
	{"metadata_hash", FT_BOOL, ST(metadata_hash), 0, 0},
	{"index_u32", FT_BOOL, ST(index_u32), 0, 0},
};
static const struct schema dot_schema = {dot_fields, NELEM(dot_fields), NULL, 0, NULL};

/* v into *out when it was given. */
static void
dot_take(unsigned v, uint8_t *out)
{
	if (v != DOT_UNSET)
		*out = (uint8_t)v;
}

/* The network called name, from its stage: over the built-in one of that
 * name, else over the pallets' defaults, which need the rest given. */
static int
dot_from_stage(struct ctx *x, const char *name, const char *full, unsigned line,
               const struct dot_stage *st, struct dot_network *net)
{
	const struct dot_network *base = dot_network_find(name);
	size_t n = 0;

	if (base != NULL) {
		*net = *base;
	} else {
		if (st->genesis == NULL || st->ss58_prefix == DOT_UNSET || st->balances == DOT_UNSET ||
		    st->utility == DOT_UNSET) {
			cfg_errf(x->err, x->errlen, line, full, "a network sigil does not know needs "
			         "genesis, ss58_prefix, balances and utility");
			return SIGIL_E_INVALID;
		}
		*net = (struct dot_network){DOT_PALLET_CALLS, .metadata_hash = true};
	}
	net->check_genesis = true;
	if (st->genesis != NULL &&
	    (strncmp(st->genesis, "0x", 2) != 0 || strlen(st->genesis + 2) != 2 * DOT_HASH_LEN ||
	     hex_decode(st->genesis + 2, 2 * DOT_HASH_LEN, net->genesis, sizeof(net->genesis),
	                &n) != 0)) {
		cfg_errf(x->err, x->errlen, line, full, "genesis: 0x and 64 hex digits");
		return SIGIL_E_INVALID;
	}
	if (st->ss58_prefix != DOT_UNSET) {
		if (st->ss58_prefix == 46 || st->ss58_prefix == 47) {
			cfg_errf(x->err, x->errlen, line, full, "ss58_prefix: 46 and 47 are reserved");
			return SIGIL_E_INVALID;
		}
		net->ss58_prefix = (uint16_t)st->ss58_prefix;
	}
	dot_take(st->balances, &net->balances);
	dot_take(st->utility, &net->utility);
	dot_take(st->tad, &net->transfer_allow_death);
	dot_take(st->ft, &net->force_transfer);
	dot_take(st->tka, &net->transfer_keep_alive);
	dot_take(st->ta, &net->transfer_all);
	dot_take(st->batch, &net->batch);
	dot_take(st->batch_all, &net->batch_all);
	dot_take(st->force_batch, &net->force_batch);
	net->metadata_hash = st->metadata_hash;
	net->index_u32 = st->index_u32;
	if ((net->name = strdup(name)) == NULL)
		return SIGIL_E_NOMEM;
	return 0;
}

int
cfg_walk_polkadot_networks(struct ctx *x, const struct cnode *v)
{
	struct sigil_config *c = x->c;
	char full[PATHBUF];
	int rc;

	if (v->type == CNODE_SCALAR && v->null)
		return 0;
	if (v->type != CNODE_MAP) {
		cfg_errf(x->err, x->errlen, v->line, "polkadot_networks", "expected a map, got %s",
		         cfg_type_name(v));
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < v->n; i++) {
		const char *name = v->keys[i];
		const struct dot_network *base = dot_network_find(name);
		struct dot_stage st = {
			.ss58_prefix = DOT_UNSET, .balances = DOT_UNSET, .utility = DOT_UNSET,
			.tad = DOT_UNSET, .ft = DOT_UNSET, .tka = DOT_UNSET, .ta = DOT_UNSET,
			.batch = DOT_UNSET, .batch_all = DOT_UNSET, .force_batch = DOT_UNSET,
			.metadata_hash = base ? base->metadata_hash : true,
			.index_u32 = base ? base->index_u32 : false,
		};
		struct dot_network *nets;

		cfg_join(full, sizeof(full), "polkadot_networks", name);
		if (name[0] == '\0' || strlen(name) > 32 || strncmp(name, "0x", 2) == 0) {
			cfg_errf(x->err, x->errlen, v->key_lines[i], full, "a name of 1 to 32 "
			         "characters, not 0x…");
			return SIGIL_E_INVALID;
		}
		if (c->n_dot_nets >= DOT_CONF_MAX) {
			cfg_errf(x->err, x->errlen, v->key_lines[i], full, "more than %d networks",
			         DOT_CONF_MAX);
			return SIGIL_E_INVALID;
		}
		rc = cfg_walk_map(x, &dot_schema, &st, "", full, v->items[i]);
		if (rc == 0 && (nets = realloc(c->dot_nets, (c->n_dot_nets + 1) * sizeof(*nets))) == NULL)
			rc = SIGIL_E_NOMEM;
		if (rc == 0) {
			c->dot_nets = nets;
			memset(&nets[c->n_dot_nets], 0, sizeof(*nets));
			rc = dot_from_stage(x, name, full, v->key_lines[i], &st, &nets[c->n_dot_nets]);
			if (rc == 0)
				c->n_dot_nets++;
		}
		free(st.genesis);
		if (rc != 0)
			return rc;
	}
	c->dot_conf = (struct dot_conf){c->dot_nets, c->n_dot_nets};
	return 0;
}

void
cfg_polkadot_free(struct sigil_config *c)
{
	for (size_t i = 0; i < c->n_dot_nets; i++)
		free((char *)c->dot_nets[i].name);
	free(c->dot_nets);
	c->dot_nets = NULL;
	c->n_dot_nets = 0;
}

const void *
config_chain_conf(const struct sigil_config *c, const struct chain_ops *chain)
{
	if (c != NULL && chain != NULL && strcmp(chain->name, "polkadot") == 0)
		return &c->dot_conf;
	return NULL;
}
