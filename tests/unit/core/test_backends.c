/* Slow and failing back ends (issue 11): a watermark store and a vault of
 * the test's own, registered by name, stall or fail on demand. A slow back
 * end stalls neither a reload nor another key's requests, and a deadline
 * turns into a refusal with its reason (503 for a deadline, 500 for a
 * failure): never a hang, never a signature.
 *
 * The store is tests/unit/core/wm_memory.h (driver "memory"); the vault is
 * the file vault behind a driver "slow" that waits, on demand, inside its
 * sign until released or until the deadline it is given. Every call that
 * might hang runs on a thread of its own and is waited for at most
 * CALL_BOUND_MS: a sigil_sign that ignored its deadline fails the test
 * instead of hanging ctest (and alarm() ends the process as a last
 * resort). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>

#include "api/status.h"
#include "base/deadline.h"
#include "base/errors.h"
#include "base/log.h"
#include "chain/tezos/b58.h"
#include "chain/tezos/chain.h"
#include "chain/tezos/keys.h"
#include "core/context.h"
#include "core/sign.h"
#include "core_test.h"
#include "../unit_util.h"
#include "vault/file/file.h"
#include "vault/registry_test.h"
#include "vault/vault.h"
#include "wm_memory.h"

/* The deadline of cases a, c, d, e; case b's is long, so that only the
 * test releases the stalled request. */
#define SHORT_MS 300u
#define LONG_MS 20000u
/* How long any call that must return is given before it counts as hung. */
#define CALL_BOUND_MS 5000u
/* A refusal at a 300 ms deadline comes after about that long: not at
 * once (the back end was waited for), and well before the bound. */
#define AT_LEAST_MS (SHORT_MS - 50u)
#define AT_MOST_MS 3000u

/* ---- the "slow" vault: the file vault, stalled on demand ---------------- */

struct slow_vault {
	struct vault base;
	struct vault *inner;
	struct vault_key keys[4]; /* the inner ones, as this vault describes them */
	size_t n;
};

static pthread_mutex_t sv_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sv_cv; /* CLOCK_MONOTONIC (main) */
static unsigned sv_stall_n, sv_gen, sv_stalled, sv_timeouts, sv_capped, sv_signs;
/* Set before a context opens: its keys say their signatures are not
 * reproducible, so consensus requests take check_advance_sign. */
static bool sv_nondeterministic;

static size_t
slow_count(const struct vault *v)
{
	return ((const struct slow_vault *)v)->n;
}

static const struct vault_key *
slow_key(const struct vault *v, size_t i)
{
	return &((const struct slow_vault *)v)->keys[i];
}

/* Waits (sv_mu held) until released or dl passes: 0 or SIGIL_E_TIMEOUT. */
static int
slow_wait(const struct sigil_deadline *dl)
{
	bool has_dl = dl != NULL && dl->at_ms != 0;
	uint64_t at = has_dl ? dl->at_ms : sigil_monotonic_ms() + WM_MEMORY_CAP_MS;
	unsigned gen = sv_gen;

	while (sv_gen == gen) {
		if (sigil_monotonic_ms() >= at) {
			if (!has_dl)
				sv_capped++;
			return SIGIL_E_TIMEOUT;
		}
		struct timespec t = wm_memory_abs(at);
		(void)pthread_cond_timedwait(&sv_cv, &sv_mu, &t);
	}
	return 0;
}

static int
slow_sign(struct vault *v, size_t i, enum sigil_scheme scheme, const uint8_t *msg, size_t len,
          const struct sigil_deadline *dl, struct vault_sig *out)
{
	struct vault *in = ((struct slow_vault *)v)->inner;
	int rc = 0;

	pthread_mutex_lock(&sv_mu);
	if (sv_stall_n > 0) {
		sv_stall_n--;
		sv_stalled++;
		pthread_cond_broadcast(&sv_cv);
		rc = slow_wait(dl);
		sv_stalled--;
		if (rc == SIGIL_E_TIMEOUT)
			sv_timeouts++;
	}
	pthread_mutex_unlock(&sv_mu);
	if (rc != 0)
		return rc; /* nothing signed */
	if ((rc = in->ops->sign(in, i, scheme, msg, len, dl, out)) == 0) {
		pthread_mutex_lock(&sv_mu);
		sv_signs++;
		pthread_mutex_unlock(&sv_mu);
	}
	return rc;
}

