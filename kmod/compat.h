/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels recframe builds for, found by probing
 * their headers (see kmod/Kbuild), never by comparing version numbers.
 */
#ifndef _RECFRAME_COMPAT_H
#define _RECFRAME_COMPAT_H

#ifndef RF_HAVE_TCP_READ_DONE
#error "recframe needs tcp_read_done() (Linux 6.0 or a kernel with its backport)"
#endif

/*
 * sendfile() and splice() reach the transmit path through proto->sendpage
 * until Linux 6.5, which replaced it with MSG_SPLICE_PAGES. Debian's 6.1
 * defines that flag for backported users but keeps ->sendpage, so the
 * probe looks at the hook itself, not at the flag.
 */
#ifndef RF_HAVE_PROTO_SENDPAGE
#error "recframe needs proto->sendpage; MSG_SPLICE_PAGES kernels are not supported yet"
#endif

#endif /* _RECFRAME_COMPAT_H */
