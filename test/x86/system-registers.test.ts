// The system registers' plain-data form: it must survive JSON (the debugger's
// history keeps snapshots as JSON) and restore every register exactly.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IoPortBus } from '../../src/machine/io-port-bus';
import { PhysicalMemory } from '../../src/machine/physical-memory';
import { Cpu } from '../../src/x86/cpu';
import { Cr0, Cr4 } from '../../src/x86/registers';
import { copySystemRegisters, saveSystemRegisters, type SystemRegisters } from '../../src/x86/system-registers';
import { TestCpu } from './system-fixture';

function loadSome(r: SystemRegisters): void {
	r.cr0 = Cr0.PE | Cr0.ET | Cr0.PG;
	r.cr2 = 0xd0000010 | 0;
	r.cr3 = 0x00200000;
	r.cr4 = Cr4.PSE | Cr4.PGE;
	r.gdtr = { base: 0x00100020, limit: 0x2f };
	r.idtr = { base: 0x00200000, limit: 0x7ff };
	r.ldtr = { selector: 0x30, base: 0x4000, limit: 0x17, type: 2, system: true, dpl: 0, present: true, big: false, usable: true };
	r.tr = { selector: 0x28, base: 0x3000, limit: 0x67, type: 0xb, system: true, dpl: 0, present: true, big: false, usable: true };
	r.dr[0] = 0x00401000;
	r.dr[7] = 0xffff0401 | 0;
	r.msr.set(0x174, 0x08n);
	// Above 2^53: a JSON number would round it.
	r.msr.set(0x10, (1n << 63n) + 5n);
}

test('a CPU snapshot survives JSON and restores every system register exactly', () => {
	const original = new Cpu(new PhysicalMemory(2), new IoPortBus());
	loadSome(original);
	const restored = new Cpu(new PhysicalMemory(2), new IoPortBus());
	restored.loadState(JSON.parse(JSON.stringify(original.saveState())));
	assert.deepEqual(saveSystemRegisters(restored), saveSystemRegisters(original));
	assert.equal(restored.msr.get(0x10), (1n << 63n) + 5n);
	assert.equal(restored.dr[7], 0xffff0401 | 0);
	assert.equal(restored.tr.selector, 0x28);
});

test('a copy of the system registers shares nothing with its source and drops what it held before', () => {
	const from = new TestCpu();
	loadSome(from);
	const to = new TestCpu();
	to.msr.set(0x1b, 0xfee00900n);
	copySystemRegisters(to, from);
	assert.deepEqual(saveSystemRegisters(to), saveSystemRegisters(from));
	assert.equal(to.msr.has(0x1b), false);
	to.gdtr.base = 0;
	to.ldtr.limit = 0;
	to.dr[0] = 0;
	to.msr.set(0x174, 0n);
	assert.equal(from.gdtr.base, 0x00100020);
	assert.equal(from.ldtr.limit, 0x17);
	assert.equal(from.dr[0], 0x00401000);
	assert.equal(from.msr.get(0x174), 0x08n);
});
