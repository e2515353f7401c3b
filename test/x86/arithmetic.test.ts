import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine, u32 } from './helpers';
import { Reg } from '../../src/x86/registers';
import { Vector } from '../../src/x86/exceptions';

const CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
const ARITH = CF | PF | AF | ZF | SF | OF;

function run(source: string) {
	const m = machine(`${source}\nhlt`);
	const exit = m.cpu.run(10000);
	return { ...m, exit, flags: m.cpu.getEflags() & ARITH, r: (reg: Reg) => u32(m.cpu.regs[reg]) };
}

test('add sets OF on signed overflow and CF on unsigned carry', () => {
	let t = run('mov eax, 0x7fffffff\nadd eax, 1');
	assert.equal(t.r(Reg.EAX), 0x80000000);
	assert.equal(t.flags, OF | SF | AF | PF);
	t = run('mov eax, 0xffffffff\nadd eax, 1');
	assert.equal(t.r(Reg.EAX), 0);
	assert.equal(t.flags, CF | ZF | AF | PF);
	t = run('mov al, 0x80\nadd al, 0x80');
	assert.equal(t.r(Reg.EAX) & 0xff, 0);
	assert.equal(t.flags, CF | ZF | OF | PF);
});

test('sub and cmp: borrow, overflow and the parity of the low byte', () => {
	let t = run('mov eax, 0\nsub eax, 1');
	assert.equal(t.r(Reg.EAX), 0xffffffff);
	assert.equal(t.flags, CF | SF | AF | PF);
	t = run('mov eax, 0x80000000\ncmp eax, 1');
	assert.equal(t.r(Reg.EAX), 0x80000000);
	assert.equal(t.flags, OF | AF | PF);
	t = run('mov ax, 5\ncmp ax, 3');
	assert.equal(t.flags, 0);
});

test('adc and sbb carry through a 64-bit add and subtract', () => {
	let t = run('mov eax, 0xffffffff\nmov edx, 1\nadd eax, 1\nadc edx, 0');
	assert.equal(t.r(Reg.EAX), 0);
	assert.equal(t.r(Reg.EDX), 2);
	assert.equal(t.flags & CF, 0);
	t = run('mov eax, 0\nmov edx, 2\nsub eax, 1\nsbb edx, 0');
	assert.equal(t.r(Reg.EAX), 0xffffffff);
	assert.equal(t.r(Reg.EDX), 1);
	t = run('stc\nmov eax, 0xffffffff\nadc eax, 0');
	assert.equal(t.r(Reg.EAX), 0);
	assert.equal(t.flags & (CF | ZF), CF | ZF);
	t = run('stc\nmov eax, 5\nsbb eax, 5');
	assert.equal(t.r(Reg.EAX), 0xffffffff);
	assert.equal(t.flags & (CF | SF), CF | SF);
});

test('inc and dec keep CF; neg sets CF unless zero', () => {
	let t = run('stc\nmov eax, 0x7fffffff\ninc eax');
	assert.equal(t.flags & (CF | OF | SF), CF | OF | SF);
	t = run('clc\nmov ecx, 1\ndec ecx');
	assert.equal(t.flags & (CF | ZF), ZF);
	t = run('mov eax, 5\nneg eax');
	assert.equal(t.r(Reg.EAX), u32(-5));
	assert.equal(t.flags & (CF | SF), CF | SF);
	t = run('mov eax, 0\nneg eax');
	assert.equal(t.flags & (CF | ZF), ZF);
	t = run('mov al, 0x80\nneg al');
	assert.equal(t.flags & (OF | CF), OF | CF);
});

test('logic clears CF and OF, 8-bit high registers work', () => {
	const t = run('stc\nmov eax, 0x1234\nmov ebx, 0xff00\nand ah, bh\nxor bl, 0x0f\nor ecx, -1\nnot ecx\ntest eax, eax');
	assert.equal(t.r(Reg.EAX), 0x1234);
	assert.equal(t.r(Reg.EBX), 0xff0f);
	assert.equal(t.r(Reg.ECX), 0);
	assert.equal(t.flags & (CF | OF | ZF), 0);
});

test('mul, imul forms and their overflow flags', () => {
	let t = run('mov eax, 0x10000\nmov ecx, 0x10000\nmul ecx');
	assert.equal(t.r(Reg.EAX), 0);
	assert.equal(t.r(Reg.EDX), 1);
	assert.equal(t.flags & (CF | OF), CF | OF);
	t = run('mov eax, 0xffffffff\nmov ecx, 0xffffffff\nmul ecx');
	assert.equal(t.r(Reg.EAX), 1);
	assert.equal(t.r(Reg.EDX), 0xfffffffe);
	t = run('mov eax, -3\nmov ecx, 7\nimul ecx');
	assert.equal(t.r(Reg.EAX), u32(-21));
	assert.equal(t.r(Reg.EDX), 0xffffffff);
	assert.equal(t.flags & (CF | OF), 0);
	t = run('mov ecx, 0x40000000\nimul eax, ecx, 4');
	assert.equal(t.r(Reg.EAX), 0);
	assert.equal(t.flags & (CF | OF), CF | OF);
	t = run('mov eax, -100\nmov ebx, 1000\nimul eax, ebx');
	assert.equal(t.r(Reg.EAX), u32(-100000));
	assert.equal(t.flags & (CF | OF), 0);
	t = run('mov al, -2\nmov cl, 100\nimul cl');
	assert.equal(t.r(Reg.EAX) & 0xffff, u32(-200) & 0xffff);
	assert.equal(t.flags & (CF | OF), CF | OF);
	t = run('mov ax, 300\nmov cx, 300\nmul cx');
	assert.equal(t.r(Reg.EAX) & 0xffff, 90000 & 0xffff);
	assert.equal(t.r(Reg.EDX) & 0xffff, 1);
});

