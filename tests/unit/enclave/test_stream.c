/* Frame streams (enclave/proto.h, enclave_stream_*) over real sockets
 * (socketpair): frames put and sent together come back one by one and in
 * order; a frame is not reported until all of it has come; an empty socket
 * says SIGIL_E_AGAIN_STREAM, a closed one SIGIL_E_NOT_FOUND; lengths over
 * the ceilings are refused (SIGIL_E_TOO_BIG); an empty body is a frame; a
 * peer that does not read leaves the rest held for a later send; a popped
 * frame is wiped in the buffer; free leaves the stream zeroed and usable;
 * many small frames through one socket arrive intact. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/errors.h"
#include "enclave/proto.h"

static int sv[2] = {-1, -1};

static int
setup(void **state)
{
	(void)state;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		return -1;
	/* Both ends non-blocking (the stream calls are, whatever the fd). */
	for (int i = 0; i < 2; i++)
		if (fcntl(sv[i], F_SETFL, fcntl(sv[i], F_GETFL) | O_NONBLOCK) != 0)
			return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	for (int i = 0; i < 2; i++) {
		if (sv[i] >= 0)
			close(sv[i]);
		sv[i] = -1;
	}
	return 0;
}

/* Body i of a test: len bytes that depend on i and their place. */
static void
fill(uint8_t *b, size_t len, unsigned i)
{
	for (size_t k = 0; k < len; k++)
		b[k] = (uint8_t)(i * 31u + k * 7u + 1u);
}

static bool
all_zero(const uint8_t *p, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (p[k] != 0)
			return false;
	return true;
}

/* Receives into s until a whole frame is there (bounded): 1, or what
 * recv said when it was not AGAIN. */
static int
recv_frame(int fd, struct enclave_stream *s, const uint8_t **body, size_t *len)
{
	for (int tries = 0; tries < 1000; tries++) {
		int rc = enclave_stream_frame(s, ENCLAVE_FRAME_MAX, body, len);
		if (rc != 0)
			return rc;
		rc = enclave_stream_recv(fd, s);
		if (rc == SIGIL_E_AGAIN_STREAM) {
			struct pollfd pf = {.fd = fd, .events = POLLIN};
			poll(&pf, 1, 10);
		} else if (rc != 0) {
			return rc;
		}
	}
	return SIGIL_E_TIMEOUT;
}

static void
put_send_recv_in_order(void **state)
{
	static const size_t lens[] = {1, 17, 300, 4096, 70000, 5};
	enum { N = sizeof(lens) / sizeof(lens[0]) };
	struct enclave_stream out = {0}, in = {0};
	uint8_t *want = malloc(70000);
	const uint8_t *body;
	size_t len;

	(void)state;
	assert_non_null(want);
	for (unsigned i = 0; i < N; i++) {
		fill(want, lens[i], i);
		assert_int_equal(enclave_stream_put(&out, want, lens[i]), 0);
	}
	/* 70 KiB and a bit: the socket takes it all at once. */
	assert_int_equal(enclave_stream_send(sv[0], &out), 0);
	assert_int_equal(out.len - out.off, 0);
	for (unsigned i = 0; i < N; i++) {
		assert_int_equal(recv_frame(sv[1], &in, &body, &len), 1);
		assert_int_equal(len, lens[i]);
		fill(want, lens[i], i);
		assert_memory_equal(body, want, len);
		/* Asking again before the pop gives the same frame. */
		{
			const uint8_t *b2;
			size_t l2;
			assert_int_equal(enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &b2, &l2), 1);
			assert_ptr_equal(b2, body);
			assert_int_equal(l2, len);
		}
		enclave_stream_pop(&in);
	}
	assert_int_equal(enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &body, &len), 0);
	assert_int_equal(enclave_stream_recv(sv[1], &in), SIGIL_E_AGAIN_STREAM);
	enclave_stream_free(&out);
	enclave_stream_free(&in);
	free(want);
}

