/* The v1 API (v1.h). */
#include "api/v1.h"

#include <jansson.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>

#include "api/json_lite.h"
#include "api/status.h"
#include "auth/token.h"
#include "base/errors.h"
#include "base/hex.h"
#include "base/deadline.h"
#include "base/log.h"
#include "base/sbuf.h"
#include "base/str.h"
#include "core/keyring.h"
#include "core/sign.h"

#define V1_KEY_ID_LEN SIGIL_KEY_ID_LEN /* bytes; 40 hex digits */
#define V1_PAYLOAD_MAX (256 * 1024)

/* The stable code for an HTTP status. */
static const char *
v1_code(unsigned status)
{
	switch (status) {
	case 400: return "bad_request";
	case 401: return "unauthorized";
	case 403: return "forbidden";
	case 404: return "not_found";
	case 405: return "method_not_allowed";
	case 409: return "conflict";
	case 413: return "too_large";
	case 501: return "unsupported";
	case 503: return "not_ready";
	case 504: return "timeout";
	default: return status >= 500 ? "internal" : "bad_request";
	}
}

static void
v1_reply_json(struct api_response *res, unsigned status, json_t *j)
{
	char *s = j ? json_dumps(j, JSON_COMPACT) : NULL;

	json_decref(j);
	if (s == NULL) {
		api_reply(res, 500, strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}"));
		return;
	}
	api_reply(res, status, s);
}

static void
v1_error(struct api_response *res, unsigned status, const char *msg)
{
	v1_reply_json(res, status,
	              json_pack("{s:{s:s,s:s}}", "error", "code", v1_code(status), "message", msg));
}

/* ---- routes --------------------------------------------------------------- */

enum v1_route { V1_KEYS, V1_KEY, V1_SIGN, V1_DIGEST, V1_GENERATE, V1_DELETE, V1_BAD_METHOD,
	        V1_NOT_FOUND };

static enum v1_route
v1_route(const char *method, const char *url)
{
	const char *p = url + strlen(API_V1_PREFIX);

	if (strcmp(p, "keys") == 0)
		return strcmp(method, "GET") == 0    ? V1_KEYS
		       : strcmp(method, "POST") == 0 ? V1_GENERATE
		                                     : V1_BAD_METHOD;
	if (strncmp(p, "keys/", 5) == 0 && p[5] != '\0' && strchr(p + 5, '/') == NULL)
		return strcmp(method, "GET") == 0      ? V1_KEY
		       : strcmp(method, "DELETE") == 0 ? V1_DELETE
		                                       : V1_BAD_METHOD;
	if (strcmp(p, "sign") == 0)
		return strcmp(method, "POST") == 0 ? V1_SIGN : V1_BAD_METHOD;
	if (strcmp(p, "sign_digest") == 0)
		return strcmp(method, "POST") == 0 ? V1_DIGEST : V1_BAD_METHOD;
	return V1_NOT_FOUND;
}

bool
api_v1_match(const char *url)
{
	return strncmp(url, API_V1_PREFIX, strlen(API_V1_PREFIX)) == 0;
}

bool
api_v1_check(const char *method, const char *url, size_t *max_body, struct api_response *res)
{
	switch (v1_route(method, url)) {
	case V1_SIGN:
	case V1_DIGEST:
	case V1_GENERATE:
		return true;
	case V1_BAD_METHOD:
		v1_error(res, 405, "method not allowed");
		return false;
	case V1_NOT_FOUND:
		v1_error(res, 404, "not found");
		return false;
	default:
		*max_body = 0;
		return true;
	}
}

/* ---- keys ----------------------------------------------------------------- */

/* A key's id (core/keyring.h). */
static void
v1_key_id(const struct vault_key *k, char out[2 * V1_KEY_ID_LEN + 1])
{
	sigil_key_id_text(k, out);
}

