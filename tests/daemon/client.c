// SPDX-License-Identifier: GPL-2.0-only
/*
 * A raw client of aattsd's control socket for the tests: sends its stdin
 * as is, ends its side, prints every byte the daemon sends back until the
 * daemon closes (or --timeout seconds pass).  Exit 0, or 1 with the error
 * (connect refused, timeout) on stderr.
 *
 *   client SOCKET [--timeout SECS] < requests
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, timeout = 10;
	bool in_done = false;
	char buf[65536];
	ssize_t n;

	if (argc != 2 && !(argc == 4 && !strcmp(argv[2], "--timeout"))) {
		fprintf(stderr, "usage: %s SOCKET [--timeout SECS] < requests\n",
			argv[0]);
		return 2;
	}
	if (argc == 4)
		timeout = atoi(argv[3]);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "client: connect %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = in_done ? -1 : 0, .events = POLLIN },
		};
		int r = poll(p, 2, timeout * 1000);

		if (r == 0) {
			fprintf(stderr, "client: no end of reply in %d s\n",
				timeout);
			return 1;
		}
		if (r < 0)
			return 1;
		if (p[1].revents) {
			n = read(0, buf, sizeof(buf));
			if (n <= 0) {
				in_done = true;
				shutdown(fd, SHUT_WR);
			} else if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
				/* The daemon closed: read what it said. */
				in_done = true;
			}
		}
		if (p[0].revents) {
			n = recv(fd, buf, sizeof(buf), 0);
			if (n < 0 && errno == ECONNRESET)
				return 0;
			if (n <= 0)
				return n < 0;
			if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n)
				return 1;
			fflush(stdout);
		}
	}
}
