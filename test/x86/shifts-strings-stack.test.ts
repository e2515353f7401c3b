import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine, u32 } from './helpers';
import { Reg } from '../../src/x86/registers';

const CF = 1, PF = 4, ZF = 0x40, SF = 0x80, OF = 0x800;

function run(source: string) {
	const m = machine(`${source}\nhlt`);
	const exit = m.cpu.run(100000);
	return { ...m, exit, flags: m.cpu.getEflags(), r: (reg: Reg) => u32(m.cpu.regs[reg]) };
}

test('shifts by 0 change nothing, by 1 set OF, by n set CF from the last bit out', () => {
	let t = run('stc\nmov eax, 0x80000001\nmov cl, 0\nshl eax, cl');
	assert.equal(t.r(Reg.EAX), 0x80000001);
	assert.equal(t.flags & CF, CF);
	t = run('mov eax, 0x40000000\nshl eax, 1');
	assert.equal(t.r(Reg.EAX), 0x80000000);
	assert.equal(t.flags & (CF | OF | SF), OF | SF);
	t = run('mov eax, 0xc0000000\nshl eax, 1');
	assert.equal(t.flags & (CF | OF), CF);
	t = run('mov eax, 0x81\nshr eax, 1');
	assert.equal(t.r(Reg.EAX), 0x40);
	assert.equal(t.flags & (CF | OF), CF);
	t = run('mov eax, 0x80000000\nshr eax, 1');
	assert.equal(t.flags & OF, OF, 'SHR by 1: OF is the original sign');
	t = run('mov eax, 0x80000010\nsar eax, 5');
	assert.equal(t.r(Reg.EAX), 0xfc000000);
	assert.equal(t.flags & (CF | OF | SF), CF | SF);
	t = run('mov al, 0x81\nshl al, 9');
	assert.equal(t.r(Reg.EAX) & 0xff, 0);
	assert.equal(t.flags & (ZF | PF), ZF | PF);
	t = run('mov eax, 1\nmov cl, 33\nshl eax, cl');
	assert.equal(t.r(Reg.EAX), 2, 'the count is masked to 5 bits');
});

test('rotates: ROL/ROR set CF and OF only; RCL/RCR go through CF', () => {
	let t = run('mov eax, 0\ncmp eax, 0\nmov eax, 0x80000001\nrol eax, 1');
	assert.equal(t.r(Reg.EAX), 3);
	assert.equal(t.flags & (CF | OF | ZF), CF | OF | ZF, 'ZF from cmp survives');
	t = run('mov al, 1\nror al, 1');
	assert.equal(t.r(Reg.EAX) & 0xff, 0x80);
	assert.equal(t.flags & (CF | OF), CF | OF);
	t = run('stc\nmov al, 0x80\nrcl al, 1');
	assert.equal(t.r(Reg.EAX) & 0xff, 1);
	assert.equal(t.flags & (CF | OF), CF | OF);
	t = run('clc\nmov al, 1\nrcr al, 1');
	assert.equal(t.r(Reg.EAX) & 0xff, 0);
	assert.equal(t.flags & CF, CF);
	t = run('clc\nmov al, 0x13\nrcl al, 8');
	assert.equal(t.r(Reg.EAX) & 0xff, 0x09, 'rotating 8 through 9 bits is a rotate right by one');
	assert.equal(t.flags & CF, CF);
});

test('shld and shrd', () => {
	let t = run('mov eax, 0x12345678\nmov edx, 0x9abcdef0\nshld eax, edx, 8');
	assert.equal(t.r(Reg.EAX), 0x3456789a);
	t = run('mov eax, 0x12345678\nmov edx, 0x9abcdef0\nmov cl, 4\nshrd eax, edx, cl');
	assert.equal(t.r(Reg.EAX), 0x01234567);
	t = run('mov ax, 0x1234\nmov dx, 0xabcd\nshld ax, dx, 4');
	assert.equal(t.r(Reg.EAX) & 0xffff, 0x234a);
});

test('rep movsd forward and rep movsb backward with DF=1', () => {
	let t = run(`mov esi, 0x3000
mov dword [esi], 0x11111111
mov dword [esi+4], 0x22222222
mov dword [esi+8], 0x33333333
mov edi, 0x4000
mov ecx, 3
cld
rep movsd`);
	assert.deepEqual([t.memory.u32(0x4000), t.memory.u32(0x4004), t.memory.u32(0x4008)], [0x11111111, 0x22222222, 0x33333333]);
	assert.equal(t.r(Reg.ECX), 0);
	assert.equal(t.r(Reg.ESI), 0x300c);
	assert.equal(t.r(Reg.EDI), 0x400c);
	t = run(`mov dword [0x3000], 0x44332211
mov esi, 0x3003
mov edi, 0x4003
mov ecx, 4
std
rep movsb`);
	assert.equal(t.memory.u32(0x4000), 0x44332211);
	assert.equal(t.r(Reg.ESI), 0x2fff);
	assert.equal(t.r(Reg.EDI), 0x3fff);
});

