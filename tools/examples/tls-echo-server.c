// SPDX-License-Identifier: GPL-2.0
/*
 * tls-echo-server: an echo server on recframe's TLS mode. The kernel
 * decrypts every record received and encrypts every message sent; the
 * program reads and writes plaintext.
 *
 * AN EXAMPLE OF THE SOCKET API ONLY: the keys are fixed test keys that
 * tls-echo-client knows too (tls-test-keys.h), there is no handshake.
 *
 * Usage: tls-echo-server [-n CONNECTIONS] PORT
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>

#include "tls-test-keys.h"

static int serve(int fd)
{
	static char buf[16384];		/* a TLS record's largest payload */
	ssize_t n;

	if (tls_example_setup(fd, 1))
		return -1;
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
		if (send(fd, buf, n, MSG_NOSIGNAL) != n) {
			perror("send");
			return -1;
		}
	}
	if (n < 0) {
		perror("recv");		/* EBADMSG: a record failed to decrypt */
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
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
