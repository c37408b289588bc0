/* Calls in flight together (pipe.h). Each connection's sender side is
 * under its mutex (the frames waiting to go, the calls waiting for
 * replies, in order); its reading side is the pipe thread's alone. A
 * connection leaves the pipe only on that thread (pipe_fail), which is
 * also the only one that calls a pending call's done. */
#include "vault/enclave/pipe.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"

#define PIPE_WAKE UINT64_MAX /* the eventfd's epoll tag */

struct pipe_conn {
	pthread_mutex_t mu;
	_Atomic int fd;             /* -1: not live; set under mu */
	struct enclave_stream out;  /* frames not sent yet (under mu) */
	struct enclave_stream in;   /* the thread's */
	struct ev_pending *head, *tail; /* waiting for replies (under mu) */
	_Atomic size_t inflight;    /* how many (set under mu) */
	bool want_out;              /* EPOLLOUT asked for (under mu) */
};

struct ev_pipe {
	char name[64];
	int ep, wake;
	pthread_t thr;
	bool started;
	atomic_bool stop;
	/* When the thread will look at the deadlines next (monotonic ms;
	 * UINT64_MAX: not before something comes): a call due sooner wakes
	 * it, so that its deadline is kept. Under load every new call is due
	 * after those in flight, and nobody is woken. */
	_Atomic uint64_t wake_at; /* 0 while it is awake */
	/* Calls queued so far: the thread looks again when one came while
	 * it looked. */
	_Atomic uint64_t queued;
	atomic_uint next;
	size_t n;
	struct pipe_conn c[];
};

/* ---- the pipe's thread ---------------------------------------------------- */

/* Connection idx is gone: every call on it fails (TIMEOUT past its
 * deadline, else EV_LOST), and its fd is closed. */
static void
pipe_fail(struct ev_pipe *p, size_t idx, const char *why)
{
	struct pipe_conn *c = &p->c[idx];
	struct ev_pending *list, *next;
	int fd;

	pthread_mutex_lock(&c->mu);
	fd = atomic_load(&c->fd);
	atomic_store(&c->fd, -1);
	list = c->head;
	c->head = c->tail = NULL;
	atomic_store(&c->inflight, 0);
	c->want_out = false;
	enclave_stream_free(&c->out);
	pthread_mutex_unlock(&c->mu);
	enclave_stream_free(&c->in);
	if (fd < 0)
		return;
	epoll_ctl(p->ep, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	if (why != NULL)
		log_warn("vault %s: connection %zu to the key holder dropped: %s", p->name, idx, why);
	for (; list != NULL; list = next) {
		next = list->next;
		list->done(list, sigil_deadline_passed(&list->dl) ? SIGIL_E_TIMEOUT : EV_LOST, NULL);
	}
}

/* The first call waiting on c, taken off its list. */
static struct ev_pending *
pipe_pop(struct pipe_conn *c)
{
	struct ev_pending *e;

	pthread_mutex_lock(&c->mu);
	if ((e = c->head) != NULL) {
		c->head = e->next;
		if (c->head == NULL)
			c->tail = NULL;
		atomic_fetch_sub(&c->inflight, 1);
	}
	pthread_mutex_unlock(&c->mu);
	return e;
}

/* What came on idx: each whole reply to its call. One read a wake-up: the
 * poll says again when more is there. */
static void
pipe_read(struct ev_pipe *p, size_t idx)
{
	struct pipe_conn *c = &p->c[idx];
	const uint8_t *body;
	size_t len;
	int fd = atomic_load(&c->fd), rc;

	if (fd < 0)
		return;
	rc = enclave_stream_recv(fd, &c->in);
	if (rc == SIGIL_E_AGAIN_STREAM)
		return;
	if (rc != 0) {
		pipe_fail(p, idx, rc == SIGIL_E_NOT_FOUND ? "closed by the key holder"
		                                          : "read failed");
		return;
	}
	while ((rc = enclave_stream_frame(&c->in, ENCLAVE_FRAME_MAX, &body, &len)) == 1) {
		struct ev_pending *e = pipe_pop(c);
		struct enclave_reply rep;
		char why[ENCLAVE_ERR_MAX];

		if (e == NULL) {
			pipe_fail(p, idx, "a reply nobody asked for");
			return;
		}
		if (sigil_deadline_passed(&e->dl)) {
			/* Late: whatever it holds is never handed out. */
			enclave_stream_pop(&c->in);
			e->done(e, SIGIL_E_TIMEOUT, NULL);
			continue;
		}
		rc = enclave_reply_decode(e->op, body, len, &rep, why, sizeof(why));
		enclave_stream_pop(&c->in);
		if (rc != 0)
			log_warn("vault %s: key holder %s: bad reply: %s", p->name, enclave_op_name(e->op),
			         why);
		e->done(e, rc == 0 ? 0 : SIGIL_E_INVALID, rc == 0 ? &rep : NULL);
		sodium_memzero(&rep, sizeof(rep));
	}
	if (rc == SIGIL_E_TOO_BIG)
		pipe_fail(p, idx, "a reply over the ceiling");
}

/* idx may take more bytes: what waits goes. */
static void
pipe_flush(struct ev_pipe *p, size_t idx)
{
	struct pipe_conn *c = &p->c[idx];
	int fd, rc = 0;

	pthread_mutex_lock(&c->mu);
	fd = atomic_load(&c->fd);
	if (fd >= 0 && c->want_out && (rc = enclave_stream_send(fd, &c->out)) == 0) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = idx};
		c->want_out = false;
		epoll_ctl(p->ep, EPOLL_CTL_MOD, fd, &ev);
	}
	pthread_mutex_unlock(&c->mu);
	if (rc == SIGIL_E_IO)
		pipe_fail(p, idx, "write failed");
}

