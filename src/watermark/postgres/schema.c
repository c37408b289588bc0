/* The postgres store's schema, versioned in the binary (postgres.h). Every
 * version is applied by one DO block: one transaction, under a
 * transaction-scoped advisory lock (classid 'sigl', objid 1 for the
 * watermarks), so that two instances starting together apply it once
 * and a failure leaves the previous version whole. */
#include "watermark/postgres/postgres.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/errors.h"

/* Version 1. The batch sigil_wm_advance takes is records of 66 bytes,
 * sorted by (chain, key, kind) so that concurrent batches lock rows in one
 * order and cannot deadlock: chain (4), key (21), kind (1), level (4, big
 * endian), round (4), digest (32). For each it answers its index and an
 * outcome: 0 advanced (committed with the statement), 1 identical (the
 * stored mark, signature if any), 2 refused (the stored mark), 3 refused
 * by the backstop (that slot was advanced to with other bytes). */
static const char wmpg_v1[] =
	"CREATE TABLE sigil_watermarks ("
	" chain bytea NOT NULL CHECK (length(chain) = 4),"
	" key bytea NOT NULL CHECK (length(key) = 21),"
	" kind smallint NOT NULL CHECK (kind BETWEEN 0 AND 255),"
	" level integer, round integer,"
	" digest bytea CHECK (digest IS NULL OR length(digest) = 32),"
	" sig bytea CHECK (sig IS NULL OR length(sig) BETWEEN 1 AND 96),"
	" updated_at timestamptz NOT NULL DEFAULT now(),"
	" PRIMARY KEY (chain, key, kind),"
	" CHECK ((level IS NULL) = (round IS NULL)));"
	"CREATE TABLE sigil_signed ("
	" chain bytea NOT NULL, key bytea NOT NULL, kind smallint NOT NULL,"
	" level integer NOT NULL, round integer NOT NULL,"
	" digest bytea NOT NULL CHECK (length(digest) = 32),"
	" CONSTRAINT sigil_signed_once UNIQUE (chain, key, kind, level, round));"
	"CREATE FUNCTION sigil_wm_advance(b bytea) RETURNS TABLE (i integer, outcome integer,"
	" m_level integer, m_round integer, m_digest bytea, m_sig bytea)"
	" LANGUAGE plpgsql AS $f$"
	" DECLARE o integer; c bytea; k bytea; kd smallint; lv integer; rd integer;"
	"  dg bytea; r record; hd bytea;"
	" BEGIN"
	"  IF length(b) % 66 <> 0 THEN"
	"   RAISE EXCEPTION USING ERRCODE = '22023', MESSAGE = 'sigil_wm_advance: partial record';"
	"  END IF;"
	"  FOR j IN 0 .. length(b) / 66 - 1 LOOP"
	"   o := j * 66;"
	"   c := substring(b FROM o + 1 FOR 4); k := substring(b FROM o + 5 FOR 21);"
	"   kd := get_byte(b, o + 25);"
	"   lv := ('x' || encode(substring(b FROM o + 27 FOR 4), 'hex'))::bit(32)::integer;"
	"   rd := ('x' || encode(substring(b FROM o + 31 FOR 4), 'hex'))::bit(32)::integer;"
	"   dg := substring(b FROM o + 35 FOR 32);"
	"   i := j; m_level := NULL; m_round := NULL; m_digest := NULL; m_sig := NULL;"
	"   SELECT w.level, w.round, w.digest, w.sig INTO r FROM sigil_watermarks w"
	"    WHERE w.chain = c AND w.key = k AND w.kind = kd FOR UPDATE;"
	"   IF NOT FOUND THEN"
	"    INSERT INTO sigil_watermarks (chain, key, kind) VALUES (c, k, kd) ON CONFLICT DO NOTHING;"
	"    SELECT w.level, w.round, w.digest, w.sig INTO r FROM sigil_watermarks w"
	"     WHERE w.chain = c AND w.key = k AND w.kind = kd FOR UPDATE;"
	"   END IF;"
	"   IF r.level IS NULL OR (lv, rd) > (r.level, r.round) THEN"
	"    INSERT INTO sigil_signed VALUES (c, k, kd, lv, rd, dg) ON CONFLICT DO NOTHING;"
	"    IF FOUND THEN"
	"     outcome := 0;"
	"    ELSE"
	"     SELECT s.digest INTO hd FROM sigil_signed s WHERE s.chain = c AND s.key = k"
	"      AND s.kind = kd AND s.level = lv AND s.round = rd;"
	/* Advanced to before (a mark lowered by hand since): with these bytes,
	 * identical with no signature, never a fresh one; with others, refused. */
	"     outcome := CASE WHEN hd = dg THEN 1 ELSE 3 END;"
	"     m_level := lv; m_round := rd; m_digest := hd;"
	"    END IF;"
	"    IF outcome < 3 THEN"
	"     UPDATE sigil_watermarks w SET level = lv, round = rd, digest = dg, sig = NULL,"
	"      updated_at = now() WHERE w.chain = c AND w.key = k AND w.kind = kd;"
	"    END IF;"
	/* The backstop keeps 4096 levels below the mark; pruned one advance
	 * in 64 (by level), not on every one. */
	"    IF lv % 64 = 0 THEN"
	"     DELETE FROM sigil_signed s WHERE s.chain = c AND s.key = k AND s.kind = kd"
	"      AND s.level < lv::bigint - 4096;"
	"    END IF;"
	"   ELSE"
	"    outcome := CASE WHEN lv = r.level AND rd = r.round AND r.digest = dg THEN 1 ELSE 2 END;"
	"    m_level := r.level; m_round := r.round; m_digest := r.digest; m_sig := r.sig;"
	"   END IF;"
	"   RETURN NEXT;"
	"  END LOOP;"
	" END $f$;";

