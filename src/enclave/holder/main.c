/* sigil-enclave: the key holder. Generates and imports keys, hands them
 * out only sealed under a KEK it alone can obtain, and signs by handle
 * (proto.h). sigild's enclave vault talks to it; so can anything that
 * speaks the Confidential Space signer protocol. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/errors.h"
#include "base/fileio.h"
#include "base/log.h"
#include "base/secmem.h"
#include "enclave/holder/harden.h"
#include "enclave/holder/holder.h"
#include "enclave/holder/server.h"

#define DEFAULT_STATE_DIR "/var/lib/sigil-enclave"
#define DEFAULT_SOCKET "/run/sigil-enclave/sigil-enclave.sock"

static int stop_pipe[2] = {-1, -1};

static void
on_stop(int sig)
{
	int e = errno;
	char c = (char)sig;
	if (write(stop_pipe[1], &c, 1) < 0) {
		/* Nothing to do: a stop is already pending. */
	}
	errno = e;
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: sigil-enclave [options]\n"
	        "  --socket PATH        listen on this unix socket (default $SIGIL_ENCLAVE_SOCKET or\n"
	        "                       " DEFAULT_SOCKET ")\n"
	        "  --socket-mode MODE   its mode, octal (default 0600)\n"
	        "  --listen HOST[:PORT] listen on TCP instead (port 2000 unless given)\n"
	        "  --state-dir DIR      where KEK providers keep salts and sealed objects\n"
	        "                       (default $SIGIL_ENCLAVE_STATE_DIR or " DEFAULT_STATE_DIR ")\n"
	        "  --tcti TCTI          the TPM for the tpm2 provider (default $SIGIL_ENCLAVE_TCTI,\n"
	        "                       $TPM2TOOLS_TCTI, or the device)\n"
	        "  --user USER          user to run as when started as root (default sigil-enclave\n"
	        "                       when it exists, else nobody)\n"
	        "  --no-seccomp         do not install the seccomp filter (debugging only)\n"
	        "  --log-level LEVEL    debug, info, warn or error (default info)\n"
	        "  --log-json           one JSON object per log line\n");
}

static const char *
env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);
	return v && v[0] ? v : dflt;
}

/* Splits HOST[:PORT] (IPv6 as [addr]:port). */
static int
parse_listen(char *spec, struct server_listen *l)
{
	char *colon;
	l->port = ENCLAVE_DEFAULT_PORT;
	if (spec[0] == '[') {
		char *end = strchr(spec, ']');
		if (end == NULL)
			return -1;
		*end = '\0';
		l->host = spec + 1;
		colon = end[1] == ':' ? end + 1 : NULL;
	} else {
		colon = strrchr(spec, ':');
		if (colon != NULL)
			*colon = '\0';
		l->host = spec;
	}
	if (colon != NULL) {
		char *e;
		unsigned long p = strtoul(colon + 1, &e, 10);
		if (*e != '\0' || p == 0 || p > 65535)
			return -1;
		l->port = (unsigned)p;
	}
	return l->host[0] ? 0 : -1;
}

/* Signs once with a throwaway key of every type, so that whatever the
 * libraries set up on first use (OpenSSL's providers, tables) is in place
 * before the seccomp filter forbids opening anything. */
static int
warm_up(void)
{
	static const uint8_t digest[32] = {1};
	uint8_t *sk = secmem_alloc(SIGIL_SECRET_LEN), sig[SIGIL_SIG_MAX];
	int rc = sk ? 0 : SIGIL_E_NOMEM;

	for (int t = 0; rc == 0 && t < SIGIL_KEY_TYPES; t++) {
		struct sigil_key *k = NULL;
		size_t siglen;
		if ((rc = sigil_keygen((enum sigil_key_type)t, sk)) != 0 ||
		    (rc = sigil_key_new((enum sigil_key_type)t, sk, NULL, 0, &k)) != 0)
			break;
		rc = sigil_key_sign(k, t == SIGIL_KEY_BLS ? SIGIL_SCHEME_BLS_POP : SIGIL_SCHEME_PLAIN,
		                    digest, sizeof(digest), sig, &siglen);
		sigil_key_free(k);
	}
	secmem_free(sk);
	return rc;
}

