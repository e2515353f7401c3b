; Jump sizing: short when the target fits, near otherwise, forward and backward.
bits 32
org 0x7c00
top:
	jmp top
	jmp short .near_fwd
	jmp near .near_fwd
.near_fwd:
	je top
	jne far_away
	jz .l1
	jnz .l1
.l1:
	ja top
	jae top
	jb top
	jbe top
	jc top
	jnc top
	jg top
	jge top
	jl top
	jle top
	jo top
	jno top
	js top
	jns top
	jp top
	jnp top
	jpe top
	jpo top
	jna top
	jnae top
	jnb top
	jnbe top
	jng top
	jnge top
	jnl top
	jnle top
	loop top
	loope top
	loopne top
	loopz top
	loopnz top
	jecxz top
	call top
	call far_away
	jmp far_away
	times 100 nop
mid:
	jmp mid2
	times 120 nop
mid2:
	jl mid
	times 130 db 0x90
far_away:
	jmp top
	jmp $
	jmp $+2
	je $-4
	jmp 0x7c00
	call 0x7c10