static const char *const wmpg_versions[WMPG_SCHEMA_VERSION] = {wmpg_v1};

/* SQLSTATEs the DO block raises (class SG: ours). */
#define WMPG_NO_SCHEMA "SG001"
#define WMPG_TOO_NEW "SG002"

int
wmpg_migrate(struct pg_conn *c, bool create, bool *created, const struct sigil_deadline *dl,
             char *err, size_t errlen)
{
	static const char head[] =
		"DO $sigil$ DECLARE v integer; BEGIN"
		" PERFORM pg_advisory_xact_lock(1936287596, 1);"
		/* Not to_regclass: after waiting on the lock, the session's
		 * catalog cache may not yet show a table another session has just
		 * made; a query on pg_class reads it with a fresh snapshot. */
		" IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n"
		"  ON n.oid = c.relnamespace WHERE c.relname = 'sigil_schema'"
		"  AND n.nspname = current_schema()) THEN"
		"  IF NOT %s THEN RAISE EXCEPTION USING ERRCODE = '" WMPG_NO_SCHEMA "',"
		"   MESSAGE = 'no sigil watermark schema in this database'; END IF;"
		"  CREATE TABLE sigil_schema (version integer NOT NULL);"
		"  INSERT INTO sigil_schema VALUES (0);"
		" END IF;"
		" SELECT max(version) INTO v FROM sigil_schema;"
		" IF v > %d THEN RAISE EXCEPTION USING ERRCODE = '" WMPG_TOO_NEW "',"
		"  MESSAGE = format('schema version %%s is newer than this sigil''s (%d)', v); END IF;";
	char state[6], *sql;
	size_t cap = sizeof(head) + 256, n;
	PGresult *res;
	int rc;

	if (created)
		*created = false;
	/* init's "created" is decided under the lock, held for the session
	 * here (the DO block takes it again for its transaction), so that of
	 * several inits at once only the one that makes the schema says so. */
	if (create && created) {
		if ((rc = pg_conn_exec(c, "SELECT pg_advisory_lock(1936287596, 1)", NULL, dl, &res,
		                       NULL, state, err, errlen)) != 0)
			return rc;
		PQclear(res);
		rc = pg_conn_exec(c,
		                  "SELECT NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN "
		                  "pg_catalog.pg_namespace n ON n.oid = c.relnamespace WHERE "
		                  "c.relname = 'sigil_schema' AND n.nspname = current_schema())",
		                  NULL, dl, &res, NULL, state, err, errlen);
		if (rc != 0) {
			pg_conn_drop(c, false); /* the session, and its lock, end */
			return rc;
		}
		*created = PQntuples(res) == 1 && PQgetlength(res, 0, 0) == 1 &&
		           PQgetvalue(res, 0, 0)[0] != 0;
		PQclear(res);
	}
	for (int v = 0; v < WMPG_SCHEMA_VERSION; v++)
		cap += strlen(wmpg_versions[v]) + 64;
	if ((sql = malloc(cap)) == NULL)
		return SIGIL_E_NOMEM;
	n = (size_t)snprintf(sql, cap, head, create ? "true" : "false", WMPG_SCHEMA_VERSION,
	                     WMPG_SCHEMA_VERSION);
	for (int v = 0; v < WMPG_SCHEMA_VERSION; v++)
		n += (size_t)snprintf(sql + n, cap - n, " IF v < %d THEN %s END IF;", v + 1,
		                      wmpg_versions[v]);
	snprintf(sql + n, cap - n, " UPDATE sigil_schema SET version = %d; END $sigil$",
	         WMPG_SCHEMA_VERSION);
	rc = pg_conn_script(c, sql, dl, state, err, errlen);
	free(sql);
	if (create && created) {
		char st2[6], e2[64];
		if (pg_conn_exec(c, "SELECT pg_advisory_unlock(1936287596, 1)", NULL, dl, &res, NULL,
		                 st2, e2, sizeof(e2)) == 0)
			PQclear(res);
		else
			pg_conn_drop(c, false);
	}
	if (rc != 0 && strcmp(state, WMPG_NO_SCHEMA) == 0) {
		sigil_errf(err, errlen,
		           "PostgreSQL: no sigil watermark schema in this database: run `sigil "
		           "watermark init` with this configuration first (sigild never creates "
		           "one, so that a wrong conninfo cannot start from no marks)");
		return SIGIL_E_NOT_FOUND;
	}
	if (rc != 0 && strcmp(state, WMPG_TOO_NEW) == 0)
		return SIGIL_E_UNSUPPORTED;
	if (rc != 0 && created)
		*created = false;
	return rc;
}
