/* Holds sigil's Polkadot codec (chain/polkadot/) against the vectors
 * tests/js/dot_payload_check.mjs makes with @polkadot/util and
 * @polkadot/util-crypto 14.0.3:
 *
 *   dot_check < vectors.jsonl
 *
 * For each signing payload: the operations (kind, amount, destination as
 * encodeAddress wrote it, force_transfer's source), the batch, whether
 * every call was read and whether the payload is opaque, the call's
 * length, nonce, tip, era, metadata hash mode, versions, block and
 * metadata hashes, and the bytes the key signs (blake2AsU8a(payload, 256)
 * past 256 bytes); every prefix of it is refused. For SS58: the address
 * from the account and prefix, and back, and a one-character change
 * refused. For compact integers: the decimal value and the bytes written
 * again. Prints what differs, with the line, and exits 1 on any
 * difference. */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "base/hex.h"
#include "chain/polkadot/extrinsic.h"
#include "chain/polkadot/scale.h"
#include "chain/polkadot/ss58.h"

static unsigned long lineno, failures, n_payload, n_ss58, n_compact, n_hashed, n_unknown;

#define CHECK(cond, ...)                                                    \
	do {                                                                    \
		if (!(cond)) {                                                      \
			if (failures++ < 20) {                                          \
				fprintf(stderr, "dot_check: line %lu: ", lineno);           \
				fprintf(stderr, __VA_ARGS__);                               \
				fputc('\n', stderr);                                        \
			}                                                               \
			return;                                                         \
		}                                                                   \
	} while (0)

static const char *
str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s != NULL ? s : "";
}

static long long
num(json_t *o, const char *key)
{
	return (long long)json_integer_value(json_object_get(o, key));
}

/* "0x…" hex into out; its length, or (size_t)-1 when it is not hex. */
static size_t
unhex0x(const char *s, uint8_t *out, size_t cap)
{
	size_t n;

	if (strncmp(s, "0x", 2) != 0 || hex_decode(s + 2, strlen(s) - 2, out, cap, &n) != 0)
		return (size_t)-1;
	return n;
}

static void
check_op(json_t *want, const struct dot_op *op, size_t i)
{
	CHECK(strcmp(dot_op_kind_name(op->kind), str(want, "kind")) == 0, "op %zu: kind %s, want %s",
	      i, dot_op_kind_name(op->kind), str(want, "kind"));
	if (op->kind == DOT_OP_UNKNOWN)
		return;
	CHECK(strcmp(op->amount, str(want, "amount")) == 0, "op %zu: amount %s, want %s", i,
	      op->amount, str(want, "amount"));
	CHECK(strcmp(op->destination, str(want, "destination")) == 0,
	      "op %zu: destination %s, want %s", i, op->destination, str(want, "destination"));
	CHECK(strcmp(op->source, str(want, "source")) == 0, "op %zu: source %s, want %s", i,
	      op->source, str(want, "source"));
	CHECK(op->dest_account == json_is_true(json_object_get(want, "account")),
	      "op %zu: account", i);
}

static void
check_extra(json_t *v, const struct dot_payload *d)
{
	json_t *era = json_object_get(v, "era");
	char nonce[24];

	snprintf(nonce, sizeof(nonce), "%" PRIu32, d->nonce);
	CHECK(d->has_extra && d->call_len == (size_t)num(v, "call_len"), "call length %zu",
	      d->call_len);
	CHECK(strcmp(nonce, str(v, "nonce")) == 0, "nonce %s, want %s", nonce, str(v, "nonce"));
	CHECK(strcmp(d->tip, str(v, "tip")) == 0, "tip %s, want %s", d->tip, str(v, "tip"));
	CHECK(d->mode == num(v, "mode"), "mode %u", d->mode);
	if (json_is_true(json_object_get(era, "immortal")))
		CHECK(d->immortal, "not immortal");
	else
		CHECK(!d->immortal && d->era_period == num(era, "period") &&
		          d->era_phase == num(era, "phase"),
		      "era %" PRIu32 "/%" PRIu32, d->era_period, d->era_phase);
}

static void
check_additional(json_t *v, const struct dot_payload *d)
{
	uint8_t h[32];
	const char *mh = json_string_value(json_object_get(v, "metadata_hash"));

	CHECK(d->has_additional && d->has_genesis, "additional not read");
	CHECK(d->spec_version == num(v, "spec") && d->tx_version == num(v, "txv"), "versions");
	CHECK(unhex0x(str(v, "block"), h, 32) == 32 && memcmp(h, d->block_hash, 32) == 0,
	      "block hash");
	CHECK(d->has_metadata_hash == (mh != NULL), "metadata hash present");
	if (mh != NULL)
		CHECK(unhex0x(mh, h, 32) == 32 && memcmp(h, d->metadata_hash, 32) == 0,
		      "metadata hash");
}

