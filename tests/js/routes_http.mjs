// Routes (SignRoutes) from outside, over the v1 API: what the bytes say
// decides (never the caller), a batch cannot hide a large transfer behind a
// small one, the route is named in the answer; a vault that cannot serve is
// deferred (503 with Retry-After) or refused (fail_closed) as the route says.
// Usage: node routes_http.mjs API up|down TZ1 TZ1B   (token in TOKEN)
import assert from 'node:assert/strict';
import { verifySignature } from '@taquito/utils';

const [API, mode, TZ1, TZ1B] = process.argv.slice(2);
const { TOKEN } = process.env;
// A transaction forged by @taquito/local-forging 24.2.0: 1 tez (c0843d) to
// tz1gjaF81ZRRvdzjobyfVNsAeSC6PScjfQwN, counter 01.
const TX = '038fcf233671b6a04fcf679d2a381c2544ea6c1ea29ba6157776ed8424c7ccd00b6c0002298c03ed7d454a101eb7022bc95f7e5f41ac78e80701dc0b00c0843d0000e7670f32038107a59a2b9cfefae36ea21f5aa63c00';
const head = TX.slice(0, 66), op = TX.slice(66);
const two = op.replace('c0843d', '80897a');                // 2 tez (zarith 80 89 7a)
const second = two.replace('e80701dc0b', 'e80702dc0b');    // counter 02
const TX2 = head + two;
const BATCH = head + op + second;                          // 1 tez, then 2 tez
const i32 = (n) => (n >>> 0).toString(16).padStart(8, '0');
const att = (level) => '13' + '7a06a770' + 'ab'.repeat(32) + '15' + '0000' + i32(level) + i32(0) + 'cd'.repeat(32);

async function sign(key_id, payload) {
  const r = await fetch(`${API}/v1/sign`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ chain: 'tezos', key_id, payload }),
  });
  return { status: r.status, retry: r.headers.get('retry-after'), json: await r.json() };
}
const pk = (await (await fetch(`${API}/keys/${TZ1}`)).json()).public_key;
let n = 0;
if (mode === 'up') {
  let r = await sign(TZ1, TX);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.intent.route, 'small');
  assert.equal(r.json.intent.amount, '1000000');
  assert.ok(verifySignature(TX, pk, r.json.signature)); n++;
  r = await sign(TZ1, TX2);
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.match(r.json.error.message, /route big needs 2 approvals/); n++;
  r = await sign(TZ1, BATCH);
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.match(r.json.error.message, /no route takes this request/); n++;
  r = await sign(TZ1B, TX);
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.match(r.json.error.message, /route cold-only signs with keys of vault cold only/); n++;
  r = await sign(TZ1, att(10));
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.intent.route, 'consensus'); n++;
} else {
  let r = await sign(TZ1, TX);
  assert.equal(r.status, 503, JSON.stringify(r.json));
  assert.equal(r.retry, '5');
  assert.match(r.json.error.message, /route small: deferred/); n++;
  r = await sign(TZ1, att(20));
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.equal(r.retry, null);
  assert.match(r.json.error.message, /route consensus: fails closed/); n++;
}
console.log(`routes_http: ${mode}: ${n} checks passed`);
