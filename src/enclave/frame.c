/* Frames of the key holder's RPC (proto.h): a 4-byte big-endian length,
 * then that many bytes of CBOR.
 *
 * On a socket each transfer is tried first and waits in poll() only when
 * it would block (a round trip is then a few system calls, each about a
 * microsecond on a VM); it never blocks itself (MSG_DONTWAIT), and every
 * wait is for what is left of the deadline, so that
 * a peer that stops reading or writing costs the deadline and no more,
 * on a blocking fd as on a non-blocking one. A socket is written with
 * MSG_NOSIGNAL: a peer that went away is SIGIL_E_IO, not SIGPIPE. A fd
 * that is no socket (a pipe, in tests) is read and written plainly. */
#include "enclave/proto.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <sodium.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "base/errors.h"

#define FRAME_HDR 4

/* Waits until fd is ready for events (or has an error or hang-up, which
 * the next call reports) or the deadline passes. */
static int
frame_wait(int fd, short events, const struct sigil_deadline *dl)
{
	for (;;) {
		uint64_t left = sigil_deadline_left_ms(dl);
		struct pollfd p = {.fd = fd, .events = events};
		int n;

		if (left == 0)
			return SIGIL_E_TIMEOUT;
		n = poll(&p, 1, left == UINT64_MAX ? -1 : left > INT_MAX ? INT_MAX : (int)left);
		if (n < 0 && errno != EINTR)
			return SIGIL_E_IO;
		if (n > 0)
			return p.revents & POLLNVAL ? SIGIL_E_IO : 0;
	}
}

/* Reads exactly n bytes into p. A clean end of stream before the first
 * byte is SIGIL_E_NOT_FOUND when eof_ok, any other SIGIL_E_IO. */
static int
frame_recv(int fd, uint8_t *p, size_t n, bool eof_ok, const struct sigil_deadline *dl)
{
	size_t done = 0;
	bool sock = true, wait = false;

	while (done < n) {
		ssize_t k;
		int rc;

		/* Past its deadline a frame is late, even if it is there. */
		if (sigil_deadline_passed(dl))
			return SIGIL_E_TIMEOUT;
		if ((wait || !sock) && (rc = frame_wait(fd, POLLIN, dl)) != 0)
			return rc;
		wait = true;
		k = sock ? recv(fd, p + done, n - done, MSG_DONTWAIT) : read(fd, p + done, n - done);
		if (k > 0) {
			done += (size_t)k;
			wait = false; /* more may be there already */
		} else if (k == 0) {
			return done == 0 && eof_ok ? SIGIL_E_NOT_FOUND : SIGIL_E_IO;
		} else if (errno == ENOTSOCK && sock) {
			sock = false;
		} else if (errno == EINTR) {
			wait = false;
		} else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
			return SIGIL_E_IO;
		}
	}
	return 0;
}

int
enclave_frame_read(int fd, size_t max, const struct sigil_deadline *dl, uint8_t **out,
                   size_t *outlen)
{
	uint8_t hdr[FRAME_HDR];
	size_t n;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = frame_recv(fd, hdr, sizeof(hdr), true, dl)) != 0)
		return rc;
	n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	if (n > max || n > ENCLAVE_FRAME_MAX)
		return SIGIL_E_TOO_BIG;
	if ((*out = malloc(n ? n : 1)) == NULL)
		return SIGIL_E_NOMEM;
	if ((rc = frame_recv(fd, *out, n, false, dl)) != 0) {
		/* What arrived may be part of a secret (ImportUnencrypted). */
		sodium_memzero(*out, n);
		free(*out);
		*out = NULL;
		return rc;
	}
	*outlen = n;
	return 0;
}

/* Steps m's iovecs past k bytes written. */
static void
frame_advance(struct msghdr *m, size_t k)
{
	while (m->msg_iovlen > 0 && k >= m->msg_iov[0].iov_len) {
		k -= m->msg_iov[0].iov_len;
		m->msg_iov++;
		m->msg_iovlen--;
	}
	if (m->msg_iovlen > 0) {
		m->msg_iov[0].iov_base = (uint8_t *)m->msg_iov[0].iov_base + k;
		m->msg_iov[0].iov_len -= k;
	}
}

int
enclave_frame_write(int fd, const uint8_t *buf, size_t len, const struct sigil_deadline *dl)
{
	uint8_t hdr[FRAME_HDR] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8),
	                          (uint8_t)len};
	/* Length and body in one call: two small writes on TCP would wait for
	 * Nagle's algorithm and the peer's delayed ACK. */
	struct iovec iov[2] = {{hdr, sizeof(hdr)}, {(void *)buf, len}};
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
	bool sock = true, wait = false;

	if (len > ENCLAVE_FRAME_MAX)
		return SIGIL_E_TOO_BIG;
	if (buf == NULL && len > 0)
		return SIGIL_E_INVALID;
	while (m.msg_iovlen > 0) {
		ssize_t k;
		int rc;

		if (sigil_deadline_passed(dl))
			return SIGIL_E_TIMEOUT;
		if ((wait || !sock) && (rc = frame_wait(fd, POLLOUT, dl)) != 0)
			return rc;
		wait = true;
		k = sock ? sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT)
		         : writev(fd, m.msg_iov, (int)m.msg_iovlen);
		if (k < 0) {
			if (errno == ENOTSOCK && sock)
				sock = false;
			else if (errno == EINTR)
				wait = false;
			else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)
				return SIGIL_E_IO;
			continue;
		}
		if (k == 0) /* nothing taken of something: no progress to wait for */
			return SIGIL_E_IO;
		frame_advance(&m, (size_t)k);
		wait = false;
	}
	return 0;
}
