import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Vector } from '../../src/x86/exceptions';
import { Cr0, Cr4, Reg } from '../../src/x86/registers';
import {
	clts, cpuid, CPU_VENDOR, invlpgAt, lgdt, lidt, lldt, lmsw, ltr, movFromCr, movFromDr, movToCr, movToDr, rdmsr, rdtsc, smsw, wrmsr,
} from '../../src/x86/system';
import { enterRing, protectedModeCpu, raised, Sel, type TestCpu } from './system-fixture';

const PRIVILEGED: Record<string, (cpu: TestCpu) => unknown> = {
	lgdt: (cpu) => lgdt(cpu, 0x8000),
	lidt: (cpu) => lidt(cpu, 0x8000),
	lldt: (cpu) => lldt(cpu, Sel.Ldt),
	ltr: (cpu) => ltr(cpu, Sel.Tss),
	lmsw: (cpu) => lmsw(cpu, 1),
	clts: (cpu) => clts(cpu),
	'mov cr0, r': (cpu) => movToCr(cpu, 0, 0x11),
	'mov r, cr3': (cpu) => movFromCr(cpu, 3),
	'mov dr7, r': (cpu) => movToDr(cpu, 7, 0),
	'mov r, dr0': (cpu) => movFromDr(cpu, 0),
	invlpg: (cpu) => invlpgAt(cpu, 0x1000),
	rdmsr: (cpu) => rdmsr(cpu),
	wrmsr: (cpu) => wrmsr(cpu),
};

for (const ring of [1, 3] as const) {
	test(`every privileged operation raises #GP(0) at CPL ${ring} and changes nothing`, () => {
		for (const [name, op] of Object.entries(PRIVILEGED)) {
			const cpu = protectedModeCpu();
			enterRing(cpu, ring);
			cpu.regs[Reg.ECX] = 0x10;
			const before = { cr0: cpu.cr0, cr3: cpu.cr3, gdtr: cpu.gdtr, idtr: cpu.idtr, ldtr: cpu.ldtr, tr: cpu.tr, eax: cpu.reg(Reg.EAX) };
			assert.deepEqual(raised(() => op(cpu)), { vector: Vector.GP, errorCode: 0 }, name);
			assert.deepEqual({ cr0: cpu.cr0, cr3: cpu.cr3, gdtr: cpu.gdtr, idtr: cpu.idtr, ldtr: cpu.ldtr, tr: cpu.tr, eax: cpu.reg(Reg.EAX) }, before, name);
			assert.equal(cpu.tlbFlushes, 0, name);
		}
	});
}

test('mov cr0 checks PG without PE and NW without CD, keeps ET, and flushes the TLB when paging changes', () => {
	const cpu = protectedModeCpu();
	assert.deepEqual(raised(() => movToCr(cpu, 0, Cr0.PG)), { vector: Vector.GP, errorCode: 0 });
	assert.deepEqual(raised(() => movToCr(cpu, 0, Cr0.PE | Cr0.NW)), { vector: Vector.GP, errorCode: 0 });
	movToCr(cpu, 0, Cr0.PE | Cr0.TS);
	assert.equal(cpu.cr0, Cr0.PE | Cr0.TS | Cr0.ET);
	assert.equal(cpu.tlbFlushes, 0);
	movToCr(cpu, 0, Cr0.PE | Cr0.PG);
	assert.equal(movFromCr(cpu, 0), (Cr0.PE | Cr0.PG | Cr0.ET) >>> 0);
	assert.equal(cpu.tlbFlushes, 1);
});

test('mov cr3 keeps the directory base and PWT/PCD and always flushes; cr2 is plain; cr4 rejects PAE', () => {
	const cpu = protectedModeCpu();
	movToCr(cpu, 3, 0x12345fff);
	assert.equal(movFromCr(cpu, 3), 0x12345018);
	assert.equal(cpu.tlbFlushes, 1);
	movToCr(cpu, 2, 0xdeadbeef);
	assert.equal(movFromCr(cpu, 2), 0xdeadbeef);
	movToCr(cpu, 4, Cr4.PSE | Cr4.PGE);
	assert.equal(cpu.cr4, Cr4.PSE | Cr4.PGE);
	assert.equal(cpu.tlbFlushes, 2);
	assert.deepEqual(raised(() => movToCr(cpu, 4, 1 << 5)), { vector: Vector.GP, errorCode: 0 });
	assert.deepEqual(raised(() => movToCr(cpu, 1, 0)), { vector: Vector.UD, errorCode: undefined });
});

