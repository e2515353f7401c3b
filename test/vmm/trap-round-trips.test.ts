// A kernel loop that faults on purpose and the handler that steps over the
// faulting instruction sit on one page. Under binary translation the two end
// up compiled into one region, which delivers the fault and runs the handler's
// IRET without leaving it: a round trip runs no region entry at all. These
// tests count region entries, and check that everything a run must still
// stop for (a breakpoint on the handler, its budget, a listener) still stops it.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linear } from '../../src/x86/addresses';
import type { CachedRegion } from '../../src/x86/block-cache';
import { GuestEmulation } from '../../src/vmm/guest-emulation';
import { EVERY_MODE, EXAMPLES_LIB, writeGuest } from './inline-guests';
import { bootGuest, type BootedGuest } from './run-guest';

const ROUNDS = 5_000;

/** A ring-0 guest whose #DE handler is `divide_error`; `body` follows the set-up and defines it. */
const withDivideHandler = (body: string): string => `
bits 32
org 0x100000
%include "${EXAMPLES_LIB}/multiboot.inc"
%include "${EXAMPLES_LIB}/start.inc"
main:
	call load_gdt
	call build_idt
	mov eax, divide_error
	mov ecx, 0
	call set_gate
	lidt [idt_descriptor]
${body}
%include "${EXAMPLES_LIB}/kernel.inc"
%include "${EXAMPLES_LIB}/flat-gdt.inc"
image_end:
`;

/** ROUNDS divide errors at ring 0; EDI counts the handler's runs, and the guest exits with V = 0 when it saw them all. */
const DIVIDE_LOOP = withDivideHandler(`	jmp rounds
align 4096
rounds:
	mov ecx, ${ROUNDS}
	xor esi, esi
	xor edi, edi
.loop:
	div esi				; F7 F6: the handler steps over its 2 bytes
	dec ecx
	jnz .loop
	cmp edi, ${ROUNDS}
	setne al
	jmp exit
divide_error:
	add dword [esp], 2
	inc edi
	iretd`);

/** Counts the runs of every region compiled from now on. */
function countRegionRuns(guest: BootedGuest): { runs: number } {
	const counter = { runs: 0 };
	const cache = guest.pc.cpu.blocks;
	const add = cache.add.bind(cache);
	cache.add = (entry: CachedRegion): void => {
		const run = entry.run;
		entry.run = (cpu, end): void => {
			counter.runs++;
			run(cpu, end);
		};
		add(entry);
	};
	return counter;
}

/** How many callouts translated code made into the monitor while `run` ran. */
function calloutsDuring(run: () => void): number {
	const callout = GuestEmulation.prototype.callout;
	let callouts = 0;
	GuestEmulation.prototype.callout = function (this: GuestEmulation, ...args: Parameters<typeof callout>): void {
		callouts++;
		callout.apply(this, args);
	};
	try {
		run();
	} finally {
		GuestEmulation.prototype.callout = callout;
	}
	return callouts;
}

const guestPath = (): string => writeGuest('trap-round-trips', 'divide-loop.asm', DIVIDE_LOOP);

for (const mode of EVERY_MODE) {
	test(`${mode}: every divide error of the loop reaches its handler once`, () => {
		const guest = bootGuest(guestPath(), mode);
		assert.deepEqual(guest.monitor.run(1_000_000), { reason: 'exit', exitCode: 1 });
	});
}

test('binary translation: a fault loop and its handler end up in one region, left neither by the fault nor by the IRET', () => {
	const guest = bootGuest(guestPath(), 'binary-translation');
	const counter = countRegionRuns(guest);
	assert.deepEqual(guest.monitor.run(1_000_000), { reason: 'exit', exitCode: 1 });
	// Two region entries per round trip until the loop's region and the handler's are joined, then none.
	assert.ok(counter.runs < ROUNDS / 4, `${counter.runs} region runs for ${ROUNDS} round trips`);
});

test('binary translation: a breakpoint on the handler of a joined loop stops there', () => {
	const guest = bootGuest(guestPath(), 'binary-translation');
	const handler = guest.symbol('divide_error');
	assert.equal(guest.monitor.run(20_000).reason, 'budget');
	guest.monitor.setBreakpoints([linear(handler)]);
	assert.equal(guest.monitor.run(20_000).reason, 'breakpoint');
	assert.equal(guest.pc.cpu.eip, handler);
	// The next run leaves the breakpoint it starts on, and stops at the handler again a round later.
	const before = guest.pc.cpu.regs[7];
	assert.equal(guest.monitor.run(20_000).reason, 'breakpoint');
	assert.equal(guest.pc.cpu.regs[7], before + 1);
});

test('binary translation: a joined loop still ends each run at its budget, and a step delivers once', () => {
	const guest = bootGuest(guestPath(), 'binary-translation');
	assert.equal(guest.monitor.run(20_000).reason, 'budget');
	for (let i = 0; i < 3; i++) {
		const before = { retired: guest.pc.cpu.instructionCount, handled: guest.pc.cpu.regs[7] };
		assert.equal(guest.monitor.run(1_000).reason, 'budget');
		// The budget counts instructions and deliveries (EDI, the handler's count, may lag a delivery by one).
		const retired = guest.pc.cpu.instructionCount - before.retired;
		const handled = guest.pc.cpu.regs[7] - before.handled;
		assert.ok(handled > 100 && Math.abs(retired + handled - 1_000) <= 1, `${retired} instructions and ${handled} deliveries for a budget of 1000`);
	}
	// One step is one delivery: the handler is entered and nothing of it runs.
	while (guest.pc.cpu.eip !== guest.symbol('rounds.loop')) guest.monitor.step();
	const esp = guest.pc.cpu.regs[4];
	assert.equal(guest.monitor.step().reason, 'budget');
	assert.equal(guest.pc.cpu.eip, guest.symbol('divide_error'));
	assert.equal(guest.pc.cpu.regs[4], esp - 12);
});

