/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fakekvm-ops.c - the FUSE low-level operations of fakekvm: inodes, lookup,
 * attributes, mkdir/rmdir, readdir, open/read/write.  main() and the
 * command line are in fakekvm.c; see README.md beside this file.
 *
 * Inode numbers are computed, not tracked, so 10,000 VMs cost a hash table
 * entry each and nothing in libfuse:
 *
 *   1                  the mount root
 *   2                  .fake_log
 *   3                  mmu_shadow_zapped (the global sum, like KVM's)
 *   4                  mmu_vms (every VM's counters)
 *   id << 4 | file     a VM directory (file 0) or one of its files
 *
 * VM ids are never reused, so an inode of a removed VM can never name
 * another one.  Locking: see fakekvm.h.
 */
#include "fakekvm.h" /* first: it sets FUSE_USE_VERSION */

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kvm-reclaim.h"
#include "vm.h"

#define INO_ROOT FUSE_ROOT_ID
#define INO_LOG 2
#define INO_GLOBAL_ZAPPED 3
#define INO_VMS 4
#define INO_VM_SHIFT 4

#define FAKE_LOG_NAME ".fake_log"
#define GLOBAL_ZAPPED_NAME "mmu_shadow_zapped"
_Static_assert(VMF_COUNT <= 1u << INO_VM_SHIFT, "VM files fit in the inode");

/*
 * Every name change goes through the VFS (mkdir, rmdir), which updates the
 * dentry cache itself, and attributes never change: cache them long.
 */
#define CACHE_TIMEOUT 3600.0

static const struct vm_file_info {
	const char *name;
	mode_t mode;
	bool listed;      /* shown by readdir */
	bool nonseekable; /* simple_attr files are, see README */
} vm_files[VMF_COUNT] = {
	[VMF_DIR] = { NULL, S_IFDIR | 0755, false, false },
	[VMF_SHADOW_PAGES] = { KVM_RECLAIM_FILE_SHADOW_PAGES, S_IFREG | 0444,
			       true, true },
	[VMF_TDP_PAGES] = { KVM_RECLAIM_FILE_TDP_PAGES, S_IFREG | 0444, true,
			    true },
	[VMF_CACHE_PAGES] = { KVM_RECLAIM_FILE_CACHE_PAGES, S_IFREG | 0444,
			      true, true },
	[VMF_PAGETABLE_BYTES] = { KVM_RECLAIM_FILE_PAGETABLE_BYTES,
				  S_IFREG | 0444, true, true },
	[VMF_RECLAIM] = { KVM_RECLAIM_FILE_RECLAIM, S_IFREG | 0600, true,
			  true },
	[VMF_SHADOW_ZAPPED] = { "mmu_shadow_zapped", S_IFREG | 0444, true,
				true },
	[VMF_REMOTE_TLB_FLUSH] = { "remote_tlb_flush", S_IFREG | 0444, true,
				   true },
	[VMF_PAGES_4K] = { "pages_4k", S_IFREG | 0444, true, true },
	[VMF_PAGES_2M] = { "pages_2m", S_IFREG | 0444, true, true },
	[VMF_PAGES_1G] = { "pages_1g", S_IFREG | 0444, true, true },
	[VMF_FAKE_STATE] = { ".fake_state", S_IFREG | 0600, false, false },
};

/* One open file.  An open VM file holds a reference, as in KVM. */
struct handle {
	fuse_ino_t ino;
	struct vm *vm; /* NULL for the files at the root */
	enum vm_file file;
	bool filled;
	size_t len;
	char buf[512]; /* content made at the read at offset 0 */
	char *big;     /* mmu_vms: the content, made at the read at offset 0 */
	/*
	 * mmu_reclaim: the result of this file's last command, which its
	 * reads return (the kernel keeps it per open file).  A write rewinds
	 * the file in the kernel; FUSE moves the position past the bytes
	 * written instead, so the next read's offset becomes the new 0.
	 */
	bool has_result;
	bool rewound;
	off_t base;
	struct vm_result result;
};

static fuse_ino_t vm_ino(const struct vm *vm, enum vm_file file)
{
	return (fuse_ino_t)(vm->id << INO_VM_SHIFT | file);
}

static bool ino_is_vm(fuse_ino_t ino)
{
	return ino >> INO_VM_SHIFT != 0;
}

static enum vm_file ino_file(fuse_ino_t ino)
{
	return (enum vm_file)(ino & ((1u << INO_VM_SHIFT) - 1));
}

/* The live VM an inode belongs to, or NULL.  Lock held. */
static struct vm *ino_vm(fuse_ino_t ino)
{
	if (!ino_is_vm(ino) || ino_file(ino) >= VMF_COUNT)
		return NULL;
	return vmtable_find_id(&fk.vms, ino >> INO_VM_SHIFT);
}

static void vm_put(struct vm *vm)
{
	if (--vm->refs == 0)
		vm_free(vm);
}

static void fill_stat(struct stat *st, fuse_ino_t ino, mode_t mode,
		      time_t when)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_mode = mode;
	st->st_nlink = S_ISDIR(mode) ? 2 : 1;
	st->st_uid = getuid();
	st->st_gid = getgid();
	st->st_blksize = 4096;
	/* Size 0 like debugfs: readers must read to EOF, not trust st_size. */
	st->st_atime = st->st_mtime = st->st_ctime = when;
}

/* Attributes of ino; vm may name a removed VM reached by an open file. */
static int get_attr(fuse_ino_t ino, struct vm *vm, struct stat *st)
{
	switch (ino) {
	case INO_ROOT:
		fill_stat(st, ino, S_IFDIR | 0755, fk.mounted);
		return 0;
	case INO_LOG:
	case INO_GLOBAL_ZAPPED:
	case INO_VMS:
		fill_stat(st, ino, S_IFREG | 0444, fk.mounted);
		return 0;
	}
	if (!vm)
		vm = ino_vm(ino);
	if (!vm)
		return -ENOENT;
	fill_stat(st, ino, vm_files[ino_file(ino)].mode, vm->created);
	return 0;
}

/* The inode of name in the root, 0 if none.  Lock held. */
static fuse_ino_t root_child(const char *name)
{
	struct vm *vm;

	if (!strcmp(name, FAKE_LOG_NAME))
		return INO_LOG;
	if (!strcmp(name, GLOBAL_ZAPPED_NAME))
		return INO_GLOBAL_ZAPPED;
	if (!strcmp(name, KVM_RECLAIM_FILE_VMS) && fake_kernel != FAKE_KERNEL_V1)
		return INO_VMS;
	vm = vmtable_find_name(&fk.vms, name);
	return vm ? vm_ino(vm, VMF_DIR) : 0;
}

/* The files the first series (--kernel=v1) did not have. */
static bool vm_file_v2(int f)
{
	return f == VMF_TDP_PAGES || f == VMF_PAGETABLE_BYTES;
}

static bool vm_file_shown(int f)
{
	return fake_kernel != FAKE_KERNEL_V1 || !vm_file_v2(f);
}

static int vm_child(const char *name, enum vm_file *file)
{
	for (int f = VMF_DIR + 1; f < VMF_COUNT; f++) {
		if (vm_file_shown(f) && !strcmp(name, vm_files[f].name)) {
			*file = (enum vm_file)f;
			return 0;
		}
	}
	return -ENOENT;
}

static void reply_entry(fuse_req_t req, fuse_ino_t ino, const struct stat *st)
{
	struct fuse_entry_param e;

	memset(&e, 0, sizeof(e));
	e.ino = ino;
	e.attr = *st;
	e.attr_timeout = CACHE_TIMEOUT;
	e.entry_timeout = CACHE_TIMEOUT;
	fuse_reply_entry(req, &e);
}

static void fk_init(void *userdata, struct fuse_conn_info *conn)
{
	(void)userdata;
	/* Let "echo caches > mmu_reclaim" (O_TRUNC) be a plain open. */
	if (conn->capable & FUSE_CAP_ATOMIC_O_TRUNC)
		conn->want |= FUSE_CAP_ATOMIC_O_TRUNC;
}

static void fk_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct stat st;
	fuse_ino_t ino = 0;
	struct vm *vm;
	enum vm_file file;
	int err = 0;

	pthread_mutex_lock(&fk.lock);
	if (parent == INO_ROOT) {
		ino = root_child(name);
		err = ino ? 0 : -ENOENT;
	} else if ((vm = ino_vm(parent)) && ino_file(parent) == VMF_DIR) {
		err = vm_child(name, &file);
		if (!err)
			ino = vm_ino(vm, file);
	} else {
		err = ino_vm(parent) ? -ENOTDIR : -ENOENT;
	}
	if (!err)
		err = get_attr(ino, NULL, &st);
	pthread_mutex_unlock(&fk.lock);

	if (err)
		fuse_reply_err(req, -err);
	else
		reply_entry(req, ino, &st);
}