/* The key's description: id, type, public key, vault, addresses. */
static json_t *
v1_key_json(const struct sigil_state *st, size_t v, const struct vault_key *k)
{
	char id[2 * V1_KEY_ID_LEN + 1], pk[2 * SIGIL_PK_MAX + 1], addr[CHAIN_ADDRESS_MAX];
	json_t *addrs = json_object();

	v1_key_id(k, id);
	if (hex_encode(k->pk, k->pk_len, pk, sizeof(pk)) != 0)
		pk[0] = '\0';
	for (size_t c = 0; addrs && chain_at(c) != NULL; c++) {
		const struct chain_ops *ch = chain_at(c);
		if (!ch->key_type_ok(k->type))
			continue;
		if (ch->address(k->type, k->pk, k->pk_len, addr, sizeof(addr)) == 0)
			json_object_set_new(addrs, ch->name, json_string(addr));
		for (unsigned f = 0; f < ch->n_address_forms; f++) {
			char name[64];
			snprintf(name, sizeof(name), "%s:%s", ch->name, ch->address_forms[f]);
			if (ch->other_address(f, k->type, k->pk, k->pk_len, addr, sizeof(addr)) == 0)
				json_object_set_new(addrs, name, json_string(addr));
		}
	}
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:o}", "key_id", id, "type",
	                 sigil_key_type_name(k->type), "public_key", pk, "vault",
	                 st->cfg->vaults[v].name, "label", k->name, "addresses", addrs);
}

/* Addresses as the chains write them: Ethereum's hex in any case. */
static bool
v1_same_address(const char *a, const char *b)
{
	return strncmp(b, "0x", 2) == 0 ? strcasecmp(a, b) == 0 : strcmp(a, b) == 0;
}

/* Finds a vault key by key id, or by one of its addresses (any chain's).
 * Returns the vault's index, or -1. */
static long
v1_find_key(const struct sigil_state *st, const char *ref, const struct vault_key **out)
{
	char id[2 * V1_KEY_ID_LEN + 1], addr[CHAIN_ADDRESS_MAX];

	for (size_t v = 0; v < st->n_vaults; v++) {
		struct vault *vt = st->vaults[v];
		for (size_t i = 0; i < vt->ops->count(vt); i++) {
			const struct vault_key *k = vt->ops->key(vt, i);
			v1_key_id(k, id);
			if (strcasecmp(id, ref) == 0) {
				*out = k;
				return (long)v;
			}
			for (size_t c = 0; chain_at(c) != NULL; c++) {
				const struct chain_ops *ch = chain_at(c);
				if (ch->key_type_ok(k->type) &&
				    ch->address(k->type, k->pk, k->pk_len, addr, sizeof(addr)) == 0 &&
				    v1_same_address(addr, ref)) {
					*out = k;
					return (long)v;
				}
			}
		}
	}
	return -1;
}

static void
v1_keys(const struct sigil_state *st, struct api_response *res)
{
	json_t *arr = json_array();

	for (size_t v = 0; arr && v < st->n_vaults; v++) {
		struct vault *vt = st->vaults[v];
		for (size_t i = 0; i < vt->ops->count(vt); i++)
			json_array_append_new(arr, v1_key_json(st, v, vt->ops->key(vt, i)));
	}
	v1_reply_json(res, 200, json_pack("{s:o}", "keys", arr));
}

static void
v1_key(const struct sigil_state *st, const char *ref, struct api_response *res)
{
	const struct vault_key *k;
	long v = v1_find_key(st, ref, &k);

	if (v < 0)
		v1_error(res, 404, "unknown key");
	else
		v1_reply_json(res, 200, v1_key_json(st, (size_t)v, k));
}

/* ---- keys:admin ----------------------------------------------------------- */

/* The new or deleted key is in the vault's storage at once; the running
 * key ring sees it once the state is loaded again (vault.h). */
static void
v1_reload(struct sigil_ctx *ctx)
{
	char err[256];
	if (sigil_ctx_reload(ctx, err, sizeof(err)) != 0)
		log_warn("v1: keys changed, but the reload after it failed: %s", err);
}

