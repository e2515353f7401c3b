// The monitor's region moves when the guest maps its slot: events, the
// hardware's table registers, segment limits cut below the new slot, SGDT's
// leak under trap-and-emulate, a guest's own limit faults still reflected, and
// a clean stop when the guest maps every slot.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { assemble } from '../../src/asm/index';
import { loadProgram } from '../../src/machine/loaders/load-program';
import { writeMultibootInfo } from '../../src/machine/loaders/multiboot-info';
import { enterMultibootState } from '../../src/machine/loaders/multiboot-state';
import { Pc } from '../../src/machine/pc';
import { linear } from '../../src/x86/addresses';
import { decodeSegment } from '../../src/vmm/descriptors';
import type { MonitorEvent } from '../../src/vmm/events';
import { Monitor } from '../../src/vmm/monitor';
import type { MonitorMode } from '../../src/vmm/views';
import { bootGuest, runGuest } from './run-guest';

const TESTS = join(__dirname, '../../examples/tests');
const COMPRESSED = ['trap-and-emulate', 'binary-translation'] as const;

/** Boots an inline guest as if it were a file in examples/tests (its includes resolve there). */
function boot(source: string, mode: MonitorMode): { pc: Pc; monitor: Monitor; serial: () => string; events: MonitorEvent[] } {
	const file = join(TESTS, 'inline.asm');
	const result = assemble(source, { file, readFile: (included) => readFileSync(included, 'utf8') });
	if (!result.ok || result.errors.length > 0) throw new Error(result.errors.map((e) => `${e.line}: ${e.message}`).join('; '));
	const pc = new Pc({ memoryMiB: 16 });
	const program = loadProgram(pc, { image: result.image, origin: result.origin, symbols: result.symbols, sourceMap: result.sourceMap }, 'assembled');
	enterMultibootState(pc.cpu, program.entry, writeMultibootInfo(pc.memory, '', program.ranges));
	const bytes: number[] = [];
	pc.uart.onTransmit((b) => bytes.push(b));
	const monitor = new Monitor(pc, { mode });
	const events: MonitorEvent[] = [];
	monitor.events.subscribe((e) => events.push(e));
	return { pc, monitor, events, serial: () => Buffer.from(bytes).toString('latin1') };
}

/** A guest that maps directory slots from 1023 down to `lowest` (each to the identity table), turns paging on, then runs `body`. */
const guest = (lowest: number, body: string): string => `
bits 32
org 0x100000
PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000
%include "../lib/multiboot.inc"
%include "../lib/start.inc"
main:
	call load_gdt
	call build_idt
	mov ecx, 13
	mov eax, general_protection
	call set_gate
	lidt [idt_descriptor]
	call build_identity_map
	mov ecx, 1023
.map:
	mov dword [PAGE_DIR + ecx * 4], PAGE_TABLE | 3
	dec ecx
	cmp ecx, ${lowest}
	jge .map
	mov eax, PAGE_DIR
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
${body}
	xor al, al
	jmp exit
general_protection:
	mov eax, [esp]
	mov esi, msg_gp
	call print_hex16_line
	add dword [esp + 4], 6		; past the faulting 6-byte instruction
	add esp, 4
	iretd
msg_gp:	db "#GP: error code=", 0
%include "../lib/identity-map.inc"
%include "../lib/serial.inc"
%include "../lib/gdt.inc"
%include "../lib/idt.inc"
%include "../lib/print.inc"
%include "../lib/exit.inc"
align 8
gdt:
	dq 0
	dq 0x00CF9B000000FFFF		; 0x08 ring-0 code, 4 GiB
	dq 0x00CF93000000FFFF		; 0x10 ring-0 data, 4 GiB
	dq 0x00C09300000003FF		; 0x18 ring-0 data, 4 MiB
gdt_end:
gdt_descriptor:
	dw gdt_end - gdt - 1
	dd gdt
sgdt_out: dw 0
	dd 0
image_end:
`;

