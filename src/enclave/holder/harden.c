/* What sigil-enclave does to itself (harden.h).
 *
 * The seccomp allow-list below was read off strace of a model holder
 * (accept loop, a thread per connection, every key type signing, exit)
 * and is kept to that: tests/unit/enclave/test_harden.c runs the same
 * work confined, and shows that each of the calls an intruder would want
 * first (execve, open, socket, ptrace, fork) kills the process. */
#include "enclave/holder/harden.h"

#include <errno.h>
#include <grp.h>
#include <malloc.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/secmem.h"

/* AddressSanitizer (GCC says so with __SANITIZE_ADDRESS__, clang with
 * __has_feature) makes calls of its own; see harden_sanitizer below. */
#if defined(__SANITIZE_ADDRESS__)
#define HARDEN_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HARDEN_ASAN 1
#endif
#endif
#ifdef HARDEN_ASAN
#include <sanitizer/lsan_interface.h>
#include <sys/ioctl.h>
#endif

#define HARDEN_DEFAULT_USER "nobody"
/* getpwnam_r's buffer grows up to this on ERANGE. */
#define HARDEN_PW_BUF_MAX (1024 * 1024)

int
enclave_harden_early(char *err, size_t errlen)
{
	const struct rlimit none = {0, 0};

	if (errlen > 0)
		err[0] = '\0';
	/* Non-dumpable: no core file, no ptrace attach or /proc/<pid>/mem by
	 * other processes of the same user. secmem's call ignores failure;
	 * here it is checked, since everything else relies on it. */
	secmem_harden_process();
	if (prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		sigil_errf(err, errlen, "cannot make the process non-dumpable: %s", strerror(errno));
		return SIGIL_E_IO;
	}
	/* Also the hard limit, so that nothing later raises it again. */
	if (setrlimit(RLIMIT_CORE, &none) != 0) {
		sigil_errf(err, errlen, "setrlimit(RLIMIT_CORE, 0): %s", strerror(errno));
		return SIGIL_E_IO;
	}
	/* No exec can ever grant privileges again (setuid binaries, file
	 * capabilities); the seccomp filter needs it too when not root. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		sigil_errf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return SIGIL_E_IO;
	}
	return 0;
}

/* user's passwd entry into *pw, its strings in *buf (the caller frees). */
static int
harden_lookup(const char *user, struct passwd *pw, char **buf, char *err, size_t errlen)
{
	struct passwd *found = NULL;
	long hint = sysconf(_SC_GETPW_R_SIZE_MAX);
	size_t len = hint > 0 ? (size_t)hint : 4096;
	int e;

	*buf = NULL;
	for (;;) {
		char *nb = realloc(*buf, len);
		if (nb == NULL) {
			sigil_errf(err, errlen, "looking up user %s: out of memory", user);
			return SIGIL_E_NOMEM;
		}
		*buf = nb;
		e = getpwnam_r(user, pw, *buf, len, &found);
		if (e != ERANGE || len >= HARDEN_PW_BUF_MAX)
			break;
		len *= 2;
	}
	if (found == NULL) {
		/* 0 and the "not found" family all mean there is no such user. */
		if (e == 0 || e == ENOENT || e == ESRCH || e == EBADF || e == EPERM) {
			sigil_errf(err, errlen, "no user named %s", user);
			return SIGIL_E_NOT_FOUND;
		}
		sigil_errf(err, errlen, "looking up user %s: %s", user, strerror(e));
		return SIGIL_E_IO;
	}
	return 0;
}

/* Whether the ids are now exactly uid and gid, and root is out of reach. */
static int
harden_check_dropped(const char *user, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0) {
		sigil_errf(err, errlen, "after dropping to %s: reading ids: %s", user, strerror(errno));
		return SIGIL_E_IO;
	}
	if (ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid) {
		sigil_errf(err, errlen, "after dropping to %s: ids are not all %u:%u", user,
		           (unsigned)uid, (unsigned)gid);
		return SIGIL_E_INTERNAL;
	}
	/* The proof that the drop is for good: root cannot be had back. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 || setegid(0) == 0) {
		sigil_errf(err, errlen, "after dropping to %s: root could be regained", user);
		return SIGIL_E_INTERNAL;
	}
	return 0;
}

int
enclave_drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd pw;
	char *buf = NULL;
	uid_t ru, eu, su;
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	if (user == NULL)
		user = HARDEN_DEFAULT_USER;
	if (getresuid(&ru, &eu, &su) != 0) {
		sigil_errf(err, errlen, "getresuid: %s", strerror(errno));
		return SIGIL_E_IO;
	}
	if (ru != 0 && eu != 0 && su != 0)
		return 0;
	if ((rc = harden_lookup(user, &pw, &buf, err, errlen)) != 0)
		goto out;
	if (pw.pw_uid == 0 || pw.pw_gid == 0) {
		sigil_errf(err, errlen, "user %s has root's uid or gid: nothing would be dropped",
		           user);
		rc = SIGIL_E_INVALID;
		goto out;
	}
	/* The user's own supplementary groups, not root's: they are how an
	 * operator lets it at a device (tss for the TPM the KEK provider opens
	 * at Initialize, after this drop). Groups first, then the gid, then
	 * the uid: each step needs the privilege the next one gives up. */
	if (initgroups(pw.pw_name, pw.pw_gid) != 0) {
		sigil_errf(err, errlen, "initgroups for %s: %s", user, strerror(errno));
		rc = SIGIL_E_IO;
		goto out;
	}
	if (setresgid(pw.pw_gid, pw.pw_gid, pw.pw_gid) != 0) {
		sigil_errf(err, errlen, "setresgid to %s (%u): %s", user, (unsigned)pw.pw_gid,
		           strerror(errno));
		rc = SIGIL_E_IO;
		goto out;
	}
	if (setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid) != 0) {
		sigil_errf(err, errlen, "setresuid to %s (%u): %s", user, (unsigned)pw.pw_uid,
		           strerror(errno));
		rc = SIGIL_E_IO;
		goto out;
	}
	if ((rc = harden_check_dropped(user, pw.pw_uid, pw.pw_gid, err, errlen)) != 0)
		goto out;
	/* A change of credentials resets the dumpable flag (to
	 * fs.suid_dumpable): set it again, or a peer running as user could
	 * ptrace the holder and read its keys. */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		sigil_errf(err, errlen, "after dropping to %s: cannot make the process non-dumpable: %s",
		           user, strerror(errno));
		rc = SIGIL_E_IO;
		goto out;
	}
	rc = 0;
