import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compress, decodeSegment, encodeSegment } from '../../src/vmm/descriptors';
import { TOP_MONITOR_BASE as MONITOR_BASE } from '../../src/vmm/monitor-region';
import { ShadowTables, SHADOW_TSS_SELECTOR } from '../../src/vmm/shadow-tables';
import { VirtualCpu } from '../../src/vmm/virtual-cpu';
import { FlatCpu } from './flat-cpu';

test('a flat DPL-0 code descriptor is compressed to DPL 1 and ends below the monitor', () => {
	const flat = decodeSegment({ low: 0x0000ffff, high: 0x00cf9a00 });
	assert.equal(flat.limit, 0xffffffff);
	const c = compress(flat, MONITOR_BASE);
	assert.equal(c.dpl, 1);
	assert.equal(c.limit, MONITOR_BASE - 1);
	const round = decodeSegment(encodeSegment(c));
	assert.deepEqual(round, c);
});

test('ring-3 descriptors keep their DPL and system descriptors are copied', () => {
	const user = compress(decodeSegment({ low: 0x0000ffff, high: 0x00cff200 }), MONITOR_BASE);
	assert.equal(user.dpl, 3);
	assert.equal(user.limit, MONITOR_BASE - 1);
	const tss = decodeSegment({ low: 0x20000067, high: 0x00008900 });
	assert.deepEqual(compress(tss, MONITOR_BASE), tss);
});

test('the shadow GDT mirrors the guest GDT compressed, with the monitor TSS in the last slot', () => {
	const cpu = new FlatCpu();
	const vcpu = new VirtualCpu();
	cpu.putFlatDescriptor(0x1000, 1, true, 0);
	cpu.putFlatDescriptor(0x1000, 2, false, 0);
	cpu.putFlatDescriptor(0x1000, 3, true, 3);
	vcpu.gdtr = { base: 0x1000, limit: 0x1f };
	const shadow = new ShadowTables();
	assert.equal(shadow.syncGdt(cpu, vcpu), true);
	assert.equal(shadow.shadowDescriptor(0x08).dpl, 1);
	assert.equal(shadow.shadowDescriptor(0x10).dpl, 1);
	assert.equal(shadow.shadowDescriptor(0x1b).dpl, 3);
	assert.equal(shadow.shadowDescriptor(0x10).limit, MONITOR_BASE - 1);
	assert.equal(shadow.shadowDescriptor(SHADOW_TSS_SELECTOR).base, shadow.tr.base);
	assert.equal(shadow.syncGdt(cpu, vcpu), false, 'unchanged guest GDT: no rebuild');
	cpu.putFlatDescriptor(0x1000, 2, false, 3);
	assert.equal(shadow.syncGdt(cpu, vcpu), true);
	assert.equal(shadow.shadowDescriptor(0x10).dpl, 3);
});

test('the shadow TSS gives ring 1 the guest ring-0 stack', () => {
	const cpu = new FlatCpu();
	const vcpu = new VirtualCpu();
	cpu.writeLinear32(0x3004 as never, 0x9f000);
	cpu.writeLinear16(0x3008 as never, 0x10);
	vcpu.tr = { selector: 0x28, base: 0x3000, limit: 103, type: 0xb, system: true, dpl: 0, present: true, big: false, usable: true };
	const shadow = new ShadowTables();
	shadow.syncTss(cpu, vcpu);
	const view = new DataView(shadow.window.buffer);
	assert.equal(view.getUint32(0x10000 + 12, true), 0x9f000);
	assert.equal(view.getUint16(0x10000 + 16, true), 0x11);
});

