/* Tests for src/enclave/holder/harden.h.
 *
 * Every case runs in a forked child and its wait status is the verdict: a
 * call the seccomp filter forbids kills the child with SIGSYS, and once
 * confined nothing can be reported any other way. Children never use
 * cmocka's asserts (a failure would longjmp into the copy of the parent's
 * test runner): CHILD_CHECK writes the failed line to stderr and exits 1.
 * Each child arms alarm() first, so a hang ends as SIGALRM, not a stuck run.
 *
 * The allowed work is what the key holder does once confined (server.c,
 * holder.c): an accept loop with one detached thread per connection,
 * joinable worker threads, large and small allocations, locked memory,
 * signing with every key type, getrandom, sleeps, socket I/O on a
 * socketpair made before, unlinking its socket file, and exit(). */
/* forbid_assert calls what a failed assert() calls, in Release too. */
#undef NDEBUG
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/errors.h"
#include "base/secmem.h"
#include "crypto/sig.h"
#include "enclave/holder/harden.h"

#define CHILD_SECONDS 60
#define CONNS 4
#define WORKERS 4

static void child_fail(int line, const char *what) __attribute__((noreturn));

static void
child_fail(int line, const char *what)
{
	char msg[256];
	int n = snprintf(msg, sizeof(msg), "test_harden child: line %d: %s\n", line, what);

	if (n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1);
	_exit(1);
}

#define CHILD_CHECK(c)                                                                    \
	do {                                                                              \
		if (!(c))                                                                 \
			child_fail(__LINE__, #c);                                         \
	} while (0)

/* fn(arg) in a child (which then _exits 0); its wait status. */
static int
run_child(void (*fn)(void *), void *arg)
{
	int status = 0;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(CHILD_SECONDS);
		fn(arg);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return status;
}

static void
assert_exited_0(int status)
{
	if (WIFSIGNALED(status))
		fail_msg("child killed by signal %d (%s)", WTERMSIG(status), strsignal(WTERMSIG(status)));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void
assert_killed_by(int status, int sig)
{
	if (WIFEXITED(status))
		fail_msg("child exited %d, not killed by %s", WEXITSTATUS(status), strsignal(sig));
	assert_true(WIFSIGNALED(status));
	if (WTERMSIG(status) != sig)
		fail_msg("child killed by %s, not %s", strsignal(WTERMSIG(status)), strsignal(sig));
}

/* ---- keys: made and used once before confining, as Initialize does ---- */

static void
keys_make(struct sigil_key *keys[SIGIL_KEY_TYPES])
{
	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		uint8_t sk[SIGIL_SECRET_LEN];

		CHILD_CHECK(sigil_keygen((enum sigil_key_type)t, sk) == 0);
		CHILD_CHECK(sigil_key_new((enum sigil_key_type)t, sk, NULL, 0, &keys[t]) == 0);
		memset(sk, 0, sizeof(sk));
	}
}

/* Signs with every key and checks each signature; true when all hold. */
static bool
keys_sign(struct sigil_key *const keys[SIGIL_KEY_TYPES])
{
	uint8_t msg[32], sig[SIGIL_SIG_MAX], pk[SIGIL_PK_MAX];
	size_t siglen, pklen;

	for (size_t i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7 + 1);
	for (int t = 0; t < SIGIL_KEY_TYPES; t++) {
		bool bls = t == SIGIL_KEY_BLS;

		if (sigil_key_sign(keys[t], bls ? SIGIL_SCHEME_BLS_POP : SIGIL_SCHEME_PLAIN, msg,
		                   sizeof(msg), sig, &siglen) != 0)
			return false;
		sigil_key_pubkey(keys[t], pk, &pklen);
		if (bls ? sigil_bls_verify(pk, pklen, SIGIL_BLS_POP, msg, sizeof(msg), sig, siglen)
		        : sigil_verify((enum sigil_key_type)t, pk, pklen, SIGIL_SCHEME_PLAIN, msg,
		                       sizeof(msg), sig, siglen))
			return false;
	}
	return true;
}

static void
keys_free(struct sigil_key *keys[SIGIL_KEY_TYPES])
{
	for (int t = 0; t < SIGIL_KEY_TYPES; t++)
		sigil_key_free(keys[t]);
}

static void
confine_or_fail(void)
{
	char err[256];

	if (enclave_confine(err, sizeof(err)) != 0)
		child_fail(__LINE__, err);
}

/* ---- the allowed work --------------------------------------------------- */

struct allowed {
	const char *path; /* the unix socket file, bound by the parent */
	int listen_fd;
	struct sigil_key *keys[SIGIL_KEY_TYPES];
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int conns_done, conns_ok;
};

/* What one request costs: allocations small and large (mmap'ed, then
 * grown by mremap), a signature with every key, random bytes. */
static bool
request_work(struct sigil_key *const keys[SIGIL_KEY_TYPES])
{
	size_t big = 8u << 20;
	uint8_t *p = malloc(big), *q, rnd[32];
	void *small[64];
	bool ok = p != NULL;

	if (ok) {
		memset(p, 0xa5, big);
		q = realloc(p, 2 * big);
		ok = q != NULL && q[big - 1] == 0xa5;
		p = q != NULL ? q : p;
	}
	free(p);
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++)
		small[i] = malloc(16 + i * 40);
	for (size_t i = 0; i < sizeof(small) / sizeof(small[0]); i++) {
		ok = ok && small[i] != NULL;
		free(small[i]);
	}
	ok = ok && getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd);
	return ok && keys_sign(keys);
}

