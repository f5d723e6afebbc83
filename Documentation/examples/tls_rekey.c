// SPDX-License-Identifier: GPL-2.0
/*
 * tls_rekey: recframe's TLS mode on both ends of a loopback TCP connection,
 * with kTLS's socket options. The client sends a data record, a TLS 1.3
 * KeyUpdate handshake record and, after switching to its next key, another
 * data record. The server shows what a reader sees: EIO for a control
 * record read without room for its type, the record type in a control
 * message, EKEYEXPIRED after the KeyUpdate until it installs the next key.
 *
 * The keys are fixed bytes, as if a handshake had produced them. A real
 * program gets them from its TLS library after the handshake.
 *
 * Build: cc -Wall -o tls_rekey tls_rekey.c
 * Run:   modprobe recframe; ./tls_rekey
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/tls.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif

#define TYPE_HANDSHAKE	22
#define TYPE_DATA	23

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* Install one direction's key; @gen picks the "handshake's" key. */
static void set_key(int fd, int dir, unsigned char gen)
{
	struct tls12_crypto_info_aes_gcm_128 ci;

	memset(&ci, 0, sizeof(ci));
	ci.info.version = TLS_1_3_VERSION;
	ci.info.cipher_type = TLS_CIPHER_AES_GCM_128;
	memset(ci.key, 0x40 + gen, sizeof(ci.key));
	memset(ci.salt, 0x20 + gen, sizeof(ci.salt));
	memset(ci.iv, 0x10 + gen, sizeof(ci.iv));
	/* rec_seq stays 0: each new key starts at sequence number 0. */
	if (setsockopt(fd, SOL_TLS, dir, &ci, sizeof(ci)))
		die(dir == TLS_TX ? "setsockopt(TLS_TX)" : "setsockopt(TLS_RX)");
}

/* Send one record of the given type (kTLS's TLS_SET_RECORD_TYPE cmsg). */
static void send_record(int fd, unsigned char type, const void *buf,
			size_t len)
{
	char cbuf[CMSG_SPACE(sizeof(type))] = { 0 };
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

	cmsg->cmsg_level = SOL_TLS;
	cmsg->cmsg_type = TLS_SET_RECORD_TYPE;
	cmsg->cmsg_len = CMSG_LEN(sizeof(type));
	*CMSG_DATA(cmsg) = type;
	if (sendmsg(fd, &msg, 0) != (ssize_t)len)
		die("sendmsg");
}

/* Receive one record with its type (TLS_GET_RECORD_TYPE). */
static ssize_t recv_record(int fd, unsigned char *type, char *buf,
			   size_t size)
{
	char cbuf[CMSG_SPACE(sizeof(*type))];
	struct iovec iov = { .iov_base = buf, .iov_len = size };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = cbuf, .msg_controllen = sizeof(cbuf),
	};
	struct cmsghdr *cmsg;
	ssize_t n;

	n = recvmsg(fd, &msg, 0);
	cmsg = CMSG_FIRSTHDR(&msg);
	*type = 0;
	if (n >= 0 && cmsg && cmsg->cmsg_level == SOL_TLS &&
	    cmsg->cmsg_type == TLS_GET_RECORD_TYPE)
		*type = *CMSG_DATA(cmsg);
	return n;
}

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
	/* KeyUpdate: msg_type 24, length 1, update_not_requested. */
	static const unsigned char key_update[] = { 24, 0, 0, 1, 0 };
	unsigned char type;
	char buf[256];
	int cli, srv;
	ssize_t n;

	tcp_pair(&cli, &srv);
	/* The handshake would run here, in plain TCP, after or before this. */
	if (setsockopt(cli, SOL_TCP, TCP_ULP, "recframe", sizeof("recframe")) ||
	    setsockopt(srv, SOL_TCP, TCP_ULP, "recframe", sizeof("recframe")))
		die("setsockopt(TCP_ULP)");
	set_key(cli, TLS_TX, 0);
	set_key(srv, TLS_RX, 0);

	/* Client: data, KeyUpdate with the old key, next key, data. */
	if (send(cli, "hello", 5, 0) != 5)
		die("send");
	send_record(cli, TYPE_HANDSHAKE, key_update, sizeof(key_update));
	set_key(cli, TLS_TX, 1);
	if (send(cli, "after the key update", 20, 0) != 20)
		die("send");

	n = recv_record(srv, &type, buf, sizeof(buf));
	printf("server: type %u, %zd bytes: %.*s\n", type, n, (int)n, buf);

	/* A control record needs room for its type, as with kTLS. */
	n = recv(srv, buf, sizeof(buf), 0);
	printf("server: recv() without control room: %s\n",
	       n < 0 ? strerror(errno) : "data");
	n = recv_record(srv, &type, buf, sizeof(buf));
	printf("server: type %u, %zd bytes, handshake message %u\n", type, n,
	       (unsigned char)buf[0]);

	/* After a KeyUpdate, data waits for the next key. */
	n = recv(srv, buf, sizeof(buf), MSG_DONTWAIT);
	printf("server: recv() before the next key: %s\n",
	       n < 0 ? strerror(errno) : "data");
	set_key(srv, TLS_RX, 1);
	n = recv_record(srv, &type, buf, sizeof(buf));
	printf("server: type %u, %zd bytes: %.*s\n", type, n, (int)n, buf);

	close(cli);
	close(srv);
	return 0;
}
