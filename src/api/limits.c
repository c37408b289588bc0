#include "api/limits.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <time.h>

#include "base/deadline.h"
#include "base/errors.h"
#include "base/log.h"

/* How often the sweeper looks for overdue heads: the deadline is kept to
 * within this much. */
#define API_SWEEP_MS 250
/* Closed and refused connections are summed up in the log this often: an
 * attack would otherwise write a line per connection. */
#define API_REPORT_MS 10000
/* libmicrohttpd's messages logged in each of those periods. */
#define API_MHD_LINES 10

/* A client address, IPv4-mapped IPv6 as IPv4: the key of the per-address
 * limit. */
struct api_addr {
	int family; /* AF_INET, AF_INET6, or 0 for anything else */
	unsigned char a[16];
};

struct api_track {
	struct api_track *prev, *next;
	struct api_addr addr;
	bool host;            /* 127.0.0.1 or ::1: the host's own clients */
	bool cut;             /* shut down by the sweeper */
	int fd;
	_Atomic bool waiting; /* a request head is due */
	_Atomic int64_t due;  /* by then (api_now_ms) */
};

struct api_limits {
	pthread_mutex_t mu;
	pthread_cond_t wake;
	pthread_t sweeper;
	bool stopping;
	struct api_track *head; /* every open connection */
	unsigned int n_other;   /* of them, those not from the host itself */
	unsigned int max_other, per_ip;
	int64_t head_ms, idle_ms;
	size_t max_buffered;
	_Atomic size_t buffered;
	/* For the summaries in the log. */
	_Atomic unsigned long n_mhd; /* libmicrohttpd's messages this period */
	unsigned long n_cut, n_refused;
	char last_cut[INET6_ADDRSTRLEN], last_refused[INET6_ADDRSTRLEN];
};

/* The coarse clock: a tick's precision (a few ms) is plenty for limits
 * counted in seconds, and it costs a fifth of the fine one, read a few
 * times per request. */
static int64_t
api_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
api_addr_of(const struct sockaddr *sa, struct api_addr *out)
{
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(out, 0, sizeof(*out));
	if (sa == NULL)
		return;
	if (sa->sa_family == AF_INET) {
		out->family = AF_INET;
		memcpy(out->a, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const unsigned char *a6 =
			((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr.s6_addr;
		if (memcmp(a6, mapped, sizeof(mapped)) == 0) {
			out->family = AF_INET;
			memcpy(out->a, a6 + 12, 4);
		} else {
			out->family = AF_INET6;
			memcpy(out->a, a6, 16);
		}
	}
}

/* 127.0.0.1 or ::1: a client on the host itself. The rest of 127.0.0.0/8
 * is not: a local user can bind any of it, and the tests use it to stand
 * in for other hosts. */
static bool
api_addr_is_host(const struct api_addr *a)
{
	static const unsigned char v4[4] = {127, 0, 0, 1};
	static const unsigned char v6[16] = {[15] = 1};

	return (a->family == AF_INET && memcmp(a->a, v4, 4) == 0) ||
	       (a->family == AF_INET6 && memcmp(a->a, v6, 16) == 0);
}

static void
api_addr_text(const struct api_addr *a, char *out, size_t cap)
{
	if (a->family == 0 || inet_ntop(a->family, a->a, out, (socklen_t)cap) == NULL)
		(void)snprintf(out, cap, "?");
}

/* Raises the soft open-file limit for more sockets, as far as the hard limit
 * allows: the usual soft limit (1,024) is below what the connection limits
 * of both servers add up to. */
static void
api_limits_nofile(unsigned int more)
{
	static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	static rlim_t want = 256; /* sigild's own files: vaults, watermarks, logs */
	struct rlimit rl;
	bool short_of = false;

	pthread_mutex_lock(&mu);
	want += more;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < want) {
		rlim_t to = want;
		if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < to) {
			to = rl.rlim_max;
			short_of = true;
		}
		rl.rlim_cur = to;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			short_of = true;
	}
	pthread_mutex_unlock(&mu);
	if (short_of)
		log_warn("the open-file limit (ulimit -n) is below the %ju that the connection "
		         "limits need: connections past it are refused",
		         (uintmax_t)want);
}

/* Sums up in the log what happened since the last report. Called without
 * mu. */
static void
api_limits_report(struct api_limits *l)
{
	unsigned long cut, refused, mhd = atomic_exchange(&l->n_mhd, 0);
	char last_cut[INET6_ADDRSTRLEN], last_refused[INET6_ADDRSTRLEN];

	pthread_mutex_lock(&l->mu);
	cut = l->n_cut;
	refused = l->n_refused;
	memcpy(last_cut, l->last_cut, sizeof(last_cut));
	memcpy(last_refused, l->last_refused, sizeof(last_refused));
	l->n_cut = l->n_refused = 0;
	pthread_mutex_unlock(&l->mu);
	if (cut > 0)
		log_warn("closed %lu connection(s) whose request head took over %lld s "
		         "(the last from %s)",
		         cut, (long long)(l->head_ms / 1000), last_cut);
	if (refused > 0)
		log_warn("refused %lu connection(s) over the connection limits "
		         "(max_connections, max_connections_per_ip; the last from %s)",
		         refused, last_refused);
	if (mhd > API_MHD_LINES)
		log_warn("libmicrohttpd: %lu more messages in the last %d s, not logged",
		         mhd - API_MHD_LINES, API_REPORT_MS / 1000);
}

void
api_limits_mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct api_limits *l = cls;
	char line[256];
	size_t n;

	if (atomic_fetch_add(&l->n_mhd, 1) >= API_MHD_LINES)
		return;
	/* Truncation only shortens the message. */
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	log_warn("libmicrohttpd: %s", line);
}

