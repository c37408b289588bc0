/* Where the parts of a signature run (sign.h): sigil_sign_async and its
 * signing workers, sigil_sign_start, and the nonce made ahead on the
 * thread that hands a request on. The stages themselves are sign.c's. */
#include "core/sign.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/secmem.h"
#include "core/sign_job.h"

/* The end of a job that answers through its continuation. */
static void
sign_job_end(struct sign_job *j, int rc)
{
	sign_conclude(j, rc, j->req.after_reply);
	if (j->own_nonce)
		sigil_nonce_drop(j->req.nonce);
	j->done(j->arg, rc, &j->res);
	sodium_memzero(&j->mark, sizeof(j->mark));
	free(j);
}

static int sign_to_worker(struct sign_job *j, bool ahead);

/* The rest of a job on a thread that must not block (the store's, a
 * vault's): its stages, handed on where one would wait, then the caller's
 * continuation. */
static void
sign_job_go_on(struct sign_job *j)
{
	int rc = sign_run(j);

	if (rc == SIGN_WOULD_BLOCK)
		rc = sign_to_worker(j, false);
	if (rc != SIGN_PENDING)
		sign_job_end(j, rc);
}

/* The store's report on a pending job. What is left signs in memory, or
 * goes to a vault that answers later. */
static void
sign_job_resume(struct wm_async *w, int wrc)
{
	struct sign_job *j = (struct sign_job *)w;

	j->rc = wrc;
	j->may_block = true;
	sign_job_go_on(j);
}

/* A vault's answer to sign_async (vault.h), on its thread. */
static void
sign_job_vault_done(struct vault_async *a, int rc)
{
	struct sign_job *j = (struct sign_job *)((char *)a - offsetof(struct sign_job, va));

	if (rc == VAULT_WOULD_BLOCK) {
		/* Nothing signed: a worker calls the vault's sign, which waits
		 * (never this thread: it may be the one the vault waits on). */
		j->stage = STAGE_SIGN;
		if ((rc = sign_to_worker(j, false)) != SIGN_PENDING)
			sign_job_end(j, rc);
		return;
	}
	if ((rc = sign_vault_finish(j, rc)) == 0)
		rc = sign_run(j); /* from STAGE_ENCODE */
	sign_job_end(j, rc);
}

/* A job for req that answers through done(arg) once it is handed on: the
 * payload copied, the state held. NULL when out of memory. */
static struct sign_job *
sign_job_new(struct sigil_ctx *ctx, const struct sign_request *req, sigil_sign_done done,
             void *arg)
{
	struct sign_job *j = malloc(sizeof(*j) + req->len);

	if (j == NULL)
		return NULL;
	sign_job_init(j, ctx, req, false);
	memcpy(j->bytes, req->payload, req->len);
	j->req.payload = j->bytes;
	j->done = done;
	j->arg = arg;
	j->w.done = sign_job_resume;
	j->va.done = sign_job_vault_done;
	return j;
}

/* Runs an admitted consensus job from its watermark on this thread, which
 * must not block: SIGN_PENDING once the mark is written (the job is the
 * store's then, and may be gone), SIGN_WOULD_BLOCK with nothing done, or
 * the outcome. Once pending, the Ed25519 nonce n (may be NULL) is made
 * here, while the mark is synced. When the job's own nonce (own) will not
 * be made (an answer here), it is settled so that its drop frees it; a
 * caller's is left to its caller (sign.h). */
static int
sign_until_pending(struct sign_job *j, struct sign_nonce *n, bool own)
{
	const struct sigil_key *k = j->k;
	bool commit = n != NULL && j->in.msg_len == 32 && j->in.scheme == SIGIL_SCHEME_PLAIN;
	uint8_t msg[32];
	int rc;

	if (commit)
		memcpy(msg, j->in.msg, sizeof(msg));
	/* A hold of our own: k must outlive the job, which may end at once. */
	struct sigil_state *st = sigil_ctx_hold(j->ctx);
	j->stage = STAGE_WATERMARK;
	rc = sign_run(j);
	if (rc == SIGN_PENDING && n != NULL)
		nonce_commit_for(commit ? k : NULL, msg, commit ? sizeof(msg) : 0, n);
	else if (rc != SIGN_PENDING && rc != SIGN_WOULD_BLOCK && own && n != NULL)
		nonce_commit_for(NULL, NULL, 0, n);
	sigil_state_release(st);
	return rc;
}

