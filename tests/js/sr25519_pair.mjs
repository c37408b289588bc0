// A polkadot-js sr25519 key pair whose secret is only its 64-byte secretKey:
// the seed SEED_HEX derived along PATH (a soft junction such as /sigil, as
// a Keyring URI "seed/sigil" does), which has no mini secret of its own.
// Prints "0x<secretKey, 128 hex digits> <SS58 address, prefix 42>", and with
// "--plain" the seed's own pair instead.
// Usage: node sr25519_pair.mjs SEED_HEX PATH | --plain
import { hexToU8a, u8aToHex } from '@polkadot/util';
import {
  cryptoWaitReady, encodeAddress, keyExtractPath, keyFromPath, sr25519PairFromSeed,
} from '@polkadot/util-crypto';

const [SEED, PATH] = process.argv.slice(2);
if (!SEED || !PATH) throw new Error('usage: node sr25519_pair.mjs SEED_HEX PATH|--plain');
await cryptoWaitReady();
const pairOf = (seed, path) => {
  const root = sr25519PairFromSeed(hexToU8a(seed));
  return path === '--plain' ? root : keyFromPath(root, keyExtractPath(path).path, 'sr25519');
};
const pair = pairOf(SEED, PATH);
console.log(`${u8aToHex(pair.secretKey)} ${encodeAddress(pair.publicKey, 42)}`);
