// The Atto signer's HTTP API as sigild serves it (src/api/atto.c), driven
// the way the Atto node and attocash/signer's own Cucumber feature drive
// it. Every signature is checked with @noble/curves' Ed25519 over a hash
// computed here with @noble/hashes' BLAKE2b from commons' published
// layouts (AttoBlock, AttoVote, AttoSigner): nothing of sigil's is used.
// Usage: node atto_api.mjs URL TOKEN SCENARIO...
//   scenarios: block vote challenge wrong_token no_capability_block
//              wrong_key tokens malformed watermark
//              expect_status=N (every signing request below answers N)
import { blake2b } from '@noble/hashes/blake2.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { ed25519 } from '@noble/curves/ed25519.js';

const [URL, TOKEN, ...SCENARIOS] = process.argv.slice(2);
const hex = (b) => Buffer.from(b).toString('hex').toUpperCase();
const unhex = (s) => Uint8Array.from(Buffer.from(s, 'hex'));
const AMOUNT_MAX = 18000000000000000000n;
const I64_MAX = (1n << 63n) - 1n;
const le = (v, n) => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = Number((BigInt(v) >> BigInt(8 * i)) & 0xffn);
  return b;
};
const NETS = { LIVE: 0, BETA: 1, DEV: 2, LOCAL: 3 };
const TYPES = { OPEN: 0, RECEIVE: 1, SEND: 2, CHANGE: 3 };

// JSON with numbers past 2^53 written exactly (JSON.stringify cannot).
const json = (o) =>
  '{' + Object.entries(o).map(([k, v]) => JSON.stringify(k) + ':' + (typeof v === 'bigint' ? v.toString()
    : typeof v === 'object' ? json(v) : JSON.stringify(v))).join(',') + '}';

// AttoAddress: "atto://" + base32(alg ‖ pk ‖ blake2b-40(alg ‖ pk)), lowercase.
function address(pk) {
  const raw = Buffer.concat([Buffer.from([0]), pk, blake2b(Buffer.concat([Buffer.from([0]), pk]), { dkLen: 5 })]);
  const abc = 'abcdefghijklmnopqrstuvwxyz234567';
  let v = 0n;
  for (const x of raw) v = (v << 8n) | BigInt(x);
  v <<= BigInt(61 * 5 - raw.length * 8);
  let s = '';
  for (let i = 60; i >= 0; i--) s += abc[Number((v >> BigInt(5 * i)) & 31n)];
  return 'atto://' + s;
}

// A block's bytes, as AttoBlock.toBuffer writes them.
function blockBytes(b) {
  const head = [Buffer.from([TYPES[b.type], NETS[b.network]]), le(b.version, 2), Buffer.from([0]), unhex(b.publicKey)];
  const h = b.type === 'OPEN' ? [] : [le(b.height, 8)];
  const common = [...head, ...h, le(b.balance, 8), le(b.timestamp, 8)];
  const prev = b.type === 'OPEN' ? [] : [unhex(b.previous)];
  const tail = {
    OPEN: () => [Buffer.from([0]), unhex(b.sendHash), Buffer.from([0]), unhex(b.representativePublicKey)],
    RECEIVE: () => [Buffer.from([0]), unhex(b.sendHash)],
    SEND: () => [Buffer.from([0]), unhex(b.receiverPublicKey), le(b.amount, 8)],
    CHANGE: () => [Buffer.from([0]), unhex(b.representativePublicKey)],
  }[b.type]();
  return Buffer.concat([...common, ...prev, ...tail]);
}
const voteBytes = (v) => Buffer.concat([le(v.version, 2), Buffer.from([0]), unhex(v.publicKey), Buffer.from([0]),
  unhex(v.blockHash), le(v.timestamp, 8)]);

let failures = 0, checks = 0;
function check(name, ok, detail) {
  checks++;
  if (!ok) {
    failures++;
    console.log(`FAIL ${name}${detail ? ': ' + detail : ''}`);
  }
}

async function post(path, body, auth = TOKEN) {
  const headers = { 'Content-Type': 'application/json' };
  if (auth !== null) headers.Authorization = auth;
  const r = await fetch(URL + path, { method: 'POST', headers, body });
  const text = await r.text();
  let j = null;
  try { j = JSON.parse(text); } catch { /* not JSON */ }
  return { status: r.status, text, json: j };
}