static void
frame_in_pieces(void **state)
{
	struct enclave_stream out = {0}, in = {0};
	uint8_t want[40];
	const uint8_t *body;
	size_t len, total;

	(void)state;
	fill(want, sizeof(want), 9);
	assert_int_equal(enclave_stream_put(&out, want, sizeof(want)), 0);
	total = out.len - out.off;
	assert_int_equal(total, 4 + sizeof(want));
	/* One byte at a time: header and body both arrive in pieces. */
	for (size_t k = 0; k < total; k++) {
		assert_int_equal(send(sv[0], out.p + out.off + k, 1, MSG_NOSIGNAL), 1);
		assert_int_equal(enclave_stream_recv(sv[1], &in), 0);
		assert_int_equal(in.len - in.off, k + 1);
		if (k + 1 < total)
			assert_int_equal(enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &body, &len), 0);
	}
	assert_int_equal(enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &body, &len), 1);
	assert_int_equal(len, sizeof(want));
	assert_memory_equal(body, want, sizeof(want));
	enclave_stream_pop(&in);
	assert_int_equal(in.len - in.off, 0);
	enclave_stream_free(&out);
	enclave_stream_free(&in);
}

static void
recv_empty_and_closed(void **state)
{
	struct enclave_stream in = {0};
	const uint8_t *body;
	size_t len;

	(void)state;
	/* Nothing there: try again later, nothing lost. */
	assert_int_equal(enclave_stream_recv(sv[1], &in), SIGIL_E_AGAIN_STREAM);
	assert_int_equal(in.len - in.off, 0);
	/* Even on a blocking fd (the call does not block). */
	assert_int_equal(fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) & ~O_NONBLOCK), 0);
	assert_int_equal(enclave_stream_recv(sv[1], &in), SIGIL_E_AGAIN_STREAM);
	/* The peer sends part of a frame and goes: the part is read, then the
	 * end of the stream. */
	{
		static const uint8_t part[] = {0, 0, 0, 9, 'a', 'b'};
		assert_int_equal(send(sv[0], part, sizeof(part), MSG_NOSIGNAL), (ssize_t)sizeof(part));
	}
	close(sv[0]);
	sv[0] = -1;
	assert_int_equal(enclave_stream_recv(sv[1], &in), 0);
	assert_int_equal(enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &body, &len), 0);
	assert_int_equal(enclave_stream_recv(sv[1], &in), SIGIL_E_NOT_FOUND);
	assert_int_equal(enclave_stream_recv(sv[1], &in), SIGIL_E_NOT_FOUND);
	/* A fresh stream on a closed peer, nothing before the end. */
	{
		struct enclave_stream s2 = {0};
		assert_int_equal(enclave_stream_recv(sv[1], &s2), SIGIL_E_NOT_FOUND);
		enclave_stream_free(&s2);
	}
	enclave_stream_free(&in);
}

static void
too_big(void **state)
{
	struct enclave_stream out = {0}, in = {0};
	const uint8_t *body = NULL;
	size_t len = 0;
	uint8_t *big;

	(void)state;
	/* A header announcing more than max: refused from the header alone. */
	{
		static const uint8_t hdr[] = {0, 0, 1, 0}; /* 256 */
		assert_int_equal(send(sv[0], hdr, sizeof(hdr), MSG_NOSIGNAL), 4);
		assert_int_equal(enclave_stream_recv(sv[1], &in), 0);
		assert_int_equal(enclave_stream_frame(&in, 255, &body, &len), SIGIL_E_TOO_BIG);
		/* Under a larger max it is only not there yet. */
		assert_int_equal(enclave_stream_frame(&in, 256, &body, &len), 0);
		enclave_stream_free(&in);
	}
	/* Over ENCLAVE_FRAME_MAX: refused whatever max says. */
	{
		uint32_t n = ENCLAVE_FRAME_MAX + 1;
		uint8_t hdr[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
		assert_int_equal(send(sv[0], hdr, sizeof(hdr), MSG_NOSIGNAL), 4);
		assert_int_equal(enclave_stream_recv(sv[1], &in), 0);
		assert_int_equal(enclave_stream_frame(&in, SIZE_MAX, &body, &len), SIGIL_E_TOO_BIG);
		assert_int_equal(enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &body, &len),
		                 SIGIL_E_TOO_BIG);
		enclave_stream_free(&in);
	}
	{
		static const uint8_t hdr[] = {0xff, 0xff, 0xff, 0xff};
		assert_int_equal(send(sv[0], hdr, sizeof(hdr), MSG_NOSIGNAL), 4);
		assert_int_equal(enclave_stream_recv(sv[1], &in), 0);
		assert_int_equal(enclave_stream_frame(&in, SIZE_MAX, &body, &len), SIGIL_E_TOO_BIG);
		enclave_stream_free(&in);
	}
	/* Put: a body over the ceiling is refused and nothing is added; one of
	 * exactly the ceiling goes. */
	big = calloc(1, ENCLAVE_FRAME_MAX + 1);
	assert_non_null(big);
	assert_int_equal(enclave_stream_put(&out, big, ENCLAVE_FRAME_MAX + 1), SIGIL_E_TOO_BIG);
	assert_int_equal(out.len - out.off, 0);
	assert_int_equal(enclave_stream_put(&out, big, (size_t)-1), SIGIL_E_TOO_BIG);
	assert_int_equal(out.len - out.off, 0);
	assert_int_equal(enclave_stream_put(&out, big, ENCLAVE_FRAME_MAX), 0);
	assert_int_equal(out.len - out.off, 4 + ENCLAVE_FRAME_MAX);
	assert_int_equal(enclave_stream_frame(&out, ENCLAVE_FRAME_MAX, &body, &len), 1);
	assert_int_equal(len, ENCLAVE_FRAME_MAX);
	assert_int_equal(enclave_stream_frame(&out, ENCLAVE_FRAME_MAX - 1, &body, &len),
	                 SIGIL_E_TOO_BIG);
	free(big);
	enclave_stream_free(&out);
}

