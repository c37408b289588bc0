// Checks the load generator's Solana, Polkadot and Bitcoin payloads
// (bench_load -x N -m sol|dot|dot_batch|btc) with decoders we did not
// write, where there is one: line n (from 0) must be
//   sol        a legacy message that @solana/kit decodes, paid by ADDRESS,
//              whose one instruction is a System Transfer (u32 2) of n + 1
//              lamports, and that kit compiles back to the same bytes;
//   dot        a Westend signing payload of balances.transfer_keep_alive
//              (pallet 4, call 3) of n + 1 planck, under 256 bytes;
//   dot_batch  the same in a utility.batch_all (pallet 16, call 2) of
//              several, over 256 bytes (read by hand: @polkadot/types needs
//              a runtime's metadata and is not installed; the compact
//              integers by @polkadot/util, the genesis hash by
//              @polkadot/networks);
//   btc        a PSBT that @scure/btc-signer parses, one input whose
//              witness_utxo is ADDRESS's P2WPKH script holding 100 000 + n
//              sat, one output of 50 000 sat, and that btc-signer writes
//              back byte for byte.
// usage: bench_load -x N -k KEYFILE -m MODE | node check_chain_payloads.mjs JSDIR MODE ADDRESS
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [jsdir, mode, addr] = process.argv.slice(2);
const require = createRequire(resolve(jsdir, 'package.json'));
// btc-signer is an ES module only: imported by its resolved path.
const esm = async (name) => import(pathToFileURL(require.resolve(name)).href);
const fail = (line, why) => { throw new Error(`${mode} payload ${line.slice(0, 80)}…: ${why}`); };
const le = (b, off, n) => { let v = 0n; for (let i = n - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[off + i]); return v; };
const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

function checkSol(kit, line, bytes, n) {
  const m = kit.getCompiledTransactionMessageDecoder().decode(bytes);
  if (m.version !== 'legacy' || m.staticAccounts[0] !== addr || m.header.numSignerAccounts !== 1)
    fail(line, 'not a legacy message paid by the key');
  const msg = kit.decompileTransactionMessage(m);
  const [ix] = msg.instructions;
  if (msg.instructions.length !== 1 || ix.programAddress !== '11111111111111111111111111111111' ||
      ix.data.length !== 12 || le(ix.data, 0, 4) !== 2n || le(ix.data, 4, 8) !== BigInt(n + 1) ||
      ix.accounts[0].address !== addr)
    fail(line, `not a System Transfer of ${n + 1} lamports from the key`);
  const again = kit.getCompiledTransactionMessageEncoder().encode(kit.compileTransactionMessage(msg));
  if (!same(new Uint8Array(again), bytes)) fail(line, 'kit compiles it to other bytes');
}

function checkDot(util, westend, line, b, n, batch) {
  let off = 0;
  const u8 = () => { if (off >= b.length) fail(line, 'cut short'); return b[off++]; };
  const compact = () => { const [len, v] = util.compactFromU8a(b.subarray(off)); off += len; return BigInt(v.toString()); };
  let calls = 1n;
  if (batch) {
    if (u8() !== 16 || u8() !== 2) fail(line, 'not utility.batch_all');
    calls = compact();
    if (calls < 2n) fail(line, 'a batch of fewer than 2');
  }
  for (let i = 0n; i < calls; i++) {
    if (u8() !== 4 || u8() !== 3 || u8() !== 0) fail(line, 'not balances.transfer_keep_alive to an Id');
    off += 32;
    if (compact() !== BigInt(n + 1)) fail(line, `amount is not ${n + 1}`);
  }
  if (u8() !== 0 || compact() !== 0n || compact() !== 0n || u8() !== 0)
    fail(line, 'extra is not immortal, nonce 0, tip 0, metadata hash off');
  off += 8; // spec and transaction versions
  const genesis = b.subarray(off, off + 32), block = b.subarray(off + 32, off + 64);
  off += 64;
  if (!same(genesis, westend) || !same(block, westend)) fail(line, 'not Westend');
  if (u8() !== 0 || off !== b.length) fail(line, 'trailing bytes or a metadata hash');
  if (batch !== b.length > 256) fail(line, `${b.length} bytes: on the wrong side of 256`);
}

function checkBtc(btc, line, bytes, n) {
  const tx = btc.Transaction.fromPSBT(bytes);
  if (tx.inputsLength !== 1 || tx.outputsLength !== 1) fail(line, 'not one input and one output');
  const { witnessUtxo } = tx.getInput(0);
  const own = btc.OutScript.encode(btc.Address(btc.NETWORK).decode(addr));
  if (!witnessUtxo || !same(witnessUtxo.script, own) || witnessUtxo.amount !== 100000n + BigInt(n))
    fail(line, `input is not ${100000 + n} sat at ${addr}`);
  if (tx.getOutput(0).amount !== 50000n || btc.OutScript.decode(tx.getOutput(0).script).type !== 'wpkh')
    fail(line, 'output is not 50 000 sat to a P2WPKH');
  if (!same(tx.toPSBT(0), bytes)) fail(line, 'btc-signer writes it back differently');
}

const libs = {};
if (mode === 'sol') libs.kit = require('@solana/kit');
else if (mode === 'dot' || mode === 'dot_batch') {
  libs.util = require('@polkadot/util');
  libs.westend = libs.util.hexToU8a(require('@polkadot/networks/defaults').knownGenesis.westend[0]);
} else if (mode === 'btc') libs.btc = await esm('@scure/btc-signer');
else throw new Error(`mode ${mode}: sol, dot, dot_batch or btc`);

let n = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const bytes = new Uint8Array(Buffer.from(line.replace(/^0x/, ''), 'hex'));
  if (mode === 'sol') checkSol(libs.kit, line, bytes, n);
  else if (mode === 'btc') checkBtc(libs.btc, line, bytes, n);
  else checkDot(libs.util, libs.westend, line, bytes, n, mode === 'dot_batch');
  n++;
}
if (n === 0) throw new Error('no payloads');
console.log(`${mode} payloads: ${n} decode as expected`);
