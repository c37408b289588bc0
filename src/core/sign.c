#include "core/sign.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth/auth.h"
#include "base/errors.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/secmem.h"
#include "base/testhook.h"
#include "policy/policy.h"

static double
sign_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* A key whose signatures sigil makes in memory, deterministically and in
 * two halves: an Ed25519 key of a vault that signs with sigil's own split
 * signing (the commit and sign_committed operations derive the nonce from
 * the key and the bytes, RFC 8032). */
static bool
sign_in_memory(const struct sigil_key *k)
{
	return k->vk->type == SIGIL_KEY_ED25519 && k->vk->deterministic &&
	       k->vault->ops->sign_committed != NULL;
}

static bool
sign_needs_auth(const struct sigil_state *st, const struct sigil_key *k)
{
	size_t nak = 0;
	(void)config_auth_keys(st->cfg, k->policy, &nak);
	return nak > 0;
}

/* ---- nonces made ahead (sign.h) ----
 * state: BUSY while the committing thread works, then READY (n holds r and
 * R for key pkh) or NONE; GONE once the signing side has let go. Whoever
 * moves the state second puts the nonce back. Nonces are kept on a free
 * list of locked memory rather than returned to secmem, whose allocator
 * walks its slots. */
enum { NONCE_BUSY, NONCE_READY, NONCE_NONE, NONCE_GONE };

struct sign_nonce {
	_Atomic int state;
	uint8_t pkh[TZ_PKH_BIN_LEN];
	uint8_t n[SIGIL_ED25519_NONCE_LEN];
	struct sign_nonce *next;
};

static pthread_mutex_t nonce_mu = PTHREAD_MUTEX_INITIALIZER;
static struct sign_nonce *nonce_free;

struct sign_nonce *
sigil_nonce_new(void)
{
	struct sign_nonce *n;

	pthread_mutex_lock(&nonce_mu);
	if ((n = nonce_free) != NULL)
		nonce_free = n->next;
	pthread_mutex_unlock(&nonce_mu);
	if (n == NULL && (n = secmem_alloc(sizeof(*n))) == NULL)
		return NULL;
	n->next = NULL;
	atomic_init(&n->state, NONCE_BUSY);
	return n;
}

static void
nonce_put(struct sign_nonce *n)
{
	sodium_memzero(n->n, sizeof(n->n));
	pthread_mutex_lock(&nonce_mu);
	n->next = nonce_free;
	nonce_free = n;
	pthread_mutex_unlock(&nonce_mu);
}

void
sigil_nonce_commit(struct sigil_ctx *ctx, const struct sign_req *req, struct sign_nonce *n)
{
	const struct sigil_key *k;
	uint8_t digest[32];
	bool ok = false;

	if (n == NULL)
		return;
	/* Let go of already (the request was answered without it): no work. */
	if (atomic_load(&n->state) == NONCE_GONE) {
		nonce_put(n);
		return;
	}
	struct sigil_state *st = sigil_ctx_hold(ctx);
	if (req->data == NULL)
		goto out;
	k = sigil_find_key(st, req->address);
	/* Not for a key that asks for authentication: that request is only
	 * checked later, on its worker, and a caller with a forged one must
	 * get no work done for it. */
	if (k && !sign_needs_auth(st, k) && sign_in_memory(k) && k->vault->ops->commit) {
		sigil_blake2b(digest, sizeof(digest), req->data, req->len);
		memcpy(n->pkh, k->pkh_bin, sizeof(n->pkh));
		ok = k->vault->ops->commit(k->vault, k->vault_index, digest, sizeof(digest),
		                           n->n) == 0;
	}
out:
	sigil_state_release(st);
	if (atomic_exchange(&n->state, ok ? NONCE_READY : NONCE_NONE) == NONCE_GONE)
		nonce_put(n);
}

void
sigil_nonce_drop(struct sign_nonce *n)
{
	if (n && atomic_exchange(&n->state, NONCE_GONE) != NONCE_BUSY)
		nonce_put(n);
}

