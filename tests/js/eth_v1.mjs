// Ethereum over the v1 API, checked by ethers 6.17.0 (not ours): an EIP-1559,
// an EIP-2930 and a legacy EIP-155 transaction whose signed serialisation
// recovers the key's address, an ERC-20 transfer read from its call data,
// personal_sign (verifyMessage) and EIP-712 typed data (verifyTypedData);
// refusals: a chain id the key may not use, a call of unknown effect, a
// message without its kind.
// Usage: node eth_v1.mjs API ADDRESS   (token in TOKEN)
import assert from 'node:assert/strict';
import { Transaction, Interface, verifyMessage, verifyTypedData, recoverAddress, hexlify, toUtf8Bytes, getAddress } from 'ethers';

const [API, ADDRESS] = process.argv.slice(2);
const { TOKEN } = process.env;
async function sign(body) {
  const r = await fetch(`${API}/v1/sign`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ chain: 'ethereum', key_id: ADDRESS, ...body }),
  });
  return { status: r.status, json: await r.json() };
}
let n = 0;
const TO = getAddress('0x1111111111111111111111111111111111111111');
const TOKEN_CONTRACT = getAddress('0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48');
const txs = [
  { type: 2, chainId: 1, nonce: 7, maxPriorityFeePerGas: 1_000_000_000n, maxFeePerGas: 30_000_000_000n, gasLimit: 21000n, to: TO, value: 10n ** 18n },
  { type: 1, chainId: 11155111, nonce: 0, gasPrice: 20_000_000_000n, gasLimit: 21000n, to: TO, value: 12345n, accessList: [] },
  { type: 0, chainId: 1, nonce: 3, gasPrice: 20_000_000_000n, gasLimit: 21000n, to: TO, value: 1n },
];
for (const t of txs) {
  const tx = Transaction.from(t);
  const r = await sign({ payload: tx.unsignedSerialized, kind: 'transaction' });
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const signed = Transaction.from(r.json.signed);
  assert.equal(signed.from, ADDRESS, 'the signed transaction recovers the key');
  assert.equal(signed.unsignedHash, tx.unsignedHash);
  assert.equal(recoverAddress(tx.unsignedHash, r.json.signature), ADDRESS);
  assert.equal(r.json.intent.kind, 'transaction');
  assert.equal(r.json.intent.amount, String(t.value));
  assert.equal(r.json.intent.destination, TO);
  n++;
}
// The address in lower case names the same key.
let lr = await sign({ key_id: ADDRESS.toLowerCase(), payload: Transaction.from(txs[0]).unsignedSerialized });
assert.equal(lr.status, 200, JSON.stringify(lr.json)); n++;
// The kind can be left out for a transaction: the bytes say it.
const plain = Transaction.from(txs[0]);
let r = await sign({ payload: plain.unsignedSerialized });
assert.equal(r.status, 200, JSON.stringify(r.json)); n++;
// ERC-20: asset, amount and destination come from the call data.
const erc20 = new Interface(['function transfer(address to, uint256 amount)']);
const data = erc20.encodeFunctionData('transfer', [TO, 2500000n]);
const t20 = Transaction.from({ type: 2, chainId: 1, nonce: 8, maxPriorityFeePerGas: 1n, maxFeePerGas: 2n, gasLimit: 60000n, to: TOKEN_CONTRACT, value: 0n, data });
r = await sign({ payload: t20.unsignedSerialized });
assert.equal(r.status, 200, JSON.stringify(r.json));
assert.equal(Transaction.from(r.json.signed).from, ADDRESS);
assert.equal(r.json.intent.asset, TOKEN_CONTRACT);
assert.equal(r.json.intent.amount, '2500000');
assert.equal(r.json.intent.destination, TO); n++;
// Refused: a chain id outside the key's list; a call of unknown effect.
r = await sign({ payload: Transaction.from({ ...txs[0], chainId: 137 }).unsignedSerialized });
assert.equal(r.status, 403, JSON.stringify(r.json)); n++;
const call = Transaction.from({ ...txs[0], data: '0xdeadbeef' });
r = await sign({ payload: call.unsignedSerialized });
assert.equal(r.status, 403, JSON.stringify(r.json));
assert.match(r.json.error.message, /contract_call/); n++;
// personal_sign.
const message = 'sigil says hello ' + Date.now();
r = await sign({ payload: hexlify(toUtf8Bytes(message)), kind: 'message' });
assert.equal(r.status, 200, JSON.stringify(r.json));
assert.equal(verifyMessage(message, r.json.signature), ADDRESS); n++;
r = await sign({ payload: hexlify(toUtf8Bytes(message)) });
assert.equal(r.status, 400, JSON.stringify(r.json)); n++;
// EIP-712: the EIP's own Mail example, sent as wallets send it.
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
const doc = JSON.stringify({
  types: { EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' }, { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }], ...types },
  primaryType: 'Mail', domain, message: value,
});
r = await sign({ payload: Buffer.from(doc).toString('base64'), encoding: 'base64', kind: 'typed_data' });
assert.equal(r.status, 200, JSON.stringify(r.json));
assert.equal(verifyTypedData(domain, types, value, r.json.signature), ADDRESS); n++;
console.log(`eth_v1: ${n} checks passed`);