static void
slow_close(struct vault *v)
{
	struct slow_vault *s = (struct slow_vault *)v;
	if (s == NULL)
		return;
	s->inner->ops->close(s->inner);
	free(s);
}

static const struct vault_ops slow_ops = {
	.name = "slow",
	.count = slow_count,
	.key = slow_key,
	.sign = slow_sign,
	.close = slow_close,
};

static int
slow_open(const struct vault_config *cfg, struct vault **out, char *err, size_t errlen)
{
	struct slow_vault *s = calloc(1, sizeof(*s));
	int rc;

	if (s == NULL)
		return SIGIL_E_NOMEM;
	if ((rc = vault_file_open(settings_get(cfg->settings, "path"), cfg->passphrase, cfg->codec, &s->inner)) != 0) {
		snprintf(err, errlen, "slow: %s", sigil_strerror(rc));
		free(s);
		return rc;
	}
	s->n = s->inner->ops->count(s->inner);
	if (s->n > sizeof(s->keys) / sizeof(s->keys[0])) {
		snprintf(err, errlen, "slow: too many keys");
		slow_close(&s->base);
		return SIGIL_E_TOO_BIG;
	}
	for (size_t i = 0; i < s->n; i++) {
		s->keys[i] = *s->inner->ops->key(s->inner, i);
		if (sv_nondeterministic)
			s->keys[i].deterministic = false;
	}
	s->base.ops = &slow_ops;
	*out = &s->base;
	return 0;
}

static const struct vault_driver slow_driver = {
	.name = "slow",
	.settings = vault_file_settings,
	.n_settings = VAULT_FILE_N_SETTINGS,
	.open = slow_open,
	.add = NULL,
};

static void
slow_stall_next(unsigned n)
{
	pthread_mutex_lock(&sv_mu);
	sv_stall_n = n;
	pthread_mutex_unlock(&sv_mu);
}

static void
slow_release(void)
{
	pthread_mutex_lock(&sv_mu);
	sv_gen++;
	pthread_cond_broadcast(&sv_cv);
	pthread_mutex_unlock(&sv_mu);
}

static void
slow_reset(void)
{
	pthread_mutex_lock(&sv_mu);
	sv_stall_n = sv_stalled = sv_timeouts = sv_capped = sv_signs = 0;
	pthread_mutex_unlock(&sv_mu);
}

static unsigned
slow_read(const unsigned *counter)
{
	pthread_mutex_lock(&sv_mu);
	unsigned v = *counter;
	pthread_mutex_unlock(&sv_mu);
	return v;
}

/* ---- Tezos requests (as tests/unit/core/test_context.c and
 * tests/unit/tezos/test_decode.c build them) -------------------------------- */

static size_t
put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
	return 4;
}

/* An attestation (tag 21) of the test chain at level, with filler. */
static size_t
attestation(int32_t level, uint8_t fill, uint8_t out[static 128])
{
	size_t n = 0;
	out[n++] = 0x13;
	memcpy(out + n, "\x7a\x06\xa7\x70", 4), n += 4;
	memset(out + n, 0xab, 32), n += 32; /* branch */
	out[n++] = 0x15;
	out[n++] = 0, out[n++] = 7; /* slot */
	for (int i = 3; i >= 0; i--)
		out[n++] = (uint8_t)((uint32_t)level >> (8 * i));
	memset(out + n, 0, 4), n += 4; /* round */
	memset(out + n, fill, 32), n += 32; /* block payload hash */
	return n;
}

