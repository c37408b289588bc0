/* The YAML config loader.
 *
 * Addresses and public keys were produced by @taquito/signer 24.2.0
 * (InMemorySigner over the secrets 0x01…01, 0x03…03, 0x05…05); chain ids by
 * @taquito/utils 24.2.0 (b58Encode with the ChainID prefix). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config/config.h"
#include "base/errors.h"
#include "chain/chain.h"
#include "chain/tezos/chain.h"
#include "chain/tezos/decode.h"
#include "vault/registry_test.h"
#include "vault/vault.h"

#define TZ1 "tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrH"
#define TZ1B "tz1RmNmuNm9ygsA17RBzX38GJWG3Bex5U9UT"
#define TZ2 "tz2XVTRqkKBQNDfyFKzNDb1UcHxrirzyYWf8"
#define TZ4 "tz4EkY1WUWJfPUTLHyKp3xZTETkLx5HZfXpM"
#define EDPK1 "edpkuhEcwoLysLvodRxQLzuM3AVZvCuT6koVkUahS53mNBdE8LbuGo"
#define EDPK2 "edpkud8oWEmsioAfxyFt45aP3tXncZGKQMJMg3aRwStxwLFNGfFKeu"
#define SPPK "sppk7ZwFALuKroMWHufaUTDkZwuJJnLxs6ge4RAV4Xg3Ea9DpZrn8gV"
#define BIT(o) (UINT64_C(1) << (o))
#define KIND(k) (1u << (k))

static const char *const override_vars[] = {
	"SIGIL_BASE_DIR", "SIGIL_SERVER__ADDRESS", "SIGIL_SERVER__UTILITY_ADDRESS",
	"SIGIL_LOG__LEVEL", "SIGIL_LOG__JSON", "SIGIL_WATERMARK__DIR",
	"SIGIL_VAULTS__MAIN__CONFIG__PATH", "SIGIL_SERVER__MAX_BODY_BYTES",
	"SIGIL_SERVER__TLS__CERT_FILE", "SIGIL_SERVER__TLS__KEY_FILE", "SIGIL_PASSPHRASE",
	"SIGIL_SERVER__HEADER_TIMEOUT_SECONDS", "SIGIL_SERVER__MAX_CONNECTIONS",
	"SIGIL_SERVER__MAX_CONNECTIONS_PER_IP", "SIGIL_SERVER__MAX_BUFFERED_BYTES",
	"SIGIL_SERVER__BACKEND_TIMEOUT_MS",
	"SIGIL_TEZOS__" "TZ1C8PEDNFJ6UXOQM2XCYFTHM5KBGGGOQDRH" "__LOG_PAYLOADS",
};

static int
clean_env(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(override_vars) / sizeof(override_vars[0]); i++)
		unsetenv(override_vars[i]);
	return 0;
}

static struct sigil_config *
load_ok(const char *yaml)
{
	struct sigil_config *c = NULL;
	char err[256] = "";
	int rc = config_load_string(yaml, strlen(yaml), &c, err, sizeof(err));
	if (rc != 0)
		fail_msg("config failed (%d): %s", rc, err);
	assert_non_null(c);
	return c;
}

/* Loads yaml expecting failure rc and an error containing want. */
static void
load_bad(const char *yaml, int rc_want, const char *want)
{
	struct sigil_config *c = (struct sigil_config *)(uintptr_t)1;
	char err[256] = "";
	int rc = config_load_string(yaml, strlen(yaml), &c, err, sizeof(err));

	assert_null(c);
	if (rc != rc_want || strstr(err, want) == NULL)
		fail_msg("want %d \"%s\", got %d \"%s\"", rc_want, want, rc, err);
}

static void
test_defaults(void **state)
{
	struct sigil_config *c = NULL;
	char err[128] = "x", path[256];
	(void)state;

	assert_int_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(c->base_dir, "./var");
	assert_string_equal(c->server.address, "127.0.0.1:6732");
	assert_string_equal(c->server.utility_address, "127.0.0.1:9583");
	assert_false(c->server.tls);
	assert_null(c->server.tls_cert_file);
	assert_false(c->server.allow_list_known_keys);
	/* Twice the largest Tezos request (32 KiB of bytes, hex in a string). */
	assert_int_equal(c->server.max_body_bytes, 131072);
	assert_int_equal(c->server.timeout_seconds, 10);
	assert_int_equal(c->server.header_timeout_seconds, 5);
	assert_int_equal(c->server.max_connections, 1024);
	assert_int_equal(c->server.max_connections_per_ip, 64);
	assert_int_equal(c->server.max_buffered_bytes, 64 * 1024 * 1024);
	assert_int_equal(c->server.threads, 0);
	assert_int_equal(c->server.backend_timeout_ms, 5000);
	assert_int_equal(c->server.n_authorized_keys, 0);
	assert_int_equal(c->log_level, LOG_INFO);
	assert_false(c->log_json);
	assert_int_equal(c->n_vaults, 1);
	assert_string_equal(c->vaults[0].name, "main");
	assert_string_equal(c->vaults[0].driver, "file");
	assert_string_equal(settings_get(&c->vaults[0].settings, "path"), "keys.json");
	assert_null(settings_get(&c->vaults[0].settings, "passphrase_file"));
	assert_string_equal(c->watermark_driver, "file");
	assert_string_equal(settings_get(&c->watermark, "dir"), "watermarks");
	assert_int_equal(c->n_keys, 0);
	assert_null(config_find_key(c, &chain_tezos, TZ1));
	assert_int_equal(config_resolve_path(c, settings_get(&c->vaults[0].settings, "path"), path, sizeof(path)), 0);
	assert_string_equal(path, "./var/keys.json");
	assert_int_equal(config_resolve_path(c, "/etc/sigil/k.json", path, sizeof(path)), 0);
	assert_string_equal(path, "/etc/sigil/k.json");
	assert_int_equal(config_resolve_path(c, "keys.json", path, 10), SIGIL_E_TOO_BIG);
	assert_string_equal(path, "");
	assert_int_equal(config_resolve_path(c, "", path, sizeof(path)), SIGIL_E_INVALID);
	config_free(c);

	/* An empty file, a comment-only file and a bare "---" are the defaults. */
	c = load_ok("# nothing\n");
	assert_string_equal(c->base_dir, "./var");
	config_free(c);
	c = load_ok("---\n");
	assert_int_equal(c->n_vaults, 1);
	config_free(c);
	assert_int_equal(config_load_string("", 0, &c, err, sizeof(err)), 0);
	config_free(c);
}

