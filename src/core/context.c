#include "core/context.h"

#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"
#include "base/secmem.h"
#include "core/sign.h"

int (*sigil_passphrase_prompt)(const char *vault, char *out, size_t cap);

struct sigil_key_metrics {
	const struct chain_ops *chain;
	char address[CHAIN_ADDRESS_MAX];
	struct metrics_key m;
	struct sigil_key_metrics *next;
};

struct sigil_vault_metrics {
	char name[CONFIG_VAULT_NAME_MAX];
	struct metrics_hist h;
	_Atomic uint64_t bad_signatures; /* failed verify_signatures */
	struct sigil_vault_metrics *next;
};

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

int
sigil_settings_resolve(const struct sigil_config *c, const struct setting_spec *specs, size_t n,
                       const struct settings *in, struct settings *out)
{
	char path[4096];
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = settings_copy(out, in)) != 0)
		goto fail;
	for (size_t i = 0; i < n; i++) {
		const char *v = settings_get(in, specs[i].key);
		if (specs[i].type != SETTING_PATH || v == NULL)
			continue;
		if ((rc = config_resolve_path(c, v, path, sizeof(path))) != 0 ||
		    (rc = settings_set(out, specs[i].key, path)) != 0)
			goto fail;
	}
	return 0;
fail:
	settings_free(out);
	return rc;
}

static int
sigil_open_vault(struct sigil_state *st, const struct config_vault *cv, struct vault **out,
                 char *err, size_t errlen)
{
	const struct vault_driver *drv = vault_driver_find(cv->driver);
	struct settings set;
	char *pass;
	const size_t passcap = 1024;
	int rc;

	*out = NULL;
	if (drv == NULL) {
		snprintf(err, errlen, "vault %s: unknown driver %s", cv->name, cv->driver);
		return SIGIL_E_UNSUPPORTED;
	}
	if ((rc = sigil_settings_resolve(st->cfg, drv->settings, drv->n_settings, &cv->settings,
	                                 &set)) != 0) {
		snprintf(err, errlen, "vault %s: bad path", cv->name);
		return rc;
	}
	/* Locked, and wiped on the way out: never on the stack. */
	if ((pass = secmem_alloc(passcap)) == NULL) {
		snprintf(err, errlen, "vault %s: %s", cv->name, sigil_strerror(SIGIL_E_NOMEM));
		settings_free(&set);
		return SIGIL_E_NOMEM;
	}
	rc = config_vault_passphrase(st->cfg, cv, pass, passcap);
	if (rc == SIGIL_E_NOT_FOUND) {
		/* A prompt only on a terminal: a daemon must never block on a
		 * read nobody will answer. Without one, unencrypted (Signatory)
		 * vaults still open. */
		bool prompted = sigil_passphrase_prompt != NULL &&
		                sigil_passphrase_prompt(cv->name, pass, passcap) == 0;
		if (!prompted)
			pass[0] = '\0';
		else
			rc = 0;
	} else if (rc != 0) {
		snprintf(err, errlen, "vault %s: cannot read passphrase: %s", cv->name,
		         sigil_strerror(rc));
		secmem_free(pass);
		settings_free(&set);
		return rc;
	}
	struct sigil_deadline dl = sigil_deadline_in(st->cfg->server.backend_timeout_ms);
	struct vault_config vc = {.name = cv->name, .settings = &set, .passphrase = pass,
	                          .codec = sigil_vault_codec(), .deadline = &dl};
	rc = drv->open(&vc, out, err, errlen);
	secmem_free(pass);
	settings_free(&set);
	return rc;
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
	if ((rc = sigil_ring_build(st->cfg, st->vaults, st->n_vaults, &st->keys, &st->n_keys)) != 0) {
		snprintf(err, errlen, "%s", sigil_strerror(rc));
		goto out;
	}
	atomic_init(&st->refs, 1);
	*out = st;
	st = NULL;
out:
	sigil_state_free(st);
	return rc;
}

struct sigil_state *
sigil_ctx_hold(struct sigil_ctx *ctx)
{
	struct sigil_state *st;

	pthread_rwlock_rdlock(&ctx->lock);
	st = ctx->st;
	atomic_fetch_add(&st->refs, 1);
	pthread_rwlock_unlock(&ctx->lock);
	return st;
}

