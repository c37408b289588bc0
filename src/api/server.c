#include "api/server.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <stdatomic.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "api/body.h"
#include "api/limits.h"
#include "base/decimal.h"
#include "base/errors.h"
#include "base/log.h"
#include "base/sbuf.h"

struct api_server {
	struct MHD_Daemon *d;
	api_handler handler;
	api_check check;
	void *ctx;
	size_t max_body;
	unsigned int timeout_s; /* for the whole body, not just silence */
	uint16_t port;
	struct api_limits *limits;
	_Atomic long inflight; /* requests begun and not yet completed */
	_Atomic long pending;  /* left pending by the handler, not yet answered */
};

/* READING until the handler runs; RUNNING while it does; a pending request
 * then SUSPENDED (its connection suspended) until api_async_done makes it
 * DONE. An answer can come while the handler still runs: RUNNING -> DONE,
 * and the handler's thread answers at once. */
enum api_conn_state { CONN_READING, CONN_RUNNING, CONN_SUSPENDED, CONN_DONE };

struct api_conn {
	struct sbuf body; /* body.max = max once the head is accepted */
	size_t max;       /* this request's body ceiling */
	size_t reserved;  /* bytes taken from the body budget (api_limits_take) */
	int drain;        /* refused: the body is thrown away, then refused goes */
	size_t drained;   /* refused: bytes of body seen, kept before or not */
	struct api_response refused;
	_Atomic int state; /* enum api_conn_state */
	time_t started; /* CLOCK_MONOTONIC seconds when the headers were in */
	struct api_server *s;
	struct MHD_Connection *c;
	struct api_request req;
	struct api_response res;
};

/* Splits "host:port" / "[v6]:port" and resolves it (numeric hosts and names). */
static int
api_resolve(const char *address, struct sockaddr_storage *ss, socklen_t *sslen)
{
	char host[256];
	const char *colon, *port;
	struct addrinfo hints = {0}, *ai = NULL;

	if (address[0] == '[') {
		const char *end = strchr(address, ']');
		if (end == NULL || end[1] != ':' || (size_t)(end - address - 1) >= sizeof(host))
			return SIGIL_E_INVALID;
		memcpy(host, address + 1, (size_t)(end - address - 1));
		host[end - address - 1] = '\0';
		port = end + 2;
	} else {
		colon = strrchr(address, ':');
		if (colon == NULL || (size_t)(colon - address) >= sizeof(host))
			return SIGIL_E_INVALID;
		memcpy(host, address, (size_t)(colon - address));
		host[colon - address] = '\0';
		port = colon + 1;
	}
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	if (getaddrinfo(host[0] ? host : NULL, port, &hints, &ai) != 0 || ai == NULL)
		return SIGIL_E_INVALID;
	memcpy(ss, ai->ai_addr, ai->ai_addrlen);
	*sslen = ai->ai_addrlen;
	freeaddrinfo(ai);
	return 0;
}

static enum MHD_Result
api_send(struct MHD_Connection *c, struct api_response *res)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (res->body == NULL) {
		res->body = strdup("{}");
		res->len = res->body ? 2 : 0;
	}
	r = MHD_create_response_from_buffer(res->len, res->body, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(res->body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
	                        res->content_type ? res->content_type : "application/json");
	if (res->retry_after > 0) {
		char ra[16];
		snprintf(ra, sizeof(ra), "%u", res->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, ra);
	}
	ret = MHD_queue_response(c, res->status ? res->status : 500, r);
	MHD_destroy_response(r);
	return ret;
}

static void
api_peer(struct MHD_Connection *c, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (ci == NULL || ci->client_addr == NULL)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET && cap >= INET_ADDRSTRLEN) {
		/* Dotted quad by hand: inet_ntop formats through sprintf, a
		 * visible share of a request's own work (bench section 8). */
		const uint8_t *q = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
		size_t n = 0;
		for (int i = 0; i < 4; i++) {
			n += u64_decimal(q[i], out + n, cap - n);
			out[n++] = i < 3 ? '.' : '\0';
		}
	} else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, out,
		          (socklen_t)cap);
}

