import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assemble, machine } from './helpers';
import { Flag, Reg } from '../../src/x86/registers';
import { Vector } from '../../src/x86/exceptions';
import { disassemble } from '../../src/x86/disassembler';
import type { InstructionEmitter } from '../../src/x86/block-compiler';

const LOOP = `mov ecx, 100
xor eax, eax
l: add eax, 2
dec ecx
jnz l
hlt`;

test('the budget is exact: run(1) steps one instruction, partial blocks included', () => {
	const m = machine(LOOP);
	const exit = m.cpu.run(1);
	assert.deepEqual(exit, { kind: 'budget' });
	assert.equal(m.cpu.eip, 0x1005);
	assert.equal(m.cpu.instructionCount, 1);
	m.cpu.run(1);
	m.cpu.run(1);
	assert.equal(m.cpu.regs[Reg.EAX], 2);
	assert.equal(m.cpu.eip, 0x100a);
	assert.deepEqual(m.cpu.run(10), { kind: 'budget' });
	assert.equal(m.cpu.instructionCount, 13);
	assert.deepEqual(m.cpu.run(1000), { kind: 'halt' });
	assert.equal(m.cpu.instructionCount, 2 + 300 + 1);
	assert.equal(m.cpu.regs[Reg.EAX], 200);
});

test('stop addresses stop before the instruction and resuming from one works', () => {
	const m = machine(LOOP);
	const code = assemble(LOOP);
	const dec = 0x1000 + disassemble(code, 0x1000, 3).reduce((n, d) => n + d.length, 0);
	m.cpu.setStopAddresses(new Set([dec]));
	let exit = m.cpu.run(1000);
	assert.deepEqual(exit, { kind: 'stop-address', address: dec });
	assert.equal(m.cpu.regs[Reg.EAX], 2);
	assert.equal(m.cpu.regs[Reg.ECX], 100);
	exit = m.cpu.run(1000);
	assert.equal(exit.kind, 'stop-address');
	assert.equal(m.cpu.regs[Reg.ECX], 99);
	assert.equal(m.cpu.regs[Reg.EAX], 4);
});

test('an exception in the middle of a block leaves the state of the faulting instruction', () => {
	const m = machine('mov eax, 1\nmov ebx, 2\nmov ecx, [0x7ffffffe]\nmov edx, 3\nhlt');
	m.cpu.seg[3] = { ...m.cpu.seg[3], limit: 0xfffff };
	const exit = m.cpu.run(100);
	assert.equal(exit.kind, 'exception');
	assert.equal(m.cpu.eip, 0x100a);
	assert.equal(m.cpu.instructionCount, 2);
	assert.equal(m.cpu.regs[Reg.EBX], 2);
	assert.equal(m.cpu.regs[Reg.EDX], 0);
});

test('a segment limit violation is #GP(0), and #SS(0) for the stack', () => {
	const m = machine('mov eax, [0x20000]\nhlt');
	m.cpu.seg[3] = { ...m.cpu.seg[3], limit: 0xffff };
	let exit = m.cpu.run(10);
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.GP);
	const s = machine('push eax\nhlt');
	s.cpu.seg[2] = { ...s.cpu.seg[2], limit: 0x7ffff };
	s.cpu.regs[Reg.ESP] = 0x80002;
	exit = s.cpu.run(10);
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.SS);
	assert.equal(s.cpu.regs[Reg.ESP], 0x80002);
});

test('undecodable bytes raise #UD when executed, not when decoded', () => {
	const m = machine('mov eax, 1\ndb 0xff, 0xff\nhlt');
	const exit = m.cpu.run(10);
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.UD);
	assert.equal(m.cpu.eip, 0x1005);
	assert.equal(m.cpu.regs[Reg.EAX], 1);
});

test('self-modifying code: a store into a compiled block drops it, even the running one', () => {
	// The store rewrites the immediate of the next instruction, which is in the same block.
	const m = machine('mov byte [patch + 1], 42\npatch: mov eax, 1\nhlt');
	m.cpu.run(100);
	assert.equal(m.cpu.regs[Reg.EAX], 42);
	const loop = machine(`mov esi, 0
again: mov eax, 5
inc esi
mov byte [again + 1], 9
cmp esi, 2
jne again
hlt`);
	loop.cpu.run(100);
	assert.equal(loop.cpu.regs[Reg.EAX], 9);
});

test('INT n, INT3 and HLT are exits; the CPU does not deliver', () => {
	const m = machine('int 0x80\nint3\nhlt');
	assert.deepEqual(m.cpu.run(10), { kind: 'software-interrupt', vector: 0x80, eip: 0x1000, returnEip: 0x1002 });
	assert.equal(m.cpu.eip, 0x1002);
	assert.deepEqual(m.cpu.run(10), { kind: 'software-interrupt', vector: 3, eip: 0x1002, returnEip: 0x1003 });
	assert.deepEqual(m.cpu.run(10), { kind: 'halt' });
	assert.equal(m.cpu.eip, 0x1004);
	assert.equal(m.cpu.halted, true);
});

