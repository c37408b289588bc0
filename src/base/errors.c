#include "base/errors.h"

#include <stdarg.h>
#include <stdio.h>

const char *
sigil_strerror(int err)
{
	switch (err) {
	case SIGIL_OK: return "ok";
	case SIGIL_E_INVALID: return "invalid input";
	case SIGIL_E_INCOMPLETE: return "input is truncated";
	case SIGIL_E_TOO_BIG: return "input is too large";
	case SIGIL_E_CHECKSUM: return "bad checksum";
	case SIGIL_E_UNKNOWN_KEY: return "unknown key";
	case SIGIL_E_AUTH_REQUIRED: return "authentication required";
	case SIGIL_E_AUTH: return "authentication failed";
	case SIGIL_E_POLICY: return "refused by policy";
	case SIGIL_E_WATERMARK: return "refused by high watermark";
	case SIGIL_E_CORRUPT: return "stored state is corrupt";
	case SIGIL_E_IO: return "i/o error";
	case SIGIL_E_NOMEM: return "out of memory";
	case SIGIL_E_CRYPTO: return "cryptographic operation failed";
	case SIGIL_E_UNSUPPORTED: return "unsupported";
	case SIGIL_E_LOCKED: return "resource is locked by another process";
	case SIGIL_E_NOT_FOUND: return "not found";
	case SIGIL_E_PASSPHRASE: return "wrong passphrase or damaged data";
	case SIGIL_E_INTERNAL: return "internal error";
	case SIGIL_E_NOT_READY: return "not ready";
	case SIGIL_E_TIMEOUT: return "deadline exceeded";
	}
	return "unknown error";
}

void
sigil_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}
