/* The daemon's state: configuration, vaults, the key ring (configured keys
 * found in a vault), the watermark store and metrics. A SIGHUP builds a new
 * state beside the old one and swaps it in; the watermark store and metrics
 * live on across reloads. */
#ifndef SIGIL_CONTEXT_H
#define SIGIL_CONTEXT_H
#include <pthread.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stddef.h>

#include "base/workq.h"
#include "config/config.h"
#include "core/keyring.h"
#include "core/metrics.h"
#include "vault/vault.h"
#include "watermark/watermark.h"

struct sigil_key_metrics;
struct sigil_vault_metrics;

struct sigil_state {
	struct sigil_config *cfg;
	struct vault *vaults[CONFIG_MAX_VAULTS];
	size_t n_vaults;
	struct sigil_key *keys; /* the key ring (core/keyring.h) */
	size_t n_keys;
	/* Per vault, as sigil_key.vault_faulty. */
	_Atomic bool vault_faulty[CONFIG_MAX_VAULTS];
	/* Per vault, as sigil_key.vault_ms. */
	struct metrics_hist *vault_ms[CONFIG_MAX_VAULTS];
	/* One reference for whoever loaded it (the context, while it is
	 * current) and one per request working on it (sigil_ctx_hold);
	 * the last sigil_state_release frees it. */
	atomic_uint refs;
};

/* The settings read once at start-up: listening addresses, TLS files, the
 * server's limits and threads, the watermark store. A reload cannot apply
 * them, so it compares and warns. Each is kept as text (paths resolved
 * against base_dir; a TLS file also by its identity and mtime, so that a
 * renewed certificate at the same path counts as a change), so that one
 * strcmp tells a change. */
#define SIGIL_FIXED_N 13
struct sigil_fixed {
	char *value[SIGIL_FIXED_N]; /* owned; NULL when not taken (reads as "") */
};

struct sigil_ctx {
	/* Guards the pointer st only: a request holds the state it works on
	 * (sigil_ctx_hold), never this lock, across vault or watermark I/O,
	 * so that a reload never waits for a slow signature. */
	pthread_rwlock_t lock;
	struct sigil_state *st;
	struct wm_store *wm;
	struct metrics metrics;
	/* Per-address metrics, kept across reloads (grow-only). */
	struct sigil_key_metrics *km;
	/* Per-vault histograms by vault name, the same way (under km_mu). */
	struct sigil_vault_metrics *vm;
	pthread_mutex_t km_mu;
	struct sigil_fixed boot; /* what the running server was started with */
	char *config_path; /* NULL: embedded defaults */
	/* Set when sigild stops taking requests: /healthz answers 503, so a
	 * load balancer sends new work elsewhere while requests drain. */
	_Atomic bool draining;
	/* The signing workers (sigil_sign_async): started on first use. */
	struct workq workers;
	pthread_mutex_t workers_mu;
	_Atomic bool workers_up;
	_Atomic long queued; /* jobs handed to them and not yet begun */
	long early_max;      /* nonces made ahead only while queued is below */
};

/* Set by the CLI: asks for a vault's passphrase when none is configured;
 * returns non-zero when it cannot ask (no terminal). */
extern int (*sigil_passphrase_prompt)(const char *vault, char *out, size_t cap);

/* The current state, held: its keys, vaults and config stay valid until
 * sigil_state_release, whatever reload comes meanwhile. */
struct sigil_state *sigil_ctx_hold(struct sigil_ctx *ctx);
/* One more reference of a state already held (st not NULL): st. */
struct sigil_state *sigil_state_ref(struct sigil_state *st);
/* Lets go of a state from sigil_ctx_hold or sigil_state_load; the last
 * reference frees it (vaults closed, secrets wiped). NULL is allowed. */
void sigil_state_release(struct sigil_state *st);

/* Loads the config, opens vaults and the watermark store. err gets a
 * secret-free explanation on failure. */
__attribute__((warn_unused_result)) int
sigil_ctx_open(struct sigil_ctx *ctx, const char *config_path, char *err, size_t errlen);
/* Re-reads the config and keys; on failure the old state stays. A changed
 * start-up setting (struct sigil_fixed) gets one warning naming it; log.*
 * is for the caller to apply from the new ctx->st->cfg. */
__attribute__((warn_unused_result)) int
sigil_ctx_reload(struct sigil_ctx *ctx, char *err, size_t errlen);
void sigil_ctx_close(struct sigil_ctx *ctx);

/* The watermark store the config names: its driver, and its settings with
 * paths resolved against base_dir (the caller frees them with
 * settings_free, also after an error). err says what is wrong. */
__attribute__((warn_unused_result)) int
sigil_wm_config(const struct sigil_config *c, const struct wm_driver **drv,
                struct settings *settings, char *err, size_t errlen);

/* A copy of a back end's settings in, with its SETTING_PATH values (specs)
 * resolved against c's base_dir; out is the caller's (settings_free). */
__attribute__((warn_unused_result)) int
sigil_settings_resolve(const struct sigil_config *c, const struct setting_spec *specs, size_t n,
                       const struct settings *in, struct settings *out);

/* Loads the config and opens its vaults only (CLI use; no watermark lock). */
__attribute__((warn_unused_result)) int
sigil_state_load(const char *config_path, struct sigil_state **out, char *err, size_t errlen);
void sigil_state_free(struct sigil_state *st);

/* The /metrics page of the current state.
 * *out is the caller's (free); SIGIL_E_NOMEM leaves it NULL. */
__attribute__((warn_unused_result)) int
sigil_ctx_metrics_text(struct sigil_ctx *ctx, char **out, size_t *len);

/* c's start-up settings into out (the caller frees it with
 * sigil_fixed_free, also after an error). */
__attribute__((warn_unused_result)) int
sigil_fixed_take(const struct sigil_config *c, struct sigil_fixed *out);
void sigil_fixed_free(struct sigil_fixed *f);
/* The config names ("server.address", ...) of the settings that differ
 * between a and b, at most cap of them into changed; returns how many
 * differ. */
size_t sigil_fixed_diff(const struct sigil_fixed *a, const struct sigil_fixed *b,
                        const char **changed, size_t cap);

/* The key for (chain, address) in st, or NULL (valid while st is held). */
const struct sigil_key *sigil_find_key(const struct sigil_state *st, const struct chain_ops *chain,
                                       const char *address);

#endif
