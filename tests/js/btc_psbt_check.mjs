// sigil's Bitcoin codec against @scure/btc-signer 2.4.1 (and @noble/curves
// for the signatures), in two steps around tests/integration/tools/btc_check:
//
//   node btc_psbt_check.mjs make N > vectors.jsonl
//     N random PSBTs (version 0) for random keys: P2WPKH, P2TR key-path and
//     P2PKH inputs of the key (P2PKH with its non_witness_utxo), now and then
//     an input of another key, or a P2WPKH input given by its full previous
//     transaction; several outputs of every address form, change to the key's
//     own scripts; mainnet, testnet or regtest. Each line: the PSBT (base64),
//     the secret and public key, the network, and what sigil must find: per
//     owned input its kind, sighash type and sighash (btc-signer's
//     preimageLegacy / preimageWitnessV0 / preimageWitnessV1), per output its
//     amount, address and whether it is change, and the fee or null.
//     One vector in four carries a sighash type other than ALL/DEFAULT on
//     an owned input ("final": false: its hashes are checked, not finalised).
//
//   node btc_psbt_check.mjs verify vectors.jsonl signed.jsonl
//     the PSBTs as btc_check signed them: every owned input carries a
//     signature that verifies (ECDSA DER low-S over the sighash by the key;
//     BIP-340 by the taproot output key), nothing else changed, and for the
//     vectors whose inputs are all the key's, btc-signer finalises and
//     extracts the transaction. Ends with "N passed, M failed".
import { readFileSync } from "node:fs";
import { randomBytes, randomInt } from "node:crypto";
import * as btc from "@scure/btc-signer";
import { secp256k1, schnorr } from "@noble/curves/secp256k1.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { hex } from "@scure/base";

const REGTEST = { bech32: "bcrt", pubKeyHash: 0x6f, scriptHash: 0xc4, wif: 0xef };
const NETS = { mainnet: btc.NETWORK, testnet: btc.TEST_NETWORK, regtest: REGTEST };
const pick = (a) => a[randomInt(a.length)];
const rand = (n) => new Uint8Array(randomBytes(n));
const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

function newKey() {
	for (;;) {
		const sk = rand(32);
		if (secp256k1.utils.isValidSecretKey(sk)) return { sk, pk: secp256k1.getPublicKey(sk, true) };
	}
}

// The key's three scripts, as btc-signer writes them.
function scripts(pk, net) {
	return {
		p2wpkh: btc.p2wpkh(pk, net),
		p2tr: btc.p2tr(pk.subarray(1), undefined, net),
		p2pkh: btc.p2pkh(pk, net),
	};
}

function randomOutput(net) {
	const k = newKey();
	const r = randomInt(6);
	if (r === 0) return btc.p2wpkh(k.pk, net);
	if (r === 1) return btc.p2tr(k.pk.subarray(1), undefined, net);
	if (r === 2) return btc.p2pkh(k.pk, net);
	if (r === 3) return btc.p2sh(btc.p2wpkh(k.pk, net), net);
	if (r === 4) return btc.p2wsh(btc.p2pk(k.pk, net), net);
	return null; // OP_RETURN
}

// A previous transaction paying `script` `amount` at output `vout`.
function prevTx(script, amount, vout) {
	const outputs = [];
	for (let i = 0; i <= vout; i++)
		outputs.push(i === vout ? { script, amount } : { script: btc.p2wpkh(newKey().pk).script, amount: 1000n });
	const raw = btc.RawTx.encode({
		version: 2, segwitFlag: false, lockTime: 0,
		inputs: [{ txid: rand(32), index: 0, finalScriptSig: new Uint8Array(), sequence: 0xffffffff }],
		outputs,
	});
	const txid = hex.encode(sha256(sha256(raw)).reverse());
	return { raw, txid };
}

const SIGHASHES = [0x01, 0x02, 0x03, 0x81, 0x82, 0x83];

