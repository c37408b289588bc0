// Random Ethereum vectors with ethers' answers, one JSON object a line, for
// tests/integration/tools/eth_check.c to hold sigil's codec against:
//   node eth_vectors.mjs [N]      (N of each kind, 100 when absent)
// Kinds ("k"):
//   tx      an unsigned transaction of type 0 (EIP-155, or now and then
//           pre-EIP-155), 1 or 2, with ethers' unsignedSerialized,
//           unsignedHash and fields, the ERC-20 reading we expect (made
//           here from what was built, not from the bytes), a random key's
//           signature of the hash (signingKey.sign: r, s, yParity) and the
//           signed `serialized`;
//   keccak  keccak256 of random bytes;
//   msg     hashMessage (EIP-191 personal_sign) of random bytes;
//   addr    a random key's compressed public key, computeAddress, the
//           address in lower and upper case, and a mixed-case spelling
//           that getAddress refuses.
import { randomBytes as nodeRandom, randomInt } from "node:crypto";
import {
	Transaction, Wallet, SigningKey, computeAddress, getAddress, hashMessage, hexlify, keccak256,
} from "ethers";

const N = Number(process.argv[2] ?? 100);
const out = [];
const emit = (o) => out.push(JSON.stringify(o, (_, v) => (typeof v === "bigint" ? v.toString() : v)));

const bytes = (n) => new Uint8Array(nodeRandom(n));
const hex = (b) => hexlify(b);
const big = (b) => (b.length === 0 ? 0n : BigInt(hex(b)));
const pick = (a) => a[randomInt(a.length)];

// An integer of up to maxBytes bytes, often at an edge (0, a byte boundary, all ones).
function randUint(maxBytes) {
	const r = randomInt(10);
	if (r === 0) return 0n;
	if (r === 1) return (1n << BigInt(8 * maxBytes)) - 1n;
	if (r === 2) return 1n << BigInt(8 * randomInt(maxBytes));
	if (r === 3) return BigInt(randomInt(1, 128));
	return big(bytes(randomInt(1, maxBytes + 1)));
}
const randAddr = () => getAddress(hex(bytes(20)));
const word = (v) => v.toString(16).padStart(64, "0");
const addrWord = (a) => "0".repeat(24) + a.slice(2).toLowerCase();

// Call data and what sigil should read from it, given the tx's `to` and value.
const SELECTORS = {
	erc20_transfer: ["a9059cbb", 1],
	erc20_transfer_from: ["23b872dd", 2],
	erc20_approve: ["095ea7b3", 1],
};
function callData(to, value) {
	const r = randomInt(12);
	if (to === null) return { data: hex(bytes(pick([0, 1, 40, 300]))), desc: { kind: "contract_creation" } };
	if (r < 3) return { data: "0x", desc: { kind: "transfer", destination: to } };
	if (r < 9) {
		const kind = pick(Object.keys(SELECTORS));
		const [sel, nAddr] = SELECTORS[kind];
		const addrs = Array.from({ length: nAddr }, randAddr);
		const amount = randUint(32);
		let data = sel + addrs.map(addrWord).join("") + word(amount);
		let ok = value === 0n;
		const flaw = randomInt(8);
		if (flaw === 0) { data += "00"; ok = false; }                              // not 4 + 32n
		else if (flaw === 1) { data = data.slice(0, -2); ok = false; }             // cut short
		else if (flaw === 2) { data = sel + "01" + data.slice(10); ok = false; }  // dirty address word
		else if (flaw === 3) { data += word(7n); ok = false; }                     // an extra word
		if (!ok) return { data: "0x" + data, desc: { kind: "contract_call", destination: to } };
		const desc = { kind, asset: to, amount: amount.toString(), destination: addrs[nAddr - 1] };
		if (nAddr === 2) desc.owner = addrs[0];
		return { data: "0x" + data, desc };
	}
	return { data: hex(bytes(pick([1, 3, 4, 36, 68, 100, randomInt(1, 2000)]))), desc: { kind: "contract_call", destination: to } };
}

function accessList() {
	return Array.from({ length: pick([0, 0, 1, 2, randomInt(6)]) }, () => ({
		address: randAddr(),
		storageKeys: Array.from({ length: pick([0, 1, randomInt(4)]) }, () => hex(bytes(32))),
	}));
}