/* The signature of the digest with key k: from the nonce made ahead when
 * it is ready and for this key (the vault checks it is for these bytes),
 * else in one go. */
static int
sign_digest(const struct sigil_key *k, struct sign_nonce *n, const uint8_t digest[32],
            uint8_t sig[static SIGIL_SIG_MAX], size_t *siglen, bool *ahead)
{
	if (n && k->vault->ops->sign_committed &&
	    atomic_load_explicit(&n->state, memory_order_acquire) == NONCE_READY &&
	    memcmp(n->pkh, k->pkh_bin, sizeof(n->pkh)) == 0 &&
	    k->vault->ops->sign_committed(k->vault, k->vault_index, n->n, digest, 32, sig,
	                                  siglen) == 0) {
		*ahead = true;
		return 0;
	}
	return k->vault->ops->sign(k->vault, k->vault_index, VAULT_SIGN_DIGEST, digest, 32, sig,
	                           siglen);
}


static enum wm_kind
sign_wm_kind(uint8_t magic)
{
	switch (magic) {
	case TZ_MAGIC_BLOCK: return WM_BLOCK;
	case TZ_MAGIC_PREATTESTATION: return WM_PREATTESTATION;
	default: return WM_ATTESTATION;
	}
}

/* One audit line per decision: never key material, payloads only when the
 * key's policy asks for them. It is gathered while the key and the request
 * are at hand (sign_line_fill) and may be written after the reply. */
struct sign_line {
	const char *address, *peer, *kind;
	char *payload; /* owned: hex of the bytes, or NULL */
	bool consensus, has_chain;
	uint8_t chain_id[4];
	int32_t level, round;
	int rc;
	double ms;
	char reason[sizeof(((struct sign_res *)0)->reason)];
};

static void
sign_line_fill(struct sign_line *l, const struct sign_req *req, const struct sigil_key *k,
               const struct tz_request *tr, bool decoded, int rc, const char *reason, double ms)
{
	memset(l, 0, sizeof(*l));
	l->address = req->address;
	l->peer = req->peer ? req->peer : "";
	l->kind = decoded ? tz_req_kind_name(tr->kind) : "";
	l->consensus = decoded && tr->consensus;
	l->level = tr->level;
	l->round = tr->round;
	l->has_chain = decoded && tr->has_chain_id;
	memcpy(l->chain_id, tr->chain_id, sizeof(l->chain_id));
	l->rc = rc;
	l->ms = ms;
	snprintf(l->reason, sizeof(l->reason), "%s", reason);
	if (k && k->policy->log_payloads && (l->payload = malloc(2 * req->len + 1)) != NULL &&
	    hex_encode(req->data, req->len, l->payload, 2 * req->len + 1) != 0) {
		free(l->payload);
		l->payload = NULL;
	}
}

static void
sign_line_emit(struct sign_line *l)
{
	char level[16] = "", round[16] = "", lat[32], chain[TZ_B58_MAX] = "";

	if (l->consensus) {
		snprintf(level, sizeof(level), "%" PRId32, l->level);
		snprintf(round, sizeof(round), "%" PRId32, l->round);
	}
	if (l->has_chain && tz_b58_encode(TZ_P_NET, l->chain_id, 4, chain, sizeof(chain)) != 0)
		chain[0] = '\0';
	snprintf(lat, sizeof(lat), "%.3f", l->ms);
	log_audit("key", l->address, "kind", l->kind, "chain", chain, "level", level, "round",
	          round, "decision", l->rc == 0 ? "signed" : "refused", "error",
	          l->rc == 0 ? "" : sigil_strerror(l->rc), "reason", l->reason, "latency_ms", lat,
	          "peer", l->peer, l->payload ? "payload" : NULL, l->payload, NULL);
	free(l->payload);
	l->payload = NULL;
}

/* What is left once the reply is known (sign.h, sigil_sign_after). */
struct sign_after {
	struct sign_line line;
	char *address, *peer; /* the copies line points to */
};

void
sigil_sign_after(struct sign_after *a)
{
	if (a == NULL)
		return;
	sign_line_emit(&a->line);
	free(a->address);
	free(a->peer);
	free(a);
}

