/* The signing pipeline (sign.h), written once: a job goes through its
 * stages in order, and stops only where it must wait for a durable
 * watermark without blocking its thread; whoever finishes the wait calls
 * sign_run again and the job goes on from where it stopped. */
#include "core/sign.h"

#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/token.h"
#include "base/deadline.h"
#include "base/errors.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/secmem.h"
#include "base/str.h"
#include "base/testhook.h"
#include "policy/policy.h"
#include "policy/routes.h"
#include "core/keyring.h"
#include "core/sign_job.h"

/* A key whose signatures sigil makes in memory, deterministically and in
 * two halves: an Ed25519 key of a vault that signs with sigil's own split
 * signing (the commit and sign_committed operations derive the nonce from
 * the key and the bytes, RFC 8032). */
bool
sign_in_memory(const struct sigil_key *k)
{
	return k->vk->type == SIGIL_KEY_ED25519 && k->vk->deterministic &&
	       k->vault->ops->sign_committed != NULL;
}

bool
sign_vault_async(const struct sigil_key *k)
{
	return !k->vault->ops->local && k->vault->ops->sign_async != NULL;
}

bool
sign_needs_auth(const struct sigil_state *st, const struct sigil_key *k)
{
	size_t nak = 0;
	(void)config_auth_keys(st->cfg, k->policy, &nak);
	return nak > 0;
}

/* Why a watermark stage refused, in res->reason. k may be NULL (the key
 * went in a reload while its mark was written). */
static void
sign_wm_refusal(struct sign_job *j, const struct sigil_key *k, int rc)
{
	struct sign_res *res = &j->res;

	if (rc == SIGIL_E_WATERMARK) {
		if (k != NULL)
			atomic_fetch_add(&k->metrics->wm_rejected[j->in.kind], 1);
		snprintf(res->reason, sizeof(res->reason),
		         "level %" PRId32 " round %" PRId32 " is not above the high watermark",
		         j->in.level, j->in.round);
	} else if (rc == SIGIL_E_CORRUPT) {
		snprintf(res->reason, sizeof(res->reason),
		         "watermark record is corrupt: consensus signing refused");
		log_error("watermark for %s is corrupt: refusing consensus signing", j->req.address);
	} else if (rc != 0) {
		struct wm_store *wm = j->ctx->wm;
		char why[256] = "";

		if (wm->ops->why != NULL && rc != SIGIL_E_INVALID)
			wm->ops->why(wm, why, sizeof(why));
		snprintf(res->reason, sizeof(res->reason), "watermark store: %s%s%.200s",
		         sigil_strerror(rc), why[0] ? ": " : "", why);
	}
}

static void
sign_wm_ids(struct sign_job *j)
{
	const struct sign_intent *in = &j->in;

	memset(&j->id, 0, sizeof(j->id));
	memcpy(j->id.chain_id, in->network,
	       in->network_len < sizeof(j->id.chain_id) ? in->network_len : sizeof(j->id.chain_id));
	memcpy(j->id.key, j->k->key_id, sizeof(j->id.key));
	j->id.kind = (enum wm_kind)in->slot_class;
	memset(&j->mark, 0, sizeof(j->mark));
	j->mark.level = in->level;
	j->mark.round = in->round;
	memcpy(j->mark.digest, in->digest, 32);
	j->mark.has_digest = true;
}

/* A vault marked faulty by a signature that failed its check
 * (verify_signatures) signs nothing more until a reload: SIGIL_E_NOT_READY
 * with the reason, or 0. */
static int
sign_vault_faulty(const struct sigil_key *k, char *reason, size_t len)
{
	if (k->vault_faulty == NULL || !atomic_load(k->vault_faulty))
		return 0;
	snprintf(reason, len,
	         "vault %s returned a signature that failed its check; it signs nothing more "
	         "until it is reloaded", k->vault_name);
	return SIGIL_E_NOT_READY;
}

/* A signature of k's vault failed its check: wiped, counted, logged, the
 * vault marked faulty. SIGIL_E_CRYPTO with the reason. */
