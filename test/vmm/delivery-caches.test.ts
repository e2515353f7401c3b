// The monitor keeps the guest descriptors its deliveries and IRETs use (the
// handler's code segment, the ring-0 stack segment, the segment an IRET returns
// to) while its shadow GDT is current. They must never show the guest a stale
// descriptor: not after a store into the GDT, a remapping of the GDT page, a
// write from outside the CPU, an LGDT, or a move of the monitor's region; and
// the IDT gate and the TSS stack, which are not kept, are read afresh.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GuestDescriptorCache, uncachedDescriptors } from '../../src/vmm/guest-descriptors';
import { attachMonitorRegion, MonitorRegion } from '../../src/vmm/monitor-region';
import { reflect } from '../../src/vmm/reflection';
import { linear, physical } from '../../src/x86/addresses';
import { CpuException, Vector } from '../../src/x86/exceptions';
import { Reg } from '../../src/x86/registers';
import { guestAtRing3, KERNEL_CS, KERNEL_DS } from './guest-setup';
import { EVERY_MODE, EXAMPLES_LIB, exitCodeFor, LOAD_GDT, PAGING_WITH_GDT_PAGE, setGate, writeGuest } from './inline-guests';
import { bootGuest } from './run-guest';

test('the descriptor cache reads a selector once, until cleared, and never keeps a failed read', () => {
	const { cpu, vcpu } = guestAtRing3();
	const cache = new GuestDescriptorCache(new MonitorRegion());
	const first = cache.lookup(cpu, vcpu, KERNEL_CS);
	assert.equal(first.guest.dpl, 0);
	assert.equal(first.compressed.dpl, 1, 'compressed for ring 1');
	assert.equal(cache.lookup(cpu, vcpu, KERNEL_CS | 3), first, 'the RPL is not part of the key');
	// Kernel code becomes DPL 3 behind the cache's back: it still answers what it read, until cleared.
	cpu.putFlatDescriptor(0x1000, 1, true, 3);
	assert.equal(cache.lookup(cpu, vcpu, KERNEL_CS).guest.dpl, 0);
	cache.clear();
	assert.equal(cache.lookup(cpu, vcpu, KERNEL_CS).guest.dpl, 3);
	assert.equal(uncachedDescriptors.lookup(cpu, vcpu, KERNEL_DS).guest.dpl, 0);
	// Past the GDT limit: #GP(selector), every time.
	for (let i = 0; i < 2; i++) {
		assert.throws(() => cache.lookup(cpu, vcpu, 0x38), (e: unknown) => e instanceof CpuException && e.vector === Vector.GP && e.errorCode === 0x38);
	}
	assert.equal(cache.size, 1);
});

test('the descriptor cache compresses again when the monitor region moves', () => {
	const { cpu, vcpu } = guestAtRing3();
	const region = new MonitorRegion();
	attachMonitorRegion(cpu, region);
	const cache = new GuestDescriptorCache(region);
	const top = cache.lookup(cpu, vcpu, KERNEL_DS).compressed.limit;
	assert.equal(top, region.base - 1);
	region.moveTo(0x80000000);
	assert.equal(cache.lookup(cpu, vcpu, KERNEL_DS).compressed.limit, 0x7fffffff);
});

test('a reflection through the cache delivers exactly what an uncached one does', () => {
	const cache = new GuestDescriptorCache(new MonitorRegion());
	const deliver = (descriptors?: GuestDescriptorCache): unknown => {
		const { cpu, vcpu } = guestAtRing3();
		cpu.putGate(0x2000, 0x80, KERNEL_CS, 0x5000, 3);
		reflect(cpu, vcpu, { vector: 0x80, source: 'software', returnEip: 0x4002 }, descriptors);
		return { eip: cpu.eip, regs: [...cpu.regs], seg: cpu.seg.map((s) => ({ ...s })), cpl: cpu.cpl, vcpl: vcpu.cpl, flags: cpu.getEflags(), stack: [...cpu.ram.subarray(0x9000 - 20, 0x9000)] };
	};
	const uncached = deliver();
	assert.deepEqual(deliver(cache), uncached);
	assert.equal(cache.size, 2, 'the handler\'s code segment and the ring-0 stack segment');
	assert.deepEqual(deliver(cache), uncached, 'from the cache');
});

