# SPDX-License-Identifier: GPL-2.0-only
#
# prog.mk - build one program with the KVM selftests' own rules and flags:
#   make -C <tree>/tools/testing/selftests/kvm -f <this file> \
#        OUTPUT=<dir> KHDR_INCLUDES=... LDFLAGS=... PROG_SRC=<file.c> <dir>/prog
# It includes the selftests Makefile unchanged and links one more program
# against the same library objects (as tests/kernel/e2e/holder.mk does).
include Makefile

$(OUTPUT)/prog: $(PROG_SRC) $(LIBKVM_OBJS)
	$(CC) $(CFLAGS) -I$(CURDIR) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< $(LIBKVM_OBJS) $(LDLIBS) -o $@
