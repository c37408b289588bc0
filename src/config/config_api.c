/* The config's public functions: defaults, loading, the final checks that
 * need the whole file (and the overrides) seen, and the lookups. */
#include "config/config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config_schema.h"
#include "base/errors.h"
#include "base/fileio.h"
#include "base/log.h"
#include "base/secmem.h"
#include "vault/vault.h"
#include "watermark/watermark.h"

static int
dup_into(char **dst, const char *s)
{
	*dst = strdup(s);
	return *dst == NULL ? SIGIL_E_NOMEM : 0;
}

static int
set_defaults(struct sigil_config *c)
{
	int rc = 0;

	c->log_level = LOG_INFO;
	c->server.max_body_bytes = CONFIG_DEFAULT_MAX_BODY;
	c->server.timeout_seconds = CONFIG_DEFAULT_TIMEOUT;
	c->server.header_timeout_seconds = CONFIG_DEFAULT_HEADER_TIMEOUT;
	c->server.max_connections = CONFIG_DEFAULT_MAX_CONNECTIONS;
	c->server.max_connections_per_ip = CONFIG_DEFAULT_MAX_CONNECTIONS_PER_IP;
	c->server.max_buffered_bytes = CONFIG_DEFAULT_MAX_BUFFERED;
	c->server.backend_timeout_ms = CONFIG_DEFAULT_BACKEND_TIMEOUT_MS;
	c->server.ethereum_chain_id = 1; /* mainnet */
	rc = rc ? rc : dup_into(&c->base_dir, CONFIG_DEFAULT_BASE_DIR);
	rc = rc ? rc : dup_into(&c->server.address, CONFIG_DEFAULT_ADDRESS);
	rc = rc ? rc : dup_into(&c->server.utility_address, CONFIG_DEFAULT_UTILITY_ADDRESS);
	rc = rc ? rc : dup_into(&c->watermark_driver, "file");
	return rc;
}

static int
add_default_vault(struct sigil_config *c)
{
	struct config_vault *v = &c->vaults[c->n_vaults++];
	int rc;

	(void)snprintf(v->name, sizeof(v->name), "%s", CONFIG_DEFAULT_VAULT_NAME);
	rc = dup_into(&v->driver, "file");
	return rc ? rc : settings_set(&v->settings, "path", CONFIG_DEFAULT_VAULT_PATH);
}

static int
key_cmp(const void *a, const void *b)
{
	const struct policy_key *x = a, *y = b;
	int c = strcmp(x->chain->name, y->chain->name);
	return c != 0 ? c : strcmp(x->address, y->address);
}

static bool
server_has_key(const struct config_server *s, const struct chain_pubkey *pk)
{
	for (size_t i = 0; i < s->n_authorized_keys; i++) {
		const struct chain_pubkey *a = &s->authorized_keys[i];
		if (a->type == pk->type && a->pk_len == pk->pk_len &&
		    memcmp(a->pk, pk->pk, pk->pk_len) == 0)
			return true;
	}
	return false;
}

/* A back end's settings against its driver's table: every key known, of
 * its type, the required ones there, defaults filled in, then the
 * driver's own check. where names the map ("vaults.main"), prefix the
 * keys' path within it ("config." or ""). */