test('a gate kept from a hardware delivery still refuses INT n from a less privileged ring, and keeps nothing that failed', () => {
	const cache = new GuestDescriptorCache(new MonitorRegion());
	const external = guestAtRing3();
	external.cpu.putGate(0x2000, 0x80, KERNEL_CS, 0x5000, 0);
	reflect(external.cpu, external.vcpu, { vector: 0x80, source: 'external', returnEip: 0x4002 }, cache);
	assert.equal(external.cpu.eip, 0x5000, 'an external interrupt ignores the gate DPL');
	const { cpu, vcpu } = guestAtRing3();
	cpu.putGate(0x2000, 0x80, KERNEL_CS, 0x5000, 0);
	const before = { eip: cpu.eip, esp: cpu.regs[Reg.ESP] };
	const refused = (e: unknown): boolean => e instanceof CpuException && e.vector === Vector.GP && e.errorCode === ((0x80 << 3) | 2);
	assert.throws(() => reflect(cpu, vcpu, { vector: 0x80, source: 'software', returnEip: 0x4002 }, cache), refused);
	assert.deepEqual({ eip: cpu.eip, esp: cpu.regs[Reg.ESP] }, before, 'nothing changed');
	assert.throws(() => reflect(cpu, vcpu, { vector: 0x80, source: 'software', returnEip: 0x4002 }, cache), refused, 'nor the second time');
});

/**
 * A guest at ring 0 with paging on whose GDT sits on linear page GDT_PAGE.
 * INT 0x30 goes through a gate naming code selector 0x20 at offset
 * `handler_a`: with descriptor 0x20's base 0 that runs handler_a (EDX := 1),
 * with base 0x1000 it runs handler_b, one page further (EDX := 2); handler_c
 * sets EDX := 3. The guest takes INT 0x30, then `change` (code run between
 * the two), takes INT 0x30 again, and exits with V = first << 4 | second.
 * The second copy of the GDT (gdt_b) differs from the first in that base.
 */
function deliveryGuest(change: string): string {
	return `
bits 32
org 0x100000
%include "${EXAMPLES_LIB}/multiboot.inc"
GDT_PAGE equ 0x200000
start:
	mov esp, 0x90000
${PAGING_WITH_GDT_PAGE}
${LOAD_GDT}
${setGate(0x30, 'handler_a', 0x20, 0x8e00)}
	lidt [idtr]
	int 0x30
	mov ecx, edx
first_delivery_done:
${change}
	int 0x30
	mov eax, ecx
	shl eax, 4
	or eax, edx
	out 0xf4, al
	jmp $
gdtr:	dw 0x27
	dd GDT_PAGE
gdtr_b:	dw 0x27
	dd gdt_b
idtr:	dw 0x30 * 8 + 7
	dd idt
align 4096
handler_a:
	mov edx, 1
	iretd
handler_c:
	mov edx, 3
	iretd
align 4096
handler_b:
	mov edx, 2
	iretd
align 4096
gdt_a:	dq 0
	dq 0x00cf9a000000ffff
	dq 0x00cf92000000ffff
	dq 0
	dq 0x00cf9a000000ffff
align 4096
gdt_b:	dq 0
	dq 0x00cf9a000000ffff
	dq 0x00cf92000000ffff
	dq 0
	dq 0x00cf9a001000ffff
align 4096
page_directory:	times 1024 dd 0
page_table:	times 1024 dd 0
idt:	times 0x31 dq 0
image_end:
`;
}

