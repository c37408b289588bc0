#include "cli/tezos.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "base/errors.h"
#include "base/hex.h"
#include "crypto/sr25519.h"
#include "chain/tezos/b58.h"
#include "chain/tezos/chain.h"
#include "chain/tezos/keys.h"
#include "chain/tezos/wm_export.h"
#include "chain/tezos/wm_import.h"
#include "core/keyring.h"
#include "watermark/import.h"

const struct chain_ops *
cli_chain(void)
{
	return &chain_tezos;
}

int
cli_key_text(const struct vault_key *k, char *address, size_t acap, char *public_key,
             size_t pcap)
{
	/* The vault files' forms: Tezos's for the types it has, Polkadot's
	 * for sr25519 (core/keyring.c). */
	const struct vault_codec *c = sigil_vault_codec();
	int rc = c->address(k->type, k->pk, k->pk_len, address, acap);
	return rc ? rc : c->public_key_text(k->type, k->pk, k->pk_len, public_key, pcap);
}

bool
cli_secret_encrypted(const char *text)
{
	return tz_sk_is_encrypted(text, strlen(text));
}

/* "sr25519:" and then a Polkadot key (crypto/sr25519.h): its 32-byte mini
 * secret, the seed polkadot-js and subkey print (`subkey inspect`: "Secret
 * seed"), or its 64-byte secret key in the ed25519 form (polkadot-js's
 * secretKey). Tezos's forms otherwise. */
#define SR_TAG "sr25519:"

int
cli_secret_parse(const char *text, const char *pass, enum sigil_key_type *t,
                 uint8_t sk[static SIGIL_SECRET_MAX], size_t *sklen)
{
	const char *why = NULL;
	int rc;

	*sklen = 0;
	if (strncmp(text, SR_TAG, strlen(SR_TAG)) == 0) {
		rc = sigil_sr25519_secret_parse(text, strnlen(text, SIGIL_SR25519_TEXT_MAX + 1), sk,
		                                sklen, &why);
		if (rc != 0) {
			fprintf(stderr, "sigil: sr25519 secret key: %s\n", why);
			return rc;
		}
		*t = SIGIL_KEY_SR25519;
		return 0;
	}
	if ((rc = tz_sk_decode(text, strlen(text), pass, t, sk)) == 0)
		*sklen = SIGIL_SECRET_LEN;
	return rc;
}

int
cli_secret_from_pem(const char *pem, size_t len, enum sigil_key_type *t,
                    uint8_t sk[static SIGIL_SECRET_LEN])
{
	return tz_sk_from_pem(pem, len, t, sk);
}

int
cli_wm_id_text(const struct wm_id *id, char *address, size_t acap, char *chain, size_t ccap)
{
	if (tz_pkh_encode((enum sigil_key_type)id->key[0], id->key + 1, address, acap) != 0 ||
	    tz_b58_encode(TZ_P_NET, id->chain_id, 4, chain, ccap) != 0)
		return SIGIL_E_INVALID;
	return 0;
}

int
cli_wm_id_parse(const char *address, const char *chain, struct wm_id *id)
{
	enum sigil_key_type t;
	size_t n = 0;

	if (tz_pkh_decode(address, strlen(address), &t, id->key + 1) != 0 ||
	    tz_b58_decode(chain, strlen(chain), TZ_P_NET, id->chain_id, 4, &n) != 0 || n != 4)
		return SIGIL_E_INVALID;
	id->key[0] = (uint8_t)t;
	return 0;
}

int
cli_import_signatory(struct wm_store *s, const char *path)
{
	struct chain_marks l = {0};
	int rc = tz_marks_signatory(path, &l);
	if (rc == 0)
		rc = wm_import_marks(s, path, &l);
	free(l.v);
	return rc;
}

int
cli_import_octez(struct wm_store *s, const char *path, unsigned cls, cli_pk_lookup lookup,
                 void *arg)
{
	struct chain_marks l = {0};
	int rc = tz_marks_octez(path, cls, lookup, arg, &l);
	if (rc == 0)
		rc = wm_import_marks(s, path, &l);
	free(l.v);
	return rc;
}

int
cli_wm_label(void *arg, const struct wm_id *id, struct wm_json_label *out)
{
	(void)arg;
	memset(out, 0, sizeof(*out));
	if (!tz_mark_is_tezos(id->chain_id, id->key) ||
	    cli_wm_id_text(id, out->address, sizeof(out->address), out->chain_id,
	                   sizeof(out->chain_id)) != 0) {
		memset(out, 0, sizeof(*out));
		return SIGIL_E_NOT_FOUND;
	}
	snprintf(out->chain, sizeof(out->chain), "%s", chain_tezos.name);
	return 0;
}

int
cli_export_signatory(const char *dir, const struct wm_json_list *l, size_t *written,
                     size_t *other)
{
	struct chain_marks m = {0};
	char err[PATH_MAX + 128] = "";
	int rc;

	*written = *other = 0;
	if (l->n > 0 && (m.v = calloc(l->n, sizeof(*m.v))) == NULL)
		return SIGIL_E_NOMEM;
	/* l is sorted by network, then key, then class: as the writer wants. */
	for (size_t i = 0; i < l->n; i++) {
		const struct wm_json_entry *e = &l->v[i];
		struct chain_mark *c = &m.v[m.n];
		if (!tz_mark_is_tezos(e->id.chain_id, e->id.key) || e->mark.level < 0 ||
		    e->mark.round < 0) {
			(*other)++;
			continue;
		}
		memcpy(c->network, e->id.chain_id, sizeof(c->network));
		memcpy(c->key_id, e->id.key, sizeof(c->key_id));
		c->slot_class = (unsigned)e->id.kind;
		c->level = e->mark.level;
		c->round = e->mark.round;
		memcpy(c->digest, e->mark.digest, sizeof(c->digest));
		c->has_digest = e->mark.has_digest;
		m.n++;
	}
	if ((rc = tz_signatory_write(dir, m.v, m.n, err, sizeof(err))) != 0)
		fprintf(stderr, "sigil: watermark export --signatory: %s\n",
		        err[0] ? err : sigil_strerror(rc));
	else
		*written = m.n;
	free(m.v);
	return rc;
}
