// Prints the messages tests/unit/solana/test_solana.c reads, compiled by
// @solana/kit 8.4.0 (solana_msg.mjs), as C string literals.
// Usage: node solana_vectors.mjs
import { address } from '@solana/kit';
import * as S from './solana_msg.mjs';

const A = address('9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin');
const B = address('4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T');
const C = address('8qbHbw2BbbTHBW1sbeqakYXVKRQM8Ne7pLK7m6CVfeR');
const MINT = address('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v');
const TABLE = address('AddressLookupTab1e1111111111111111111111111');
const vectors = {
  kit_legacy: S.message(A, [S.systemTransfer(A, B, 1500000000n)]),
  kit_spl: S.message(A, [S.transferChecked(S.TOKEN, B, MINT, C, A, 2500000n, 6)],
    { budget: { limit: 200000, price: 1000n } }),
  kit_v0: S.message(A, [S.systemTransfer(A, B, 7n)], { version: 0, lookups: { [TABLE]: [C, B] } }),
};
for (const [name, bytes] of Object.entries(vectors)) {
  const h = S.hex(bytes);
  const lines = h.match(/.{1,88}/g).map((l) => `\t"${l}"`).join('\n');
  console.log(`static const char *const ${name} =\n${lines};`);
}
