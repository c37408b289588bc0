/* Reading the high watermarks of the signers operators migrate from:
 * Signatory (watermark_v2/{chain}.json) and octez-signer
 * ({block,preattestation,attestation}_high_watermark), into chain marks
 * that watermark/import.h writes to a store. A file is read and checked
 * whole, so a malformed one gives nothing to import. */
#include "chain/tezos/wm_import.h"

#include "chain/tezos/b58.h"
#include "chain/tezos/keys.h"
#include "base/errors.h"
#include "base/fileio.h"
#include "base/hex.h"
#include "base/log.h"

#include <jansson.h>
#include <sodium.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* Far above any real watermark file; refuses a runaway one. */
#define IMPORT_MAX_BYTES (64u * 1024 * 1024)


static int
imp_push(struct chain_marks *l, const struct chain_mark *m)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 32;
		void *p = realloc(l->v, cap * sizeof(*l->v));
		if (p == NULL)
			return SIGIL_E_NOMEM;
		l->v = p;
		l->cap = cap;
	}
	l->v[l->n++] = *m;
	return 0;
}

static int
mark_above(const struct chain_mark *a, const struct chain_mark *b)
{
	return a->level > b->level || (a->level == b->level && a->round > b->round);
}

static int
bad(const char *path, const char *where, const char *what)
{
	log_error("watermark import %s: %s%s%s: nothing imported", path, where ? where : "",
	          where ? ": " : "", what);
	return SIGIL_E_INVALID;
}

/* A JSON integer in 0..INT32_MAX. */
static int
get_i32(json_t *v, int32_t *out)
{
	if (!json_is_integer(v))
		return -1;
	json_int_t x = json_integer_value(v);
	if (x < 0 || x > INT32_MAX)
		return -1;
	*out = (int32_t)x;
	return 0;
}

static int
get_pkh(const char *s, uint8_t pkh[static CHAIN_KEY_ID_LEN])
{
	enum sigil_key_type t;
	if (tz_pkh_decode(s, strlen(s), &t, pkh + 1) != 0)
		return -1;
	pkh[0] = (uint8_t)t;
	return 0;
}

static int
load_json(const char *path, json_t **out)
{
	char *buf = NULL;
	size_t len = 0;
	json_error_t err;
	int rc;

	*out = NULL;
	if ((rc = fileio_read(path, IMPORT_MAX_BYTES, &buf, &len)) != 0) {
		log_error("watermark import %s: cannot read it (%s)", path, sigil_strerror(rc));
		return rc;
	}
	*out = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &err);
	free(buf);
	if (*out == NULL) {
		log_error("watermark import %s: not JSON (line %d: %s): nothing imported", path,
		          err.line, err.text);
		return SIGIL_E_INVALID;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return bad(path, NULL, "the top level is not an object");
	}
	return 0;
}

/* ---- Signatory ---- */

static const struct {
	const char *name;
	unsigned kind;
} sig_kinds[] = {
	{"block", TZ_SLOT_BLOCK},
	{"preattestation", TZ_SLOT_PREATTESTATION},
	{"attestation", TZ_SLOT_ATTESTATION},
	{"attestation_with_dal", TZ_SLOT_ATTESTATION}, /* same 0x13 magic byte */
};

/* One {"level", "round"?, "hash"?} entry. */
static int
sig_entry(const char *path, const char *pkh, json_t *e, unsigned kind, struct chain_mark *m)
{
	const char *k;
	json_t *v;

	memset(m, 0, sizeof(*m));
	if (!json_is_object(e))
		return bad(path, pkh, "an entry is not an object");
	json_object_foreach(e, k, v) {
		if (strcmp(k, "level") == 0) {
			if (get_i32(v, &m->level) != 0)
				return bad(path, pkh, "level is not a 32-bit non-negative integer");
		} else if (strcmp(k, "round") == 0) {
			if (get_i32(v, &m->round) != 0)
				return bad(path, pkh, "round is not a 32-bit non-negative integer");
		} else if (strcmp(k, "hash") == 0) {
			size_t n = 0;
			const char *h = json_string_value(v);
			if (h == NULL || tz_b58_decode(h, strlen(h), TZ_P_VH, m->digest,
			                               sizeof(m->digest), &n) != 0 ||
			    n != sizeof(m->digest))
				return bad(path, pkh, "hash is not a valid vh… value hash");
			m->has_digest = true;
		} else {
			return bad(path, pkh, "an entry has a field this import does not know");
		}
	}
	if (json_object_get(e, "level") == NULL)
		return bad(path, pkh, "an entry has no level");
	/* Signatory keeps a block's payload round, which can be below the
	 * fitness round that sigil (like octez) compares: a lower round here
	 * would let a second block at the real round through. Spend the
	 * whole level instead. */
	m->slot_class = kind;
	if (kind == TZ_SLOT_BLOCK)
		m->round = INT32_MAX;
	return 0;
}

