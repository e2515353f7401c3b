// The monitor's run control and its two ways of handling guest ring 0: the
// translator's callouts and the trap-and-emulate holes; interrupt gating,
// idling, triple faults, breakpoints, stops before an action, single steps.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { linear } from '../../src/x86/addresses';
import type { MonitorEvent } from '../../src/vmm/events';
import { decodeGuestInstruction } from '../../src/vmm/guest-instruction';
import { Monitor } from '../../src/vmm/monitor';
import { CALLOUT, IDENT } from '../../src/vmm/translator';
import { bootGuest, exampleGuests, runGuest } from './run-guest';

const guest = (name: string): string => {
	const found = exampleGuests().find((g) => g.name === name);
	if (!found) throw new Error(`no example guest ${name}`);
	return found.path;
};

/** The guest instruction at EIP, in NASM syntax. */
function instructionAt(monitor: Monitor): string {
	const view = monitor.guestView();
	const bytes = monitor.readGuestLinear(linear(view.segments.cs.base + view.eip), 15);
	assert.ok(bytes);
	return decodeGuestInstruction(bytes, view.eip).text;
}

test('the translator calls out for privileged and sensitive instructions and never traps at guest ring 0', () => {
	const run = runGuest(guest('sensitive'), 'binary-translation', { record: true });
	assert.equal(run.outcome.reason, 'exit');
	const kinds = new Set(run.events.map((e) => e.kind));
	assert.ok(kinds.has('emulation') && kinds.has('sensitive') && kinds.has('translation'));
	assert.equal(run.events.filter((e) => e.kind === 'trap').length, 0);
	const pushf = run.events.find((e) => e.kind === 'sensitive' && e.instruction === 'pushf');
	assert.match(pushf?.action ?? '', /PUSHF with the virtual IF/);
	const lgdt = run.events.find((e) => e.kind === 'emulation' && e.instruction.startsWith('lgdt'));
	assert.match(lgdt?.action ?? '', /emulated LGDT: GDTR := 0x/);
});

test('translated blocks are listed IDENT/CALLOUT and count their executions', () => {
	const run = runGuest(guest('demo'), 'binary-translation');
	const blocks = run.monitor.translationCache.blocks();
	assert.ok(blocks.length > 10);
	for (const b of blocks) {
		assert.equal(b.listing.length, b.instructionCount);
		assert.equal(b.guestDisassembly.length, b.instructionCount);
		assert.equal(b.listing.filter((l) => l.startsWith(CALLOUT)).length, b.rewrittenCount);
		assert.ok(b.listing.every((l) => l.startsWith(CALLOUT) || l.startsWith(IDENT)));
		assert.ok(b.executions >= 1);
	}
	assert.ok(blocks.some((b) => b.listing.includes(`${CALLOUT} pushf -> virtual EFLAGS`)));
	assert.ok(blocks.some((b) => b.listing.some((l) => l.startsWith(`${IDENT} add `))));
	const view = run.monitor.monitorView();
	assert.equal(view.translationCache.blocks, blocks.length);
	assert.ok(view.translationCache.executions > blocks.length);
});

test('a full translation cache is flushed whole, and the guest runs on unchanged', () => {
	const booted = bootGuest(guest('sensitive'), 'binary-translation', { translationCacheCapacity: 4 });
	const monitor = booted.monitor;
	assert.equal(monitor.run(10_000_000).reason, 'exit');
	assert.ok(monitor.translationCache.flushes > 0);
	assert.ok(monitor.translationCache.size <= 4);
	assert.equal(booted.serial(), exampleGuests().find((g) => g.name === 'sensitive')?.expected);
});

test('trap-and-emulate reports every hole as it runs, and costs nothing unobserved', () => {
	const watched = runGuest(guest('sensitive'), 'trap-and-emulate', { record: true });
	const holes = watched.events.filter((e) => e.kind === 'hole').map((e) => e.instruction);
	for (const expected of ['pushf', 'popf', 'push cs', 'mov ax, cs']) assert.ok(holes.includes(expected), `hole ${expected}`);
	assert.ok(holes.some((h) => h.startsWith('sgdt')));
	assert.match(watched.serial(), /pushfd after cli: IF=1/);
	const unwatched = runGuest(guest('sensitive'), 'trap-and-emulate');
	assert.equal(unwatched.serial(), watched.serial());
	assert.equal(unwatched.instructions, watched.instructions);
});

