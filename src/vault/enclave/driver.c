/* The enclave vault as a driver (vault.h, registry.c): its settings, and
 * the key holder calls of sigil generate and import, which store what
 * the holder hands out. */
#include "vault/enclave/enclave.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"
#include "base/secmem.h"

/* Signatory's confidentialspace names where they overlap (host, port,
 * storage with driver and config); the credentials name sigil-enclave's
 * KEK provider, and the passphrase is read like every vault's. */
static const struct setting_spec ev_settings[] = {
	{.key = "socket", .type = SETTING_PATH},
	{.key = "host", .type = SETTING_STRING},
	{.key = "port", .type = SETTING_UINT, .dflt = "2000", .min = 1, .max = 65535},
	{.key = "passphrase_file", .type = SETTING_PATH},
	{.key = "credentials.provider", .type = SETTING_STRING, .dflt = "passphrase"},
	{.key = "credentials.pcrs", .type = SETTING_STRING},
	{.key = "credentials.pcr_bank", .type = SETTING_STRING},
	{.key = "storage.driver", .type = SETTING_STRING, .dflt = "file"},
	{.key = "storage.config", .type = SETTING_PATH, .dflt = "enclave_keys.json"},
	{.key = "storage.config.conninfo", .type = SETTING_STRING},
	{.key = "storage.config.table", .type = SETTING_STRING, .dflt = "enclave_keys"},
	{.key = "connections", .type = SETTING_UINT, .dflt = "2", .min = 1, .max = EV_CONNS_MAX},
};
#define EV_N_SETTINGS (sizeof(ev_settings) / sizeof(ev_settings[0]))
/* sigil-enclave's own default (enclave/holder/main.c). */
#define EV_DEFAULT_SOCKET "/run/sigil-enclave/sigil-enclave.sock"

static int
ev_check(const struct settings *s, char *err, size_t errlen)
{
	const char *sock = settings_get(s, "socket"), *host = settings_get(s, "host");
	const char *drv = settings_get(s, "storage.driver");

	if (sock && sock[0] && host && host[0]) {
		snprintf(err, errlen, "socket and host exclude each other");
		return SIGIL_E_INVALID;
	}
	if (drv && enclave_storage_find(drv) == NULL) {
		snprintf(err, errlen, "storage.driver: unknown \"%s\" (file or postgres)", drv);
		return SIGIL_E_INVALID;
	}
	return 0;
}

int
ev_params_read(const struct vault_config *cfg, struct ev_params *p, char *err, size_t errlen)
{
	const struct settings *s = cfg->settings;
	const char *sock = settings_get(s, "socket"), *host = settings_get(s, "host");
	const char *port = settings_get(s, "port"), *conns = settings_get(s, "connections");
	static const char *const cred_keys[] = {"pcrs", "pcr_bank"};
	const char *provider = settings_get(s, "credentials.provider");
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = ev_check(s, err, errlen)) != 0)
		return rc;
	if (host && host[0]) {
		snprintf(p->ep.host, sizeof(p->ep.host), "%s", host);
		p->ep.port = port ? (unsigned)strtoul(port, NULL, 10) : ENCLAVE_DEFAULT_PORT;
	} else if (snprintf(p->ep.socket, sizeof(p->ep.socket), "%s",
	                    sock && sock[0] ? sock : EV_DEFAULT_SOCKET) >= (int)sizeof(p->ep.socket)) {
		snprintf(err, errlen, "vault %s: socket path too long", cfg->name);
		return SIGIL_E_INVALID;
	}
	p->connections = conns ? (unsigned)strtoul(conns, NULL, 10) : 2;
	if (p->connections == 0 || p->connections > EV_CONNS_MAX)
		p->connections = 2;
	p->storage = enclave_storage_find(settings_get(s, "storage.driver") ? settings_get(s, "storage.driver")
	                                                                   : "file");
	if ((p->cred = secmem_alloc(sizeof(*p->cred))) == NULL)
		return SIGIL_E_NOMEM;
	rc = enclave_credentials_set(p->cred, "provider", provider ? provider : "passphrase");
	for (size_t i = 0; rc == 0 && i < sizeof(cred_keys) / sizeof(cred_keys[0]); i++) {
		char key[64];
		const char *val;
		snprintf(key, sizeof(key), "credentials.%s", cred_keys[i]);
		if ((val = settings_get(s, key)) != NULL && val[0])
			rc = enclave_credentials_set(p->cred, cred_keys[i], val);
	}
	if (rc == 0 && cfg->passphrase && cfg->passphrase[0])
		rc = enclave_credentials_set(p->cred, "passphrase", cfg->passphrase);
	if (rc != 0) {
		snprintf(err, errlen, "vault %s: credentials too long", cfg->name);
		ev_params_free(p);
	}
	return rc;
}

void
ev_params_free(struct ev_params *p)
{
	secmem_free(p->cred);
	p->cred = NULL;
}