static void *
api_limits_sweep(void *arg)
{
	struct api_limits *l = arg;
	int64_t reported = api_now_ms();

	pthread_mutex_lock(&l->mu);
	while (!l->stopping) {
		struct timespec until = sigil_monotonic_timespec_in(API_SWEEP_MS);
		(void)pthread_cond_timedwait(&l->wake, &l->mu, &until);
		if (l->stopping)
			break;
		int64_t now = api_now_ms();
		for (struct api_track *t = l->head; t != NULL && l->head_ms > 0; t = t->next) {
			int unread = 0;
			if (t->cut || !atomic_load(&t->waiting) || now <= atomic_load(&t->due))
				continue;
			/* Bytes the HTTP threads have not read yet: the delay is
			 * the server's (a backlog), not the client's. */
			if (ioctl(t->fd, FIONREAD, &unread) == 0 && unread > 0)
				continue;
			/* Not close: the socket stays the HTTP thread's, which
			 * reads its end and frees the connection. The fd cannot
			 * have been reused: the connection leaves this list (under
			 * mu) before libmicrohttpd closes it. */
			(void)shutdown(t->fd, SHUT_RDWR);
			t->cut = true;
			l->n_cut++;
			api_addr_text(&t->addr, l->last_cut, sizeof(l->last_cut));
		}
		if (now - reported >= API_REPORT_MS) {
			reported = now;
			pthread_mutex_unlock(&l->mu);
			api_limits_report(l);
			pthread_mutex_lock(&l->mu);
		}
	}
	pthread_mutex_unlock(&l->mu);
	api_limits_report(l);
	return NULL;
}

int
api_limits_start(const struct api_limits_opts *o, struct api_limits **out)
{
	struct api_limits *l;
	pthread_condattr_t ca;
	int rc;

	*out = NULL;
	if ((l = calloc(1, sizeof(*l))) == NULL)
		return SIGIL_E_NOMEM;
	l->max_other = o->max_connections - o->max_connections / 16;
	l->per_ip = o->max_per_ip;
	l->head_ms = (int64_t)o->head_timeout_s * 1000;
	l->idle_ms = (int64_t)o->idle_timeout_s * 1000;
	l->max_buffered = o->max_buffered;
	if (pthread_mutex_init(&l->mu, NULL) != 0) {
		free(l);
		return SIGIL_E_NOMEM;
	}
	/* Monotonic: a step of the wall clock must not stall the sweeper. */
	if (pthread_condattr_init(&ca) != 0) {
		pthread_mutex_destroy(&l->mu);
		free(l);
		return SIGIL_E_NOMEM;
	}
	rc = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	rc = rc ? rc : pthread_cond_init(&l->wake, &ca);
	pthread_condattr_destroy(&ca);
	if (rc != 0) {
		pthread_mutex_destroy(&l->mu);
		free(l);
		return SIGIL_E_NOMEM;
	}
	if (pthread_create(&l->sweeper, NULL, api_limits_sweep, l) != 0) {
		pthread_cond_destroy(&l->wake);
		pthread_mutex_destroy(&l->mu);
		free(l);
		return SIGIL_E_NOMEM;
	}
	api_limits_nofile(o->max_connections);
	*out = l;
	return 0;
}

