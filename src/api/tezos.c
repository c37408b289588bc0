#include "api/tezos.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "api/body.h"
#include "api/chains.h"
#include "api/status.h"
#include "api/ethrpc.h"
#include "api/v1.h"
#include "auth/token.h"
#include "chain/tezos/chain.h"
#include "chain/tezos/decode.h"
#include "chain/tezos/keys.h"
#include "base/deadline.h"
#include "base/errors.h"
#include "core/sign.h"

static void
api_reply_json(struct api_response *res, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;
	json_decref(j);
	if (s == NULL)
		api_reply_error(res, 500, "out of memory");
	else
		api_reply(res, 200, s);
}

/* {"name":"value"} for a base58 value (no escaping needed), without the
 * cost of building a JSON tree on the sign path. */
static void
api_reply_field(struct api_response *res, const char *name, const char *b58)
{
	char *body = api_json_field(name, b58);
	if (body == NULL) {
		api_reply_error(res, 500, "out of memory");
		return;
	}
	api_reply(res, 200, body);
}

static void
api_get_key(struct sigil_ctx *ctx, const char *address, struct api_response *res)
{
	struct sigil_state *st = sigil_ctx_hold(ctx);
	const struct sigil_key *k = sigil_find_key(st, &chain_tezos, address);
	if (k == NULL)
		api_reply_error(res, 404, "unknown key");
	else
		api_reply_field(res, "public_key", k->public_key);
	sigil_state_release(st);
}

/* The bytes to sign, hex-decoded from the body into a malloc'ed buffer. */
static int
api_sign_bytes(const struct api_request *req, uint8_t **data, size_t *len)
{
	/* The hex inside the body is at most half its size in bytes; a fixed
	 * TZ_REQUEST_MAX buffer would cost an mmap per request. */
	size_t cap = req->body_len / 2 + 1;
	int rc;

	if (cap > TZ_REQUEST_MAX)
		cap = TZ_REQUEST_MAX;
	if ((*data = malloc(cap)) == NULL)
		return SIGIL_E_NOMEM;
	if ((rc = api_parse_sign_body(req->body, req->body_len, *data, cap, len)) != 0) {
		free(*data);
		*data = NULL;
	}
	return rc;
}

static void
api_sign_after(void *arg)
{
	sigil_sign_after(arg);
}

/* The answer to a signing request from sigil_sign's outcome. */
static void
api_sign_reply(struct sigil_ctx *ctx, int rc, struct sign_res *out, struct api_response *res,
               double t0)
{
	if (out->after) {
		res->after = api_sign_after;
		res->after_arg = out->after;
	}
	if (rc != 0)
		api_reply_error(res, api_status_for(rc), out->reason[0] ? out->reason : sigil_strerror(rc));
	else
		api_reply_field(res, "signature", out->signature);
	metrics_count_status(&ctx->metrics, res->status);
	metrics_hist_observe(&ctx->metrics.request_ms, sigil_monotonic_ms_f() - t0);
}

/* A signing request left pending: its answer comes from another thread.
 * st: the state its bearer token was found in (auth.octez_requires_token),
 * held until the answer, or NULL. */
struct api_tezos_pending {
	struct sigil_ctx *ctx;
	struct sigil_state *st;
	struct api_async *a;
	double t0;
};

static void
api_tezos_done(void *arg, int rc, struct sign_res *out)
{
	struct api_tezos_pending *p = arg;
	struct api_response res = {0};

	api_sign_reply(p->ctx, rc, out, &res, p->t0);
	struct api_async *a = p->a;
	if (p->st != NULL)
		sigil_state_release(p->st);
	free(p);
	api_async_done(a, &res);
}

/* With auth.octez_requires_token: the caller's token, found in a state
 * held in *st (the caller releases it), or NULL with *st NULL when the
 * config asks for none. SIGIL_E_AUTH_REQUIRED when one is needed and
 * missing or unknown. */
static int
api_octez_token(struct sigil_ctx *ctx, const struct api_request *req, struct sigil_state **st,
                const struct auth_token **tok)
{
	*tok = NULL;
	*st = sigil_ctx_hold(ctx);
	if (!(*st)->cfg->auth.octez_requires_token) {
		sigil_state_release(*st);
		*st = NULL;
		return 0;
	}
	*tok = config_find_token((*st)->cfg, api_header(req, "Authorization"));
	if (*tok != NULL)
		return 0;
	atomic_fetch_add(&ctx->metrics.auth_failures, 1);
	sigil_state_release(*st);
	*st = NULL;
	return SIGIL_E_AUTH_REQUIRED;
}

/* POST /keys/{pkh}: the pipeline answers now or later (core/sign.h). */
static int
api_post_key(struct sigil_ctx *ctx, const struct api_request *req, const char *address,
             struct api_response *res, struct api_async *a)
{
	struct sign_request sr = {.api = "tezos", .chain = &chain_tezos, .address = address,
	                          .peer = req->peer, .after_reply = true};
	struct api_tezos_pending *p = NULL;
	struct sign_res out;
	uint8_t *data = NULL;
	size_t len;
	double t0 = sigil_monotonic_ms_f();
	int rc;

