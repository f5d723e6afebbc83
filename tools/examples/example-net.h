/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Plain TCP plumbing shared by the echo examples: the servers' command
 * line and accept loop, the clients' connection, and the echo itself.
 * Nothing here is about recframe: each example attaches and configures it
 * in its own source, on the accepted socket (servers) or on the connected
 * one (clients).
 */
#ifndef EXAMPLE_NET_H
#define EXAMPLE_NET_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

/*
 * Sends back what each recv() returns until the peer closes: 0, or -1
 * after an error (printed).
 */
static inline int echo_back(int fd, char *buf, size_t size)
{
	ssize_t n;

	while ((n = recv(fd, buf, size, 0)) > 0) {
		if (send(fd, buf, n, MSG_NOSIGNAL) != n) {
			perror("send");
			return -1;
		}
	}
	if (n < 0) {
		perror("recv");
		return -1;
	}
	return 0;
}

/*
 * A server's main(): usage "[-n CONNECTIONS] PORT". Serves connections one
 * after the other on 0.0.0.0:PORT, each accepted socket with @serve (0 or
 * -1); with -n, exits after that many.
 */
static inline int echo_server_main(int argc, char **argv,
				   int (*serve)(int fd))
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int opt, lfd, fd, one = 1, count = -1, ret = 0;

	while ((opt = getopt(argc, argv, "n:")) != -1) {
		if (opt != 'n')
			goto usage;
		count = atoi(optarg);
	}
	if (optind != argc - 1)
		goto usage;
	sa.sin_port = htons(atoi(argv[optind]));
	sa.sin_addr.s_addr = htonl(INADDR_ANY);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(lfd, 16)) {
		perror("listen");
		return 1;
	}
	printf("listening on port %s\n", argv[optind]);
	fflush(stdout);
	for (; count; count > 0 ? count-- : 0) {
		fd = accept(lfd, NULL, NULL);
		if (fd < 0) {
			perror("accept");
			return 1;
		}
		if (serve(fd))
			ret = 1;
		close(fd);
	}
	return ret;
usage:
	fprintf(stderr, "usage: %s [-n CONNECTIONS] PORT\n", argv[0]);
	return 2;
}

/*
 * A client's connection to ADDRESS PORT, its first two arguments, with at
 * least one MESSAGE after them. Exits on failure: 2 for usage, 1 if the
 * connection fails.
 */
static inline int echo_connect(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd;

	if (argc < 4 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: %s ADDRESS PORT MESSAGE...\n", argv[0]);
		exit(2);
	}
	sa.sin_port = htons(atoi(argv[2]));

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		exit(1);
	}
	return fd;
}

/*
 * Sends @msg with one send(), reads the echo with one recv() into @buf and
 * checks it: 0, or -1 after an error or a mismatch (printed).
 */
static inline int echo_one(int fd, const char *msg, char *buf, size_t size)
{
	size_t len = strlen(msg);
	ssize_t n;

	if (send(fd, msg, len, 0) != (ssize_t)len) {
		perror("send");
		return -1;
	}
	n = recv(fd, buf, size, 0);
	if (n < 0) {
		perror("recv");
		return -1;
	}
	if ((size_t)n != len || memcmp(buf, msg, len)) {
		fprintf(stderr, "echo mismatch: sent \"%s\", got \"%.*s\"\n",
			msg, (int)n, buf);
		return -1;
	}
	printf("echo: %.*s\n", (int)n, buf);
	return 0;
}

/* echo_one() of each MESSAGE argument, then close(): the exit status. */
static inline int echo_messages(int fd, int argc, char **argv, char *buf,
				size_t size)
{
	int i;

	for (i = 3; i < argc; i++)
		if (echo_one(fd, argv[i], buf, size))
			return 1;
	close(fd);
	return 0;
}

#endif /* EXAMPLE_NET_H */
