// Signs over sigild's HTTP API with keys held by sigil-enclave and checks
// every signature with implementations we did not write (@taquito/utils for
// tz1-tz3, @noble/curves for tz4).
// Usage: node enclave_http.mjs sign API LEVEL ADDR...   (one attestation at
//          LEVEL and one transaction per key, each verified)
//        node enclave_http.mjs load API ADDR FROM SECONDS (attestations at
//          rising levels from FROM for SECONDS; prints "STATUS count" lines and
//          "LAST level"; every 200 is verified, anything else but 503 fails)
import assert from 'node:assert/strict';
import { verifySignature, b58DecodeAndCheckPrefix, PrefixV2 } from '@taquito/utils';
import { bls12_381 } from '@noble/curves/bls12-381.js';

const [mode, API, ...rest] = process.argv.slice(2);
const MAINNET = '7a06a770', BRANCH = 'ab'.repeat(32);
// A transaction forged by @taquito/local-forging 24.2.0 (branch, then contents).
const TX = '038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00';
const i32 = (n) => (n >>> 0).toString(16).padStart(8, '0');
const h32 = (s) => Buffer.from(s.padEnd(32, '.').slice(0, 32)).toString('hex');
const attestation = (level) => '13' + MAINNET + BRANCH + '15' + '0000' + i32(level) + i32(0) + h32('p');
const L = bls12_381.longSignatures;
const DST_POP = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';

const pks = {};
async function pk(addr) {
  if (!pks[addr]) {
    const r = await fetch(`${API}/keys/${addr}`);
    assert.equal(r.status, 200, `GET /keys/${addr}: ${r.status}`);
    pks[addr] = (await r.json()).public_key;
  }
  return pks[addr];
}

function verify(addr, hex, sig, pkText) {
  if (!addr.startsWith('tz4')) return verifySignature(hex, pkText, sig);
  const raw = b58DecodeAndCheckPrefix(sig, [PrefixV2.BLS12_381Signature])[0];
  const p = b58DecodeAndCheckPrefix(pkText, [PrefixV2.BLS12_381PublicKey])[0];
  return L.verify(L.Signature.fromBytes(raw), L.hash(Buffer.from(hex, 'hex'), DST_POP), p);
}

async function post(addr, hex) {
  const r = await fetch(`${API}/keys/${addr}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(hex),
  });
  const text = await r.text();
  let body; try { body = JSON.parse(text); } catch { body = text; }
  return { status: r.status, body };
}

if (mode === 'sign') {
  const [level, ...addrs] = rest;
  for (const addr of addrs) {
    const p = await pk(addr);
    for (const hex of [attestation(Number(level)), TX]) {
      const r = await post(addr, hex);
      assert.equal(r.status, 200, `${addr}: ${r.status} ${JSON.stringify(r.body)}`);
      assert.ok(verify(addr, hex, r.body.signature, p), `${addr}: signature does not verify`);
    }
  }
  console.log(`enclave_http: ${addrs.length} keys signed and verified at level ${level}`);
} else if (mode === 'load') {
  const [addr, from, seconds] = rest;
  const p = await pk(addr);
  const counts = {};
  let level = Number(from), bad = 0;
  const end = Date.now() + Number(seconds) * 1000;
  const worker = async () => {
    while (Date.now() < end) {
      const l = level++;
      const hex = attestation(l);
      let r;
      try { r = await post(addr, hex); } catch { r = { status: 'refused' }; }
      counts[r.status] = (counts[r.status] || 0) + 1;
      if (r.status === 200 && !verify(addr, hex, r.body.signature, p)) bad++;
      if (r.status !== 200) await new Promise((res) => setTimeout(res, 20));
    }
  };
  // One at a time: a level passed by a faster request would be refused (409).
  await worker();
  for (const [s, n] of Object.entries(counts)) console.log(`${s} ${n}`);
  console.log(`LAST ${level}`);
  console.log(`BAD ${bad}`);
  const unexpected = Object.keys(counts).filter((s) => s !== '200' && s !== '503');
  process.exit(bad || unexpected.length ? 1 : 0);
} else {
  console.error('usage: enclave_http.mjs sign|load ...');
  process.exit(2);
}