static void
empty_body(void **state)
{
	struct enclave_stream out = {0}, in = {0};
	const uint8_t *body;
	size_t len = 99;
	uint8_t one = 0x5a;

	(void)state;
	assert_int_equal(enclave_stream_put(&out, NULL, 0), 0);
	assert_int_equal(enclave_stream_put(&out, &one, 1), 0);
	assert_int_equal(enclave_stream_put(&out, NULL, 0), 0);
	assert_int_equal(out.len - out.off, 4 + 5 + 4);
	assert_memory_equal(out.p + out.off, "\0\0\0\0", 4);
	assert_int_equal(enclave_stream_send(sv[0], &out), 0);

	assert_int_equal(recv_frame(sv[1], &in, &body, &len), 1);
	assert_int_equal(len, 0);
	enclave_stream_pop(&in);
	assert_int_equal(recv_frame(sv[1], &in, &body, &len), 1);
	assert_int_equal(len, 1);
	assert_int_equal(body[0], 0x5a);
	enclave_stream_pop(&in);
	assert_int_equal(recv_frame(sv[1], &in, &body, &len), 1);
	assert_int_equal(len, 0);
	enclave_stream_pop(&in);
	assert_int_equal(in.len - in.off, 0);
	assert_int_equal(enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &body, &len), 0);
	/* An empty stream: nothing to pop, nothing to send. */
	enclave_stream_pop(&in);
	assert_int_equal(in.len - in.off, 0);
	assert_int_equal(enclave_stream_send(sv[0], &in), 0);
	{
		struct enclave_stream none = {0};
		assert_int_equal(enclave_stream_frame(&none, ENCLAVE_FRAME_MAX, &body, &len), 0);
		enclave_stream_pop(&none);
		assert_int_equal(enclave_stream_send(sv[0], &none), 0);
		enclave_stream_free(&none);
	}
	enclave_stream_free(&out);
	enclave_stream_free(&in);
}

/* Reads what sv[1] has into a plain buffer (at most cap bytes in all). */
static size_t
drain(uint8_t *buf, size_t have, size_t cap)
{
	for (;;) {
		ssize_t k = recv(sv[1], buf + have, cap - have, MSG_DONTWAIT);
		if (k <= 0)
			break;
		have += (size_t)k;
		if (have == cap)
			break;
	}
	return have;
}

