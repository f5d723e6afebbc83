/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * recframe: a record layer for TCP sockets, run by the kernel.
 *
 * A program attaches recframe to an ESTABLISHED TCP socket:
 *
 *	setsockopt(fd, SOL_TCP, TCP_ULP, "recframe", sizeof("recframe"));
 *
 * From then on the byte stream is a sequence of records. Each record is a
 * header of fixed size followed by a payload whose length the header
 * carries. The kernel parses headers straight off the TCP receive queue and
 * hands out one record at a time; on transmit it cuts sends into records.
 *
 * Record format
 * -------------
 * The format is chosen with RECFRAME_FRAMING before the first byte is sent
 * or received. Two layouts exist:
 *
 * RECFRAME_FORMAT_TLS: the TLS record header in plaintext, 5 bytes:
 *	type (1), version (2, 0x03 0x03 on transmit), length (2, big endian).
 *	The length counts the payload only. A received header whose first
 *	version byte is not 0x03 is malformed (EINVAL, as kTLS reports it).
 *
 * RECFRAME_FORMAT_LENGTH: a generic length prefix. The header is hdr_len
 *	bytes. It holds a length field of len_size bytes (1, 2, 3, 4 or 8) at
 *	byte offset len_off, big endian unless RECFRAME_F_LITTLE_ENDIAN, and
 *	optionally a record type byte at type_off (RECFRAME_F_TYPE). The
 *	payload length is the field's value plus len_adjust; a negative
 *	result is a malformed header (EBADMSG). Header bytes that are neither
 *	length nor type are written as zero and ignored on receive.
 *
 *	  4-byte big-endian length counting itself (libvirt RPC):
 *		hdr_len 4, len_off 0, len_size 4, len_adjust -4
 *	  4-byte big-endian length not counting itself (Kafka):
 *		hdr_len 4, len_off 0, len_size 4, len_adjust 0
 *	  2-byte length (DNS over TCP):
 *		hdr_len 2, len_off 0, len_size 2, len_adjust 0
 *
 * In both formats max_record bounds the payload of one record, in both
 * directions: a received header announcing more is a fatal EMSGSIZE, a send
 * that would need a larger record fails with EMSGSIZE.
 *
 * Receive semantics
 * -----------------
 * The framer starts at the first unread byte when recframe is attached:
 * bytes already queued then are parsed as records too.
 *
 * recv()/read() never returns part of a record before the whole record has
 * arrived, and poll() reports EPOLLIN only for a complete record (or for
 * end of stream, or an error to report). One recvmsg() returns data of one
 * record; MSG_EOR in msg_flags says the last byte of that record was
 * returned. A buffer shorter than the record gets its first bytes, and the
 * next call continues where this one stopped. With RECFRAME_F_TYPE or the
 * TLS format the record type comes as a RECFRAME_RECORD_TYPE cmsg (one
 * byte) at level SOL_RECFRAME; without cmsg room it is simply not passed.
 *
 * Flags, as a TCP user expects them:
 *	MSG_PEEK	returns bytes of the current record without consuming
 *			them; repeated peeks return the same bytes.
 *	MSG_WAITALL	keeps reading whole records, of the same type only,
 *			until the buffer is full; SO_RCVLOWAT likewise waits
 *			until that many bytes were returned. Both stop early
 *			at a type change, end of stream or an error.
 *	MSG_TRUNC	discards the bytes instead of copying them.
 *	MSG_DONTWAIT	EAGAIN while no complete record is there.
 * SO_RCVTIMEO bounds the wait as for TCP. A record with an empty payload is
 * consumed without being returned, since a read of 0 bytes means end of
 * stream; with RECFRAME_RX_HEADER its header is returned like any other.
 * splice() from the socket moves the current record's bytes (payload only,
 * unless RECFRAME_RX_HEADER) into the pipe without copying them, at most
 * one record per call.
 *
 * Errors on receive are sticky: once the framer has seen a bad header it
 * stops parsing, complete records queued before it are still delivered,
 * and then every read reports the error, and poll() EPOLLIN | EPOLLERR:
 *	EMSGSIZE	payload length above max_record.
 *	EBADMSG		malformed generic header (negative payload length).
 *	EINVAL		TLS format header with a bad version byte.
 *	EPROTO		the peer closed the stream (FIN) in the middle of a
 *			record; a clean FIN between records reads as EOF (0).
 * TCP's own errors (ECONNRESET...) are reported as TCP reports them.
 *
 * Transmit semantics
 * ------------------
 * Every send() without MSG_MORE ends a record: a message is a record.
 * MSG_MORE keeps the record open for the next send; shutdown(SHUT_WR) and
 * close() flush an open record. A send that would make the record larger
 * than max_record fails with EMSGSIZE and sends nothing. The record type
 * of a send is given with a RECFRAME_RECORD_TYPE cmsg (default:
 * RECFRAME_TYPE_DEFAULT; EINVAL when the format has no type byte); a send
 * of another type than the open record closes the open record first.
 * sendfile() and splice() into the socket reference the file's pages: the
 * data is not copied, records are cut at max_record and the last one is
 * closed when the call ends (unless SPLICE_F_MORE).
 * Blocking, SO_SNDTIMEO, SO_SNDBUF, EPIPE and SIGPIPE (MSG_NOSIGNAL) work
 * as for TCP; a non-blocking send either takes the whole message or fails
 * with EAGAIN.
 *
 * Socket options at level SOL_RECFRAME
 * -------------------------------------
 * RECFRAME_FRAMING may be changed until the first record was sent or a
 * byte was returned to the user; after that it is EINVAL. Setting it
 * re-parses what is already queued with the new format.
 * RECFRAME_RX_HEADER takes an int, 0 or 1 (EINVAL for anything else).
 * RECFRAME_INFO is read only (setsockopt: ENOPROTOOPT, as for unknown
 * options). A getsockopt optlen too short for the option is EINVAL.
 */