test('lmsw cannot clear PE; smsw and clts', () => {
	const cpu = protectedModeCpu();
	lmsw(cpu, Cr0.TS | Cr0.MP);
	assert.equal(cpu.cr0 & 0xf, Cr0.PE | Cr0.TS | Cr0.MP);
	enterRing(cpu, 3);
	assert.equal(smsw(cpu) & 0xffff, Cr0.PE | Cr0.TS | Cr0.MP | Cr0.ET, 'smsw is not privileged');
	enterRing(cpu, 0);
	clts(cpu);
	assert.equal(cpu.cr0 & Cr0.TS, 0);
});

test('debug registers: DR4/5 alias DR6/7, CR4.DE makes them #UD, DR7.GD raises #DB', () => {
	const cpu = protectedModeCpu();
	movToDr(cpu, 0, 0x401000);
	assert.equal(movFromDr(cpu, 0), 0x401000);
	movToDr(cpu, 5, 1);
	assert.equal(movFromDr(cpu, 7), 0x401);
	cpu.cr4 |= Cr4.DE;
	assert.deepEqual(raised(() => movFromDr(cpu, 4)), { vector: Vector.UD, errorCode: undefined });
	movToDr(cpu, 7, 1 << 13);
	assert.deepEqual(raised(() => movFromDr(cpu, 0)), { vector: Vector.DB, errorCode: undefined });
	assert.equal(movFromDr(cpu, 6) & (1 << 13), 1 << 13);
});

test('invlpg passes the linear address to the TLB', () => {
	const cpu = protectedModeCpu();
	invlpgAt(cpu, 0x00403123);
	assert.deepEqual(cpu.invalidatedPages, [0x403]);
});

test('MSRs: SYSENTER registers round-trip, TSC follows instructionCount and can be written, unknown MSR #GP(0)', () => {
	const cpu = protectedModeCpu();
	cpu.regs[Reg.ECX] = 0x176;
	cpu.regs[Reg.EDX] = 0;
	cpu.regs[Reg.EAX] = 0xc0101234 | 0;
	wrmsr(cpu);
	cpu.regs[Reg.EAX] = 0;
	rdmsr(cpu);
	assert.equal(cpu.reg(Reg.EAX), 0xc0101234);

	cpu.instructionCount = 1000;
	cpu.regs[Reg.ECX] = 0x10;
	rdmsr(cpu);
	assert.deepEqual([cpu.reg(Reg.EDX), cpu.reg(Reg.EAX)], [0, 1000]);
	cpu.regs[Reg.EDX] = 1;
	cpu.regs[Reg.EAX] = 0;
	wrmsr(cpu);
	cpu.instructionCount = 1500;
	rdtsc(cpu);
	assert.deepEqual([cpu.reg(Reg.EDX), cpu.reg(Reg.EAX)], [1, 500]);

	cpu.regs[Reg.ECX] = 0xc0000080;
	assert.deepEqual(raised(() => rdmsr(cpu)), { vector: Vector.GP, errorCode: 0 });
	assert.deepEqual(raised(() => wrmsr(cpu)), { vector: Vector.GP, errorCode: 0 });
});

test('rdtsc works at ring 3 unless CR4.TSD', () => {
	const cpu = protectedModeCpu();
	enterRing(cpu, 3);
	cpu.instructionCount = 77;
	rdtsc(cpu);
	assert.equal(cpu.reg(Reg.EAX), 77);
	cpu.cr4 |= Cr4.TSD;
	assert.deepEqual(raised(() => rdtsc(cpu)), { vector: Vector.GP, errorCode: 0 });
	enterRing(cpu, 0);
	rdtsc(cpu);
});

test('cpuid: vendor in EBX, EDX, ECX; family 6 without FPU, with TSC, MSR, PSE, CX8, CMOV, PGE', () => {
	const cpu = protectedModeCpu();
	cpu.regs[Reg.EAX] = 0;
	cpuid(cpu);
	assert.equal(cpu.reg(Reg.EAX), 1);
	const vendor = Buffer.alloc(12);
	vendor.writeUInt32LE(cpu.reg(Reg.EBX), 0);
	vendor.writeUInt32LE(cpu.reg(Reg.EDX), 4);
	vendor.writeUInt32LE(cpu.reg(Reg.ECX), 8);
	assert.equal(vendor.toString('latin1'), CPU_VENDOR);
	assert.equal(CPU_VENDOR.length, 12);
	cpu.regs[Reg.EAX] = 1;
	cpuid(cpu);
	assert.equal((cpu.reg(Reg.EAX) >>> 8) & 0xf, 6);
	const edx = cpu.reg(Reg.EDX);
	assert.equal(edx & 1, 0, 'no FPU');
	for (const bit of [3, 4, 5, 8, 13, 15]) assert.equal((edx >>> bit) & 1, 1, `feature bit ${bit}`);
});
