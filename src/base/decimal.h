/* Unsigned integers wider than 64 bits in decimal: Ethereum's 256-bit
 * amounts, Substrate's 128-bit balances. */
#ifndef SIGIL_DECIMAL_H
#define SIGIL_DECIMAL_H
#include <stddef.h>
#include <stdint.h>

#define UINT_DECIMAL_BYTES_MAX 64 /* 155 digits */

/* v in decimal into out (cap bytes, NUL included): its length, or 0 (and
 * out "" where cap > 0) when it does not fit. */
size_t u64_decimal(uint64_t v, char *out, size_t cap);

/* A big-endian unsigned integer (n bytes, n <= UINT_DECIMAL_BYTES_MAX) in
 * decimal into out (cap bytes, NUL included): 0 or SIGIL_E_TOO_BIG. */
__attribute__((warn_unused_result)) int
uint_decimal(const uint8_t *be, size_t n, char *out, size_t cap);

#endif
