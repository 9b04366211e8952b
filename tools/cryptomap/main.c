// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap(8): configure and inspect the cryptomap kernel module with
 * Cisco IOS commands.  A table of {command, function, help}, as wg(8).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmtool.h"

bool json_output;
bool pretty_output;
const char *prog = "cryptomap";

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	return p;
}

void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p) {
		fprintf(stderr, "%s: out of memory\n", prog);
		exit(1);
	}
	return p;
}

static int cmd_help(int argc, char **argv);

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} commands[] = {
	{ "config", cmd_config,
	  "config [--check] [FILE | -]\n"
	  "\tApply IOS global-configuration text (stdin without FILE) as a\n"
	  "\twhole or not at all.  --check only parses and validates it.\n" },
	{ "show", cmd_show,
	  "show running-config [--offline FILE]\n"
	  "show crypto ipsec transform-set [tag NAME] [--offline FILE]\n"
	  "show crypto map [interface IF | tag NAME] [--offline FILE]\n"
	  "show crypto ipsec sa [detail] [peer A.B.C.D | map NAME | interface IF]\n"
	  "\t--offline FILE shows what FILE configures, without the kernel.\n" },
	{ "clear", cmd_clear,
	  "clear crypto sa [peer A.B.C.D | map NAME | entry DST {esp|ah} SPI | counters]\n"
	  "clear crypto isakmp [CONN-ID]   (asks cryptomapd)\n"
	  "clear crypto ikev2 sa [ID]      (asks cryptomapd)\n" },
	{ "help", cmd_help, "help\n" },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "Usage: %s [-j] [-p] [-n NETNS] COMMAND [ARGS...]\n"
		"       %s COMMAND help\n\n"
		"  -j        JSON output for the show commands\n"
		"  -p        indented JSON\n"
		"  -n NETNS  run in network namespace NETNS (as ip -n)\n\n"
		"Commands:\n", prog, prog);
	for (i = 0; i < NCOMMANDS; i++) {
		const char *h = commands[i].help;

		/* indent every line of the help text */
		while (*h) {
			const char *nl = strchr(h, '\n');
			int len = nl ? (int)(nl - h) : (int)strlen(h);

			fprintf(out, "  %.*s\n", len, h);
			h += len + (nl ? 1 : 0);
		}
	}
	fprintf(out, "\nExit status: 0 success, 1 error, 2 usage error.  See cryptomap(8).\n");
}

void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry \"%s help\".\n", prog);
	exit(EXIT_USAGE);
}

static int cmd_help(int argc, char **argv)
{
	(void)argv;
	if (argc > 1)
		usage_error("help takes no argument");
	usage(stdout);
	return 0;
}

static void enter_netns(const char *name)
{
	char path[256];
	int fd;

	if (strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		usage_error("invalid netns name \"%s\"", name);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "%s: cannot open netns \"%s\": %s\n", prog, name,
			strerror(errno));
		exit(1);
	}
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "%s: cannot enter netns \"%s\": %s\n", prog, name,
			strerror(errno));
		exit(1);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	size_t i;

	argc--;
	argv++;
	while (argc && argv[0][0] == '-' && argv[0][1]) {
		if (!strcmp(argv[0], "-j") || !strcmp(argv[0], "--json")) {
			json_output = true;
		} else if (!strcmp(argv[0], "-p") || !strcmp(argv[0], "--pretty")) {
			pretty_output = true;
		} else if (!strcmp(argv[0], "-n") || !strcmp(argv[0], "--netns")) {
			if (argc < 2)
				usage_error("-n needs a netns name");
			enter_netns(argv[1]);
			argc--;
			argv++;
		} else if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
			usage(stdout);
			return 0;
		} else {
			usage_error("unknown option \"%s\"", argv[0]);
		}
		argc--;
		argv++;
	}
	if (!argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[0], commands[i].name))
			continue;
		if (argc >= 2 && !strcmp(argv[argc - 1], "help") &&
		    commands[i].fn != cmd_help) {
			printf("Usage: %s %s", prog, commands[i].help);
			return 0;
		}
		return commands[i].fn(argc, argv) ? 1 : 0;
	}
	usage_error("unknown command \"%s\"", argv[0]);
	return EXIT_USAGE;
}