int
tz_marks_signatory(const char *path, struct chain_marks *out)
{
	struct chain_marks l = {0};
	json_t *root = NULL, *marks;
	uint8_t chain[4];
	const char *base, *pkh;
	size_t n = 0, blen;
	int rc;

	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	blen = strlen(base);
	if (blen <= 5 || strcmp(base + blen - 5, ".json") != 0 ||
	    tz_b58_decode(base, blen - 5, TZ_P_NET, chain, sizeof(chain), &n) != 0 ||
	    n != sizeof(chain))
		return bad(path, NULL, "the file name is not {chain_id}.json (Net…)");
	if ((rc = load_json(path, &root)) != 0)
		return rc;
	rc = SIGIL_E_INVALID;
	json_object_foreach(root, pkh, marks) {
		struct chain_mark best[TZ_SLOT_CLASSES];
		bool have[TZ_SLOT_CLASSES] = {false};
		uint8_t key[CHAIN_KEY_ID_LEN];
		const char *kname;
		json_t *e;

		if (get_pkh(pkh, key) != 0) {
			rc = bad(path, pkh, "not a tz1/tz2/tz3/tz4 address");
			goto out;
		}
		if (!json_is_object(marks)) {
			rc = bad(path, pkh, "not an object");
			goto out;
		}
		json_object_foreach(marks, kname, e) {
			size_t i;
			struct chain_mark m;
			for (i = 0; i < sizeof(sig_kinds) / sizeof(sig_kinds[0]); i++)
				if (strcmp(kname, sig_kinds[i].name) == 0)
					break;
			if (i == sizeof(sig_kinds) / sizeof(sig_kinds[0])) {
				rc = bad(path, pkh, "unknown operation kind");
				goto out;
			}
			unsigned k = sig_kinds[i].kind;
			if ((rc = sig_entry(path, pkh, e, k, &m)) != 0)
				goto out;
			/* attestation and attestation_with_dal: the higher. */
			if (!have[k] || mark_above(&m, &best[k]))
				best[k] = m;
			have[k] = true;
		}
		for (unsigned k = 0; k < TZ_SLOT_CLASSES; k++) {
			if (!have[k])
				continue;
			memcpy(best[k].network, chain, sizeof(chain));
			memcpy(best[k].key_id, key, sizeof(key));
			if ((rc = imp_push(&l, &best[k])) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	if (rc == 0)
		*out = l;
	else
		free(l.v);
	return rc;
}

/* ---- octez-signer ---- */

/* One {"level", "round"?, "hash", "signature"?} entry (handler.ml's
 * High_watermark.encoding: the hash is raw bytes, so hex in JSON; the
 * signature is a b58 signature). */
static int
octez_entry(const char *path, const char *pkh, uint8_t key_tag, json_t *e, struct chain_mark *m)
{
	const char *k;
	json_t *v;
	bool round = false, hash = false;

	memset(m, 0, sizeof(*m));
	if (!json_is_object(e))
		return bad(path, pkh, "an entry is not an object");
	json_object_foreach(e, k, v) {
		if (strcmp(k, "level") == 0) {
			if (get_i32(v, &m->level) != 0)
				return bad(path, pkh, "level is not a 32-bit non-negative integer");
		} else if (strcmp(k, "round") == 0) {
			if (get_i32(v, &m->round) != 0)
				return bad(path, pkh, "round is not a 32-bit non-negative integer");
			round = true;
		} else if (strcmp(k, "hash") == 0) {
			size_t n = 0;
			const char *h = json_string_value(v);
			if (h == NULL || hex_decode(h, strlen(h), m->digest, sizeof(m->digest), &n) != 0 ||
			    n != sizeof(m->digest))
				return bad(path, pkh, "hash is not 32 bytes of hex");
			m->has_digest = hash = true;
		} else if (strcmp(k, "signature") == 0) {
			enum sigil_key_type t = (enum sigil_key_type)key_tag;
			bool generic = false;
			const char *sg = json_string_value(v);
			if (sg == NULL || tz_sig_decode(sg, strlen(sg), &t, m->sig, &m->sig_len,
			                                &generic) != 0 ||
			    (unsigned)t != key_tag || m->sig_len == 0 || m->sig_len > SIGIL_SIG_MAX)
				return bad(path, pkh, "signature is not a signature by this key's type");
		} else {
			return bad(path, pkh, "an entry has a field this import does not know");
		}
	}
	if (json_object_get(e, "level") == NULL || !hash)
		return bad(path, pkh, "an entry lacks its level or hash");
	/* Without a round (a mark from before Tenderbake) octez refuses any
	 * other payload at that level: so do we. */
	if (!round)
		m->round = INT32_MAX;
	return 0;
}

/* Keeps m's signature only if it verifies with the key (see watermark.h). */
static void
octez_check_sig(const char *path, const char *pkh, const uint8_t id_pkh[21], struct chain_mark *m,
                tz_pk_lookup lookup, void *arg)
{
	uint8_t pk[SIGIL_PK_MAX];
	size_t pklen = 0;
	const char *why = NULL;

	if (m->sig_len == 0)
		return;
	if ((enum sigil_key_type)id_pkh[0] == SIGIL_KEY_BLS)
		why = "tz4 signatures cannot be checked from the file";
	else if (lookup == NULL || lookup(arg, id_pkh, pk, &pklen) != 0)
		why = "the key is not in a configured vault, so it cannot be checked";
	else if (sigil_verify_digest((enum sigil_key_type)id_pkh[0], pk, pklen, m->digest, m->sig,
	                             m->sig_len) != 0)
		why = "it does not verify with the key";
	if (why == NULL)
		return;
	log_warn("watermark import %s: %s: stored signature dropped (%s); the mark is kept",
	         path, pkh, why);
	sodium_memzero(m->sig, sizeof(m->sig));
	m->sig_len = 0;
}

int
tz_marks_octez(const char *path, unsigned kind, tz_pk_lookup lookup, void *lookup_arg,
               struct chain_marks *out)
{
	struct chain_marks l = {0};
	json_t *root = NULL, *keys;
	const char *chain_b58;
	int rc;

	if (kind >= TZ_SLOT_CLASSES)
		return SIGIL_E_INVALID;
	if ((rc = load_json(path, &root)) != 0)
		return rc;
	rc = SIGIL_E_INVALID;
	json_object_foreach(root, chain_b58, keys) {
		uint8_t chain[4], key[CHAIN_KEY_ID_LEN];
		const char *pkh;
		json_t *e;
		size_t n = 0;

		if (tz_b58_decode(chain_b58, strlen(chain_b58), TZ_P_NET, chain, sizeof(chain), &n) !=
		            0 ||
		    n != sizeof(chain)) {
			rc = bad(path, chain_b58, "not a chain id (Net…)");
			goto out;
		}
		if (!json_is_object(keys)) {
			rc = bad(path, chain_b58, "not an object");
			goto out;
		}
		json_object_foreach(keys, pkh, e) {
			struct chain_mark m;
			if (get_pkh(pkh, key) != 0) {
				rc = bad(path, pkh, "not a tz1/tz2/tz3/tz4 address");
				goto out;
			}
			if ((rc = octez_entry(path, pkh, key[0], e, &m)) != 0)
				goto out;
			octez_check_sig(path, pkh, key, &m, lookup, lookup_arg);
			memcpy(m.network, chain, sizeof(chain));
			memcpy(m.key_id, key, sizeof(key));
			m.slot_class = kind;
			if ((rc = imp_push(&l, &m)) != 0)
				goto out;
		}
	}
	rc = 0;
out:
	json_decref(root);
	if (rc == 0)
		*out = l;
	else
		free(l.v);
	return rc;
}
