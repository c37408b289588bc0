#include "core/context.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/log.h"
#include "core/secmem.h"

int (*sigil_passphrase_prompt)(const char *vault, char *out, size_t cap);

struct sigil_key_metrics {
	char address[POLICY_ADDRESS_MAX];
	struct metrics_key m;
	struct sigil_key_metrics *next;
};

static int
sigil_key_cmp(const void *a, const void *b)
{
	const struct sigil_key *x = a, *y = b;
	return strcmp(x->vk->address, y->vk->address);
}

void
sigil_state_free(struct sigil_state *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n_vaults; i++)
		if (st->vaults[i])
			st->vaults[i]->ops->close(st->vaults[i]);
	free(st->keys);
	config_free(st->cfg);
	free(st);
}

static int
sigil_open_vault(struct sigil_state *st, const struct config_vault *cv, struct vault **out,
                 char *err, size_t errlen)
{
	char path[4096], pass[1024];
	int rc, rc2;

	*out = NULL;
	if (strcmp(cv->driver, "file") != 0) {
		snprintf(err, errlen, "vault %s: unknown driver %s", cv->name, cv->driver);
		return SIGIL_E_UNSUPPORTED;
	}
	if ((rc = config_resolve_path(st->cfg, cv->path, path, sizeof(path))) != 0) {
		snprintf(err, errlen, "vault %s: bad path", cv->name);
		return rc;
	}
	rc = config_vault_passphrase(st->cfg, cv, pass, sizeof(pass));
	if (rc == SIGIL_E_NOT_FOUND) {
		/* A prompt only on a terminal: a daemon must never block on a
		 * read nobody will answer. Without one, unencrypted (Signatory)
		 * vaults still open. */
		bool prompted = sigil_passphrase_prompt != NULL &&
		                sigil_passphrase_prompt(cv->name, pass, sizeof(pass)) == 0;
		if (!prompted)
			pass[0] = '\0';
		else
			rc = 0;
	} else if (rc != 0) {
		snprintf(err, errlen, "vault %s: cannot read passphrase: %s", cv->name,
		         sigil_strerror(rc));
		return rc;
	}
	rc2 = vault_file_open(path, pass, out);
	sodium_memzero(pass, sizeof(pass));
	if (rc2 == SIGIL_E_PASSPHRASE && rc == SIGIL_E_NOT_FOUND)
		snprintf(err, errlen, "vault %s (%s): no passphrase given (set SIGIL_PASSPHRASE, "
		         "or passphrase_file in the vault's config)", cv->name, path);
	else if (rc2 != 0)
		snprintf(err, errlen, "vault %s (%s): %s", cv->name, path, sigil_strerror(rc2));
	return rc2;
}

/* The key ring: every configured key that some vault holds, sorted by
 * address; a key held by two vaults is used from the first. */