const { publicKey: PK } = await (await fetch(URL + '/public-keys')).json();
check('GET /public-keys: 64 uppercase hex digits', /^[0-9A-F]{64}$/.test(PK), PK);
const pk = unhex(PK);
const rnd32 = () => hex(randomBytes(32));
const now = () => BigInt(Date.now());

// buildBlock() of the feature's step definitions: an OPEN block of the
// signer's key with the largest amount there is.
const openBlock = () => ({
  type: 'OPEN', network: 'LOCAL', version: 0, algorithm: 'V1', publicKey: PK, balance: AMOUNT_MAX,
  timestamp: now(), sendHashAlgorithm: 'V1', sendHash: rnd32(), representativeAlgorithm: 'V1',
  representativePublicKey: rnd32(),
});
let sendHeight = 2n + BigInt(Math.floor(Math.random() * 1e9));
const sendBlock = () => ({
  type: 'SEND', network: 'LIVE', version: 0, algorithm: 'V1', publicKey: PK, height: sendHeight++,
  balance: 5n, timestamp: now(), previous: rnd32(), receiverAlgorithm: 'V1', receiverPublicKey: rnd32(),
  amount: AMOUNT_MAX - 1n,
});
const vote = (ts = now()) => ({ version: 0, algorithm: 'V1', publicKey: PK, blockAlgorithm: 'V1', blockHash: rnd32(), timestamp: ts });

const valid = (sig, msg) => /^[0-9A-F]{128}$/.test(sig ?? '') && ed25519.verify(unhex(sig), msg, pk);

async function signBlock(name, b, extra = {}) {
  const r = await post('/blocks', json({ target: { ...b, ...extra } }));
  check(`${name}: 200`, r.status === 200, `${r.status} ${r.text}`);
  check(`${name}: signature valid over blake2b-256 of the block`,
    r.status === 200 && valid(r.json.signature, blake2b(blockBytes(b), { dkLen: 32 })), r.text);
  return r;
}