struct sigil_state *
sigil_state_ref(struct sigil_state *st)
{
	atomic_fetch_add(&st->refs, 1);
	return st;
}

void
sigil_state_release(struct sigil_state *st)
{
	if (st != NULL && atomic_fetch_sub(&st->refs, 1) == 1)
		sigil_state_free(st);
}

const struct sigil_key *
sigil_find_key(const struct sigil_state *st, const struct chain_ops *chain, const char *address)
{
	return sigil_ring_find(st->keys, st->n_keys, chain, address);
}

/* Per-address counters and per-vault histograms that outlive a reload. */
static int
sigil_attach_metrics(struct sigil_ctx *ctx, struct sigil_state *st)
{
	struct sigil_vault_metrics *vm[CONFIG_MAX_VAULTS] = {0};
	int rc = 0;

	pthread_mutex_lock(&ctx->km_mu);
	for (size_t v = 0; v < st->n_vaults; v++) {
		const char *name = st->cfg->vaults[v].name;
		struct sigil_vault_metrics *m = ctx->vm;
		while (m && strcmp(m->name, name) != 0)
			m = m->next;
		if (m == NULL) {
			if ((m = calloc(1, sizeof(*m))) == NULL) {
				rc = SIGIL_E_NOMEM;
				goto out;
			}
			snprintf(m->name, sizeof(m->name), "%s", name);
			m->next = ctx->vm;
			ctx->vm = m;
		}
		st->vault_ms[v] = &m->h;
		vm[v] = m;
	}
	/* ctx->km is kept in the ring's order (chain, address), as st->keys
	 * is, so one walk of both matches them (a search per key was 500k
	 * strcmp for 1000 keys). */
	struct sigil_key_metrics **pp = &ctx->km;
	for (size_t i = 0; i < st->n_keys; i++) {
		const struct sigil_key *k = &st->keys[i];
		struct sigil_key_metrics *m;
		int c = 1;
		while (*pp && (c = sigil_ring_cmp((*pp)->chain, (*pp)->address, k->chain,
		                                  k->address)) < 0)
			pp = &(*pp)->next;
		if ((m = *pp) == NULL || c != 0) {
			if ((m = calloc(1, sizeof(*m))) == NULL) {
				rc = SIGIL_E_NOMEM;
				goto out;
			}
			m->chain = k->chain;
			snprintf(m->address, sizeof(m->address), "%s", k->address);
			m->next = *pp;
			*pp = m;
		}
		pp = &m->next;
		st->keys[i].metrics = &m->m;
		for (size_t v = 0; v < st->n_vaults; v++) {
			const struct config_vault *cv = &st->cfg->vaults[v];
			const struct vault_driver *d = vault_driver_find(cv->driver);
			if (st->keys[i].vault != st->vaults[v])
				continue;
			st->keys[i].vault_ms = st->vault_ms[v];
			st->keys[i].bad_signatures = &vm[v]->bad_signatures;
			st->keys[i].vault_faulty = &st->vault_faulty[v];
			st->keys[i].verify = cv->verify_signatures == CONFIG_UNSAID
			                     ? d != NULL && d->verify_default
			                     : cv->verify_signatures == CONFIG_YES;
		}
	}
out:
	pthread_mutex_unlock(&ctx->km_mu);
	return rc;
}

