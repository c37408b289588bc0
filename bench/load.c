/* bench_load: an HTTP load generator for sigild's signing APIs. One thread,
 * epoll, C keep-alive connections each with one request in flight (what a
 * baker's client does); every request carries distinct, valid bytes for
 * POST /keys/{pkh} (octez), POST /v1/sign (Ethereum, Solana, Polkadot,
 * Bitcoin) or POST /votes (Atto).
 *
 * usage: bench_load -p PORT -k KEYFILE
 *                   [-m generic|attestation|eth|atto|sol|dot|dot_batch|btc]
 *                   [-c CONNS] [-w WARMUP_S] [-d DURATION_S] [-n MAX_REQUESTS]
 *                   [-l LEVEL] [-a AUTHORIZATION]
 *        bench_load -x N -k KEYFILE [-m …] [-l LEVEL]
 *   -x prints the first N payloads (hex, one a line; atto: the JSON bodies)
 *   and sends nothing, so that an independent decoder can check them.
 *   -a: the Authorization header's value, sent with every request.
 *   KEYFILE: one key a line, requests round-robin over them: an implicit
 *   address (tz1…tz4); eth: an Ethereum address (0x…, the key_id); atto:
 *   the key's Ed25519 public key (64 hex digits); sol: a Solana address
 *   (base58 of the Ed25519 public key, which the message names as payer);
 *   dot, dot_batch: an SS58 address (the payload does not name its
 *   signer); btc: a mainnet P2WPKH address (bc1q…: its witness program is
 *   the input's script).
 *   generic: a transaction from the key's own address (a tz4 source is tag 3,
 *   as octez encodes it) whose counter is the request's sequence number.
 *   attestation: keys taken round-robin, skipping any key whose previous
 *   request is still in flight, each at its own next level (from LEVEL up):
 *   every key sees strictly rising levels, in order, whatever the server's
 *   scheduling (needs CONNS <= K).
 *   eth: POST /v1/sign {"chain":"ethereum","key_id":ADDRESS,"payload":"0x02…"},
 *   an unsigned EIP-1559 transfer on chain 1 whose nonce is the request's
 *   sequence number (Ethereum has no watermark: any order is fine).
 *   atto: POST /votes {"target":{AttoVote}} of the key, the block hash and
 *   timestamp from the sequence number.
 *   sol, dot, dot_batch, btc: POST /v1/sign {"chain":…,"key_id":ADDRESS,
 *   "payload":HEX} (payload.h): sol a legacy message whose System transfer
 *   moves sequence number + 1 lamports; dot a Westend transfer_keep_alive
 *   of sequence number + 1 planck (under 256 bytes: signed as it is),
 *   dot_batch a utility.batch_all of BENCH_DOT_BATCH transfers of it (over
 *   256 bytes: signed as its blake2b-256); btc a PSBT whose one P2WPKH
 *   input of the key holds 100 000 + sequence number sat. None of these
 *   chains has a watermark: any order is fine.
 * Only requests completed inside the measured window count; latencies are
 * those of requests sent and answered inside it. Prints "name value" lines:
 * ok_per_s, p50_ms, p90_ms, p99_ms, mean_ms, max_ms, ok, errors, reconnects. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/b58.h"
#include "chain/bitcoin/addr.h"
#include "common.h"
#include "payload.h"

#define LD_MAX_CONNS 1024
#define LD_MAX_KEYS 100000
#define LD_IN_CAP 8192
#define LD_OUT_CAP 2048
#define LD_SAMPLES_MAX 5000000u
#define LD_GRACE_NS 5000000000ull /* how long to wait for stragglers */
#define BENCH_DOT_BATCH 6          /* transfers in a dot_batch payload: over 256 bytes */

enum ld_mode { LD_GENERIC, LD_ATTESTATION, LD_ETH, LD_ATTO, LD_SOL, LD_DOT, LD_DOT_BATCH, LD_BTC, LD_MODES };