for (const mode of COMPRESSED) {
	test(`${mode}: a guest mapping the monitor's slot moves it, with an event, the table registers and the limits`, () => {
		const run = runGuest(join(TESTS, 'recursive-paging.asm'), mode, { record: true });
		assert.equal(run.outcome.reason, 'exit');
		const moves = run.events.filter((e) => e.kind === 'monitor-relocation').map((e) => [e.detail?.from, e.detail?.to]);
		assert.deepEqual(moves, [[0xffc00000, 0xff800000], [0xff800000, 0xff400000], [0xff400000, 0xff000000]]);
		const view = run.monitor.monitorView();
		assert.equal(view.gdtr.base, 0xff000000);
		assert.ok(view.idtr.base >>> 22 === 0xff000000 >>> 22 && view.tr.base >>> 22 === 0xff000000 >>> 22);
		for (const name of ['cs', 'ds', 'es', 'ss'] as const) {
			assert.equal(view.segments[name].limit, 0xfeffffff, `hardware ${name} ends below the new slot`);
			assert.equal(run.monitor.guestView().segments[name].limit, 0xffffffff, `the guest sees its own ${name} limit`);
		}
		const cpu = run.pc.cpu;
		const data = decodeSegment({ low: cpu.readLinear32(linear(view.gdtr.base + 0x10), false), high: cpu.readLinear32(linear(view.gdtr.base + 0x14), false) });
		assert.equal(data.limit, 0xfeffffff, 'the shadow GDT is cut below the new slot');
		assert.equal(data.dpl, 1);
	});

	test(`${mode}: each relocation is reported at the instruction that made the guest map the monitor's slot`, () => {
		const file = join(TESTS, 'recursive-paging.asm');
		const source = readFileSync(file, 'utf8');
		const assembled = assemble(source, { file, readFile: (included) => readFileSync(included, 'utf8') });
		const lines = source.split('\n');
		const run = runGuest(file, mode, { record: true });
		const at = run.events.filter((e) => e.kind === 'monitor-relocation').map((e) => lines[(assembled.sourceMap.lineFor(e.address)?.line ?? 0) - 1].trim());
		assert.deepEqual(at, ['PAGING_ON', 'mov dword [DIRECTORY + 1022 * 4], HIGH_TABLE | 3', 'mov dword [DIRECTORY + (DEMAND_PAGE >> 22) * 4], DEMAND_TABLE | 3']);
	});

	test(`${mode}: a guest with every slot mapped stops cleanly, the monitor where it was`, () => {
		const g = boot(guest(0, ''), mode);
		const outcome = g.monitor.run(1_000_000);
		assert.equal(outcome.reason, 'unsupported');
		assert.match(outcome.message ?? '', /maps all 1024 slots of 4 MiB.*no free slot/);
		assert.equal(g.monitor.monitorView().gdtr.base, 0xffc00000);
		assert.equal(g.events.filter((e) => e.kind === 'monitor-relocation').length, 0);
		const count = g.pc.cpu.instructionCount;
		assert.deepEqual([g.monitor.run(1_000_000), g.monitor.step()], [outcome, outcome], 'the machine stays stopped');
		assert.equal(g.pc.cpu.instructionCount, count);
	});

	test(`${mode}: a fault of the guest's own limit above the monitor's slot is reflected as natively`, () => {
		// DS := the 4 MiB segment; [0xFFFFFFF0] is past its limit however the monitor cuts limits.
		const source = guest(1020, `
	mov ax, 0x18
	mov ds, ax
	mov ebx, [0xFFFFFFF0]		; 6 bytes, as the handler expects
	mov ax, 0x10
	mov ds, ax`);
		const native = boot(source, 'native');
		native.monitor.run(1_000_000);
		const compressed = boot(source, mode);
		const outcome = compressed.monitor.run(1_000_000);
		assert.equal(outcome.reason, 'exit');
		assert.equal(native.serial(), '#GP: error code=0x0000\n');
		assert.equal(compressed.serial(), native.serial());
	});

	test(`${mode}: a stack in the monitor's slot, which the guest leaves unmapped, faults as natively`, () => {
		// The monitor sits at 0xFF400000; the pushes (PUSHF, then each fault's frame) go to its TSS and IDT pages.
		const source = guest(1022, `
	mov esp, 0xFF420000
	pushf`);
		const native = boot(source, 'native');
		assert.equal(native.monitor.run(1_000_000).reason, 'triple-fault');
		const compressed = boot(source, mode);
		assert.equal(compressed.monitor.run(1_000_000).reason, 'triple-fault');
		assert.equal(compressed.monitor.monitorView().gdtr.base, 0xff400000);
		assert.deepEqual(compressed.monitor.guestView().registers, native.monitor.guestView().registers);
	});
}

