/* ratelimit.c - sign-in throttling per username and per client address, in memory */
#include "app.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

/*
 * A small fixed table: each key gets a window of WINDOW seconds in which max_fails() failures
 * are allowed; then it must wait for the window to end. When the table is full the oldest
 * entry is reused, which errs on the side of letting a user in.
 */
#define SLOTS 1024
#define WINDOW 300

/* One person mistypes a few times; one address may be an office behind one NAT. */
static int max_fails(const char *kind)
{
	return !strcmp(kind, "user") ? 5 : 30;
}

struct slot {
	char key[80];
	int64_t start;
	int fails;
};

static struct slot slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct slot *find(const char *kind, const char *key, int64_t now, bool create)
{
	char k[80];
	snprintf(k, sizeof(k), "%s:%s", kind, key);
	struct slot *oldest = &slots[0];
	for (int i = 0; i < SLOTS; i++) {
		if (!strcmp(slots[i].key, k))
			return &slots[i];
		if (slots[i].start < oldest->start)
			oldest = &slots[i];
	}
	if (!create)
		return NULL;
	snprintf(oldest->key, sizeof(oldest->key), "%s", k);
	oldest->start = now;
	oldest->fails = 0;
	return oldest;
}

bool ratelimit_allow(const char *kind, const char *key, int64_t now, int *retry)
{
	pthread_mutex_lock(&lock);
	struct slot *s = find(kind, key, now, false);
	bool ok = true;
	if (s && now - s->start < WINDOW && s->fails >= max_fails(kind)) {
		ok = false;
		*retry = (int)(WINDOW - (now - s->start));
	}
	pthread_mutex_unlock(&lock);
	return ok;
}

void ratelimit_fail(const char *kind, const char *key, int64_t now)
{
	pthread_mutex_lock(&lock);
	struct slot *s = find(kind, key, now, true);
	if (now - s->start >= WINDOW) {
		s->start = now;
		s->fails = 0;
	}
	s->fails++;
	pthread_mutex_unlock(&lock);
}

void ratelimit_reset(const char *kind, const char *key)
{
	pthread_mutex_lock(&lock);
	struct slot *s = find(kind, key, 0, false);
	if (s)
		s->key[0] = '\0';
	pthread_mutex_unlock(&lock);
}