test('a pending interrupt exits at a block boundary only when IF=1', () => {
	const m = machine('nop\njmp next\nnext: nop\njmp l\nl: jmp l');
	m.line.raised = true;
	m.cpu.run(3);
	assert.equal(m.cpu.instructionCount, 3, 'IF=0: the line is ignored');
	m.cpu.setEflags(m.cpu.getEflags() | Flag.IF);
	assert.deepEqual(m.cpu.run(100), { kind: 'interrupt' });
	assert.equal(m.cpu.instructionCount, 3);
});

test('HLT is privileged: #GP(0) at CPL 3', () => {
	const m = machine('hlt');
	m.cpu.cpl = 3;
	const exit = m.cpu.run(1);
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.GP);
	assert.equal(m.cpu.eip, 0x1000);
});

test('an emitter replaces instructions; externals and requestExit reach the run loop', () => {
	const m = machine('mov eax, 1\ncpuid\nmov ebx, 2\nhlt');
	const seen: string[] = [];
	const emitter: InstructionEmitter = (ins, _i, ctx) => {
		if (ins.mnemonic === 'cpuid') {
			const f = ctx.external(() => {
				seen.push(ins.text);
				m.cpu.regs[Reg.ECX] = 0x77;
				m.cpu.requestExit('callout');
			});
			return `${f}();`;
		}
		if (ins.mnemonic === 'mov' && ins.operands[0].kind === 'reg' && ins.operands[0].reg === Reg.EBX) return `${ctx.native(ins)} r[${Reg.EDX}] = 5;`;
		return null;
	};
	const exit = m.cpu.run(100, { emitterFor: (cpl) => (cpl === 0 ? emitter : undefined) });
	assert.deepEqual(exit, { kind: 'callout-stop', reason: 'callout' });
	assert.deepEqual(seen, ['cpuid']);
	assert.equal(m.cpu.eip, 0x1007);
	assert.equal(m.cpu.instructionCount, 2);
	assert.equal(m.cpu.regs[Reg.ECX], 0x77);
	assert.deepEqual(m.cpu.run(100, { emitterFor: () => emitter }), { kind: 'halt' });
	assert.equal(m.cpu.regs[Reg.EBX], 2);
	assert.equal(m.cpu.regs[Reg.EDX], 5);
});

test('a callout may stop before its instruction, leaving it unretired', () => {
	const m = machine('nop\ncli\nhlt');
	const emitter: InstructionEmitter = (ins, _i, ctx) =>
		ins.mnemonic === 'cli' ? `${ctx.external(() => m.cpu.requestExit('look', { beforeInstruction: true }))}();` : null;
	const exit = m.cpu.run(100, { emitterFor: () => emitter });
	assert.deepEqual(exit, { kind: 'callout-stop', reason: 'look' });
	assert.equal(m.cpu.eip, 0x1001);
	assert.equal(m.cpu.instructionCount, 1);
});

test('snapshots restore every register, the flags and the count', () => {
	const m = machine(LOOP);
	m.cpu.run(20);
	const snap = JSON.parse(JSON.stringify(m.cpu.saveState()));
	const eax = m.cpu.regs[Reg.EAX];
	m.cpu.run(1000);
	m.cpu.loadState(snap);
	assert.equal(m.cpu.regs[Reg.EAX], eax);
	assert.equal(m.cpu.instructionCount, 20);
	assert.equal(m.cpu.halted, false);
	assert.deepEqual(m.cpu.run(1000), { kind: 'halt' });
	assert.equal(m.cpu.regs[Reg.EAX], 200);
});

test('disassembly is NASM syntax through the shared decoder', () => {
	const bytes = assemble('mov eax, [ebx+ecx*4+0x10]\nrep movsd\nlgdt [0x1234]\ndb 0xff, 0xff');
	const text = disassemble(bytes, 0x1000, 10).map((d) => d.text);
	assert.deepEqual(text, ['mov eax, [ebx+ecx*4+0x10]', 'rep movsd', 'lgdt [0x1234]', '(bad)']);
});

test('system instructions go through the system layer: IOPL checks, POPF silence, CPUID', () => {
	const user = machine('cli');
	user.cpu.cpl = 3;
	let exit = user.cpu.run(1);
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.GP);
	const io = machine('in al, 0x60');
	io.cpu.cpl = 3;
	exit = io.cpu.run(1);
	assert.equal(exit.kind === 'exception' && exit.exception.vector, Vector.GP);
	const ring1 = machine('push dword 0x3202\npopfd\nhlt');
	ring1.cpu.cpl = 1;
	ring1.cpu.run(2);
	assert.equal(ring1.cpu.getEflags() & (Flag.IF | Flag.IOPL), 0, 'POPF at CPL 1 with IOPL 0 drops IF and IOPL without a fault');
	const id = machine('xor eax, eax\ncpuid\nhlt');
	id.cpu.run(10);
	assert.ok(id.cpu.regs[Reg.EBX] !== 0 && id.cpu.regs[Reg.EAX] >= 1);
});