int
sigil_ctx_metrics_text(struct sigil_ctx *ctx, char **out, size_t *len)
{
	struct metrics_vault_row vrows[CONFIG_MAX_VAULTS];
	struct metrics_key_row *krows;
	struct sbuf b = {0};
	size_t nv = 0;
	int rc = 0;

	*out = NULL;
	*len = 0;
	struct sigil_state *st = sigil_ctx_hold(ctx);
	if ((krows = calloc(st->n_keys ? st->n_keys : 1, sizeof(*krows))) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < st->n_vaults; i++)
		if (st->vault_ms[i])
			vrows[nv++] = (struct metrics_vault_row){
				st->cfg->vaults[i].name, st->vault_ms[i],
				atomic_load(&((struct sigil_vault_metrics *)(void *)
				              ((char *)st->vault_ms[i] -
				               offsetof(struct sigil_vault_metrics, h)))->bad_signatures)};
	for (size_t i = 0; i < st->n_keys; i++)
		krows[i] = (struct metrics_key_row){st->keys[i].address, st->keys[i].vault_name,
		                                    st->keys[i].metrics, st->keys[i].chain};
	if (ctx->wm->ops->syncs != NULL)
		atomic_store(&ctx->metrics.wm_fsyncs, ctx->wm->ops->syncs(ctx->wm));
	metrics_render(&b, &ctx->metrics, vrows, nv, krows, st->n_keys);
	if ((*out = sbuf_take(&b, len)) == NULL)
		rc = SIGIL_E_NOMEM;
out:
	sigil_state_release(st);
	free(krows);
	return rc;
}

/* In the order of struct sigil_fixed's values; the config's own paths, so
 * that a warning names what the operator edits. */
static const char *const sigil_fixed_names[SIGIL_FIXED_N] = {
	"server.address",        "server.utility_address", "server.tls.cert_file",
	"server.tls.key_file",   "server.max_body_bytes",  "server.timeout_seconds",
	"server.threads",        "watermark.driver",       "watermark",
	"server.header_timeout_seconds", "server.max_connections",
	"server.max_connections_per_ip", "server.max_buffered_bytes",
};

__attribute__((format(printf, 3, 4))) static int
sigil_fixed_set(struct sigil_fixed *f, int i, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return SIGIL_E_INTERNAL;
	if ((f->value[i] = malloc((size_t)n + 1)) == NULL)
		return SIGIL_E_NOMEM;
	va_start(ap, fmt);
	vsnprintf(f->value[i], (size_t)n + 1, fmt, ap);
	va_end(ap);
	return 0;
}

/* A path as the server would open it; with identity, also which file it is
 * now and when it last changed: certificates are renewed in place. */
static int
sigil_fixed_path(struct sigil_fixed *f, int i, const struct sigil_config *c, const char *rel,
                 bool identity)
{
	char path[4096];
	struct stat sb;

	if (rel == NULL)
		return sigil_fixed_set(f, i, "%s", "");
	if (config_resolve_path(c, rel, path, sizeof(path)) != 0)
		return sigil_fixed_set(f, i, "%s", rel);
	if (identity && stat(path, &sb) == 0)
		return sigil_fixed_set(f, i, "%s (dev %ju, inode %ju, %jd bytes, mtime %jd.%09ld)",
		                       path, (uintmax_t)sb.st_dev, (uintmax_t)sb.st_ino,
		                       (intmax_t)sb.st_size, (intmax_t)sb.st_mtim.tv_sec,
		                       sb.st_mtim.tv_nsec);
	return sigil_fixed_set(f, i, "%s", path);
}

/* The store's settings, paths resolved, as one text: a reload cannot move
 * the store, so any change is one to warn about. */
static int
sigil_fixed_wm(struct sigil_fixed *f, int i, const struct sigil_config *c)
{
	const struct wm_driver *drv;
	struct settings set;
	char err[256], text[4096] = "";
	size_t o = 0;
	int rc;

	if (sigil_wm_config(c, &drv, &set, err, sizeof(err)) != 0)
		return sigil_fixed_set(f, i, "%s", "");
	for (size_t k = 0; k < set.n && o < sizeof(text); k++) {
		int n = snprintf(text + o, sizeof(text) - o, "%s=%s;", set.v[k].key, set.v[k].value);
		if (n > 0)
			o += (size_t)n;
	}
	settings_free(&set);
	rc = sigil_fixed_set(f, i, "%s", text);
	sodium_memzero(text, sizeof(text)); /* a setting may be a secret */
	return rc;
}

