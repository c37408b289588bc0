/* libFuzzer harness for the readers of other signers' watermark files
 * (chain/tezos/wm_import.c): any input gives 0 or SIGIL_E_INVALID (or an
 * allocation failure), and what is read is consistent. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/log.h"
#include "chain/tezos/wm_import.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(int rc, struct chain_marks *l)
{
	if (rc != 0) {
		if (rc != SIGIL_E_INVALID && rc != SIGIL_E_NOMEM && rc != SIGIL_E_IO)
			abort();
		if (l->v != NULL || l->n != 0)
			abort(); /* nothing handed out on an error */
		return;
	}
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].slot_class >= TZ_SLOT_CLASSES || l->v[i].level < 0 ||
		    l->v[i].round < 0 || l->v[i].sig_len > SIGIL_SIG_MAX)
			abort();
	free(l->v);
}

static char dir[64], path[PATH_MAX];

/* The one file and its directory, gone when the fuzzer exits (every make
 * check left one of each in /tmp before). */
static void
cleanup(void)
{
	unlink(path);
	rmdir(dir);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chain_marks l = {0};
	FILE *f;

	if (dir[0] == '\0') {
		log_set_level(LOG_ERROR + 1);
		snprintf(dir, sizeof(dir), "/tmp/sigil-fuzz-wm.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		/* Signatory's files are named after their chain. */
		snprintf(path, sizeof(path), "%s/NetXdQprcVkpaWU.json", dir);
		atexit(cleanup);
	}
	if ((f = fopen(path, "wb")) == NULL)
		return 0;
	if (size > 0 && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	check(tz_marks_signatory(path, &l), &l);
	for (unsigned cls = 0; cls < TZ_SLOT_CLASSES; cls++) {
		struct chain_marks m = {0};
		check(tz_marks_octez(path, cls, NULL, NULL, &m), &m);
	}
	return 0;
}
