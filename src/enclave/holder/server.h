/* sigil-enclave's sockets: a unix socket (the default) or TCP, one thread
 * per connection, frames in and out (proto.h). */
#ifndef SIGIL_ENCLAVE_SERVER_H
#define SIGIL_ENCLAVE_SERVER_H
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "enclave/holder/holder.h"

/* Connections served at once; more are closed on arrival. */
#define SERVER_CONNS_MAX 64
/* Once a frame has begun, by when it must be whole (a slow or stuck
 * client holds one thread, never the holder). */
#define SERVER_FRAME_MS 10000

struct server_listen {
	const char *socket_path; /* unix socket; NULL: TCP */
	mode_t socket_mode;      /* e.g. 0600 */
	const char *host;        /* TCP: address to bind (numeric) */
	unsigned port;
};

/* Binds and listens; err says why not. A stale socket file (nobody
 * listening on it) is replaced; a live one is an error. */
int server_listen(const struct server_listen *l, int *fd, char *err, size_t errlen);

/* Serves connections on fd until stop_fd becomes readable. */
int server_run(struct holder *h, int fd, int stop_fd);

#endif
