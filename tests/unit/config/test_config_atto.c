/* The Atto signer's variables in the config (config/config_atto.c):
 * ATTO_SIGNER_CAPABILITIES in every form Spring binds, the LOCAL back end
 * from the variables alone, GCP and unknown names refused, the token and
 * seed wiped from the environment. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "base/errors.h"
#include "config/config.h"

#define SEED "9f0e1d2c3b4a59687766554433221100ffeeddccbbaa99887766554433221100"

static const char *const vars[] = {
	"ATTO_SIGNER_TOKEN", "ATTO_SIGNER_CAPABILITIES", "ATTO_SIGNER_BACKEND", "ATTO_SIGNER_KEY",
	"ATTO_SIGNER_PORT", "ATTO_SIGNER_MANAGEMENT_PORT", "ATTO_SIGNER_ADDRESS",
};

static int
clear(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		unsetenv(vars[i]);
	return 0;
}

static void
test_capabilities(void **state)
{
	uint32_t k;
	char why[128];
	(void)state;
	/* atto's kinds: block 0, vote 1, challenge 2. */
	assert_int_equal(config_atto_capabilities("challenge, block, vote", &k, why, sizeof(why)), 0);
	assert_int_equal(k, 7);
	assert_int_equal(config_atto_capabilities("CHALLENGE,VOTE", &k, why, sizeof(why)), 0);
	assert_int_equal(k, 6);
	assert_int_equal(config_atto_capabilities(" Block ,block", &k, why, sizeof(why)), 0);
	assert_int_equal(k, 1);
	assert_int_equal(config_atto_capabilities("vote,", &k, why, sizeof(why)), SIGIL_E_INVALID);
	assert_int_equal(config_atto_capabilities("", &k, why, sizeof(why)), SIGIL_E_INVALID);
	assert_int_equal(config_atto_capabilities("vote, sign", &k, why, sizeof(why)),
	                 SIGIL_E_INVALID);
	assert_non_null(strstr(why, "'sign'"));
	assert_int_equal(k, 0);
}

static void
test_local(void **state)
{
	struct sigil_config *c;
	char err[512];
	(void)state;
	setenv("ATTO_SIGNER_TOKEN", "mock_token", 1);
	setenv("ATTO_SIGNER_CAPABILITIES", "vote", 1);
	setenv("ATTO_SIGNER_BACKEND", "Local", 1);
	setenv("ATTO_SIGNER_KEY", SEED, 1);
	setenv("ATTO_SIGNER_PORT", "9090", 1);
	assert_int_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_string_equal(c->atto_api.address, "127.0.0.1:9090");
	assert_string_equal(c->atto_api.management_address, "127.0.0.1:8081");
	assert_true(c->atto_api.env_only);
	/* The memory vault is the only one: no default file vault. */
	assert_int_equal(c->n_vaults, 1);
	assert_string_equal(c->vaults[0].driver, "memory");
	assert_int_equal(c->n_keys, 1);
	assert_string_equal(c->keys[0].chain->name, "atto");
	assert_string_equal(c->keys[0].address, c->atto_api.key);
	assert_int_equal(c->keys[0].allow_kinds, 2);
	assert_int_equal(c->auth.n_tokens, 1);
	assert_string_equal(c->auth.tokens[0].name, CONFIG_ATTO_TOKEN_NAME);
	/* Wiped and unset; a reload (the same load again) still has both. */
	assert_null(getenv("ATTO_SIGNER_TOKEN"));
	assert_null(getenv("ATTO_SIGNER_KEY"));
	uint8_t hash[32];
	memcpy(hash, c->auth.tokens[0].hash, 32);
	config_free(c);
	assert_int_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c->auth.n_tokens, 1);
	assert_memory_equal(c->auth.tokens[0].hash, hash, 32);
	config_free(c);
}

static void
test_refusals(void **state)
{
	struct sigil_config *c;
	char err[512];
	(void)state;
	setenv("ATTO_SIGNER_CAPABILITIES", "vote", 1);
	setenv("ATTO_SIGNER_BACKEND", "GCP", 1);
	setenv("ATTO_SIGNER_KEY", "projects/p/locations/l/keyRings/r/cryptoKeys/k", 1);
	assert_int_not_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "not supported"));
	setenv("ATTO_SIGNER_BACKEND", "main", 1);
	setenv("ATTO_SIGNER_KEY", "not a key", 1);
	assert_int_not_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "ATTO_SIGNER_KEY"));
	setenv("ATTO_SIGNER_BACKEND", "nosuch", 1);
	assert_int_not_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "neither LOCAL nor a vault"));
	setenv("ATTO_SIGNER_BACKEND", "main", 1);
	setenv("ATTO_SIGNER_KEY", "A5E7E4B3B93150314E1177D5B9DE0057626B16A4B3C3F1DB37DF67628A5EF457", 1);
	setenv("ATTO_SIGNER_PORT", "65536", 1);
	assert_int_not_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "ATTO_SIGNER_PORT"));
	setenv("ATTO_SIGNER_PORT", "8080", 1);
	setenv("ATTO_SIGNER_ADDRESS", "0.0.0.0", 1);
	assert_int_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_string_equal(c->atto_api.address, "0.0.0.0:8080");
	assert_string_equal(c->atto_api.management_address, "0.0.0.0:8081");
	assert_int_equal(strncmp(c->atto_api.key, "atto://", 7), 0);
	assert_int_equal(strlen(c->atto_api.key), 7 + 61);
	config_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_capabilities, clear),
		cmocka_unit_test_setup(test_local, clear),
		cmocka_unit_test_setup(test_refusals, clear),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
