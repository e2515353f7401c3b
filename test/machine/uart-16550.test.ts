import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoPortBus } from '../../src/machine/io-port-bus';
import { Uart16550, COM1_PORT } from '../../src/machine/devices/uart-16550';

const THR = COM1_PORT, IER = COM1_PORT + 1, IIR = COM1_PORT + 2, LCR = COM1_PORT + 3, MCR = COM1_PORT + 4;
const FCR = COM1_PORT + 2;
const LSR = COM1_PORT + 5, MSR = COM1_PORT + 6, SCR = COM1_PORT + 7;

/** COM1 on its ports with IRQ 4's level tracked. */
function setup() {
	const io = new IoPortBus();
	let irq = false;
	const uart = new Uart16550({ raise: (n) => { assert.equal(n, 4); irq = true; }, lower: () => { irq = false; } });
	io.register('com1', COM1_PORT, 8, uart);
	const sent: number[] = [];
	uart.onTransmit((b) => sent.push(b));
	return { uart, sent, irq: () => irq, out: (p: number, v: number) => io.write(p, 1, v), inb: (p: number) => io.read(p, 1) };
}

test('bytes written to THR reach the transmit listeners at once; LSR shows THR and transmitter empty', () => {
	const { sent, out, inb } = setup();
	for (const c of Buffer.from('ok\n')) out(THR, c);
	assert.equal(Buffer.from(sent).toString(), 'ok\n');
	assert.equal(inb(LSR), 0x60);
});

test('DLAB switches ports 0 and 1 to the divisor latch', () => {
	const { uart, sent, out, inb } = setup();
	out(LCR, 0x83); out(THR, 0x03); out(IER, 0x00); out(LCR, 0x03);
	assert.equal(uart.baudRate, 38400);
	assert.deepEqual(sent, [], 'writing DLL did not transmit');
	out(LCR, 0x80);
	assert.equal(inb(THR), 0x03);
	assert.equal(inb(IER), 0x00);
	assert.equal(inb(LCR), 0x80);
	out(SCR, 0x5a);
	assert.equal(inb(SCR), 0x5a);
});

test('received bytes set DR and raise IRQ 4 only when enabled in IER and gated by OUT2', () => {
	const { uart, irq, out, inb } = setup();
	uart.receive(Buffer.from('A'));
	assert.equal(inb(LSR) & 1, 1);
	assert.equal(inb(IIR), 0x01, 'no interrupt while IER is 0');
	out(IER, 0x01);
	assert.equal(inb(IIR), 0x04);
	assert.equal(irq(), false, 'OUT2 clear: the IRQ is not driven');
	out(MCR, 0x08);
	assert.equal(irq(), true);
	assert.equal(inb(THR), 0x41);
	assert.equal(inb(LSR) & 1, 0);
	assert.equal(irq(), false);
	assert.equal(inb(IIR), 0x01);
});

test('THR-empty interrupt: requested on enabling, acknowledged by reading IIR, renewed by each write', () => {
	const { irq, out, inb } = setup();
	out(MCR, 0x08);
	out(IER, 0x02);
	assert.equal(irq(), true);
	assert.equal(inb(IIR), 0x02);
	assert.equal(irq(), false);
	assert.equal(inb(IIR), 0x01);
	out(THR, 0x21);
	assert.equal(inb(IIR), 0x02);
});

test('IIR priority: line status over received data over THR empty', () => {
	const { uart, out, inb } = setup();
	out(IER, 0x07);
	out(MCR, 0x10); // loopback: a second byte overruns the one-byte holding register
	out(THR, 1); out(THR, 2);
	assert.equal(inb(IIR), 0x06, 'overrun is a line status interrupt');
	assert.equal(inb(LSR) & 0x03, 0x03, 'DR and OE');
	assert.equal(inb(LSR) & 0x02, 0, 'reading LSR cleared OE');
	assert.equal(inb(IIR), 0x04);
	assert.equal(inb(THR), 1);
	assert.equal(inb(IIR), 0x02);
	assert.equal(uart.baudRate, 115200 / 12);
});

test('without FIFOs one byte is held at a time; host input waits and loses nothing', () => {
	const { uart, inb } = setup();
	uart.receive(Buffer.from('hello'));
	let text = '';
	while (inb(LSR) & 1) text += String.fromCharCode(inb(THR));
	assert.equal(text, 'hello');
	assert.equal(inb(LSR) & 0x02, 0, 'no overrun');
});

test('FIFO mode: IIR shows FIFOs enabled, data interrupt at the trigger level, timeout below it, FCR clears', () => {
	const { uart, out, inb } = setup();
	out(FCR, 0x81); // FIFO on, trigger level 8
	out(IER, 0x01);
	uart.receive(Buffer.from('abc'));
	assert.equal(inb(IIR), 0xcc, 'fewer than 8 bytes: character timeout');
	uart.receive(Buffer.from('defghijklmnopqrstuvwxyz'));
	assert.equal(inb(IIR), 0xc4);
	out(FCR, 0x83);
	assert.equal(inb(THR), 'q'.charCodeAt(0), 'the 16 bytes in the FIFO were dropped, the rest refilled it');
	out(FCR, 0x00);
	assert.equal(inb(IIR) & 0xc0, 0);
});

test('loopback: transmitted bytes come back, MSR mirrors MCR, host input is held off', () => {
	const { uart, sent, out, inb } = setup();
	uart.receive(Buffer.from('X'));
	assert.equal(inb(THR), 0x58);
	out(MCR, 0x10 | 0x0f);
	assert.equal(inb(MSR) & 0xf0, 0xf0);
	uart.receive(Buffer.from('Y'));
	assert.equal(inb(LSR) & 1, 0, 'line input is disconnected in loopback');
	out(THR, 0x55);
	assert.deepEqual(sent, []);
	assert.equal(inb(THR), 0x55);
	out(MCR, 0x10);
	assert.equal(inb(MSR), 0x0f, 'deltas for CTS, DSR, DCD and the trailing edge of RI');
	assert.equal(inb(MSR), 0x00, 'reading MSR cleared the deltas');
	out(MCR, 0x00);
	assert.equal(inb(THR), 0x59, 'held input arrives when loopback ends');
	assert.equal(inb(MSR) & 0xf0, 0xb0);
});

test('UART state survives a snapshot, including queued input', () => {
	const a = setup();
	a.out(IER, 0x01);
	a.uart.receive(Buffer.from('zz'));
	const b = setup();
	b.uart.loadState(a.uart.saveState());
	assert.equal(b.inb(IIR), 0x04);
	assert.equal(b.inb(THR), 0x7a);
	assert.equal(b.inb(THR), 0x7a);
	assert.equal(b.inb(LSR) & 1, 0);
});

