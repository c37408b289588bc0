/* `auth:` in the config: bearer tokens (auth/token.h).
 *
 *   auth:
 *     octez_requires_token: false
 *     tokens:
 *       custody:                       # the token's name: logs, metrics
 *         secret_sha256: <64 hex>      # or secret_file: PATH, or secret_env: VAR
 *         capabilities: [ethereum:transaction, keys:read]
 *         keys: [0xAb…, tz1…]          # optional: only these keys
 *
 * The secret is never in the file. A file's first line, or a variable's
 * value, is hashed as soon as it is read and wiped; a variable is also
 * taken out of the environment (whose pages a core would show), its hash
 * kept for reloads. SIGIL_AUTH__TOKENS__<NAME>__SECRET_ENV (and the other
 * two) override what the file says of a token it names. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "base/errors.h"
#include "base/log.h"
#include "base/secmem.h"
#include "config/config_schema.h"

static const char *const token_src_keys[] = {"secret_sha256", "secret_file", "secret_env"};

static char **
token_src_field(struct config_token_src *s, size_t i)
{
	return i == 0 ? &s->secret_sha256 : i == 1 ? &s->secret_file : &s->secret_env;
}

struct token_item_ctx {
	struct auth_token *t;
	bool keys; /* the list is `keys`, else `capabilities` */
};

static int
token_item(struct ctx *x, void *obj, const char *item, const char *full, unsigned line)
{
	struct token_item_ctx *ti = obj;
	char why[160];
	int rc;

	if (!ti->keys) {
		if (auth_token_add_cap(ti->t, item, why, sizeof(why)) != 0) {
			cfg_errf(x->err, x->errlen, line, full, "%s", why);
			return SIGIL_E_INVALID;
		}
		return 0;
	}
	if ((rc = auth_token_add_key(ti->t, item)) != 0) {
		if (rc == SIGIL_E_TOO_BIG)
			cfg_errf(x->err, x->errlen, line, full, "more than %d keys", AUTH_TOKEN_KEYS_MAX);
		else
			cfg_errf(x->err, x->errlen, line, full, "'%.80s' is not a key", item);
		return SIGIL_E_INVALID;
	}
	return 0;
}

static int
walk_token(struct ctx *x, struct auth_token *t, struct config_token_src *src, const char *full,
           const struct cnode *m)
{
	char full2[PATHBUF];
	int rc;

	for (size_t i = 0; i < m->n; i++) {
		const struct cnode *v = m->items[i];
		const char *key = m->keys[i];
		bool done = false;

		cfg_join(full2, sizeof(full2), full, key);
		for (size_t j = 0; j < 3 && !done; j++) {
			if (strcmp(key, token_src_keys[j]) != 0)
				continue;
			if (v->type != CNODE_SCALAR || v->null || v->str[0] == '\0') {
				cfg_errf(x->err, x->errlen, v->line, full2, "expected a value");
				return SIGIL_E_INVALID;
			}
			char **f = token_src_field(src, j);
			free(*f);
			if ((*f = strdup(v->str)) == NULL)
				return SIGIL_E_NOMEM;
			done = true;
		}
		if (!done && (strcmp(key, "capabilities") == 0 || strcmp(key, "keys") == 0)) {
			struct token_item_ctx ti = {t, key[0] == 'k'};
			if ((rc = cfg_each_item(x, full2, v, token_item, &ti)) != 0)
				return rc;
			done = true;
		}
		if (!done) {
			cfg_errf(x->err, x->errlen, m->key_lines[i], full2,
			         strcmp(key, "secret") == 0 || strcmp(key, "token") == 0
			                 ? "a token's secret is never written in the config: give "
			                   "secret_sha256, secret_file or secret_env"
			                 : "unknown key");
			return SIGIL_E_INVALID;
		}
	}
	return 0;
}

int
cfg_auth_add_token(struct config_auth *a, struct auth_token **t, struct config_token_src **s)
{
	struct auth_token *nt = realloc(a->tokens, (a->n_tokens + 1) * sizeof(*nt));
	if (nt == NULL)
		return SIGIL_E_NOMEM;
	a->tokens = nt;
	struct config_token_src *ns = realloc(a->src, (a->n_tokens + 1) * sizeof(*ns));
	if (ns == NULL)
		return SIGIL_E_NOMEM;
	a->src = ns;
	*t = &a->tokens[a->n_tokens];
	*s = &a->src[a->n_tokens];
	memset(*t, 0, sizeof(**t));
	memset(*s, 0, sizeof(**s));
	a->n_tokens++;
	return 0;
}

