/* The books drive and load keep on one server or several: per (key, kind)
 * the highest (level, round) acknowledged with a 200, its bytes and its
 * signature, and the checks every new 200 must pass against them:
 *
 * - below what was acknowledged before the request was sent: a
 *   WATERMARK REGRESSION;
 * - at an acknowledged (level, round) with other bytes: a DOUBLE SIGN;
 * - the acknowledged bytes again under an Ed25519 key: the same signature
 *   (Ed25519 is deterministic, so another one means other bytes were
 *   signed or another key was used), whichever instance answered. */
#include "torture.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* More would only bury the first ones, which tell what went wrong. */
#define TT_FAILS_SHOWN 50

void
tt_acks_init(struct tt_acks *a, int64_t pos_min)
{
	for (size_t i = 0; i < TT_MAX_KEYS; i++)
		for (int k = 0; k < TT_KINDS; k++) {
			struct tt_slot *s = &a->slots[i][k];
			pthread_mutex_init(&s->mu, NULL);
			atomic_init(&s->cursor, pos_min);
			s->acked = s->lost = -1;
		}
	atomic_init(&a->pid_seq, 1);
}

void
tt_acks_fail(struct tt_acks *a, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (atomic_fetch_add(&a->failures, 1) >= TT_FAILS_SHOWN)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	printf("FAIL: %s\n", msg); /* one call: lines from threads stay whole */
	fflush(stdout);
}

void
tt_slot_snap(struct tt_slot *s, struct tt_snap *out)
{
	pthread_mutex_lock(&s->mu);
	out->pos = s->acked;
	out->pid = s->pid;
	memcpy(out->digest, s->digest, sizeof(out->digest));
	pthread_mutex_unlock(&s->mu);
}

/* Raises s's cursor to pos, never lowers it. */
static void
tt_cursor_raise(struct tt_slot *s, int64_t pos)
{
	int64_t cur = atomic_load(&s->cursor);
	while (cur < pos && !atomic_compare_exchange_weak(&s->cursor, &cur, pos))
		;
}

/* Half the requests at the cursor, where the threads contend with fresh
 * payloads (two 200s there would be a double sign); the rest a little
 * above it (moving it on), a little below (the store must refuse), the
 * acknowledged bytes again (it must sign them again) or a jump ahead. */
int64_t
tt_acks_pick(struct tt_acks *a, struct tt_slot *s, const struct tt_snap *snap, int64_t pos_min,
             uint64_t *rnd, uint64_t *pid)
{
	int64_t cur = atomic_load(&s->cursor), pos;
	uint64_t r = tt_rand(rnd) % 100;

	*pid = 0;
	if (r < 50) {
		pos = cur;
	} else if (r < 78) {
		pos = cur + 1 + (int64_t)(tt_rand(rnd) % 3);
		tt_cursor_raise(s, pos);
	} else if (r < 88) {
		pos = cur - 1 - (int64_t)(tt_rand(rnd) % 8);
	} else if (r < 96 && snap->pos >= 0) {
		pos = snap->pos;
		*pid = snap->pid;
	} else {
		pos = cur + 4 + (int64_t)(tt_rand(rnd) % 40);
		tt_cursor_raise(s, pos);
	}
	if (pos < pos_min)
		pos = pos_min;
	if (*pid == 0)
		*pid = atomic_fetch_add(&a->pid_seq, 1);
	return pos;
}

int
tt_acks_post(const struct tt_acks *a, struct tt_conn *c, size_t ki, const struct tt_req *r,
             char *body, size_t cap)
{
	char path[16 + TZ_B58_MAX];

	snprintf(path, sizeof(path), "/keys/%s", a->keys[ki].pkh);
	return tt_http(c, "POST", path, r->body, r->body_len, body, cap);
}

int
tt_acks_signed(struct tt_acks *a, size_t ki, enum tt_kind kind, int64_t pos, uint64_t pid,
               const struct tt_req *r, const char *body, const struct tt_snap *snap,
               const char *who)
{
	const struct tt_key *k = &a->keys[ki];
	struct tt_slot *s = &a->slots[ki][kind];
	char sig[TZ_B58_MAX];
	int32_t lv = TT_LEVEL(pos), rd = TT_ROUND(pos);

	if (tt_sig_check(k, r, body, sig, sizeof(sig)) != 0) {
		tt_acks_fail(a, "%s: %s %s level %d round %d: invalid signature in %s", who, k->pkh,
		             tt_kind_name(kind), lv, rd, body);
		return -1;
	}
	tt_log_ack(a->logfd, k->pkh, kind, lv, rd, r->digest, pid, sig);
	atomic_fetch_add(&a->signed_, 1);
	pthread_mutex_lock(&s->mu);
	if (pos < snap->pos)
		tt_acks_fail(a, "%s: WATERMARK REGRESSION: %s %s signed level %d round %d after "
		             "level %d round %d was acknowledged (pid %llx)", who, k->pkh,
		             tt_kind_name(kind), lv, rd, TT_LEVEL(snap->pos), TT_ROUND(snap->pos),
		             (unsigned long long)pid);
	else if ((pos == snap->pos && memcmp(r->digest, snap->digest, 32) != 0) ||
	         (pos == s->acked && memcmp(r->digest, s->digest, 32) != 0))
		tt_acks_fail(a, "%s: DOUBLE SIGN: %s %s level %d round %d signed for pid %llx while "
		             "pid %llx was acknowledged there", who, k->pkh, tt_kind_name(kind), lv,
		             rd, (unsigned long long)pid, (unsigned long long)s->pid);
	else if (pos == s->acked && k->type == SIGIL_KEY_ED25519 && strcmp(sig, s->sig) != 0)
		tt_acks_fail(a, "%s: %s %s level %d round %d: identical request, Ed25519 signature "
		             "changed (%s then %s)", who, k->pkh, tt_kind_name(kind), lv, rd, s->sig,
		             sig);
	if (pos > s->acked) {
		s->acked = pos;
		memcpy(s->digest, r->digest, 32);
		s->pid = pid;
		snprintf(s->sig, sizeof(s->sig), "%s", sig);
	}
	pthread_mutex_unlock(&s->mu);
	return 0;
}

int
tt_acks_final(const struct tt_acks *a, const char *path)
{
	FILE *f = fopen(path, "w");
	if (f == NULL)
		return -1;
	for (size_t ki = 0; ki < a->nkeys; ki++)
		for (int kind = 0; kind < TT_KINDS; kind++) {
			int64_t acked = a->slots[ki][kind].acked;
			if (acked >= 0)
				fprintf(f, "%s\t%s\t%d\t%d\n", a->keys[ki].pkh, tt_kind_name(kind),
				        TT_LEVEL(acked), TT_ROUND(acked));
		}
	return fclose(f) == 0 ? 0 : -1;
}