void
api_async_done(struct api_async *a, struct api_response *res)
{
	struct api_conn *st = (struct api_conn *)a;
	struct api_server *s = st->s;
	struct MHD_Connection *c = st->c;
	void (*after)(void *) = res->after;
	void *after_arg = res->after_arg;

	st->res = *res;
	st->res.after = NULL;
	/* Suspended: resume it, and the HTTP thread answers. Still running
	 * (the handler has not returned): its thread answers when it does. */
	if (atomic_exchange(&st->state, CONN_DONE) == CONN_SUSPENDED)
		MHD_resume_connection(c);
	/* st may be gone from here on: the HTTP thread answers and frees it. */
	atomic_fetch_sub(&s->pending, 1);
	if (after)
		after(after_arg);
}

static time_t
api_now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec;
}

/* libmicrohttpd's connection timeout only counts silence: a client that
 * trickles a byte now and then would hold its connection (and a slot of
 * the connection limit) for ever. The body must arrive within the timeout
 * counted from the end of the headers, or the connection is closed (the
 * head has its own deadline: api/limits.c). */
static int
api_too_slow(const struct api_server *s, const struct api_conn *st)
{
	return s->timeout_s > 0 && api_now_s() - st->started > (time_t)s->timeout_s;
}

/* A refused request's body is read and thrown away, up to this much, before
 * the answer goes: clients that send their whole body before they read
 * (Node's fetch, octez's cohttp) would otherwise see a reset rather than
 * the answer. Nothing of it is kept. A body announced over this is refused
 * at once; one that turns out longer closes the connection. */
#define API_DRAIN_MAX (16u * 1024 * 1024)

static const char api_busy_msg[] =
	"too many request bodies in memory: try again in a moment";

/* Answers with res: at once when the request has no body to drain, else
 * once its body has been read (and thrown away). Takes res. */
static enum MHD_Result
api_refuse(struct MHD_Connection *c, struct api_conn *st, bool body, unsigned long long announced,
           struct api_response *res)
{
	if (!body || announced > API_DRAIN_MAX)
		return api_send(c, res);
	free(st->refused.body);
	st->refused = *res;
	st->drain = 1;
	return MHD_YES;
}

/* Everything that the head alone decides, before a byte of the body is read
 * or buffered: the URL and method, the announced length against the
 * ceiling, and against the body budget. MHD_YES with nothing queued when
 * the request goes on. */
static enum MHD_Result
api_begin(struct api_server *s, struct api_conn *st, struct MHD_Connection *c, const char *url,
          const char *method)
{
	struct api_response res = {0};
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                             MHD_HTTP_HEADER_CONTENT_LENGTH);
	/* libmicrohttpd has refused a Content-Length that is not a number. */
	unsigned long long announced = cl ? strtoull(cl, NULL, 10) : 0;
	bool body = announced > 0 || MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	                                                         MHD_HTTP_HEADER_TRANSFER_ENCODING);

	st->max = s->max_body;
	if (s->check && !s->check(s->ctx, method, url, &st->max, &res))
		return api_refuse(c, st, body, announced, &res);
	if (announced > st->max) {
		api_reply_error(&res, 413, "request body too large");
		return api_refuse(c, st, body, announced, &res);
	}
	/* Taken now, whole, so that a client cannot hold memory it has not
	 * been granted; a chunked body (no length) takes as it grows. */
	if (announced > 0) {
		if (api_limits_take(s->limits, (size_t)announced, (size_t)announced) != 0) {
			api_reply_error(&res, 503, api_busy_msg);
			return api_refuse(c, st, body, announced, &res);
		}
		st->reserved = (size_t)announced;
	}
	/* A ceiling of 0 is sbuf's "none": api_access refuses any byte of
	 * body past max before sbuf is asked, so that is never relied on. */
	st->body.max = st->max;
	return MHD_YES;
}

/* Room for add more bytes of body and a NUL. A body with a Content-Length
 * gets one buffer of exactly its size, taken from the budget with its head;
 * a chunked one doubles from 4 KiB up to the ceiling (sbuf's growth, capped
 * at body.max), each step taken from the budget before it is allocated. */
static int
api_body_room(struct api_server *s, struct api_conn *st, size_t add)
{
	size_t cap;

	/* The first step: what the head reserved when all of it fits there. */
	if (st->body.cap == 0)
		st->body.first = st->reserved > 0 && add <= st->reserved ? st->reserved + 1 : 4096;
	if ((cap = sbuf_grown_cap(&st->body, add)) == 0)
		return SIGIL_E_TOO_BIG; /* cannot happen: api_access checked len */
	if (cap == st->body.cap)
		return 0;
	if (cap - 1 > st->reserved) {
		if (api_limits_take(s->limits, cap - 1 - st->reserved, cap - 1) != 0)
			return SIGIL_E_NOT_READY;
		st->reserved = cap - 1;
	}
	return sbuf_reserve(&st->body, add);
}

