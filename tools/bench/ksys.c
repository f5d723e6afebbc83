// SPDX-License-Identifier: GPL-2.0
/*
 * recframe-bench: what the kernel tells about itself. Memory from
 * /proc/meminfo and /proc/slabinfo, allocation counts from tracefs kmem
 * events (hist triggers: counted in the kernel, nothing goes through the
 * ring buffer), and the AEAD speed limit from the tcrypt module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define TRACEFS	"/sys/kernel/tracing"

static char *read_file(const char *path, size_t *len);

void out(const char *fmt, ...)
{
	va_list ap;

	fputs(OUT_PREFIX, stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void note(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---------------------------------------------------------------- memory */

int meminfo_read(struct meminfo *m)
{
	char line[256];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	memset(m, 0, sizeof(*m));
	while (fgets(line, sizeof(line), f)) {
		long long v;
		char key[64];

		if (sscanf(line, "%63[^:]: %lld", key, &v) != 2)
			continue;
		if (!strcmp(key, "MemFree"))
			m->memfree_kb = v;
		else if (!strcmp(key, "Slab"))
			m->slab_kb = v;
		else if (!strcmp(key, "SUnreclaim"))
			m->sunreclaim_kb = v;
		else if (!strcmp(key, "Percpu"))
			m->percpu_kb = v;
	}
	fclose(f);
	return 0;
}

/* Memory each cache holds: slabs times pages per slab. */
int slab_snap(struct slabsnap *s)
{
	char line[512];
	unsigned int cap = 0;
	FILE *f = fopen("/proc/slabinfo", "r");

	s->n = 0;
	s->c = NULL;
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[40];
		long long active, num, objsize, perslab, pages, aslabs, nslabs;

		if (sscanf(line, "%39s %lld %lld %lld %lld %lld : tunables %*d %*d %*d : slabdata %lld %lld",
			   name, &active, &num, &objsize, &perslab, &pages,
			   &aslabs, &nslabs) != 8)
			continue;
		if (s->n == cap) {
			void *p;

			cap = cap ? cap * 2 : 256;
			p = realloc(s->c, cap * sizeof(*s->c));
			if (!p)
				break;
			s->c = p;
		}
		snprintf(s->c[s->n].name, sizeof(s->c[s->n].name), "%s", name);
		s->c[s->n].bytes = nslabs * pages * 4096;
		s->n++;
	}
	fclose(f);
	return 0;
}

void slab_diff_print(const char *impl, const struct slabsnap *a,
		     const struct slabsnap *b, long n)
{
	unsigned int i, j;

	for (i = 0; i < b->n; i++) {
		long long before = 0, d;

		for (j = 0; j < a->n; j++)
			if (!strcmp(a->c[j].name, b->c[i].name)) {
				before = a->c[j].bytes;
				break;
			}
		d = b->c[i].bytes - before;
		/* Caches that moved by at least 32 bytes per socket. */
		if (d / n >= 32 || d / n <= -32)
			out("memslab,%s,%s,%lld", impl, b->c[i].name, d / n);
	}
}

void slab_free(struct slabsnap *s)
{
	free(s->c);
	s->c = NULL;
	s->n = 0;
}

/* ---------------------------------------------------------- TCP counters */

/*
 * /proc/net/netstat and /proc/net/snmp: pairs of lines, names then values,
 * per protocol ("TcpExt:", "Tcp:"). Kept as "Proto.Name" = value.
 */
int netstat_snap(struct netstat *ns)
{
	static const char *const files[] = { "/proc/net/netstat",
					     "/proc/net/snmp" };
	unsigned int i;

	ns->n = 0;
	for (i = 0; i < 2; i++) {
		char *buf = read_file(files[i], NULL), *line, *save = NULL;
		char *names = NULL;

		if (!buf)
			continue;
		for (line = strtok_r(buf, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save)) {
			char *a, *b, *sa = NULL, *sb = NULL, *colon;
			size_t plen;

			if (!names) {
				names = line;
				continue;
			}
			colon = strchr(names, ':');
			plen = colon ? (size_t)(colon - names) : 0;
			if (!colon || strncmp(names, line, plen + 1)) {
				names = line;
				continue;
			}
			a = strtok_r(colon + 1, " ", &sa);
			b = strtok_r(line + plen + 1, " ", &sb);
			while (a && b && ns->n < NETSTAT_MAX) {
				snprintf(ns->name[ns->n], sizeof(ns->name[0]),
					 "%.*s.%s", (int)plen, names, a);
				ns->val[ns->n++] = atoll(b);
				a = strtok_r(NULL, " ", &sa);
				b = strtok_r(NULL, " ", &sb);
			}
			names = NULL;
		}
		free(buf);
	}
	return 0;
}