static void
send_blocked_then_finished(void **state)
{
	enum { FRAMES = 3, BODY = 500000 };
	const size_t total = FRAMES * (4 + BODY);
	struct enclave_stream out = {0};
	uint8_t *body = malloc(BODY), *got = malloc(total);
	size_t have = 0, left;
	int rc = SIGIL_E_AGAIN_STREAM, tries;

	(void)state;
	assert_non_null(body);
	assert_non_null(got);
	/* A small send buffer: far less than 1.5 MB fits. */
	{
		int sz = 65536;
		assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
	}
	for (unsigned i = 0; i < FRAMES; i++) {
		fill(body, BODY, i);
		assert_int_equal(enclave_stream_put(&out, body, BODY), 0);
	}
	assert_int_equal(out.len - out.off, total);
	/* The peer does not read: the socket fills, the rest is kept. Again
	 * and again, while nothing is read, nothing more goes. */
	assert_int_equal(enclave_stream_send(sv[0], &out), SIGIL_E_AGAIN_STREAM);
	left = out.len - out.off;
	assert_true(left > 0 && left < total);
	assert_int_equal(enclave_stream_send(sv[0], &out), SIGIL_E_AGAIN_STREAM);
	assert_int_equal(out.len - out.off, left);
	/* What went is wiped in the buffer: only the bytes held remain. */
	assert_true(all_zero(out.p, out.off));
	/* The bytes held are the tail of what was put. */
	{
		size_t at = total - left; /* where they start in the whole */
		size_t fr = at / (4 + BODY), in_fr = at % (4 + BODY);
		if (in_fr >= 4) {
			fill(body, BODY, (unsigned)fr);
			size_t n = BODY - (in_fr - 4);
			assert_memory_equal(out.p + out.off, body + (in_fr - 4), n < 64 ? n : 64);
		}
	}

	/* The peer reads; later sends finish. */
	for (tries = 0; tries < 100000 && rc == SIGIL_E_AGAIN_STREAM; tries++) {
		have = drain(got, have, total);
		rc = enclave_stream_send(sv[0], &out);
		if (rc == SIGIL_E_AGAIN_STREAM) {
			struct pollfd pf = {.fd = sv[1], .events = POLLIN};
			poll(&pf, 1, 10);
		}
	}
	assert_int_equal(rc, 0);
	assert_int_equal(out.len - out.off, 0);
	for (tries = 0; tries < 1000 && have < total; tries++) {
		struct pollfd pf = {.fd = sv[1], .events = POLLIN};
		poll(&pf, 1, 10);
		have = drain(got, have, total);
	}
	assert_int_equal(have, total);
	/* Every byte as put. */
	for (unsigned i = 0; i < FRAMES; i++) {
		const uint8_t *f = got + i * (4 + BODY);
		assert_int_equal((uint32_t)f[0] << 24 | (uint32_t)f[1] << 16 | (uint32_t)f[2] << 8 | f[3],
		                 BODY);
		fill(body, BODY, i);
		assert_memory_equal(f + 4, body, BODY);
	}
	enclave_stream_free(&out);
	free(body);
	free(got);
}

static void
pop_wipes(void **state)
{
	struct enclave_stream out = {0}, in = {0};
	uint8_t a[100], b[60];
	const uint8_t *body;
	size_t len, off;

	(void)state;
	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	assert_int_equal(enclave_stream_put(&out, a, sizeof(a)), 0);
	assert_int_equal(enclave_stream_put(&out, b, sizeof(b)), 0);
	assert_int_equal(enclave_stream_send(sv[0], &out), 0);
	/* Both frames in before anything is popped. */
	for (int tries = 0; tries < 100 && in.len - in.off < 8 + sizeof(a) + sizeof(b); tries++) {
		struct pollfd pf = {.fd = sv[1], .events = POLLIN};
		poll(&pf, 1, 10);
		if (enclave_stream_recv(sv[1], &in) != 0)
			continue;
	}
	assert_int_equal(in.len - in.off, 8 + sizeof(a) + sizeof(b));

	assert_int_equal(enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &body, &len), 1);
	assert_int_equal(len, sizeof(a));
	off = in.off;
	enclave_stream_pop(&in);
	/* The first frame's header and body are zero; the second is held. */
	assert_true(all_zero(in.p + off, 4 + sizeof(a)));
	assert_int_equal(in.off, off + 4 + sizeof(a));
	assert_int_equal(in.len - in.off, 4 + sizeof(b));
	assert_memory_equal(in.p + in.off + 4, b, sizeof(b));

	assert_int_equal(enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &body, &len), 1);
	assert_int_equal(len, sizeof(b));
	off = in.off;
	enclave_stream_pop(&in);
	assert_true(all_zero(in.p + off, 4 + sizeof(b)));
	/* Nothing held: every byte the two frames were in is zero (they
	 * came into a fresh buffer, from its start). */
	assert_int_equal(in.len - in.off, 0);
	assert_true(all_zero(in.p, 8 + sizeof(a) + sizeof(b)));
	enclave_stream_free(&out);
	enclave_stream_free(&in);
}

