/* bench_startup: start-up time of sigild, from exec to the first 200 from
 * /healthz on its utility port, and its resident memory once ready.
 *
 * usage: bench_startup -u PORT -o LOG [-r RUNS] -- sigild [args…]
 *          runs sigild RUNS times (default 3), each stopped with SIGTERM;
 *          prints startup_ms (median), startup_min_ms, startup_max_ms,
 *          rss_ready_kb (VmRSS of the last run once ready)
 *        bench_startup -W -u PORT [-t SECONDS]
 *          only waits (at most SECONDS, default 30) for /healthz to answer 200
 * Every wait is bounded; a child that does not stop is killed. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

#define SU_MAX_RUNS 20

static bool
su_healthy(uint16_t port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(port)};
	static const char req[] = "GET /healthz HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	char buf[256];
	size_t got = 0;
	bool ok = false;
	int fd;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	struct timeval tv = {.tv_sec = 1};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1))
		goto out;
	while (got < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
		char *eol = strstr(buf, "\r\n");
		if (eol) {
			*eol = '\0';
			ok = strncmp(buf, "HTTP/1.", 7) == 0 && strstr(buf, " 200") != NULL;
			break;
		}
	}
out:
	close(fd);
	return ok;
}

/* Polls every millisecond until healthy, the child died, or the deadline. */
static int
su_wait(uint16_t port, pid_t child, uint64_t deadline)
{
	struct timespec ms = {.tv_nsec = 1000000};

	while (bench_now_ns() < deadline) {
		if (su_healthy(port))
			return 0;
		if (child > 0 && waitpid(child, NULL, WNOHANG) == child) {
			fprintf(stderr, "bench_startup: sigild exited before it was ready\n");
			return -1;
		}
		nanosleep(&ms, NULL);
	}
	fprintf(stderr, "bench_startup: /healthz on port %u not ready in time\n", port);
	return -1;
}

static long
su_rss_kb(pid_t pid)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb;
}

/* SIGTERM, then SIGKILL after 10 s. */
static void
su_stop(pid_t pid)
{
	uint64_t deadline = bench_now_ns() + 10000000000ull;
	struct timespec ms = {.tv_nsec = 5000000};

	kill(pid, SIGTERM);
	while (bench_now_ns() < deadline) {
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return;
		nanosleep(&ms, NULL);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	double ms[SU_MAX_RUNS];
	const char *log = NULL;
	uint16_t port = 0;
	long runs = 3, wait_s = 30, rss = -1;
	bool wait_only = false;
	int opt;

	while ((opt = getopt(argc, argv, "+u:o:r:t:W")) != -1) {
		switch (opt) {
		case 'u': port = (uint16_t)bench_parse_long("-u", optarg, 1, 65535); break;
		case 'o': log = optarg; break;
		case 'r': runs = bench_parse_long("-r", optarg, 1, SU_MAX_RUNS); break;
		case 't': wait_s = bench_parse_long("-t", optarg, 1, 600); break;
		case 'W': wait_only = true; break;
		default: return 2;
		}
	}
	if (port == 0 || (!wait_only && (log == NULL || optind >= argc))) {
		fprintf(stderr, "usage: bench_startup -u PORT -o LOG [-r RUNS] -- sigild [args]\n"
		                "       bench_startup -W -u PORT [-t SECONDS]\n");
		return 2;
	}
	if (wait_only)
		return su_wait(port, 0, bench_now_ns() + (uint64_t)wait_s * 1000000000u) == 0 ? 0 : 1;

	for (long r = 0; r < runs; r++) {
		uint64_t t0 = bench_now_ns();
		pid_t pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
			if (fd < 0 || dup2(fd, 1) < 0 || dup2(fd, 2) < 0)
				_exit(127);
			execv(argv[optind], argv + optind);
			_exit(127);
		}
		if (su_wait(port, pid, t0 + (uint64_t)wait_s * 1000000000u) != 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			return 1;
		}
		ms[r] = (double)(bench_now_ns() - t0) / 1e6;
		rss = su_rss_kb(pid);
		su_stop(pid);
	}
	qsort(ms, (size_t)runs, sizeof(ms[0]), cmp_double);
	bench_emit("startup_ms", ms[runs / 2], 1);
	bench_emit("startup_min_ms", ms[0], 1);
	bench_emit("startup_max_ms", ms[runs - 1], 1);
	bench_emit("rss_ready_kb", (double)rss, 0);
	return 0;
}