static const char full_yaml[] =
	"base_dir: /srv/sigil/\n"
	"log: {level: debug, json: true}\n"
	"server:\n"
	"  address: '[::1]:7000'\n"
	"  utility_address: 0.0.0.0:9000\n"
	"  tls: {cert_file: tls/c.pem, key_file: /abs/k.pem}\n"
	"  allow_list_known_keys: yes\n"
	"  max_body_bytes: 4096\n"
	"  timeout_seconds: 30\n"
	"  header_timeout_seconds: 3\n"
	"  max_connections: 300\n"
	"  max_connections_per_ip: 7\n"
	"  max_buffered_bytes: 65536\n"
	"  threads: 4\n"
	"  authorized_keys: [" EDPK1 ", " SPPK "]\n"
	"vaults:\n"
	"  hot:\n"
	"    driver: file\n"
	"    config: {path: hot.json, passphrase_file: pass.txt}\n"
	"  cold:\n"
	"    driver: file\n"
	"    config:\n"
	"      path: /mnt/cold.json\n"
	"watermark: {driver: file, dir: wm}\n"
	"tezos:\n"
	"  " TZ2 ":\n"
	"    log_payloads: true\n"
	"    allow:\n"
	"      generic: [transaction, \"ballot:yay\", ballot, reveal]\n"
	"      pack:\n"
	"  " TZ1 ":\n"
	"    allowed_chains: [NetXdQprcVkpaWU, NetXHAoG8TyXu4i]\n"
	"    authorized_keys: [" SPPK "]\n"
	"  " TZ4 ":\n"
	"    allow_proof_of_possession: true\n"
	"    allow:\n"
	"      attestation:\n"
	"      attestation_with_dal: true\n"
	"      block: false\n"
	"  " TZ1B ":\n";

static void
test_full(void **state)
{
	struct sigil_config *c;
	const struct policy_key *k;
	const struct chain_pubkey *pks;
	char path[256];
	size_t n;
	(void)state;

	c = load_ok(full_yaml);
	assert_string_equal(c->base_dir, "/srv/sigil/");
	assert_int_equal(c->log_level, LOG_DEBUG);
	assert_true(c->log_json);
	assert_string_equal(c->server.address, "[::1]:7000");
	assert_string_equal(c->server.utility_address, "0.0.0.0:9000");
	assert_true(c->server.tls);
	assert_string_equal(c->server.tls_cert_file, "tls/c.pem");
	assert_string_equal(c->server.tls_key_file, "/abs/k.pem");
	assert_true(c->server.allow_list_known_keys);
	assert_int_equal(c->server.max_body_bytes, 4096);
	assert_int_equal(c->server.timeout_seconds, 30);
	assert_int_equal(c->server.header_timeout_seconds, 3);
	assert_int_equal(c->server.max_connections, 300);
	assert_int_equal(c->server.max_connections_per_ip, 7);
	assert_int_equal(c->server.max_buffered_bytes, 65536);
	assert_int_equal(c->server.threads, 4);
	assert_int_equal(c->server.n_authorized_keys, 2);
	assert_int_equal(c->server.authorized_keys[0].type, SIGIL_KEY_ED25519);
	assert_int_equal(c->server.authorized_keys[1].type, SIGIL_KEY_SECP256K1);
	assert_int_equal(c->n_vaults, 2);
	assert_string_equal(c->vaults[0].name, "hot");
	assert_string_equal(settings_get(&c->vaults[0].settings, "passphrase_file"), "pass.txt");
	assert_string_equal(settings_get(&c->vaults[1].settings, "path"), "/mnt/cold.json");
	assert_null(settings_get(&c->vaults[1].settings, "passphrase_file"));
	assert_ptr_equal(config_find_vault(c, "cold"), &c->vaults[1]);
	assert_null(config_find_vault(c, "main"));
	assert_int_equal(config_resolve_path(c, settings_get(&c->vaults[0].settings, "path"), path, sizeof(path)), 0);
	assert_string_equal(path, "/srv/sigil/hot.json");
	assert_string_equal(settings_get(&c->watermark, "dir"), "wm");
	assert_int_equal(c->n_keys, 4);

	k = config_find_key(c, &chain_tezos, TZ2);
	assert_non_null(k);
	assert_ptr_equal(k->chain, &chain_tezos);
	assert_string_equal(k->address, TZ2);
	assert_true(k->log_payloads);
	assert_int_equal(k->allow_kinds, KIND(TZ_REQ_GENERIC) | KIND(TZ_REQ_PACK));
	assert_int_equal(k->allow_ops, BIT(TZ_OP_TRANSACTION) | BIT(TZ_OP_BALLOT_YAY) |
	                                   BIT(TZ_OP_BALLOT_NAY) | BIT(TZ_OP_BALLOT_PASS) |
	                                   BIT(TZ_OP_REVEAL));
	pks = config_auth_keys(c, k, &n);
	assert_int_equal(n, 2);
	assert_ptr_equal(pks, c->server.authorized_keys);

	k = config_find_key(c, &chain_tezos, TZ1);
	assert_non_null(k);
	assert_int_equal(k->n_networks, 2);
	assert_int_equal(k->network_len[0], 4);
	assert_memory_equal(k->networks[0], "\x7a\x06\xa7\x70", 4);
	assert_int_equal(k->network_len[1], 4);
	assert_memory_equal(k->networks[1], "\x01\x02\x03\x04", 4);
	assert_int_equal(k->allow_kinds, KIND(TZ_REQ_BLOCK) | KIND(TZ_REQ_PREATTESTATION) |
	                                     KIND(TZ_REQ_ATTESTATION));
	pks = config_auth_keys(c, k, &n);
	assert_int_equal(n, 1);
	assert_int_equal(pks[0].type, SIGIL_KEY_SECP256K1);

	k = config_find_key(c, &chain_tezos, TZ4);
	assert_non_null(k);
	assert_true(k->allow_proof_of_possession);
	assert_int_equal(k->allow_kinds,
	                 KIND(TZ_REQ_ATTESTATION) | KIND(TZ_REQ_ATTESTATION_WITH_DAL));
	assert_int_equal(k->allow_ops, 0);

	k = config_find_key(c, &chain_tezos, TZ1B); /* null value: defaults */
	assert_non_null(k);
	assert_int_equal(k->allow_kinds, KIND(TZ_REQ_BLOCK) | KIND(TZ_REQ_PREATTESTATION) |
	                                     KIND(TZ_REQ_ATTESTATION));
	assert_null(config_find_key(c, &chain_tezos, "tz1notconfigured"));
	config_free(c);

	/* Staking calls are kinds of their own; Signatory's pre-Oxford names
	 * mean today's kinds, as request kinds and in the generic list. */
	c = load_ok("tezos:\n  " TZ1 ":\n    allow:\n      endorsement:\n      preendorsement: true\n"
	            "      block: false\n"
	            "      generic: [transaction, stake, unstake, finalize_unstake,\n"
	            "                set_delegate_parameters, endorsement]\n"
	            "  " TZ2 ":\n    allow: {generic: [transaction]}\n");
	k = config_find_key(c, &chain_tezos, TZ1);
	assert_int_equal(k->allow_kinds, KIND(TZ_REQ_ATTESTATION) | KIND(TZ_REQ_PREATTESTATION) |
	                                     KIND(TZ_REQ_GENERIC));
	assert_int_equal(k->allow_ops, BIT(TZ_OP_TRANSACTION) | BIT(TZ_OP_STAKE) |
	                                   BIT(TZ_OP_UNSTAKE) | BIT(TZ_OP_FINALIZE_UNSTAKE) |
	                                   BIT(TZ_OP_SET_DELEGATE_PARAMETERS) |
	                                   BIT(TZ_OP_ATTESTATION));
	assert_int_equal(config_find_key(c, &chain_tezos, TZ2)->allow_ops,
	                 BIT(TZ_OP_TRANSACTION));
	config_free(c);

	/* An empty `allow` allows nothing; an empty generic list no generic. */
	c = load_ok("tezos:\n  " TZ1 ":\n    allow:\n  " TZ2 ":\n    allow: {generic: []}\n"
	            "  " TZ4 ":\n    allow: {generic: }\n");
	assert_int_equal(config_find_key(c, &chain_tezos, TZ1)->allow_kinds, 0);
	assert_int_equal(config_find_key(c, &chain_tezos, TZ2)->allow_kinds, 0);
	assert_int_equal(config_find_key(c, &chain_tezos, TZ4)->allow_kinds, 0);
	assert_int_equal(config_find_key(c, &chain_tezos, TZ4)->allow_ops, 0);
	assert_null(config_find_key(c, &chain_tezos, NULL));
	assert_null(config_find_key(c, NULL, TZ1));
	config_free(c);
}

