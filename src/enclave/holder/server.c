/* sigil-enclave's sockets (server.h). */
#include "enclave/holder/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"

static int
listen_unix(const struct server_listen *l, int *fd, char *err, size_t errlen)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	mode_t old;
	int s, rc;

	if (strlen(l->socket_path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", l->socket_path);
		return SIGIL_E_INVALID;
	}
	memcpy(sa.sun_path, l->socket_path, strlen(l->socket_path) + 1);
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	/* A socket file left by a holder that died is replaced; one that a
	 * live holder answers on is not taken over. */
	if (connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		close(s);
		snprintf(err, errlen, "another key holder is listening on %s", l->socket_path);
		return SIGIL_E_LOCKED;
	}
	close(s);
	if (unlink(l->socket_path) != 0 && errno != ENOENT)
		goto fail;
	if ((s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	/* The socket is the door to every key: created with no access for
	 * anyone but its owner, then given the mode asked for. */
	old = umask(0177);
	rc = bind(s, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (rc != 0 || chmod(l->socket_path, l->socket_mode) != 0 || listen(s, 64) != 0) {
		int e = errno;
		close(s);
		errno = e;
		goto fail;
	}
	*fd = s;
	return 0;
fail:
	snprintf(err, errlen, "%s: %s", l->socket_path, strerror(errno));
	return SIGIL_E_IO;
}

static int
listen_tcp(const struct server_listen *l, int *fd, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int s, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, l->host, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)l->port);
		len = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, l->host, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)l->port);
		len = sizeof(struct sockaddr_in6);
	} else {
		snprintf(err, errlen, "not a numeric address: %s", l->host);
		return SIGIL_E_INVALID;
	}
	if ((s = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		goto fail;
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* One request, one reply: Nagle would hold each reply back. Accepted
	 * sockets inherit it, so that no call is needed once confined. */
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (bind(s, (struct sockaddr *)&ss, len) != 0 || listen(s, 64) != 0) {
		int e = errno;
		close(s);
		errno = e;
		goto fail;
	}
	*fd = s;
	return 0;
fail:
	snprintf(err, errlen, "%s port %u: %s", l->host, l->port, strerror(errno));
	return SIGIL_E_IO;
}

int
server_listen(const struct server_listen *l, int *fd, char *err, size_t errlen)
{
	*fd = -1;
	return l->socket_path ? listen_unix(l, fd, err, errlen) : listen_tcp(l, fd, err, errlen);
}

struct conn {
	struct holder *h;
	int fd;
	unsigned long id;
};

static atomic_uint server_conns;

/* Replies held before they are sent anyway (bytes). */
#define SERVER_OUT_MAX 65536

/* Waits up to ms (-1: no limit) for fd to be readable (events POLLIN) or
 * writable (POLLOUT): 1 when it is (or has hung up, which the next call
 * says), 0 when the time ran out, -1 on error. */
static int
conn_wait(int fd, short events, int ms)
{
	struct pollfd p = {.fd = fd, .events = events};
	for (;;) {
		int n = poll(&p, 1, ms);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		return n > 0 ? 1 : 0;
	}
}

/* What is left of a deadline, as poll's timeout. */
static int
conn_left_ms(const struct sigil_deadline *dl)
{
	uint64_t left = sigil_deadline_left_ms(dl);
	return left > 60000 ? 60000 : (int)left;
}

/* Sends every reply in out, waiting by SERVER_FRAME_MS for a peer that
 * reads slowly: NULL, or why the connection ends. */
static const char *
conn_flush(int fd, struct enclave_stream *out)
{
	struct sigil_deadline dl = sigil_deadline_in(SERVER_FRAME_MS);
	int rc;

	while ((rc = enclave_stream_send(fd, out)) == SIGIL_E_AGAIN_STREAM) {
		if (sigil_deadline_passed(&dl) || conn_wait(fd, POLLOUT, conn_left_ms(&dl)) < 0)
			return "reply not taken in time";
	}
	return rc == 0 ? NULL : "write failed";
}

/* Answers every whole frame in in, replies to out in order: NULL, or why
 * the connection ends (after what was answered is sent). */
static const char *
conn_answer(struct conn *c, struct enclave_stream *in, struct enclave_stream *out,
            unsigned long *frames)
{
	const uint8_t *body;
	size_t len;
	int rc;

	while ((rc = enclave_stream_frame(in, ENCLAVE_FRAME_MAX, &body, &len)) == 1) {
		uint8_t *reply = NULL;
		size_t replylen = 0;
		int bad;

		(*frames)++;
		bad = holder_frame(c->h, body, len, &reply, &replylen);
		/* The frame may hold a secret (ImportUnencrypted) or a
		 * passphrase (Initialize): wiped as it goes. */
		enclave_stream_pop(in);
		if (reply == NULL)
			return "out of memory";
		rc = enclave_stream_put(out, reply, replylen);
		sodium_memzero(reply, replylen);
		free(reply);
		if (rc != 0)
			return "out of memory";
		if (bad != 0)
			return "bad request";
	}
	return rc == SIGIL_E_TOO_BIG ? "frame over the ceiling" : NULL;
}

/* One connection: every frame that has come is answered, and the replies
 * go out together when nothing more is waiting, so that a client with
 * several calls in flight gets them answered in a few system calls. */
static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	struct enclave_stream in = {0}, out = {0};
	struct sigil_deadline dl = {0};
	unsigned long frames = 0;
	const char *why = NULL;
	bool partial = false; /* a frame has begun: it has SERVER_FRAME_MS to end */

	while (why == NULL) {
		int rc = enclave_stream_recv(c->fd, &in);

		if (rc == 0) {
			why = conn_answer(c, &in, &out, &frames);
			if (in.len > in.off && !partial)
				dl = sigil_deadline_in(SERVER_FRAME_MS);
			partial = in.len > in.off;
			/* A peer that sends without reading gets its replies
			 * now, so that they never pile up here. */
			if (why == NULL && out.len - out.off > SERVER_OUT_MAX)
				why = conn_flush(c->fd, &out);
			continue;
		}
		if (rc != SIGIL_E_AGAIN_STREAM) {
			why = rc == SIGIL_E_NOT_FOUND ? (partial ? "frame cut short" : "closed by the peer")
			      : rc == SIGIL_E_TOO_BIG ? "frame over the ceiling"
			      : rc == SIGIL_E_NOMEM  ? "out of memory"
			                             : "read failed";
			break;
		}
		/* Nothing more has come: the replies go, then a wait. */
		if (out.len > out.off && (why = conn_flush(c->fd, &out)) != NULL)
			break;
		if (partial && sigil_deadline_passed(&dl)) {
			why = "frame not finished in time";
			break;
		}
		if (conn_wait(c->fd, POLLIN, partial ? conn_left_ms(&dl) : -1) < 0)
			why = "wait failed";
	}
	/* What was answered before a bad frame still goes out. */
	if (out.len > out.off)
		(void)conn_flush(c->fd, &out);
	log_info("connection %lu closed after %lu requests: %s", c->id, frames, why);
	enclave_stream_free(&in);
	enclave_stream_free(&out);
	close(c->fd);
	free(c);
	atomic_fetch_sub(&server_conns, 1);
	return NULL;
}