int
sigil_sign_start(struct sigil_ctx *ctx, const struct sign_request *req, struct sign_res *res,
                 sigil_sign_done done, void *arg)
{
	const struct sigil_key *k;
	struct sign_job *j;
	int rc;

	memset(res, 0, sizeof(*res));
	if (ctx->wm->ops->check_advance_async == NULL ||
	    (j = sign_job_new(ctx, req, done, arg)) == NULL)
		return SIGIL_SIGN_WOULD_BLOCK;
	/* Only what the store's thread can finish in a few microseconds: an
	 * Ed25519 key whose vault signs in memory, and that asks for no
	 * authentication (checking one is a worker's job: it may cost a
	 * pairing). The rest signs on a worker, and is not even admitted
	 * here, so that nothing is checked twice. */
	k = sigil_find_key(j->st, req->chain, req->address);
	if (k != NULL && (!sign_in_memory(k) || sign_needs_auth(j->st, k)))
		goto out;
	if ((rc = sign_admit(j)) == 0 && !j->in.has_slot)
		goto out;
	if (rc == 0 && (rc = sign_until_pending(j, req->nonce, false)) == SIGN_PENDING)
		return SIGIL_SIGN_PENDING;
	if (rc == SIGN_WOULD_BLOCK)
		goto out;
	/* Answered here: a refusal, or an identical request with its kept
	 * signature. */
	sign_conclude(j, rc, false);
	*res = j->res;
	free(j);
	return rc;
out:
	sigil_state_release(j->st);
	free(j);
	return SIGIL_SIGN_WOULD_BLOCK;
}

/* ---- sigil_sign_async (sign.h): who runs what ---------------------------- */

#define SIGN_WORKERS_DEFAULT 64

/* A worker's turn: the job from where it stopped, blocking as it may. */
static void
sign_worker(struct workq_item *it, void *vctx)
{
	struct sign_job *j = (struct sign_job *)((char *)it - offsetof(struct sign_job, it));
	struct sigil_ctx *ctx = vctx;

	atomic_fetch_sub(&ctx->queued, 1);
	j->may_block = true;
	j->async_vault = false;
	sign_job_end(j, sign_run(j));
}

/* The workers, started on first use (server.threads of them, 0: 64). */
static int
sign_workers(struct sigil_ctx *ctx)
{
	int rc = 0;

	if (atomic_load_explicit(&ctx->workers_up, memory_order_acquire))
		return 0;
	pthread_mutex_lock(&ctx->workers_mu);
	if (!atomic_load(&ctx->workers_up)) {
		unsigned n = ctx->st->cfg->server.threads;
		rc = workq_start(&ctx->workers, n ? n : SIGN_WORKERS_DEFAULT, sign_worker, ctx);
		if (rc == 0)
			atomic_store_explicit(&ctx->workers_up, true, memory_order_release);
	}
	pthread_mutex_unlock(&ctx->workers_mu);
	return rc;
}

void
sigil_sign_workers_stop(struct sigil_ctx *ctx)
{
	if (atomic_load(&ctx->workers_up))
		workq_stop(&ctx->workers);
	atomic_store(&ctx->workers_up, false);
}

/* Hands j, stopped before a stage that may block, to a worker: SIGN_PENDING,
 * or the outcome of running it here when no worker can take it. Meanwhile
 * this thread makes the Ed25519 nonce of an in-memory consensus signature
 * ahead (sign.h), while few jobs wait: with a backlog it would only take
 * CPU from the threads that serve connections, and come too late. */
static int
sign_to_worker(struct sign_job *j, bool ahead)
{
	struct sigil_ctx *ctx = j->ctx;
	const struct sigil_key *k = j->k;
	struct sigil_state *st = NULL;
	uint8_t msg[32];

	ahead = ahead && sign_in_memory(k) && j->in.msg_len == sizeof(msg) &&
	        j->in.scheme == SIGIL_SCHEME_PLAIN && atomic_load(&ctx->queued) < ctx->early_max;
	if (ahead && j->req.nonce == NULL && (j->req.nonce = sigil_nonce_new()) != NULL)
		j->own_nonce = true;
	ahead = ahead && j->req.nonce != NULL;
	if (!ahead && j->own_nonce)
		nonce_commit_for(NULL, NULL, 0, j->req.nonce); /* nobody will make it */
	if (ahead) {
		memcpy(msg, j->in.msg, sizeof(msg));
		st = sigil_ctx_hold(ctx); /* k stays valid while the job may be gone */
	}
	/* Once submitted, the job is the worker's and may be gone: only the
	 * nonce (which the two share by its own protocol) is touched here. */
	struct sign_nonce *n = j->req.nonce;
	atomic_fetch_add(&ctx->queued, 1);
	if (sign_workers(ctx) != 0 || workq_submit(&ctx->workers, &j->it) != 0) {
		atomic_fetch_sub(&ctx->queued, 1);
		if (ahead)
			nonce_commit_for(NULL, NULL, 0, n);
		sigil_state_release(st);
		/* No worker: on this thread, unless a vault that answers later
		 * is what it would wait for (this may be that vault's thread). */
		if (j->async_vault && j->stage == STAGE_SIGN) {
			snprintf(j->res.reason, sizeof(j->res.reason), "no signing worker free");
			return SIGIL_E_NOT_READY;
		}
		j->may_block = true;
		return sign_run(j);
	}
	if (ahead)
		nonce_commit_for(k, msg, sizeof(msg), n);
	sigil_state_release(st);
	return SIGN_PENDING;
}

