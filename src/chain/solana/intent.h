/* What a Solana message's instructions do, as an intent's operations
 * (chain.h, struct intent_op).
 *
 * Recognised, by program and instruction:
 *   System (11111111111111111111111111111111), bincode: u32 LE tag first
 *     2  Transfer { u64 lamports }           accounts: from, to
 *     11 TransferWithSeed { u64 lamports, string seed (u64 LE length,
 *        at most 32 bytes), 32-byte owner }   accounts: from, base, to
 *     4  AdvanceNonceAccount                  accounts: nonce, sysvar, authority
 *   SPL Token (Tokenkeg…) and Token-2022 (Tokenz…): u8 tag first
 *     3  Transfer { u64 amount }              accounts: source, destination,
 *                                             authority[, multisig signers]
 *     12 TransferChecked { u64 amount, u8 decimals }
 *                                             accounts: source, mint, destination,
 *                                             authority[, …]
 *   Compute Budget (ComputeBudget111…): u8 tag first
 *     1 RequestHeapFrame { u32 }, 2 SetComputeUnitLimit { u32 },
 *     3 SetComputeUnitPrice { u64 micro-lamports per unit },
 *     4 SetLoadedAccountsDataSizeLimit { u32 }
 *
 * Operations (sign_intent.n_ops, ops[]) are the instructions that may move
 * funds: the transfers, and every instruction of unknown effect
 * (program_call: any other program or instruction, or data that is not
 * exactly one of the forms above, trailing bytes included). Compute Budget
 * and AdvanceNonceAccount instructions move nothing: they set only their
 * kind's bit in op_kinds, so that a key's policy still names them.
 *
 * A transfer's destination is the account the instruction credits: for
 * the token programs that is a token account, not its owner's wallet. Its
 * asset is "" for lamports, the mint for TransferChecked, and
 * "spl-token:unknown-mint" / "token-2022:unknown-mint" for Transfer, whose
 * accounts do not name the mint. An account that comes from an address
 * table is written "unknown"; where that is a destination or a mint, the
 * request is opaque. So is any program_call, and a message with more
 * operations than INTENT_OPS_MAX. */
#ifndef SIGIL_CHAIN_SOLANA_INTENT_H
#define SIGIL_CHAIN_SOLANA_INTENT_H
#include "chain/chain.h"
#include "chain/solana/message.h"

enum sol_op_kind {
	SOL_OP_TRANSFER,
	SOL_OP_TRANSFER_WITH_SEED,
	SOL_OP_SPL_TRANSFER,
	SOL_OP_SPL_TRANSFER_CHECKED,
	SOL_OP_ADVANCE_NONCE,
	SOL_OP_COMPUTE_BUDGET,
	SOL_OP_PROGRAM_CALL,
	SOL_OP_KINDS
};

/* Lamports a signature costs on mainnet (lamports_per_signature). */
#define SOL_LAMPORTS_PER_SIGNATURE 5000
/* The largest compute unit limit a transaction may ask for: the priority
 * fee's upper bound when a price is set without a limit. */
#define SOL_MAX_COMPUTE_UNITS 1400000

/* A kind's policy name, and back (-1 when unknown). */
const char *sol_op_kind_name(unsigned k);
int sol_op_kind_from_name(const char *name);

/* Fills in's op_kinds, n_ops, ops[] and opaque from m. ops[0].fee is the
 * transaction's fee at most, in lamports: SOL_LAMPORTS_PER_SIGNATURE per
 * required signature, plus the priority fee (price × limit / 10^6,
 * rounded up; the limit SOL_MAX_COMPUTE_UNITS where none is set).
 * SIGIL_E_INVALID, with a reason, for a message the runtime would refuse
 * (a Compute Budget instruction twice). */
__attribute__((warn_unused_result)) int
sol_intent_ops(const struct sol_message *m, struct sign_intent *in, char *reason, size_t cap);

#endif