static int
sign_bad_signature(const struct sigil_key *k, uint8_t *sig, size_t siglen, char *reason,
                   size_t len)
{
	sodium_memzero(sig, siglen);
	if (k->bad_signatures)
		atomic_fetch_add(k->bad_signatures, 1);
	if (k->vault_faulty)
		atomic_store(k->vault_faulty, true);
	log_error("vault %s: key %s: the vault's signature failed its check and was not returned; "
	          "the vault is not ready until it is reloaded", k->vault_name, k->address);
	snprintf(reason, len, "vault: its signature failed verification and was not returned");
	return SIGIL_E_CRYPTO;
}

/* The routes (policy/routes.h), when the config has any: the first that
 * takes the request names it and says what follows; none refuses it. */
static int
sign_route(struct sign_job *j)
{
	const struct sigil_config *cfg = j->st->cfg;
	const struct sigil_key *k = j->k;
	struct sign_res *res = &j->res;
	char key_id[2 * SIGIL_KEY_ID_LEN + 1];
	const struct route *r;

	if (cfg->n_routes == 0)
		return 0;
	sigil_key_id_text(k->vk, key_id);
	if ((r = j->route = route_match(cfg->routes, cfg->n_routes, k->chain, &j->in, k->address,
	                                key_id)) == NULL) {
		snprintf(res->reason, sizeof(res->reason), "no route takes this request%s",
		         j->in.opaque || j->in.n_ops > INTENT_OPS_MAX
		                 ? " (its effect is not fully known: only a route for kind unknown "
		                   "takes it)"
		                 : "");
		return SIGIL_E_POLICY;
	}
	str_copy(res->route, sizeof(res->route), r->id);
	if (r->vault[0] && strcmp(r->vault, k->vault_name) != 0) {
		snprintf(res->reason, sizeof(res->reason), "route %.60s signs with keys of vault %.60s "
		         "only", r->id, r->vault);
		return SIGIL_E_POLICY;
	}
	if (r->require_approvals > 0) {
		snprintf(res->reason, sizeof(res->reason), "route %.60s needs %u approvals, and sigil "
		         "takes none yet: refused", r->id, r->require_approvals);
		return SIGIL_E_POLICY;
	}
	return 0;
}

/* STAGE_ADMIT: the key, its authentication, the chain's reading of the
 * bytes, the key's policy. */
