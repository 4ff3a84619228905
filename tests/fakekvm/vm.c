/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vm.c - semantics of one fake VM.  See vm.h; the caller holds the lock.
 */
#include "vm.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A vCPU tops up its MMU memory caches to a few dozen objects per cache
 * before each fault; growth (--grow-cache) never fills one past this, so a
 * demo looks like the kernel.  "cache=" from a test may set any value.
 */
#define CACHE_GROW_CAP_PER_VCPU 160

/* Rough leaf mappings per shadow page, only to make pages_4k move. */
#define PAGES_4K_PER_SHADOW 256

static uint64_t grow_shadow_rate;
static uint64_t grow_cache_rate;

void vm_set_growth(uint64_t shadow_per_sec, uint64_t cache_per_sec)
{
	grow_shadow_rate = shadow_per_sec;
	grow_cache_rate = cache_per_sec;
}

uint64_t vm_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

bool vm_name_valid(const char *name)
{
	size_t len = strlen(name), i = 0, digits;

	if (len == 0 || len > FAKEKVM_NAME_MAX)
		return false;
	for (digits = 0; isdigit((unsigned char)name[i]); i++)
		digits++;
	if (digits == 0 || name[i] != '-')
		return false;
	for (i++, digits = 0; isdigit((unsigned char)name[i]); i++)
		digits++;
	return digits > 0 && name[i] == '\0';
}

struct vm *vm_new(const char *name)
{
	struct vm *vm = calloc(1, sizeof(*vm));

	if (!vm)
		return NULL;
	vm->vcpu_cache = calloc(1, sizeof(*vm->vcpu_cache));
	vm->vcpu_asked = calloc(1, sizeof(*vm->vcpu_asked));
	if (!vm->vcpu_cache || !vm->vcpu_asked) {
		free(vm->vcpu_cache);
		free(vm->vcpu_asked);
		free(vm);
		return NULL;
	}
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	pthread_mutex_init(&vm->reclaim_lock, NULL);
	vm->refs = 1;
	vm->created = time(NULL);
	vm->vcpus = 1;
	vm->pinned = FAKEKVM_DEFAULT_PINNED;
	vm->kvm_max = FAKEKVM_DEFAULT_KVM_MAX;
	vm->shadow_max = FAKEKVM_DEFAULT_KVM_MAX;
	vm->grow_ns = vm_now_ns();
	return vm;
}

void vm_free(struct vm *vm)
{
	if (!vm)
		return;
	pthread_mutex_destroy(&vm->reclaim_lock);
	free(vm->vcpu_cache);
	free(vm->vcpu_asked);
	free(vm);
}

