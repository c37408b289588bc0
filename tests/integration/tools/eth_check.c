/* Holds sigil's Ethereum codec (chain/ethereum/, crypto/keccak.h) against
 * the vectors tests/js/eth_vectors.mjs makes with ethers 6.17.0:
 *
 *   eth_check < vectors.jsonl
 *
 * For each transaction: the decode (type, chain id, nonce, fees, gas, to,
 * value, data, access list counts), the signing hash, the bytes written
 * again from the fields, the ERC-20 reading, eth_tx_signed under ethers'
 * r, s and yParity giving ethers' signed serialisation to the byte, and
 * sigil's own secp256k1 signature of the hash with the same secret (RFC
 * 6979 both sides) equal to ethers' with the same recovery id. Every
 * transaction is also cut at every length, and each cut must be refused. Then
 * keccak256, the personal_sign hash, addresses from public keys and their
 * EIP-55 text both ways. Prints what differs, with the line, and exits 1
 * on any difference. */
#include <inttypes.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/decimal.h"
#include "base/errors.h"
#include "base/hex.h"
#include "chain/ethereum/addr.h"
#include "chain/ethereum/tx.h"
#include "crypto/keccak.h"
#include "crypto/sig.h"

#define BUF_MAX (ETH_TX_MAX + ETH_TX_SIGNED_EXTRA)

static unsigned long lineno, failures;
static unsigned long n_tx, n_signed, n_keccak, n_msg, n_addr, n_prefix;

