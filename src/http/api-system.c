/* api-system.c - health and metrics, for load balancers and Prometheus */
#include "http.h"

static int h_healthz(struct req *r)
{
	if (!app_healthy(&r->ctx))
		return kf_fail(&r->err, KF_EBUSY, "db_unavailable", NULL,
			       "the database does not answer");
	return reply_json(r, 200, json_pack("{ss}", "status", "ok"));
}

static int h_metrics(struct req *r)
{
	metrics_render(&r->raw);
	r->content_type = "text/plain; version=0.0.4; charset=utf-8";
	r->status = 200;
	return 0;
}

const struct route api_system_routes[] = {
	{ "GET", "/healthz", h_healthz, ROLES_ANY, EXEC_READ, NULL, OBJ_NONE, ROUTE_PUBLIC },
	{ "GET", "/metrics", h_metrics, ROLES_ANY, EXEC_READ, NULL, OBJ_NONE,
	  ROUTE_PUBLIC | ROUTE_TEXT },
	{ NULL, NULL, NULL, 0, 0, NULL, 0, 0 },
};
