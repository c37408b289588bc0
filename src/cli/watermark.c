/* sigil watermark init|show|set|export|import */
#include <dirent.h>
#include <limits.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "core/context.h"
#include "base/errors.h"
#include "cli/tezos.h"
#include "cli/wm_json.h"
#include "watermark/import.h"
#include "watermark/json.h"
#include "watermark/watermark.h"

static const char wm_usage[] =
	"usage: sigil watermark init\n"
	"       sigil watermark show\n"
	"       sigil watermark set [--force] <tz…> <Net…> <block|preattestation|attestation>\n"
	"                               <level> <round>\n"
	"       sigil watermark export [--out FILE]      (sigil's JSON; stdout by default)\n"
	"       sigil watermark export --signatory DIR   (DIR/watermark_v2/<chain>.json)\n"
	"       sigil watermark import FILE|-            (sigil's JSON, from export)\n"
	"       sigil watermark import --signatory DIR   (DIR/watermark_v2/*.json)\n"
	"       sigil watermark import --octez DIR       (DIR/*_high_watermark)\n\n"
	"Creates, reads or changes the high watermarks. `init` creates the store\n"
	"(watermark.dir under base_dir): sigild never creates one, so that a wrong\n"
	"path cannot start from no marks. It leaves an existing store as it is.\n"
	"The store is locked while sigild runs:\n"
	"stop it first. `set` raises a mark, and prints the old and the new one. A set\n"
	"below the stored mark, or over a record that cannot be read (damaged), is\n"
	"refused unless --force is given: a lower mark lets the key sign again at\n"
	"levels it may have signed already (double signing). Check the key's last\n"
	"signature on chain first. Imports never lower an existing mark.\n\n"
	"`export` writes every mark of the store as one JSON document (format\n"
	"\"sigil-watermarks\", version 1; README.md, Watermarks), sorted, for\n"
	"`import FILE` into another store or instance: a file with any error imports\n"
	"nothing. `export --signatory` writes the Tezos marks as Signatory's files.\n";

/* The store the config names, and its settings (paths resolved; the
 * caller frees them). */
static int
wm_config(const struct wm_driver **drv, struct settings *set)
{
	struct sigil_config *cfg;
	char err[512] = "";
	int rc;

	if (cli_load_config(&cfg) != 0)
		return -1;
	rc = sigil_wm_config(cfg, drv, set, err, sizeof(err));
	config_free(cfg);
	if (rc != 0)
		fprintf(stderr, "sigil: %s\n", err);
	return rc;
}

static int
wm_open(struct wm_store **s)
{
	const struct wm_driver *drv;
	struct settings set = {0};
	char err[512] = "";
	int rc;

	if (wm_config(&drv, &set) != 0) {
		settings_free(&set);
		return 1;
	}
	struct wm_store_config wc = {.settings = &set};
	if ((rc = drv->open(&wc, s, err, sizeof(err))) != 0)
		fprintf(stderr, "sigil: %s\n", err);
	settings_free(&set);
	return rc ? 1 : 0;
}