static void
test_example_file(void **state)
{
	const char *src = getenv("SIGIL_SOURCE_DIR");
	struct sigil_config *c = NULL;
	const struct policy_key *k;
	char path[1024], err[256] = "";
	(void)state;

	if (src == NULL)
		src = ".";
	(void)snprintf(path, sizeof(path), "%s/deploy/sigil.example.yaml", src);
	if (config_load(path, &c, err, sizeof(err)) != 0)
		fail_msg("%s: %s", path, err);
	assert_string_equal(c->base_dir, "./var");
	assert_string_equal(settings_get(&c->vaults[0].settings, "passphrase_file"), "passphrase");
	assert_int_equal(c->n_keys, 3);
	k = config_find_key(c, &chain_tezos, TZ1);
	assert_non_null(k);
	assert_int_equal(k->n_networks, 1);
	assert_int_equal(k->n_auth_keys, 1);
	assert_true(k->allow_ops & BIT(TZ_OP_BALLOT_NAY));
	assert_true(config_find_key(c, &chain_tezos, TZ4)->allow_proof_of_possession);
	assert_true(config_find_key(c, &chain_tezos, TZ2)->log_payloads);
	assert_true(config_find_key(c, &chain_tezos, TZ2)->allow_ops & BIT(TZ_OP_STAKE));
	assert_false(config_find_key(c, &chain_tezos, TZ2)->allow_ops &
	             BIT(TZ_OP_SET_DELEGATE_PARAMETERS));
	config_free(c);

	assert_int_equal(config_load("/nonexistent/sigil.yaml", &c, err, sizeof(err)),
	                 SIGIL_E_NOT_FOUND);
	assert_non_null(strstr(err, "/nonexistent/sigil.yaml"));
	assert_null(c);
}

