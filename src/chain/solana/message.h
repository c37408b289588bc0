/* Solana transaction messages: the bytes a transaction's signatures sign.
 *
 * A message is legacy or versioned. A versioned one begins with a byte
 * whose top bit is set (0x80 | version); a legacy one begins with its
 * header, whose first byte (num_required_signatures) is below 0x80. Only
 * version 0 is read here; version 1 and later are refused.
 *
 *   [0x80]                         v0 only
 *   header: num_required_signatures, num_readonly_signed,
 *           num_readonly_unsigned (one byte each)
 *   shortvec n, n × 32-byte account keys ("static" keys)
 *   32-byte recent blockhash
 *   shortvec n, n × instruction:
 *       program id index (u8), shortvec m, m × account index (u8),
 *       shortvec d, d bytes of data
 *   v0 only: shortvec n, n × address table lookup:
 *       32-byte table key, shortvec w, w × u8 writable indices,
 *       shortvec r, r × u8 readonly indices
 *
 * An account index reads the concatenation of the static keys, then every
 * lookup's writable entries (table by table), then every lookup's readonly
 * entries. The keys behind lookup entries live on chain, in the tables: a
 * signer cannot see them, and sol_message_account says so (NULL).
 *
 * A shortvec ("compact-u16") is 1 to 3 bytes of 7 bits each, low first,
 * the top bit saying another byte follows; the third byte holds 2 bits.
 *
 * The payload sigil signs is the message itself, never a whole serialised
 * transaction (signatures ‖ message): that is what Ed25519 signs. */
#ifndef SIGIL_CHAIN_SOLANA_MESSAGE_H
#define SIGIL_CHAIN_SOLANA_MESSAGE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SOL_KEY_LEN 32
#define SOL_SIG_LEN 64
/* No transaction is longer than a packet (PACKET_DATA_SIZE, 1232 bytes),
 * so no message is either. */
#define SOL_MESSAGE_MAX 1232
#define SOL_ACCOUNTS_MAX 256  /* indices are one byte */
#define SOL_IX_MAX 64         /* instructions of one message */
#define SOL_LOOKUPS_MAX 32    /* address tables of one message */

struct sol_ix {
	uint8_t program;          /* index of a static key */
	const uint8_t *accounts;  /* n_accounts account indices */
	size_t n_accounts;
	const uint8_t *data;
	size_t data_len;
};

struct sol_lookup {
	const uint8_t *table;     /* the table's key, 32 bytes */
	const uint8_t *writable, *readonly;
	size_t n_writable, n_readonly;
};

/* Pointers into the decoded bytes: they live as long as those. */
struct sol_message {
	int version;              /* -1 legacy, 0 */
	uint8_t n_signers, n_readonly_signed, n_readonly_unsigned;
	const uint8_t *keys;      /* n_keys static keys, 32 bytes each */
	size_t n_keys;
	const uint8_t *blockhash;
	struct sol_ix ix[SOL_IX_MAX];
	size_t n_ix;
	struct sol_lookup lookups[SOL_LOOKUPS_MAX];
	size_t n_lookups;
	size_t n_lookup_accounts; /* writable and readonly entries, all tables */
};

/* Reads one shortvec at buf[*pos..len), advancing *pos. SIGIL_E_INCOMPLETE
 * when the bytes end inside it; SIGIL_E_INVALID for a non-minimal form
 * (a last byte of 0 after the first) or one above 0xffff. */
__attribute__((warn_unused_result)) int
sol_shortvec_read(const uint8_t *buf, size_t len, size_t *pos, uint16_t *out);

/* Decodes the whole of buf as a message and checks it as the runtime's
 * sanitiser does (header within the keys, a writable fee payer, no key
 * twice, program ids among the static keys and never the fee payer,
 * every index in range, every lookup used, at most 256 accounts). 0, or
 * an error code and a reason; trailing bytes are refused. */
__attribute__((warn_unused_result)) int
sol_message_decode(const uint8_t *buf, size_t len, struct sol_message *m, char *reason,
                   size_t cap);

/* The key of account index i: a static key, or NULL for an entry of a
 * lookup table (or an index past them all). */
const uint8_t *sol_message_account(const struct sol_message *m, unsigned i);

/* Whether pk is among the keys that must sign (the first n_signers). */
bool sol_message_is_signer(const struct sol_message *m, const uint8_t pk[static SOL_KEY_LEN]);

#endif
