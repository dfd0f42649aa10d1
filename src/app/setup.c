/* setup.c - kefu init: schema, and the demo company a newcomer sees every page filled with */
#include "app.h"
#include "../core/settings.h"
#include "../core/scoring.h"
#include "../store/store.h"

#include <stdio.h>
#include <string.h>

/* Read by every request, written once before the first: no lock needed. */
static struct settings in_force;
static bool in_force_set;

const struct settings *app_settings(void)
{
	return in_force_set ? &in_force : &settings_defaults;
}

const struct scoring_rules *app_rules(void)
{
	return &app_settings()->scoring;
}

void app_settings_use(const struct settings *s)
{
	in_force = *s;
	in_force_set = true;
}

#define DEMO_PASSWORD "kefu-demo-2026"

static const struct {
	const char *name, *contact, *phone, *email, *address;
} demo_customers[] = {
	{ "北京市朝阳区教育委员会", "张伟", "010-6509 2211", "zhangwei@cyedu.example.cn",
	  "北京市朝阳区日坛北路 33 号" },
	{ "中关村软件园发展有限责任公司", "李娜", "010-8286 1000", "lina@zpark.example.cn",
	  "北京市海淀区东北旺西路 8 号" },
	{ "北京协和医院基建处", "王芳", "010-6915 6114", "wangfang@pumch.example.cn",
	  "北京市东城区帅府园 1 号" },
	{ "华润置地（北京）有限公司", "刘洋", "010-8519 2888", "liuyang@crland.example.cn",
	  "北京市朝阳区建国门外大街 8 号" },
};

static const struct {
	const char *username, *role, *name;
	int customer; /* index + 1 into demo_customers, or 0 */
} demo_users[] = {
	{ "admin", "admin", "系统管理员", 0 },    { "leader", "leader", "赵立新", 0 },
	{ "cm", "cm", "孙明华", 0 },              { "quality", "quality", "李静", 0 },
	{ "business", "business", "周海涛", 0 },  { "project", "project", "陈志强", 0 },
	{ "safety", "safety", "刘晓峰", 0 },      { "customer", "customer", "张伟", 1 },
	{ "zheng.kai", "project", "郑凯", 0 },    { "wu.lei", "project", "吴磊", 0 },
};

/* Projects in every stage; dates are the events that moved them there. */
static const struct {
	const char *code, *name;
	int customer;
	const char *manager; /* username */
	const char *contract, *completion, *warranty_end;
} demo_projects[] = {
	{ "BJ-2026-001", "朝阳实验小学新建教学楼工程", 1, "project", "2026-03-15", NULL, NULL },
	{ "BJ-2024-014", "朝阳区第三幼儿园改扩建工程", 1, "project", "2024-05-10", "2025-09-28",
	  NULL },
	{ "BJ-2026-007", "中关村软件园三期研发楼", 2, NULL, NULL, NULL, NULL },
	{ "BJ-2021-003", "协和医院门诊楼装修改造工程", 3, "wu.lei", "2021-03-01", "2022-06-30",
	  "2024-06-30" },
	{ "BJ-2026-011", "华润西山公馆住宅小区一期", 4, "zheng.kai", "2026-01-20", NULL, NULL },
	{ "BJ-2026-015", "中关村软件园人才公寓", 2, NULL, NULL, NULL, NULL },
};

static int64_t find_user(struct db *db, const char *username)
{
	struct user_auth u;
	return username && store_user_auth_by_name(db, username, &u) == 0 ? u.id : 0;
}