test('the shadow LDT mirrors the guest LDT compressed, and the hardware LDTR points at it', () => {
	const cpu = new FlatCpu();
	const vcpu = new VirtualCpu();
	cpu.putFlatDescriptor(0x2000, 0, false, 0);
	cpu.putFlatDescriptor(0x2000, 1, false, 3);
	// Entry 2: present ring-0 data never loaded (accessed bit clear).
	cpu.writeLinear32(0x2010 as never, 0x0000ffff);
	cpu.writeLinear32(0x2014 as never, 0x00cf9200);
	vcpu.ldtr = { selector: 0x18, base: 0x2000, limit: 0x17, type: 2, system: true, dpl: 0, present: true, big: false, usable: true };
	const shadow = new ShadowTables();
	assert.equal(shadow.syncLdt(cpu, vcpu), true);
	const ldtr = shadow.ldtr(vcpu);
	assert.equal(ldtr.selector, 0x18, 'SLDT still reads the guest\'s selector');
	assert.ok(ldtr.base >= shadow.region.base && ldtr.base + ldtr.limit < shadow.region.base + 0x400000, 'inside the monitor region');
	assert.equal(ldtr.limit, 0x17, 'the guest\'s limit: a selector past it still faults');
	const view = new DataView(shadow.window.buffer);
	const at = (index: number) => decodeSegment({ low: view.getUint32(ldtr.base - shadow.region.base + index * 8, true), high: view.getUint32(ldtr.base - shadow.region.base + index * 8 + 4, true) });
	assert.equal(at(0).dpl, 1, 'entry 0 of an LDT is a descriptor like any other');
	assert.equal(at(0).limit, MONITOR_BASE - 1);
	assert.equal(at(1).dpl, 3);
	assert.equal(at(1).limit, MONITOR_BASE - 1, 'a ring-3 LDT segment cannot reach the monitor either');
	assert.equal(at(2).present, false, 'kept not present until its first load');
	assert.equal(shadow.isAccessPending(0x14), true);
	assert.equal(shadow.isAccessPending(0x10), false, 'the GDT descriptor of the same index is another one');
	assert.equal(shadow.syncLdt(cpu, vcpu), false, 'unchanged guest LDT: no rebuild');
	vcpu.ldtr = { ...vcpu.ldtr, selector: 0, usable: false };
	assert.equal(shadow.syncLdt(cpu, vcpu), true);
	assert.equal(shadow.ldtr(vcpu).usable, false);
	assert.equal(shadow.isAccessPending(0x14), false);
});

test('segments no limit can keep out of the monitor region are emptied, or cut where a cut works', () => {
	const data = (base: number, limit: number, type: number, big = true) => ({ base, limit, type, system: false, dpl: 0, present: true, big, granular: limit > 0xfffff });
	// Expand-down from 256 MiB up to 4 GiB: it covers the region, and its top cannot move.
	const down = compress(data(0, 0x0fffffff, 0x7), MONITOR_BASE);
	assert.equal(down.type & 4, 4);
	assert.equal(down.limit, 0xffffffff, 'emptied: no offset above its limit');
	assert.equal(down.dpl, 1);
	// The same below the region (a 16-bit expand-down stack at 64 KiB): left alone.
	assert.deepEqual(compress(data(0x10000, 0x7fff, 0x7, false), MONITOR_BASE), { ...data(0x10000, 0x7fff, 0x7, false), dpl: 1 });
	// Starting inside the region: emptied.
	const inside = compress(data(MONITOR_BASE + 0x1000, 0xfff, 0x3), MONITOR_BASE);
	assert.equal(inside.type & 4, 4);
	assert.equal(inside.limit, 0xffffffff);
	// Starting above a region that moved down, and wrapping round into it: cut at the top of the address space.
	const wrap = compress(data(0xf8000000, 0xf8400000, 0x3), 0xf0000000);
	assert.equal(wrap.base + wrap.limit, 0xffffffff);
	// Code that cannot be cut is not present (the monitor refuses to run it rather than expose itself).
	assert.equal(compress({ ...data(MONITOR_BASE, 0xfff, 0xb) }, MONITOR_BASE).present, false);
	// A segment entirely below the region keeps its limit.
	assert.equal(compress(data(0x100000, 0xfffff, 0x3), MONITOR_BASE).limit, 0xfffff);
});