/* A block header at level, round 0: fitness [02; level; ; -1-4; 0]. */
static size_t
block(int32_t level, uint8_t fill, uint8_t b[static 512])
{
	size_t n = 0;

	b[n++] = 0x11;
	n += put32(b + n, 0x7a06a770); /* chain id */
	n += put32(b + n, (uint32_t)level);
	b[n++] = 3;                    /* proto */
	memset(b + n, fill, 32 + 8 + 1 + 32); /* predecessor, timestamp, vpass, ops hash */
	n += 32 + 8 + 1 + 32;
	n += put32(b + n, 33);         /* fitness */
	n += put32(b + n, 1);
	b[n++] = 0x02;
	n += put32(b + n, 4);
	n += put32(b + n, (uint32_t)level);
	n += put32(b + n, 0);          /* no locked round */
	n += put32(b + n, 4);
	n += put32(b + n, (uint32_t)-1 - 4);
	n += put32(b + n, 4);
	n += put32(b + n, 0);          /* round */
	memset(b + n, 0xc7, 32 + 32);  /* context, payload hash */
	n += 64;
	n += put32(b + n, 0);          /* payload round */
	memset(b + n, 0x99, 8);        /* proof of work nonce */
	n += 8;
	b[n++] = 0x00;                 /* no seed nonce hash */
	b[n++] = 0x04;                 /* per-block votes */
	return n;
}

/* edsig over blake2b(bytes) by the key of seed byte s (s…s), checked by
 * libsodium. */
static void
assert_signed_by(uint8_t s, const char *edsig, const uint8_t *bytes, size_t len)
{
	uint8_t seed[32], pk[32], sk[64], d[32], sig[SIGIL_SIG_MAX];
	size_t siglen;
	enum sigil_key_type type = SIGIL_KEY_ED25519;
	bool generic;

	memset(seed, s, sizeof(seed));
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
	assert_int_equal(tz_sig_decode(edsig, strlen(edsig), &type, sig, &siglen, &generic), 0);
	assert_false(generic);
	assert_int_equal(siglen, 64);
	sigil_blake2b(d, sizeof(d), bytes, len);
	assert_int_equal(crypto_sign_verify_detached(sig, d, sizeof(d), pk), 0);
	sodium_memzero(sk, sizeof(sk));
}

/* ---- the fixture ---------------------------------------------------------- */

enum { A, B };
static const uint8_t seed_byte[2] = {0x01, 0x02};

static struct {
	char *dir;
	char cfg[512];
	struct sigil_ctx ctx;
	bool open;
	struct capture cap;
	bool capturing;
	bool passed; /* set by a test at its end: teardown shows the log if not */
	bool hung;   /* a call is still inside sigil: its thread uses ctx */
	char addr[2][CHAIN_ADDRESS_MAX];
	uint8_t kid[2][CHAIN_KEY_ID_LEN];
} F;

/* Calls whose thread is still inside sigil: teardown closes the context
 * only once there are none. */
static atomic_uint in_flight;

static void
fx_open(unsigned timeout_ms, bool deterministic)
{
	char text[2048], edsk[2][TZ_B58_MAX], err[512] = "";

	F.dir = tmpdir();
	for (int k = A; k <= B; k++) {
		uint8_t seed[32], pk[32], sk[64];
		memset(seed, seed_byte[k], sizeof(seed));
		assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
		sodium_memzero(sk, sizeof(sk));
		assert_int_equal(chain_tezos.address(SIGIL_KEY_ED25519, pk, sizeof(pk), F.addr[k],
		                                     sizeof(F.addr[k])),
		                 0);
		chain_tezos.key_id(SIGIL_KEY_ED25519, pk, sizeof(pk), F.kid[k]);
		assert_int_equal(tz_b58_encode(TZ_P_EDSK_SEED, seed, sizeof(seed), edsk[k],
		                               sizeof(edsk[k])),
		                 0);
	}
	assert_string_equal(F.addr[A], TZ1); /* the secret 0x01…01 */
	snprintf(text, sizeof(text),
	         "[{\"name\":\"a\",\"value\":\"unencrypted:%s\"},"
	         "{\"name\":\"b\",\"value\":\"unencrypted:%s\"}]\n",
	         edsk[A], edsk[B]);
	write_file(F.dir, "a.json", text);
	snprintf(text, sizeof(text),
	         "base_dir: %s\n"
	         "server:\n  backend_timeout_ms: %u\n"
	         "watermark: {driver: memory}\n"
	         "vaults:\n  a: {driver: slow, config: {path: a.json}}\n"
	         "tezos:\n"
	         "  %s:\n    allow: {block: , preattestation: , attestation: , "
	         "generic: [transaction]}\n"
	         "  %s:\n    allow: {block: , preattestation: , attestation: , "
	         "generic: [transaction]}\n",
	         F.dir, timeout_ms, F.addr[A], F.addr[B]);
	write_file(F.dir, "sigil.yaml", text);
	snprintf(F.cfg, sizeof(F.cfg), "%s/sigil.yaml", F.dir);
	slow_reset();
	sv_nondeterministic = !deterministic;
	capture_start(&F.cap);
	F.capturing = true;
	if (sigil_ctx_open(&F.ctx, F.cfg, err, sizeof(err)) != 0)
		fail_msg("sigil_ctx_open: %s", err);
	F.open = true;
	assert_non_null(wm_memory_store());
	assert_ptr_equal(F.ctx.wm, &wm_memory_store()->base);
	assert_string_equal(F.ctx.wm->ops->name, "memory");
}

