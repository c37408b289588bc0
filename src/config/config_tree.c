/* YAML events (libyaml) to a cnode tree, with ${VAR} expansion of every
 * scalar value. Aliases are refused: they would let a small file expand into
 * a huge tree, and no sigil setting needs them. */
#include "config/config_tree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/errors.h"
#include "base/sbuf.h"

void
cfg_errf(char *err, size_t errlen, unsigned line, const char *path, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	int n;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n < 0)
		msg[0] = '\0';
	/* A truncated message is still the right message, only shorter. */
	if (line > 0 && path != NULL && path[0] != '\0')
		(void)snprintf(err, errlen, "line %u: %s: %s", line, path, msg);
	else if (line > 0)
		(void)snprintf(err, errlen, "line %u: %s", line, msg);
	else if (path != NULL && path[0] != '\0')
		(void)snprintf(err, errlen, "%s: %s", path, msg);
	else
		(void)snprintf(err, errlen, "%s", msg);
}

void
cnode_free(struct cnode *n)
{
	if (n == NULL)
		return;
	for (size_t i = 0; i < n->n; i++) {
		if (n->keys != NULL)
			free(n->keys[i]);
		cnode_free(n->items[i]);
	}
	free(n->keys);
	free(n->key_lines);
	free(n->items);
	free(n->str);
	free(n);
}

static bool
var_start(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}

static bool
var_char(char c)
{
	return var_start(c) || (c >= '0' && c <= '9');
}

int
cnode_expand(const char *in, size_t len, char **out, char *why, size_t whycap)
{
	/* The NUL counts against CNODE_MAX_SCALAR, as it always has. */
	struct sbuf b = {.max = CNODE_MAX_SCALAR - 1, .first = 64};
	char name[128];
	size_t i = 0, blen;
	int rc = 0;

	*out = NULL;
	while (rc == 0 && i < len) {
		size_t j = i;
		while (j < len && in[j] != '$')
			j++;
		rc = sbuf_put(&b, in + i, j - i);
		i = j;
		if (rc != 0 || i >= len)
			break;
		/* in[i] == '$' */
		if (i + 1 < len && in[i + 1] == '$') {
			rc = sbuf_put(&b, "$", 1);
			i += 2;
		} else if (i + 1 < len && in[i + 1] == '{') {
			size_t s = i + 2, e = s;
			const char *val;
			while (e < len && in[e] != '}')
				e++;
			if (e >= len) {
				(void)snprintf(why, whycap, "unterminated ${ in value");
				rc = SIGIL_E_INVALID;
				break;
			}
			if (e == s || e - s >= sizeof(name) || !var_start(in[s])) {
				(void)snprintf(why, whycap, "bad variable name in ${...}");
				rc = SIGIL_E_INVALID;
				break;
			}
			for (size_t k = s; k < e; k++) {
				if (!var_char(in[k])) {
					(void)snprintf(why, whycap, "bad variable name in ${...}");
					rc = SIGIL_E_INVALID;
					goto out;
				}
			}
			memcpy(name, in + s, e - s);
			name[e - s] = '\0';
			val = getenv(name);
			if (val == NULL) {
				(void)snprintf(why, whycap, "environment variable %s is not set", name);
				rc = SIGIL_E_INVALID;
				break;
			}
			rc = sbuf_put(&b, val, strlen(val));
			i = e + 1;
		} else {
			/* A lone dollar stays as written. */
			rc = sbuf_put(&b, "$", 1);
			i++;
		}
	}
	if (rc == SIGIL_E_TOO_BIG)
		(void)snprintf(why, whycap, "value longer than %d bytes", CNODE_MAX_SCALAR);
	else if (rc == SIGIL_E_NOMEM)
		(void)snprintf(why, whycap, "out of memory");
out:
	if (rc != 0) {
		sbuf_free(&b);
		return rc;
	}
	if ((*out = sbuf_take(&b, &blen)) == NULL) {
		(void)snprintf(why, whycap, "out of memory");
		return SIGIL_E_NOMEM;
	}
	return 0;
}

static struct cnode *
node_new(enum cnode_type t, unsigned line)
{
	struct cnode *n = calloc(1, sizeof(*n));
	if (n != NULL) {
		n->type = t;
		n->line = line;
	}
	return n;
}

/* Appends child (and key for maps); takes ownership of both on success. */
static int
node_append(struct cnode *parent, char *key, unsigned key_line, struct cnode *child)
{
	if (parent->n >= CNODE_MAX_ENTRIES)
		return SIGIL_E_TOO_BIG;
	if (parent->n == parent->cap) {
		size_t ncap = parent->cap ? parent->cap * 2 : 8;
		struct cnode **ni = realloc(parent->items, ncap * sizeof(*ni));
		if (ni == NULL)
			return SIGIL_E_NOMEM;
		parent->items = ni;
		if (parent->type == CNODE_MAP) {
			char **nk = realloc(parent->keys, ncap * sizeof(*nk));
			unsigned *nl;
			if (nk == NULL)
				return SIGIL_E_NOMEM;
			parent->keys = nk;
			nl = realloc(parent->key_lines, ncap * sizeof(*nl));
			if (nl == NULL)
				return SIGIL_E_NOMEM;
			parent->key_lines = nl;
		}
		parent->cap = ncap;
	}
	if (parent->type == CNODE_MAP) {
		parent->keys[parent->n] = key;
		parent->key_lines[parent->n] = key_line;
	}
	parent->items[parent->n++] = child;
	return 0;
}

struct frame {
	struct cnode *node;
	char *key; /* maps: the key waiting for its value */
	unsigned key_line;
};

