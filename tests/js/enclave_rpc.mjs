// Talks to a running sigil-enclave in its own protocol with a CBOR
// implementation we did not write (cbor-x), and checks its keys and
// signatures with @noble/curves: every request, the errors the protocol
// names, and frames that must close only their own connection.
// Usage: node enclave_rpc.mjs ADDRESS PASSPHRASE          (every check)
//        node enclave_rpc.mjs ADDRESS PASSPHRASE forbidden (Initialize, then
//          the test hook's forbidden call: the holder must die of it)
// ADDRESS is a unix socket path or HOST:PORT.
import assert from 'node:assert/strict';
import net from 'node:net';
import { Encoder, decode } from 'cbor-x';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { p256 } from '@noble/curves/nist.js';
import { bls12_381 } from '@noble/curves/bls12-381.js';
import { blake2b } from '@noble/hashes/blake2.js';

const [SOCKET, PASSPHRASE, MODE] = process.argv.slice(2);
const tcp = /^[0-9.]+:[0-9]+$/.test(SOCKET);
const cbor = new Encoder({ useRecords: false, mapsAsObjects: true });
const L = bls12_381.longSignatures;
const DST_POP = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const DST_AUG = 'BLS_SIG_BLS12381G2_XMD:SHA-256_SSWU_RO_AUG_';
const DST_PROOF = 'BLS_POP_BLS12381G2_XMD:SHA-256_SSWU_RO_POP_';
const hex = (b) => Buffer.from(b).toString('hex');

let passed = 0, failed = 0;
async function check(name, fn) {
  try { await fn(); passed++; } catch (e) { failed++; console.error(`FAIL ${name}: ${e.stack || e}`); }
}

// One connection: frames out, frames in, and whether the holder closed it.
function connect() {
  return new Promise((resolve, reject) => {
    const s = tcp ? net.createConnection({ host: SOCKET.split(':')[0], port: Number(SOCKET.split(':')[1]) })
      : net.createConnection(SOCKET);
    let buf = Buffer.alloc(0), waiting = [], closed = false;
    const pump = () => {
      while (waiting.length && buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
        const n = buf.readUInt32BE(0);
        const frame = buf.subarray(4, 4 + n);
        buf = buf.subarray(4 + n);
        waiting.shift().resolve(decode(frame));
      }
      if (closed) while (waiting.length) waiting.shift().reject(new Error('closed'));
    };
    s.on('data', (d) => { buf = Buffer.concat([buf, d]); pump(); });
    s.on('close', () => { closed = true; pump(); });
    s.on('error', () => { closed = true; pump(); });
    s.on('connect', () => resolve({
      raw(bytes) { s.write(bytes); },
      call(req) {
        const body = cbor.encode(req);
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length);
        s.write(Buffer.concat([len, body]));
        return new Promise((res, rej) => { waiting.push({ resolve: res, reject: rej }); pump(); });
      },
      next() { return new Promise((res, rej) => { waiting.push({ resolve: res, reject: rej }); pump(); }); },
      closed: () => new Promise((res) => { if (closed) res(); else s.on('close', res); }),
      end() { s.destroy(); },
    }));
    s.on('error', reject);
  });
}

const ok = (r) => { assert.ok(r && 'Ok' in r, `expected Ok, got ${JSON.stringify(r)}`); return r.Ok; };
const err = (r, msg) => {
  assert.ok(r && r.Err && typeof r.Err.message === 'string', `expected Err, got ${JSON.stringify(r)}`);
  if (msg) assert.match(r.Err.message, msg);
};
const only = (m) => { const k = Object.keys(m); assert.equal(k.length, 1, JSON.stringify(m)); return [k[0], m[k[0]]]; };

function verifyTezos(type, pk, msg, sig, version = 2) {
  const d = blake2b(msg, { dkLen: 32 });
  switch (type) {
    case 'Ed25519': return ed25519.verify(sig, d, pk);
    case 'Secp256k1': return secp256k1.verify(sig, d, pk, { prehash: false, lowS: true });
    case 'NistP256': return p256.verify(sig, d, pk, { prehash: false });
    case 'Bls': return version === 1
      ? L.verify(L.Signature.fromBytes(sig), L.hash(new Uint8Array([...pk, ...msg]), DST_AUG), pk)
      : L.verify(L.Signature.fromBytes(sig), L.hash(msg, DST_POP), pk);
  }
  throw new Error(type);
}

