/* The octez-signer HTTP protocol and the utility endpoints. */
#ifndef SIGIL_API_TEZOS_H
#define SIGIL_API_TEZOS_H
#include "api/server.h"
#include "core/context.h"

/* Main API: /keys/{pkh}, /authorized_keys, /known_keys,
 * /bls_prove_possession/{pkh}. ctx is a struct sigil_ctx. */
void api_tezos_handle(void *ctx, const struct api_request *req, struct api_response *res);
/* api_check for the main API: 404 and 405 from the method and URL alone,
 * as api_tezos_handle would answer them; only POST /keys/{pkh} takes a body. */
bool api_tezos_check(void *ctx, const char *method, const char *url, size_t *max_body,
                     struct api_response *res);
/* True for sign requests of consensus kinds (watermarked, so they wait on
 * a durable write): magic bytes 0x11, 0x12, 0x13. */
bool api_tezos_offload(void *ctx, const struct api_request *req);
/* With api_tezos_offload: what the HTTP thread does meanwhile. */
extern const struct api_early api_tezos_early;
/* With api_tezos_offload: the HTTP thread's own start (api_start). */
int api_tezos_start(void *ctx, const struct api_request *req, struct api_response *res,
                    struct api_async *a);
/* Utility API: /healthz and /metrics. */
void api_utility_handle(void *ctx, const struct api_request *req, struct api_response *res);

#endif
