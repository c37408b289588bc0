// Checks the load generator's payloads with a decoder we did not write:
// each line (hex, magic byte first) must parse with @taquito/local-forging
// (24.2.0, installed in tests/js by scripts/deps.sh --test) and forge back
// to the same bytes. usage: bench_load -x N … | node check_payloads.mjs JSDIR
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { resolve } from 'node:path';

const require = createRequire(resolve(process.argv[2], 'package.json'));
const { LocalForger } = require('@taquito/local-forging');
const forger = new LocalForger();
const kinds = {};
let n = 0;
for await (const line of createInterface({ input: process.stdin })) {
  // 0x03: magic then the operation; 0x13: magic, chain id (4), then the operation.
  const body = line.startsWith('03') ? line.slice(2) : line.slice(10);
  const op = await forger.parse(body);
  if ((await forger.forge(op)) !== body) throw new Error(`does not round-trip: ${line}`);
  for (const c of op.contents) kinds[c.kind] = (kinds[c.kind] || 0) + 1;
  n++;
}
if (n === 0) throw new Error('no payloads');
console.log(`payloads: ${n} parse and re-forge identically (${JSON.stringify(kinds)})`);
