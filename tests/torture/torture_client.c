/* torture_client: the client side of `make torture` and of the race test.
 *
 *   torture_client drive --port P --log FILE --stop-file FILE [options] PKH...
 *   torture_client race --port P --key PKH --kind K --level L --round R [options]
 *   torture_client load --port P [--port P2...] --log FILE --stop-file FILE PKH...
 *   torture_client scan LOG
 *
 * drive survives the server being killed and restarted under it (see
 * tt_drive.c); race sends many differently-signed copies of one request at
 * once (tt_race.c); load drives several instances that share one
 * watermark database while they are killed or lose it (tt_load.c); scan
 * checks a signature log for double signs. */
#include "torture.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

uint64_t
tt_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void
tt_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

uint64_t
tt_rand(uint64_t *s)
{
	uint64_t x = *s ? *s : 0x9e3779b97f4a7c15ull;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

void
tt_hex(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

static const char usage[] =
	"usage: torture_client drive --port P --log FILE --stop-file FILE [--threads N]\n"
	"                            [--max-seconds S] [--down-wait-ms MS] [--final FILE]\n"
	"                            [--seed N] [--util-port P] PKH...\n"
	"       torture_client race --port P --key PKH --kind block|preattestation|attestation\n"
	"                           --level L --round R [--conns N] [--reqs N] [--log FILE]\n"
	"                           [--same] [--port2 P]\n"
	"       torture_client once --port P --key PKH --kind K --level L [--round R] [--pid N]\n"
	"       torture_client load --port P [--port P2...] --log FILE --stop-file FILE\n"
	"                           [--threads N] [--max-seconds S] [--final FILE] [--seed N]\n"
	"                           PKH...\n"
	"       torture_client scan LOG\n";

int
main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "drive") == 0)
		return tt_drive_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "race") == 0)
		return tt_race_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "once") == 0)
		return tt_once_main(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "load") == 0)
		return tt_load_main(argc - 1, argv + 1);
	if (argc == 3 && strcmp(argv[1], "scan") == 0)
		return tt_log_scan(argv[2]);
	fputs(usage, stderr);
	return 2;
}
