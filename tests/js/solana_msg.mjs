// Solana messages built with @solana/kit 8.4.0 (not ours), for
// solana_v1.mjs and for the unit test's vectors (solana_vectors.mjs).
// Instructions are written by hand (no program clients are installed):
// their data layouts are in src/chain/solana/intent.h.
import {
  AccountRole, address, appendTransactionMessageInstructions, compileTransactionMessage,
  compressTransactionMessageUsingAddressLookupTables, createTransactionMessage,
  getCompiledTransactionMessageEncoder, pipe, setTransactionMessageComputeUnitLimit,
  setTransactionMessageComputeUnitPrice, setTransactionMessageFeePayer,
  setTransactionMessageLifetimeUsingBlockhash,
} from '@solana/kit';

export const SYSTEM = address('11111111111111111111111111111111');
export const TOKEN = address('TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA');
export const TOKEN_2022 = address('TokenzQdBNbLqP5VEhdkAS6EPFLC1PHnBqCXEpPxuEb');
export const BLOCKHASH = 'EkSnNWid2cvwEVnVx9aBqawnmiCNiDgp3gUdkDPTKN1N';

function le(n, bytes) {
  const out = new Uint8Array(bytes);
  let v = BigInt(n);
  for (let i = 0; i < bytes; i++) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}
const cat = (...a) => { const o = new Uint8Array(a.reduce((s, x) => s + x.length, 0)); let p = 0; for (const x of a) { o.set(x, p); p += x.length; } return o; };

// System Transfer: u32 2, u64 lamports; from (signer, writable), to (writable).
export function systemTransfer(from, to, lamports) {
  return {
    programAddress: SYSTEM,
    accounts: [{ address: from, role: AccountRole.WRITABLE_SIGNER }, { address: to, role: AccountRole.WRITABLE }],
    data: cat(le(2, 4), le(lamports, 8)),
  };
}
// SPL TransferChecked: u8 12, u64 amount, u8 decimals; source, mint, destination, authority.
export function transferChecked(program, source, mint, dest, owner, amount, decimals) {
  return {
    programAddress: program,
    accounts: [
      { address: source, role: AccountRole.WRITABLE }, { address: mint, role: AccountRole.READONLY },
      { address: dest, role: AccountRole.WRITABLE }, { address: owner, role: AccountRole.READONLY_SIGNER },
    ],
    data: cat(Uint8Array.of(12), le(amount, 8), Uint8Array.of(decimals)),
  };
}
// SPL Transfer: u8 3, u64 amount; source, destination, authority.
export function splTransfer(program, source, dest, owner, amount) {
  return {
    programAddress: program,
    accounts: [
      { address: source, role: AccountRole.WRITABLE }, { address: dest, role: AccountRole.WRITABLE },
      { address: owner, role: AccountRole.READONLY_SIGNER },
    ],
    data: cat(Uint8Array.of(3), le(amount, 8)),
  };
}

// The compiled message's bytes: version 'legacy' or 0; lookups (v0 only)
// maps table addresses to the addresses they hold; budget {limit, price}.
export function message(feePayer, instructions, { version = 'legacy', lookups, budget } = {}) {
  let m = pipe(
    createTransactionMessage({ version }),
    (t) => setTransactionMessageFeePayer(feePayer, t),
    (t) => setTransactionMessageLifetimeUsingBlockhash({ blockhash: BLOCKHASH, lastValidBlockHeight: 100n }, t),
  );
  if (budget) {
    m = setTransactionMessageComputeUnitLimit(budget.limit, m);
    m = setTransactionMessageComputeUnitPrice(budget.price, m);
  }
  m = appendTransactionMessageInstructions(instructions, m);
  if (lookups) m = compressTransactionMessageUsingAddressLookupTables(m, lookups);
  return new Uint8Array(getCompiledTransactionMessageEncoder().encode(compileTransactionMessage(m)));
}
export const hex = (b) => Buffer.from(b).toString('hex');