uint64_t vm_cache_total(const struct vm *vm)
{
	uint64_t sum = 0;

	for (uint32_t i = 0; i < vm->vcpus; i++)
		sum += vm->vcpu_cache[i];
	return sum;
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* How many whole pages rate pages/s gives over elapsed ns, keeping the rest. */
static uint64_t grow_pages(uint64_t rate, uint64_t elapsed_ns, uint64_t *rem)
{
	unsigned __int128 units = (unsigned __int128)rate * elapsed_ns + *rem;
	unsigned __int128 pages = units / 1000000000u;

	*rem = (uint64_t)(units % 1000000000u);
	return pages > UINT64_MAX ? UINT64_MAX : (uint64_t)pages;
}

static void grow_cache(struct vm *vm, uint64_t pages)
{
	uint32_t n = vm->vcpus;

	/* Hand pages out round-robin; a full cache takes no more. */
	for (uint32_t k = 0; k < n && pages > 0; k++) {
		uint32_t i = (vm->grow_next_vcpu + k) % n;
		uint64_t share = pages / (n - k) + (pages % (n - k) ? 1 : 0);
		uint64_t cur = vm->vcpu_cache[i];
		uint64_t room = cur < CACHE_GROW_CAP_PER_VCPU ?
					CACHE_GROW_CAP_PER_VCPU - cur : 0;
		uint64_t give = share < room ? share : room;

		vm->vcpu_cache[i] += give;
		pages -= share;
	}
	if (n)
		vm->grow_next_vcpu = (vm->grow_next_vcpu + 1) % n;
}

void vm_advance(struct vm *vm, uint64_t now_ns)
{
	uint64_t elapsed = now_ns > vm->grow_ns ? now_ns - vm->grow_ns : 0;

	vm->grow_ns = now_ns;
	if (elapsed == 0)
		return;
	model_advance(vm, elapsed);
	/* Faults never take the shadow pages past the cap in force. */
	if (grow_shadow_rate) {
		uint64_t grown = sat_add(vm->shadow,
					 grow_pages(grow_shadow_rate, elapsed,
						    &vm->grow_rem_shadow));

		if (grown > vm->shadow_max)
			grown = vm->shadow > vm->shadow_max ? vm->shadow :
							      vm->shadow_max;
		vm->shadow = grown;
	}
	if (grow_cache_rate && vm->vcpus)
		grow_cache(vm, grow_pages(grow_cache_rate, elapsed,
					  &vm->grow_rem_cache));
}

/* The commands, as rows of the kernel's command table. */
static const struct {
	const char *name;
	enum vm_cmd_op op;
	uint64_t max; /* 0: no argument */
	bool zero;    /* 0 is an argument */
} cmds[] = {
	{ KVM_RECLAIM_CMD_CACHES, VM_CMD_CACHES, 0, false },
	{ KVM_RECLAIM_CMD_ZAP, VM_CMD_ZAP, KVM_RECLAIM_ZAP_MAX, false },
	{ KVM_RECLAIM_CMD_FREE_EMPTY, VM_CMD_FREE_EMPTY, 0, false },
	{ KVM_RECLAIM_CMD_ZAP_COLD, VM_CMD_ZAP_COLD, KVM_RECLAIM_ZAP_MAX, false },
	{ KVM_RECLAIM_CMD_LIMIT, VM_CMD_LIMIT, UINT64_MAX, true },
};

/* Decimal digits only (no sign, no 0x), within [zero ? 0 : 1, max]. */
static int parse_arg(const char *s, size_t len, uint64_t max, bool zero,
		     uint64_t *out)
{
	uint64_t n = 0;

	if (len == 0)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (!isdigit((unsigned char)s[i]) || n > (max - d) / 10)
			return -EINVAL; /* also stops overflow */
		n = n * 10 + d;
	}
	if (n == 0 && !zero)
		return -EINVAL;
	*out = n;
	return 0;
}

/* The first series (--kernel=v1) knew "caches" and "zap" only. */
static bool vm_cmd_offered(enum vm_cmd_op op)
{
	return fake_kernel != FAKE_KERNEL_V1 || op == VM_CMD_CACHES ||
	       op == VM_CMD_ZAP;
}

int vm_parse_cmd(const char *buf, size_t len, struct vm_cmd *cmd)
{
	/* The limit counts the newline, like the kernel's buffer. */
	if (len == 0 || len > KVM_RECLAIM_CMD_MAX_LEN)
		return -EINVAL;
	if (buf[len - 1] == '\n')
		len--;

	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		size_t n = strlen(cmds[i].name);

		if (len < n || memcmp(buf, cmds[i].name, n))
			continue;
		if (!cmds[i].max && len == n) {
			cmd->op = cmds[i].op;
			cmd->n = 0;
			return vm_cmd_offered(cmd->op) ? 0 : -EINVAL;
		}
		/* "name N": one space, then the number. */
		if (cmds[i].max && len > n && buf[n] == ' ' &&
		    !parse_arg(buf + n + 1, len - n - 1, cmds[i].max,
			       cmds[i].zero, &cmd->n)) {
			cmd->op = cmds[i].op;
			/* The kernel's handler refuses a limit below its minimum. */
			if (cmd->op == VM_CMD_LIMIT && cmd->n &&
			    cmd->n < KVM_RECLAIM_LIMIT_MIN)
				return -EINVAL;
			return vm_cmd_offered(cmd->op) ? 0 : -EINVAL;
		}
	}
	return -EINVAL;
}

/* Shadow pages a zap may take: all but the pinned roots. */
static uint64_t zappable_shadow(const struct vm *vm)
{
	return vm->shadow > vm->pinned ? vm->shadow - vm->pinned : 0;
}

