// SPDX-License-Identifier: GPL-2.0
/*
 * Attaching recframe to TCP sockets, and the module's lifetime.
 */
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "rf_util.h"
#include "kselftest_harness.h"

/* The variants of fixture @fix: its address family, IPv4 or IPv6. */
#define FAMILY_VARIANTS(fix) \
	FIXTURE_VARIANT(fix) { int family; }; \
	FIXTURE_VARIANT_ADD(fix, ipv4) { .family = AF_INET, }; \
	FIXTURE_VARIANT_ADD(fix, ipv6) { .family = AF_INET6, }

FIXTURE(pair)
{
	int fds[2];
};

FAMILY_VARIANTS(pair);

FIXTURE_SETUP(pair)
{
	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	ASSERT_EQ(0, rf_tcp_pair(variant->family, self->fds));
}

FIXTURE_TEARDOWN(pair)
{
	close(self->fds[0]);
	close(self->fds[1]);
}

TEST_F(pair, attach_established)
{
	char name[32] = "";
	socklen_t len = sizeof(name);

	ASSERT_EQ(0, rf_attach(self->fds[0]));
	ASSERT_EQ(0, getsockopt(self->fds[0], SOL_TCP, TCP_ULP, name, &len));
	EXPECT_STREQ(RECFRAME_ULP_NAME, name);
	ASSERT_EQ(0, rf_attach(self->fds[1]));
}

