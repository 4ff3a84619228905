# SPDX-License-Identifier: LGPL-2.1-or-later
# KERNEL_SPLATS: an extended regex for every kernel report that fails a
# guest run.  One list, sourced by qemu-test.sh and e2e-daemon.sh, so a
# pattern added for one test guards both.
KERNEL_SPLATS='WARNING:|BUG:|Oops|Kernel panic|general protection fault'
KERNEL_SPLATS+='|possible recursive locking|possible circular locking|inconsistent lock state'
KERNEL_SPLATS+='|DEBUG_LOCKS_WARN_ON|lockdep is turned off|turning off the locking correctness'
KERNEL_SPLATS+='|suspicious RCU usage|sleeping function called from invalid context'
KERNEL_SPLATS+='|KASAN|UBSAN|kmemleak|list_add corruption|list_del corruption|Call Trace:'
KERNEL_SPLATS+='|INFO: task .* blocked|soft lockup|hard LOCKUP|detected stalls'
