// The tests' second chain, raw-ed25519 (src/chain/raw/raw.h): the payload
// is the message, signed with Ed25519 as it is. Every signature sigild
// returns over POST /chains/raw-ed25519/keys/{pk hex} must verify with
// @noble/curves and EQUAL its RFC 8032 signature from the same secret.
// Usage: node second_chain.mjs edsk         -> the fixed test secret (edsk…)
//        node second_chain.mjs pk           -> its public key, hex
//        node second_chain.mjs main API     -> the checks below
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { b58Encode, PrefixV2 } from '@taquito/utils';

const hex = (b) => Buffer.from(b).toString('hex');
// A fixed secret, test-only.
const SEED = sha256(new TextEncoder().encode('sigil second chain integration test'));
const PK = ed25519.getPublicKey(SEED);

const [cmd, API] = process.argv.slice(2);
if (cmd === 'edsk') {
  console.log(b58Encode(SEED, PrefixV2.Ed25519Seed));
  process.exit(0);
}
if (cmd === 'pk') {
  console.log(hex(PK));
  process.exit(0);
}

const post = async (path, body, method = 'POST') => {
  const r = await fetch(API + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: method === 'POST' ? body : undefined,
  });
  return { status: r.status, text: await r.text() };
};
const sign = (msg) => post(`/chains/raw-ed25519/keys/${hex(PK)}`, JSON.stringify(hex(msg)));

let n = 0;
for (const len of [1, 31, 32, 33, 100, 1000, 4096]) {
  const msg = new Uint8Array(len).map((_, i) => (i * 7 + len) & 0xff);
  const r = await sign(msg);
  assert.equal(r.status, 200, r.text);
  const sig = Buffer.from(JSON.parse(r.text).signature, 'hex');
  assert.equal(sig.length, 64);
  assert.ok(ed25519.verify(sig, msg, PK), `len ${len}: does not verify`);
  assert.equal(hex(sig), hex(ed25519.sign(msg, SEED)), `len ${len}: not RFC 8032's signature`);
  // The same bytes, the same signature.
  const again = await sign(msg);
  assert.equal(JSON.parse(again.text).signature, hex(sig));
  n += 2;
}

// Bad input: a clear error, nothing signed.
const other = hex(ed25519.getPublicKey(sha256(new TextEncoder().encode('not configured'))));
const cases = [
  [`/chains/raw-ed25519/keys/${hex(PK)}`, '"zz"', 400, 'hex'],
  [`/chains/raw-ed25519/keys/${hex(PK)}`, '""', 400, 'hex'],
  [`/chains/raw-ed25519/keys/${hex(PK)}`, '{"x":1}', 400, 'hex'],
  [`/chains/raw-ed25519/keys/${other}`, '"00"', 404, 'unknown key'],
  [`/chains/raw-ed25519/keys/${hex(PK).toUpperCase()}`, '"00"', 404, 'unknown key'],
  [`/chains/no-such-chain/keys/${hex(PK)}`, '"00"', 404, 'unknown chain'],
  [`/chains/tezos/keys/${hex(PK)}`, '"00"', 404, 'unknown chain'],
  [`/chains/raw-ed25519/${hex(PK)}`, '"00"', 404, 'not found'],
];
for (const [path, body, status, why] of cases) {
  const r = await post(path, body);
  assert.equal(r.status, status, `${path} ${body}: ${r.text}`);
  assert.match(r.text, new RegExp(why), `${path} ${body}: ${r.text}`);
  assert.doesNotMatch(r.text, /signature"/);
}
const g = await post(`/chains/raw-ed25519/keys/${hex(PK)}`, '', 'GET');
assert.equal(g.status, 405, g.text);
console.log(`second chain: ${n} signatures verified by @noble/curves, ${cases.length + 1} refusals`);
