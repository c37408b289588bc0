/* The crash and race harness (issue 3): a small keep-alive HTTP/1.1 client
 * that drives a real sigild with consensus requests, checks every answer
 * against what it already holds acknowledged, and logs every signature it
 * receives so that a later scan can prove no two payloads were ever signed
 * at one (key, kind, level, round). */
#ifndef SIGIL_TORTURE_H
#define SIGIL_TORTURE_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chain/tezos/b58.h"
#include "crypto/sig.h"

/* ---- HTTP (tt_http.c) ---- */

/* tt_http's outcomes besides an HTTP status. */
#define TT_EDOWN (-1) /* could not connect: the request was never sent */
#define TT_ELOST (-2) /* sent (maybe partly), no whole answer: it may have been served */

struct tt_conn {
	int fd;          /* -1 when closed */
	uint16_t port;
	int timeout_ms;  /* per connect, send and receive */
	size_t have;     /* bytes of buf read past the last answer */
	char buf[8192];
};

void tt_conn_init(struct tt_conn *c, uint16_t port, int timeout_ms);
void tt_conn_close(struct tt_conn *c);
/* Opens the connection if it is closed: 0 or TT_EDOWN. */
int tt_conn_open(struct tt_conn *c);
/* One request on c (opened if needed). Returns the HTTP status (> 0) with
 * the body NUL-terminated in body (truncated to cap - 1), or TT_EDOWN /
 * TT_ELOST; on either the connection is closed. */
int tt_http(struct tt_conn *c, const char *method, const char *path, const char *payload,
            size_t plen, char *body, size_t cap);

/* ---- keys and requests (tt_req.c) ---- */

enum tt_kind { TT_BLOCK = 0, TT_PREATTESTATION = 1, TT_ATTESTATION = 2 };
#define TT_KINDS 3
/* A (level, round) pair as one ordered number: rounds 0 .. TT_ROUNDS - 1. */
#define TT_ROUNDS 4
#define TT_POS(level, round) ((int64_t)(level) * TT_ROUNDS + (round))
#define TT_LEVEL(pos) ((int32_t)((pos) / TT_ROUNDS))
#define TT_ROUND(pos) ((int32_t)((pos) % TT_ROUNDS))

struct tt_key {
	char pkh[TZ_B58_MAX];
	enum sigil_key_type type;
	uint8_t pk[SIGIL_PK_MAX];
	size_t pklen;
};

/* The longest request we build (a block header) and its JSON body. */
#define TT_REQ_MAX 256
#define TT_BODY_MAX (2 * TT_REQ_MAX + 3)

struct tt_req {
	uint8_t bytes[TT_REQ_MAX];
	size_t len;
	uint8_t digest[32]; /* blake2b-256 of bytes: what the watermark keeps */
	char body[TT_BODY_MAX]; /* "hex" */
	size_t body_len;
};

const char *tt_kind_name(enum tt_kind k);
int tt_kind_from_name(const char *s);
/* The request of that kind at (level, round) whose payload hash carries
 * pid: equal arguments give equal bytes, a different pid different bytes. */
void tt_req_build(struct tt_req *r, enum tt_kind kind, int32_t level, int32_t round,
                  uint64_t pid);
/* GET /keys/{pkh}: fills k (the public key must hash to pkh). Retries
 * while the server is down, up to wait_ms. 0 or -1 (message on stderr). */
int tt_key_fetch(struct tt_key *k, const char *pkh, uint16_t port, int wait_ms);
/* Reads "signature" from a 200 body and verifies it over r's digest with
 * k: 0 when valid (sig holds the base58 form), -1 otherwise. */
int tt_sig_check(const struct tt_key *k, const struct tt_req *r, const char *body, char *sig,
                 size_t cap);

/* ---- the signature log (tt_log.c) ---- */

/* Appends one acknowledged signature (one write(2) per line, O_APPEND). */
void tt_log_ack(int fd, const char *pkh, enum tt_kind kind, int32_t level, int32_t round,
                const uint8_t digest[32], uint64_t pid, const char *sig);
/* Scans a log: 0 when no (key, kind, level, round) carries two digests,
 * 1 when one does (each printed), 2 on a read or format error. */
int tt_log_scan(const char *path);

/* ---- what each driver holds acknowledged (tt_acks.c) ---- */

/* drive and load keep the same books: per (key, kind) the highest
 * (level, round) answered 200, and every new 200 is held against it. */
#define TT_MAX_KEYS 16

struct tt_slot {
	pthread_mutex_t mu;
	_Atomic int64_t cursor; /* where the threads contend */
	int64_t acked;          /* highest acknowledged position, -1: none */
	uint8_t digest[32];     /* acked's request: digest, payload id, signature */
	uint64_t pid;
	char sig[TZ_B58_MAX];
	int64_t lost;           /* drive: highest position whose answer never came, -1 */
};

struct tt_acks {
	struct tt_key keys[TT_MAX_KEYS];
	size_t nkeys;
	struct tt_slot slots[TT_MAX_KEYS][TT_KINDS];
	int logfd; /* the signature log (tt_log_ack) */
	atomic_uint_fast64_t pid_seq, signed_, failures;
};

/* What a slot held acknowledged before a request was sent. */
struct tt_snap {
	int64_t pos; /* -1: nothing yet */
	uint64_t pid;
	uint8_t digest[32];
};

/* Every slot empty, its cursor at pos_min; payload ids from 1. */
void tt_acks_init(struct tt_acks *a, int64_t pos_min);
/* Counts a failure and prints "FAIL: ..." (the first 50 only). */
void tt_acks_fail(struct tt_acks *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void tt_slot_snap(struct tt_slot *s, struct tt_snap *out);
/* The position of the next request for s (never below pos_min), contended
 * the way both drivers want it, and its payload id in *pid (snap's when
 * the request repeats the acknowledged bytes). */
int64_t tt_acks_pick(struct tt_acks *a, struct tt_slot *s, const struct tt_snap *snap,
                     int64_t pos_min, uint64_t *rnd, uint64_t *pid);
/* POST /keys/{pkh of ki} with r on c: tt_http's outcome. */
int tt_acks_post(const struct tt_acks *a, struct tt_conn *c, size_t ki, const struct tt_req *r,
                 char *body, size_t cap);
/* A 200 for (ki, kind, pos) with request r: checks and logs the signature
 * in body, then holds it against snap and what was acknowledged since
 * (messages start with who). 0 when the signature was valid (counted in
 * signed_), -1 when not. */
int tt_acks_signed(struct tt_acks *a, size_t ki, enum tt_kind kind, int64_t pos, uint64_t pid,
                   const struct tt_req *r, const char *body, const struct tt_snap *snap,
                   const char *who);
/* Writes "pkh\tkind\tlevel\tround" per acknowledged slot (threads stopped). */
int tt_acks_final(const struct tt_acks *a, const char *path);

/* ---- modes ---- */
int tt_drive_main(int argc, char **argv);
int tt_race_main(int argc, char **argv);
int tt_once_main(int argc, char **argv);
int tt_load_main(int argc, char **argv);

/* ---- small helpers (torture_client.c) ---- */
uint64_t tt_now_ms(void);
void tt_sleep_ms(int ms);
/* xorshift64*: per thread, seeded by the caller. */
uint64_t tt_rand(uint64_t *state);
void tt_hex(const uint8_t *in, size_t len, char *out);

#endif
