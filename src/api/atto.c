/* The Atto signer's HTTP API (atto.h), on sigil's one pipeline. */
#include "api/atto.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/atto_body.h"
#include "auth/token.h"
#include "base/deadline.h"
#include "base/errors.h"
#include "base/str.h"
#include "chain/atto/chain.h"
#include "core/sign.h"

/* {"message": msg}, as the signer's IllegalArgumentException handler. */
static void
atto_message(struct api_response *res, unsigned status, const char *msg)
{
	json_t *j = json_pack("{s:s}", "message", msg);
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	api_reply(res, s ? status : 500, s ? s : strdup("{\"message\":\"out of memory\"}"));
}

/* {"name":"hex"}: hex needs no escaping. */
static void
atto_field(struct api_response *res, const char *name, const char *hex)
{
	char *body = api_json_field(name, hex);

	if (body == NULL) {
		atto_message(res, 500, "out of memory");
		return;
	}
	api_reply(res, 200, body);
}

enum atto_route { ATTO_PUBLIC_KEYS, ATTO_SIGN, ATTO_BAD_METHOD, ATTO_NOT_FOUND };

static const struct {
	const char *path;
	enum atto_req req;
	const char *kind;       /* the atto chain's name for it */
	const char *what, *cap; /* the signer's words when it may not */
} atto_posts[] = {
	{"/blocks", ATTO_REQ_BLOCK, "block", "a block", "BLOCK"},
	{"/votes", ATTO_REQ_VOTE, "vote", "a vote", "VOTE"},
	{"/challenges", ATTO_REQ_CHALLENGE, "challenge", "a challenge", "CHALLENGE"},
};
#define ATTO_POSTS (sizeof(atto_posts) / sizeof(atto_posts[0]))

static enum atto_route
atto_route(const char *method, const char *url, size_t *post)
{
	bool get = strcmp(method, "GET") == 0, is_post = strcmp(method, "POST") == 0;

	if (strcmp(url, "/public-keys") == 0)
		return get ? ATTO_PUBLIC_KEYS : ATTO_BAD_METHOD;
	for (size_t i = 0; i < ATTO_POSTS; i++) {
		if (strcmp(url, atto_posts[i].path) == 0) {
			*post = i;
			return is_post ? ATTO_SIGN : ATTO_BAD_METHOD;
		}
	}
	return ATTO_NOT_FOUND;
}

bool
api_atto_check(void *ctx, const char *method, const char *url, size_t *max_body,
               struct api_response *res)
{
	size_t post = 0;

	(void)ctx;
	/* Anything but a GET goes to the handler, which checks the token
	 * before it routes (a POST to an unknown path without it is a 401,
	 * as the signer's filter answers). */
	if (strcmp(method, "GET") != 0) {
		if (*max_body > ATTO_BODY_MAX)
			*max_body = ATTO_BODY_MAX;
		return true;
	}
	*max_body = 0;
	if (atto_route(method, url, &post) == ATTO_NOT_FOUND) {
		atto_message(res, 404, "not found");
		return false;
	}
	return true;
}

/* A request waiting on the pipeline: the state its token was found in
 * stays held until the answer. */
struct atto_pending {
	struct sigil_ctx *ctx;
	struct sigil_state *st;
	struct api_async *a;
	double t0;
	char token[AUTH_TOKEN_NAME_MAX];
};

static void
atto_after(void *arg)
{
	sigil_sign_after(arg);
}