/* The modes' names (-m) and, for those over /v1/sign, the chain. */
static const struct {
	const char *name, *chain;
} ld_modes[] = {
	[LD_GENERIC] = {"generic", NULL}, [LD_ATTESTATION] = {"attestation", NULL},
	[LD_ETH] = {"eth", "ethereum"},   [LD_ATTO] = {"atto", NULL},
	[LD_SOL] = {"sol", "solana"},     [LD_DOT] = {"dot", "polkadot"},
	[LD_DOT_BATCH] = {"dot_batch", "polkadot"}, [LD_BTC] = {"btc", "bitcoin"},
};

struct ld_key {
	char addr[72]; /* the address, or (atto) the public key in hex */
	uint8_t pkh[TZ_PKH_BIN_LEN];
	uint8_t raw[32]; /* sol: the public key; btc: the witness program (20) */
	bool busy;     /* a request for this key is in flight */
	int32_t level; /* the last level asked for (attestations) */
};

struct ld_conn {
	int fd;
	bool busy;
	size_t key; /* index of the key of the request in flight */
	uint64_t t0;
	char out[LD_OUT_CAP];
	size_t olen, ooff;
	char in[LD_IN_CAP];
	size_t ilen;
};

struct ld {
	enum ld_mode mode;
	uint16_t port;
	const char *auth; /* the Authorization header's value, or NULL */
	int ep;
	struct ld_key *keys;
	size_t nkeys;
	int32_t level0;
	uint64_t seq, max_requests;
	size_t cursor; /* round-robin position over the keys */
	uint64_t warm_end, end;
	uint64_t ok, errors, reconnects, status[6];
	int shown_errors;
	struct bench_samples lat;
};

/* Whether a line (n bytes) is a Solana address or a mainnet P2WPKH one;
 * what the payloads need of it (the public key, the witness program) into
 * raw. The decoders are sigil's own: a wrong one fails every request. */
static bool
ld_key_raw(enum ld_mode m, const char *line, size_t n, uint8_t raw[static 32])
{
	uint8_t prog[BTC_PROGRAM_MAX];
	size_t len = 0;
	int witver = -1;

	if (m == LD_SOL)
		return b58_decode(line, n, raw, 32, &len) == 0 && len == 32;
	if (btc_segwit_decode("bc", line, n, &witver, prog, &len) != 0 || witver != 0 || len != 20)
		return false;
	memcpy(raw, prog, len);
	return true;
}

/* Whether line (n bytes) is a key of the mode's kind; a Tezos address is
 * decoded into *t and pkh, a Solana or Bitcoin one into raw. The others
 * are sent as they are written, and only their shape is checked here:
 * sigild says whether it knows them. */
static bool
ld_key_ok(enum ld_mode m, const char *line, size_t n, enum sigil_key_type *t, uint8_t *pkh,
          uint8_t raw[static 32])
{
	size_t want = m == LD_ETH ? 42 : 64, i = m == LD_ETH ? 2 : 0;

	if (m == LD_GENERIC || m == LD_ATTESTATION)
		return tz_pkh_decode(line, n, t, pkh) == 0;
	*t = SIGIL_KEY_ED25519; /* unused */
	if (m == LD_SOL || m == LD_BTC)
		return ld_key_raw(m, line, n, raw);
	if (m == LD_DOT || m == LD_DOT_BATCH)
		return strspn(line, "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz") == n;
	if (n != want || (m == LD_ETH && memcmp(line, "0x", 2) != 0))
		return false;
	for (; i < n; i++)
		if (strchr("0123456789abcdefABCDEF", line[i]) == NULL)
			return false;
	*t = SIGIL_KEY_ED25519; /* unused */
	return true;
}