/* Take up to n tables, TDP MMU ones first, then shadow pages. */
static uint64_t take_tables(struct vm *vm, uint64_t n)
{
	uint64_t t = n < vm->tdp ? n : vm->tdp, s;

	vm->tdp -= t;
	n -= t;
	s = n < zappable_shadow(vm) ? n : zappable_shadow(vm);
	vm->shadow -= s;
	vm->zapped_total += s;
	return t + s;
}

/* empty and cold can only name tables that exist. */
static void clamp_tables(struct vm *vm)
{
	uint64_t tables = sat_add(vm->tdp, zappable_shadow(vm));

	if (vm->empty > tables)
		vm->empty = tables;
	if (vm->cold > tables)
		vm->cold = tables;
}

void vm_apply_cmd(struct vm *vm, const struct vm_cmd *cmd,
		  struct vm_result *res)
{
	uint64_t z = 0, cap, tables_before = model_tables(vm);

	memset(res, 0, sizeof(*res));
	model_before_cmd(vm, cmd);

	switch (cmd->op) {
	case VM_CMD_CACHES:
		/*
		 * The kernel trylocks each vCPU's mutex: one busy in KVM_RUN
		 * (maybe in a fault) keeps its caches for now, is counted,
		 * and is asked to free them itself when it runs again.
		 */
		for (uint32_t i = 0; i < vm->vcpus; i++) {
			if (i < vm->busy) {
				res->busy_vcpus++;
				vm->vcpu_asked[i] = true;
				continue;
			}
			res->caches_freed += vm->vcpu_cache[i];
			vm->vcpu_cache[i] = 0;
			vm->vcpu_asked[i] = false;
		}
		break;
	case VM_CMD_ZAP:
		/* Oldest shadow pages; TDP MMU tables are not shadow pages. */
		z = cmd->n < zappable_shadow(vm) ? cmd->n : zappable_shadow(vm);
		vm->shadow -= z;
		vm->zapped_total += z;
		break;
	case VM_CMD_FREE_EMPTY:
		z = take_tables(vm, vm->empty);
		vm->empty = 0;
		break;
	case VM_CMD_ZAP_COLD:
		z = take_tables(vm, cmd->n < vm->cold ? cmd->n : vm->cold);
		vm->cold -= z;
		break;
	case VM_CMD_LIMIT:
		/* The lower of the two caps; pinned roots can't go. */
		vm->limit = cmd->n;
		cap = vm->limit && vm->limit < vm->kvm_max ? vm->limit :
							     vm->kvm_max;
		if (vm->shadow > cap) {
			z = vm->shadow - cap;
			if (z > zappable_shadow(vm))
				z = zappable_shadow(vm);
			vm->shadow -= z;
			vm->zapped_total += z;
		}
		vm->shadow_max = vm->shadow > cap ? vm->shadow : cap;
		break;
	}
	res->zapped = z;
	if (z)
		vm->tlb_flushes++;
	model_after_cmd(vm, cmd, tables_before, z);
	clamp_tables(vm);
	vm->reclaims++;
}

/* --- .fake_state ------------------------------------------------------ */

static const struct {
	const char *name;
	int err;
} errno_names[] = {
	{ "EIO", EIO },       { "ENOENT", ENOENT }, { "EINVAL", EINVAL },
	{ "EBUSY", EBUSY },   { "ENOMEM", ENOMEM }, { "EINTR", EINTR },
	{ "EAGAIN", EAGAIN }, { "ENODEV", ENODEV }, { "EPERM", EPERM },
	{ "EACCES", EACCES }, { "ESRCH", ESRCH },   { "ENOSPC", ENOSPC },
	{ "EFAULT", EFAULT }, { "ENOTDIR", ENOTDIR }, { "EEXIST", EEXIST },
	{ "ESPIPE", ESPIPE },
};

const char *vm_errno_name(int err, char *scratch, size_t size)
{
	if (err == 0)
		return "none";
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]);
	     i++)
		if (errno_names[i].err == err)
			return errno_names[i].name;
	snprintf(scratch, size, "%d", err);
	return scratch;
}

static int parse_errno(const char *s, int *err)
{
	if (!strcmp(s, "none") || !strcmp(s, "0")) {
		*err = 0;
		return 0;
	}
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]);
	     i++) {
		if (!strcmp(s, errno_names[i].name)) {
			*err = errno_names[i].err;
			return 0;
		}
	}
	return -EINVAL;
}

