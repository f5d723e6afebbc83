// SPDX-License-Identifier: GPL-2.0
/*
 * recframe's tracepoints: enabled through tracefs, each one is seen firing.
 */
#include <linux/tls.h>
#include <sys/stat.h>

#include "rf_util.h"
#include "kselftest_harness.h"

#define TRACEFS		"/sys/kernel/tracing"

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

/* The whole trace buffer, NUL terminated; the caller frees it. */
static char *read_trace(void)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	int fd = open(TRACEFS "/trace", O_RDONLY);
	ssize_t n;

	if (!buf || fd < 0) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while (len + 1 < cap && (n = read(fd, buf + len, cap - len - 1)) > 0)
		len += n;
	buf[len] = '\0';
	close(fd);
	return buf;
}

FIXTURE(trace)
{
	int fds[2];
};

FIXTURE_SETUP(trace)
{
	struct stat st;

	if (!rf_available())
		SKIP(return, "recframe ULP not registered");
	if (stat(TRACEFS "/events/recframe", &st))
		SKIP(return, "no recframe events in tracefs");
	ASSERT_EQ(0, write_file(TRACEFS "/trace", ""));
	ASSERT_EQ(0, write_file(TRACEFS "/events/recframe/enable", "1"));
	ASSERT_EQ(0, rf_tcp_pair(AF_INET, self->fds));
	ASSERT_EQ(0, rf_attach(self->fds[0]));
	ASSERT_EQ(0, rf_attach(self->fds[1]));
}

FIXTURE_TEARDOWN(trace)
{
	write_file(TRACEFS "/events/recframe/enable", "0");
	close(self->fds[0]);
	close(self->fds[1]);
}

static void expect_event(struct __test_metadata *_metadata, const char *ev)
{
	char *t = read_trace();

	ASSERT_NE(NULL, t);
	EXPECT_NE(NULL, strstr(t, ev)) TH_LOG("no %s in the trace", ev);
	free(t);
}

TEST_F(trace, framing_records_and_error)
{
	struct recframe_framing fr = { .format = RECFRAME_FORMAT_TLS };
	char buf[64] = "record";
	int fd;

	ASSERT_EQ(0, rf_set_framing(self->fds[0], &fr));
	ASSERT_EQ(0, rf_set_framing(self->fds[1], &fr));
	ASSERT_EQ(10, send(self->fds[0], buf, 10, 0));
	ASSERT_EQ(10, recv(self->fds[1], buf, sizeof(buf), 0));
	expect_event(_metadata, "recframe_tx_record:");
	expect_event(_metadata, "recframe_rx_record:");

	/* A header with a bad version byte, from a plain peer. */
	close(self->fds[0]);
	close(self->fds[1]);
	ASSERT_EQ(0, rf_tcp_pair(AF_INET, self->fds));
	ASSERT_EQ(0, rf_attach(self->fds[1]));
	ASSERT_EQ(0, rf_set_framing(self->fds[1], &fr));
	fd = self->fds[0];
	ASSERT_EQ(5, write(fd, "\x17\x02\x03\x00\x01", 5));
	EXPECT_EQ(-1, recv(self->fds[1], buf, sizeof(buf), 0));
	EXPECT_EQ(EINVAL, errno);
	expect_event(_metadata, "recframe_framing_error:");
}

TEST_F(trace, tls_rekey_and_decrypt_error)
{
	struct tls12_crypto_info_aes_gcm_128 ci;
	char buf[64] = "secret";

	rf_gcm128_keys(&ci, TLS_1_3_VERSION, 1, 0x5a, 0xa5);
	ASSERT_EQ(0, setsockopt(self->fds[0], SOL_TLS, TLS_TX, &ci, sizeof(ci)));
	ASSERT_EQ(0, setsockopt(self->fds[1], SOL_TLS, TLS_RX, &ci, sizeof(ci)));
	ASSERT_EQ(6, send(self->fds[0], buf, 6, 0));
	ASSERT_EQ(6, recv(self->fds[1], buf, sizeof(buf), 0));
	expect_event(_metadata, "recframe_rx_record:");

	/* Rekey only the sender: the receiver cannot authenticate. */
	rf_gcm128_keys(&ci, TLS_1_3_VERSION, 2, 0x5a, 0xa5);
	ASSERT_EQ(0, setsockopt(self->fds[0], SOL_TLS, TLS_TX, &ci, sizeof(ci)));
	expect_event(_metadata, "recframe_rekey:");
	ASSERT_EQ(6, send(self->fds[0], buf, 6, 0));
	EXPECT_EQ(-1, recv(self->fds[1], buf, sizeof(buf), 0));
	EXPECT_EQ(EBADMSG, errno);
	expect_event(_metadata, "recframe_decrypt_error:");
}

TEST_HARNESS_MAIN
