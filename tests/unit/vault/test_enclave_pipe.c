/* Calls to the key holder in flight together (vault/enclave/pipe.h),
 * against a fake key holder: a thread of this test that owns the other end
 * of a socketpair and speaks the real frames and CBOR (enclave/proto.h),
 * answering each Sign with a signature that echoes the request's message
 * and handle. Covered: a send with no live connection is refused and done
 * never called; 200 calls from 4 threads at once over two connections each
 * get their own reply, once, on the pipe's thread; the blocking call; a
 * holder that stops answering: the call past its deadline times out, the
 * connection is dropped and the other calls on it fail; a holder that
 * closes with calls in flight; a reply nobody asked for drops the
 * connection; stopping the pipe with calls in flight fails each of them.
 * And: a call due before an older one on its connection times out by its
 * own deadline; a short call on one connection while a long one waits on
 * another is not left to the thread's 1 s nap; calls sent one after another
 * to an idle pipe spread over every connection; ev_pipe_stop runs each
 * call's done on the pipe's thread before it returns; a call past its
 * deadline already is refused with SIGIL_E_TIMEOUT, sent nowhere.
 * Every wait here is bounded (and an alarm ends a run that hangs anyway). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/deadline.h"
#include "base/errors.h"
#include "enclave/proto.h"
#include "vault/enclave/pipe.h"

/* ---- the fake key holder ------------------------------------------------ */

enum { H_ANSWER, H_SILENT };

struct holder {
	int fd;                  /* the holder's end */
	pthread_t thr;
	bool running;
	atomic_bool stop;
	atomic_int mode;         /* H_ANSWER or H_SILENT */
	atomic_int unsolicited;  /* replies to send out of turn */
	atomic_int received;     /* requests read and decoded */
	atomic_int bad;          /* requests that were not what the test sends */
	atomic_bool eof;         /* the pipe's end went away */
};

/* The signature the fake holder makes: the message, then the handle
 * (little-endian), then 0xee. */
static void
echo_sig(const uint8_t msg[32], uint64_t handle, uint8_t sig[64])
{
	memcpy(sig, msg, 32);
	for (int i = 0; i < 8; i++)
		sig[32 + i] = (uint8_t)(handle >> (8 * i));
	memset(sig + 40, 0xee, 24);
}

static int
holder_reply(struct enclave_stream *out, const struct enclave_request *req)
{
	struct enclave_reply rep;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(&rep, 0, sizeof(rep));
	rep.ok = true;
	rep.has_sig = true;
	rep.key_type = SIGIL_KEY_ED25519;
	rep.sig_len = 64;
	if (req != NULL)
		echo_sig(req->msg, req->handle, rep.sig);
	if ((rc = enclave_reply_encode(ENCLAVE_SIGN, &rep, &buf, &len)) != 0)
		return rc;
	rc = enclave_stream_put(out, buf, len);
	free(buf);
	return rc;
}

static void *
holder_main(void *arg)
{
	struct holder *h = arg;
	struct enclave_stream in = {0}, out = {0};

	while (!atomic_load(&h->stop)) {
		struct pollfd pf = {.fd = h->fd, .events = POLLIN};
		const uint8_t *body;
		size_t len;
		int rc;

		if (atomic_exchange(&h->unsolicited, 0) > 0 && holder_reply(&out, NULL) != 0)
			atomic_fetch_add(&h->bad, 1);
		if (out.len > out.off)
			pf.events |= POLLOUT;
		poll(&pf, 1, 10);
		rc = enclave_stream_recv(h->fd, &in);
		if (rc != 0 && rc != SIGIL_E_AGAIN_STREAM) {
			atomic_store(&h->eof, true);
			break;
		}
		while ((rc = enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &body, &len)) == 1) {
			struct enclave_request req;
			char why[256];

			if (enclave_request_decode(body, len, &req, why, sizeof(why)) != 0 ||
			    req.op != ENCLAVE_SIGN || req.msg_len != 32) {
				atomic_fetch_add(&h->bad, 1);
			} else {
				atomic_fetch_add(&h->received, 1);
				if (atomic_load(&h->mode) == H_ANSWER && holder_reply(&out, &req) != 0)
					atomic_fetch_add(&h->bad, 1);
			}
			enclave_request_clear(&req);
			enclave_stream_pop(&in);
		}
		if (rc != 0)
			atomic_fetch_add(&h->bad, 1);
		if (out.len > out.off && (rc = enclave_stream_send(h->fd, &out)) != 0 &&
		    rc != SIGIL_E_AGAIN_STREAM) {
			atomic_store(&h->eof, true);
			break;
		}
	}
	enclave_stream_free(&in);
	enclave_stream_free(&out);
	return NULL;
}