int
sign_admit(struct sign_job *j)
{
	const struct sign_request *req = &j->req;
	struct sign_res *res = &j->res;
	const struct chain_pubkey *ak;
	const struct sigil_key *k;
	size_t nak;
	int rc;

	j->decoded = false;
	if ((k = j->k = sigil_find_key(j->st, req->chain, req->address)) == NULL) {
		snprintf(res->reason, sizeof(res->reason), "unknown key");
		return SIGIL_E_UNKNOWN_KEY;
	}
	ak = config_auth_keys(j->st->cfg, k->policy, &nak);
	/* Authentication on, and a chain that cannot check one: refused,
	 * never let through. A caller known by a bearer token alone (the v1
	 * API) is not asked for the chain's own. */
	rc = nak == 0 || req->bearer_only ? 0
	     : k->chain->authenticate     ? k->chain->authenticate(req, k->key_id, ak, nak)
	                                  : SIGIL_E_AUTH_REQUIRED;
	if (rc == 0 && req->bearer_only && req->bearer == NULL)
		rc = SIGIL_E_AUTH_REQUIRED; /* an API that forgot its check */
	if (rc == 0 && req->bearer != NULL && !auth_token_may_use(req->bearer, k->address, NULL)) {
		snprintf(res->reason, sizeof(res->reason), "token %.40s may not use key %.96s",
		         req->bearer->name, k->address);
		return SIGIL_E_POLICY;
	}
	if (rc != 0) {
		atomic_fetch_add(&j->ctx->metrics.auth_failures, 1);
		str_copy(res->reason, sizeof(res->reason), sigil_strerror(rc));
		return rc;
	}
	j->req.chain_conf = config_chain_conf(j->st->cfg, k->chain);
	rc = k->chain->decode(req, k->vk->type, k->vk->pk, k->vk->pk_len, &j->in, res->reason,
	                      sizeof(res->reason));
	if (rc != 0)
		return rc;
	j->decoded = true;
	if (j->in.kind >= k->chain->n_kinds || j->in.slot_class >= CHAIN_SLOT_CLASSES) {
		snprintf(res->reason, sizeof(res->reason), "chain %s: bad intent", k->chain->name);
		return SIGIL_E_INTERNAL;
	}
	/* The API's word on the kind (sign_request.kind) must be the bytes'. */
	if (req->kind != NULL && k->chain->kind_from_name(req->kind) != (int)j->in.kind) {
		snprintf(res->reason, sizeof(res->reason), "the payload is a %s request, not %.40s",
		         k->chain->kinds[j->in.kind], req->kind);
		return SIGIL_E_INVALID;
	}
	str_copy(res->kind, sizeof(res->kind), k->chain->kinds[j->in.kind]);
	res->n_ops = j->in.n_ops;
	if (j->in.n_ops > 0)
		res->op = j->in.ops[0];
	if (req->bearer != NULL && !auth_token_may_sign(req->bearer, k->chain, j->in.kind)) {
		snprintf(res->reason, sizeof(res->reason), "token %.40s lacks the capability %.32s:%.40s",
		         req->bearer->name, k->chain->name, k->chain->kinds[j->in.kind]);
		return SIGIL_E_POLICY;
	}
	if ((rc = policy_check(k->policy, &j->in, res->reason, sizeof(res->reason))) != 0) {
		atomic_fetch_add(&k->metrics->policy_violations, 1);
		return rc;
	}
	if ((rc = sign_route(j)) != 0) {
		atomic_fetch_add(&k->metrics->policy_violations, 1);
		return rc;
	}
	/* Last, so that a refusal says what was wrong with the request first;
	 * before the watermark, so that no mark moves for it. */
	return sign_vault_faulty(k, res->reason, sizeof(res->reason));
}

/* verify_signatures: the vault's signature of the intent's message,
 * checked against the key before anything else sees it. One that fails is
 * wiped, counted, logged, and its vault marked faulty (not ready). */
static int
sign_verify(struct sign_job *j, uint8_t *sig, size_t *siglen)
{
	const struct sigil_key *k = j->k;
	int rc;

	/* Tests: a vault that returns a wrong signature. */
	if (sigil_test_named("SIGIL_TEST_CORRUPT_SIGNATURES", k->vault_name) && *siglen > 5)
		sig[5] ^= 0x01;
	if (!k->verify)
		return 0;
	rc = sigil_verify(k->vk->type, k->vk->pk, k->vk->pk_len, j->in.scheme, j->in.msg,
	                  j->in.msg_len, sig, *siglen);
	if (rc == 0)
		return 0;
	rc = sign_bad_signature(k, sig, *siglen, j->res.reason, sizeof(j->res.reason));
	*siglen = 0;
	return rc;
}

/* Why key k's vault refused (rc): what the vault says of itself when it
 * cannot sign now, else the error's name. */
static void
sign_vault_reason(const struct sigil_key *k, int rc, char *reason, size_t len)
{
	char why[128];
	struct vault *v = k->vault;

	if (rc == SIGIL_E_NOT_READY && v->ops->why_not_ready &&
	    v->ops->why_not_ready(v, why, sizeof(why)) > 0)
		snprintf(reason, len, "vault: not ready: %s", why);
	else
		snprintf(reason, len, "vault: %s", sigil_strerror(rc));
}

/* What follows every vault's signature (in sig, when rc is 0): its check,
 * the recovery id appended for a chain whose signatures carry it (recid,
 * as the vault gave it), its latency, the reason of a refusal, a crash
 * point for tests. */
