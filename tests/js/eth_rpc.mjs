// sigil's Ethereum JSON-RPC endpoint driven by ethers 6.17.0's own
// JsonRpcProvider and JsonRpcSigner, unchanged (the token rides in the
// FetchRequest's Authorization header): accounts, chain id, signMessage,
// signTypedData and signTransaction, each checked by ethers; then plain
// calls: a batch, a method sigil does not serve, a request without a token.
// Usage: node eth_rpc.mjs API ADDRESS   (token in TOKEN)
import assert from 'node:assert/strict';
import { JsonRpcProvider, FetchRequest, Transaction, verifyMessage, verifyTypedData, getAddress } from 'ethers';

const [API, ADDRESS] = process.argv.slice(2);
const { TOKEN } = process.env;
const url = `${API}/ethereum`;
const req = new FetchRequest(url);
req.setHeader('Authorization', `Bearer ${TOKEN}`);
const provider = new JsonRpcProvider(req);
let n = 0;

assert.equal((await provider.getNetwork()).chainId, 1n); n++;
const accounts = await provider.listAccounts();
assert.deepEqual(accounts.map((s) => s.address), [ADDRESS]); n++;
const signer = await provider.getSigner(ADDRESS);
const message = `sigil over JSON-RPC ${Date.now()}`;
assert.equal(verifyMessage(message, await signer.signMessage(message)), ADDRESS); n++;
const domain = { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' };
const types = {
  Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
  Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }],
};
const value = {
  from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
  to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
  contents: 'Hello, Bob!',
};
assert.equal(verifyTypedData(domain, types, value, await signer.signTypedData(domain, types, value)), ADDRESS); n++;
const TO = getAddress('0x2222222222222222222222222222222222222222');
for (const tx of [
  { type: 2, chainId: 1, nonce: 5, gasLimit: 21000n, maxFeePerGas: 40_000_000_000n, maxPriorityFeePerGas: 2_000_000_000n, to: TO, value: 10n ** 17n },
  { type: 2, chainId: 1, nonce: 6, gasLimit: 50000n, maxFeePerGas: 3n, maxPriorityFeePerGas: 1n, to: TO, value: 1n,
    accessList: [{ address: TO, storageKeys: ['0x' + '00'.repeat(31) + '01'] }] },
  { type: 0, chainId: 1, nonce: 7, gasLimit: 21000n, gasPrice: 10_000_000_000n, to: TO, value: 2n },
]) {
  const raw = await signer.signTransaction(tx);
  const signed = Transaction.from(raw);
  assert.equal(signed.from, ADDRESS);
  assert.equal(signed.to, TO);
  assert.equal(signed.value, tx.value);
  assert.equal(signed.nonce, tx.nonce);
  n++;
}
// A chain id the key may not use is refused (4100), and so is a
// transaction whose bytes are a call of unknown effect.
await assert.rejects(signer.signTransaction({ type: 2, chainId: 137, nonce: 1, gasLimit: 21000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, to: TO, value: 1n }), /not allowed|4100/); n++;
await assert.rejects(signer.signTransaction({ type: 2, chainId: 1, nonce: 1, gasLimit: 90000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n, to: TO, value: 0n, data: '0xdeadbeef' }), /contract_call|4100/); n++;

// Plain calls.
async function post(body, auth = `Bearer ${TOKEN}`) {
  const r = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...(auth ? { Authorization: auth } : {}) }, body: JSON.stringify(body) });
  return { status: r.status, json: await r.json() };
}
let r = await post([{ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }, { jsonrpc: '2.0', id: 2, method: 'eth_accounts', params: [] }]);
assert.equal(r.status, 200);
assert.deepEqual(r.json.map((x) => x.id), [1, 2]);
assert.equal(r.json[0].result, '0x1');
assert.deepEqual(r.json[1].result, [ADDRESS]); n++;
r = await post({ jsonrpc: '2.0', id: 3, method: 'eth_sendTransaction', params: [{}] });
assert.equal(r.json.error.code, -32601); n++;
r = await post({ jsonrpc: '2.0', id: 4, method: 'personal_sign', params: ['0x68656c6c6f', '0x' + '33'.repeat(20)] });
assert.equal(r.json.error.code, 4100); n++;
r = await post({ jsonrpc: '2.0', id: 5, method: 'eth_accounts', params: [] }, null);
assert.equal(r.status, 401); n++;
r = await post({ jsonrpc: '2.0', id: 6, method: 'eth_signTransaction', params: [{ from: ADDRESS, to: TO }] });
assert.equal(r.json.error.code, -32602); n++;
console.log(`eth_rpc: ${n} checks passed`);
