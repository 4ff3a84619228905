# SPDX-License-Identifier: GPL-2.0-only
#
# holder.mk - build vm_holder with the KVM selftests' own rules and flags:
#   make -C <tree>/tools/testing/selftests/kvm -f <this file> \
#        OUTPUT=<dir> KHDR_INCLUDES=... LDFLAGS=... HOLDER_SRC=<vm_holder.c> <dir>/vm_holder
# It includes the selftests Makefile unchanged (the series is not touched)
# and adds one program linked against the same library objects.
include Makefile

$(OUTPUT)/vm_holder: $(HOLDER_SRC) $(LIBKVM_OBJS)
	$(CC) $(CFLAGS) -I$(CURDIR) $(CPPFLAGS) $(LDFLAGS) $(TARGET_ARCH) $< $(LIBKVM_OBJS) $(LDLIBS) -o $@