test('binary translation: a listener attached to a joined loop sees every delivery', () => {
	const guest = bootGuest(guestPath(), 'binary-translation');
	assert.equal(guest.monitor.run(20_000).reason, 'budget');
	let deliveries = 0;
	guest.monitor.events.subscribe((e) => {
		if (e.kind === 'guest-exception') deliveries++;
	});
	const before = guest.pc.cpu.regs[7];
	assert.equal(guest.monitor.run(1_000).reason, 'budget');
	// The handler counts in EDI; a run may end between a delivery and the handler's count.
	const handled = guest.pc.cpu.regs[7] - before;
	assert.ok(handled > 100 && Math.abs(deliveries - handled) <= 1, `${deliveries} deliveries seen, ${handled} handled`);
});

test('binary translation: a handler\'s IRET back into the kernel needs no callout once its code segment was checked', () => {
	const guest = bootGuest(guestPath(), 'binary-translation');
	const callouts = calloutsDuring(() => assert.deepEqual(guest.monitor.run(1_000_000), { reason: 'exit', exitCode: 1 }));
	// The set-up's LGDT, LIDT and far jump, the first IRET, the exit's OUT: not one per round trip.
	assert.ok(callouts < 20, `${callouts} callouts for ${ROUNDS} round trips`);
});

/**
 * The handler flips IF in the frame it returns through; after each return the loop checks with PUSHFD that
 * IF is what the frame said (V = 1 on the first mismatch), and its count of returns.
 */
const IF_FLIPS = withDivideHandler(`	mov al, 0xff			; no device interrupt may arrive while IF is set
	out 0x21, al
	out 0xa1, al
	mov ecx, ${ROUNDS}
	xor esi, esi
	xor edi, edi
.loop:
	div esi
	pushfd
	pop eax
	shr eax, 9
	and eax, 1
	mov edx, edi
	and edx, 1
	cmp eax, edx
	jne .wrong
	dec ecx
	jnz .loop
	cli
	cmp edi, ${ROUNDS}
	setne al
	jmp exit
.wrong:
	mov al, 1
	jmp exit
divide_error:
	add dword [esp], 2
	inc edi
	xor dword [esp + 8], 0x200	; the frame's IF: set on odd returns, clear on even ones
	iretd`);

for (const mode of EVERY_MODE) {
	// Trap-and-emulate runs PUSHFD natively at real ring 1 (a hole it reports): it shows the real IF, always set there.
	const exitCode = mode === 'trap-and-emulate' ? 3 : 1;
	test(`${mode}: IF comes back from the IRET frame each time${mode === 'trap-and-emulate' ? ' (PUSHFD shows the real IF: a hole)' : ''}`, () => {
		const guest = bootGuest(writeGuest('trap-round-trips', 'if-flips.asm', IF_FLIPS), mode);
		assert.deepEqual(guest.monitor.run(2_000_000), { reason: 'exit', exitCode });
	});
}

/**
 * ROUNDS system calls from a ring-3 loop. After each one the user checks ESP and reads through DS (which a return
 * to ring 3 must leave loaded); EDI counts the calls. INT 0x81 exits with V = AL.
 */
const SYSCALL_LOOP = `
bits 32
org 0x100000
USER_STACK_TOP	equ 0x00080000
%include "${EXAMPLES_LIB}/multiboot.inc"
%include "${EXAMPLES_LIB}/user-gdt.inc"
%include "${EXAMPLES_LIB}/start.inc"
%include "${EXAMPLES_LIB}/user-mode.inc"
main:
	SYSCALL_KERNEL syscall_entry
	mov ecx, 0x81
	mov eax, exit
	mov dl, 0xEE			; present, DPL 3, 32-bit interrupt gate
	call set_gate_dpl
	ENTER_RING3 user_main
syscall_entry:
	inc edi
	iretd
user_main:
	mov ecx, ${ROUNDS}
	xor edi, edi
.loop:
	int 0x80
	cmp esp, USER_STACK_TOP
	jne .wrong
	cmp dword [marker], 0x600df00d
	jne .wrong
	dec ecx
	jnz .loop
	cmp edi, ${ROUNDS}
	setne al
	int 0x81
.wrong:
	mov al, 1
	int 0x81
marker:	dd 0x600df00d
%include "${EXAMPLES_LIB}/kernel.inc"
image_end:
`;

for (const mode of EVERY_MODE) {
	test(`${mode}: every system call of a ring-3 loop returns to its stack with its segments`, () => {
		const guest = bootGuest(writeGuest('trap-round-trips', 'syscall-loop.asm', SYSCALL_LOOP), mode);
		assert.deepEqual(guest.monitor.run(1_000_000), { reason: 'exit', exitCode: 1 });
	});
}

test('binary translation: a system call\'s IRET back to ring 3 needs no callout once its segments were checked', () => {
	const guest = bootGuest(writeGuest('trap-round-trips', 'syscall-loop.asm', SYSCALL_LOOP), 'binary-translation');
	const callouts = calloutsDuring(() => assert.deepEqual(guest.monitor.run(1_000_000), { reason: 'exit', exitCode: 1 }));
	assert.ok(callouts < 100, `${callouts} callouts for ${ROUNDS} system calls`);
});
