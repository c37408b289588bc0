/* bench_fsync: what one durable watermark write costs on this disk, with
 * nothing else around it: 256 bytes written in place (as the file back end
 * writes one slot of a record) then fdatasync, in the directory sigild keeps
 * its watermarks in.
 *
 * usage: bench_fsync DIR [count=2000] [max_seconds=3]
 * Prints fdatasync_p50_ms, fdatasync_p99_ms, fdatasync_mean_ms, fdatasync_n. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

#define FS_SLOT 256
#define FS_FILE 4096

int
main(int argc, char **argv)
{
	char path[4096];
	uint8_t buf[FS_FILE];
	struct bench_samples s;
	long count, i;
	uint64_t deadline;
	int fd, n, rc = 1;

	if (argc < 2) {
		fprintf(stderr, "usage: bench_fsync DIR [count] [max_seconds]\n");
		return 2;
	}
	count = argc > 2 ? bench_parse_long("count", argv[2], 1, 1000000) : 2000;
	deadline = bench_now_ns() +
	           (uint64_t)(argc > 3 ? bench_parse_long("max_seconds", argv[3], 1, 600) : 3) *
	           1000000000u;
	n = snprintf(path, sizeof(path), "%s/bench-fsync.XXXXXX", argv[1]);
	if (n < 0 || (size_t)n >= sizeof(path) || bench_samples_init(&s, (size_t)count) != 0)
		return 2;
	if ((fd = mkstemp(path)) < 0) {
		perror(path);
		return 1;
	}
	/* The file has its final size before timing starts, as a watermark
	 * file in steady state does, so fdatasync has no size to commit. */
	memset(buf, 0, sizeof(buf));
	if (pwrite(fd, buf, sizeof(buf), 0) != (ssize_t)sizeof(buf) || fsync(fd) != 0) {
		perror("prepare");
		goto out;
	}
	for (i = 0; i < count && bench_now_ns() < deadline; i++) {
		memset(buf, (int)(i & 0xff), FS_SLOT);
		uint64_t t0 = bench_now_ns();
		/* Alternate two slots, as the A/B records do. */
		if (pwrite(fd, buf, FS_SLOT, (off_t)((i & 1) * FS_SLOT)) != FS_SLOT ||
		    fdatasync(fd) != 0) {
			perror("write");
			goto out;
		}
		bench_samples_add(&s, bench_now_ns() - t0);
	}
	bench_emit("fdatasync_n", (double)s.n, 0);
	bench_emit("fdatasync_mean_ms", bench_samples_mean_ms(&s), 4);
	bench_emit("fdatasync_p50_ms", bench_samples_pct_ms(&s, 50), 4);
	bench_emit("fdatasync_p99_ms", bench_samples_pct_ms(&s, 99), 4);
	rc = 0;
out:
	close(fd);
	unlink(path);
	bench_samples_free(&s);
	return rc;
}
