/* buf.h - growable byte buffer (after git's strbuf) */
#ifndef KF_BUF_H
#define KF_BUF_H

#include "util.h"

/*
 * Invariants: b->s is never NULL and always NUL-terminated, also when empty (it points at a
 * shared empty string until the first write). len excludes the NUL. buf_detach() hands the
 * bytes to the caller (free() them) and leaves the buffer empty.
 */
struct buf {
	char *s;
	size_t len;
	size_t cap;
};

extern char buf_empty[];
#define BUF_INIT { buf_empty, 0, 0 }

void buf_init(struct buf *b);
void buf_release(struct buf *b);
void buf_reset(struct buf *b);
/* Cuts b back to its first len bytes (len <= b->len). */
void buf_setlen(struct buf *b, size_t len);
void buf_grow(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *data, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_addf(struct buf *b, const char *fmt, ...) KF_PRINTF(2, 3);
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);
char *buf_detach(struct buf *b, size_t *len);

#endif
