/* Solana messages (message.h). Layout and sanitising rules from the
 * Solana documentation's transaction format and the runtime's
 * Message::sanitize (legacy and v0), restated in message.h. */
#include "chain/solana/message.h"

#include <stdio.h>
#include <string.h>

#include "base/errors.h"

struct sol_cur {
	const uint8_t *p;
	size_t len, pos;
	char *reason;
	size_t cap;
};

int
sol_shortvec_read(const uint8_t *buf, size_t len, size_t *pos, uint16_t *out)
{
	uint32_t v = 0;

	*out = 0;
	for (unsigned i = 0; i < 3; i++) {
		uint8_t b;

		if (*pos >= len)
			return SIGIL_E_INCOMPLETE;
		b = buf[(*pos)++];
		/* The third byte carries bits 14 and 15 and nothing else. */
		if (i == 2 && b > 0x03)
			return SIGIL_E_INVALID;
		/* A last byte of 0 after a first one adds nothing: an alias of
		 * the shorter form, which Solana's decoder refuses too. */
		if (i > 0 && b == 0)
			return SIGIL_E_INVALID;
		v |= (uint32_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			*out = (uint16_t)v;
			return 0;
		}
	}
	return SIGIL_E_INVALID; /* unreachable: the third byte has no top bit */
}

static int
sol_fail(struct sol_cur *c, int rc, const char *what)
{
	snprintf(c->reason, c->cap, "solana message: %s %s at byte %zu", what,
	         rc == SIGIL_E_INCOMPLETE ? "is cut short" : "is malformed", c->pos);
	return rc;
}

/* A shortvec count, and that many items of size bytes each present. */
static int
sol_count(struct sol_cur *c, size_t size, size_t max, const char *what, size_t *n)
{
	uint16_t v;
	int rc;

	*n = 0;
	if ((rc = sol_shortvec_read(c->p, c->len, &c->pos, &v)) != 0)
		return sol_fail(c, rc, what);
	if (v > max) {
		snprintf(c->reason, c->cap, "solana message: %u %s, more than %zu", v, what, max);
		return SIGIL_E_TOO_BIG;
	}
	if ((size_t)v * size > c->len - c->pos)
		return sol_fail(c, SIGIL_E_INCOMPLETE, what);
	*n = v;
	return 0;
}

/* n items of size bytes: their start, the cursor past them. */
static const uint8_t *
sol_take(struct sol_cur *c, size_t n, size_t size)
{
	const uint8_t *at = c->p + c->pos;

	c->pos += n * size; /* sol_count checked they are there */
	return at;
}

static int
sol_read_ix(struct sol_cur *c, struct sol_ix *ix)
{
	int rc;

	if (c->pos >= c->len)
		return sol_fail(c, SIGIL_E_INCOMPLETE, "an instruction");
	ix->program = c->p[c->pos++];
	if ((rc = sol_count(c, 1, SOL_ACCOUNTS_MAX, "instruction accounts", &ix->n_accounts)) != 0)
		return rc;
	ix->accounts = sol_take(c, ix->n_accounts, 1);
	if ((rc = sol_count(c, 1, SOL_MESSAGE_MAX, "bytes of instruction data", &ix->data_len)) != 0)
		return rc;
	ix->data = sol_take(c, ix->data_len, 1);
	return 0;
}

static int
sol_read_lookup(struct sol_cur *c, struct sol_lookup *l)
{
	size_t n;
	int rc;

	if (c->len - c->pos < SOL_KEY_LEN)
		return sol_fail(c, SIGIL_E_INCOMPLETE, "a lookup table's key");
	l->table = sol_take(c, 1, SOL_KEY_LEN);
	if ((rc = sol_count(c, 1, SOL_ACCOUNTS_MAX, "writable lookups", &n)) != 0)
		return rc;
	l->n_writable = n;
	l->writable = sol_take(c, n, 1);
	if ((rc = sol_count(c, 1, SOL_ACCOUNTS_MAX, "readonly lookups", &n)) != 0)
		return rc;
	l->n_readonly = n;
	l->readonly = sol_take(c, n, 1);
	return 0;
}