/* Refuses the request midway through its body (a chunked body over the
 * ceiling or the budget): what was buffered goes, the rest is drained. */
static void
api_body_refuse(struct api_server *s, struct api_conn *st, unsigned int status, const char *msg)
{
	st->drained = st->body.len;
	sbuf_free(&st->body);
	api_limits_give(s->limits, st->reserved);
	st->reserved = 0;
	api_reply_error(&st->refused, status, msg);
	st->drain = 1;
}

static enum MHD_Result
api_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct api_server *s = cls;
	struct api_conn *st = *con_cls;
	struct api_response res = {0};
	(void)version;

	if (st == NULL) {
		api_limits_head_done(c);
		if ((st = calloc(1, sizeof(*st))) == NULL)
			return MHD_NO;
		*con_cls = st;
		st->started = api_now_s();
		atomic_fetch_add(&s->inflight, 1);
		return api_begin(s, st, c, url, method);
	}
	if (*upload_size > 0) {
		if (api_too_slow(s, st)) {
			char peer[INET6_ADDRSTRLEN];
			api_peer(c, peer, sizeof(peer));
			log_warn("closing a connection from %s: its request body took over %u s",
			         peer, s->timeout_s);
			return MHD_NO;
		}
		if (!st->drain && st->body.len + *upload_size > st->max)
			api_body_refuse(s, st, 413, "request body too large");
		if (!st->drain) {
			int rc = api_body_room(s, st, *upload_size);
			if (rc == SIGIL_E_NOMEM)
				return MHD_NO;
			if (rc != 0)
				api_body_refuse(s, st, 503, api_busy_msg);
		}
		if (st->drain) {
			st->drained += *upload_size;
			*upload_size = 0;
			return st->drained > API_DRAIN_MAX ? MHD_NO : MHD_YES;
		}
		if (sbuf_put(&st->body, upload, *upload_size) != 0)
			return MHD_NO; /* cannot happen: the room is there */
		*upload_size = 0;
		return MHD_YES;
	}
	if (st->drain) {
		res = st->refused;
		st->refused.body = NULL;
		return api_send(c, &res);
	}
	if (atomic_load(&st->state) == CONN_DONE) {
		res = st->res;
		st->res.body = NULL;
		return api_send(c, &res);
	}
	if (atomic_load(&st->state) != CONN_READING)
		return MHD_YES; /* not resumed yet */
	st->req = (struct api_request){
		.method = method, .url = url, .body = st->body.p ? st->body.p : "",
		.body_len = st->body.len, .conn = c,
	};
	api_peer(c, st->req.peer, sizeof(st->req.peer));
	st->s = s;
	st->c = c;
	atomic_store(&st->state, CONN_RUNNING);
	if (s->handler(s->ctx, &st->req, &res, (struct api_async *)st) == API_PENDING) {
		/* The connection waits without holding up this thread. Its
		 * answer may have come already: then it is resumed at once,
		 * and answered on the next call. */
		atomic_fetch_add(&s->pending, 1);
		MHD_suspend_connection(c);
		int running = CONN_RUNNING;
		if (!atomic_compare_exchange_strong(&st->state, &running, CONN_SUSPENDED))
			MHD_resume_connection(c);
		return MHD_YES;
	}
	atomic_store(&st->state, CONN_READING);
	enum MHD_Result ret = api_send(c, &res);
	if (res.after)
		res.after(res.after_arg);
	return ret;
}

static void
api_completed(void *cls, struct MHD_Connection *c, void **con_cls,
              enum MHD_RequestTerminationCode toe)
{
	struct api_server *s = cls;
	struct api_conn *st = *con_cls;
	(void)toe;
	if (st) {
		sbuf_free(&st->body);
		api_limits_give(s->limits, st->reserved);
		free(st->refused.body);
		free(st->res.body);
		free(st);
		atomic_fetch_sub(&s->inflight, 1);
	}
	*con_cls = NULL;
	api_limits_request_done(s->limits, c);
}