/* Milliseconds until the first call in flight is due (-1: none), and
 * every connection with a call past due dropped: the holder has not
 * answered it in all the time it had (and every call behind it waits on
 * it). */
static int
pipe_due(struct ev_pipe *p)
{
	uint64_t first = UINT64_MAX, now = sigil_monotonic_ms();

	for (size_t i = 0; i < p->n; i++) {
		struct pipe_conn *c = &p->c[i];
		uint64_t soonest = UINT64_MAX;

		if (atomic_load(&c->fd) < 0)
			continue;
		pthread_mutex_lock(&c->mu);
		for (const struct ev_pending *e = c->head; e != NULL; e = e->next)
			if (e->dl.at_ms < soonest)
				soonest = e->dl.at_ms;
		pthread_mutex_unlock(&c->mu);
		if (soonest <= now) {
			pipe_fail(p, i, "no answer in time");
			continue;
		}
		if (soonest < first)
			first = soonest;
	}
	if (first == UINT64_MAX)
		return -1;
	return first - now > 1000 ? 1000 : (int)(first - now) + 1;
}

static void *
pipe_main(void *arg)
{
	struct ev_pipe *p = arg;
	struct epoll_event evs[32];

	while (!atomic_load(&p->stop)) {
		uint64_t seen;
		int ms, n;

		/* A call queued while we look makes us look again; one queued
		 * after that sees when we wake, and wakes us if it is due
		 * sooner. */
		atomic_store(&p->wake_at, 0);
		do {
			seen = atomic_load(&p->queued);
			ms = pipe_due(p);
			atomic_store(&p->wake_at,
			             ms < 0 ? UINT64_MAX : sigil_monotonic_ms() + (uint64_t)ms);
		} while (atomic_load(&p->queued) != seen);
		n = epoll_wait(p->ep, evs, 32, ms);

		if (n < 0 && errno != EINTR) {
			log_error("vault %s: epoll_wait: %s", p->name, strerror(errno));
			struct timespec ts = {0, 10 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64, v;
			if (tag == PIPE_WAKE) {
				if (read(p->wake, &v, sizeof(v)) < 0 && errno != EAGAIN)
					log_warn("vault %s: eventfd: %s", p->name, strerror(errno));
				continue;
			}
			if (evs[i].events & EPOLLOUT)
				pipe_flush(p, (size_t)tag);
			if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
				pipe_read(p, (size_t)tag);
		}
	}
	/* Calls still in flight hear of it here, on this thread, as always. */
	for (size_t i = 0; i < p->n; i++)
		pipe_fail(p, i, NULL);
	return NULL;
}

/* ---- the senders' side ------------------------------------------------------ */

int
ev_pipe_start(const char *name, size_t n, struct ev_pipe **out)
{
	struct ev_pipe *p = calloc(1, sizeof(*p) + n * sizeof(p->c[0]));
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = PIPE_WAKE};

	*out = NULL;
	if (p == NULL)
		return SIGIL_E_NOMEM;
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->n = n;
	p->ep = p->wake = -1;
	for (size_t i = 0; i < n; i++) {
		pthread_mutex_init(&p->c[i].mu, NULL);
		atomic_store(&p->c[i].fd, -1);
	}
	if ((p->ep = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
	    (p->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0 ||
	    epoll_ctl(p->ep, EPOLL_CTL_ADD, p->wake, &ev) != 0 ||
	    pthread_create(&p->thr, NULL, pipe_main, p) != 0) {
		ev_pipe_stop(p);
		return SIGIL_E_IO;
	}
	p->started = true;
	*out = p;
	return 0;
}

void
ev_pipe_stop(struct ev_pipe *p)
{
	uint64_t one = 1;

	if (p == NULL)
		return;
	if (p->started) {
		atomic_store(&p->stop, true);
		if (write(p->wake, &one, sizeof(one)) < 0)
			log_warn("vault %s: eventfd: %s", p->name, strerror(errno));
		pthread_join(p->thr, NULL);
	}
	for (size_t i = 0; i < p->n; i++) {
		pipe_fail(p, i, NULL);
		pthread_mutex_destroy(&p->c[i].mu);
	}
	if (p->wake >= 0)
		close(p->wake);
	if (p->ep >= 0)
		close(p->ep);
	free(p);
}

int
ev_pipe_adopt(struct ev_pipe *p, size_t idx, int fd)
{
	struct pipe_conn *c = &p->c[idx];
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = idx};

	if (idx >= p->n || atomic_load(&c->fd) >= 0)
		return SIGIL_E_INVALID;
	/* Watched before it is used: a reply never comes unseen. */
	if (epoll_ctl(p->ep, EPOLL_CTL_ADD, fd, &ev) != 0)
		return SIGIL_E_IO;
	pthread_mutex_lock(&c->mu);
	atomic_store(&c->fd, fd);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

bool
ev_pipe_live(struct ev_pipe *p, size_t idx)
{
	return idx < p->n && atomic_load(&p->c[idx].fd) >= 0;
}

size_t
ev_pipe_live_count(struct ev_pipe *p)
{
	size_t n = 0;
	for (size_t i = 0; i < p->n; i++)
		n += atomic_load(&p->c[i].fd) >= 0;
	return n;
}

/* The live connection with the fewest calls in flight, starting the
 * search at a rotating place so that ties spread; -1 when none is live. */
static long
pipe_pick(struct ev_pipe *p)
{
	unsigned start = atomic_fetch_add(&p->next, 1);
	size_t best_load = SIZE_MAX;
	long best = -1;

	for (size_t k = 0; k < p->n; k++) {
		size_t i = (start + k) % p->n, load;
		if (atomic_load(&p->c[i].fd) < 0)
			continue;
		load = atomic_load(&p->c[i].inflight);
		if (load < best_load) {
			best_load = load;
			best = (long)i;
		}
	}
	return best;
}

/* Queues buf as pend's frame on idx and sends at once what the socket
 * takes: 0, or SIGIL_E_NOT_READY when idx is no longer live. */
static int
pipe_queue(struct ev_pipe *p, size_t idx, const uint8_t *buf, size_t len,
           struct ev_pending *pend)
{
	struct pipe_conn *c = &p->c[idx];
	/* pend may be answered and gone as soon as mu is let go. */
	const uint64_t due = pend->dl.at_ms;
	bool idle;
	int fd, rc;

	pthread_mutex_lock(&c->mu);
	if ((fd = atomic_load(&c->fd)) < 0) {
		pthread_mutex_unlock(&c->mu);
		return SIGIL_E_NOT_READY;
	}
	idle = c->out.len == c->out.off;
	if ((rc = enclave_stream_put(&c->out, buf, len)) != 0) {
		pthread_mutex_unlock(&c->mu);
		/* Too much waits to be sent already: busy, try another. */
		return rc == SIGIL_E_TOO_BIG ? SIGIL_E_NOT_READY : rc;
	}
	pend->next = NULL;
	if (c->tail)
		c->tail->next = pend;
	else
		c->head = pend;
	c->tail = pend;
	atomic_fetch_add(&c->inflight, 1);
	/* From here the call is the pipe's: a failure below reaches it
	 * through the pipe's thread, which sees the socket's error. */
	if (idle && enclave_stream_send(fd, &c->out) == SIGIL_E_AGAIN_STREAM && !c->want_out) {
		struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = idx};
		c->want_out = true;
		epoll_ctl(p->ep, EPOLL_CTL_MOD, fd, &ev);
	}
	pthread_mutex_unlock(&c->mu);
	/* Due before the thread will look: it must look sooner. */
	atomic_fetch_add(&p->queued, 1);
	uint64_t at = atomic_load(&p->wake_at);
	while (due < at && !atomic_compare_exchange_weak(&p->wake_at, &at, due))
		;
	if (due < at) {
		uint64_t one = 1;
		if (write(p->wake, &one, sizeof(one)) < 0 && errno != EAGAIN)
			log_warn("vault %s: eventfd: %s", p->name, strerror(errno));
	}
	return 0;
}

int
ev_pipe_send(struct ev_pipe *p, const struct enclave_request *req, struct ev_pending *pend)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc = SIGIL_E_NOT_READY;

	pend->op = req->op;
	if (pend->dl.at_ms == 0)
		pend->dl = sigil_deadline_in(EV_PIPE_DEFAULT_MS);
	if (sigil_deadline_passed(&pend->dl))
		return SIGIL_E_TIMEOUT;
	if (ev_pipe_live_count(p) == 0)
		return SIGIL_E_NOT_READY;
	if ((rc = enclave_request_encode(req, &buf, &len)) != 0)
		return rc;
	/* A connection may fail between the pick and the queue: the next. */
	for (size_t tries = 0; tries < p->n; tries++) {
		long idx = pipe_pick(p);
		if (idx < 0 || (rc = pipe_queue(p, (size_t)idx, buf, len, pend)) != SIGIL_E_NOT_READY)
			break;
	}
	sodium_memzero(buf, len);
	free(buf);
	return rc;
}