static int
sign_vault_after(struct sign_job *j, double t0, int rc, uint8_t *sig, size_t *siglen, int recid)
{
	if (rc == 0)
		rc = sign_verify(j, sig, siglen);
	if (rc == 0 && j->k->chain->recid) {
		if (recid < 0 || recid > 3 || *siglen != 64) {
			snprintf(j->res.reason, sizeof(j->res.reason),
			         "vault %.60s gives no recovery id, which %.40s signatures carry",
			         j->k->vault_name, j->k->chain->name);
			sodium_memzero(sig, *siglen);
			*siglen = 0;
			rc = SIGIL_E_UNSUPPORTED;
		} else {
			sig[64] = (uint8_t)recid;
			*siglen = 65;
		}
	}
	metrics_hist_observe(j->k->vault_ms, sigil_monotonic_ms_f() - t0);
	if (rc != 0 && j->res.reason[0] == '\0')
		sign_vault_reason(j->k, rc, j->res.reason, sizeof(j->res.reason));
	/* A vault that cannot serve now, under a route: defer asks the caller
	 * to come back; fail_closed refuses outright. */
	if ((rc == SIGIL_E_NOT_READY || rc == SIGIL_E_TIMEOUT) && j->route != NULL) {
		size_t n = strlen(j->res.reason);
		if (j->route->fail_mode == ROUTE_DEFER) {
			j->res.retry_after = SIGN_RETRY_AFTER_S;
			rc = SIGIL_E_NOT_READY;
		} else {
			rc = SIGIL_E_POLICY;
		}
		snprintf(j->res.reason + n, sizeof(j->res.reason) - n, " (route %.40s: %s)",
		         j->route->id, j->route->fail_mode == ROUTE_DEFER ? "deferred" : "fails closed");
	}
	/* Tests: a crash between the signature and whatever follows it (its
	 * store, or the reply). */
	sigil_test_crash_point("after_sign");
	return rc;
}

int
sign_vault_finish(struct sign_job *j, int rc)
{
	int recid = j->vsig.recid;

	if (rc == 0) {
		memcpy(j->mark.sig, j->vsig.sig, j->vsig.len);
		j->mark.sig_len = j->vsig.len;
	}
	sodium_memzero(&j->vsig, sizeof(j->vsig));
	return sign_vault_after(j, j->tv, rc, j->mark.sig, &j->mark.sig_len, recid);
}

/* The vault's signature of what the intent says, into m: from the nonce
 * made ahead when it is ready and for this key (the vault checks it is for
 * these bytes), else in one go. With async (STAGE_SIGN of a job that may
 * not wait), a vault that answers later is handed the call: SIGN_PENDING
 * (the job is the vault's, which calls j->va.done) or SIGN_WOULD_BLOCK
 * (nothing done). */
static int
sign_vault(struct sign_job *j, struct wm_mark *m, bool async)
{
	const struct sigil_key *k = j->k;
	struct sign_nonce *n = j->req.nonce;
	/* The recovery id only for a chain that writes it (vault.h). */
	struct vault_sig out = {.recid = k->chain->recid ? VAULT_RECID_WANTED : -1};
	double t0 = sigil_monotonic_ms_f();
	int rc, recid;

	/* Tests: a vault that cannot serve (routes' fail_mode). */
	if (sigil_test_named("SIGIL_TEST_VAULT_DOWN", k->vault_name))
		return sign_vault_after(j, t0, SIGIL_E_NOT_READY, m->sig, &m->sig_len, -1);
	if (async && j->async_vault && sign_vault_async(k)) {
		j->vsig = out;
		j->tv = t0;
		rc = k->vault->ops->sign_async(k->vault, k->vault_index, j->in.scheme, j->in.msg,
		                               j->in.msg_len, &j->dl, &j->vsig, &j->va);
		if (rc == VAULT_PENDING)
			return SIGN_PENDING; /* j may be gone already */
		if (rc == VAULT_WOULD_BLOCK)
			return SIGN_WOULD_BLOCK;
		return sign_vault_finish(j, rc);
	}
	if (n && k->vault->ops->sign_committed && j->in.scheme == SIGIL_SCHEME_PLAIN &&
	    atomic_load_explicit(&n->state, memory_order_acquire) == NONCE_READY &&
	    memcmp(n->id, k->key_id, sizeof(n->id)) == 0 &&
	    k->vault->ops->sign_committed(k->vault, k->vault_index, n->n, j->in.msg, j->in.msg_len,
	                                  m->sig, &m->sig_len) == 0) {
		j->res.ahead = true;
		rc = 0;
	} else if ((rc = k->vault->ops->sign(k->vault, k->vault_index, j->in.scheme, j->in.msg,
	                                     j->in.msg_len, &j->dl, &out)) == 0) {
		memcpy(m->sig, out.sig, out.len);
		m->sig_len = out.len;
	}
	recid = out.recid;
	sodium_memzero(&out, sizeof(out));
	return sign_vault_after(j, t0, rc, m->sig, &m->sig_len, recid);
}

