/* libFuzzer harness for the key holder's RPC codec (src/enclave/proto*.c):
 * the input as a request, and as the reply to every op. Whatever decodes
 * must be within its ceilings, encode, decode again to the same fields,
 * and encode again to the same bytes (the encoder has one form for each
 * value); whatever fails must fail with a reason made of printable ASCII
 * (no byte of the input copied raw into it), and never because libcbor
 * refused what the codec's own scan let through. The input is copied to a
 * buffer of exactly its size so that ASan catches a read past size. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"
#include "enclave/proto.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_err(int rc, const char *err)
{
	if (rc != SIGIL_E_INVALID && rc != SIGIL_E_TOO_BIG && rc != SIGIL_E_NOMEM)
		abort();
	if (err[0] == '\0')
		abort();
	/* The scan before cbor_load refuses all that libcbor would: libcbor
	 * failing after it would free a partly built tree unwiped. */
	if (strncmp(err, "CBOR that libcbor refuses", 25) == 0)
		abort();
	for (const char *p = err; *p; p++)
		if (*p < 0x20 || *p > 0x7e)
			abort();
}

static void
same_request(const struct enclave_request *a, const struct enclave_request *b)
{
	if (a->op != b->op || a->cred.n != b->cred.n || a->key_type != b->key_type ||
	    memcmp(a->secret, b->secret, sizeof(a->secret)) != 0 || a->handle != b->handle ||
	    a->blob_len != b->blob_len || a->msg_len != b->msg_len ||
	    a->has_version != b->has_version || a->version != b->version || a->scheme != b->scheme)
		abort();
	if ((a->blob_len && memcmp(a->blob, b->blob, a->blob_len) != 0) ||
	    (a->msg_len && memcmp(a->msg, b->msg, a->msg_len) != 0))
		abort();
	for (size_t i = 0; i < a->cred.n; i++)
		if (strcmp(a->cred.item[i].key, b->cred.item[i].key) != 0 ||
		    a->cred.item[i].value_len != b->cred.item[i].value_len ||
		    memcmp(a->cred.item[i].value, b->cred.item[i].value,
		           a->cred.item[i].value_len + 1) != 0)
			abort();
}

static void
request_again(const struct enclave_request *a)
{
	struct enclave_request b;
	uint8_t *e1, *e2;
	size_t n1, n2;
	char err[ENCLAVE_ERR_MAX];

	if (a->op == ENCLAVE_OP_NONE || enclave_op_name(a->op) == NULL ||
	    a->cred.n > ENCLAVE_CRED_MAX || a->msg_len > ENCLAVE_MSG_MAX ||
	    a->blob_len > ENCLAVE_BLOB_MAX || (unsigned)a->key_type >= SIGIL_KEY_TYPES)
		abort();
	if (enclave_request_encode(a, &e1, &n1) != 0)
		abort();
	if (enclave_request_decode(e1, n1, &b, err, sizeof(err)) != 0)
		abort();
	same_request(a, &b);
	if (enclave_request_encode(&b, &e2, &n2) != 0 || n1 != n2 || memcmp(e1, e2, n1) != 0)
		abort();
	enclave_request_clear(&b);
	free(e1);
	free(e2);
}

static void
same_reply(const struct enclave_reply *a, const struct enclave_reply *b)
{
	if (a->ok != b->ok || strcmp(a->message, b->message) != 0 ||
	    a->has_public_key != b->has_public_key || a->has_sig != b->has_sig ||
	    a->has_handle != b->has_handle || a->has_blob != b->has_blob ||
	    a->key_type != b->key_type || a->pk_len != b->pk_len || a->sig_len != b->sig_len ||
	    a->blob_len != b->blob_len || a->handle != b->handle ||
	    memcmp(a->pk, b->pk, a->pk_len) != 0 || memcmp(a->sig, b->sig, a->sig_len) != 0 ||
	    memcmp(a->blob, b->blob, a->blob_len) != 0)
		abort();
}

static void
reply_again(enum enclave_op op, const struct enclave_reply *a)
{
	struct enclave_reply b;
	uint8_t *e1, *e2;
	size_t n1, n2;
	char err[ENCLAVE_ERR_MAX];

	if (a->pk_len > sizeof(a->pk) || a->sig_len > sizeof(a->sig) ||
	    a->blob_len > sizeof(a->blob) || memchr(a->message, '\0', sizeof(a->message)) == NULL)
		abort();
	if (enclave_reply_encode(op, a, &e1, &n1) != 0)
		abort();
	if (enclave_reply_decode(op, e1, n1, &b, err, sizeof(err)) != 0)
		abort();
	same_reply(a, &b);
	if (enclave_reply_encode(op, &b, &e2, &n2) != 0 || n1 != n2 || memcmp(e1, e2, n1) != 0)
		abort();
	free(e1);
	free(e2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct enclave_request req;
	static struct enclave_reply rep;
	char err[ENCLAVE_ERR_MAX];
	uint8_t *buf = fuzz_copy(data, size);
	int rc;

	if (buf == NULL)
		return 0;
	rc = enclave_request_decode(buf, size, &req, err, sizeof(err));
	if (rc == 0)
		request_again(&req);
	else
		check_err(rc, err);
	enclave_request_clear(&req);
	/* ENCLAVE_OP_NONE too: an Err that answers a request with no op. */
	for (int op = ENCLAVE_OP_NONE; op <= ENCLAVE_PROVE_POSSESSION; op++) {
		rc = enclave_reply_decode((enum enclave_op)op, buf, size, &rep, err, sizeof(err));
		if (rc == 0)
			reply_again((enum enclave_op)op, &rep);
		else
			check_err(rc, err);
	}
	free(buf);
	return 0;
}