/* The counters that moved, as "name=delta;..." into @buf. */
void netstat_diff(const struct netstat *a, const struct netstat *b,
		  char *buf, size_t len)
{
	static const char *const skip[] = {
		"Tcp.InSegs", "Tcp.OutSegs", "Ip.", "Udp", "Icmp", "IpExt.",
		"Tcp.ActiveOpens", "Tcp.PassiveOpens", "Tcp.CurrEstab",
		"TcpExt.TCPOrigDataSent", "TcpExt.TCPHPHits",
		"TcpExt.TCPPureAcks", "TcpExt.TCPHPAcks", "Tcp.EstabResets",
		"TcpExt.TW", "TcpExt.TCPTimeouts" /* printed anyway below */,
	};
	size_t used = 0;
	unsigned int i, j, k;

	buf[0] = 0;
	for (i = 0; i < b->n && i < a->n; i++) {
		long long d = b->val[i] - a->val[i];
		int skipped = 0;

		if (!d || strcmp(a->name[i], b->name[i]))
			continue;
		for (k = 0; k < sizeof(skip) / sizeof(skip[0]); k++)
			if (!strncmp(b->name[i], skip[k], strlen(skip[k])))
				skipped = 1;
		if (skipped && strcmp(b->name[i], "TcpExt.TCPTimeouts"))
			continue;
		j = snprintf(buf + used, len - used, "%s%s=%lld",
			     used ? ";" : "", b->name[i], d);
		if (j >= len - used)
			break;
		used += j;
	}
}

/* ----------------------------------------------------- allocation counts */

static const char *const alloc_candidates[] = {
	"kmalloc", "kmalloc_node", "kmem_cache_alloc", "kmem_cache_alloc_node",
	"mm_page_alloc",
};

static struct {
	unsigned int	nr;
	const char	*event[ALLOC_EVENTS_MAX];
	char		trigger[ALLOC_EVENTS_MAX][160];
} alloc_ev;

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_APPEND);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static char *read_file(const char *path, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *buf = malloc(cap + 1);
	int fd = open(path, O_RDONLY);

	if (fd < 0 || !buf) {
		if (fd >= 0)
			close(fd);
		free(buf);
		return NULL;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *p = realloc(buf, cap * 2 + 1);

			if (!p)
				break;
			buf = p;
			cap *= 2;
		}
		r = read(fd, buf + n, cap - n);
		if (r <= 0)
			break;
		n += r;
	}
	close(fd);
	buf[n] = 0;
	if (len)
		*len = n;
	return buf;
}

/*
 * Which kmem events this kernel has, and a hist trigger for each that the
 * kernel accepts: keyed by the allocating stack where it can (the key is
 * "stacktrace" in 6.1, "common_stacktrace" later), else by call site or
 * page order.
 */
int alloc_probe(void)
{
	static const char *const keys[] = {
		"hist:keys=stacktrace:vals=hitcount:sort=hitcount.descending:size=4096",
		"hist:keys=common_stacktrace:vals=hitcount:sort=hitcount.descending:size=4096",
		"hist:keys=call_site.sym:vals=hitcount:sort=hitcount.descending:size=2048",
		"hist:keys=order:vals=hitcount:size=64",
	};
	unsigned int i, k;
	char path[256];

	alloc_ev.nr = 0;
	for (i = 0; i < sizeof(alloc_candidates) / sizeof(alloc_candidates[0]); i++) {
		const char *ev = alloc_candidates[i];
		int page = !strcmp(ev, "mm_page_alloc");

		snprintf(path, sizeof(path), TRACEFS "/events/kmem/%s/trigger",
			 ev);
		if (access(path, W_OK))
			continue;
		for (k = 0; k < 4; k++) {
			char rm[170];

			if (k == (page ? 2u : 3u))
				continue;
			if (write_str(path, keys[k]))
				continue;
			snprintf(rm, sizeof(rm), "!%s", keys[k]);
			write_str(path, rm);
			alloc_ev.event[alloc_ev.nr] = ev;
			snprintf(alloc_ev.trigger[alloc_ev.nr],
				 sizeof(alloc_ev.trigger[0]), "%s", keys[k]);
			alloc_ev.nr++;
			break;
		}
	}
	for (i = 0; i < alloc_ev.nr; i++)
		out("meta,alloc_event,%s:%s", alloc_ev.event[i],
		    alloc_ev.trigger[i] + 10);
	return alloc_ev.nr;
}

