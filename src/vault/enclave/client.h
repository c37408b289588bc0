/* sigild's end of the key holder's RPC: a connection, one call at a time. */
#ifndef SIGIL_VAULT_ENCLAVE_CLIENT_H
#define SIGIL_VAULT_ENCLAVE_CLIENT_H
#include <stddef.h>

#include "base/deadline.h"
#include "enclave/proto.h"

struct ev_endpoint {
	char socket[108]; /* a unix socket, or "" for TCP */
	char host[256];
	unsigned port;
};

/* "unix socket PATH" or "HOST port N", for messages. */
void ev_endpoint_text(const struct ev_endpoint *ep, char *out, size_t cap);

/* Connects by dl; err says why not. */
int ev_connect(const struct ev_endpoint *ep, const struct sigil_deadline *dl, int *fd, char *err,
               size_t errlen);

/* Sends req and reads its reply into rep by dl. 0 when a reply of req's
 * shape came (rep->ok may still be false: the holder said no, in
 * rep->message); SIGIL_E_TIMEOUT, SIGIL_E_IO (the connection is then
 * useless: close it) or SIGIL_E_INVALID (a reply of the wrong shape),
 * with err saying which. */
int ev_call(int fd, const struct enclave_request *req, struct enclave_reply *rep,
            const struct sigil_deadline *dl, char *err, size_t errlen);

#endif
