/* EIP-712 typed structured data, as eth_signTypedData_v4 takes it: the JSON
 * document {"types", "primaryType", "domain", "message"} read into the
 * domain separator, the message's hashStruct and the digest a key signs,
 * keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message)).
 *
 * Strict, where wallets and libraries differ (ethers 6 is the reference
 * for what is accepted; tests/js/eip712_vectors.mjs checks the hashes):
 * - types: every struct except EIP712Domain reachable from primaryType,
 *   none on a cycle, no duplicate field names, names are identifiers;
 *   the atomic types of the EIP only (no `uint`/`int` aliases, no leading
 *   zeros, no T[0]); EIP712Domain holds some of name (string), version
 *   (string), chainId (uint256), verifyingContract (address), salt
 *   (bytes32), in any order, and nothing else; primaryType is not
 *   EIP712Domain;
 * - values: every field present and of its JSON kind (bool is true or
 *   false; integers are JSON integers within ±(2^53 - 1) or strings,
 *   decimal or 0x-hex with an optional '-', range-checked; bytes, bytesN
 *   and address are 0x-hex, an address in mixed case must carry its EIP-55
 *   checksum). A struct's keys that its type does not name are not signed
 *   and are ignored, as ethers ignores them; the domain,
 *   though, must have exactly its type's fields (ethers would hash a
 *   domain key the type leaves out);
 * - the document has exactly the four keys, each once.
 * Beyond the ceilings below: SIGIL_E_TOO_BIG. */
#ifndef SIGIL_ETH_EIP712_H
#define SIGIL_ETH_EIP712_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EIP712_DOC_MAX (256 * 1024) /* the JSON document, in bytes */
#define EIP712_TYPES_MAX 64         /* struct types, EIP712Domain included */
#define EIP712_FIELDS_MAX 64        /* fields of one struct type */
#define EIP712_NAME_MAX 64          /* a type's or field's name, in bytes */
#define EIP712_DIMS_MAX 24          /* array dimensions of one field type */
#define EIP712_ARRAY_MAX 1024       /* elements of one array value */
/* Nesting of the values: a struct or an array inside another counts one
 * level; the message itself is level 1. Deeper than what wallets are
 * asked to sign (a Seaport bulk order, a tree of orders in fixed arrays
 * T[2][2]..., nests its tree's height and a few levels more); the
 * recursion's stack is bounded by it. */
#define EIP712_DEPTH_MAX 32

struct eip712_result {
	uint8_t domain_separator[32];
	uint8_t struct_hash[32]; /* hashStruct(primaryType, message) */
	/* keccak256(encodeType(primaryType)): what kind of message this is
	 * (an ERC-2612 Permit, a Seaport order...), whatever its values. */
	uint8_t type_hash[32];
	uint8_t digest[32]; /* what is signed */
	char primary_type[EIP712_NAME_MAX + 1];
	/* The domain's chainId when its type has one: as encoded (uint256,
	 * big-endian), and as a number when it fits 64 bits. */
	bool has_chain_id;
	uint8_t chain_id[32];
	bool chain_id_fits_u64;
	uint64_t chain_id_u64;
	/* The domain's verifyingContract when its type has one. */
	bool has_verifying_contract;
	uint8_t verifying_contract[20];
};

/* Reads the typed-data document doc[0..len) (no NUL needed) and hashes it.
 * 0 with *out filled; otherwise *out is zeroed and reason (cap bytes)
 * says what is wrong, by the path to it ("message.from.wallet: ...") and
 * never by a value: SIGIL_E_INCOMPLETE for JSON that ends early,
 * SIGIL_E_TOO_BIG past a ceiling, SIGIL_E_INVALID for anything else
 * malformed, SIGIL_E_NOMEM. */
__attribute__((warn_unused_result)) int
eip712_hash(const char *doc, size_t len, struct eip712_result *out, char *reason, size_t cap);

#endif
