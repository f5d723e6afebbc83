// SPDX-License-Identifier: GPL-2.0
/*
 * tls-echo-client: sends each argument as one TLS record through recframe's
 * TLS mode and checks that tls-echo-server echoes it back.
 *
 * AN EXAMPLE OF THE SOCKET API ONLY: the keys are fixed test keys that
 * tls-echo-server knows too (tls-test-keys.h), there is no handshake.
 *
 * Usage: tls-echo-client ADDRESS PORT MESSAGE...
 *   ADDRESS is a numeric IPv4 address, e.g. 127.0.0.1.
 * Exit status 0 when every echo matched.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <unistd.h>

#include "tls-test-keys.h"

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	static char buf[16384];
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
	if (tls_example_setup(fd, 0))
		return 1;

	for (i = 3; i < argc; i++) {
		size_t len = strlen(argv[i]);
		ssize_t n;

		if (send(fd, argv[i], len, 0) != (ssize_t)len) {
			perror("send");
			return 1;
		}
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
