// Bitcoin over the v1 API, checked by @scure/btc-signer 2.4.1 and
// @noble/curves (not ours): PSBTs built by btc-signer for the key's
// P2WPKH, P2TR (key path) and P2PKH outputs, signed by sigild, every
// signature checked (ECDSA DER low-S over btc-signer's sighash; BIP-340 by
// the taproot output key), then finalised and the transaction extracted by
// btc-signer. The intent comes from the bytes: the payment, not the
// change; change to a foreign address counts as a payment and the amount
// route refuses it; an input of unknown amount makes the request opaque; a
// sighash other than ALL needs the policy's word; a PSBT with no input of
// the key, and bytes that are no PSBT, are refused.
// Usage: node btc_v1.mjs API ADDRESS PUBKEY_HEX P2TR_ADDRESS   (token in TOKEN)
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as btc from '@scure/btc-signer';
import { secp256k1, schnorr } from '@noble/curves/secp256k1.js';
import { hex } from '@scure/base';

const [API, ADDR, PKHEX, P2TR] = process.argv.slice(2);
const { TOKEN } = process.env;
const pk = hex.decode(PKHEX);
const own = { p2wpkh: btc.p2wpkh(pk), p2tr: btc.p2tr(pk.subarray(1)), p2pkh: btc.p2pkh(pk) };
assert.equal(own.p2wpkh.address, ADDR, 'the key\'s address is its P2WPKH');
assert.equal(own.p2tr.address, P2TR, 'its P2TR address (key path, no scripts) is btc-signer\'s');
const OPTS = { allowUnknownOutputs: true, allowLegacyWitnessUtxo: true };
let checks = 0;
const ok = () => checks++;
const other = () => btc.p2wpkh(secp256k1.getPublicKey(secp256k1.utils.randomSecretKey(), true));
const PAYEE = other();

// A previous transaction paying script amount (P2PKH inputs need it whole).
function prevTx(script, amount) {
  const raw = btc.RawTx.encode({
    version: 2, segwitFlag: false, lockTime: 0,
    inputs: [{ txid: randomBytes(32), index: 0, finalScriptSig: new Uint8Array(), sequence: 0xffffffff }],
    outputs: [{ script, amount }],
  });
  return { raw, txid: btc.Transaction.fromRaw(raw).id };
}

// inputs: [kind, amount, extra]; outputs: [script, amount].
function psbt(inputs, outputs) {
  const tx = new btc.Transaction(OPTS);
  for (const [kind, amount, extra = {}] of inputs) {
    if (kind === 'p2pkh') {
      const p = prevTx(own.p2pkh.script, amount);
      tx.addInput({ txid: p.txid, index: 0, nonWitnessUtxo: p.raw, ...extra });
    } else if (kind === 'foreign-unknown') {
      tx.addInput({ txid: randomBytes(32), index: 0, ...extra });
    } else {
      const input = { txid: randomBytes(32), index: 1, witnessUtxo: { script: own[kind].script, amount }, ...extra };
      if (kind === 'p2tr') input.tapInternalKey = pk.subarray(1);
      tx.addInput(input);
    }
  }
  for (const [script, amount] of outputs) tx.addOutput({ script, amount });
  return tx;
}

async function sign(tx, extra = {}) {
  const r = await fetch(`${API}/v1/sign`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ chain: 'bitcoin', key_id: ADDR, encoding: 'base64',
      payload: Buffer.from(tx.toPSBT(0)).toString('base64'), ...extra }),
  });
  return { status: r.status, json: await r.json() };
}

// Every input of the key carries a signature that verifies over the
// sighash btc-signer computes itself.
function checkSigs(orig, signed, spent) {
  const scripts = spent.map((s) => s.script), amounts = spent.map((s) => s.amount);
  for (let i = 0; i < orig.inputsLength; i++) {
    const inp = signed.getInput(i), kind = spent[i].kind;
    if (kind === 'p2tr') {
      const msg = orig.preimageWitnessV1(i, scripts, 0, amounts);
      assert.equal(inp.tapKeySig.length, 64);
      assert.ok(schnorr.verify(inp.tapKeySig, msg, own.p2tr.tweakedPubkey), `input ${i}: BIP-340`);
    } else if (kind === 'p2wpkh' || kind === 'p2pkh') {
      const msg = kind === 'p2pkh' ? orig.preimageLegacy(i, own.p2pkh.script, 1)
        : orig.preimageWitnessV0(i, own.p2pkh.script, 1, spent[i].amount);
      const [[key, der]] = inp.partialSig;
      assert.deepEqual(key, pk);
      assert.equal(der[der.length - 1], 1, 'SIGHASH_ALL');
      assert.ok(secp256k1.verify(der.subarray(0, -1), msg, pk, { prehash: false, format: 'der', lowS: true }),
        `input ${i}: ECDSA`);
    }
  }
}

