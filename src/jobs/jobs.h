/* jobs.h - scheduled work that runs once per cluster, not once per server */
#ifndef KF_JOBS_H
#define KF_JOBS_H

#include "../store/db.h"

typedef int (*job_fn)(struct db *db, void *arg);

/*
 * Run fn(db, arg) unless another server of the cluster is running the job called name right
 * now (a PostgreSQL advisory lock per job name; on SQLite there is one server, so it always
 * runs). Returns fn's result, or 1 when the job was skipped because another server has it.
 */
int jobs_run_once(struct db *db, const char *name, job_fn fn, void *arg);

#endif