static int
ld_load_keys(struct ld *L, const char *path)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (f == NULL) {
		perror(path);
		return -1;
	}
	L->keys = calloc(LD_MAX_KEYS, sizeof(*L->keys));
	while (L->keys && L->nkeys < LD_MAX_KEYS && fgets(line, sizeof(line), f)) {
		struct ld_key *k = &L->keys[L->nkeys];
		enum sigil_key_type t;
		size_t n = strcspn(line, "\r\n\t ");
		line[n] = '\0';
		if (n == 0)
			continue;
		if (n >= sizeof(k->addr) || !ld_key_ok(L->mode, line, n, &t, k->pkh + 1, k->raw)) {
			fprintf(stderr, "bench_load: bad address %s\n", line);
			fclose(f);
			return -1;
		}
		k->pkh[0] = (uint8_t)t;
		memcpy(k->addr, line, n + 1);
		L->nkeys++;
	}
	fclose(f);
	if (L->nkeys == 0) {
		fprintf(stderr, "bench_load: no keys in %s\n", path);
		return -1;
	}
	return 0;
}

static int
ld_connect(struct ld *L, struct ld_conn *c)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(L->port)};
	struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.ptr = c};
	int one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -1;
	/* Blocking connect on loopback is immediate; then non-blocking I/O. */
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
	if (epoll_ctl(L->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
		close(c->fd);
		c->fd = -1;
		return -1;
	}
	c->ilen = 0;
	return 0;
}

static void
ld_disconnect(struct ld *L, struct ld_conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(L->ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
	}
	c->fd = -1;
	if (c->busy)
		L->keys[c->key].busy = false;
	c->busy = false;
	c->ilen = 0;
}

static int
ld_flush(struct ld_conn *c)
{
	while (c->ooff < c->olen) {
		ssize_t n = write(c->fd, c->out + c->ooff, c->olen - c->ooff);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0; /* EPOLLOUT resumes it */
		if (n <= 0)
			return -1;
		c->ooff += (size_t)n;
	}
	return 0;
}

/* The next key round-robin, skipping keys with a request in flight so that
 * one key's levels can never overtake each other. */
static size_t
ld_pick_key(struct ld *L)
{
	size_t k = L->cursor % L->nkeys;
	for (size_t i = 0; i < L->nkeys && L->keys[k].busy; i++)
		k = ++L->cursor % L->nkeys;
	L->cursor++;
	return k;
}

/* The path and body of request number s for key k: 0, or -1 when a buffer
 * is too small. */
static int
ld_body(struct ld *L, struct ld_key *k, uint64_t s, char *path, size_t pcap, char *body,
        size_t bcap)
{
	char hex[BENCH_PAYLOAD_HEX_MAX];
	int rc = 0, n, m;

	switch (L->mode) {
	case LD_GENERIC:
		rc = bench_tx_hex(k->pkh, s + 1, hex, sizeof(hex));
		break;
	case LD_ATTESTATION:
		k->level = k->level < L->level0 ? L->level0 : k->level + 1;
		rc = bench_attestation_hex(k->level, (uint16_t)(s % 4096), s, hex, sizeof(hex));
		break;
	case LD_ETH:
		rc = bench_eth_tx_hex(s, hex, sizeof(hex));
		break;
	case LD_ATTO:
		break;
	case LD_SOL:
		rc = bench_sol_msg_hex(k->raw, s + 1, hex, sizeof(hex));
		break;
	case LD_DOT:
	case LD_DOT_BATCH:
		rc = bench_dot_payload_hex(s + 1, L->mode == LD_DOT ? 1 : BENCH_DOT_BATCH, hex,
		                           sizeof(hex));
		break;
	case LD_BTC:
		rc = bench_btc_psbt_hex(k->raw, 100000 + s, hex, sizeof(hex));
		break;
	case LD_MODES:
		return -1;
	}
	if (rc != 0)
		return -1;
	switch (L->mode) {
	case LD_ETH:
	case LD_SOL:
	case LD_DOT:
	case LD_DOT_BATCH:
	case LD_BTC:
		m = snprintf(path, pcap, "/v1/sign");
		n = snprintf(body, bcap, "{\"chain\":\"%s\",\"key_id\":\"%s\",\"payload\":\"0x%s\"}",
		             ld_modes[L->mode].chain, k->addr, hex);
		break;
	case LD_ATTO:
		/* A block hash of the sequence number and a 2026 timestamp
		 * that moves with it: distinct votes, as a node sends them. */
		m = snprintf(path, pcap, "/votes");
		n = snprintf(body, bcap,
		             "{\"target\":{\"version\":0,\"algorithm\":\"V1\",\"publicKey\":\"%s\","
		             "\"blockAlgorithm\":\"V1\",\"blockHash\":\"%048X%016llX\","
		             "\"timestamp\":%llu}}",
		             k->addr, 0u, (unsigned long long)s, 1780000000000ull + (unsigned long long)s);
		break;
	default:
		m = snprintf(path, pcap, "/keys/%s", k->addr);
		n = snprintf(body, bcap, "\"%s\"", hex);
		break;
	}
	if (m < 0 || (size_t)m >= pcap || n < 0 || (size_t)n >= bcap)
		return -1;
	return 0;
}