/* POST /v1/keys {"type", "vault", "label"}: a new key made by the vault. */
static void
v1_generate(struct sigil_ctx *ctx, struct sigil_state *st, const struct auth_token *tok,
            const struct api_request *req, struct api_response *res)
{
	json_error_t jerr;
	json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	const char *type = NULL, *vault_name = NULL, *label = NULL;
	enum sigil_key_type t;
	struct vault_key info;
	long vi = -1;

	if (body == NULL || json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s,s?s,s:s}", "type", &type,
	                                   "vault", &vault_name, "label", &label) != 0 ||
	    sigil_key_type_from_name(type) < 0) {
		v1_error(res, 400, "the body must be {\"type\": \"ed25519\"|\"secp256k1\"|\"p256\"|"
		                   "\"bls\", \"vault\", \"label\"}");
		goto out;
	}
	t = (enum sigil_key_type)sigil_key_type_from_name(type);
	for (size_t v = 0; v < st->n_vaults; v++)
		if (vault_name == NULL ? v == 0 : strcmp(st->cfg->vaults[v].name, vault_name) == 0)
			vi = (long)v;
	if (vi < 0) {
		v1_error(res, 404, "no such vault");
		goto out;
	}
	struct vault *v = st->vaults[vi];
	struct sigil_deadline dl = sigil_deadline_in(st->cfg->server.backend_timeout_ms);
	if (v->ops->generate == NULL) {
		v1_error(res, 501, "this vault makes no keys here (sigil generate does, for a token)");
		goto out;
	}
	int rc = v->ops->generate(v, label, t, &dl, &info);
	if (rc != 0) {
		v1_error(res, api_status_for(rc), rc == SIGIL_E_INVALID ? "the label or the key is taken"
		                                                        : sigil_strerror(rc));
		goto out;
	}
	log_audit("event", "key_generated", "vault", st->cfg->vaults[vi].name, "label", label,
	          "type", type, "token", tok->name, "peer", req->peer, NULL);
	v1_reply_json(res, 200, v1_key_json(st, (size_t)vi, &info));
	v1_reload(ctx);
out:
	json_decref(body);
}

/* DELETE /v1/keys/{id}: for good; refused while the config names the key. */
static void
v1_delete(struct sigil_ctx *ctx, struct sigil_state *st, const struct auth_token *tok,
          const struct api_request *req, const char *ref, struct api_response *res)
{
	const struct vault_key *k;
	long vi = v1_find_key(st, ref, &k);
	char id[2 * V1_KEY_ID_LEN + 1], name[sizeof(k->name)];

	if (vi < 0) {
		v1_error(res, 404, "unknown key");
		return;
	}
	for (size_t i = 0; i < st->n_keys; i++) {
		if (st->keys[i].vk == k) {
			v1_error(res, 409, "the config's policy lists this key: take it out first");
			return;
		}
	}
	struct vault *v = st->vaults[vi];
	struct sigil_deadline dl = sigil_deadline_in(st->cfg->server.backend_timeout_ms);
	if (v->ops->delete_key == NULL) {
		v1_error(res, 501, "this vault deletes no keys");
		return;
	}
	v1_key_id(k, id);
	memcpy(name, k->name, sizeof(name));
	int rc = v->ops->delete_key(v, name, &dl);
	if (rc != 0) {
		v1_error(res, api_status_for(rc), sigil_strerror(rc));
		return;
	}
	log_audit("event", "key_deleted", "vault", st->cfg->vaults[vi].name, "key_id", id, "label",
	          name, "token", tok->name, "peer", req->peer, NULL);
	v1_reply_json(res, 200, json_pack("{s:s}", "deleted", id));
	v1_reload(ctx);
}

/* ---- sign:digest ------------------------------------------------------------ */

/* POST /v1/sign_digest {"key_id", "digest": 32 bytes of hex}: the digest
 * signed as it is, with no chain to say what it means, so no policy kind
 * and no watermark can judge it: only a token holding sign:digest, for a
 * key it may use that the config lists for some chain. */
