// The monitor's virtual CPU: it starts where the CPU starts (a guest that never
// loads a system register reads the same value in every mode), and its state
// survives JSON like the CPU's.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IoPortBus } from '../../src/machine/io-port-bus';
import { PhysicalMemory } from '../../src/machine/physical-memory';
import { VirtualCpu } from '../../src/vmm/virtual-cpu';
import { Cpu } from '../../src/x86/cpu';
import { saveSystemRegisters } from '../../src/x86/system-registers';

test('the virtual CPU starts with the system registers the CPU starts with', () => {
	assert.deepEqual(saveSystemRegisters(new VirtualCpu()), saveSystemRegisters(new Cpu(new PhysicalMemory(2), new IoPortBus())));
});

test('the virtual CPU state survives JSON: CPL, IF, IOPL and the system registers', () => {
	const original = new VirtualCpu();
	original.cpl = 3;
	original.interruptFlag = true;
	original.iopl = 2;
	original.cr3 = 0x00200000;
	original.idtr = { base: 0x00200000, limit: 0x7ff };
	original.dr[7] = 0x400;
	original.msr.set(0x10, (1n << 63n) + 5n);
	const restored = new VirtualCpu();
	restored.loadState(JSON.parse(JSON.stringify(original.saveState())));
	assert.deepEqual(restored.saveState(), original.saveState());
	assert.equal(restored.msr.get(0x10), (1n << 63n) + 5n);
	assert.equal(restored.interruptFlag, true);
});
