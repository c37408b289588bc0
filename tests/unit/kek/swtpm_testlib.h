/* A software TPM for the tpm2 KEK provider's tests (included after
 * <cmocka.h>, once): swtpm in the foreground as a child of the test, on a
 * free pair of ports below 32768, with its state in g_root, which a reaper
 * removes however the test ends. group_setup starts it; check_tpm_clean,
 * a teardown, fails a test that left anything loaded in it. */
#ifndef SIGIL_TEST_KEK_SWTPM_TESTLIB_H
#define SIGIL_TEST_KEK_SWTPM_TESTLIB_H
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>
#include <unistd.h>

#include "kek_testlib.h"

struct swtpm {
	pid_t pid;
	int port;
	char dir[128];
	char tcti[80];
};

static struct swtpm g_tpm = {.pid = -1};
static char g_root[64]; /* everything of this test's: state directories, swtpm's */
static pid_t g_reaper = -1;
static int g_reaper_fd = -1;

static bool
in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", path != NULL ? path : "/usr/bin:/bin");
	for (char *d = strtok_r(buf, ":", &save); d != NULL; d = strtok_r(NULL, ":", &save)) {
		char full[4200];
		snprintf(full, sizeof(full), "%s/%s", d, prog);
		if (access(full, X_OK) == 0)
			return true;
	}
	return false;
}

static int
tcp_to(int port, bool listen_only)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), rc;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0)
		return -1;
	rc = listen_only ? bind(fd, (struct sockaddr *)&a, sizeof(a))
	                 : connect(fd, (struct sockaddr *)&a, sizeof(a));
	close(fd);
	return rc;
}

static void
swtpm_stop(struct swtpm *t)
{
	if (t->pid > 0) {
		bool reaped = false;

		kill(t->pid, SIGTERM);
		for (int i = 0; i < 200 && !reaped; i++) {
			reaped = waitpid(t->pid, NULL, WNOHANG) == t->pid;
			if (!reaped)
				usleep(10000);
		}
		/* Only a child not yet reaped: a reaped pid may be someone's. */
		if (!reaped) {
			kill(t->pid, SIGKILL);
			waitpid(t->pid, NULL, 0);
		}
	}
	t->pid = -1;
	kt_rm_tree(t->dir);
	t->dir[0] = '\0';
}

/* Starts swtpm with a fresh state on a free pair of ports: 0, or -1 with
 * the reason on stderr. */
static int
swtpm_start(struct swtpm *t)
{
	if (!in_path("swtpm")) {
		fprintf(stderr, "swtpm is not installed (PATH=%s): this test needs it "
		                "(Debian: apt-get install swtpm swtpm-tools tpm2-tools)\n",
		        getenv("PATH"));
		return -1;
	}
	snprintf(t->dir, sizeof(t->dir), "%s/tpm-XXXXXX", g_root);
	if (mkdtemp(t->dir) == NULL)
		return -1;
	static bool seeded;
	if (!seeded) {
		srandom((unsigned)(getpid() ^ time(NULL)));
		seeded = true;
	}
	for (int attempt = 0; attempt < 20; attempt++) {
		int port = 20000 + (int)(random() % 6000) * 2;
		char state[160], server[96], ctrl[96];
		int status;

		if (tcp_to(port, true) != 0 || tcp_to(port + 1, true) != 0)
			continue;
		snprintf(state, sizeof(state), "dir=%s", t->dir);
		snprintf(server, sizeof(server), "type=tcp,port=%d,bindaddr=127.0.0.1", port);
		snprintf(ctrl, sizeof(ctrl), "type=tcp,port=%d,bindaddr=127.0.0.1", port + 1);
		t->pid = fork();
		if (t->pid < 0)
			return -1;
		if (t->pid == 0) {
			/* Dies with the test, even if the test dies by abort(). */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			execlp("swtpm", "swtpm", "socket", "--tpm2", "--tpmstate", state, "--server",
			       server, "--ctrl", ctrl, "--flags", "not-need-init,startup-clear",
			       (char *)NULL);
			fprintf(stderr, "exec swtpm: %s\n", strerror(errno));
			_exit(127);
		}
		for (int i = 0; i < 500; i++) { /* 5 s */
			if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
				t->pid = -1;
				if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
					return -1;
				break; /* lost the port to someone: another pair */
			}
			if (tcp_to(port, false) == 0) {
				t->port = port;
				snprintf(t->tcti, sizeof(t->tcti), "swtpm:host=127.0.0.1,port=%d", port);
				return 0;
			}
			usleep(10000);
		}
		if (t->pid > 0) {
			kill(t->pid, SIGKILL);
			waitpid(t->pid, NULL, 0);
			t->pid = -1;
		}
	}
	fprintf(stderr, "swtpm did not start on any port tried\n");
	return -1;
}

