#ifndef SIGIL_API_STATUS_H
#define SIGIL_API_STATUS_H

/* The HTTP status for a library error code (docs/ARCHITECTURE.md: 400 bad input, 401
 * authentication missing, 403 policy or bad authentication, 404 unknown key,
 * 409 watermark, 413 too large, 503 not ready, 500 the rest). */
unsigned int api_status_for(int err);

#endif