// Three inputs of the key (P2WPKH, P2TR, P2PKH), a payment and change.
{
  const spent = [{ kind: 'p2wpkh', script: own.p2wpkh.script, amount: 50_000n },
    { kind: 'p2tr', script: own.p2tr.script, amount: 70_000n },
    { kind: 'p2pkh', script: own.p2pkh.script, amount: 30_000n }];
  const tx = psbt(spent.map((s) => [s.kind, s.amount]), [[PAYEE.script, 100_000n], [own.p2tr.script, 49_000n]]);
  const r = await sign(tx);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  assert.equal(r.json.intent.chain, 'bitcoin');
  assert.equal(r.json.intent.kind, 'psbt');
  assert.equal(r.json.intent.operations, 1, 'change is not a payment');
  assert.equal(r.json.intent.amount, '100000');
  assert.equal(r.json.intent.destination, PAYEE.address);
  assert.equal(r.json.intent.route, 'small');
  const signed = btc.Transaction.fromPSBT(Buffer.from(r.json.signed, 'base64'), OPTS);
  assert.equal(signed.id, tx.id, 'the transaction is the one sent');
  checkSigs(tx, signed, spent); ok();
  signed.finalize();
  const raw = signed.extract();
  assert.equal(btc.Transaction.fromRaw(raw, OPTS).outputsLength, 2); ok();
  // The same request, the same signatures.
  const again = await sign(tx);
  assert.equal(again.json.signed, r.json.signed); ok();
}
// One P2WPKH input beside another party's (with its amount): only ours signed.
{
  const foreign = other();
  const tx = new btc.Transaction(OPTS);
  tx.addInput({ txid: randomBytes(32), index: 0, witnessUtxo: { script: own.p2wpkh.script, amount: 10_000n } });
  tx.addInput({ txid: randomBytes(32), index: 0, witnessUtxo: { script: foreign.script, amount: 10_000n } });
  tx.addOutput({ script: PAYEE.script, amount: 19_000n });
  const r = await sign(tx);
  assert.equal(r.status, 200, JSON.stringify(r.json));
  const signed = btc.Transaction.fromPSBT(Buffer.from(r.json.signed, 'base64'), OPTS);
  assert.equal(signed.getInput(0).partialSig.length, 1);
  assert.equal(signed.getInput(1).partialSig, undefined); ok();
}
// Change that goes to a foreign address is a payment: over the small
// route's ceiling, and no route takes it.
{
  const tx = psbt([['p2wpkh', 5_000_000n]], [[PAYEE.script, 10_000n], [other().script, 4_980_000n]]);
  const r = await sign(tx);
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.match(r.json.error.message, /route/); ok();
}
// An input whose amount the PSBT does not commit to: opaque, the unknown route.
{
  const tx = psbt([['p2wpkh', 10_000n], ['foreign-unknown']], [[PAYEE.script, 9_000n]]);
  const r = await sign(tx);
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.match(r.json.error.message, /approval/); ok();
}
// SIGHASH_NONE on an input of the key: the signature would not bind the outputs.
{
  const tx = psbt([['p2wpkh', 10_000n, { sighashType: btc.SigHash.NONE }]], [[PAYEE.script, 9_000n]]);
  const r = await sign(tx);
  assert.equal(r.status, 403, JSON.stringify(r.json));
  assert.match(r.json.error.message, /nonstandard_sighash/); ok();
}
// No input of the key; not a PSBT; a kind Bitcoin has not.
{
  const tx = new btc.Transaction(OPTS);
  tx.addInput({ txid: randomBytes(32), index: 0, witnessUtxo: { script: other().script, amount: 10_000n } });
  tx.addOutput({ script: PAYEE.script, amount: 9_000n });
  let r = await sign(tx);
  assert.equal(r.status, 400, JSON.stringify(r.json)); ok();
  r = await fetch(`${API}/v1/sign`, {
    method: 'POST', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ chain: 'bitcoin', key_id: ADDR, payload: '70736274ff0100' }),
  });
  assert.equal(r.status, 400); ok();
  r = await sign(psbt([['p2wpkh', 10_000n]], [[PAYEE.script, 9_000n]]), { kind: 'message' });
  assert.equal(r.status, 400, JSON.stringify(r.json)); ok();
}
console.log(`btc_v1: ${checks} checks passed`);