static void *
worker_main(void *arg)
{
	struct allowed *a = arg;
	return request_work(a->keys) ? a : NULL;
}

struct conn {
	struct allowed *a;
	int fd;
};

/* server.c's conn_main in small: wait, read, work, answer, close. */
static void *
conn_main(void *arg)
{
	struct conn *c = arg;
	struct allowed *a = c->a;
	struct pollfd p = {.fd = c->fd, .events = POLLIN};
	char buf[16];
	bool ok = poll(&p, 1, 10000) == 1 && read(c->fd, buf, 4) == 4 &&
	          memcmp(buf, "ping", 4) == 0 && request_work(a->keys) &&
	          send(c->fd, "pong", 4, MSG_NOSIGNAL) == 4;

	ok = shutdown(c->fd, SHUT_RDWR) == 0 && ok;
	close(c->fd);
	free(c);
	pthread_mutex_lock(&a->mu);
	a->conns_done++;
	a->conns_ok += ok;
	pthread_cond_signal(&a->cv);
	pthread_mutex_unlock(&a->mu);
	return NULL;
}

/* The other side of every connection: unconfined, forked by the parent. */
static void
client_run(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (int i = 0; i < CONNS; i++) {
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char buf[4];

		CHILD_CHECK(s >= 0);
		CHILD_CHECK(connect(s, (struct sockaddr *)&sa, sizeof(sa)) == 0);
		CHILD_CHECK(write(s, "ping", 4) == 4);
		CHILD_CHECK(read(s, buf, sizeof(buf)) == 4 && memcmp(buf, "pong", 4) == 0);
		close(s);
	}
}

static void
socketpair_io(int sv[2])
{
	char buf[32];
	struct iovec iov[2] = {{.iov_base = "ab", .iov_len = 2}, {.iov_base = "cd", .iov_len = 2}};
	struct msghdr mh = {.msg_iov = iov, .msg_iovlen = 2};
	struct iovec rio = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr rmh = {.msg_iov = &rio, .msg_iovlen = 1};

	CHILD_CHECK(write(sv[0], "hello", 5) == 5);
	CHILD_CHECK(read(sv[1], buf, sizeof(buf)) == 5 && memcmp(buf, "hello", 5) == 0);
	CHILD_CHECK(send(sv[1], "back", 4, MSG_NOSIGNAL) == 4);
	CHILD_CHECK(recv(sv[0], buf, sizeof(buf), 0) == 4 && memcmp(buf, "back", 4) == 0);
	CHILD_CHECK(writev(sv[0], iov, 2) == 4);
	CHILD_CHECK(read(sv[1], buf, sizeof(buf)) == 4 && memcmp(buf, "abcd", 4) == 0);
	CHILD_CHECK(sendmsg(sv[1], &mh, MSG_NOSIGNAL) == 4);
	CHILD_CHECK(recvmsg(sv[0], &rmh, 0) == 4 && memcmp(buf, "abcd", 4) == 0);
	CHILD_CHECK(fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK) == 0);
	CHILD_CHECK(read(sv[0], buf, sizeof(buf)) == -1 && errno == EAGAIN);
	CHILD_CHECK(close(sv[0]) == 0);
	CHILD_CHECK(read(sv[1], buf, sizeof(buf)) == 0);
	CHILD_CHECK(close(sv[1]) == 0);
}

