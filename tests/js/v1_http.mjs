// The v1 API with bearer tokens, from outside: every answer's status and
// error code, and every signature checked by @taquito/utils (not ours).
// Usage: node v1_http.mjs API TZ1 TZ2 OTHER_TZ1   (tokens in the environment:
//   FULL (tezos:*, keys:read, keys:admin), READ (keys:read only), ATT (tezos:attestation,
//   only key TZ1))
import assert from 'node:assert/strict';
import { verifySignature } from '@taquito/utils';
import { ed25519 } from '@noble/curves/ed25519.js';
import { secp256k1 } from '@noble/curves/secp256k1.js';

const [API, TZ1, TZ2, OTHER] = process.argv.slice(2);
const { FULL, READ, ATT } = process.env;
// A transaction forged by @taquito/local-forging 24.2.0 (branch, then contents).
const TX = '038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00';
const i32 = (n) => (n >>> 0).toString(16).padStart(8, '0');
const att = (level) => '13' + '7a06a770' + 'ab'.repeat(32) + '15' + '0000' + i32(level) + i32(0) + 'cd'.repeat(32);

async function call(method, path, { token, auth, body, raw } = {}) {
  const headers = {};
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  if (auth !== undefined) headers.Authorization = auth;
  if (body !== undefined || raw !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(`${API}${path}`, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) });
  const text = await r.text();
  let json; try { json = JSON.parse(text); } catch { json = text; }
  return { status: r.status, json };
}
const refused = (r, status, code) => {
  assert.equal(r.status, status, JSON.stringify(r.json));
  assert.equal(r.json.error.code, code, JSON.stringify(r.json));
  assert.equal(typeof r.json.error.message, 'string');
};
let checks = 0;
const ok = () => checks++;

// Who you are: nothing, something wrong, a near miss.
refused(await call('GET', '/v1/keys'), 401, 'unauthorized'); ok();
refused(await call('GET', '/v1/keys', { token: 'not-a-token-of-ours-at-all' }), 401, 'unauthorized'); ok();
refused(await call('GET', '/v1/keys', { token: FULL.slice(0, -1) }), 401, 'unauthorized'); ok();
refused(await call('POST', '/v1/sign', { token: FULL + 'x', body: { chain: 'tezos', key_id: TZ1, payload: TX } }), 401, 'unauthorized'); ok();
// The bare form (as the Atto node sends it) and Bearer in another case.
assert.equal((await call('GET', '/v1/keys', { auth: READ })).status, 200); ok();
assert.equal((await call('GET', '/v1/keys', { auth: `bearer ${READ}` })).status, 200); ok();

// keys:read.
const keys = await call('GET', '/v1/keys', { token: READ });
assert.equal(keys.status, 200);
const k1 = keys.json.keys.find((k) => k.addresses.tezos === TZ1);
assert.ok(k1, 'TZ1 listed');
assert.match(k1.key_id, /^[0-9a-f]{40}$/);
assert.equal(k1.type, 'ed25519');
assert.match(k1.public_key, /^[0-9a-f]{64}$/);
ok();
const one = await call('GET', `/v1/keys/${k1.key_id}`, { token: READ });
assert.equal(one.status, 200);
assert.deepEqual(one.json, k1); ok();
assert.deepEqual((await call('GET', `/v1/keys/${TZ1}`, { token: READ })).json, k1); ok();
refused(await call('GET', '/v1/keys/00112233445566778899aabbccddeeff00112233', { token: READ }), 404, 'not_found'); ok();
refused(await call('GET', '/v1/keys', { token: ATT }), 403, 'forbidden'); ok();
refused(await call('DELETE', '/v1/keys', { token: FULL }), 405, 'method_not_allowed'); ok();
refused(await call('GET', '/v1/nothing', { token: FULL }), 404, 'not_found'); ok();

