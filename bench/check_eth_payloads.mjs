// Checks the load generator's Ethereum payloads (bench_load -x N -m eth)
// with a decoder we did not write: each line must parse with ethers'
// Transaction (installed in tests/js by scripts/deps.sh --test) as an
// EIP-1559 transfer on chain 1 whose nonce is the line's number, and
// serialise back to the same bytes.
// usage: bench_load -x N -m eth … | node check_eth_payloads.mjs JSDIR
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';

const require = createRequire(resolve(process.argv[2], 'package.json'));
const { Transaction } = require('ethers');
let n = 0;
for await (const line of createInterface({ input: process.stdin })) {
  const tx = Transaction.from(line);
  if (tx.type !== 2 || tx.chainId !== 1n || tx.nonce !== n || tx.value !== 1n || tx.data !== '0x' ||
      tx.gasLimit !== 21000n || tx.unsignedSerialized !== line)
    throw new Error(`not the transfer expected: ${line}`);
  n++;
}
if (n === 0) throw new Error('no payloads');
console.log(`ethereum payloads: ${n} parse as EIP-1559 transfers and serialise identically`);
