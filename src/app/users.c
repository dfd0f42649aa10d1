/* users.c - the administrator's use cases on users, and the CLI's user add */
#include "app.h"
#include "../core/fields.h"
#include "../lib/text.h"
#include "../store/store.h"

#include <sodium.h>
#include <string.h>

int app_finish(struct db *db, int rc)
{
	if (rc < 0) {
		db_rollback(db);
		return rc;
	}
	int c = db_commit(db);
	return c < 0 ? c : rc;
}

/* Map a store failure to the caller's error unless a rule already filled it. */
static int store_fail(struct db *db, struct kf_error *err, int rc, const char *field,
		      const char *what)
{
	if (err->code)
		return rc;
	if (rc == KF_ECONFLICT)
		return kf_fail(err, rc, "conflict", field, "%s already exists", what);
	return kf_fail(err, rc, "db_error", NULL, "database error: %s", db_errmsg(db));
}

/* Audit project_members of every project in ids (a JSON array of integers). */
static int audit_memberships(struct app_ctx *c, json_t *ids)
{
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) {
		int rc = store_audit_append(c->db, c->who.user_id, "members.set", "project_members",
					    json_integer_value(v), c->now);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Check that every id of project_ids names a project; KF_EINVAL naming the field if not. */
static int check_projects(struct app_ctx *c, json_t *ids, struct kf_error *err)
{
	size_t i;
	json_t *v;
	json_array_foreach(ids, i, v) {
		struct project_state ps;
		if (store_project_state(c->db, json_integer_value(v), &ps) < 0)
			return kf_fail(err, KF_EINVAL, "invalid_reference", "project_ids",
				       "project %lld does not exist",
				       (long long)json_integer_value(v));
	}
	return 0;
}

/* Role and customer must agree: customers belong to a customer, staff to none. */
static int check_role_customer(struct app_ctx *c, enum role role, int64_t customer_id,
			       json_t *project_ids, struct kf_error *err)
{
	if (role == ROLE_CUSTOMER && !customer_id)
		return kf_fail(err, KF_EINVAL, "invalid", "customer_id",
			       "a customer user needs customer_id");
	if (role != ROLE_CUSTOMER && customer_id)
		return kf_fail(err, KF_EINVAL, "invalid", "customer_id",
			       "only customer users belong to a customer");
	if (customer_id && !store_customer_exists(c->db, customer_id))
		return kf_fail(err, KF_EINVAL, "invalid_reference", "customer_id",
			       "customer %lld does not exist", (long long)customer_id);
	if (role == ROLE_CUSTOMER && json_array_size(project_ids))
		return kf_fail(err, KF_EINVAL, "invalid", "project_ids",
			       "customer users see their customer's projects; they are not members");
	return 0;
}

/* Heads lead a department; a head whose role changes stops being one unless told otherwise. */
static int set_head(struct app_ctx *c, int64_t id, enum role role, json_t *jhead, bool was,
		    bool moved, struct kf_error *err)
{
	bool dept = ROLE_BIT(role) & ROLES_DEPARTMENT;
	if (json_is_true(jhead) && !dept)
		return kf_fail(err, KF_EINVAL, "invalid", "department_head",
			       "only cm, quality, business, project and safety have department heads");
	bool head = jhead ? json_is_true(jhead) : was && !moved;
	if (head == was)
		return 0;
	int rc = store_user_set_head(c->db, id, head);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, head ? "head.set" : "head.unset",
					"department_head", id, c->now);
	return rc;
}

static int check_password(const char *pw, struct kf_error *err)
{
	if (!field_password_ok(pw))
		return kf_fail(err, KF_EINVAL, "invalid", "password",
			       "the password needs at least %d characters", PASSWORD_MIN_CHARS);
	return 0;
}

