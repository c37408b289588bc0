// Drives a running sigild over HTTP and checks every signature with
// implementations we did not write (@taquito/utils, @taquito/remote-signer).
// Usage: node tezos_http.mjs <main|restart|auth> API UTIL TZ1 TZ2 TZ3 NARROW
import assert from 'node:assert/strict';
import { verifySignature, getPkhfromPk, b58DecodeAndCheckPrefix, PrefixV2 } from '@taquito/utils';
import { RemoteSigner } from '@taquito/remote-signer';
import { authSigner } from './auth_key.mjs';

const [phase, API, UTIL, TZ1, TZ2, TZ3, NARROW] = process.argv.slice(2);
const MAINNET = '7a06a770';  // NetXdQprcVkpaWU
const GHOSTNET = 'af1864d9'; // NetXnHfVqm9iesp
const BRANCH = 'ab'.repeat(32);
// A transaction forged by @taquito/local-forging 24.2.0 (branch, then contents).
const TX = '038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00';

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; }
  catch (e) { failed++; console.error(`FAIL ${name}: ${e.stack || e}`); }
}

const be = (n, bytes) => n.toString(16).padStart(bytes * 2, '0');
const i32 = (n) => be(n >>> 0, 4);
const hash32 = (s) => Buffer.from(s.padEnd(32, '.').slice(0, 32)).toString('hex');

function attestation({ chain = MAINNET, level, round = 0, payload = 'p', slot = 0, magic = '13', tag = null }) {
  const t = tag ?? (magic === '12' ? '14' : '15');
  return magic + chain + BRANCH + t + be(slot, 2) + i32(level) + i32(round) + hash32(payload);
}

// A block header: round lives in the fitness, not in payload_round.
function block({ chain = MAINNET, level, round, payloadRound = round, payload = 'b' }) {
  const item = (hex) => i32(hex.length / 2) + hex;
  const fitness = item('02') + item(i32(level)) + item('') + item(i32(0xffffffff)) + item(i32(round));
  const shell = i32(level) + '01' + hash32('pred') + be(1700000000, 8) + '04' + hash32('ops') +
    i32(fitness.length / 2) + fitness + hash32('ctx');
  const proto = hash32(payload) + i32(payloadRound) + '00'.repeat(8) + '00' + '00';
  return '11' + chain + shell + proto;
}

async function post(addr, hex, query = '') {
  const r = await fetch(`${API}/keys/${addr}${query}`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: typeof hex === 'string' ? JSON.stringify(hex) : hex.raw,
  });
  const text = await r.text();
  let body; try { body = JSON.parse(text); } catch { body = text; }
  return { status: r.status, body };
}

async function pk(addr) {
  const r = await fetch(`${API}/keys/${addr}`);
  assert.equal(r.status, 200);
  return (await r.json()).public_key;
}