// Signing, by key id and by address, hex and base64; the signature is the
// chain's own form and Taquito verifies it.
const pk = (await call('GET', `/keys/${TZ1}`)).json.public_key;
for (const [key_id, payload, encoding] of [[k1.key_id, TX], [TZ1, '0x' + TX], [TZ1, Buffer.from(TX, 'hex').toString('base64'), 'base64']]) {
  const r = await call('POST', '/v1/sign', { token: FULL, body: { chain: 'tezos', key_id, payload, encoding } });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.ok(verifySignature(TX, pk, r.json.signature), 'signature verifies');
  assert.equal(r.json.intent.chain, 'tezos');
  assert.equal(r.json.intent.kind, 'generic');
  assert.equal(r.json.intent.operations, 1);
  assert.equal(r.json.intent.amount, '1000000');
  ok();
}
// The caller's word on the kind must be the bytes'.
let r = await call('POST', '/v1/sign', { token: FULL, body: { chain: 'tezos', key_id: TZ1, payload: TX, kind: 'generic' } });
assert.equal(r.status, 200, JSON.stringify(r.json)); ok();
r = await call('POST', '/v1/sign', { token: FULL, body: { chain: 'tezos', key_id: TZ1, payload: TX, kind: 'attestation' } });
refused(r, 400, 'bad_request'); assert.match(r.json.error.message, /not attestation/); ok();
// What the token may not do: another kind, another key, no signing at all.
r = await call('POST', '/v1/sign', { token: ATT, body: { chain: 'tezos', key_id: TZ1, payload: TX } });
refused(r, 403, 'forbidden'); assert.match(r.json.error.message, /capability tezos:generic/); ok();
r = await call('POST', '/v1/sign', { token: ATT, body: { chain: 'tezos', key_id: TZ1, payload: att(100) } });
assert.equal(r.status, 200, JSON.stringify(r.json));
assert.ok(verifySignature(att(100), pk, r.json.signature)); ok();
r = await call('POST', '/v1/sign', { token: ATT, body: { chain: 'tezos', key_id: OTHER, payload: att(100) } });
refused(r, 403, 'forbidden'); assert.match(r.json.error.message, /may not use key/); ok();
refused(await call('POST', '/v1/sign', { token: READ, body: { chain: 'tezos', key_id: TZ1, payload: TX } }), 403, 'forbidden'); ok();
// The watermark holds over the v1 API too: a lower level is refused.
refused(await call('POST', '/v1/sign', { token: FULL, body: { chain: 'tezos', key_id: TZ1, payload: att(99) } }), 409, 'conflict'); ok();
// Policy still applies: TZ2 may not sign generic operations.
refused(await call('POST', '/v1/sign', { token: FULL, body: { chain: 'tezos', key_id: TZ2, payload: TX } }), 403, 'forbidden'); ok();