static int
wm_init(void)
{
	const struct wm_driver *drv;
	struct settings set = {0};
	char real[PATH_MAX], err[512] = "";
	bool created;
	int rc = 1;

	if (wm_config(&drv, &set) != 0)
		goto out;
	if (drv->init == NULL) {
		fprintf(stderr, "sigil: watermark driver %s has no init: its stores are made "
		        "outside sigil\n", drv->name);
		goto out;
	}
	struct wm_store_config wc = {.settings = &set};
	if (drv->init(&wc, &created, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigil: watermark init: %s\n", err);
		goto out;
	}
	const char *dir = settings_get(&set, "dir");
	printf("%s watermark store %s\n", created ? "created" : "kept the existing",
	       dir == NULL ? drv->name : realpath(dir, real) ? real : dir);
	rc = 0;
out:
	settings_free(&set);
	return rc;
}

static int
wm_print(void *arg, const struct wm_id *id, const struct wm_mark *m)
{
	char addr[CHAIN_ADDRESS_MAX], chain[CHAIN_TEXT_MAX];
	(void)arg;
	if (cli_wm_id_text(id, addr, sizeof(addr), chain, sizeof(chain)) != 0)
		return SIGIL_E_INVALID;
	printf("%s\t%s\t%s\t%" PRId32 "\t%" PRId32 "\t%s\n", addr, chain,
	       wm_json_kind_name((unsigned)id->kind), m->level, m->round,
	       m->sig_len ? "signature" : "-");
	return 0;
}

static void
wm_mark_str(const struct wm_mark *m, char *out, size_t cap)
{
	snprintf(out, cap, "level %" PRId32 " round %" PRId32, m->level, m->round);
}

/* Refuses, unless force, whatever could lower the mark: a (level, round)
 * below the stored one, or a stored record that cannot be read. Equal is
 * not lower (the digest is dropped, so the stored level and round stay
 * refused). The store is locked by this process, so nothing changes it
 * between the read and the write. */
static int
wm_set(struct wm_store *s, char **argv, bool force)
{
	struct wm_id id = {0};
	struct wm_mark m = {0}, cur;
	char was[64], now[64];
	char *end;
	int kind = -1, rc;

	for (int i = 0; i < WM_KINDS; i++)
		if (strcmp(argv[2], wm_json_kind_name((unsigned)i)) == 0)
			kind = i;
	if (cli_wm_id_parse(argv[0], argv[1], &id) != 0 || kind < 0) {
		fprintf(stderr, "sigil: bad address, chain id or kind\n");
		return SIGIL_E_INVALID;
	}
	id.kind = (enum wm_kind)kind;
	long level = strtol(argv[3], &end, 10);
	if (*end || level < 0 || level > INT32_MAX)
		return SIGIL_E_INVALID;
	long round = strtol(argv[4], &end, 10);
	if (*end || round < 0 || round > INT32_MAX)
		return SIGIL_E_INVALID;
	m.level = (int32_t)level;
	m.round = (int32_t)round;
	wm_mark_str(&m, now, sizeof(now));

	rc = s->ops->get(s, &id, &cur, NULL);
	if (rc == SIGIL_E_NOT_FOUND) {
		snprintf(was, sizeof(was), "none");
	} else if (rc == SIGIL_E_CORRUPT) {
		snprintf(was, sizeof(was), "unreadable (damaged record)");
		if (!force) {
			fprintf(stderr, "sigil: the stored %s mark of %s on %s cannot be read (the record "
			        "is damaged), so %s may be below it. Check the key's last signature on "
			        "chain, then re-run with --force.\n", argv[2], argv[0], argv[1], now);
			return SIGIL_E_WATERMARK;
		}
	} else if (rc != 0) {
		return rc;
	} else {
		wm_mark_str(&cur, was, sizeof(was));
		bool lower = m.level < cur.level || (m.level == cur.level && m.round < cur.round);
		if (lower && !force) {
			fprintf(stderr, "sigil: refusing to lower the %s mark of %s on %s from %s to %s: "
			        "the key could then sign again at levels it may have signed already "
			        "(double signing). Check the key's last signature on chain; re-run "
			        "with --force to lower it anyway.\n", argv[2], argv[0], argv[1], was, now);
			return SIGIL_E_WATERMARK;
		}
		if (lower)
			fprintf(stderr, "sigil: warning: lowering the %s mark of %s on %s (--force)\n",
			        argv[2], argv[0], argv[1]);
	}
	if ((rc = s->ops->set(s, &id, &m, NULL)) != 0)
		return rc;
	printf("%s\t%s\t%s\t%s -> %s\n", argv[0], argv[1], argv[2], was, now);
	return 0;
}

/* cli_pk_lookup over the configured keys (sigil_state_load). */
static int
wm_pk_of(void *arg, const uint8_t pkh[21], uint8_t *pk, size_t *pklen)
{
	const struct sigil_state *st = arg;
	for (size_t i = 0; st != NULL && i < st->n_keys; i++)
		if (memcmp(st->keys[i].key_id, pkh, 21) == 0) {
			memcpy(pk, st->keys[i].vk->pk, st->keys[i].vk->pk_len);
			*pklen = st->keys[i].vk->pk_len;
			return 0;
		}
	return SIGIL_E_NOT_FOUND;
}

static int
wm_import_dir(struct wm_store *s, const char *flag, const char *dir)
{
	char path[4096];
	int rc = 0;

	if (strcmp(flag, "--octez") == 0) {
		/* octez keeps the signatures it made; one is kept here only if
		 * it verifies with the key (watermark.h), so the vaults are
		 * opened for their public keys. Without them, every signature
		 * is dropped and only the marks come over. */
		struct sigil_state *st = NULL;
		char err[512] = "";
		if (sigil_state_load(cli_opts.config, &st, err, sizeof(err)) != 0)
			fprintf(stderr, "sigil: cannot open the vaults (%s): imported signatures "
			        "cannot be checked and are dropped\n", err);
		/* Older octez releases name them after endorsements. */
		static const char *const files[][2] = {
			{"block", "block"}, {"preattestation", "preendorsement"},
			{"attestation", "endorsement"},
		};
		for (int k = 0; k < WM_KINDS && rc == 0; k++)
			for (int alt = 0; alt < 2 && rc == 0; alt++) {
				if (alt == 1 && k == WM_BLOCK)
					break;
				snprintf(path, sizeof(path), "%s/%s_high_watermark", dir, files[k][alt]);
				rc = cli_import_octez(s, path, (unsigned)k, wm_pk_of, st);
				if (rc == SIGIL_E_NOT_FOUND)
					rc = 0;
				else if (rc == 0)
					printf("imported %s\n", path);
			}
		sigil_state_free(st);
		return rc;
	}
	if (strcmp(flag, "--signatory") != 0)
		return SIGIL_E_INVALID;
	snprintf(path, sizeof(path), "%s/watermark_v2", dir);
	DIR *d = opendir(path);
	if (d == NULL)
		return SIGIL_E_NOT_FOUND;
	for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
		size_t n = strlen(e->d_name);
		if (n < 6 || strcmp(e->d_name + n - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/watermark_v2/%s", dir, e->d_name);
		if ((rc = cli_import_signatory(s, path)) == 0)
			printf("imported %s\n", path);
	}
	closedir(d);
	return rc;
}

static bool
wm_export_flag(const char *a)
{
	return strcmp(a, "--out") == 0 || strcmp(a, "--signatory") == 0;
}

int
cli_watermark(int argc, char **argv)
{
	struct wm_store *s = NULL;
	bool force = false;
	int rc;

	if (cli_wants_help(argc, argv, wm_usage))
		return 0;
	/* --force belongs to set alone; it may stand anywhere after the verb. */
	if (argc >= 2 && strcmp(argv[1], "set") == 0) {
		int k = 2;
		for (int i = 2; i < argc; i++) {
			if (strcmp(argv[i], "--force") == 0)
				force = true;
			else
				argv[k++] = argv[i];
		}
		argc = k;
	}
	if (argc == 2 && strcmp(argv[1], "init") == 0)
		return wm_init();
	bool export = argc >= 2 && strcmp(argv[1], "export") == 0;
	if (argc < 2 || !((strcmp(argv[1], "show") == 0 && argc == 2) ||
	                  (strcmp(argv[1], "set") == 0 && argc == 7) ||
	                  (export && (argc == 2 || (argc == 4 && wm_export_flag(argv[2])))) ||
	                  (strcmp(argv[1], "import") == 0 &&
	                   ((argc == 3 && strncmp(argv[2], "--", 2) != 0) || argc == 4)))) {
		fputs(wm_usage, stderr);
		return 2;
	}
	/* The file is checked whole before the store is opened. */
	if (strcmp(argv[1], "import") == 0 && argc == 3)
		return cli_wm_import_json(argv[2], wm_open) == 0 ? 0 : 1;
	if (wm_open(&s) != 0)
		return 1;
	if (strcmp(argv[1], "show") == 0)
		rc = s->ops->each(s, wm_print, NULL, NULL);
	else if (export)
		rc = cli_wm_export(s, argc - 2, argv + 2);
	else if (strcmp(argv[1], "set") == 0)
		rc = wm_set(s, argv + 2, force);
	else
		rc = wm_import_dir(s, argv[2], argv[3]);
	if (rc != 0 && !export) /* export says what failed itself */
		fprintf(stderr, "sigil: watermark %s: %s\n", argv[1], sigil_strerror(rc));
	s->ops->close(s);
	return rc == 0 ? 0 : 1;
}
