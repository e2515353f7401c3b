import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vector } from '../../src/x86/exceptions';
import {
	decodeDescriptor, decodeGate, describeDescriptor, encodeDescriptor, encodeGate, readDescriptor, SystemType,
} from '../../src/x86/system';
import { protectedModeCpu, raised, Sel } from './system-fixture';

// The classic flat descriptors every tutorial GDT holds.
const FLAT_CODE = { low: 0x0000ffff, high: 0x00cf9a00 };
const FLAT_DATA = { low: 0x0000ffff, high: 0x00cf9200 };

test('decodes the flat 4 GiB code descriptor', () => {
	const d = decodeDescriptor(FLAT_CODE);
	assert.equal(d.base, 0);
	assert.equal(d.limit, 0xffffffff);
	assert.equal(d.type, 0xa);
	assert.equal(d.system, false);
	assert.equal(d.dpl, 0);
	assert.equal(d.present, true);
	assert.equal(d.big, true);
	assert.equal(d.pageGranular, true);
});

test('encodes the flat descriptors bit-exactly and a scattered base round-trips', () => {
	assert.deepEqual(encodeDescriptor({ base: 0, limit: 0xffffffff, type: 0xa, big: true }), FLAT_CODE);
	assert.deepEqual(encodeDescriptor({ base: 0, limit: 0xffffffff, type: 0x2, big: true }), FLAT_DATA);
	const raw = encodeDescriptor({ base: 0xc0123456, limit: 0x67, type: SystemType.Tss32Available, system: true, dpl: 3 });
	assert.deepEqual(raw, { low: 0x34560067, high: 0xc000e912 });
	const d = decodeDescriptor(raw);
	assert.equal(d.base, 0xc0123456);
	assert.equal(d.limit, 0x67);
	assert.equal(d.dpl, 3);
	assert.throws(() => encodeDescriptor({ base: 0, limit: 0x123456, type: 2 }), /must end in 0xfff/);
});

test('gates encode and decode selector, offset, DPL and parameter count', () => {
	const raw = encodeGate({ type: SystemType.InterruptGate32, selector: 0x08, offset: 0xc0105678, dpl: 3 });
	assert.deepEqual(raw, { low: 0x00085678, high: 0xc010ee00 });
	const gate = decodeGate(encodeGate({ type: SystemType.CallGate32, selector: 0x1b, offset: 0x1234, paramCount: 5 }));
	assert.deepEqual(gate, { type: SystemType.CallGate32, selector: 0x1b, offset: 0x1234, dpl: 0, present: true, paramCount: 5 });
});

test('describeDescriptor names segments, system descriptors and gates', () => {
	const code = describeDescriptor(FLAT_CODE);
	assert.equal(code.kind, 'code');
	assert.equal(code.typeName, 'code, execute/read');
	assert.equal(code.limit, 0xffffffff);
	assert.equal(code.accessed, false);
	assert.equal(describeDescriptor(encodeDescriptor({ base: 0, limit: 0xfff, type: 0x7, dpl: 3 })).typeName, 'data, read/write, expand-down');
	const tss = describeDescriptor(encodeDescriptor({ base: 0x3000, limit: 0x67, type: SystemType.Tss32Busy, system: true }));
	assert.deepEqual([tss.kind, tss.typeName, tss.base, tss.limit], ['system', '32-bit TSS (busy)', 0x3000, 0x67]);
	const gate = describeDescriptor(encodeGate({ type: SystemType.TrapGate32, selector: 0x08, offset: 0x4000, dpl: 3 }));
	assert.deepEqual([gate.kind, gate.typeName, gate.selector, gate.offset, gate.dpl, gate.base], ['gate', '32-bit trap gate', 0x08, 0x4000, 3, undefined]);
	assert.equal(describeDescriptor({ low: 0, high: 0x8800 }).kind, 'reserved');
});

test('readDescriptor reads the GDT or the LDT by TI and raises #GP(selector) past the limit', () => {
	const cpu = protectedModeCpu();
	assert.equal(readDescriptor(cpu, Sel.Data3).dpl, 3);
	assert.equal(readDescriptor(cpu, Sel.Data3InLdt).dpl, 3);
	assert.deepEqual(raised(() => readDescriptor(cpu, 0x17)), { vector: Vector.GP, errorCode: 0x14 });
	assert.deepEqual(raised(() => readDescriptor(cpu, 0xfff3)), { vector: Vector.GP, errorCode: 0xfff0 });
});