void
api_limits_stop(struct api_limits *l)
{
	if (l == NULL)
		return;
	pthread_mutex_lock(&l->mu);
	l->stopping = true;
	pthread_cond_signal(&l->wake);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->sweeper, NULL);
	/* Every connection is closed by now, and so untracked. */
	pthread_cond_destroy(&l->wake);
	pthread_mutex_destroy(&l->mu);
	free(l);
}

/* Whether a new connection from addr may be taken. Connections are counted
 * when they start (api_limits_notify), a little after this: the HTTP
 * threads that accept at the same moment may overshoot a limit by one
 * each. */
enum MHD_Result
api_limits_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
	struct api_limits *l = cls;
	struct api_addr a;
	unsigned int same = 0;
	bool ok = true;

	(void)addrlen;
	api_addr_of(addr, &a);
	if (api_addr_is_host(&a))
		return MHD_YES; /* only libmicrohttpd's hard limit */
	pthread_mutex_lock(&l->mu);
	if (l->n_other >= l->max_other) {
		ok = false;
	} else if (l->per_ip > 0) {
		for (struct api_track *t = l->head; t != NULL && same < l->per_ip; t = t->next)
			if (t->addr.family == a.family && memcmp(t->addr.a, a.a, sizeof(a.a)) == 0)
				same++;
		ok = same < l->per_ip;
	}
	if (!ok) {
		l->n_refused++;
		api_addr_text(&a, l->last_refused, sizeof(l->last_refused));
	}
	pthread_mutex_unlock(&l->mu);
	return ok ? MHD_YES : MHD_NO;
}

static struct api_track *
api_track_of(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
	return ci ? ci->socket_context : NULL;
}

void
api_limits_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                  enum MHD_ConnectionNotificationCode code)
{
	struct api_limits *l = cls;
	struct api_track *t = *socket_context;
	const union MHD_ConnectionInfo *ci;

	if (code == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (t == NULL)
			return;
		pthread_mutex_lock(&l->mu);
		if (t->prev)
			t->prev->next = t->next;
		else
			l->head = t->next;
		if (t->next)
			t->next->prev = t->prev;
		if (!t->host)
			l->n_other--;
		pthread_mutex_unlock(&l->mu);
		free(t);
		*socket_context = NULL;
		return;
	}
	if (code != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci == NULL)
		return;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		/* Untracked, it would escape every limit: drop it. */
		(void)shutdown(ci->connect_fd, SHUT_RDWR);
		return;
	}
	t->fd = ci->connect_fd;
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	api_addr_of(ci ? ci->client_addr : NULL, &t->addr);
	t->host = api_addr_is_host(&t->addr);
	/* Until its request line is in: as a kept-alive connection between
	 * requests, for clients that connect ahead of their first request. */
	atomic_init(&t->due, api_now_ms() + l->idle_ms + l->head_ms);
	atomic_init(&t->waiting, true);
	pthread_mutex_lock(&l->mu);
	t->next = l->head;
	if (l->head)
		l->head->prev = t;
	l->head = t;
	if (!t->host)
		l->n_other++;
	pthread_mutex_unlock(&l->mu);
	*socket_context = t;
}

/* The request line is in: the head is due within the head timeout from
 * now, if that is sooner than the deadline it had. */
void *
api_limits_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct api_limits *l = cls;
	struct api_track *t = api_track_of(c);
	int64_t due;

	(void)uri;
	if (t != NULL) {
		due = api_now_ms() + l->head_ms;
		if (due < atomic_load(&t->due))
			atomic_store(&t->due, due);
	}
	return NULL; /* the request's con_cls: api_access starts it */
}

void
api_limits_head_done(struct MHD_Connection *c)
{
	struct api_track *t = api_track_of(c);
	if (t != NULL)
		atomic_store(&t->waiting, false);
}

void
api_limits_request_done(struct api_limits *l, struct MHD_Connection *c)
{
	struct api_track *t = api_track_of(c);
	if (t != NULL) {
		atomic_store(&t->due, api_now_ms() + l->idle_ms + l->head_ms);
		atomic_store(&t->waiting, true);
	}
}

int
api_limits_take(struct api_limits *l, size_t n, size_t total)
{
	size_t now = atomic_fetch_add(&l->buffered, n) + n;
	if (l->max_buffered > 0 && now > l->max_buffered && total > API_SMALL_BODY) {
		atomic_fetch_sub(&l->buffered, n);
		return SIGIL_E_NOT_READY;
	}
	return 0;
}

void
api_limits_give(struct api_limits *l, size_t n)
{
	atomic_fetch_sub(&l->buffered, n);
}