static void
v1_sign_digest(struct sigil_ctx *ctx, struct sigil_state *st, const struct auth_token *tok,
               const struct api_request *req, struct api_response *res)
{
	json_error_t jerr;
	json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	const char *ref = NULL, *hex = NULL;
	const struct sigil_key *k = NULL;
	const struct vault_key *vk;
	uint8_t digest[32];
	size_t n = 0;
	char id[2 * V1_KEY_ID_LEN + 1];
	struct vault_sig out = {.recid = VAULT_RECID_WANTED};
	int rc;

	if (!(tok->flags & AUTH_SIGN_DIGEST)) {
		v1_error(res, 403, "this token lacks the capability sign:digest");
		goto out;
	}
	if (body == NULL || json_unpack_ex(body, &jerr, JSON_STRICT, "{s:s,s:s}", "key_id", &ref,
	                                   "digest", &hex) != 0 ||
	    (strncmp(hex, "0x", 2) == 0 ? (hex += 2, 0) : 0) || strlen(hex) != 64 ||
	    hex_decode(hex, 64, digest, sizeof(digest), &n) != 0) {
		v1_error(res, 400, "the body must be {\"key_id\", \"digest\": 32 bytes of hex}");
		goto out;
	}
	if (v1_find_key(st, ref, &vk) < 0) {
		v1_error(res, 404, "unknown key");
		goto out;
	}
	for (size_t i = 0; i < st->n_keys && k == NULL; i++)
		if (st->keys[i].vk == vk && auth_token_may_use(tok, st->keys[i].address, NULL))
			k = &st->keys[i];
	v1_key_id(vk, id);
	if (k == NULL && !auth_token_may_use(tok, NULL, id)) {
		v1_error(res, 403, "the config lists this key for no chain, or this token may not "
		                   "use it");
		goto out;
	}
	for (size_t i = 0; i < st->n_keys && k == NULL; i++)
		if (st->keys[i].vk == vk)
			k = &st->keys[i];
	if (k == NULL) {
		v1_error(res, 403, "the config lists this key for no chain");
		goto out;
	}
	if (vk->type == SIGIL_KEY_BLS) {
		v1_error(res, 400, "a BLS key signs messages, not digests");
		goto out;
	}
	struct sigil_deadline dl = sigil_deadline_in(st->cfg->server.backend_timeout_ms);
	rc = k->vault->ops->sign(k->vault, k->vault_index, SIGIL_SCHEME_PLAIN, digest, 32, &dl, &out);
	if (rc == 0 && k->verify &&
	    sigil_verify(vk->type, vk->pk, vk->pk_len, SIGIL_SCHEME_PLAIN, digest, 32, out.sig,
	                 out.len) != 0)
		rc = SIGIL_E_CRYPTO;
	log_audit("event", "sign_digest", "key", k->address, "decision", rc == 0 ? "signed" : "refused",
	          "error", rc == 0 ? "" : sigil_strerror(rc), "token", tok->name, "peer", req->peer,
	          NULL);
	if (rc != 0) {
		v1_error(res, api_status_for(rc), sigil_strerror(rc));
		goto out;
	}
	char sig[2 * SIGIL_SIG_MAX + 3] = "0x";
	if (hex_encode(out.sig, out.len, sig + 2, sizeof(sig) - 2) != 0) {
		v1_error(res, 500, "internal error");
		goto out;
	}
	json_t *j = json_pack("{s:s}", "signature", sig);
	if (j != NULL && out.recid >= 0)
		json_object_set_new(j, "recovery_id", json_integer(out.recid));
	v1_reply_json(res, 200, j);
out:
	sodium_memzero(&out, sizeof(out));
	sodium_memzero(digest, sizeof(digest));
	json_decref(body);
	(void)ctx;
}

/* ---- sign ----------------------------------------------------------------- */

/* A request waiting on the pipeline: the state it was authenticated on
 * stays held (its token is part of it) until the answer. */
