/* bench_bare: the reference server. libmicrohttpd with nothing else: read
 * the body, take the bytes to sign out of it, hash them as the chain does,
 * sign the digest, answer {"signature":"<hex>"}. No policy, no watermark,
 * no logging, no token, no check of the path. Whatever sigild adds is
 * measured against this. The modes:
 *   tezos: the body is a JSON string of hex (octez's POST /keys/{pkh});
 *     blake2b-256 of the bytes, Ed25519 (libsodium).
 *   eth: the body is /v1/sign's JSON; the "payload" member's hex (0x
 *     allowed) is keccak-256'd and the digest signed by libsecp256k1's
 *     recoverable signer (RFC 6979, low-S): "0x" r ‖ s ‖ v, v 27 or 28.
 *   atto: the body is POST /votes' {"target":{AttoVote}}; the 76 bytes of
 *     the vote (version, publicKey, blockHash, timestamp, as commons lays
 *     them out) are blake2b-256'd and the digest signed with Ed25519,
 *     answered in uppercase hex as the Atto signer does.
 * The JSON is read no further than finding those members: a reference for
 * the hash and the primitive, not a parser.
 *
 * usage: bench_bare [port=0 [tezos|eth|atto]]   (0: any free port)
 * Prints "port N" and "public_key HEX" (its Ed25519 key) once listening;
 * stops on SIGTERM or SIGINT. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>
#include <sodium.h>

#include "api/server.h" /* API_CONNECTION_MEMORY */
#include "common.h"
#include "crypto/keccak.h"

#define BARE_MAX_BODY (1024 * 1024)
#define BARE_ETH_MAX_TX 4096 /* payload bytes: far above a transfer's */
#define BARE_ATTO_VOTE_LEN 76

enum bare_mode { BARE_TEZOS, BARE_ETH, BARE_ATTO };

static enum bare_mode bare_mode;
static unsigned char bare_sk[crypto_sign_SECRETKEYBYTES];
static unsigned char bare_pk[crypto_sign_PUBLICKEYBYTES];
static unsigned char bare_secp_sk[32];
/* Read-only once made: libsecp256k1 lets any number of threads sign with
 * one context. */
static secp256k1_context *bare_secp;

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

/* The value of the JSON member "name" in body: a string's contents (between
 * the quotes) or a number's digits, into *v and *vlen. -1 when absent. */
static int
bare_member(const char *body, size_t len, const char *name, const char **v, size_t *vlen)
{
	char key[32];
	int n = snprintf(key, sizeof(key), "\"%s\":", name);
	const char *p, *end = body + len, *q;

	if (n < 0 || (size_t)n >= sizeof(key) || (p = memmem(body, len, key, (size_t)n)) == NULL)
		return -1;
	p += n;
	if (p < end && *p == '"') {
		p++;
		if ((q = memchr(p, '"', (size_t)(end - p))) == NULL)
			return -1;
	} else {
		for (q = p; q < end && *q >= '0' && *q <= '9'; q++)
			;
	}
	*v = p;
	*vlen = (size_t)(q - p);
	return *vlen > 0 ? 0 : -1;
}

/* /v1/sign's body -> "0x" r ‖ s ‖ v of keccak-256(payload). */
static int
bare_eth(const char *body, size_t len, char *out, size_t cap)
{
	static const char head[] = "{\"signature\":\"0x", tail[] = "\"}";
	uint8_t tx[BARE_ETH_MAX_TX], digest[32], sig[65];
	secp256k1_ecdsa_recoverable_signature rs;
	const char *hex;
	size_t hexlen, txlen;
	int recid;

	if (bare_member(body, len, "payload", &hex, &hexlen) != 0 ||
	    cap < sizeof(head) - 1 + 2 * sizeof(sig) + sizeof(tail))
		return -1;
	if (hexlen >= 2 && hex[0] == '0' && hex[1] == 'x')
		hex += 2, hexlen -= 2;
	if (sodium_hex2bin(tx, sizeof(tx), hex, hexlen, NULL, &txlen, NULL) != 0 ||
	    txlen != hexlen / 2)
		return -1;
	sigil_keccak256(tx, txlen, digest);
	if (!secp256k1_ecdsa_sign_recoverable(bare_secp, &rs, digest, bare_secp_sk, NULL, NULL))
		return -1;
	secp256k1_ecdsa_recoverable_signature_serialize_compact(bare_secp, sig, &recid, &rs);
	sig[64] = (uint8_t)(27 + recid);
	memcpy(out, head, sizeof(head) - 1);
	sodium_bin2hex(out + sizeof(head) - 1, 2 * sizeof(sig) + 1, sig, sizeof(sig));
	memcpy(out + sizeof(head) - 1 + 2 * sizeof(sig), tail, sizeof(tail));
	return 0;
}

/* Member name (a decimal number below 2^64) into *v. */
static int
bare_number(const char *body, size_t len, const char *name, uint64_t *v)
{
	const char *p;
	size_t n;

	if (bare_member(body, len, name, &p, &n) != 0 || n > 19)
		return -1;
	*v = 0;
	for (size_t i = 0; i < n; i++)
		*v = *v * 10 + (uint64_t)(p[i] - '0');
	return 0;
}

