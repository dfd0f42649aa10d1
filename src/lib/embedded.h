/* embedded.h - files compiled into the binary (tools/embed.c generates the tables) */
#ifndef KF_EMBEDDED_H
#define KF_EMBEDDED_H

#include <stddef.h>

struct embedded_file {
	const char *name; /* path relative to the embedded folder, '/'-separated */
	const unsigned char *data;
	size_t size;
};

/* Each table ends with a row whose name is NULL; rows are sorted by name. */
extern const struct embedded_file web_files[]; /* web/ */
extern const struct embedded_file sql_files[]; /* src/store/sql/ */

const struct embedded_file *embedded_find(const struct embedded_file *table, const char *name);

#endif
