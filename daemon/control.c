// SPDX-License-Identifier: GPL-2.0-only
/*
 * aattsd: the Unix control socket.  Stream connections; each request is
 * one line, each reply one line (protocol.c).  The socket is 0660, group
 * control_group (default "aatts") when that group exists, else 0600 (root
 * only).  Besides the file mode, every connection's peer credentials
 * (SO_PEERCRED, SO_PEERGROUPS) are checked: root, or the group as primary
 * or supplementary group; anyone else gets one "permission" error line
 * and is disconnected.  A line longer than PROTO_LINE_MAX gets a
 * "too_long" error and is skipped up to its end; a client that does not
 * read its replies (more than CLIENT_OUT_MAX pending) is disconnected.
 * A client's input buffer starts at CLIENT_IN_MIN bytes and doubles up to
 * PROTO_LINE_MAX as a line needs (the trainer ops' batches).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "aattsd.h"

#define CLIENT_OUT_MAX	(1 << 20)
#define CLIENT_IN_MIN	4096

static bool bound;	/* the socket file is ours to remove */

struct client {
	struct watch w;
	struct client *next;
	struct peer peer;
	char *in;
	size_t inlen, incap;
	bool skipping;		/* in a line too long, until its '\n' */
	char *out;
	size_t outlen, outcap;
	bool closing;		/* close once out is sent */
};

