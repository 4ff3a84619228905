/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekvm.c - a FUSE file system that looks, to kvm-reclaimd, like
 * <debugfs>/kvm on the patched kernel.  See README.md beside this file.
 *
 * This file: the command line, the global state's life, mounting, signals
 * and the session loop.  The file system itself (the low-level libfuse
 * operations) is in fakekvm-ops.c.
 */
#include "fakekvm.h" /* first: it sets FUSE_USE_VERSION */

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vm.h"

struct fakekvm_state fk = { .lock = PTHREAD_MUTEX_INITIALIZER };

struct fk_opts {
	char *grow_shadow;
	char *grow_cache;
	char *kernel;
	int help;
};

enum { KEY_FOREGROUND, KEY_HELP };

static const struct fuse_opt fk_opt_spec[] = {
	{ "--grow-shadow=%s", offsetof(struct fk_opts, grow_shadow), 0 },
	{ "--grow-cache=%s", offsetof(struct fk_opts, grow_cache), 0 },
	{ "--kernel=%s", offsetof(struct fk_opts, kernel), 0 },
	FUSE_OPT_KEY("--foreground", KEY_FOREGROUND),
	FUSE_OPT_KEY("-h", KEY_HELP),
	FUSE_OPT_KEY("--help", KEY_HELP),
	FUSE_OPT_END,
};

static int fk_opt_proc(void *data, const char *arg, int key,
		       struct fuse_args *outargs)
{
	struct fk_opts *o = data;

	(void)arg;
	switch (key) {
	case KEY_FOREGROUND:
		return fuse_opt_add_arg(outargs, "-f") ? -1 : 0;
	case KEY_HELP:
		o->help = 1;
		return 0;
	default:
		return 1; /* for fuse_parse_cmdline() */
	}
}

static void usage(const char *prog)
{
	printf("usage: %s [--grow-shadow=PAGES_PER_SEC] "
	       "[--grow-cache=PAGES_PER_SEC] [--kernel=v1|v2] [--foreground|-f] "
	       "[fuse options] MOUNTPOINT\n\n"
	       "A fake <debugfs>/kvm for kvm-reclaimd tests; see "
	       "tests/fakekvm/README.md.\n"
	       "    --grow-shadow=N   every VM's shadow pages grow by N "
	       "per second\n"
	       "    --grow-cache=N    every VM's cache pages grow by N per "
	       "second (to a cap per vCPU)\n"
	       "    --kernel=v1       the first series: no mmu_vms, tdp_mmu_pages,\n"
	       "                      mmu_pagetable_bytes; only \"caches\" and \"zap\"\n"
	       "    --foreground, -f  do not daemonize\n\n",
	       prog);
	fuse_cmdline_help();
	fuse_lowlevel_help();
}

static int parse_rate(const char *opt, const char *s, uint64_t *out)
{
	char *end;

	if (!s) {
		*out = 0;
		return 0;
	}
	errno = 0;
	*out = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-') {
		fprintf(stderr, "fakekvm: bad %s value '%s'\n", opt, s);
		return -1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
	struct fuse_cmdline_opts opts = { 0 };
	struct fuse_loop_config *config;
	struct fk_opts o = { 0 };
	struct fuse_session *se = NULL;
	uint64_t grow_shadow, grow_cache;
	int ret = 1;

	if (fuse_opt_parse(&args, &o, fk_opt_spec, fk_opt_proc) != 0)
		return 1;
	if (o.help) {
		usage(argv[0]);
		ret = 0;
		goto out_args;
	}
	if (parse_rate("--grow-shadow", o.grow_shadow, &grow_shadow) ||
	    parse_rate("--grow-cache", o.grow_cache, &grow_cache))
		goto out_args;
	vm_set_growth(grow_shadow, grow_cache);
	if (o.kernel && !strcmp(o.kernel, "v1")) {
		fake_kernel = FAKE_KERNEL_V1;
	} else if (o.kernel && strcmp(o.kernel, "v2")) {
		fprintf(stderr, "fakekvm: bad --kernel value '%s' (v1 or v2)\n", o.kernel);
		goto out_args;
	}

	/*
	 * default_permissions: the kernel checks the modes (vm_files in
	 * fakekvm-ops.c), so an
	 * unprivileged reader meets EACCES on mmu_reclaim as on debugfs.
	 */
	if (fuse_opt_add_arg(&args, "-ofsname=fakekvm,subtype=fakekvm,"
				    "default_permissions"))
		goto out_args;
	if (fuse_parse_cmdline(&args, &opts) != 0)
		goto out_args;
	if (opts.show_help) {
		usage(argv[0]);
		ret = 0;
		goto out_opts;
	}
	if (opts.show_version) {
		printf("FUSE library version %s\n", fuse_pkgversion());
		ret = 0;
		goto out_opts;
	}
	if (!opts.mountpoint) {
		fprintf(stderr, "usage: %s [options] MOUNTPOINT (--help)\n",
			argv[0]);
		goto out_opts;
	}

	if (vmtable_init(&fk.vms))
		goto out_opts;
	fakelog_init(&fk.log);
	fk.mounted = time(NULL);

	se = fuse_session_new(&args, &fk_ops, sizeof(fk_ops), NULL);
	if (!se)
		goto out_state;
	/* SIGTERM, SIGINT, SIGHUP end the loop; we unmount below. */
	if (fuse_set_signal_handlers(se) != 0)
		goto out_session;
	if (fuse_session_mount(se, opts.mountpoint) != 0)
		goto out_signals;
	fuse_daemonize(opts.foreground);

	if (opts.singlethread) {
		ret = fuse_session_loop(se);
	} else {
		config = fuse_loop_cfg_create();
		if (!config) {
			fuse_session_unmount(se);
			goto out_signals;
		}
		fuse_loop_cfg_set_clone_fd(config, (unsigned)opts.clone_fd);
		fuse_loop_cfg_set_max_threads(config, opts.max_threads);
		ret = fuse_session_loop_mt(se, config);
		fuse_loop_cfg_destroy(config);
	}
	fuse_session_unmount(se);
	/* A signal ends the loop with -EINTR-like codes: still a clean exit. */
	ret = 0;

out_signals:
	fuse_remove_signal_handlers(se);
out_session:
	fuse_session_destroy(se);
out_state:
	fakelog_destroy(&fk.log);
	vmtable_destroy(&fk.vms);
out_opts:
	free(opts.mountpoint);
out_args:
	fuse_opt_free_args(&args);
	free(o.grow_shadow);
	free(o.grow_cache);
	free(o.kernel);
	return ret;
}
