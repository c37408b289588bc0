/* bench_enclave_rpc: the key holder (sigil-enclave) alone, without sigild
 * or HTTP: what one Sign round trip costs over its socket, and what of it
 * is the signature, the CBOR and the transport.
 *
 * Connects as sigild's enclave vault does (vault/enclave/client.h),
 * Initializes with SIGIL_PASSPHRASE ("already initialized" is fine: the
 * holder may serve a sigild too), makes an Ed25519 key in the holder with
 * GenerateAndImport, then runs, in alternating slices over one connection
 * (slices side by side see the same machine):
 *   sign   Sign round trips, each a distinct 32-byte message with the plain
 *          scheme (what the vault sends for a tz1 request: blake2b digest
 *          made in sigild, Ed25519 over it in the holder);
 *   pk     PublicKey round trips: the same transport, codec and holder
 *          thread, no signature;
 *   codec  in this process, what both ends spend on CBOR for one Sign:
 *          request encoded and decoded, reply encoded and decoded;
 *   local  the same Ed25519 signature with a key prepared in this process
 *          (crypto/sig.h, what the file vault does);
 *   echo   the floor of any such round trip on this machine: a Sign-sized
 *          request answered with a Sign-sized reply over a socket of the
 *          same kind (a unix socket pair, or a loopback TCP connection),
 *          one blocking send and one blocking recv at each end (two
 *          wake-ups, four system calls), by a child process of this tool
 *          (echo_proc: what crossing to another process costs) and by a
 *          thread of it (echo_thread: the same within one process).
 * Then -c CONNS threads, each with its own connection and signing in a
 * loop for -d seconds: the holder's rate through as many connections as
 * the vault has (2 by default), one call at a time on each (par), then
 * with 32 calls in flight on each, as the vault keeps them (pipe).
 *
 * usage: bench_enclave_rpc (-s SOCKET | -t HOST:PORT) [-n N] [-c CONNS] [-d SECONDS]
 *   N (20000): Sign round trips on one connection, as many PublicKey ones,
 *   in 10 slices. Prints "name value" lines: sign_rtt_p50_us,
 *   sign_rtt_p99_us, sign_rtt_mean_us, signs_per_s (one connection, one
 *   call at a time), pk_rtt_p50_us, echo_proc_rtt_p50_us,
 *   echo_thread_rtt_p50_us, codec_us, local_sign_us, conns, par_signs_per_s,
 *   pipe_signs_per_s.
 *   A holder started as root serves at most 8 connections at once (more
 *   kill it, see docs/BENCHMARKS.md): with a sigild's pool connected too,
 *   keep CONNS + the pool at 8 or under. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common.h"
#include "base/errors.h"
#include "base/secmem.h"
#include "crypto/sig.h"
#include "enclave/proto.h"
#include "vault/enclave/client.h"

#define ER_SLICES 10
#define ER_MAX_CONNS 64
#define ER_TIMEOUT_MS 5000
#define ER_WARMUP 500
#define ER_WINDOW 32 /* Signs in flight on one connection (pipelined) */
/* What a Sign of 32 bytes and its reply weigh on the wire, frame header
 * included (4 + 70 and 4 + 79 bytes with a small handle). */
#define ER_ECHO_REQ 74
#define ER_ECHO_REP 83

/* What a slice times, each in turn. */
enum er_kind { ER_SIGN, ER_PK, ER_CODEC, ER_LOCAL, ER_ECHO_PROC, ER_ECHO_THREAD, ER_KINDS };

struct er {
	struct ev_endpoint ep;
	uint64_t handle;
	struct bench_samples sign, pk, echo_proc, echo_thread;
	int proc_fd, thread_fd; /* our ends of the echo peers' sockets */
	pid_t proc;
	double codec_ns, local_ns;
	long codec_n, local_n;
};