static void fk_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct handle *h = fi ? (struct handle *)(uintptr_t)fi->fh : NULL;
	struct stat st;
	int err;

	pthread_mutex_lock(&fk.lock);
	err = get_attr(ino, h ? h->vm : NULL, &st);
	pthread_mutex_unlock(&fk.lock);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, CACHE_TIMEOUT);
}

/*
 * Only truncation (the O_TRUNC of a shell redirection when the kernel
 * does not pass it atomically) and touching times are accepted, and do
 * nothing, as on debugfs files.  Ownership and modes stay fixed.
 */
static void fk_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	struct handle *h = fi ? (struct handle *)(uintptr_t)fi->fh : NULL;
	struct stat st;
	int err;

	(void)attr;
	pthread_mutex_lock(&fk.lock);
	err = get_attr(ino, h ? h->vm : NULL, &st);
	pthread_mutex_unlock(&fk.lock);
	if (!err && (to_set & (FUSE_SET_ATTR_MODE | FUSE_SET_ATTR_UID |
			       FUSE_SET_ATTR_GID)))
		err = -EPERM;
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_attr(req, &st, CACHE_TIMEOUT);
}

static void fk_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	struct stat st;
	struct vm *vm = NULL;
	int err = 0;

	(void)mode; /* debugfs directories are always 0755 */
	if (parent != INO_ROOT) {
		fuse_reply_err(req, EPERM); /* KVM's directories have no mkdir */
		return;
	}
	pthread_mutex_lock(&fk.lock);
	if (root_child(name))
		err = -EEXIST;
	else if (!vm_name_valid(name))
		err = -EINVAL;
	else if (!(vm = vm_new(name)))
		err = -ENOMEM;
	else if ((err = vmtable_insert(&fk.vms, vm)))
		vm_free(vm);
	if (!err)
		err = get_attr(vm_ino(vm, VMF_DIR), vm, &st);
	pthread_mutex_unlock(&fk.lock);

	if (err)
		fuse_reply_err(req, -err);
	else
		reply_entry(req, vm_ino(vm, VMF_DIR), &st);
}

