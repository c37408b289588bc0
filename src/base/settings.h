/* A back end's own settings: the `config:` map of a vault, the `watermark:`
 * map of a store. Each driver declares what it takes (struct setting_spec);
 * the config loader reads the map through that table (so a mistake names
 * its line, and environment overrides work as for every other field), and
 * the driver reads the values back by key when it opens. */
#ifndef SIGIL_BASE_SETTINGS_H
#define SIGIL_BASE_SETTINGS_H
#include <stdbool.h>
#include <stddef.h>

#define SETTINGS_MAX 16

enum setting_type {
	SETTING_STRING, /* any text */
	SETTING_PATH,   /* a file or directory; relative to base_dir */
	SETTING_UINT,   /* a whole number in [min, max] */
	SETTING_BOOL,   /* true/false, yes/no, on/off, 1/0; the driver reads "true"/"false" */
};

struct setting_spec {
	const char *key;    /* as written in the map: lower case, [a-z0-9_] */
	enum setting_type type;
	bool required;      /* an error when absent and without default */
	const char *dflt;   /* NULL: none */
	unsigned long long min, max; /* SETTING_UINT only */
};

struct settings {
	size_t n;
	struct {
		char *key;
		char *value;
		unsigned line; /* where the config file set it; 0: elsewhere */
	} v[SETTINGS_MAX];
};

/* The value of key, or NULL. */
const char *settings_get(const struct settings *s, const char *key);
/* Sets key to value (copies both; replaces an earlier value). SIGIL_E_NOMEM,
 * or SIGIL_E_TOO_BIG past SETTINGS_MAX keys. */
__attribute__((warn_unused_result)) int
settings_set(struct settings *s, const char *key, const char *value);
/* settings_set, noting the line it came from. */
__attribute__((warn_unused_result)) int
settings_set_line(struct settings *s, const char *key, const char *value, unsigned line);
/* Copies src into dst (dst empty). */
__attribute__((warn_unused_result)) int
settings_copy(struct settings *dst, const struct settings *src);
void settings_free(struct settings *s);

/* The spec of key in specs (n of them), or NULL. */
const struct setting_spec *setting_spec_find(const struct setting_spec *specs, size_t n,
                                             const char *key);
/* 0 when value is of spec's type, else SIGIL_E_INVALID with why saying
 * what is expected ("a whole number from 1 to 10"). */
__attribute__((warn_unused_result)) int
setting_check(const struct setting_spec *spec, const char *value, char *why, size_t whycap);

#endif