static void
test_errors(void **state)
{
	(void)state;
	/* Unknown keys, with their path and line. */
	load_bad("server:\n  address: 127.0.0.1:1\n  adress: x\n", SIGIL_E_INVALID,
	         "line 3: server.adress: unknown key");
	load_bad("base_dir: x\nlogs: {}\n", SIGIL_E_INVALID, "line 2: logs: unknown key");
	load_bad("tezos:\n  " TZ1 ":\n    allow:\n      block:\n    log_payload: true\n",
	         SIGIL_E_INVALID, "line 5: tezos." TZ1 ".log_payload: unknown key");
	load_bad("vaults:\n  main:\n    driver: file\n    config: {path: k, pass: x}\n",
	         SIGIL_E_INVALID, "line 4: vaults.main.config.pass: unknown key");
	/* A dotted key does not reach a nested field. */
	load_bad("server:\n  tls.cert_file: x\n", SIGIL_E_INVALID, "unknown key");
	/* Wrong shapes. */
	load_bad("server:\n  - address\n", SIGIL_E_INVALID, "line 2: server: expected a map, got a list");
	load_bad("server:\n  address: [a, b]\n", SIGIL_E_INVALID,
	         "server.address: expected a value, got a list");
	load_bad("tezos: [" TZ1 "]\n", SIGIL_E_INVALID, "tezos: expected a map, got a list");
	load_bad("server:\n  authorized_keys: " EDPK1 "\n", SIGIL_E_INVALID,
	         "server.authorized_keys: expected a list");
	load_bad("- a\n- b\n", SIGIL_E_INVALID, "top level must be a map");
	load_bad("tezos:\n  " TZ1 ": [block]\n", SIGIL_E_INVALID,
	         "line 2: tezos." TZ1 ": expected a map, got a list");
	load_bad("tezos:\n  " TZ1 ":\n    allow: [block]\n", SIGIL_E_INVALID,
	         "allow: expected a map, got a list");
	load_bad("tezos:\n  " TZ1 ":\n    allow: {generic: [[transaction]]}\n", SIGIL_E_INVALID,
	         "list items must be values");
	/* Bad values. */
	load_bad("tezos:\n  tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrh:\n", SIGIL_E_INVALID,
	         "line 2: tezos.tz1c8PEDNfj6UxoQM2XCyfTHM5KbGGgoqDrh: not a key address "
	         "(tz1, tz2, tz3 or tz4)");
	load_bad("tezos:\n  " TZ1 ":\n    allow:\n      generic: [transaction, transfer]\n",
	         SIGIL_E_INVALID, "line 4: tezos." TZ1 ".allow.generic: unknown operation kind 'transfer'");
	load_bad("tezos:\n  " TZ1 ":\n    allow: {endorsing: }\n", SIGIL_E_INVALID,
	         "allow.endorsing: unknown request kind");
	load_bad("tezos:\n  " TZ1 ":\n    allow:\n      generic: [double_endorsement_evidence]\n",
	         SIGIL_E_INVALID, "unknown operation kind 'double_endorsement_evidence'");
	load_bad("tezos:\n  " TZ1 ":\n    allow: {block: maybe}\n", SIGIL_E_INVALID,
	         "allow.block: expected no value");
	load_bad("tezos:\n  " TZ1 ":\n    allowed_chains: [mainnet]\n", SIGIL_E_INVALID,
	         "line 3: tezos." TZ1 ".allowed_chains: 'mainnet' is not a chain id (Net…)");
	load_bad("tezos:\n  " TZ1 ":\n    allowed_chains: []\n", SIGIL_E_INVALID, "empty list");
	load_bad("server: {authorized_keys: [" TZ1 "]}\n", SIGIL_E_INVALID, "is not a public key");
	load_bad("server: {address: localhost}\n", SIGIL_E_INVALID, "not host:port");
	load_bad("server: {address: 'h:65536'}\n", SIGIL_E_INVALID, "not host:port");
	load_bad("server: {address: '::1:80'}\n", SIGIL_E_INVALID, "not host:port");
	load_bad("server: {timeout_seconds: 0}\n", SIGIL_E_INVALID, "from 1 to 3600");
	load_bad("server: {threads: -1}\n", SIGIL_E_INVALID, "server.threads");
	load_bad("server: {max_body_bytes: 99999999999999999999999}\n", SIGIL_E_INVALID,
	         "max_body_bytes");
	/* The body ceiling stays under the parser's hard one (API_BODY_MAX). */
	load_bad("server: {max_body_bytes: 1048577}\n", SIGIL_E_INVALID, "from 1024 to 1048576");
	load_bad("server: {header_timeout_seconds: 0}\n", SIGIL_E_INVALID,
	         "server.header_timeout_seconds: '0' is not a whole number from 1 to 300");
	load_bad("server: {header_timeout_seconds: 301}\n", SIGIL_E_INVALID, "from 1 to 300");
	load_bad("server: {max_connections: 15}\n", SIGIL_E_INVALID,
	         "server.max_connections: '15' is not a whole number from 16 to 65536");
	load_bad("server: {max_connections: 65537}\n", SIGIL_E_INVALID, "from 16 to 65536");
	load_bad("server: {max_connections_per_ip: 0}\n", SIGIL_E_INVALID,
	         "server.max_connections_per_ip: '0' is not a whole number from 1 to 65536");
	load_bad("server: {max_buffered_bytes: -1}\n", SIGIL_E_INVALID, "max_buffered_bytes");
	/* Every body the ceiling allows must fit in the budget. */
	load_bad("server: {max_buffered_bytes: 131071}\n", SIGIL_E_INVALID,
	         "server.max_buffered_bytes: must be at least server.max_body_bytes (131072)");
	load_bad("log: {json: maybe}\n", SIGIL_E_INVALID, "log.json: 'maybe' is not true or false");
	load_bad("log: {level: loud}\n", SIGIL_E_INVALID, "log.level");
	load_bad("base_dir:\n", SIGIL_E_INVALID, "line 1: base_dir: needs a value");
	load_bad("watermark: {driver: pg}\n", SIGIL_E_INVALID, "unsupported driver 'pg'");
	load_bad("vaults:\n  main:\n    driver: hsm\n", SIGIL_E_INVALID, "unsupported driver");
	load_bad("vaults:\n  main:\n    driver: file\n", SIGIL_E_INVALID,
	         "vaults.main: config.path is missing");
	load_bad("vaults:\n  'a b':\n    driver: file\n", SIGIL_E_INVALID, "vault names");
	load_bad("vaults: {}\n", SIGIL_E_INVALID, "no vault configured");
	load_bad("server:\n  tls: {cert_file: c.pem}\n", SIGIL_E_INVALID,
	         "server.tls: needs both cert_file and key_file");
	/* A key's list narrows the server's: it cannot add to it. */
	load_bad("server: {authorized_keys: [" EDPK1 "]}\ntezos:\n  " TZ1
	         ":\n    authorized_keys: [" EDPK2 "]\n",
	         SIGIL_E_INVALID, "is not in server.authorized_keys");
	load_bad("tezos:\n  " TZ1 ":\n    authorized_keys: [" EDPK2 "]\n", SIGIL_E_INVALID,
	         "authentication is off");
	/* YAML-level problems. */
	load_bad("a: [\n", SIGIL_E_INVALID, "YAML");
	load_bad("base_dir: a\nbase_dir: b\n", SIGIL_E_INVALID, "line 2: duplicate key 'base_dir'");
	load_bad("x: &a {y: 1}\nz: *a\n", SIGIL_E_INVALID, "aliases are not supported");
	load_bad("base_dir: a\n---\nbase_dir: b\n", SIGIL_E_INVALID, "only one YAML document");
	load_bad("{a: 1}: 2\n", SIGIL_E_INVALID, "map keys must be plain values");
}

