// tz4 over HTTP: signatures and proofs of possession checked with
// @noble/curves (bls12_381.longSignatures, min-pk), which we did not write.
// Usage: node tz4_http.mjs <main|auth> API TZ4 TZ4_NOPOP TZ1 | node tz4_http.mjs authpk
import assert from 'node:assert/strict';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { b58DecodeAndCheckPrefix, b58Encode, getPkhfromPk, PrefixV2 } from '@taquito/utils';

const L = bls12_381.longSignatures;
const DST_POP = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const DST_AUG = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_AUG_';
const DST_PROOF = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const hex = (b) => Buffer.from(b).toString('hex');
const bytes = (h) => new Uint8Array(Buffer.from(h, 'hex'));
// The fixed tz4 key that authenticates requests (its secret is test-only).
const AUTH_SK = bytes('2a'.repeat(31) + '01');
const AUTH_PK = L.getPublicKey(AUTH_SK).toBytes(true);

if (process.argv[2] === 'authpk') {
  console.log(b58Encode(AUTH_PK, PrefixV2.BLS12_381PublicKey));
  process.exit(0);
}
const [phase, API, TZ4, NOPOP, TZ1] = process.argv.slice(2);
const TX = '038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00';
const MAINNET = '7a06a770', BRANCH = 'ab'.repeat(32);
const i32 = (n) => (n >>> 0).toString(16).padStart(8, '0');
const h32 = (s) => Buffer.from(s.padEnd(32, '.').slice(0, 32)).toString('hex');
// Consensus contents with slot (tags 20/21) and the tz4 forms without (40/41).
const cons = ({ magic = '13', slot = true, level, round = 0, payload = 'p' }) =>
  magic + MAINNET + BRANCH + (slot ? (magic === '12' ? '14' : '15') + '0000' : (magic === '12' ? '28' : '29')) +
  i32(level) + i32(round) + h32(payload);

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; } catch (e) { failed++; console.error(`FAIL ${name}: ${e.stack || e}`); }
}
async function post(addr, h, query = '') {
  const r = await fetch(`${API}/keys/${addr}${query}`, { method: 'POST', body: JSON.stringify(h),
    headers: { 'Content-Type': 'application/json' } });
  return { status: r.status, body: await r.json() };
}
const pkOf = async (a) => (await (await fetch(`${API}/keys/${a}`)).json()).public_key;
const raw = (b58, p) => b58DecodeAndCheckPrefix(b58, [p])[0];
const verify = (sig, msg, dst, pk) => L.verify(L.Signature.fromBytes(sig), L.hash(msg, dst), pk);

async function sign(addr, h, query = '') {
  const r = await post(addr, h, query);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  assert.match(r.body.signature, /^BLsig/);
  return raw(r.body.signature, PrefixV2.BLS12_381Signature);
}

