// SPDX-License-Identifier: GPL-2.0
/*
 * framing_echo: recframe's plaintext framing on both ends of a loopback TCP
 * connection, with libvirt's RPC length prefix (4 bytes, big endian,
 * counting itself). The client sends three messages; the server receives
 * them one record per recvmsg() and echoes each one back.
 *
 * Build: cc -Wall -I<recframe>/include/uapi -o framing_echo framing_echo.c
 * Run:   modprobe recframe; ./framing_echo
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/recframe.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Attach recframe to an established socket and select libvirt's framing. */
static void rf_attach(int fd)
{
	struct recframe_framing fr = {
		.format		= RECFRAME_FORMAT_LENGTH,
		.hdr_len	= 4,
		.len_off	= 0,
		.len_size	= 4,
		.len_adjust	= -4,
		.max_record	= 65536,
	};

	if (setsockopt(fd, SOL_TCP, TCP_ULP, RECFRAME_ULP_NAME,
		       sizeof(RECFRAME_ULP_NAME)))
		die("setsockopt(TCP_ULP)");
	if (setsockopt(fd, SOL_RECFRAME, RECFRAME_FRAMING, &fr, sizeof(fr)))
		die("setsockopt(RECFRAME_FRAMING)");
}

/* Receive one record into @buf; *eor tells whether all of it fitted. */
static size_t recv_record(int fd, char *buf, size_t size, int *eor)
{
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	n = recvmsg(fd, &msg, 0);
	if (n < 0)
		die("recvmsg");
	if (n == 0) {
		fprintf(stderr, "unexpected end of stream\n");
		exit(1);
	}
	*eor = !!(msg.msg_flags & MSG_EOR);
	return n;
}

/* A connected pair of TCP sockets over the loopback interface. */
static void tcp_pair(int *cli, int *srv)
{
	struct sockaddr_in addr = {
		.sin_family	 = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	socklen_t alen = sizeof(addr);
	int lfd;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (lfd < 0)
		die("socket");
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(lfd, 1) ||
	    getsockname(lfd, (struct sockaddr *)&addr, &alen))
		die("listen");
	*cli = socket(AF_INET, SOCK_STREAM, 0);
	if (*cli < 0 || connect(*cli, (struct sockaddr *)&addr, sizeof(addr)))
		die("connect");
	*srv = accept(lfd, NULL, NULL);
	if (*srv < 0)
		die("accept");
	close(lfd);
}

int main(void)
{
	static const char *const msgs[] = {
		"hello", "one record per recv()", "bye",
	};
	struct recframe_info info;
	socklen_t ilen = sizeof(info);
	char buf[256];
	int cli, srv, eor;
	size_t i, n;

	tcp_pair(&cli, &srv);
	rf_attach(cli);
	rf_attach(srv);

	/* Every send() without MSG_MORE is one record. */
	for (i = 0; i < ARRAY_SIZE(msgs); i++)
		if (send(cli, msgs[i], strlen(msgs[i]), 0) < 0)
			die("send");

	/* Every recvmsg() returns one record, without its header. */
	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		n = recv_record(srv, buf, sizeof(buf), &eor);
		printf("server: %zu bytes%s: %.*s\n", n,
		       eor ? ", whole record" : "", (int)n, buf);
		if (send(srv, buf, n, 0) < 0)
			die("send");
	}
	for (i = 0; i < ARRAY_SIZE(msgs); i++) {
		n = recv_record(cli, buf, sizeof(buf), &eor);
		printf("client: echo %.*s\n", (int)n, buf);
	}

	if (getsockopt(srv, SOL_RECFRAME, RECFRAME_INFO, &info, &ilen))
		die("getsockopt(RECFRAME_INFO)");
	printf("server: %llu records, %llu bytes received\n",
	       (unsigned long long)info.rx_records,
	       (unsigned long long)info.rx_bytes);

	close(cli);
	close(srv);
	return 0;
}
