// Solana over the v1 API, checked by @solana/kit 8.4.0 (not ours): messages
// compiled by kit (solana_msg.mjs), signed by sigild, the signature checked
// with kit's verifySignature over the message bytes and the key kit derives
// from the address. The intent sigild read from the bytes: a System
// transfer, an SPL TransferChecked (mint, amount, destination token
// account), a v0 message whose destination comes from an address table
// (unknown: only the route for kind unknown takes it). Refused: a message
// the key is not a signer of, a kind Solana does not have, a batch that
// hides a large transfer behind a small one, more transfers than sigild
// describes one by one (opaque: the unknown route).
// Usage: node solana_v1.mjs API ADDRESS   (token in TOKEN)
import assert from 'node:assert/strict';
import { address, getBase58Encoder, getPublicKeyFromAddress, verifySignature } from '@solana/kit';
import * as S from './solana_msg.mjs';

const [API, ADDR] = process.argv.slice(2);
const { TOKEN } = process.env;
const KEY = address(ADDR);
const B = address('4Nd1mBQtrMJVYVfKf2PJy9NZUZdTAsp7D4xWLs4gDB4T');
const C = address('8qbHbw2BbbTHBW1sbeqakYXVKRQM8Ne7pLK7m6CVfeR');
const OTHER = address('9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin');
const MINT = address('EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v');
const TABLE = address('AddressLookupTab1e1111111111111111111111111');
const publicKey = await getPublicKeyFromAddress(KEY);

async function sign(bytes, extra = {}) {
  const r = await fetch(`${API}/v1/sign`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ chain: 'solana', key_id: ADDR, payload: S.hex(bytes), encoding: 'hex', ...extra }),
  });
  return { status: r.status, json: await r.json() };
}
async function signedOk(bytes, extra) {
  const r = await sign(bytes, extra);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const sig = getBase58Encoder().encode(r.json.signature);
  assert.equal(sig.length, 64);
  assert.ok(await verifySignature(publicKey, sig, bytes), 'kit verifies the signature');
  assert.equal(r.json.intent.chain, 'solana');
  assert.equal(r.json.intent.kind, 'transaction');
  return r.json.intent;
}
let n = 0;

// A System transfer, legacy and v0, the kind named or not.
for (const version of ['legacy', 0]) {
  const msg = S.message(KEY, [S.systemTransfer(KEY, B, 250000000n)], { version });
  const it = await signedOk(msg, version === 0 ? { kind: 'transaction' } : {});
  assert.equal(it.operations, 1);
  assert.equal(it.asset, '');
  assert.equal(it.amount, '250000000');
  assert.equal(it.destination, B);
  assert.equal(it.route, 'small-sol'); n++;
}
// SPL TransferChecked behind a compute unit limit and price: the mint is
// the asset, the destination the token account credited.
let it = await signedOk(S.message(KEY, [S.transferChecked(S.TOKEN, B, MINT, C, KEY, 2500000n, 6)],
  { budget: { limit: 200000, price: 1000n } }));
assert.equal(it.operations, 1);
assert.equal(it.asset, MINT);
assert.equal(it.amount, '2500000');
assert.equal(it.destination, C);
assert.equal(it.route, 'usdc'); n++;
// v0 with an address table: the destination is in the table, which the
// signer cannot read: unknown, and only the route for kind unknown takes it.
it = await signedOk(S.message(KEY, [S.systemTransfer(KEY, B, 7n)], { version: 0, lookups: { [TABLE]: [C, B] } }));
assert.equal(it.destination, 'unknown');
assert.equal(it.amount, '7');
assert.equal(it.route, 'unknown-effect'); n++;

// Refused: the key is no signer of the message.
let r = await sign(S.message(OTHER, [S.systemTransfer(OTHER, B, 1n)]));
assert.equal(r.status, 400, JSON.stringify(r.json));
assert.match(r.json.error.message, /not one of its 1 required signers/); n++;
// Refused: a kind Solana does not have; bytes that are no message.
r = await sign(S.message(KEY, [S.systemTransfer(KEY, B, 1n)]), { kind: 'message' });
assert.equal(r.status, 400, JSON.stringify(r.json)); n++;
r = await sign(Uint8Array.of(1, 0, 1));
assert.equal(r.status, 400, JSON.stringify(r.json)); n++;
// A small transfer first, a large one to another address second: the
// route for small transfers sees both, and no route takes it.
const hidden = S.message(KEY, [S.systemTransfer(KEY, B, 1000n), S.systemTransfer(KEY, C, 5000000000n)]);
r = await sign(hidden);
assert.equal(r.status, 403, JSON.stringify(r.json));
assert.match(r.json.error.message, /no route takes this request/); n++;
// The large one alone goes to the route for large ones (which wants approvals).
r = await sign(S.message(KEY, [S.systemTransfer(KEY, C, 5000000000n)]));
assert.equal(r.status, 403, JSON.stringify(r.json));
assert.match(r.json.error.message, /route big-sol needs 2 approvals/); n++;
// Nine transfers, the large one last: more than sigild describes one by
// one, so the request's effect is not fully known: the unknown route.
const many = [];
for (let i = 0; i < 8; i++) many.push(S.systemTransfer(KEY, B, 1000n + BigInt(i)));
many.push(S.systemTransfer(KEY, C, 5000000000n));
it = await signedOk(S.message(KEY, many));
assert.equal(it.operations, 9);
assert.equal(it.route, 'unknown-effect'); n++;
console.log(`solana_v1: ${n} checks ok`);