int alloc_start(void)
{
	unsigned int i;
	char path[256];

	for (i = 0; i < alloc_ev.nr; i++) {
		snprintf(path, sizeof(path), TRACEFS "/events/kmem/%s/trigger",
			 alloc_ev.event[i]);
		if (write_str(path, alloc_ev.trigger[i]))
			return -1;
	}
	return 0;
}

static int name_in(const char *fn, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strncmp(fn, list[i], strlen(list[i])))
			return 1;
	return 0;
}

/* The allocators themselves and the tracing hooks: not "who allocated". */
static int frame_internal(const char *fn)
{
	static const char *const skip[] = {
		"kmalloc", "__kmalloc", "kmem_cache_alloc", "__kmem_cache_alloc",
		"kmalloc_trace", "kmalloc_node_trace", "kmalloc_reserve",
		"kmalloc_large", "kvmalloc", "__kvmalloc", "kzalloc", "kvzalloc",
		"__alloc_skb", "alloc_skb", "__alloc_pages", "alloc_pages",
		"__folio_alloc", "folio_alloc", "new_slab", "allocate_slab",
		"___slab_alloc", "__slab_alloc", "slab_alloc", "alloc_slab_page",
		"__get_free_pages", "get_free_pages",
		"event_", "trace_", "__trace", "__traceiter", "hist_",
		"stack_trace", "perf_trace", "tracing_", "rb_",
	};

	return name_in(fn, skip, sizeof(skip) / sizeof(skip[0]));
}

/*
 * Classify one hist entry (text from "{" to "hitcount:"): who asked for
 * the memory. "tracing": the triggers' own maps (installing a trigger
 * allocates, and an earlier trigger counts it); "frag": the socket's page
 * frag refilled, i.e. pages for payload, as plain TCP needs them too;
 * "layer": the first caller past the allocator is in recframe or kTLS;
 * "other": TCP, the skb heads of TCP's own segments, timers...
 */
enum alloc_cat { CAT_OTHER, CAT_LAYER, CAT_FRAG, CAT_TRACING };
static const char *const cat_name[] = { "other", "layer", "frag",
					"tracing" };

static enum alloc_cat classify(const char *start, const char *end,
			       char *name, size_t size)
{
	static const char *const tracing[] = {
		"tracing_map", "create_hist_data", "event_hist_trigger_parse",
		"trigger_process_regex", "event_trigger_write",
		"hist_trigger_elt_data", "event_trigger_parse",
	};
	static const char *const frag[] = {
		"skb_page_frag_refill", "sk_page_frag_refill",
		"page_frag_alloc", "__page_frag_cache_refill",
	};
	enum alloc_cat cat = CAT_OTHER;
	const char *p = start;
	int decided = 0, kept = 0;
	size_t used = 0;

	name[0] = 0;
	if (!memmem(start, end - start, "stacktrace:", 11)) {
		/* call_site.sym or order keys: no stack to judge by. */
		const char *q = memchr(start, ']', end - start);
		size_t n = 0;

		if (!strncmp(start, "{ order:", 8)) {
			snprintf(name, size, "order-%lld", atoll(start + 8));
			return CAT_OTHER;
		}
		if (q)
			for (q++; *q == ' '; q++)
				;
		while (q && q + n < end && q[n] != ' ' && q[n] != '}' &&
		       n + 1 < size)
			n++;
		snprintf(name, size, "%.*s", (int)n, q ? q : "?");
		return memmem(start, end - start, "tracing_map", 11) ||
		       memmem(start, end - start, "hist_trigger", 12) ?
		       CAT_TRACING : CAT_OTHER;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		const char *l = p, *e = nl ? nl : end;
		char fn[80];
		size_t n;
		int mod;

		p = nl ? nl + 1 : end;
		while (l < e && (*l == ' ' || *l == '\t'))
			l++;
		for (n = 0; l + n < e && l[n] != '+' && l[n] != ' ' &&
		     n + 1 < sizeof(fn); n++)
			fn[n] = l[n];
		fn[n] = 0;
		if (!n || fn[0] == '{' || fn[0] == '}' ||
		    strstr(fn, "stacktrace"))
			continue;
		if (name_in(fn, tracing, sizeof(tracing) / sizeof(tracing[0])))
			return CAT_TRACING;
		if (!decided && name_in(fn, frag, sizeof(frag) / sizeof(frag[0]))) {
			cat = CAT_FRAG;
			decided = 1;
			continue;
		}
		if (frame_internal(fn))
			continue;
		mod = memmem(l, e - l, "[recframe]", 10) ||
		      memmem(l, e - l, "[tls]", 5);
		if (!decided) {
			cat = mod ? CAT_LAYER : CAT_OTHER;
			decided = 1;
		}
		if (kept < 4) {
			int w = snprintf(name + used, size - used, "%s%s",
					 kept ? "<" : "", fn);

			if (w > 0 && (size_t)w < size - used)
				used += w;
			kept++;
		}
	}
	if (!name[0])
		snprintf(name, size, "?");
	return cat;
}