TEST_F(pair, attach_twice_eexist)
{
	ASSERT_EQ(0, rf_attach(self->fds[0]));
	EXPECT_EQ(-1, rf_attach(self->fds[0]));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(pair, attach_over_other_ulp_eexist)
{
	if (setsockopt(self->fds[0], SOL_TCP, TCP_ULP, "tls", sizeof("tls")))
		SKIP(return, "tls ULP unavailable: %s", strerror(errno));
	EXPECT_EQ(-1, rf_attach(self->fds[0]));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(pair, other_ulp_over_recframe_eexist)
{
	ASSERT_EQ(0, rf_attach(self->fds[0]));
	EXPECT_EQ(-1, setsockopt(self->fds[0], SOL_TCP, TCP_ULP, "tls",
				 sizeof("tls")));
	EXPECT_EQ(EEXIST, errno);
}

TEST_F(pair, listen_refused)
{
	ASSERT_EQ(0, rf_attach(self->fds[0]));
	EXPECT_EQ(-1, listen(self->fds[0], 1));
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(pair, disconnect_refused)
{
	struct sockaddr sa = { .sa_family = AF_UNSPEC };

	ASSERT_EQ(0, rf_attach(self->fds[0]));
	EXPECT_EQ(-1, connect(self->fds[0], &sa, sizeof(sa)));
	EXPECT_EQ(EOPNOTSUPP, errno);
}

TEST_F(pair, data_flows_both_ways)
{
	char out[1000], in[1000];

	for (size_t i = 0; i < sizeof(out); i++)
		out[i] = i * 7;
	ASSERT_EQ(0, rf_attach(self->fds[0]));
	ASSERT_EQ(0, rf_attach(self->fds[1]));
	ASSERT_EQ((ssize_t)sizeof(out), write(self->fds[0], out, sizeof(out)));
	ASSERT_EQ(sizeof(in), rf_read_full(self->fds[1], in, sizeof(in)));
	EXPECT_EQ(0, memcmp(out, in, sizeof(in)));
	ASSERT_EQ((ssize_t)sizeof(out), write(self->fds[1], out, sizeof(out)));
	ASSERT_EQ(sizeof(in), rf_read_full(self->fds[0], in, sizeof(in)));
	EXPECT_EQ(0, memcmp(out, in, sizeof(in)));
}

TEST_F(pair, close_with_data_queued)
{
	char buf[4096];

	memset(buf, 'x', sizeof(buf));
	ASSERT_EQ(0, rf_attach(self->fds[0]));
	ASSERT_EQ(0, rf_attach(self->fds[1]));
	ASSERT_EQ((ssize_t)sizeof(buf), write(self->fds[0], buf, sizeof(buf)));
	/* The teardown closes both ends with unread data in flight. */
}

/*
 * The ULP name of a socket as sock_diag reports it to CAP_NET_ADMIN (what
 * `ss -ti` prints as "tcp-ulp-NAME"), or "" if none.
 */
static int diag_ulp_name(int family, int fd, char *name, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 req;
	} rq = {
		.nlh.nlmsg_len = sizeof(rq),
		.nlh.nlmsg_type = SOCK_DIAG_BY_FAMILY,
		.nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
		.req.sdiag_family = family,
		.req.sdiag_protocol = IPPROTO_TCP,
		.req.idiag_states = ~0U,
		/* As ss -i: the ULP comes with the info extension. */
		.req.idiag_ext = 1 << (INET_DIAG_INFO - 1),
	};
	char buf[16384];
	int nl, n, port;

	name[0] = '\0';
	if (getsockname(fd, (struct sockaddr *)&ss, &sl))
		return -1;
	port = family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port :
				    ((struct sockaddr_in *)&ss)->sin_port;
	nl = socket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG);
	if (nl < 0 || send(nl, &rq, sizeof(rq), 0) < 0)
		return -1;
	while ((n = recv(nl, buf, sizeof(buf), 0)) > 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;

		for (; NLMSG_OK(h, (unsigned int)n); h = NLMSG_NEXT(h, n)) {
			struct inet_diag_msg *m = NLMSG_DATA(h);
			int alen = h->nlmsg_len - NLMSG_LENGTH(sizeof(*m));
			struct rtattr *a = (struct rtattr *)(m + 1);

			if (h->nlmsg_type == NLMSG_DONE ||
			    h->nlmsg_type == NLMSG_ERROR) {
				close(nl);
				return 0;
			}
			if (m->id.idiag_sport != port)
				continue;
			for (; RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
				struct rtattr *u = RTA_DATA(a);
				int ulen = RTA_PAYLOAD(a);

				if (a->rta_type != INET_DIAG_ULP_INFO)
					continue;
				for (; RTA_OK(u, ulen); u = RTA_NEXT(u, ulen))
					if (u->rta_type == INET_ULP_INFO_NAME)
						snprintf(name, len, "%s",
							 (char *)RTA_DATA(u));
			}
		}
	}
	close(nl);
	return 0;
}

TEST_F(pair, sock_diag_shows_ulp)
{
	char name[32];

	ASSERT_EQ(0, rf_attach(self->fds[0]));
	ASSERT_EQ(0, diag_ulp_name(variant->family, self->fds[0], name,
				   sizeof(name)));
	EXPECT_STREQ(RECFRAME_ULP_NAME, name);
}

FIXTURE(unconnected)
{
	int fd;
};

FAMILY_VARIANTS(unconnected);

FIXTURE_SETUP(unconnected)
{
	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	self->fd = socket(variant->family, SOCK_STREAM, 0);
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(unconnected)
{
	close(self->fd);
}

TEST_F(unconnected, fresh_socket_enotconn)
{
	EXPECT_EQ(-1, rf_attach(self->fd));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST_F(unconnected, listener_enotconn)
{
	struct sockaddr_storage ss;
	socklen_t len = rf_loopback(variant->family, &ss);

	ASSERT_EQ(0, bind(self->fd, (struct sockaddr *)&ss, len));
	ASSERT_EQ(0, listen(self->fd, 1));
	EXPECT_EQ(-1, rf_attach(self->fd));
	EXPECT_EQ(ENOTCONN, errno);
}

TEST(udp_socket_refused)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ASSERT_LE(0, fd);
	/* TCP_ULP is a TCP option; other protocols never reach the ULP. */
	EXPECT_EQ(-1, rf_attach(fd));
	close(fd);
}

/*
 * Each attached socket holds a reference on the module, so unloading must be
 * refused while one lives and succeed once the last one has gone. The test
 * loads the module back for the tests that follow.
 */
TEST(module_pinned_by_sockets)
{
	struct stat st;
	int fds[2];
	int i;

	if (stat("/sys/module/recframe/refcnt", &st))
		SKIP(return, "recframe is not a loaded module");
	ASSERT_EQ(0, rf_tcp_pair(AF_INET, fds));
	ASSERT_EQ(0, rf_attach(fds[0]));

	EXPECT_EQ(-1, rf_delete_module("recframe"));
	EXPECT_EQ(EWOULDBLOCK, errno);

	close(fds[0]);
	close(fds[1]);
	/* Closed sockets finish their FIN exchange asynchronously. */
	for (i = 0; i < 100; i++) {
		if (!rf_delete_module("recframe"))
			break;
		usleep(50 * 1000);
	}
	EXPECT_LT(i, 100);
	ASSERT_EQ(0, system("modprobe recframe"));
	EXPECT_TRUE(rf_available());
}

TEST(autoload_by_name)
{
	struct stat st;
	int fds[2];

	if (stat("/sys/module/recframe/refcnt", &st))
		SKIP(return, "recframe is not a loaded module");
	/* Wait for sockets of earlier tests to release the module. */
	for (int i = 0; i < 100 && rf_delete_module("recframe"); i++)
		usleep(50 * 1000);
	ASSERT_FALSE(rf_available());

	/* As root, TCP_ULP loads the module through its tcp-ulp-* alias. */
	ASSERT_EQ(0, rf_tcp_pair(AF_INET, fds));
	EXPECT_EQ(0, rf_attach(fds[0]));
	EXPECT_TRUE(rf_available());
	close(fds[0]);
	close(fds[1]);
}

TEST_HARNESS_MAIN
