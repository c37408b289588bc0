/* sigil's own watermark file: every mark of a store as one JSON document,
 * to move marks between stores (file, PostgreSQL) and between instances
 * (`sigil watermark export` and `import`). Version 1:
 *
 *   {"format": "sigil-watermarks", "version": 1, "marks": [
 *   {"chain": "tezos", "chain_id": "NetXdQprcVkpaWU", "address": "tz1…",
 *    "kind": "attestation", "level": 100, "round": 0,
 *    "network": "7a06a770", "key": "00…(21 bytes)", "digest": "…(32 bytes)",
 *    "signature": "…"},
 *   ...]}
 *
 * network, key, kind, level and round are the mark (struct wm_id and
 * struct wm_mark; bytes as hex); digest and signature are there only when
 * the store knows them. chain, chain_id and address are for people: a
 * labeller (a chain that can write the key and network as text) makes
 * them on export, and import checks each one present against what the
 * same labeller makes of the binary fields, so that a hand-edited address
 * cannot silently stand for another key.
 *
 * The writer sorts by (network, key, kind), one mark a line, so that two
 * exports of the same marks are the same bytes. The reader is strict:
 * another format or version, an unknown field, a wrong type, a value out
 * of range, a duplicate mark, or input past the ceilings below is refused
 * whole, with the mark's index and field named, and nothing is handed out. */
#ifndef SIGIL_WM_JSON_H
#define SIGIL_WM_JSON_H
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"
#include "watermark/watermark.h"

#define WM_JSON_FORMAT "sigil-watermarks"
#define WM_JSON_VERSION 1
/* A mark is under 600 bytes of text; the ceilings leave room for a store
 * of some twenty thousand keys with all three classes on one network. */
#define WM_JSON_MAX_MARKS 65536u
#define WM_JSON_MAX_BYTES (64u * 1024 * 1024)

/* The text forms of a mark's identity; "" where the labeller has none. */
struct wm_json_label {
	char chain[32];                /* the chain's name (chain_ops.name) */
	char chain_id[64];             /* the network as that chain writes it */
	char address[CHAIN_ADDRESS_MAX];
};

/* Fills *out for id: 0, or SIGIL_E_NOT_FOUND when no chain can tell what
 * id is (no labels are then written, and none may be in a file). */
typedef int (*wm_json_labeller)(void *arg, const struct wm_id *id, struct wm_json_label *out);

struct wm_json_entry {
	struct wm_id id;
	struct wm_mark mark;
};

/* A list of marks: v is malloc'ed (wm_json_list_free), n in use. */
struct wm_json_list {
	struct wm_json_entry *v;
	size_t n, cap;
};

void wm_json_list_free(struct wm_json_list *l);

/* The name of slot class kind ("block", "preattestation", "attestation"),
 * or NULL for a class without one. */
const char *wm_json_kind_name(unsigned kind);

/* Every mark of s (through ops->each, so any store), sorted. A store error
 * (a damaged record among them) fails the whole: an export that left a
 * mark out would let the importing store sign below it. More than
 * WM_JSON_MAX_MARKS: SIGIL_E_TOO_BIG. */
__attribute__((warn_unused_result)) int
wm_json_collect(struct wm_store *s, struct wm_json_list *out);

/* l as a document (l sorted first, in place): *out malloc'ed,
 * NUL-terminated, *len bytes. lab may be NULL (no labels). */
__attribute__((warn_unused_result)) int
wm_json_write(struct wm_json_list *l, wm_json_labeller lab, void *arg, char **out, size_t *len);

/* Parses and checks a whole document of len bytes (labels against lab;
 * with lab NULL a label in the file is refused). On success *out holds
 * the marks, sorted; on an error *out is empty, err says where and why
 * (no secret is ever in a watermark) and the code is SIGIL_E_INVALID,
 * SIGIL_E_TOO_BIG, SIGIL_E_UNSUPPORTED (another format or version) or
 * SIGIL_E_NOMEM. */
__attribute__((warn_unused_result)) int
wm_json_read(const char *buf, size_t len, wm_json_labeller lab, void *arg,
             struct wm_json_list *out, char *err, size_t errlen);

/* Raises every mark of l in s (ops->raise: a stored mark at or above the
 * file's stays; nothing is lowered), counting those set and those kept.
 * A store error stops it and is returned (the marks before it are set). */
__attribute__((warn_unused_result)) int
wm_json_raise(struct wm_store *s, const struct wm_json_list *l, size_t *set, size_t *kept);

#endif