test('under compression the interrupt line is gated by the virtual IF', () => {
	const booted = bootGuest(guest('hello'), 'binary-translation');
	booted.pc.pic.pending = () => true;
	const line = booted.pc.cpu.interruptLine;
	assert.ok(line && line !== booted.pc.pic);
	booted.monitor.vcpu.interruptFlag = false;
	assert.equal(line.pending(), false);
	booted.monitor.vcpu.interruptFlag = true;
	assert.equal(line.pending(), true);
	const native = bootGuest(guest('hello'), 'native');
	assert.equal(native.pc.cpu.interruptLine, native.pc.pic);
});

test('hlt with interrupts masked idles in every mode', () => {
	for (const mode of ['native', 'trap-and-emulate', 'binary-translation'] as const) {
		const run = runGuest(guest('halt-forever'), mode, { budget: 1_000_000 });
		assert.equal(run.outcome.reason, 'idle', mode);
		assert.ok(run.instructions < 1_000_000, mode);
		assert.equal(run.monitor.run(1000).reason, 'idle', mode);
	}
});

test('a triple fault stops the machine with the state at the faulting instruction', () => {
	for (const mode of ['native', 'trap-and-emulate', 'binary-translation'] as const) {
		const run = runGuest(guest('triple-fault'), mode, { record: true });
		assert.equal(run.outcome.reason, 'triple-fault', mode);
		assert.equal(run.outcome.event?.kind, 'triple-fault');
		assert.equal(run.events.at(-1)?.kind, 'triple-fault');
		assert.match(instructionAt(run.monitor), /^div ecx$/, mode);
		assert.equal(run.monitor.guestView().cpl, 0);
	}
});

test('breakpoints stop before the instruction, and the run resumes past them', () => {
	for (const mode of ['native', 'trap-and-emulate', 'binary-translation'] as const) {
		const booted = bootGuest(guest('hello'), mode);
		const print = booted.symbol('print');
		booted.monitor.setBreakpoints([linear(print)]);
		const first = booted.monitor.run(1_000_000);
		assert.equal(first.reason, 'breakpoint', mode);
		assert.equal(booted.monitor.guestView().eip, print);
		const count = booted.pc.cpu.instructionCount;
		const second = booted.monitor.run(1_000_000);
		assert.ok(booted.pc.cpu.instructionCount > count);
		assert.ok(second.reason === 'breakpoint' || second.reason === 'exit', mode);
		booted.monitor.setBreakpoints([]);
		assert.equal(booted.monitor.run(1_000_000).reason, 'exit', mode);
	}
});

test('a listener stops the monitor before it acts, and the run then completes the action once', () => {
	const cases = [['trap-and-emulate', 'trap'], ['binary-translation', 'emulation']] as const;
	for (const [mode, kind] of cases) {
		const booted = bootGuest(guest('sensitive'), mode);
		const seen: MonitorEvent[] = [];
		booted.monitor.events.subscribe((e) => {
			if (e.kind !== kind || !e.instruction.startsWith('lgdt')) return;
			seen.push(e);
			if (seen.length === 1) booted.monitor.requestStop();
		});
		const before = booted.monitor.guestView().gdtr;
		const stopped = booted.monitor.run(1_000_000);
		assert.equal(stopped.reason, 'event', mode);
		assert.equal(stopped.event?.kind, kind);
		assert.deepEqual(booted.monitor.guestView().gdtr, before, `${mode}: GDTR untouched before the action`);
		assert.match(instructionAt(booted.monitor), /^lgdt/);
		assert.equal(booted.monitor.run(10_000_000).reason, 'exit', mode);
		assert.notDeepEqual(booted.monitor.guestView().gdtr, before);
		assert.equal(seen.length, 1, `${mode}: the event is reported once`);
	}
});

test('step() runs exactly one guest instruction, emulated or not', () => {
	for (const mode of ['native', 'trap-and-emulate', 'binary-translation'] as const) {
		const booted = bootGuest(guest('sensitive'), mode);
		const lgdt = booted.symbol('load_gdt');
		booted.monitor.setBreakpoints([linear(lgdt)]);
		assert.equal(booted.monitor.run(1_000_000).reason, 'breakpoint');
		booted.monitor.setBreakpoints([]);
		for (let i = 0; i < 5; i++) {
			const count = booted.pc.cpu.instructionCount;
			const text = instructionAt(booted.monitor);
			assert.equal(booted.monitor.step().reason, 'budget', `${mode}: ${text}`);
			assert.equal(booted.pc.cpu.instructionCount, count + 1, `${mode}: ${text}`);
		}
		assert.notDeepEqual(booted.monitor.guestView().gdtr, { base: 0, limit: 0 });
	}
});