/* Member name (hex of exactly outlen bytes) into out. */
static int
bare_hex(const char *body, size_t len, const char *name, uint8_t *out, size_t outlen)
{
	const char *p;
	size_t n, got;

	return bare_member(body, len, name, &p, &n) == 0 && n == 2 * outlen &&
	               sodium_hex2bin(out, outlen, p, n, NULL, &got, NULL) == 0 && got == outlen
	           ? 0
	           : -1;
}

/* POST /votes' body -> Ed25519 signature of blake2b-256(vote bytes), as
 * AttoVote.toBuffer lays them out: version (u16 LE), algorithm (0),
 * public key, block algorithm (0), block hash, timestamp (u64 LE). */
static int
bare_atto(const char *body, size_t len, char *out, size_t cap)
{
	static const char head[] = "{\"signature\":\"", tail[] = "\"}";
	uint8_t vote[BARE_ATTO_VOTE_LEN] = {0}, digest[32], sig[crypto_sign_BYTES];
	uint64_t version, ts;
	char *h;

	if (cap < sizeof(head) - 1 + 2 * sizeof(sig) + sizeof(tail) ||
	    bare_number(body, len, "version", &version) != 0 || version > 0xffff ||
	    bare_number(body, len, "timestamp", &ts) != 0 ||
	    bare_hex(body, len, "publicKey", vote + 3, 32) != 0 ||
	    bare_hex(body, len, "blockHash", vote + 36, 32) != 0)
		return -1;
	vote[0] = (uint8_t)version;
	vote[1] = (uint8_t)(version >> 8);
	for (int i = 0; i < 8; i++)
		vote[68 + i] = (uint8_t)(ts >> (8 * i));
	/* "Different public key", as the signer answers a vote of another. */
	if (sodium_memcmp(vote + 3, bare_pk, sizeof(bare_pk)) != 0)
		return -1;
	crypto_generichash(digest, sizeof(digest), vote, sizeof(vote), NULL, 0);
	crypto_sign_detached(sig, NULL, digest, sizeof(digest), bare_sk);
	memcpy(out, head, sizeof(head) - 1);
	h = out + sizeof(head) - 1;
	sodium_bin2hex(h, 2 * sizeof(sig) + 1, sig, sizeof(sig));
	for (size_t i = 0; i < 2 * sizeof(sig); i++)
		if (h[i] >= 'a')
			h[i] = (char)(h[i] - 'a' + 'A');
	memcpy(h + 2 * sizeof(sig), tail, sizeof(tail));
	return 0;
}

static int
bare_dispatch(const char *body, size_t len, char *out, size_t cap)
{
	switch (bare_mode) {
	case BARE_ETH: return bare_eth(body, len, out, cap);
	case BARE_ATTO: return bare_atto(body, len, out, cap);
	default: return bare_sign(body, len, out, cap);
	}
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
	    bare_dispatch(st->body, st->len, out, sizeof(out)) != 0)
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
	uint16_t port = argc > 1 ? (uint16_t)bench_parse_long("port", argv[1], 0, 65535) : 0;
	struct MHD_Daemon *d;
	const union MHD_DaemonInfo *di;
	sigset_t set;
	int sig;

	unsigned char seed[32];
	char hex[2 * sizeof(bare_pk) + 1];

	if (argc > 2 && strcmp(argv[2], "eth") == 0)
		bare_mode = BARE_ETH;
	else if (argc > 2 && strcmp(argv[2], "atto") == 0)
		bare_mode = BARE_ATTO;
	else if (argc > 2 && strcmp(argv[2], "tezos") != 0) {
		fprintf(stderr, "usage: bench_bare [port [tezos|eth|atto]]\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	crypto_sign_keypair(bare_pk, bare_sk);
	do
		randombytes_buf(bare_secp_sk, sizeof(bare_secp_sk));
	while (!secp256k1_ec_seckey_verify(secp256k1_context_static, bare_secp_sk));
	randombytes_buf(seed, sizeof(seed));
	if ((bare_secp = secp256k1_context_create(SECP256K1_CONTEXT_NONE)) == NULL ||
	    !secp256k1_context_randomize(bare_secp, seed))
		return 1;
	sodium_memzero(seed, sizeof(seed));
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	/* sigild's configuration: epoll, its count of threads for 1024
	 * connections (api_http_threads), on loopback, and its memory per
	 * connection. */
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG, port, NULL, NULL,
	                     bare_access, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
	                     MHD_OPTION_THREAD_POOL_SIZE, api_http_threads(0, 1024),
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
	/* The Atto mode signs votes of its own key only: the load names it. */
	sodium_bin2hex(hex, sizeof(hex), bare_pk, sizeof(bare_pk));
	printf("public_key %s\n", hex);
	fflush(stdout);
	while (sigwait(&set, &sig) != 0)
		;
	MHD_stop_daemon(d);
	sodium_memzero(bare_sk, sizeof(bare_sk));
	sodium_memzero(bare_secp_sk, sizeof(bare_secp_sk));
	secp256k1_context_destroy(bare_secp);
	return 0;
}