/* The watermark's digest names what was signed, and a tz4 signature depends
 * on the scheme as well as the bytes: the same bytes signed with version 1
 * (AUG) and version 2 (POP) give different signatures, so a stored POP
 * signature must never answer an AUG request. Version 2, octez's default,
 * keeps the plain blake2b of the bytes so that imported marks still match;
 * version 1 hashes that digest once more under its own label, so the same
 * bytes at the same level under the other scheme are "different bytes". */
static void
sign_bls_aug_digest(uint8_t digest[static 32])
{
	static const char label[] = "sigil: tz4 AUG signature of";
	uint8_t buf[sizeof(label) + 32];

	memcpy(buf, label, sizeof(label));
	memcpy(buf + sizeof(label), digest, 32);
	sigil_blake2b(digest, 32, buf, sizeof(buf));
}

/* Why a watermark stage refused, in res->reason. k may be NULL (the key
 * went in a reload while its mark was written). */
static void
sign_wm_refusal(const struct sigil_key *k, const char *address, const struct tz_request *tr,
                int rc, struct sign_res *res)
{
	if (rc == SIGIL_E_WATERMARK) {
		if (k != NULL)
			atomic_fetch_add(&k->metrics->wm_rejected[tr->kind], 1);
		snprintf(res->reason, sizeof(res->reason),
		         "level %" PRId32 " round %" PRId32 " is not above the high watermark",
		         tr->level, tr->round);
	} else if (rc == SIGIL_E_CORRUPT) {
		snprintf(res->reason, sizeof(res->reason),
		         "watermark record is corrupt: consensus signing refused");
		log_error("watermark for %s is corrupt: refusing consensus signing", address);
	} else if (rc != 0) {
		snprintf(res->reason, sizeof(res->reason), "watermark store: %s", sigil_strerror(rc));
	}
}

static void
sign_wm_ids(const struct sigil_key *k, const struct tz_request *tr, const uint8_t digest[32],
            struct wm_id *id, struct wm_mark *mark)
{
	memset(id, 0, sizeof(*id));
	memcpy(id->chain_id, tr->chain_id, 4);
	memcpy(id->pkh, k->pkh_bin, sizeof(id->pkh));
	id->kind = sign_wm_kind(tr->magic);
	memset(mark, 0, sizeof(*mark));
	mark->level = tr->level;
	mark->round = tr->round;
	memcpy(mark->digest, digest, 32);
	mark->has_digest = true;
}

/* Watermark stage for a key whose signatures are reproducible
 * (watermark.h): check-and-advance before signing. An identical request is
 * signed again (the same signature), unless the store kept one: then
 * *reuse is set and mark->sig holds it. With async, the advance goes
 * through check_advance_async: WM_PENDING and WM_WOULD_BLOCK come back as
 * they are, and so does WM_IDENTICAL without a signature kept, since
 * signing it again is a worker's job. */
static int
sign_watermark(struct sigil_ctx *ctx, const struct sigil_key *k, const struct tz_request *tr,
               const uint8_t digest[32], struct wm_id *id, struct wm_mark *mark, bool *reuse,
               struct sign_res *res, struct wm_async *async)
{
	struct wm_mark prev;
	int rc;

	sign_wm_ids(k, tr, digest, id, mark);
	if (async == NULL)
		rc = ctx->wm->ops->check_advance(ctx->wm, id, mark, &prev);
	else if ((rc = ctx->wm->ops->check_advance_async(ctx->wm, id, mark, &prev, async)) ==
	         WM_PENDING || rc == WM_WOULD_BLOCK)
		return rc;
	if (rc == WM_IDENTICAL) {
		if (prev.sig_len > 0) {
			memcpy(mark->sig, prev.sig, prev.sig_len);
			mark->sig_len = prev.sig_len;
			*reuse = true;
		} else if (async != NULL) {
			return WM_WOULD_BLOCK;
		}
		return 0;
	}
	sign_wm_refusal(k, k->vk->address, tr, rc, res);
	return rc;
}

