/* sigil and sigild. Invoked as "sigild", the binary serves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "core/context.h"
#include "base/log.h"

struct cli_global cli_opts;

static const struct {
	const char *name;
	int (*fn)(int, char **);
	const char *help;
} cli_verbs[] = {
	{"serve", cli_serve, "run the signer (the same as running sigild)"},
	{"list", cli_list, "list the keys in the configured vaults"},
	{"generate", cli_generate, "generate a key into the file vault"},
	{"import", cli_import, "import a secret key into the file vault"},
	{"pubkey", cli_pubkey, "print a key's public key"},
	{"pop", cli_pop, "print a tz4 key's BLS proof of possession"},
	{"watermark", cli_watermark, "show, set or import high watermarks"},
	{"config", cli_config, "check the configuration"},
	{"version", cli_version, "print the version"},
};

static void
cli_usage(FILE *f)
{
	fprintf(f, "usage: sigil [-c config.yaml] [--base-dir DIR] [--json-log] "
	           "[--log-level LEVEL] <command> [args]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cli_verbs) / sizeof(cli_verbs[0]); i++)
		fprintf(f, "  %-10s %s\n", cli_verbs[i].name, cli_verbs[i].help);
	fprintf(f, "\n'sigil <command> --help' describes a command.\n");
}

bool
cli_wants_help(int argc, char **argv, const char *usage)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
			fputs(usage, stdout);
			return true;
		}
	return false;
}

int
cli_take_globals(int argc, char **argv)
{
	int out = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
			cli_opts.config = argv[++i];
		} else if (strcmp(a, "--base-dir") == 0 && i + 1 < argc) {
			/* The config loader honours SIGIL_BASE_DIR over the file. */
			setenv("SIGIL_BASE_DIR", argv[++i], 1);
		} else if (strcmp(a, "--json-log") == 0) {
			cli_opts.json_log = true;
			log_set_json(true);
		} else if (strcmp(a, "--log-level") == 0 && i + 1 < argc) {
			int l = log_level_from_name(argv[++i]);
			if (l < 0) {
				fprintf(stderr, "sigil: unknown log level %s\n", argv[i]);
				exit(2);
			}
			/* At once for every command; through the config for serve,
			 * whose reloads re-apply it. */
			log_set_level((enum log_level)l);
			setenv("SIGIL_LOG__LEVEL", argv[i], 1);
		} else {
			argv[out++] = argv[i];
		}
	}
	argv[out] = NULL;
	return out;
}

static int
cli_vault_prompt(const char *vault, char *out, size_t cap)
{
	char prompt[128];
	snprintf(prompt, sizeof(prompt), "passphrase for vault %s: ", vault);
	return cli_prompt_secret(prompt, out, cap);
}

int
main(int argc, char **argv)
{
	const char *self = strrchr(argv[0], '/');
	self = self ? self + 1 : argv[0];

	/* Unbuffered: a passphrase or a secret key read from stdin must not
	 * stay behind in stdio's buffer, which nobody wipes. */
	setvbuf(stdin, NULL, _IONBF, 0);
	sigil_passphrase_prompt = cli_vault_prompt;
	argc = cli_take_globals(argc, argv);
	if (strcmp(self, "sigild") == 0)
		return cli_serve(argc, argv);
	if (argc < 2 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		cli_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(cli_verbs) / sizeof(cli_verbs[0]); i++)
		if (strcmp(argv[1], cli_verbs[i].name) == 0)
			return cli_verbs[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "sigil: unknown command %s\n", argv[1]);
	cli_usage(stderr);
	return 2;
}