/*
 * Removes the VM with everything in it, as debugfs_remove_recursive()
 * does.  Open files keep the VM struct (their reference) but not the name.
 */
static void fk_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct vm *vm;
	int err = 0;

	if (parent != INO_ROOT) {
		fuse_reply_err(req, ENOENT); /* no directories below a VM */
		return;
	}
	pthread_mutex_lock(&fk.lock);
	vm = vmtable_find_name(&fk.vms, name);
	if (vm) {
		vmtable_remove(&fk.vms, vm);
		vm->removed = true;
		vm_put(vm);
	} else {
		err = root_child(name) ? -ENOTDIR : -ENOENT;
	}
	pthread_mutex_unlock(&fk.lock);
	fuse_reply_err(req, -err);
}

/* debugfs directories lack unlink/rename/link: the VFS says EPERM. */
static void fk_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	(void)parent;
	(void)name;
	fuse_reply_err(req, EPERM);
}

static void fk_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	(void)parent;
	(void)name;
	(void)newparent;
	(void)newname;
	(void)flags;
	fuse_reply_err(req, EPERM);
}

static void fk_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, EPERM);
}

static void fk_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	(void)link;
	(void)parent;
	(void)name;
	fuse_reply_err(req, EPERM);
}

/* ... and no create: open(O_CREAT) of a new name is EACCES there. */
static void fk_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)rdev;
	fuse_reply_err(req, EACCES);
}