static void
test_limits(void **state)
{
	char *big, *deep;
	size_t n = CONFIG_MAX_BYTES + 1, off = 0;
	struct sigil_config *c = NULL;
	char err[256], path[] = "/tmp/sigil-test-config-XXXXXX";
	int fd;
	(void)state;

	/* Oversized: refused before parsing, from a buffer and from a file. */
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, '#', n);
	big[n] = '\0';
	load_bad(big, SIGIL_E_TOO_BIG, "larger than");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, big, n), (ssize_t)n);
	close(fd);
	assert_int_equal(config_load(path, &c, err, sizeof(err)), SIGIL_E_TOO_BIG);
	assert_non_null(strstr(err, "larger than"));
	unlink(path);
	free(big);

	/* Exactly at the ceiling is fine (all comment). */
	big = malloc(CONFIG_MAX_BYTES);
	assert_non_null(big);
	memset(big, '#', CONFIG_MAX_BYTES);
	big[CONFIG_MAX_BYTES - 1] = '\n';
	assert_int_equal(config_load_string(big, CONFIG_MAX_BYTES, &c, err, sizeof(err)), 0);
	config_free(c);
	free(big);

	/* Too deep: flow lists nested past the ceiling, then exactly at it. */
	deep = malloc(4096);
	assert_non_null(deep);
	off = (size_t)snprintf(deep, 4096, "a: ");
	for (int i = 0; i < 200; i++)
		deep[off++] = '[';
	deep[off] = '\0';
	load_bad(deep, SIGIL_E_TOO_BIG, "nested deeper than 10 levels");
	off = (size_t)snprintf(deep, 4096, "a: ");
	for (int i = 0; i < CONFIG_MAX_DEPTH - 1; i++)
		deep[off++] = '[';
	for (int i = 0; i < CONFIG_MAX_DEPTH - 1; i++)
		deep[off++] = ']';
	deep[off] = '\0';
	/* Shape is accepted by the tree, then refused as an unknown key. */
	load_bad(deep, SIGIL_E_INVALID, "line 1: a: unknown key");
	free(deep);
}

static void
test_expansion(void **state)
{
	struct sigil_config *c;
	(void)state;

	setenv("SIGIL_TEST_DIR", "/data/sigil", 1);
	setenv("SIGIL_TEST_PORT", "7777", 1);
	c = load_ok("base_dir: ${SIGIL_TEST_DIR}/x\n"
	            "server: {address: \"127.0.0.1:${SIGIL_TEST_PORT}\"}\n"
	            "watermark: {dir: 'wm$$1-$x-$'}\n");
	assert_string_equal(c->base_dir, "/data/sigil/x");
	assert_string_equal(c->server.address, "127.0.0.1:7777");
	assert_string_equal(settings_get(&c->watermark, "dir"), "wm$1-$x-$");
	config_free(c);

	unsetenv("SIGIL_TEST_UNSET");
	load_bad("base_dir: a\nwatermark:\n  dir: ${SIGIL_TEST_UNSET}\n", SIGIL_E_INVALID,
	         "line 3: environment variable SIGIL_TEST_UNSET is not set");
	load_bad("base_dir: ${SIGIL_TEST_DIR\n", SIGIL_E_INVALID, "unterminated");
	load_bad("base_dir: ${}\n", SIGIL_E_INVALID, "bad variable name");
	load_bad("base_dir: ${1A}\n", SIGIL_E_INVALID, "bad variable name");
	/* Set but empty is empty, not unset: the field then needs a value. */
	setenv("SIGIL_TEST_EMPTY", "", 1);
	load_bad("base_dir: ${SIGIL_TEST_EMPTY}\n", SIGIL_E_INVALID, "base_dir: needs a value");
	unsetenv("SIGIL_TEST_DIR");
	unsetenv("SIGIL_TEST_PORT");
	unsetenv("SIGIL_TEST_EMPTY");
}

