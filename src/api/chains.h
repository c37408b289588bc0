/* Signing for the chains other than Tezos, in builds with SIGIL_TEST_HOOKS
 * only, until the v1 API takes them: POST /chains/{chain}/keys/{address}
 * with a JSON string of hex bytes as body, answered {"signature": "…"} in
 * the chain's own form, or an error as octez writes them. It goes through
 * the same pipeline as every other request (core/sign.h); the tests' second
 * chain (chain/raw/raw.h) signs over it. */
#ifndef SIGIL_API_CHAINS_H
#define SIGIL_API_CHAINS_H
#include <stdbool.h>

#include "api/server.h"
#include "core/context.h"

#define API_CHAINS_PREFIX "/chains/"

/* Whether url is one of this route's. */
bool api_chains_match(const char *url);
void api_chains_handle(struct sigil_ctx *ctx, const struct api_request *req,
                       struct api_response *res);

#endif
