/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the recframe selftests: loopback TCP pairs over IPv4
 * and IPv6, attaching the ULP, and module handling.
 */
#ifndef RF_UTIL_H
#define RF_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/recframe.h>

#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* Socket address of either family on the loopback, any port. */
static inline socklen_t rf_loopback(int family, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_addr = in6addr_loopback;
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return sizeof(*s4);
	}
}

/* A listening socket on the loopback; its address is written to @ss. */
static inline int rf_listener(int family, struct sockaddr_storage *ss,
			      socklen_t *len)
{
	int one = 1;
	int fd;

	*len = rf_loopback(family, ss);
	fd = socket(family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)ss, *len) ||
	    getsockname(fd, (struct sockaddr *)ss, len) || listen(fd, 64)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* A connected pair: fds[0] the client, fds[1] the accepted server side. */
static inline int rf_tcp_pair(int family, int fds[2])
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd;

	lfd = rf_listener(family, &ss, &len);
	if (lfd < 0)
		return -1;
	fds[0] = socket(family, SOCK_STREAM, 0);
	if (fds[0] < 0 || connect(fds[0], (struct sockaddr *)&ss, len)) {
		close(lfd);
		return -1;
	}
	fds[1] = accept(lfd, NULL, NULL);
	close(lfd);
	return fds[1] < 0 ? -1 : 0;
}

static inline int rf_attach(int fd)
{
	return setsockopt(fd, SOL_TCP, TCP_ULP, RECFRAME_ULP_NAME,
			  sizeof(RECFRAME_ULP_NAME));
}

/* True when recframe is registered, loaded or built in. */
static inline bool rf_available(void)
{
	char buf[256] = "";
	FILE *f = fopen("/proc/sys/net/ipv4/tcp_available_ulp", "r");

	if (!f)
		return false;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = '\0';
	fclose(f);
	return strstr(buf, RECFRAME_ULP_NAME) != NULL;
}

static inline int rf_delete_module(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

static inline size_t rf_read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);

		if (n <= 0)
			break;
		got += n;
	}
	return got;
}

#endif /* RF_UTIL_H */