int
ev_session_init(int fd, const struct enclave_credentials *cred, const struct sigil_deadline *dl,
                char *err, size_t errlen)
{
	struct enclave_request req = {.op = ENCLAVE_INITIALIZE};
	struct enclave_reply rep;
	int rc;

	memcpy(&req.cred, cred, sizeof(req.cred));
	rc = ev_call(fd, &req, &rep, dl, err, errlen);
	sodium_memzero(&req.cred, sizeof(req.cred));
	if (rc != 0)
		return rc;
	/* The holder outlived an earlier session (a sigild restart, or
	 * another connection of this one): its KEK is the one it has, and
	 * the Imports that follow tell whether our keys open under it. */
	if (rep.ok || strcmp(rep.message, "already initialized") == 0)
		return 0;
	snprintf(err, errlen, "the key holder refused Initialize: %s", rep.message);
	return SIGIL_E_AUTH;
}

/* One call on a connection of its own, for the CLI: Initialize, then req;
 * stores the blob the holder hands out, under the key's address. */
static int
ev_new_key(const struct vault_config *cfg, struct enclave_request *req, struct vault_key *info,
           char *err, size_t errlen)
{
	struct ev_params p;
	struct enclave_storage *st = NULL;
	struct enclave_reply rep;
	struct enclave_entry e;
	struct vault_key k;
	int fd = -1, rc;

	memset(&k, 0, sizeof(k));
	memset(&e, 0, sizeof(e));
	if ((rc = ev_params_read(cfg, &p, err, errlen)) != 0)
		return rc;
	if ((rc = p.storage->open(cfg->settings, cfg->deadline, &st, err, errlen)) != 0 ||
	    (rc = ev_connect(&p.ep, cfg->deadline, &fd, err, errlen)) != 0 ||
	    (rc = ev_session_init(fd, p.cred, cfg->deadline, err, errlen)) != 0 ||
	    (rc = ev_call(fd, req, &rep, cfg->deadline, err, errlen)) != 0)
		goto out;
	if (!rep.ok) {
		snprintf(err, errlen, "the key holder refused %s: %s", enclave_op_name(req->op),
		         rep.message);
		rc = SIGIL_E_INVALID;
		goto out;
	}
	if (!rep.has_blob || !rep.has_public_key || rep.blob_len > sizeof(e.blob)) {
		snprintf(err, errlen, "the key holder's reply to %s lacks the key",
		         enclave_op_name(req->op));
		rc = SIGIL_E_INVALID;
		goto out;
	}
	k.type = rep.key_type;
	memcpy(k.pk, rep.pk, rep.pk_len);
	k.pk_len = rep.pk_len;
	k.deterministic = true;
	if (cfg->codec == NULL || cfg->codec->address == NULL ||
	    cfg->codec->address(k.type, k.pk, k.pk_len, e.pkh, sizeof(e.pkh)) != 0) {
		snprintf(err, errlen, "no address for the new key");
		rc = SIGIL_E_INTERNAL;
		goto out;
	}
	snprintf(k.name, sizeof(k.name), "%s", e.pkh);
	memcpy(e.blob, rep.blob, rep.blob_len);
	e.blob_len = rep.blob_len;
	if ((rc = st->ops->put(st, &e, cfg->deadline, err, errlen)) != 0)
		goto out;
	if (info != NULL)
		*info = k;
out:
	if (fd >= 0)
		close(fd);
	if (st != NULL)
		st->ops->close(st);
	ev_params_free(&p);
	return rc;
}

static int
ev_driver_generate(const struct vault_config *cfg, const char *key_name, enum sigil_key_type t,
                   struct vault_key *info, char *err, size_t errlen)
{
	struct enclave_request req = {.op = ENCLAVE_GENERATE, .key_type = t};
	(void)key_name; /* stored under its address, as Signatory does */
	return ev_new_key(cfg, &req, info, err, errlen);
}

static int
ev_driver_add(const struct vault_config *cfg, const char *key_name, enum sigil_key_type t,
              const uint8_t *sk, size_t sklen, struct vault_key *info, char *err, size_t errlen)
{
	struct enclave_request *req;
	int rc;

	(void)key_name;
	/* The key holder's protocol and sealed blobs carry 32-byte secrets
	 * (enclave/proto.h): a longer form would change both. */
	if (sklen != SIGIL_SECRET_LEN) {
		sigil_errf(err, errlen,
		           "vault %s (enclave): the key holder keeps 32-byte secrets only, not a "
		           "%zu-byte %s secret key; import its 32-byte mini secret (sr25519:0x and 64 "
		           "hex digits) or use a file vault",
		           cfg->name, sklen, sigil_key_type_name(t));
		return SIGIL_E_UNSUPPORTED;
	}
	/* The request holds the secret: in locked memory, wiped after. */
	if ((req = secmem_alloc(sizeof(*req))) == NULL)
		return SIGIL_E_NOMEM;
	req->op = ENCLAVE_IMPORT_UNENCRYPTED;
	req->key_type = t;
	memcpy(req->secret, sk, SIGIL_SECRET_LEN);
	rc = ev_new_key(cfg, req, info, err, errlen);
	secmem_free(req);
	return rc;
}

static int
ev_driver_open(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen)
{
	return vault_enclave_open(cfg, out, err, errlen);
}

const struct vault_driver vault_enclave_driver = {
	.name = "enclave",
	.settings = ev_settings,
	.n_settings = EV_N_SETTINGS,
	.check = ev_check,
	.open = ev_driver_open,
	.generate = ev_driver_generate,
	.add = ev_driver_add,
};
