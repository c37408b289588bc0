/* libFuzzer harness for the YAML config loader: any bytes must give either a
 * config or an error message, never a crash, a leak or a read past len. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sigil_config *c = NULL;
	char err[256];
	char *copy;

	/* An exact-size copy so that AddressSanitizer catches any read past
	 * the end: the loader must not rely on a terminating NUL. */
	if ((copy = fuzz_copy(data, size)) == NULL)
		return 0;
	if (config_load_string(copy, size, &c, err, sizeof(err)) == 0) {
		/* Exercise the lookups on whatever was accepted. */
		for (size_t i = 0; i < c->n_keys; i++)
			if (config_find_key(c, c->keys[i].chain, c->keys[i].address) != &c->keys[i])
				abort();
		config_free(c);
	} else if (c != NULL || memchr(err, '\0', sizeof(err)) == NULL) {
		abort();
	}
	free(copy);
	return 0;
}
