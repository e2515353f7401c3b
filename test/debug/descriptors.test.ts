import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeDescriptor } from '../../src/debug/descriptors';

test('segment descriptors: flat code and data, ring 3, a TSS', () => {
	assert.equal(describeDescriptor(0, 0), 'null');
	assert.equal(describeDescriptor(0x0000ffff, 0x00cf9a00), 'code 32-bit, readable, base 0x00000000, limit 0xffffffff, DPL 0');
	assert.equal(describeDescriptor(0x0000ffff, 0x00cff200), 'data, writable, base 0x00000000, limit 0xffffffff, DPL 3');
	assert.equal(describeDescriptor(0x00000067, 0x00008910), '32-bit TSS (available), base 0x00100000, limit 0x00000067, DPL 0');
});

test('gates: target selector and offset, privilege, presence', () => {
	assert.equal(describeDescriptor(0x00081234, 0x00108e00), '32-bit interrupt gate → 0x0008:0x00101234, DPL 0');
	assert.equal(describeDescriptor(0x00085678, 0x0010ef00), '32-bit trap gate → 0x0008:0x00105678, DPL 3');
	assert.equal(describeDescriptor(0x00080000, 0x00000e00), '32-bit interrupt gate → 0x0008:0x00000000, DPL 0, not present');
});
