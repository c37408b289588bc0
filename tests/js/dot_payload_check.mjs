// Random Polkadot vectors, one JSON object a line, for
// tests/integration/tools/dot_check.c to hold sigil's codec against:
//   node dot_payload_check.mjs [N]      (N of each kind, 100 when absent)
// Kinds ("k"):
//   payload  a signing payload (ExtrinsicPayload.toU8a({ method: true })'s
//            layout: call ‖ extra ‖ additional), built by hand with
//            @polkadot/util's compactToU8a and u8aConcat (@polkadot/types,
//            which needs a runtime's metadata, is not installed), for
//            Polkadot, Kusama or Westend (genesis hashes from
//            @polkadot/networks): balances transfers, transfer_all,
//            force_transfer, utility batches of them, now and then an
//            unknown call (system.remark) inside; mortal and immortal eras,
//            compact nonces and tips at their edges, CheckMetadataHash's
//            mode and Option. With it what sigil should read: operations
//            (destinations by encodeAddress under the network's prefix,
//            amounts in decimal), whether every call is known, opacity,
//            and the bytes the key signs (blake2AsU8a(payload, 256) over
//            256 bytes, else the payload);
//   ss58     a random account under a random prefix (0..16383, not the
//            reserved 46 and 47): encodeAddress, and a spelling with one
//            character changed that decodeAddress refuses;
//   compact  a random integer up to 2^128 - 1 and compactToU8a of it.
import { randomBytes as nodeRandom, randomInt } from "node:crypto";
import { compactToU8a, u8aConcat, u8aToHex, hexToU8a } from "@polkadot/util";
import { encodeAddress, decodeAddress, blake2AsU8a } from "@polkadot/util-crypto";
import { knownGenesis } from "@polkadot/networks/defaults";

const N = Number(process.argv[2] ?? 100);
const out = [];
const emit = (o) => out.push(JSON.stringify(o, (_, v) => (typeof v === "bigint" ? v.toString() : v)));
const bytes = (n) => new Uint8Array(nodeRandom(n));
const pick = (a) => a[randomInt(a.length)];
const u8 = (...b) => new Uint8Array(b);
const u32 = (v) => { const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v, true); return b; };
const big = (b) => (b.length === 0 ? 0n : BigInt(u8aToHex(b)));

// The runtimes' indices (construct_runtime!, #[pallet::call_index]).
const NETS = {
	polkadot: { prefix: 0, balances: 5, utility: 26 },
	kusama: { prefix: 2, balances: 4, utility: 24 },
	westend: { prefix: 42, balances: 4, utility: 16 },
};
for (const [name, n] of Object.entries(NETS)) n.genesis = hexToU8a(knownGenesis[name][0]);

// An integer of up to bits bits, often at an edge.
function randUint(bits) {
	const r = randomInt(10);
	if (r === 0) return 0n;
	if (r === 1) return (1n << BigInt(bits)) - 1n;
	if (r === 2) return 1n << BigInt(randomInt(bits));
	if (r === 3) return pick([63n, 64n, 16383n, 16384n, (1n << 30n) - 1n, 1n << 30n]);
	return big(bytes(randomInt(1, bits / 8 + 1)));
}

// A MultiAddress and what sigil should write for it.
function address(net) {
	const r = randomInt(12);
	if (r < 8) { const id = bytes(32); return [u8aConcat(u8(0), id), encodeAddress(id, net.prefix), true]; }
	if (r === 8) { const id = bytes(32); return [u8aConcat(u8(3), id), encodeAddress(id, net.prefix), true]; }
	if (r === 9) { const a = bytes(20); return [u8aConcat(u8(4), a), u8aToHex(a), false]; }
	if (r === 10) { const a = bytes(randomInt(0, 33)); return [u8aConcat(u8(2), compactToU8a(a.length), a), "raw:" + u8aToHex(a), false]; }
	return [u8(1), "index", false]; // AccountIndex is () on the relay chains: no bytes
}

// One balances call: its bytes and the operation sigil should report.
function transfer(net) {
	const kind = pick(["transfer_allow_death", "transfer_keep_alive", "transfer_all", "force_transfer"]);
	const [dest, text, account] = address(net);
	if (kind === "transfer_all") {
		const keep = randomInt(2);
		return [u8aConcat(u8(net.balances, 4), dest, u8(keep)), { kind, amount: "", destination: text, account }];
	}
	const amount = randUint(128);
	if (kind === "force_transfer") {
		const [src, stext] = address(net);
		return [u8aConcat(u8(net.balances, 2), src, dest, compactToU8a(amount)),
			{ kind, amount: amount.toString(), destination: text, source: stext, account }];
	}
	const idx = kind === "transfer_allow_death" ? 0 : 3;
	return [u8aConcat(u8(net.balances, idx), dest, compactToU8a(amount)),
		{ kind, amount: amount.toString(), destination: text, account }];
}

