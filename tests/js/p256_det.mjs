// tz3 (P-256) signatures are deterministic (RFC 6979) and low-S: every
// signature sigild returns must EQUAL, byte for byte, what @noble/curves
// gives for the same secret and blake2b-256(bytes) with
// { prehash: false, lowS: true }, and what @taquito/signer's InMemorySigner
// gives; neither was written by us.
// Usage: node p256_det.mjs p2sk            -> the fixed test secret
//        node p256_det.mjs <main|restart> API TZ3
import assert from 'node:assert/strict';
import { p256 } from '@noble/curves/nist.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InMemorySigner } from '@taquito/signer';
import { b58DecodeAndCheckPrefix, b58Encode, getPkhfromPk, verifySignature, PrefixV2 } from '@taquito/utils';

const hex = (b) => Buffer.from(b).toString('hex');
const bytes = (h) => new Uint8Array(Buffer.from(h, 'hex'));
// A fixed secret, test-only: SHA-256 of a label (far below n, never 0).
const SK = sha256(new TextEncoder().encode('sigil p256 rfc6979 integration test'));
const P2SK = b58Encode(SK, PrefixV2.P256SecretKey);

if (process.argv[2] === 'p2sk') {
  console.log(P2SK);
  process.exit(0);
}
const [phase, API, TZ3] = process.argv.slice(2);
const MAINNET = '7a06a770';
const BRANCH = 'ab'.repeat(32);
// A transaction forged by @taquito/local-forging 24.2.0 (as in tezos_http.mjs).
const TX = '038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00';
const i32 = (n) => (n >>> 0).toString(16).padStart(8, '0');
const h32 = (s) => Buffer.from(s.padEnd(32, '.').slice(0, 32)).toString('hex');
const attestation = ({ magic = '13', level, round = 0, payload = 'p' }) =>
  magic + MAINNET + BRANCH + (magic === '12' ? '14' : '15') + '0000' + i32(level) + i32(round) + h32(payload);
function block({ level, round = 0, payload = 'b' }) {
  const item = (h) => i32(h.length / 2) + h;
  const fitness = item('02') + item(i32(level)) + item('') + item(i32(0xffffffff)) + item(i32(round));
  const shell = i32(level) + '01' + h32('pred') + (1700000000).toString(16).padStart(16, '0') + '04' +
    h32('ops') + i32(fitness.length / 2) + fitness + h32('ctx');
  return '11' + MAINNET + shell + h32(payload) + i32(round) + '00'.repeat(8) + '00' + '00';
}
// Transactions that differ in their branch: other bytes, other digests.
const txWithBranch = (i) => TX.slice(0, 2) + hex(blake2b(new Uint8Array([i]), { dkLen: 32 })) + TX.slice(66);

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; } catch (e) { failed++; console.error(`FAIL ${name}: ${e.stack || e}`); }
}

const taquito = await InMemorySigner.fromSecretKey(P2SK);
const expected = (h) => p256.sign(blake2b(bytes(h), { dkLen: 32 }), SK, { prehash: false, lowS: true });

async function sign(h) {
  const r = await fetch(`${API}/keys/${TZ3}`, { method: 'POST', body: JSON.stringify(h),
    headers: { 'Content-Type': 'application/json' } });
  const body = await r.json();
  assert.equal(r.status, 200, JSON.stringify(body));
  assert.match(body.signature, /^p2sig/);
  return body.signature;
}

// The signature of h: sigild's equals noble's and taquito's, and verifies.
async function same(h) {
  const got = await sign(h);
  const raw = b58DecodeAndCheckPrefix(got, [PrefixV2.P256Signature])[0];
  assert.equal(hex(raw), hex(expected(h)), `sigild and @noble/curves differ for ${h.slice(0, 16)}…`);
  assert.equal(got, (await taquito.sign(h)).prefixSig, 'sigild and @taquito/signer differ');
  assert.ok(verifySignature(h, await taquito.publicKey(), got), 'signature does not verify');
  return got;
}

await check('the imported key is the one noble derives', async () => {
  const pk = (await (await fetch(`${API}/keys/${TZ3}`)).json()).public_key;
  assert.equal(pk, b58Encode(p256.getPublicKey(SK, true), PrefixV2.P256PublicKey));
  assert.equal(getPkhfromPk(pk), TZ3);
});

if (phase === 'main') {
  await check('generic operations: the RFC 6979 signature, every time', async () => {
    for (let i = 0; i < 16; i++) {
      const h = txWithBranch(i);
      assert.equal(await same(h), await same(h), 'the same bytes signed twice differ');
    }
    await same(TX);
  });
  await check('consensus operations: blocks, preattestations, attestations', async () => {
    for (let level = 10; level < 14; level++) {
      await same(block({ level }));
      await same(attestation({ magic: '12', level }));
      await same(attestation({ level }));
    }
  });
  await check('low S: some of these had a high s before normalisation', async () => {
    // Half of raw RFC 6979 signatures have s > n/2; with 17 distinct
    // digests at least one did (probability of none: 2^-17).
    let high = 0;
    for (let i = 0; i < 16; i++) {
      const d = blake2b(bytes(txWithBranch(i)), { dkLen: 32 });
      if (!p256.verify(p256.sign(d, SK, { prehash: false, lowS: false }), d,
        p256.getPublicKey(SK), { prehash: false, lowS: true })) high++;
    }
    assert.ok(high > 0, 'no high-S case was exercised');
  });
} else if (phase === 'restart') {
  await check('a new process signs the same bytes the same', async () => {
    for (let i = 0; i < 4; i++) await same(txWithBranch(i));
    await same(TX);
  });
}
console.log(`p256_det ${phase}: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
