/* Bitcoin addresses and the scripts they stand for.
 *
 * - base58check (version byte ‖ 20-byte hash ‖ 4 bytes of SHA256d):
 *   P2PKH version 0x00 mainnet, 0x6f testnet/signet/regtest;
 *   P2SH 0x05 mainnet, 0xc4 testnet/signet/regtest.
 * - segwit (BIP-173 bech32 for version 0, BIP-350 bech32m for 1..16):
 *   hrp "bc" mainnet, "tb" testnet/signet, "bcrt" regtest; data = the
 *   witness version, then the program in 5-bit groups; v0 programs are 20
 *   (P2WPKH) or 32 (P2WSH) bytes, others 2..40; at most 90 characters, one
 *   case throughout.
 * Scripts:
 *   P2PKH  76 a9 14 <20> 88 ac        P2SH  a9 14 <20> 87
 *   P2WPKH 00 14 <20>                 P2WSH 00 20 <32>
 *   P2TR   51 20 <32>                 vN    (50+N) <2..40>
 *   OP_RETURN 6a …: no address. */
#ifndef SIGIL_BTC_ADDR_H
#define SIGIL_BTC_ADDR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BTC_ADDR_MAX 91        /* 90 characters and the NUL */
#define BTC_ADDR_SCRIPT_MAX 42 /* the longest script an address stands for */
#define BTC_PROGRAM_MAX 40

enum btc_net {
	BTC_MAINNET = 0,
	BTC_TESTNET = 1, /* testnet3, testnet4, signet: the same forms */
	BTC_REGTEST = 2, /* base58 as testnet, hrp bcrt */
};

enum btc_script_type {
	BTC_SCRIPT_NONSTANDARD = 0,
	BTC_SCRIPT_P2PKH,
	BTC_SCRIPT_P2SH,
	BTC_SCRIPT_P2WPKH,
	BTC_SCRIPT_P2WSH,
	BTC_SCRIPT_P2TR,
	BTC_SCRIPT_WITNESS_OTHER, /* a witness program of version 1..16 but not P2TR */
	BTC_SCRIPT_OP_RETURN,     /* data carrier: unspendable, no address */
};

/* "p2pkh", "p2tr", ..., "nonstandard". */
const char *btc_script_type_name(enum btc_script_type t);

/* The script's form. A witness program (version 0..16, then one push of
 * 2..40 bytes) gives *witver and the program (pointing into script);
 * other forms their hash; both NULL-able. */
enum btc_script_type btc_script_classify(const uint8_t *script, size_t len, int *witver,
                                         const uint8_t **prog, size_t *prog_len);

/* The address text of script on net, NUL-terminated. SIGIL_E_UNSUPPORTED
 * for a script with no address (OP_RETURN, bare multisig, ...);
 * SIGIL_E_TOO_BIG when out is short. */
__attribute__((warn_unused_result)) int
btc_script_address(enum btc_net net, const uint8_t *script, size_t len, char *out, size_t cap);

/* The scriptPubKey of an address of net (text of len bytes, no NUL
 * needed). SIGIL_E_CHECKSUM for a base58 or bech32 checksum that fails,
 * SIGIL_E_INVALID for anything else wrong, another network's address
 * included. */
__attribute__((warn_unused_result)) int
btc_address_script(enum btc_net net, const char *text, size_t len,
                   uint8_t script[static BTC_ADDR_SCRIPT_MAX], size_t *script_len);

/* --- the encodings ------------------------------------------------------ */

enum btc_bech32_kind { BTC_BECH32 = 1, BTC_BECH32M = 2 };

/* A segwit address for hrp (lower case). SIGIL_E_INVALID for a version or
 * program length BIP-173/350 do not allow. */
__attribute__((warn_unused_result)) int
btc_segwit_encode(const char *hrp, int witver, const uint8_t *prog, size_t prog_len, char *out,
                  size_t cap);

/* A segwit address of hrp: its version and program (at most 40 bytes).
 * The checksum must be the version's (bech32 for 0, bech32m otherwise). */
__attribute__((warn_unused_result)) int
btc_segwit_decode(const char *hrp, const char *text, size_t len, int *witver,
                  uint8_t prog[static BTC_PROGRAM_MAX], size_t *prog_len);

/* Any bech32 or bech32m string (BIP-173's rules: 8..90 characters, hrp of
 * 1..83 characters 33..126, one case, a valid checksum): which checksum
 * it carries, its hrp (lower case, into hrp of hrp_cap bytes) and the
 * number of 5-bit data groups before the checksum. */
__attribute__((warn_unused_result)) int
btc_bech32_decode(const char *text, size_t len, enum btc_bech32_kind *kind, char *hrp,
                  size_t hrp_cap, uint8_t data[static 90], size_t *n_data);

/* base58check of data (at most 64 bytes). */
__attribute__((warn_unused_result)) int
btc_b58check_encode(const uint8_t *data, size_t len, char *out, size_t cap);
__attribute__((warn_unused_result)) int
btc_b58check_decode(const char *text, size_t len, uint8_t *out, size_t cap, size_t *out_len);

/* --- the scripts a key owns -------------------------------------------- */

/* A secp256k1 key's three single-key outputs: P2PKH and P2WPKH of its
 * HASH160, and P2TR with the key as the internal key and no script tree
 * (the output key x(P + H_TapTweak(x(P))·G), BIP-86's form). */
struct btc_key_scripts {
	uint8_t pk[33];
	uint8_t hash160[20];
	uint8_t xonly[32];      /* the internal key */
	uint8_t output_key[32]; /* the taproot output key */
	uint8_t p2pkh[25];
	uint8_t p2wpkh[22];
	uint8_t p2tr[34];
};

/* From a 33-byte compressed public key. SIGIL_E_INVALID for another
 * length or prefix, SIGIL_E_CRYPTO for a point not on the curve. */
__attribute__((warn_unused_result)) int
btc_key_scripts(const uint8_t *pk, size_t pklen, struct btc_key_scripts *ks);
/* The same without the taproot output (taproot false): output_key and p2tr
 * stay zero, which no script matches. The tweak is a point multiplication,
 * most of the work here: a PSBT with no taproot script need not pay it. */
__attribute__((warn_unused_result)) int
btc_key_scripts_ex(const uint8_t *pk, size_t pklen, bool taproot, struct btc_key_scripts *ks);

/* Which of the key's scripts script is: P2PKH, P2WPKH, P2TR, or
 * BTC_SCRIPT_NONSTANDARD when none. */
enum btc_script_type btc_key_owns(const struct btc_key_scripts *ks, const uint8_t *script,
                                  size_t len);

#endif
