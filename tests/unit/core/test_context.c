/* The daemon context: start-up settings a reload cannot apply (and says
 * so), per-vault latency histograms that outlive reloads, the /metrics
 * page of a real context, and the audit line of a hostile key id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sodium.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <pthread.h>
#include <semaphore.h>
#include <time.h>

#include "chain/tezos/auth.h"
#include "chain/tezos/b58.h"
#include "chain/tezos/keys.h"
#include "chain/tezos/chain.h"
#include "core/context.h"
#include "watermark/file/file.h"
#include "base/errors.h"
#include "base/log.h"
#include "core/sign.h"
#include "core_test.h"
#include "../unit_util.h"
#include "vault/vault.h"

static const char *const override_vars[] = {
	"SIGIL_BASE_DIR",          "SIGIL_SERVER__ADDRESS",   "SIGIL_SERVER__UTILITY_ADDRESS",
	"SIGIL_LOG__LEVEL",        "SIGIL_LOG__JSON",         "SIGIL_WATERMARK__DIR",
	"SIGIL_SERVER__THREADS",   "SIGIL_SERVER__MAX_BODY_BYTES", "SIGIL_PASSPHRASE",
};

static int
setup(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(override_vars) / sizeof(override_vars[0]); i++)
		unsetenv(override_vars[i]);
	log_set_level(LOG_INFO);
	log_set_json(false);
	return 0;
}

static struct sigil_config *
load(const char *yaml)
{
	struct sigil_config *c = NULL;
	char err[256] = "";
	int rc = config_load_string(yaml, strlen(yaml), &c, err, sizeof(err));
	if (rc != 0)
		fail_msg("config failed (%d): %s", rc, err);
	return c;
}

/* The names of the settings that differ between two configs, joined by
 * spaces, into out. */
static void
diff(const char *a, const char *b, char *out, size_t cap)
{
	struct sigil_config *ca = load(a), *cb = load(b);
	struct sigil_fixed fa, fb;
	const char *changed[SIGIL_FIXED_N];
	size_t o = 0;

	assert_int_equal(sigil_fixed_take(ca, &fa), 0);
	assert_int_equal(sigil_fixed_take(cb, &fb), 0);
	size_t n = sigil_fixed_diff(&fa, &fb, changed, SIGIL_FIXED_N);
	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		o += (size_t)snprintf(out + o, cap - o, "%s%s", i ? " " : "", changed[i]);
	sigil_fixed_free(&fa);
	sigil_fixed_free(&fb);
	config_free(ca);
	config_free(cb);
}

static const char base_yaml[] =
	"base_dir: /srv/a\n"
	"log: {level: info}\n"
	"server:\n"
	"  address: 127.0.0.1:7001\n"
	"  utility_address: 127.0.0.1:7002\n"
	"  max_body_bytes: 4096\n"
	"  timeout_seconds: 30\n"
	"  threads: 4\n"
	"watermark: {dir: wm}\n";

