// Random Atto blocks, votes and challenges built from the layouts that
// attocash/commons publishes (commons-core: AttoBlock.kt, AttoVote.kt,
// AttoBufferExtensions.kt, AttoSigner.kt, AttoAddress.kt), hashed with
// @noble/hashes and signed with @noble/curves by a fresh random key, one
// JSON line each. tests/integration/tools/atto_check.c holds sigil's codec
// to them. Nothing here is shared with sigil's C: the base32 below works on
// one big integer, the C on a bit accumulator.
// Usage: node atto_vectors.mjs [count]
import { blake2b } from '@noble/hashes/blake2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ed25519 } from '@noble/curves/ed25519.js';

const N = Number(process.argv[2] ?? 400);
const hex = (b) => Buffer.from(b).toString('hex').toUpperCase();
const AMOUNT_MAX = 18000000000000000000n;
const I64_MAX = (1n << 63n) - 1n;

const rnd64 = () => Buffer.from(randomBytes(8)).readBigUInt64LE();
const below = (n) => rnd64() % n;
const le = (v, n) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Number((BigInt(v) >> BigInt(8 * i)) & 0xffn);
  return b;
};
const pick = (a) => a[Number(below(BigInt(a.length)))];

// Edge values as often as random ones.
const amount = () => pick([1n, AMOUNT_MAX, AMOUNT_MAX - 1n, 1n + below(AMOUNT_MAX)]);
const height = () => pick([2n, 3n, (1n << 64n) - 1n, 2n + below((1n << 64n) - 2n)]);
const stamp = () => pick([0n, 1704616009211n, I64_MAX - 1n, below(I64_MAX)]);

// base32 (RFC 4648, lowercase, unpadded) of 38 bytes: 61 letters.
function base32(bytes) {
  const abc = 'abcdefghijklmnopqrstuvwxyz234567';
  let v = 0n;
  for (const x of bytes) v = (v << 8n) | BigInt(x);
  const bits = bytes.length * 8;
  const letters = Math.ceil(bits / 5);
  v <<= BigInt(letters * 5 - bits);
  let s = '';
  for (let i = letters - 1; i >= 0; i--) s += abc[Number((v >> BigInt(5 * i)) & 31n)];
  return s;
}

function address(pk) {
  const head = Buffer.concat([Buffer.from([0]), Buffer.from(pk)]);
  const sum = blake2b(head, { dkLen: 5 });
  return 'atto://' + base32(Buffer.concat([head, Buffer.from(sum)]));
}

function key() {
  const seed = randomBytes(32);
  return { seed, pk: ed25519.getPublicKey(seed) };
}

// AttoBlockType codes; networks LIVE, BETA, DEV, LOCAL, CASH.
const TYPES = ['OPEN', 'RECEIVE', 'SEND', 'CHANGE'];

function block(k, type) {
  const code = TYPES.indexOf(type);
  const network = Number(below(5n));
  const other = () => randomBytes(32);
  let h = type === 'OPEN' ? 1n : height();
  let balance = amount();
  let amt = 0n;
  const ts = stamp();
  const parts = [Buffer.from([code, network]), le(0, 2), Buffer.from([0]), Buffer.from(k.pk)];
  if (type !== 'OPEN') parts.push(le(h, 8));
  parts.push(le(balance, 8), le(ts, 8));
  if (type !== 'OPEN') parts.push(Buffer.from(other()));           // previous
  if (type === 'OPEN' || type === 'RECEIVE') parts.push(Buffer.from([0]), Buffer.from(other()));
  if (type === 'SEND') {
    amt = amount();
    parts.push(Buffer.from([0]), Buffer.from(other()), le(amt, 8)); // receiver, amount
  }
  if (type === 'OPEN' || type === 'CHANGE') parts.push(Buffer.from([0]), Buffer.from(other()));
  const bytes = Buffer.concat(parts);
  return { bytes, fields: { type, network, height: h, balance, timestamp: ts, amount: amt } };
}

function vote(k) {
  const ts = pick([I64_MAX, stamp()]);
  const bytes = Buffer.concat([le(0, 2), Buffer.from([0]), Buffer.from(k.pk), Buffer.from([0]),
    Buffer.from(randomBytes(32)), le(ts, 8)]);
  return { bytes, fields: { timestamp: ts, final: ts === I64_MAX } };
}

const out = (o) => console.log(JSON.stringify(o, (_, v) => (typeof v === 'bigint' ? v.toString() : v)));

for (let i = 0; i < N; i++) {
  const k = key();
  for (const type of TYPES) {
    const { bytes, fields } = block(k, type);
    const hash = blake2b(bytes, { dkLen: 32 });
    out({ kind: 'block', bytes: hex(bytes), hash: hex(hash), pk: hex(k.pk),
      sig: hex(ed25519.sign(hash, k.seed)), address: address(k.pk), ...fields });
    // Broken copies every decoder must refuse: cut short, one byte more,
    // unknown type, version 1, network 9 (UNKNOWN), algorithm 1.
    const bad = [bytes.subarray(0, Number(below(BigInt(bytes.length)))),
      Buffer.concat([bytes, Buffer.from([0])])];
    for (const [at, val] of [[0, 4 + Number(below(252n))], [2, 1], [1, 9], [4, 1]]) {
      const c = Buffer.from(bytes);
      c[at] = val;
      bad.push(c);
    }
    for (const b of bad) out({ kind: 'bad-block', bytes: hex(b) });
  }
  const v = vote(k);
  const vh = blake2b(v.bytes, { dkLen: 32 });
  out({ kind: 'vote', bytes: hex(v.bytes), hash: hex(vh), pk: hex(k.pk),
    sig: hex(ed25519.sign(vh, k.seed)), ...v.fields });
  out({ kind: 'bad-vote', bytes: hex(v.bytes.subarray(0, 75)) });
  // AttoSigner.sign(challenge, timestamp): blake2b-512(pk ‖ challenge ‖ ts LE).
  const challenge = randomBytes(64 + Number(below(3n)) * Number(below(300n)));
  const ts = stamp();
  const ch = blake2b(Buffer.concat([Buffer.from(k.pk), Buffer.from(challenge), le(ts, 8)]), { dkLen: 64 });
  out({ kind: 'challenge', challenge: hex(challenge), timestamp: ts, hash: hex(ch), pk: hex(k.pk),
    sig: hex(ed25519.sign(ch, k.seed)) });
}
