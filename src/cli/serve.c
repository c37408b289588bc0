/* sigil serve / sigild: the daemon. */
#include <signal.h>
#include <stdatomic.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/atto.h"
#include "api/server.h"
#include "api/tezos.h"
#include "cli/cli.h"
#include "base/errors.h"
#include "base/fileio.h"
#include "base/log.h"
#include "base/secmem.h"

static const char serve_usage[] =
	"usage: sigild [-c config.yaml] [--base-dir DIR] [--json-log] [--log-level LEVEL]\n"
	"       sigil serve [same options]\n\n"
	"Serves the octez-signer HTTP API (default 127.0.0.1:6732) and the utility API\n"
	"(/healthz, /metrics; default 127.0.0.1:9583). Without -c, the embedded defaults\n"
	"apply: base_dir ./var, file vault ./var/keys.json, watermarks in ./var/watermarks.\n"
	"The vault passphrase comes from SIGIL_PASSPHRASE, else the vault's passphrase_file,\n"
	"else a prompt when standard input is a terminal.\n"
	"SIGHUP reloads the configuration, keys and log settings (server.* and watermark.*\n"
	"need a restart: a reload that changes them says so); SIGTERM drains requests and exits.\n";

static bool
serve_is_loopback(const char *address)
{
	char host[256];
	uint16_t port;
	if (config_split_address(address, host, sizeof(host), &port) != 0)
		return false;
	return strncmp(host, "127.", 4) == 0 || strcmp(host, "localhost") == 0 ||
	       strcmp(host, "::1") == 0;
}

/* TLS material, read once at start-up; the key is wiped after the server
 * has taken its copy. */
static int
serve_read_tls(const struct sigil_config *cfg, char **cert, char **key, size_t *keylen)
{
	char path[4096];
	size_t len;
	int rc;

	*cert = *key = NULL;
	if (!cfg->server.tls)
		return 0;
	if ((rc = config_resolve_path(cfg, cfg->server.tls_cert_file, path, sizeof(path))) != 0 ||
	    (rc = fileio_read(path, 1 << 20, cert, &len)) != 0) {
		log_error("tls certificate %s: %s", path, sigil_strerror(rc));
		return rc;
	}
	if ((rc = config_resolve_path(cfg, cfg->server.tls_key_file, path, sizeof(path))) != 0 ||
	    (rc = fileio_read(path, 1 << 20, key, keylen)) != 0) {
		log_error("tls key %s: %s", path, sigil_strerror(rc));
		return rc;
	}
	return 0;
}

/* log.level and log.json take effect at start-up and on every reload;
 * --log-level reaches the config as SIGIL_LOG__LEVEL, --json-log only here. */
static void
serve_apply_log(const struct sigil_config *cfg)
{
	log_set_level(cfg->log_level);
	log_set_json(cfg->log_json || cli_opts.json_log);
}

/* The Atto signer's API and its management address (api/atto.h), when
 * atto_api or the ATTO_SIGNER_* variables ask for them. */
static int
serve_start_atto(struct sigil_ctx *ctx, struct api_server **atto, struct api_server **mgmt)
{
	const struct config_server *s = &ctx->st->cfg->server;
	const struct config_atto_api *aa = &ctx->st->cfg->atto_api;
	int rc;

	if (aa->address == NULL)
		return 0;
	if (sigil_find_key(ctx->st, chain_find("atto"), aa->key) == NULL) {
		log_error("the Atto API's key %s is in no vault", aa->key);
		return SIGIL_E_UNKNOWN_KEY;
	}
	struct api_server_opts o = {
		.address = aa->address, .timeout_s = s->timeout_seconds,
		.head_timeout_s = s->header_timeout_seconds, .max_body = s->max_body_bytes,
		.max_connections = s->max_connections,
		.max_connections_per_ip = s->max_connections_per_ip,
		.max_buffered = s->max_buffered_bytes, .check = api_atto_check,
	};
	if ((rc = api_server_start(&o, api_atto_handle, ctx, atto)) != 0) {
		log_error("cannot listen on %s (Atto API)", aa->address);
		return rc;
	}
	struct api_server_opts m = {
		.address = aa->management_address, .timeout_s = s->timeout_seconds,
		.head_timeout_s = s->header_timeout_seconds, .max_body = 4096,
		.max_connections = 64, .max_connections_per_ip = 16, .http_threads = 1,
	};
	if ((rc = api_server_start(&m, api_atto_management_handle, ctx, mgmt)) != 0) {
		log_error("cannot listen on %s (Atto management)", aa->management_address);
		return rc;
	}
	if (!serve_is_loopback(aa->address))
		log_warn("the Atto API listens on %s beyond loopback: only its token keeps others "
		         "from asking for signatures", aa->address);
	log_info("atto api %s (port %u), management %s (port %u), key %s", aa->address,
	         api_server_port(*atto), aa->management_address, api_server_port(*mgmt), aa->key);
	return 0;
}

