/* The one path every Tezos signature takes (docs/ARCHITECTURE.md):
 * key → auth → decode → policy → watermark → vault → audit. */
#ifndef SIGIL_SIGN_H
#define SIGIL_SIGN_H
#include <stddef.h>
#include <stdint.h>

#include "chain/tezos/b58.h"
#include "core/context.h"

struct sign_nonce;

struct sign_req {
	const char *address;  /* tz1… from the URL */
	const uint8_t *data;  /* the bytes to sign, magic byte first */
	size_t len;
	int version;          /* 0..2; selects the BLS scheme only */
	const char *auth;     /* the authentication query argument, or NULL */
	const char *peer;     /* caller address for the audit log */
	/* Optional: an Ed25519 nonce commitment for these bytes, made by
	 * another thread meanwhile (sigil_nonce_commit); used if ready. */
	struct sign_nonce *nonce;
	/* The caller runs sigil_sign_after(res->after) once it has replied. */
	bool after_reply;
};

struct sign_after;

struct sign_res {
	char signature[TZ_B58_MAX]; /* edsig…/spsig1…/p2sig…/BLsig… */
	char reason[160];           /* why it was refused; secret-free */
	bool ahead;                 /* finished from sign_req.nonce */
	/* With sign_req.after_reply: what is left to do once the reply is
	 * out (the audit line), or NULL when sigil_sign did it all. A
	 * signature that must be kept for identical requests is stored
	 * before sigil_sign returns (watermark.h), never after the reply. */
	struct sign_after *after;
};

/* 0 with res->signature set, or an error code (api_status_for maps it)
 * with res->reason explaining. Works on a held state (sigil_ctx_hold), no lock. */
__attribute__((warn_unused_result)) int
sigil_sign(struct sigil_ctx *ctx, const struct sign_req *req, struct sign_res *res);
/* sigil_sign in two halves, for a thread that must not block (an HTTP
 * thread). It runs the request up to its watermark write, and then:
 * - SIGIL_SIGN_PENDING: the request waits for its mark to become durable
 *   on the watermark store's own thread, which finishes it there (the
 *   signature, with sign_req.nonce if ready) and calls done(arg, rc, res)
 *   once, res as sigil_sign's (after included). req's strings and nonce
 *   must stay valid until then; its bytes are copied.
 * - SIGIL_SIGN_WOULD_BLOCK: nothing was done or logged; run sigil_sign on
 *   a thread that may block. That is the answer for any key but an Ed25519
 *   one that its vault signs in memory, for a store without
 *   check_advance_async, and whenever the mark would need a wait.
 * - anything else: sigil_sign's answer, given here (a refusal, or an
 *   identical request answered with its kept signature); res->after is
 *   then NULL.
 * The request holds its state until done has run. */
#define SIGIL_SIGN_PENDING 1
#define SIGIL_SIGN_WOULD_BLOCK 2
typedef void (*sigil_sign_done)(void *arg, int rc, struct sign_res *res);
__attribute__((warn_unused_result)) int
sigil_sign_start(struct sigil_ctx *ctx, const struct sign_req *req, struct sign_res *res,
                 sigil_sign_done done, void *arg);

/* Does and frees what res->after holds (may block on the watermark store:
 * run it where blocking is allowed). NULL is allowed. */
void sigil_sign_after(struct sign_after *a);

/* The costly half of an Ed25519 signature ahead of time, for a request
 * that first waits on its durable watermark write (docs/ARCHITECTURE.md):
 * the thread that hands the request to a worker makes a nonce with
 * sigil_nonce_new, gives it to the worker in sign_req.nonce, and then, while
 * the worker writes the watermark, runs sigil_nonce_commit. That computes
 * only the nonce and its commitment R = rB (no signature: S, which needs
 * the key and comes after the watermark is durable, is what signs). The
 * worker's sigil_sign finishes the signature from it if it is ready by
 * then, and signs in one go if not. Whatever happens, the worker calls
 * sigil_nonce_drop once when its sigil_sign has returned. The same goes for
 * sigil_sign_start: its caller commits the nonce once the request is
 * pending, and its done drops it, the signature being made. A commit
 * that comes after the drop does no work. The nonce lives in locked memory
 * and is wiped when the last of the two lets go. No nonce
 * is made for a key that asks for authentication when the request carries
 * none: a caller who cannot be let in gets no work done for it. */
struct sign_nonce *sigil_nonce_new(void);
void sigil_nonce_commit(struct sigil_ctx *ctx, const struct sign_req *req, struct sign_nonce *n);
void sigil_nonce_drop(struct sign_nonce *n);

/* A tz4 key's proof of possession (BLsig…), if its policy allows it:
 * SIGIL_E_UNKNOWN_KEY, SIGIL_E_INVALID for a key that is not tz4,
 * SIGIL_E_POLICY when allow_proof_of_possession is off. */
__attribute__((warn_unused_result)) int
sigil_prove_possession(struct sigil_ctx *ctx, const char *address, const char *peer,
                       struct sign_res *res);

#endif
