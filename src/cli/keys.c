/* sigil generate, import, list, pubkey. */
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "core/context.h"
#include "base/errors.h"
#include "base/fileio.h"
#include "base/secmem.h"
#include "cli/tezos.h"
#include "core/keyring.h"
#include "vault/file/file.h"

static const char generate_usage[] =
	"usage: sigil generate <tz1|tz2|tz3|tz4|sr25519> [--name NAME] [--vault VAULT] [-n N]\n"
	"       sigil generate -t <tz1|tz2|tz3|tz4> [-v VAULT] [-n N]\n"
	"       (or by curve: ed25519, secp256k1, p256, bls)\n\n"
	"Generates N keys (default 1) into the vault (the first that can store keys\n"
	"unless -v names one) and prints each one's address and public key: the Tezos\n"
	"forms, and for sr25519 (Polkadot) the SS58 address and 0x public key. A vault\n"
	"that can make keys itself (a key holder) makes them: the secret never\n"
	"exists in this process. A key is usable once it is listed under its chain\n"
	"(`tezos:`, `ethereum:`, `polkadot:`, …) in the configuration; `sigil list\n"
	"--chain NAME` shows its address on each chain.\n";

static const char import_usage[] =
	"usage: sigil import <edsk…|spsk…|p2sk…|BLsk…|edesk…|spesk…|p2esk…|BLesk…|sr25519:0x…>\n"
	"                   [--name NAME]\n"
	"                   [--vault VAULT | -v VAULT]\n"
	"       sigil import --pem FILE [--name NAME] [--vault VAULT]\n"
	"       sigil import - [...]     (reads the secret from standard input)\n\n"
	"Imports a secret key into the file vault. Encrypted forms are opened with\n"
	"SIGIL_IMPORT_PASSPHRASE, else a prompt on the terminal. A key may keep the\n"
	"\"unencrypted:\" or \"encrypted:\" label that octez-client's secret_keys file\n"
	"and Signatory's file vault give it. A Polkadot sr25519 key is its 32-byte\n"
	"seed (subkey's \"Secret seed\") as sr25519:0x and 64 hex digits, or its\n"
	"64-byte secret key in the ed25519 form (polkadot-js's secretKey) as\n"
	"sr25519:0x and 128 hex digits; only a file vault keeps the latter.\n"
	"Prefer '-' or --pem: a secret on the command line can be seen by other\n"
	"users of this machine.\n";

static const char list_usage[] =
	"usage: sigil list [--chain NAME[:FORM]]\n\nLists the keys of every configured vault, one a line, tab-separated:\n"
	"address (FORM: another of the chain's forms, e.g. bitcoin:p2tr), type,\n"
	"public key (as NAME writes them; default tezos), vault, whether\n"
	"the configuration allows it for that chain\n"
	"(configured, not-configured), the key's name in its vault (a token's label),\n"
	"and where the vault keeps it (a token's object id; - for none).\n";

static const char pop_usage[] =
	"usage: sigil pop <tz4…>\n\nPrints the key's BLS proof of possession (BLsig…), as\n"
	"GET /bls_prove_possession/{tz4} answers it.\n";

static const char pubkey_usage[] =
	"usage: sigil pubkey <tz1…|tz2…|tz3…|tz4…>\n\nPrints the key's public key.\n";

/* Parses --name and --vault; returns the first positional argument. */
/* A key's address and public key, in the CLI's forms (cli/tezos.h). */
static int
keys_text(const struct vault_key *k, char *address, size_t acap, char *public_key, size_t pcap)
{
	return cli_key_text(k, address, acap, public_key, pcap);
}

static const char *
keys_opts(int argc, char **argv, const char **name, const char **vault, const char **pem)
{
	const char *pos = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--name") == 0 && i + 1 < argc)
			*name = argv[++i];
		else if ((strcmp(argv[i], "--vault") == 0 || strcmp(argv[i], "-v") == 0) && i + 1 < argc)
			*vault = argv[++i];
		else if (pem && strcmp(argv[i], "--pem") == 0 && i + 1 < argc)
			*pem = argv[++i];
		else if (pos == NULL)
			pos = argv[i];
		else
			return NULL;
	}
	return pos;
}