/* Builds and sends the next request on c. */
static int
ld_send(struct ld *L, struct ld_conn *c)
{
	char path[128], body[LD_OUT_CAP / 2];
	uint64_t s = L->seq++;
	size_t ki = ld_pick_key(L);
	struct ld_key *k = &L->keys[ki];
	int n;

	if (ld_body(L, k, s, path, sizeof(path), body, sizeof(body)) != 0)
		return -1;
	n = snprintf(c->out, sizeof(c->out),
	             "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%s%s%s"
	             "Content-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
	             path, L->port, L->auth ? "Authorization: " : "", L->auth ? L->auth : "",
	             L->auth ? "\r\n" : "", strlen(body), body);
	if (n < 0 || (size_t)n >= sizeof(c->out))
		return -1;
	c->olen = (size_t)n;
	c->ooff = 0;
	c->busy = true;
	c->key = ki;
	k->busy = true;
	c->t0 = bench_now_ns();
	return ld_flush(c);
}

static void
ld_count(struct ld *L, struct ld_conn *c, int status, const char *body, size_t blen)
{
	uint64_t now = bench_now_ns();
	bool ok = status == 200 && memmem(body, blen, "\"signature\":\"", 13) != NULL;

	if (now >= L->warm_end && now <= L->end) {
		if (ok)
			L->ok++;
		else
			L->errors++;
		L->status[status >= 100 && status < 600 ? status / 100 : 0]++;
		if (ok && c->t0 >= L->warm_end)
			bench_samples_add(&L->lat, now - c->t0);
	}
	if (!ok && L->shown_errors++ < 3)
		fprintf(stderr, "bench_load: status %d: %.*s\n", status, (int)(blen > 300 ? 300 : blen),
		        body);
}

/* Takes every complete response out of c->in. 0 when more may come, 1 when
 * the server asked to close, -1 on a malformed response. */
static int
ld_parse(struct ld *L, struct ld_conn *c)
{
	while (c->ilen > 0) {
		char *end = memmem(c->in, c->ilen, "\r\n\r\n", 4);
		size_t hlen, clen = 0, total;
		bool close_after = false;
		int status;

		if (end == NULL)
			return c->ilen >= sizeof(c->in) ? -1 : 0;
		hlen = (size_t)(end - c->in) + 4;
		if (hlen < 12 || memcmp(c->in, "HTTP/1.", 7) != 0)
			return -1;
		status = atoi(c->in + 9);
		for (char *p = c->in; p < end;) {
			char *eol = memmem(p, (size_t)(end - p) + 2, "\r\n", 2);
			if (eol == NULL)
				break;
			if (strncasecmp(p, "content-length:", 15) == 0)
				clen = strtoul(p + 15, NULL, 10);
			else if (strncasecmp(p, "connection:", 11) == 0 && memmem(p, (size_t)(eol - p), "close", 5))
				close_after = true;
			p = eol + 2;
		}
		total = hlen + clen;
		if (total > sizeof(c->in))
			return -1;
		if (c->ilen < total)
			return 0;
		ld_count(L, c, status, c->in + hlen, clen);
		c->busy = false;
		L->keys[c->key].busy = false;
		memmove(c->in, c->in + total, c->ilen - total);
		c->ilen -= total;
		if (close_after)
			return 1;
	}
	return 0;
}