/* Decimal digits only, no sign, no overflow. */
static int parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (!isdigit((unsigned char)*s) || v > (UINT64_MAX - d) / 10)
			return -EINVAL;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static int parse_u32(const char *s, uint64_t max, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > max)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

/* An absolute value, or "+N" to grow by N. */
static int parse_count(const char *s, uint64_t *v, bool *add)
{
	*add = *s == '+';
	return parse_u64(s + *add, v);
}

struct staged {
	bool has_shadow, shadow_add;
	uint64_t shadow;
	bool has_cache, cache_add;
	uint64_t cache;
	bool has_vcpus;
	uint32_t vcpus;
	bool has_busy;
	uint32_t busy;
	bool has_pinned;
	uint64_t pinned;
	bool has_fail;
	int fail;
	bool has_garbage;
	uint32_t garbage;
	bool has_delay;
	uint32_t delay;
	bool has_tdp, tdp_add;
	uint64_t tdp;
	bool has_empty;
	uint64_t empty;
	bool has_cold;
	uint64_t cold;
	bool has_kvm_max;
	uint64_t kvm_max;
	bool has_hot, has_regrow; /* model.c */
	uint64_t hot;
	uint32_t regrow;
};

static int stage_token(struct staged *st, char *tok)
{
	char *val = strchr(tok, '=');
	int err;

	if (!val)
		return -EINVAL;
	*val++ = '\0';

	if (model_stage(tok, val, &st->hot, &st->has_hot, &st->regrow,
			&st->has_regrow, &err))
		return err;

	if (!strcmp(tok, "shadow")) {
		st->has_shadow = true;
		return parse_count(val, &st->shadow, &st->shadow_add);
	}
	if (!strcmp(tok, "cache")) {
		st->has_cache = true;
		return parse_count(val, &st->cache, &st->cache_add);
	}
	if (!strcmp(tok, "vcpus")) {
		st->has_vcpus = true;
		return parse_u32(val, FAKEKVM_MAX_VCPUS, &st->vcpus);
	}
	if (!strcmp(tok, "busy")) {
		st->has_busy = true;
		return parse_u32(val, FAKEKVM_MAX_VCPUS, &st->busy);
	}
	if (!strcmp(tok, "pinned")) {
		st->has_pinned = true;
		return parse_u64(val, &st->pinned);
	}
	if (!strcmp(tok, "fail")) {
		st->has_fail = true;
		return parse_errno(val, &st->fail);
	}
	if (!strcmp(tok, "garbage")) {
		st->has_garbage = true;
		return parse_u32(val, FAKEKVM_GARBAGE_MODES, &st->garbage);
	}
	if (!strcmp(tok, "delay_ms")) {
		st->has_delay = true;
		return parse_u32(val, FAKEKVM_MAX_DELAY_MS, &st->delay);
	}
	if (!strcmp(tok, "tdp")) {
		st->has_tdp = true;
		return parse_count(val, &st->tdp, &st->tdp_add);
	}
	if (!strcmp(tok, "empty")) {
		st->has_empty = true;
		return parse_u64(val, &st->empty);
	}
	if (!strcmp(tok, "cold")) {
		st->has_cold = true;
		return parse_u64(val, &st->cold);
	}
	if (!strcmp(tok, "kvm_max")) {
		st->has_kvm_max = true;
		return parse_u64(val, &st->kvm_max);
	}
	return -EINVAL;
}

/* Add (or set) total pages spread evenly, the first vCPUs taking the rest. */
static void spread(uint64_t *cache, uint32_t n, uint64_t total, bool add)
{
	for (uint32_t i = 0; i < n; i++) {
		uint64_t share = total / n + (i < total % n ? 1 : 0);

		cache[i] = add ? sat_add(cache[i], share) : share;
	}
}