static int
fx_setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof(F));
	return 0;
}

static int
fx_teardown(void **state)
{
	(void)state;
	if (F.capturing) {
		char *out = capture_end(&F.cap, NULL);
		if (!F.passed)
			fprintf(stderr, "--- the test's log ---\n%s--- end of log ---\n", out);
		free(out);
	}
	/* A test that failed may have left calls waiting in a back end: let
	 * them go, and close the context only once they are out of it (if
	 * one never comes out, the context is left to it). */
	slow_stall_next(0);
	slow_release();
	if (wm_memory_store()) {
		wm_memory_stall_next(0);
		wm_memory_release();
	}
	for (uint64_t until = sigil_monotonic_ms() + CALL_BOUND_MS;
	     atomic_load(&in_flight) > 0 && sigil_monotonic_ms() < until;) {
		struct timespec nap = {0, 10 * 1000 * 1000};
		nanosleep(&nap, NULL);
	}
	if ((F.hung = atomic_load(&in_flight) > 0))
		fprintf(stderr, "%u call(s) still inside sigil: the context is left open\n",
		        atomic_load(&in_flight));
	if (F.open && !F.hung)
		sigil_ctx_close(&F.ctx);
	if (F.dir) {
		char cmd[600];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", F.dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", F.dir);
		free(F.dir);
	}
	return 0;
}

/* What stderr has had so far (the caller frees it). */
static char *
log_so_far(void)
{
	off_t end = lseek(F.cap.fd, 0, SEEK_END);
	assert_true(end >= 0);
	char *buf = malloc((size_t)end + 1);
	assert_non_null(buf);
	assert_int_equal(pread(F.cap.fd, buf, (size_t)end, 0), end);
	buf[end] = '\0';
	return buf;
}

/* The audit line of key k at level (as text) whose reason is reason: it
 * must exist and say refused. */
static void
assert_refusal_logged(int k, const char *level, const char *reason)
{
	char *out = log_so_far(), want_key[128], want_level[32], want_reason[200];
	bool found = false;

	snprintf(want_key, sizeof(want_key), " key=%s ", F.addr[k]);
	snprintf(want_level, sizeof(want_level), " level=%s ", level);
	snprintf(want_reason, sizeof(want_reason), " reason=\"%s\" ", reason);
	for (char *line = out, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		if (strstr(line, " audit ") == NULL || strstr(line, want_key) == NULL ||
		    (level && strstr(line, want_level) == NULL) || strstr(line, want_reason) == NULL)
			continue;
		if (strstr(line, " decision=refused ") == NULL)
			fail_msg("audit line does not say refused: %s", line);
		found = true;
	}
	if (!found)
		fail_msg("no audit line for %s%s%s with %s in:\n%s", want_key, level ? "at" : "",
		         level ? want_level : "", want_reason, out);
	free(out);
}

/* ---- calls that might hang, on threads of their own ---------------------- */

struct call {
	struct sign_request req;
	uint8_t bytes[512];
	int rc;
	struct sign_res res;
	uint64_t ms; /* how long sigil_sign took */
	sem_t done;
	pthread_t thread;
	bool reload; /* sigil_ctx_reload instead of sigil_sign */
	char err[512];
};