static void fk_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	(void)parent;
	(void)name;
	(void)mode;
	(void)fi;
	fuse_reply_err(req, EACCES);
}

static void fk_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	struct vm *vm;
	int err = 0;

	if (ino != INO_ROOT) {
		pthread_mutex_lock(&fk.lock);
		vm = ino_vm(ino);
		if (!vm)
			err = -ENOENT;
		else if (ino_file(ino) != VMF_DIR)
			err = -ENOTDIR;
		pthread_mutex_unlock(&fk.lock);
	}
	fi->fh = 0;
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_open(req, fi);
}

/* Add one entry at position pos; false when the buffer is full. */
static bool add_dirent(fuse_req_t req, char *buf, size_t size, size_t *used,
		       const char *name, fuse_ino_t ino, mode_t mode, off_t pos)
{
	struct stat st = { .st_ino = ino, .st_mode = mode };
	size_t need = fuse_add_direntry(req, buf + *used, size - *used, name,
					&st, pos + 1);

	if (need > size - *used)
		return false;
	*used += need;
	return true;
}

/*
 * Positions: 0 ".", 1 "..", then in the root 2 the global stat file, 3
 * mmu_vms and 4 + slot each VM; in a VM directory 2 + i its i-th listed
 * file.  The
 * offset handed back is the next position.  .fake_log and .fake_state
 * are not listed: the daemon must see only what debugfs shows.
 */
static void fk_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	char *buf = malloc(size);
	size_t used = 0;
	struct vm *vm;
	off_t pos;

	(void)fi;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	pthread_mutex_lock(&fk.lock);
	vm = ino == INO_ROOT ? NULL : ino_vm(ino);
	for (pos = off;; pos++) {
		const char *name;
		fuse_ino_t child;
		mode_t mode = S_IFREG;

		if (pos == 0 || pos == 1) {
			name = pos ? ".." : ".";
			child = pos ? INO_ROOT : ino;
			mode = S_IFDIR;
		} else if (ino == INO_ROOT && pos == 2) {
			name = GLOBAL_ZAPPED_NAME;
			child = INO_GLOBAL_ZAPPED;
		} else if (ino == INO_ROOT && pos == 3) {
			if (fake_kernel == FAKE_KERNEL_V1)
				continue;
			name = KVM_RECLAIM_FILE_VMS;
			child = INO_VMS;
		} else if (ino == INO_ROOT) {
			size_t slot = (size_t)pos - 4;
			struct vm *v;

			if (slot >= fk.vms.nslots)
				break;
			v = vmtable_slot(&fk.vms, slot);
			if (!v)
				continue;
			name = v->name;
			child = vm_ino(v, VMF_DIR);
			mode = S_IFDIR;
		} else {
			int f = (int)(pos - 2) + VMF_DIR + 1;

			/* A removed VM's directory is empty, as on debugfs. */
			if (!vm || f >= VMF_COUNT || !vm_files[f].listed)
				break;
			if (!vm_file_shown(f))
				continue;
			name = vm_files[f].name;
			child = vm_ino(vm, (enum vm_file)f);
		}
		if (!add_dirent(req, buf, size, &used, name, child, mode, pos))
			break;
	}
	pthread_mutex_unlock(&fk.lock);
	fuse_reply_buf(req, buf, used);
	free(buf);
}

static void release_handle(struct handle *h)
{
	/*
	 * Under the lock: read_vms() replies from h->big with it held, and
	 * the reader may close (and this run, on another thread) as soon as
	 * the reply is copied, before fuse_reply_buf() has returned.
	 */
	pthread_mutex_lock(&fk.lock);
	if (h->vm)
		vm_put(h->vm);
	free(h->big);
	pthread_mutex_unlock(&fk.lock);
	free(h);
}