static bool
is_null_scalar(const yaml_event_t *ev)
{
	const char *v = (const char *)ev->data.scalar.value;
	size_t l = ev->data.scalar.length;

	if (ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return l == 0 || (l == 1 && v[0] == '~') ||
	       (l == 4 && (memcmp(v, "null", 4) == 0 || memcmp(v, "Null", 4) == 0 ||
	                   memcmp(v, "NULL", 4) == 0));
}

int
cnode_parse(const char *buf, size_t len, unsigned depth_max, struct cnode **root, char *err,
            size_t errlen)
{
	yaml_parser_t p;
	yaml_event_t ev;
	struct frame st[CONFIG_TREE_STACK];
	unsigned depth = 0, docs = 0, line;
	struct cnode *top = NULL, *child = NULL;
	char why[160];
	bool done = false, have_ev = false;
	int rc = SIGIL_E_INVALID;

	*root = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(st, 0, sizeof(st));
	if (depth_max >= CONFIG_TREE_STACK)
		depth_max = CONFIG_TREE_STACK - 1;
	if (!yaml_parser_initialize(&p)) {
		cfg_errf(err, errlen, 0, NULL, "out of memory");
		return SIGIL_E_NOMEM;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done) {
		if (!yaml_parser_parse(&p, &ev)) {
			cfg_errf(err, errlen, (unsigned)p.problem_mark.line + 1, NULL, "YAML: %s",
			         p.problem ? p.problem : "syntax error");
			goto out;
		}
		have_ev = true;
		line = (unsigned)ev.start_mark.line + 1;
		child = NULL;
		switch (ev.type) {
		case YAML_STREAM_START_EVENT:
		case YAML_DOCUMENT_END_EVENT:
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++docs > 1) {
				cfg_errf(err, errlen, line, NULL, "only one YAML document is allowed");
				goto out;
			}
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		case YAML_ALIAS_EVENT:
			cfg_errf(err, errlen, line, NULL, "YAML aliases are not supported");
			goto out;
		case YAML_SCALAR_EVENT:
			if (depth > 0 && st[depth - 1].node->type == CNODE_MAP &&
			    st[depth - 1].key == NULL) {
				struct frame *f = &st[depth - 1];
				for (size_t i = 0; i < f->node->n; i++) {
					if (strcmp(f->node->keys[i],
					           (const char *)ev.data.scalar.value) == 0) {
						cfg_errf(err, errlen, line, NULL, "duplicate key '%.64s'",
						         (const char *)ev.data.scalar.value);
						goto out;
					}
				}
				f->key = strdup((const char *)ev.data.scalar.value);
				if (f->key == NULL) {
					rc = SIGIL_E_NOMEM;
					goto out;
				}
				f->key_line = line;
				break;
			}
			child = node_new(CNODE_SCALAR, line);
			if (child == NULL) {
				rc = SIGIL_E_NOMEM;
				goto out;
			}
			child->null = is_null_scalar(&ev);
			why[0] = '\0';
			rc = cnode_expand((const char *)ev.data.scalar.value, ev.data.scalar.length,
			                  &child->str, why, sizeof(why));
			if (rc != 0) {
				cfg_errf(err, errlen, line, NULL, "%s", why);
				goto out;
			}
			rc = SIGIL_E_INVALID;
			break;
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			if (depth > 0 && st[depth - 1].node->type == CNODE_MAP &&
			    st[depth - 1].key == NULL) {
				cfg_errf(err, errlen, line, NULL, "map keys must be plain values");
				goto out;
			}
			if (depth >= depth_max) {
				cfg_errf(err, errlen, line, NULL, "nested deeper than %u levels",
				         depth_max);
				rc = SIGIL_E_TOO_BIG;
				goto out;
			}
			child = node_new(ev.type == YAML_MAPPING_START_EVENT ? CNODE_MAP : CNODE_SEQ,
			                 line);
			if (child == NULL) {
				rc = SIGIL_E_NOMEM;
				goto out;
			}
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			if (depth == 0) {
				cfg_errf(err, errlen, line, NULL, "YAML: unbalanced structure");
				goto out;
			}
			depth--;
			break;
		default:
			break;
		}
		if (child != NULL) {
			if (depth == 0) {
				if (top != NULL) {
					cfg_errf(err, errlen, line, NULL, "only one YAML document is allowed");
					goto out;
				}
				top = child;
			} else {
				struct frame *f = &st[depth - 1];
				int arc = node_append(f->node, f->key, f->key_line, child);
				if (arc != 0) {
					rc = arc;
					if (arc == SIGIL_E_TOO_BIG)
						cfg_errf(err, errlen, line, NULL,
						         "more than %d entries in one map or list",
						         CNODE_MAX_ENTRIES);
					goto out;
				}
				f->key = NULL;
			}
			if (child->type != CNODE_SCALAR) {
				st[depth].node = child;
				st[depth].key = NULL;
				depth++;
			}
			child = NULL;
		}
		yaml_event_delete(&ev);
		have_ev = false;
	}
	if (top != NULL && top->type == CNODE_SCALAR && top->null) {
		cnode_free(top);
		top = NULL;
	}
	*root = top;
	top = NULL;
	rc = 0;
out:
	if (rc == SIGIL_E_NOMEM && err != NULL && errlen > 0 && err[0] == '\0')
		cfg_errf(err, errlen, 0, NULL, "out of memory");
	if (have_ev)
		yaml_event_delete(&ev);
	cnode_free(child);
	for (unsigned i = 0; i < CONFIG_TREE_STACK; i++)
		free(st[i].key);
	cnode_free(top);
	yaml_parser_delete(&p);
	return rc;
}