static void *
call_main(void *arg)
{
	struct call *c = arg;
	uint64_t t0 = sigil_monotonic_ms();
	if (c->reload)
		c->rc = sigil_ctx_reload(&F.ctx, c->err, sizeof(c->err));
	else
		c->rc = sigil_sign(&F.ctx, &c->req, &c->res);
	c->ms = sigil_monotonic_ms() - t0;
	atomic_fetch_sub(&in_flight, 1);
	sem_post(&c->done);
	return NULL;
}

/* Heap-allocated: a call that hangs keeps using it after the test fails. */
static struct call *
call_new(void)
{
	struct call *c = calloc(1, sizeof(*c));
	assert_non_null(c);
	assert_int_equal(sem_init(&c->done, 0, 0), 0);
	return c;
}

static void
call_go(struct call *c)
{
	atomic_fetch_add(&in_flight, 1);
	if (pthread_create(&c->thread, NULL, call_main, c) != 0) {
		atomic_fetch_sub(&in_flight, 1);
		fail_msg("pthread_create failed");
	}
}

/* Starts sigil_sign of key k over len bytes of c->bytes (filled by the
 * caller). */
static struct call *
sign_start(int k, const uint8_t *bytes, size_t len)
{
	struct call *c = call_new();
	assert_true(len <= sizeof(c->bytes));
	memcpy(c->bytes, bytes, len);
	c->req = (struct sign_request){.api = "tezos", .chain = &chain_tezos,
	                               .address = F.addr[k], .payload = c->bytes, .len = len,
	                               .version = 2, .peer = "test"};
	call_go(c);
	return c;
}

/* Waits for c at most CALL_BOUND_MS: a call that does not return by then
 * fails the test (its thread is left running, with c). */
static void
call_end(struct call *c, const char *what)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	t.tv_sec += CALL_BOUND_MS / 1000u;
	t.tv_nsec += (long)(CALL_BOUND_MS % 1000u) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	int e;
	while ((e = sem_timedwait(&c->done, &t)) != 0 && errno == EINTR)
		;
	if (e != 0) {
		pthread_detach(c->thread);
		fail_msg("%s did not return within %u ms: a hang", what, CALL_BOUND_MS);
	}
	pthread_join(c->thread, NULL);
	sem_destroy(&c->done);
}

static bool
call_returned(struct call *c)
{
	if (sem_trywait(&c->done) != 0)
		return false;
	sem_post(&c->done);
	return true;
}

static void
call_free(struct call *c)
{
	sodium_memzero(c, sizeof(*c));
	free(c);
}

/* sigil_sign of key k, bounded; the call is the caller's to free. */
static struct call *
sign_now(int k, const uint8_t *bytes, size_t len, const char *what)
{
	struct call *c = sign_start(k, bytes, len);
	call_end(c, what);
	return c;
}

/* Signs and checks the signature (0, by key k over bytes); out, when not
 * NULL, gets it (CHAIN_TEXT_MAX). */
static void
assert_signs(int k, const uint8_t *bytes, size_t len, char *out)
{
	struct call *c = sign_now(k, bytes, len, "sigil_sign");
	if (c->rc != 0)
		fail_msg("sigil_sign: %d (%s)", c->rc, c->res.reason);
	assert_string_equal(c->res.reason, "");
	assert_signed_by(seed_byte[k], c->res.signature, bytes, len);
	if (out)
		snprintf(out, CHAIN_TEXT_MAX, "%s", c->res.signature);
	call_free(c);
}

/* A refusal for a deadline: SIGIL_E_TIMEOUT, 503, no signature, the
 * reason given, in about the deadline. */
static void
assert_deadline_refusal(const struct call *c, const char *reason)
{
	if (c->rc != SIGIL_E_TIMEOUT)
		fail_msg("rc %d (%s), not SIGIL_E_TIMEOUT", c->rc, c->res.reason);
	assert_string_equal(c->res.signature, "");
	assert_string_equal(c->res.reason, reason);
	assert_int_equal(api_status_for(c->rc), 503);
	if (c->ms < AT_LEAST_MS || c->ms > AT_MOST_MS)
		fail_msg("refused after %llu ms; the deadline is %u ms", (unsigned long long)c->ms,
		         SHORT_MS);
}

