/* bench_p11_raw: a PKCS#11 token alone (SoftHSM2 in make bench), without
 * sigild: how fast its own C_SignInit + C_Sign are, the reference the
 * pkcs11 vault's figures are compared with, as bench_raw's are for the
 * file vault.
 *
 * The module is loaded as the vault loads it (vault/pkcs11/vault.c):
 * dlopen(), C_Initialize with OS locking, the slot by token label, sessions
 * opened read-write and the user logged in once with PKCS11_PIN. For each
 * private key named by its CKA_LABEL, one signature is what the vault asks
 * for one request: C_SignInit (CKM_EDDSA for an Edwards key, CKM_ECDSA for
 * an EC key) then a single-part C_Sign of a distinct 32-byte message.
 *
 * Per key, for -d seconds each: one thread on one session, the two calls
 * timed apart (where a token spends its time: C_SignInit finds the key
 * object and prepares it, C_Sign does the arithmetic); then, for each N
 * of -c, N threads each on a session of its own, as the vault's pool runs
 * them (sessions: N).
 *
 * usage: bench_p11_raw -m MODULE -t TOKEN_LABEL [-d SECONDS] [-c N[,N...]] LABEL...
 * (PIN in PKCS11_PIN; -c 2 unless given). Prints "name value" lines, for
 * each LABEL: LABEL_1_signs_per_s, LABEL_init_us, LABEL_sign_us (means,
 * one thread), and LABEL_N_signs_per_s for each N. */
#include <dlfcn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <p11-kit/pkcs11.h>

#include "common.h"

#define P11R_MAX_THREADS 16
#define P11R_LABEL_MAX 64
#define P11R_MAX_RUNS 8

struct p11r {
	CK_FUNCTION_LIST_PTR f;
	CK_SLOT_ID slot;
	CK_OBJECT_HANDLE key;
	CK_MECHANISM_TYPE mech;
	/* the threaded runs */
	_Atomic int ready, go, failed;
	_Atomic long done;
	uint64_t end_ns;
};

/* One signature, as the vault makes it. t_init and t_sign, when given,
 * get the nanoseconds each call took. */
static CK_RV
p11r_sign(struct p11r *p, CK_SESSION_HANDLE s, uint64_t seq, uint64_t *t_init, uint64_t *t_sign)
{
	CK_MECHANISM m = {p->mech, NULL, 0};
	uint8_t msg[32], sig[128];
	CK_ULONG siglen = sizeof(sig);
	uint64_t t0, t1;
	CK_RV rv;

	memset(msg, 0x3c, sizeof(msg));
	memcpy(msg, &seq, sizeof(seq));
	t0 = bench_now_ns();
	if ((rv = p->f->C_SignInit(s, &m, p->key)) != CKR_OK)
		return rv;
	t1 = bench_now_ns();
	rv = p->f->C_Sign(s, msg, sizeof(msg), sig, &siglen);
	if (t_init != NULL) {
		*t_init += t1 - t0;
		*t_sign += bench_now_ns() - t1;
	}
	return rv == CKR_OK && siglen != 64 ? CKR_GENERAL_ERROR : rv;
}

static void *
p11r_thread(void *arg)
{
	struct p11r *p = arg;
	CK_SESSION_HANDLE s;
	uint64_t seq = (uint64_t)pthread_self() << 20;
	long n = 0;
	bool ok = p->f->C_OpenSession(p->slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL,
	                              &s) == CKR_OK;

	if (!ok)
		atomic_store(&p->failed, 1);
	atomic_fetch_add(&p->ready, 1);
	if (!ok)
		return NULL;
	while (!atomic_load(&p->go))
		usleep(100);
	while (bench_now_ns() < p->end_ns) {
		if (p11r_sign(p, s, seq++, NULL, NULL) != CKR_OK) {
			atomic_store(&p->failed, 1);
			break;
		}
		n++;
	}
	p->f->C_CloseSession(s);
	atomic_fetch_add(&p->done, n);
	return NULL;
}