/* A sanitizer's report ends the process with _exit, past every teardown
 * and atexit handler; swtpm dies with it (PDEATHSIG), and this reaper,
 * which waits for the end of a pipe only the test holds, removes g_root. */
static int
reaper_start(void)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	g_reaper = fork();
	if (g_reaper < 0)
		return -1;
	if (g_reaper == 0) {
		char c;
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		execl("/bin/rm", "rm", "-rf", g_root, (char *)NULL);
		_exit(127);
	}
	close(p[0]);
	g_reaper_fd = p[1];
	return 0;
}

static int
group_setup(void **state)
{
	(void)state;
	snprintf(g_root, sizeof(g_root), "/tmp/sigil-kek-tpm2-XXXXXX");
	if (mkdtemp(g_root) == NULL || reaper_start() != 0)
		return -1;
	return swtpm_start(&g_tpm);
}

static int
group_teardown(void **state)
{
	(void)state;
	swtpm_stop(&g_tpm);
	kt_rm_tree(g_root);
	if (g_reaper > 0) {
		close(g_reaper_fd);
		waitpid(g_reaper, NULL, 0);
	}
	return 0;
}

/* A direct ESYS connection, for what the test does to the TPM itself. */
static ESYS_CONTEXT *
esys_open(TSS2_TCTI_CONTEXT **tcti)
{
	ESYS_CONTEXT *esys = NULL;
	assert_int_equal(Tss2_TctiLdr_Initialize(g_tpm.tcti, tcti), TSS2_RC_SUCCESS);
	assert_int_equal(Esys_Initialize(&esys, *tcti, NULL), TSS2_RC_SUCCESS);
	return esys;
}

static void
esys_close(ESYS_CONTEXT *esys, TSS2_TCTI_CONTEXT *tcti)
{
	Esys_Finalize(&esys);
	Tss2_TctiLdr_Finalize(&tcti);
}

static void
pcr_extend(unsigned pcr)
{
	TSS2_TCTI_CONTEXT *tcti;
	ESYS_CONTEXT *esys = esys_open(&tcti);
	TPML_DIGEST_VALUES d = {.count = 1, .digests = {{.hashAlg = TPM2_ALG_SHA256}}};

	memset(d.digests[0].digest.sha256, 0x5a, sizeof(d.digests[0].digest.sha256));
	assert_int_equal(Esys_PCR_Extend(esys, ESYS_TR_PCR0 + pcr, ESYS_TR_PASSWORD, ESYS_TR_NONE,
	                                 ESYS_TR_NONE, &d),
	                 TSS2_RC_SUCCESS);
	esys_close(esys, tcti);
}

static UINT32
tpm_handles(ESYS_CONTEXT *esys, UINT32 first)
{
	TPMS_CAPABILITY_DATA *cap = NULL;
	TPMI_YES_NO more;
	assert_int_equal(Esys_GetCapability(esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
	                                    TPM2_CAP_HANDLES, first, TPM2_MAX_CAP_HANDLES, &more,
	                                    &cap),
	                 TSS2_RC_SUCCESS);
	UINT32 n = cap->data.handles.count;
	Esys_Free(cap);
	return n;
}

/* Run after every test: no transient object and no session left loaded. */
static int
check_tpm_clean(void **state)
{
	TSS2_TCTI_CONTEXT *tcti;
	(void)state;
	ESYS_CONTEXT *esys = esys_open(&tcti);
	/* TPM2_TRANSIENT_FIRST shifts 0x80 into an int's sign bit (UBSan
	 * objects): the handle ranges' first values, spelt out. */
	UINT32 objects = tpm_handles(esys, UINT32_C(0x80000000));
	UINT32 sessions = tpm_handles(esys, UINT32_C(0x02000000)); /* loaded sessions */
	esys_close(esys, tcti);
	if (objects != 0 || sessions != 0) {
		fprintf(stderr, "left in the TPM: %u objects, %u sessions\n", objects, sessions);
		return -1;
	}
	return 0;
}

#endif