/* sk (sklen bytes; NULL: the vault makes the key) into the vault. */
static int
keys_store(const char *vault, const char *name, enum sigil_key_type t, const uint8_t *sk,
           size_t sklen)
{
	struct sigil_config *cfg = NULL;
	struct vault_key info;
	char path[4096], defname[64];
	char *pass = secmem_alloc(CLI_PASS_MAX);
	int rc;

	if (pass == NULL || (rc = cli_load_config(&cfg)) != 0) {
		secmem_free(pass);
		return 1;
	}
	const struct config_vault *cv;
	if ((rc = cli_vault_target(cfg, vault, path, sizeof(path), pass, CLI_PASS_MAX, &cv)) != 0)
		goto out;
	const struct vault_driver *drv = vault_driver_find(cv->driver);
	if (sk == NULL && drv->generate == NULL) {
		rc = SIGIL_E_UNSUPPORTED; /* the caller makes the secret then */
		goto out;
	}
	if (sk != NULL && drv->add == NULL) {
		fprintf(stderr, "sigil: vault %s (%s) cannot import keys; generate them in it\n",
		        cv->name, cv->driver);
		rc = SIGIL_E_UNSUPPORTED;
		goto out;
	}
	if (name == NULL && sk != NULL) {
		struct vault_key tmp;
		if ((rc = vault_key_describe_sized(t, sk, sklen, "x", &tmp)) != 0 ||
		    (rc = sigil_vault_codec()->address(t, tmp.pk, tmp.pk_len, defname,
		                                       sizeof(defname))) != 0)
			goto out;
		name = defname;
	}
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash) {
		*slash = '\0';
		(void)fileio_mkdirs(dir, 0700);
	}
	struct settings set;
	if ((rc = sigil_settings_resolve(cfg, drv->settings, drv->n_settings, &cv->settings,
	                                 &set)) != 0)
		goto out;
	struct vault_config vc = {.name = cv->name, .settings = &set, .passphrase = pass,
	                          .codec = sigil_vault_codec()};
	char err[512] = "", address[CHAIN_ADDRESS_MAX], public_key[CHAIN_TEXT_MAX];
	struct sigil_deadline dl = sigil_deadline_in(cfg->server.backend_timeout_ms);
	vc.deadline = &dl;
	rc = sk ? drv->add(&vc, name, t, sk, sklen, &info, err, sizeof(err))
	        : drv->generate(&vc, name, t, &info, err, sizeof(err));
	settings_free(&set);
	if (rc == 0 &&
	    (rc = keys_text(&info, address, sizeof(address), public_key, sizeof(public_key))) != 0)
		snprintf(err, sizeof(err), "%s", sigil_strerror(rc));
	if (rc == 0)
		printf("%s %s %s\n", address, public_key, info.name);
	else
		fprintf(stderr, "sigil: %s\n", err);
out:
	secmem_free(pass);
	config_free(cfg);
	return rc;
}

/* Whether the vault sigil generate stores into (named, or the first that
 * can store keys, as cli_vault_target picks it) makes keys itself. Asked
 * before anything prompts for a passphrase. */
static bool
keys_vault_generates(const char *vault)
{
	struct sigil_config *cfg = NULL;
	const struct config_vault *v;
	bool yes;

	if (cli_load_config(&cfg) != 0)
		return false;
	v = cli_vault_pick(cfg, vault);
	yes = v != NULL && vault_driver_find(v->driver)->generate != NULL;
	config_free(cfg);
	return yes;
}

int
cli_generate(int argc, char **argv)
{
	const char *name = NULL, *vault = NULL, *type = NULL;
	char *rest[64];
	unsigned long count = 1;
	int t, rc = 0, nrest = 1;
	uint8_t *sk;

	if (cli_wants_help(argc, argv, generate_usage))
		return 0;
	/* -t TYPE and -n N (Signatory's spelling) here; the rest as before. */
	rest[0] = argv[0];
	for (int i = 1; i < argc; i++) {
		if ((strcmp(argv[i], "-t") == 0 || strcmp(argv[i], "--type") == 0) && i + 1 < argc) {
			type = argv[++i];
		} else if ((strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--count") == 0) &&
		           i + 1 < argc) {
			char *e;
			count = strtoul(argv[++i], &e, 10);
			if (*e != '\0' || count == 0 || count > 1000) {
				fprintf(stderr, "sigil: -n takes a count from 1 to 1000\n");
				return 2;
			}
		} else if (nrest < (int)(sizeof(rest) / sizeof(rest[0]))) {
			rest[nrest++] = argv[i];
		}
	}
	{
		const char *pos = nrest > 1 ? keys_opts(nrest, rest, &name, &vault, NULL) : NULL;
		if (pos != NULL && type != NULL)
			pos = NULL, type = NULL; /* the type twice: a mistake */
		if (type == NULL)
			type = pos;
		if (type == NULL || (count > 1 && name != NULL)) {
			fputs(generate_usage, stderr);
			return 2;
		}
	}
	if (strcmp(type, "tz1") == 0)
		type = "ed25519";
	else if (strcmp(type, "tz2") == 0)
		type = "secp256k1";
	else if (strcmp(type, "tz3") == 0)
		type = "p256";
	else if (strcmp(type, "tz4") == 0)
		type = "bls";
	if ((t = sigil_key_type_from_name(type)) < 0) {
		fprintf(stderr, "sigil: cannot generate keys of type %s\n", type);
		return 2;
	}
	for (unsigned long i = 0; i < count && rc == 0; i++) {
		/* Made inside the vault where it can; else here, in locked
		 * memory, and handed to it. */
		if (keys_vault_generates(vault)) {
			rc = keys_store(vault, name, (enum sigil_key_type)t, NULL, 0);
			continue;
		}
		if ((sk = secmem_alloc(SIGIL_SECRET_LEN)) == NULL)
			return 1;
		rc = sigil_keygen((enum sigil_key_type)t, sk);
		if (rc == 0)
			rc = keys_store(vault, name, (enum sigil_key_type)t, sk, SIGIL_SECRET_LEN);
		secmem_free(sk);
	}
	return rc == 0 ? 0 : 1;
}

/* octez-client's secret_keys file and Signatory's file vault write a key as
 * "unencrypted:edsk…" or "encrypted:edesk…": a key copied from either keeps
 * working. The label must match the key's form; 0 or SIGIL_E_INVALID. */
static int
keys_strip_label(const char **secret)
{
	static const struct {
		const char *label;
		bool encrypted;
	} labels[] = {{"unencrypted:", false}, {"encrypted:", true}};
	const char *s = *secret;

	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
		size_t n = strlen(labels[i].label);
		if (strncmp(s, labels[i].label, n) != 0)
			continue;
		s += n;
		if (cli_secret_encrypted(s) != labels[i].encrypted)
			return SIGIL_E_INVALID;
		*secret = s;
		return 0;
	}
	return 0;
}

