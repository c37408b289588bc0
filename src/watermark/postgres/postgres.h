/* The postgres watermark store: several sigild instances share one truth.
 * Registered as driver "postgres" (watermark/registry.c); its settings are
 * `conninfo` (a libpq connection string, pg/conn.h) and `connections`.
 *
 * Schema (schema.c), versioned in the binary:
 *   sigil_watermarks  a row per (chain = network id, key, kind = slot
 *                     class): the mark (level, round, digest) and the
 *                     stored signature, if any;
 *   sigil_signed      every (chain, key, kind, level, round) ever advanced
 *                     to, with its digest, unique: a backstop that refuses
 *                     a second digest at one slot even after a mark was
 *                     lowered by hand; rows 4096 levels below the mark go;
 *   sigil_schema      the version;
 *   sigil_wm_advance(bytea)  check-and-advance of a batch of marks, in one
 *                     statement, so in one transaction and one commit.
 * `sigil watermark init` creates the schema; sigild applies newer versions
 * at open, both under an advisory lock, so that instances starting
 * together do not race, but never creates one from nothing: a mistyped
 * conninfo must not start from no marks. */
#ifndef SIGIL_WM_POSTGRES_H
#define SIGIL_WM_POSTGRES_H
#include <stdbool.h>
#include <stddef.h>

#include "base/deadline.h"
#include "pg/conn.h"
#include "watermark/watermark.h"

extern const struct wm_driver wm_postgres_driver;

/* The newest schema version this binary knows. */
#define WMPG_SCHEMA_VERSION 1

/* Applies the migrations c's database lacks, under the advisory lock.
 * create: also make the schema where there is none (*created then says
 * so); otherwise that is SIGIL_E_NOT_FOUND with err saying what to run. A
 * schema newer than this binary's: SIGIL_E_UNSUPPORTED. */
int wmpg_migrate(struct pg_conn *c, bool create, bool *created, const struct sigil_deadline *dl,
                 char *err, size_t errlen);

#endif
