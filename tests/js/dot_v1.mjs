// Polkadot over the v1 API, checked by implementations we did not write:
// @scure/sr25519 and @polkadot/util-crypto's signatureVerify for the sr25519
// key, signatureVerify for the Ed25519 one. Signing payloads are built by
// hand from the runtime's layout (call ‖ extra ‖ additional; @polkadot/types
// needs a runtime's metadata, which a test has not): balances transfers on
// Westend and Polkadot, a batch over 256 bytes (signed as its blake2b-256,
// as Substrate does), a batch hiding a large transfer behind a small one
// (refused by the amount route), a batch with a call sigild cannot read
// (opaque: only the unknown route takes it), a payload for a chain sigild
// does not know. And a key made by polkadot-js from a seed, imported into
// sigil: polkadot-js verifies what sigild signs with it; and one imported
// from its 64-byte secretKey alone (the seed derived along /sigil, as
// tests/js/sr25519_pair.mjs makes it): GET /v1/keys lists it under the
// address polkadot-js computes, and polkadot-js and @scure/sr25519 verify
// its signatures of a Westend transfer.
// Usage: node dot_v1.mjs API SR_ADDRESS ED_ADDRESS SEED_ADDRESS SEED_HEX EXPANDED_ADDRESS
//        (token in TOKEN)
import assert from 'node:assert/strict';
import * as sr from '@scure/sr25519';
import { compactToU8a, u8aConcat, u8aToHex, hexToU8a } from '@polkadot/util';
import {
  cryptoWaitReady, decodeAddress, encodeAddress, signatureVerify, blake2AsU8a, sr25519PairFromSeed,
  keyExtractPath, keyFromPath,
} from '@polkadot/util-crypto';
import { knownGenesis } from '@polkadot/networks/defaults';

const [API, SR, ED, SEEDED, SEED, EXPANDED] = process.argv.slice(2);
const { TOKEN } = process.env;
await cryptoWaitReady();
let checks = 0;
const ok = () => checks++;

const GENESIS = {
  polkadot: hexToU8a(knownGenesis.polkadot[0]),
  westend: hexToU8a(knownGenesis.westend[0]),
  mine: new Uint8Array(32).fill(7), // the config's polkadot_networks
  other: new Uint8Array(32).fill(8),
};
const NET = { polkadot: { balances: 5, utility: 26, prefix: 0 }, westend: { balances: 4, utility: 16, prefix: 42 },
  mine: { balances: 10, utility: 40, prefix: 5 } };
const u8 = (...b) => new Uint8Array(b);
const u32 = (v) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); return b; };
const BOB = decodeAddress('5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty');
const DAVE = decodeAddress('5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy');

const transfer = (net, idx, dest, amount) =>
  u8aConcat(u8(NET[net].balances, idx), u8(0), dest, compactToU8a(amount));
const batch = (net, calls) => u8aConcat(u8(NET[net].utility, 2), compactToU8a(calls.length), ...calls);
const remark = (bytes) => u8aConcat(u8(0, 0), compactToU8a(bytes.length), bytes);
// extra: immortal era, nonce, tip, CheckMetadataHash mode 0; additional:
// spec, tx version, genesis, block hash (= genesis, immortal), None.
const payload = (net, call, genesis = GENESIS[net]) => u8aConcat(call, u8(0), compactToU8a(7), compactToU8a(0), u8(0),
  u32(1_016_000), u32(26), genesis, genesis, u8(0));

async function sign(key, bytes, extra = {}) {
  const r = await fetch(`${API}/v1/sign`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ chain: 'polkadot', key_id: key, payload: u8aToHex(bytes), ...extra }),
  });
  return { status: r.status, json: await r.json() };
}
// The bytes a key signs: the payload, or its blake2b-256 over 256 bytes.
const signed = (bytes) => (bytes.length > 256 ? blake2AsU8a(bytes, 256) : bytes);

async function signedOk(key, type, bytes) {
  const r = await sign(key, bytes);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const multi = hexToU8a(r.json.signature);
  assert.equal(multi.length, 65);
  assert.equal(multi[0], type === 'sr25519' ? 1 : 0, 'MultiSignature variant');
  const v = signatureVerify(signed(bytes), multi, key);
  assert.ok(v.isValid, 'polkadot-js verifies');
  assert.equal(v.crypto, type);
  if (type === 'sr25519')
    assert.ok(sr.verify(signed(bytes), multi.subarray(1), decodeAddress(key)), '@scure/sr25519 verifies');
  // Not over the whole payload when it was hashed, and not over other bytes.
  assert.ok(!signatureVerify(u8aConcat(signed(bytes), u8(0)), multi, key).isValid);
  assert.equal(r.json.intent.chain, 'polkadot');
  assert.equal(r.json.intent.kind, 'extrinsic');
  return r.json;
}