struct v1_pending {
	struct sigil_ctx *ctx;
	struct sigil_state *st;
	struct api_async *a;
	double t0;
	char chain[32];
	char token[AUTH_TOKEN_NAME_MAX];
	char kind[32]; /* sign_request.kind points here: it outlives the body */
	const struct chain_ops *chain_ops;
	uint8_t *payload; /* a copy, for a chain with signed_payload */
	size_t len;
	char address[CHAIN_ADDRESS_MAX]; /* and .address */
};

static void
v1_sign_after(void *arg)
{
	sigil_sign_after(arg);
}

/* The answer to a signature, written straight out rather than built as a
 * jansson tree and dumped: on the Ethereum path that tree cost about a
 * tenth of sigild's CPU per request. */
static void
v1_sign_answer(struct api_response *res, const char *chain, const struct sign_res *out,
               const struct intent_op *op, const char *signed_text)
{
	struct sbuf b = {0};
	const char *fields[][2] = {
		{"chain", chain},
		{"kind", out->kind},
		{"asset", op ? op->asset : ""},
		{"amount", op ? op->amount : ""},
		{"destination", op ? op->destination : ""},
		{"route", out->route},
	};

	sbuf_puts(&b, "{\"signature\":\"");
	sbuf_put_json(&b, out->signature);
	if (signed_text != NULL) {
		sbuf_puts(&b, "\",\"signed\":\"");
		sbuf_put_json(&b, signed_text);
	}
	char ops[16];
	size_t n_ops = sizeof(ops);
	/* The count's digits from the end, without printf. */
	uint32_t v = out->n_ops;
	ops[--n_ops] = '\0';
	do {
		ops[--n_ops] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0);
	sbuf_puts(&b, "\",\"intent\":{\"operations\":");
	sbuf_puts(&b, ops + n_ops);
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		sbuf_puts(&b, ",\"");
		sbuf_puts(&b, fields[i][0]);
		sbuf_puts(&b, "\":\"");
		sbuf_put_json(&b, fields[i][1]);
		sbuf_puts(&b, "\"");
	}
	sbuf_puts(&b, "}}");
	size_t n;
	char *text = sbuf_take(&b, &n);
	if (text == NULL)
		api_reply(res, 500, strdup("{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}"));
	else
		api_reply(res, 200, text);
}

static void
v1_sign_reply(struct v1_pending *p, int rc, struct sign_res *out, struct api_response *res)
{
	if (out->after) {
		res->after = v1_sign_after;
		res->after_arg = out->after;
	}
	if (rc != 0) {
		v1_error(res, api_status_for(rc), out->reason[0] ? out->reason : sigil_strerror(rc));
		res->retry_after = out->retry_after;
		free(out->signed_text);
		out->signed_text = NULL;
	} else {
		const struct intent_op *op = out->n_ops > 0 ? &out->op : NULL;
		/* The payload with the signature in it, where the chain has one:
		 * written by the pipeline for a chain with several signatures to
		 * put in (a PSBT), else here (a signed Ethereum transaction). */
		char *signed_text = out->signed_text;
		out->signed_text = NULL;
		if (signed_text == NULL && p->payload != NULL &&
		    p->chain_ops->signed_payload(p->payload, p->len, out->kind, out->sig,
		                                 out->sig_len, &signed_text) == SIGIL_E_NOMEM) {
			v1_error(res, 500, "out of memory");
			goto counted;
		}
		v1_sign_answer(res, p->chain, out, op, signed_text);
		free(signed_text);
	}
counted:
	metrics_count_status(&p->ctx->metrics, res->status);
	metrics_count_token(&p->ctx->metrics, p->token, res->status);
	metrics_hist_observe(&p->ctx->metrics.request_ms, sigil_monotonic_ms_f() - p->t0);
}

static void
v1_sign_done(void *arg, int rc, struct sign_res *out)
{
	struct v1_pending *p = arg;
	struct api_response res = {0};
	struct api_async *a = p->a;

	v1_sign_reply(p, rc, out, &res);
	sigil_state_release(p->st);
	free(p->payload);
	free(p);
	api_async_done(a, &res);
}

