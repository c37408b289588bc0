/* Helpers shared by the KEK provider tests (included after <cmocka.h>). */
#ifndef SIGIL_TEST_KEK_TESTLIB_H
#define SIGIL_TEST_KEK_TESTLIB_H
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "enclave/kek/kek.h"

static int
kt_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static inline void
kt_rm_tree(const char *dir)
{
	if (dir[0] != '\0')
		nftw(dir, kt_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static inline bool
kt_all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Fills one entry as the Initialize decoder would: value_len bytes, then
 * a NUL. */
static inline void
kt_cred_add(struct enclave_credentials *c, const char *key, const void *value, size_t len)
{
	assert_true(c->n < ENCLAVE_CRED_MAX && len < ENCLAVE_CRED_VALUE_MAX);
	snprintf(c->item[c->n].key, sizeof(c->item[c->n].key), "%s", key);
	memcpy(c->item[c->n].value, value, len);
	c->item[c->n].value[len] = '\0';
	c->item[c->n].value_len = len;
	c->n++;
}

static inline void
kt_expect_err(const char *err, const char *want)
{
	if (strstr(err, want) == NULL)
		fail_msg("err \"%s\" lacks \"%s\"", err, want);
}

/* Whether 16 bytes of kek (either half) lie in the depth bytes of stack
 * below the caller's frame: what the provider or a library it called left
 * there after returning. Reads below the stack pointer, which x86-64 and
 * arm64 Linux allow within the stack's mapping; not instrumented, since
 * AddressSanitizer would rightly call it out of bounds. Call it from the
 * frame that called obtain, right after. */
__attribute__((noinline, no_sanitize_address)) static bool
kt_stack_holds(const uint8_t kek[ENCLAVE_KEK_LEN], size_t depth)
{
	volatile uint8_t mark = 0;
	const volatile uint8_t *top = &mark;

	for (size_t off = 16; off < depth; off++) {
		/* By address: the compiler would rightly see `top - off` leave
		 * mark's one byte (-Warray-bounds at -O2). */
		const volatile uint8_t *p = (const volatile uint8_t *)((uintptr_t)top - off);
		for (int h = 0; h < ENCLAVE_KEK_LEN; h += 16) {
			int i = 0;
			while (i < 16 && p[i] == kek[h + i])
				i++;
			if (i == 16)
				return true;
		}
	}
	return false;
}

/* How many places in this process's writable memory hold 16 bytes of kek
 * (either half), outside the n buffers in skip (each ENCLAVE_KEK_LEN
 * bytes): copies a library made and freed unwiped. Under AddressSanitizer
 * freed blocks sit in quarantine with their contents, so those are found
 * too. Mappings over 16 MiB are skipped (the sanitizer's shadow memory and
 * reservations); so are devices. Not instrumented, for the same reason as
 * kt_stack_holds. Each find is reported on stderr when report is set. */
__attribute__((noinline, no_sanitize_address)) static int
kt_memory_holds(const uint8_t kek[ENCLAVE_KEK_LEN], const uint8_t *const *skip, size_t n,
                bool report)
{
	FILE *fp = fopen("/proc/self/maps", "re");
	char line[512];
	int found = 0;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL) {
		unsigned long lo, hi;
		char perms[5];

		if (sscanf(line, "%lx-%lx %4s", &lo, &hi, perms) != 3 || perms[0] != 'r' ||
		    perms[1] != 'w' || hi - lo > (16ul << 20) || strstr(line, " /dev/") != NULL)
			continue;
		for (const volatile uint8_t *p = (const uint8_t *)lo; (unsigned long)p + 16 <= hi;
		     p++) {
			if (p[0] != kek[0] && p[0] != kek[16])
				continue;
			for (int h = 0; h < ENCLAVE_KEK_LEN; h += 16) {
				bool mine = false;
				int i = 0;
				while (i < 16 && p[i] == kek[h + i])
					i++;
				for (size_t k = 0; k < n; k++)
					if ((const uint8_t *)p >= skip[k] &&
					    (const uint8_t *)p < skip[k] + ENCLAVE_KEK_LEN)
						mine = true;
				if (i == 16 && !mine) {
					if (report)
						fprintf(stderr, "KEK bytes at %p in %s", (const void *)p, line);
					found++;
				}
			}
		}
	}
	fclose(fp);
	return found;
}

#endif