/** Ring 3 stores to its own page at 0xFFFFF000 (above the monitor, which moved to 0xFF800000), then reads the monitor's slot. */
const USER_GUEST = `
bits 32
org 0x100000
PAGE_DIR	equ 0x00200000
PAGE_TABLE	equ 0x00201000
HIGH_TABLE	equ 0x00202000
FRAME		equ 0x00300000
%include "../lib/multiboot.inc"
%include "../lib/start.inc"
main:
	call load_gdt
	mov ax, 0x28
	ltr ax
	call build_idt
	mov ecx, 14
	mov eax, page_fault
	call set_gate
	lidt [idt_descriptor]
	call build_identity_map
	mov edi, PAGE_TABLE
	mov ecx, 1024
.user:
	or dword [edi], 4		; every identity page user-accessible
	add edi, 4
	loop .user
	mov dword [PAGE_DIR], PAGE_TABLE | 7
	mov dword [PAGE_DIR + 1023 * 4], HIGH_TABLE | 7
	mov dword [HIGH_TABLE + 1023 * 4], FRAME | 7
	mov eax, PAGE_DIR
	mov cr3, eax
	mov eax, cr0
	or eax, 0x80000000
	mov cr0, eax
	mov ax, 0x23
	mov ds, ax
	mov es, ax
	push 0x23
	push 0x00080000
	push 0x00000002
	push 0x1B
	push user_main
	iretd
user_main:
	mov dword [0xFFFFF010], 0x5EC0DE
	mov eax, [0xFFFFF010]
	mov ebx, [0xFF800000]		; the monitor's slot: nothing of the guest's there
	jmp $
page_fault:
	mov ax, 0x10
	mov ds, ax
	mov eax, cr2
	mov esi, msg_cr2
	call print_hex32_line
	mov eax, [esp]
	mov esi, msg_error
	call print_hex16_line
	mov eax, [FRAME + 0x10]
	mov esi, msg_frame
	call print_hex32_line
	xor al, al
	jmp exit
msg_cr2:	db "#PF: cr2=", 0
msg_error:	db "#PF: error code=", 0
msg_frame:	db "0xfffff010 holds ", 0
%include "../lib/identity-map.inc"
%include "../lib/serial.inc"
%include "../lib/gdt.inc"
%include "../lib/idt.inc"
%include "../lib/print.inc"
%include "../lib/exit.inc"
%include "../lib/user-gdt.inc"
image_end:
`;

for (const mode of COMPRESSED) {
	test(`${mode}: guest ring 3 reaches its own page above the monitor, and faults in the monitor's slot as natively`, () => {
		const native = boot(USER_GUEST, 'native');
		assert.equal(native.monitor.run(1_000_000).reason, 'exit');
		assert.equal(native.serial(), '#PF: cr2=0xff800000\n#PF: error code=0x0004\n0xfffff010 holds 0x005ec0de\n');
		const compressed = boot(USER_GUEST, mode);
		assert.equal(compressed.monitor.run(1_000_000).reason, 'exit');
		assert.equal(compressed.serial(), native.serial());
		assert.equal(compressed.monitor.monitorView().gdtr.base, 0xff800000);
	});
}

test('a snapshot taken after the monitor moved restores it where it was, and the guest runs on the same', () => {
	const booted = bootGuest(join(TESTS, 'recursive-paging.asm'), 'binary-translation');
	const moves: number[] = [];
	booted.monitor.events.subscribe((e) => {
		if (e.kind === 'monitor-relocation') moves.push(Number(e.detail?.to));
	});
	while (moves.length < 1) assert.equal(booted.monitor.run(100).reason, 'budget');
	const snapshot = booted.monitor.saveState();
	const printed = booted.serial().length;
	assert.equal(booted.monitor.run(1_000_000).reason, 'exit');
	const rest = booted.serial().slice(printed);
	assert.equal(booted.monitor.monitorView().gdtr.base, 0xff000000);
	booted.monitor.loadState(snapshot);
	assert.equal(booted.monitor.monitorView().gdtr.base, 0xff800000);
	const again = booted.serial().length;
	assert.equal(booted.monitor.run(1_000_000).reason, 'exit');
	assert.equal(booted.serial().slice(again), rest);
	assert.deepEqual(moves, [0xff800000, 0xff400000, 0xff000000, 0xff400000, 0xff000000]);
});

test('under trap-and-emulate SGDT leaks the moved region; under binary translation the guest sees its own GDTR', () => {
	const body = `
	sgdt [sgdt_out]
	mov eax, [sgdt_out + 2]
	mov esi, msg_base
	call print_hex32_line
	jmp sgdt_printed
msg_base: db "sgdt base=", 0
sgdt_printed:`;
	const source = guest(1022, body);
	const trapped = boot(source, 'trap-and-emulate');
	assert.equal(trapped.monitor.run(1_000_000).reason, 'exit');
	assert.equal(trapped.serial(), 'sgdt base=0xff400000\n');
	const translated = boot(source, 'binary-translation');
	assert.equal(translated.monitor.run(1_000_000).reason, 'exit');
	const native = boot(source, 'native');
	native.monitor.run(1_000_000);
	assert.equal(translated.serial(), native.serial());
	assert.notEqual(native.serial(), trapped.serial());
});
