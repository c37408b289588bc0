/* libFuzzer: key-file import — PEM private keys and vault files (sigil's
 * own format and Signatory's). */
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "chain/tezos/keys.h"
#include "core/keyring.h"
#include "vault/file/file.h"
#include "vault/vault.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	uint8_t sk[SIGIL_SECRET_LEN];
	enum sigil_key_type t;
	struct vault *v = NULL;

	(void)tz_sk_from_pem((const char *)data, size, &t, sk);
	if (fd < 0) {
		fd = memfd_create("vault", 0);
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		return 0;
	if (vault_file_open(path, "fuzz", sigil_vault_codec(), &v) == 0)
		v->ops->close(v);
	return 0;
}
