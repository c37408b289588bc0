/* sigil config check, sigil version */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "core/context.h"

#define SIGIL_VERSION "0.1.0"

static const char config_usage[] =
	"usage: sigil config check\n\nLoads the configuration and every vault it names, and "
	"reports the first problem.\n\n"
	"Note on tezos.<key>.allowed_chains: it limits only requests whose bytes name a\n"
	"chain: blocks (0x11), preattestations (0x12) and attestations (0x13). Generic\n"
	"operations (0x03) and Michelson packs (0x05) carry a block hash (the branch),\n"
	"not a chain id, so they are signed for any chain the key is allowed: limit\n"
	"those with the key's allow list, not with allowed_chains.\n";

int
cli_config(int argc, char **argv)
{
	struct sigil_state *st;
	char err[512] = "";

	if (cli_wants_help(argc, argv, config_usage))
		return 0;
	if (argc != 2 || strcmp(argv[1], "check") != 0) {
		fputs(config_usage, stderr);
		return 2;
	}
	if (sigil_state_load(cli_opts.config, &st, err, sizeof(err)) != 0) {
		fprintf(stderr, "sigil: config check failed: %s\n", err);
		return 1;
	}
	printf("ok: %zu vaults, %zu configured keys, %zu usable\n", st->n_vaults, st->cfg->n_keys,
	       st->n_keys);
	sigil_state_free(st);
	return 0;
}

int
cli_version(int argc, char **argv)
{
	if (cli_wants_help(argc, argv, "usage: sigil version\n"))
		return 0;
	(void)argc;
	(void)argv;
	printf("sigil %s\n", SIGIL_VERSION);
	return 0;
}
