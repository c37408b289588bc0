/* The operations of a generic request, described for the intent. */
#ifndef SIGIL_TZ_INTENT_OPS_H
#define SIGIL_TZ_INTENT_OPS_H
#include <stddef.h>
#include <stdint.h>

#include "chain/chain.h"

/* Fills in->ops with the first INTENT_OPS_MAX contents of a generic (0x03)
 * request that tz_decode accepted: kind, the fee of manager operations
 * (mutez, decimal), and a transaction's amount (mutez) and destination
 * (tz1…, KT1…). asset stays "" (tez). */
void tz_intent_ops(const uint8_t *buf, size_t len, struct sign_intent *in);

#endif