/* The stages before the watermark: key, authentication, decoding, policy,
 * and the digest that the watermark and the signature are of. *kout is the
 * request's key when the caller has already found it (under this same
 * st), else NULL. */
static int
sign_admit(struct sigil_ctx *ctx, const struct sigil_state *st, const struct sign_req *req,
           struct sign_res *res,
           const struct sigil_key **kout, struct tz_request *tr, bool *decoded,
           uint8_t digest[static 32])
{
	const struct sigil_key *k = *kout;
	const struct policy_pubkey *ak;
	size_t nak;
	int rc;

	if (k == NULL && (k = sigil_find_key(st, req->address)) == NULL) {
		snprintf(res->reason, sizeof(res->reason), "unknown key");
		return SIGIL_E_UNKNOWN_KEY;
	}
	*kout = k;
	ak = config_auth_keys(st->cfg, k->policy, &nak);
	if ((rc = auth_check(ak, nak, k->pkh_bin, req->data, req->len, req->auth)) != 0) {
		atomic_fetch_add(&ctx->metrics.auth_failures, 1);
		snprintf(res->reason, sizeof(res->reason), "%s", sigil_strerror(rc));
		return rc;
	}
	if ((rc = tz_decode(req->data, req->len, tr)) != 0) {
		snprintf(res->reason, sizeof(res->reason), "cannot decode request: %s",
		         sigil_strerror(rc));
		return rc;
	}
	*decoded = true;
	if ((rc = policy_check(k->policy, tr, res->reason, sizeof(res->reason))) != 0) {
		atomic_fetch_add(&k->metrics->policy_violations, 1);
		return rc;
	}
	if (k->vk->type == SIGIL_KEY_BLS && req->version == 0) {
		snprintf(res->reason, sizeof(res->reason), "version 0 is not supported for tz4");
		return SIGIL_E_INVALID;
	}
	sigil_blake2b(digest, 32, req->data, req->len);
	if (k->vk->type == SIGIL_KEY_BLS && req->version == 1)
		sign_bls_aug_digest(digest);
	return 0;
}

/* The vault's signature of the request: of the digest (tz1-3, from the
 * nonce made ahead when there is one) or of the bytes (tz4). */
static int
sign_vault(const struct sigil_key *k, const struct sign_req *req, const uint8_t digest[static 32],
           struct wm_mark *mark, struct sign_res *res)
{
	double t0 = sign_now_ms();
	int rc;

	if (k->vk->type == SIGIL_KEY_BLS)
		rc = k->vault->ops->sign(k->vault, k->vault_index,
		                         req->version == 1 ? VAULT_SIGN_BLS_AUG : VAULT_SIGN_BLS_POP,
		                         req->data, req->len, mark->sig, &mark->sig_len);
	else
		rc = sign_digest(k, req->nonce, digest, mark->sig, &mark->sig_len, &res->ahead);
	metrics_hist_observe(k->vault_ms, sign_now_ms() - t0);
	if (rc != 0)
		snprintf(res->reason, sizeof(res->reason), "vault: %s", sigil_strerror(rc));
	/* Tests: a crash between the signature and whatever follows it (its
	 * store, or the reply). */
	sigil_test_crash_point("after_sign");
	return rc;
}

static int
sign_encode(const struct sigil_key *k, const struct tz_request *tr, const struct wm_mark *mark,
            struct sign_res *res)
{
	int rc = tz_sig_encode(k->vk->type, mark->sig, mark->sig_len, res->signature,
	                       sizeof(res->signature));
	if (rc == 0)
		atomic_fetch_add(&k->metrics->signed_ops[tr->kind], 1);
	return rc;
}

/* The stage after the watermark: the vault's signature (unless reused) and
 * its encoding. */
static int
sign_make(const struct sigil_key *k, const struct sign_req *req, const struct tz_request *tr,
          const uint8_t digest[static 32], struct wm_mark *mark, bool reuse,
          struct sign_res *res)
{
	int rc;

	if (!reuse && (rc = sign_vault(k, req, digest, mark, res)) != 0)
		return rc;
	return sign_encode(k, tr, mark, res);
}