int vm_set_state(struct vm *vm, const char *buf, size_t len)
{
	struct staged st = { 0 };
	uint32_t vcpus;
	uint64_t cache_total, shadow, tdp, tables, kvm_max;
	uint64_t *cache = NULL;
	bool *asked = NULL;
	char *copy, *tok, *save;
	int ntok = 0, err = 0;

	copy = strndup(buf, len);
	if (!copy)
		return -ENOMEM;
	if (strlen(copy) != len) /* embedded NUL */
		err = -EINVAL;
	for (tok = strtok_r(copy, " \t\n", &save); tok && !err;
	     tok = strtok_r(NULL, " \t\n", &save), ntok++)
		err = stage_token(&st, tok);
	free(copy);
	if (!err && ntok == 0)
		err = -EINVAL;
	if (err)
		return err;

	/* Validate everything before changing anything. */
	vcpus = st.has_vcpus ? st.vcpus : vm->vcpus;
	cache_total = vm_cache_total(vm);
	if (st.has_cache && !st.cache_add)
		cache_total = st.cache;
	else if (st.has_cache && cache_total > UINT64_MAX - st.cache)
		return -EINVAL;
	else if (st.has_cache)
		cache_total += st.cache;
	if (vcpus == 0 && cache_total > 0)
		return -EINVAL;
	if (st.has_busy && st.busy > vcpus)
		return -EINVAL;
	shadow = vm->shadow;
	if (st.has_shadow && !st.shadow_add)
		shadow = st.shadow;
	else if (st.has_shadow && shadow > UINT64_MAX - st.shadow)
		return -EINVAL;
	else if (st.has_shadow)
		shadow += st.shadow;
	tdp = vm->tdp;
	if (st.has_tdp && !st.tdp_add)
		tdp = st.tdp;
	else if (st.has_tdp && tdp > UINT64_MAX - st.tdp)
		return -EINVAL;
	else if (st.has_tdp)
		tdp += st.tdp;
	/* empty= and cold= name tables that exist: TDP or zappable shadow. */
	tables = sat_add(tdp, shadow > (st.has_pinned ? st.pinned : vm->pinned) ?
				      shadow - (st.has_pinned ? st.pinned :
								vm->pinned) :
				      0);
	if ((st.has_empty && st.empty > tables) ||
	    (st.has_cold && st.cold > tables))
		return -EINVAL;
	kvm_max = st.has_kvm_max ? st.kvm_max : vm->kvm_max;
	if (kvm_max < KVM_RECLAIM_LIMIT_MIN)
		return -EINVAL;

	if (vcpus != vm->vcpus) {
		cache = calloc(vcpus ? vcpus : 1, sizeof(*cache));
		asked = calloc(vcpus ? vcpus : 1, sizeof(*asked));
		if (!cache || !asked) {
			free(cache);
			free(asked);
			return -ENOMEM;
		}
		spread(cache, vcpus, cache_total, false);
		free(vm->vcpu_cache);
		free(vm->vcpu_asked);
		vm->vcpu_cache = cache;
		vm->vcpu_asked = asked;
		vm->vcpus = vcpus;
		vm->grow_next_vcpu = 0;
	} else if (st.has_cache && st.cache_add) {
		spread(vm->vcpu_cache, vcpus, st.cache, true);
	} else if (st.has_cache) {
		spread(vm->vcpu_cache, vcpus, st.cache, false);
	}
	if (st.has_busy)
		vm->busy = st.busy;
	else if (vm->busy > vcpus) /* fewer vCPUs now */
		vm->busy = vcpus;
	/* A vCPU no longer busy ran again: it did what "caches" asked. */
	for (uint32_t i = vm->busy; i < vm->vcpus; i++) {
		if (vm->vcpu_asked[i]) {
			vm->vcpu_cache[i] = 0;
			vm->vcpu_asked[i] = false;
		}
	}
	vm->shadow = shadow;
	vm->tdp = tdp;
	if (st.has_pinned)
		vm->pinned = st.pinned;
	if (st.has_empty)
		vm->empty = st.empty;
	if (st.has_cold)
		vm->cold = st.cold;
	if (st.has_kvm_max) {
		/* As if KVM_SET_NR_MMU_PAGES changed KVM's cap (no zap). */
		vm->kvm_max = kvm_max;
		vm->shadow_max = vm->limit && vm->limit < kvm_max ? vm->limit :
								    kvm_max;
	}
	model_apply(vm, st.has_hot, st.hot, st.has_regrow, st.regrow);
	clamp_tables(vm);
	if (st.has_fail)
		vm->fail_errno = st.fail;
	if (st.has_garbage)
		vm->garbage = (int)st.garbage;
	if (st.has_delay)
		vm->delay_ms = st.delay;
	return 0;
}