#define CHECK(cond, ...)                                                    \
	do {                                                                    \
		if (!(cond)) {                                                      \
			if (failures++ < 20) {                                          \
				fprintf(stderr, "eth_check: line %lu: ", lineno);           \
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

/* "0x…" hex into out; its length, or (size_t)-1 when it is not hex. */
static size_t
unhex0x(const char *s, uint8_t *out, size_t cap)
{
	size_t n;

	if (strncmp(s, "0x", 2) != 0 || hex_decode(s + 2, strlen(s) - 2, out, cap, &n) != 0)
		return (size_t)-1;
	return n;
}

static bool
dec_eq(const uint8_t be[32], const char *want)
{
	char d[ETH_U256_DEC];

	return uint_decimal(be, 32, d, sizeof(d)) == 0 && strcmp(d, want) == 0;
}

static void
check_desc(json_t *v, const struct eth_tx *tx)
{
	json_t *d = json_object_get(v, "desc");
	struct eth_op op;

	eth_tx_describe(tx, &op);
	CHECK(strcmp(eth_op_kind_name(op.kind), str(d, "kind")) == 0, "kind %s, ethers side %s",
	      eth_op_kind_name(op.kind), str(d, "kind"));
	CHECK(strcmp(op.asset, str(d, "asset")) == 0, "asset %s, want %s", op.asset, str(d, "asset"));
	CHECK(strcmp(op.amount, str(d, "amount")) == 0, "amount %s, want %s", op.amount,
	      str(d, "amount"));
	CHECK(strcmp(op.destination, str(d, "destination")) == 0, "destination %s, want %s",
	      op.destination, str(d, "destination"));
	CHECK(strcmp(op.owner, str(d, "owner")) == 0, "owner %s, want %s", op.owner, str(d, "owner"));
	CHECK(strcmp(op.max_fee, str(d, "max_fee")) == 0, "max fee %s, want %s", op.max_fee,
	      str(d, "max_fee"));
}

/* sigil's own signature of the hash with the vector's secret: RFC 6979
 * and low s on both sides, so the very same r, s and recovery id. */
static void
check_own_signature(json_t *v, const struct eth_tx *tx, const uint8_t rs[64])
{
	uint8_t sk[32], sig[SIGIL_SIG_MAX];
	struct sigil_key *k = NULL;
	size_t siglen = 0;
	int recid = -1, rc;

	CHECK(unhex0x(str(v, "sk"), sk, sizeof(sk)) == 32, "bad sk");
	rc = sigil_key_new(SIGIL_KEY_SECP256K1, sk, NULL, 0, &k);
	sodium_memzero(sk, sizeof(sk));
	CHECK(rc == 0, "sigil_key_new: %d", rc);
	rc = sigil_key_sign_recid(k, SIGIL_SCHEME_PLAIN, tx->hash, 32, sig, &siglen, &recid);
	sigil_key_free(k);
	CHECK(rc == 0 && siglen == 64, "sigil_key_sign_recid: %d", rc);
	CHECK(memcmp(sig, rs, 64) == 0, "sigil's signature differs from ethers'");
	CHECK(recid == json_integer_value(json_object_get(v, "yParity")), "recid %d, yParity %d",
	      recid, (int)json_integer_value(json_object_get(v, "yParity")));
}

static void
check_tx(json_t *v)
{
	static uint8_t buf[BUF_MAX], out[BUF_MAX], want[BUF_MAX], data[BUF_MAX];
	uint8_t h[32], rs[64];
	char reason[160], text[ETH_ADDR_TEXT], num[32];
	bool pre155 = json_is_true(json_object_get(v, "pre155"));
	unsigned flags = pre155 ? ETH_TX_ALLOW_PRE155 : 0;
	struct eth_tx tx, cut;
	size_t len, n, wlen, dlen;
	int rc;

	n_tx++;
	len = unhex0x(str(v, "unsigned"), buf, sizeof(buf));
	CHECK(len != (size_t)-1, "bad unsigned hex");
	rc = eth_tx_decode(buf, len, flags, &tx, reason, sizeof(reason));
	CHECK(rc == 0, "decode: %d (%s)", rc, reason);
	if (pre155) {
		rc = eth_tx_decode(buf, len, 0, &cut, reason, sizeof(reason));
		CHECK(rc == SIGIL_E_UNSUPPORTED && strstr(reason, "EIP-155") != NULL,
		      "pre-EIP-155 accepted without the flag: %d", rc);
	}
	CHECK((int)tx.type == json_integer_value(json_object_get(v, "type")), "type %d", tx.type);
	CHECK(unhex0x(str(v, "hash"), h, sizeof(h)) == 32 && memcmp(h, tx.hash, 32) == 0, "hash");
	snprintf(num, sizeof(num), "%" PRIu64, tx.chain_id);
	CHECK(strcmp(num, str(v, "chainId")) == 0 && tx.has_chain_id == !pre155, "chain id %s", num);
	CHECK((json_int_t)tx.nonce == json_integer_value(json_object_get(v, "nonce")), "nonce");
	CHECK(dec_eq(tx.gas, str(v, "gasLimit")), "gas limit");
	if (tx.type == ETH_TX_DYNAMIC_FEE) {
		CHECK(dec_eq(tx.max_fee, str(v, "maxFeePerGas")), "maxFeePerGas");
		CHECK(dec_eq(tx.max_priority_fee, str(v, "maxPriorityFeePerGas")), "maxPriorityFee");
	} else {
		CHECK(dec_eq(tx.gas_price, str(v, "gasPrice")), "gasPrice");
	}
	if (json_is_null(json_object_get(v, "to"))) {
		CHECK(tx.create, "not a creation");
	} else {
		eth_address_text(tx.to, text);
		CHECK(!tx.create && strcmp(text, str(v, "to")) == 0, "to %s", text);
	}
	CHECK(strcmp(tx.value_dec, str(v, "value")) == 0 && dec_eq(tx.value, str(v, "value")),
	      "value %s", tx.value_dec);
	dlen = unhex0x(str(v, "data"), data, sizeof(data));
	CHECK(dlen == tx.data_len && (dlen == 0 || memcmp(data, tx.data, dlen) == 0), "data");
	CHECK((json_int_t)tx.access_list_len == json_integer_value(json_object_get(v, "accessList")) &&
	          (json_int_t)tx.storage_keys == json_integer_value(json_object_get(v, "storageKeys")),
	      "access list %zu/%zu", tx.access_list_len, tx.storage_keys);
	CHECK(eth_tx_encode(&tx, out, sizeof(out), &n) == 0 && n == len && memcmp(out, buf, len) == 0,
	      "written again, the bytes differ");
	check_desc(v, &tx);

	/* ethers' signature, written by sigil. */
	CHECK(unhex0x(str(v, "r"), rs, 32) == 32 && unhex0x(str(v, "s"), rs + 32, 32) == 32, "r/s");
	wlen = unhex0x(str(v, "signed"), want, sizeof(want));
	rc = eth_tx_signed(buf, len, flags, rs, rs + 32,
	                   (int)json_integer_value(json_object_get(v, "yParity")), out, sizeof(out), &n);
	CHECK(rc == 0, "eth_tx_signed: %d", rc);
	CHECK(n == wlen && memcmp(out, want, n) == 0, "signed serialisation differs from ethers'");
	n_signed++;
	check_own_signature(v, &tx, rs);

	for (size_t i = 0; i < len; i++) {
		rc = eth_tx_decode(buf, i, flags, &cut, NULL, 0);
		CHECK(rc == SIGIL_E_INCOMPLETE || rc == SIGIL_E_INVALID, "prefix of %zu bytes: %d", i,
		      rc);
	}
	n_prefix++;
}

static void
check_keccak(json_t *v)
{
	static uint8_t in[4096];
	uint8_t want[32], got[32];
	size_t n = unhex0x(str(v, "in"), in, sizeof(in));
	struct sigil_keccak k;

	CHECK(n != (size_t)-1 && unhex0x(str(v, "out"), want, 32) == 32, "bad keccak vector");
	sigil_keccak256(in, n, got);
	CHECK(memcmp(got, want, 32) == 0, "keccak256 of %zu bytes", n);
	sigil_keccak256_init(&k);
	sigil_keccak_update(&k, in, n / 3);
	sigil_keccak_update(&k, in + n / 3, n - n / 3);
	sigil_keccak256_final(&k, got);
	CHECK(memcmp(got, want, 32) == 0, "keccak256 of %zu bytes in two parts", n);
	n_keccak++;
}

static void
check_msg(json_t *v)
{
	static uint8_t in[4096];
	uint8_t want[32], got[32];
	size_t n = unhex0x(str(v, "in"), in, sizeof(in));

	CHECK(n != (size_t)-1 && unhex0x(str(v, "hash"), want, 32) == 32, "bad msg vector");
	eth_personal_hash(in, n, got);
	CHECK(memcmp(got, want, 32) == 0, "personal_sign hash of %zu bytes", n);
	n_msg++;
}

static void
check_addr(json_t *v)
{
	uint8_t pk[65], a[ETH_ADDR_LEN], b[ETH_ADDR_LEN];
	const char *want = str(v, "addr"), *bad = json_string_value(json_object_get(v, "bad"));
	char text[ETH_ADDR_TEXT];
	size_t n;

	n = unhex0x(str(v, "pk"), pk, sizeof(pk));
	CHECK(n == 33 && eth_address_from_pubkey(pk, n, a) == 0, "address of the compressed key");
	eth_address_text(a, text);
	CHECK(strcmp(text, want) == 0, "address %s, want %s", text, want);
	n = unhex0x(str(v, "uncompressed"), pk, sizeof(pk));
	CHECK(n == 65 && eth_address_from_pubkey(pk, n, b) == 0 && memcmp(a, b, 20) == 0,
	      "address of the uncompressed key");
	for (const char *const *t = (const char *const[]){want, str(v, "lower"), str(v, "upper"), NULL};
	     *t != NULL; t++) {
		CHECK(eth_address_parse(*t, strlen(*t), b) == 0 && memcmp(a, b, 20) == 0,
		      "parse %s", *t);
	}
	if (bad != NULL)
		CHECK(eth_address_parse(bad, strlen(bad), b) == SIGIL_E_CHECKSUM,
		      "%s (refused by ethers) accepted", bad);
	n_addr++;
}

int
main(int argc, char **argv)
{
	static char line[2 * BUF_MAX + 65536];
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
			fprintf(stderr, "eth_check: line %lu: %s\n", lineno, e.text);
			failures++;
			continue;
		}
		k = str(v, "k");
		if (strcmp(k, "tx") == 0)
			check_tx(v);
		else if (strcmp(k, "keccak") == 0)
			check_keccak(v);
		else if (strcmp(k, "msg") == 0)
			check_msg(v);
		else if (strcmp(k, "addr") == 0)
			check_addr(v);
		else
			fprintf(stderr, "eth_check: line %lu: unknown kind \"%s\"\n", lineno, k), failures++;
		json_decref(v);
	}
	if (in != stdin)
		fclose(in);
	printf("eth_check: %lu transactions (%lu signed as ethers did, %lu cut at every length), "
	       "%lu keccak256, %lu personal_sign, %lu addresses: %lu failures\n",
	       n_tx, n_signed, n_prefix, n_keccak, n_msg, n_addr, failures);
	return failures == 0 && n_tx > 0 && n_keccak > 0 && n_msg > 0 && n_addr > 0 ? 0 : 1;
}
