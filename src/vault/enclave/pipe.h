/* Calls to the key holder in flight together: a set of connections, each
 * carrying any number of calls at once (the holder answers a connection's
 * frames in order, so the replies come in the order of the requests), and
 * one thread that reads every reply and hands it to its call. A caller
 * that sends does not wait: the reply comes to its call's done. */
#ifndef SIGIL_VAULT_ENCLAVE_PIPE_H
#define SIGIL_VAULT_ENCLAVE_PIPE_H
#include <stdbool.h>
#include <stddef.h>

#include "base/deadline.h"
#include "enclave/proto.h"

/* A call's outcome besides 0, SIGIL_E_TIMEOUT and SIGIL_E_INVALID (a reply
 * of the wrong shape): its connection was lost before its reply came, and
 * nothing it may have made will ever be handed out; it may be tried again. */
#define EV_LOST 3

struct ev_pending {
	/* Called once, on the pipe's thread, never on the sender's: rc 0 with
	 * the reply (rep->ok may be false: the holder said no), or
	 * SIGIL_E_TIMEOUT (no reply by dl; one that comes later is dropped),
	 * SIGIL_E_INVALID, EV_LOST, with rep NULL. */
	void (*done)(struct ev_pending *p, int rc, const struct enclave_reply *rep);
	struct sigil_deadline dl;
	/* The pipe's. */
	enum enclave_op op;
	struct ev_pending *next;
};

struct ev_pipe;

/* A pipe of n connections (none live yet), named for its log lines. */
int ev_pipe_start(const char *name, size_t n, struct ev_pipe **out);
/* Fails every call in flight (EV_LOST, on the pipe's thread) and stops
 * the thread. */
void ev_pipe_stop(struct ev_pipe *p);

/* Connection idx takes fd, set up (Initialize, keys imported): from now
 * calls go over it, until it fails or the holder closes it. idx must not
 * be live. */
int ev_pipe_adopt(struct ev_pipe *p, size_t idx, int fd);
bool ev_pipe_live(struct ev_pipe *p, size_t idx);
/* How many connections are live. */
size_t ev_pipe_live_count(struct ev_pipe *p);

/* Sends req over a live connection (the one with the fewest calls in
 * flight): 0, and pend->done gets the reply; SIGIL_E_NOT_READY when no
 * connection is live (or each has too much waiting to be sent),
 * SIGIL_E_TIMEOUT when pend->dl has passed already, or another error,
 * with nothing sent and done never called. pend->dl is set by the caller; a call without one has
 * EV_PIPE_DEFAULT_MS (a connection whose oldest call is due is dropped,
 * so every call needs a deadline). */
#define EV_PIPE_DEFAULT_MS 60000
int ev_pipe_send(struct ev_pipe *p, const struct enclave_request *req, struct ev_pending *pend);

/* ev_pipe_send and a wait for the reply: the outcome as done would have
 * it, or SIGIL_E_NOT_READY as ev_pipe_send's. */
int ev_pipe_call(struct ev_pipe *p, const struct enclave_request *req, struct enclave_reply *rep,
                 const struct sigil_deadline *dl);

#endif