/* secmem's arena grows by a new mlock'ed chunk (64 KiB) while confined. */
static void
locked_memory(void)
{
	void *s[40];
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);
	uint8_t *m;

	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		CHILD_CHECK((s[i] = secmem_alloc(4096)) != NULL);
	for (size_t i = 0; i < sizeof(s) / sizeof(s[0]); i++)
		secmem_free(s[i]);
	m = mmap(NULL, pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHILD_CHECK(m != MAP_FAILED);
	/* mlock may fail on RLIMIT_MEMLOCK; it must not kill. */
	if (mlock(m, pg) == 0)
		CHILD_CHECK(munlock(m, pg) == 0);
	CHILD_CHECK(madvise(m, pg, MADV_DONTDUMP) == 0);
	CHILD_CHECK(mprotect(m, pg, PROT_READ) == 0);
	CHILD_CHECK(munmap(m, pg) == 0);
}

/* The main thread's malloc arena grows with brk, and shrinks back. */
static void
main_arena(void)
{
	void *blocks[256];

	for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++) {
		CHILD_CHECK((blocks[i] = malloc(8192)) != NULL);
		memset(blocks[i], 1, 8192);
	}
	for (size_t i = sizeof(blocks) / sizeof(blocks[0]); i-- > 0;)
		free(blocks[i]);
}

static volatile sig_atomic_t got_signal;

static void
on_signal(int sig)
{
	got_signal = sig;
}

static void
child_allowed(void *arg)
{
	struct allowed *a = arg;
	struct timespec ts = {0, 1000000};
	pthread_t workers[WORKERS];
	pthread_attr_t detached;
	int sv[2];

	keys_make(a->keys);
	CHILD_CHECK(keys_sign(a->keys));
	CHILD_CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
	/* As main.c's SIGTERM handler: it runs, and returns (rt_sigreturn). */
	CHILD_CHECK(sigaction(SIGUSR1, &(struct sigaction){.sa_handler = on_signal}, NULL) == 0);
	confine_or_fail();

	for (int i = 0; i < WORKERS; i++)
		CHILD_CHECK(pthread_create(&workers[i], NULL, worker_main, a) == 0);
	for (int i = 0; i < WORKERS; i++) {
		void *r = NULL;
		CHILD_CHECK(pthread_join(workers[i], &r) == 0);
		CHILD_CHECK(r == a);
	}

	/* The accept loop: poll, accept4, a detached thread per connection. */
	CHILD_CHECK(pthread_attr_init(&detached) == 0);
	CHILD_CHECK(pthread_attr_setdetachstate(&detached, PTHREAD_CREATE_DETACHED) == 0);
	for (int i = 0; i < CONNS; i++) {
		struct pollfd p = {.fd = a->listen_fd, .events = POLLIN};
		struct conn *c = malloc(sizeof(*c));
		pthread_t t;

		CHILD_CHECK(c != NULL);
		CHILD_CHECK(poll(&p, 1, 10000) == 1);
		c->a = a;
		CHILD_CHECK((c->fd = accept4(a->listen_fd, NULL, NULL, SOCK_CLOEXEC)) >= 0);
		CHILD_CHECK(pthread_create(&t, &detached, conn_main, c) == 0);
	}
	pthread_attr_destroy(&detached);
	pthread_mutex_lock(&a->mu);
	while (a->conns_done < CONNS)
		pthread_cond_wait(&a->cv, &a->mu);
	pthread_mutex_unlock(&a->mu);
	CHILD_CHECK(a->conns_ok == CONNS);

	socketpair_io(sv);
	locked_memory();
	main_arena();
	CHILD_CHECK(raise(SIGUSR1) == 0 && got_signal == SIGUSR1);
	CHILD_CHECK(nanosleep(&ts, NULL) == 0);
	CHILD_CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0);
	CHILD_CHECK(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	/* clock_gettime without the vDSO, as on a clock source it cannot read. */
	CHILD_CHECK(syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) == 0);
	CHILD_CHECK(sched_yield() == 0);
	CHILD_CHECK(getpid() > 1);

	CHILD_CHECK(close(a->listen_fd) == 0);
	CHILD_CHECK(unlink(a->path) == 0);
	keys_free(a->keys);
	/* The holder's own way out: atexit handlers (OpenSSL's cleanup
	 * among them), stdio flushed, exit_group. */
	exit(0);
}

