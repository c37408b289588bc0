#include "api/body.h"

#include "base/errors.h"
#include "base/hex.h"

static int
api_is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int
api_parse_sign_body(const char *body, size_t len, uint8_t *out, size_t outcap,
                    size_t *outlen)
{
	size_t i = 0, start, end;

	*outlen = 0;
	if (len > API_BODY_MAX)
		return SIGIL_E_TOO_BIG;
	while (i < len && api_is_ws(body[i]))
		i++;
	if (i == len)
		return SIGIL_E_INCOMPLETE;
	if (body[i] != '"')
		return SIGIL_E_INVALID;
	start = ++i;
	/* A string of hex digits needs no escapes; refusing them keeps one
	 * spelling per payload. */
	while (i < len && body[i] != '"') {
		if (body[i] == '\\' || (unsigned char)body[i] < 0x20)
			return SIGIL_E_INVALID;
		i++;
	}
	if (i == len)
		return SIGIL_E_INCOMPLETE;
	end = i++;
	while (i < len && api_is_ws(body[i]))
		i++;
	if (i != len)
		return SIGIL_E_INVALID;
	if (end == start)
		return SIGIL_E_INVALID;
	return hex_decode(body + start, end - start, out, outcap, outlen);
}

int
api_parse_version(const char *arg, int *version)
{
	*version = 2;
	if (arg == NULL)
		return 0;
	if (arg[0] < '0' || arg[0] > '2' || arg[1] != '\0')
		return SIGIL_E_INVALID;
	*version = arg[0] - '0';
	return 0;
}