test('div and idiv: quotients, remainders, 64-bit dividends', () => {
	let t = run('mov edx, 0\nmov eax, 100\nmov ecx, 7\ndiv ecx');
	assert.equal(t.r(Reg.EAX), 14);
	assert.equal(t.r(Reg.EDX), 2);
	t = run('mov edx, 1\nmov eax, 0\nmov ecx, 2\ndiv ecx');
	assert.equal(t.r(Reg.EAX), 0x80000000);
	t = run('mov eax, -100\ncdq\nmov ecx, 7\nidiv ecx');
	assert.equal(t.r(Reg.EAX), u32(-14));
	assert.equal(t.r(Reg.EDX), u32(-2));
	t = run('mov ax, -7\nmov cl, 2\nidiv cl');
	assert.equal(t.r(Reg.EAX) & 0xff, u32(-3) & 0xff);
	assert.equal((t.r(Reg.EAX) >> 8) & 0xff, u32(-1) & 0xff);
});

test('div by zero raises #DE with precise state', () => {
	const t = run('mov eax, 10\nmov edx, 0\nxor ecx, ecx\nmov ebx, 1\ndiv ecx\nmov eax, 99');
	assert.equal(t.exit.kind, 'exception');
	assert.equal(t.exit.kind === 'exception' && t.exit.exception.vector, Vector.DE);
	assert.equal(t.cpu.eip, 0x1000 + 5 + 5 + 2 + 5);
	assert.equal(t.cpu.instructionCount, 4);
	assert.equal(t.r(Reg.EAX), 10);
	assert.equal(t.r(Reg.EBX), 1);
	assert.equal(t.flags & ZF, ZF, 'flags of xor ecx, ecx still visible');
});

test('idiv overflow (INT_MIN / -1) raises #DE', () => {
	const t = run('mov eax, 0x80000000\ncdq\nmov ecx, -1\nidiv ecx');
	assert.equal(t.exit.kind === 'exception' && t.exit.exception.vector, Vector.DE);
	assert.equal(t.r(Reg.EAX), 0x80000000);
});

test('data movement: movzx/movsx, lea, xchg, xadd, cmpxchg, bswap, cbw/cwde/cdq, cmov, setcc', () => {
	const t = run(`mov dword [0x3000], 0x80ff
movzx eax, byte [0x3000]
movsx ebx, byte [0x3000]
movsx ecx, word [0x3000]
lea edx, [eax + ebx*2 + 8]
mov esi, 1
xchg esi, [0x3000]
mov edi, 5
xadd [0x3000], edi
mov eax, 6
mov ebp, 77
cmpxchg [0x3000], ebp
mov dword [0x3004], 0x11223344
bswap eax
cmp eax, 0
setnz byte [0x3008]
cmovz eax, ebp`);
	assert.equal(t.memory.u32(0x3000), 77);
	assert.equal(t.r(Reg.EBX), 0xffffffff);
	assert.equal(t.r(Reg.ECX), 0xffff80ff);
	assert.equal(t.r(Reg.EDX), u32(0xff - 2 + 8));
	assert.equal(t.r(Reg.ESI), 0x80ff);
	assert.equal(t.r(Reg.EDI), 1);
	assert.equal(t.r(Reg.EAX), 0x06000000);
	assert.equal(t.memory.ram[0x3008], 1);
	const c = run('mov al, -5\ncbw\nmov ebx, eax\ncwde\ncdq');
	assert.equal(c.r(Reg.EBX) & 0xffff, 0xfffb);
	assert.equal(c.r(Reg.EAX), u32(-5));
	assert.equal(c.r(Reg.EDX), 0xffffffff);
});

test('bit operations: bt/bts/btr/btc with a bit string in memory, bsf/bsr', () => {
	const t = run(`mov dword [0x3000], 0
mov dword [0x3004], 0
mov eax, 35
bts [0x3000], eax
bt dword [0x3004], 3
setc bl
mov ecx, 0x00f00000
bsf edx, ecx
bsr esi, ecx
mov edi, 9
xor eax, eax
bsf edi, eax`);
	assert.equal(t.memory.u32(0x3004), 8);
	assert.equal(t.r(Reg.EBX) & 0xff, 1);
	assert.equal(t.r(Reg.EDX), 20);
	assert.equal(t.r(Reg.ESI), 23);
	assert.equal(t.r(Reg.EDI), 9, 'a zero source leaves the destination');
	assert.equal(t.flags & ZF, ZF);
});

test('lahf/sahf, cmc, pushfd/popfd round trip', () => {
	const t = run('mov eax, 0\ncmp eax, 1\nlahf\nmov bl, ah\nclc\ncmc\npushfd\npop ecx\nmov ah, 0x41\nsahf');
	assert.equal(t.r(Reg.EBX) & 0xff, (SF | AF | PF | CF | 2));
	assert.equal(t.r(Reg.ECX) & CF, CF);
	assert.equal(t.flags & (ZF | CF | SF), ZF | CF);
});
