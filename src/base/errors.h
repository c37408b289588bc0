/* One set of error codes for every library function in sigil.
 * Library code returns 0 or one of these (negative); the API maps them to
 * HTTP statuses in one place (api/status.c). */
#ifndef SIGIL_ERRORS_H
#define SIGIL_ERRORS_H
#include <stddef.h>

enum sigil_err {
	SIGIL_OK = 0,
	SIGIL_E_INVALID = -1,       /* malformed input (400) */
	SIGIL_E_INCOMPLETE = -2,    /* input ends early (400) */
	SIGIL_E_TOO_BIG = -3,       /* over a hard ceiling (413 for bodies) */
	SIGIL_E_CHECKSUM = -4,      /* base58check checksum mismatch (400) */
	SIGIL_E_UNKNOWN_KEY = -5,   /* no such key (404) */
	SIGIL_E_AUTH_REQUIRED = -6, /* authentication missing (401) */
	SIGIL_E_AUTH = -7,          /* authentication present but bad (403) */
	SIGIL_E_POLICY = -8,        /* refused by policy (403) */
	SIGIL_E_WATERMARK = -9,     /* below or equal to the high watermark (409) */
	SIGIL_E_CORRUPT = -10,      /* stored state failed its checksum: fail closed */
	SIGIL_E_IO = -11,           /* a system call failed */
	SIGIL_E_NOMEM = -12,
	SIGIL_E_CRYPTO = -13,       /* a primitive refused (bad key, bad point) */
	SIGIL_E_UNSUPPORTED = -14,  /* well-formed but not handled */
	SIGIL_E_LOCKED = -15,       /* a resource is held by another process */
	SIGIL_E_NOT_FOUND = -16,    /* a record or file does not exist */
	SIGIL_E_PASSPHRASE = -17,   /* decryption failed: wrong passphrase or damaged */
	SIGIL_E_INTERNAL = -18,
	SIGIL_E_NOT_READY = -19,    /* a vault or store cannot serve now (503) */
	SIGIL_E_TIMEOUT = -20,      /* a back end did not answer by its deadline (503) */
};

/* A short, fixed, secret-free description of an error code. */
const char *sigil_strerror(int err);

/* Writes a message into a caller's err buffer (errlen bytes; nothing when
 * err is NULL or errlen 0). A message cut short is still the message. */
void sigil_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
