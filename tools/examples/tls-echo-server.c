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
 *
 * The socket plumbing (listening, accepting, echoing) is example-net.h's.
 */
#include "example-net.h"
#include "tls-test-keys.h"

/* Each accepted socket: recframe attaches to an established socket. */
static int serve(int fd)
{
	static char buf[16384];		/* a TLS record's largest payload */

	if (tls_example_setup(fd, 1))
		return -1;
	/* A recv() failing with EBADMSG: a record failed to decrypt. */
	return echo_back(fd, buf, sizeof(buf));
}

int main(int argc, char **argv)
{
	return echo_server_main(argc, argv, serve);
}
