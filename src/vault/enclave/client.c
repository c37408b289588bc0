/* sigild's end of the key holder's RPC (client.h). */
#include "vault/enclave/client.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "base/errors.h"

void
ev_endpoint_text(const struct ev_endpoint *ep, char *out, size_t cap)
{
	if (ep->socket[0])
		(void)snprintf(out, cap, "unix socket %s", ep->socket);
	else
		(void)snprintf(out, cap, "%s port %u", ep->host, ep->port);
}

/* Finishes a non-blocking connect by dl. */
static int
connect_wait(int s, const struct sockaddr *sa, socklen_t len, const struct sigil_deadline *dl)
{
	struct pollfd p = {.fd = s, .events = POLLOUT};
	int e = 0;
	socklen_t elen = sizeof(e);

	if (connect(s, sa, len) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EAGAIN)
		return -1;
	for (;;) {
		uint64_t left = sigil_deadline_left_ms(dl);
		int n;
		if (left == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = poll(&p, 1, left == UINT64_MAX ? -1 : (int)(left > 60000 ? 60000 : left));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n > 0)
			break;
	}
	if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &elen) != 0)
		return -1;
	if (e != 0) {
		errno = e;
		return -1;
	}
	return 0;
}

int
ev_connect(const struct ev_endpoint *ep, const struct sigil_deadline *dl, int *fd, char *err,
           size_t errlen)
{
	char where[400];
	int s = -1;

	*fd = -1;
	ev_endpoint_text(ep, where, sizeof(where));
	if (ep->socket[0]) {
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		if (strlen(ep->socket) >= sizeof(sa.sun_path)) {
			snprintf(err, errlen, "%s: path too long", where);
			return SIGIL_E_INVALID;
		}
		memcpy(sa.sun_path, ep->socket, strlen(ep->socket) + 1);
		s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (s < 0 || connect_wait(s, (struct sockaddr *)&sa, sizeof(sa), dl) != 0)
			goto fail;
	} else {
		struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai = NULL, *a;
		char port[8];
		int one = 1, grc;
		snprintf(port, sizeof(port), "%u", ep->port);
		if ((grc = getaddrinfo(ep->host, port, &hints, &ai)) != 0) {
			snprintf(err, errlen, "%s: %s", where, gai_strerror(grc));
			return SIGIL_E_IO;
		}
		for (a = ai; a != NULL; a = a->ai_next) {
			s = socket(a->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
			if (s >= 0 && connect_wait(s, a->ai_addr, a->ai_addrlen, dl) == 0)
				break;
			if (s >= 0) {
				int e = errno;
				close(s);
				errno = e;
			}
			s = -1;
		}
		freeaddrinfo(ai);
		if (s < 0)
			goto fail;
		/* One request, one reply: Nagle would hold each request back. */
		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	*fd = s;
	return 0;
fail:
	snprintf(err, errlen, "cannot reach the key holder on %s: %s", where,
	         errno == ETIMEDOUT ? "no answer in time" : strerror(errno));
	if (s >= 0)
		close(s);
	return errno == ETIMEDOUT ? SIGIL_E_TIMEOUT : SIGIL_E_IO;
}

int
ev_call(int fd, const struct enclave_request *req, struct enclave_reply *rep,
        const struct sigil_deadline *dl, char *err, size_t errlen)
{
	uint8_t *out = NULL, *in = NULL;
	size_t outlen = 0, inlen = 0;
	char why[ENCLAVE_ERR_MAX] = "";
	int rc;

	memset(rep, 0, sizeof(*rep));
	if ((rc = enclave_request_encode(req, &out, &outlen)) != 0) {
		snprintf(err, errlen, "cannot encode %s: %s", enclave_op_name(req->op),
		         sigil_strerror(rc));
		return rc;
	}
	rc = enclave_frame_write(fd, out, outlen, dl);
	/* The request may carry a passphrase or a secret key. */
	sodium_memzero(out, outlen);
	free(out);
	if (rc == 0)
		rc = enclave_frame_read(fd, ENCLAVE_FRAME_MAX, dl, &in, &inlen);
	if (rc == SIGIL_E_NOT_FOUND)
		rc = SIGIL_E_IO;
	if (rc != 0) {
		snprintf(err, errlen, "key holder %s: %s", enclave_op_name(req->op),
		         rc == SIGIL_E_TIMEOUT ? "no answer in time" : "connection lost");
		return rc;
	}
	rc = enclave_reply_decode(req->op, in, inlen, rep, why, sizeof(why));
	free(in);
	if (rc != 0) {
		snprintf(err, errlen, "key holder %s: bad reply: %s", enclave_op_name(req->op), why);
		return SIGIL_E_INVALID;
	}
	return 0;
}