static struct wm_id
wm_id_of(int k, enum wm_kind kind)
{
	struct wm_id id;
	memset(&id, 0, sizeof(id));
	memcpy(id.chain_id, "\x7a\x06\xa7\x70", 4);
	memcpy(id.key, F.kid[k], sizeof(id.key));
	id.kind = kind;
	return id;
}

/* The store's mark for (k, kind): SIGIL_E_NOT_FOUND or 0 with *m. */
static int
mark_of(int k, enum wm_kind kind, struct wm_mark *m)
{
	struct wm_id id = wm_id_of(k, kind);
	memset(m, 0, sizeof(*m));
	return F.ctx.wm->ops->get(F.ctx.wm, &id, m, NULL);
}

/* ---- a. the store stalls past the deadline -------------------------------- */

static void
test_wm_stall_deadline(void **state)
{
	uint8_t att[128];
	struct wm_mark before, after;
	size_t n;

	(void)state;
	fx_open(SHORT_MS, true);
	/* A's mark stands at 100. */
	n = attestation(100, 0x11, att);
	assert_signs(A, att, n, NULL);
	assert_int_equal(mark_of(A, WM_ATTESTATION, &before), 0);
	assert_int_equal(before.level, 100);

	/* Level 101: the store holds it past the deadline. */
	wm_memory_only_key(F.kid[A]);
	wm_memory_stall_next(1);
	n = attestation(101, 0x22, att);
	struct call *c = sign_now(A, att, n, "sigil_sign with a stalled watermark store");
	assert_deadline_refusal(c, "watermark store: deadline exceeded");
	call_free(c);
	struct wm_memory_stats st = wm_memory_stats();
	assert_int_equal(st.entered, 1);
	assert_int_equal(st.timeouts, 1); /* by the deadline sigil gave it */
	assert_int_equal(st.capped, 0);
	assert_int_equal(st.stalled, 0);
	assert_int_equal(slow_read(&sv_signs), 1); /* only level 100 reached the vault */
	/* Nothing advanced. */
	assert_int_equal(mark_of(A, WM_ATTESTATION, &after), 0);
	assert_int_equal(after.level, 100);
	assert_int_equal(after.round, 0);
	assert_memory_equal(after.digest, before.digest, 32);
	assert_refusal_logged(A, "101", "watermark store: deadline exceeded");

	/* The id was left free: the same request, once the store answers,
	 * signs. */
	assert_signs(A, att, n, NULL);
	assert_int_equal(mark_of(A, WM_ATTESTATION, &after), 0);
	assert_int_equal(after.level, 101);
	F.passed = true;
}

/* ---- b. a stalled key stalls neither another key nor a reload ----------- */

static void
test_wm_stall_spares_others(void **state)
{
	uint8_t att[128], blk[512], batt[128];
	size_t n, bn, ban;
	struct wm_mark m;

	(void)state;
	fx_open(LONG_MS, true);
	/* Every call for A's marks waits until the test releases it. */
	wm_memory_only_key(F.kid[A]);
	wm_memory_stall_next(1000);
	n = attestation(5, 0x44, att);
	struct call *held = sign_start(A, att, n);
	assert_true(wm_memory_wait_stalled(1, CALL_BOUND_MS));

	/* B's block is signed meanwhile... */
	bn = block(5, 0xb1, blk);
	struct call *c = sign_now(B, blk, bn, "B's block while A's store call is stalled");
	if (c->rc != 0)
		fail_msg("B's block: %d (%s)", c->rc, c->res.reason);
	assert_signed_by(seed_byte[B], c->res.signature, blk, bn);
	call_free(c);
	/* ...a SIGHUP reload completes... */
	c = call_new();
	c->reload = true;
	call_go(c);
	call_end(c, "sigil_ctx_reload while A's store call is stalled");
	if (c->rc != 0)
		fail_msg("reload: %d %s", c->rc, c->err);
	call_free(c);
	/* ...and B signs again, on the new state. */
	ban = attestation(5, 0x55, batt);
	assert_signs(B, batt, ban, NULL);
	assert_int_equal(mark_of(B, WM_BLOCK, &m), 0);
	assert_int_equal(m.level, 5);
	assert_int_equal(mark_of(B, WM_ATTESTATION, &m), 0);
	assert_int_equal(m.level, 5);

	/* All that while A still waited, its mark not written. */
	assert_false(call_returned(held));
	assert_int_equal(wm_memory_stats().stalled, 1);
	assert_int_equal(mark_of(A, WM_ATTESTATION, &m), SIGIL_E_NOT_FOUND);

	/* Released by the test (the store answers), A completes normally. */
	wm_memory_stall_next(0);
	wm_memory_release();
	call_end(held, "A's request once released");
	if (held->rc != 0)
		fail_msg("A once released: %d (%s)", held->rc, held->res.reason);
	assert_signed_by(seed_byte[A], held->res.signature, att, n);
	assert_true(held->ms < LONG_MS); /* not by the deadline */
	call_free(held);
	struct wm_memory_stats st = wm_memory_stats();
	assert_int_equal(st.entered, 1);
	assert_int_equal(st.timeouts, 0);
	assert_int_equal(mark_of(A, WM_ATTESTATION, &m), 0);
	assert_int_equal(m.level, 5);
	F.passed = true;
}

