/* The one path every signature takes, whatever its chain and API
 * (docs/ARCHITECTURE.md):
 *
 *   key → authenticate → decode → policy → watermark → sign → encode → audit
 *
 * written once, as stages of a job (sign.c). The job runs to its end on
 * the caller's thread (sigil_sign), or stops at its watermark write when
 * the caller must not block (sigil_sign_start) and goes on from there on
 * the watermark store's thread once the mark is durable; a reload in
 * between admits it again under the new state. */
#ifndef SIGIL_SIGN_H
#define SIGIL_SIGN_H
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "core/context.h"

struct sign_after;

/* Retry-After, in seconds, of a request a route defers (policy/routes.h). */
#define SIGN_RETRY_AFTER_S 5

struct sign_res {
	char signature[CHAIN_TEXT_MAX]; /* as the chain writes signatures */
	/* The same signature as the vault made it (Ethereum's: r ‖ s ‖ the
	 * recovery id), for chain_ops.signed_payload. */
	uint8_t sig[SIGIL_SIG_MAX];
	size_t sig_len;
	char reason[256];               /* why it was refused; secret-free */
	bool ahead;                     /* finished from sign_request.nonce */
	/* What the request was, once decoded (kind "" before): its kind's
	 * name, how many operations it carries and the first of them (asset,
	 * amount, destination as the chain read them from the bytes). */
	char kind[32];
	uint32_t n_ops;
	struct intent_op op;
	char route[64];        /* the route that took it (policy/routes.h), or "" */
	unsigned retry_after;  /* seconds, for a refusal worth retrying; 0: none */
	/* With sign_request.after_reply: what is left to do once the reply
	 * is out (the audit line), or NULL when sigil_sign did it all. A
	 * signature that must be kept for identical requests is stored
	 * before sigil_sign returns (watermark.h), never after the reply. */
	struct sign_after *after;
	/* For a chain with signed_parts (chain.h): the payload with its
	 * signatures in it, as the chain writes it (a PSBT in base64);
	 * malloc'ed, the caller frees it (v1, the one API such chains have). */
	char *signed_text;
};

/* 0 with res->signature set, or an error code (api_status_for maps it)
 * with res->reason explaining. Works on a held state (sigil_ctx_hold), no
 * lock. req->chain must be set. */
__attribute__((warn_unused_result)) int
sigil_sign(struct sigil_ctx *ctx, const struct sign_request *req, struct sign_res *res);

/* sigil_sign for a thread that must not block (an HTTP thread). It runs
 * the request up to its watermark write, and then:
 * - SIGIL_SIGN_PENDING: the request waits for its mark to become durable
 *   on the watermark store's own thread, which finishes it there and
 *   calls done(arg, rc, res) once, res as sigil_sign's (after included).
 *   req's bytes are copied; its strings and nonce must stay valid until
 *   done. The nonce, if any, is committed before this returns.
 * - SIGIL_SIGN_WOULD_BLOCK: nothing was done or logged; run sigil_sign on
 *   a thread that may block. That is the answer for any request but a
 *   consensus one for a key that its vault signs in memory with no
 *   authentication to check, for a store without check_advance_async,
 *   and whenever the mark would need a wait.
 * - anything else: sigil_sign's answer, given here (a refusal, or an
 *   identical request answered with its kept signature); res->after is
 *   then NULL. */
#define SIGIL_SIGN_PENDING 1
#define SIGIL_SIGN_WOULD_BLOCK 2
typedef void (*sigil_sign_done)(void *arg, int rc, struct sign_res *res);
__attribute__((warn_unused_result)) int
sigil_sign_start(struct sigil_ctx *ctx, const struct sign_request *req, struct sign_res *res,
                 sigil_sign_done done, void *arg);

/* sigil_sign for a thread that serves connections and must not wait: the
 * answer now (0 or an error code, res filled), or SIGIL_SIGN_PENDING: then
 * done(arg, rc, res) is called once, later, from another thread (the
 * watermark store's, or one of the signing workers). What runs where is
 * decided here, not by the caller:
 * - a request without a consensus slot, for a key in a local vault and
 *   without authentication to check, is signed here at once;
 * - an Ed25519 consensus request of an in-memory key runs here up to its
 *   watermark write and is finished by the store's thread once the mark is
 *   durable, its nonce made here meanwhile (as with sigil_sign_start);
 * - everything else (authentication to check, a vault that may wait, a
 *   consensus mark that needs a wait) goes to a worker, from the stage it
 *   reached; while few jobs wait, this thread makes an Ed25519 nonce ahead.
 * req's strings must stay valid until done; its bytes are copied, and
 * req->nonce is not used (the pipeline makes its own). */
__attribute__((warn_unused_result)) int
sigil_sign_async(struct sigil_ctx *ctx, const struct sign_request *req, struct sign_res *res,
                 sigil_sign_done done, void *arg);
/* Stops the signing workers once every job queued has run (sigil_ctx_close
 * calls it: the server must have answered every pending request first). */
void sigil_sign_workers_stop(struct sigil_ctx *ctx);

/* Does and frees what res->after holds (may block on the log: run it
 * where blocking is allowed). NULL is allowed. */
void sigil_sign_after(struct sign_after *a);

/* The costly half of an Ed25519 signature ahead of time, for a request
 * that first waits on its durable watermark write (docs/ARCHITECTURE.md):
 * the thread that hands the request to a worker makes a nonce with
 * sigil_nonce_new, gives it to the worker in sign_request.nonce, and then,
 * while the worker writes the watermark, runs sigil_nonce_commit. That
 * computes only the nonce and its commitment R = rB (no signature: S,
 * which needs the key and comes after the watermark is durable, is what
 * signs). The worker's sigil_sign finishes the signature from it if it is
 * ready by then, and signs in one go if not. Whatever happens, the worker
 * calls sigil_nonce_drop once when its sigil_sign has returned. A commit
 * that comes after the drop does no work. The nonce lives in locked
 * memory and is wiped when the last of the two lets go. No nonce is made
 * for a key that asks for authentication: a caller who cannot be let in
 * gets no work done for it. */
struct sign_nonce *sigil_nonce_new(void);
void sigil_nonce_commit(struct sigil_ctx *ctx, const struct sign_request *req,
                        struct sign_nonce *n);
void sigil_nonce_drop(struct sign_nonce *n);

/* A BLS key's proof of possession, if its policy allows it:
 * SIGIL_E_UNKNOWN_KEY, SIGIL_E_INVALID for a key that is not BLS,
 * SIGIL_E_POLICY when allow_proof_of_possession is off. */
__attribute__((warn_unused_result)) int
sigil_prove_possession(struct sigil_ctx *ctx, const struct chain_ops *chain, const char *address,
                       const char *peer, struct sign_res *res);

#endif