const scenarios = {
  // Scenario: Block signing should be allowed
  async block() {
    await signBlock('open block (AttoAmount.MAX)', openBlock());
    // As the node sends it: with the output-only members, here a SEND.
    const s = sendBlock();
    await signBlock('send block with the node\'s extra members', s,
      { address: address(pk), receiverAddress: address(unhex(s.receiverPublicKey)).slice(7) });
  },
  // Scenario: Vote signing should be allowed
  async vote() {
    for (const [name, v] of [['vote', vote()], ['final vote', vote(I64_MAX)]]) {
      const r = await post('/votes', json({ target: v }));
      check(`${name}: 200`, r.status === 200, `${r.status} ${r.text}`);
      check(`${name}: signature valid over blake2b-256 of the vote`,
        r.status === 200 && valid(r.json.signature, blake2b(voteBytes(v), { dkLen: 32 })), r.text);
    }
  },
  // Scenario: Challenge signing should be allowed
  async challenge() {
    for (const ch of [new Uint8Array(64), randomBytes(200)]) {
      const ts = now();
      const r = await post('/challenges', json({ target: hex(ch), timestamp: ts }));
      check(`challenge of ${ch.length} bytes: 200`, r.status === 200, `${r.status} ${r.text}`);
      const msg = blake2b(Buffer.concat([pk, ch, le(ts, 8)]), { dkLen: 64 });
      check(`challenge of ${ch.length} bytes: signature valid over blake2b-512(pk ‖ challenge ‖ ts)`,
        r.status === 200 && valid(r.json.signature, msg), r.text);
    }
    const r = await post('/challenges', json({ target: hex(new Uint8Array(63)), timestamp: now() }));
    check('challenge of 63 bytes: 400', r.status === 400 && /at least 64 bytes/.test(r.json?.message ?? ''), r.text);
  },
  // Scenario: Signing should NOT be allowed when token is wrong
  async wrong_token() {
    for (const [name, auth] of [['wrong token', 'wrong_token'], ['no token', null], ['empty token', '']]) {
      const r = await post('/blocks', json({ target: openBlock() }), auth);
      check(`${name}: 401 with an empty body`, r.status === 401 && r.text === '', `${r.status} ${r.text}`);
    }
    const r = await post('/nowhere', '{}', 'wrong_token');
    check('unknown path, wrong token: 401 (the token is checked before routing)', r.status === 401, `${r.status}`);
    const r2 = await post('/nowhere', '{}');
    check('unknown path, right token: 404', r2.status === 404, `${r2.status}`);
  },
  // Scenario: Signing should NOT be allowed when capability is not supported
  async no_capability_block() {
    const r = await post('/blocks', json({ target: openBlock() }));
    check('block without BLOCK: 400 and the signer\'s message', r.status === 400 &&
      r.text === '{"message":"Signing a block is not allowed. Capability BLOCK is missing."}', `${r.status} ${r.text}`);
  },
  async no_capability_challenge() {
    const r = await post('/challenges', json({ target: hex(new Uint8Array(64)), timestamp: now() }));
    check('challenge without CHALLENGE: 400 and the signer\'s message', r.status === 400 &&
      r.text === '{"message":"Signing a challenge is not allowed. Capability CHALLENGE is missing."}', `${r.status} ${r.text}`);
  },
  async wrong_key() {
    const other = rnd32();
    for (const [path, target] of [['/blocks', { ...openBlock(), publicKey: other }], ['/votes', { ...vote(), publicKey: other }]]) {
      const r = await post(path, json({ target }));
      check(`${path} for another key: 400 "Different public key"`, r.status === 400 &&
        r.text === `{"message":"Different public key ${PK}"}`, `${r.status} ${r.text}`);
    }
  },
  async tokens() {
    const r = await post('/votes', json({ target: vote() }), 'Bearer ' + TOKEN);
    check('Authorization: Bearer <token> is taken too', r.status === 200, `${r.status} ${r.text}`);
  },
  async malformed() {
    const cases = [
      ['not JSON', '{"target":'],
      ['balance above 18e18', json({ target: { ...openBlock(), balance: AMOUNT_MAX + 1n } })],
      ['amount above u64', json({ target: { ...sendBlock() } }).replace(/"amount":\d+/, '"amount":18446744073709551616')],
      ['a fraction', json({ target: vote() }).replace(/"version":0/, '"version":0.5')],
      ['unknown member', json({ target: { ...vote(), extra: 1 } })],
      ['missing member', json({ target: { ...vote(), blockHash: undefined } }).replace(/,"blockHash":undefined/, '')],
      ['network UNKNOWN', json({ target: { ...openBlock(), network: 'UNKNOWN' } })],
      ['OPEN at height 2', json({ target: { ...openBlock(), height: 2n } })],
      ['a wrong address', json({ target: { ...openBlock(), address: address(randomBytes(32)) } })],
    ];
    for (const [name, body] of cases) {
      const r = await post(name === 'unknown member' || name === 'a fraction' || name === 'missing member' ? '/votes' : '/blocks', body);
      check(`${name}: 400 {"message"}`, r.status === 400 && typeof r.json?.message === 'string', `${r.status} ${r.text}`);
    }
  },
  // One block per height: the same block again is signed again (the same
  // signature), a different one at that height is refused.
  async watermark() {
    const b = sendBlock();
    const r1 = await signBlock('block at a new height', b);
    const r2 = await post('/blocks', json({ target: b }));
    check('the same block again: the same signature', r2.status === 200 && r2.json.signature === r1.json?.signature, r2.text);
    const r3 = await post('/blocks', json({ target: { ...b, balance: 6n } }));
    check('another block at that height: 409', r3.status === 409, `${r3.status} ${r3.text}`);
    const r4 = await post('/blocks', json({ target: { ...b, height: 2147483648n } }));
    check('a height past 2^31-1: 400', r4.status === 400, `${r4.status} ${r4.text}`);
  },
  async not_ready() {
    const r = await post('/votes', json({ target: vote() }));
    check('a vault that is not ready: 429 (the node retries it)', r.status === 429, `${r.status} ${r.text}`);
  },
};

for (const s of SCENARIOS) {
  if (!scenarios[s]) throw new Error(`no scenario ${s}`);
  await scenarios[s]();
}
console.log(`${checks - failures}/${checks} checks passed (${SCENARIOS.join(' ')})`);
process.exit(failures ? 1 : 0);