/* check_advance_sign's signer (watermark.h). */
struct sign_stored_arg {
	const struct sigil_key *k;
	const struct sign_req *req;
	const uint8_t *digest;
	struct sign_res *res;
};

static int
sign_stored_sign(void *varg, struct wm_mark *m)
{
	struct sign_stored_arg *a = varg;
	return sign_vault(a->k, a->req, a->digest, m, a->res);
}

/* Watermark and vault stages for a key whose signatures may not be
 * reproducible (watermark.h): signed with the key's mark held, and stored
 * durably before anything is answered. An identical request gets the
 * stored signature, or a refusal when there is none: signing it afresh
 * could give a second, different signature for one block. */
static int
sign_stored(struct sigil_ctx *ctx, const struct sigil_key *k, const struct sign_req *req,
            const struct tz_request *tr, const uint8_t digest[static 32], struct sign_res *res)
{
	struct sign_stored_arg arg = {.k = k, .req = req, .digest = digest, .res = res};
	struct wm_signer signer = {.sign = sign_stored_sign, .arg = &arg};
	struct wm_id id;
	struct wm_mark mark, out;
	int rc;

	if (ctx->wm->ops->check_advance_sign == NULL) {
		snprintf(res->reason, sizeof(res->reason),
		         "the watermark store cannot keep signatures, which this key's consensus "
		         "signing needs (its signatures are not reproducible)");
		return SIGIL_E_UNSUPPORTED;
	}
	sign_wm_ids(k, tr, digest, &id, &mark);
	rc = ctx->wm->ops->check_advance_sign(ctx->wm, &id, &mark, &out, &signer);
	if (rc == WM_IDENTICAL && out.sig_len == 0) {
		atomic_fetch_add(&k->metrics->wm_rejected[tr->kind], 1);
		snprintf(res->reason, sizeof(res->reason),
		         "level %" PRId32 " round %" PRId32 " was signed for these bytes already and "
		         "no signature is stored; this key's signatures are not reproducible, so it "
		         "is not signed again", tr->level, tr->round);
		return SIGIL_E_WATERMARK;
	}
	if (rc == 0 || rc == WM_IDENTICAL)
		return sign_encode(k, tr, &out, res);
	if (res->reason[0] == '\0') /* a vault error has said why already */
		sign_wm_refusal(k, k->vk->address, tr, rc, res);
	return rc;
}

static int
sign_held(struct sigil_ctx *ctx, const struct sigil_state *st, const struct sign_req *req,
            struct sign_res *res,
            const struct sigil_key **kout, struct tz_request *tr, bool *decoded)
{
	struct wm_id id;
	struct wm_mark mark;
	uint8_t digest[32];
	bool reuse = false;
	int rc;

	if ((rc = sign_admit(ctx, st, req, res, kout, tr, decoded, digest)) != 0)
		return rc;
	memset(&mark, 0, sizeof(mark));
	if (tr->consensus && !(*kout)->vk->deterministic)
		return sign_stored(ctx, *kout, req, tr, digest, res);
	if (tr->consensus &&
	    (rc = sign_watermark(ctx, *kout, tr, digest, &id, &mark, &reuse, res, NULL)) != 0)
		return rc;
	return sign_make(*kout, req, tr, digest, &mark, reuse, res);
}

/* The end of every request, once its state is released: the audit line,
 * now or (defer) in res->after. */
static void
sign_conclude(bool defer, struct sign_res *res, struct sign_line *line)
{
	struct sign_after *a;

	/* The audit line costs a few microseconds: after the reply if the
	 * caller can. Only where latency is measured in fsyncs, though: a
	 * generic request on an HTTP thread would pay more in allocations
	 * than it saves. */
	if (defer && line->consensus && (a = calloc(1, sizeof(*a))) != NULL) {
		a->address = strdup(line->address);
		a->peer = strdup(line->peer);
		if (a->address && a->peer) {
			a->line = *line;
			a->line.address = a->address;
			a->line.peer = a->peer;
			res->after = a;
			return;
		}
		free(a->address);
		free(a->peer);
		free(a);
	}
	sign_line_emit(line);
}