int alloc_stop(struct alloc_count *ac, const char *tag, long long site_min)
{
	unsigned int i;
	char path[256], rm[170];

	memset(ac, 0, sizeof(*ac));
	for (i = 0; i < alloc_ev.nr; i++) {
		const char *ev = alloc_ev.event[i];
		long long by[4] = { 0 }, hits = -1, dropped = 0;
		char *buf, *p, *t;

		snprintf(path, sizeof(path), TRACEFS "/events/kmem/%s/hist", ev);
		buf = read_file(path, NULL);
		if (buf) {
			t = strstr(buf, "Hits:");
			if (t)
				hits = atoll(t + 5);
			t = strstr(buf, "Dropped:");
			if (t)
				dropped = atoll(t + 8);
			for (p = buf; (p = strchr(p, '{')); ) {
				char *h = strstr(p, "hitcount:");
				char name[200];
				enum alloc_cat cat;
				long long n;

				if (!h)
					break;
				n = atoll(h + 9);
				cat = classify(p, h, name, sizeof(name));
				by[cat] += n;
				if (cat != CAT_TRACING && site_min > 0 &&
				    n >= site_min)
					out("allocsite,%s,%s,%lld,%s,%s", tag, ev,
					    n, cat_name[cat], name);
				p = h;
			}
			free(buf);
		}
		snprintf(path, sizeof(path), TRACEFS "/events/kmem/%s/trigger",
			 ev);
		snprintf(rm, sizeof(rm), "!%s", alloc_ev.trigger[i]);
		write_str(path, rm);
		ac->event[ac->nr] = ev;
		/* Entries dropped for a full map stay in "other". */
		ac->hits[ac->nr] = hits;
		ac->layer[ac->nr] = by[CAT_LAYER];
		ac->frag[ac->nr] = by[CAT_FRAG];
		ac->tracing[ac->nr] = by[CAT_TRACING];
		ac->dropped[ac->nr] = dropped;
		ac->nr++;
	}
	return 0;
}

/* ---------------------------------------------------------------- profile */

static int tr_write(const char *file, const char *val)
{
	char path[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), TRACEFS "/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0)
		return -1;
	n = write(fd, val, strlen(val));
	close(fd);
	return n == (ssize_t)strlen(val) ? 0 : -1;
}

static void prof_off(void)
{
	tr_write("tracing_on", "0");
	tr_write("current_tracer", "nop");
	tr_write("set_ftrace_filter", "");
	tr_write("set_graph_function", "");
	tr_write("buffer_size_kb", "1408");
}

/*
 * perf is not in the VM; ftrace's function_graph tracer is. It times the
 * calls made under @funcs down to @depth levels (those of the functions
 * in the list below), as wall time minus the time spent asleep
 * (options/sleep-time off), so the sum per function says where a send or
 * receive call spends its CPU.
 */