/* ---- c. the store fails ------------------------------------------------- */

static void
test_wm_failure(void **state)
{
	uint8_t att[128];
	char reason[160], s1[CHAIN_TEXT_MAX], s2[CHAIN_TEXT_MAX];
	struct wm_mark m;
	size_t n;

	(void)state;
	fx_open(SHORT_MS, true);
	wm_memory_only_key(F.kid[A]);
	wm_memory_fail_next(1);
	n = attestation(200, 0x33, att);
	struct call *c = sign_now(A, att, n, "sigil_sign with a failing watermark store");
	snprintf(reason, sizeof(reason), "watermark store: %s", sigil_strerror(SIGIL_E_IO));
	if (c->rc != SIGIL_E_IO)
		fail_msg("rc %d (%s), not SIGIL_E_IO", c->rc, c->res.reason);
	assert_string_equal(c->res.signature, "");
	assert_string_equal(c->res.reason, reason);
	assert_int_equal(api_status_for(c->rc), 500);
	assert_true(c->ms < AT_MOST_MS);
	call_free(c);
	assert_int_equal(wm_memory_stats().failed, 1);
	assert_int_equal(slow_read(&sv_signs), 0); /* the vault was never asked */
	assert_int_equal(mark_of(A, WM_ATTESTATION, &m), SIGIL_E_NOT_FOUND);
	assert_refusal_logged(A, "200", reason);

	/* Once the store works again, the request signs; the identical one
	 * signs again, to the same signature (RFC 8032). */
	assert_signs(A, att, n, s1);
	assert_int_equal(mark_of(A, WM_ATTESTATION, &m), 0);
	assert_int_equal(m.level, 200);
	assert_signs(A, att, n, s2);
	assert_string_equal(s1, s2);
	F.passed = true;
}

/* ---- d. the vault's deadline ---------------------------------------------- */

static void
test_vault_deadline(void **state)
{
	uint8_t tx[sizeof(TX_HEX) / 2], att[128];
	struct wm_mark m;
	size_t n;

	(void)state;
	fx_open(SHORT_MS, true);
	unhex(TX_HEX, tx, sizeof(tx));

	/* A generic operation: no watermark, the vault alone. */
	slow_stall_next(1);
	struct call *c = sign_now(A, tx, sizeof(tx), "sigil_sign with a stalled vault");
	assert_deadline_refusal(c, "vault: deadline exceeded");
	call_free(c);
	assert_int_equal(slow_read(&sv_timeouts), 1);
	assert_int_equal(slow_read(&sv_capped), 0);
	assert_int_equal(slow_read(&sv_signs), 0);
	assert_refusal_logged(A, NULL, "vault: deadline exceeded");
	assert_signs(A, tx, sizeof(tx), NULL);

	/* A consensus request: its mark is durable before the vault is asked
	 * (watermark.h), so it stands after the refusal; the identical
	 * request then signs (a reproducible signature: nothing was
	 * released). */
	slow_stall_next(1);
	n = attestation(300, 0x66, att);
	c = sign_now(A, att, n, "sigil_sign of an attestation with a stalled vault");
	assert_deadline_refusal(c, "vault: deadline exceeded");
	call_free(c);
	assert_int_equal(slow_read(&sv_timeouts), 2);
	assert_int_equal(mark_of(A, WM_ATTESTATION, &m), 0);
	assert_int_equal(m.level, 300);
	assert_refusal_logged(A, "300", "vault: deadline exceeded");
	assert_signs(A, att, n, NULL);
	F.passed = true;
}