/* The chain's text of the payload with its parts' signatures in it
 * (chain_ops.signed_parts) into res.signed_text. */
static int
sign_parts_text(struct sign_job *j, const uint8_t (*sigs)[64], size_t n)
{
	const struct sigil_key *k = j->k;
	int rc = k->chain->signed_parts(j->req.payload, j->req.len, k->vk->type, k->vk->pk,
	                                k->vk->pk_len, sigs, n, &j->res.signed_text);

	if (rc != 0)
		snprintf(j->res.reason, sizeof(j->res.reason), "cannot write the signed payload: %s",
		         sigil_strerror(rc));
	return rc;
}

/* STAGE_SIGN for an intent of several parts (sign_intent.n_parts > 1): the
 * vault signs each in turn, each signature checked as one alone would be,
 * and the chain writes them all into the payload. mark.sig keeps the
 * first, which res.signature shows. Blocking: sign_run hands such a job to
 * a worker when its vault answers later. */
static int
sign_parts(struct sign_job *j)
{
	const struct sigil_key *k = j->k;
	size_t n = j->in.n_parts;
	uint8_t (*sigs)[64] = calloc(n, sizeof(*sigs));
	double t0 = sigil_monotonic_ms_f();
	int rc = sigs ? 0 : SIGIL_E_NOMEM;

	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct sign_part *p = &j->in.parts[i];
		struct vault_sig out = {.recid = -1};
		rc = k->vault->ops->sign(k->vault, k->vault_index, p->scheme, p->msg, sizeof(p->msg),
		                         &j->dl, &out);
		if (rc == 0 && out.len != 64)
			rc = SIGIL_E_CRYPTO;
		if (rc == 0 && k->verify &&
		    sigil_verify(k->vk->type, k->vk->pk, k->vk->pk_len, p->scheme, p->msg,
		                 sizeof(p->msg), out.sig, out.len) != 0)
			rc = sign_bad_signature(k, out.sig, out.len, j->res.reason, sizeof(j->res.reason));
		if (rc == 0)
			memcpy(sigs[i], out.sig, 64);
		sodium_memzero(&out, sizeof(out));
	}
	if (rc == 0) {
		memcpy(j->mark.sig, sigs[0], 64);
		j->mark.sig_len = 64;
		rc = sign_parts_text(j, (const uint8_t (*)[64])sigs, n);
		j->parts_done = rc == 0;
	}
	if (sigs != NULL) {
		sodium_memzero(sigs, n * sizeof(*sigs));
		free(sigs);
	}
	return sign_vault_after(j, t0, rc, j->mark.sig, &j->mark.sig_len, -1);
}

/* check_advance_sign's signer (watermark.h). */
static int
sign_stored_sign(void *arg, struct wm_mark *m)
{
	return sign_vault(arg, m, false);
}

/* Watermark and vault stages for a key whose signatures may not be
 * reproducible (watermark.h): signed with the key's mark held, and stored
 * durably before anything is answered. An identical request gets the
 * stored signature, or a refusal when there is none: signing it afresh
 * could give a second, different signature for one block. */
