/* A slow back end stalls neither a reload nor the requests that do not
 * need it: a request works on the state it holds (sigil_ctx_hold), and no
 * lock is held across a vault's signature. The vault here is the file
 * vault behind a driver of the test's own ("stall") that waits, on
 * demand, inside its sign. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>

#include "base/errors.h"
#include "chain/tezos/b58.h"
#include "chain/tezos/chain.h"
#include "core/context.h"
#include "core/sign.h"
#include "core_test.h"
#include "../unit_util.h"
#include "vault/registry_test.h"
#include "vault/file/file.h"
#include "vault/vault.h"
#include "watermark/file/file.h"

struct stall_vault {
	struct vault base;
	struct vault *inner;
};

static sem_t entered, release;
static _Atomic bool armed;

static size_t
stall_count(const struct vault *v)
{
	const struct vault *in = ((const struct stall_vault *)v)->inner;
	return in->ops->count(in);
}

static const struct vault_key *
stall_key(const struct vault *v, size_t i)
{
	const struct vault *in = ((const struct stall_vault *)v)->inner;
	return in->ops->key(in, i);
}

static int
stall_sign(struct vault *v, size_t i, enum sigil_scheme scheme, const uint8_t *msg, size_t len,
           const struct sigil_deadline *dl, struct vault_sig *out)
{
	struct vault *in = ((struct stall_vault *)v)->inner;
	if (atomic_exchange(&armed, false)) {
		sem_post(&entered);
		sem_wait_5s(&release);
	}
	return in->ops->sign(in, i, scheme, msg, len, dl, out);
}

static void
stall_close(struct vault *v)
{
	struct stall_vault *s = (struct stall_vault *)v;
	if (s == NULL)
		return;
	s->inner->ops->close(s->inner);
	free(s);
}

static const struct vault_ops stall_ops = {
	.name = "stall",
	.count = stall_count,
	.key = stall_key,
	.sign = stall_sign,
	.close = stall_close,
};

static int
stall_open(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen)
{
	struct stall_vault *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return SIGIL_E_NOMEM;
	if ((rc = vault_file_open(settings_get(cfg->settings, "path"), cfg->passphrase, cfg->codec, &s->inner)) != 0) {
		snprintf(err, errlen, "stall: %s", sigil_strerror(rc));
		free(s);
		return rc;
	}
	s->base.ops = &stall_ops;
	*out = &s->base;
	return 0;
}

static const struct vault_driver stall_driver = {
	.name = "stall",
	.settings = vault_file_settings,
	.n_settings = VAULT_FILE_N_SETTINGS,
	.open = stall_open,
};

struct signer {
	struct sigil_ctx *ctx;
	struct sign_request req;
	int rc;
	char signature[CHAIN_TEXT_MAX];
	sem_t done;
};

static void *
signer_main(void *arg)
{
	struct signer *s = arg;
	struct sign_res res;
	s->rc = sigil_sign(s->ctx, &s->req, &res);
	snprintf(s->signature, sizeof(s->signature), "%s", res.signature);
	sem_post(&s->done);
	return NULL;
}

struct reloader {
	struct sigil_ctx *ctx;
	int rc;
	sem_t done;
};

static void *
reloader_main(void *arg)
{
	struct reloader *r = arg;
	char err[512];
	r->rc = sigil_ctx_reload(r->ctx, err, sizeof(err));
	sem_post(&r->done);
	return NULL;
}

static void
test_reload_during_a_slow_signature(void **state)
{
	struct sigil_ctx ctx;
	struct capture c;
	struct signer s = {0};
	struct reloader r = {0};
	pthread_t ts, tr;
	uint8_t seed[32], tx[sizeof(TX_HEX) / 2];
	char edsk[TZ_B58_MAX], text[512], cfg[512], err[512] = "", wmdir[512];
	bool created;

	(void)state;
	vault_driver_add_for_tests(&stall_driver);
	sem_init(&entered, 0, 0);
	sem_init(&release, 0, 0);
	char *d = tmpdir();
	memset(seed, 1, sizeof(seed));
	assert_int_equal(tz_b58_encode(TZ_P_EDSK_SEED, seed, sizeof(seed), edsk, sizeof(edsk)), 0);
	snprintf(text, sizeof(text), "[{\"name\":\"k1\",\"value\":\"unencrypted:%s\"}]\n", edsk);
	write_file(d, "a.json", text);
	snprintf(text, sizeof(text),
	         "base_dir: %s\nvaults:\n  a: {driver: stall, config: {path: a.json}}\n"
	         "tezos:\n  " TZ1 ":\n    allow: {generic: [transaction]}\n", d);
	write_file(d, "sigil.yaml", text);
	snprintf(cfg, sizeof(cfg), "%s/sigil.yaml", d);
	snprintf(wmdir, sizeof(wmdir), "%s/watermarks", d);
	assert_int_equal(wm_file_init(wmdir, &created), 0);
	capture_start(&c);
	if (sigil_ctx_open(&ctx, cfg, err, sizeof(err)) != 0)
		fail_msg("sigil_ctx_open: %s", err);

	/* A request that the vault holds up. */
	unhex(TX_HEX, tx, sizeof(tx));
	s.ctx = &ctx;
	s.req = (struct sign_request){.chain = &chain_tezos, .address = TZ1, .payload = tx,
	                              .len = sizeof(tx), .version = 2};
	sem_init(&s.done, 0, 0);
	atomic_store(&armed, true);
	assert_int_equal(pthread_create(&ts, NULL, signer_main, &s), 0);
	sem_wait_5s(&entered);

	/* The reload finishes while that signature is still being made... */
	r.ctx = &ctx;
	sem_init(&r.done, 0, 0);
	assert_int_equal(pthread_create(&tr, NULL, reloader_main, &r), 0);
	sem_wait_5s(&r.done);
	assert_int_equal(r.rc, 0);
	pthread_join(tr, NULL);
	/* ...and another request is served meanwhile, on the new state. */
	struct sign_res res;
	assert_int_equal(sigil_sign(&ctx, &s.req, &res), 0);
	assert_int_equal(sem_trywait(&s.done), -1); /* the first still waits */

	/* The held-up request ends on the state it started with (freed by
	 * it, the last holder), with the same signature. */
	sem_post(&release);
	sem_wait_5s(&s.done);
	pthread_join(ts, NULL);
	assert_int_equal(s.rc, 0);
	assert_string_equal(s.signature, res.signature);
	free(capture_end(&c, NULL));
	sigil_ctx_close(&ctx);
	snprintf(text, sizeof(text), "rm -rf %s", d);
	assert_int_equal(system(text), 0);
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reload_during_a_slow_signature),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
