/* jobs.c - one runner per job name across all servers on one database */
#include "jobs.h"
#include "../store/store.h"

int jobs_run_once(struct db *db, const char *name, job_fn fn, void *arg)
{
	if (!store_job_trylock(db, name))
		return 1;
	int rc = fn(db, arg);
	store_job_unlock(db, name);
	return rc;
}
