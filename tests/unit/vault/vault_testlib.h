/* Helpers shared by the file vault's tests (test_vault_file.c,
 * test_vault_bls.c, test_vault_manage.c, test_vault_sr25519.c). Include
 * after cmocka.h.
 *
 * The vault knows no addresses (vault.h): whoever opens it hands down a
 * chain's codec. These tests open it as sigil does: Tezos's forms for the
 * types Tezos has, Polkadot's for sr25519 (core/keyring.h is not linked
 * here). */
#ifndef SIGIL_VAULT_TESTLIB_H
#define SIGIL_VAULT_TESTLIB_H
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "chain/chain.h"
#include "chain/tezos/chain.h"
#include "chain/tezos/keys.h"
#include "vault/vault.h"

/* A test's own directory, made from tmpl (a mkdtemp template) into dir
 * (dcap bytes), and its vault file dir/keys.json into path (pcap bytes). */
static inline void
tl_tmpdir(const char *tmpl, char *dir, size_t dcap, char *path, size_t pcap)
{
	snprintf(dir, dcap, "%s", tmpl);
	assert_non_null(mkdtemp(dir));
	snprintf(path, pcap, "%s/keys.json", dir);
}

/* Removes that directory and everything in it: a teardown's result. */
static inline int
tl_rmdir(const char *dir)
{
	char cmd[160];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

/* That codec (filled on first use). */
/* As sigild's vault codec (core/keyring.c): the first chain with addresses
 * for the key's type writes them, Tezos for tz1-tz4, Polkadot for sr25519. */
static inline const struct chain_ops *
tl_chain(enum sigil_key_type t)
{
	const struct chain_ops *c;

	for (size_t i = 0; (c = chain_at(i)) != NULL; i++)
		if (c->key_type_ok(t))
			return c;
	return NULL;
}

static inline int
tl_address(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	const struct chain_ops *c = tl_chain(t);
	return c ? c->address(t, pk, pklen, out, cap) : SIGIL_E_UNSUPPORTED;
}

static inline int
tl_pk_text(enum sigil_key_type t, const uint8_t *pk, size_t pklen, char *out, size_t cap)
{
	const struct chain_ops *c = tl_chain(t);
	return c ? c->public_key_text(t, pk, pklen, out, cap) : SIGIL_E_UNSUPPORTED;
}

static inline const struct vault_codec *
tz_codec(void)
{
	static struct vault_codec c;

	c.address = tl_address;
	c.public_key_text = tl_pk_text;
	c.secret_parse = chain_tezos.secret_parse;
	c.secret_encrypted = chain_tezos.secret_encrypted;
	return &c;
}

/* A key's Tezos address (tz1…) and public key (edpk…) as text; the test
 * fails when the chain cannot write them. */
static inline const char *
tz_address_of(const struct vault_key *k, char out[static CHAIN_ADDRESS_MAX])
{
	assert_non_null(k);
	assert_int_equal(chain_tezos.address(k->type, k->pk, k->pk_len, out, CHAIN_ADDRESS_MAX), 0);
	return out;
}

static inline const char *
tz_public_key_of(const struct vault_key *k, char out[static CHAIN_TEXT_MAX])
{
	assert_non_null(k);
	assert_int_equal(chain_tezos.public_key_text(k->type, k->pk, k->pk_len, out, CHAIN_TEXT_MAX),
	                 0);
	return out;
}

#endif