static int
validate_settings(struct settings *s, const struct setting_spec *specs, size_t n,
                  int (*check)(const struct settings *, char *, size_t), const char *driver,
                  const char *where, const char *prefix, char *err, size_t errlen)
{
	char path[256], why[128];
	int rc;

	for (size_t i = 0; i < s->n; i++) {
		const struct setting_spec *spec = setting_spec_find(specs, n, s->v[i].key);
		(void)snprintf(path, sizeof(path), "%s.%s%s", where, prefix, s->v[i].key);
		if (spec == NULL) {
			char known[512] = "";
			for (size_t k = 0; k < n; k++)
				(void)snprintf(known + strlen(known), sizeof(known) - strlen(known),
				               "%s%s", k ? ", " : "", specs[k].key);
			cfg_errf(err, errlen, s->v[i].line, path, "unknown key (the %s driver takes: %s)",
			         driver, n ? known : "nothing");
			return SIGIL_E_INVALID;
		}
		if (setting_check(spec, s->v[i].value, why, sizeof(why)) != 0) {
			cfg_errf(err, errlen, s->v[i].line, path, "%s", why);
			return SIGIL_E_INVALID;
		}
		/* Booleans reach the driver as "true" or "false" only. */
		bool on;
		if (spec->type == SETTING_BOOL && cfg_parse_bool(s->v[i].value, &on) == 0 &&
		    (rc = settings_set_line(s, s->v[i].key, on ? "true" : "false", s->v[i].line)) != 0)
			return rc;
	}
	for (size_t i = 0; i < n; i++) {
		if (settings_get(s, specs[i].key) != NULL)
			continue;
		if (specs[i].dflt != NULL && (rc = settings_set(s, specs[i].key, specs[i].dflt)) != 0)
			return rc;
		if (specs[i].dflt == NULL && specs[i].required) {
			cfg_errf(err, errlen, 0, where, "%s%s is missing", prefix, specs[i].key);
			return SIGIL_E_INVALID;
		}
	}
	if (check != NULL && check(s, why, sizeof(why)) != 0) {
		cfg_errf(err, errlen, 0, where, "%s", why);
		return SIGIL_E_INVALID;
	}
	return 0;
}

/* Checks that need everything seen, after the environment overrides. */
static int
validate(struct sigil_config *c, char *err, size_t errlen)
{
	const struct wm_driver *wd;
	int rc;
	char path[128];

	if (c->n_vaults == 0) {
		cfg_errf(err, errlen, 0, "vaults", "no vault configured");
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < c->n_vaults; i++) {
		const struct config_vault *v = &c->vaults[i];
		(void)snprintf(path, sizeof(path), "vaults.%s", v->name);
		if (v->driver == NULL) {
			cfg_errf(err, errlen, 0, path, "driver is missing");
			return SIGIL_E_INVALID;
		}
		const struct vault_driver *d = vault_driver_find(v->driver);
		if (d == NULL) {
			cfg_errf(err, errlen, 0, path, "unknown driver %s", v->driver);
			return SIGIL_E_INVALID;
		}
		if ((rc = validate_settings(&c->vaults[i].settings, d->settings, d->n_settings,
		                            d->check, d->name, path, "config.", err, errlen)) != 0)
			return rc;
	}
	if ((wd = wm_driver_find(c->watermark_driver)) == NULL) {
		cfg_errf(err, errlen, 0, "watermark.driver", "unknown driver %s", c->watermark_driver);
		return SIGIL_E_INVALID;
	}
	if ((rc = validate_settings(&c->watermark, wd->settings, wd->n_settings, wd->check,
	                            wd->name, "watermark", "", err, errlen)) != 0)
		return rc;
	if ((c->server.tls_cert_file == NULL) != (c->server.tls_key_file == NULL)) {
		cfg_errf(err, errlen, 0, "server.tls", "needs both cert_file and key_file");
		return SIGIL_E_INVALID;
	}
	c->server.tls = c->server.tls_cert_file != NULL;
	/* Below it, a body of the largest size allowed could never be taken. */
	if (c->server.max_buffered_bytes < c->server.max_body_bytes) {
		cfg_errf(err, errlen, 0, "server.max_buffered_bytes",
		         "must be at least server.max_body_bytes (%zu)", c->server.max_body_bytes);
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < c->n_keys; i++) {
		const struct policy_key *k = &c->keys[i];
		(void)snprintf(path, sizeof(path), "%s.%s.authorized_keys", k->chain->name, k->address);
		/* The key's list narrows the server's; it cannot widen it, and
		 * with authentication off it would silently mean nothing. */
		if (k->n_auth_keys > 0 && c->server.n_authorized_keys == 0) {
			cfg_errf(err, errlen, 0, path,
			         "needs server.authorized_keys (authentication is off)");
			return SIGIL_E_INVALID;
		}
		for (size_t j = 0; j < k->n_auth_keys; j++) {
			if (!server_has_key(&c->server, &k->auth_keys[j])) {
				cfg_errf(err, errlen, 0, path,
				         "key %zu is not in server.authorized_keys", j + 1);
				return SIGIL_E_INVALID;
			}
		}
	}
	if (c->n_keys > 1)
		qsort(c->keys, c->n_keys, sizeof(*c->keys), key_cmp);
	if ((rc = cfg_routes_validate(c, err, errlen)) != 0)
		return rc;
	return cfg_auth_resolve(c, err, errlen);
}

