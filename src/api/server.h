/* A small HTTP server over libmicrohttpd: a few epoll threads serve every
 * connection. A handler answers at once, or says the answer comes later
 * (API_PENDING): the connection is then suspended, so that it holds up no
 * other, until whichever thread has the answer hands it over
 * (api_async_done). The server knows nothing of why or where a request
 * waits (core/sign.h schedules signatures). The thread that answers may do
 * work after the reply (api_response.after). */
#ifndef SIGIL_API_SERVER_H
#define SIGIL_API_SERVER_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

struct MHD_Connection;

/* libmicrohttpd's memory per connection (headers, read and write buffers;
 * bodies are gathered outside it). It zeroes the whole of it for every
 * request on a kept-alive connection, so its 32 KiB default cost 2.5 % of
 * the CPU under load; 8 KiB holds any sane request head. The bare server
 * of bench/ uses the same, so that the comparison stays like for like. */
#define API_CONNECTION_MEMORY 8192

/* The most connections one HTTP thread is given. libmicrohttpd 0.9.75
 * (Debian 12's) reads epoll events 128 at a time, and when a read fills all
 * 128 it waits again, with the full timeout, before handling them: if
 * nothing else comes (every other client waiting for its answer), the 128
 * connections sit unread until the connection timeout, and are then closed
 * as idle. Seen as a 10 s stall and 128 lost connections in the race test
 * (200 connections on two threads); a thread with at most this many
 * connections, its listening socket and its wake-up channel never gets 128
 * events at once (tests/integration/test_burst.sh). */
#define API_CONNS_PER_THREAD 120

/* The HTTP threads of a server of max_conns connections (at least 1):
 * want, or one per CPU when want is 0, but never more than max_conns
 * (libmicrohttpd shares the connection limit out among its threads) and
 * never fewer than API_CONNS_PER_THREAD allows. The bare server of bench/
 * counts them the same way, so that the comparison stays like for like. */
static inline unsigned int
api_http_threads(unsigned int want, unsigned int max_conns)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned int n = want ? want : (unsigned int)(ncpu > 0 ? ncpu : 2);
	unsigned int least = (max_conns + API_CONNS_PER_THREAD - 1) / API_CONNS_PER_THREAD;

	if (n > max_conns)
		n = max_conns;
	return n < least ? least : n;
}

struct api_request {
	const char *method;
	const char *url;
	const char *body;
	size_t body_len;
	struct MHD_Connection *conn;
	char peer[64]; /* the caller's address, for the audit log */
};

struct api_response {
	unsigned int status;
	char *body; /* malloc'ed, owned by the server once set */
	size_t len;
	const char *content_type;
	unsigned retry_after; /* seconds: a Retry-After header; 0: none */
	/* Optional: after(after_arg) runs once the response is handed back
	 * (its connection resumed), on a thread that may block. */
	void (*after)(void *arg);
	void *after_arg;
};

/* A handler's outcome: API_DONE with res holding the answer, or API_PENDING:
 * api_async_done(a, answer) will be called exactly once, from any thread
 * (even before the handler has returned). req and its strings stay valid
 * until then. */
enum { API_DONE, API_PENDING };
struct api_async;
typedef int (*api_handler)(void *ctx, const struct api_request *req, struct api_response *res,
                           struct api_async *a);
/* Answers a request its handler left pending: takes res (body and after),
 * hands it to the connection, then runs res->after on this thread. */
void api_async_done(struct api_async *a, struct api_response *res);

/* Optional: looks at a request's method and URL once its head is in,
 * before any of its body is read or buffered. It may lower *max_body (to 0
 * for a request that takes no body). Returns false when it has answered the
 * request itself (res holds the answer: an unknown URL, a wrong method). */
typedef bool (*api_check)(void *ctx, const char *method, const char *url, size_t *max_body,
                          struct api_response *res);

/* Limits (api/limits.h): a request head must be complete within
 * head_timeout_s of its request line, and the request line within
 * timeout_s + head_timeout_s of the connection's start (or of the previous
 * answer on a kept-alive connection); a body within timeout_s of the end
 * of its head; a connection silent for timeout_s is closed. A body over max_body is refused with 413 from its
 * Content-Length, before it is read; one that would take the bodies held in
 * memory over max_buffered gets 503. */
struct api_server_opts {
	const char *address; /* host:port or [v6]:port; port 0 picks a free one */
	const char *tls_cert_pem, *tls_key_pem; /* both or neither */
	unsigned int timeout_s;
	unsigned int head_timeout_s;  /* 0: none */
	size_t max_body;              /* at most API_BODY_MAX */
	unsigned int max_connections; /* 0: 1024 */
	unsigned int max_connections_per_ip; /* 0: none */
	size_t max_buffered;          /* 0: no cap */
	api_check check;              /* optional */
	unsigned int http_threads; /* epoll threads; 0: one per CPU */
};

struct api_server;

__attribute__((warn_unused_result)) int
api_server_start(const struct api_server_opts *o, api_handler h, void *ctx,
                 struct api_server **out);
/* The port actually bound (useful with port 0). */
uint16_t api_server_port(const struct api_server *s);
/* Stops accepting, lets requests in flight finish, frees the server. */
void api_server_stop(struct api_server *s);

/* A query argument of the request, or NULL. */
const char *api_query(const struct api_request *req, const char *name);
/* A request header, or NULL. */
const char *api_header(const struct api_request *req, const char *name);

/* {"name":"value"} in a malloc'ed string, or NULL: for values that need no
 * escaping (base58, hex), without the cost of a JSON tree on a sign path. */
char *api_json_field(const char *name, const char *value);

/* Sets res to a JSON body with status (takes ownership of body). */
void api_reply(struct api_response *res, unsigned int status, char *body);
/* octez's error form: [{"id":"failure","kind":"temporary","msg":msg}] */
void api_reply_error(struct api_response *res, unsigned int status, const char *msg);

#endif
