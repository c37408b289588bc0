/* Where log lines go: stderr, written at once or, once sigild serves,
 * gathered by a writer thread.
 *
 * Every signature makes an audit line. Written at once, each costs a
 * write(2), and the log mutex makes the HTTP threads queue behind each
 * other's writes (strace under load: one write and about one futex per
 * request, against two syscalls for the request itself). Gathered, the
 * lines of a burst leave in one write: the writer thread wakes on the first
 * line of a batch, lets others join for LOG_OUT_GATHER_US, and writes them
 * all.
 *
 * The price: if sigild is killed with SIGKILL, the audit lines of the last
 * LOG_OUT_GATHER_US are lost (never a watermark: that is durable before any
 * answer). Warnings and errors are written at once, after whatever was
 * gathered before them, so a line that says something went wrong is never
 * held back. log_out_async_stop (on the way out of sigild) writes what is
 * left.
 *
 * The writer thread is a one-thread base/workq with a single item, the
 * flush. A line that finds no flush armed arms one and submits it; the
 * lines that come while it waits join the batch for free. Once armed, the
 * flush keeps going while lines keep coming: after each write it looks at
 * the buffer again and, if lines arrived meanwhile, gathers and writes
 * them too, disarming only when it finds the buffer empty. Under a steady
 * load the writer thus sleeps only on its timer: no submit, no wake-up by a
 * request thread and no wait on the queue for each batch (under the bench's
 * Ethereum load, futex calls went from about two per batch to one per five
 * batches, those left being the log lock's contention). The lines
 * themselves stay in the buffers below rather than on the queue: one
 * memcpy under one lock per line, no allocation, and a fixed ceiling on
 * what can be held back. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/workq.h"

#define LOG_OUT_CAP (256u * 1024)
#define LOG_OUT_GATHER_US 2000

struct log_out_buf {
	char b[LOG_OUT_CAP];
	size_t len;
};

static struct log_out_buf log_out_bufs[2];
static struct log_out_buf *log_out_active = &log_out_bufs[0];
static struct log_out_buf *log_out_spare = &log_out_bufs[1];
/* Lock order: log_out_wmu (held while writing, keeps lines in order) before
 * log_out_mu (guards the active buffer and the flags). */
static pthread_mutex_t log_out_wmu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t log_out_mu = PTHREAD_MUTEX_INITIALIZER;
static bool log_out_async;
/* A flush is queued or running, and will look at the active buffer again
 * before it stops: a line need not submit one (under log_out_mu). */
static bool log_out_armed;
/* The writer thread; static, so that a line that submits the flush just as
 * the thread stops is refused harmlessly (log_out_async_stop writes it). */
static struct workq log_out_q = WORKQ_INITIALIZER;
static struct workq_item log_out_flush;
static atomic_bool log_out_stopping; /* write at once, without gathering */

static void
log_out_raw(const char *p, size_t len)
{
	for (size_t off = 0; off < len;) {
		ssize_t n = write(STDERR_FILENO, p + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* stderr is gone: nothing better to do with the line */
		off += (size_t)n;
	}
}

/* Writes out what has been gathered; the caller holds log_out_wmu. With
 * last_if_empty, finding nothing disarms the flush (under the same lock a
 * line arms it under) and returns false. */
static bool
log_out_drain_locked(bool last_if_empty)
{
	struct log_out_buf *b;

	pthread_mutex_lock(&log_out_mu);
	if (last_if_empty && log_out_active->len == 0) {
		log_out_armed = false;
		pthread_mutex_unlock(&log_out_mu);
		return false;
	}
	b = log_out_active;
	log_out_active = log_out_spare;
	log_out_spare = b;
	pthread_mutex_unlock(&log_out_mu);
	log_out_raw(b->b, b->len);
	b->len = 0;
	return true;
}

/* The flush job: lets a batch gather and writes it, again and again while
 * lines keep coming; disarmed when a whole gathering finds none. (Checking
 * right after a write instead would often find the buffer empty at tens of
 * thousands of lines a second, a write taking less than a line's interval,
 * and rearm for the next line: the wake-ups this is here to avoid.) */
static void
log_out_flush_run(struct workq_item *it, void *ctx)
{
	struct timespec gather = {0, LOG_OUT_GATHER_US * 1000L};
	bool wrote;
	(void)it;
	(void)ctx;

	do {
		if (!atomic_load(&log_out_stopping))
			nanosleep(&gather, NULL);
		pthread_mutex_lock(&log_out_wmu);
		wrote = log_out_drain_locked(true);
		pthread_mutex_unlock(&log_out_wmu);
	} while (wrote);
}

void
log_out_write(const char *p, size_t len, bool urgent)
{
	bool wake;

	pthread_mutex_lock(&log_out_mu);
	if (log_out_async && !urgent && len <= LOG_OUT_CAP - log_out_active->len) {
		wake = !log_out_armed;
		log_out_armed = true;
		memcpy(log_out_active->b + log_out_active->len, p, len);
		log_out_active->len += len;
		pthread_mutex_unlock(&log_out_mu);
		if (wake) {
			/* Refused only while stopping: log_out_async_stop then
			 * writes the line itself. */
			int rc = workq_submit(&log_out_q, &log_out_flush);
			(void)rc;
		}
		return;
	}
	pthread_mutex_unlock(&log_out_mu);
	/* Urgent, too big for what is left, or not gathering: in order after
	 * everything gathered so far. */
	pthread_mutex_lock(&log_out_wmu);
	log_out_drain_locked(false);
	log_out_raw(p, len);
	pthread_mutex_unlock(&log_out_wmu);
}

int
log_out_async_start(void)
{
	int rc = 0;

	pthread_mutex_lock(&log_out_mu);
	if (!log_out_async) {
		atomic_store(&log_out_stopping, false);
		log_out_armed = false;
		rc = workq_start(&log_out_q, 1, log_out_flush_run, NULL);
		log_out_async = rc == 0;
	}
	pthread_mutex_unlock(&log_out_mu);
	return rc;
}

void
log_out_async_stop(void)
{
	pthread_mutex_lock(&log_out_mu);
	if (!log_out_async) {
		pthread_mutex_unlock(&log_out_mu);
		return;
	}
	log_out_async = false; /* from here on, lines are written at once */
	atomic_store(&log_out_stopping, true);
	pthread_mutex_unlock(&log_out_mu);
	workq_stop(&log_out_q); /* runs a flush still queued, without gathering */
	/* And what a line gathered just before, whose submit came too late. */
	pthread_mutex_lock(&log_out_wmu);
	log_out_drain_locked(false);
	pthread_mutex_unlock(&log_out_wmu);
}