function make() {
	const netName = pick(Object.keys(NETS));
	const net = NETS[netName];
	const key = newKey();
	const own = scripts(key.pk, net);
	const odd = randomInt(4) === 0; // a non-default sighash somewhere
	const tx = new btc.Transaction({ allowUnknownOutputs: true, allowLegacyWitnessUtxo: true, version: pick([1, 2]), lockTime: pick([0, randomInt(1, 800000)]) });
	const nIn = randomInt(1, 6), spent = [];
	let committed = true, total = 0n;
	const owned = [];
	for (let i = 0; i < nIn; i++) {
		const amount = BigInt(randomInt(10000, 5e8));
		const kind = pick(["p2wpkh", "p2tr", "p2pkh", "p2wpkh_full", "other"]);
		const sequence = pick([0xffffffff, 0xfffffffd, randomInt(0, 0xffff)]);
		let input, script;
		if (kind === "p2pkh" || kind === "p2wpkh_full") {
			script = (kind === "p2pkh" ? own.p2pkh : own.p2wpkh).script;
			const vout = randomInt(3), p = prevTx(script, amount, vout);
			input = { txid: p.txid, index: vout, nonWitnessUtxo: p.raw, sequence };
			if (kind === "p2wpkh_full") input.witnessUtxo = { script, amount };
		} else if (kind === "other") {
			const o = btc.p2wpkh(newKey().pk, net);
			script = o.script;
			input = { txid: rand(32), index: randomInt(4), witnessUtxo: { script, amount }, sequence };
		} else {
			script = own[kind].script;
			input = { txid: rand(32), index: randomInt(4), witnessUtxo: { script, amount }, sequence };
			if (kind === "p2tr") input.tapInternalKey = key.pk.subarray(1);
		}
		let type = kind === "p2tr" ? 0 : 1;
		if (odd && kind !== "other" && randomInt(2) === 0) {
			type = pick(SIGHASHES);
			input.sighashType = type;
		}
		tx.addInput(input, true);
		spent.push({ script, amount });
		total += amount;
		if (kind !== "other") owned.push({ idx: i, kind: kind === "p2wpkh_full" ? "p2wpkh" : kind, type });
	}
	const outs = [];
	let totalOut = 0n;
	const nOut = randomInt(1, 6);
	for (let i = 0; i < nOut; i++) {
		const change = randomInt(4) === 0;
		const o = change ? own[pick(["p2wpkh", "p2tr", "p2pkh"])] : randomOutput(net);
		const amount = BigInt(randomInt(546, Number(total / BigInt(nOut + 1)) + 547));
		if (o === null) {
			tx.addOutput({ script: btc.Script.encode(["RETURN", rand(randomInt(1, 40))]), amount: 0n }, true);
			outs.push({ amount: "0", address: "", change: false });
			continue;
		}
		tx.addOutput({ script: o.script, amount }, true);
		totalOut += amount;
		outs.push({ amount: amount.toString(), address: btc.Address(net).encode(btc.OutScript.decode(o.script)), change });
	}
	// The sighashes sigil must find, from btc-signer.
	for (const o of owned) {
		// SINGLE without an output of the same index: sigil refuses it.
		if ((o.type & 3) === 3 && o.idx >= nOut) {
			o.type = 1;
			tx.updateInput(o.idx, { sighashType: 1 }, true);
		}
		const s = spent[o.idx];
		if (o.kind === "p2pkh") o.hash = tx.preimageLegacy(o.idx, s.script, o.type);
		else if (o.kind === "p2wpkh")
			o.hash = tx.preimageWitnessV0(o.idx, btc.p2pkh(key.pk).script, o.type, s.amount);
		else o.hash = tx.preimageWitnessV1(o.idx, spent.map((x) => x.script), o.type, spent.map((x) => x.amount));
		o.hash = hex.encode(o.hash);
	}
	// The fee is known when every input's amount is committed: every input
	// here has a witness_utxo for a segwit script or a non_witness_utxo.
	const fee = committed ? (total - totalOut).toString() : null;
	return {
		psbt: Buffer.from(tx.toPSBT(0)).toString("base64"),
		sk: hex.encode(key.sk), pk: hex.encode(key.pk), net: netName, inputs: owned, outputs: outs, fee,
		final: !odd && owned.length === nIn,
		p2tr: hex.encode(own.p2tr.script),
	};
}

