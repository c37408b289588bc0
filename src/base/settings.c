#include "base/settings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/errors.h"

const char *
settings_get(const struct settings *s, const char *key)
{
	for (size_t i = 0; s != NULL && key != NULL && i < s->n; i++)
		if (strcmp(s->v[i].key, key) == 0)
			return s->v[i].value;
	return NULL;
}

int
settings_set(struct settings *s, const char *key, const char *value)
{
	return settings_set_line(s, key, value, 0);
}

int
settings_set_line(struct settings *s, const char *key, const char *value, unsigned line)
{
	char *v = strdup(value), *k = NULL;
	size_t i;

	if (v == NULL)
		return SIGIL_E_NOMEM;
	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].key, key) == 0)
			break;
	if (i == s->n) {
		if (s->n == SETTINGS_MAX) {
			free(v);
			return SIGIL_E_TOO_BIG;
		}
		if ((k = strdup(key)) == NULL) {
			free(v);
			return SIGIL_E_NOMEM;
		}
		s->v[s->n].key = k;
		s->v[s->n].value = NULL;
		s->n++;
	}
	free(s->v[i].value);
	s->v[i].value = v;
	s->v[i].line = line;
	return 0;
}

int
settings_copy(struct settings *dst, const struct settings *src)
{
	int rc = 0;

	for (size_t i = 0; rc == 0 && i < src->n; i++)
		rc = settings_set_line(dst, src->v[i].key, src->v[i].value, src->v[i].line);
	return rc;
}

void
settings_free(struct settings *s)
{
	for (size_t i = 0; s != NULL && i < s->n; i++) {
		free(s->v[i].key);
		free(s->v[i].value);
	}
	if (s != NULL)
		s->n = 0;
}

const struct setting_spec *
setting_spec_find(const struct setting_spec *specs, size_t n, const char *key)
{
	for (size_t i = 0; key != NULL && i < n; i++)
		if (strcmp(specs[i].key, key) == 0)
			return &specs[i];
	return NULL;
}

int
setting_check(const struct setting_spec *spec, const char *value, char *why, size_t whycap)
{
	static const char *const bools[] = {"true", "false", "yes", "no", "on", "off", "1", "0"};
	unsigned long long x;
	char *end;

	switch (spec->type) {
	case SETTING_STRING:
		return 0;
	case SETTING_PATH:
		if (value[0] != '\0')
			return 0;
		snprintf(why, whycap, "expected a path");
		return SIGIL_E_INVALID;
	case SETTING_BOOL:
		for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++)
			if (strcasecmp(value, bools[i]) == 0)
				return 0;
		snprintf(why, whycap, "expected true or false");
		return SIGIL_E_INVALID;
	case SETTING_UINT:
		errno = 0;
		x = strtoull(value, &end, 10);
		if (value[0] >= '0' && value[0] <= '9' && *end == '\0' && errno == 0 &&
		    x >= spec->min && x <= spec->max)
			return 0;
		snprintf(why, whycap, "'%.40s' is not a whole number from %llu to %llu", value,
		         spec->min, spec->max);
		return SIGIL_E_INVALID;
	}
	return SIGIL_E_INVALID;
}
