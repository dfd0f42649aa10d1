/* server.c - threads: one evhttp loop per core, one writer with group commit, a worker pool */
#include "server.h"
#include "../core/settings.h"

#include <errno.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * The shape, after Bitcoin Core's httpserver.cpp and DESIGN.md: every loop owns an evhttp
 * on its own SO_REUSEPORT socket (the kernel spreads connections) and a read connection,
 * so reads run where they arrive without locks. Writes are queued to one writer thread,
 * which commits whatever has queued up while it was busy in one transaction -- one fsync for
 * many requests -- with each request in its own savepoint, and answers none of them before
 * COMMIT returns. Slow work (argon2id sign-in) goes to a small pool so no loop stalls.
 */

/*
 * evhttp's own cap, above the largest attachment the settings allow, so that an upload a
 * little too big gets the API's JSON 413 rather than evhttp's bare one; routes enforce
 * their own limits (1 MiB for JSON).
 */
#define BODY_MAX ((size_t)(app_settings()->attachment_max_mib + 1) * 1024 * 1024)
#define MAX_LOOPS 16

struct loop {
	pthread_t thread;
	struct event_base *base;
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct db *db;
	struct buf log;		/* request log lines not yet written */
	struct event *log_timer;
	struct buf out;		/* the answer being rendered (loop_out()) */
};

#define LOG_FLUSH_BYTES 16384
static const struct timeval log_delay = { 0, 50 * 1000 };

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct req *head, *tail;
	bool stop;
};

struct worker {
	pthread_t thread;
	struct db *db;
	struct queue *q;
	bool writer;
};

static struct loop loops[MAX_LOOPS];
static int nloops;
static struct queue write_q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0 };
static struct queue pool_q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0 };
static struct worker workers[1 + 8];
static int nworkers;
static int inflight;

struct db *loop_db(struct loop *l)
{
	return l->db;
}

struct buf *loop_out(struct loop *l)
{
	return &l->out;
}

void server_inflight_add(int delta)
{
	__atomic_add_fetch(&inflight, delta, __ATOMIC_SEQ_CST);
}

static void queue_push(struct queue *q, struct req *r)
{
	r->next = NULL;
	pthread_mutex_lock(&q->lock);
	if (q->tail)
		q->tail->next = r;
	else
		q->head = r;
	q->tail = r;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

/* Wait for work; returns the whole queue (the writer) or one request (the pool), or NULL. */
static struct req *queue_take(struct queue *q, bool all)
{
	pthread_mutex_lock(&q->lock);
	while (!q->head && !q->stop)
		pthread_cond_wait(&q->cond, &q->lock);
	struct req *r = q->head;
	if (r) {
		q->head = all ? NULL : r->next;
		if (!q->head)
			q->tail = NULL;
		if (!all)
			r->next = NULL;
	}
	pthread_mutex_unlock(&q->lock);
	return r;
}

void server_submit(struct req *r)
{
	queue_push(r->route->exec == EXEC_WRITE ? &write_q : &pool_q, r);
}

static void log_flush(struct loop *l)
{
	size_t off = 0;
	while (off < l->log.len) {
		ssize_t n = write(STDERR_FILENO, l->log.s + off, l->log.len - off);
		if (n <= 0)
			break; /* a log that cannot be written must not stop the server */
		off += (size_t)n;
	}
	buf_reset(&l->log);
}

static void log_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	log_flush(arg);
}

void server_log(struct loop *l, const char *fmt, ...)
{
	/*
	 * One write(2) per line would be a tenth of what a small request costs; the lines of a
	 * loop go out together at most 50 ms later (or at 16 KiB), in order.
	 */
	va_list ap;
	va_start(ap, fmt);
	buf_vaddf(&l->log, fmt, ap);
	va_end(ap);
	if (l->log.len >= LOG_FLUSH_BYTES)
		log_flush(l);
	else if (!evtimer_pending(l->log_timer, NULL))
		evtimer_add(l->log_timer, &log_delay);
}

static void complete_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	router_finish(arg);
}

void server_complete(struct req *r)
{
	/* Thread-safe: evthread_use_pthreads() made every base lockable. */
	if (event_base_once(r->loop->base, -1, EV_TIMEOUT, complete_cb, r, NULL) != 0)
		die("event_base_once failed");
}

static void fail_batch(struct req *batch, int rc)
{
	for (struct req *r = batch; r; r = r->next) {
		json_decref(r->out);
		r->out = NULL;
		kf_fail(&r->err, rc == KF_EBUSY ? KF_EBUSY : KF_EINTERNAL, "db_error", NULL,
			"the change could not be saved; try again");
		r->status = 0; /* router_finish renders r->err */
	}
}

