// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: the IKEv1 keying daemon of cryptomap.  One per network
 * namespace; a single-threaded poll() loop over the ISAKMP socket (UDP
 * 500), the module's "events" multicast group and the control socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#include "cryptomapd.h"
#include "ikev2.h"


/* datagrams read in a row before the timers run */
#define INPUT_BATCH	64

static const char *conf_file = "/etc/cryptomap/cryptomap.conf";
static bool offline;
static volatile sig_atomic_t got_hup, got_term;
static struct ikeconf conf;

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: cryptomapd [-f FILE] [-o] [-d] [-s] [-R SECONDS] [-L SECONDS]\n"
		"       cryptomapd ctl REQUEST...\n\n"
		"  -f FILE  IOS configuration with the crypto isakmp commands\n"
		"           (default /etc/cryptomap/cryptomap.conf)\n"
		"  -o       offline: crypto maps from FILE, not from the module\n"
		"  -d       debug log     -s  log to syslog\n"
		"  -R SEC   first retransmission after SEC s (default 2), doubled\n"
		"           5 times before an exchange fails\n"
		"  -L SEC   IKEv2 SA lifetime for every profile (testing, 10-86400)\n\n"
		"Requests: show crypto isakmp sa [detail] | show crypto isakmp policy |\n"
		"          show children | initiate MAP SEQ | clear crypto isakmp | reload |\n"
		"          show crypto ikev2 sa [detail] | clear crypto ikev2 sa\n"
		"See cryptomapd(8).\n");
}

int reload_config(void)
{
	struct ikeconf n = { 0 };

	if (conf_load_isakmp(conf_file, &n) || ikev2_conf_load(conf_file))
		return -1;
	if (offline ? conf_load_maps_file(conf_file, &n) : conf_load_maps_kernel(&n)) {
		log_err("cannot read the crypto maps from %s", offline ? conf_file : "the module");
		conf_free(&n);
		return -1;
	}
	conf_free(&conf);
	conf = n;
	log_info("configuration: %d policies, %zu crypto map entries",
		 conf.npol, conf.cm.nentries);
	return 0;
}

void reload_maps(void)
{
	if (!offline && conf_load_maps_kernel(&conf))
		log_warn("cannot re-read the crypto maps from the module");
}

static void on_sig(int sig)
{
	if (sig == SIGHUP)
		got_hup = 1;
	else
		got_term = 1;
}

static int udp_open(void)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(500) };
	int one = 1, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		log_err("UDP port 500: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* One datagram; false when none is queued. */
static bool udp_input(int fd)
{
	uint8_t pkt[ISAKMP_MAX_LEN + 1];
	char cbuf[256];
	struct sockaddr_in from;
	struct iovec iov = { pkt, sizeof(pkt) };
	struct msghdr mh = { .msg_name = &from, .msg_namelen = sizeof(from),
			     .msg_iov = &iov, .msg_iovlen = 1,
			     .msg_control = cbuf, .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	uint32_t dst = 0;
	ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT);

	if (n < 0)
		return false;
	if (mh.msg_flags & MSG_TRUNC || n > ISAKMP_MAX_LEN) {
		log_warn("from %s: oversized datagram dropped",
			 ipstr(from.sin_addr.s_addr));
		return true;
	}
	for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO)
			dst = ((struct in_pktinfo *)CMSG_DATA(c))->ipi_addr.s_addr;
	/* the ISAKMP header's major version: 2 is IKEv2 (RFC 7296 3.1) */
	if (n > 17 && pkt[17] >> 4 == 2)
		ikev2_input(pkt, n, from.sin_addr.s_addr, ntohs(from.sin_port), dst);
	else
		ike_input(pkt, n, from.sin_addr.s_addr, ntohs(from.sin_port), dst);
	return true;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_sig };
	struct pollfd pf[3];
	int c, i, ctl, efd;

	if (argc >= 2 && !strcmp(argv[1], "ctl"))
		return ctl_client(argc - 2, argv + 2);
	ike.retx_base = 2.0;
	while ((c = getopt(argc, argv, "f:odsR:L:h")) != -1) {
		switch (c) {
		case 'f':
			conf_file = optarg;
			break;
		case 'o':
			offline = true;
			break;
		case 'd':
			log_level = LOG_DBG_;
			break;
		case 's':
			log_syslog = true;
			openlog("cryptomapd", LOG_PID, LOG_DAEMON);
			break;
		case 'R':
			ike.retx_base = atof(optarg);
			if (ike.retx_base < 0.1 || ike.retx_base > 60) {
				usage(stderr);
				return 2;
			}
			break;
		case 'L':
			ike.v2_life = strtoul(optarg, NULL, 10);
			if (ike.v2_life < 10 || ike.v2_life > 86400) {
				usage(stderr);
				return 2;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	if (crypto_init()) {
		log_err("OpenSSL initialisation failed");
		return 1;
	}
	ike.conf = &conf;
	ike.next_conn_id = 1001;	/* as IOS numbers them */
	if (!offline && knl_open())
		log_warn("cryptomap module not reachable: no events, no SA installation");
	if (reload_config())
		return 1;
	ike.fd = udp_open();
	ctl = ctl_open();
	if (ike.fd < 0 || ctl < 0)
		return 1;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_info("listening on UDP 500%s", knl_available() ? ", kernel SA operations available" : "");
	ike_relearn();
	while (!got_term) {
		int n = 0;

		pf[n++] = (struct pollfd){ .fd = ike.fd, .events = POLLIN };
		pf[n++] = (struct pollfd){ .fd = ctl, .events = POLLIN };
		efd = knl_event_fd();
		if (efd >= 0)
			pf[n++] = (struct pollfd){ .fd = efd, .events = POLLIN };
		if (poll(pf, n, 250) < 0 && errno != EINTR)
			break;
		/*
		 * What came in while we were not running is read before a
		 * timer looks at the clock: after the process was starved for
		 * seconds the peer's answer (to a request, a DPD R-U-THERE)
		 * may be queued, and a timer run first would retransmit it
		 * once more or declare the peer dead.
		 */
		for (i = 0; i < INPUT_BATCH && pf[0].revents & POLLIN; i++)
			if (!udp_input(ike.fd))
				break;
		if (pf[1].revents & POLLIN)
			ctl_input(ctl);
		if (n > 2 && pf[2].revents & POLLIN)
			knl_event_input();
		if (got_hup) {
			got_hup = 0;
			reload_config();
		}
		ikev2_timers(now_s());
		ike_timers(now_s());
	}
	/*
	 * No Delete sent: the IPsec SAs stay in the module and keep carrying
	 * traffic; a restarted daemon re-learns them (ike_relearn).  Use
	 * "clear crypto isakmp" first to tell the peers.
	 */
	log_info("terminating: ISAKMP state dropped, IPsec SAs left in the module");
	conf_free(&conf);
	return 0;
}
