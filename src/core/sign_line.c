/* The audit line of every signing decision (sign_job.h): gathered while
 * the job still has its key and request, written now or after the reply
 * (sigil_sign_after). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/token.h"
#include "base/deadline.h"
#include "base/decimal.h"
#include "base/errors.h"
#include "base/hex.h"
#include "base/log.h"
#include "base/str.h"
#include "core/keyring.h"
#include "core/sign_job.h"

/* One audit line per decision: never key material, payloads only when the
 * key's policy asks for them. It is gathered while the key and the request
 * are at hand (sign_line_fill) and may be written after the reply. */
struct sign_line {
	const char *address, *peer, *kind;
	char *payload; /* owned: hex of the bytes, or NULL */
	char network[CHAIN_TEXT_MAX];
	bool consensus;
	int32_t level, round;
	int rc;
	double ms;
	char reason[sizeof(((struct sign_res *)0)->reason)];
	char token[AUTH_TOKEN_NAME_MAX]; /* the bearer token's name, or "" */
	char route[sizeof(((struct sign_res *)0)->route)];
};

/* Milliseconds with three decimals, as "%.3f" writes them, from whole
 * microseconds, without printf (its floating point, then its format parser,
 * were each a visible share of the CPU of a request). Cut to fit cap (at
 * least 1), as snprintf would. */
void
sign_ms_text(double ms, char *out, size_t cap)
{
	unsigned long long us = ms > 0 && ms < 1e15 ? (unsigned long long)(ms * 1000.0 + 0.5) : 0;
	char t[32];
	size_t n = u64_decimal(us / 1000, t, sizeof(t));

	t[n++] = '.';
	t[n++] = (char)('0' + us / 100 % 10);
	t[n++] = (char)('0' + us / 10 % 10);
	t[n++] = (char)('0' + us % 10);
	t[n] = '\0';
	str_copy(out, cap, t);
}

static void
sign_line_fill(struct sign_line *l, const struct sign_job *j, int rc)
{
	const struct sign_request *req = &j->req;
	const struct sigil_key *k = j->k;
	const struct chain_ops *c = req->chain;

	memset(l, 0, sizeof(*l));
	l->address = req->address;
	l->peer = req->peer ? req->peer : "";
	if (req->bearer != NULL)
		str_copy(l->token, sizeof(l->token), req->bearer->name);
	str_copy(l->route, sizeof(l->route), j->res.route);
	l->kind = j->decoded && j->in.kind < c->n_kinds ? c->kinds[j->in.kind] : "";
	l->consensus = j->decoded && j->in.has_slot;
	l->level = j->in.level;
	l->round = j->in.round;
	if (j->decoded && j->in.network_len > 0 && c->network_text != NULL &&
	    c->network_text(j->in.network, j->in.network_len, l->network, sizeof(l->network)) != 0)
		l->network[0] = '\0';
	l->rc = rc;
	l->ms = sigil_monotonic_ms_f() - j->t0;
	str_copy(l->reason, sizeof(l->reason), j->res.reason);
	if (k && k->policy->log_payloads && (l->payload = malloc(2 * req->len + 1)) != NULL &&
	    hex_encode(req->payload, req->len, l->payload, 2 * req->len + 1) != 0) {
		free(l->payload);
		l->payload = NULL;
	}
}

static void
sign_line_emit(struct sign_line *l)
{
	char level[16] = "", round[16] = "", lat[32];

	if (l->consensus) {
		snprintf(level, sizeof(level), "%" PRId32, l->level);
		snprintf(round, sizeof(round), "%" PRId32, l->round);
	}
	sign_ms_text(l->ms, lat, sizeof(lat));
	log_audit("key", l->address, "kind", l->kind, "chain", l->network, "level", level, "round",
	          round, "decision", l->rc == 0 ? "signed" : "refused", "error",
	          l->rc == 0 ? "" : sigil_strerror(l->rc), "reason", l->reason, "latency_ms", lat,
	          "peer", l->peer, "token", l->token, "route", l->route,
	          l->payload ? "payload" : NULL, l->payload, NULL);
	free(l->payload);
	l->payload = NULL;
}

/* What is left once the reply is known (sign.h, sigil_sign_after). */
struct sign_after {
	struct sign_line line;
	char *address, *peer; /* the copies line points to */
};

void
sigil_sign_after(struct sign_after *a)
{
	if (a == NULL)
		return;
	sign_line_emit(&a->line);
	free(a->address);
	free(a->peer);
	free(a);
}

/* The end of every job: the audit line, now or (defer) in res->after, and
 * the state let go. */
void
sign_conclude(struct sign_job *j, int rc, bool defer)
{
	struct sign_line line;
	struct sign_after *a;

	sign_line_fill(&line, j, rc);
	sigil_state_release(j->st);
	j->st = NULL;
	/* The audit line costs a few microseconds: after the reply if the
	 * caller can. Only where latency is measured in fsyncs, though: a
	 * generic request on an HTTP thread would pay more in allocations
	 * than it saves. */
	if (defer && line.consensus && (a = calloc(1, sizeof(*a))) != NULL) {
		a->address = strdup(line.address);
		a->peer = strdup(line.peer);
		if (a->address && a->peer) {
			a->line = line;
			a->line.address = a->address;
			a->line.peer = a->peer;
			j->res.after = a;
			return;
		}
		free(a->address);
		free(a->peer);
		free(a);
	}
	sign_line_emit(&line);
}
