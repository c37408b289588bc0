/* Bearer tokens (auth/token.h) and `auth:` in the config: secrets by hash,
 * file or environment variable, never in the file; capabilities by chain
 * and kind; the keys a token may use; the header forms; the match. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "auth/token.h"
#include "base/errors.h"
#include "config/config.h"

#define SECRET_A "a-long-enough-secret-for-token-a"
#define SECRET_B "secret b, long enough to pass"

static char hash_b[65]; /* SECRET_B's SHA-256, as sha256sum writes it */

static struct sigil_config *
load(const char *yaml, int want, const char *err_part)
{
	struct sigil_config *c = NULL;
	char err[512] = "";
	int rc = config_load_string(yaml, strlen(yaml), &c, err, sizeof(err));

	if (rc != want)
		fail_msg("config_load_string gave %d (%s), not %d, for:\n%s", rc, err, want, yaml);
	if (err_part != NULL && strstr(err, err_part) == NULL)
		fail_msg("error '%s' lacks '%s'", err, err_part);
	/* No error message ever shows a secret. */
	assert_null(strstr(err, SECRET_A));
	assert_null(strstr(err, SECRET_B));
	return c;
}

static void
test_sources(void **state)
{
	char dir[] = "/tmp/sigil-tokens.XXXXXX", path[128], yaml[2048];
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/a.token", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "%s\n", SECRET_A);
	fclose(f);
	chmod(path, 0600);
	setenv("TEST_TOKEN_C", "third secret from the environment", 1);
	snprintf(yaml, sizeof(yaml),
	         "auth:\n"
	         "  tokens:\n"
	         "    a:\n      secret_file: %s\n      capabilities: [tezos:attestation, keys:read]\n"
	         "    b:\n      secret_sha256: %s\n      capabilities: ['tezos:*', sign:digest]\n"
	         "      keys: [tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrH]\n"
	         "    c.env:\n      secret_env: TEST_TOKEN_C\n      capabilities: [keys:admin]\n",
	         path, hash_b);
	struct sigil_config *c = load(yaml, 0, NULL);
	assert_int_equal(c->auth.n_tokens, 3);
	/* The variable is read, hashed and gone from the environment. */
	assert_null(getenv("TEST_TOKEN_C"));

	const struct auth_token *t = c->auth.tokens;
	size_t n = c->auth.n_tokens, len;
	const char *s;
	assert_ptr_equal(auth_token_find(t, n, SECRET_A, strlen(SECRET_A)), &t[0]);
	assert_ptr_equal(auth_token_find(t, n, SECRET_B, strlen(SECRET_B)), &t[1]);
	assert_ptr_equal(auth_token_find(t, n, "third secret from the environment", 33), &t[2]);
	assert_null(auth_token_find(t, n, SECRET_A, strlen(SECRET_A) - 1));
	assert_null(auth_token_find(t, n, "", 0));
	assert_null(auth_token_find(t, n, NULL, 0));

	const struct chain_ops *tezos = chain_find("tezos");
	int att = tezos->kind_from_name("attestation"), blk = tezos->kind_from_name("block");
	assert_true(auth_token_may_sign(&t[0], tezos, (unsigned)att));
	assert_false(auth_token_may_sign(&t[0], tezos, (unsigned)blk));
	assert_true(auth_token_may_sign(&t[1], tezos, (unsigned)blk));
	assert_false(auth_token_may_sign(&t[2], tezos, (unsigned)att));
	assert_int_equal(t[0].flags, AUTH_KEYS_READ);
	assert_int_equal(t[1].flags, AUTH_SIGN_DIGEST);
	assert_int_equal(t[2].flags, AUTH_KEYS_ADMIN);
	assert_true(auth_token_may_use(&t[0], "tz1anything", NULL));
	assert_true(auth_token_may_use(&t[1], "tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrH", NULL));
	assert_false(auth_token_may_use(&t[1], "tz1RmNmuNm9ygsA17RBzX38GJWG3Bex5U9UT", NULL));

	s = auth_bearer("Bearer " SECRET_A, &len);
	assert_int_equal(len, strlen(SECRET_A));
	assert_memory_equal(s, SECRET_A, len);
	s = auth_bearer("bearer   " SECRET_A "  ", &len);
	assert_int_equal(len, strlen(SECRET_A));
	s = auth_bearer(SECRET_A, &len); /* the Atto node's bare form */
	assert_int_equal(len, strlen(SECRET_A));
	assert_null(auth_bearer("Bearer ", &len));
	assert_int_equal(len, 0);
	assert_null(auth_bearer(NULL, &len));
	config_free(c);

	/* A reload finds the variable's hash though the variable is gone. */
	c = load(yaml, 0, NULL);
	assert_ptr_equal(auth_token_find(c->auth.tokens, c->auth.n_tokens,
	                                 "third secret from the environment", 33),
	                 &c->auth.tokens[2]);
	config_free(c);
	unlink(path);
	rmdir(dir);
}

