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
 *
 * The socket plumbing (connecting, echoing) is example-net.h's.
 */
#include "example-net.h"
#include "tls-test-keys.h"

int main(int argc, char **argv)
{
	static char buf[16384];
	int fd = echo_connect(argc, argv);

	if (tls_example_setup(fd, 0))
		return 1;

	/* Plaintext in, plaintext out: the kernel seals and opens records. */
	return echo_messages(fd, argc, argv, buf, sizeof(buf));
}