static void
check_payload(json_t *v)
{
	static uint8_t buf[DOT_PAYLOAD_MAX], want[DOT_PAYLOAD_MAX];
	const struct dot_network *net = dot_network_find(str(v, "net"));
	json_t *ops = json_object_get(v, "ops");
	static const char *const batches[] = {"", "batch", "batch_all", "force_batch"};
	struct dot_payload d, cut;
	uint8_t hash[32];
	const uint8_t *msg;
	char reason[160];
	size_t len, wlen, mlen;
	int rc;

	n_payload++;
	CHECK(net != NULL, "no network %s", str(v, "net"));
	len = unhex0x(str(v, "payload"), buf, sizeof(buf));
	CHECK(len != (size_t)-1, "bad payload hex");
	rc = dot_payload_decode(buf, len, net, &d, reason, sizeof(reason));
	CHECK(rc == 0, "decode: %d (%s)", rc, reason);
	CHECK(d.n_ops == json_array_size(ops) && d.n_ops == (uint32_t)num(v, "n_ops"),
	      "%" PRIu32 " operations, want %zu", d.n_ops, json_array_size(ops));
	for (size_t i = 0; i < json_array_size(ops) && i < DOT_OPS_MAX; i++) {
		unsigned long before = failures;

		check_op(json_array_get(ops, i), &d.ops[i], i);
		if (failures != before)
			return;
	}
	CHECK(strcmp(batches[d.batch], str(v, "batch")) == 0, "batch %s", batches[d.batch]);
	CHECK(d.call_known == json_is_true(json_object_get(v, "known")), "call known %d",
	      d.call_known);
	CHECK(d.opaque == json_is_true(json_object_get(v, "opaque")), "opaque %d", d.opaque);
	if (d.call_known)
		check_extra(v, &d);
	else
		n_unknown++;
	check_additional(v, &d);
	wlen = unhex0x(str(v, "sign"), want, sizeof(want));
	dot_signing_bytes(buf, len, hash, &msg, &mlen);
	CHECK(mlen == wlen && memcmp(msg, want, wlen) == 0, "the bytes signed differ");
	if (len > DOT_SIGN_RAW_MAX)
		n_hashed++;
	for (size_t i = 0; i < len; i++) {
		rc = dot_payload_decode(buf, i, net, &cut, NULL, 0);
		CHECK(rc == SIGIL_E_INCOMPLETE || rc == SIGIL_E_INVALID, "prefix of %zu bytes: %d", i,
		      rc);
	}
}

static void
check_ss58(json_t *v)
{
	uint8_t id[32], got[32];
	char text[DOT_SS58_TEXT];
	const char *addr = str(v, "addr"), *bad = str(v, "bad");
	uint16_t prefix;

	n_ss58++;
	CHECK(unhex0x(str(v, "id"), id, 32) == 32, "bad id");
	CHECK(dot_ss58_encode((uint16_t)num(v, "prefix"), id, text, sizeof(text)) == 0 &&
	          strcmp(text, addr) == 0,
	      "address %s, want %s", text, addr);
	CHECK(dot_ss58_decode(addr, strlen(addr), &prefix, got) == 0 && prefix == num(v, "prefix") &&
	          memcmp(got, id, 32) == 0,
	      "decode %s", addr);
	CHECK(dot_ss58_decode(bad, strlen(bad), &prefix, got) != 0, "%s (refused by "
	      "decodeAddress) accepted", bad);
}

static void
check_compact(json_t *v)
{
	uint8_t b[SCALE_COMPACT_MAX + 1], le[16], again[SCALE_COMPACT_MAX];
	char dec[SCALE_U128_DEC];
	struct scale_cur c;
	size_t n = unhex0x(str(v, "hex"), b, sizeof(b));

	n_compact++;
	CHECK(n != (size_t)-1, "bad compact hex");
	scale_cur_init(&c, b, n);
	CHECK(scale_compact(&c, 16, le) == 0 && c.off == n, "compact %s", str(v, "hex"));
	CHECK(scale_le_decimal(le, 16, dec, sizeof(dec)) == 0 && strcmp(dec, str(v, "v")) == 0,
	      "compact %s is %s, want %s", str(v, "hex"), dec, str(v, "v"));
	CHECK(scale_compact_put(le, again, sizeof(again)) == n && memcmp(again, b, n) == 0,
	      "compact %s written again", str(v, "v"));
}

int
main(int argc, char **argv)
{
	static char line[2 * DOT_PAYLOAD_MAX + 65536];
	FILE *in = stdin;

	if (sodium_init() < 0)
		return 2;
	if (argc > 1 && (in = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	while (fgets(line, sizeof(line), in) != NULL) {
		json_error_t e;
		json_t *v;
		const char *k;

		lineno++;
		if (line[0] == '\n')
			continue;
		if ((v = json_loads(line, 0, &e)) == NULL) {
			fprintf(stderr, "dot_check: line %lu: %s\n", lineno, e.text);
			failures++;
			continue;
		}
		k = str(v, "k");
		if (strcmp(k, "payload") == 0)
			check_payload(v);
		else if (strcmp(k, "ss58") == 0)
			check_ss58(v);
		else if (strcmp(k, "compact") == 0)
			check_compact(v);
		else
			fprintf(stderr, "dot_check: line %lu: unknown kind \"%s\"\n", lineno, k), failures++;
		json_decref(v);
	}
	if (in != stdin)
		fclose(in);
	printf("dot_check: %lu payloads (%lu past 256 bytes, %lu with an unknown call), %lu SS58 "
	       "addresses, %lu compact integers: %lu failures\n",
	       n_payload, n_hashed, n_unknown, n_ss58, n_compact, failures);
	return failures == 0 && n_payload > 0 && n_ss58 > 0 && n_compact > 0 ? 0 : 1;
}