static int demo(struct db *db, int64_t now, struct kf_error *err)
{
	struct app_ctx c = { .db = db, .who = { .user_id = 0, .role = ROLE_ADMIN }, .now = now };
	int64_t cust[ARRAY_SIZE(demo_customers)];
	json_t *out = NULL;
	int rc;

	for (size_t i = 0; i < ARRAY_SIZE(demo_customers); i++) {
		json_t *b = json_pack("{ss ss ss ss ss}", "name", demo_customers[i].name, "contact",
				      demo_customers[i].contact, "phone", demo_customers[i].phone,
				      "email", demo_customers[i].email, "address",
				      demo_customers[i].address);
		rc = app_customer_create(&c, b, &out, err);
		json_decref(b);
		if (rc < 0)
			return rc;
		cust[i] = json_integer_value(json_object_get(out, "id"));
		json_decref(out);
	}
	for (size_t i = 0; i < ARRAY_SIZE(demo_users); i++) {
		int64_t id;
		int k = demo_users[i].customer;
		rc = app_user_add(db, demo_users[i].username, demo_users[i].role, demo_users[i].name,
				  k ? cust[k - 1] : 0, NULL, 0, DEMO_PASSWORD, now, &id, err);
		if (rc < 0)
			return rc;
	}
	for (size_t i = 0; i < ARRAY_SIZE(demo_projects); i++) {
		json_t *b = json_pack("{ss ss sI}", "code", demo_projects[i].code, "name",
				      demo_projects[i].name, "customer_id",
				      (json_int_t)cust[demo_projects[i].customer - 1]);
		int64_t mgr = find_user(db, demo_projects[i].manager);
		if (mgr)
			json_object_set_new(b, "manager_id", json_integer(mgr));
		rc = app_project_create(&c, b, &out, err);
		json_decref(b);
		if (rc < 0)
			return rc;
		int64_t pid = json_integer_value(json_object_get(out, "id"));
		json_decref(out);
		/* Events are recorded by the department that owns the stage they leave. */
		const char *dates[] = { demo_projects[i].contract, demo_projects[i].completion,
					demo_projects[i].warranty_end };
		const char *types[] = { "contract_signed", "completion_filed", "warranty_ended" };
		const char *notes[] = { "建设工程施工合同签订", "建设工程竣工质量备案书已取得",
					"保修服务期满" };
		const char *by[] = { "business", demo_projects[i].manager, "cm" };
		for (int e = 0; e < 3 && dates[e]; e++) {
			c.who.user_id = find_user(db, by[e]);
			json_t *ev = json_pack("{ss ss ss}", "type", types[e], "date", dates[e], "note",
					       notes[e]);
			rc = app_stage_event_create(&c, pid, ev, &out, err);
			json_decref(ev);
			json_decref(out);
			if (rc < 0)
				return rc;
		}
		c.who.user_id = 0;
	}
	return 0;
}

int app_init(struct db *db, bool demo_data, int64_t now, struct kf_error *err)
{
	int rc = store_migrate(db, err);
	if (rc < 0)
		return rc;
	if ((rc = app_forms_ensure(db, now)) < 0)
		return kf_fail(err, rc, "db_error", NULL, "cannot publish the default sheets: %s",
			       db_errmsg(db));
	if (!demo_data)
		return 0;
	if (!store_is_empty(db))
		return 1; /* demo data goes only into an empty database */
	if ((rc = db_begin(db)) < 0)
		return kf_fail(err, rc, "db_error", NULL, "cannot begin: %s", db_errmsg(db));
	rc = demo(db, now, err);
	return app_finish(db, rc) < 0 ? (err->code ? err->err : KF_EINTERNAL) : 0;
}

bool app_healthy(struct app_ctx *c)
{
	return store_ping(c->db);
}

int app_batch_begin(struct db *db)
{
	return store_lock_writers(db);
}

int app_check_object(json_t *o, const char *field, const char *const *allowed,
		     struct kf_error *err)
{
	if (!json_is_object(o))
		return kf_fail(err, KF_EINVAL, "invalid", field, "%s must be an object", field);
	const char *k;
	json_t *v;
	json_object_foreach(o, k, v) {
		const char *const *a = allowed;
		while (*a && strcmp(*a, k))
			a++;
		if (!*a)
			return kf_fail(err, KF_EINVAL, "unknown_field", field,
				       "unknown member '%.40s' in %s", k, field);
	}
	return 0;
}