const c = await connect();
if (MODE === 'forbidden') {
  ok(await c.call({ Initialize: { provider: 'passphrase', passphrase: PASSPHRASE } }));
  // Handle 0 names no key; with SIGIL_TEST_ENCLAVE_FORBIDDEN set, the holder
  // opens a file first, which its seccomp filter forbids.
  const r = await c.call({ PublicKey: 0 }).catch(() => null);
  if (r !== null) { console.log(`enclave_rpc: answered ${JSON.stringify(r)}`); process.exit(1); }
  console.log('enclave_rpc: the connection died with the holder');
  process.exit(0);
}
// Buffers go out as CBOR byte strings (a Uint8Array gets tag 64, which
// the holder also takes: the last check).
const MSG = Buffer.from('03' + 'ab'.repeat(40), 'hex');

await check('a call before Initialize is uninitialized', async () => {
  err(await c.call({ PublicKey: 1 }), /^uninitialized$/);
  err(await c.call({ Generate: 'Ed25519' }), /^uninitialized$/);
});
await check('Initialize, then a second one is refused', async () => {
  ok(await c.call({ Initialize: { provider: 'passphrase', passphrase: PASSPHRASE } }));
  err(await c.call({ Initialize: { provider: 'passphrase', passphrase: PASSPHRASE } }), /already initialized/);
});

const held = {};
for (const type of ['Ed25519', 'Secp256k1', 'NistP256', 'Bls']) {
  await check(`${type}: GenerateAndImport, Sign, PublicKey, SignWith, Import`, async () => {
    const g = ok(await c.call({ GenerateAndImport: type }));
    const [t, pk] = only(g.public_key);
    assert.equal(t, type);
    assert.equal(pk.length, { Ed25519: 32, Secp256k1: 33, NistP256: 33, Bls: 48 }[type]);
    assert.ok(g.encrypted_private_key.length > pk.length + 40);
    assert.equal(typeof g.handle, 'number');
    const s = ok(await c.call({ Sign: { handle: g.handle, message: MSG } }));
    const [st, sig] = only(s);
    assert.equal(st, type);
    assert.ok(verifyTezos(type, pk, MSG, sig), 'signature does not verify');
    assert.deepEqual(only(ok(await c.call({ PublicKey: g.handle }))), [type, pk]);
    const w = ok(await c.call({ SignWith: { encrypted_private_key: g.encrypted_private_key, message: MSG } }));
    assert.equal(hex(only(w)[1]), hex(sig), 'SignWith and Sign differ');
    assert.deepEqual(only(ok(await c.call({ PublicKeyFrom: g.encrypted_private_key }))), [type, pk]);
    assert.equal(ok(await c.call({ Import: g.encrypted_private_key })).handle, g.handle);
    held[type] = { pk, handle: g.handle };
  });
}

await check('Generate hands out a blob and holds nothing new', async () => {
  const g = ok(await c.call({ Generate: 'Secp256k1' }));
  assert.ok(!('handle' in g));
  const i = ok(await c.call({ Import: g.encrypted_private_key }));
  assert.deepEqual(i.public_key, g.public_key);
});

await check('Bls: version 1 augments, ProvePossession proves, 0 is refused', async () => {
  const { pk, handle } = held.Bls;
  const s1 = only(ok(await c.call({ Sign: { handle, message: MSG, version: 1 } })))[1];
  assert.ok(verifyTezos('Bls', pk, MSG, s1, 1));
  err(await c.call({ Sign: { handle, message: MSG, version: 0 } }), /version 0/);
  const p = only(ok(await c.call({ ProvePossession: handle })))[1];
  assert.ok(L.verify(L.Signature.fromBytes(p), L.hash(pk, DST_PROOF), pk), 'proof does not verify');
  err(await c.call({ ProvePossession: held.Ed25519.handle }), /Bls/);
});