static void fk_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	struct handle *h = calloc(1, sizeof(*h));
	int err = 0;

	if (!h) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	h->ino = ino;
	pthread_mutex_lock(&fk.lock);
	if (ino == INO_LOG || ino == INO_GLOBAL_ZAPPED || ino == INO_VMS) {
		h->file = VMF_DIR; /* i.e. not a VM file */
	} else if (!(h->vm = ino_vm(ino))) {
		err = -ENOENT;
	} else if ((h->file = ino_file(ino)) == VMF_DIR) {
		h->vm = NULL;
		err = -EISDIR;
	} else {
		h->vm->refs++;
	}
	pthread_mutex_unlock(&fk.lock);
	if (err) {
		free(h);
		fuse_reply_err(req, -err);
		return;
	}

	fi->fh = (uintptr_t)h;
	/* Contents change behind the page cache's back: never cache them. */
	fi->direct_io = 1;
	fi->keep_cache = 0;
	/* Nothing to do at close(): spare the daemon a round trip per read. */
	fi->noflush = 1;
	fi->nonseekable = h->vm && vm_files[h->file].nonseekable;
	if (fuse_reply_open(req, fi) != 0)
		release_handle(h); /* interrupted: no release will come */
}

static void fk_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	release_handle((struct handle *)(uintptr_t)fi->fh);
	fuse_reply_err(req, 0);
}

/* Content of a small file, made fresh for a read at offset 0.  Lock held. */
static int make_content(struct handle *h, char *buf, size_t size)
{
	unsigned long long sum = 0;

	if (h->ino == INO_GLOBAL_ZAPPED) {
		for (size_t s = 0; s < fk.vms.nslots; s++) {
			struct vm *vm = vmtable_slot(&fk.vms, s);

			if (vm)
				sum += vm->zapped_total;
		}
		return snprintf(buf, size, "%llu\n", sum);
	}
	vm_advance(h->vm, vm_now_ns());
	switch (h->file) {
	case VMF_RECLAIM:
		return vm_format_result(h->has_result ? &h->result :
							&h->vm->last,
					buf, size);
	case VMF_FAKE_STATE:
		return vm_format_state(h->vm, buf, size);
	default:
		return vm_format_stat(h->vm, h->file, buf, size);
	}
}

/*
 * mmu_vms: every live VM's line, made whole at the read at offset 0 (a
 * seq_file makes it in pieces, under kvm_lock, which a reader can't tell
 * from this).  Lock held.
 */
static int make_vms(struct handle *h)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);

	if (!buf)
		return -ENOMEM;
	for (size_t s = 0; s < fk.vms.nslots; s++) {
		struct vm *vm = vmtable_slot(&fk.vms, s);
		char line[256];
		int n;

		if (!vm)
			continue;
		vm_advance(vm, vm_now_ns());
		n = vm_format_vms_line(vm, line, sizeof(line));
		if (n < 0 || (size_t)n >= sizeof(line))
			continue;
		if (len + (size_t)n > cap) {
			char *bigger = realloc(buf, cap * 2 + (size_t)n);

			if (!bigger) {
				free(buf);
				return -ENOMEM;
			}
			buf = bigger;
			cap = cap * 2 + (size_t)n;
		}
		memcpy(buf + len, line, (size_t)n);
		len += (size_t)n;
	}
	free(h->big);
	h->big = buf;
	h->len = len;
	h->filled = true;
	return 0;
}

static void read_vms(fuse_req_t req, struct handle *h, size_t size, off_t off)
{
	int err = 0;

	/* Reply under the lock: another read on this fd may remake h->big. */
	pthread_mutex_lock(&fk.lock);
	if (off == 0 || !h->filled)
		err = make_vms(h);
	if (err)
		fuse_reply_err(req, -err);
	else if (off < 0 || (size_t)off >= h->len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, h->big + off,
			       h->len - (size_t)off < size ?
				       h->len - (size_t)off : size);
	pthread_mutex_unlock(&fk.lock);
}

