/* Just enough HTTP/1.1 for the harness: one request at a time on a
 * keep-alive connection to 127.0.0.1, answers with Content-Length (what
 * libmicrohttpd sends for buffer responses). Whatever goes wrong after the
 * first byte is sent is TT_ELOST: the server may have acted on it. */
#include "torture.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

void
tt_conn_init(struct tt_conn *c, uint16_t port, int timeout_ms)
{
	c->fd = -1;
	c->port = port;
	c->timeout_ms = timeout_ms;
	c->have = 0;
	c->buf[0] = '\0';
}

void
tt_conn_close(struct tt_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->have = 0;
	c->buf[0] = '\0';
}

int
tt_conn_open(struct tt_conn *c)
{
	struct sockaddr_in sa = {0};
	struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};
	int one = 1;

	if (c->fd >= 0)
		return 0;
	c->have = 0;
	c->buf[0] = '\0';
	if ((c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return TT_EDOWN;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	sa.sin_family = AF_INET;
	sa.sin_port = htons(c->port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		tt_conn_close(c);
		return TT_EDOWN;
	}
	return 0;
}

static int
send_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads more into c->buf; -1 on EOF, error or timeout. */
static int
fill(struct tt_conn *c)
{
	if (c->have >= sizeof(c->buf) - 1)
		return -1;
	for (;;) {
		ssize_t n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - 1 - c->have, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		c->have += (size_t)n;
		c->buf[c->have] = '\0';
		return 0;
	}
}

/* Finds header name (case-insensitive) among the lines of the head that
 * ends at end; its value or NULL. */
static const char *
header(const char *head, const char *end, const char *name)
{
	size_t nl = strlen(name);
	const char *p = strstr(head, "\r\n");

	while (p != NULL && p < end) {
		p += 2;
		if ((size_t)(end - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (*p == ' ')
				p++;
			return p;
		}
		p = strstr(p, "\r\n");
	}
	return NULL;
}

static int
read_answer(struct tt_conn *c, char *body, size_t cap)
{
	char *end;
	int status;

	while ((end = strstr(c->buf, "\r\n\r\n")) == NULL || (size_t)(end - c->buf) > c->have)
		if (fill(c) != 0)
			return TT_ELOST;
	if (sscanf(c->buf, "HTTP/1.%*d %d", &status) != 1 || status < 100 || status > 599)
		return TT_ELOST;
	const char *cl = header(c->buf, end, "Content-Length");
	const char *conn = header(c->buf, end, "Connection");
	bool close_after = conn && strncasecmp(conn, "close", 5) == 0;
	if (cl == NULL)
		return TT_ELOST; /* chunked answers are not what sigild sends */
	size_t blen = strtoul(cl, NULL, 10);
	size_t head = (size_t)(end - c->buf) + 4;
	if (head + blen >= sizeof(c->buf))
		return TT_ELOST;
	while (c->have < head + blen)
		if (fill(c) != 0)
			return TT_ELOST;
	size_t n = blen < cap - 1 ? blen : cap - 1;
	memcpy(body, c->buf + head, n);
	body[n] = '\0';
	/* Keep anything past this answer (there should be nothing). */
	memmove(c->buf, c->buf + head + blen, c->have - head - blen);
	c->have -= head + blen;
	c->buf[c->have] = '\0';
	if (close_after)
		tt_conn_close(c);
	return status;
}

int
tt_http(struct tt_conn *c, const char *method, const char *path, const char *payload,
        size_t plen, char *body, size_t cap)
{
	char req[1024];
	int n, rc;

	body[0] = '\0';
	n = snprintf(req, sizeof(req),
	             "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
	             "Content-Length: %zu\r\n\r\n",
	             method, path, plen);
	if (n < 0 || (size_t)n >= sizeof(req) || (size_t)n + plen >= sizeof(req))
		return TT_EDOWN;
	memcpy(req + n, payload, plen);
	if (tt_conn_open(c) != 0)
		return TT_EDOWN;
	if (send_all(c->fd, req, (size_t)n + plen) != 0) {
		tt_conn_close(c);
		return TT_ELOST;
	}
	if ((rc = read_answer(c, body, cap)) < 0)
		tt_conn_close(c);
	return rc;
}