static bool
ld_may_send(const struct ld *L)
{
	return bench_now_ns() < L->end && L->seq < L->max_requests;
}

/* Handles readiness on c; keeps one request in flight while time is left. */
static void
ld_event(struct ld *L, struct ld_conn *c, uint32_t events)
{
	int pr = 0;

	if (events & EPOLLOUT && c->busy && ld_flush(c) != 0)
		goto broken;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		for (;;) {
			ssize_t n = read(c->fd, c->in + c->ilen, sizeof(c->in) - c->ilen);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0)
				goto broken;
			c->ilen += (size_t)n;
			if ((pr = ld_parse(L, c)) != 0)
				break;
		}
		if (pr < 0)
			goto broken;
		if (pr > 0) {
			ld_disconnect(L, c);
			L->reconnects++;
			if (ld_may_send(L) && ld_connect(L, c) != 0)
				return;
		}
	}
	if (!c->busy && c->fd >= 0 && ld_may_send(L) && ld_send(L, c) != 0)
		goto broken;
	return;
broken:
	if (c->busy && bench_now_ns() >= L->warm_end)
		L->errors++;
	ld_disconnect(L, c);
	L->reconnects++;
	if (ld_may_send(L) && ld_connect(L, c) == 0 && ld_send(L, c) != 0)
		ld_disconnect(L, c);
}

/* -x: the payloads ld_send would build, without sending them. */
static int
ld_dump(struct ld *L, long n)
{
	struct ld_conn *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return 1;
	c->fd = -1;
	for (long i = 0; i < n; i++) {
		char *body, *hex;
		/* ld_send's flush fails on fd -1 after the request is built. */
		(void)ld_send(L, c);
		L->keys[c->key].busy = false;
		if ((body = strstr(c->out, "\r\n\r\n")) == NULL) {
			free(c);
			return 1;
		}
		body += 4;
		if (L->mode == LD_ATTO) {
			printf("%s\n", body);
		} else if (ld_modes[L->mode].chain != NULL &&
		           (hex = strstr(body, "\"payload\":\"")) != NULL) {
			printf("%.*s\n", (int)strcspn(hex + 11, "\""), hex + 11);
		} else {
			printf("%.*s\n", (int)strlen(body + 1) - 1, body + 1);
		}
	}
	free(c);
	return 0;
}

/* The mode named, or LD_MODES. */
static enum ld_mode
ld_mode_find(const char *name)
{
	for (size_t i = 0; i < LD_MODES; i++)
		if (strcmp(ld_modes[i].name, name) == 0)
			return (enum ld_mode)i;
	return LD_MODES;
}