async function signOk(addr, hex, query = '') {
  const r = await post(addr, hex, query);
  assert.equal(r.status, 200, `expected 200, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.ok(verifySignature(hex, await pk(addr), r.body.signature), 'signature does not verify');
  return r.body.signature;
}

async function refused(addr, hex, status, query = '') {
  const r = await post(addr, hex, query);
  assert.equal(r.status, status, `expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
  assert.ok(Array.isArray(r.body) && r.body[0].id === 'failure' && r.body[0].kind === 'temporary',
    `octez error form expected: ${JSON.stringify(r.body)}`);
}

// Signatures made so far, from sigild's own counter (signing_ops_total).
async function signedTotal() {
  const m = await (await fetch(`${UTIL}/metrics`)).text();
  return m.split('\n').filter((l) => l.startsWith('signing_ops_total{'))
    .reduce((n, l) => n + Number(l.split(' ').pop()), 0);
}

function authFor(addr, hex) {
  const tag = { tz1: '00', tz2: '01', tz3: '02' }[addr.slice(0, 3)];
  const [h] = b58DecodeAndCheckPrefix(addr, [PrefixV2.Ed25519PublicKeyHash,
    PrefixV2.Secp256k1PublicKeyHash, PrefixV2.P256PublicKeyHash]);
  return authSigner.sign('0401' + tag + Buffer.from(h).toString('hex') + hex)
    .then((s) => `?authentication=${s.prefixSig}`);
}

if (phase === 'main') {
  await check('public keys match their addresses', async () => {
    for (const a of [TZ1, TZ2, TZ3]) assert.equal(getPkhfromPk(await pk(a)), a);
  });
  await check('generic transactions verify for tz1, tz2, tz3', async () => {
    for (const a of [TZ1, TZ2, TZ3]) {
      const s = await signOk(a, TX);
      assert.match(s, { tz1: /^edsig/, tz2: /^spsig1/, tz3: /^p2sig/ }[a.slice(0, 3)]);
    }
  });
  await check('version 0, 1, 2 accepted for tz1-3; others refused', async () => {
    for (const v of ['0', '1', '2']) await signOk(TZ1, TX, `?version=${v}`);
    await refused(TZ1, TX, 400, '?version=3');
    await refused(TZ1, TX, 400, '?version=x');
  });
  await check('Taquito RemoteSigner signs through sigil', async () => {
    for (const a of [TZ1, TZ2, TZ3]) {
      const rs = new RemoteSigner(a, API);
      const out = await rs.sign(TX.slice(2), new Uint8Array([3]));
      assert.ok(verifySignature(TX, await rs.publicKey(), out.prefixSig));
    }
  });
  await check('attestation watermark sequence', async () => {
    const s1 = await signOk(TZ1, attestation({ level: 100 }));
    assert.equal(await signOk(TZ1, attestation({ level: 100 })), s1, 'identical request, same signature');
    await refused(TZ1, attestation({ level: 100, payload: 'other' }), 409);
    await signOk(TZ1, attestation({ level: 100, round: 1 }));
    await refused(TZ1, attestation({ level: 100, round: 0, payload: 'x' }), 409);
    await refused(TZ1, attestation({ level: 99, round: 5 }), 409);
    await signOk(TZ1, attestation({ level: 101 }));
    // attestation_with_dal (tag 23) shares the attestation watermark (magic 0x13).
    await refused(TZ1, attestation({ level: 101, tag: '17', payload: 'dal' }) + '00', 409);
  });
  await check('preattestation watermark is its own', async () => {
    await signOk(TZ1, attestation({ magic: '12', level: 100 }));
    await refused(TZ1, attestation({ magic: '12', level: 100, payload: 'z' }), 409);
    await signOk(TZ1, attestation({ magic: '12', level: 101 }));
  });
  await check('block round comes from the fitness, not payload_round', async () => {
    await signOk(TZ2, block({ level: 200, round: 2, payloadRound: 5 }));
    await refused(TZ2, block({ level: 200, round: 2, payload: 'other' }), 409);
    await signOk(TZ2, block({ level: 200, round: 3, payloadRound: 0 }));
    await refused(TZ2, block({ level: 199, round: 9 }), 409);
  });
  await check('64 racing payloads at one level: exactly one signed', async () => {
    const rs = await Promise.all(Array.from({ length: 64 }, (_, i) =>
      post(TZ3, attestation({ level: 1000, payload: `race${i}` }))));
    const ok = rs.filter((r) => r.status === 200).length;
    const wm = rs.filter((r) => r.status === 409).length;
    assert.equal(ok, 1, `signed ${ok}`);
    assert.equal(wm, 63);
  });
  await check('bad bodies are 400/413 and sign nothing', async () => {
    const before = await signedTotal();
    await refused(TZ1, { raw: '"03ab' }, 400);
    await refused(TZ1, { raw: '{"a":1}' }, 400);
    await refused(TZ1, { raw: '' }, 400);
    await refused(TZ1, 'zz', 400);
    await refused(TZ1, '03a', 400);
    await refused(TZ1, { raw: JSON.stringify('03' + 'ab'.repeat(1024 * 1024)) }, 413);
    await refused(TZ1, '99' + BRANCH, 400);
    await refused(TZ1, '03' + BRANCH + 'ee00', 400);
    await refused(TZ1, TX.slice(0, TX.length - 10), 400);
    await refused(TZ1, TX + '00', 400);
    await refused(TZ1, attestation({ level: 102 }).slice(0, 80), 400);
    assert.equal(await signedTotal(), before, 'a refused request was signed');
  });
  await check('refused requests move no watermark', async () => {
    const before = await signedTotal();
    // Each is a consensus request above what is signed next, refused for
    // one reason: truncated, oversized, bad hex, bad version, unknown content
    // tag, a chain the key may not sign for (test_tezos_http.sh then checks
    // that no Ghostnet watermark exists at all).
    await refused(TZ3, block({ level: 50, round: 0 }).slice(0, 200), 400);
    await refused(TZ1, block({ level: 5000, round: 0 }).slice(0, 120), 400);
    await refused(TZ1, { raw: JSON.stringify(block({ level: 5001, round: 0 }) + 'ab'.repeat(1024 * 1024)) }, 413);
    await refused(TZ1, block({ level: 5002, round: 0 }) + 'z', 400);
    await refused(TZ1, block({ level: 5003, round: 0 }), 400, '?version=7');
    await refused(TZ1, attestation({ magic: '12', level: 5000, tag: 'ee' }), 400);
    await refused(NARROW, attestation({ chain: GHOSTNET, level: 50 }), 403);
    await refused(NARROW, block({ chain: GHOSTNET, level: 5000, round: 0 }), 403);
    assert.equal(await signedTotal(), before, 'a refused request was signed');
    await signOk(TZ3, block({ level: 40, round: 0 }));
    await signOk(TZ1, block({ level: 4000, round: 0 }));
    await signOk(TZ1, attestation({ magic: '12', level: 4000 }));
    await signOk(NARROW, attestation({ level: 40 }));
    assert.equal(await signedTotal(), before + 4);
  });
  await check('unknown keys are 404', async () => {
    const other = 'tz1gjaF81ZRRvdzjobyfVNsAeSC6PScjfQwN';
    const before = await signedTotal();
    assert.equal((await fetch(`${API}/keys/${other}`)).status, 404);
    await refused(other, TX, 404);
    await refused(other, attestation({ level: 7 }), 404);
    assert.equal(await signedTotal(), before);
  });
  await check('policy refusals are 403', async () => {
    await refused(NARROW, TX, 403);                               // no generic allowed
    await refused(TZ2, attestation({ level: 300, tag: '17', payload: 'd' }) + '00', 403); // no attestation_with_dal
    await refused(TZ1, '05' + '0100000003616263', 403);          // pack not allowed
  });
  await check('policy refusals sign nothing', async () => {
    const before = await signedTotal();
    await refused(NARROW, TX, 403);
    await refused(TZ1, '05' + '0100000003616263', 403);
    assert.equal(await signedTotal(), before);
  });
  await check('known_keys, authorized_keys, healthz, metrics', async () => {
    const kk = await (await fetch(`${API}/known_keys`)).json();
    for (const a of [TZ1, TZ2, TZ3, NARROW]) assert.ok(kk.known_keys.includes(a));
    assert.deepEqual(await (await fetch(`${API}/authorized_keys`)).json(), {});
    const h = await fetch(`${UTIL}/healthz`);
    assert.equal(h.status, 200);
    assert.deepEqual(await h.json(), { ready: true });
    const m = await (await fetch(`${UTIL}/metrics`)).text();
    for (const name of ['sign_handler_requests_total{status="200"}', 'signing_ops_total{',
      'watermark_rejection_total{', 'policy_violation_total{', 'authentication_failure_total',
      'sign_handler_request_duration_milliseconds_bucket', 'vault_sign_request_duration_milliseconds_count'])
      assert.ok(m.includes(name), `metrics lack ${name}`);
    // A consensus mark is made durable before its signature: one more
    // fdatasync at least (a chain of its own, not to disturb the marks
    // the restart phase checks).
    const fsyncs = async () => {
      const t = await (await fetch(`${UTIL}/metrics`)).text();
      const l = t.split('\n').find((x) => x.startsWith('watermark_fsync_total '));
      assert.ok(l, 'metrics lack watermark_fsync_total');
      return Number(l.split(' ')[1]);
    };
    const f0 = await fsyncs();
    await signOk(TZ1, attestation({ chain: '01020304', level: 7 }));
    assert.ok((await fsyncs()) > f0, 'no fdatasync counted for a consensus signature');
  });
} else if (phase === 'restart') {
  await check('watermarks survive a restart', async () => {
    await refused(TZ1, attestation({ level: 101, payload: 'after restart' }), 409);
    await refused(TZ2, block({ level: 200, round: 3, payload: 'after restart' }), 409);
    await refused(TZ3, attestation({ level: 1000, payload: 'after restart' }), 409);
    await signOk(TZ1, attestation({ level: 101 }));  // identical bytes: signed again
    await signOk(TZ1, attestation({ level: 102 }));
  });
} else if (phase === 'auth') {
  await check('known_keys is 403 when listing is not allowed', async () => {
    const r = await fetch(`${API}/known_keys`);
    assert.equal(r.status, 403);
    const j = await r.json();
    assert.ok(Array.isArray(j) && j[0].id === 'failure', JSON.stringify(j));
  });
  await check('authorized_keys lists the authenticating key', async () => {
    const j = await (await fetch(`${API}/authorized_keys`)).json();
    assert.deepEqual(j, { authorized_keys: [await authSigner.publicKeyHash()] });
  });
  await check('authentication: missing 401, wrong 403, right 200', async () => {
    await refused(TZ1, TX, 401);
    const wrong = await authFor(TZ1, TX.slice(0, -2) + '01');
    await refused(TZ1, TX, 403, wrong);
    await refused(TZ1, TX, 403, '?authentication=edsigBAD');
    await refused(TZ2, TX, 403, await authFor(TZ1, TX)); // signed for another key
    await signOk(TZ1, TX, await authFor(TZ1, TX));
    await signOk(TZ2, TX, await authFor(TZ2, TX));
  });
  await check('a refused authentication moves no watermark', async () => {
    const before = await signedTotal();
    await refused(TZ1, attestation({ level: 5000 }), 401);
    assert.equal(await signedTotal(), before);
    const hi = attestation({ level: 5000 });
    await refused(TZ1, hi, 403, await authFor(TZ1, attestation({ level: 4000 })));
    const lo = attestation({ level: 4000 });
    await signOk(TZ1, lo, await authFor(TZ1, lo));
  });
}

console.log(`${phase}: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