static void run_batch(struct db *db, struct req *batch)
{
	int rc = db_begin(db);
	if (rc == 0 && (rc = app_batch_begin(db)) < 0)
		db_rollback(db);
	if (rc < 0) {
		fail_batch(batch, rc);
		return;
	}
	for (struct req *r = batch; r; r = r->next) {
		r->ctx.db = db;
		if (db_begin(db) < 0) {
			kf_fail(&r->err, KF_EINTERNAL, "db_error", NULL, "savepoint failed");
			continue;
		}
		router_run(r);
		/*
		 * A refused request leaves no trace, whatever its handler wrote before failing;
		 * a request whose savepoint cannot be released (its work broke the transaction)
		 * is refused too, so nothing is answered 2xx that the COMMIT would not keep.
		 */
		if (r->err.err < 0)
			db_rollback(db);
		else if (db_commit(db) < 0)
			kf_fail(&r->err, KF_EINTERNAL, "db_error", NULL, "the change could not be saved");
	}
	if ((rc = db_commit(db)) < 0)
		fail_batch(batch, rc);
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct req *batch;
	while ((batch = queue_take(w->q, w->writer))) {
		if (w->writer) {
			run_batch(w->db, batch);
		} else {
			batch->ctx.db = w->db;
			router_run(batch);
		}
		while (batch) {
			struct req *next = batch->next;
			server_complete(batch);
			batch = next;
		}
	}
	return NULL;
}

/*
 * No Nagle: evhttp writes an answer in 16 KB pieces, and with Nagle on the last piece of any
 * larger answer (a queue page) waited for the client's delayed ACK, ~40 ms on keep-alive
 * connections. Set per request: evhttp hands us no per-connection hook, and it is one
 * cheap syscall.
 */
static void no_delay(struct evhttp_request *ev)
{
	struct evhttp_connection *conn = evhttp_request_get_connection(ev);
	struct bufferevent *bev = conn ? evhttp_connection_get_bufferevent(conn) : NULL;
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;
	int one = 1;
	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void on_request(struct evhttp_request *ev, void *arg)
{
	no_delay(ev);
	router_dispatch(arg, ev);
}

static void *loop_main(void *arg)
{
	struct loop *l = arg;
	event_base_dispatch(l->base);
	return NULL;
}

static void stop_accept_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what;
	struct loop *l = arg;
	if (l->bound)
		evhttp_del_accept_socket(l->http, l->bound);
	l->bound = NULL;
}

/*
 * A listening socket on host:port, or -1 after saying why. The loops' sockets share the port
 * with SO_REUSEPORT (reuseport true), so the kernel spreads connections over them; the probe
 * before them (reuseport false) fails while any other process listens there, which
 * SO_REUSEPORT alone would silently allow.
 */
static int listen_on(const char *host, const char *port, bool reuseport)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
				  .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo *ai;
	int e = getaddrinfo(host, port, &hints, &ai);
	if (e) {
		fprintf(stderr, "kefu: cannot resolve %s: %s\n", host, gai_strerror(e));
		return -1;
	}
	int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
	int one = 1;
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one))) ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) || listen(fd, 1024) ||
	    evutil_make_socket_nonblocking(fd)) {
		fprintf(stderr, "kefu: cannot listen on %s:%s: %s\n", host, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	return fd;
}

static int split_listen(const char *spec, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon = strrchr(spec, ':');
	if (!colon || colon == spec || !colon[1])
		return -1;
	const char *h = spec;
	size_t len = (size_t)(colon - spec);
	if (h[0] == '[' && len >= 2 && h[len - 1] == ']')
		h++, len -= 2;
	if (len >= hn || strlen(colon + 1) >= pn)
		return -1;
	memcpy(host, h, len);
	host[len] = '\0';
	snprintf(port, pn, "%s", colon + 1);
	return 0;
}

static int start_workers(const struct server_config *cfg)
{
	struct kf_error err = { 0 };
	int n = 1 + (cfg->workers > 0 ? cfg->workers : 2);
	if (n > (int)ARRAY_SIZE(workers))
		n = ARRAY_SIZE(workers);
	for (int i = 0; i < n; i++) {
		struct worker *w = &workers[i];
		w->writer = i == 0;
		w->q = w->writer ? &write_q : &pool_q;
		if (db_open(cfg->db_uri, &w->db, &err) < 0) {
			fprintf(stderr, "kefu: %s\n", err.message);
			return -1;
		}
		pthread_create(&w->thread, NULL, worker_main, w);
		nworkers++;
	}
	return 0;
}

static void stop_queue(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->lock);
}

