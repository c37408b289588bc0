/* Ethereum JSON-RPC (ethrpc.h). */
#include "api/ethrpc.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "auth/token.h"
#include "base/errors.h"
#include "base/hex.h"
#include "chain/ethereum/chain.h"
#include "chain/ethereum/rpc_tx.h"
#include "chain/ethereum/tx.h"
#include "core/sign.h"

/* JSON-RPC's codes, and EIP-1193's for a refusal. */
#define RPC_PARSE_ERROR (-32700)
#define RPC_INVALID_REQUEST (-32600)
#define RPC_METHOD_NOT_FOUND (-32601)
#define RPC_INVALID_PARAMS (-32602)
#define RPC_SERVER_ERROR (-32000)
#define RPC_UNAUTHORIZED 4100

bool
api_ethrpc_match(const char *url)
{
	return strcmp(url, API_ETHRPC_PATH) == 0;
}

bool
api_ethrpc_check(const char *method, size_t *max_body, struct api_response *res)
{
	(void)max_body;
	if (strcmp(method, "POST") != 0) {
		api_reply_error(res, 405, "method not allowed");
		return false;
	}
	return true;
}

static json_t *
rpc_error(const json_t *id, int code, const char *msg)
{
	return json_pack("{s:s,s:O,s:{s:i,s:s}}", "jsonrpc", "2.0", "id", id ? id : json_null(),
	                 "error", "code", code, "message", msg);
}

static json_t *
rpc_result(const json_t *id, json_t *result)
{
	return json_pack("{s:s,s:O,s:o}", "jsonrpc", "2.0", "id", id ? id : json_null(), "result",
	                 result);
}

struct rpc_call {
	struct sigil_ctx *ctx;
	struct sigil_state *st;
	const struct auth_token *tok;
	const char *peer;
	const json_t *id;
};

/* The configured Ethereum key whose address is text (any case), in its
 * EIP-55 form; NULL when there is none the token may use. */
static const char *
rpc_account(const struct rpc_call *c, const char *text)
{
	for (size_t i = 0; text != NULL && i < c->st->n_keys; i++) {
		const struct sigil_key *k = &c->st->keys[i];
		if (k->chain == &chain_ethereum && strcasecmp(k->address, text) == 0 &&
		    auth_token_may_use(c->tok, k->address, NULL))
			return k->address;
	}
	return NULL;
}

static json_t *
rpc_accounts(const struct rpc_call *c)
{
	json_t *a = json_array();
	for (size_t i = 0; a && i < c->st->n_keys; i++) {
		const struct sigil_key *k = &c->st->keys[i];
		if (k->chain == &chain_ethereum && auth_token_may_use(c->tok, k->address, NULL))
			json_array_append_new(a, json_string(k->address));
	}
	return rpc_result(c->id, a);
}

/* Signs payload as a request of kind for account: the signature's text (or,
 * for a transaction, the signed one) as the call's result. */
static json_t *
rpc_sign(const struct rpc_call *c, const char *account, const char *kind, const uint8_t *payload,
         size_t len)
{
	const char *address = rpc_account(c, account);
	struct sign_res out;
	char *signed_tx = NULL;
	int rc;

	if (address == NULL)
		return rpc_error(c->id, RPC_UNAUTHORIZED, "unknown account, or not one this token "
		                                          "may use");
	struct sign_request sr = {.api = "ethereum-rpc", .chain = &chain_ethereum,
	                          .address = address, .payload = payload, .len = len,
	                          .peer = c->peer, .kind = kind, .token = c->tok->name,
	                          .bearer = c->tok, .bearer_only = true};
	rc = sigil_sign(c->ctx, &sr, &out);
	if (rc != 0)
		return rpc_error(c->id,
		                 rc == SIGIL_E_POLICY || rc == SIGIL_E_AUTH ? RPC_UNAUTHORIZED
		                 : rc == SIGIL_E_INVALID || rc == SIGIL_E_TOO_BIG ? RPC_INVALID_PARAMS
		                                                                  : RPC_SERVER_ERROR,
		                 out.reason[0] ? out.reason : sigil_strerror(rc));
	if (strcmp(kind, "transaction") != 0)
		return rpc_result(c->id, json_string(out.signature));
	rc = chain_ethereum.signed_payload(payload, len, kind, out.sig, out.sig_len, &signed_tx);
	if (rc != 0)
		return rpc_error(c->id, RPC_SERVER_ERROR, sigil_strerror(rc));
	json_t *r = rpc_result(c->id, json_string(signed_tx));
	free(signed_tx);
	return r;
}

/* A message parameter: 0x-hex bytes, or else the text itself. */
static int
rpc_message(const json_t *v, uint8_t **out, size_t *len)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;
	size_t n;

	*out = NULL;
	if (s == NULL)
		return SIGIL_E_INVALID;
	n = strlen(s);
	if ((*out = malloc(n + 1)) == NULL)
		return SIGIL_E_NOMEM;
	if (n >= 2 && s[0] == '0' && s[1] == 'x' && n % 2 == 0 &&
	    hex_decode(s + 2, n - 2, *out, n + 1, len) == 0)
		return 0;
	memcpy(*out, s, n);
	*len = n;
	return 0;
}