int prof_start(const char *funcs, int depth)
{
	static const char *const traced[] = {
		":mod:recframe", ":mod:tls", "tcp_*", "__tcp_*", "crypto_aead_*",
		"skb_copy_*", "__skb_datagram_iter", "simple_copy_to_iter",
		"skb_page_frag_refill", "sk_page_frag_refill",
		"alloc_skb_with_frags", "__alloc_skb", "get_user_pages_fast",
		"lock_sock_nested", "release_sock", "__release_sock",
		"do_tcp_sendpages", "sk_msg_*", "sk_wait_data",
		"sk_stream_wait_memory", "consume_skb", "kfree_skb_reason",
		"skb_to_sgvec*", "iov_iter_get_pages2", "gcmaes_*",
		"aesni_gcm_*", "kmalloc_trace", "__kmalloc", "kfree",
	};
	char d[16], *got;
	unsigned int i;

	tr_write("tracing_on", "0");
	tr_write("current_tracer", "nop");
	/*
	 * An unknown function leaves the filter empty, and function_graph
	 * would then time every function in the kernel: check it took.
	 */
	if (tr_write("set_graph_function", funcs))
		return -1;
	got = read_file(TRACEFS "/set_graph_function", NULL);
	if (!got || !strstr(got, funcs)) {
		free(got);
		tr_write("set_graph_function", "");
		return -1;
	}
	free(got);
	/*
	 * Patch only the functions worth timing: turning the graph tracer on
	 * for all of the kernel's functions takes long enough under TCG
	 * (text_poke IPIs to the other vCPU) to trip the soft-lockup
	 * watchdog. Time not spent in these shows in the entry point's total.
	 */
	tr_write("set_ftrace_filter", "");
	for (i = 0; i < sizeof(traced) / sizeof(traced[0]); i++) {
		int fd = open(TRACEFS "/set_ftrace_filter", O_WRONLY | O_APPEND);

		if (fd < 0)
			break;
		if (write(fd, traced[i], strlen(traced[i])) < 0)
			(void)0;	/* a pattern this kernel lacks */
		close(fd);
	}
	snprintf(d, sizeof(d), "%d", depth);
	tr_write("max_graph_depth", d);
	tr_write("buffer_size_kb", "8192");
	tr_write("current_tracer", "function_graph");
	tr_write("options/sleep-time", "0");
	tr_write("options/funcgraph-tail", "1");
	tr_write("options/funcgraph-irqs", "0");
	tr_write("trace", "");
	tr_write("tracing_on", "1");
	return 0;
}

struct prof_ent {
	char		fn[64];
	int		depth;
	long long	calls;
	double		us;
};

/*
 * Leaf calls read " 1)   2.345 us    |      foo();", the end of a call
 * with children " 1) + 12.3 us    |    }" followed by the function's name
 * in a comment (funcgraph-tail). Indentation gives the depth.
 */
void prof_stop(const char *tag)
{
	static struct prof_ent ent[256];
	unsigned int n = 0, i;
	char *buf, *line, *save = NULL;

	size_t len = 0;
	double t = now_s();

	tr_write("tracing_on", "0");
	buf = read_file(TRACEFS "/trace", &len);
	prof_off();
	note("profile %s: %zu bytes of trace read in %.1f s", tag, len,
	     now_s() - t);
	if (!buf)
		return;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		char *bar = strchr(line, '|'), *p, *u, *c, fn[64];
		int depth = 0;
		size_t k;
		double us;

		if (line[0] == '#' || !bar)
			continue;
		u = strstr(line, " us");
		if (!u || u > bar)
			continue;	/* an opening brace: no time yet */
		for (p = u; p > line && (p[-1] == '.' ||
					 (p[-1] >= '0' && p[-1] <= '9')); p--)
			;
		us = atof(p);
		for (p = bar + 1; *p == ' '; p++)
			depth++;
		if (*p == '}') {
			c = strstr(p, "/* ");
			if (!c)
				continue;
			c += 3;
		} else {
			c = p;
		}
		/* "foo();", "} /" "* foo *" "/", "foo [module]();" */
		k = strcspn(c, " *();");
		if (!k || k >= sizeof(fn))
			continue;
		memcpy(fn, c, k);
		fn[k] = 0;
		/* The graph indents two spaces per level, after one. */
		depth = (depth - 1) / 2;
		for (i = 0; i < n; i++)
			if (ent[i].depth == depth && !strcmp(ent[i].fn, fn))
				break;
		if (i == n) {
			if (n == sizeof(ent) / sizeof(ent[0]))
				continue;
			snprintf(ent[n].fn, sizeof(ent[n].fn), "%s", fn);
			ent[n].depth = depth;
			ent[n].calls = 0;
			ent[n].us = 0;
			n++;
		}
		ent[i].calls++;
		ent[i].us += us;
	}
	free(buf);
	for (i = 0; i < n; i++)
		if (ent[i].calls)
			out("prof,%s,%d,%s,%lld,%.1f", tag, ent[i].depth,
			    ent[i].fn, ent[i].calls, ent[i].us);
}

