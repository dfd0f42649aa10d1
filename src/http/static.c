/* static.c - the web app, compiled into the binary: no file system path is ever opened */
#include "http.h"
#include "../lib/embedded.h"

#include <string.h>

static const struct {
	const char *ext, *type;
} types[] = {
	{ ".html", "text/html; charset=utf-8" },
	{ ".js", "text/javascript; charset=utf-8" },
	{ ".mjs", "text/javascript; charset=utf-8" },
	{ ".css", "text/css; charset=utf-8" },
	{ ".svg", "image/svg+xml" },
	{ ".png", "image/png" },
	{ ".ico", "image/x-icon" },
	{ ".json", "application/json; charset=utf-8" },
	{ ".webmanifest", "application/manifest+json" },
};

static const char *type_of(const char *name)
{
	const char *dot = strrchr(name, '.');
	for (size_t i = 0; dot && i < ARRAY_SIZE(types); i++)
		if (!strcmp(dot, types[i].ext))
			return types[i].type;
	return "application/octet-stream";
}

void static_serve(struct req *r)
{
	const char *name = NULL;
	if (!strcmp(r->path, "/") || !strcmp(r->path, "/index.html"))
		name = "index.html";
	else if (!strncmp(r->path, "/static/", 8))
		name = r->path + 8;
	/* Lookup is by exact name in the embedded table, so "../" can name nothing. */
	const struct embedded_file *f = name ? embedded_find(web_files, name) : NULL;
	if (!f) {
		kf_fail(&r->err, KF_ENOTFOUND, "not_found", NULL, "no such page");
		return;
	}
	buf_add(&r->raw, f->data, f->size);
	r->content_type = type_of(f->name);
	r->status = 200;
	r->extra_header[0] = "Cache-Control";
	r->extra_header[1] = "no-cache";
}