const remark = () => { const b = bytes(randomInt(0, 40)); return u8aConcat(u8(0, 0), compactToU8a(b.length), b); };

// The call: one transfer, a batch of them (maybe with an unknown call
// inside, after which sigil reads nothing more), or an unknown call alone.
function call(net) {
	const r = randomInt(10);
	if (r < 4) { const [b, op] = transfer(net); return { bytes: b, ops: [op], known: true }; }
	if (r === 9) return { bytes: remark(), ops: [{ kind: "unknown_call" }], known: false };
	const which = pick([0, 2, 4]);
	const n = randomInt(0, 6);
	const parts = [], ops = [];
	let known = true;
	for (let i = 0; i < n; i++) {
		if (randomInt(8) === 0) {
			parts.push(remark());
			if (known) ops.push({ kind: "unknown_call" });
			known = false;
		} else {
			const [b, op] = transfer(net);
			parts.push(b);
			if (known) ops.push(op);
		}
	}
	return { bytes: u8aConcat(u8(net.utility, which), compactToU8a(n), ...parts), ops, known,
		batch: { 0: "batch", 2: "batch_all", 4: "force_batch" }[which] };
}

// sp_runtime's Era::mortal encoding, for a period a power of two.
function era() {
	if (randomInt(3) === 0) return [u8(0), { immortal: true }];
	const period = 1 << randomInt(2, 17);
	const quantize = Math.max(period >> 12, 1);
	const phase = Math.floor(randomInt(period) / quantize) * quantize;
	const tz = Math.log2(period);
	const enc = Math.min(Math.max(tz - 1, 1), 15) | ((phase / quantize) << 4);
	return [u8(enc & 0xff, enc >> 8), { period, phase }];
}

function payloadVector() {
	const name = pick(Object.keys(NETS));
	const net = NETS[name];
	const c = call(net);
	const [eraBytes, eraDesc] = era();
	const nonce = randUint(32), tip = randUint(128);
	const mode = randomInt(2);
	const mh = bytes(32);
	const block = eraDesc.immortal ? net.genesis : bytes(32);
	const spec = randomInt(2 ** 31), txv = randomInt(1000);
	const payload = u8aConcat(
		c.bytes, eraBytes, compactToU8a(nonce), compactToU8a(tip), u8(mode),
		u32(spec), u32(txv), net.genesis, block, mode ? u8aConcat(u8(1), mh) : u8(0));
	// After an unknown call sigil reads the end both ways CheckMetadataHash
	// allows; random bytes fit the wrong way too about once in 65536, and
	// then no network can be told (the unit tests cover that): draw again.
	const L = payload.length;
	if (!c.known && L >= 111 && payload[L - 33] === 1 && payload[L - 106] === 1 &&
		payload[L - 1] === 0 && payload[L - 74] === 0) return payloadVector();
	const sign = payload.length > 256 ? blake2AsU8a(payload, 256) : payload;
	const opaque = !c.known || c.ops.some((o) => o.kind === "transfer_all" || !o.account);
	emit({
		k: "payload", net: name, payload: u8aToHex(payload), sign: u8aToHex(sign),
		ops: c.ops, n_ops: c.ops.length, known: c.known, opaque, batch: c.batch ?? "",
		call_len: c.bytes.length, nonce, tip: tip.toString(), era: eraDesc, mode,
		spec, txv, block: u8aToHex(block), metadata_hash: mode ? u8aToHex(mh) : null,
	});
}

// An account under a prefix: encodeAddress, and a spelling with one
// character changed that decodeAddress refuses (a checksum or length error).
function ss58Of(id, prefix) {
	const addr = encodeAddress(id, prefix);
	if (u8aToHex(decodeAddress(addr)) !== u8aToHex(id)) throw new Error("decodeAddress");
	const alpha = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
	let bad;
	for (;;) {
		const i = randomInt(addr.length);
		bad = addr.slice(0, i) + pick(alpha.replace(addr[i], "").split("")) + addr.slice(i + 1);
		try { decodeAddress(bad); } catch { break; }
	}
	emit({ k: "ss58", id: u8aToHex(id), prefix, addr, bad });
	return addr;
}

function ss58Vector() {
	let prefix;
	do prefix = pick([0, 2, 42, randomInt(64), randomInt(64, 16384)]); while (prefix === 46 || prefix === 47);
	ss58Of(bytes(32), prefix);
}

function compactVector() {
	const v = randUint(128);
	emit({ k: "compact", v: v.toString(), hex: u8aToHex(compactToU8a(v)) });
}

// A fixed point first: Alice under the generic prefix.
if (ss58Of(hexToU8a("0xd43593c715fdd31c61141abd04a99fd6822c8558854ccde39a5684e7a56da27d"), 42) !==
	"5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY") throw new Error("Alice");
for (let i = 0; i < N; i++) { payloadVector(); ss58Vector(); compactVector(); }
process.stdout.write(out.join("\n") + "\n");
