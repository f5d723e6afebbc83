/* SPDX-License-Identifier: GPL-2.0 */
/*
 * recframe internals shared by the files of the module. The user-visible
 * contract is include/uapi/linux/recframe.h.
 */
#ifndef _RECFRAME_H
#define _RECFRAME_H

#include <linux/types.h>
#include <net/sock.h>
#include <net/inet_connection_sock.h>

#include "frame.h"

/*
 * Per-socket context, hung off icsk_ulp_data. Everything the data path
 * touches per record lives here and is reused, so that steady state needs
 * no allocation.
 */
struct rf_sock {
	struct sock		*sk;
	/* The protocol recframe replaced; every call it does not handle goes there. */
	struct proto		*sk_proto;

	struct rf_format	fmt;
};

static inline struct rf_sock *rf_sk(const struct sock *sk)
{
	/*
	 * Only called from the socket's own proto callbacks, which run while
	 * the context exists; no RCU reader needed.
	 */
	return (__force struct rf_sock *)inet_csk(sk)->icsk_ulp_data;
}

#endif /* _RECFRAME_H */