/* The pipeline's outcome as the Atto node reads it. */
static void
atto_sign_reply(struct atto_pending *p, int rc, struct sign_res *out, struct api_response *res)
{
	const char *why = out->reason[0] ? out->reason : sigil_strerror(rc);

	if (out->after) {
		res->after = atto_after;
		res->after_arg = out->after;
	}
	switch (rc) {
	case 0: atto_field(res, "signature", out->signature); break;
	case SIGIL_E_INVALID:
	case SIGIL_E_INCOMPLETE:
	case SIGIL_E_CHECKSUM:
	case SIGIL_E_TOO_BIG:
	case SIGIL_E_UNSUPPORTED: atto_message(res, 400, why); break;
	/* The node retries 408 and 429 only: a vault that is down for now, or
	 * slow, is worth a retry. */
	case SIGIL_E_NOT_READY:
	case SIGIL_E_TIMEOUT: atto_message(res, 429, why); break;
	case SIGIL_E_POLICY:
	case SIGIL_E_AUTH: atto_message(res, 403, why); break;
	case SIGIL_E_WATERMARK: atto_message(res, 409, why); break;
	case SIGIL_E_AUTH_REQUIRED: api_reply(res, 401, strdup("")); break;
	default: atto_message(res, 500, why); break;
	}
	metrics_count_status(&p->ctx->metrics, res->status);
	metrics_count_token(&p->ctx->metrics, p->token, res->status);
	metrics_hist_observe(&p->ctx->metrics.request_ms, sigil_monotonic_ms_f() - p->t0);
}

static void
atto_sign_done(void *arg, int rc, struct sign_res *out)
{
	struct atto_pending *p = arg;
	struct api_response res = {0};
	struct api_async *a = p->a;

	atto_sign_reply(p, rc, out, &res);
	sigil_state_release(p->st);
	free(p);
	api_async_done(a, &res);
}

/* The served key (atto_api.key) in st, or NULL. */
static const struct sigil_key *
atto_key(const struct sigil_state *st)
{
	const char *addr = st->cfg->atto_api.key;
	return addr ? sigil_find_key(st, &chain_atto, addr) : NULL;
}

/* POST /blocks, /votes, /challenges: st is held (and let go here or by
 * atto_sign_done), tok is the caller's token in it. */
static int
atto_sign(struct sigil_ctx *ctx, struct sigil_state *st, const struct auth_token *tok, size_t post,
          const struct api_request *req, struct api_response *res, struct api_async *a)
{
	const struct sigil_key *k = atto_key(st);
	struct atto_body *body = NULL;
	struct atto_pending *p = NULL;
	struct sign_res out;
	char reason[160], msg[96];
	double t0 = sigil_monotonic_ms_f();
	int kind = chain_atto.kind_from_name(atto_posts[post].kind), rc;

	if (k == NULL) {
		atto_message(res, 500, "the Atto API's key is not in any vault");
		goto out;
	}
	if ((body = malloc(sizeof(*body))) == NULL) {
		atto_message(res, 500, "out of memory");
		goto out;
	}
	/* The signer's order: the body, then the capability, then the key. */
	if ((rc = atto_body_parse(atto_posts[post].req, req->body, req->body_len, body, reason,
	                          sizeof(reason))) != 0) {
		atto_message(res, rc == SIGIL_E_TOO_BIG ? 413 : 400, reason);
		goto out;
	}
	if (kind < 0 || !auth_token_may_sign(tok, &chain_atto, (unsigned)kind) ||
	    !(k->policy->allow_kinds & (1u << (unsigned)kind))) {
		snprintf(msg, sizeof(msg), "Signing %s is not allowed. Capability %s is missing.",
		         atto_posts[post].what, atto_posts[post].cap);
		atto_message(res, 400, msg);
		goto out;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		atto_message(res, 500, "out of memory");
		goto out;
	}
	*p = (struct atto_pending){.ctx = ctx, .st = st, .a = a, .t0 = t0};
	str_copy(p->token, sizeof(p->token), tok->name);
	/* The strings live in st (held) or are static; the bytes are copied. */
	struct sign_request sr = {.api = "atto", .chain = &chain_atto, .address = k->address,
	                          .payload = body->bytes, .len = body->len,
	                          .kind = atto_posts[post].kind, .peer = req->peer,
	                          .token = tok->name, .bearer = tok, .bearer_only = true,
	                          .after_reply = true, .t0 = t0, .held = st};
	rc = sigil_sign_async(ctx, &sr, &out, atto_sign_done, p);
	free(body);
	if (rc == SIGIL_SIGN_PENDING)
		return API_PENDING; /* p, and the state it holds, are atto_sign_done's now */
	atto_sign_reply(p, rc, &out, res);
	free(p);
	sigil_state_release(st);
	return API_DONE;
out:
	free(body);
	metrics_count_status(&ctx->metrics, res->status);
	metrics_count_token(&ctx->metrics, tok->name, res->status);
	sigil_state_release(st);
	return API_DONE;
}