/* The payload's bytes from its text: hex (an optional 0x) or base64. */
static int
v1_payload(const char *text, const char *encoding, uint8_t **out, size_t *len)
{
	size_t n = strlen(text);
	int rc = SIGIL_E_INVALID;

	*out = NULL;
	if (n == 0 || n > 2 * V1_PAYLOAD_MAX)
		return n == 0 ? SIGIL_E_INVALID : SIGIL_E_TOO_BIG;
	/* Base64 gives 3 bytes for 4 digits, hex 1 for 2: n bytes hold both. */
	size_t cap = n + 2;
	if ((*out = malloc(cap)) == NULL)
		return SIGIL_E_NOMEM;
	if (encoding == NULL || strcmp(encoding, "hex") == 0) {
		if (n >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
			text += 2, n -= 2;
		rc = n > 0 && hex_decode(text, n, *out, cap, len) == 0 ? 0 : SIGIL_E_INVALID;
	} else if (strcmp(encoding, "base64") == 0) {
		rc = sodium_base642bin(*out, cap, text, n, NULL, len, NULL,
		                       sodium_base64_VARIANT_ORIGINAL) == 0 && *len > 0
		             ? 0
		             : SIGIL_E_INVALID;
	}
	if (rc != 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

/* The members of a /v1/sign body, NUL-terminated. */
struct v1_sign_body {
	const char *chain, *key_id, *payload, *encoding, *kind, *policy_id;
	char *mem;   /* the fast path's copies, or NULL */
	json_t *json; /* jansson's tree, or NULL */
};

/* The plain case without jansson (a tenth of the Ethereum path's CPU was
 * its tree): a flat object of printable ASCII strings without escapes,
 * named as v1_sign_body's members, each once. 0 when it was that case;
 * anything else is left to jansson, which reads every JSON and says what
 * is wrong, so the answers are the same either way. */
static int
v1_sign_body_lite(const struct api_request *req, struct v1_sign_body *b)
{
	static const char *const names[] = {"chain", "key_id", "payload", "encoding", "kind",
	                                    "policy_id"};
	const char **slots[] = {&b->chain, &b->key_id, &b->payload, &b->encoding, &b->kind,
	                        &b->policy_id};
	struct jl_doc d;
	size_t need = 0;
	char *w;

	if (jl_parse(&d, req->body, req->body_len) != 0 || d.n_objs != 1)
		return SIGIL_E_INVALID;
	const struct jl_obj *o = &d.objs[0];
	for (size_t i = 0; i < o->n; i++) {
		if (o->val[i].type != JL_STRING)
			return SIGIL_E_INVALID;
		/* Printable ASCII only ('"' and '\\' cannot be in jl's strings),
		 * eight bytes a test while they last. */
		const char *v = o->val[i].s;
		for (size_t k = sbuf_json_plain_run(v, o->val[i].n); k < o->val[i].n; k++)
			if ((unsigned char)v[k] < 0x20 || (unsigned char)v[k] > 0x7e)
				return SIGIL_E_INVALID;
		need += o->val[i].n + 1;
	}
	if ((b->mem = w = malloc(need + 1)) == NULL)
		return SIGIL_E_NOMEM;
	for (size_t i = 0; i < o->n; i++) {
		size_t k = 0;
		while (k < sizeof(names) / sizeof(names[0]) &&
		       !(strlen(names[k]) == o->klen[i] && memcmp(names[k], o->key[i], o->klen[i]) == 0))
			k++;
		if (k == sizeof(names) / sizeof(names[0])) {
			free(b->mem);
			*b = (struct v1_sign_body){0};
			return SIGIL_E_INVALID;
		}
		memcpy(w, o->val[i].s, o->val[i].n);
		w[o->val[i].n] = '\0';
		*slots[k] = w;
		w += o->val[i].n + 1;
	}
	if (b->chain == NULL || b->key_id == NULL || b->payload == NULL) {
		free(b->mem);
		*b = (struct v1_sign_body){0};
		return SIGIL_E_INVALID;
	}
	return 0;
}

/* A /v1/sign body into b: 0, or SIGIL_E_NOMEM, or SIGIL_E_INVALID when it
 * is not {"chain", "key_id", "payload"[, "encoding", "kind",
 * "policy_id"]} with string values. v1_sign_body_free releases it. */
static int
v1_sign_body_read(const struct api_request *req, struct v1_sign_body *b)
{
	json_error_t jerr;
	int rc;

	*b = (struct v1_sign_body){0};
	if ((rc = v1_sign_body_lite(req, b)) != SIGIL_E_INVALID)
		return rc;
	b->json = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (b->json == NULL || !json_is_object(b->json) ||
	    json_unpack_ex(b->json, &jerr, JSON_STRICT, "{s:s,s:s,s:s,s?s,s?s,s?s}", "chain",
	                   &b->chain, "key_id", &b->key_id, "payload", &b->payload, "encoding",
	                   &b->encoding, "kind", &b->kind, "policy_id", &b->policy_id) != 0)
		return SIGIL_E_INVALID;
	return 0;
}

static void
v1_sign_body_free(struct v1_sign_body *b)
{
	free(b->mem);
	json_decref(b->json);
	*b = (struct v1_sign_body){0};
}

static int
v1_sign(struct sigil_ctx *ctx, struct sigil_state *st, const struct auth_token *tok,
        const struct api_request *req, struct api_response *res, struct api_async *a)
{
	struct v1_sign_body body;
	const char *chain_name, *key_ref, *payload, *encoding, *kind;
	const struct chain_ops *chain;
	const struct vault_key *vk;
	char address[CHAIN_ADDRESS_MAX];
	uint8_t *data = NULL;
	size_t len = 0;
	struct v1_pending *p = NULL;
	struct sign_res out;
	double t0 = sigil_monotonic_ms_f();
	int rc;

	if ((rc = v1_sign_body_read(req, &body)) != 0) {
		if (rc == SIGIL_E_NOMEM)
			v1_error(res, 500, "out of memory");
		else
			v1_error(res, 400, "the body must be {\"chain\", \"key_id\", \"payload\"[, "
			                   "\"encoding\": \"hex\"|\"base64\", \"kind\"]}");
		goto out;
	}
	chain_name = body.chain, key_ref = body.key_id, payload = body.payload;
	encoding = body.encoding, kind = body.kind;
	if ((chain = chain_find(chain_name)) == NULL) {
		v1_error(res, 404, "unknown chain");
		goto out;
	}
	/* The usual case first: the key named by its address on this chain,
	 * which the key ring holds already (deriving it again costs a point
	 * decompression and hashes per key: bench section 8). */
	const struct sigil_key *rk = sigil_find_key(st, chain, key_ref);
	if (rk != NULL) {
		str_copy(address, sizeof(address), rk->address);
	} else if (v1_find_key(st, key_ref, &vk) < 0 || !chain->key_type_ok(vk->type) ||
	           chain->address(vk->type, vk->pk, vk->pk_len, address, sizeof(address)) != 0) {
		v1_error(res, 404, "unknown key");
		goto out;
	}
	if ((rc = v1_payload(payload, encoding, &data, &len)) != 0) {
		v1_error(res, rc == SIGIL_E_NOMEM ? 500 : rc == SIGIL_E_TOO_BIG ? 413 : 400,
		         rc == SIGIL_E_TOO_BIG ? "payload too large"
		                               : "payload must be hex (encoding \"hex\", the default) "
		                                 "or base64 (encoding \"base64\")");
		goto out;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		v1_error(res, 500, "out of memory");
		goto out;
	}
	*p = (struct v1_pending){.ctx = ctx, .st = st, .a = a, .t0 = t0};
	str_copy(p->chain, sizeof(p->chain), chain->name);
	str_copy(p->token, sizeof(p->token), tok->name);
	str_copy(p->address, sizeof(p->address), address);
	if (kind != NULL && (strlen(kind) == 0 || strlen(kind) >= sizeof(p->kind))) {
		free(p);
		p = NULL;
		v1_error(res, 400, "no such kind");
		goto out;
	}
	str_copy(p->kind, sizeof(p->kind), kind ? kind : "");
	p->chain_ops = chain;
	p->len = len;
	/* Its strings live in p, which lives until the answer: the body does
	 * not (sigil_sign_async copies the bytes only). */
	struct sign_request sr = {.api = "v1", .chain = chain, .address = p->address,
	                          .payload = data, .len = len, .peer = req->peer,
	                          .kind = kind ? p->kind : NULL,
	                          .token = tok->name, .bearer = tok, .bearer_only = true,
	                          .after_reply = true, .t0 = t0, .held = st};
	v1_sign_body_free(&body);
	/* The job copies the bytes; p keeps them for the signed form, where
	 * the chain writes one (no second copy), and frees them. */
	if (chain->signed_payload != NULL)
		p->payload = data, data = NULL;
	rc = sigil_sign_async(ctx, &sr, &out, v1_sign_done, p);
	free(data);
	if (rc == SIGIL_SIGN_PENDING)
		return API_PENDING; /* p, and the state it holds, are v1_sign_done's now */
	v1_sign_reply(p, rc, &out, res);
	free(p->payload);
	free(p);
	sigil_state_release(st);
	return API_DONE;
out:
	v1_sign_body_free(&body);
	free(data);
	metrics_count_status(&ctx->metrics, res->status);
	metrics_count_token(&ctx->metrics, tok->name, res->status);
	sigil_state_release(st);
	return API_DONE;
}

/* ---- the handler ---------------------------------------------------------- */

int
api_v1_handle(struct sigil_ctx *ctx, const struct api_request *req, struct api_response *res,
              struct api_async *a)
{
	enum v1_route r = v1_route(req->method, req->url);
	struct sigil_state *st;
	const struct auth_token *tok;
	const char *secret;
	size_t len;

	if (r == V1_BAD_METHOD || r == V1_NOT_FOUND) {
		api_v1_check(req->method, req->url, &len, res);
		return API_DONE;
	}
	st = sigil_ctx_hold(ctx);
	tok = config_find_token(st->cfg, api_header(req, "Authorization"));
	secret = auth_bearer(api_header(req, "Authorization"), &len);
	if (tok == NULL) {
		atomic_fetch_add(&ctx->metrics.auth_failures, 1);
		metrics_count_status(&ctx->metrics, 401);
		v1_error(res, 401, st->cfg->auth.n_tokens == 0 ? "the v1 API needs a token, and none "
		                                                 "is configured (auth.tokens)"
		                   : secret == NULL ? "a token is needed (Authorization: Bearer …)"
		                                    : "unknown token");
		sigil_state_release(st);
		return API_DONE;
	}
	if (r == V1_SIGN)
		return v1_sign(ctx, st, tok, req, res, a);
	if (r == V1_DIGEST) {
		v1_sign_digest(ctx, st, tok, req, res);
	} else if (r == V1_GENERATE || r == V1_DELETE) {
		if (!(tok->flags & AUTH_KEYS_ADMIN))
			v1_error(res, 403, "this token lacks the capability keys:admin");
		else if (r == V1_GENERATE)
			v1_generate(ctx, st, tok, req, res);
		else
			v1_delete(ctx, st, tok, req, req->url + strlen(API_V1_PREFIX) + 5, res);
	} else if (!(tok->flags & AUTH_KEYS_READ)) {
		v1_error(res, 403, "this token lacks the capability keys:read");
	} else if (r == V1_KEYS) {
		v1_keys(st, res);
	} else {
		v1_key(st, req->url + strlen(API_V1_PREFIX) + 5, res);
	}
	metrics_count_status(&ctx->metrics, res->status);
	metrics_count_token(&ctx->metrics, tok->name, res->status);
	sigil_state_release(st);
	return API_DONE;
}
