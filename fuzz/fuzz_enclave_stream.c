/* libFuzzer harness for frames read in bulk (src/enclave/stream.c), as the
 * key holder and sigild's enclave vault read them: the input after its
 * first byte is a byte stream sent over a socket pair in pieces whose sizes
 * the first byte picks, read with enclave_stream_recv, and taken frame by
 * frame with enclave_stream_frame and enclave_stream_pop. Every frame
 * reported must be the next one of a plain parse of the input (a 4-byte
 * big-endian length, then that many bytes), in order, none missed, none
 * made up; a length over the ceiling must be reported as too big and
 * nothing past it; the bytes let go of must be wiped. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/errors.h"
#include "enclave/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_BODY 4096 /* the reader's ceiling here (under ENCLAVE_FRAME_MAX) */

/* The next frame of the plain parse at *at: 1 with its body, 0 when the
 * input ends first, -1 when its length is over MAX_BODY. */
static int
plain_next(const uint8_t *p, size_t n, size_t *at, const uint8_t **body, size_t *len)
{
	size_t l;

	if (n - *at < 4)
		return 0;
	l = (size_t)p[*at] << 24 | (size_t)p[*at + 1] << 16 | (size_t)p[*at + 2] << 8 | p[*at + 3];
	if (l > MAX_BODY)
		return -1;
	if (n - *at - 4 < l)
		return 0;
	*body = p + *at + 4;
	*len = l;
	*at += 4 + l;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct enclave_stream s = {0};
	const uint8_t *in;
	size_t n, sent = 0, at = 0, piece;
	int sv[2], rc = 0;
	bool over = false;

	if (size < 1 || size > 64 * 1024)
		return 0;
	piece = (size_t)data[0] % 97 + 1;
	in = data + 1;
	n = size - 1;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
		abort();
	while (!over) {
		const uint8_t *body, *want;
		size_t len, wlen;
		int got;

		if (sent < n) {
			size_t k = n - sent < piece ? n - sent : piece;
			ssize_t w = send(sv[0], in + sent, k, MSG_DONTWAIT);
			if (w > 0)
				sent += (size_t)w;
		} else if (sv[0] >= 0) {
			close(sv[0]);
			sv[0] = -1;
		}
		rc = enclave_stream_recv(sv[1], &s);
		if (rc == SIGIL_E_NOT_FOUND)
			break;
		if (rc != 0 && rc != SIGIL_E_AGAIN_STREAM)
			abort();
		while ((got = enclave_stream_frame(&s, MAX_BODY, &body, &len)) == 1) {
			size_t off = s.off;
			if (plain_next(in, n, &at, &want, &wlen) != 1 || wlen != len ||
			    memcmp(want, body, len) != 0)
				abort();
			enclave_stream_pop(&s);
			/* What was let go of is wiped (unless the buffer emptied
			 * and was reset, which wipes it too). */
			if (s.len != 0)
				for (size_t i = off; i < off + 4 + len; i++)
					if (s.p[i] != 0)
						abort();
		}
		if (got == SIGIL_E_TOO_BIG) {
			if (plain_next(in, n, &at, &want, &wlen) != -1)
				abort();
			over = true;
		} else if (got != 0) {
			abort();
		}
	}
	/* At the end of the stream, whatever the plain parse still finds whole
	 * must have been reported. */
	if (!over) {
		const uint8_t *want;
		size_t wlen;
		if (plain_next(in, n, &at, &want, &wlen) == 1)
			abort();
	}
	enclave_stream_free(&s);
	if (s.p != NULL || s.len != 0)
		abort();
	if (sv[0] >= 0)
		close(sv[0]);
	close(sv[1]);
	return 0;
}