int
sigil_fixed_take(const struct sigil_config *c, struct sigil_fixed *out)
{
	const struct config_server *s = &c->server;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = sigil_fixed_set(out, 0, "%s", s->address ? s->address : "")) != 0 ||
	    (rc = sigil_fixed_set(out, 1, "%s",
	                          s->utility_address ? s->utility_address : "")) != 0 ||
	    (rc = sigil_fixed_path(out, 2, c, s->tls ? s->tls_cert_file : NULL, true)) != 0 ||
	    (rc = sigil_fixed_path(out, 3, c, s->tls ? s->tls_key_file : NULL, true)) != 0 ||
	    (rc = sigil_fixed_set(out, 4, "%zu", s->max_body_bytes)) != 0 ||
	    (rc = sigil_fixed_set(out, 5, "%u", s->timeout_seconds)) != 0 ||
	    (rc = sigil_fixed_set(out, 6, "%u", s->threads)) != 0 ||
	    (rc = sigil_fixed_set(out, 7, "%s",
	                          c->watermark_driver ? c->watermark_driver : "")) != 0 ||
	    (rc = sigil_fixed_wm(out, 8, c)) != 0 ||
	    (rc = sigil_fixed_set(out, 9, "%u", s->header_timeout_seconds)) != 0 ||
	    (rc = sigil_fixed_set(out, 10, "%u", s->max_connections)) != 0 ||
	    (rc = sigil_fixed_set(out, 11, "%u", s->max_connections_per_ip)) != 0 ||
	    (rc = sigil_fixed_set(out, 12, "%zu", s->max_buffered_bytes)) != 0)
		return rc;
	return 0;
}

void
sigil_fixed_free(struct sigil_fixed *f)
{
	for (int i = 0; i < SIGIL_FIXED_N; i++) {
		free(f->value[i]);
		f->value[i] = NULL;
	}
}

size_t
sigil_fixed_diff(const struct sigil_fixed *a, const struct sigil_fixed *b, const char **changed,
                 size_t cap)
{
	size_t n = 0;

	for (int i = 0; i < SIGIL_FIXED_N; i++) {
		const char *x = a->value[i] ? a->value[i] : "", *y = b->value[i] ? b->value[i] : "";
		if (strcmp(x, y) == 0)
			continue;
		if (n < cap)
			changed[n] = sigil_fixed_names[i];
		n++;
	}
	return n;
}

/* Which store guards the keys is the first thing to check when a signer
 * refuses, or signs, what another would not: its driver and the paths it
 * was given (only paths: another setting may be a secret). */
static void
sigil_wm_log(const struct wm_driver *drv, const struct settings *s)
{
	char line[1024] = "", real[PATH_MAX];
	size_t o = 0;

	for (size_t i = 0; i < drv->n_settings && o < sizeof(line); i++) {
		const char *v = settings_get(s, drv->settings[i].key);
		if (drv->settings[i].type != SETTING_PATH || v == NULL)
			continue;
		int n = snprintf(line + o, sizeof(line) - o, " %s", realpath(v, real) ? real : v);
		if (n > 0)
			o += (size_t)n;
	}
	log_info("watermark store: %s%s", drv->name, line);
}

int
sigil_ctx_open(struct sigil_ctx *ctx, const char *config_path, char *err, size_t errlen)
{
	int rc;

	pthread_rwlockattr_t attr;

	memset(ctx, 0, sizeof(*ctx));
	/* A reload must not starve behind a steady stream of requests. */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&ctx->lock, &attr);
	pthread_rwlockattr_destroy(&attr);
	pthread_mutex_init(&ctx->km_mu, NULL);
	pthread_mutex_init(&ctx->workers_mu, NULL);
	workq_init(&ctx->workers);
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	ctx->early_max = ncpu > 0 ? ncpu : 2;
	if (config_path && (ctx->config_path = strdup(config_path)) == NULL)
		return SIGIL_E_NOMEM;
	if ((rc = sigil_state_load(config_path, &ctx->st, err, errlen)) != 0)
		return rc;
	if ((rc = sigil_attach_metrics(ctx, ctx->st)) != 0 ||
	    (rc = sigil_fixed_take(ctx->st->cfg, &ctx->boot)) != 0) {
		snprintf(err, errlen, "%s", sigil_strerror(rc));
		return rc;
	}
	const struct wm_driver *drv;
	struct settings set;
	if ((rc = sigil_wm_config(ctx->st->cfg, &drv, &set, err, errlen)) != 0)
		return rc;
	struct sigil_deadline dl = sigil_deadline_in(ctx->st->cfg->server.backend_timeout_ms);
	struct wm_store_config wc = {.settings = &set, .deadline = &dl};
	/* Started from the Atto signer's variables alone (a container that
	 * had no state): no `sigil watermark init` ran, and nothing could
	 * have been mistyped, so the store is made here when there is none,
	 * and said so. */
	bool created = false;
	rc = 0;
	if (ctx->st->cfg->atto_api.env_only && drv->init != NULL &&
	    (rc = drv->init(&wc, &created, err, errlen)) == 0 && created)
		log_warn("watermark store created (ATTO_SIGNER_* alone, no config): it keeps block "
		         "watermarks only as long as %s lives; keep it on a volume",
		         ctx->st->cfg->base_dir);
	if (rc == 0)
		rc = drv->open(&wc, &ctx->wm, err, errlen);
	if (rc == 0)
		sigil_wm_log(drv, &set);
	settings_free(&set);
	return rc;
}