/* THREADS threads signing for SECONDS, each on its own session: signs/s. */
static int
p11r_threads(struct p11r *p, int threads, double seconds, double *per_s)
{
	pthread_t t[P11R_MAX_THREADS];
	int started = 0;
	uint64_t t0;

	atomic_store(&p->ready, 0);
	atomic_store(&p->go, 0);
	atomic_store(&p->done, 0);
	for (; started < threads; started++)
		if (pthread_create(&t[started], NULL, p11r_thread, p) != 0)
			break;
	while (atomic_load(&p->ready) < started)
		usleep(100);
	t0 = bench_now_ns();
	p->end_ns = t0 + (uint64_t)(seconds * 1e9);
	atomic_store(&p->go, 1);
	for (int i = 0; i < started; i++)
		pthread_join(t[i], NULL);
	*per_s = (double)atomic_load(&p->done) / ((double)(bench_now_ns() - t0) / 1e9);
	return started == threads && !atomic_load(&p->failed) ? 0 : -1;
}

/* The slot whose token is labelled label (blank-padded to 32 bytes). */
static int
p11r_slot(struct p11r *p, const char *label)
{
	CK_SLOT_ID slots[64];
	CK_ULONG n = 64;
	char want[32];
	size_t len = strlen(label);

	if (len > sizeof(want) || p->f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -1;
	memset(want, ' ', sizeof(want));
	memcpy(want, label, len);
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		if (p->f->C_GetTokenInfo(slots[i], &ti) == CKR_OK &&
		    memcmp(ti.label, want, sizeof(want)) == 0) {
			p->slot = slots[i];
			return 0;
		}
	}
	return -1;
}

/* The private key labelled label, and the mechanism its type signs with. */
static int
p11r_key(struct p11r *p, CK_SESSION_HANDLE s, const char *label)
{
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_ATTRIBUTE t[2] = {{CKA_CLASS, &cls, sizeof(cls)},
	                     {CKA_LABEL, (void *)label, (CK_ULONG)strlen(label)}};
	CK_KEY_TYPE kt;
	CK_ATTRIBUTE a = {CKA_KEY_TYPE, &kt, sizeof(kt)};
	CK_ULONG n = 0;

	if (p->f->C_FindObjectsInit(s, t, 2) != CKR_OK)
		return -1;
	CK_RV rv = p->f->C_FindObjects(s, &p->key, 1, &n);
	p->f->C_FindObjectsFinal(s);
	if (rv != CKR_OK || n != 1 || p->f->C_GetAttributeValue(s, p->key, &a, 1) != CKR_OK)
		return -1;
	if (kt != CKK_EC_EDWARDS && kt != CKK_EC)
		return -1;
	p->mech = kt == CKK_EC_EDWARDS ? CKM_EDDSA : CKM_ECDSA;
	return 0;
}

/* Every run for the key labelled label, the threaded ones with each of the
 * n_runs counts in runs; the figures on stdout. */
static int
p11r_label(struct p11r *p, CK_SESSION_HANDLE s, const char *label, double seconds,
           const int *runs, size_t n_runs)
{
	char name[P11R_LABEL_MAX + 32];
	uint64_t t_init = 0, t_sign = 0, t0, seq = 0;
	long n = 0;
	double per_s;

	if (strlen(label) > P11R_LABEL_MAX || p11r_key(p, s, label) != 0) {
		fprintf(stderr, "bench_p11_raw: no EC or Edwards private key labelled %s\n", label);
		return -1;
	}
	/* Warm-up: the token's caches, OpenSSL's tables. */
	for (int i = 0; i < 100; i++)
		if (p11r_sign(p, s, seq++, NULL, NULL) != CKR_OK)
			goto refused;
	t0 = bench_now_ns();
	p->end_ns = t0 + (uint64_t)(seconds * 1e9);
	while (bench_now_ns() < p->end_ns) {
		if (p11r_sign(p, s, seq++, &t_init, &t_sign) != CKR_OK)
			goto refused;
		n++;
	}
	per_s = (double)n / ((double)(bench_now_ns() - t0) / 1e9);
	snprintf(name, sizeof(name), "%s_1_signs_per_s", label);
	bench_emit(name, per_s, 0);
	snprintf(name, sizeof(name), "%s_init_us", label);
	bench_emit(name, (double)t_init / (double)n / 1e3, 1);
	snprintf(name, sizeof(name), "%s_sign_us", label);
	bench_emit(name, (double)t_sign / (double)n / 1e3, 1);
	for (size_t i = 0; i < n_runs; i++) {
		if (p11r_threads(p, runs[i], seconds, &per_s) != 0)
			goto refused;
		snprintf(name, sizeof(name), "%s_%d_signs_per_s", label, runs[i]);
		bench_emit(name, per_s, 0);
	}
	return 0;
refused:
	fprintf(stderr, "bench_p11_raw: %s: the token did not sign\n", label);
	return -1;
}

