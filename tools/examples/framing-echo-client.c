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
 *
 * The socket plumbing (connecting, echoing) is example-net.h's.
 */
#include <linux/recframe.h>

#include "example-net.h"

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
	static char buf[65535];
	int fd = echo_connect(argc, argv);

	/* Once connected: attach recframe, then choose the record format. */
	if (setsockopt(fd, SOL_TCP, TCP_ULP, "recframe", sizeof("recframe")) ||
	    setsockopt(fd, SOL_RECFRAME, RECFRAME_FRAMING, &dns, sizeof(dns))) {
		perror("attach recframe");
		return 1;
	}

	/*
	 * Each message goes out with one send(): the kernel adds the length.
	 * Its echo comes back with one recv(), however TCP cut it up.
	 */
	return echo_messages(fd, argc, argv, buf, sizeof(buf));
}