static int
er_connect(const struct er *e, int *fd)
{
	struct sigil_deadline dl = sigil_deadline_in(ER_TIMEOUT_MS);
	char err[512] = "";
	int rc = ev_connect(&e->ep, &dl, fd, err, sizeof(err));

	if (rc != 0)
		fprintf(stderr, "bench_enclave_rpc: %s\n", err);
	return rc;
}

/* One call by the usual deadline; the holder's refusal is a failure too. */
static int
er_call(int fd, const struct enclave_request *req, struct enclave_reply *rep)
{
	struct sigil_deadline dl = sigil_deadline_in(ER_TIMEOUT_MS);
	char err[512] = "";
	int rc = ev_call(fd, req, rep, &dl, err, sizeof(err));

	if (rc != 0) {
		fprintf(stderr, "bench_enclave_rpc: %s\n", err);
		return rc;
	}
	if (!rep->ok && !(req->op == ENCLAVE_INITIALIZE &&
	                  strcmp(rep->message, "already initialized") == 0)) {
		fprintf(stderr, "bench_enclave_rpc: %s refused: %s\n", enclave_op_name(req->op),
		        rep->message);
		return SIGIL_E_INVALID;
	}
	return 0;
}

/* Initialize and GenerateAndImport Ed25519 over fd; the key's handle. */
static int
er_setup(struct er *e, int fd, const char *pass)
{
	struct enclave_request *init = secmem_alloc(sizeof(*init));
	struct enclave_request gen = {.op = ENCLAVE_GENERATE_AND_IMPORT,
	                              .key_type = SIGIL_KEY_ED25519};
	struct enclave_reply rep;
	int rc = SIGIL_E_NOMEM;

	if (init == NULL)
		return rc;
	init->op = ENCLAVE_INITIALIZE;
	if ((rc = enclave_credentials_set(&init->cred, "provider", "passphrase")) == 0 &&
	    (rc = enclave_credentials_set(&init->cred, "passphrase", pass)) == 0)
		rc = er_call(fd, init, &rep);
	secmem_free(init);
	if (rc == 0 && (rc = er_call(fd, &gen, &rep)) == 0 && !rep.has_handle)
		rc = SIGIL_E_INVALID;
	if (rc == 0)
		e->handle = rep.handle;
	return rc;
}

/* A distinct 32-byte message per call, as digests are. */
static void
er_msg(uint8_t m[32], uint64_t i)
{
	memset(m, 0x5a, 32);
	memcpy(m, &i, sizeof(i));
}

static int
er_sign(int fd, uint64_t handle, uint64_t i)
{
	uint8_t m[32];
	struct enclave_request req = {.op = ENCLAVE_SIGN, .handle = handle, .msg = m,
	                              .msg_len = sizeof(m), .scheme = SIGIL_SCHEME_PLAIN};
	struct enclave_reply rep;
	int rc;

	er_msg(m, i);
	if ((rc = er_call(fd, &req, &rep)) == 0 && (!rep.has_sig || rep.sig_len != 64))
		rc = SIGIL_E_INVALID;
	return rc;
}

static int
er_pk(int fd, uint64_t handle)
{
	struct enclave_request req = {.op = ENCLAVE_PUBLIC_KEY, .handle = handle};
	struct enclave_reply rep;
	return er_call(fd, &req, &rep);
}

/* Both ends' CBOR for one Sign, in this process: request encoded (sigild)
 * and decoded (holder), reply encoded (holder) and decoded (sigild). */