int
sigil_sign_async(struct sigil_ctx *ctx, const struct sign_request *req, struct sign_res *res,
                 sigil_sign_done done, void *arg)
{
	const struct sigil_key *k;
	struct sign_job *j;
	int rc;

	memset(res, 0, sizeof(*res));
	if ((j = sign_job_new(ctx, req, done, arg)) == NULL)
		return sigil_sign(ctx, req, res);
	j->req.nonce = NULL; /* the job makes its own */
	/* A key that asks for authentication (checking it may cost a
	 * pairing), or whose vault may wait on something outside: all of it
	 * on a worker, nothing checked here. */
	k = sigil_find_key(j->st, req->chain, req->address);
	if (k != NULL && (sign_needs_auth(j->st, k) ||
	                  !(k->vault->ops->local || sign_vault_async(k)))) {
		rc = sign_to_worker(j, false);
		goto out;
	}
	if ((rc = sign_admit(j)) != 0)
		goto out;
	j->stage = STAGE_WATERMARK;
	/* A vault that answers later is called from here, or from the
	 * store's thread, without waiting; a worker only when it cannot. */
	k = j->k;
	j->async_vault = sign_vault_async(k);
	if (!j->in.has_slot) {
		/* No mark to wait for, and a vault in memory (done here) or one
		 * that answers later. */
		j->may_block = !j->async_vault;
		if ((rc = sign_run(j)) == SIGN_WOULD_BLOCK)
			rc = sign_to_worker(j, false);
		goto out;
	}
	if (!(sign_in_memory(k) || (j->async_vault && k->vk->deterministic)) ||
	    ctx->wm->ops->check_advance_async == NULL) {
		rc = sign_to_worker(j, false);
		goto out;
	}
	/* A consensus request for an in-memory Ed25519 key or a vault that
	 * answers later: to its watermark write here, finished on the store's
	 * thread once the mark is durable, with an in-memory key's nonce made
	 * here meanwhile. */
	if (sign_in_memory(k) && j->in.msg_len == 32 && (j->req.nonce = sigil_nonce_new()) != NULL)
		j->own_nonce = true;
	if ((rc = sign_until_pending(j, j->req.nonce, true)) == SIGN_PENDING)
		return SIGIL_SIGN_PENDING;
	if (rc == SIGN_WOULD_BLOCK) {
		/* Nothing done: a busy or new mark, or an identical request to
		 * sign again. A worker takes it from the watermark. */
		j->stage = STAGE_WATERMARK;
		rc = sign_to_worker(j, true);
	}
out:
	if (rc == SIGN_PENDING)
		return SIGIL_SIGN_PENDING;
	/* Answered here: no continuation. */
	sign_conclude(j, rc, req->after_reply);
	if (j->own_nonce)
		sigil_nonce_drop(j->req.nonce);
	*res = j->res;
	sodium_memzero(&j->mark, sizeof(j->mark));
	free(j);
	return rc;
}

void
sigil_nonce_commit(struct sigil_ctx *ctx, const struct sign_request *req, struct sign_nonce *n)
{
	struct sign_intent in;
	const struct sigil_key *k;
	char reason[CHAIN_REASON_MAX];

	if (n == NULL)
		return;
	/* Let go of already (the request was answered without it): no work. */
	if (atomic_load(&n->state) == NONCE_GONE) {
		nonce_put(n);
		return;
	}
	struct sigil_state *st = sigil_ctx_hold(ctx);
	k = req->payload ? sigil_find_key(st, req->chain, req->address) : NULL;
	/* Not for a key that asks for authentication: that request is only
	 * checked later, on its worker, and a caller with a forged one must
	 * get no work done for it. The chain's reading of the bytes names
	 * the message; only the plain scheme signs in two halves. */
	if (k && !sign_needs_auth(st, k) && sign_in_memory(k) &&
	    k->chain->decode(req, k->vk->type, k->vk->pk, k->vk->pk_len, &in, reason,
	                     sizeof(reason)) == 0 &&
	    in.scheme == SIGIL_SCHEME_PLAIN)
		nonce_commit_for(k, in.msg, in.msg_len, n);
	else
		nonce_commit_for(NULL, NULL, 0, n);
	sigil_state_release(st);
}
