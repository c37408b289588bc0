/* High watermarks: the record that stops a key from signing two different
 * consensus payloads at one (level, round).
 *
 * A store is one back end (file, later pg) behind struct wm_store_ops. No
 * signature is ever released ahead of its mark: every path below returns
 * (or reports) an advance only once the new mark is durable.
 *
 * An identical request (same level, round and bytes) must get the same
 * signature back, never a second one: two signatures over one block header
 * are two blocks at one level and round, i.e. double-baking evidence. The
 * signing path meets that in one of two ways, chosen by the key:
 *
 * - Keys whose signatures are reproducible (struct vault_key.deterministic:
 *   sigil's own Ed25519, RFC 8032; secp256k1 and P-256 with RFC 6979 nonces;
 *   BLS) go through check_advance or check_advance_async, and an identical
 *   request is simply signed again: the bytes give the same signature. No
 *   signature is stored for them.
 * - Any other key (an HSM, a key holder or a KMS may add randomness) goes
 *   through check_advance_sign: the signature is made while the id is
 *   still held, and stored durably before the call returns, so before any
 *   reply. An identical request gets that stored signature back; one that
 *   finds none (an imported mark, a crash between signing and storing, a
 *   mark written by the other path) is refused, never signed afresh.
 *
 * Every call that may leave the machine takes a deadline (base/deadline.h;
 * NULL: none): a store that leaves the machine (a database) gives up with
 * SIGIL_E_TIMEOUT by then, having advanced nothing it reports, and the
 * request is refused. check_advance_async needs none: it never waits. The
 * file store, on local disk, ignores them. */
#ifndef SIGIL_WATERMARK_H
#define SIGIL_WATERMARK_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/deadline.h"
#include "base/settings.h"
#include "crypto/sig.h"

/* A mark is kept per (network, key, slot class): the chain decides which
 * of its request kinds share a class (chain.h, sign_intent.slot_class).
 * Tezos keeps one per magic byte, as octez-signer does: blocks, then
 * preattestations, then attestations (with or without DAL content). */
enum wm_kind { WM_BLOCK = 0, WM_PREATTESTATION = 1, WM_ATTESTATION = 2 };
#define WM_KINDS 3

struct wm_id {
	uint8_t chain_id[4]; /* the network's id (Tezos: its chain id) */
	uint8_t key[21];     /* the key's binary identity (chain_ops.key_id) */
	enum wm_kind kind;   /* the slot class */
};

struct wm_mark {
	int32_t level;
	int32_t round;
	uint8_t digest[32];      /* what is signed (sign_intent.digest) */
	bool has_digest;         /* imported marks may lack it */
	uint8_t sig[SIGIL_SIG_MAX];
	size_t sig_len;          /* 0 when the signature is not known */
};

/* check_advance_sign's way of signing: fills m->sig and m->sig_len for
 * the mark m (level, round, digest), or returns an error with nothing
 * released. Runs with the id held; must not call the store. */
struct wm_signer {
	int (*sign)(void *arg, struct wm_mark *m);
	void *arg;
};

/* Outcomes of check_advance besides errors. */
#define WM_ADVANCED 0  /* new mark is durable: go ahead and sign */
#define WM_IDENTICAL 1 /* same level, round and digest: re-sign or reuse prev->sig */
/* And of check_advance_async. */
#define WM_PENDING 2     /* written, not yet durable: a->done will tell */
#define WM_WOULD_BLOCK 3 /* nothing done: use check_advance on a thread that may block */

struct wm_store;

/* One check_advance_async in flight. The caller sets done and keeps the
 * struct alive until done has been called; the rest is the store's. */
struct wm_async {
	/* Called once, on a thread of the store's, when the mark is durable
	 * (rc 0: as WM_ADVANCED) or can no longer become so (an error: that
	 * id, or the whole store, now refuses). The id is no longer held. */
	void (*done)(struct wm_async *a, int rc);
	struct wm_async *next;
	void *rec;
	uint64_t ticket;
	struct wm_mark mark;
};