static int
sol_read(struct sol_cur *c, struct sol_message *m)
{
	int rc;

	if (c->len > 0 && (c->p[0] & 0x80)) {
		if ((c->p[0] & 0x7f) != 0) {
			snprintf(c->reason, c->cap, "solana message: version %u is not supported (legacy "
			         "and v0 are)", c->p[0] & 0x7f);
			return SIGIL_E_UNSUPPORTED;
		}
		m->version = 0;
		c->pos = 1;
	} else {
		m->version = -1;
	}
	if (c->len - c->pos < 3)
		return sol_fail(c, SIGIL_E_INCOMPLETE, "the header");
	m->n_signers = c->p[c->pos];
	m->n_readonly_signed = c->p[c->pos + 1];
	m->n_readonly_unsigned = c->p[c->pos + 2];
	c->pos += 3;
	if ((rc = sol_count(c, SOL_KEY_LEN, SOL_ACCOUNTS_MAX, "account keys", &m->n_keys)) != 0)
		return rc;
	m->keys = sol_take(c, m->n_keys, SOL_KEY_LEN);
	if (c->len - c->pos < SOL_KEY_LEN)
		return sol_fail(c, SIGIL_E_INCOMPLETE, "the recent blockhash");
	m->blockhash = sol_take(c, 1, SOL_KEY_LEN);
	if ((rc = sol_count(c, 1, SOL_IX_MAX, "instructions", &m->n_ix)) != 0)
		return rc;
	for (size_t i = 0; i < m->n_ix; i++)
		if ((rc = sol_read_ix(c, &m->ix[i])) != 0)
			return rc;
	if (m->version == 0) {
		if ((rc = sol_count(c, 1, SOL_LOOKUPS_MAX, "address table lookups",
		                    &m->n_lookups)) != 0)
			return rc;
		for (size_t i = 0; i < m->n_lookups; i++)
			if ((rc = sol_read_lookup(c, &m->lookups[i])) != 0)
				return rc;
	}
	if (c->pos != c->len) {
		snprintf(c->reason, c->cap, "solana message: %zu bytes after its end",
		         c->len - c->pos);
		return SIGIL_E_INVALID;
	}
	return 0;
}

static int
sol_insane(char *reason, size_t cap, const char *why)
{
	snprintf(reason, cap, "solana message: %s", why);
	return SIGIL_E_INVALID;
}

/* The runtime's Message::sanitize, and no key twice (the runtime refuses
 * a transaction that loads an account twice). */
static int
sol_sanitize(struct sol_message *m, char *reason, size_t cap)
{
	size_t total;

	if ((size_t)m->n_signers + m->n_readonly_unsigned > m->n_keys)
		return sol_insane(reason, cap, "its header counts more accounts than it has");
	if (m->n_readonly_signed >= m->n_signers)
		return sol_insane(reason, cap, "no writable signer to pay its fee");
	for (size_t i = 0; i < m->n_lookups; i++) {
		const struct sol_lookup *l = &m->lookups[i];
		if (l->n_writable + l->n_readonly == 0)
			return sol_insane(reason, cap, "an address table lookup that loads nothing");
		m->n_lookup_accounts += l->n_writable + l->n_readonly;
	}
	total = m->n_keys + m->n_lookup_accounts;
	if (total > SOL_ACCOUNTS_MAX)
		return sol_insane(reason, cap, "more than 256 accounts");
	for (size_t i = 0; i < m->n_ix; i++) {
		const struct sol_ix *ix = &m->ix[i];
		if (ix->program == 0 || ix->program >= m->n_keys)
			return sol_insane(reason, cap, "a program id index out of range (or the fee "
			                               "payer's)");
		for (size_t j = 0; j < ix->n_accounts; j++)
			if (ix->accounts[j] >= total)
				return sol_insane(reason, cap, "an account index out of range");
	}
	for (size_t i = 1; i < m->n_keys; i++)
		for (size_t j = 0; j < i; j++)
			if (memcmp(m->keys + i * SOL_KEY_LEN, m->keys + j * SOL_KEY_LEN,
			           SOL_KEY_LEN) == 0)
				return sol_insane(reason, cap, "an account key twice");
	return 0;
}

int
sol_message_decode(const uint8_t *buf, size_t len, struct sol_message *m, char *reason,
                   size_t cap)
{
	struct sol_cur c = {buf, len, 0, reason, cap};
	int rc;

	memset(m, 0, sizeof(*m));
	if (len > SOL_MESSAGE_MAX) {
		snprintf(reason, cap, "solana message: %zu bytes, more than a transaction can be (%d)",
		         len, SOL_MESSAGE_MAX);
		return SIGIL_E_TOO_BIG;
	}
	if ((rc = sol_read(&c, m)) == 0)
		rc = sol_sanitize(m, reason, cap);
	if (rc != 0)
		memset(m, 0, sizeof(*m));
	return rc;
}

const uint8_t *
sol_message_account(const struct sol_message *m, unsigned i)
{
	return i < m->n_keys ? m->keys + (size_t)i * SOL_KEY_LEN : NULL;
}

bool
sol_message_is_signer(const struct sol_message *m, const uint8_t pk[static SOL_KEY_LEN])
{
	for (size_t i = 0; i < m->n_signers && i < m->n_keys; i++)
		if (memcmp(m->keys + i * SOL_KEY_LEN, pk, SOL_KEY_LEN) == 0)
			return true;
	return false;
}