int
sigil_sign(struct sigil_ctx *ctx, const struct sign_req *req, struct sign_res *res)
{
	const struct sigil_key *k = NULL;
	struct tz_request tr;
	struct sign_line line;
	bool decoded = false;
	double t0 = sign_now_ms();
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&tr, 0, sizeof(tr));
	struct sigil_state *st = sigil_ctx_hold(ctx);
	rc = sign_held(ctx, st, req, res, &k, &tr, &decoded);
	sign_line_fill(&line, req, k, &tr, decoded, rc, res->reason, sign_now_ms() - t0);
	sigil_state_release(st);
	sign_conclude(req->after_reply, res, &line);
	return rc;
}

/* ---- requests that wait for their watermark without a thread (sign.h) ---- */

struct sign_async {
	struct wm_async w;
	struct sigil_ctx *ctx;
	struct sign_req req;   /* data points into bytes below */
	struct sigil_state *st;    /* held: the state it was admitted under */
	const struct sigil_key *k; /* st's */
	struct tz_request tr;
	uint8_t digest[32];
	struct wm_id id;
	double t0;
	sigil_sign_done done;
	void *arg;
	struct sign_res res;
	uint8_t bytes[];
};

/* On the watermark store's syncer, once the mark is durable or has failed:
 * the rest of sign_locked, and then the caller's done. */
static void
sign_async_done(struct wm_async *w, int wrc)
{
	struct sign_async *a = (struct sign_async *)w;
	struct sigil_ctx *ctx = a->ctx;
	const struct sigil_key *k = a->k;
	struct sign_line line;
	bool decoded = true;
	uint8_t digest[32];
	int rc = wrc;

	struct sigil_state *st = sigil_ctx_hold(ctx);
	if (st != a->st) {
		/* A reload came in meanwhile, and the key it was admitted under
		 * is gone: admit the request again under the new configuration
		 * (its key, authentication and policy). The mark is durable
		 * already; a refusal now only leaves it unused. */
		k = sigil_find_key(st, a->req.address);
		if (rc == 0 &&
		    (rc = sign_admit(ctx, st, &a->req, &a->res, &k, &a->tr, &decoded, digest)) == 0 &&
		    (memcmp(digest, a->digest, 32) != 0 || !a->tr.consensus ||
		     !sign_in_memory(k))) {
			snprintf(a->res.reason, sizeof(a->res.reason),
			         "the key changed while its watermark was written");
			rc = SIGIL_E_NOT_READY;
		}
	}
	if (rc == 0)
		rc = sign_make(k, &a->req, &a->tr, a->digest, &a->w.mark, false, &a->res);
	else if (wrc != 0)
		sign_wm_refusal(k, a->req.address, &a->tr, rc, &a->res);
	sign_line_fill(&line, &a->req, k, &a->tr, decoded, rc, a->res.reason,
	               sign_now_ms() - a->t0);
	sigil_state_release(st);
	sigil_state_release(a->st);
	sign_conclude(a->req.after_reply, &a->res, &line);
	a->done(a->arg, rc, &a->res);
	free(a);
}