static void
test_fixed_diff(void **state)
{
	char got[512];

	(void)state;
	diff(base_yaml, base_yaml, got, sizeof(got));
	assert_string_equal(got, "");
	/* What a reload applies is not a restart-only change. */
	diff(base_yaml,
	     "base_dir: /srv/a\nlog: {level: debug, json: true}\n"
	     "server:\n  address: 127.0.0.1:7001\n  utility_address: 127.0.0.1:7002\n"
	     "  max_body_bytes: 4096\n  timeout_seconds: 30\n  threads: 4\n"
	     "  allow_list_known_keys: true\n  authorized_keys: "
	     "[edpkuhEcwoLysLvodRxQLzuM3AVZvCuT6koVkUahS53mNBdE8LbuGo]\n"
	     "watermark: {dir: /srv/a/wm}\n", /* the same directory, spelled out */
	     got, sizeof(got));
	assert_string_equal(got, "");
	diff(base_yaml,
	     "base_dir: /srv/a\n"
	     "server:\n  address: 0.0.0.0:7001\n  utility_address: 127.0.0.1:7003\n"
	     "  tls: {cert_file: c.pem, key_file: k.pem}\n"
	     "  max_body_bytes: 8192\n  timeout_seconds: 31\n  threads: 5\n"
	     "watermark: {dir: wm2}\n",
	     got, sizeof(got));
	assert_string_equal(got, "server.address server.utility_address server.tls.cert_file "
	                         "server.tls.key_file server.max_body_bytes "
	                         "server.timeout_seconds server.threads watermark");
	/* A relative watermark dir moves with base_dir (vault paths do too, but
	 * vaults are reopened by a reload). */
	diff(base_yaml,
	     "base_dir: /srv/b\n"
	     "server:\n  address: 127.0.0.1:7001\n  utility_address: 127.0.0.1:7002\n"
	     "  max_body_bytes: 4096\n  timeout_seconds: 30\n  threads: 4\n"
	     "watermark: {dir: wm}\n",
	     got, sizeof(got));
	assert_string_equal(got, "watermark");
	/* The connection limits are read at start-up too. */
	diff(base_yaml,
	     "base_dir: /srv/a\n"
	     "server:\n  address: 127.0.0.1:7001\n  utility_address: 127.0.0.1:7002\n"
	     "  max_body_bytes: 4096\n  timeout_seconds: 30\n  threads: 4\n"
	     "  header_timeout_seconds: 2\n  max_connections: 99\n"
	     "  max_connections_per_ip: 9\n  max_buffered_bytes: 65536\n"
	     "watermark: {dir: wm}\n",
	     got, sizeof(got));
	assert_string_equal(got, "server.header_timeout_seconds server.max_connections "
	                         "server.max_connections_per_ip server.max_buffered_bytes");

	/* cap bounds what is written, not what is counted. */
	struct sigil_config *a = load(base_yaml), *b = load("server: {threads: 9}\n");
	struct sigil_fixed fa, fb;
	const char *one[1] = {NULL};
	assert_int_equal(sigil_fixed_take(a, &fa), 0);
	assert_int_equal(sigil_fixed_take(b, &fb), 0);
	size_t n = sigil_fixed_diff(&fa, &fb, one, 1);
	assert_true(n > 1);
	assert_string_equal(one[0], "server.address");
	sigil_fixed_free(&fa);
	sigil_fixed_free(&fb);
	sigil_fixed_free(&fb); /* idempotent */
	config_free(a);
	config_free(b);
}

/* A renewed certificate at the same path is a change too. */
static void
test_fixed_tls_file(void **state)
{
	char *d = tmpdir(), yaml[1024];
	struct sigil_fixed f1, f2;
	const char *changed[SIGIL_FIXED_N];

	(void)state;
	write_file(d, "c.pem", "certificate one\n");
	write_file(d, "k.pem", "key\n");
	snprintf(yaml, sizeof(yaml), "base_dir: %s\nserver:\n  tls: {cert_file: c.pem, key_file: k.pem}\n",
	         d);
	struct sigil_config *c = load(yaml);
	assert_int_equal(sigil_fixed_take(c, &f1), 0);
	write_file(d, "c.pem", "certificate number two\n");
	assert_int_equal(sigil_fixed_take(c, &f2), 0);
	assert_int_equal(sigil_fixed_diff(&f1, &f2, changed, SIGIL_FIXED_N), 1);
	assert_string_equal(changed[0], "server.tls.cert_file");
	sigil_fixed_free(&f1);
	sigil_fixed_free(&f2);
	config_free(c);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d);
	assert_int_equal(system(cmd), 0);
	free(d);
}

struct live {
	char *dir;
	char cfg[512];
	struct sigil_ctx ctx;
	const char *allow; /* the key's allow list; NULL: generic transactions */
};

static void
write_config(struct live *l, const char *server_extra)
{
	char yaml[2048];
	snprintf(yaml, sizeof(yaml),
	         "base_dir: %s\n"
	         "server:\n  address: 127.0.0.1:7101\n%s"
	         "vaults:\n"
	         "  a: {driver: file, config: {path: a.json}}\n"
	         "  b: {driver: file, config: {path: b.json}}\n"
	         "tezos:\n  " TZ1 ":\n    allow: %s\n",
	         l->dir, server_extra, l->allow ? l->allow : "{generic: [transaction]}");
	FILE *f = fopen(l->cfg, "w");
	assert_non_null(f);
	assert_true(fputs(yaml, f) >= 0);
	assert_int_equal(fclose(f), 0);
}

