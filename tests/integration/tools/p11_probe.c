/* p11_probe MODULE TOKEN-LABEL KEY-LABEL (the PIN in P11_PIN): asks the
 * token itself, through its own module and not through sigil, for the
 * secret of the private key labelled KEY-LABEL. Exit 0 when the token
 * refuses it (C_GetAttributeValue of CKA_VALUE fails) and says the key is
 * sensitive and not extractable; 1 when the secret can be read or the key
 * is not so marked; 2 when the probe cannot get that far. */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <p11-kit/pkcs11.h>

static CK_FUNCTION_LIST_PTR f;

static int
probe_slot(const char *token, CK_SLOT_ID *slot)
{
	CK_SLOT_ID slots[32];
	CK_ULONG n = 32;

	if (f->C_GetSlotList(CK_TRUE, slots, &n) != CKR_OK)
		return -1;
	for (CK_ULONG i = 0; i < n; i++) {
		CK_TOKEN_INFO ti;
		size_t len = strlen(token);
		if (f->C_GetTokenInfo(slots[i], &ti) == CKR_OK && len <= 32 &&
		    memcmp(ti.label, token, len) == 0 && (len == 32 || ti.label[len] == ' ')) {
			*slot = slots[i];
			return 0;
		}
	}
	return -1;
}

int
main(int argc, char **argv)
{
	CK_C_GetFunctionList get;
	CK_C_INITIALIZE_ARGS args = {.flags = CKF_OS_LOCKING_OK};
	CK_SESSION_HANDLE s;
	CK_SLOT_ID slot;
	CK_OBJECT_CLASS cls = CKO_PRIVATE_KEY;
	CK_OBJECT_HANDLE o;
	CK_ULONG n = 0;
	const char *pin = getenv("P11_PIN");
	void *dl;

	if (argc != 4 || pin == NULL) {
		fprintf(stderr, "usage: P11_PIN=... p11_probe MODULE TOKEN-LABEL KEY-LABEL\n");
		return 2;
	}
	if ((dl = dlopen(argv[1], RTLD_NOW)) == NULL) {
		fprintf(stderr, "p11_probe: %s\n", dlerror());
		return 2;
	}
	*(void **)(&get) = dlsym(dl, "C_GetFunctionList");
	if (get == NULL || get(&f) != CKR_OK || f->C_Initialize(&args) != CKR_OK ||
	    probe_slot(argv[2], &slot) != 0 ||
	    f->C_OpenSession(slot, CKF_SERIAL_SESSION, NULL, NULL, &s) != CKR_OK ||
	    f->C_Login(s, CKU_USER, (CK_UTF8CHAR_PTR)pin, (CK_ULONG)strlen(pin)) != CKR_OK) {
		fprintf(stderr, "p11_probe: cannot log in to token %s\n", argv[2]);
		return 2;
	}
	CK_ATTRIBUTE t[] = {{CKA_CLASS, &cls, sizeof(cls)},
	                    {CKA_LABEL, argv[3], (CK_ULONG)strlen(argv[3])}};
	if (f->C_FindObjectsInit(s, t, 2) != CKR_OK || f->C_FindObjects(s, &o, 1, &n) != CKR_OK ||
	    f->C_FindObjectsFinal(s) != CKR_OK || n != 1) {
		fprintf(stderr, "p11_probe: no private key labelled %s\n", argv[3]);
		return 2;
	}
	unsigned char value[256];
	CK_BBOOL sensitive = CK_FALSE, extractable = CK_TRUE;
	CK_ATTRIBUTE av = {CKA_VALUE, value, sizeof(value)};
	CK_ATTRIBUTE flags[] = {{CKA_SENSITIVE, &sensitive, sizeof(sensitive)},
	                        {CKA_EXTRACTABLE, &extractable, sizeof(extractable)}};
	CK_RV rv = f->C_GetAttributeValue(s, o, &av, 1);
	CK_RV rf = f->C_GetAttributeValue(s, o, flags, 2);
	int bad = rv == CKR_OK || rf != CKR_OK || !sensitive || extractable;
	printf("%s: CKA_VALUE %s (0x%lx); sensitive %s, extractable %s\n", argv[3],
	       rv == CKR_OK ? "READ" : "refused", (unsigned long)rv, sensitive ? "yes" : "no",
	       extractable ? "yes" : "no");
	memset(value, 0, sizeof(value));
	f->C_CloseSession(s);
	f->C_Finalize(NULL);
	return bad;
}