void
config_free(struct sigil_config *c)
{
	if (c == NULL)
		return;
	free(c->base_dir);
	free(c->server.address);
	free(c->server.utility_address);
	free(c->server.tls_cert_file);
	free(c->server.tls_key_file);
	free(c->server.authorized_keys);
	for (size_t i = 0; i < c->n_vaults; i++) {
		free(c->vaults[i].driver);
		settings_free(&c->vaults[i].settings);
	}
	free(c->watermark_driver);
	settings_free(&c->watermark);
	free(c->keys);
	cfg_auth_free(&c->auth);
	free(c->routes);
	cfg_polkadot_free(c);
	cfg_atto_free(&c->atto_api);
	free(c);
}

/* One database, one setting: an enclave vault whose keys are stored in
 * PostgreSQL (storage.driver: postgres) and that names no
 * storage.config.conninfo of its own takes the postgres watermark store's
 * conninfo, so that a deployment that keeps both in one database says
 * where once. */
static int
cfg_share_conninfo(struct sigil_config *c)
{
	const char *ci = settings_get(&c->watermark, "conninfo");
	int rc;

	if (ci == NULL || c->watermark_driver == NULL || strcmp(c->watermark_driver, "postgres") != 0)
		return 0;
	for (size_t i = 0; i < c->n_vaults; i++) {
		struct settings *s = &c->vaults[i].settings;
		const char *d = settings_get(s, "storage.driver");

		if (c->vaults[i].driver == NULL || strcmp(c->vaults[i].driver, "enclave") != 0 ||
		    d == NULL || strcmp(d, "postgres") != 0 ||
		    settings_get(s, "storage.config.conninfo") != NULL)
			continue;
		if ((rc = settings_set(s, "storage.config.conninfo", ci)) != 0)
			return rc;
	}
	return 0;
}

int
config_load_string(const char *yaml, size_t len, struct sigil_config **out, char *err,
                   size_t errlen)
{
	struct sigil_config *c = NULL;
	struct cnode *root = NULL;
	bool saw_vaults = false;
	int rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len > CONFIG_MAX_BYTES) {
		cfg_errf(err, errlen, 0, NULL, "config larger than %d bytes", CONFIG_MAX_BYTES);
		return SIGIL_E_TOO_BIG;
	}
	if (len > 0 && yaml == NULL)
		return SIGIL_E_INVALID;
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	if ((rc = set_defaults(c)) != 0)
		goto out;
	if (len > 0) {
		rc = cnode_parse(yaml, len, CONFIG_MAX_DEPTH, &root, err, errlen);
		if (rc != 0)
			goto out;
	}
	if ((rc = config_walk_root(c, root, err, errlen, &saw_vaults)) != 0)
		goto out;
	/* The Atto signer's LOCAL back end, from its variables alone, is the
	 * whole of the keys: no default file vault to be missing. */
	if (!saw_vaults && !cfg_atto_replaces_default_vault() && (rc = add_default_vault(c)) != 0)
		goto out;
	if ((rc = config_apply_env(c, err, errlen)) != 0)
		goto out;
	if ((rc = cfg_atto_env(c, len > 0, err, errlen)) != 0)
		goto out;
	if ((rc = cfg_share_conninfo(c)) != 0)
		goto out;
	if ((rc = validate(c, err, errlen)) != 0)
		goto out;
	*out = c;
	c = NULL;