const CHANGES: { name: string; code: string; second: number }[] = [
	{ name: 'nothing changes', code: '', second: 1 },
	// Base bits 0-15 of descriptor 0x20 are its bytes 2-3: a store into the traced GDT page.
	{ name: 'a store into the GDT', code: '\tmov word [GDT_PAGE + 0x22], 0x1000', second: 2 },
	{ name: 'the GDT page remapped', code: '\tmov dword [page_table + (GDT_PAGE >> 12) * 4], gdt_b + 3\n\tinvlpg [GDT_PAGE]', second: 2 },
	{ name: 'an LGDT of another table', code: '\tlgdt [gdtr_b]', second: 2 },
	{ name: 'the IDT gate rewritten', code: '\tmov eax, handler_c\n\tmov [idt + 0x30 * 8], ax', second: 3 },
];

for (const change of CHANGES) {
	test(`a second delivery sees the guest's tables after ${change.name}, in every mode`, () => {
		const path = writeGuest('delivery-caches', 'delivery.asm', deliveryGuest(change.code));
		for (const mode of EVERY_MODE) {
			const outcome = bootGuest(path, mode).monitor.run(1_000_000);
			assert.deepEqual(outcome, { reason: 'exit', exitCode: exitCodeFor(1, change.second) }, mode);
		}
	});
}

test('a second delivery sees a GDT write from outside the CPU (a debugger poke)', () => {
	const path = writeGuest('delivery-caches', 'delivery-poke.asm', deliveryGuest(''));
	for (const mode of EVERY_MODE) {
		const guest = bootGuest(path, mode);
		guest.monitor.setBreakpoints([linear(guest.symbol('first_delivery_done'))]);
		assert.equal(guest.monitor.run(1_000_000).reason, 'breakpoint', mode);
		guest.pc.memory.write32(physical(guest.symbol('gdt_a') + 0x20), 0x1000ffff);
		guest.monitor.setBreakpoints([]);
		assert.deepEqual(guest.monitor.run(1_000_000), { reason: 'exit', exitCode: exitCodeFor(1, 2) }, mode);
	}
});

/**
 * A guest that enters ring 3 (CS 0x1B, SS 0x23, flat) with TSS.SS0:ESP0 = 0x10:0x70000 and
 * there runs `user`, whose INT 0x80s go through a DPL-3 gate to `handler` at ring 0. GDT
 * entries 1-5: ring-0 code and data, ring-3 code and data, the TSS at 0x3000; `moreGdt` adds
 * entries from 0x30 on; `data` goes after the handler.
 */
function ring3Guest(user: string, handler: string, data: string, moreGdt = ''): string {
	const entries = 6 + moreGdt.split('\n').filter((line) => line.trim() !== '').length;
	return `
bits 32
org 0x100000
%include "${EXAMPLES_LIB}/multiboot.inc"
TSS equ 0x3000
start:
	mov esp, 0x90000
${LOAD_GDT}
${setGate(0x80, 'handler', 0x08, 0xee00)}
	lidt [idtr]
	mov dword [TSS + 4], 0x70000
	mov dword [TSS + 8], 0x10
	mov word [TSS + 102], 104
	mov ax, 0x28
	ltr ax
	mov ax, 0x23
	mov ds, ax
	mov es, ax
	push 0x23
	push 0x80000
	push 0x2
	push 0x1b
	push user
	iretd
user:
${user}
handler:
${handler}
${data}
gdtr:	dw ${entries} * 8 - 1
	dd gdt
idtr:	dw 0x80 * 8 + 7
	dd idt
align 8
gdt:	dq 0
	dq 0x00cf9a000000ffff
	dq 0x00cf92000000ffff
	dq 0x00cffa000000ffff
	dq 0x00cff2000000ffff
	dq 0x0000890030000067
${moreGdt}
idt:	times 0x81 dq 0
image_end:
`;
}

