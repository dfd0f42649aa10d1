/* server.h - event loops, the group-commit writer and the worker pool */
#ifndef KF_SERVER_H
#define KF_SERVER_H

#include "http.h"

struct server_config {
	const char *db_uri;
	const char *listen; /* "host:port"; port 0 picks a free one */
	int loops;          /* event loops (threads); 0 = one per core */
	int workers;        /* worker pool threads for slow requests */
	const char *files;  /* the attachments folder (set up by files_init before) */
};

/*
 * Serve until SIGINT or SIGTERM, then stop accepting, finish the requests in flight, and
 * return 0; a failure to start returns 1 after saying why on stderr.
 */
int server_run(const struct server_config *cfg);

/* For the router. */
struct db *loop_db(struct loop *l);
/* The loop's buffer for rendering an answer, kept between its requests (its thread only). */
struct buf *loop_out(struct loop *l);
/* Queue r for the writer (EXEC_WRITE) or the pool (EXEC_POOL). */
void server_submit(struct req *r);
/* From any thread: have r's loop call router_finish(r). */
void server_complete(struct req *r);
/* Append a line to the loop's request log (written to stderr within 50 ms); loop thread only. */
void server_log(struct loop *l, const char *fmt, ...) KF_PRINTF(2, 3);
/* Count requests in flight, so shutdown waits for them. */
void server_inflight_add(int delta);

#endif
