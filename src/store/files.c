/* files.c - the content-addressed folder of attachments: a file's name is its SHA-256 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[4096];

int files_init(const char *dir, struct kf_error *err)
{
	if (strlen(dir) >= sizeof(root) - 80)
		return kf_fail(err, KF_EINVAL, "invalid", "files", "folder name too long");
	/* mkdir -p: every missing parent too */
	char path[sizeof(root)];
	snprintf(path, sizeof(path), "%s", dir);
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) < 0 && errno != EEXIST)
			break;
		*p = '/';
	}
	if (mkdir(dir, 0750) < 0 && errno != EEXIST)
		return kf_fail(err, KF_EINTERNAL, "files", NULL, "cannot create %s: %s", dir,
			       strerror(errno));
	snprintf(root, sizeof(root), "%s", dir);
	return 0;
}

void files_default_dir(const char *uri, char *out, size_t n)
{
	const char *slash = strrchr(uri, '/');
	if (strstr(uri, "://") || !strncmp(uri, "postgres", 8))
		snprintf(out, n, "var/attachments");
	else if (slash)
		snprintf(out, n, "%.*s/attachments", (int)(slash - uri), uri);
	else
		snprintf(out, n, "attachments");
}

static int fsync_path(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	int rc = fsync(fd);
	close(fd);
	return rc;
}

int files_put(const void *p, size_t n, char sha256[65], struct kf_error *err)
{
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256(h, p, n);
	sodium_bin2hex(sha256, 65, h, sizeof(h));
	char path[4200], tmp[4200];
	snprintf(path, sizeof(path), "%s/%s", root, sha256);
	struct stat st;
	if (stat(path, &st) == 0 && (size_t)st.st_size == n)
		return 0;
	snprintf(tmp, sizeof(tmp), "%s/.tmp-%s-%ld", root, sha256, (long)gettid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	const char *at = p;
	size_t left = n;
	while (fd >= 0 && left) {
		ssize_t w = write(fd, at, left);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		at += w, left -= (size_t)w;
	}
	bool ok = fd >= 0 && !left && fsync(fd) == 0;
	if (fd >= 0 && close(fd) < 0)
		ok = false;
	if (ok && rename(tmp, path) == 0 && fsync_path(root) == 0)
		return 0;
	int e = errno;
	unlink(tmp);
	return kf_fail(err, KF_EINTERNAL, "files", NULL, "cannot store the file: %s", strerror(e));
}

int files_get(const char *sha256, struct buf *out)
{
	char path[4200];
	if (strlen(sha256) != 64 || strspn(sha256, "0123456789abcdef") != 64)
		return KF_ENOTFOUND;
	snprintf(path, sizeof(path), "%s/%s", root, sha256);
	FILE *f = fopen(path, "rb");
	if (!f)
		return KF_ENOTFOUND;
	char chunk[65536];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(out, chunk, r);
	int rc = ferror(f) ? KF_EINTERNAL : 0;
	fclose(f);
	return rc;
}
