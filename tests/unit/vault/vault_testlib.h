/* Helpers shared by the file vault's tests (test_vault_file.c,
 * test_vault_bls.c). Include after cmocka.h.
 *
 * The vault knows no addresses (vault.h): whoever opens it hands down a
 * chain's codec. These tests open it as sigil does, with the Tezos chain's
 * forms, taken from its chain table (core/keyring.h is not linked here). */
#ifndef SIGIL_VAULT_TESTLIB_H
#define SIGIL_VAULT_TESTLIB_H
#include <stddef.h>

#include "chain/chain.h"
#include "chain/tezos/chain.h"
#include "chain/tezos/keys.h"
#include "vault/vault.h"

/* The Tezos codec (chain_tezos's members are not constant expressions, so
 * it is filled on first use). */
static inline const struct vault_codec *
tz_codec(void)
{
	static struct vault_codec c;

	c.address = chain_tezos.address;
	c.public_key_text = chain_tezos.public_key_text;
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
