/* What one client may take of the HTTP server: connections (in all, per
 * address), time to send a request head, and memory for request bodies.
 *
 * libmicrohttpd's own timeout counts only silence, so a client that trickles
 * a header line every few seconds would hold its connection for ever; here
 * every connection is tracked, and a sweeper thread shuts down those whose
 * request head is overdue (the HTTP thread that owns the connection then
 * sees it closed and frees it as usual). A head is due within the head
 * timeout of its request line, and the request line within the idle
 * timeout plus the head timeout of the connection's start or of the
 * previous request's end; never while bytes the client sent wait unread
 * (then the server is what is slow).
 *
 * Clients of the host itself (127.0.0.1, ::1) are the operator's own baker
 * or tools: they are not held to the per-address limit, and the last 1/16
 * of the connections are kept for them, so that clients from elsewhere,
 * however many addresses they come from, cannot take every slot. Other
 * loopback addresses (127.0.0.2…) count as clients from elsewhere. */
#ifndef SIGIL_API_LIMITS_H
#define SIGIL_API_LIMITS_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include <microhttpd.h>

/* Bodies up to this size are always buffered, whatever the budget says: a
 * consensus request is under 1 KiB, and so an attacker who holds the budget
 * cannot stop a baker's attestations. They are bounded all the same, by
 * max_connections times this (4 MiB at 1,024 connections). */
#define API_SMALL_BODY 4096

struct api_limits_opts {
	unsigned int max_connections; /* libmicrohttpd's hard limit too */
	unsigned int max_per_ip;      /* 0: none */
	unsigned int head_timeout_s;  /* 0: none */
	unsigned int idle_timeout_s;  /* libmicrohttpd's (silence) timeout */
	size_t max_buffered;          /* bytes of request bodies; 0: no cap */
};

struct api_limits;

/* Starts the sweeper thread. Raises the open-file limit as far as the hard
 * limit lets it, for max_connections more sockets. */
__attribute__((warn_unused_result)) int
api_limits_start(const struct api_limits_opts *o, struct api_limits **out);
/* After the daemon has stopped (every connection closed). NULL is a no-op. */
void api_limits_stop(struct api_limits *l);

/* The libmicrohttpd hooks, with the api_limits as their closure:
 * MHD_start_daemon's accept policy, MHD_OPTION_NOTIFY_CONNECTION and
 * MHD_OPTION_URI_LOG_CALLBACK. */
enum MHD_Result api_limits_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen);
void api_limits_notify(void *cls, struct MHD_Connection *c, void **socket_context,
                       enum MHD_ConnectionNotificationCode code);
void *api_limits_uri(void *cls, const char *uri, struct MHD_Connection *c);
/* MHD_OPTION_EXTERNAL_LOGGER: libmicrohttpd's messages go to sigil's log,
 * at most a few every ten seconds (it writes one for each connection that a
 * client or the limits close: an attack would fill the disk); the others
 * are counted, and the count logged. */
__attribute__((format(printf, 2, 0))) void api_limits_mhd_log(void *cls, const char *fmt,
                                                             va_list ap);

/* The connection's request head is complete: no head deadline until the
 * request is over. */
void api_limits_head_done(struct MHD_Connection *c);
/* Its request is over: the next request line, on a kept-alive connection,
 * is due within the idle timeout plus the head timeout. */
void api_limits_request_done(struct api_limits *l, struct MHD_Connection *c);

/* Takes n bytes of the body budget for a body that will then hold total
 * bytes in all: SIGIL_E_NOT_READY when that would exceed max_buffered,
 * unless total is at most API_SMALL_BODY. */
__attribute__((warn_unused_result)) int
api_limits_take(struct api_limits *l, size_t n, size_t total);
void api_limits_give(struct api_limits *l, size_t n);

#endif
