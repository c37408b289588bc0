/* Signatory's watermark files, written (wm_export.h); wm_import.c reads
 * them back. */
#include "chain/tezos/wm_export.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "base/sbuf.h"
#include "chain/tezos/b58.h"
#include "chain/tezos/chain.h"
#include "chain/tezos/keys.h"

/* Signatory's request kinds by slot class (gotez's SignRequestKind). */
static const char *const sig_kind_names[TZ_SLOT_CLASSES] = {
	[TZ_SLOT_BLOCK] = "block",
	[TZ_SLOT_PREATTESTATION] = "preattestation",
	[TZ_SLOT_ATTESTATION] = "attestation",
};

bool
tz_mark_is_tezos(const uint8_t network[static 4], const uint8_t key_id[static CHAIN_KEY_ID_LEN])
{
	char addr[CHAIN_ADDRESS_MAX];

	if (network[1] == 0 && network[2] == 0 && network[3] == 0)
		return false;
	return tz_pkh_encode((enum sigil_key_type)key_id[0], key_id + 1, addr, sizeof(addr)) == 0;
}

static int
net_path(const char *dir, const uint8_t net[4], char *path, size_t cap)
{
	char b58[TZ_B58_MAX];
	int n;

	if (tz_b58_encode(TZ_P_NET, net, 4, b58, sizeof(b58)) != 0)
		return SIGIL_E_INVALID;
	n = snprintf(path, cap, "%s/watermark_v2/%s.json", dir, b58);
	return n < 0 || (size_t)n >= cap ? SIGIL_E_TOO_BIG : 0;
}

/* One {"level", "round", "hash"?} entry. */
static int
put_entry(struct sbuf *b, const struct chain_mark *m)
{
	char vh[TZ_B58_MAX];

	if (m->slot_class >= TZ_SLOT_CLASSES || m->level < 0 || m->round < 0)
		return SIGIL_E_INVALID;
	sbuf_printf(b, "\"%s\": {\"level\": %" PRId32 ", \"round\": %" PRId32,
	            sig_kind_names[m->slot_class], m->level, m->round);
	if (m->has_digest) {
		if (tz_b58_encode(TZ_P_VH, m->digest, 32, vh, sizeof(vh)) != 0)
			return SIGIL_E_INVALID;
		sbuf_printf(b, ", \"hash\": \"%s\"", vh);
	}
	sbuf_puts(b, "}");
	return 0;
}

/* The marks v[0..n) of one network (sorted by key) as one file's text. */
static int
net_text(const struct chain_mark *v, size_t n, char **out, size_t *len)
{
	struct sbuf b = {0};
	char addr[CHAIN_ADDRESS_MAX];
	int rc = 0;

	sbuf_puts(&b, "{");
	for (size_t i = 0; i < n && rc == 0; i++) {
		bool same = i > 0 && memcmp(v[i].key_id, v[i - 1].key_id, CHAIN_KEY_ID_LEN) == 0;
		if (same) {
			sbuf_puts(&b, ",\n        ");
		} else {
			if (tz_pkh_encode((enum sigil_key_type)v[i].key_id[0], v[i].key_id + 1, addr,
			                  sizeof(addr)) != 0) {
				rc = SIGIL_E_INVALID;
				break;
			}
			sbuf_printf(&b, "%s\n    \"%s\": {\n        ", i == 0 ? "" : "\n    },", addr);
		}
		rc = put_entry(&b, &v[i]);
	}
	sbuf_puts(&b, n > 0 ? "\n    }\n}\n" : "}\n");
	if (rc == 0)
		rc = sbuf_reserve(&b, 0); /* any append's error */
	if (rc != 0) {
		sbuf_free(&b);
		return rc;
	}
	return (*out = sbuf_take(&b, len)) == NULL ? SIGIL_E_NOMEM : 0;
}

/* How many marks from v[i] share its network. */
static size_t
run_of(const struct chain_mark *v, size_t n, size_t i)
{
	size_t j = i;
	while (j < n && memcmp(v[j].network, v[i].network, 4) == 0)
		j++;
	return j - i;
}

int
tz_signatory_write(const char *dir, const struct chain_mark *v, size_t n, char *err,
                   size_t errlen)
{
	char path[PATH_MAX];
	struct stat st;
	int rc;

	/* Every file is checked before any is written. */
	for (size_t i = 0; i < n; i += run_of(v, n, i)) {
		if (!tz_mark_is_tezos(v[i].network, v[i].key_id))
			return SIGIL_E_INVALID;
		if ((rc = net_path(dir, v[i].network, path, sizeof(path))) != 0)
			return rc;
		if (lstat(path, &st) == 0) {
			snprintf(err, errlen, "%s exists: its marks would be replaced; move it away or "
			         "export into another directory", path);
			return SIGIL_E_INVALID;
		}
	}
	snprintf(path, sizeof(path), "%s/watermark_v2", dir);
	if (fileio_mkdirs(path, 0700) != 0) {
		snprintf(err, errlen, "cannot create %s", path);
		return SIGIL_E_IO;
	}
	for (size_t i = 0, k; i < n; i += k) {
		char *text = NULL;
		size_t len = 0;
		k = run_of(v, n, i);
		if ((rc = net_path(dir, v[i].network, path, sizeof(path))) != 0 ||
		    (rc = net_text(v + i, k, &text, &len)) != 0) {
			snprintf(err, errlen, "cannot write the marks of %s", path);
			return rc;
		}
		rc = fileio_create_new(path, text, len);
		free(text);
		if (rc != 0) {
			snprintf(err, errlen, "%s: %s", path,
			         rc == 1 ? "made by another process meanwhile" : sigil_strerror(rc));
			return rc == 1 ? SIGIL_E_INVALID : rc;
		}
	}
	return 0;
}