// A transfer on Westend, sr25519: amount and destination from the bytes.
let j = await signedOk(SR, 'sr25519', payload('westend', transfer('westend', 3, BOB, 1_000_000_000_000n)));
assert.equal(j.intent.amount, '1000000000000');
assert.equal(j.intent.destination, encodeAddress(BOB, 42));
assert.equal(j.intent.route, 'small'); ok();
// The same signature again for the same request (sigil signs deterministically).
const again = await sign(SR, payload('westend', transfer('westend', 3, BOB, 1_000_000_000_000n)));
assert.equal(again.json.signature, j.signature); ok();
// On Polkadot, the destination in Polkadot's own prefix; an Ed25519 key.
j = await signedOk(ED, 'ed25519', payload('polkadot', transfer('polkadot', 0, DAVE, 12_345n)));
assert.equal(j.intent.destination, encodeAddress(DAVE, 0));
assert.equal(j.intent.amount, '12345'); ok();
// Over 256 bytes: a batch_all of six small transfers, signed as its hash.
const six = payload('westend', batch('westend', Array.from({ length: 6 }, (_, i) => transfer('westend', 3, BOB, BigInt(i + 1)))));
assert.ok(six.length > 256);
j = await signedOk(SR, 'sr25519', six);
assert.equal(j.intent.operations, 6); ok();
// A large transfer hidden behind a small one: the amount route sees both.
let r = await sign(SR, payload('westend', batch('westend', [transfer('westend', 3, BOB, 5n), transfer('westend', 3, DAVE, 10n ** 15n)])));
assert.equal(r.status, 403, JSON.stringify(r.json));
assert.match(r.json.error.message, /route/); ok();
// A call sigild cannot read (system.remark) before a transfer: opaque, and
// only the route for kind unknown takes it (it needs approvals: refused).
r = await sign(SR, payload('westend', batch('westend', [remark(u8(1, 2, 3)), transfer('westend', 3, DAVE, 10n ** 15n)])));
assert.equal(r.status, 403, JSON.stringify(r.json));
assert.match(r.json.error.message, /approval/); ok();
// A chain sigild does not know, a kind Polkadot has not, bytes that are no payload.
r = await sign(SR, payload('westend', transfer('westend', 3, BOB, 1n), GENESIS.other));
assert.equal(r.status, 400, JSON.stringify(r.json)); assert.match(r.json.error.message, /genesis/); ok();
r = await sign(SR, payload('westend', transfer('westend', 3, BOB, 1n)), { kind: 'message' });
assert.equal(r.status, 400, JSON.stringify(r.json)); ok();
r = await sign(SR, u8(1, 2, 3));
assert.equal(r.status, 400, JSON.stringify(r.json)); ok();
// A network of the config (polkadot_networks: its own pallet indices and
// SS58 prefix), allowed to the sr25519 key by its genesis hash.
j = await signedOk(SR, 'sr25519', payload('mine', transfer('mine', 3, DAVE, 77n)));
assert.equal(j.intent.destination, encodeAddress(DAVE, 5));
assert.equal(j.intent.amount, '77'); ok();
// Westend's indices on that network are another call: not a transfer.
r = await sign(SR, payload('mine', transfer('westend', 3, DAVE, 77n)));
assert.equal(r.status, 403, JSON.stringify(r.json)); ok();
// The policy: the Ed25519 key may not transfer_keep_alive.
r = await sign(ED, payload('polkadot', transfer('polkadot', 3, DAVE, 1n)));
assert.equal(r.status, 403, JSON.stringify(r.json)); ok();

// A key polkadot-js made from a seed, imported into sigil: same address,
// and polkadot-js verifies sigild's signature with its own public key.
const pair = sr25519PairFromSeed(hexToU8a(SEED));
assert.equal(encodeAddress(pair.publicKey, 42), SEEDED); ok();
const bytes = payload('westend', transfer('westend', 3, BOB, 42n));
r = await sign(SEEDED, bytes);
assert.equal(r.status, 200, JSON.stringify(r.json));
assert.ok(signatureVerify(bytes, r.json.signature, pair.publicKey).isValid); ok();

// The key imported from its 64-byte secretKey: polkadot-js derives the same
// public key again (the scalar of a soft derivation does not depend on its
// random nonce), and sigil lists it under polkadot-js's address.
const derived = keyFromPath(pair, keyExtractPath('/sigil').path, 'sr25519');
assert.equal(encodeAddress(derived.publicKey, 42), EXPANDED); ok();
const keys = await fetch(`${API}/v1/keys`, { headers: { Authorization: `Bearer ${TOKEN}` } });
assert.equal(keys.status, 200);
const listed = JSON.stringify(await keys.json());
assert.ok(listed.includes(`"polkadot":"${encodeAddress(derived.publicKey, 42)}"`), listed); ok();
// A Westend transfer signed by it, verified by polkadot-js and @scure.
const toDave = payload('westend', transfer('westend', 3, DAVE, 5_000_000_000n));
j = await signedOk(EXPANDED, 'sr25519', toDave);
assert.equal(j.intent.destination, encodeAddress(DAVE, 42));
assert.ok(signatureVerify(toDave, j.signature, derived.publicKey).isValid);
assert.ok(sr.verify(toDave, hexToU8a(j.signature).subarray(1), derived.publicKey)); ok();

console.log(`dot_v1: ${checks} checks passed`);