int
server_run(struct holder *h, int fd, int stop_fd)
{
	static unsigned long next_id;
	struct pollfd p[2] = {{.fd = fd, .events = POLLIN}, {.fd = stop_fd, .events = POLLIN}};
	pthread_attr_t attr;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		struct conn *c;
		pthread_t t;
		unsigned long id;
		int s;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (!(p[0].revents & POLLIN))
			continue;
		if ((s = accept4(fd, NULL, NULL, SOCK_CLOEXEC)) < 0)
			continue;
		if (atomic_fetch_add(&server_conns, 1) >= SERVER_CONNS_MAX) {
			atomic_fetch_sub(&server_conns, 1);
			log_warn("connection refused: %d connections already", SERVER_CONNS_MAX);
			close(s);
			continue;
		}
		if ((c = malloc(sizeof(*c))) == NULL) {
			close(s);
			atomic_fetch_sub(&server_conns, 1);
			continue;
		}
		id = ++next_id;
		*c = (struct conn){.h = h, .fd = s, .id = id};
		if (pthread_create(&t, &attr, conn_main, c) != 0) {
			log_warn("connection refused: cannot start a thread");
			close(s);
			free(c);
			atomic_fetch_sub(&server_conns, 1);
			continue;
		}
		log_info("connection %lu accepted", id);
	}
	pthread_attr_destroy(&attr);
	return 0;
}