struct wm_store_ops {
	const char *name;
	/* Compares req to the stored mark for id. Above it: store req (digest,
	 * no signature), make it durable, return WM_ADVANCED. Same level and
	 * round and digest: WM_IDENTICAL with *prev filled (prev->sig_len may
	 * be 0). Anything else: SIGIL_E_WATERMARK, nothing changed. A record
	 * that fails its checksum: SIGIL_E_CORRUPT, and that id stays refused. */
	int (*check_advance)(struct wm_store *s, const struct wm_id *id,
	                     const struct wm_mark *req, struct wm_mark *prev,
	                     const struct sigil_deadline *dl);
	/* Optional: check_advance without blocking, for a thread that must
	 * not wait on a disk. The same outcomes, except that an advance
	 * returns WM_PENDING once the mark is written, and a->done reports
	 * when it is durable; nothing may be signed for it before that.
	 * WM_WOULD_BLOCK, with nothing changed, whenever the answer would
	 * need a wait: the id is busy or new, or an earlier write of it is
	 * not yet durable. */
	int (*check_advance_async)(struct wm_store *s, const struct wm_id *id,
	                           const struct wm_mark *req, struct wm_mark *prev,
	                           struct wm_async *a);
	/* Optional: check-and-advance and sign in one step, for keys whose
	 * signatures are not reproducible (see the top of this file). Above
	 * the mark: the mark is made durable, signer->sign is called with the
	 * id still held, and its signature is made durable too before
	 * WM_ADVANCED returns with *out holding mark and signature. A signer
	 * error is returned as it is (the mark stays advanced, no signature
	 * was released; an identical request may then sign, in this process
	 * only). Same level, round and digest: WM_IDENTICAL with *out the
	 * stored mark, out->sig_len 0 when no signature is stored (the caller
	 * must refuse). Anything else: as check_advance. */
	int (*check_advance_sign)(struct wm_store *s, const struct wm_id *id,
	                          const struct wm_mark *req, struct wm_mark *out,
	                          const struct wm_signer *signer, const struct sigil_deadline *dl);
	/* Reads the current mark: SIGIL_E_NOT_FOUND when there is none. */
	int (*get)(struct wm_store *s, const struct wm_id *id, struct wm_mark *out,
	           const struct sigil_deadline *dl);
	/* Sets a mark unconditionally and durably (CLI set). */
	int (*set)(struct wm_store *s, const struct wm_id *id, const struct wm_mark *m,
	           const struct sigil_deadline *dl);
	/* Sets m durably only if its (level, round) is above the stored mark
	 * (or none is stored), in one step that no other writer can come
	 * between; *raised says whether it did. A mark at or above m stays
	 * as it is. Imports (and several signers on one store) use it, so
	 * that they never lower a mark. A damaged record: its error. */
	int (*raise)(struct wm_store *s, const struct wm_id *id, const struct wm_mark *m,
	             bool *raised, const struct sigil_deadline *dl);
	/* Calls fn for every stored mark (CLI show); optional. */
	int (*each)(struct wm_store *s,
	            int (*fn)(void *arg, const struct wm_id *id, const struct wm_mark *m),
	            void *arg, const struct sigil_deadline *dl);
	/* 0 when the store can serve (/healthz asks). */
	int (*ready)(struct wm_store *s, const struct sigil_deadline *dl);
	/* Optional: how many durable commits (fdatasyncs, transactions) the
	 * store has made, for /metrics. */
	uint64_t (*syncs)(struct wm_store *s);
	/* Optional: why the store last failed (a store that leaves the
	 * machine: "PostgreSQL: cannot connect: …"), for the refusal's
	 * reason; never a secret. */
	void (*why)(struct wm_store *s, char *buf, size_t len);
	void (*close)(struct wm_store *s);
};

struct wm_store {
	const struct wm_store_ops *ops;
};

/* ---- back ends, by name ---------------------------------------------
 * A store is one folder under src/watermark/ that fills one struct
 * wm_driver and adds one line to the table in registry.c. */

/* What the configuration says of a store: the `watermark:` map but its
 * driver, as the driver's settings table declared it, with SETTING_PATH
 * values resolved against base_dir. */
struct wm_store_config {
	const struct settings *settings;
	/* By when open (or init) must have answered; NULL: none. */
	const struct sigil_deadline *deadline;
};

struct wm_driver {
	const char *name;
	/* What its `watermark:` map may hold besides `driver` (as
	 * vault_driver.settings), and an optional check of them together. */
	const struct setting_spec *settings;
	size_t n_settings;
	int (*check)(const struct settings *s, char *err, size_t errlen);
	/* Opens an existing store; never creates one (err says how to
	 * proceed when there is none). */
	int (*open)(const struct wm_store_config *cfg, struct wm_store **out, char *err,
	            size_t errlen);
	/* Optional: creates an empty store (`sigil watermark init`), leaving
	 * one that exists as it is; *created says which. */
	int (*init)(const struct wm_store_config *cfg, bool *created, char *err, size_t errlen);
};

/* The driver registered under name, or NULL. */
const struct wm_driver *wm_driver_find(const char *name);

#endif
