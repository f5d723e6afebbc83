// SPDX-License-Identifier: GPL-2.0
/*
 * framing-echo-server: an echo server for DNS-style messages (a 2-byte
 * big-endian length before each message, RFC 1035 4.2.2), with recframe's
 * plaintext framing doing the message boundaries: every recv() returns one
 * whole message, every send() sends one.
 *
 * Usage: framing-echo-server [-n CONNECTIONS] PORT
 *   Serves connections one after the other on 0.0.0.0:PORT; with -n, exits
 *   after that many. Try it with framing-echo-client, or with any program
 *   that speaks the format: the peer does not need recframe.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/recframe.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

static int serve(int fd)
{
	struct recframe_framing dns = {
		.format		= RECFRAME_FORMAT_LENGTH,
		.hdr_len	= 2,		/* the header is the length: */
		.len_off	= 0,
		.len_size	= 2,		/* 2 bytes, big endian, */
		.len_adjust	= 0,		/* counting the payload only */
		.max_record	= 65535,
	};
	static char buf[65535];
	ssize_t n;

	if (setsockopt(fd, SOL_TCP, TCP_ULP, "recframe", sizeof("recframe")) ||
	    setsockopt(fd, SOL_RECFRAME, RECFRAME_FRAMING, &dns, sizeof(dns))) {
		perror("attach recframe");
		return -1;
	}
	/* One message per recv(): the buffer holds the largest record. */
	while ((n = recv(fd, buf, sizeof(buf), 0)) > 0) {
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
		/* recframe attaches to an established socket: the accepted one. */
		if (serve(fd))
			ret = 1;
		close(fd);
	}
	return ret;
usage:
	fprintf(stderr, "usage: %s [-n CONNECTIONS] PORT\n", argv[0]);
	return 2;
}
