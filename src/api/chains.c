#include "api/chains.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/body.h"
#include "api/status.h"
#include "base/errors.h"
#include "chain/chain.h"
#include "core/sign.h"

bool
api_chains_match(const char *url)
{
#ifdef SIGIL_TEST_HOOKS
	return strncmp(url, API_CHAINS_PREFIX, strlen(API_CHAINS_PREFIX)) == 0;
#else
	(void)url;
	return false;
#endif
}

/* "/chains/{chain}/keys/{address}" into chain name and address (copied
 * into the caller's buffers); false when the URL has another shape. */
static bool
api_chains_split(const char *url, char *chain, size_t ccap, char *address, size_t acap)
{
	const char *c = url + strlen(API_CHAINS_PREFIX), *slash = strchr(c, '/');
	const char *a;

	if (slash == NULL || (size_t)(slash - c) >= ccap || strncmp(slash, "/keys/", 6) != 0)
		return false;
	a = slash + 6;
	if (*a == '\0' || strchr(a, '/') != NULL || strlen(a) >= acap)
		return false;
	memcpy(chain, c, (size_t)(slash - c));
	chain[slash - c] = '\0';
	memcpy(address, a, strlen(a) + 1);
	return true;
}

static void
api_chains_reply(struct api_response *res, const char *signature)
{
	char *body = api_json_field("signature", signature);

	if (body == NULL) {
		api_reply_error(res, 500, "out of memory");
		return;
	}
	api_reply(res, 200, body);
}

void
api_chains_handle(struct sigil_ctx *ctx, const struct api_request *req, struct api_response *res)
{
	char name[64], address[CHAIN_ADDRESS_MAX];
	const struct chain_ops *chain;
	struct sign_request sr = {.peer = req->peer};
	struct sign_res out;
	uint8_t *data = NULL;
	size_t cap = req->body_len / 2 + 1, len;
	int rc;

	if (!api_chains_split(req->url, name, sizeof(name), address, sizeof(address))) {
		api_reply_error(res, 404, "not found");
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		api_reply_error(res, 405, "method not allowed");
		return;
	}
	/* Tezos has its own protocol, with its own authentication. */
	if ((chain = chain_find(name)) == NULL || strcmp(name, "tezos") == 0) {
		api_reply_error(res, 404, "unknown chain");
		return;
	}
	if ((data = malloc(cap)) == NULL) {
		api_reply_error(res, 500, "out of memory");
		return;
	}
	if ((rc = api_parse_sign_body(req->body, req->body_len, data, cap, &len)) != 0) {
		free(data);
		api_reply_error(res, api_status_for(rc), rc == SIGIL_E_TOO_BIG
		                                             ? "request too large"
		                                             : "body must be a JSON string of hex bytes");
		return;
	}
	sr.api = "chains";
	sr.chain = chain;
	sr.address = address;
	sr.payload = data;
	sr.len = len;
	rc = sigil_sign(ctx, &sr, &out);
	free(data);
	if (rc != 0)
		api_reply_error(res, api_status_for(rc), out.reason[0] ? out.reason : sigil_strerror(rc));
	else
		api_chains_reply(res, out.signature);
	metrics_count_status(&ctx->metrics, res->status);
}