static void shutdown_all(void)
{
	for (int i = 0; i < nloops; i++)
		if (loops[i].base)
			event_base_loopbreak(loops[i].base);
	for (int i = 0; i < nloops; i++)
		if (loops[i].thread)
			pthread_join(loops[i].thread, NULL);
	/* The writer finishes the batch it holds; what it answers lands on the stopped loops. */
	stop_queue(&write_q);
	stop_queue(&pool_q);
	for (int i = 0; i < nworkers; i++) {
		pthread_join(workers[i].thread, NULL);
		db_close(workers[i].db);
	}
	for (int i = 0; i < nloops; i++) {
		/* Send those last answers from here: no request is dropped or leaked. */
		if (loops[i].base)
			event_base_loop(loops[i].base, EVLOOP_NONBLOCK);
		log_flush(&loops[i]);
		buf_release(&loops[i].log);
		buf_release(&loops[i].out);
		if (loops[i].log_timer)
			event_free(loops[i].log_timer);
		if (loops[i].http)
			evhttp_free(loops[i].http);
		if (loops[i].base)
			event_base_free(loops[i].base);
		db_close(loops[i].db);
	}
	libevent_global_shutdown();
}

int server_run(const struct server_config *cfg)
{
	char host[256], port[16];
	if (split_listen(cfg->listen, host, sizeof(host), port, sizeof(port)) < 0) {
		fprintf(stderr, "kefu: --listen wants HOST:PORT, not '%s'\n", cfg->listen);
		return 2;
	}
	evthread_use_pthreads();
	router_init();

	/* Signals are taken by sigwait() in this thread only; block them before any thread. */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	nloops = cfg->loops > 0 ? cfg->loops : (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (nloops < 1)
		nloops = 1;
	if (nloops > MAX_LOOPS)
		nloops = MAX_LOOPS;
	/* Is the address ours to take? (With port 0 this also picks the port.) */
	int probe = listen_on(host, port, false);
	if (probe < 0)
		return 1;
	if (!strcmp(port, "0")) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		getsockname(probe, (struct sockaddr *)&ss, &sl);
		int p = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						       : ((struct sockaddr_in *)&ss)->sin_port);
		snprintf(port, sizeof(port), "%d", p);
	}
	close(probe);
	if (start_workers(cfg) < 0) {
		shutdown_all();
		return 1;
	}
	for (int i = 0; i < nloops; i++) {
		struct loop *l = &loops[i];
		struct kf_error err = { 0 };
		if (db_open(cfg->db_uri, &l->db, &err) < 0) {
			fprintf(stderr, "kefu: %s\n", err.message);
			shutdown_all();
			return 1;
		}
		int fd = listen_on(host, port, true);
		if (fd < 0) {
			shutdown_all();
			return 1;
		}
		/*
		 * The changelist folds evhttp's per-request "stop reading, write, read again" into
		 * one epoll_ctl per loop iteration instead of four: system calls are what a
		 * request costs most here.
		 */
		struct event_config *ec = event_config_new();
		event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
		l->base = event_base_new_with_config(ec);
		event_config_free(ec);
		if (!l->base)
			die("event_base_new_with_config failed");
		l->log_timer = evtimer_new(l->base, log_timer_cb, l);
		buf_init(&l->log);
		buf_init(&l->out);
		l->http = evhttp_new(l->base);
		evhttp_set_max_body_size(l->http, BODY_MAX);
		evhttp_set_max_headers_size(l->http, 16 * 1024);
		evhttp_set_timeout(l->http, 60);
		evhttp_set_allowed_methods(l->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
							   EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
							   EVHTTP_REQ_DELETE | EVHTTP_REQ_HEAD |
							   EVHTTP_REQ_OPTIONS);
		evhttp_set_gencb(l->http, on_request, l);
		l->bound = evhttp_accept_socket_with_handle(l->http, fd);
		if (!l->bound)
			die("evhttp_accept_socket_with_handle failed");
	}
	for (int i = 0; i < nloops; i++)
		pthread_create(&loops[i].thread, NULL, loop_main, &loops[i]);

	fprintf(stderr, "kefu: listening on http://%s%s%s:%s\n", strchr(host, ':') ? "[" : "",
		host, strchr(host, ':') ? "]" : "", port);

	int sig = 0;
	sigwait(&sigs, &sig);
	fprintf(stderr, "kefu: %s: finishing requests in flight\n",
		sig == SIGINT ? "SIGINT" : "SIGTERM");
	for (int i = 0; i < nloops; i++)
		event_base_once(loops[i].base, -1, EV_TIMEOUT, stop_accept_cb, &loops[i], NULL);
	/* Up to 15 s for what was accepted to be answered; then stop regardless. */
	int left = 0;
	for (int waited = 0; waited < 1500; waited++) {
		if ((left = __atomic_load_n(&inflight, __ATOMIC_SEQ_CST)) == 0)
			break;
		struct timespec ts = { 0, 10 * 1000 * 1000 };
		nanosleep(&ts, NULL);
	}
	if (left)
		fprintf(stderr, "kefu: %d requests still in flight after 15 s; stopping anyway\n",
			left);
	shutdown_all();
	fprintf(stderr, "kefu: stopped\n");
	return 0;
}