	if ((rc = api_sign_bytes(req, &data, &len)) == SIGIL_E_NOMEM) {
		api_reply_error(res, 500, "out of memory");
		goto out;
	}
	if (rc != 0) {
		api_reply_error(res, api_status_for(rc),
		                rc == SIGIL_E_TOO_BIG ? "request too large"
		                                      : "body must be a JSON string of hex bytes");
		goto out;
	}
	if ((rc = api_parse_version(api_query(req, "version"), &sr.version)) != 0) {
		api_reply_error(res, 400, "version must be 0, 1 or 2");
		goto out;
	}
	if ((p = malloc(sizeof(*p))) == NULL) {
		api_reply_error(res, 500, "out of memory");
		goto out;
	}
	*p = (struct api_tezos_pending){.ctx = ctx, .a = a, .t0 = t0};
	sr.t0 = t0;
	if (api_octez_token(ctx, req, &p->st, &sr.bearer) != 0) {
		free(p);
		api_reply_error(res, 401, "a token is needed (Authorization: Bearer …)");
		goto out;
	}
	if (sr.bearer != NULL)
		sr.token = sr.bearer->name;
	sr.payload = data;
	sr.len = len;
	sr.auth = api_query(req, "authentication");
	rc = sigil_sign_async(ctx, &sr, &out, api_tezos_done, p);
	free(data);
	if (rc == SIGIL_SIGN_PENDING)
		return API_PENDING; /* p is api_tezos_done's now */
	if (p->st != NULL)
		sigil_state_release(p->st);
	free(p);
	api_sign_reply(ctx, rc, &out, res, t0);
	return API_DONE;
out:
	free(data);
	metrics_count_status(&ctx->metrics, res->status);
	metrics_hist_observe(&ctx->metrics.request_ms, sigil_monotonic_ms_f() - t0);
	return API_DONE;
}

static void
api_authorized_keys(struct sigil_ctx *ctx, struct api_response *res)
{
	struct sigil_state *st = sigil_ctx_hold(ctx);
	const struct config_server *s = &st->cfg->server;
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < s->n_authorized_keys; i++) {
		uint8_t pkh[TZ_PKH_LEN];
		char addr[TZ_B58_MAX];
		tz_pkh(s->authorized_keys[i].pk, s->authorized_keys[i].pk_len, pkh);
		if (tz_pkh_encode(s->authorized_keys[i].type, pkh, addr, sizeof(addr)) == 0)
			json_array_append_new(arr, json_string(addr));
	}
	sigil_state_release(st);
	/* octez answers {} when authentication is off. */
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		api_reply_json(res, json_object());
	} else {
		api_reply_json(res, json_pack("{s:o}", "authorized_keys", arr));
	}
}

static void
api_known_keys(struct sigil_ctx *ctx, struct api_response *res)
{
	struct sigil_state *st = sigil_ctx_hold(ctx);
	if (!st->cfg->server.allow_list_known_keys) {
		sigil_state_release(st);
		api_reply_error(res, 403, "listing keys is not allowed");
		return;
	}
	json_t *arr = json_array();
	for (size_t i = 0; arr && i < st->n_keys; i++)
		if (st->keys[i].chain == &chain_tezos)
			json_array_append_new(arr, json_string(st->keys[i].address));
	sigil_state_release(st);
	api_reply_json(res, json_pack("{s:o}", "known_keys", arr));
}

static void
api_pop(struct sigil_ctx *ctx, const struct api_request *req, const char *address,
        struct api_response *res)
{
	struct sign_res out;
	int rc = sigil_prove_possession(ctx, &chain_tezos, address, req->peer, &out);
	if (rc != 0)
		api_reply_error(res, api_status_for(rc), out.reason[0] ? out.reason : sigil_strerror(rc));
	else
		api_reply_json(res, json_pack("{s:s}", "bls_prove_possession", out.signature));
}

enum api_tezos_route {
	API_GET_KEY, API_POST_KEY, API_AUTHORIZED_KEYS, API_KNOWN_KEYS, API_POP, API_CHAINS,
	API_V1, API_ETHRPC, API_BAD_METHOD, API_NOT_FOUND,
};

/* The one place that maps a method and URL to what answers them: both the
 * check before the body and the handler after it go by it. */
static enum api_tezos_route
api_tezos_route(const char *method, const char *url)
{
	bool get = strcmp(method, "GET") == 0, post = strcmp(method, "POST") == 0;

	if (strncmp(url, "/keys/", 6) == 0 && strchr(url + 6, '/') == NULL)
		return get ? API_GET_KEY : post ? API_POST_KEY : API_BAD_METHOD;
	if (strcmp(url, "/authorized_keys") == 0 && get)
		return API_AUTHORIZED_KEYS;
	if (strcmp(url, "/known_keys") == 0 && get)
		return API_KNOWN_KEYS;
	if (strncmp(url, "/bls_prove_possession/", 22) == 0 && get)
		return API_POP;
	if (api_chains_match(url))
		return API_CHAINS;
	if (api_v1_match(url))
		return API_V1;
	if (api_ethrpc_match(url))
		return API_ETHRPC;
	return API_NOT_FOUND;
}

