// Many sign requests at once on keys that live in one PKCS#11 token: for
// each key, N transactions sent together; then N sent together over all the
// keys in turn. Every payload differs (its branch), so a signature handed to
// the wrong request fails its check. Every answer must be 200 and its
// signature verify twice, by @taquito/utils and by @noble/curves over
// blake2b-256 of the bytes (ECDSA low-S, as Tezos's secp256k1 check wants);
// neither was written by us.
// Usage: node p11_parallel.mjs API N ADDR...
//   prints "p11_parallel: SIGNED total" and one "KEY addr signed" line each
import assert from 'node:assert/strict';
import http from 'node:http';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { p256 } from '@noble/curves/nist.js';
import { blake2b } from '@noble/hashes/blake2.js';
import { b58DecodeAndCheckPrefix, verifySignature, PrefixV2 } from '@taquito/utils';

const [API, nText, ...ADDRS] = process.argv.slice(2);
const N = Number(nText);
if (!API || !(N > 0) || ADDRS.length === 0) {
  console.error('usage: p11_parallel.mjs API N ADDR...');
  process.exit(2);
}
// A transaction forged by @taquito/local-forging 24.2.0 (as in tezos_http.mjs).
const TX = '038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00';
let serial = 0;
// The same transaction under another branch: other bytes, another digest.
const nextTx = () => {
  const b = blake2b(new TextEncoder().encode(`p11_parallel ${process.pid} ${serial++}`), { dkLen: 32 });
  return TX.slice(0, 2) + Buffer.from(b).toString('hex') + TX.slice(66);
};

const CURVES = {
  tz1: { pk: PrefixV2.Ed25519PublicKey, sig: PrefixV2.Ed25519Signature,
         verify: (s, d, p) => ed25519.verify(s, d, p) },
  tz2: { pk: PrefixV2.Secp256k1PublicKey, sig: PrefixV2.Secp256k1Signature,
         verify: (s, d, p) => secp256k1.verify(s, d, p, { prehash: false, lowS: true }) },
  tz3: { pk: PrefixV2.P256PublicKey, sig: PrefixV2.P256Signature,
         verify: (s, d, p) => p256.verify(s, d, p, { prehash: false, lowS: true }) },
};

const keys = {};
for (const addr of ADDRS) {
  const c = CURVES[addr.slice(0, 3)];
  assert.ok(c, `${addr}: not a tz1, tz2 or tz3 address`);
  const r = await fetch(`${API}/keys/${addr}`);
  assert.equal(r.status, 200, `GET /keys/${addr}: ${r.status}`);
  const text = (await r.json()).public_key;
  keys[addr] = { c, text, raw: b58DecodeAndCheckPrefix(text, [c.pk])[0], signed: 0 };
}

// A connection of its own for each request (no agent): N requests are N
// connections at once, and none is a kept-alive one that the server may be
// closing for idleness just as it is used again.
function post(path, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(`${API}${path}`, {
      method: 'POST', agent: false,
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, text: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

// One request; its answer checked. Returns a failure's text, or null.
async function signOne(addr, hex) {
  const k = keys[addr];
  let r, body;
  try {
    r = await post(`/keys/${addr}`, JSON.stringify(hex));
    try { body = JSON.parse(r.text); } catch { body = r.text; }
  } catch (e) {
    return `${addr}: no answer: ${e.code || ''} ${e.message}`;
  }
  if (r.status !== 200) return `${addr}: ${r.status} ${JSON.stringify(body)}`;
  const sig = body?.signature;
  if (typeof sig !== 'string') return `${addr}: no signature in ${JSON.stringify(body)}`;
  if (!verifySignature(hex, k.text, sig)) return `${addr}: @taquito/utils rejects ${sig}`;
  const raw = b58DecodeAndCheckPrefix(sig, [k.c.sig])[0];
  const d = blake2b(Buffer.from(hex, 'hex'), { dkLen: 32 });
  if (!k.c.verify(raw, d, k.raw)) return `${addr}: @noble/curves rejects ${sig}`;
  k.signed++;
  return null;
}

// The batch's requests all started before any answer is awaited.
async function batch(name, addrs) {
  const t0 = Date.now();
  const fails = (await Promise.all(addrs.map((a) => signOne(a, nextTx())))).filter((f) => f);
  for (const f of fails.slice(0, 10)) console.error(`FAIL ${name}: ${f}`);
  console.log(`p11_parallel: ${name}: ${addrs.length} at once, ${addrs.length - fails.length} ` +
    `signed and verified in ${Date.now() - t0} ms`);
  return fails.length;
}

let failed = 0;
for (const addr of ADDRS) failed += await batch(addr.slice(0, 3), Array(N).fill(addr));
failed += await batch('mixed', Array.from({ length: N }, (_, i) => ADDRS[i % ADDRS.length]));
let total = 0;
for (const addr of ADDRS) {
  console.log(`KEY ${addr} ${keys[addr].signed}`);
  total += keys[addr].signed;
}
console.log(`p11_parallel: SIGNED ${total}`);
process.exit(failed ? 1 : 0);