/* ----------------------------------------------------------------- tcrypt */

static double cpu_mhz(void)
{
	char line[256];
	double mhz = 0;
	FILE *f = fopen("/proc/cpuinfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	fclose(f);
	return mhz;
}

/*
 * Result lines: crypto,OP,KEYBITS,BLOCK,MB/s,METHOD,ALG DRIVER (the names
 * hold commas, so they come last). tcrypt prints, per algorithm and
 * direction,
 *   testing speed of gcm(aes) (generic-gcm-aesni) encryption
 *   test 0 (128 bit key, 16 byte blocks): 1234 operations in 1 seconds (19744 bytes)
 * or with sec=0 "1 operation in 567 cycles (16 bytes)". Its init returns
 * an error on purpose, so modprobe "fails": the log is what counts.
 */
void tcrypt_run(int mode, int secs)
{
	char alg[64] = "?", drv[96] = "?", op[16] = "?", cmd[96];
	double mhz = cpu_mhz();
	char *buf, *p;
	int size, n, rc;

	size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	if (size <= 0)
		size = 1 << 20;
	buf = calloc(1, size + 1);
	if (!buf)
		return;
	klogctl(5, NULL, 0);		/* SYSLOG_ACTION_CLEAR */
	snprintf(cmd, sizeof(cmd), "modprobe tcrypt mode=%d sec=%d 2>/dev/null",
		 mode, secs);
	rc = system(cmd);
	(void)rc;
	n = klogctl(3, buf, size);	/* SYSLOG_ACTION_READ_ALL */
	if (n <= 0) {
		out("error,tcrypt,mode=%d,klogctl: %s", mode, strerror(errno));
		free(buf);
		return;
	}
	buf[n] = 0;
	for (p = buf; ; ) {
		char *a = strstr(p, "testing speed of "), *b = strstr(p, " bit key, ");
		char *q, *r, *o, *next;
		int kbits, bs;
		double mbps;

		if (!a && !b)
			break;
		if (a && (!b || a < b)) {
			/* "testing speed of ALG (DRIVER) encryption" */
			char *eol = strchr(a, '\n'), *d, *e;

			if (!eol)
				eol = a + strlen(a);
			if (sscanf(a, "testing speed of %63s", alg) != 1)
				snprintf(alg, sizeof(alg), "?");
			d = strchr(a + 17 + strlen(alg), '(');
			e = eol;
			while (e > a && e[-1] != ')')
				e--;
			if (d && e > d + 1 && e <= eol)
				snprintf(drv, sizeof(drv), "%.*s",
					 (int)(e - d - 2), d + 1);
			snprintf(op, sizeof(op), "%s",
				 memmem(a, eol - a, "decryption", 10) ? "dec" :
				 memmem(a, eol - a, "encryption", 10) ? "enc" :
				 "?");
			p = a + 1;
			continue;
		}
		for (q = b; q > buf && *q != '('; q--)
			;
		p = b + 1;
		if (sscanf(q, "(%d bit key, %d byte blocks)", &kbits, &bs) != 2)
			continue;
		next = strstr(p, " bit key, ");
		r = strstr(b, "): ");
		if (!r)
			continue;
		o = strstr(r, " operations in ");
		if (o && (!next || o < next)) {
			long long ops;
			int s;

			while (o > r && (o[-1] >= '0' && o[-1] <= '9'))
				o--;
			if (sscanf(o, "%lld operations in %d seconds", &ops, &s) != 2 || !s)
				continue;
			mbps = (double)ops * bs / s / 1e6;
			out("crypto,%s,%d,%d,%.3f,jiffies,%s %s", op, kbits, bs,
			    mbps, alg, drv);
			continue;
		}
		o = strstr(r, "1 operation in ");
		if (o && (!next || o < next)) {
			unsigned long long cyc;

			if (sscanf(o, "1 operation in %llu cycles", &cyc) != 1 ||
			    !cyc || mhz <= 0)
				continue;
			mbps = bs * mhz / cyc;
			out("crypto,%s,%d,%d,%.3f,cycles,%s %s", op, kbits, bs,
			    mbps, alg, drv);
		}
	}
	free(buf);
}