static int64_t jint(json_t *o, const char *k)
{
	return json_integer_value(json_object_get(o, k));
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int app_user_create(struct app_ctx *c, json_t *body, json_t **out, struct kf_error *err)
{
	const char *username = jstr(body, "username");
	const char *name = jstr(body, "name") ? jstr(body, "name") : username;
	enum role role = role_parse(jstr(body, "role"));
	const char *password = jstr(body, "password");
	int64_t customer_id = jint(body, "customer_id");
	json_t *projects = json_object_get(body, "project_ids");

	if (!field_username_ok(username))
		return kf_fail(err, KF_EINVAL, "invalid", "username",
			       "2-32 characters: lower-case letters, digits, '.', '_' or '-'");
	if (role == ROLE_NONE)
		return kf_fail(err, KF_EINVAL, "invalid", "role", "unknown role");
	int rc = check_password(password, err);
	if (rc < 0)
		return rc;
	char hash[crypto_pwhash_STRBYTES];
	auth_hash_password(password, hash, sizeof(hash));

	if ((rc = db_begin(c->db)) < 0)
		return store_fail(c->db, err, rc, NULL, "");
	int64_t id = 0;
	rc = check_role_customer(c, role, customer_id, projects, err);
	if (rc == 0 && projects)
		rc = check_projects(c, projects, err);
	if (rc == 0)
		rc = store_user_insert(c->db, username, name, role, customer_id, hash, c->now, &id);
	if (rc == KF_ECONFLICT)
		rc = kf_fail(err, rc, "conflict", "username", "the username '%s' is taken", username);
	if (rc == 0 && projects)
		rc = store_user_set_projects(c->db, id, projects);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id, "user.create", "user", id, c->now);
	if (rc == 0)
		rc = set_head(c, id, role, json_object_get(body, "department_head"), false, false,
			      err);
	if (rc == 0 && projects)
		rc = audit_memberships(c, projects);
	rc = app_finish(c->db, rc);
	if (rc < 0)
		return store_fail(c->db, err, rc, "username", "user");
	*out = store_user_get(c->db, id);
	return 0;
}

int app_user_update(struct app_ctx *c, int64_t id, json_t *body, json_t **out,
		    struct kf_error *err)
{
	struct user_auth u;
	int rc = store_user_auth_by_id(c->db, id, &u);
	if (rc < 0)
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such user");

	json_t *jrole = json_object_get(body, "role");
	json_t *jcust = json_object_get(body, "customer_id");
	json_t *jactive = json_object_get(body, "active");
	json_t *projects = json_object_get(body, "project_ids");
	const char *password = jstr(body, "password");
	enum role role = jrole ? role_parse(json_string_value(jrole)) : u.role;
	int64_t customer_id = jcust ? json_integer_value(jcust) : u.customer_id;
	/* A staff member made a customer, or back, drops what no longer fits. */
	if (jrole && role != ROLE_CUSTOMER && !jcust)
		customer_id = 0;
	if (role == ROLE_NONE)
		return kf_fail(err, KF_EINVAL, "invalid", "role", "unknown role");
	if (password && (rc = check_password(password, err)) < 0)
		return rc;
	if (id == c->who.user_id && ((jactive && !json_is_true(jactive)) || role != u.role))
		return kf_fail(err, KF_ERULE, "self_lockout", jactive ? "active" : "role",
			       "you cannot deactivate yourself or change your own role");
	char hash[crypto_pwhash_STRBYTES];
	if (password)
		auth_hash_password(password, hash, sizeof(hash));