/**
 * Ring 3 takes INT 0x80 twice; the handler gives the TSS another ESP0 the
 * first time, and reports which stack it runs on (ESP0 - 0x70000 over 16:
 * 0, then 2). A third INT 0x80 exits with V = first << 4 | second.
 */
test('a delivery from ring 3 reads the ring-0 stack from the TSS afresh, in every mode', () => {
	const path = writeGuest('delivery-caches', 'tss-stack.asm', ring3Guest(`
	int 0x80
	mov ecx, edx
	int 0x80
	mov eax, ecx
	shl eax, 4
	or eax, edx
	int 0x80`, `
	cmp dword [count], 2
	je .exit
	mov edx, esp
	add edx, 20 - 0x70000
	shr edx, 4
	mov dword [TSS + 4], 0x70020
	inc dword [count]
	iretd
.exit:
	out 0xf4, al
	jmp $`, 'count:	dd 0'));
	for (const mode of EVERY_MODE) {
		assert.deepEqual(bootGuest(path, mode).monitor.run(1_000_000), { reason: 'exit', exitCode: exitCodeFor(0, 2) }, mode);
	}
});

test('a delivery from ring 3 switches to the ring-0 stack segment the TSS names now, not the one it named before', () => {
	// The first INT 0x80 goes to SS0 = 0x10 (base 0), the second to SS0 = 0x30 (base 0x100): the handler finds each frame
	// (its return EIP) at the base of the stack segment in force plus ESP0 minus 20, read through the flat DS.
	const path = writeGuest('delivery-caches', 'tss-stack-segment.asm', ring3Guest(`
	int 0x80
first_return:
	int 0x80
second_return:
	int 0x80`, `
	mov ax, 0x10
	mov ds, ax
	cmp dword [count], 2
	je .exit
	mov ebx, [count]
	mov eax, [frames + ebx * 4]
	mov eax, [eax]
	cmp eax, [returns + ebx * 4]
	jne .wrong
	inc dword [found]
.wrong:
	mov dword [TSS + 8], 0x30
	inc dword [count]
	mov ax, 0x23
	mov ds, ax
	iretd
.exit:
	mov al, [found]
	out 0xf4, al
	jmp $`, `count:	dd 0
found:	dd 0
frames:	dd 0x70000 - 20, 0x70100 - 20
returns:	dd first_return, second_return`, '	dq 0x00cf92000100ffff'));
	for (const mode of EVERY_MODE) {
		assert.deepEqual(bootGuest(path, mode).monitor.run(1_000_000), { reason: 'exit', exitCode: (2 << 1) | 1 }, mode);
	}
});

test('a segment load after a store into the GDT gets the stored descriptor, in every mode', () => {
	// FS = 0x18 reads VALUE_A through base 0x300000; the guest stores base 0x300004 into descriptor 0x18 and loads FS again.
	const path = writeGuest('delivery-caches', 'gdt-store.asm', `
bits 32
org 0x100000
%include "${EXAMPLES_LIB}/multiboot.inc"
VALUE_A equ 0x300000
VALUE_B equ 0x300004
start:
	mov esp, 0x90000
	mov dword [VALUE_A], 1
	mov dword [VALUE_B], 2
${LOAD_GDT}
	mov ax, 0x18
	mov fs, ax
	mov ecx, [fs:0]
	mov word [gdt + 0x18 + 2], 0x0004
	mov ax, 0x18
	mov fs, ax
	mov edx, [fs:0]
	mov eax, ecx
	shl eax, 4
	or eax, edx
	out 0xf4, al
	jmp $
gdtr:	dw 0x1f
	dd gdt
align 4096
gdt:	dq 0
	dq 0x00cf9a000000ffff
	dq 0x00cf92000000ffff
	dq 0x00cf92300000ffff
image_end:
`);
	for (const mode of EVERY_MODE) {
		assert.deepEqual(bootGuest(path, mode).monitor.run(1_000_000), { reason: 'exit', exitCode: exitCodeFor(1, 2) }, mode);
	}
});
