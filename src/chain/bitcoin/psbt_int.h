/* Private to psbt.c and psbt_check.c: the checks of known record types. */
#ifndef SIGIL_BTC_PSBT_INT_H
#define SIGIL_BTC_PSBT_INT_H
#include "chain/bitcoin/psbt.h"

/* Each checks one map's records (their keys already known distinct) and
 * fills what sigil reads from it; SIGIL_E_* with *why set. */
int psbt_check_global(struct btc_psbt *p, const char **why, size_t *rec);
int psbt_check_input(struct btc_psbt *p, size_t idx, const char **why, size_t *rec);
int psbt_check_output(struct btc_psbt *p, size_t idx, const char **why, size_t *rec);

/* A record's type (its key's first CompactSize; -1 for 0xfd and up,
 * which no version-0 type uses) and the key data after it. */
int psbt_rec_type(const struct btc_psbt_rec *r, const uint8_t **kd, size_t *kd_len);

#endif