static int
sign_stored(struct sign_job *j)
{
	struct wm_signer signer = {.sign = sign_stored_sign, .arg = j};
	struct wm_store *wm = j->ctx->wm;
	struct wm_mark out;
	int rc;

	if (wm->ops->check_advance_sign == NULL) {
		snprintf(j->res.reason, sizeof(j->res.reason),
		         "the watermark store cannot keep signatures, which this key's consensus "
		         "signing needs (its signatures are not reproducible)");
		return SIGIL_E_UNSUPPORTED;
	}
	rc = wm->ops->check_advance_sign(wm, &j->id, &j->mark, &out, &signer, &j->dl);
	if (rc == WM_IDENTICAL && out.sig_len == 0) {
		atomic_fetch_add(&j->k->metrics->wm_rejected[j->in.kind], 1);
		snprintf(j->res.reason, sizeof(j->res.reason),
		         "level %" PRId32 " round %" PRId32 " was signed for these bytes already and "
		         "no signature is stored; this key's signatures are not reproducible, so it "
		         "is not signed again", j->in.level, j->in.round);
		return SIGIL_E_WATERMARK;
	}
	if (rc == 0 || rc == WM_IDENTICAL) {
		j->mark = out;
		j->reuse = true;
		return 0;
	}
	if (j->res.reason[0] == '\0') /* a vault error has said why already */
		sign_wm_refusal(j, j->k, rc);
	return rc;
}

/* STAGE_WATERMARK for a key whose signatures are reproducible: check and
 * advance before signing. An identical request is signed again (the same
 * signature), unless the store kept one: then it is the answer. A job
 * that may not block goes through check_advance_async. */
static int
sign_watermark(struct sign_job *j)
{
	struct wm_store *wm = j->ctx->wm;
	struct wm_mark prev;
	int rc;

	if (j->may_block) {
		rc = wm->ops->check_advance(wm, &j->id, &j->mark, &prev, &j->dl);
	} else {
		j->w.deadline_ms = j->dl.at_ms;
		rc = wm->ops->check_advance_async(wm, &j->id, &j->mark, &prev, &j->w);
		if (rc == WM_PENDING)
			return SIGN_PENDING;
		if (rc == WM_WOULD_BLOCK)
			return SIGN_WOULD_BLOCK;
	}
	if (rc == WM_IDENTICAL) {
		if (prev.sig_len > 0) {
			memcpy(j->mark.sig, prev.sig, prev.sig_len);
			j->mark.sig_len = prev.sig_len;
			j->reuse = true;
		} else if (!j->may_block) {
			return SIGN_WOULD_BLOCK; /* signing it again is a worker's job */
		}
		return 0;
	}
	sign_wm_refusal(j, j->k, rc);
	return rc;
}

/* STAGE_RESUMED, on the store's thread: the mark is durable (rc 0) or
 * failed. A reload that came in meanwhile admits the request again under
 * the new state (its key, authentication and policy); the mark is durable
 * already, and a refusal now only leaves it unused. */
/* A store that learns the outcome from its database reports an identical
 * request late (watermark.h): the mark it keeps is in j->w.mark. Only
 * reproducible keys come this way: its stored signature, if any, is the
 * answer; otherwise the request is signed again, as sign_watermark does. */
static void
sign_resumed_identical(struct sign_job *j)
{
	if (j->w.mark.sig_len > 0 && j->w.mark.sig_len <= sizeof(j->mark.sig)) {
		memcpy(j->mark.sig, j->w.mark.sig, j->w.mark.sig_len);
		j->mark.sig_len = j->w.mark.sig_len;
		j->reuse = true;
	}
}

