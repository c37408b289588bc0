#include "base/fileio.h"
#include "base/errors.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sodium.h>

int
fileio_read(const char *path, size_t maxlen, char **out, size_t *outlen)
{
	int rc = SIGIL_E_IO, fd;
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	*out = NULL;
	*outlen = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? SIGIL_E_NOT_FOUND : SIGIL_E_IO;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		goto out;
	if ((size_t)st.st_size > maxlen) {
		rc = SIGIL_E_TOO_BIG;
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto out;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*outlen = got;
	buf = NULL;
	rc = 0;
out:
	/* A partly read file may be a key file: wipe before freeing. */
	if (buf != NULL)
		sodium_memzero(buf, got);
	free(buf);
	close(fd);
	return rc;
}

int
fileio_sync_parent(const char *path)
{
	char copy[PATH_MAX];
	int n = snprintf(copy, sizeof(copy), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(copy))
		return SIGIL_E_TOO_BIG;
	int dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return SIGIL_E_IO;
	int rc = fsync(dfd) == 0 ? 0 : SIGIL_E_IO;
	close(dfd);
	return rc;
}

int
fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	const uint8_t *p = data;
	int fd, rc = SIGIL_E_IO;

	int n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp))
		return SIGIL_E_TOO_BIG;
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		return SIGIL_E_IO;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			goto fail;
		p += w;
		len -= (size_t)w;
	}
	if (fchmod(fd, mode) != 0 || fsync(fd) != 0)
		goto fail;
	if (close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	return fileio_sync_parent(path);
fail:
	if (fd >= 0)
		close(fd);
	(void)unlink(tmp);
	return rc;
}

/* Creates one directory; 1 when it was created, 0 when it existed. The new
 * entry lives in the parent directory, and is only durable once that is
 * fsynced: without it a crash can take the directory away again, along with
 * files that were fsynced inside it (a watermark store, a vault). */
static int
mkdir_one(const char *path, mode_t mode)
{
	int rc;

	if (mkdir(path, mode) != 0)
		return errno == EEXIST ? 0 : SIGIL_E_IO;
	if ((rc = fileio_sync_parent(path)) != 0)
		return rc;
	return 1;
}

int
fileio_mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	int rc;
	int n = snprintf(buf, sizeof(buf), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return SIGIL_E_TOO_BIG;
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/' || p[-1] == '/')
			continue;
		*p = '\0';
		rc = mkdir_one(buf, mode);
		*p = '/';
		if (rc < 0)
			return rc;
	}
	rc = mkdir_one(buf, mode);
	return rc < 0 ? rc : 0;
}

int
fileio_create_new(const char *path, const void *data, size_t len)
{
	char tmp[PATH_MAX];
	int n = snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long)getpid());
	int rc;

	if (n < 0 || (size_t)n >= sizeof(tmp))
		return SIGIL_E_TOO_BIG;
	if ((rc = fileio_write_atomic(tmp, data, len, 0600)) != 0)
		return rc;
	if (link(tmp, path) != 0) {
		int e = errno;
		(void)unlink(tmp);
		errno = e;
		return e == EEXIST ? 1 : SIGIL_E_IO;
	}
	(void)unlink(tmp);
	return fileio_sync_parent(path);
}
