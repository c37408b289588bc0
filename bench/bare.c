/* bench_bare: the reference server. libmicrohttpd with nothing else: read
 * the body (a JSON string of hex), hex-decode it, blake2b-256 it, sign the
 * digest with Ed25519, answer {"signature":"<hex>"}. No policy, no
 * watermark, no logging. Whatever sigild adds is measured against this.
 *
 * usage: bench_bare [port=0]   (0: any free port)
 * Prints "port N" once listening; stops on SIGTERM or SIGINT. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <sodium.h>

#include "api/server.h" /* API_CONNECTION_MEMORY */
#include "common.h"

#define BARE_MAX_BODY (1024 * 1024)

static unsigned char bare_sk[crypto_sign_SECRETKEYBYTES];

struct bare_conn {
	char *body;
	size_t len, cap;
	int bad;
};

static enum MHD_Result
bare_reply(struct MHD_Connection *c, unsigned int status, const char *text)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* Body "<hex>" (quotes included) -> signature of blake2b-256(bytes). */
static int
bare_sign(const char *body, size_t len, char *out, size_t cap)
{
	static const char head[] = "{\"signature\":\"", tail[] = "\"}";
	uint8_t *bin = NULL, digest[32], sig[crypto_sign_BYTES];
	size_t binlen;
	int rc = -1;

	if (len < 2 || body[0] != '"' || body[len - 1] != '"' || (len - 2) % 2 != 0 ||
	    cap < sizeof(head) - 1 + 2 * sizeof(sig) + sizeof(tail))
		return -1;
	if ((bin = malloc((len - 2) / 2 + 1)) == NULL)
		return -1;
	if (sodium_hex2bin(bin, (len - 2) / 2 + 1, body + 1, len - 2, NULL, &binlen, NULL) != 0 ||
	    binlen != (len - 2) / 2)
		goto out;
	crypto_generichash(digest, sizeof(digest), bin, binlen, NULL, 0);
	crypto_sign_detached(sig, NULL, digest, sizeof(digest), bare_sk);
	memcpy(out, head, sizeof(head) - 1);
	sodium_bin2hex(out + sizeof(head) - 1, 2 * sizeof(sig) + 1, sig, sizeof(sig));
	memcpy(out + sizeof(head) - 1 + 2 * sizeof(sig), tail, sizeof(tail));
	rc = 0;
out:
	free(bin);
	return rc;
}

static enum MHD_Result
bare_access(void *cls, struct MHD_Connection *c, const char *url, const char *method,
            const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct bare_conn *st = *con_cls;
	char out[256];
	(void)cls, (void)url, (void)version;

	if (st == NULL) {
		if ((st = calloc(1, sizeof(*st))) == NULL)
			return MHD_NO;
		*con_cls = st;
		return MHD_YES;
	}
	if (*upload_size > 0) {
		if (st->len + *upload_size > BARE_MAX_BODY)
			st->bad = 1;
		if (!st->bad && st->len + *upload_size > st->cap) {
			size_t cap = (st->len + *upload_size) * 2;
			char *p = realloc(st->body, cap);
			if (p == NULL)
				return MHD_NO;
			st->body = p;
			st->cap = cap;
		}
		if (!st->bad)
			memcpy(st->body + st->len, upload, *upload_size);
		st->len += *upload_size;
		*upload_size = 0;
		return MHD_YES;
	}
	if (strcmp(method, "POST") != 0 || st->bad || st->body == NULL ||
	    bare_sign(st->body, st->len, out, sizeof(out)) != 0)
		return bare_reply(c, 400, "[{\"id\":\"failure\",\"kind\":\"temporary\",\"msg\":\"bad\"}]");
	return bare_reply(c, 200, out);
}

static void
bare_completed(void *cls, struct MHD_Connection *c, void **con_cls,
               enum MHD_RequestTerminationCode toe)
{
	struct bare_conn *st = *con_cls;
	(void)cls, (void)c, (void)toe;
	if (st) {
		free(st->body);
		free(st);
	}
	*con_cls = NULL;
}

int
main(int argc, char **argv)
{
	unsigned char pk[crypto_sign_PUBLICKEYBYTES];
	uint16_t port = argc > 1 ? (uint16_t)bench_parse_long("port", argv[1], 0, 65535) : 0;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	sigset_t set;
	int sig;

	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(pk, bare_sk);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* The configuration NOTES.md measured: epoll, a pool of two threads
	 * (one per core here), on loopback; and sigild's memory per connection. */
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, port, NULL, NULL,
	                     bare_access, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	                     MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)2,
	                     MHD_OPTION_CONNECTION_LIMIT, (unsigned int)1024,
	                     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
	                     MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)API_CONNECTION_MEMORY,
	                     MHD_OPTION_NOTIFY_COMPLETED, bare_completed, NULL, MHD_OPTION_END);
	if (d == NULL) {
		fprintf(stderr, "bench_bare: cannot listen on 127.0.0.1:%u\n", port);
		return 1;
	}
	di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("port %u\n", di ? di->port : port);
	fflush(stdout);
	while (sigwait(&set, &sig) != 0)
		;
	MHD_stop_daemon(d);
	sodium_memzero(bare_sk, sizeof(bare_sk));
	return 0;
}
