/* files.h - the content-addressed folder of attachments: a file's name is its SHA-256 */
#ifndef KF_FILES_H
#define KF_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "../lib/buf.h"
#include "../lib/util.h"

/*
 * Use dir for files (created if missing); call once at start, before any thread. For a
 * SQLite database the default is the folder "attachments" next to it.
 */
int files_init(const char *dir, struct kf_error *err);
/* The default folder for database uri: next to a SQLite file, else var/attachments. */
void files_default_dir(const char *uri, char *out, size_t n);

/*
 * Store n bytes durably (written, fsync'ed, renamed into place, folder fsync'ed) under their
 * SHA-256, whose 64 hex digits go to sha256. Storing the same bytes again is a no-op.
 */
int files_put(const void *p, size_t n, char sha256[65], struct kf_error *err);

/* Append the file named sha256 to out; KF_ENOTFOUND when it is missing. */
int files_get(const char *sha256, struct buf *out);

#endif