int
sigil_sign_start(struct sigil_ctx *ctx, const struct sign_req *req, struct sign_res *res,
                 sigil_sign_done done, void *arg)
{
	const struct sigil_key *k = NULL;
	struct tz_request tr;
	struct sign_line line;
	struct sign_async *a;
	struct wm_mark mark;
	bool decoded = false, reuse = false;
	double t0 = sign_now_ms();
	int rc;

	memset(res, 0, sizeof(*res));
	memset(&tr, 0, sizeof(tr));
	if (ctx->wm->ops->check_advance_async == NULL ||
	    (a = calloc(1, sizeof(*a) + req->len)) == NULL)
		return SIGIL_SIGN_WOULD_BLOCK;
	struct sigil_state *st = sigil_ctx_hold(ctx);
	/* Only what the syncer can finish in a few microseconds: an Ed25519
	 * key whose vault signs in memory, and that asks for no
	 * authentication (checking one is a worker's job: it may cost a
	 * pairing). The rest signs on a worker, and is not even admitted
	 * here, so that nothing is checked twice. */
	k = sigil_find_key(st, req->address);
	if (k != NULL && (!sign_in_memory(k) || sign_needs_auth(st, k))) {
		rc = SIGIL_SIGN_WOULD_BLOCK;
		goto out;
	}
	if ((rc = sign_admit(ctx, st, req, res, &k, &tr, &decoded, a->digest)) != 0)
		goto concluded;
	if (!tr.consensus) {
		rc = SIGIL_SIGN_WOULD_BLOCK;
		goto out;
	}
	a->ctx = ctx;
	a->req = *req;
	memcpy(a->bytes, req->data, req->len);
	a->req.data = a->bytes;
	a->k = k;
	a->st = st;
	a->tr = tr;
	a->t0 = t0;
	a->done = done;
	a->arg = arg;
	a->w.done = sign_async_done;
	rc = sign_watermark(ctx, k, &tr, a->digest, &a->id, &mark, &reuse, res, &a->w);
	if (rc == WM_PENDING) {
		/* a, and with it the hold on st, belongs to the syncer now,
		 * and may be gone already. */
		return SIGIL_SIGN_PENDING;
	}
	if (rc == WM_WOULD_BLOCK) {
		rc = SIGIL_SIGN_WOULD_BLOCK;
		goto out;
	}
	if (rc == 0) /* identical, its signature kept: no vault call */
		rc = sign_make(k, req, &tr, a->digest, &mark, reuse, res);
concluded:
	sign_line_fill(&line, req, k, &tr, decoded, rc, res->reason, sign_now_ms() - t0);
	sigil_state_release(st);
	free(a);
	sign_conclude(false, res, &line);
	return rc;
out:
	sigil_state_release(st);
	free(a);
	memset(res, 0, sizeof(*res));
	return rc;
}

static int
pop_held(const struct sigil_state *st, const char *address, struct sign_res *res)
{
	const struct sigil_key *k = sigil_find_key(st, address);
	uint8_t sig[SIGIL_SIG_MAX];
	size_t siglen;
	int rc;

	if (k == NULL) {
		snprintf(res->reason, sizeof(res->reason), "unknown key");
		return SIGIL_E_UNKNOWN_KEY;
	}
	if (k->vk->type != SIGIL_KEY_BLS) {
		snprintf(res->reason, sizeof(res->reason),
		         "proofs of possession exist only for tz4 keys");
		return SIGIL_E_INVALID;
	}
	if ((rc = policy_check_pop(k->policy, res->reason, sizeof(res->reason))) != 0) {
		atomic_fetch_add(&k->metrics->policy_violations, 1);
		return rc;
	}
	rc = k->vault->ops->sign(k->vault, k->vault_index, VAULT_SIGN_BLS_PROOF, k->vk->pk,
	                         k->vk->pk_len, sig, &siglen);
	if (rc != 0) {
		snprintf(res->reason, sizeof(res->reason), "vault: %s", sigil_strerror(rc));
		return rc;
	}
	return tz_sig_encode(SIGIL_KEY_BLS, sig, siglen, res->signature, sizeof(res->signature));
}

int
sigil_prove_possession(struct sigil_ctx *ctx, const char *address, const char *peer,
                       struct sign_res *res)
{
	double t0 = sign_now_ms();
	char lat[32];
	int rc;

	memset(res, 0, sizeof(*res));
	struct sigil_state *st = sigil_ctx_hold(ctx);
	rc = pop_held(st, address, res);
	sigil_state_release(st);
	snprintf(lat, sizeof(lat), "%.3f", sign_now_ms() - t0);
	log_audit("key", address, "kind", "proof_of_possession", "decision",
	          rc == 0 ? "signed" : "refused", "error", rc == 0 ? "" : sigil_strerror(rc),
	          "reason", res->reason, "latency_ms", lat, "peer", peer ? peer : "", NULL);
	return rc;
}
