/* High watermarks: the record that stops a key from signing two different
 * consensus payloads at one (level, round).
 *
 * A store is one back end (file, later pg) behind struct wm_store_ops. The
 * core calls wm_check_advance before signing: it returns only after the new
 * watermark is durable, so no signature is ever released ahead of it. */
#ifndef SIGIL_WATERMARK_H
#define SIGIL_WATERMARK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/sig.h"

/* Watermarks are kept per magic byte, as octez-signer does: an attestation
 * and an attestation_with_dal share one (both are 0x13). */
enum wm_kind { WM_BLOCK = 0, WM_PREATTESTATION = 1, WM_ATTESTATION = 2 };
#define WM_KINDS 3

struct wm_id {
	uint8_t chain_id[4];
	uint8_t pkh[21]; /* key-type tag then blake2b-160 */
	enum wm_kind kind;
};

struct wm_mark {
	int32_t level;
	int32_t round;
	uint8_t digest[32];      /* blake2b-256 of the signed bytes */
	bool has_digest;         /* imported marks may lack it */
	uint8_t sig[SIGIL_SIG_MAX];
	size_t sig_len;          /* 0 when the signature is not known */
};

/* Outcomes of check_advance besides errors. */
#define WM_ADVANCED 0  /* new mark is durable: go ahead and sign */
#define WM_IDENTICAL 1 /* same level, round and digest: re-sign or reuse prev->sig */

struct wm_store;

struct wm_store_ops {
	const char *name;
	/* Compares req to the stored mark for id. Above it: store req (digest,
	 * no signature), make it durable, return WM_ADVANCED. Same level and
	 * round and digest: WM_IDENTICAL with *prev filled (prev->sig_len may
	 * be 0). Anything else: SIGIL_E_WATERMARK, nothing changed. A record
	 * that fails its checksum: SIGIL_E_CORRUPT, and that id stays refused. */
	int (*check_advance)(struct wm_store *s, const struct wm_id *id,
	                     const struct wm_mark *req, struct wm_mark *prev);
	/* Remembers the signature made for the mark just advanced (same level,
	 * round, digest); need not be durable before returning. */
	int (*record_signature)(struct wm_store *s, const struct wm_id *id,
	                        const struct wm_mark *signed_mark);
	/* Reads the current mark: SIGIL_E_NOT_FOUND when there is none. */
	int (*get)(struct wm_store *s, const struct wm_id *id, struct wm_mark *out);
	/* Sets a mark unconditionally and durably (CLI set, import). */
	int (*set)(struct wm_store *s, const struct wm_id *id, const struct wm_mark *m);
	/* Calls fn for every stored mark (CLI show); optional. */
	int (*each)(struct wm_store *s,
	            int (*fn)(void *arg, const struct wm_id *id, const struct wm_mark *m),
	            void *arg);
	/* 0 when the store can serve. */
	int (*ready)(struct wm_store *s);
	void (*close)(struct wm_store *s);
};

struct wm_store {
	const struct wm_store_ops *ops;
};

/* The file back end: dir is created 0700 if missing and locked exclusively
 * (SIGIL_E_LOCKED when another process holds it). */
__attribute__((warn_unused_result)) int
wm_file_open(const char *dir, struct wm_store **out);

#endif
