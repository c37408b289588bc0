// sigil's sr25519 (src/crypto/sr25519.c) against two implementations we did
// not write: @scure/sr25519 and @polkadot/util-crypto (which signs through
// @scure/sr25519 but expands seeds and checks lengths its own way).
// Drives tests/integration/tools/sr25519_check (one command a line, see its
// header) over fresh random mini secrets and messages:
//   - sigil's public key and 64-byte secret key (polkadot-js's form) equal
//     @scure's secretFromSeed/getPublicKey and polkadot-js's
//     sr25519PairFromSeed for the same seed;
//   - sigil's signature (context "substrate") is accepted by @scure's verify
//     and polkadot-js's sr25519Verify, and is byte for byte @scure's
//     sign(secretKey, msg, 32 zero bytes): sigil's fixed witness;
//   - the same signature with one bit flipped is refused by @scure (so this
//     checker can fail);
//   - polkadot-js's 64-byte secretKey, given to sigil (pub), gives the same
//     public key;
//   - @scure's and polkadot-js's own (randomised) signatures verify in sigil,
//     and with one bit of the message or signature flipped do not; so do
//     signatures under another context, which these libraries cannot make
//     (sigil signs them, sigil verifies them, and under "substrate" they fail).
// Usage: node sr25519_check.mjs TOOL [count]
import { spawnSync } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import * as sr from '@scure/sr25519';
import { sr25519PairFromSeed, sr25519Sign, sr25519Verify } from '@polkadot/util-crypto';

const TOOL = process.argv[2];
const N = Number(process.argv[3] ?? 200);
if (!TOOL) throw new Error('usage: node sr25519_check.mjs TOOL [count]');

const hex = (b) => (b.length === 0 ? '-' : Buffer.from(b).toString('hex'));
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));
const SUBSTRATE = new TextEncoder().encode('substrate');
const ZERO32 = new Uint8Array(32);
// Lengths at the edges that matter: empty, one, STROBE's 166-byte block,
// Substrate's 256-byte threshold (past it a payload is hashed first, but the
// signer must still take any length), and a few blocks.
const EDGE = [0, 1, 32, 165, 166, 167, 255, 256, 257, 1000, 4096];
const msgLen = (i) => (i < EDGE.length ? EDGE[i] : randomInt(2) ? EDGE[randomInt(EDGE.length)] : randomInt(600));
const flip = (b) => {
  const c = Uint8Array.from(b);
  const bit = randomInt(c.length * 8);
  c[bit >> 3] ^= 1 << (bit & 7);
  return c;
};
// The libraries throw on some malformed input (a bad point): a refusal.
const accepts = (f) => {
  try {
    return f() === true;
  } catch {
    return false;
  }
};

let failed = 0;
const check = (cond, what) => {
  if (!cond) {
    failed++;
    if (failed <= 10) console.error(`sr25519_check: ${what}`);
  }
};

// One request line and what to expect of its answer.
const lines = [];
const expect = [];
for (let i = 0; i < N; i++) {
  const seed = new Uint8Array(randomBytes(32));
  const msg = new Uint8Array(randomBytes(msgLen(i)));
  const sk = sr.secretFromSeed(seed);
  const pk = sr.getPublicKey(sk);
  const pair = sr25519PairFromSeed(seed);
  check(hex(pair.publicKey) === hex(pk) && hex(pair.secretKey) === hex(sk),
    `@scure and polkadot-js disagree on seed ${hex(seed)}`);

  lines.push(`sign ${hex(seed)} ${hex(SUBSTRATE)} ${hex(msg)}`);
  expect.push((ans) => {
    const [gpk, ged, gsig] = ans.split(' ');
    const what = `seed ${hex(seed)} msg ${hex(msg)}`;
    check(gpk === hex(pk), `public key differs from @scure's: ${what}`);
    check(gpk === hex(pair.publicKey), `public key differs from polkadot-js's: ${what}`);
    check(ged === hex(pair.secretKey), `secret key differs from polkadot-js's: ${what}`);
    if (gsig === undefined || gsig.length !== 128) return check(false, `no signature: ${what}`);
    const sig = unhex(gsig);
    check(accepts(() => sr.verify(msg, sig, pk)), `@scure refuses sigil's signature: ${what}`);
    check(accepts(() => sr25519Verify(msg, sig, pk)), `polkadot-js refuses sigil's signature: ${what}`);
    check(gsig === hex(sr.sign(sk, msg, ZERO32)), `signature is not @scure's with a zero witness: ${what}`);
    check(!accepts(() => sr.verify(msg, flip(sig), pk)), `@scure accepts a flipped signature: ${what}`);
  });

  lines.push(`pub ${hex(pair.secretKey)}`);
  expect.push((ans) => check(ans === hex(pk), `pub from polkadot-js's secretKey: seed ${hex(seed)}`));

  // The other way: their signatures in sigil's verify.
  const theirs = i % 2 ? sr.sign(sk, msg) : sr25519Sign(msg, pair);
  const who = i % 2 ? '@scure' : 'polkadot-js';
  const v = (p, m, s) => `verify ${hex(p)} ${hex(SUBSTRATE)} ${hex(m)} ${hex(s)}`;
  lines.push(v(pk, msg, theirs));
  expect.push((ans) => check(ans === 'ok', `sigil refuses ${who}'s signature: msg ${hex(msg)}`));
  lines.push(v(pk, msg, flip(theirs)));
  expect.push((ans) => check(ans === 'bad', `sigil accepts ${who}'s flipped signature`));
  if (msg.length > 0) {
    lines.push(v(pk, flip(msg), theirs));
    expect.push((ans) => check(ans === 'bad', `sigil accepts ${who}'s signature of a changed message`));
  }
  const other = sr.secretFromSeed(new Uint8Array(randomBytes(32)));
  lines.push(v(sr.getPublicKey(other), msg, theirs));
  expect.push((ans) => check(ans === 'bad', `sigil accepts ${who}'s signature under another key`));
}

const run = spawnSync(TOOL, [], { input: lines.join('\n') + '\n', maxBuffer: 1 << 28 });
if (run.status !== 0) {
  console.error(`sr25519_check: ${TOOL} exited ${run.status} ${run.signal ?? ''}\n${run.stderr}`);
  process.exit(1);
}
const answers = run.stdout.toString().split('\n').slice(0, -1);
check(answers.length === expect.length, `${answers.length} answers to ${expect.length} lines`);
for (let i = 0; i < Math.min(answers.length, expect.length); i++) {
  check(answers[i] !== 'error', `tool could not read line ${i + 1}`);
  expect[i](answers[i]);
}
console.log(`sr25519_check: ${expect.length - failed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
