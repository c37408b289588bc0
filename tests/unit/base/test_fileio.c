/* fileio_mkdirs: each directory it creates is fsynced into its parent, so
 * that a crash cannot take away a new directory (and the files synced
 * inside it, such as a watermark store) after the fact. The fsync calls are
 * observed by defining fsync here: the executable's definition takes the
 * place of libc's for the library code linked into it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/fileio.h"

#define MAX_SYNCS 16

static ino_t fio_synced[MAX_SYNCS];
static int fio_nsynced;

int
fsync(int fd)
{
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode) && fio_nsynced < MAX_SYNCS)
		fio_synced[fio_nsynced++] = st.st_ino;
	return (int)syscall(SYS_fsync, fd);
}

static ino_t
ino_of(const char *path)
{
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static char *
fio_path(const char *base, const char *rest)
{
	static char p[4][256];
	static int k;
	char *out = p[k++ % 4];
	snprintf(out, sizeof(p[0]), "%s%s", base, rest);
	return out;
}

static void
test_mkdirs_syncs_parents(void **state)
{
	(void)state;
	char top[] = "./fileio.XXXXXX";
	struct stat st;

	assert_non_null(mkdtemp(top));

	/* Three new levels: each one's parent synced, in order. */
	fio_nsynced = 0;
	assert_int_equal(fileio_mkdirs(fio_path(top, "/x/y/z"), 0700), 0);
	assert_int_equal(fio_nsynced, 3);
	assert_true(fio_synced[0] == ino_of(top));
	assert_true(fio_synced[1] == ino_of(fio_path(top, "/x")));
	assert_true(fio_synced[2] == ino_of(fio_path(top, "/x/y")));
	assert_int_equal(stat(fio_path(top, "/x/y/z"), &st), 0);
	assert_true(S_ISDIR(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0700);

	/* Nothing new: nothing to sync. */
	fio_nsynced = 0;
	assert_int_equal(fileio_mkdirs(fio_path(top, "/x/y/z"), 0700), 0);
	assert_int_equal(fileio_mkdirs(fio_path(top, "/x/y"), 0700), 0);
	assert_int_equal(fio_nsynced, 0);

	/* One new level under existing ones; doubled and trailing slashes. */
	assert_int_equal(fileio_mkdirs(fio_path(top, "/x//y/w/"), 0700), 0);
	assert_int_equal(fio_nsynced, 1);
	assert_true(fio_synced[0] == ino_of(fio_path(top, "/x/y")));

	/* A relative name of one component: its parent is ".". */
	fio_nsynced = 0;
	assert_int_equal(chdir(top), 0);
	assert_int_equal(fileio_mkdirs("rel", 0700), 0);
	assert_int_equal(fio_nsynced, 1);
	assert_true(fio_synced[0] == ino_of("."));
	assert_int_equal(rmdir("rel"), 0);
	assert_int_equal(chdir(".."), 0);

	/* A file in the way. */
	int fd = open(fio_path(top, "/file"), O_WRONLY | O_CREAT | O_EXCL, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(fileio_mkdirs(fio_path(top, "/file/sub"), 0700), SIGIL_E_IO);

	assert_int_equal(unlink(fio_path(top, "/file")), 0);
	assert_int_equal(rmdir(fio_path(top, "/x/y/w")), 0);
	assert_int_equal(rmdir(fio_path(top, "/x/y/z")), 0);
	assert_int_equal(rmdir(fio_path(top, "/x/y")), 0);
	assert_int_equal(rmdir(fio_path(top, "/x")), 0);
	assert_int_equal(rmdir(top), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mkdirs_syncs_parents),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