enum { NHOLD = 4 };
static struct ev_pipe *pipe_;
static struct holder hold[NHOLD];

/* A socketpair: the pipe's end (non-blocking) adopted as connection idx,
 * the other end served by hold[idx]. */
static void
holder_start(size_t idx, int mode)
{
	struct holder *h = &hold[idx];
	int sv[2];

	assert_false(h->running);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	assert_int_equal(fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK), 0);
	h->fd = sv[1];
	atomic_store(&h->stop, false);
	atomic_store(&h->mode, mode);
	atomic_store(&h->unsolicited, 0);
	atomic_store(&h->received, 0);
	atomic_store(&h->bad, 0);
	atomic_store(&h->eof, false);
	assert_int_equal(pthread_create(&h->thr, NULL, holder_main, h), 0);
	h->running = true;
	assert_false(ev_pipe_live(pipe_, idx));
	assert_int_equal(ev_pipe_adopt(pipe_, idx, sv[0]), 0);
	assert_true(ev_pipe_live(pipe_, idx));
	/* Live already: another adopt of idx is refused. */
	{
		int other = dup(sv[1]);
		assert_true(other >= 0);
		assert_int_equal(ev_pipe_adopt(pipe_, idx, other), SIGIL_E_INVALID);
		close(other);
	}
}

/* Stops hold[idx]'s thread and closes its end. */
static void
holder_stop(size_t idx)
{
	struct holder *h = &hold[idx];

	if (!h->running)
		return;
	atomic_store(&h->stop, true);
	pthread_join(h->thr, NULL);
	close(h->fd);
	h->fd = -1;
	h->running = false;
}

/* ---- calls ---------------------------------------------------------------- */

struct call {
	struct ev_pending pend; /* first */
	uint8_t msg[32];
	uint64_t handle;
	pthread_t sender;
	int send_rc;
	/* What done saw. */
	atomic_int ndone;
	int rc;
	bool ok, has_sig;
	int key_type;
	uint8_t sig[SIGIL_SIG_MAX];
	size_t sig_len;
	pthread_t done_thr;
	uint64_t done_ms;
};

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv;
static int total_done;