/* ---- e. keys whose signatures are kept (check_advance_sign) ------------- */

static void
test_stored_signature_deadlines(void **state)
{
	uint8_t att[128];
	char reason[160], s1[CHAIN_TEXT_MAX], s2[CHAIN_TEXT_MAX];
	struct wm_mark m;
	size_t n;

	(void)state;
	fx_open(SHORT_MS, false);
	wm_memory_only_key(F.kid[A]);
	n = attestation(400, 0x77, att);

	/* The store stalls: nothing advanced, nothing signed. */
	wm_memory_stall_next(1);
	struct call *c = sign_now(A, att, n, "check_advance_sign stalled");
	assert_deadline_refusal(c, "watermark store: deadline exceeded");
	call_free(c);
	assert_int_equal(wm_memory_stats().timeouts, 1);
	assert_int_equal(mark_of(A, WM_ATTESTATION, &m), SIGIL_E_NOT_FOUND);
	assert_int_equal(slow_read(&sv_signs), 0);

	/* The store fails: 500, as much. */
	wm_memory_fail_next(1);
	c = sign_now(A, att, n, "check_advance_sign failing");
	snprintf(reason, sizeof(reason), "watermark store: %s", sigil_strerror(SIGIL_E_IO));
	assert_int_equal(c->rc, SIGIL_E_IO);
	assert_string_equal(c->res.signature, "");
	assert_string_equal(c->res.reason, reason);
	assert_int_equal(api_status_for(c->rc), 500);
	call_free(c);
	assert_int_equal(mark_of(A, WM_ATTESTATION, &m), SIGIL_E_NOT_FOUND);

	/* The vault stalls with the id held: the mark stands, with no
	 * signature, and none was released. */
	slow_stall_next(1);
	c = sign_now(A, att, n, "a stalled vault inside check_advance_sign");
	assert_deadline_refusal(c, "vault: deadline exceeded");
	call_free(c);
	assert_int_equal(mark_of(A, WM_ATTESTATION, &m), 0);
	assert_int_equal(m.level, 400);
	assert_int_equal(m.sig_len, 0);
	assert_int_equal(wm_memory_stats().signs, 0);
	assert_refusal_logged(A, "400", "vault: deadline exceeded");

	/* The identical request then signs (that attempt released nothing),
	 * and the signature is kept; the next identical one gets it back
	 * from the store, without the vault. */
	assert_signs(A, att, n, s1);
	assert_int_equal(mark_of(A, WM_ATTESTATION, &m), 0);
	assert_int_equal(m.sig_len, 64);
	assert_int_equal(wm_memory_stats().signs, 1);
	assert_int_equal(slow_read(&sv_signs), 1);
	assert_signs(A, att, n, s2);
	assert_string_equal(s1, s2);
	assert_int_equal(slow_read(&sv_signs), 1);
	F.passed = true;
}

int
main(void)
{
	pthread_condattr_t ca;

	if (sodium_init() < 0)
		return 1;
	/* The last resort: a hang that no bounded wait caught ends the
	 * process (ctest reports it) well before ctest's own timeout. */
	alarm(120);
	log_set_level(LOG_INFO);
	log_set_json(false);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sv_cv, &ca);
	pthread_condattr_destroy(&ca);
	/* Before any configuration names them. */
	vault_driver_add_for_tests(&slow_driver);
	wm_memory_register();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_wm_stall_deadline, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_wm_stall_spares_others, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_wm_failure, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_vault_deadline, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_stored_signature_deadlines, fx_setup,
		                                fx_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
