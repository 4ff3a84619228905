#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# kvm-reclaimd under memcheck, standing in for the daemon in an integration
# script (run-daemon.sh points KVM_RECLAIMD here).  One log per process in
# KVMR_VALGRIND_LOG_DIR; exec keeps the pid the script waits for and signals.
exec valgrind --quiet --error-exitcode=99 --leak-check=full \
	--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
	--log-file="$KVMR_VALGRIND_LOG_DIR/daemon.%p.log" "$KVMR_VALGRIND_DAEMON" "$@"