static void
test_confine_allows_holder_work(void **state)
{
	char dir[] = "/tmp/sigil-harden-XXXXXX", path[64];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct allowed a = {.path = path, .mu = PTHREAD_MUTEX_INITIALIZER,
	                    .cv = PTHREAD_COND_INITIALIZER};
	int status = 0, client_status = 0;
	bool removed;
	pid_t client;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true((size_t)snprintf(path, sizeof(path), "%s/s", dir) < sizeof(path));
	memcpy(sa.sun_path, path, strlen(path) + 1);
	a.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	assert_true(a.listen_fd >= 0);
	assert_int_equal(bind(a.listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(a.listen_fd, CONNS), 0);
	fflush(NULL);
	client = fork();
	assert_true(client >= 0);
	if (client == 0) {
		/* Only the confined child listens: should it die, the client's
		 * connections are refused instead of waiting in the backlog. */
		close(a.listen_fd);
		alarm(CHILD_SECONDS);
		client_run(path);
		_exit(0);
	}

	status = run_child(child_allowed, &a);
	close(a.listen_fd);
	assert_int_equal(waitpid(client, &client_status, 0), client);
	/* The confined child removed the socket file; tidy up either way. */
	removed = access(path, F_OK) == -1;
	(void)unlink(path);
	(void)rmdir(dir);
	assert_exited_0(status);
	assert_exited_0(client_status);
	assert_true(removed);
}

/* ---- what a confined holder must not do --------------------------------- */

static void
forbid_execve(void)
{
	char *const argv[] = {"true", NULL};
	char *const envp[] = {NULL};
	execve("/bin/true", argv, envp);
}

static void
forbid_open(void)
{
	/* glibc's open is openat(AT_FDCWD, ...). */
	(void)open("/etc/hostname", O_RDONLY);
}

static void
forbid_open_raw(void)
{
	(void)syscall(SYS_open, "/etc/hostname", O_RDONLY);
}

static void
forbid_fopen(void)
{
	(void)!fopen("/etc/hostname", "r");
}

static void
forbid_socket(void)
{
	(void)socket(AF_INET, SOCK_STREAM, 0);
}

static void
forbid_socket_unix(void)
{
	(void)socket(AF_UNIX, SOCK_STREAM, 0);
}

static void
forbid_ptrace(void)
{
	(void)ptrace(PTRACE_TRACEME, 0, NULL, NULL);
}

static void
forbid_fork(void)
{
	if (fork() == 0)
		_exit(0);
}

static void
forbid_mmap_exec(void)
{
	(void)mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

static void
forbid_mprotect_exec(void)
{
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CHILD_CHECK(m != MAP_FAILED);
	(void)mprotect(m, 4096, PROT_READ | PROT_EXEC);
}

static void
forbid_prctl(void)
{
	(void)prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

static void
forbid_memfd(void)
{
	(void)syscall(SYS_memfd_create, "x", 0);
}

static void
forbid_setuid(void)
{
	(void)!setuid(getuid());
}

/* A thread that was running before the filter came gets it too (TSYNC). */
static int tsync_pipe[2];

static void *
tsync_thread(void *arg)
{
	char c;

	(void)arg;
	if (read(tsync_pipe[0], &c, 1) == 1)
		(void)socket(AF_INET, SOCK_STREAM, 0);
	return NULL;
}

struct forbidden {
	const char *name;
	void (*call)(void);
	int signal;     /* what the child must die of */
	bool thread;    /* made by a thread started before confining */
	bool no_stderr; /* what it prints would only clutter the test output */
};

static void
forbid_abort(void)
{
	abort();
}

static void
forbid_assert(void)
{
	/* What a failed assert() does, also in builds with NDEBUG. */
	__assert_fail("confined", __FILE__, __LINE__, __func__);
}

static const struct forbidden forbidden_cases[] = {
	{"execve", forbid_execve, SIGSYS, false, false},
	{"open", forbid_open, SIGSYS, false, false},
	{"open (raw)", forbid_open_raw, SIGSYS, false, false},
	{"fopen", forbid_fopen, SIGSYS, false, false},
	{"socket AF_INET", forbid_socket, SIGSYS, false, false},
	{"socket AF_UNIX", forbid_socket_unix, SIGSYS, false, false},
	{"ptrace", forbid_ptrace, SIGSYS, false, false},
	{"fork", forbid_fork, SIGSYS, false, false},
	{"mmap PROT_EXEC", forbid_mmap_exec, SIGSYS, false, false},
	{"mprotect PROT_EXEC", forbid_mprotect_exec, SIGSYS, false, false},
	{"prctl", forbid_prctl, SIGSYS, false, false},
	{"memfd_create", forbid_memfd, SIGSYS, false, false},
	{"setuid", forbid_setuid, SIGSYS, false, false},
	{"socket from an older thread", NULL, SIGSYS, true, false},
	/* Not forbidden: a crash stays a crash, not a SIGSYS. */
	{"abort", forbid_abort, SIGABRT, false, false},
	{"assert", forbid_assert, SIGABRT, false, true},
};

static void
child_forbidden(void *arg)
{
	const struct forbidden *f = arg;
	pthread_t t;

	if (f->no_stderr) {
		int null = open("/dev/null", O_WRONLY);
		CHILD_CHECK(null >= 0 && dup2(null, STDERR_FILENO) == STDERR_FILENO);
	}
	if (f->thread) {
		CHILD_CHECK(pipe(tsync_pipe) == 0);
		CHILD_CHECK(pthread_create(&t, NULL, tsync_thread, NULL) == 0);
	}
	confine_or_fail();
	if (f->thread) {
		CHILD_CHECK(write(tsync_pipe[1], "x", 1) == 1);
		(void)pthread_join(t, NULL);
	} else {
		f->call();
	}
	/* Still alive: the call was let through. */
	_exit(3);
}

static void
test_confine_forbids(void **state)
{
	for (size_t i = 0; i < sizeof(forbidden_cases) / sizeof(forbidden_cases[0]); i++) {
		const struct forbidden *f = &forbidden_cases[i];
		int status = run_child(child_forbidden, (void *)f);

		if (!WIFSIGNALED(status) || WTERMSIG(status) != f->signal)
			print_error("%s: wait status %#x\n", f->name, (unsigned)status);
		assert_killed_by(status, f->signal);
	}
	(void)state;
}

/* A sleep interrupted by SIGSTOP and resumed by SIGCONT goes on through
 * restart_syscall (an operator's kill -STOP/-CONT, a debugger's stop). */
static int restart_pipe[2];

static void
child_restart(void *arg)
{
	struct timespec ts = {1, 0};

	(void)arg;
	confine_or_fail();
	CHILD_CHECK(write(restart_pipe[1], "s", 1) == 1);
	CHILD_CHECK(clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL) == 0);
	CHILD_CHECK(poll(NULL, 0, 300) == 0);
}

static void
test_confine_restart_after_stop(void **state)
{
	struct timespec settle = {0, 200 * 1000 * 1000};
	int status = 0;
	char c;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(restart_pipe), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		alarm(CHILD_SECONDS);
		child_restart(NULL);
		_exit(0);
	}
	close(restart_pipe[1]);
	assert_int_equal(read(restart_pipe[0], &c, 1), 1);
	close(restart_pipe[0]);
	/* Into its second of sleep, stopped, continued. */
	nanosleep(&settle, NULL);
	assert_int_equal(kill(pid, SIGSTOP), 0);
	assert_int_equal(waitpid(pid, &status, WUNTRACED), pid);
	assert_true(WIFSTOPPED(status));
	assert_int_equal(kill(pid, SIGCONT), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_exited_0(status);
}

/* Confining twice is harmless: the second call does nothing (its seccomp
 * call would be forbidden). */
static void
child_confine_twice(void *arg)
{
	(void)arg;
	confine_or_fail();
	confine_or_fail();
}

static void
test_confine_twice(void **state)
{
	(void)state;
	assert_exited_0(run_child(child_confine_twice, NULL));
}

/* ---- enclave_harden_early ----------------------------------------------- */

static void
child_early(void *arg)
{
	char err[256];
	struct rlimit rl;

	(void)arg;
	if (enclave_harden_early(err, sizeof(err)) != 0)
		child_fail(__LINE__, err);
	CHILD_CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
	CHILD_CHECK(prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
	CHILD_CHECK(getrlimit(RLIMIT_CORE, &rl) == 0);
	CHILD_CHECK(rl.rlim_cur == 0 && rl.rlim_max == 0);
	/* Nothing raises the limit again. */
	rl.rlim_cur = rl.rlim_max = 4096;
	CHILD_CHECK(geteuid() == 0 || setrlimit(RLIMIT_CORE, &rl) == -1);
}

static void
test_harden_early(void **state)
{
	(void)state;
	assert_exited_0(run_child(child_early, NULL));
}

/* ---- enclave_drop_privileges -------------------------------------------- */

struct drop {
	const char *user; /* as passed; NULL: the default, nobody */
	struct passwd pw;
	char buf[4096];
};

static void
child_drop(void *arg)
{
	struct drop *d = arg;
	struct sigil_key *keys[SIGIL_KEY_TYPES];
	char err[256];
	gid_t groups[64];
	int n;

	keys_make(keys);
	CHILD_CHECK(keys_sign(keys));
	if (enclave_harden_early(err, sizeof(err)) != 0)
		child_fail(__LINE__, err);
	if (enclave_drop_privileges(d->user, err, sizeof(err)) != 0)
		child_fail(__LINE__, err);
	CHILD_CHECK(getuid() == d->pw.pw_uid && geteuid() == d->pw.pw_uid);
	CHILD_CHECK(getgid() == d->pw.pw_gid && getegid() == d->pw.pw_gid);
	CHILD_CHECK(setuid(0) == -1 && errno == EPERM);
	CHILD_CHECK(setgid(0) == -1);
	CHILD_CHECK(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0);
	/* root's groups are gone, the user's primary group is there. */
	n = getgroups((int)(sizeof(groups) / sizeof(groups[0])), groups);
	CHILD_CHECK(n >= 1);
	{
		bool primary = false;
		for (int i = 0; i < n; i++) {
			CHILD_CHECK(groups[i] != 0);
			primary = primary || groups[i] == d->pw.pw_gid;
		}
		CHILD_CHECK(primary);
	}
	/* The holder's order: early, drop, then confine at Initialize. */
	confine_or_fail();
	CHILD_CHECK(keys_sign(keys));
	keys_free(keys);
}

static void
drop_case(const char *user)
{
	struct drop d = {.user = user};
	struct passwd *found = NULL;

	if (geteuid() != 0) {
		skip();
		return;
	}
	assert_int_equal(getpwnam_r("nobody", &d.pw, d.buf, sizeof(d.buf), &found), 0);
	assert_non_null(found);
	assert_exited_0(run_child(child_drop, &d));
}

static void
test_drop_to_nobody(void **state)
{
	(void)state;
	drop_case("nobody");
}

static void
test_drop_default_user(void **state)
{
	(void)state;
	drop_case(NULL);
}

static void
child_drop_refused(void *arg)
{
	const char *user = arg;
	char err[256];
	uid_t r, e, s;

	err[0] = 'x';
	CHILD_CHECK(enclave_drop_privileges(user, err, sizeof(err)) != 0);
	CHILD_CHECK(strstr(err, user) != NULL);
	/* Nothing was dropped on the way to the error. */
	CHILD_CHECK(getresuid(&r, &e, &s) == 0 && r == 0 && e == 0 && s == 0);
	CHILD_CHECK(getgid() == 0);
}

static void
test_drop_unknown_user(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		skip();
		return;
	}
	assert_exited_0(run_child(child_drop_refused, "sigil-no-such-user-4711"));
	/* A "drop" to root's uid would drop nothing. */
	assert_exited_0(run_child(child_drop_refused, "root"));
}

/* Not root: nothing to drop, and no lookup either. */
static void
child_drop_not_root(void *arg)
{
	char err[256];
	uid_t u;
	gid_t g;

	(void)arg;
	if (geteuid() == 0) {
		CHILD_CHECK(setresgid(65534, 65534, 65534) == 0);
		CHILD_CHECK(setresuid(65534, 65534, 65534) == 0);
	}
	u = getuid();
	g = getgid();
	CHILD_CHECK(enclave_drop_privileges("sigil-no-such-user-4711", err, sizeof(err)) == 0);
	CHILD_CHECK(enclave_drop_privileges(NULL, err, sizeof(err)) == 0);
	CHILD_CHECK(getuid() == u && geteuid() == u && getgid() == g);
}

static void
test_drop_not_root(void **state)
{
	(void)state;
	assert_exited_0(run_child(child_drop_not_root, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_harden_early),
		cmocka_unit_test(test_confine_allows_holder_work),
		cmocka_unit_test(test_confine_forbids),
		cmocka_unit_test(test_confine_restart_after_stop),
		cmocka_unit_test(test_confine_twice),
		cmocka_unit_test(test_drop_to_nobody),
		cmocka_unit_test(test_drop_default_user),
		cmocka_unit_test(test_drop_unknown_user),
		cmocka_unit_test(test_drop_not_root),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
