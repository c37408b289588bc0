#ifndef SIGIL_CLI_COMMON_H
#define SIGIL_CLI_COMMON_H
#include <stddef.h>

#include "config/config.h"

/* Loads the config named by -c (or the defaults); prints errors. */
int cli_load_config(struct sigil_config **cfg);
/* Room for a passphrase (and for a secret key line read from stdin). */
#define CLI_PASS_MAX 1024

/* The vault sigil generate and import store into: the one named, or the
 * first whose driver can store keys; NULL when there is none (or the one
 * named cannot). */
const struct config_vault *cli_vault_pick(const struct sigil_config *cfg, const char *name);

/* The file vault to write to (the one named, or the first) and its
 * passphrase (in a buffer the caller wipes). A passphrase prompted for a
 * vault that does not exist yet is asked twice and must match. Prints
 * errors. */
int cli_vault_target(const struct sigil_config *cfg, const char *name, char *path, size_t pathcap,
                     char *pass, size_t passcap, const struct config_vault **out);
/* Reads a passphrase from the terminal with echo off; SIGIL_E_NOT_FOUND
 * when standard input is not a terminal (never a blocking read then). */
int cli_prompt_secret(const char *prompt, char *out, size_t cap);

#endif