static void client_close(struct aattsd *d, struct client *c)
{
	struct client **p;

	for (p = &d->clients; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	loop_del(d, &c->w);
	close(c->w.fd);
	trainer_peer_gone(d, &c->peer);
	free(c->in);
	free(c->out);
	free(c);
	d->nr_clients--;
}

static int queue(struct client *c, const char *s, size_t len)
{
	if (c->outlen + len + 1 > CLIENT_OUT_MAX)
		return -ENOBUFS;
	if (c->outlen + len + 1 > c->outcap) {
		size_t cap = c->outcap ? c->outcap : 4096;
		char *o;

		while (cap < c->outlen + len + 1)
			cap *= 2;
		o = realloc(c->out, cap);
		if (!o)
			return -ENOMEM;
		c->out = o;
		c->outcap = cap;
	}
	memcpy(c->out + c->outlen, s, len);
	c->out[c->outlen + len] = '\n';
	c->outlen += len + 1;
	return 0;
}

/* Sends what it can; EPOLLOUT while some is left.  -errno: drop it. */
static int flush(struct aattsd *d, struct client *c)
{
	struct epoll_event ev = { .data.ptr = &c->w };
	ssize_t n;

	while (c->outlen) {
		n = send(c->w.fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	ev.events = EPOLLIN | EPOLLRDHUP | (c->outlen ? EPOLLOUT : 0);
	epoll_ctl(d->epfd, EPOLL_CTL_MOD, c->w.fd, &ev);
	return 0;
}

static int reply(struct client *c, char *r)
{
	int e;

	if (!r)
		return -ENOMEM;
	e = queue(c, r, strlen(r));
	free(r);
	return e;
}

/* Takes the complete lines of c->in; keeps a partial one. */
static int take_lines(struct aattsd *d, struct client *c)
{
	size_t start = 0;
	char *nl;
	int e;

	while (start < c->inlen &&
	       (nl = memchr(c->in + start, '\n', c->inlen - start))) {
		size_t len = (size_t)(nl - (c->in + start));

		if (c->skipping) {
			c->skipping = false;
		} else {
			d->requests++;
			e = reply(c, protocol_handle(d, &c->peer,
						     c->in + start, len));
			trainer_after_reply(d);
			if (e)
				return e;
		}
		start += len + 1;
	}
	memmove(c->in, c->in + start, c->inlen - start);
	c->inlen -= start;
	if (c->inlen == c->incap && c->incap < PROTO_LINE_MAX) {
		char *in = realloc(c->in, c->incap * 2);

		if (!in)
			return -ENOMEM;
		c->in = in;
		c->incap *= 2;
	}
	if (c->inlen == c->incap) {	/* no '\n' in a full buffer */
		if (!c->skipping) {
			d->requests++;
			d->request_errors++;
			e = reply(c, protocol_error("too_long",
					"request line longer than %d bytes",
					PROTO_LINE_MAX - 1));
			if (e)
				return e;
		}
		c->skipping = true;
		c->inlen = 0;
	}
	return 0;
}

static void on_client(struct aattsd *d, struct watch *w, uint32_t events)
{
	struct client *c = w->arg;
	ssize_t n;

	if (events & EPOLLIN) {
		for (;;) {
			n = recv(c->w.fd, c->in + c->inlen,
				 c->incap - c->inlen, MSG_DONTWAIT);
			if (n < 0 && errno == EAGAIN)
				break;
			if (n <= 0) {
				c->closing = true;
				break;
			}
			c->inlen += (size_t)n;
			if (take_lines(d, c)) {
				log_warn("control client pid %d: not reading its replies: disconnected",
					 (int)c->peer.pid);
				client_close(d, c);
				return;
			}
		}
	}
	if (flush(d, c) || (c->closing && !c->outlen) ||
	    (events & (EPOLLERR | EPOLLHUP))) {
		client_close(d, c);
		return;
	}
}

/* The peer's supplementary groups into p (none when they do not fit). */
static void peer_groups(int fd, struct peer *p)
{
	socklen_t len = sizeof(p->groups);

	p->nr_groups = 0;
	if (!getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, p->groups, &len))
		p->nr_groups = len / sizeof(gid_t);
}

static bool in_group(gid_t gid, const struct peer *p)
{
	unsigned int i;

	if (gid == (gid_t)-1)
		return false;
	if (p->gid == gid)
		return true;
	for (i = 0; i < p->nr_groups; i++)
		if (p->groups[i] == gid)
			return true;
	return false;
}

/* One error line, best effort, then close: a refused connection. */
static void refuse(struct aattsd *d, int fd, char *r)
{
	d->clients_refused++;
	if (r) {
		size_t n = strlen(r);

		r[n] = '\n';	/* protocol_error() leaves room */
		if (send(fd, r, n + 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			log_debug("refused client: %s", strerror(errno));
		free(r);
	}
	close(fd);
}

static void on_accept(struct aattsd *d, struct watch *w, uint32_t events)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct client *c;
	struct peer *p;
	int fd;

	(void)events;
	while ((fd = accept4(w->fd, NULL, NULL,
			     SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len)) {
			log_warn("control: SO_PEERCRED: %s", strerror(errno));
			refuse(d, fd, NULL);
			continue;
		}
		p = calloc(1, sizeof(*p));
		if (!p) {
			refuse(d, fd, NULL);
			continue;
		}
		p->pid = cr.pid;
		p->uid = cr.uid;
		p->gid = cr.gid;
		peer_groups(fd, p);
		if (cr.uid != 0 && !in_group(d->control_gid, p)) {
			free(p);
			log_warn("control: pid %d uid %u gid %u refused: not root, not in group %s",
				 (int)cr.pid, cr.uid, cr.gid,
				 d->cfg.control_group);
			refuse(d, fd, protocol_error("permission",
				"uid %u is neither root nor in group %s",
				cr.uid, d->cfg.control_group));
			continue;
		}
		if (d->nr_clients >= d->cfg.max_clients) {
			free(p);
			log_warn("control: pid %d refused: %u clients already",
				 (int)cr.pid, d->nr_clients);
			refuse(d, fd, protocol_error("busy",
				"%u clients connected already", d->nr_clients));
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (c)
			c->in = malloc(CLIENT_IN_MIN);
		if (!c || !c->in) {
			free(c);
			free(p);
			refuse(d, fd, NULL);
			continue;
		}
		c->incap = CLIENT_IN_MIN;
		c->w.fd = fd;
		c->w.fn = on_client;
		c->w.arg = c;
		c->peer = *p;
		free(p);
		if (loop_add(d, &c->w, EPOLLIN | EPOLLRDHUP)) {
			free(c->in);
			free(c);
			close(fd);
			continue;
		}
		c->next = d->clients;
		d->clients = c;
		d->nr_clients++;
		log_debug("control: client pid %d uid %u", (int)cr.pid, cr.uid);
	}
}

/* A socket file left by an aattsd that died: remove it; a live one: -EADDRINUSE. */
static int stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		log_err("%s exists and is not a socket", path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (!r) {
		log_err("%s: another aattsd is listening", path);
		return -EADDRINUSE;
	}
	return unlink(path) ? -errno : 0;
}

int control_init(struct aattsd *d, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char dir[sizeof(sa.sun_path)], *slash;
	struct group *g;
	mode_t mode;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path %s: longer than %zu bytes", path,
			sizeof(sa.sun_path) - 1);
		return -ENAMETOOLONG;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			log_err("mkdir %s: %s", dir, strerror(errno));
			return -errno;
		}
	}
	r = stale(path);
	if (r)
		return r;
	g = getgrnam(d->cfg.control_group);
	d->control_gid = g ? g->gr_gid : (gid_t)-1;
	mode = g ? 0660 : 0600;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("control socket: %s", strerror(errno));
		return -errno;
	}
	d->control_watch.fd = fd;
	d->control_watch.fn = on_accept;
	/* No moment with a wider mode than the one chosen. */
	{
		mode_t old = umask(0777 & ~mode);

		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		umask(old);
	}
	if (r) {
		log_err("bind %s: %s", path, strerror(errno));
		return -errno;
	}
	bound = true;
	if (g && chown(path, 0, g->gr_gid)) {
		log_err("chown %s to group %s: %s", path, g->gr_name,
			strerror(errno));
		return -errno;
	}
	if (chmod(path, mode)) {
		log_err("chmod %s: %s", path, strerror(errno));
		return -errno;
	}
	if (listen(fd, 16)) {
		log_err("listen %s: %s", path, strerror(errno));
		return -errno;
	}
	if (g)
		log_info("control socket %s: mode 0660, group %s", path,
			 g->gr_name);
	else
		log_info("control socket %s: mode 0600, root only (no group %s)",
			 path, d->cfg.control_group);
	return loop_add(d, &d->control_watch, EPOLLIN);
}

void control_exit(struct aattsd *d)
{
	while (d->clients)
		client_close(d, d->clients);
	trainer_exit(d);
	if (d->control_watch.fd >= 0) {
		loop_del(d, &d->control_watch);
		close(d->control_watch.fd);
		if (bound)
			unlink(d->socket_path);
		bound = false;
	}
	d->control_watch.fd = -1;
}