static int
sign_resumed(struct sign_job *j)
{
	struct sigil_state *now = sigil_ctx_hold(j->ctx);
	uint8_t digest[32];
	bool identical = j->rc == WM_IDENTICAL;
	int rc = identical ? 0 : j->rc;

	if (now == j->st) {
		sigil_state_release(now);
		if (rc != 0)
			sign_wm_refusal(j, j->k, rc);
		else if (identical)
			sign_resumed_identical(j);
		return rc;
	}
	sigil_state_release(j->st);
	j->st = now;
	memcpy(digest, j->in.digest, 32);
	if (rc != 0) {
		j->k = sigil_find_key(now, j->req.chain, j->req.address);
		sign_wm_refusal(j, j->k, rc);
		return rc;
	}
	if ((rc = sign_admit(j)) != 0)
		return rc;
	if (memcmp(digest, j->in.digest, 32) != 0 || !j->in.has_slot ||
	    !(sign_in_memory(j->k) || (j->async_vault && sign_vault_async(j->k)))) {
		snprintf(j->res.reason, sizeof(j->res.reason),
		         "the key changed while its watermark was written");
		return SIGIL_E_NOT_READY;
	}
	if (identical)
		sign_resumed_identical(j);
	return 0;
}

static int
sign_encode(struct sign_job *j)
{
	const struct sigil_key *k = j->k;
	int rc = k->chain->signature_text(k->vk->type, j->mark.sig, j->mark.sig_len,
	                                  j->res.signature, sizeof(j->res.signature));
	if (rc != 0) {
		snprintf(j->res.reason, sizeof(j->res.reason), "cannot write the signature: %s",
		         sigil_strerror(rc));
		return rc;
	}
	if (j->mark.sig_len <= sizeof(j->res.sig)) {
		memcpy(j->res.sig, j->mark.sig, j->mark.sig_len);
		j->res.sig_len = j->mark.sig_len;
	}
	/* One signature in a container (a PSBT with one input of the key). */
	if (k->chain->signed_parts != NULL && !j->parts_done) {
		uint8_t one[1][64];
		if (j->mark.sig_len != sizeof(one[0]))
			return SIGIL_E_CRYPTO;
		memcpy(one[0], j->mark.sig, sizeof(one[0]));
		rc = sign_parts_text(j, (const uint8_t (*)[64])one, 1);
		sodium_memzero(one, sizeof(one));
		if (rc != 0)
			return rc;
	}
	atomic_fetch_add(&k->metrics->signed_ops[j->in.kind], 1);
	return 0;
}

/* The stages, from j->stage on. Returns the request's outcome (0 or an
 * error code), or SIGN_PENDING / SIGN_WOULD_BLOCK. */
int
sign_run(struct sign_job *j)
{
	int rc = 0;

	while (rc == 0 && j->stage != STAGE_DONE) {
		switch (j->stage) {
		case STAGE_ADMIT:
			rc = sign_admit(j);
			j->stage = STAGE_WATERMARK;
			break;
		case STAGE_WATERMARK:
			j->stage = STAGE_SIGN;
			if (!j->in.has_slot)
				break;
			sign_wm_ids(j);
			if (!j->k->vk->deterministic) {
				rc = sign_stored(j); /* signs as well: reuse is set */
				break;
			}
			/* Where the store's report picks the job up: set before
			 * the job is handed over, never touched after. */
			j->stage = STAGE_RESUMED;
			if ((rc = sign_watermark(j)) == SIGN_PENDING)
				return rc; /* the job is the store's now */
			j->stage = STAGE_SIGN;
			break;
		case STAGE_RESUMED:
			rc = sign_resumed(j);
			j->stage = STAGE_SIGN;
			break;
		case STAGE_SIGN:
			/* Set before a vault that answers later has the job. */
			j->stage = STAGE_ENCODE;
			if (j->reuse)
				break;
			if (j->in.n_parts > 1) {
				if (!j->may_block && j->async_vault && sign_vault_async(j->k)) {
					j->stage = STAGE_SIGN;
					return SIGN_WOULD_BLOCK; /* a worker signs them one by one */
				}
				rc = sign_parts(j);
				break;
			}
			if ((rc = sign_vault(j, &j->mark, true)) == SIGN_PENDING)
				return rc; /* the job is the vault's now */
			if (rc == SIGN_WOULD_BLOCK)
				j->stage = STAGE_SIGN;
			break;
		case STAGE_ENCODE:
			rc = sign_encode(j);
			j->stage = STAGE_DONE;
			break;
		case STAGE_DONE:
			break;
		}
	}
	return rc;
}