int
cfg_walk_auth_tokens(struct ctx *x, const struct cnode *v)
{
	struct config_auth *a = &x->c->auth;
	char full[PATHBUF];
	int rc;

	if (v->type == CNODE_SCALAR && v->null)
		return 0;
	if (v->type != CNODE_MAP) {
		cfg_errf(x->err, x->errlen, v->line, "auth.tokens", "expected a map, got %s",
		         cfg_type_name(v));
		return SIGIL_E_INVALID;
	}
	for (size_t i = 0; i < v->n; i++) {
		const struct cnode *tv = v->items[i];
		cfg_join(full, sizeof(full), "auth.tokens", v->keys[i]);
		if (!auth_token_name_ok(v->keys[i])) {
			cfg_errf(x->err, x->errlen, v->key_lines[i], full,
			         "token names are 1-63 of [A-Za-z0-9_.-]");
			return SIGIL_E_INVALID;
		}
		if (a->n_tokens >= CONFIG_MAX_TOKENS) {
			cfg_errf(x->err, x->errlen, v->key_lines[i], full, "more than %d tokens",
			         CONFIG_MAX_TOKENS);
			return SIGIL_E_INVALID;
		}
		if (tv->type != CNODE_MAP) {
			cfg_errf(x->err, x->errlen, tv->line, full, "expected a map, got %s",
			         cfg_type_name(tv));
			return SIGIL_E_INVALID;
		}
		for (size_t j = 0; j < a->n_tokens; j++) {
			if (strcmp(a->tokens[j].name, v->keys[i]) == 0) {
				cfg_errf(x->err, x->errlen, v->key_lines[i], full, "named twice");
				return SIGIL_E_INVALID;
			}
		}
		struct auth_token *t;
		struct config_token_src *s;
		if (cfg_auth_add_token(a, &t, &s) != 0)
			return SIGIL_E_NOMEM;
		memcpy(t->name, v->keys[i], strlen(v->keys[i]) + 1);
		s->line = v->key_lines[i];
		if ((rc = walk_token(x, t, s, full, tv)) != 0)
			return rc;
	}
	return 0;
}

/* "SIGIL_AUTH__TOKENS__" + the name upper-cased ("-" and "." as "_") +
 * "__" + the field upper-cased. */
