/* sigil-enclave's state and what it answers: the KEK once initialised,
 * the imported keys by handle, and one function that turns a request into
 * its reply. No sockets here (server.c). */
#ifndef SIGIL_ENCLAVE_HOLDER_H
#define SIGIL_ENCLAVE_HOLDER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "enclave/kek/kek.h"
#include "enclave/proto.h"

/* At most this many keys held at once (imports of a key already held give
 * its handle again, so re-imports after a sigild restart do not count). */
#define HOLDER_KEYS_MAX 65536

struct holder_options {
	struct kek_env env;
	/* Installs the seccomp filter (harden.h) once the first Initialize
	 * has obtained the KEK: from then on no file, socket or process can
	 * be opened, whatever a request does. */
	bool confine;
};

struct holder;

int holder_new(const struct holder_options *o, struct holder **out);
/* Wipes the KEK and every key, and frees h. A request still running on
 * another thread is waited for; one arriving later must not come (the
 * server exits the process next). */
void holder_free(struct holder *h);

/* Answers req into rep (zeroed first): Ok with the op's result, or Err
 * with a message fit for the caller (never a secret). Thread-safe. */
void holder_handle(struct holder *h, const struct enclave_request *req, struct enclave_reply *rep);

/* One frame in, one reply out (malloc'ed into *out; the caller frees it):
 * decodes, answers and encodes. SIGIL_E_INVALID when the frame itself was
 * bad (not CBOR, not one request, a value of the wrong type): *out then
 * holds the Err to send before the connection is closed. */
int holder_frame(struct holder *h, const uint8_t *frame, size_t len, uint8_t **out,
                 size_t *outlen);

#endif