static void fk_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	char out[sizeof(h->buf)];
	size_t n = 0;

	(void)ino;
	if (h->ino == INO_VMS) {
		read_vms(req, h, size, off);
		return;
	}
	if (h->ino == INO_LOG) {
		char *buf = malloc(size ? size : 1);

		if (!buf) {
			fuse_reply_err(req, ENOMEM);
			return;
		}
		pthread_mutex_lock(&fk.lock);
		n = fakelog_read(&fk.log, buf, size, off);
		pthread_mutex_unlock(&fk.lock);
		fuse_reply_buf(req, buf, n);
		free(buf);
		return;
	}

	/*
	 * Like simple_attr_read(): the value is taken at the read at offset
	 * 0 and later reads continue in that text, so a reader that reads in
	 * small pieces still gets one consistent number.
	 */
	pthread_mutex_lock(&fk.lock);
	if (h->rewound) {
		h->rewound = false;
		h->base = off;
		h->filled = false;
	}
	off -= h->base;
	if (off == 0 || !h->filled) {
		int len = make_content(h, h->buf, sizeof(h->buf));

		h->len = len < 0 ? 0 : (size_t)len;
		if (h->len >= sizeof(h->buf))
			h->len = sizeof(h->buf) - 1;
		h->filled = true;
	}
	if (off >= 0 && (size_t)off < h->len) {
		n = h->len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(out, h->buf + off, n);
	}
	pthread_mutex_unlock(&fk.lock);
	fuse_reply_buf(req, out, n);
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = { .tv_sec = ms / 1000,
			       .tv_nsec = (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * A write to mmu_reclaim: checked, then (after delay_ms, the simulated
 * mmu_lock time) done, all before the reply, so the effect is visible when
 * write() returns.  Every write, accepted or not, goes to the log.
 */
static void do_reclaim(fuse_req_t req, struct handle *h, const char *buf,
		       size_t size)
{
	struct vm *vm = h->vm;
	struct vm_cmd cmd;
	struct vm_result res;
	char result[128], scratch[16];
	uint32_t delay = 0;
	int err = vm_parse_cmd(buf, size, &cmd), parse_err = err;

	if (!err) {
		pthread_mutex_lock(&vm->reclaim_lock);
		pthread_mutex_lock(&fk.lock);
		delay = vm->delay_ms;
		pthread_mutex_unlock(&fk.lock);
	}
	if (delay)
		sleep_ms(delay); /* global lock free: rmdir may run meanwhile */

	pthread_mutex_lock(&fk.lock);
	if (!err) {
		vm_advance(vm, vm_now_ns());
		err = -vm->fail_errno;
	}
	if (!err) {
		vm_apply_cmd(vm, &cmd, &res);
		vm->last = res;
		h->result = res;
		h->has_result = true;
		h->rewound = true;
		vm_format_result(&res, result, sizeof(result));
		result[strcspn(result, "\n")] = '\0';
	} else {
		snprintf(result, sizeof(result), "-%s",
			 vm_errno_name(-err, scratch, sizeof(scratch)));
	}
	if (fakelog_append(&fk.log, vm->name, buf, size, result))
		fprintf(stderr, "fakekvm: out of memory for .fake_log\n");
	pthread_mutex_unlock(&fk.lock);
	if (!parse_err)
		pthread_mutex_unlock(&vm->reclaim_lock);

	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, size);
}

/*
 * Every write is one command whatever the file offset, like the kernel's
 * write handlers that ignore *ppos.  Files without a write method answer
 * EINVAL, as vfs_write() does for them.
 */
static void fk_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	struct handle *h = (struct handle *)(uintptr_t)fi->fh;
	int err;

	(void)ino;
	(void)off;
	if (h->vm && h->file == VMF_RECLAIM) {
		do_reclaim(req, h, buf, size);
		return;
	}
	if (!h->vm || h->file != VMF_FAKE_STATE) {
		fuse_reply_err(req, EINVAL);
		return;
	}
	pthread_mutex_lock(&fk.lock);
	vm_advance(h->vm, vm_now_ns());
	err = vm_set_state(h->vm, buf, size);
	pthread_mutex_unlock(&fk.lock);
	if (err)
		fuse_reply_err(req, -err);
	else
		fuse_reply_write(req, size);
}

const struct fuse_lowlevel_ops fk_ops = {
	.init = fk_init,
	.lookup = fk_lookup,
	.getattr = fk_getattr,
	.setattr = fk_setattr,
	.mkdir = fk_mkdir,
	.rmdir = fk_rmdir,
	.unlink = fk_unlink,
	.rename = fk_rename,
	.link = fk_link,
	.symlink = fk_symlink,
	.mknod = fk_mknod,
	.create = fk_create,
	.opendir = fk_opendir,
	.readdir = fk_readdir,
	.open = fk_open,
	.release = fk_release,
	.read = fk_read,
	.write = fk_write,
};
