#ifndef SIGIL_FILEIO_H
#define SIGIL_FILEIO_H
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Reads a whole regular file of at most maxlen bytes into a malloc'ed,
 * NUL-terminated buffer owned by the caller. SIGIL_E_NOT_FOUND when absent,
 * SIGIL_E_TOO_BIG past maxlen. */
__attribute__((warn_unused_result)) int
fileio_read(const char *path, size_t maxlen, char **out, size_t *outlen);

/* Replaces path atomically: a new temp file beside it (O_EXCL|O_NOFOLLOW,
 * the given mode), write, fsync, rename, fsync of the directory. */
__attribute__((warn_unused_result)) int
fileio_write_atomic(const char *path, const void *data, size_t len, mode_t mode);

/* Stores data as path (mode 0600, durable) unless path exists already: 0
 * when stored, 1 when another process stored its own first (which stays).
 * A temp file is linked into place rather than renamed over it, so that
 * two processes creating the same file at once cannot each go on with
 * their own copy while only the last one's survives. */
__attribute__((warn_unused_result)) int
fileio_create_new(const char *path, const void *data, size_t len);

/* fsync of the directory that holds path. */
int fileio_sync_parent(const char *path);

/* mkdir -p with the given mode for any directory it creates; each directory
 * it creates is fsynced into its parent before the next one is made. */
int fileio_mkdirs(const char *path, mode_t mode);

#endif