bool
api_tezos_check(void *vctx, const char *method, const char *url, size_t *max_body,
                struct api_response *res)
{
	(void)vctx;
	switch (api_tezos_route(method, url)) {
	case API_POST_KEY:
	case API_CHAINS:
		return true;
	case API_V1:
		return api_v1_check(method, url, max_body, res);
	case API_ETHRPC:
		return api_ethrpc_check(method, max_body, res);
	case API_BAD_METHOD:
		api_reply_error(res, 405, "method not allowed");
		return false;
	case API_NOT_FOUND:
		api_reply_error(res, 404, "not found");
		return false;
	default:
		*max_body = 0; /* a GET: a body would only be thrown away */
		return true;
	}
}

int
api_tezos_handle(void *vctx, const struct api_request *req, struct api_response *res,
                 struct api_async *a)
{
	struct sigil_ctx *ctx = vctx;

	switch (api_tezos_route(req->method, req->url)) {
	case API_GET_KEY:
		api_get_key(ctx, req->url + 6, res);
		break;
	case API_POST_KEY:
		return api_post_key(ctx, req, req->url + 6, res, a);
	case API_AUTHORIZED_KEYS:
		api_authorized_keys(ctx, res);
		break;
	case API_KNOWN_KEYS:
		api_known_keys(ctx, res);
		break;
	case API_POP:
		api_pop(ctx, req, req->url + 22, res);
		break;
	case API_CHAINS:
		api_chains_handle(ctx, req, res);
		break;
	case API_V1:
		return api_v1_handle(ctx, req, res, a);
	case API_ETHRPC:
		api_ethrpc_handle(ctx, req, res);
		break;
	case API_BAD_METHOD:
		api_reply_error(res, 405, "method not allowed");
		break;
	case API_NOT_FOUND:
		api_reply_error(res, 404, "not found");
		break;
	}
	return API_DONE;
}

/* "vault NAME", and why it cannot sign where it says. */
static json_t *
api_vault_not_ready(struct vault *v, const char *name)
{
	char why[192];

	if (v->ops->why_not_ready && v->ops->why_not_ready(v, why, sizeof(why)) > 0)
		return json_sprintf("vault %s: %s", name, why);
	return json_sprintf("vault %s", name);
}

int
api_utility_handle(void *vctx, const struct api_request *req, struct api_response *res,
                   struct api_async *a)
{
	struct sigil_ctx *ctx = vctx;

	(void)a;
	if (strcmp(req->method, "GET") != 0) {
		api_reply_error(res, 405, "method not allowed");
	} else if (strcmp(req->url, "/healthz") == 0) {
		json_t *bad = json_array();
		struct sigil_state *st = sigil_ctx_hold(ctx);
		/* A back end that cannot say within its deadline is not ready. */
		struct sigil_deadline dl =
			sigil_deadline_in(st->cfg->server.backend_timeout_ms);
		for (size_t i = 0; i < st->n_vaults; i++) {
			struct vault *v = st->vaults[i];
			if (atomic_load(&st->vault_faulty[i]))
				json_array_append_new(
					bad, json_sprintf("vault %s: a signature failed its check "
					                  "(verify_signatures); reload to sign again",
					                  st->cfg->vaults[i].name));
			else if (v->ops->ready && v->ops->ready(v, &dl) != 0)
				json_array_append_new(bad, api_vault_not_ready(v, st->cfg->vaults[i].name));
		}
		if (ctx->wm->ops->ready(ctx->wm, &dl) != 0) {
			char why[256] = "";
			if (ctx->wm->ops->why != NULL)
				ctx->wm->ops->why(ctx->wm, why, sizeof(why));
			json_array_append_new(bad, why[0] ? json_sprintf("watermark store: %s", why)
			                                  : json_string("watermark store"));
		}
		if (atomic_load(&ctx->draining))
			json_array_append_new(bad, json_string("draining"));
		sigil_state_release(st);
		if (json_array_size(bad) == 0) {
			json_decref(bad);
			api_reply_json(res, json_pack("{s:b}", "ready", 1));
		} else {
			json_t *j = json_pack("{s:b, s:o}", "ready", 0, "not_ready", bad);
			api_reply_json(res, j);
			res->status = 503;
		}
	} else if (strcmp(req->url, "/metrics") == 0) {
		char *text = NULL;
		size_t len;
		int mrc = sigil_ctx_metrics_text(ctx, &text, &len);
		api_reply(res, mrc == 0 ? 200 : 500, text);
		res->content_type = "text/plain; version=0.0.4";
	} else {
		api_reply_error(res, 404, "not found");
	}
	return API_DONE;
}
