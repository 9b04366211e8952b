// SPDX-License-Identifier: GPL-2.0
/* cryptomap show ...: the dispatch, and show running-config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cmtool.h"

/* removes "--offline FILE" from the arguments; returns FILE or NULL */
static const char *take_offline(int *argc, char **argv)
{
	const char *file = NULL;
	int i, j;

	for (i = 1; i < *argc; i++) {
		if (strcmp(argv[i], "--offline"))
			continue;
		if (i + 1 >= *argc)
			usage_error("--offline needs a file");
		file = argv[i + 1];
		for (j = i; j + 2 <= *argc; j++)
			argv[j] = argv[j + 2];
		*argc -= 2;
		break;
	}
	return file;
}

static int get_config(struct config *c, const char *offline)
{
	if (offline)
		return load_offline_config(c, offline);
	return load_kernel_config(c);
}

int show_running_config(int argc, char **argv)
{
	const char *off = take_offline(&argc, argv);
	struct config c;

	if (argc > 2)
		usage_error("show running-config: unexpected \"%s\"", argv[2]);
	if (get_config(&c, off))
		return -1;
	if (json_output)
		json_running_config(&c);
	else
		print_running_config(&c, stdout);
	cfg_free(&c);
	return 0;
}

/*
 * show crypto isakmp {sa [detail] | policy}: Phase 1 lives in cryptomapd(8);
 * ask it over its control socket (abstract "@cryptomapd", per netns).
 */
static int show_isakmp(int argc, char **argv)
{
	char req[128];
	int i;

	if (argc < 4 || argc > 5 || (strcmp(argv[3], "sa") && strcmp(argv[3], "policy")) ||
	    (argc == 5 && (strcmp(argv[3], "sa") || strcmp(argv[4], "detail"))))
		usage_error("show crypto isakmp: sa [detail] or policy expected");
	snprintf(req, sizeof(req), "show crypto isakmp");
	for (i = 3; i < argc; i++) {
		strncat(req, " ", sizeof(req) - strlen(req) - 1);
		strncat(req, argv[i], sizeof(req) - strlen(req) - 1);
	}
	strncat(req, "\n", sizeof(req) - strlen(req) - 1);
	return cryptomapd_ask(req);
}

/*
 * clear crypto isakmp [CONN-ID], clear crypto ikev2 sa [ID]: deleted by
 * cryptomapd, which tells the peer
 */
int clear_isakmp(int argc, char **argv)
{
	char req[128], *end;

	if (!strcmp(argv[2], "ikev2")) {
		if (argc < 4 || argc > 5 || strcmp(argv[3], "sa") ||
		    (argc == 5 && (strtoul(argv[4], &end, 10) == 0 || *end ||
				   strlen(argv[4]) > 10)))
			usage_error("clear crypto ikev2: sa [ID] expected (ID: show crypto ikev2 sa's Tunnel-id)");
		snprintf(req, sizeof(req), "clear crypto ikev2 sa%s%s\n",
			 argc == 5 ? " " : "", argc == 5 ? argv[4] : "");
		return cryptomapd_ask(req);
	}
	if (argc > 4)
		usage_error("clear crypto isakmp: a conn-id at most");
	if (argc == 4 && (strtoul(argv[3], &end, 10) == 0 || *end ||
			  strlen(argv[3]) > 10))
		usage_error("clear crypto isakmp: \"%s\": a conn-id expected (show crypto isakmp sa)",
			    argv[3]);
	snprintf(req, sizeof(req), "clear crypto isakmp%s%s\n", argc == 4 ? " " : "",
		 argc == 4 ? argv[3] : "");
	return cryptomapd_ask(req);
}

/* one request line to cryptomapd, its answer on stdout; 1 if it refused */
int cryptomapd_ask(const char *req)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + strlen("cryptomapd");
	char buf[4096];
	ssize_t n;
	int fd, r = 0;
	bool first = true;

	memcpy(sun.sun_path + 1, "cryptomapd", strlen("cryptomapd"));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, len) ||
	    send(fd, req, strlen(req), 0) < 0) {
		fprintf(stderr, "%s: cryptomapd is not running in this network namespace\n", prog);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	shutdown(fd, SHUT_WR);
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (first && buf[0] == '%')
			r = 1;
		first = false;
		if (fwrite(buf, 1, n, stdout) != (size_t)n)
			r = 1;
	}
	close(fd);
	return r;
}

static int show_crypto(int argc, char **argv)
{
	const char *off = take_offline(&argc, argv);
	const char *ifname = NULL, *tag = NULL;
	struct config c;
	int r;

	/* argv: show crypto ... */
	if (argc < 3)
		usage_error("show crypto: map or ipsec expected");
	if (!strcmp(argv[2], "map")) {
		if (argc == 5 && !strcmp(argv[3], "interface"))
			ifname = argv[4];
		else if (argc == 5 && !strcmp(argv[3], "tag"))
			tag = argv[4];
		else if (argc != 3)
			usage_error("show crypto map: \"%s\": interface IF or tag NAME expected",
				    argv[3]);
		if (get_config(&c, off))
			return -1;
		r = show_crypto_map(&c, ifname, tag);
		cfg_free(&c);
		return r;
	}
	if (!strcmp(argv[2], "isakmp")) {
		if (off)
			usage_error("show crypto isakmp asks cryptomapd: --offline is not possible");
		return show_isakmp(argc, argv);
	}
	if (!strcmp(argv[2], "ikev2")) {
		/* show crypto ikev2 sa [detail]: IKEv2 lives in cryptomapd(8) too */
		if (off || argc < 4 || argc > 5 || strcmp(argv[3], "sa") ||
		    (argc == 5 && strcmp(argv[4], "detail")))
			usage_error("show crypto ikev2: sa [detail] expected (asks cryptomapd)");
		return cryptomapd_ask(argc == 5 ? "show crypto ikev2 sa detail\n" :
				      "show crypto ikev2 sa\n");
	}
	if (strcmp(argv[2], "ipsec"))
		usage_error("show crypto: unknown \"%s\" (map, ipsec or isakmp)", argv[2]);
	if (argc < 4)
		usage_error("show crypto ipsec: transform-set or sa expected");
	if (!strcmp(argv[3], "transform-set")) {
		if (argc == 6 && !strcmp(argv[4], "tag"))
			tag = argv[5];
		else if (argc != 4)
			usage_error("show crypto ipsec transform-set: \"%s\": tag NAME expected",
				    argv[4]);
		if (get_config(&c, off))
			return -1;
		r = show_transform_set(&c, tag);
		cfg_free(&c);
		return r;
	}
	if (!strcmp(argv[3], "sa")) {
		if (off)
			usage_error("show crypto ipsec sa reads the kernel: --offline is not possible");
		return show_ipsec_sa(argc - 4, argv + 4);
	}
	usage_error("show crypto ipsec: unknown \"%s\" (transform-set or sa)",
		    argv[3]);
	return -1;
}

int cmd_show(int argc, char **argv)
{
	if (argc < 2)
		usage_error("show: running-config or crypto expected");
	if (!strcmp(argv[1], "running-config"))
		return show_running_config(argc, argv);
	if (!strcmp(argv[1], "crypto"))
		return show_crypto(argc, argv);
	usage_error("show: unknown \"%s\" (running-config or crypto)", argv[1]);
	return -1;
}