// Bad requests.
for (const body of [{ chain: 'tezos', key_id: TZ1 }, { chain: 'tezos', key_id: TZ1, payload: TX, extra: 1 },
  { chain: 'tezos', key_id: TZ1, payload: 12 }]) {
  refused(await call('POST', '/v1/sign', { token: FULL, body }), 400, 'bad_request'); ok();
}
refused(await call('POST', '/v1/sign', { token: FULL, raw: '{"chain": "tezos", ' }), 400, 'bad_request'); ok();
// Bodies the fast reader leaves to jansson must mean the same: an escaped
// slash in base64 (as some encoders write it), \u escapes in a name, a
// duplicate member, a nested object, bytes that are not UTF-8.
{
  const b64 = Buffer.from(TX, 'hex').toString('base64');
  const esc = JSON.stringify({ chain: 'tezos', key_id: TZ1, payload: b64, encoding: 'base64' }).replaceAll('/', '\\/')
    .replace('"chain"', '"\\u0063hain"');
  r = await call('POST', '/v1/sign', { token: FULL, raw: esc });
  assert.equal(r.status, 200, esc + ' ' + JSON.stringify(r.json));
  assert.ok(verifySignature(TX, pk, r.json.signature)); ok();
  for (const raw of [`{"chain":"tezos","chain":"tezos","key_id":"${TZ1}","payload":"${TX}"}`,
    `{"chain":"tezos","key_id":"${TZ1}","payload":"${TX}","kind":{"a":"b"}}`,
    `{"chain":"tezos","key_id":"${TZ1}","payload":"${TX}"} x`, `["tezos"]`]) {
    refused(await call('POST', '/v1/sign', { token: FULL, raw }), 400, 'bad_request'); ok();
  }
  r = await call('POST', '/v1/sign', { token: FULL, raw: Buffer.concat([Buffer.from(`{"chain":"tezos","key_id":"${TZ1}","payload":"`), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]) });
  refused(r, 400, 'bad_request'); ok();
}
refused(await call('POST', '/v1/sign', { token: FULL, body: { chain: 'tezos', key_id: TZ1, payload: 'zz' } }), 400, 'bad_request'); ok();
refused(await call('POST', '/v1/sign', { token: FULL, body: { chain: 'tezos', key_id: TZ1, payload: TX, encoding: 'rot13' } }), 400, 'bad_request'); ok();
refused(await call('POST', '/v1/sign', { token: FULL, body: { chain: 'dogecoin', key_id: TZ1, payload: TX } }), 404, 'not_found'); ok();
refused(await call('POST', '/v1/sign', { token: FULL, body: { chain: 'tezos', key_id: 'tz1nope', payload: TX } }), 404, 'not_found'); ok();
refused(await call('POST', '/v1/sign', { token: FULL, body: { chain: 'tezos', key_id: TZ1, payload: '05' + '00'.repeat(4) } }), 403, 'forbidden'); ok();
// keys:admin: make a key, see it, refuse what must be refused, delete it.
refused(await call('POST', '/v1/keys', { token: READ, body: { type: 'ed25519', label: 'api-made' } }), 403, 'forbidden'); ok();
r = await call('POST', '/v1/keys', { token: FULL, body: { type: 'ed25519', label: 'api-made' } });
assert.equal(r.status, 200, JSON.stringify(r.json));
assert.match(r.json.key_id, /^[0-9a-f]{40}$/);
assert.match(r.json.addresses.tezos, /^tz1/);
assert.equal(r.json.label, 'api-made');
const made = r.json; ok();
assert.deepEqual((await call('GET', `/v1/keys/${made.key_id}`, { token: READ })).json, made); ok();
refused(await call('POST', '/v1/keys', { token: FULL, body: { type: 'ed25519', label: 'api-made' } }), 400, 'bad_request'); ok();
refused(await call('POST', '/v1/keys', { token: FULL, body: { type: 'rsa', label: 'x' } }), 400, 'bad_request'); ok();
refused(await call('POST', '/v1/keys', { token: FULL, body: { type: 'ed25519', label: 'x', vault: 'nowhere' } }), 404, 'not_found'); ok();
refused(await call('DELETE', `/v1/keys/${TZ1}`, { token: FULL }), 409, 'conflict'); ok();
refused(await call('DELETE', `/v1/keys/${made.key_id}`, { token: READ }), 403, 'forbidden'); ok();
r = await call('DELETE', `/v1/keys/${made.key_id}`, { token: FULL });
assert.equal(r.status, 200, JSON.stringify(r.json));
assert.equal(r.json.deleted, made.key_id); ok();
refused(await call('GET', `/v1/keys/${made.key_id}`, { token: READ }), 404, 'not_found'); ok();
refused(await call('DELETE', `/v1/keys/${made.key_id}`, { token: FULL }), 404, 'not_found'); ok();
// sign:digest: the bytes as they are, checked by @noble/curves.
const digest = 'ab'.repeat(32);
refused(await call('POST', '/v1/sign_digest', { token: ATT, body: { key_id: TZ1, digest } }), 403, 'forbidden'); ok();
r = await call('POST', '/v1/sign_digest', { token: FULL, body: { key_id: TZ1, digest: '0x' + digest } });
assert.equal(r.status, 200, JSON.stringify(r.json));
assert.ok(ed25519.verify(Buffer.from(r.json.signature.slice(2), 'hex'), Buffer.from(digest, 'hex'), Buffer.from(k1.public_key, 'hex')));
assert.equal(r.json.recovery_id, undefined); ok();
const k2 = keys.json.keys.find((k) => k.addresses.tezos === TZ2);
r = await call('POST', '/v1/sign_digest', { token: FULL, body: { key_id: k2.key_id, digest } });
assert.equal(r.status, 200, JSON.stringify(r.json));
const sig = secp256k1.Signature.fromBytes(Buffer.from(r.json.signature.slice(2), 'hex'), 'compact').addRecoveryBit(r.json.recovery_id);
assert.ok(secp256k1.verify(sig.toBytes('compact'), Buffer.from(digest, 'hex'), Buffer.from(k2.public_key, 'hex'), { prehash: false }));
assert.equal(Buffer.from(sig.recoverPublicKey(Buffer.from(digest, 'hex')).toBytes(true)).toString('hex'), k2.public_key); ok();
refused(await call('POST', '/v1/sign_digest', { token: FULL, body: { key_id: TZ1, digest: 'abcd' } }), 400, 'bad_request'); ok();
refused(await call('POST', '/v1/sign_digest', { token: FULL, body: { key_id: '00'.repeat(20), digest } }), 404, 'not_found'); ok();
console.log(`v1_http: ${checks} checks passed`);
