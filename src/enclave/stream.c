/* Frames in bulk (proto.h, streams): a buffer per direction of a
 * connection, read and written without blocking. */
#include "enclave/proto.h"

#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/errors.h"

#define STREAM_HDR 4
#define STREAM_READ 65536

/* Room for need more bytes past s->len: the bytes held moved to the
 * start first, and the buffer grown if that is not enough. */
static int
stream_room(struct enclave_stream *s, size_t need)
{
	size_t cap = s->cap ? s->cap : 4096;
	uint8_t *p;

	if (s->off > 0 && s->len + need > s->cap) {
		size_t held = s->len - s->off;
		memmove(s->p, s->p + s->off, held);
		sodium_memzero(s->p + held, s->len - held);
		s->len = held;
		s->off = 0;
	}

	if (need > ENCLAVE_FRAME_MAX + STREAM_HDR + STREAM_READ ||
	    s->len + need > 2 * (ENCLAVE_FRAME_MAX + STREAM_HDR + STREAM_READ))
		return SIGIL_E_TOO_BIG;
	if (s->len + need <= s->cap)
		return 0;
	while (cap < s->len + need)
		cap *= 2;
	/* Not realloc: the old bytes are wiped before they are let go. */
	if ((p = malloc(cap)) == NULL)
		return SIGIL_E_NOMEM;
	if (s->len)
		memcpy(p, s->p, s->len);
	if (s->p) {
		sodium_memzero(s->p, s->cap);
		free(s->p);
	}
	s->p = p;
	s->cap = cap;
	return 0;
}

int
enclave_stream_recv(int fd, struct enclave_stream *s)
{
	ssize_t k;
	int rc;

	if ((rc = stream_room(s, STREAM_READ)) != 0)
		return rc;
	do
		k = recv(fd, s->p + s->len, s->cap - s->len, MSG_DONTWAIT);
	while (k < 0 && errno == EINTR);
	if (k > 0) {
		s->len += (size_t)k;
		return 0;
	}
	if (k == 0)
		return SIGIL_E_NOT_FOUND;
	return errno == EAGAIN || errno == EWOULDBLOCK ? SIGIL_E_AGAIN_STREAM : SIGIL_E_IO;
}

static size_t
stream_body_len(const struct enclave_stream *s)
{
	const uint8_t *h = s->p + s->off;
	return (size_t)h[0] << 24 | (size_t)h[1] << 16 | (size_t)h[2] << 8 | h[3];
}

int
enclave_stream_frame(const struct enclave_stream *s, size_t max, const uint8_t **body,
                     size_t *len)
{
	size_t n;

	if (s->len - s->off < STREAM_HDR)
		return 0;
	n = stream_body_len(s);
	if (n > max || n > ENCLAVE_FRAME_MAX)
		return SIGIL_E_TOO_BIG;
	if (s->len - s->off - STREAM_HDR < n)
		return 0;
	*body = s->p + s->off + STREAM_HDR;
	*len = n;
	return 1;
}

/* Drops the first n bytes held, wiped. */
static void
stream_drop(struct enclave_stream *s, size_t n)
{
	if (n > s->len - s->off)
		n = s->len - s->off;
	sodium_memzero(s->p + s->off, n);
	s->off += n;
	if (s->off == s->len)
		s->off = s->len = 0;
}

void
enclave_stream_pop(struct enclave_stream *s)
{
	if (s->len - s->off >= STREAM_HDR)
		stream_drop(s, STREAM_HDR + stream_body_len(s));
}

int
enclave_stream_put(struct enclave_stream *s, const uint8_t *body, size_t len)
{
	int rc;

	if (len > ENCLAVE_FRAME_MAX)
		return SIGIL_E_TOO_BIG;
	if ((rc = stream_room(s, STREAM_HDR + len)) != 0)
		return rc;
	s->p[s->len] = (uint8_t)(len >> 24);
	s->p[s->len + 1] = (uint8_t)(len >> 16);
	s->p[s->len + 2] = (uint8_t)(len >> 8);
	s->p[s->len + 3] = (uint8_t)len;
	if (len)
		memcpy(s->p + s->len + STREAM_HDR, body, len);
	s->len += STREAM_HDR + len;
	return 0;
}

int
enclave_stream_send(int fd, struct enclave_stream *s)
{
	while (s->len > s->off) {
		ssize_t k = send(fd, s->p + s->off, s->len - s->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (k > 0) {
			stream_drop(s, (size_t)k);
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return SIGIL_E_AGAIN_STREAM;
		return SIGIL_E_IO;
	}
	return 0;
}

void
enclave_stream_free(struct enclave_stream *s)
{
	if (s->p) {
		sodium_memzero(s->p, s->cap);
		free(s->p);
	}
	*s = (struct enclave_stream){0};
}
