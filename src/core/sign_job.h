/* Private to src/core: the signing job that sign.c runs through its stages
 * and sign_async.c schedules (sign.h says what each entry point does). */
#ifndef SIGIL_CORE_SIGN_JOB_H
#define SIGIL_CORE_SIGN_JOB_H
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/deadline.h"
#include "base/workq.h"
#include "core/sign.h"
#include "policy/routes.h"
#include "watermark/watermark.h"

/* A nonce made ahead (sign.h): see the state machine in sign.c. */
enum { NONCE_BUSY, NONCE_READY, NONCE_NONE, NONCE_GONE };

struct sign_nonce {
	_Atomic int state;
	const struct sigil_key *key_of; /* compared, never followed */
	uint8_t id[CHAIN_KEY_ID_LEN];
	uint8_t n[SIGIL_ED25519_NONCE_LEN];
	struct sign_nonce *next;
};

/* ---- the job ---------------------------------------------------------- */

enum sign_stage {
	STAGE_ADMIT,     /* key, authentication, decoding, policy */
	STAGE_WATERMARK, /* consensus requests: the durable mark */
	STAGE_RESUMED,   /* the mark is durable (or failed): the store's thread */
	STAGE_SIGN,      /* the vault's signature, unless one was kept */
	STAGE_ENCODE,    /* the signature as the chain writes it */
	STAGE_DONE,
};

/* What sign_run returns besides a request's outcome (0 or an error). */
#define SIGN_PENDING 1     /* waiting on the store: the job is its now */
#define SIGN_WOULD_BLOCK 2 /* stopped before anything was done */

struct sign_job {
	struct wm_async w;            /* first: the store hands it back */
	struct workq_item it;         /* a worker's job (sigil_sign_async) */
	bool own_nonce;               /* req.nonce is the job's: dropped at its end */
	struct sigil_ctx *ctx;
	struct sigil_state *st;       /* held until the job ends */
	struct sign_request req;
	const struct sigil_key *k;    /* st's */
	struct sign_intent in;
	bool decoded;
	const struct route *route;    /* st's: the route that took it, or NULL */
	bool may_block;               /* sigil_sign, or the store's thread */
	/* STAGE_SIGN may hand the call to a vault that answers later
	 * (vault_ops.sign_async) rather than wait for it: set by the threads
	 * that must not block, never on a worker. */
	bool async_vault;
	struct vault_async va;        /* the vault's call back (sign_async.c) */
	struct vault_sig vsig;        /* what it signs into */
	double tv;                    /* when the vault's call began */
	bool reuse;                   /* identical: mark.sig is the answer */
	bool parts_done;              /* sign_parts wrote res.signed_text */
	enum sign_stage stage;
	int rc;                       /* the store's outcome, at STAGE_RESUMED */
	struct wm_id id;
	struct wm_mark mark;
	struct sigil_deadline dl;
	double t0;
	sigil_sign_done done;         /* sigil_sign_start's continuation */
	void *arg;
	struct sign_res res;
	uint8_t bytes[];              /* sigil_sign_start's copy of the payload */
};

/* Every call into a back end that may leave the machine has this long. */
#define SIGN_BACKEND_DEADLINE_MS(st) ((uint64_t)(st)->cfg->server.backend_timeout_ms)

/* sign.c: the stages and what they share. */
bool sign_in_memory(const struct sigil_key *k);
/* A key whose vault can sign without blocking its caller (sign_async). */
bool sign_vault_async(const struct sigil_key *k);
/* The end of a vault's sign_async for j: the signature into j->mark, the
 * vault's latency measured; rc, or another error (with its reason). */
int sign_vault_finish(struct sign_job *j, int rc);
bool sign_needs_auth(const struct sigil_state *st, const struct sigil_key *k);
void nonce_put(struct sign_nonce *n);
/* Commits n for key k and message msg (k NULL: nothing to commit); leaves
 * it READY or NONE. */
void nonce_commit_for(const struct sigil_key *k, const uint8_t *msg, size_t len,
                      struct sign_nonce *n);
void sign_job_init(struct sign_job *j, struct sigil_ctx *ctx, const struct sign_request *req,
                   bool may_block);
/* STAGE_ADMIT: key, authentication, decoding, policy. */
int sign_admit(struct sign_job *j);
/* The stages from j->stage on: the outcome, or SIGN_PENDING /
 * SIGN_WOULD_BLOCK. */
int sign_run(struct sign_job *j);
/* The audit line (now, or in res->after when defer), and the state let go. */
void sign_conclude(struct sign_job *j, int rc, bool defer);
/* sign_line.c: milliseconds as the audit line writes them ("%.3f"). */
void sign_ms_text(double ms, char *out, size_t cap);

#endif