out:
	if (rc == SIGIL_E_NOMEM && err != NULL && errlen > 0 && err[0] == '\0')
		cfg_errf(err, errlen, 0, NULL, "out of memory");
	cnode_free(root);
	config_free(c);
	return rc;
}

int
config_load(const char *path, struct sigil_config **out, char *err, size_t errlen)
{
	char *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (path == NULL)
		return config_load_string(NULL, 0, out, err, errlen);
	rc = fileio_read(path, CONFIG_MAX_BYTES, &buf, &len);
	if (rc == SIGIL_E_TOO_BIG) {
		cfg_errf(err, errlen, 0, path, "config file larger than %d bytes", CONFIG_MAX_BYTES);
		return rc;
	}
	if (rc == SIGIL_E_NOT_FOUND) {
		cfg_errf(err, errlen, 0, path, "no such file");
		return rc;
	}
	if (rc != 0) {
		cfg_errf(err, errlen, 0, path, "cannot read: %s", sigil_strerror(rc));
		return rc;
	}
	rc = config_load_string(buf, len, out, err, errlen);
	free(buf);
	return rc;
}

const struct policy_key *
config_find_key(const struct sigil_config *c, const struct chain_ops *chain, const char *address)
{
	struct policy_key probe;
	size_t len;

	if (c == NULL || chain == NULL || address == NULL || c->n_keys == 0)
		return NULL;
	probe.chain = chain;
	len = strlen(address);
	if (len >= sizeof(probe.address))
		return NULL;
	memcpy(probe.address, address, len + 1);
	return bsearch(&probe, c->keys, c->n_keys, sizeof(*c->keys), key_cmp);
}

const struct config_vault *
config_find_vault(const struct sigil_config *c, const char *name)
{
	if (c == NULL || name == NULL)
		return NULL;
	for (size_t i = 0; i < c->n_vaults; i++)
		if (strcmp(c->vaults[i].name, name) == 0)
			return &c->vaults[i];
	return NULL;
}

const struct chain_pubkey *
config_auth_keys(const struct sigil_config *c, const struct policy_key *k, size_t *n)
{
	if (k != NULL && k->n_auth_keys > 0) {
		*n = k->n_auth_keys;
		return k->auth_keys;
	}
	*n = c->server.n_authorized_keys;
	return c->server.authorized_keys;
}

int
config_resolve_path(const struct sigil_config *c, const char *rel, char *out, size_t cap)
{
	int n;

	if (cap > 0)
		out[0] = '\0';
	if (rel == NULL || rel[0] == '\0' || c == NULL)
		return SIGIL_E_INVALID;
	if (rel[0] == '/' || c->base_dir == NULL || c->base_dir[0] == '\0')
		n = snprintf(out, cap, "%s", rel);
	else if (c->base_dir[strlen(c->base_dir) - 1] == '/')
		n = snprintf(out, cap, "%s%s", c->base_dir, rel);
	else
		n = snprintf(out, cap, "%s/%s", c->base_dir, rel);
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0)
			out[0] = '\0';
		return SIGIL_E_TOO_BIG;
	}
	return 0;
}