if (phase === 'main') {
  const blpk = await pkOf(TZ4);
  const pk = raw(blpk, PrefixV2.BLS12_381PublicKey);
  await check('BLpk hashes to the tz4 address', async () => {
    assert.match(blpk, /^BLpk/);
    assert.equal(pk.length, 48);
    assert.equal(getPkhfromPk(blpk), TZ4);
  });
  await check('version 2 (default) signs the raw bytes with the POP ciphersuite', async () => {
    for (const q of ['', '?version=2']) {
      const sig = await sign(TZ4, TX, q);
      assert.ok(verify(sig, bytes(TX), DST_POP, pk), 'POP verify');
      assert.ok(!verify(sig, bytes(TX), DST_AUG, pk), 'a wrong DST must fail');
    }
  });
  await check('version 1 signs pk || bytes with the AUG ciphersuite', async () => {
    const sig = await sign(TZ4, TX, '?version=1');
    const msg = new Uint8Array([...pk, ...bytes(TX)]);
    assert.ok(verify(sig, msg, DST_AUG, pk), 'AUG verify');
    assert.ok(!verify(sig, bytes(TX), DST_POP, pk));
  });
  await check('version 0 is refused for tz4', async () => {
    assert.equal((await post(TZ4, TX, '?version=0')).status, 400);
  });
  await check('proof of possession verifies with the POP DST over the public key', async () => {
    const r = await fetch(`${API}/bls_prove_possession/${TZ4}`);
    assert.equal(r.status, 200);
    const j = await r.json();
    const sig = raw(j.bls_prove_possession, PrefixV2.BLS12_381Signature);
    assert.ok(verify(sig, pk, DST_PROOF, pk), 'proof verify');
    assert.ok(!verify(sig, pk, DST_POP, pk), 'a wrong DST must fail');
    console.log(`POP ${j.bls_prove_possession}`);
  });
  await check('proof of possession: not allowed 403, not tz4 400, unknown 404', async () => {
    assert.equal((await fetch(`${API}/bls_prove_possession/${NOPOP}`)).status, 403);
    assert.equal((await fetch(`${API}/bls_prove_possession/${TZ1}`)).status, 400);
    assert.equal((await fetch(`${API}/bls_prove_possession/tz4HVR6aty9KwsQFHh81C1G7gBdhxT8kuytm`)).status, 404);
  });
  await check('tz4 consensus without slot shares watermarks with the slot form', async () => {
    const pk4 = pk;
    const s = await sign(TZ4, cons({ slot: false, level: 10 }));
    assert.ok(verify(s, bytes(cons({ slot: false, level: 10 })), DST_POP, pk4));
    assert.equal((await post(TZ4, cons({ slot: true, level: 10, payload: 'other' }))).status, 409);
    assert.equal((await post(TZ4, cons({ slot: false, level: 10, payload: 'other' }))).status, 409);
    await sign(TZ4, cons({ slot: false, level: 10 }));          // identical: signed again
    await sign(TZ4, cons({ slot: true, level: 10, round: 1 }));  // higher round, slot form
    assert.equal((await post(TZ4, cons({ slot: false, level: 10, round: 0 }))).status, 409);
    await sign(TZ4, cons({ magic: '12', slot: false, level: 10 }));
    assert.equal((await post(TZ4, cons({ magic: '12', slot: true, level: 10, payload: 'x' }))).status, 409);
    await sign(TZ4, cons({ magic: '12', slot: false, level: 11 }));
  });
  await check('an identical consensus request under the other scheme never gets the stored signature', async () => {
    const b = cons({ level: 20 });
    const s2 = await sign(TZ4, b);                               // version 2 (POP)
    assert.ok(verify(s2, bytes(b), DST_POP, pk));
    const r = await post(TZ4, b, '?version=1');
    assert.equal(r.status, 409, 'AUG at the same level is other bytes, not a re-sign');
    assert.deepEqual(await sign(TZ4, b), s2, 'version 2 again gets the stored signature');
    const b2 = cons({ level: 21 });
    const s1 = await sign(TZ4, b2, '?version=1');
    assert.ok(verify(s1, new Uint8Array([...pk, ...bytes(b2)]), DST_AUG, pk), 'AUG verify');
    assert.deepEqual(await sign(TZ4, b2, '?version=1'), s1, 'identical AUG request: stored signature');
    assert.equal((await post(TZ4, b2)).status, 409);
  });
} else if (phase === 'auth') {
  const tz4Hash = raw(TZ4, PrefixV2.BLS12_381PublicKeyHash);
  const authFor = (h) => {
    const msg = bytes('0401' + '03' + hex(tz4Hash) + h);
    const sig = L.Signature.toBytes(L.sign(L.hash(msg, DST_POP), AUTH_SK));
    return `?authentication=${b58Encode(sig, PrefixV2.BLS12_381Signature)}`;
  };
  await check('a tz4 authorized key authenticates requests', async () => {
    assert.equal((await post(TZ4, TX)).status, 401);
    assert.equal((await post(TZ4, TX, authFor(TX.slice(0, -2) + '01'))).status, 403);
    await sign(TZ4, TX, authFor(TX));
  });
}
console.log(`tz4 ${phase}: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
