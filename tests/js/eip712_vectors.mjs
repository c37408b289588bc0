// EIP-712 vectors from an implementation we did not write: random typed-data
// documents (random struct graphs, nested and fixed-size arrays, every
// atomic type, values in every form sigil takes, random domains), hashed by
// ethers' TypedDataEncoder. One JSON line per document on stdout:
//   {"doc": "<the document's exact text>", "domainSeparator", "structHash",
//    "typeHash", "digest", "chainId" (decimal or null),
//    "verifyingContract" (lower case or null)}
// or, for a document ethers refuses, {"doc": ..., "refused": "<why>"}:
// sigil must refuse it too (eip712_check.c).
//
// usage: node eip712_vectors.mjs COUNT [SEED]
// A SEED (printed on stderr) makes the same documents again.
import { TypedDataEncoder, getAddress, id } from "ethers";

const count = Number(process.argv[2] ?? 300);
const seed = Number(process.argv[3] ?? Math.floor(Math.random() * 2 ** 32));
process.stderr.write(`eip712_vectors: ${count} documents, seed ${seed}\n`);

// mulberry32: small and seedable, so a failure can be replayed.
let st = seed >>> 0;
function rnd() {
	st = (st + 0x6d2b79f5) >>> 0;
	let t = st;
	t = Math.imul(t ^ (t >>> 15), t | 1);
	t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
	return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (n) => Math.floor(rnd() * n); // 0 .. n-1
const pick = (a) => a[int(a.length)];
const chance = (p) => rnd() < p;

function randBytes(n) {
	const b = new Uint8Array(n);
	for (let i = 0; i < n; i++) b[i] = int(256);
	return b;
}
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
function hexCase(h) {
	return pick([h, h.toUpperCase(), h.replace(/[a-f]/g, (c) => (chance(0.5) ? c.toUpperCase() : c))]);
}

// A random BigInt of exactly `bits` bits (0 for bits 0).
function randBits(bits) {
	if (bits === 0) return 0n;
	let v = 1n;
	for (let i = 1; i < bits; i++) v = (v << 1n) | BigInt(int(2));
	return v;
}

// Identifiers: letters, digits, '_' and '$', of every case, so that
// encodeType's sort by name sees them all.
const FIRST = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_$";
const REST = FIRST + "0123456789";
function ident(used) {
	for (;;) {
		let s = pick(FIRST);
		const n = 1 + int(12);
		for (let i = 0; i < n; i++) s += pick(REST);
		// no struct may read as an atomic type (sigil and ethers refuse)
		if (/^(u?int|bytes)\d*$/.test(s) || ["bool", "address", "string", "EIP712Domain"].includes(s)) continue;
		if (!used.has(s)) {
			used.add(s);
			return s;
		}
	}
}

function atomicType() {
	switch (int(7)) {
	case 0: return "uint" + 8 * (1 + int(32));
	case 1: return "int" + 8 * (1 + int(32));
	case 2: return "bool";
	case 3: return "address";
	case 4: return "bytes" + (1 + int(32));
	case 5: return "bytes";
	default: return "string";
	}
}

// A struct graph: type i names only types after it, so there is no cycle,
// and every type after the first is named by one before it, so the first
// (primary) reaches them all.
function makeTypes() {
	const used = new Set();
	const n = 1 + int(5);
	const names = Array.from({ length: n }, () => ident(used));
	const fields = names.map(() => []);
	const fieldNames = names.map(() => new Set());
	const addField = (i, base) => {
		let type = base;
		if (chance(0.3)) {
			const dims = 1 + int(3);
			for (let d = 0; d < dims; d++) type += chance(0.5) ? "[]" : `[${1 + int(2)}]`;
		}
		fields[i].push({ name: ident(fieldNames[i]), type });
	};
	for (let j = 1; j < n; j++) addField(int(j), names[j]);
	for (let i = 0; i < n; i++) {
		const extra = int(6);
		for (let k = 0; k < extra; k++)
			addField(i, i + 1 < n && chance(0.15) ? names[i + 1 + int(n - i - 1)] : atomicType());
	}
	// shuffle each struct's fields: the struct references need not come first
	for (const f of fields)
		for (let k = f.length - 1; k > 0; k--) {
			const r = int(k + 1);
			[f[k], f[r]] = [f[r], f[k]];
		}
	const types = {};
	names.forEach((nm, i) => (types[nm] = fields[i]));
	return { types, primary: names[0] };
}

function intValue(type) {
	const signed = type[0] === "i";
	const width = Number(type.replace(/^u?int/, ""));
	const top = signed ? width - 1 : width;
	let v = randBits(Math.min(top, pick([0, 1, 7, 8, top - 1, top, 1 + int(top)])));
	if (signed && chance(0.5)) v = -v;
	if (chance(0.05)) v = signed ? (1n << BigInt(width - 1)) - 1n : (1n << BigInt(width)) - 1n;
	if (signed && chance(0.05)) v = -(1n << BigInt(width - 1)); // the one N-bit magnitude
	const abs = v < 0n ? -v : v, sign = v < 0n ? "-" : "";
	const forms = [sign + abs.toString(10), sign + "0x" + hexCase(abs.toString(16))];
	if (abs <= BigInt(Number.MAX_SAFE_INTEGER)) forms.push(Number(v), Number(v));
	if (chance(0.1)) forms.push(sign + "000" + abs.toString(10), sign + "0x00" + abs.toString(16));
	return pick(forms);
}

function address() {
	const h = hex(randBytes(20));
	return pick(["0x" + h, getAddress("0x" + h), "0x" + h.toUpperCase()]);
}

const CHARS = ["a", "Z", " ", "\"", "\\", "\n", "\t", "é", "中", "😀", "\u0000", "\u2028", "(", ",", ")"];
function string() {
	const n = pick([0, 1, 5, 40, 135, 136, 137, 300]);
	let s = "";
	for (let i = 0; i < n; i++) s += chance(0.7) ? String.fromCharCode(32 + int(95)) : pick(CHARS);
	return s;
}

let budget = 0; // values left in this document, so nesting cannot explode
function value(types, type) {
	budget--;
	const arr = type.match(/^(.*)\[(\d*)\]$/);
	if (arr) {
		const n = arr[2] === "" ? (budget > 0 ? int(4) : 0) : Number(arr[2]);
		return Array.from({ length: n }, () => value(types, arr[1]));
	}
	if (types[type]) {
		const o = {};
		for (const f of types[type]) o[f.name] = value(types, f.type);
		const extra = "extra_" + int(100);
		if (chance(0.1) && !(extra in o)) o[extra] = "not signed, ignored by ethers and by sigil";
		return o;
	}
	if (/^u?int/.test(type)) return intValue(type);
	if (type === "bool") return chance(0.5);
	if (type === "address") return address();
	if (type === "bytes") return "0x" + hexCase(hex(randBytes(pick([0, 1, 31, 32, 33, 64, 65, 136, 200]))));
	if (type.startsWith("bytes")) return "0x" + hexCase(hex(randBytes(Number(type.slice(5)))));
	if (type === "string") return string();
	throw new Error("no value for " + type);
}

const DOMAIN_FIELDS = [
	["name", "string"], ["version", "string"], ["chainId", "uint256"],
	["verifyingContract", "address"], ["salt", "bytes32"],
];
function makeDomain() {
	const domain = {}, fields = [];
	for (const [name, type] of DOMAIN_FIELDS) {
		if (!chance(0.6)) continue;
		fields.push({ name, type });
		if (name === "name" || name === "version") domain[name] = string();
		else if (name === "chainId") domain[name] = pick([1, 11155111, 137, intValue("uint256"), intValue("uint64")]);
		else if (name === "verifyingContract") domain[name] = address();
		else domain[name] = "0x" + hex(randBytes(32));
	}
	return { domain, fields };
}

// One change that ethers refuses: sigil must refuse the result as well.
function spoil(types, primary, message) {
	const f = types[primary].find((x) => !types[x.type.replace(/\[.*$/, "")]);
	switch (f ? int(5) : 4) {
	case 0: // a field left out (a missing bool is false to ethers, skip it)
		if (/^bool/.test(f.type)) return null;
		delete message[f.name];
		return "missing field";
	case 1: // a value of the wrong kind
		message[f.name] = /^(bool|string)$/.test(f.type) ? null : { x: 1 };
		return "wrong kind";
	case 2: { // an integer one past its range, an address with a bad checksum, short bytesN
		if (/^u?int\d+$/.test(f.type)) {
			const w = Number(f.type.replace(/^u?int/, ""));
			message[f.name] = (f.type[0] === "i" ? (1n << BigInt(w - 1)) : (1n << BigInt(w))).toString();
			return "out of range";
		}
		if (/^bytes\d+$/.test(f.type)) {
			message[f.name] = "0x" + hex(randBytes(Number(f.type.slice(5)) + 1));
			return "bytesN too long";
		}
		if (f.type === "address") {
			const good = getAddress("0x" + hex(randBytes(20)));
			const bad = good.replace(/[a-fA-F]/, (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()));
			if (!/[a-f]/.test(bad) || !/[A-F]/.test(bad)) return null;
			message[f.name] = bad;
			return "bad checksum";
		}
		return null;
	}
	case 3: // a fixed array of the wrong length
		if (!/\[\d+\]$/.test(f.type)) return null;
		message[f.name] = [];
		return "fixed array length";
	default: // a type nothing uses
		types[ident(new Set(Object.keys(types)))] = [{ name: "x", type: "uint8" }];
		return "unused type";
	}
}

function one() {
	const { types, primary } = makeTypes();
	budget = 400;
	const message = value(types, primary);
	const { domain, fields } = makeDomain();
	let refused = null;
	if (chance(0.15)) refused = spoil(types, primary, message);
	// as wallets send it: EIP712Domain among the types, first or last
	const all = chance(0.5) ? { EIP712Domain: fields, ...types } : { ...types, EIP712Domain: fields };
	const doc = JSON.stringify({ types: all, primaryType: primary, domain, message });
	if (doc.length > 100000) return null; // fixed arrays of structs multiply
	if (refused !== null) {
		try {
			TypedDataEncoder.hash(domain, types, message);
		} catch (e) {
			return { doc, refused };
		}
		return null; // ethers took it after all: no claim either way
	}
	const enc = TypedDataEncoder.from(types);
	if (enc.primaryType !== primary) throw new Error("primary type");
	const dom = TypedDataEncoder.hashDomain(domain);
	const sh = enc.hash(message);
	const digest = TypedDataEncoder.hash(domain, types, message);
	return {
		doc,
		domainSeparator: dom,
		structHash: sh,
		typeHash: id(enc.encodeType(primary)),
		digest,
		chainId: domain.chainId === undefined ? null : BigInt(domain.chainId).toString(),
		verifyingContract: domain.verifyingContract === undefined ? null : domain.verifyingContract.toLowerCase(),
	};
}

for (let made = 0; made < count;) {
	const v = one();
	if (v === null) continue;
	process.stdout.write(JSON.stringify(v) + "\n");
	made++;
}
