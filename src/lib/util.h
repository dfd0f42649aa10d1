/* util.h - allocation that never fails, error values shared by every layer */
#ifndef KF_UTIL_H
#define KF_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define KF_VERSION "0.1.0"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KF_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define KF_NORETURN __attribute__((noreturn))

/* Allocation failure is not an error we can handle: these abort instead of returning NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Make room for at least n elements in array x, which has room for alloc (git's ALLOC_GROW). */
#define ALLOC_GROW(x, n, alloc)                                                             \
	do {                                                                                \
		if ((n) > (alloc)) {                                                        \
			(alloc) = (n) < 8 ? 8 : (n) * 2;                                    \
			(x) = xrealloc((x), (alloc) * sizeof(*(x)));                        \
		}                                                                           \
	} while (0)
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) KF_PRINTF(1, 2);

/* Index of s in keys[0..n) (NULL entries skipped), or -1; the parse half of key tables. */
int key_index(const char *const *keys, int n, const char *s);

void die(const char *fmt, ...) KF_PRINTF(1, 2) KF_NORETURN;

/*
 * Failures are negative enum kf_err values; each maps to one HTTP status in one table
 * (http/router.c) and to one CLI exit code. KF_OK is 0.
 */
enum kf_err {
	KF_OK = 0,
	KF_EINVAL = -1,     /* 400: malformed or invalid input */
	KF_EAUTH = -2,      /* 401: not signed in */
	KF_EFORBID = -3,    /* 403: role not allowed */
	KF_ENOTFOUND = -4,  /* 404: unknown or not visible */
	KF_ECONFLICT = -5,  /* 409: conflicts with the current state */
	KF_ETOOBIG = -6,    /* 413 */
	KF_EMEDIA = -7,     /* 415 */
	KF_ERULE = -8,      /* 422: breaks a procedure rule */
	KF_ELIMIT = -9,     /* 429: rate limited */
	KF_EINTERNAL = -10, /* 500 */
	KF_EBUSY = -11,     /* 503: shutting down, database unavailable */
	KF_EMETHOD = -12,   /* 405: the path exists, the method does not */
};

/*
 * The detail of a failure, filled by whoever detects it. code is a short stable string for
 * programs ("invalid", "stage_order"); field names the input at fault or is empty.
 */
struct kf_error {
	enum kf_err err;
	const char *code;
	char field[64];
	char message[256];
};

/* Fill e (which may be NULL) and return err, so callers write `return kf_fail(...)`. */
int kf_fail(struct kf_error *e, enum kf_err err, const char *code, const char *field,
	    const char *fmt, ...) KF_PRINTF(5, 6);
void kf_error_clear(struct kf_error *e);

#endif