static void
atto_public_keys(struct sigil_ctx *ctx, struct api_response *res)
{
	struct sigil_state *st = sigil_ctx_hold(ctx);
	const struct sigil_key *k = atto_key(st);

	if (k == NULL)
		atto_message(res, 500, "the Atto API's key is not in any vault");
	else
		atto_field(res, "publicKey", k->public_key);
	sigil_state_release(st);
}

int
api_atto_handle(void *vctx, const struct api_request *req, struct api_response *res,
                struct api_async *a)
{
	struct sigil_ctx *ctx = vctx;
	struct sigil_state *st;
	const struct auth_token *tok = NULL;
	size_t post = 0;
	enum atto_route r;

	if (strcmp(req->method, "GET") != 0) {
		/* The signer's filter: every request but a GET shows the token
		 * first, whatever its path; none, or a wrong one, is a bare 401. */
		st = sigil_ctx_hold(ctx);
		tok = config_find_token(st->cfg, api_header(req, "Authorization"));
		if (tok == NULL) {
			atomic_fetch_add(&ctx->metrics.auth_failures, 1);
			metrics_count_status(&ctx->metrics, 401);
			sigil_state_release(st);
			api_reply(res, 401, strdup(""));
			return API_DONE;
		}
		if ((r = atto_route(req->method, req->url, &post)) == ATTO_SIGN)
			return atto_sign(ctx, st, tok, post, req, res, a);
		metrics_count_token(&ctx->metrics, tok->name, r == ATTO_BAD_METHOD ? 405 : 404);
		sigil_state_release(st);
	} else {
		r = atto_route(req->method, req->url, &post);
	}
	if (r == ATTO_PUBLIC_KEYS)
		atto_public_keys(ctx, res);
	else if (r == ATTO_BAD_METHOD)
		atto_message(res, 405, "method not allowed");
	else
		atto_message(res, 404, "not found");
	metrics_count_status(&ctx->metrics, res->status);
	return API_DONE;
}

/* UP when every vault and the watermark store can serve and sigild is not
 * draining, as sigil's /healthz. */
static bool
atto_up(struct sigil_ctx *ctx)
{
	struct sigil_state *st = sigil_ctx_hold(ctx);
	struct sigil_deadline dl = sigil_deadline_in(st->cfg->server.backend_timeout_ms);
	bool up = !atomic_load(&ctx->draining) && atto_key(st) != NULL &&
	          ctx->wm->ops->ready(ctx->wm, &dl) == 0;

	for (size_t i = 0; up && i < st->n_vaults; i++) {
		struct vault *v = st->vaults[i];
		up = !atomic_load(&st->vault_faulty[i]) && (v->ops->ready == NULL ||
		                                             v->ops->ready(v, &dl) == 0);
	}
	sigil_state_release(st);
	return up;
}

int
api_atto_management_handle(void *vctx, const struct api_request *req, struct api_response *res,
                           struct api_async *a)
{
	struct sigil_ctx *ctx = vctx;

	(void)a;
	if (strcmp(req->method, "GET") != 0) {
		atto_message(res, 405, "method not allowed");
	} else if (strcmp(req->url, "/health") == 0) {
		bool up = atto_up(ctx);
		api_reply(res, up ? 200 : 503,
		          strdup(up ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}"));
	} else if (strcmp(req->url, "/prometheus") == 0 || strcmp(req->url, "/metrics") == 0) {
		char *text = NULL;
		size_t len;
		int mrc = sigil_ctx_metrics_text(ctx, &text, &len);
		api_reply(res, mrc == 0 ? 200 : 500, text);
		res->content_type = "text/plain; version=0.0.4";
	} else {
		atto_message(res, 404, "not found");
	}
	return API_DONE;
}