	/* A user who becomes a customer stops being a member of any project. */
	json_t *members = projects ? json_incref(projects)
				   : role == ROLE_CUSTOMER && u.role != ROLE_CUSTOMER ? json_array()
										: NULL;
	if ((rc = db_begin(c->db)) < 0) {
		json_decref(members);
		return store_fail(c->db, err, rc, NULL, "");
	}
	/* Memberships that change are audited on both the old and the new projects. */
	json_t *old = store_user_get(c->db, id);
	json_t *before = members ? json_incref(json_object_get(old, "project_ids")) : NULL;
	bool was_head = json_is_true(json_object_get(old, "department_head"));
	json_decref(old);
	rc = check_role_customer(c, role, customer_id, members, err);
	if (rc == 0 && members)
		rc = check_projects(c, members, err);
	if (rc == 0 && jstr(body, "name"))
		rc = store_user_set_text(c->db, id, "name", jstr(body, "name"), c->now);
	if (rc == 0 && (role != u.role || customer_id != u.customer_id))
		rc = store_user_set_role(c->db, id, role, customer_id, c->now);
	if (rc == 0 && jactive)
		rc = store_user_set_active(c->db, id, json_is_true(jactive), c->now);
	if (rc == 0 && password)
		rc = store_user_set_text(c->db, id, "pw_hash", hash, c->now);
	/* Deactivation and a new password end every session and token of the user. */
	if (rc == 0 && (password || (jactive && !json_is_true(jactive))))
		rc = store_user_drop_credentials(c->db, id, NULL);
	if (rc == 0 && members)
		rc = store_user_set_projects(c->db, id, members);
	if (rc == 0)
		rc = store_audit_append(c->db, c->who.user_id,
					password ? "user.update+password" : "user.update", "user", id,
					c->now);
	if (rc == 0)
		rc = set_head(c, id, role, json_object_get(body, "department_head"), was_head,
			      role != u.role, err);
	if (rc == 0 && before)
		rc = audit_memberships(c, before);
	if (rc == 0 && members)
		rc = audit_memberships(c, members);
	json_decref(before);
	json_decref(members);
	rc = app_finish(c->db, rc);
	if (rc < 0)
		return store_fail(c->db, err, rc, NULL, "user");
	*out = store_user_get(c->db, id);
	return 0;
}

int app_user_get(struct app_ctx *c, int64_t id, json_t **out, struct kf_error *err)
{
	*out = store_user_get(c->db, id);
	if (!*out)
		return kf_fail(err, KF_ENOTFOUND, "not_found", NULL, "no such user");
	return 0;
}

json_t *app_users_list(struct app_ctx *c)
{
	return store_users_list(c->db);
}

int app_staff_list(struct app_ctx *c, const char *project_id, json_t **out,
		   struct kf_error *err)
{
	int64_t pid = 0;
	if (project_id && !parse_id(project_id, &pid))
		return kf_fail(err, KF_EINVAL, "invalid", "project_id", "not an id");
	if (pid && !store_project_visible(c->db, &c->who, pid))
		return kf_fail(err, KF_ENOTFOUND, "not_found", "project_id", "no such project");
	*out = store_staff_list(c->db, pid);
	return 0;
}

json_t *app_me(struct app_ctx *c)
{
	return store_user_get(c->db, c->who.user_id);
}

int app_user_add(struct db *db, const char *username, const char *role, const char *name,
		 int64_t customer_id, const int64_t *projects, size_t nprojects,
		 const char *password, int64_t now, int64_t *id, struct kf_error *err)
{
	json_t *body = json_pack("{ss ss ss ss}", "username", username, "role", role, "name",
				 name ? name : username, "password", password);
	if (customer_id)
		json_object_set_new(body, "customer_id", json_integer(customer_id));
	if (nprojects) {
		json_t *a = json_array();
		for (size_t i = 0; i < nprojects; i++)
			json_array_append_new(a, json_integer(projects[i]));
		json_object_set_new(body, "project_ids", a);
	}
	struct app_ctx c = { .db = db, .who = { .user_id = 0, .role = ROLE_ADMIN }, .now = now };
	json_t *out = NULL;
	int rc = app_user_create(&c, body, &out, err);
	json_decref(body);
	if (rc == 0) {
		*id = json_integer_value(json_object_get(out, "id"));
		json_decref(out);
	}
	return rc;
}