await check('ImportUnencrypted: RFC 8032 test 1 and a big-endian Bls scalar', async () => {
  const seed = Buffer.from('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex');
  const i = ok(await c.call({ ImportUnencrypted: { Ed25519: seed } }));
  assert.equal(hex(i.public_key.Ed25519), 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
  const sk = Buffer.from('0'.repeat(62) + '2a', 'hex'); // the scalar 42, big-endian
  const b = ok(await c.call({ ImportUnencrypted: { Bls: sk } }));
  assert.equal(hex(b.public_key.Bls), hex(L.getPublicKey(sk).toBytes ? L.getPublicKey(sk).toBytes() : L.getPublicKey(sk)));
});

await check('16 connections at once, and large messages, in the confined holder', async () => {
  // A ninth thread's arena and a trimmed heap once made glibc open files,
  // which the seccomp filter answers by killing the holder.
  const conns = await Promise.all(Array.from({ length: 16 }, () => connect()));
  const sigs = await Promise.all(conns.map((d) => d.call({ Sign: { handle: held.Ed25519.handle, message: MSG } })));
  for (const r of sigs) assert.ok(verifyTezos('Ed25519', held.Ed25519.pk, MSG, only(ok(r))[1]));
  const big = Buffer.alloc(500 * 1024, 7);
  for (const d of conns.slice(0, 4))
    for (let i = 0; i < 3; i++)
      assert.ok(verifyTezos('Bls', held.Bls.pk, big, only(ok(await d.call({ Sign: { handle: held.Bls.handle, message: big } })))[1]));
  for (const d of conns) d.end();
  ok(await c.call({ PublicKey: held.Ed25519.handle }));
});

await check('many calls in flight on one connection: answered in order', async () => {
  // 64 Sign frames in one write, then 64 more cut into 7-byte pieces: the
  // replies come in the order of the requests, each for its own message.
  const d = await connect();
  const msgs = Array.from({ length: 128 }, (_, i) => Buffer.from(`in flight ${i}`));
  const frame = (m) => {
    const body = cbor.encode({ Sign: { handle: held.Ed25519.handle, message: m } });
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    return Buffer.concat([len, body]);
  };
  const waits = msgs.map(() => d.next());
  d.raw(Buffer.concat(msgs.slice(0, 64).map(frame)));
  const rest = Buffer.concat(msgs.slice(64).map(frame));
  for (let i = 0; i < rest.length; i += 7) d.raw(rest.subarray(i, i + 7));
  const replies = await Promise.all(waits);
  replies.forEach((r, i) => assert.ok(verifyTezos('Ed25519', held.Ed25519.pk, msgs[i], only(ok(r))[1]), `reply ${i}`));
  // A bad frame after good ones: those before it are still answered.
  const w2 = [d.next(), d.next()];
  d.raw(Buffer.concat([frame(msgs[0]), Buffer.from([0, 0, 0, 3, 0xff, 0xff, 0xff])]));
  assert.ok(verifyTezos('Ed25519', held.Ed25519.pk, msgs[0], only(ok(await w2[0]))[1]));
  err(await w2[1], /./);
  await d.closed();
});

await check('errors the protocol names', async () => {
  err(await c.call({ Sign: { handle: 987654, message: MSG } }), /^invalid handle$/);
  err(await c.call({ PublicKey: 987654 }), /^invalid handle$/);
  err(await c.call({ Import: Buffer.alloc(60) }), /format version 0/);
  err(await c.call({ SignWith: { encrypted_private_key: Buffer.alloc(80, 1), message: MSG } }), /./);
});

await check('byte strings tagged as typed arrays (RFC 8746) are bytes', async () => {
  const s = ok(await c.call({ Sign: { handle: held.Ed25519.handle, message: new Uint8Array(MSG) } }));
  assert.ok(verifyTezos('Ed25519', held.Ed25519.pk, MSG, only(s)[1]));
});

await check('an unknown key type closes that connection only', async () => {
  const d = await connect();
  err(await d.call({ Generate: 'Rsa' }), /./);
  await d.closed();
  ok(await c.call({ PublicKey: held.Ed25519.handle }));
});

await check('a wrong type closes that connection only', async () => {
  const d = await connect();
  const r = await d.call({ Sign: { handle: 'one', message: MSG } });
  err(r, /./);
  await d.closed();
  // The first connection still works.
  ok(await c.call({ PublicKey: held.Ed25519.handle }));
});

await check('bad CBOR closes that connection only', async () => {
  const d = await connect();
  d.raw(Buffer.from([0, 0, 0, 3, 0xff, 0xff, 0xff]));
  await d.closed();
  ok(await c.call({ PublicKey: held.Ed25519.handle }));
});

await check('a frame over the ceiling is refused before it is read', async () => {
  const d = await connect();
  d.raw(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3]));
  await d.closed();
  ok(await c.call({ PublicKey: held.Ed25519.handle }));
});

c.end();
console.log(`enclave_rpc: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
