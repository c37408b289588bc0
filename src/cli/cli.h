/* The sigil command line: one verb per file, dispatched from a table. */
#ifndef SIGIL_CLI_H
#define SIGIL_CLI_H
#include <stdbool.h>

/* Options every verb shares, parsed before the verb's own. */
struct cli_global {
	const char *config;   /* -c/--config; NULL: embedded defaults */
	bool json_log;
};

extern struct cli_global cli_opts;

int cli_serve(int argc, char **argv);
int cli_list(int argc, char **argv);
int cli_generate(int argc, char **argv);
int cli_import(int argc, char **argv);
int cli_pubkey(int argc, char **argv);
int cli_pop(int argc, char **argv);
int cli_watermark(int argc, char **argv);
int cli_config(int argc, char **argv);
int cli_version(int argc, char **argv);

/* True when argv holds -h or --help (and prints usage then). */
bool cli_wants_help(int argc, char **argv, const char *usage);
/* Applies -c/--config, --base-dir, --json-log, --log-level found anywhere in
 * argv and removes them; returns the new argc. */
int cli_take_globals(int argc, char **argv);

#endif
