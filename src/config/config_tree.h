/* Internal to the config loader: the YAML file as a small tree of maps,
 * lists and scalars, each with its line, so the schema walk (config.c) can
 * name the line of any mistake. Not a public interface. */
#ifndef SIGIL_CONFIG_TREE_H
#define SIGIL_CONFIG_TREE_H
#include <stdbool.h>
#include <stddef.h>

#define CNODE_MAX_ENTRIES 4096   /* per map or list: keeps duplicate checks cheap */
#define CONFIG_TREE_STACK 32     /* hard bound on depth_max below */
#define CNODE_MAX_SCALAR (64 * 1024) /* one value after ${VAR} expansion */

enum cnode_type { CNODE_SCALAR, CNODE_MAP, CNODE_SEQ };

struct cnode {
	enum cnode_type type;
	unsigned line;        /* 1-based */
	bool null;            /* a plain empty value, "~" or "null" */
	char *str;            /* scalars: the value after ${VAR} expansion */
	size_t n, cap;
	char **keys;          /* maps: the keys, as written (not expanded) */
	unsigned *key_lines;
	struct cnode **items; /* maps: values; lists: items */
};

/* Parses one YAML document. *root is NULL for an empty stream or a document
 * that is only a null scalar. Aliases, several documents and nesting deeper
 * than depth_max are errors. err gets "line N: what". */
int cnode_parse(const char *buf, size_t len, unsigned depth_max, struct cnode **root,
                char *err, size_t errlen);
void cnode_free(struct cnode *n);

/* ${VAR} expansion of in; *out is malloc'ed. why gets the reason on error. */
int cnode_expand(const char *in, size_t len, char **out, char *why, size_t whycap);

/* "line N: path: what" (line 0 or path NULL leave that part out). */
void cfg_errf(char *err, size_t errlen, unsigned line, const char *path, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

#endif