static int
er_codec(uint64_t i, const uint8_t sig[64])
{
	uint8_t m[32], *out = NULL;
	size_t outlen = 0;
	struct enclave_request req = {.op = ENCLAVE_SIGN, .handle = 1, .msg = m,
	                              .msg_len = sizeof(m), .scheme = SIGIL_SCHEME_PLAIN};
	struct enclave_request got;
	struct enclave_reply rep = {.ok = true, .has_sig = true, .key_type = SIGIL_KEY_ED25519,
	                            .sig_len = 64};
	char err[ENCLAVE_ERR_MAX];
	int rc;

	er_msg(m, i);
	memcpy(rep.sig, sig, 64);
	if ((rc = enclave_request_encode(&req, &out, &outlen)) != 0)
		return rc;
	rc = enclave_request_decode(out, outlen, &got, err, sizeof(err));
	enclave_request_clear(&got);
	free(out);
	out = NULL;
	if (rc == 0 && (rc = enclave_reply_encode(ENCLAVE_SIGN, &rep, &out, &outlen)) == 0)
		rc = enclave_reply_decode(ENCLAVE_SIGN, out, outlen, &rep, err, sizeof(err));
	free(out);
	return rc;
}

/* ---- the echo floor ---------------------------------------------------- */

/* Reads exactly n bytes (blocking); 0 when the peer went away. */
static int
er_read_full(int fd, uint8_t *p, size_t n)
{
	size_t done = 0;
	while (done < n) {
		ssize_t k = recv(fd, p + done, n - done, 0);
		if (k <= 0)
			return 0;
		done += (size_t)k;
	}
	return 1;
}

static void *
er_echo_main(void *arg)
{
	int fd = (int)(intptr_t)arg;
	uint8_t req[ER_ECHO_REQ], rep[ER_ECHO_REP] = {0};

	while (er_read_full(fd, req, sizeof(req)))
		if (send(fd, rep, sizeof(rep), MSG_NOSIGNAL) != (ssize_t)sizeof(rep))
			break;
	close(fd);
	return NULL;
}

/* A connected pair of the endpoint's kind: fds[0] ours, fds[1] the echo
 * peer's. */
