// hyp.S - KVM nVHE hypervisor code as it appears in vmlinux.o: its objects were linked
// with hyp.lds (.text -> .hyp.text) and every symbol prefixed `__kvm_nvhe_`, the
// alternative callbacks included (`alternative_has_cap_likely` ->
// `__kvm_nvhe_alt_cb_patch_nops`, aliased to alt_cb_patch_nops only at the final link).
// One function with a NOP-callback site (both the original branch and the NOP stream
// are live) and a replacement in its own section (`.subsection 1`).
	.pushsection ".hyp.text", "ax"
	.globl	__kvm_nvhe___kvm_vcpu_run
	.type	__kvm_nvhe___kvm_vcpu_run, %function
__kvm_nvhe___kvm_vcpu_run:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
1:	b	3f
2:
	bl	__kvm_nvhe___sysreg_save_state_nvhe
3:	nop
4:	nop
5:
	ldp	x29, x30, [sp], #16
	ret
	.size	__kvm_nvhe___kvm_vcpu_run, .-__kvm_nvhe___kvm_vcpu_run
	.subsection 1
6:	dsb	ish
7:
	.subsection 0
	.popsection

	.pushsection .altinstructions, "a"
	.long	1b - .
	.long	__kvm_nvhe_alt_cb_patch_nops - .
	.2byte	0x8000 | 0x2a
	.byte	2b - 1b
	.byte	0
	.long	4b - .
	.long	6b - .
	.2byte	0x0021
	.byte	5b - 4b
	.byte	7b - 6b
	.popsection