function verify(vecFile, signedFile) {
	const vecs = readFileSync(vecFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
	const signed = readFileSync(signedFile, "utf8").trim().split("\n").map((l) => JSON.parse(l));
	let passed = 0, failed = 0, finalised = 0;
	if (vecs.length !== signed.length) throw new Error("line counts differ");
	vecs.forEach((v, n) => {
		try {
			const s = signed[n];
			const tx = btc.Transaction.fromPSBT(Buffer.from(s.psbt, "base64"), { allowUnknownOutputs: true, allowLegacyWitnessUtxo: true });
			const orig = btc.Transaction.fromPSBT(Buffer.from(v.psbt, "base64"), { allowUnknownOutputs: true, allowLegacyWitnessUtxo: true });
			if (tx.id !== orig.id) throw new Error("the transaction changed");
			const pk = hex.decode(v.pk);
			const outKey = hex.decode(v.p2tr).subarray(2);
			for (const o of v.inputs) {
				const inp = tx.getInput(o.idx), msg = hex.decode(o.hash);
				if (o.kind === "p2tr") {
					const sig = inp.tapKeySig;
					if (!sig) throw new Error(`input ${o.idx}: no tap_key_sig`);
					if (sig.length !== (o.type === 0 ? 64 : 65) || (o.type !== 0 && sig[64] !== o.type))
						throw new Error(`input ${o.idx}: tap_key_sig form`);
					if (!schnorr.verify(sig.subarray(0, 64), msg, outKey)) throw new Error(`input ${o.idx}: schnorr`);
				} else {
					const ps = (inp.partialSig || []).find(([k]) => eq(k, pk));
					if (!ps) throw new Error(`input ${o.idx}: no partial_sig`);
					const der = ps[1];
					if (der[der.length - 1] !== o.type) throw new Error(`input ${o.idx}: sighash byte`);
					if (!secp256k1.verify(der.subarray(0, der.length - 1), msg, pk, { prehash: false, format: "der", lowS: true }))
						throw new Error(`input ${o.idx}: ecdsa`);
				}
			}
			if (v.final) {
				tx.finalize();
				const raw = tx.extract();
				const back = btc.Transaction.fromRaw(raw, { allowUnknownOutputs: true });
				// A P2PKH input's scriptSig is part of the txid; the rest is not.
				if (back.id !== tx.id || back.outputsLength !== orig.outputsLength) throw new Error("extracted txid");
				if (!v.inputs.some((o) => o.kind === "p2pkh") && back.id !== orig.id) throw new Error("segwit txid changed");
				finalised++;
			}
			passed++;
		} catch (e) {
			failed++;
			if (failed <= 10) console.error(`vector ${n}: ${e.message}`);
		}
	});
	console.log(`btc_psbt_check: ${finalised} finalised and extracted`);
	console.log(`${passed} passed, ${failed} failed`);
	process.exit(failed === 0 ? 0 : 1);
}

const [cmd, a, b] = process.argv.slice(2);
if (cmd === "make") {
	const lines = [];
	for (let i = 0; i < Number(a ?? 50); i++) lines.push(JSON.stringify(make()));
	console.log(lines.join("\n"));
} else if (cmd === "verify") {
	verify(a, b);
} else {
	console.error("usage: btc_psbt_check.mjs make N | verify vectors.jsonl signed.jsonl");
	process.exit(2);
}
