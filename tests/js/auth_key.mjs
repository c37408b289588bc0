// The fixed key that authenticates requests in the integration tests.
// Usage: node auth_key.mjs pk            -> its edpk
//        node auth_key.mjs sign HEX      -> edsig over HEX (blake2b by the signer)
import { InMemorySigner } from '@taquito/signer';
import { b58Encode, PrefixV2 } from '@taquito/utils';

const seed = new Uint8Array(32).map((_, i) => i + 1);
export const authSigner = new InMemorySigner(b58Encode(seed, PrefixV2.Ed25519Seed));

if (process.argv[1].endsWith('auth_key.mjs')) {
  if (process.argv[2] === 'pk') console.log(await authSigner.publicKey());
  else if (process.argv[2] === 'sign') console.log((await authSigner.sign(process.argv[3])).prefixSig);
}