static void
ld_usage(void)
{
	fprintf(stderr, "usage: bench_load -p PORT -k KEYFILE\n"
	                "                  [-m generic|attestation|eth|atto|sol|dot|dot_batch|btc]\n"
	                "                  [-c CONNS] [-w WARMUP_S] [-d DURATION_S] [-n MAX] [-l LEVEL]\n"
	                "                  [-a AUTHORIZATION]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static struct ld L;
	static struct ld_conn conns[LD_MAX_CONNS];
	struct epoll_event evs[64];
	const char *keyfile = NULL;
	long nconns = 64, warm = 1, dur = 5;
	size_t busy;
	uint64_t t0;
	int opt;

	L.mode = LD_GENERIC;
	L.level0 = 1;
	L.max_requests = 50000000;
	long dump = 0;
	while ((opt = getopt(argc, argv, "p:k:m:c:w:d:n:l:x:a:")) != -1) {
		switch (opt) {
		case 'p': L.port = (uint16_t)bench_parse_long("-p", optarg, 1, 65535); break;
		case 'k': keyfile = optarg; break;
		case 'm':
			if ((L.mode = ld_mode_find(optarg)) == LD_MODES)
				ld_usage();
			break;
		case 'c': nconns = bench_parse_long("-c", optarg, 1, LD_MAX_CONNS); break;
		case 'w': warm = bench_parse_long("-w", optarg, 0, 60); break;
		case 'd': dur = bench_parse_long("-d", optarg, 1, 600); break;
		case 'n': L.max_requests = (uint64_t)bench_parse_long("-n", optarg, 1, 1L << 40); break;
		case 'l': L.level0 = (int32_t)bench_parse_long("-l", optarg, 1, 1L << 30); break;
		case 'a': L.auth = optarg; break;
		case 'x': dump = bench_parse_long("-x", optarg, 1, 1000000); break;
		default: ld_usage();
		}
	}
	if ((L.port == 0 && dump == 0) || keyfile == NULL)
		ld_usage();
	if (ld_load_keys(&L, keyfile) != 0)
		return 1;
	if (dump > 0)
		return ld_dump(&L, dump);
	if (bench_samples_init(&L.lat, LD_SAMPLES_MAX) != 0)
		return 1;
	if (L.mode == LD_ATTESTATION && (size_t)nconns > L.nkeys)
		fprintf(stderr, "bench_load: %ld connections over %zu keys: levels of one key may "
		                "arrive out of order (409s expected)\n", nconns, L.nkeys);
	if ((L.ep = epoll_create1(EPOLL_CLOEXEC)) < 0)
		return 1;

	t0 = bench_now_ns();
	L.warm_end = t0 + (uint64_t)warm * 1000000000u;
	L.end = L.warm_end + (uint64_t)dur * 1000000000u;
	for (long i = 0; i < nconns; i++) {
		if (ld_connect(&L, &conns[i]) != 0 || ld_send(&L, &conns[i]) != 0) {
			fprintf(stderr, "bench_load: cannot connect to 127.0.0.1:%u\n", L.port);
			return 1;
		}
	}
	for (;;) {
		int n = epoll_wait(L.ep, evs, (int)(sizeof(evs) / sizeof(evs[0])), 10);
		if (n < 0 && errno != EINTR)
			return 1;
		for (int i = 0; i < n; i++)
			ld_event(&L, evs[i].data.ptr, evs[i].events);
		uint64_t now = bench_now_ns();
		busy = 0;
		for (long i = 0; i < nconns; i++)
			busy += conns[i].fd >= 0 && conns[i].busy;
		if ((now >= L.end || L.seq >= L.max_requests) && busy == 0)
			break;
		if (now >= L.end + LD_GRACE_NS)
			break; /* a straggler never answered: it simply does not count */
	}
	for (long i = 0; i < nconns; i++)
		ld_disconnect(&L, &conns[i]);
	close(L.ep);

	double secs = (double)(L.end - L.warm_end) / 1e9;
	bench_emit("ok_per_s", (double)L.ok / secs, 0);
	bench_emit("p50_ms", bench_samples_pct_ms(&L.lat, 50), 4);
	bench_emit("p90_ms", bench_samples_pct_ms(&L.lat, 90), 4);
	bench_emit("p99_ms", bench_samples_pct_ms(&L.lat, 99), 4);
	bench_emit("max_ms", bench_samples_pct_ms(&L.lat, 100), 4);
	bench_emit("mean_ms", bench_samples_mean_ms(&L.lat), 4);
	bench_emit("ok", (double)L.ok, 0);
	bench_emit("errors", (double)L.errors, 0);
	bench_emit("status_4xx", (double)L.status[4], 0);
	bench_emit("status_5xx", (double)L.status[5], 0);
	bench_emit("reconnects", (double)L.reconnects, 0);
	bench_emit("sent", (double)L.seq, 0);
	bench_samples_free(&L.lat);
	free(L.keys);
	return L.errors ? 3 : 0;
}
