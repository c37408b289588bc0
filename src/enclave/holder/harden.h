/* What sigil-enclave does to itself so that its keys stay inside it:
 * no core dumps and no ptrace attach, an unprivileged user when started as
 * root, and once initialised a seccomp filter allowing only the system
 * calls a running key holder makes. */
#ifndef SIGIL_ENCLAVE_HARDEN_H
#define SIGIL_ENCLAVE_HARDEN_H
#include <stddef.h>

/* At start, before any secret exists: PR_SET_DUMPABLE 0 (no core, no
 * ptrace by peers, /proc/self/mem closed to others), RLIMIT_CORE 0,
 * PR_SET_NO_NEW_PRIVS. */
int enclave_harden_early(char *err, size_t errlen);

/* When running as root: drops to user (its uid, gid and supplementary
 * groups; NULL: "nobody"), for good (setresuid/setresgid, checked by trying
 * to get root back). Does nothing when not root. Called after the sockets
 * are bound and the state directory is open. */
int enclave_drop_privileges(const char *user, char *err, size_t errlen);

/* Installs the seccomp filter (libseccomp) on every thread of the process
 * (TSYNC): the system calls of serving connections, signing and exiting
 * are allowed; any other kills the whole process (SECCOMP_RET_KILL_PROCESS),
 * which is logged by the kernel as SIGSYS. Irreversible. */
int enclave_confine(char *err, size_t errlen);

#endif
