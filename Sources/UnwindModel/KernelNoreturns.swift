/// Global functions objtool treats as never returning (the attribute is not in ELF),
/// per kernel version: objtool's hard-coded list (6.1 inline in check.c; 6.5+
/// `tools/objtool/noreturns.h`), which objtool applies on every architecture it
/// supports. Sorted. The arch modules start from it: x86 takes it as it is, arm64
/// without the x86-only names and with its own.
public enum KernelNoreturns {

  /// Names in objtool's list that exist only in x86 kernels (entry, SEV/TDX, Xen PV,
  /// boot and reboot paths, syscall wrappers named for x86).
  public static let x86Only: Set<String> = [
    "__ia32_sys_exit", "__ia32_sys_exit_group", "__tdx_hypercall_failed", "__x64_sys_exit", "__x64_sys_exit_group",
    "cpu_bringup_and_idle", "ex_handler_msr_mce", "hlt_play_dead", "hv_ghcb_terminate", "machine_real_restart",
    "rewind_stack_and_make_dead", "sev_es_terminate", "snp_abort", "stop_this_cpu", "x86_64_start_kernel",
    "x86_64_start_reservations", "xen_cpu_bringup_again", "xen_start_kernel",
  ]

  static let linux6_1 = [
    "__invalid_creds", "__module_put_and_kthread_exit", "__reiserfs_panic", "__stack_chk_fail",
    "__ubsan_handle_builtin_unreachable", "cpu_bringup_and_idle", "cpu_startup_entry", "do_exit",
    "do_group_exit", "do_task_dead", "ex_handler_msr_mce", "fortify_panic", "kthread_complete_and_exit",
    "kthread_exit", "kunit_try_catch_throw", "lbug_with_loc", "machine_real_restart", "make_task_dead",
    "panic", "rewind_stack_and_make_dead", "sev_es_terminate", "snp_abort", "stop_this_cpu",
    "usercopy_abort", "xen_start_kernel",
  ]

  static let linux6_12 = [
    "__fortify_panic", "__ia32_sys_exit", "__ia32_sys_exit_group", "__kunit_abort",
    "__module_put_and_kthread_exit", "__reiserfs_panic", "__stack_chk_fail", "__tdx_hypercall_failed",
    "__ubsan_handle_builtin_unreachable", "__x64_sys_exit", "__x64_sys_exit_group", "arch_cpu_idle_dead",
    "bch2_trans_in_restart_error", "bch2_trans_restart_error", "bch2_trans_unlocked_error", "cpu_bringup_and_idle", "cpu_startup_entry",
    "do_exit", "do_group_exit", "do_task_dead", "ex_handler_msr_mce", "hlt_play_dead", "hv_ghcb_terminate",
    "kthread_complete_and_exit", "kthread_exit", "kunit_try_catch_throw", "machine_real_restart",
    "make_task_dead", "mpt_halt_firmware", "nmi_panic_self_stop", "panic", "panic_smp_self_stop",
    "rest_init", "rewind_stack_and_make_dead", "rust_begin_unwind", "rust_helper_BUG", "sev_es_terminate",
    "snp_abort", "start_kernel", "stop_this_cpu", "usercopy_abort", "x86_64_start_kernel",
    "x86_64_start_reservations", "xen_cpu_bringup_again", "xen_start_kernel",
  ]
}