int
cli_import(int argc, char **argv)
{
	const char *name = NULL, *vault = NULL, *pem = NULL, *secret;
	char *line = NULL, *pass = NULL;
	char *pemtext = NULL;
	size_t pemlen = 0;
	enum sigil_key_type t;
	uint8_t *sk;
	size_t sklen = SIGIL_SECRET_LEN;
	int rc;

	if (cli_wants_help(argc, argv, import_usage))
		return 0;
	secret = keys_opts(argc, argv, &name, &vault, &pem);
	if ((secret == NULL) == (pem == NULL)) {
		fputs(import_usage, stderr);
		return 2;
	}
	/* The secret line and the passphrase in locked memory, wiped at the
	 * end; stdin is unbuffered (main.c), so no copy stays in stdio. */
	sk = secmem_alloc(SIGIL_SECRET_MAX);
	line = secmem_alloc(CLI_PASS_MAX);
	pass = secmem_alloc(CLI_PASS_MAX);
	if (sk == NULL || line == NULL || pass == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	if (pem) {
		if ((rc = fileio_read(pem, 1 << 16, &pemtext, &pemlen)) == 0)
			rc = cli_secret_from_pem(pemtext, pemlen, &t, sk);
	} else {
		if (strcmp(secret, "-") == 0) {
			if (fgets(line, CLI_PASS_MAX, stdin) == NULL) {
				rc = SIGIL_E_INVALID;
				goto out;
			}
			line[strcspn(line, "\r\n")] = '\0';
			secret = line;
		}
		if ((rc = keys_strip_label(&secret)) != 0) {
			fprintf(stderr, "sigil: the key's label (encrypted: or unencrypted:) does "
			                "not match its form\n");
			goto out;
		}
		const char *env = getenv("SIGIL_IMPORT_PASSPHRASE");
		if (env)
			snprintf(pass, CLI_PASS_MAX, "%s", env);
		else if (cli_secret_encrypted(secret))
			(void)cli_prompt_secret("key passphrase: ", pass, CLI_PASS_MAX);
		rc = cli_secret_parse(secret, pass, &t, sk, &sklen);
	}
	if (rc != 0) {
		fprintf(stderr, "sigil: cannot read the secret key: %s\n", sigil_strerror(rc));
		goto out;
	}
	rc = keys_store(vault, name, t, sk, sklen);
out:
	secmem_free(line);
	secmem_free(pass);
	if (pemtext) {
		sodium_memzero(pemtext, pemlen);
		free(pemtext);
	}
	secmem_free(sk);
	return rc == 0 ? 0 : 1;
}

int
cli_list(int argc, char **argv)
{
	struct sigil_state *st;
	char err[512] = "";

	const struct chain_ops *chain = NULL;
	int form = -1; /* the chain's address form (--chain bitcoin:p2tr), or -1 */

	if (cli_wants_help(argc, argv, list_usage))
		return 0;
	if (argc == 3 && strcmp(argv[1], "--chain") == 0) {
		char name[64];
		const char *colon = strchr(argv[2], ':');
		snprintf(name, sizeof(name), "%.*s", colon ? (int)(colon - argv[2]) : 63, argv[2]);
		if ((chain = chain_find(name)) == NULL) {
			fprintf(stderr, "sigil: no chain %s\n", name);
			return 1;
		}
		for (unsigned f = 0; colon && f < chain->n_address_forms; f++)
			if (strcmp(colon + 1, chain->address_forms[f]) == 0)
				form = (int)f;
		if (colon && form < 0) {
			fprintf(stderr, "sigil: chain %s has no address form %s\n", name, colon + 1);
			return 1;
		}
	} else if (argc != 1) {
		fputs(list_usage, stderr);
		return 1;
	}
	if (sigil_state_load(cli_opts.config, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigil: %s\n", err);
		return 1;
	}
	for (size_t v = 0; v < st->n_vaults; v++) {
		struct vault *vt = st->vaults[v];
		for (size_t i = 0; i < vt->ops->count(vt); i++) {
			const struct vault_key *k = vt->ops->key(vt, i);
			char address[CHAIN_ADDRESS_MAX], public_key[CHAIN_TEXT_MAX];
			if (chain != NULL
			            ? !chain->key_type_ok(k->type) ||
			                      (form < 0 ? chain->address(k->type, k->pk, k->pk_len, address,
			                                                 sizeof(address))
			                                : chain->other_address((unsigned)form, k->type, k->pk,
			                                                       k->pk_len, address,
			                                                       sizeof(address))) != 0 ||
			                      chain->public_key_text(k->type, k->pk, k->pk_len, public_key,
			                                             sizeof(public_key)) != 0
			            : keys_text(k, address, sizeof(address), public_key,
			                        sizeof(public_key)) != 0)
				continue;
			printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", address, sigil_key_type_name(k->type),
			       public_key, st->cfg->vaults[v].name,
			       config_find_key(st->cfg, chain ? chain : cli_chain(), address)
			               ? "configured"
			               : "not-configured",
			       k->name[0] ? k->name : "-", k->where[0] ? k->where : "-");
		}
	}
	sigil_state_free(st);
	return 0;
}

/* Finds address in the configured vaults and calls fn with it. */
static int
keys_with(const char *address, int (*fn)(struct vault *, size_t, const struct vault_key *))
{
	struct sigil_state *st;
	char err[512] = "";
	int rc = -1;

	if (sigil_state_load(cli_opts.config, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigil: %s\n", err);
		return 1;
	}
	for (size_t v = 0; v < st->n_vaults && rc < 0; v++)
		for (size_t i = 0; i < st->vaults[v]->ops->count(st->vaults[v]) && rc < 0; i++) {
			const struct vault_key *k = st->vaults[v]->ops->key(st->vaults[v], i);
			char a[CHAIN_ADDRESS_MAX], pk[CHAIN_TEXT_MAX];
			if (keys_text(k, a, sizeof(a), pk, sizeof(pk)) == 0 && strcmp(a, address) == 0)
				rc = fn(st->vaults[v], i, k);
		}
	if (rc < 0) {
		fprintf(stderr, "sigil: no key %s in the configured vaults\n", address);
		rc = 1;
	}
	sigil_state_free(st);
	return rc;
}

static int
keys_print_pk(struct vault *v, size_t i, const struct vault_key *k)
{
	char a[CHAIN_ADDRESS_MAX], pk[CHAIN_TEXT_MAX];
	(void)v, (void)i;
	if (keys_text(k, a, sizeof(a), pk, sizeof(pk)) != 0)
		return 1;
	printf("%s\n", pk);
	return 0;
}

static int
keys_print_pop(struct vault *v, size_t i, const struct vault_key *k)
{
	struct vault_sig sig = {.recid = -1}; /* no recovery id wanted */
	char out[CHAIN_TEXT_MAX];
	int rc;

	if (k->type != SIGIL_KEY_BLS) {
		fprintf(stderr, "sigil: proofs of possession exist only for tz4 keys\n");
		return 1;
	}
	rc = v->ops->sign(v, i, SIGIL_SCHEME_BLS_PROOF, k->pk, k->pk_len, NULL, &sig);
	if (rc == 0)
		rc = cli_chain()->signature_text(SIGIL_KEY_BLS, sig.sig, sig.len, out, sizeof(out));
	if (rc != 0) {
		fprintf(stderr, "sigil: %s\n", sigil_strerror(rc));
		return 1;
	}
	printf("%s\n", out);
	return 0;
}

int
cli_pubkey(int argc, char **argv)
{
	if (cli_wants_help(argc, argv, pubkey_usage))
		return 0;
	if (argc != 2) {
		fputs(pubkey_usage, stderr);
		return 2;
	}
	return keys_with(argv[1], keys_print_pk);
}

int
cli_pop(int argc, char **argv)
{
	if (cli_wants_help(argc, argv, pop_usage))
		return 0;
	if (argc != 2) {
		fputs(pop_usage, stderr);
		return 2;
	}
	return keys_with(argv[1], keys_print_pop);
}