static void
call_done(struct ev_pending *p, int rc, const struct enclave_reply *rep)
{
	struct call *c = (struct call *)p;

	c->rc = rc;
	c->done_thr = pthread_self();
	c->done_ms = sigil_monotonic_ms();
	if (rep != NULL) {
		c->ok = rep->ok;
		c->has_sig = rep->has_sig;
		c->key_type = (int)rep->key_type;
		c->sig_len = rep->sig_len;
		memcpy(c->sig, rep->sig, sizeof(c->sig));
	}
	atomic_fetch_add(&c->ndone, 1);
	pthread_mutex_lock(&mu);
	total_done++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

/* Waits (at most ms) until done has been called n times in all. */
static int
wait_done(int n, uint64_t ms)
{
	struct timespec until = sigil_monotonic_timespec_in(ms);
	int got;

	pthread_mutex_lock(&mu);
	while (total_done < n && pthread_cond_timedwait(&cv, &mu, &until) != ETIMEDOUT)
		;
	got = total_done;
	pthread_mutex_unlock(&mu);
	return got;
}

static int
done_count(void)
{
	int n;
	pthread_mutex_lock(&mu);
	n = total_done;
	pthread_mutex_unlock(&mu);
	return n;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Waits (at most ms) until cond(arg) holds. */
static bool
wait_for(bool (*cond)(void *), void *arg, uint64_t ms)
{
	uint64_t until = sigil_monotonic_ms() + ms;
	while (!cond(arg)) {
		if (sigil_monotonic_ms() >= until)
			return false;
		sleep_ms(2);
	}
	return true;
}

static bool
not_live0(void *arg)
{
	(void)arg;
	return !ev_pipe_live(pipe_, 0);
}

static bool
holder_eof(void *arg)
{
	return atomic_load(&((struct holder *)arg)->eof);
}

struct count_arg {
	struct holder *h;
	int n;
};

static bool
holder_has(void *arg)
{
	struct count_arg *a = arg;
	return atomic_load(&a->h->received) >= a->n;
}

static void
call_init(struct call *c, unsigned id, uint64_t dl_ms)
{
	memset(c, 0, sizeof(*c));
	for (int i = 0; i < 32; i++)
		c->msg[i] = (uint8_t)(id * 131u + (unsigned)i * 17u + (id >> 8));
	c->msg[0] = (uint8_t)id;
	c->msg[1] = (uint8_t)(id >> 8);
	c->handle = 1000 + id;
	c->pend.done = call_done;
	c->pend.dl = sigil_deadline_in(dl_ms);
	c->rc = 12345;
}

static void
sign_req(struct enclave_request *req, uint8_t *msg, uint64_t handle)
{
	memset(req, 0, sizeof(*req));
	req->op = ENCLAVE_SIGN;
	req->handle = handle;
	req->msg = msg;
	req->msg_len = 32;
	req->scheme = ENCLAVE_SCHEME_TEZOS;
}

static int
call_send(struct call *c)
{
	struct enclave_request req;

	sign_req(&req, c->msg, c->handle);
	c->sender = pthread_self();
	c->send_rc = ev_pipe_send(pipe_, &req, &c->pend);
	return c->send_rc;
}

/* The call got the reply to its own request. */
static void
assert_own_reply(const struct call *c)
{
	uint8_t want[64];

	assert_int_equal(c->rc, 0);
	assert_true(c->ok);
	assert_true(c->has_sig);
	assert_int_equal(c->key_type, SIGIL_KEY_ED25519);
	assert_int_equal(c->sig_len, 64);
	echo_sig(c->msg, c->handle, want);
	assert_memory_equal(c->sig, want, 64);
}

/* ev_pipe_call on a thread of its own, waited for at most wait_ms: its
 * outcome, or 999 when it did not return in time (the thread is then
 * left behind, with what it uses). */
struct blocking {
	uint8_t msg[32];
	uint64_t handle;
	struct sigil_deadline dl;
	struct enclave_reply rep;
	int rc;
	bool returned;
	pthread_mutex_t mu;
	pthread_cond_t cv;
};

static void *
blocking_main(void *arg)
{
	struct blocking *b = arg;
	struct enclave_request req;
	int rc;

	sign_req(&req, b->msg, b->handle);
	rc = ev_pipe_call(pipe_, &req, &b->rep, &b->dl);
	pthread_mutex_lock(&b->mu);
	b->rc = rc;
	b->returned = true;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	return NULL;
}

/* With the deadline dl as it is (at_ms may be in the past). */
static struct blocking *
blocking_start_at(unsigned id, struct sigil_deadline dl, pthread_t *thr)
{
	struct blocking *b = calloc(1, sizeof(*b));
	pthread_condattr_t ca;
	struct call tmp;

	assert_non_null(b);
	call_init(&tmp, id, 0);
	memcpy(b->msg, tmp.msg, 32);
	b->handle = tmp.handle;
	b->dl = dl;
	pthread_mutex_init(&b->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->cv, &ca);
	pthread_condattr_destroy(&ca);
	assert_int_equal(pthread_create(thr, NULL, blocking_main, b), 0);
	return b;
}

static struct blocking *
blocking_start(unsigned id, uint64_t dl_ms, pthread_t *thr)
{
	return blocking_start_at(id, sigil_deadline_in(dl_ms), thr);
}

/* Waits at most wait_ms; the thread is joined and b freed when it
 * returned (then its outcome; else 999). */
static int
blocking_wait(struct blocking *b, pthread_t thr, uint64_t wait_ms, struct enclave_reply *rep)
{
	struct timespec until = sigil_monotonic_timespec_in(wait_ms);
	bool returned;
	int rc;

	pthread_mutex_lock(&b->mu);
	while (!b->returned && pthread_cond_timedwait(&b->cv, &b->mu, &until) != ETIMEDOUT)
		;
	returned = b->returned;
	rc = b->rc;
	pthread_mutex_unlock(&b->mu);
	if (!returned) {
		pthread_detach(thr);
		return 999;
	}
	pthread_join(thr, NULL);
	if (rep != NULL)
		*rep = b->rep;
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	free(b);
	return rc;
}

/* ---- setup ------------------------------------------------------------------ */

/* A pipe of n connections, none live yet. */
static int
setup_n(size_t n)
{
	total_done = 0;
	return ev_pipe_start("test", n, &pipe_);
}

static int
setup1(void **state)
{
	(void)state;
	return setup_n(1);
}

static int
setup2(void **state)
{
	(void)state;
	return setup_n(2);
}

static int
setup4(void **state)
{
	(void)state;
	return setup_n(4);
}

static int
teardown(void **state)
{
	(void)state;
	/* The pipe first: it closes its ends, and the holders see it. */
	ev_pipe_stop(pipe_);
	pipe_ = NULL;
	for (size_t i = 0; i < NHOLD; i++)
		holder_stop(i);
	return 0;
}

/* ---- (a) nothing live ----------------------------------------------------- */

static struct call calls[200];

static void
send_not_ready(void **state)
{
	struct enclave_reply rep;
	struct blocking *b;
	pthread_t thr;

	(void)state;
	assert_false(ev_pipe_live(pipe_, 0));
	assert_false(ev_pipe_live(pipe_, 1)); /* out of range */
	assert_int_equal(ev_pipe_live_count(pipe_), 0);
	call_init(&calls[0], 0, 5000);
	assert_int_equal(call_send(&calls[0]), SIGIL_E_NOT_READY);
	/* Without a deadline of its own, too. */
	call_init(&calls[1], 1, 0);
	calls[1].pend.dl.at_ms = 0;
	assert_int_equal(call_send(&calls[1]), SIGIL_E_NOT_READY);
	/* The blocking call says so at once. */
	b = blocking_start(2, 5000, &thr);
	assert_int_equal(blocking_wait(b, thr, 2000, &rep), SIGIL_E_NOT_READY);
	/* An adopt out of range is refused. */
	assert_int_equal(ev_pipe_adopt(pipe_, 1, 0), SIGIL_E_INVALID);
	/* done is never called. */
	sleep_ms(50);
	assert_int_equal(done_count(), 0);
	assert_int_equal(atomic_load(&calls[0].ndone), 0);
	assert_int_equal(atomic_load(&calls[1].ndone), 0);
}

/* ---- (b) many calls at once ----------------------------------------------- */

enum { SENDERS = 4, PER_SENDER = 50 };
static pthread_barrier_t go;

static void *
sender_main(void *arg)
{
	size_t t = (size_t)(uintptr_t)arg;

	pthread_barrier_wait(&go);
	for (size_t j = 0; j < PER_SENDER; j++)
		call_send(&calls[t * PER_SENDER + j]);
	return NULL;
}

static void
many_at_once(void **state)
{
	pthread_t thr[SENDERS];
	pthread_t pipe_thr;

	(void)state;
	holder_start(0, H_ANSWER);
	holder_start(1, H_ANSWER);
	assert_int_equal(ev_pipe_live_count(pipe_), 2);
	for (unsigned i = 0; i < SENDERS * PER_SENDER; i++)
		call_init(&calls[i], i, 10000);
	assert_int_equal(pthread_barrier_init(&go, NULL, SENDERS), 0);
	for (size_t t = 0; t < SENDERS; t++)
		assert_int_equal(pthread_create(&thr[t], NULL, sender_main, (void *)(uintptr_t)t), 0);
	for (size_t t = 0; t < SENDERS; t++)
		pthread_join(thr[t], NULL);
	pthread_barrier_destroy(&go);

	assert_int_equal(wait_done(SENDERS * PER_SENDER, 10000), SENDERS * PER_SENDER);
	sleep_ms(50); /* nothing more comes */
	assert_int_equal(done_count(), SENDERS * PER_SENDER);
	pipe_thr = calls[0].done_thr;
	for (unsigned i = 0; i < SENDERS * PER_SENDER; i++) {
		struct call *c = &calls[i];
		assert_int_equal(c->send_rc, 0);
		assert_int_equal(atomic_load(&c->ndone), 1);
		assert_own_reply(c);
		/* On the pipe's thread: never the sender's, nor this one. */
		assert_false(pthread_equal(c->done_thr, c->sender));
		assert_false(pthread_equal(c->done_thr, pthread_self()));
		assert_true(pthread_equal(c->done_thr, pipe_thr));
	}
	assert_int_equal(atomic_load(&hold[0].received) + atomic_load(&hold[1].received),
	                 SENDERS * PER_SENDER);
	assert_int_equal(atomic_load(&hold[0].bad), 0);
	assert_int_equal(atomic_load(&hold[1].bad), 0);
	assert_int_equal(ev_pipe_live_count(pipe_), 2);
}

/* ---- (c) the blocking call -------------------------------------------------- */

static void
blocking_call(void **state)
{
	struct enclave_reply rep;
	struct call want;
	uint8_t sig[64];
	pthread_t thr;

	(void)state;
	holder_start(0, H_ANSWER);
	for (unsigned i = 0; i < 5; i++) {
		struct blocking *b = blocking_start(7 + i, 5000, &thr);
		memset(&rep, 0x55, sizeof(rep));
		assert_int_equal(blocking_wait(b, thr, 5000, &rep), 0);
		assert_true(rep.ok);
		assert_true(rep.has_sig);
		assert_int_equal(rep.key_type, SIGIL_KEY_ED25519);
		assert_int_equal(rep.sig_len, 64);
		call_init(&want, 7 + i, 0);
		echo_sig(want.msg, want.handle, sig);
		assert_memory_equal(rep.sig, sig, 64);
	}
	/* Without a deadline (the pipe's default applies). */
	{
		struct blocking *b = blocking_start(20, 0, &thr);
		assert_int_equal(blocking_wait(b, thr, 5000, &rep), 0);
		assert_true(rep.ok);
	}
	assert_int_equal(atomic_load(&hold[0].received), 6);
	assert_true(ev_pipe_live(pipe_, 0));
}

/* ---- (d) no answer by the deadline ---------------------------------------- */

static void
deadline(void **state)
{
	struct count_arg one = {&hold[0], 1}, all = {&hold[0], 4};
	struct blocking *b;
	pthread_t thr;
	uint64_t t0, took;
	int rc;

	(void)state;
	holder_start(0, H_SILENT);
	t0 = sigil_monotonic_ms();
	b = blocking_start(0, 200, &thr);
	/* The short call first (the oldest on the connection), then three
	 * with plenty of time. */
	assert_true(wait_for(holder_has, &one, 2000));
	for (unsigned i = 1; i < 4; i++) {
		call_init(&calls[i], i, 10000);
		assert_int_equal(call_send(&calls[i]), 0);
	}
	assert_true(wait_for(holder_has, &all, 2000));
	rc = blocking_wait(b, thr, 2000, NULL);
	took = sigil_monotonic_ms() - t0;
	assert_int_equal(rc, SIGIL_E_TIMEOUT);
	assert_true(took >= 190);
	assert_true(took < 2000);
	/* The connection is gone with it, and so is every call on it. */
	assert_false(ev_pipe_live(pipe_, 0));
	assert_int_equal(ev_pipe_live_count(pipe_), 0);
	assert_int_equal(wait_done(3, 2000), 3);
	for (unsigned i = 1; i < 4; i++) {
		struct call *c = &calls[i];
		assert_int_equal(atomic_load(&c->ndone), 1);
		assert_true(c->rc == EV_LOST || c->rc == SIGIL_E_TIMEOUT);
		assert_false(pthread_equal(c->done_thr, pthread_self()));
	}
	assert_true(wait_for(holder_eof, &hold[0], 2000));
	/* Nothing live: refused. */
	call_init(&calls[10], 10, 5000);
	assert_int_equal(call_send(&calls[10]), SIGIL_E_NOT_READY);

	/* A new connection in its place serves again. */
	holder_stop(0);
	holder_start(0, H_ANSWER);
	call_init(&calls[11], 11, 5000);
	assert_int_equal(call_send(&calls[11]), 0);
	assert_int_equal(wait_done(4, 5000), 4);
	assert_own_reply(&calls[11]);
	assert_int_equal(atomic_load(&calls[10].ndone), 0);
}

/* With no connection live: call slot is refused unsent, and no done runs
 * beyond the dones already counted. */
static void
assert_refused_unsent(unsigned slot, int dones)
{
	assert_int_equal(ev_pipe_live_count(pipe_), 0);
	call_init(&calls[slot], slot, 5000);
	assert_int_equal(call_send(&calls[slot]), SIGIL_E_NOT_READY);
	sleep_ms(20);
	assert_int_equal(done_count(), dones);
}

/* ---- (e) the holder goes away --------------------------------------------- */

static void
holder_closes(void **state)
{
	struct count_arg all = {&hold[0], 5};

	(void)state;
	holder_start(0, H_SILENT);
	/* All with time to spare: they fail because the holder goes, not
	 * because they are late (a call past due drops its connection by
	 * itself: later_due_first). */
	for (unsigned i = 0; i < 5; i++) {
		call_init(&calls[i], i, 10000);
		assert_int_equal(call_send(&calls[i]), 0);
	}
	assert_true(wait_for(holder_has, &all, 2000));
	sleep_ms(300);
	holder_stop(0);
	assert_int_equal(wait_done(5, 2000), 5);
	for (unsigned i = 0; i < 5; i++) {
		struct call *c = &calls[i];
		assert_int_equal(atomic_load(&c->ndone), 1);
		assert_int_equal(c->rc, EV_LOST);
		assert_false(pthread_equal(c->done_thr, pthread_self()));
	}
	assert_true(wait_for(not_live0, NULL, 2000));
	assert_refused_unsent(5, 5);
}

/* ---- (f) a reply nobody asked for ----------------------------------------- */

static void
unsolicited_reply(void **state)
{
	struct enclave_reply rep;
	struct blocking *b;
	pthread_t thr;

	(void)state;
	holder_start(0, H_ANSWER);
	/* A call first, answered. */
	b = blocking_start(3, 5000, &thr);
	assert_int_equal(blocking_wait(b, thr, 5000, &rep), 0);
	assert_true(rep.ok);
	assert_true(ev_pipe_live(pipe_, 0));
	/* Then a reply with no call in flight: the connection goes. */
	atomic_store(&hold[0].unsolicited, 1);
	assert_true(wait_for(not_live0, NULL, 2000));
	assert_true(wait_for(holder_eof, &hold[0], 2000));
	assert_refused_unsent(0, 0);
}

/* ---- (g) stopping with calls in flight ------------------------------------ */

static void
stop_in_flight(void **state)
{
	struct count_arg all = {&hold[0], 5};
	uint64_t t0;

	(void)state;
	holder_start(0, H_SILENT);
	for (unsigned i = 0; i < 5; i++) {
		call_init(&calls[i], i, 10000);
		assert_int_equal(call_send(&calls[i]), 0);
	}
	assert_true(wait_for(holder_has, &all, 2000));
	assert_int_equal(done_count(), 0);
	t0 = sigil_monotonic_ms();
	ev_pipe_stop(pipe_);
	pipe_ = NULL;
	assert_true(sigil_monotonic_ms() - t0 < 2000);
	/* Every call answered by the time it returns. */
	assert_int_equal(done_count(), 5);
	for (unsigned i = 0; i < 5; i++) {
		assert_int_equal(atomic_load(&calls[i].ndone), 1);
		assert_int_equal(calls[i].rc, EV_LOST);
	}
	assert_true(wait_for(holder_eof, &hold[0], 2000));
}

/* ---- (h) a later call due first ------------------------------------------- */

static void
later_due_first(void **state)
{
	struct call *a = &calls[0], *b = &calls[1];
	struct count_arg both = {&hold[0], 2};
	uint64_t sent_b;

	(void)state;
	holder_start(0, H_SILENT);
	/* A, with time to spare, is the oldest on the connection; B, behind
	 * it, is due long before it. */
	call_init(a, 0, 3000);
	assert_int_equal(call_send(a), 0);
	call_init(b, 1, 200);
	sent_b = sigil_monotonic_ms();
	assert_int_equal(call_send(b), 0);
	assert_int_equal(wait_done(2, 5000), 2);
	/* B times out by its own deadline, not A's. */
	assert_int_equal(atomic_load(&b->ndone), 1);
	assert_int_equal(b->rc, SIGIL_E_TIMEOUT);
	assert_true(b->done_ms >= b->pend.dl.at_ms);
	assert_in_range(b->done_ms - sent_b, 0, 1499);
	/* A goes with the connection. */
	assert_int_equal(atomic_load(&a->ndone), 1);
	assert_true(a->rc == EV_LOST || a->rc == SIGIL_E_TIMEOUT);
	assert_in_range(a->done_ms - sent_b, 0, 1499);
	assert_false(pthread_equal(a->done_thr, pthread_self()));
	assert_false(pthread_equal(b->done_thr, pthread_self()));
	assert_false(ev_pipe_live(pipe_, 0));
	assert_int_equal(ev_pipe_live_count(pipe_), 0);
	assert_true(wait_for(holder_has, &both, 2000));
	assert_true(wait_for(holder_eof, &hold[0], 2000));
	assert_int_equal(atomic_load(&hold[0].bad), 0);
	sleep_ms(20);
	assert_int_equal(done_count(), 2);
}

/* ---- (i) a short call while a long one waits elsewhere -------------------- */

static bool
holders_have_one(void *arg)
{
	(void)arg;
	return atomic_load(&hold[0].received) + atomic_load(&hold[1].received) >= 1;
}

static void
short_call_wakes(void **state)
{
	struct call *x = &calls[0], *y = &calls[1];
	struct count_arg y_got;
	size_t xi, yi;
	uint64_t sent_y;

	(void)state;
	holder_start(0, H_SILENT);
	holder_start(1, H_SILENT);
	/* X, with 60 s left, on one connection: the pipe's thread then naps
	 * its longest (1 s) between looks at the deadlines. */
	call_init(x, 0, 60000);
	assert_int_equal(call_send(x), 0);
	assert_true(wait_for(holders_have_one, NULL, 2000));
	xi = atomic_load(&hold[0].received) == 1 ? 0 : 1;
	yi = 1 - xi;
	sleep_ms(20);
	/* Y, due in 200 ms, goes to the other (fewer in flight). */
	call_init(y, 1, 200);
	sent_y = sigil_monotonic_ms();
	assert_int_equal(call_send(y), 0);
	assert_int_equal(wait_done(1, 3000), 1);
	assert_int_equal(atomic_load(&y->ndone), 1);
	assert_int_equal(y->rc, SIGIL_E_TIMEOUT);
	assert_true(y->done_ms >= y->pend.dl.at_ms);
	/* Woken for it: not at the end of the nap. */
	assert_in_range(y->done_ms - sent_y, 0, 899);
	assert_false(pthread_equal(y->done_thr, pthread_self()));
	y_got.h = &hold[yi];
	y_got.n = 1;
	assert_true(wait_for(holder_has, &y_got, 2000));
	assert_int_equal(atomic_load(&hold[xi].received), 1);
	/* Y's connection is dropped; X's stays, X still in flight. */
	assert_false(ev_pipe_live(pipe_, yi));
	assert_true(ev_pipe_live(pipe_, xi));
	assert_int_equal(atomic_load(&x->ndone), 0);
	assert_true(wait_for(holder_eof, &hold[yi], 2000));
	assert_false(atomic_load(&hold[xi].eof));
	/* (The teardown's stop fails X.) */
}

/* ---- (j) ties spread ---------------------------------------------------- */

static void
ties_spread_n(size_t n, unsigned calls_n)
{
	struct enclave_reply rep;
	pthread_t thr;
	int sum = 0;

	for (size_t i = 0; i < n; i++)
		holder_start(i, H_ANSWER);
	assert_int_equal(ev_pipe_live_count(pipe_), n);
	/* One after another: each finds every connection idle. */
	for (unsigned k = 0; k < calls_n; k++) {
		struct blocking *b = blocking_start(30 + k, 5000, &thr);
		assert_int_equal(blocking_wait(b, thr, 5000, &rep), 0);
		assert_true(rep.ok);
	}
	for (size_t i = 0; i < n; i++) {
		int got = atomic_load(&hold[i].received);
		/* Counted before the holder answers: all there by now. */
		assert_in_range(got, 1, calls_n);
		assert_int_equal(atomic_load(&hold[i].bad), 0);
		sum += got;
	}
	assert_int_equal(sum, (int)calls_n);
	assert_int_equal(ev_pipe_live_count(pipe_), n);
}

static void
ties_spread2(void **state)
{
	(void)state;
	ties_spread_n(2, 20);
}

static void
ties_spread4(void **state)
{
	(void)state;
	ties_spread_n(4, 40);
}

/* ---- (k) stopping: done on the pipe's thread ------------------------------ */

static bool
holders_have_seven(void *arg)
{
	(void)arg;
	return atomic_load(&hold[0].received) + atomic_load(&hold[1].received) >= 7;
}

static void
stop_done_on_pipe_thread(void **state)
{
	pthread_t pipe_thr;
	uint64_t t0;

	(void)state;
	holder_start(0, H_ANSWER);
	holder_start(1, H_ANSWER);
	/* One answered call shows which thread is the pipe's. */
	call_init(&calls[0], 0, 5000);
	assert_int_equal(call_send(&calls[0]), 0);
	assert_int_equal(wait_done(1, 5000), 1);
	assert_own_reply(&calls[0]);
	pipe_thr = calls[0].done_thr;
	assert_false(pthread_equal(pipe_thr, pthread_self()));
	/* Then six left in flight, over both connections. */
	atomic_store(&hold[0].mode, H_SILENT);
	atomic_store(&hold[1].mode, H_SILENT);
	for (unsigned i = 1; i <= 6; i++) {
		call_init(&calls[i], i, 10000);
		assert_int_equal(call_send(&calls[i]), 0);
	}
	assert_true(wait_for(holders_have_seven, NULL, 2000));
	assert_true(atomic_load(&hold[0].received) >= 2);
	assert_true(atomic_load(&hold[1].received) >= 2);
	assert_int_equal(done_count(), 1);
	t0 = sigil_monotonic_ms();
	ev_pipe_stop(pipe_);
	pipe_ = NULL;
	/* Every done has run by the time it returns, ... */
	assert_int_equal(done_count(), 7);
	assert_true(sigil_monotonic_ms() - t0 < 2000);
	for (unsigned i = 1; i <= 6; i++) {
		struct call *c = &calls[i];
		assert_int_equal(atomic_load(&c->ndone), 1);
		assert_int_equal(c->rc, EV_LOST);
		/* ... and on the pipe's thread, never the one that stopped it. */
		assert_false(pthread_equal(c->done_thr, pthread_self()));
		assert_true(pthread_equal(c->done_thr, pipe_thr));
	}
	assert_true(wait_for(holder_eof, &hold[0], 2000));
	assert_true(wait_for(holder_eof, &hold[1], 2000));
}

/* ---- (l) a deadline passed before the send --------------------------------- */

static void
send_past_deadline(void **state)
{
	struct enclave_reply rep;
	struct blocking *b;
	pthread_t thr;

	(void)state;
	holder_start(0, H_ANSWER);
	/* Long past. */
	call_init(&calls[0], 0, 5000);
	calls[0].pend.dl.at_ms = 1;
	assert_int_equal(call_send(&calls[0]), SIGIL_E_TIMEOUT);
	/* Just now. */
	call_init(&calls[1], 1, 5000);
	calls[1].pend.dl.at_ms = sigil_monotonic_ms();
	assert_int_equal(call_send(&calls[1]), SIGIL_E_TIMEOUT);
	/* The blocking call says so at once. */
	b = blocking_start_at(2, (struct sigil_deadline){1}, &thr);
	assert_int_equal(blocking_wait(b, thr, 2000, &rep), SIGIL_E_TIMEOUT);
	/* Nothing was sent, done never called, the connection untouched. */
	sleep_ms(50);
	assert_int_equal(done_count(), 0);
	assert_int_equal(atomic_load(&calls[0].ndone), 0);
	assert_int_equal(atomic_load(&calls[1].ndone), 0);
	assert_int_equal(atomic_load(&hold[0].received), 0);
	assert_true(ev_pipe_live(pipe_, 0));
	assert_int_equal(ev_pipe_live_count(pipe_), 1);
	/* It answers the next call. */
	call_init(&calls[3], 3, 5000);
	assert_int_equal(call_send(&calls[3]), 0);
	assert_int_equal(wait_done(1, 5000), 1);
	assert_int_equal(atomic_load(&calls[3].ndone), 1);
	assert_own_reply(&calls[3]);
	assert_false(pthread_equal(calls[3].done_thr, pthread_self()));
	assert_int_equal(atomic_load(&hold[0].received), 1);
	assert_int_equal(atomic_load(&hold[0].bad), 0);
	assert_true(ev_pipe_live(pipe_, 0));
	assert_false(atomic_load(&hold[0].eof));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(send_not_ready, setup1, teardown),
		cmocka_unit_test_setup_teardown(many_at_once, setup2, teardown),
		cmocka_unit_test_setup_teardown(blocking_call, setup1, teardown),
		cmocka_unit_test_setup_teardown(deadline, setup1, teardown),
		cmocka_unit_test_setup_teardown(holder_closes, setup1, teardown),
		cmocka_unit_test_setup_teardown(unsolicited_reply, setup1, teardown),
		cmocka_unit_test_setup_teardown(stop_in_flight, setup1, teardown),
		cmocka_unit_test_setup_teardown(later_due_first, setup1, teardown),
		cmocka_unit_test_setup_teardown(short_call_wakes, setup2, teardown),
		cmocka_unit_test_setup_teardown(ties_spread2, setup2, teardown),
		cmocka_unit_test_setup_teardown(ties_spread4, setup4, teardown),
		cmocka_unit_test_setup_teardown(stop_done_on_pipe_thread, setup2, teardown),
		cmocka_unit_test_setup_teardown(send_past_deadline, setup1, teardown),
	};
	pthread_condattr_t ca;

	/* Whatever happens, no run hangs. */
	alarm(120);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&cv, &ca);
	pthread_condattr_destroy(&ca);
	for (size_t i = 0; i < NHOLD; i++)
		hold[i].fd = -1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