/* The user to drop to: asked for, else sigil-enclave, else nobody. */
static const char *
run_as(const char *asked)
{
	if (asked != NULL)
		return asked;
	return getpwnam("sigil-enclave") ? "sigil-enclave" : "nobody";
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"socket", required_argument, NULL, 's'},   {"socket-mode", required_argument, NULL, 'm'},
		{"listen", required_argument, NULL, 'l'},   {"state-dir", required_argument, NULL, 'd'},
		{"tcti", required_argument, NULL, 't'},     {"user", required_argument, NULL, 'u'},
		{"no-seccomp", no_argument, NULL, 'n'},     {"log-level", required_argument, NULL, 'L'},
		{"log-json", no_argument, NULL, 'j'},       {"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct server_listen l = {.socket_mode = 0600};
	struct holder_options ho = {.confine = true};
	const char *user = NULL, *socket_path = NULL;
	char *sock_dir = NULL;
	bool own_sock_dir = false;
	char *listen_spec = NULL, err[512] = "";
	struct holder *h = NULL;
	struct sigaction sa;
	int c, fd = -1, rc;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 's': socket_path = optarg; break;
		case 'm': {
			char *e;
			unsigned long m = strtoul(optarg, &e, 8);
			if (*e != '\0' || m > 0777) {
				fprintf(stderr, "sigil-enclave: bad --socket-mode %s\n", optarg);
				return 2;
			}
			l.socket_mode = (mode_t)m;
			break;
		}
		case 'l': listen_spec = optarg; break;
		case 'd': ho.env.state_dir = optarg; break;
		case 't': ho.env.tcti = optarg; break;
		case 'u': user = optarg; break;
		case 'n': ho.confine = false; break;
		case 'L':
			if (log_level_from_name(optarg) < 0) {
				fprintf(stderr, "sigil-enclave: bad --log-level %s\n", optarg);
				return 2;
			}
			log_set_level((enum log_level)log_level_from_name(optarg));
			break;
		case 'j': log_set_json(true); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	/* tpm2-tss writes its own error lines to stderr; the provider says
	 * what failed in its own words. */
	setenv("TSS2_LOG", "all+none", 0);
	if (enclave_harden_early(err, sizeof(err)) != 0) {
		fprintf(stderr, "sigil-enclave: %s\n", err);
		return 1;
	}
	if (ho.env.state_dir == NULL)
		ho.env.state_dir = env_or("SIGIL_ENCLAVE_STATE_DIR", DEFAULT_STATE_DIR);
	if (ho.env.tcti == NULL)
		ho.env.tcti = env_or("SIGIL_ENCLAVE_TCTI", env_or("TPM2TOOLS_TCTI", NULL));
	if (listen_spec == NULL)
		listen_spec = getenv("SIGIL_ENCLAVE_LISTEN");
	if (listen_spec != NULL && socket_path != NULL) {
		fprintf(stderr, "sigil-enclave: --socket and --listen exclude each other\n");
		return 2;
	}
	if (listen_spec != NULL) {
		if (parse_listen(listen_spec, &l) != 0) {
			fprintf(stderr, "sigil-enclave: bad --listen %s (HOST[:PORT])\n", listen_spec);
			return 2;
		}
	} else {
		l.socket_path = socket_path ? socket_path : env_or("SIGIL_ENCLAVE_SOCKET", DEFAULT_SOCKET);
	}

	if (fileio_mkdirs(ho.env.state_dir, 0700) != 0) {
		log_error("cannot make the state directory %s: %s", ho.env.state_dir, strerror(errno));
		return 1;
	}
	if (l.socket_path != NULL) {
		char *slash = strrchr(l.socket_path, '/');
		struct stat st;
		if (slash != NULL && slash != l.socket_path &&
		    (sock_dir = strndup(l.socket_path, (size_t)(slash - l.socket_path))) != NULL) {
			/* A directory made here is the holder's: it removes its
			 * socket there at exit, after the drop. */
			if (stat(sock_dir, &st) != 0 && fileio_mkdirs(sock_dir, 0755) == 0)
				own_sock_dir = true;
		}
	}
	if ((rc = server_listen(&l, &fd, err, sizeof(err))) != 0) {
		log_error("cannot listen: %s", err);
		return 1;
	}
	if (getuid() == 0 || geteuid() == 0) {
		const char *u = run_as(user);
		struct passwd *pw = getpwnam(u);
		/* The provider writes its salt or sealed object there after the
		 * drop; the socket file is removed at exit. */
		if (pw != NULL && (chown(ho.env.state_dir, pw->pw_uid, pw->pw_gid) != 0 ||
		                   (l.socket_path && chown(l.socket_path, pw->pw_uid, pw->pw_gid) != 0) ||
		                   (own_sock_dir && chown(sock_dir, pw->pw_uid, pw->pw_gid) != 0)))
			log_warn("cannot hand %s to %s: %s", ho.env.state_dir, u, strerror(errno));
		if (enclave_drop_privileges(u, err, sizeof(err)) != 0) {
			log_error("cannot drop privileges: %s", err);
			return 1;
		}
	}
	if (warm_up() != 0) {
		log_error("the signing libraries do not work here");
		return 1;
	}
	if (!secmem_locked())
		log_warn("secrets cannot be locked into memory (RLIMIT_MEMLOCK): they may be swapped");
	if (pipe2(stop_pipe, O_CLOEXEC) != 0) {
		log_error("pipe: %s", strerror(errno));
		return 1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	if ((rc = holder_new(&ho, &h)) != 0) {
		log_error("cannot start: %s", sigil_strerror(rc));
		return 1;
	}
	if (!ho.confine)
		log_warn("--no-seccomp: the key holder will not confine itself");
	if (l.socket_path)
		log_info("sigil-enclave listening on %s (state in %s)", l.socket_path, ho.env.state_dir);
	else
		log_info("sigil-enclave listening on %s port %u (state in %s)", l.host, l.port,
		         ho.env.state_dir);
	server_run(h, fd, stop_pipe[0]);
	holder_free(h);
	log_info("stopped; keys wiped");
	if (l.socket_path)
		unlink(l.socket_path);
	free(sock_dir);
	return 0;
}