static void
free_then_reuse(void **state)
{
	struct enclave_stream s = {0};
	const struct enclave_stream zero = {0};
	uint8_t body[32];
	const uint8_t *b;
	size_t len;

	(void)state;
	/* Freeing a stream never used is fine. */
	enclave_stream_free(&s);
	assert_memory_equal(&s, &zero, sizeof(s));

	fill(body, sizeof(body), 3);
	assert_int_equal(enclave_stream_put(&s, body, sizeof(body)), 0);
	assert_non_null(s.p);
	enclave_stream_free(&s);
	assert_null(s.p);
	assert_int_equal(s.off, 0);
	assert_int_equal(s.len, 0);
	assert_int_equal(s.cap, 0);
	enclave_stream_free(&s); /* twice */
	assert_memory_equal(&s, &zero, sizeof(s));

	/* Used again, both ways. */
	assert_int_equal(enclave_stream_put(&s, body, sizeof(body)), 0);
	assert_int_equal(enclave_stream_send(sv[0], &s), 0);
	enclave_stream_free(&s);
	assert_int_equal(recv_frame(sv[1], &s, &b, &len), 1);
	assert_int_equal(len, sizeof(body));
	assert_memory_equal(b, body, sizeof(body));
	enclave_stream_free(&s);
	assert_memory_equal(&s, &zero, sizeof(s));
	assert_int_equal(enclave_stream_recv(sv[1], &s), SIGIL_E_AGAIN_STREAM);
	enclave_stream_free(&s);
}

static void
many_small_frames(void **state)
{
	enum { N = 2000, BODY = 50 };
	struct enclave_stream out = {0}, in = {0};
	uint8_t body[BODY];
	const uint8_t *b;
	size_t len;
	unsigned put = 0, got = 0;
	int rounds;

	(void)state;
	/* A small send buffer, so that sends and receives must take turns. */
	{
		int sz = 4096;
		assert_int_equal(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz)), 0);
	}
	for (rounds = 0; rounds < 100000 && got < N; rounds++) {
		int rc;

		/* Some more frames, a varying number at a time. */
		for (unsigned k = 0; k < 1u + (unsigned)rounds % 37u && put < N; k++, put++) {
			fill(body, BODY, put);
			assert_int_equal(enclave_stream_put(&out, body, BODY), 0);
		}
		rc = enclave_stream_send(sv[0], &out);
		assert_true(rc == 0 || rc == SIGIL_E_AGAIN_STREAM);
		rc = enclave_stream_recv(sv[1], &in);
		assert_true(rc == 0 || rc == SIGIL_E_AGAIN_STREAM);
		while ((rc = enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &b, &len)) == 1) {
			assert_true(got < N);
			assert_int_equal(len, BODY);
			fill(body, BODY, got);
			assert_memory_equal(b, body, BODY);
			enclave_stream_pop(&in);
			got++;
		}
		assert_int_equal(rc, 0);
	}
	assert_int_equal(put, N);
	assert_int_equal(got, N);
	assert_int_equal(out.len - out.off, 0);
	assert_int_equal(in.len - in.off, 0);
	assert_int_equal(enclave_stream_recv(sv[1], &in), SIGIL_E_AGAIN_STREAM);
	enclave_stream_free(&out);
	enclave_stream_free(&in);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(put_send_recv_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(frame_in_pieces, setup, teardown),
		cmocka_unit_test_setup_teardown(recv_empty_and_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(too_big, setup, teardown),
		cmocka_unit_test_setup_teardown(empty_body, setup, teardown),
		cmocka_unit_test_setup_teardown(send_blocked_then_finished, setup, teardown),
		cmocka_unit_test_setup_teardown(pop_wipes, setup, teardown),
		cmocka_unit_test_setup_teardown(free_then_reuse, setup, teardown),
		cmocka_unit_test_setup_teardown(many_small_frames, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