static void
test_env_overrides(void **state)
{
	struct sigil_config *c;
	struct sigil_config *bad = NULL;
	char err[256];
	(void)state;

	setenv("SIGIL_BASE_DIR", "/env/base", 1);
	setenv("SIGIL_SERVER__ADDRESS", "0.0.0.0:1234", 1);
	setenv("SIGIL_SERVER__UTILITY_ADDRESS", "[::]:1235", 1);
	setenv("SIGIL_LOG__LEVEL", "warn", 1);
	setenv("SIGIL_WATERMARK__DIR", "/env/wm", 1);
	setenv("SIGIL_VAULTS__MAIN__CONFIG__PATH", "env.json", 1);
	setenv("SIGIL_SERVER__TLS__CERT_FILE", "c.pem", 1);
	setenv("SIGIL_SERVER__TLS__KEY_FILE", "k.pem", 1);
	setenv("SIGIL_TEZOS__TZ1C8PEDNFJ6UXOQM2XCYFTHM5KBGGGOQDRH__LOG_PAYLOADS", "true", 1);
	setenv("SIGIL_SERVER__HEADER_TIMEOUT_SECONDS", "2", 1);
	setenv("SIGIL_SERVER__MAX_CONNECTIONS", "512", 1);
	setenv("SIGIL_SERVER__MAX_CONNECTIONS_PER_IP", "8", 1);
	setenv("SIGIL_SERVER__MAX_BUFFERED_BYTES", "8388608", 1);

	/* Over the file. */
	c = load_ok("base_dir: /file/base\nserver: {address: 127.0.0.1:1, max_connections: 99}\n"
	            "vaults: {main: {driver: file, config: {path: file.json}}}\n"
	            "tezos: {" TZ1 ": }\n");
	assert_string_equal(c->base_dir, "/env/base");
	assert_string_equal(c->server.address, "0.0.0.0:1234");
	assert_string_equal(c->server.utility_address, "[::]:1235");
	assert_int_equal(c->log_level, LOG_WARN);
	assert_string_equal(settings_get(&c->watermark, "dir"), "/env/wm");
	assert_string_equal(settings_get(&c->vaults[0].settings, "path"), "env.json");
	assert_true(c->server.tls);
	assert_true(config_find_key(c, &chain_tezos, TZ1)->log_payloads);
	assert_int_equal(c->server.header_timeout_seconds, 2);
	assert_int_equal(c->server.max_connections, 512);
	assert_int_equal(c->server.max_connections_per_ip, 8);
	assert_int_equal(c->server.max_buffered_bytes, 8388608);
	config_free(c);

	/* Over the embedded defaults too. */
	assert_int_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_string_equal(c->base_dir, "/env/base");
	assert_int_equal(c->server.max_connections, 512);
	assert_string_equal(settings_get(&c->vaults[0].settings, "path"), "env.json");
	config_free(c);

	/* A bad override names its variable. */
	setenv("SIGIL_SERVER__ADDRESS", "nowhere", 1);
	assert_int_equal(config_load(NULL, &bad, err, sizeof(err)), SIGIL_E_INVALID);
	assert_null(bad);
	assert_non_null(strstr(err, "SIGIL_SERVER__ADDRESS"));
	setenv("SIGIL_SERVER__ADDRESS", "0.0.0.0:1234", 1);
	setenv("SIGIL_SERVER__MAX_BODY_BYTES", "12", 1);
	assert_int_equal(config_load(NULL, &bad, err, sizeof(err)), SIGIL_E_INVALID);
	assert_non_null(strstr(err, "SIGIL_SERVER__MAX_BODY_BYTES"));
	unsetenv("SIGIL_SERVER__MAX_BODY_BYTES");
	setenv("SIGIL_SERVER__MAX_CONNECTIONS", "70000", 1);
	assert_int_equal(config_load(NULL, &bad, err, sizeof(err)), SIGIL_E_INVALID);
	assert_non_null(strstr(err, "SIGIL_SERVER__MAX_CONNECTIONS: '70000'"));
	setenv("SIGIL_SERVER__MAX_CONNECTIONS", "512", 1);
	/* The budget is checked against the ceiling after the overrides. */
	setenv("SIGIL_SERVER__MAX_BUFFERED_BYTES", "2048", 1);
	assert_int_equal(config_load(NULL, &bad, err, sizeof(err)), SIGIL_E_INVALID);
	assert_non_null(strstr(err, "max_buffered_bytes: must be at least"));
	clean_env(NULL);
}

/* server.backend_timeout_ms: each call to a vault or watermark store. */
static void
test_backend_timeout(void **state)
{
	struct sigil_config *c;
	struct sigil_config *bad = NULL;
	char err[256];
	(void)state;

	/* The default, from the embedded defaults and from a file without it. */
	assert_int_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c->server.backend_timeout_ms, CONFIG_DEFAULT_BACKEND_TIMEOUT_MS);
	assert_int_equal(c->server.backend_timeout_ms, 5000);
	config_free(c);
	c = load_ok("server: {threads: 4}\n");
	assert_int_equal(c->server.backend_timeout_ms, 5000);
	config_free(c);

	/* Valid values, the bounds included. */
	c = load_ok("server:\n  backend_timeout_ms: 250\n");
	assert_int_equal(c->server.backend_timeout_ms, 250);
	config_free(c);
	c = load_ok("server: {backend_timeout_ms: 1}\n");
	assert_int_equal(c->server.backend_timeout_ms, 1);
	config_free(c);
	c = load_ok("server: {backend_timeout_ms: 600000}\n");
	assert_int_equal(c->server.backend_timeout_ms, 600000);
	config_free(c);

	/* 0 (no deadline at all) and past ten minutes are refused. */
	load_bad("server: {backend_timeout_ms: 0}\n", SIGIL_E_INVALID,
	         "server.backend_timeout_ms: '0' is not a whole number from 1 to 600000");
	load_bad("server: {backend_timeout_ms: 600001}\n", SIGIL_E_INVALID, "from 1 to 600000");
	load_bad("server: {backend_timeout_ms: -1}\n", SIGIL_E_INVALID, "server.backend_timeout_ms");
	load_bad("server: {backend_timeout_ms: 5s}\n", SIGIL_E_INVALID, "server.backend_timeout_ms");

	/* The environment, over the file and over the defaults. */
	setenv("SIGIL_SERVER__BACKEND_TIMEOUT_MS", "1500", 1);
	c = load_ok("server: {backend_timeout_ms: 250}\n");
	assert_int_equal(c->server.backend_timeout_ms, 1500);
	config_free(c);
	assert_int_equal(config_load(NULL, &c, err, sizeof(err)), 0);
	assert_int_equal(c->server.backend_timeout_ms, 1500);
	config_free(c);
	/* A bad override names its variable. */
	setenv("SIGIL_SERVER__BACKEND_TIMEOUT_MS", "0", 1);
	assert_int_equal(config_load(NULL, &bad, err, sizeof(err)), SIGIL_E_INVALID);
	assert_null(bad);
	assert_non_null(strstr(err, "SIGIL_SERVER__BACKEND_TIMEOUT_MS: '0'"));
	clean_env(NULL);
}

