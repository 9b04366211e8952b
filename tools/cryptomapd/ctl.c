// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomapd: the control socket.  An abstract unix socket
 * "@cryptomapd" is per network namespace, like the daemon.  One request
 * line per connection ("show crypto isakmp sa", "initiate MAP SEQ", ...),
 * the answer is text, the connection is closed after it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cryptomapd.h"
#include "ikev2.h"

#define CTL_NAME	"cryptomapd"

static socklen_t ctl_addr(struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path + 1, CTL_NAME, strlen(CTL_NAME));
	return offsetof(struct sockaddr_un, sun_path) + 1 + strlen(CTL_NAME);
}

int ctl_open(void)
{
	struct sockaddr_un sun;
	socklen_t l = ctl_addr(&sun);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, l) || listen(fd, 8)) {
		log_err("control socket @%s: %s (another cryptomapd in this namespace?)",
			CTL_NAME, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}



static void handle(char *line, struct buf *out)
{
	char *w[8], *save = NULL, *s;
	int n = 0;

	for (s = strtok_r(line, " \t\r\n", &save); s && n < 8;
	     s = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = s;
	if (n >= 4 && !strcmp(w[0], "show") && !strcmp(w[1], "crypto") &&
	    !strcmp(w[2], "isakmp") && !strcmp(w[3], "sa")) {
		if (n >= 5 && !strcmp(w[4], "detail"))
			show_isakmp_detail(out);
		else
			show_isakmp_sa(out);
	} else if (n == 4 && !strcmp(w[0], "show") && !strcmp(w[2], "isakmp") &&
		   !strcmp(w[3], "policy")) {
		show_isakmp_policy(ike.conf, out);
	} else if (n == 2 && !strcmp(w[0], "show") && !strcmp(w[1], "children")) {
		show_children(out);
	} else if (n >= 4 && !strcmp(w[0], "show") && !strcmp(w[1], "crypto") &&
		   !strcmp(w[2], "ikev2") && !strcmp(w[3], "sa")) {
		show_ikev2_sa(out, n >= 5 && !strcmp(w[4], "detail"));
	} else if (n >= 4 && !strcmp(w[0], "clear") && !strcmp(w[1], "crypto") &&
		   !strcmp(w[2], "ikev2") && !strcmp(w[3], "sa")) {
		char *end = NULL;
		unsigned long id = n == 5 ? strtoul(w[4], &end, 10) : 0;

		if (n > 5 || (n == 5 && (*end || !id || id > 0xffffffffUL)))
			bprintf(out, "%% clear crypto ikev2 sa: an IKE SA id (Tunnel-id) expected\n");
		else if (ikev2_delete(id))
			bprintf(out, "%% no IKEv2 SA with id %lu\n", id);
	} else if (n == 3 && !strcmp(w[0], "initiate")) {
		const char *why = NULL;
		char *end;
		unsigned long seq = strtoul(w[2], &end, 10);

		if (*end || ike_initiate(w[1], seq, &why))
			bprintf(out, "%% %s\n", why ? why : "bad sequence number");
	} else if (n == 3 && !strcmp(w[0], "clear") && !strcmp(w[1], "crypto") &&
		   !strcmp(w[2], "isakmp")) {
		ike_delete_all();
	} else if (n == 4 && !strcmp(w[0], "clear") && !strcmp(w[1], "crypto") &&
		   !strcmp(w[2], "isakmp")) {
		char *end;
		unsigned long id = strtoul(w[3], &end, 10);

		if (*end || !id || id > 0xffffffffUL)
			bprintf(out, "%% clear crypto isakmp: \"%s\": a conn-id expected\n",
				w[3]);
		else if (ike_delete_conn(id))
			bprintf(out, "%% no ISAKMP SA with conn-id %lu\n", id);
	} else if (n == 1 && !strcmp(w[0], "reload")) {
		if (reload_config())
			bprintf(out, "%% reload failed, see the log\n");
	} else {
		bprintf(out, "%% unknown request\n");
	}
}

void ctl_input(int lfd)
{
	char line[512];
	struct buf out = { 0 };
	struct timeval tv = { .tv_sec = 1 };
	ssize_t r;
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	r = recv(fd, line, sizeof(line) - 1, 0);
	if (r > 0) {
		line[r] = 0;
		handle(line, &out);
		if (out.len && send(fd, out.p, out.len, MSG_NOSIGNAL) < 0)
			log_dbg("control: %s", strerror(errno));
	}
	buf_free(&out);
	close(fd);
}

/* cryptomapd ctl WORDS...: one request, prints the answer */
int ctl_client(int argc, char **argv)
{
	struct sockaddr_un sun;
	socklen_t l = ctl_addr(&sun);
	char line[512] = "", buf[4096];
	struct timeval tv = { .tv_sec = 10 };
	int fd, i, bad = 0;
	ssize_t r;

	for (i = 0; i < argc; i++) {
		if (strlen(line) + strlen(argv[i]) + 2 >= sizeof(line))
			return 2;
		strcat(line, argv[i]);
		strcat(line, i + 1 < argc ? " " : "\n");
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, l)) {
		fprintf(stderr, "cryptomapd: not running in this network namespace (%s)\n",
			strerror(errno));
		return 1;
	}
	if (send(fd, line, strlen(line), 0) < 0)
		return 1;
	/* a daemon that does not answer must not hang its caller */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	shutdown(fd, SHUT_WR);
	while ((r = read(fd, buf, sizeof(buf))) > 0) {
		if (buf[0] == '%')
			bad = 1;
		fwrite(buf, 1, r, stdout);
	}
	close(fd);
	return bad;
}