static int
serve_start(struct sigil_ctx *ctx, struct api_server **api, struct api_server **util)
{
	const struct config_server *s = &ctx->st->cfg->server;
	char *cert = NULL, *key = NULL;
	size_t keylen = 0;
	int rc;

	if ((rc = serve_read_tls(ctx->st->cfg, &cert, &key, &keylen)) != 0)
		goto out;
	struct api_server_opts o = {
		.address = s->address, .tls_cert_pem = cert, .tls_key_pem = key,
		.timeout_s = s->timeout_seconds, .head_timeout_s = s->header_timeout_seconds,
		.max_body = s->max_body_bytes, .max_connections = s->max_connections,
		.max_connections_per_ip = s->max_connections_per_ip,
		.max_buffered = s->max_buffered_bytes, .check = api_tezos_check,
	};
	if ((rc = api_server_start(&o, api_tezos_handle, ctx, api)) != 0) {
		log_error("cannot listen on %s", s->address);
		goto out;
	}
	struct api_server_opts u = {
		.address = s->utility_address, .timeout_s = s->timeout_seconds,
		.head_timeout_s = s->header_timeout_seconds, .max_body = 4096,
		/* /healthz and /metrics: a few checkers and scrapers. */
		.max_connections = 64, .max_connections_per_ip = 16, .http_threads = 1,
	};
	if ((rc = api_server_start(&u, api_utility_handle, ctx, util)) != 0) {
		log_error("cannot listen on %s", s->utility_address);
		goto out;
	}
	/* Server TLS hides the traffic but says nothing of who the client
	 * is: only client authentication (authorized keys, for every key)
	 * keeps a caller who can reach the port from asking for signatures. */
	size_t open_keys = 0;
	for (size_t i = 0; i < ctx->st->cfg->n_keys; i++) {
		size_t nak = 0;
		(void)config_auth_keys(ctx->st->cfg, &ctx->st->cfg->keys[i], &nak);
		open_keys += nak == 0;
	}
	if (!serve_is_loopback(s->address) &&
	    (open_keys > 0 || (s->n_authorized_keys == 0 && ctx->st->cfg->n_keys == 0)))
		log_warn("WARNING: listening on %s beyond loopback without client authentication "
		         "for %zu key(s)%s: anyone who can reach it can ask them for signatures "
		         "(set server.authorized_keys)", s->address, open_keys,
		         s->tls ? " (TLS encrypts, but does not authenticate clients)" : "");
	log_info("sigild ready: api %s (port %u%s), utility %s (port %u), %zu keys", s->address,
	         api_server_port(*api), s->tls ? ", tls" : "", s->utility_address,
	         api_server_port(*util), ctx->st->n_keys);
out:
	free(cert);
	if (key) {
		sodium_memzero(key, keylen);
		free(key);
	}
	return rc;
}

int
cli_serve(int argc, char **argv)
{
	struct sigil_ctx ctx;
	struct api_server *api = NULL, *util = NULL, *atto = NULL, *mgmt = NULL;
	char err[512];
	sigset_t set;
	int sig, rc;

	if (cli_wants_help(argc, argv, serve_usage))
		return 0;
	if (argc > 1) {
		fprintf(stderr, "sigild: unexpected argument %s\n%s", argv[1], serve_usage);
		return 2;
	}
	secmem_harden_process();
	if (sodium_init() < 0)
		return 1;
	/* Signals are taken synchronously below; server threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	if ((rc = sigil_ctx_open(&ctx, cli_opts.config, err, sizeof(err))) != 0) {
		log_error("cannot start: %s", err[0] ? err : sigil_strerror(rc));
		sigil_ctx_close(&ctx);
		return 1;
	}
	serve_apply_log(ctx.st->cfg);
	if (!secmem_locked())
		log_warn("key memory is not locked (raise `ulimit -l`): secrets could reach swap");
	/* The Atto API first: once /healthz answers, every API does. */
	if ((rc = serve_start_atto(&ctx, &atto, &mgmt)) != 0 ||
	    (rc = serve_start(&ctx, &api, &util)) != 0) {
		api_server_stop(api);
		api_server_stop(util);
		api_server_stop(atto);
		api_server_stop(mgmt);
		sigil_ctx_close(&ctx);
		return 1;
	}
	/* From here on audit lines leave in batches (src/base/log_out.c). The
	 * writer thread inherits the blocked signals above. */
	if (log_out_async_start() != 0)
		log_warn("no log writer thread: every log line is written at once");
	for (;;) {
		if (sigwait(&set, &sig) != 0)
			continue;
		if (sig == SIGHUP) {
			/* This thread is the only writer of ctx.st: no lock to read it. */
			if (sigil_ctx_reload(&ctx, err, sizeof(err)) == 0) {
				serve_apply_log(ctx.st->cfg);
				log_info("reloaded: %zu keys", ctx.st->n_keys);
			} else {
				log_error("reload failed, keeping the running configuration: %s", err);
			}
			continue;
		}
		log_info("signal %d: draining requests and stopping", sig);
		break;
	}
	atomic_store(&ctx.draining, true);
	api_server_stop(api);
	api_server_stop(util);
	api_server_stop(atto);
	api_server_stop(mgmt);
	sigil_ctx_close(&ctx);
	log_info("stopped");
	log_out_async_stop();
	return 0;
}