void
sign_job_init(struct sign_job *j, struct sigil_ctx *ctx, const struct sign_request *req,
              bool may_block)
{
	memset(j, 0, sizeof(*j));
	j->ctx = ctx;
	j->req = *req;
	j->may_block = may_block;
	j->stage = STAGE_ADMIT;
	/* The request's own start if its API timed it, else now; the back
	 * end's deadline counts from the same reading (one clock read less per
	 * request: each is a visible share of an Ethereum request's own time). */
	j->t0 = req->t0 > 0 ? req->t0 : sigil_monotonic_ms_f();
	j->st = req->held ? sigil_state_ref(req->held) : sigil_ctx_hold(ctx);
	uint64_t ms = SIGN_BACKEND_DEADLINE_MS(j->st);
	j->dl = (struct sigil_deadline){ms ? (uint64_t)j->t0 + ms : 0};
}

int
sigil_sign(struct sigil_ctx *ctx, const struct sign_request *req, struct sign_res *res)
{
	struct sign_job j;
	int rc;

	sign_job_init(&j, ctx, req, true);
	rc = sign_run(&j);
	sign_conclude(&j, rc, req->after_reply);
	*res = j.res;
	sodium_memzero(&j.mark, sizeof(j.mark));
	return rc;
}

static int
pop_held(const struct sigil_state *st, const struct chain_ops *chain, const char *address,
         struct sign_res *res)
{
	const struct sigil_key *k = sigil_find_key(st, chain, address);
	struct sigil_deadline dl;
	struct vault_sig sig = {.recid = -1}; /* no recovery id wanted */
	int rc;

	if (k == NULL) {
		snprintf(res->reason, sizeof(res->reason), "unknown key");
		return SIGIL_E_UNKNOWN_KEY;
	}
	if (k->vk->type != SIGIL_KEY_BLS) {
		snprintf(res->reason, sizeof(res->reason),
		         "proofs of possession exist only for BLS keys");
		return SIGIL_E_INVALID;
	}
	if ((rc = policy_check_pop(k->policy, res->reason, sizeof(res->reason))) != 0) {
		atomic_fetch_add(&k->metrics->policy_violations, 1);
		return rc;
	}
	dl = sigil_deadline_in(SIGN_BACKEND_DEADLINE_MS(st));
	if ((rc = sign_vault_faulty(k, res->reason, sizeof(res->reason))) != 0)
		return rc;
	rc = k->vault->ops->sign(k->vault, k->vault_index, SIGIL_SCHEME_BLS_PROOF, k->vk->pk,
	                         k->vk->pk_len, &dl, &sig);
	if (rc == 0 && k->verify &&
	    sigil_verify(k->vk->type, k->vk->pk, k->vk->pk_len, SIGIL_SCHEME_BLS_PROOF, k->vk->pk,
	                 k->vk->pk_len, sig.sig, sig.len) != 0)
		return sign_bad_signature(k, sig.sig, sizeof(sig.sig), res->reason,
		                          sizeof(res->reason));
	if (rc != 0) {
		sign_vault_reason(k, rc, res->reason, sizeof(res->reason));
		return rc;
	}
	return k->chain->signature_text(k->vk->type, sig.sig, sig.len, res->signature,
	                                sizeof(res->signature));
}

int
sigil_prove_possession(struct sigil_ctx *ctx, const struct chain_ops *chain, const char *address,
                       const char *peer, struct sign_res *res)
{
	double t0 = sigil_monotonic_ms_f();
	char lat[32];
	int rc;

	memset(res, 0, sizeof(*res));
	struct sigil_state *st = sigil_ctx_hold(ctx);
	rc = pop_held(st, chain, address, res);
	sigil_state_release(st);
	sign_ms_text(sigil_monotonic_ms_f() - t0, lat, sizeof(lat));
	log_audit("key", address, "kind", "proof_of_possession", "decision",
	          rc == 0 ? "signed" : "refused", "error", rc == 0 ? "" : sigil_strerror(rc),
	          "reason", res->reason, "latency_ms", lat, "peer", peer ? peer : "", NULL);
	return rc;
}
