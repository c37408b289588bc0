#include "api/status.h"
#include "base/errors.h"

unsigned int
api_status_for(int err)
{
	switch (err) {
	case SIGIL_OK: return 200;
	case SIGIL_E_INVALID:
	case SIGIL_E_INCOMPLETE:
	case SIGIL_E_CHECKSUM:
	case SIGIL_E_UNSUPPORTED: return 400;
	case SIGIL_E_TOO_BIG: return 413;
	case SIGIL_E_UNKNOWN_KEY: return 404;
	case SIGIL_E_AUTH_REQUIRED: return 401;
	case SIGIL_E_AUTH:
	case SIGIL_E_POLICY: return 403;
	case SIGIL_E_WATERMARK: return 409;
	case SIGIL_E_NOT_READY: return 503;
	case SIGIL_E_TIMEOUT: return 503;
	default: return 500;
	}
}