/* ---- waiting for one reply ---------------------------------------------- */

struct pipe_waiter {
	struct ev_pending pend; /* first */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	int rc;
	struct enclave_reply *rep;
};

static void
waiter_done(struct ev_pending *e, int rc, const struct enclave_reply *rep)
{
	struct pipe_waiter *w = (struct pipe_waiter *)e;

	pthread_mutex_lock(&w->mu);
	if (rep != NULL)
		*w->rep = *rep;
	w->rc = rc;
	w->done = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

int
ev_pipe_call(struct ev_pipe *p, const struct enclave_request *req, struct enclave_reply *rep,
             const struct sigil_deadline *dl)
{
	struct pipe_waiter w = {.pend = {.done = waiter_done}, .rep = rep};
	int rc;

	memset(rep, 0, sizeof(*rep));
	w.pend.dl = dl ? *dl : (struct sigil_deadline){0};
	pthread_mutex_init(&w.mu, NULL);
	pthread_cond_init(&w.cv, NULL);
	if ((rc = ev_pipe_send(p, req, &w.pend)) == 0) {
		/* The pipe's thread answers every call by its deadline. */
		pthread_mutex_lock(&w.mu);
		while (!w.done)
			pthread_cond_wait(&w.cv, &w.mu);
		pthread_mutex_unlock(&w.mu);
		rc = w.rc;
	}
	pthread_cond_destroy(&w.cv);
	pthread_mutex_destroy(&w.mu);
	return rc;
}