static void
test_refused(void **state)
{
	char yaml[1024];
	(void)state;

	load("auth:\n  tokens:\n    a:\n      capabilities: [keys:read]\n", SIGIL_E_INVALID,
	     "exactly one of");
	snprintf(yaml, sizeof(yaml),
	         "auth:\n  tokens:\n    a:\n      secret_sha256: %s\n      secret_env: X\n", hash_b);
	load(yaml, SIGIL_E_INVALID, "exactly one of");
	load("auth:\n  tokens:\n    a:\n      secret: " SECRET_A "\n", SIGIL_E_INVALID,
	     "never written in the config");
	load("auth:\n  tokens:\n    a:\n      secret_sha256: abcd\n", SIGIL_E_INVALID,
	     "64 hex digits");
	snprintf(yaml, sizeof(yaml),
	         "auth:\n  tokens:\n    a:\n      secret_sha256: %s\n      capabilities: [tezos:nope]\n",
	         hash_b);
	load(yaml, SIGIL_E_INVALID, "no request kind nope");
	snprintf(yaml, sizeof(yaml),
	         "auth:\n  tokens:\n    a:\n      secret_sha256: %s\n      capabilities: [nochain:x]\n",
	         hash_b);
	load(yaml, SIGIL_E_INVALID, "no chain nochain");
	snprintf(yaml, sizeof(yaml),
	         "auth:\n  tokens:\n    a:\n      secret_sha256: %s\n      capabilities: [everything]\n",
	         hash_b);
	load(yaml, SIGIL_E_INVALID, "not a capability");
	snprintf(yaml, sizeof(yaml),
	         "auth:\n  tokens:\n    a:\n      secret_sha256: %s\n      capabilities: keys:read\n",
	         hash_b);
	load(yaml, SIGIL_E_INVALID, "expected a list");
	load("auth:\n  tokens:\n    'bad name':\n      secret_env: X\n", SIGIL_E_INVALID,
	     "token names");
	setenv("TEST_TOKEN_SHORT", "short", 1);
	load("auth:\n  tokens:\n    a:\n      secret_env: TEST_TOKEN_SHORT\n", SIGIL_E_INVALID,
	     "fewer than 16");
	unsetenv("TEST_TOKEN_SHORT");
	load("auth:\n  tokens:\n    a:\n      secret_env: TEST_TOKEN_UNSET_HERE\n", SIGIL_E_INVALID,
	     "is not set");
	load("auth:\n  tokens:\n    a:\n      secret_file: /nonexistent/token\n", SIGIL_E_INVALID,
	     "not found");
	load("auth:\n  tokens:\n    a:\n      secret_env: X\n      colour: blue\n", SIGIL_E_INVALID,
	     "unknown key");
}

/* An environment override says where a token's secret is. */
static void
test_override(void **state)
{
	char yaml[512];
	(void)state;

	snprintf(yaml, sizeof(yaml), "auth:\n  tokens:\n    ops-1:\n      secret_sha256: %s\n",
	         hash_b);
	setenv("SIGIL_AUTH__TOKENS__OPS_1__SECRET_ENV", "TEST_TOKEN_OVR", 1);
	setenv("TEST_TOKEN_OVR", SECRET_A, 1);
	struct sigil_config *c = load(yaml, 0, NULL);
	assert_non_null(auth_token_find(c->auth.tokens, 1, SECRET_A, strlen(SECRET_A)));
	assert_null(auth_token_find(c->auth.tokens, 1, SECRET_B, strlen(SECRET_B)));
	config_free(c);
	unsetenv("SIGIL_AUTH__TOKENS__OPS_1__SECRET_ENV");
	setenv("SIGIL_AUTH__OCTEZ_REQUIRES_TOKEN", "true", 1);
	c = load(yaml, 0, NULL);
	assert_true(c->auth.octez_requires_token);
	config_free(c);
	unsetenv("SIGIL_AUTH__OCTEZ_REQUIRES_TOKEN");
}

int
main(void)
{
	uint8_t h[32];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sources),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_override),
	};

	if (sodium_init() < 0)
		return 1;
	crypto_hash_sha256(h, (const unsigned char *)SECRET_B, strlen(SECRET_B));
	sodium_bin2hex(hash_b, sizeof(hash_b), h, sizeof(h));
	return cmocka_run_group_tests(tests, NULL, NULL);
}