int vm_format_state(const struct vm *vm, char *buf, size_t size)
{
	char scratch[16], model[192];
	int n;

	model_format(vm, model, sizeof(model));
	n = snprintf(buf, size,
			"shadow=%llu tdp=%llu cache=%llu vcpus=%u busy=%u "
			"pinned=%llu empty=%llu cold=%llu kvm_max=%llu "
			"limit=%llu shadow_max=%llu "
			"fail=%s garbage=%d delay_ms=%u zapped_total=%llu "
			"reclaims=%llu%s\n",
			(unsigned long long)vm->shadow,
			(unsigned long long)vm->tdp,
			(unsigned long long)vm_cache_total(vm), vm->vcpus,
			vm->busy, (unsigned long long)vm->pinned,
			(unsigned long long)vm->empty,
			(unsigned long long)vm->cold,
			(unsigned long long)vm->kvm_max,
			(unsigned long long)vm->limit,
			(unsigned long long)vm->shadow_max,
			vm_errno_name(vm->fail_errno, scratch, sizeof(scratch)),
			vm->garbage, vm->delay_ms,
			(unsigned long long)vm->zapped_total,
			(unsigned long long)vm->reclaims, model);
	return n;
}

int vm_format_stat(const struct vm *vm, enum vm_file file, char *buf,
		   size_t size)
{
	unsigned long long v = 0;

	switch (file) {
	case VMF_SHADOW_PAGES:
		v = vm->shadow;
		break;
	case VMF_TDP_PAGES:
		v = vm->tdp;
		break;
	case VMF_CACHE_PAGES:
		v = vm_cache_total(vm);
		break;
	case VMF_PAGETABLE_BYTES:
		v = vm_pagetable_bytes(vm);
		break;
	case VMF_SHADOW_ZAPPED:
		v = vm->zapped_total;
		break;
	case VMF_REMOTE_TLB_FLUSH:
		v = vm->tlb_flushes;
		break;
	case VMF_PAGES_4K:
		v = vm->shadow > UINT64_MAX / PAGES_4K_PER_SHADOW ?
			    UINT64_MAX :
			    vm->shadow * PAGES_4K_PER_SHADOW;
		break;
	default: /* pages_2m, pages_1g: the fake maps 4K pages only */
		break;
	}

	/* Junk the kernel never writes, one kind per mode, for parser tests. */
	switch (vm->garbage) {
	case 1:
		return snprintf(buf, size, "junk\n");
	case 2:
		return snprintf(buf, size, "%s", "");
	case 3:
		return snprintf(buf, size, "%llu", v);
	case 4:
		return snprintf(buf, size, "18446744073709551616\n");
	case 5:
		return snprintf(buf, size, "-1\n");
	case 6:
		return snprintf(buf, size, "%llu %llu\n", v, v);
	case 7:
		return snprintf(buf, size, "0x%llx\n", v);
	default:
		return snprintf(buf, size, "%llu\n", v);
	}
}

int vm_format_result(const struct vm_result *res, char *buf, size_t size)
{
	return snprintf(buf, size, KVM_RECLAIM_RESULT_FMT, res->caches_freed,
			res->zapped, res->busy_vcpus);
}

static uint64_t sat_mul(uint64_t a, uint64_t b)
{
	return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

uint64_t vm_pagetable_bytes(const struct vm *vm)
{
	return sat_add(sat_mul(vm->shadow, FAKEKVM_SHADOW_PAGE_BYTES),
		       sat_mul(vm->tdp, FAKEKVM_TDP_PAGE_BYTES));
}

int vm_format_vms_line(const struct vm *vm, char *buf, size_t size)
{
	return snprintf(buf, size, KVM_RECLAIM_VMS_FMT, vm->name,
			(unsigned long long)vm->shadow,
			(unsigned long long)vm->tdp,
			(unsigned long long)vm_cache_total(vm),
			(unsigned long long)vm_pagetable_bytes(vm),
			(unsigned long long)vm->shadow_max);
}
