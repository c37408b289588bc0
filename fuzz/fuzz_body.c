/* libFuzzer: the POST /keys/{pkh} body parser and the version argument. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/body.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[64 * 1024];
	size_t n;
	int v;
	char *arg;

	(void)api_parse_sign_body((const char *)data, size, out, sizeof(out), &n);
	if ((arg = malloc(size + 1)) == NULL)
		return 0;
	memcpy(arg, data, size);
	arg[size] = '\0';
	(void)api_parse_version(arg, &v);
	free(arg);
	return 0;
}