int
main(int argc, char **argv)
{
	const char *module = NULL, *token = NULL, *pin = getenv("PKCS11_PIN");
	double seconds = 1;
	int runs[P11R_MAX_RUNS] = {2};
	size_t n_runs = 1;
	char *tok, *save;
	struct p11r p;
	CK_C_GetFunctionList get;
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_SESSION_HANDLE s = CK_INVALID_HANDLE;
	void *dl = NULL;
	int c, rc = 1;

	memset(&p, 0, sizeof(p));
	while ((c = getopt(argc, argv, "m:t:d:c:")) != -1) {
		switch (c) {
		case 'm': module = optarg; break;
		case 't': token = optarg; break;
		case 'd': seconds = atof(optarg); break;
		case 'c':
			n_runs = 0;
			for (tok = strtok_r(optarg, ",", &save); tok != NULL;
			     tok = strtok_r(NULL, ",", &save)) {
				if (n_runs == P11R_MAX_RUNS)
					goto usage;
				runs[n_runs++] = (int)bench_parse_long("-c", tok, 1, P11R_MAX_THREADS);
			}
			break;
		default: goto usage;
		}
	}
	if (module == NULL || token == NULL || optind == argc || !(seconds > 0 && seconds <= 600))
		goto usage;
	if (pin == NULL || pin[0] == '\0') {
		fprintf(stderr, "bench_p11_raw: set PKCS11_PIN\n");
		return 2;
	}
	if ((dl = dlopen(module, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		fprintf(stderr, "bench_p11_raw: %s\n", dlerror());
		return 1;
	}
	*(void **)(&get) = dlsym(dl, "C_GetFunctionList");
	if (get == NULL || get(&p.f) != CKR_OK || p.f == NULL || p.f->C_Initialize(&args) != CKR_OK) {
		fprintf(stderr, "bench_p11_raw: %s: not a PKCS#11 module, or it failed to start\n",
		        module);
		goto out;
	}
	if (p11r_slot(&p, token) != 0) {
		fprintf(stderr, "bench_p11_raw: no token labelled %s\n", token);
		goto fin;
	}
	if (p.f->C_OpenSession(p.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION, NULL, NULL, &s) !=
	            CKR_OK ||
	    p.f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin)) != CKR_OK) {
		fprintf(stderr, "bench_p11_raw: cannot open a session and log in\n");
		goto fin;
	}
	rc = 0;
	for (int i = optind; i < argc && rc == 0; i++)
		rc = p11r_label(&p, s, argv[i], seconds, runs, n_runs) == 0 ? 0 : 1;
fin:
	if (s != CK_INVALID_HANDLE)
		p.f->C_CloseSession(s);
	p.f->C_Finalize(NULL);
out:
	dlclose(dl);
	return rc;
usage:
	fprintf(stderr, "usage: bench_p11_raw -m MODULE -t TOKEN_LABEL [-d SECONDS] [-c N[,N...]] "
	                "LABEL...\n");
	return 2;
}