test('rep stosd, lodsb, repne scasb (strlen) and repe cmpsb', () => {
	let t = run('mov edi, 0x5000\nmov eax, 0xabababab\nmov ecx, 1000\nrep stosd');
	assert.equal(t.memory.u32(0x5000 + 999 * 4), 0xabababab);
	assert.equal(t.r(Reg.EDI), 0x5000 + 4000);
	t = run(`jmp start
s: db 'hello', 0
start:
mov edi, s
mov ecx, -1
xor al, al
repne scasb
not ecx
dec ecx`);
	assert.equal(t.r(Reg.ECX), 5);
	t = run(`jmp start
a: db 'abcdef'
b: db 'abcxef'
start:
mov esi, a
mov edi, b
mov ecx, 6
repe cmpsb`);
	assert.equal(t.r(Reg.ECX), 2);
	assert.equal(t.flags & (ZF | CF), CF, "'d' < 'x' unsigned");
	t = run('mov dword [0x3000], 0x44332211\nmov esi, 0x3000\nlodsb\nlodsb');
	assert.equal(t.r(Reg.EAX) & 0xff, 0x22);
});

test('a huge rep stosb finishes and counts as one instruction', () => {
	const t = run('mov edi, 0x100000\nmov ecx, 0x20000\nmov al, 7\nrep stosb');
	assert.equal(t.exit.kind, 'halt');
	assert.equal(t.memory.ram[0x11ffff], 7);
	assert.equal(t.cpu.instructionCount, 5);
});

test('push/pop forms, pushad/popad, enter/leave, call/ret with imm16', () => {
	const t = run(`mov eax, 1
mov ecx, 2
mov edx, 3
mov ebx, 4
mov ebp, 5
mov esi, 6
mov edi, 7
pushad
mov eax, [esp + 12]
mov [0x3000], eax
xor eax, eax
xor edi, edi
popad
push dword 0x1234
pop dword [0x3004]
push -2
pop ebx
call f
mov [0x3008], eax
jmp done
f:
enter 8, 0
mov dword [ebp - 4], 99
mov eax, [ebp - 4]
leave
ret
done:
push 1
push 2
call g
jmp fin
g: ret 8
fin:`);
	assert.equal(t.memory.u32(0x3000), 0x80000 - 4 * 4 + 16, 'pushad stored the original ESP');
	assert.equal(t.r(Reg.EAX), 99);
	assert.equal(t.r(Reg.EDI), 7);
	assert.equal(t.memory.u32(0x3004), 0x1234);
	assert.equal(t.r(Reg.EBX), u32(-2));
	assert.equal(t.memory.u32(0x3008), 99);
	assert.equal(t.r(Reg.EBP), 5);
	assert.equal(t.r(Reg.ESP), 0x80000);
});

test('jcc, loop family, jecxz and indirect jumps', () => {
	const t = run(`mov ecx, 10
xor eax, eax
l1: add eax, ecx
loop l1
mov ecx, 5
mov ebx, 0
l2: inc ebx
cmp ebx, 3
loopne l2
jecxz bad
mov edx, t
jmp edx
bad: mov esi, 0xbad
t: mov edi, 1
mov ecx, -1
cmp ecx, 1
jl neg
mov esi, 0xbad
neg: ja above
mov esi, 0xbad
above:`);
	assert.equal(t.r(Reg.EAX), 55);
	assert.equal(t.r(Reg.EBX), 3);
	assert.equal(t.r(Reg.ECX), 0xffffffff);
	assert.equal(t.r(Reg.ESI), 0);
	assert.equal(t.r(Reg.EDI), 1);
});

test('in/out at CPL 0 reach the I/O bus, xlat', () => {
	const t = run(`mov dx, 0x3f8
mov al, 'A'
out dx, al
out 0x80, eax
mov dword [0x3000], 0x44332211
mov ebx, 0x3000
mov al, 2
xlatb
mov ecx, eax
in al, 0x60`);
	assert.deepEqual(t.io.writes, [[0x3f8, 1, 0x41], [0x80, 4, 0x41]]);
	assert.equal(t.r(Reg.ECX) & 0xff, 0x33);
	assert.equal(t.r(Reg.EAX) & 0xff, 0xff);
});