static json_t *
rpc_dispatch(const struct rpc_call *c, const char *m, const json_t *params)
{
	const json_t *p0 = json_array_get(params, 0), *p1 = json_array_get(params, 1);
	uint64_t chain_id = c->st->cfg->server.ethereum_chain_id;
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *r;
	char tmp[32];

	if (strcmp(m, "eth_chainId") == 0) {
		snprintf(tmp, sizeof(tmp), "0x%llx", (unsigned long long)chain_id);
		return rpc_result(c->id, json_string(tmp));
	}
	if (strcmp(m, "net_version") == 0) {
		snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)chain_id);
		return rpc_result(c->id, json_string(tmp));
	}
	if (strcmp(m, "eth_accounts") == 0 || strcmp(m, "eth_requestAccounts") == 0)
		return rpc_accounts(c);
	if (strcmp(m, "personal_sign") == 0 || strcmp(m, "eth_sign") == 0) {
		/* personal_sign [message, account]; eth_sign [account, message]. */
		const json_t *msg = m[1] == 'e' ? p0 : p1, *acct = m[1] == 'e' ? p1 : p0;
		if (!json_is_string(acct) || rpc_message(msg, &buf, &len) != 0) {
			free(buf);
			return rpc_error(c->id, RPC_INVALID_PARAMS, "params: a message and an account");
		}
		r = rpc_sign(c, json_string_value(acct), "message", buf, len);
		free(buf);
		return r;
	}
	if (strcmp(m, "eth_signTypedData_v4") == 0) {
		/* [account, the document as a JSON string or an object] */
		char *doc = json_is_string(p1) ? strdup(json_string_value(p1))
		            : json_is_object(p1) ? json_dumps(p1, JSON_COMPACT)
		                                 : NULL;
		if (!json_is_string(p0) || doc == NULL) {
			free(doc);
			return rpc_error(c->id, RPC_INVALID_PARAMS, "params: an account and typed data");
		}
		r = rpc_sign(c, json_string_value(p0), "typed_data", (const uint8_t *)doc,
		             strlen(doc));
		free(doc);
		return r;
	}
	if (strcmp(m, "eth_signTransaction") == 0) {
		char from[ETH_ADDR_TEXT], reason[160] = "";
		size_t cap = ETH_TX_MAX;
		if ((buf = malloc(cap)) == NULL)
			return rpc_error(c->id, RPC_SERVER_ERROR, "out of memory");
		if (eth_tx_from_rpc(p0, chain_id, buf, cap, &len, from, reason, sizeof(reason)) != 0 ||
		    from[0] == '\0') {
			free(buf);
			return rpc_error(c->id, RPC_INVALID_PARAMS,
			                 reason[0] ? reason : "the transaction needs from");
		}
		r = rpc_sign(c, from, "transaction", buf, len);
		free(buf);
		return r;
	}
	return rpc_error(c->id, RPC_METHOD_NOT_FOUND,
	                 "sigil signs; it does not answer this method (no node behind it)");
}

static json_t *
rpc_one(struct rpc_call *c, const json_t *call)
{
	const char *method = NULL;
	const json_t *params;

	c->id = json_object_get(call, "id");
	if (!json_is_object(call) ||
	    !json_is_string(json_object_get(call, "method")) ||
	    ((params = json_object_get(call, "params")) != NULL && !json_is_array(params)))
		return rpc_error(c->id, RPC_INVALID_REQUEST, "a call is {jsonrpc, id, method, params}");
	method = json_string_value(json_object_get(call, "method"));
	return rpc_dispatch(c, method, params);
}

void
api_ethrpc_handle(struct sigil_ctx *ctx, const struct api_request *req, struct api_response *res)
{
	struct rpc_call c = {.ctx = ctx, .peer = req->peer};
	json_error_t jerr;
	json_t *body, *reply = NULL;

	c.st = sigil_ctx_hold(ctx);
	c.tok = config_find_token(c.st->cfg, api_header(req, "Authorization"));
	if (c.tok == NULL) {
		atomic_fetch_add(&ctx->metrics.auth_failures, 1);
		json_t *e = rpc_error(NULL, RPC_UNAUTHORIZED, "a token is needed (Authorization: "
		                                              "Bearer …)");
		char *s = e ? json_dumps(e, JSON_COMPACT) : NULL;
		json_decref(e);
		api_reply(res, 401, s);
		goto out;
	}
	body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (body == NULL) {
		reply = rpc_error(NULL, RPC_PARSE_ERROR, "not JSON");
	} else if (json_is_array(body)) {
		size_t i, n = json_array_size(body);
		json_t *call;
		if (n == 0 || n > API_ETHRPC_BATCH_MAX) {
			reply = rpc_error(NULL, RPC_INVALID_REQUEST, "a batch holds 1 to 64 calls");
		} else {
			reply = json_array();
			json_array_foreach(body, i, call)
				json_array_append_new(reply, rpc_one(&c, call));
		}
	} else {
		reply = rpc_one(&c, body);
	}
	json_decref(body);
	char *s = reply ? json_dumps(reply, JSON_COMPACT) : NULL;
	json_decref(reply);
	if (s == NULL)
		api_reply_error(res, 500, "out of memory");
	else
		api_reply(res, 200, s);
out:
	metrics_count_status(&ctx->metrics, res->status);
	if (c.tok != NULL)
		metrics_count_token(&ctx->metrics, c.tok->name, res->status);
	sigil_state_release(c.st);
}