function txVector(type) {
	const pre155 = type === 0 && randomInt(16) === 0;
	const chainId = pre155 ? 0n : pick([1n, 5n, 137n, 11155111n, randUint(8) || 1n]);
	const to = randomInt(8) === 0 ? null : randAddr();
	const value = randomInt(3) === 0 ? 0n : randUint(32);
	const { data, desc } = callData(to, value);
	const f = {
		type, chainId, nonce: pick([0, 1, randomInt(1, 2 ** 32), Number.MAX_SAFE_INTEGER]),
		gasLimit: randUint(pick([3, 8, 32])), to, value, data,
	};
	if (type === 2) {
		// ethers (and geth) refuse a tip over the fee cap.
		const [a, b] = [randUint(pick([4, 32])), randUint(pick([4, 32]))];
		f.maxPriorityFeePerGas = a < b ? a : b;
		f.maxFeePerGas = a < b ? b : a;
	} else {
		f.gasPrice = randUint(pick([4, 32]));
	}
	if (type !== 0) f.accessList = accessList();
	const tx = Transaction.from(f);
	const key = new SigningKey(hex(bytes(32)));
	const sig = key.sign(tx.unsignedHash);
	const unsigned = tx.unsignedSerialized;
	const hash = tx.unsignedHash;
	tx.signature = sig;
	desc.amount ??= value.toString();
	desc.max_fee = (tx.gasLimit * (type === 2 ? tx.maxFeePerGas : tx.gasPrice)).toString();
	const al = tx.accessList ?? [];
	emit({
		k: "tx", type: tx.type, pre155, unsigned, hash,
		chainId: tx.chainId, nonce: tx.nonce, gasLimit: tx.gasLimit,
		gasPrice: type === 2 ? null : tx.gasPrice,
		maxPriorityFeePerGas: type === 2 ? tx.maxPriorityFeePerGas : null,
		maxFeePerGas: type === 2 ? tx.maxFeePerGas : null,
		to: tx.to, value: tx.value, data: tx.data,
		accessList: al.length, storageKeys: al.reduce((n, e) => n + e.storageKeys.length, 0),
		desc,
		sk: key.privateKey, r: sig.r, s: sig.s, yParity: sig.yParity, signed: tx.serialized,
	});
}

for (let i = 0; i < N; i++) for (const type of [0, 1, 2]) txVector(type);

for (let i = 0; i < N; i++) {
	const n = i < 8 ? [0, 1, 135, 136, 137, 271, 272, 273][i] : randomInt(0, 1200);
	const b = bytes(n);
	emit({ k: "keccak", in: hex(b), out: keccak256(b) });
}

for (let i = 0; i < N; i++) {
	const b = randomInt(4) === 0 ? new TextEncoder().encode("Sign in: " + randomInt(1e9)) : bytes(randomInt(0, 400));
	emit({ k: "msg", in: hex(b), hash: hashMessage(b) });
}

// A spelling of a checksummed address with one letter's case turned, which
// getAddress must refuse; null when there is none (no letter, or every
// turn leaves one case only, which carries no checksum and is accepted).
function badCase(addr) {
	const letters = [...addr.slice(2)].map((c, i) => (/[a-fA-F]/.test(c) ? i + 2 : -1)).filter((i) => i >= 0);
	for (let k = letters.length; k > 0; k--) {
		const i = letters.splice(randomInt(k), 1)[0];
		const c = addr[i];
		const bad = addr.slice(0, i) + (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()) + addr.slice(i + 1);
		const body = bad.slice(2);
		if (body === body.toLowerCase() || body === body.toUpperCase()) continue;
		try { getAddress(bad); } catch { return bad; }
		throw new Error("getAddress accepted " + bad);
	}
	return null;
}

for (let i = 0; i < N; i++) {
	const w = new Wallet(hex(bytes(32)));
	const pk = w.signingKey.compressedPublicKey;
	const addr = computeAddress(pk);
	if (computeAddress(w.signingKey.publicKey) !== addr || getAddress(addr.toLowerCase()) !== addr) throw new Error("ethers disagrees with itself");
	const lower = addr.toLowerCase();
	emit({ k: "addr", pk, uncompressed: w.signingKey.publicKey, addr, lower, upper: "0x" + lower.slice(2).toUpperCase(), bad: badCase(addr) });
}

process.stdout.write(out.join("\n") + "\n");