int
config_split_address(const char *addr, char *host, size_t hostcap, uint16_t *port)
{
	const char *h, *colon, *p;
	size_t hlen;
	unsigned long v = 0;

	if (hostcap > 0)
		host[0] = '\0';
	*port = 0;
	if (addr == NULL)
		return SIGIL_E_INVALID;
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');
		if (close == NULL || close[1] != ':')
			return SIGIL_E_INVALID;
		h = addr + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
		if (memchr(h, ':', hlen) == NULL) /* brackets are for IPv6 only */
			return SIGIL_E_INVALID;
	} else {
		colon = strchr(addr, ':');
		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return SIGIL_E_INVALID;
		h = addr;
		hlen = (size_t)(colon - addr);
	}
	if (hlen == 0)
		return SIGIL_E_INVALID;
	for (size_t i = 0; i < hlen; i++)
		if (h[i] <= ' ' || h[i] == '/' || h[i] == '[' || h[i] == ']' || h[i] == 0x7f)
			return SIGIL_E_INVALID;
	p = colon + 1;
	if (*p == '\0' || strlen(p) > 5)
		return SIGIL_E_INVALID;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return SIGIL_E_INVALID;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return SIGIL_E_INVALID;
	if (hlen >= hostcap)
		return SIGIL_E_TOO_BIG;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)v;
	return 0;
}

static char *config_env_copy;
static pthread_mutex_t config_env_mu = PTHREAD_MUTEX_INITIALIZER;

/* SIGIL_PASSPHRASE, moved into locked memory the first time it is seen and
 * wiped from the environment (whose pages a core or /proc/PID/environ
 * would show). The copy stays for the life of the process, so a reload
 * (SIGHUP) still finds it. */
static const char *
config_env_passphrase(void)
{
	const char *out;

	pthread_mutex_lock(&config_env_mu);
	char *env = getenv("SIGIL_PASSPHRASE");
	if (env != NULL) {
		size_t len = strlen(env);
		char *copy = secmem_alloc(len + 1);
		if (copy != NULL) {
			memcpy(copy, env, len + 1);
			sodium_memzero(env, len);
			unsetenv("SIGIL_PASSPHRASE");
			if (config_env_copy != NULL)
				secmem_free(config_env_copy);
			config_env_copy = copy;
			env = NULL;
		}
	}
	/* Too long for the arena: it is used where it is. */
	out = env != NULL ? env : config_env_copy;
	pthread_mutex_unlock(&config_env_mu);
	return out;
}

int
config_vault_passphrase(const struct sigil_config *c, const struct config_vault *v, char *out,
                        size_t cap)
{
	char path[4096];
	const char *env;
	size_t got = 0, len;
	char extra = 0;
	int fd, rc = SIGIL_E_IO;

	if (cap == 0)
		return SIGIL_E_TOO_BIG;
	out[0] = '\0';
	env = config_env_passphrase();
	if (env != NULL) {
		len = strlen(env);
		if (len >= cap)
			return SIGIL_E_TOO_BIG;
		memcpy(out, env, len + 1);
		return 0;
	}
	if (v == NULL || settings_get(&v->settings, "passphrase_file") == NULL)
		return SIGIL_E_NOT_FOUND;
	if ((rc = config_resolve_path(c, settings_get(&v->settings, "passphrase_file"), path,
	                              sizeof(path))) != 0)
		return rc;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return errno == ENOENT ? SIGIL_E_NOT_FOUND : SIGIL_E_IO;
	rc = SIGIL_E_IO;
	struct stat st;
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("passphrase file %s is readable by group or others (mode %o); it should be 0600",
		         path, (unsigned)(st.st_mode & 0777));
	/* Read straight into the caller's (locked) buffer: no other copy. */
	while (got < cap - 1) {
		ssize_t n = read(fd, out + got, cap - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		got += (size_t)n;
		if (memchr(out + got - (size_t)n, '\n', (size_t)n) != NULL)
			break;
	}
	out[got] = '\0';
	len = strcspn(out, "\r\n");
	if (len == got && got == cap - 1 && read(fd, &extra, 1) == 1) {
		rc = SIGIL_E_TOO_BIG;
		goto out;
	}
	/* Wipe whatever followed the first line. */
	sodium_memzero(out + len, got - len);
	rc = 0;
out:
	sodium_memzero(&extra, sizeof(extra));
	if (rc != 0)
		sodium_memzero(out, cap);
	close(fd);
	return rc;
}