static int
er_echo_pair(const struct ev_endpoint *ep, int fds[2])
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t len = sizeof(sa);
	int l, one = 1;

	if (ep->socket[0])
		return socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (bind(l, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&sa, &len) != 0 ||
	    (fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		close(l);
		return -1;
	}
	if (connect(fds[0], (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    (fds[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		close(fds[0]);
		close(l);
		return -1;
	}
	close(l);
	/* As both ends of the key holder's RPC set it. */
	setsockopt(fds[0], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fds[1], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return 0;
}

/* The two echo peers: a child process (forked before any thread exists)
 * and a thread. */
static int
er_echo_start(struct er *e)
{
	int fds[2];
	pthread_t t;

	if (er_echo_pair(&e->ep, fds) != 0)
		return -1;
	if ((e->proc = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (e->proc == 0) {
		close(fds[0]);
		er_echo_main((void *)(intptr_t)fds[1]);
		_exit(0);
	}
	close(fds[1]);
	e->proc_fd = fds[0];
	if (er_echo_pair(&e->ep, fds) != 0)
		return -1;
	if (pthread_create(&t, NULL, er_echo_main, (void *)(intptr_t)fds[1]) != 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	pthread_detach(t);
	e->thread_fd = fds[0];
	return 0;
}

static int
er_echo(int fd)
{
	uint8_t req[ER_ECHO_REQ] = {0}, rep[ER_ECHO_REP];

	if (send(fd, req, sizeof(req), MSG_NOSIGNAL) != (ssize_t)sizeof(req) ||
	    !er_read_full(fd, rep, sizeof(rep)))
		return SIGIL_E_IO;
	return 0;
}

/* One slice of each kind, n calls each, in turn (backwards when !odd). */
static int
er_slice(struct er *e, int fd, const struct sigil_key *k, long n, uint64_t *seq, bool odd)
{
	uint8_t m[32], sig[SIGIL_SIG_MAX] = {0};
	size_t siglen;
	int rc = 0;

	for (int part = 0; part < ER_KINDS && rc == 0; part++) {
		enum er_kind what = (enum er_kind)(odd ? part : ER_KINDS - 1 - part);
		uint64_t t0 = bench_now_ns();
		for (long i = 0; i < n && rc == 0; i++) {
			uint64_t t = bench_now_ns();
			switch (what) {
			case ER_SIGN:
				rc = er_sign(fd, e->handle, (*seq)++);
				bench_samples_add(&e->sign, bench_now_ns() - t);
				break;
			case ER_PK:
				rc = er_pk(fd, e->handle);
				bench_samples_add(&e->pk, bench_now_ns() - t);
				break;
			case ER_CODEC:
				rc = er_codec((*seq)++, sig);
				break;
			case ER_LOCAL:
				er_msg(m, (*seq)++);
				rc = sigil_key_sign(k, SIGIL_SCHEME_PLAIN, m, sizeof(m), sig, &siglen);
				break;
			case ER_ECHO_PROC:
				rc = er_echo(e->proc_fd);
				bench_samples_add(&e->echo_proc, bench_now_ns() - t);
				break;
			case ER_ECHO_THREAD:
				rc = er_echo(e->thread_fd);
				bench_samples_add(&e->echo_thread, bench_now_ns() - t);
				break;
			case ER_KINDS: /* a count, not a kind */
				break;
			}
		}
		if (what == ER_CODEC) {
			e->codec_ns += (double)(bench_now_ns() - t0);
			e->codec_n += n;
		} else if (what == ER_LOCAL) {
			e->local_ns += (double)(bench_now_ns() - t0);
			e->local_n += n;
		}
	}
	return rc;
}

/* ---- many connections at once ------------------------------------------ */

struct er_par {
	const struct er *e;
	uint64_t end_ns;
	atomic_long done;
	atomic_int failed;
	atomic_int ready, go;
};

/* A thread's connection, once every thread has one: 0, or -1 (counted as
 * a failure) when it cannot connect. */
static int
er_par_connect(struct er_par *p, int *fd)
{
	int rc = er_connect(p->e, fd);

	if (rc != 0)
		atomic_store(&p->failed, 1);
	atomic_fetch_add(&p->ready, 1);
	if (rc != 0)
		return -1;
	while (!atomic_load(&p->go))
		usleep(100);
	return 0;
}

static void *
er_par_main(void *arg)
{
	struct er_par *p = arg;
	uint64_t seq = (uint64_t)pthread_self() << 20;
	long n = 0;
	int fd;

	if (er_par_connect(p, &fd) != 0)
		return NULL;
	while (bench_now_ns() < p->end_ns) {
		if (er_sign(fd, p->e->handle, seq++) != 0) {
			atomic_store(&p->failed, 1);
			break;
		}
		n++;
	}
	close(fd);
	atomic_fetch_add(&p->done, n);
	return NULL;
}

/* One connection with ER_WINDOW Signs in flight at all times, as the
 * enclave vault keeps them (vault/enclave/pipe.h): a reply read, a new
 * request sent. */
static void *
er_pipe_main(void *arg)
{
	struct er_par *p = arg;
	struct enclave_stream in = {0}, out = {0};
	uint64_t seq = (uint64_t)pthread_self() << 20;
	long n = 0, flying = 0;
	int fd, rc = 0;

	if (er_par_connect(p, &fd) != 0)
		return NULL;
	while (rc == 0 && (bench_now_ns() < p->end_ns || flying > 0)) {
		const uint8_t *body;
		size_t len;

		while (rc == 0 && flying < ER_WINDOW && bench_now_ns() < p->end_ns) {
			uint8_t m[32], *buf = NULL;
			size_t buflen = 0;
			struct enclave_request req = {.op = ENCLAVE_SIGN, .handle = p->e->handle,
			                              .msg = m, .msg_len = sizeof(m),
			                              .scheme = SIGIL_SCHEME_PLAIN};
			er_msg(m, seq++);
			if ((rc = enclave_request_encode(&req, &buf, &buflen)) == 0)
				rc = enclave_stream_put(&out, buf, buflen);
			free(buf);
			flying++;
		}
		if (rc == 0 && (rc = enclave_stream_send(fd, &out)) == SIGIL_E_AGAIN_STREAM)
			rc = 0;
		struct pollfd pf = {.fd = fd, .events = POLLIN};
		if (rc != 0 || poll(&pf, 1, ER_TIMEOUT_MS) != 1 ||
		    (rc = enclave_stream_recv(fd, &in)) != 0)
			break;
		while (enclave_stream_frame(&in, ENCLAVE_FRAME_MAX, &body, &len) == 1) {
			struct enclave_reply rep;
			char why[ENCLAVE_ERR_MAX];
			if (enclave_reply_decode(ENCLAVE_SIGN, body, len, &rep, why, sizeof(why)) != 0 ||
			    !rep.has_sig)
				rc = SIGIL_E_INVALID;
			enclave_stream_pop(&in);
			flying--;
			n++;
		}
	}
	if (rc != 0 || flying > 0)
		atomic_store(&p->failed, 1);
	enclave_stream_free(&in);
	enclave_stream_free(&out);
	close(fd);
	atomic_fetch_add(&p->done, n);
	return NULL;
}

static int
er_parallel(const struct er *e, int conns, double seconds, bool pipelined, double *per_s)
{
	struct er_par p = {.e = e};
	pthread_t t[ER_MAX_CONNS];
	int started = 0;
	uint64_t t0;

	for (; started < conns; started++)
		if (pthread_create(&t[started], NULL, pipelined ? er_pipe_main : er_par_main, &p) != 0)
			break;
	while (atomic_load(&p.ready) < started)
		usleep(100);
	t0 = bench_now_ns();
	p.end_ns = t0 + (uint64_t)(seconds * 1e9);
	atomic_store(&p.go, 1);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	*per_s = (double)atomic_load(&p.done) / ((double)(bench_now_ns() - t0) / 1e9);
	return started == conns && !atomic_load(&p.failed) ? 0 : SIGIL_E_IO;
}

/* ---- main -------------------------------------------------------------- */

static int
er_endpoint(struct ev_endpoint *ep, const char *sock, char *tcp)
{
	char *colon;

	memset(ep, 0, sizeof(*ep));
	if (sock != NULL) {
		int n = snprintf(ep->socket, sizeof(ep->socket), "%s", sock);
		return n > 0 && (size_t)n < sizeof(ep->socket) ? 0 : -1;
	}
	if (tcp == NULL || (colon = strrchr(tcp, ':')) == NULL)
		return -1;
	*colon = '\0';
	ep->port = (unsigned)bench_parse_long("port", colon + 1, 1, 65535);
	return snprintf(ep->host, sizeof(ep->host), "%s", tcp) < (int)sizeof(ep->host) ? 0 : -1;
}

int
main(int argc, char **argv)
{
	const char *pass = getenv("SIGIL_PASSPHRASE"), *sock = NULL;
	char *tcp = NULL;
	long n = 20000, conns = 2;
	double seconds = 1, par = 0, piped = 0;
	uint8_t *sk = NULL, pk[SIGIL_PK_MAX];
	size_t pklen = 0;
	struct sigil_key *k = NULL;
	struct er e;
	uint64_t seq = 0;
	int c, fd = -1, rc = 1;

	memset(&e, 0, sizeof(e));
	while ((c = getopt(argc, argv, "s:t:n:c:d:")) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 't': tcp = optarg; break;
		case 'n': n = bench_parse_long("-n", optarg, ER_SLICES, 10000000); break;
		case 'c': conns = bench_parse_long("-c", optarg, 1, ER_MAX_CONNS); break;
		case 'd': seconds = (double)bench_parse_long("-d", optarg, 1, 600); break;
		default: goto usage;
		}
	}
	if (optind != argc || (sock == NULL) == (tcp == NULL) || er_endpoint(&e.ep, sock, tcp) != 0)
		goto usage;
	if (pass == NULL || pass[0] == '\0') {
		fprintf(stderr, "bench_enclave_rpc: set SIGIL_PASSPHRASE\n");
		return 2;
	}
	if (sodium_init() < 0 || bench_samples_init(&e.sign, (size_t)n) != 0 ||
	    bench_samples_init(&e.pk, (size_t)n) != 0 ||
	    bench_samples_init(&e.echo_proc, (size_t)n) != 0 ||
	    bench_samples_init(&e.echo_thread, (size_t)n) != 0)
		return 1;
	e.proc_fd = e.thread_fd = -1;
	/* The echo peers first: the child is forked before any thread or key
	 * exists here. */
	if (er_echo_start(&e) != 0) {
		perror("bench_enclave_rpc: echo");
		goto out;
	}
	/* The local twin: a throwaway key prepared as the file vault does. */
	if ((sk = secmem_alloc(SIGIL_SECRET_LEN)) == NULL ||
	    sigil_keygen(SIGIL_KEY_ED25519, sk) != 0 ||
	    sigil_pubkey(SIGIL_KEY_ED25519, sk, pk, &pklen) != 0 ||
	    sigil_key_new(SIGIL_KEY_ED25519, sk, pk, pklen, &k) != 0)
		goto out;
	if (er_connect(&e, &fd) != 0 || er_setup(&e, fd, pass) != 0)
		goto out;
	for (long i = 0; i < ER_WARMUP; i++)
		if (er_sign(fd, e.handle, seq++) != 0)
			goto out;
	for (int s = 0; s < ER_SLICES; s++)
		if (er_slice(&e, fd, k, n / ER_SLICES, &seq, s % 2 == 0) != 0)
			goto out;
	/* Closed first, so that the holder serves exactly CONNS connections
	 * of ours (and no more threads) below. */
	close(fd);
	fd = -1;
	if (er_parallel(&e, (int)conns, seconds, false, &par) != 0 ||
	    er_parallel(&e, (int)conns, seconds, true, &piped) != 0)
		goto out;
	bench_emit("sign_rtt_p50_us", bench_samples_pct_ms(&e.sign, 50) * 1e3, 1);
	bench_emit("sign_rtt_p99_us", bench_samples_pct_ms(&e.sign, 99) * 1e3, 1);
	bench_emit("sign_rtt_mean_us", bench_samples_mean_ms(&e.sign) * 1e3, 1);
	bench_emit("signs_per_s", 1e3 / bench_samples_mean_ms(&e.sign), 0);
	bench_emit("pk_rtt_p50_us", bench_samples_pct_ms(&e.pk, 50) * 1e3, 1);
	bench_emit("echo_proc_rtt_p50_us", bench_samples_pct_ms(&e.echo_proc, 50) * 1e3, 1);
	bench_emit("echo_thread_rtt_p50_us", bench_samples_pct_ms(&e.echo_thread, 50) * 1e3, 1);
	bench_emit("codec_us", e.codec_ns / (double)e.codec_n / 1e3, 2);
	bench_emit("local_sign_us", e.local_ns / (double)e.local_n / 1e3, 2);
	bench_emit("conns", (double)conns, 0);
	bench_emit("par_signs_per_s", par, 0);
	bench_emit("pipe_signs_per_s", piped, 0);
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	/* The echo peers see the end of their streams and leave. */
	if (e.thread_fd >= 0)
		close(e.thread_fd);
	if (e.proc_fd >= 0)
		close(e.proc_fd);
	if (e.proc > 0)
		waitpid(e.proc, NULL, 0);
	sigil_key_free(k);
	secmem_free(sk);
	bench_samples_free(&e.sign);
	bench_samples_free(&e.pk);
	bench_samples_free(&e.echo_proc);
	bench_samples_free(&e.echo_thread);
	return rc;
usage:
	fprintf(stderr, "usage: bench_enclave_rpc (-s SOCKET | -t HOST:PORT) [-n N] [-c CONNS] "
	                "[-d SECONDS]\n");
	return 2;
}