static int
sigil_build_ring(struct sigil_state *st)
{
	size_t total = 0, n = 0;
	for (size_t v = 0; v < st->n_vaults; v++)
		total += st->vaults[v]->ops->count(st->vaults[v]);
	st->keys = calloc(total ? total : 1, sizeof(*st->keys));
	if (st->keys == NULL)
		return SIGIL_E_NOMEM;
	for (size_t v = 0; v < st->n_vaults; v++) {
		struct vault *vt = st->vaults[v];
		for (size_t i = 0; i < vt->ops->count(vt); i++) {
			const struct vault_key *vk = vt->ops->key(vt, i);
			const struct policy_key *pk = config_find_key(st->cfg, vk->address);
			if (pk == NULL) {
				log_info("key %s (%s) is in vault %s but not configured: not usable",
				         vk->address, vk->name, st->cfg->vaults[v].name);
				continue;
			}
			struct sigil_key *k = &st->keys[n++];
			k->vk = vk;
			k->vault = vt;
			k->vault_index = i;
			k->vault_name = st->cfg->vaults[v].name;
			k->policy = pk;
			k->pkh_bin[0] = (uint8_t)vk->type;
			memcpy(k->pkh_bin + 1, vk->pkh, TZ_PKH_LEN);
		}
	}
	/* A stable order keeps "the first vault" meaningful for duplicates. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && sigil_key_cmp(&st->keys[j - 1], &st->keys[j]) > 0; j--) {
			struct sigil_key t = st->keys[j];
			st->keys[j] = st->keys[j - 1];
			st->keys[j - 1] = t;
		}
	for (size_t i = 0; i < n; i++) {
		if (st->n_keys > 0 && sigil_key_cmp(&st->keys[st->n_keys - 1], &st->keys[i]) == 0) {
			log_warn("key %s is in more than one vault; using %s",
			         st->keys[i].vk->address, st->keys[st->n_keys - 1].vault_name);
			continue;
		}
		st->keys[st->n_keys++] = st->keys[i];
	}
	for (size_t i = 0; i < st->cfg->n_keys; i++)
		if (sigil_find_key(st, st->cfg->keys[i].address) == NULL)
			log_warn("key %s is configured but no vault holds it",
			         st->cfg->keys[i].address);
	return 0;
}

int
sigil_state_load(const char *config_path, struct sigil_state **out, char *err, size_t errlen)
{
	struct sigil_state *st;
	int rc;

	*out = NULL;
	err[0] = '\0';
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return SIGIL_E_NOMEM;
	if ((rc = config_load(config_path, &st->cfg, err, errlen)) != 0)
		goto out;
	for (size_t i = 0; i < st->cfg->n_vaults; i++) {
		rc = sigil_open_vault(st, &st->cfg->vaults[i], &st->vaults[i], err, errlen);
		if (rc != 0)
			goto out;
		st->n_vaults++;
	}
	if ((rc = sigil_build_ring(st)) != 0)
		goto out;
	*out = st;
	st = NULL;
out:
	sigil_state_free(st);
	return rc;
}

const struct sigil_key *
sigil_find_key(const struct sigil_state *st, const char *address)
{
	size_t lo = 0, hi = st->n_keys;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(address, st->keys[mid].vk->address);
		if (c == 0)
			return &st->keys[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

/* Per-address counters that outlive a reload. */
static int
sigil_attach_metrics(struct sigil_ctx *ctx, struct sigil_state *st)
{
	pthread_mutex_lock(&ctx->km_mu);
	for (size_t i = 0; i < st->n_keys; i++) {
		struct sigil_key_metrics *m = ctx->km;
		while (m && strcmp(m->address, st->keys[i].vk->address) != 0)
			m = m->next;
		if (m == NULL) {
			if ((m = calloc(1, sizeof(*m))) == NULL) {
				pthread_mutex_unlock(&ctx->km_mu);
				return SIGIL_E_NOMEM;
			}
			snprintf(m->address, sizeof(m->address), "%s", st->keys[i].vk->address);
			m->next = ctx->km;
			ctx->km = m;
		}
		st->keys[i].metrics = &m->m;
	}
	pthread_mutex_unlock(&ctx->km_mu);
	return 0;
}

int
sigil_ctx_open(struct sigil_ctx *ctx, const char *config_path, char *err, size_t errlen)
{
	char dir[4096];
	int rc;

	pthread_rwlockattr_t attr;

	memset(ctx, 0, sizeof(*ctx));
	/* A reload must not starve behind a steady stream of requests. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&ctx->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&ctx->km_mu, NULL);
	if (config_path && (ctx->config_path = strdup(config_path)) == NULL)
		return SIGIL_E_NOMEM;
	if ((rc = sigil_state_load(config_path, &ctx->st, err, errlen)) != 0)
		return rc;
	if ((rc = sigil_attach_metrics(ctx, ctx->st)) != 0)
		return rc;
	if (strcmp(ctx->st->cfg->watermark_driver, "file") != 0) {
		snprintf(err, errlen, "watermark: unknown driver %s", ctx->st->cfg->watermark_driver);
		return SIGIL_E_UNSUPPORTED;
	}
	if ((rc = config_resolve_path(ctx->st->cfg, ctx->st->cfg->watermark_dir, dir,
	                              sizeof(dir))) != 0 ||
	    (rc = wm_file_open(dir, &ctx->wm)) != 0) {
		snprintf(err, errlen, "watermark store %s: %s", dir, sigil_strerror(rc));
		return rc;
	}
	return 0;
}

int
sigil_ctx_reload(struct sigil_ctx *ctx, char *err, size_t errlen)
{
	struct sigil_state *st, *old;
	int rc;

	if ((rc = sigil_state_load(ctx->config_path, &st, err, errlen)) != 0)
		return rc;
	if ((rc = sigil_attach_metrics(ctx, st)) != 0) {
		sigil_state_free(st);
		return rc;
	}
	pthread_rwlock_wrlock(&ctx->lock);
	old = ctx->st;
	ctx->st = st;
	pthread_rwlock_unlock(&ctx->lock);
	sigil_state_free(old);
	return 0;
}

void
sigil_ctx_close(struct sigil_ctx *ctx)
{
	sigil_state_free(ctx->st);
	ctx->st = NULL;
	if (ctx->wm)
		ctx->wm->ops->close(ctx->wm);
	ctx->wm = NULL;
	while (ctx->km) {
		struct sigil_key_metrics *n = ctx->km->next;
		free(ctx->km);
		ctx->km = n;
	}
	free(ctx->config_path);
	pthread_rwlock_destroy(&ctx->lock);
	pthread_mutex_destroy(&ctx->km_mu);
}