int
api_server_start(const struct api_server_opts *o, api_handler h, void *ctx,
                 struct api_server **out)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	struct api_server *s;
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
	                     MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	unsigned int max_conns = o->max_connections ? o->max_connections : 1024;
	unsigned int http_threads = api_http_threads(o->http_threads, max_conns);
	int rc;

	*out = NULL;
	if ((rc = api_resolve(o->address, &ss, &sslen)) != 0)
		return rc;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (o->tls_cert_pem)
		flags |= MHD_USE_TLS;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return SIGIL_E_NOMEM;
	s->handler = h;
	s->check = o->check;
	s->ctx = ctx;
	s->max_body = o->max_body < API_BODY_MAX ? o->max_body : API_BODY_MAX;
	s->timeout_s = o->timeout_s;
	struct api_limits_opts lo = {
		.max_connections = max_conns, .max_per_ip = o->max_connections_per_ip,
		.head_timeout_s = o->head_timeout_s, .idle_timeout_s = o->timeout_s,
		.max_buffered = o->max_buffered,
	};
	if ((rc = api_limits_start(&lo, &s->limits)) != 0) {
		free(s);
		return rc;
	}
	struct MHD_OptionItem extra[4];
	size_t ne = 0;
	/* No pool option at all for one thread: 0 and 1 each draw a warning. */
	if (http_threads > 1)
		extra[ne++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_POOL_SIZE,
		                                      (intptr_t)http_threads, NULL};
	if (o->tls_cert_pem) {
		extra[ne++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0,
		                                      (void *)o->tls_cert_pem};
		extra[ne++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0,
		                                      (void *)o->tls_key_pem};
	}
	extra[ne] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
	/* The logger first: messages about the options go through it too. */
	s->d = MHD_start_daemon(flags, 0, api_limits_accept, s->limits, api_access, s,
	                        MHD_OPTION_EXTERNAL_LOGGER, api_limits_mhd_log, s->limits,
	                        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	                        MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s,
	                        MHD_OPTION_CONNECTION_LIMIT, max_conns,
	                        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONNECTION_MEMORY,
	                        MHD_OPTION_NOTIFY_CONNECTION, api_limits_notify, s->limits,
	                        MHD_OPTION_URI_LOG_CALLBACK, api_limits_uri, s->limits,
	                        MHD_OPTION_NOTIFY_COMPLETED, api_completed, s,
	                        MHD_OPTION_ARRAY, extra, MHD_OPTION_END);
	if (s->d == NULL) {
		api_limits_stop(s->limits);
		free(s);
		return SIGIL_E_IO;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	*out = s;
	return 0;
}

uint16_t
api_server_port(const struct api_server *s)
{
	return s->port;
}

void
api_server_stop(struct api_server *s)
{
	struct timespec nap = {0, 10 * 1000 * 1000};

	if (s == NULL)
		return;
	/* Drain: stop accepting, let pending requests be answered (they
	 * resume their connections: the daemon must outlive them), and give
	 * requests in flight up to ten seconds before connections close. */
	(void)MHD_quiesce_daemon(s->d);
	while (atomic_load(&s->pending) > 0)
		nanosleep(&nap, NULL);
	for (int i = 0; i < 1000 && atomic_load(&s->inflight) > 0; i++)
		nanosleep(&nap, NULL);
	MHD_stop_daemon(s->d);
	api_limits_stop(s->limits);
	free(s);
}

const char *
api_query(const struct api_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *
api_header(const struct api_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn, MHD_HEADER_KIND, name);
}

void
api_reply(struct api_response *res, unsigned int status, char *body)
{
	free(res->body);
	res->status = status;
	res->body = body;
	res->len = body ? strlen(body) : 0;
}

void
api_reply_error(struct api_response *res, unsigned int status, const char *msg)
{
	json_t *j = json_pack("[{s:s, s:s, s:s}]", "id", "failure", "kind", "temporary", "msg", msg);
	api_reply(res, status, j ? json_dumps(j, JSON_COMPACT) : NULL);
	json_decref(j);
}

char *
api_json_field(const char *name, const char *value)
{
	size_t n = strlen(name) + strlen(value) + 8;
	char *body = malloc(n);

	if (body != NULL && (size_t)snprintf(body, n, "{\"%s\":\"%s\"}", name, value) >= n) {
		free(body);
		body = NULL;
	}
	return body;
}
