/* bench_mkvault: a file vault with N fresh keys, written in one go.
 * `sigil generate` N times would derive Argon2id and rewrite the file N
 * times; here the key-encryption key is derived once and every entry sealed
 * with the vault's own format helpers (vault/file/format.h), so the result
 * is exactly what sigild opens.
 *
 * usage: bench_mkvault PATH N [TYPE[,TYPE...]]
 *          writes PATH (must not exist), prints the N addresses, one a line;
 *          TYPE is ed25519 (the default), secp256k1, p256 or bls, and the
 *          keys take the types listed in turn (ed25519,secp256k1,p256 with
 *          N = 3: one of each)
 *        bench_mkvault --open PATH
 *          times vault_file_open (Argon2id + decrypting every key):
 *          prints vault_open_ms and vault_keys
 * The passphrase is SIGIL_PASSPHRASE. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "base/errors.h"
#include "base/fileio.h"
#include "base/secmem.h"
#include "core/keyring.h"
#include "vault/file/format.h"
#include "vault/file/file.h"

#define MK_MAX_KEYS 100000
#define MK_MAX_TYPES 8

static int
mk_open(const char *path, const char *pass)
{
	struct vault *v = NULL;
	uint64_t t0 = bench_now_ns();
	int rc = vault_file_open(path, pass, sigil_vault_codec(), &v);
	double ms = (double)(bench_now_ns() - t0) / 1e6;

	if (rc != 0) {
		fprintf(stderr, "bench_mkvault: open %s: %s\n", path, sigil_strerror(rc));
		return 1;
	}
	bench_emit("vault_open_ms", ms, 1);
	bench_emit("vault_keys", (double)v->ops->count(v), 0);
	v->ops->close(v);
	return 0;
}

static int
mk_create(const char *path, const char *pass, long n, const enum sigil_key_type *types,
          int ntypes)
{
	struct vf_kdf kdf;
	json_t *root = NULL, *keys;
	uint8_t *kek = NULL, *sk = NULL;
	char *text = NULL;
	int rc = SIGIL_E_NOMEM;

	vf_kdf_new(&kdf);
	root = json_pack("{s:i, s:o, s:[]}", "version", 1, "kdf", vf_kdf_json(&kdf), "keys");
	kek = secmem_alloc(crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
	sk = secmem_alloc(SIGIL_SECRET_LEN);
	if (root == NULL || kek == NULL || sk == NULL)
		goto out;
	keys = json_object_get(root, "keys");
	if ((rc = vf_kdf_derive(&kdf, pass, kek)) != 0)
		goto out;
	for (long i = 0; i < n; i++) {
		enum sigil_key_type t = types[i % ntypes];
		struct vault_key info;
		json_t *entry = NULL;
		char name[32], address[CHAIN_ADDRESS_MAX];

		snprintf(name, sizeof(name), "bench-%ld", i);
		if ((rc = sigil_keygen(t, sk)) != 0 ||
		    (rc = vault_key_describe(t, sk, name, &info)) != 0 ||
		    (rc = vf_entry_seal(&info, kek, sigil_vault_codec(), sk, SIGIL_SECRET_LEN, &entry)) != 0 ||
		    (rc = sigil_vault_codec()->address(t, info.pk, info.pk_len, address,
		                                       sizeof(address))) != 0)
			goto out;
		if (json_array_append_new(keys, entry) != 0) {
			rc = SIGIL_E_NOMEM;
			goto out;
		}
		printf("%s\n", address);
	}
	if ((text = json_dumps(root, JSON_INDENT(2))) == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	rc = fileio_write_atomic(path, text, strlen(text), 0600);
out:
	if (rc != 0)
		fprintf(stderr, "bench_mkvault: %s: %s\n", path, sigil_strerror(rc));
	free(text);
	json_decref(root);
	secmem_free(kek);
	secmem_free(sk);
	return rc == 0 ? 0 : 1;
}

/* "ed25519,p256" into types; the count, or -1 for an unknown name. */
static int
mk_types(const char *list, enum sigil_key_type types[MK_MAX_TYPES])
{
	char buf[128], *save = NULL, *name;
	int n = 0;

	if (strlen(list) >= sizeof(buf))
		return -1;
	memcpy(buf, list, strlen(list) + 1);
	for (name = strtok_r(buf, ",", &save); name != NULL; name = strtok_r(NULL, ",", &save)) {
		int t = sigil_key_type_from_name(name);
		if (t < 0 || n == MK_MAX_TYPES)
			return -1;
		types[n++] = (enum sigil_key_type)t;
	}
	return n > 0 ? n : -1;
}

int
main(int argc, char **argv)
{
	const char *pass = getenv("SIGIL_PASSPHRASE");
	enum sigil_key_type types[MK_MAX_TYPES] = {SIGIL_KEY_ED25519};
	int ntypes = 1;

	if (sodium_init() < 0)
		return 1;
	if (pass == NULL || pass[0] == '\0') {
		fprintf(stderr, "bench_mkvault: set SIGIL_PASSPHRASE\n");
		return 2;
	}
	if (argc == 3 && strcmp(argv[1], "--open") == 0)
		return mk_open(argv[2], pass);
	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: bench_mkvault PATH N [type[,type...]] | "
		                "bench_mkvault --open PATH\n");
		return 2;
	}
	if (argc == 4 && (ntypes = mk_types(argv[3], types)) < 0) {
		fprintf(stderr, "bench_mkvault: types are ed25519, secp256k1, p256 or bls, "
		                "comma-separated\n");
		return 2;
	}
	return mk_create(argv[1], pass, bench_parse_long("N", argv[2], 1, MK_MAX_KEYS), types,
	                 ntypes);
}