static void
token_env_name(char *out, size_t cap, const char *token, const char *field)
{
	size_t o = (size_t)snprintf(out, cap, "SIGIL_AUTH__TOKENS__");
	for (const char *s = token; *s && o + 1 < cap; s++)
		out[o++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 32)
		           : ((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9')) ? *s : '_';
	out[o < cap ? o : cap - 1] = '\0';
	size_t n = strlen(out);
	snprintf(out + n, cap - n, "__");
	n = strlen(out);
	for (const char *s = field; *s && n + 1 < cap; s++)
		out[n++] = (*s >= 'a' && *s <= 'z') ? (char)(*s - 32) : *s;
	out[n < cap ? n : cap - 1] = '\0';
}

int
cfg_auth_env(struct sigil_config *c)
{
	char name[PATHBUF];

	for (size_t i = 0; i < c->auth.n_tokens; i++) {
		for (size_t j = 0; j < 3; j++) {
			token_env_name(name, sizeof(name), c->auth.tokens[i].name, token_src_keys[j]);
			const char *v = getenv(name);
			if (v == NULL)
				continue;
			/* The override says where the secret is: the other two
			 * the file gave are set aside. */
			for (size_t k = 0; k < 3; k++) {
				char **f = token_src_field(&c->auth.src[i], k);
				free(*f);
				*f = NULL;
			}
			if ((*token_src_field(&c->auth.src[i], j) = strdup(v)) == NULL)
				return SIGIL_E_NOMEM;
		}
	}
	return 0;
}

/* ---- secrets from the environment ------------------------------------------ */

/* The hashes of secrets taken from environment variables, by variable,
 * for the life of the process: the variable itself is wiped and unset
 * once read, and a reload finds the hash here. */
struct env_hash {
	char name[128];
	uint8_t hash[32];
};
static struct env_hash env_hashes[CONFIG_MAX_TOKENS];
static size_t n_env_hashes;
static pthread_mutex_t env_hash_mu = PTHREAD_MUTEX_INITIALIZER;

static int
token_from_env(struct auth_token *t, const char *var, bool any_len)
{
	int rc = SIGIL_E_NOT_FOUND;

	pthread_mutex_lock(&env_hash_mu);
	char *v = getenv(var);
	if (v != NULL) {
		size_t len = strlen(v);
		if (any_len && len > 0 && len <= AUTH_SECRET_MAX) {
			crypto_hash_sha256(t->hash, (const unsigned char *)v, len);
			rc = 0;
		} else {
			rc = auth_token_set_secret(t, v, len);
		}
		sodium_memzero(v, len);
		unsetenv(var);
		if (rc == 0 && strlen(var) < sizeof(env_hashes[0].name)) {
			size_t k = 0;
			while (k < n_env_hashes && strcmp(env_hashes[k].name, var) != 0)
				k++;
			if (k < CONFIG_MAX_TOKENS) {
				memcpy(env_hashes[k].name, var, strlen(var) + 1);
				memcpy(env_hashes[k].hash, t->hash, 32);
				if (k == n_env_hashes)
					n_env_hashes++;
			}
		}
	} else {
		for (size_t k = 0; k < n_env_hashes; k++) {
			if (strcmp(env_hashes[k].name, var) == 0) {
				memcpy(t->hash, env_hashes[k].hash, 32);
				rc = 0;
			}
		}
	}
	pthread_mutex_unlock(&env_hash_mu);
	return rc;
}

/* The first line of path (no newline), hashed into t. */
static int
token_from_file(struct auth_token *t, const char *path)
{
	char *buf = secmem_alloc(AUTH_SECRET_MAX + 2);
	size_t got = 0;
	ssize_t n;
	int fd, rc;

	if (buf == NULL)
		return SIGIL_E_NOMEM;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
		secmem_free(buf);
		return errno == ENOENT ? SIGIL_E_NOT_FOUND : SIGIL_E_IO;
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
		log_warn("token file %s is readable by group or others (mode %o); it should be 0600",
		         path, (unsigned)(st.st_mode & 0777));
	while (got < AUTH_SECRET_MAX + 1 &&
	       (n = read(fd, buf + got, AUTH_SECRET_MAX + 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	char *nl = memchr(buf, '\n', got);
	size_t len = nl ? (size_t)(nl - buf) : got;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	rc = auth_token_set_secret(t, buf, len);
	secmem_free(buf); /* wipes */
	return rc;
}

int
cfg_auth_resolve(struct sigil_config *c, char *err, size_t errlen)
{
	char path[PATHBUF], file[4096];
	int rc;

	for (size_t i = 0; i < c->auth.n_tokens; i++) {
		struct auth_token *t = &c->auth.tokens[i];
		struct config_token_src *s = &c->auth.src[i];
		int given = (s->secret_sha256 != NULL) + (s->secret_file != NULL) +
		            (s->secret_env != NULL);

		snprintf(path, sizeof(path), "auth.tokens.%s", t->name);
		if (given != 1) {
			cfg_errf(err, errlen, s->line, path,
			         "needs exactly one of secret_sha256, secret_file, secret_env");
			return SIGIL_E_INVALID;
		}
		if (s->secret_sha256 != NULL) {
			if (auth_token_set_hash(t, s->secret_sha256) != 0) {
				cfg_errf(err, errlen, s->line, path,
				         "secret_sha256 is not 64 hex digits (sha256sum of the secret)");
				return SIGIL_E_INVALID;
			}
			continue;
		}
		if (s->secret_env != NULL) {
			rc = token_from_env(t, s->secret_env, s->any_len);
			if (rc != 0) {
				cfg_errf(err, errlen, s->line, path, rc == SIGIL_E_NOT_FOUND
				                                             ? "secret_env: %.80s is not set"
				                                             : "secret_env: %.80s holds fewer "
				                                               "than %d or more than %d bytes",
				         s->secret_env, AUTH_SECRET_MIN, AUTH_SECRET_MAX);
				return SIGIL_E_INVALID;
			}
			continue;
		}
		if ((rc = config_resolve_path(c, s->secret_file, file, sizeof(file))) != 0 ||
		    (rc = token_from_file(t, file)) != 0) {
			cfg_errf(err, errlen, s->line, path,
			         rc == SIGIL_E_NOT_FOUND ? "secret_file %.200s: not found"
			         : rc == SIGIL_E_INVALID ? "secret_file %.200s: its first line holds "
			                                   "fewer than 16 or more than 1024 bytes"
			                                 : "secret_file %.200s: cannot read it",
			         file);
			return SIGIL_E_INVALID;
		}
	}
	return 0;
}

void
cfg_auth_free(struct config_auth *a)
{
	for (size_t i = 0; i < a->n_tokens; i++)
		for (size_t j = 0; j < 3; j++)
			free(*token_src_field(&a->src[i], j));
	free(a->src);
	if (a->tokens != NULL)
		sodium_memzero(a->tokens, a->n_tokens * sizeof(*a->tokens));
	free(a->tokens);
	memset(a, 0, sizeof(*a));
}

const struct auth_token *
config_find_token(const struct sigil_config *c, const char *authorization)
{
	size_t len;
	const char *secret = auth_bearer(authorization, &len);

	return auth_token_find(c->auth.tokens, c->auth.n_tokens, secret, len);
}