out:
	free(buf);
	return rc;
}

/* ---- seccomp ------------------------------------------------------------
 * Allowed without looking at the arguments, by group. Anything not here
 * kills the process. */
static const int harden_allowed[] = {
	/* Serving: the listening socket and stop pipe are open before, so
	 * only accepting, waiting (glibc's poll is the poll system call) and
	 * moving bytes remain: frame.c recv()s and sendmsg()s a socket, read()s
	 * and writev()s a pipe; shutdown and close end a connection. unlink:
	 * the holder removes its unix socket file when it stops (it can no
	 * longer make one: no socket, no bind). */
	SCMP_SYS(accept4), SCMP_SYS(poll), SCMP_SYS(fcntl),
	SCMP_SYS(read), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg),
	SCMP_SYS(write), SCMP_SYS(writev), SCMP_SYS(sendto), SCMP_SYS(sendmsg),
	SCMP_SYS(shutdown), SCMP_SYS(close), SCMP_SYS(unlink),
	/* malloc: brk for the main arena, mmap'ed blocks and per-thread arenas
	 * (mmap/mprotect are below, without PROT_EXEC), mremap for realloc of
	 * large blocks, madvise to give pages back (and MADV_DONTDUMP). */
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),
	/* Secrets in locked memory: base/secmem.h grows its arena with new
	 * mlock'ed chunks, sodium_free munlocks. */
	SCMP_SYS(mlock), SCMP_SYS(munlock),
	/* Threads: one per connection. clone itself is below (threads only;
	 * clone3 fails with ENOSYS so that glibc falls back to it). A new
	 * thread registers its robust futex list and rseq area; a finished
	 * one exits, its stack going back through madvise/munmap. Mutexes,
	 * condition variables and joins are futexes. */
	SCMP_SYS(set_robust_list), SCMP_SYS(rseq), SCMP_SYS(futex), SCMP_SYS(exit),
	SCMP_SYS(sched_yield),
	/* Randomness: libsodium's randombytes and OpenSSL's DRBG reseeds. */
	SCMP_SYS(getrandom),
	/* Time: deadlines (the vDSO answers clock_gettime unless the clock
	 * source cannot), the log's gathering sleep (glibc's nanosleep is
	 * clock_nanosleep). */
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
	/* Signals: pthread_create installs glibc's setxid handler on first use
	 * and blocks signals around clone; a handler returns through
	 * rt_sigreturn; a sleep or poll stopped and continued (SIGSTOP/
	 * SIGCONT) resumes through restart_syscall. abort() (an assertion, a
	 * stack smash, malloc finding its heap corrupt) raises SIGABRT with
	 * getpid, gettid and tgkill: a crash must stay a SIGABRT, not turn into
	 * a SIGSYS that hides it. */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(restart_syscall), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(tgkill),
	/* Leaving: exit() ends in exit_group. */
	SCMP_SYS(exit_group),
};