int
sigil_wm_config(const struct sigil_config *c, const struct wm_driver **drv,
                struct settings *settings, char *err, size_t errlen)
{
	int rc;

	memset(settings, 0, sizeof(*settings));
	if ((*drv = wm_driver_find(c->watermark_driver)) == NULL) {
		snprintf(err, errlen, "watermark: unknown driver %s", c->watermark_driver);
		return SIGIL_E_UNSUPPORTED;
	}
	if ((rc = sigil_settings_resolve(c, (*drv)->settings, (*drv)->n_settings, &c->watermark,
	                                 settings)) != 0) {
		snprintf(err, errlen, "watermark: %s", sigil_strerror(rc));
		return rc;
	}
	return 0;
}

int
sigil_ctx_reload(struct sigil_ctx *ctx, char *err, size_t errlen)
{
	struct sigil_state *st = NULL, *old;
	struct sigil_fixed now = {0};
	const char *changed[SIGIL_FIXED_N];
	size_t n;
	int rc;

	if ((rc = sigil_state_load(ctx->config_path, &st, err, errlen)) != 0)
		goto out;
	if ((rc = sigil_attach_metrics(ctx, st)) != 0 ||
	    (rc = sigil_fixed_take(st->cfg, &now)) != 0) {
		snprintf(err, errlen, "%s", sigil_strerror(rc));
		goto out;
	}
	/* Requests in flight keep the old state until they are done; the
	 * last of them frees it. */
	pthread_rwlock_wrlock(&ctx->lock);
	old = ctx->st;
	ctx->st = st;
	pthread_rwlock_unlock(&ctx->lock);
	st = old;
	/* Against what the server was started with, not the last reload: the
	 * sockets and limits are still the start-up ones, so the warning comes
	 * back on every reload until a restart. */
	n = sigil_fixed_diff(&ctx->boot, &now, changed, SIGIL_FIXED_N);
	for (size_t i = 0; i < n; i++)
		log_warn("reload: %s changed, but it is read only at start-up: the running value "
		         "stays until sigild restarts", changed[i]);
out:
	sigil_state_release(st);
	sigil_fixed_free(&now);
	return rc;
}

void
sigil_ctx_close(struct sigil_ctx *ctx)
{
	/* The jobs still queued hold the state and use the store. */
	sigil_sign_workers_stop(ctx);
	workq_destroy(&ctx->workers);
	pthread_mutex_destroy(&ctx->workers_mu);
	sigil_state_release(ctx->st);
	ctx->st = NULL;
	if (ctx->wm)
		ctx->wm->ops->close(ctx->wm);
	ctx->wm = NULL;
	while (ctx->km) {
		struct sigil_key_metrics *n = ctx->km->next;
		free(ctx->km);
		ctx->km = n;
	}
	while (ctx->vm) {
		struct sigil_vault_metrics *n = ctx->vm->next;
		free(ctx->vm);
		ctx->vm = n;
	}
	sigil_fixed_free(&ctx->boot);
	free(ctx->config_path);
	pthread_rwlock_destroy(&ctx->lock);
	pthread_mutex_destroy(&ctx->km_mu);
}