#ifndef _UAPI_LINUX_RECFRAME_H
#define _UAPI_LINUX_RECFRAME_H

#include <linux/types.h>

/* Not allocated upstream; chosen far away from the kernel's SOL_* range. */
#define SOL_RECFRAME		0x5246

#define RECFRAME_ULP_NAME	"recframe"

enum {
	/* struct recframe_framing; set before data flows, get any time. */
	RECFRAME_FRAMING	= 1,
	/* int 0/1: recv returns the header bytes before each payload. */
	RECFRAME_RX_HEADER	= 2,
	/* struct recframe_info, read only. */
	RECFRAME_INFO		= 3,
};

/* cmsg type at SOL_RECFRAME: the record type, one byte. */
#define RECFRAME_RECORD_TYPE	1

/* Type of records sent without a type cmsg (TLS application_data). */
#define RECFRAME_TYPE_DEFAULT	23

enum recframe_format {
	RECFRAME_FORMAT_TLS	= 1,
	RECFRAME_FORMAT_LENGTH	= 2,
};

#define RECFRAME_F_LITTLE_ENDIAN	0x01
#define RECFRAME_F_TYPE			0x02
#define RECFRAME_F_ALL			(RECFRAME_F_LITTLE_ENDIAN | \
					 RECFRAME_F_TYPE)

#define RECFRAME_HDR_MAX		16
/* Largest max_record accepted, in payload bytes. */
#define RECFRAME_RECORD_LIMIT		(1U << 20)

/*
 * For RECFRAME_FORMAT_TLS every field but format and max_record must be
 * zero (the kernel fills them in). max_record 0 picks the default, 16384.
 * Invalid combinations are rejected with EINVAL: hdr_len 0 or above
 * RECFRAME_HDR_MAX, a length or type field outside the header, the two
 * overlapping, len_size not in {1, 2, 3, 4, 8}, unknown flags, non-zero
 * reserved bytes, max_record 0 or above RECFRAME_RECORD_LIMIT, or a
 * max_record the length field cannot express.
 */
struct recframe_framing {
	__u8	format;		/* enum recframe_format */
	__u8	hdr_len;
	__u8	len_off;
	__u8	len_size;
	__u8	type_off;
	__u8	flags;		/* RECFRAME_F_* */
	__u16	reserved;
	__s32	len_adjust;
	__u32	max_record;
};

/*
 * Per-socket state and counters. Later kernels of recframe may append
 * fields; a shorter optlen returns a prefix, the returned optlen says how
 * much was written.
 */
struct recframe_info {
	__u32	state;		/* RECFRAME_STATE_* */
	__s32	rx_error;	/* sticky receive error, negative errno or 0 */
	__u64	rx_records;
	__u64	rx_bytes;	/* payload bytes handed to the user */
	__u64	tx_records;
	__u64	tx_bytes;	/* payload bytes queued to TCP */
	__u64	rx_copy_fallback; /* records copied out of the TCP queue */
	__u64	tx_alloc;	/* page allocations on the transmit path */
	__u64	rx_queued;	/* bytes of complete records waiting */
	__u64	rx_empty;	/* empty records consumed silently */
	__u64	err_msgsize;	/* EMSGSIZE: record above max_record */
	__u64	err_badmsg;	/* EBADMSG: malformed header */
	__u64	err_badversion;	/* EINVAL: TLS header with a bad version */
	__u64	err_truncated;	/* EPROTO: FIN inside a record */
};

#define RECFRAME_STATE_RX_READY		0x01	/* a complete record waits */
#define RECFRAME_STATE_RX_ERROR		0x02	/* the parser stopped */
#define RECFRAME_STATE_TX_OPEN		0x04	/* a MSG_MORE record is open */

#endif /* _UAPI_LINUX_RECFRAME_H */
