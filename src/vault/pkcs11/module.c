/* PKCS#11 modules, one per loaded library (module.h). */
#include "vault/pkcs11/module.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/errors.h"

static pthread_mutex_t p11_modules_mu = PTHREAD_MUTEX_INITIALIZER;
static struct p11_module *p11_modules;

static CK_RV
p11_module_init(struct p11_module *m)
{
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_RV rv = m->f->C_Initialize(&args);

	/* Someone else in this process (another library) initialised it:
	 * usable, and not ours to finalise. */
	if (rv == CKR_CRYPTOKI_ALREADY_INITIALIZED) {
		m->foreign = true;
		rv = CKR_OK;
	}
	m->initialized = rv == CKR_OK;
	return rv;
}

int
p11_module_get(const char *path, const char *vault, struct p11_module **out, char *err,
               size_t errlen)
{
	CK_C_GetFunctionList get;
	struct p11_module *m;
	void *dl;
	CK_RV rv;
	int rc = 0;

	*out = NULL;
	pthread_mutex_lock(&p11_modules_mu);
	if ((dl = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		/* dlerror names the file. */
		snprintf(err, errlen, "vault %s: cannot load the PKCS#11 module: %s", vault,
		         dlerror());
		rc = SIGIL_E_NOT_FOUND;
		goto out;
	}
	/* The same library by any path is the same handle. */
	for (m = p11_modules; m != NULL; m = m->next) {
		if (m->dl == dl) {
			dlclose(dl); /* the count dlopen just took */
			m->refs++;
			*out = m;
			goto out;
		}
	}
	*(void **)(&get) = dlsym(dl, "C_GetFunctionList");
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		dlclose(dl);
		rc = SIGIL_E_NOMEM;
		goto out;
	}
	m->dl = dl;
	if (get == NULL || get(&m->f) != CKR_OK || m->f == NULL) {
		snprintf(err, errlen, "vault %s: %s is not a PKCS#11 module (no C_GetFunctionList)",
		         vault, path);
		rc = SIGIL_E_INVALID;
	} else if ((rv = p11_module_init(m)) != CKR_OK) {
		snprintf(err, errlen, "vault %s: C_Initialize: 0x%lx", vault, (unsigned long)rv);
		rc = SIGIL_E_IO;
	}
	if (rc != 0) {
		dlclose(dl);
		free(m);
		goto out;
	}
	pthread_rwlockattr_t a;
	pthread_rwlockattr_init(&a);
	/* A restart waiting must not wait for ever behind a stream of
	 * signatures; no thread ever holds it twice. */
	pthread_rwlockattr_setkind_np(&a, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&m->life, &a);
	pthread_rwlockattr_destroy(&a);
	m->refs = 1;
	m->next = p11_modules;
	p11_modules = m;
	*out = m;
out:
	pthread_mutex_unlock(&p11_modules_mu);
	return rc;
}

void
p11_module_put(struct p11_module *m)
{
	struct p11_module **pp;

	if (m == NULL)
		return;
	pthread_mutex_lock(&p11_modules_mu);
	if (--m->refs > 0) {
		pthread_mutex_unlock(&p11_modules_mu);
		return;
	}
	for (pp = &p11_modules; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	pthread_mutex_unlock(&p11_modules_mu);
	if (m->initialized && !m->foreign)
		m->f->C_Finalize(NULL);
	/* Closing the library would leave any thread of its own running
	 * code that is gone; a module is loaded once a process anyway. */
	pthread_rwlock_destroy(&m->life);
	free(m);
}

CK_RV
p11_module_restart(struct p11_module *m)
{
	if (m->initialized)
		m->f->C_Finalize(NULL);
	m->initialized = false;
	m->foreign = false;
	m->gen++;
	return p11_module_init(m);
}
