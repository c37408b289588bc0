/* sigil watermark export [--out FILE | --signatory DIR], import FILE */
#include "cli/wm_json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "cli/tezos.h"
#include "watermark/json.h"

/* stdout, whole: a short write (a full disk behind a redirect) is an
 * error, not a truncated export that an import would refuse later. */
static int
write_stdout(const char *text, size_t len)
{
	if (fwrite(text, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "sigil: watermark export: cannot write to standard output\n");
		return SIGIL_E_IO;
	}
	return 0;
}

int
cli_wm_export(struct wm_store *s, int argc, char **argv)
{
	struct wm_json_list l = {0};
	char *text = NULL;
	size_t len = 0, written = 0, other = 0;
	int rc;

	if ((rc = wm_json_collect(s, &l)) != 0) {
		fprintf(stderr, "sigil: watermark export: cannot read every mark (%s): nothing "
		        "exported\n", sigil_strerror(rc));
		goto out;
	}
	if (argc == 2 && strcmp(argv[0], "--signatory") == 0) {
		if ((rc = cli_export_signatory(argv[1], &l, &written, &other)) != 0)
			goto out;
		printf("exported %zu mark(s) to %s/watermark_v2\n", written, argv[1]);
		if (other > 0)
			fprintf(stderr, "sigil: %zu mark(s) of other chains (or below level or round 0) "
			        "cannot be written in Signatory's files: left out\n", other);
		goto out;
	}
	if ((rc = wm_json_write(&l, cli_wm_label, NULL, &text, &len)) != 0) {
		fprintf(stderr, "sigil: watermark export: %s\n", sigil_strerror(rc));
		goto out;
	}
	if (argc == 0) {
		rc = write_stdout(text, len);
	} else if ((rc = fileio_write_atomic(argv[1], text, len, 0600)) != 0) {
		fprintf(stderr, "sigil: watermark export: cannot write %s (%s)\n", argv[1],
		        sigil_strerror(rc));
	} else {
		/* stderr: stdout may be the file's consumer in a pipe. */
		fprintf(stderr, "exported %zu mark(s) to %s\n", l.n, argv[1]);
	}
out:
	free(text);
	wm_json_list_free(&l);
	return rc;
}

/* Standard input, up to max bytes: SIGIL_E_TOO_BIG past it (found by
 * reading one byte more, never the rest). */
static int
read_stdin(size_t max, char **out, size_t *len)
{
	size_t cap = 64 * 1024 < max + 1 ? 64 * 1024 : max + 1, n = 0, got;
	char *buf = malloc(cap + 1), *p;

	*out = NULL;
	*len = 0;
	if (buf == NULL)
		return SIGIL_E_NOMEM;
	while ((got = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += got;
		if (n > max)
			break;
		if (n == cap) {
			cap = cap * 2 < max + 1 ? cap * 2 : max + 1;
			if ((p = realloc(buf, cap + 1)) == NULL) {
				free(buf);
				return SIGIL_E_NOMEM;
			}
			buf = p;
		}
	}
	if (ferror(stdin) || n > max) {
		free(buf);
		return n > max ? SIGIL_E_TOO_BIG : SIGIL_E_IO;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

int
cli_wm_import_json(const char *path, int (*open_store)(struct wm_store **s))
{
	struct wm_json_list l = {0};
	struct wm_store *s = NULL;
	char *buf = NULL, err[512] = "";
	size_t len = 0, set = 0, kept = 0;
	bool in = strcmp(path, "-") == 0;
	int rc;

	rc = in ? read_stdin(WM_JSON_MAX_BYTES, &buf, &len)
	        : fileio_read(path, WM_JSON_MAX_BYTES, &buf, &len);
	if (rc != 0) {
		fprintf(stderr, "sigil: watermark import %s: cannot read it (%s%s): nothing imported\n",
		        in ? "(standard input)" : path, sigil_strerror(rc),
		        rc == SIGIL_E_TOO_BIG ? ": over the size a watermark file may have" : "");
		return rc;
	}
	rc = wm_json_read(buf, len, cli_wm_label, NULL, &l, err, sizeof(err));
	free(buf);
	if (rc != 0) {
		fprintf(stderr, "sigil: watermark import %s: %s: nothing imported\n",
		        in ? "(standard input)" : path, err[0] ? err : sigil_strerror(rc));
		return rc;
	}
	if ((rc = open_store(&s)) != 0) {
		wm_json_list_free(&l);
		return SIGIL_E_NOT_READY;
	}
	rc = wm_json_raise(s, &l, &set, &kept);
	if (rc != 0)
		fprintf(stderr, "sigil: watermark import %s: the store refused a mark (%s) after %zu "
		        "set and %zu kept; the rest is not imported\n", in ? "(standard input)" : path,
		        sigil_strerror(rc), set, kept);
	else
		printf("imported %s: %zu mark(s) set, %zu already at or above the file's\n",
		       in ? "(standard input)" : path, set, kept);
	s->ops->close(s);
	wm_json_list_free(&l);
	return rc;
}
