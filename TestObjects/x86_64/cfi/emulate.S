# The kernel's forced-emulation prefixes (asm/emulate_prefix.h): ud2 and the ASCII
# "xen" (Xen PV's XEN_EMULATE_PREFIX before cpuid, as in xen_cpuid) or "kvm". The
# kernel's decoder and objtool read marker and instruction as one 7-byte instruction;
# decoded as ud2 and then code, "xen" is a js into the next function and "kvm" an
# imul that eats the cpuid: a wrong length, a dead end and a wrong jump.
	.text
	.globl	xen_cpuid_like
	.type	xen_cpuid_like, @function
xen_cpuid_like:
	push	%rbx
	mov	%rdi, %rax
	ud2
	.ascii	"xen"
	cpuid
	mov	%eax, (%rsi)
	pop	%rbx
	ret
	.size	xen_cpuid_like, .-xen_cpuid_like

	.globl	kvm_fep_like
	.type	kvm_fep_like, @function
kvm_fep_like:
	push	%rbp
	mov	%rsp, %rbp
	ud2
	.ascii	"kvm"
	cpuid
	ud2
	.ascii	"kvm"
	push	%rax
	pop	%rax
	pop	%rbp
	ret
	.size	kvm_fep_like, .-kvm_fep_like