#ifdef HARDEN_ASAN
/* Sanitizer builds only (tests): AddressSanitizer's runtime, per new
 * thread, reads the thread's stack bounds (pthread_getattr_np:
 * sched_getaffinity) and sets up, then takes down, an alternate signal
 * stack for its SEGV handler (sigaltstack; the main thread's too, at
 * exit). ioctl(TCGETS), below, is its isatty(2) before a report, which
 * then gets as far as its first lines (error, address, access, thread)
 * before reading /proc/self/maps for the stack trace kills the process
 * with SIGSYS: a report made once confined is cut short, never allowed
 * to open files. LeakSanitizer's check at exit is not allowed for
 * either (it clones a tracer that ptraces every thread and opens
 * /proc/self/task): enclave_confine runs it before the filter instead. */
static const int harden_sanitizer[] = {
	SCMP_SYS(sched_getaffinity),
	SCMP_SYS(sigaltstack),
};
#endif

/* Set once the filter is in: a second enclave_confine is a no-op (the
 * seccomp(2) call it would make is itself forbidden by then). One caller
 * at a time: the holder confines under its Initialize lock. */
static bool harden_confined;

static int
harden_allow_all(scmp_filter_ctx ctx, const int *nrs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nrs[i], 0);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* Namespaces a clone could ask for: never, even with CLONE_THREAD (which
 * the kernel refuses for some of them anyway). */
#define HARDEN_CLONE_NS                                                                  \
	(CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |     \
	 CLONE_NEWPID | CLONE_NEWNET)

static int
harden_rules(scmp_filter_ctx ctx)
{
	int rc;

	if ((rc = harden_allow_all(ctx, harden_allowed,
	                           sizeof(harden_allowed) / sizeof(harden_allowed[0]))) != 0)
		return rc;
#ifdef HARDEN_ASAN
	if ((rc = harden_allow_all(ctx, harden_sanitizer,
	                           sizeof(harden_sanitizer) / sizeof(harden_sanitizer[0]))) != 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	                           SCMP_A1(SCMP_CMP_EQ, TCGETS, 0))) != 0)
		return rc;
#endif
	/* glibc 2.34+ tries clone3 first and falls back to clone only on
	 * ENOSYS; clone3 passes its flags in memory, where a filter cannot
	 * look, so it must fail, and clone be the one checked. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0)) != 0)
		return rc;
	/* A thread, never a process: fork, vfork and posix_spawn are clones
	 * without CLONE_THREAD and die here. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
	                           SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD | HARDEN_CLONE_NS,
	                                   CLONE_THREAD))) != 0)
		return rc;
	/* Memory for malloc and thread stacks, never executable: no mapping
	 * of shellcode, whatever got to run. */
	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	                           SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0))) != 0)
		return rc;
	return seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	                        SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
}

/* glibc's malloc opens files of its own, which the filter forbids: the
 * number of CPUs (/sys/devices/system/cpu/online) when a ninth thread
 * first needs an arena, and /proc/sys/vm/overcommit_memory the first time
 * it trims the heap of a thread's arena. Fixed limits make it ask for
 * neither: an arena count of its own, large blocks (a 512 KiB message)
 * mapped apart and given back with munmap, and no trimming of heaps. */
static void
harden_malloc(void)
{
	(void)mallopt(M_ARENA_MAX, 8);
	(void)mallopt(M_MMAP_THRESHOLD, 128 * 1024);
	(void)mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
}

int
enclave_confine(char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	const char *step = "building the filter";
	int rc;

	if (errlen > 0)
		err[0] = '\0';
	if (harden_confined)
		return 0;
#ifdef HARDEN_ASAN
	/* LeakSanitizer's exit-time check, moved here: run at exit it would
	 * be killed by the filter (clone of a tracer, ptrace, open of /proc).
	 * Leaks made before confinement are reported; later ones are not. */
	__lsan_do_leak_check();
#endif
	harden_malloc();
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		sigil_errf(err, errlen, "seccomp_init failed");
		return SIGIL_E_NOMEM;
	}
	/* TSYNC: every thread already running (connections, the log writer)
	 * gets the filter too. NNP: required to load a filter unprivileged.
	 * BADARCH: a 32-bit system call (int 0x80) kills the process too.
	 * SYSRAWRC: report the kernel's errno, not libseccomp's -ECANCELED.
	 * OPTIMIZE 2: a binary tree, fewer comparisons per call. */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)) != 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2)) != 0)
		goto out;
	if ((rc = harden_rules(ctx)) != 0)
		goto out;
	step = "loading the filter";
	if ((rc = seccomp_load(ctx)) != 0)
		goto out;
	harden_confined = true;
out:
	seccomp_release(ctx);
	if (rc != 0) {
		sigil_errf(err, errlen, "seccomp: %s: %s", step, strerror(-rc));
		return SIGIL_E_IO;
	}
	return 0;
}