static void
test_split_address(void **state)
{
	char host[64];
	uint16_t port;
	(void)state;

	assert_int_equal(config_split_address("127.0.0.1:6732", host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 6732);
	assert_int_equal(config_split_address("[::1]:0", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 0);
	assert_int_equal(config_split_address("signer.local:65535", host, sizeof(host), &port), 0);
	assert_int_equal(port, 65535);
	static const char *bad[] = {"", ":80", "h:", "h:x", "h:123456", "h:80:1", "[::1]80",
	                            "[::1:80", "[1.2.3.4]:80", "a b:80", "h:-1", NULL};
	for (size_t i = 0; bad[i] != NULL; i++)
		assert_int_equal(config_split_address(bad[i], host, sizeof(host), &port),
		                 SIGIL_E_INVALID);
	assert_int_equal(config_split_address("longhostname:1", host, 4, &port), SIGIL_E_TOO_BIG);
}

static void
test_passphrase(void **state)
{
	char dir[] = "/tmp/sigil-test-pass-XXXXXX", file[256], out[32], yaml[512];
	struct sigil_config *c;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(dir));
	(void)snprintf(file, sizeof(file), "%s/pass", dir);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("s3cret\nsecond line\n", f);
	fclose(f);
	(void)snprintf(yaml, sizeof(yaml),
	               "base_dir: %s\nvaults: {main: {driver: file, config: "
	               "{path: k.json, passphrase_file: pass}}, other: {driver: file, "
	               "config: {path: o.json}}}\n",
	               dir);
	c = load_ok(yaml);
	assert_int_equal(config_vault_passphrase(c, &c->vaults[0], out, sizeof(out)), 0);
	assert_string_equal(out, "s3cret");
	assert_int_equal(config_vault_passphrase(c, &c->vaults[1], out, sizeof(out)),
	                 SIGIL_E_NOT_FOUND);
	assert_int_equal(config_vault_passphrase(c, &c->vaults[0], out, 4), SIGIL_E_TOO_BIG);
	unlink(file);
	assert_int_equal(config_vault_passphrase(c, &c->vaults[0], out, sizeof(out)),
	                 SIGIL_E_NOT_FOUND);
	setenv("SIGIL_PASSPHRASE", "from-env", 1);
	assert_int_equal(config_vault_passphrase(c, &c->vaults[1], out, sizeof(out)), 0);
	assert_string_equal(out, "from-env");
	/* Taken out of the environment, kept for reloads. */
	assert_null(getenv("SIGIL_PASSPHRASE"));
	assert_int_equal(config_vault_passphrase(c, &c->vaults[0], out, sizeof(out)), 0);
	assert_string_equal(out, "from-env");
	rmdir(dir);
	config_free(c);
}

/* ---- a driver's own settings ----
 * A vault driver of the test's own declares what its `config:` map takes;
 * the loader reads the map through that table and the driver checks the
 * settings together. */
static const struct setting_spec hsm_settings[] = {
	{.key = "module", .type = SETTING_PATH, .required = true},
	{.key = "slot", .type = SETTING_UINT, .dflt = "0", .min = 0, .max = 100},
	{.key = "pin_file", .type = SETTING_PATH},
	{.key = "read_only", .type = SETTING_BOOL, .dflt = "false"},
};

static int
hsm_check(const struct settings *s, char *err, size_t errlen)
{
	if (strcmp(settings_get(s, "read_only"), "true") == 0 && settings_get(s, "pin_file")) {
		snprintf(err, errlen, "config.pin_file makes no sense with read_only");
		return SIGIL_E_INVALID;
	}
	return 0;
}

static int
hsm_open(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen)
{
	(void)cfg, (void)out;
	snprintf(err, errlen, "not for opening");
	return SIGIL_E_UNSUPPORTED;
}

static const struct vault_driver hsm_driver = {
	.name = "hsm",
	.settings = hsm_settings,
	.n_settings = sizeof(hsm_settings) / sizeof(hsm_settings[0]),
	.check = hsm_check,
	.open = hsm_open,
};

static void
test_driver_settings(void **state)
{
	struct sigil_config *c;
	(void)state;

	vault_driver_add_for_tests(&hsm_driver);
	c = load_ok("vaults:\n  h:\n    driver: hsm\n    config: {module: lib/p11.so, slot: 7}\n");
	assert_string_equal(settings_get(&c->vaults[0].settings, "module"), "lib/p11.so");
	assert_string_equal(settings_get(&c->vaults[0].settings, "slot"), "7");
	/* Defaults filled in; what is absent without one stays absent. */
	assert_string_equal(settings_get(&c->vaults[0].settings, "read_only"), "false");
	assert_null(settings_get(&c->vaults[0].settings, "pin_file"));
	config_free(c);

	load_bad("vaults:\n  h:\n    driver: hsm\n    config: {slot: 7}\n", SIGIL_E_INVALID,
	         "vaults.h: config.module is missing");
	load_bad("vaults:\n  h:\n    driver: hsm\n    config:\n      module: m\n      slot: x\n",
	         SIGIL_E_INVALID, "line 6: vaults.h.config.slot: 'x' is not a whole number from 0 to 100");
	load_bad("vaults:\n  h:\n    driver: hsm\n    config: {module: m, slot: 101}\n",
	         SIGIL_E_INVALID, "from 0 to 100");
	load_bad("vaults:\n  h:\n    driver: hsm\n    config: {module: m, read_only: maybe}\n",
	         SIGIL_E_INVALID, "vaults.h.config.read_only: expected true or false");
	load_bad("vaults:\n  h:\n    driver: hsm\n    config: {module: m, path: x}\n",
	         SIGIL_E_INVALID,
	         "vaults.h.config.path: unknown key (the hsm driver takes: module, slot, pin_file, "
	         "read_only)");
	/* A map within the map gives dotted keys (the enclave vault's
	 * storage.driver): checked against the driver's table like any. */
	load_bad("vaults:\n  h:\n    driver: hsm\n    config: {module: m, slot: {a: 1}}\n",
	         SIGIL_E_INVALID,
	         "vaults.h.config.slot.a: unknown key (the hsm driver takes: module, slot, pin_file, "
	         "read_only)");
	load_bad("vaults:\n  h:\n    driver: hsm\n    config: {module: m, slot: [1]}\n",
	         SIGIL_E_INVALID, "vaults.h.config.slot: expected a value, got a list");
	/* The driver's own check of the settings together. */
	load_bad("vaults:\n  h:\n    driver: hsm\n    config: {module: m, read_only: yes, "
	         "pin_file: p}\n",
	         SIGIL_E_INVALID, "vaults.h: config.pin_file makes no sense with read_only");
	/* The file vault's table: a file vault takes no slot. */
	load_bad("vaults:\n  main:\n    driver: file\n    config: {path: k.json, slot: 1}\n",
	         SIGIL_E_INVALID, "vaults.main.config.slot: unknown key (the file driver takes: "
	                          "path, passphrase_file)");
	/* The store's map likewise. */
	load_bad("watermark: {driver: file, dsn: x}\n", SIGIL_E_INVALID,
	         "line 1: watermark.dsn: unknown key (the file driver takes: dir)");

	/* The environment, by the names the driver declares. */
	setenv("SIGIL_VAULTS__H__CONFIG__SLOT", "9", 1);
	setenv("SIGIL_VAULTS__H__CONFIG__PIN_FILE", "pin", 1);
	c = load_ok("vaults:\n  h:\n    driver: hsm\n    config: {module: m, slot: 7}\n");
	assert_string_equal(settings_get(&c->vaults[0].settings, "slot"), "9");
	assert_string_equal(settings_get(&c->vaults[0].settings, "pin_file"), "pin");
	config_free(c);
	setenv("SIGIL_VAULTS__H__CONFIG__SLOT", "nine", 1);
	load_bad("vaults:\n  h:\n    driver: hsm\n    config: {module: m}\n", SIGIL_E_INVALID,
	         "vaults.h.config.slot: 'nine' is not a whole number");
	unsetenv("SIGIL_VAULTS__H__CONFIG__SLOT");
	unsetenv("SIGIL_VAULTS__H__CONFIG__PIN_FILE");
}

/* The postgres watermark store's conninfo serves an enclave vault whose
 * keys are in postgres and that names none; its own wins. */
static void
test_shared_conninfo(void **state)
{
	(void)state;
	struct sigil_config *c = load_ok(
		"watermark: {driver: postgres, conninfo: \"host=db dbname=sigil\"}\n"
		"vaults:\n"
		"  a: {driver: enclave, config: {socket: s, storage: {driver: postgres}}}\n"
		"  b: {driver: enclave, config: {socket: s, storage: {driver: postgres, "
		"config: {conninfo: \"host=other\"}}}}\n"
		"  c: {driver: enclave, config: {socket: s}}\n");
	assert_string_equal(settings_get(&c->vaults[0].settings, "storage.config.conninfo"),
	                    "host=db dbname=sigil");
	assert_string_equal(settings_get(&c->vaults[1].settings, "storage.config.conninfo"),
	                    "host=other");
	assert_null(settings_get(&c->vaults[2].settings, "storage.config.conninfo"));
	config_free(c);
	/* The file store has no conninfo to give. */
	c = load_ok("vaults:\n  a: {driver: enclave, config: {socket: s, storage: {driver: "
	            "postgres}}}\n");
	assert_null(settings_get(&c->vaults[0].settings, "storage.config.conninfo"));
	config_free(c);
}

/* polkadot_networks: a built-in network changed, a new one, and what is
 * refused. */
static void
test_polkadot_networks(void **state)
{
	static const char g7[] = "0x0707070707070707070707070707070707070707070707070707070707070707";
	char yaml[1024];
	struct sigil_config *c;
	const struct dot_conf *dc;
	const struct dot_network *n;
	uint8_t g[32];
	(void)state;

	snprintf(yaml, sizeof(yaml),
	         "polkadot_networks:\n  westend: {balances: 9}\n"
	         "  mine: {genesis: '%s', ss58_prefix: 5, balances: 10, utility: 40,\n"
	         "         metadata_hash: false, transfer_keep_alive: 7}\n", g7);
	c = load_ok(yaml);
	assert_int_equal(c->n_dot_nets, 2);
	dc = config_chain_conf(c, chain_find("polkadot"));
	assert_non_null(dc);
	assert_null(config_chain_conf(c, chain_find("tezos")));
	n = dot_conf_by_name(dc, "westend");
	assert_int_equal(n->balances, 9);
	assert_int_equal(n->utility, dot_net_westend.utility); /* the rest as built in */
	assert_memory_equal(n->genesis, dot_net_westend.genesis, 32);
	assert_ptr_equal(dot_conf_by_genesis(dc, dot_net_westend.genesis), n);
	memset(g, 7, sizeof(g));
	n = dot_conf_by_genesis(dc, g);
	assert_non_null(n);
	assert_string_equal(n->name, "mine");
	assert_int_equal(n->ss58_prefix, 5);
	assert_false(n->metadata_hash);
	assert_int_equal(n->transfer_keep_alive, 7);
	assert_int_equal(n->transfer_all, 4); /* the pallet's default */
	assert_ptr_equal(dot_conf_by_genesis(dc, dot_net_polkadot.genesis), &dot_net_polkadot);
	config_free(c);

	load_bad("polkadot_networks:\n  mine: {ss58_prefix: 5, balances: 10, utility: 40}\n",
	         SIGIL_E_INVALID, "needs genesis, ss58_prefix, balances and utility");
	load_bad("polkadot_networks:\n  westend: {genesis: '0x12'}\n", SIGIL_E_INVALID,
	         "genesis: 0x and 64 hex digits");
	load_bad("polkadot_networks:\n  westend: {ss58_prefix: 46}\n", SIGIL_E_INVALID,
	         "46 and 47 are reserved");
	load_bad("polkadot_networks:\n  westend: {balances: 256}\n", SIGIL_E_INVALID,
	         "from 0 to 255");
	load_bad("polkadot_networks:\n  westend: {pallets: 3}\n", SIGIL_E_INVALID,
	         "unknown key");
	load_bad("polkadot_networks: [westend]\n", SIGIL_E_INVALID, "expected a map");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_defaults, clean_env),
		cmocka_unit_test_setup(test_full, clean_env),
		cmocka_unit_test_setup(test_example_file, clean_env),
		cmocka_unit_test_setup(test_errors, clean_env),
		cmocka_unit_test_setup(test_limits, clean_env),
		cmocka_unit_test_setup(test_expansion, clean_env),
		cmocka_unit_test_setup(test_env_overrides, clean_env),
		cmocka_unit_test_setup(test_backend_timeout, clean_env),
		cmocka_unit_test_setup(test_driver_settings, clean_env),
		cmocka_unit_test_setup(test_split_address, clean_env),
		cmocka_unit_test_setup(test_passphrase, clean_env),
		cmocka_unit_test_setup(test_polkadot_networks, clean_env),
		cmocka_unit_test_setup(test_shared_conninfo, clean_env),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
