/* The octez-signer HTTP protocol and the utility endpoints. */
#ifndef SIGIL_API_TEZOS_H
#define SIGIL_API_TEZOS_H
#include "api/server.h"
#include "core/context.h"

/* Main API (an api_handler): /keys/{pkh}, /authorized_keys, /known_keys,
 * /bls_prove_possession/{pkh}. ctx is a struct sigil_ctx. A signing
 * request may be answered later (API_PENDING): the pipeline decides. */
int api_tezos_handle(void *ctx, const struct api_request *req, struct api_response *res,
                     struct api_async *a);
/* api_check for the main API: 404 and 405 from the method and URL alone,
 * as api_tezos_handle would answer them; only POST /keys/{pkh} takes a body. */
bool api_tezos_check(void *ctx, const char *method, const char *url, size_t *max_body,
                     struct api_response *res);
/* Utility API: /healthz and /metrics (always answered at once). */
int api_utility_handle(void *ctx, const struct api_request *req, struct api_response *res,
                       struct api_async *a);

#endif
