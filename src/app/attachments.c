/* attachments.c - photos and documents sent with a ticket: by content, limited, kept by hash */
#include "app.h"
#include "../core/media.h"
#include "../core/settings.h"
#include "../core/ticket.h"
#include "../store/files.h"
#include "../store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int app_attachment_add(struct app_ctx *c, int64_t ticket_id, const char *name, const void *p,
		       size_t n, json_t **out, struct kf_error *err)
{
	if (!name)
		return kf_fail(err, KF_EINVAL, "missing_field", "name",
			       "the file name, as ?name=FILENAME");
	if (!media_name_ok(name))
		return kf_fail(err, KF_EINVAL, "invalid", "name",
			       "1 to 255 bytes of text without / or \\");
	int64_t max = (int64_t)app_settings()->attachment_max_mib * 1024 * 1024;
	if ((int64_t)n > max)
		return kf_fail(err, KF_ETOOBIG, "too_large", NULL, "a file may have up to %d MiB",
			       app_settings()->attachment_max_mib);
	const char *type = media_sniff(p, n);
	if (!type)
		return kf_fail(err, KF_EMEDIA, "unsupported_media_type", NULL,
			       "send a JPEG, PNG or WebP photo or a PDF");
	struct ticket_state_row f;
	if (store_ticket_facts(c->db, ticket_id, c->who.user_id, &f) < 0)
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such ticket");
	if (!strcmp(f.status, "closed"))
		return kf_fail(err, KF_ECONFLICT, "conflict", NULL, "the request is closed");

	/* The bytes first, durably: a row never names a file that is not there. */
	char sha[65];
	int rc = files_put(p, n, sha, err);
	if (rc < 0)
		return rc;
	int64_t id = 0, event_id = 0;
	if ((rc = db_begin(c->db)) == 0) {
		rc = store_attachment_insert(c->db, ticket_id, name, type, (int64_t)n, sha,
					     c->who.user_id, c->now, &id);
		if (rc == 0)
			rc = store_ticket_touch(c->db, ticket_id, c->now);
		if (rc == 0) {
			json_t *d = json_pack("{sI ss}", "attachment_id", (json_int_t)id, "name", name);
			char *data = json_dumps(d, JSON_COMPACT | JSON_SORT_KEYS);
			json_decref(d);
			rc = store_ticket_event_insert(c->db, ticket_id, "attachment", c->who.user_id,
						       c->now, NULL, false, data, &event_id);
			free(data);
		}
		if (rc == 0)
			rc = store_audit_append(c->db, c->who.user_id, "ticket.attach",
						"ticket_attachment", id, c->now);
		if (rc == 0)
			rc = store_audit_append(c->db, c->who.user_id, "ticket.attach",
						"ticket_event", event_id, c->now);
		if (rc == 0)
			rc = store_audit_append(c->db, c->who.user_id, "ticket.attach", "ticket",
						ticket_id, c->now);
		rc = app_finish(c->db, rc);
	}
	if (rc < 0)
		return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(c->db));
	*out = store_attachment_get(c->db, ticket_id, id);
	return *out ? 0 : kf_fail(err, KF_EINTERNAL, "internal", NULL, "attachment vanished");
}

int app_attachments_list(struct app_ctx *c, int64_t ticket_id, json_t **out,
			 struct kf_error *err)
{
	if (!app_ticket_visible(c, ticket_id))
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such ticket");
	*out = store_attachments_list(c->db, ticket_id);
	return 0;
}

int app_attachment_read(struct app_ctx *c, int64_t ticket_id, int64_t id, json_t **meta,
			struct buf *bytes, struct kf_error *err)
{
	if (!app_ticket_visible(c, ticket_id) ||
	    !(*meta = store_attachment_get(c->db, ticket_id, id)))
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such attachment");
	int rc = files_get(json_string_value(json_object_get(*meta, "sha256")), bytes);
	if (rc < 0) {
		json_decref(*meta);
		*meta = NULL;
		return kf_fail(err, KF_EINTERNAL, "files", NULL, "the file is missing from storage");
	}
	return 0;
}
