// SPDX-License-Identifier: GPL-2.0
/*
 * framing-echo-client: sends each argument as one DNS-style message (a
 * 2-byte big-endian length before each message) and checks that the
 * server echoes it. recframe writes the headers on send and strips them on
 * receive: the program only ever sees whole messages.
 *
 * Usage: framing-echo-client ADDRESS PORT MESSAGE...
 *   ADDRESS is a numeric IPv4 address, e.g. 127.0.0.1.
 * Exit status 0 when every echo matched.
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

int main(int argc, char **argv)
{
	struct recframe_framing dns = {
		.format		= RECFRAME_FORMAT_LENGTH,
		.hdr_len	= 2,
		.len_off	= 0,
		.len_size	= 2,
		.len_adjust	= 0,
		.max_record	= 65535,
	};
	struct sockaddr_in sa = { .sin_family = AF_INET };
	static char buf[65535];
	int fd, i;

	if (argc < 4 || inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "usage: %s ADDRESS PORT MESSAGE...\n", argv[0]);
		return 2;
	}
	sa.sin_port = htons(atoi(argv[2]));

	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		perror("connect");
		return 1;
	}
	/* Once connected: attach recframe, then choose the record format. */
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "recframe", sizeof("recframe")) ||
	    setsockopt(fd, SOL_RECFRAME, RECFRAME_FRAMING, &dns, sizeof(dns))) {
		perror("attach recframe");
		return 1;
	}

	for (i = 3; i < argc; i++) {
		size_t len = strlen(argv[i]);
		ssize_t n;

		/* One send() is one message: the kernel adds the length. */
		if (send(fd, argv[i], len, 0) != (ssize_t)len) {
			perror("send");
			return 1;
		}
		/* One recv() is one message, however TCP cut it up. */
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0) {
			perror("recv");
			return 1;
		}
		if ((size_t)n != len || memcmp(buf, argv[i], len)) {
			fprintf(stderr, "echo mismatch: sent \"%s\", got \"%.*s\"\n",
				argv[i], (int)n, buf);
			return 1;
		}
		printf("echo: %.*s\n", (int)n, buf);
	}
	close(fd);
	return 0;
}
