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
 *
 * The socket plumbing (listening, accepting, echoing) is example-net.h's.
 */
#include <linux/recframe.h>

#include "example-net.h"

/* Each accepted socket: recframe attaches to an established socket. */
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

	if (setsockopt(fd, SOL_TCP, TCP_ULP, "recframe", sizeof("recframe")) ||
	    setsockopt(fd, SOL_RECFRAME, RECFRAME_FRAMING, &dns, sizeof(dns))) {
		perror("attach recframe");
		return -1;
	}
	/* One message per recv(): the buffer holds the largest record. */
	return echo_back(fd, buf, sizeof(buf));
}

int main(int argc, char **argv)
{
	return echo_server_main(argc, argv, serve);
}