static void
live_open(struct live *l)
{
	uint8_t seed[32];
	char edsk[TZ_B58_MAX], vault[256], err[512] = "";

	memset(l, 0, sizeof(*l));
	l->dir = tmpdir();
	memset(seed, 1, sizeof(seed));
	assert_int_equal(tz_b58_encode(TZ_P_EDSK_SEED, seed, sizeof(seed), edsk, sizeof(edsk)), 0);
	snprintf(vault, sizeof(vault), "[{\"name\":\"k1\",\"value\":\"unencrypted:%s\"}]\n", edsk);
	write_file(l->dir, "a.json", vault);
	write_file(l->dir, "b.json", "[]\n");
	snprintf(l->cfg, sizeof(l->cfg), "%s/sigil.yaml", l->dir);
	write_config(l, "");
	bool created;
	snprintf(vault, sizeof(vault), "%s/watermarks", l->dir);
	assert_int_equal(wm_file_init(vault, &created), 0);
	int rc = sigil_ctx_open(&l->ctx, l->cfg, err, sizeof(err));
	if (rc != 0)
		fail_msg("sigil_ctx_open: %d %s", rc, err);
}

static void
live_close(struct live *l)
{
	char cmd[600];
	sigil_ctx_close(&l->ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", l->dir);
	assert_int_equal(system(cmd), 0);
	free(l->dir);
}

static char *
page(struct live *l)
{
	struct prom_check p;
	char *text;
	size_t len;

	assert_int_equal(sigil_ctx_metrics_text(&l->ctx, &text, &len), 0);
	assert_int_equal(strlen(text), len);
	prom_check(&p, text);
	return text;
}

static void
test_live_metrics(void **state)
{
	struct live l;

	(void)state;
	live_open(&l);
	const struct sigil_key *k = sigil_find_key(l.ctx.st, &chain_tezos, TZ1);
	assert_non_null(k);
	assert_string_equal(k->vault_name, "a");
	/* The key's histogram is its own vault's, not the first vault's. */
	assert_ptr_equal(k->vault_ms, l.ctx.st->vault_ms[0]);
	assert_ptr_not_equal(l.ctx.st->vault_ms[0], l.ctx.st->vault_ms[1]);
	metrics_hist_observe(k->vault_ms, 3);
	metrics_hist_observe(l.ctx.st->vault_ms[1], 30);
	metrics_hist_observe(l.ctx.st->vault_ms[1], 40);

	uint8_t tx[sizeof(TX_HEX) / 2];
	unhex(TX_HEX, tx, sizeof(tx));
	struct sign_request req = {.chain = &chain_tezos,
	                           .address = TZ1, .payload = tx, .len = sizeof(tx), .version = 0};
	struct sign_res res;
	struct capture c;
	capture_start(&c);
	int rc = sigil_sign(&l.ctx, &req, &res);
	free(capture_end(&c, NULL));
	assert_int_equal(rc, 0);

	char *text = page(&l);
	assert_non_null(strstr(text, "vault_sign_request_duration_milliseconds_count{vault=\"a\"} "));
	assert_non_null(strstr(text, "vault_sign_request_duration_milliseconds_count{vault=\"b\"} 2\n"));
	assert_non_null(strstr(text, "signing_ops_total{address=\"" TZ1 "\",vault=\"a\","
	                             "kind=\"generic\"} 1\n"));
	free(text);

	/* Counters and histograms live on across a reload. */
	char err[512] = "";
	capture_start(&c);
	rc = sigil_ctx_reload(&l.ctx, err, sizeof(err));
	free(capture_end(&c, NULL));
	assert_int_equal(rc, 0);
	text = page(&l);
	assert_non_null(strstr(text, "vault_sign_request_duration_milliseconds_count{vault=\"b\"} 2\n"));
	assert_non_null(strstr(text, "kind=\"generic\"} 1\n"));
	free(text);
	live_close(&l);
}

/* A nonce made ahead (sign.h) finishes the very signature signing in one
 * go gives, and only when it was made for this key and these bytes; one
 * that is not ready, or not for them, is passed over, and a late commit
 * after the signer let go puts the nonce back (ASan: nothing leaks). */
static void
test_live_nonce(void **state)
{
	struct live l;
	struct capture c;
	uint8_t tx[sizeof(TX_HEX) / 2], other[sizeof(TX_HEX) / 2];
	struct sign_res res;
	char want[CHAIN_TEXT_MAX];

	(void)state;
	unhex(TX_HEX, tx, sizeof(tx));
	memcpy(other, tx, sizeof(tx));
	other[sizeof(other) - 1] ^= 1;
	live_open(&l);
	struct sign_request req = {.chain = &chain_tezos,
	                           .address = TZ1, .payload = tx, .len = sizeof(tx)};
	struct sign_request req2 = {.chain = &chain_tezos,
	                            .address = TZ1, .payload = other, .len = sizeof(other)};
	struct sign_request nokey = {.chain = &chain_tezos,
	                             .address = "tz1Unknown", .payload = tx, .len = sizeof(tx)};
	capture_start(&c);
	assert_int_equal(sigil_sign(&l.ctx, &req, &res), 0);
	assert_false(res.ahead);
	snprintf(want, sizeof(want), "%s", res.signature);

	/* Ready and for these bytes: used. */
	req.nonce = sigil_nonce_new();
	assert_non_null(req.nonce);
	sigil_nonce_commit(&l.ctx, &req, req.nonce);
	assert_int_equal(sigil_sign(&l.ctx, &req, &res), 0);
	assert_true(res.ahead);
	assert_string_equal(res.signature, want);
	sigil_nonce_drop(req.nonce);

	/* Made for other bytes, for an unknown key, or not made yet: passed
	 * over, and the signature is the same. */
	for (int i = 0; i < 3; i++) {
		req.nonce = sigil_nonce_new();
		assert_non_null(req.nonce);
		if (i < 2)
			sigil_nonce_commit(&l.ctx, i == 0 ? &req2 : &nokey, req.nonce);
		assert_int_equal(sigil_sign(&l.ctx, &req, &res), 0);
		assert_false(res.ahead);
		assert_string_equal(res.signature, want);
		sigil_nonce_drop(req.nonce);
		if (i == 2) /* the committer comes last and puts it back */
			sigil_nonce_commit(&l.ctx, &req, req.nonce);
	}
	free(capture_end(&c, NULL));
	live_close(&l);
}

/* No nonce is made for a request without the authentication its key asks
 * for: the caller may not be let in. With it, the nonce is made and used. */
static void
test_live_nonce_auth(void **state)
{
	struct live l;
	struct capture c;
	uint8_t tx[sizeof(TX_HEX) / 2], seed[32], pk[32], sk[64], msg[512], d[32];
	uint8_t sig[SIGIL_SIG_MAX];
	char edpk[TZ_B58_MAX], edsig[TZ_B58_MAX], extra[256], err[512] = "";
	struct sign_res res;
	size_t n, siglen;

	(void)state;
	unhex(TX_HEX, tx, sizeof(tx));
	/* The key authenticates its own requests (any Ed25519 key would do). */
	memset(seed, 1, sizeof(seed));
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
	assert_int_equal(tz_b58_encode(TZ_P_EDPK, pk, sizeof(pk), edpk, sizeof(edpk)), 0);
	live_open(&l);
	snprintf(extra, sizeof(extra), "  authorized_keys: [%s]\n", edpk);
	write_config(&l, extra);
	capture_start(&c);
	assert_int_equal(sigil_ctx_reload(&l.ctx, err, sizeof(err)), 0);
	const struct sigil_key *k = sigil_find_key(l.ctx.st, &chain_tezos, TZ1);
	assert_non_null(k);
	assert_int_equal(auth_message(k->key_id, tx, sizeof(tx), msg, sizeof(msg), &n), 0);
	sigil_blake2b(d, sizeof(d), msg, n);
	assert_int_equal(sigil_sign_digest(SIGIL_KEY_ED25519, seed, d, sig, &siglen), 0);
	assert_int_equal(tz_sig_encode(SIGIL_KEY_ED25519, sig, siglen, edsig, sizeof(edsig)), 0);

	struct sign_request req = {.chain = &chain_tezos,
	                           .address = TZ1, .payload = tx, .len = sizeof(tx)};
	assert_int_equal(sigil_sign(&l.ctx, &req, &res), SIGIL_E_AUTH_REQUIRED);
	for (int with_auth = 0; with_auth < 2; with_auth++) {
		req.auth = with_auth ? edsig : NULL;
		req.nonce = sigil_nonce_new();
		assert_non_null(req.nonce);
		sigil_nonce_commit(&l.ctx, &req, req.nonce);
		req.auth = edsig;
		assert_int_equal(sigil_sign(&l.ctx, &req, &res), 0);
		/* No work ahead for a key that asks for authentication, even
		 * with an authentication at hand: it is checked only by
		 * sigil_sign, and a forged one must cost nothing more. */
		assert_false(res.ahead);
		sigil_nonce_drop(req.nonce);
		req.nonce = NULL;
	}
	free(capture_end(&c, NULL));
	live_close(&l);
}

/* The reported injection: an unknown key id with a newline, as
 * libmicrohttpd hands over /keys/tz1%0A... */
static void
test_live_hostile_key(void **state)
{
	struct live l;
	struct capture c;
	uint8_t tx[sizeof(TX_HEX) / 2];

	(void)state;
	unhex(TX_HEX, tx, sizeof(tx));
	live_open(&l);
	struct sign_request req = {.chain = &chain_tezos,
	                           .address = "tz1\n2030-01-01T00:00:00.000Z info  audit key=" TZ1
	                                  " decision=signed",
	                       .payload = tx, .len = sizeof(tx), .version = 0, .peer = "1.2.3.4"};
	struct sign_res res;
	for (int json = 0; json < 2; json++) {
		log_set_json(json);
		capture_start(&c);
		assert_int_equal(sigil_sign(&l.ctx, &req, &res), SIGIL_E_UNKNOWN_KEY);
		char *out = capture_end(&c, NULL);
		const char *nl = strchr(out, '\n');
		assert_non_null(nl);
		assert_int_equal(nl[1], '\0'); /* one line */
		if (json)
			assert_non_null(strstr(out, "\"key\":\"tz1\\n2030-01-01T"));
		else
			assert_non_null(strstr(out, " audit key=\"tz1\\n2030-01-01T00:00:00.000Z info  "
			                            "audit key=" TZ1 " decision=signed\" "));
		free(out);
	}
	log_set_json(false);
	live_close(&l);
}

static size_t
count(const char *s, const char *needle)
{
	size_t n = 0;
	for (const char *p = s; (p = strstr(p, needle)) != NULL; p++)
		n++;
	return n;
}

static void
test_live_reload_warns(void **state)
{
	struct live l;
	struct capture c;
	char err[512] = "";

	(void)state;
	live_open(&l);
	write_config(&l, "  threads: 3\n  max_body_bytes: 2048\n");
	capture_start(&c);
	assert_int_equal(sigil_ctx_reload(&l.ctx, err, sizeof(err)), 0);
	char *out = capture_end(&c, NULL);
	assert_int_equal(count(out, "warn  reload: "), 2);
	assert_non_null(strstr(out, "reload: server.max_body_bytes changed, but it is read only at "
	                            "start-up: the running value stays until sigild restarts\n"));
	assert_non_null(strstr(out, "reload: server.threads changed"));
	free(out);
	/* Still running the start-up values: the next reload says it again. */
	capture_start(&c);
	assert_int_equal(sigil_ctx_reload(&l.ctx, err, sizeof(err)), 0);
	out = capture_end(&c, NULL);
	assert_int_equal(count(out, "warn  reload: "), 2);
	free(out);
	/* Back to what runs: silence. */
	write_config(&l, "");
	capture_start(&c);
	assert_int_equal(sigil_ctx_reload(&l.ctx, err, sizeof(err)), 0);
	out = capture_end(&c, NULL);
	assert_null(strstr(out, "reload: "));
	free(out);
	live_close(&l);
}

/* ---- sigil_sign_start (sign.h) ---- */

/* An attestation (tag 21) of TZ1's test chain at level, with filler. */
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

struct started {
	sem_t done;
	sem_t *hold; /* the callback waits on it first, when set */
	int rc;
	struct sign_res res;
	pthread_t thread;
};

static void
started_done(void *arg, int rc, struct sign_res *res)
{
	struct started *s = arg;
	if (s->hold)
		sem_wait(s->hold);
	s->rc = rc;
	s->res = *res;
	s->thread = pthread_self();
	sigil_sign_after(res->after);
	s->res.after = NULL;
	sem_post(&s->done);
}


/* edsig over blake2b(bytes) by the key of seed 0x01…01, checked by
 * libsodium. */
static void
assert_signed(const char *edsig, const uint8_t *bytes, size_t len)
{
	uint8_t seed[32], pk[32], sk[64], d[32], sig[SIGIL_SIG_MAX];
	size_t siglen;
	enum sigil_key_type type = SIGIL_KEY_ED25519;
	bool generic;

	memset(seed, 1, sizeof(seed));
	assert_int_equal(crypto_sign_seed_keypair(pk, sk, seed), 0);
	assert_int_equal(tz_sig_decode(edsig, strlen(edsig), &type, sig, &siglen, &generic), 0);
	assert_false(generic);
	assert_int_equal(siglen, 64);
	sigil_blake2b(d, sizeof(d), bytes, len);
	assert_int_equal(crypto_sign_verify_detached(sig, d, sizeof(d), pk), 0);
	sodium_memzero(sk, sizeof(sk));
}

static void
live_allow(struct live *l, const char *allow)
{
	char err[512] = "";
	struct capture c;
	l->allow = allow;
	write_config(l, "");
	capture_start(&c);
	int rc = sigil_ctx_reload(&l->ctx, err, sizeof(err));
	free(capture_end(&c, NULL));
	if (rc != 0)
		fail_msg("reload: %d %s", rc, err);
}

/* A tz1 key's consensus request goes as far as its watermark write on the
 * caller's thread; the store's thread makes the signature once the mark is
 * durable. Whatever would need a wait is handed back untouched, and
 * refusals are answered at once. */
static void
test_live_async(void **state)
{
	struct live l;
	struct capture c;
	struct started st;
	struct sign_res res, res2;
	uint8_t att[128], tx[sizeof(TX_HEX) / 2];
	size_t n;

	(void)state;
	live_open(&l);
	live_allow(&l, "{attestation: , generic: [transaction]}");
	capture_start(&c);
	struct sign_request req = {.chain = &chain_tezos,
	                           .address = TZ1, .payload = att, .after_reply = true};
	/* A key's first mark is a new record: appended by sigil_sign alone. */
	req.len = n = attestation(100, 0x11, att);
	assert_int_equal(sigil_sign_start(&l.ctx, &req, &res, started_done, &st),
	                 SIGIL_SIGN_WOULD_BLOCK);
	assert_int_equal(sigil_sign(&l.ctx, &req, &res), 0);
	sigil_sign_after(res.after);

	for (int32_t level = 101; level < 111; level++) {
		memset(&st, 0, sizeof(st));
		sem_init(&st.done, 0, 0);
		req.len = n = attestation(level, 0x22, att);
		assert_int_equal(sigil_sign_start(&l.ctx, &req, &res, started_done, &st),
		                 SIGIL_SIGN_PENDING);
		sem_wait_5s(&st.done);
		assert_int_equal(st.rc, 0);
		assert_false(pthread_equal(st.thread, pthread_self()));
		assert_signed(st.res.signature, att, n);
		sem_destroy(&st.done);
	}
	/* The same bytes again: deterministic, so nothing was kept, and the
	 * worker's sigil_sign gives the same signature back. */
	assert_int_equal(sigil_sign_start(&l.ctx, &req, &res, started_done, &st),
	                 SIGIL_SIGN_WOULD_BLOCK);
	assert_int_equal(sigil_sign(&l.ctx, &req, &res2), 0);
	assert_string_equal(res2.signature, st.res.signature);
	sigil_sign_after(res2.after);
	/* Refused at once, with the reason: other bytes at that level, an
	 * unknown key. A generic operation is a worker's. */
	req.len = attestation(110, 0x33, att);
	assert_int_equal(sigil_sign_start(&l.ctx, &req, &res, started_done, &st),
	                 SIGIL_E_WATERMARK);
	assert_non_null(strstr(res.reason, "not above the high watermark"));
	assert_null(res.after);
	struct sign_request nokey = req;
	nokey.address = "tz1Unknown";
	assert_int_equal(sigil_sign_start(&l.ctx, &nokey, &res, started_done, &st),
	                 SIGIL_E_UNKNOWN_KEY);
	unhex(TX_HEX, tx, sizeof(tx));
	struct sign_request gen = {.chain = &chain_tezos,
	                           .address = TZ1, .payload = tx, .len = sizeof(tx)};
	assert_int_equal(sigil_sign_start(&l.ctx, &gen, &res, started_done, &st),
	                 SIGIL_SIGN_WOULD_BLOCK);
	char *out = capture_end(&c, NULL);
	/* One audit line per decision, from either thread. */
	assert_non_null(strstr(out, "level=110"));
	free(out);
	live_close(&l);
}

/* A reload while a request waits for its mark: the request is admitted again
 * under the new configuration before it is signed. */
static void
test_live_async_reload(void **state)
{
	struct live l;
	struct capture c;
	struct started stall, st;
	struct sign_res res;
	uint8_t att[128], pre[128];
	sem_t hold;

	(void)state;
	live_open(&l);
	live_allow(&l, "{attestation: , preattestation: }");
	capture_start(&c);
	struct sign_request req = {.chain = &chain_tezos,
	                           .address = TZ1, .payload = att, .after_reply = true};
	struct sign_request preq = {.chain = &chain_tezos,
	                            .address = TZ1, .payload = pre, .after_reply = true};
	req.len = attestation(5, 0x44, att);
	preq.len = attestation(5, 0x55, pre);
	pre[0] = 0x12; /* a preattestation: its own watermark */
	pre[37] = 0x14;
	assert_int_equal(sigil_sign(&l.ctx, &req, &res), 0);
	sigil_sign_after(res.after);
	assert_int_equal(sigil_sign(&l.ctx, &preq, &res), 0);
	sigil_sign_after(res.after);
	free(capture_end(&c, NULL));

	for (int allowed = 1; allowed >= 0; allowed--) {
		/* The first request holds the store's thread in its callback, so
		 * that the second waits until after the reload. */
		sem_init(&hold, 0, 0);
		memset(&stall, 0, sizeof(stall));
		memset(&st, 0, sizeof(st));
		sem_init(&stall.done, 0, 0);
		sem_init(&st.done, 0, 0);
		stall.hold = &hold;
		capture_start(&c);
		req.len = attestation(10 - 2 * allowed, 0x44, att);
		preq.len = attestation(10 - 2 * allowed, 0x55, pre);
		pre[0] = 0x12;
		pre[37] = 0x14;
		assert_int_equal(sigil_sign_start(&l.ctx, &req, &res, started_done, &stall),
		                 SIGIL_SIGN_PENDING);
		struct timespec nap = {0, 50 * 1000 * 1000};
		nanosleep(&nap, NULL);
		assert_int_equal(sigil_sign_start(&l.ctx, &preq, &res, started_done, &st),
		                 SIGIL_SIGN_PENDING);
		free(capture_end(&c, NULL));
		live_allow(&l, allowed ? "{attestation: , preattestation: }" : "{attestation: }");
		capture_start(&c);
		sem_post(&hold);
		sem_wait_5s(&stall.done);
		sem_wait_5s(&st.done);
		free(capture_end(&c, NULL));
		assert_int_equal(stall.rc, 0);
		if (allowed) {
			assert_int_equal(st.rc, 0);
			assert_signed(st.res.signature, pre, preq.len);
		} else {
			assert_int_equal(st.rc, SIGIL_E_POLICY);
			assert_string_equal(st.res.signature, "");
		}
		sem_destroy(&hold);
		sem_destroy(&stall.done);
		sem_destroy(&st.done);
	}
	live_close(&l);
}

int
main(void)
{
	if (sodium_init() < 0)
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_fixed_diff, setup),
		cmocka_unit_test_setup(test_fixed_tls_file, setup),
		cmocka_unit_test_setup(test_live_metrics, setup),
		cmocka_unit_test_setup(test_live_hostile_key, setup),
		cmocka_unit_test_setup(test_live_nonce, setup),
		cmocka_unit_test_setup(test_live_nonce_auth, setup),
		cmocka_unit_test_setup(test_live_reload_warns, setup),
		cmocka_unit_test_setup(test_live_async, setup),
		cmocka_unit_test_setup(test_live_async_reload, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
