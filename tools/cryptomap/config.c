// SPDX-License-Identifier: GPL-2.0
/*
 * cryptomap config [--check] [FILE|-]
 *
 * The kernel's configuration is read into the model, the text is applied
 * to a copy (syntax and semantic errors stop here, nothing was sent), and
 * only the objects that differ are pushed.  If the kernel refuses one, its
 * extack message is printed with the config line that produced the
 * object, and every object already changed is put back as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cmtool.h"

static FILE *open_input(const char *file)
{
	FILE *f;

	if (!file || !strcmp(file, "-"))
		return stdin;
	f = fopen(file, "r");
	if (!f) {
		fprintf(stderr, "%s: %s: %s\n", prog, file, strerror(errno));
		return NULL;
	}
	return f;
}

/* a file's configuration alone, for --check and --offline */
int load_offline_config(struct config *c, const char *file)
{
	struct parse_opts o = { .check_only = true };
	FILE *f = open_input(file);
	int r;

	cfg_init(c);
	if (!f)
		return -1;
	r = ios_apply(c, f, &o);
	if (f != stdin)
		fclose(f);
	if (!r) {
		cfg_prune_maps(c);
		cfg_sort(c);
	}
	return r;
}

int load_kernel_config(struct config *c)
{
	struct nl *n = nl_open();
	int r = nl_load_config(n, c);

	nl_close(n);
	return r;
}

/*
 * Two `cryptomap config` at once would each read, edit and push the same
 * objects: they take turns.  Without the lock file (no permission to
 * create it) the kernel refuses the change anyway.
 */
static int config_lock(void)
{
	int fd = open("/run/cryptomap.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);

	if (fd >= 0 && flock(fd, LOCK_EX)) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int cmd_config(int argc, char **argv)
{
	struct parse_opts o = { 0 };
	struct config old, new;
	const char *file = NULL;
	struct nl *n;
	FILE *f;
	int i, r, lock;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--check"))
			o.check_only = true;
		else if (argv[i][0] == '-' && argv[i][1])
			usage_error("config: unknown option \"%s\"", argv[i]);
		else if (file)
			usage_error("config: one file only, \"%s\" is a second",
				    argv[i]);
		else
			file = argv[i];
	}

	if (o.check_only) {
		r = load_offline_config(&new, file);
		if (!r)
			ios_warnings(&new);
		cfg_free(&new);
		return r;
	}

	f = open_input(file);
	if (!f)
		return -1;
	lock = config_lock();
	n = nl_open();
	if (nl_load_config(n, &old)) {
		nl_close(n);
		if (lock >= 0)
			close(lock);
		return -1;
	}
	cfg_copy(&new, &old);
	r = ios_apply(&new, f, &o);
	if (f != stdin)
		fclose(f);
	if (!r) {
		cfg_prune_maps(&new);
		cfg_sort(&new);
		r = nl_commit(n, &old, &new);
	}
	if (!r)
		ios_warnings(&new);
	nl_close(n);
	if (lock >= 0)
		close(lock);
	cfg_free(&old);
	cfg_free(&new);
	return r;
}
