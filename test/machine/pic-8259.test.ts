import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoPortBus } from '../../src/machine/io-port-bus';
import { Pic8259 } from '../../src/machine/devices/pic-8259';

/** The pair wired on its ports and initialised as a kernel does: vectors 0x20 and 0x28, slave on IR2. */
function setup(options: { icw4Master?: number } = {}) {
	const io = new IoPortBus();
	const pic = new Pic8259();
	io.register('master', 0x20, 2, pic.ports(pic.master));
	io.register('slave', 0xa0, 2, pic.ports(pic.slave));
	const out = (port: number, value: number) => io.write(port, 1, value);
	out(0x20, 0x11); out(0x21, 0x20); out(0x21, 0x04); out(0x21, options.icw4Master ?? 0x01);
	out(0xa0, 0x11); out(0xa1, 0x28); out(0xa1, 0x02); out(0xa1, 0x01);
	out(0x21, 0x00); out(0xa1, 0x00);
	return { io, pic, out, inb: (port: number) => io.read(port, 1) };
}

test('initialisation sets vector offsets and an edge on an IRQ line yields its vector', () => {
	const { pic } = setup();
	assert.equal(pic.pending(), false);
	pic.raise(1);
	assert.equal(pic.pending(), true);
	assert.equal(pic.acknowledge(), 0x21);
	assert.equal(pic.pending(), false);
});

test('an edge is latched once: holding the line high does not request again', () => {
	const { pic, out } = setup();
	pic.raise(3);
	assert.equal(pic.acknowledge(), 0x23);
	out(0x20, 0x20);
	pic.raise(3);
	assert.equal(pic.pending(), false, 'no new edge while the line stays high');
	pic.lower(3);
	pic.raise(3);
	assert.equal(pic.pending(), true);
});

test('the mask (OCW1) holds a request back until unmasked and reads back on the data port', () => {
	const { pic, out, inb } = setup();
	out(0x21, 0x01);
	assert.equal(inb(0x21), 0x01);
	pic.raise(0);
	assert.equal(pic.pending(), false);
	out(0x21, 0x00);
	assert.equal(pic.acknowledge(), 0x20);
});

test('fixed priority: IRQ 0 beats IRQ 5; an in-service level blocks lower ones until EOI', () => {
	const { pic, out } = setup();
	pic.raise(5);
	pic.raise(0);
	assert.equal(pic.acknowledge(), 0x20);
	assert.equal(pic.pending(), false, 'IRQ 5 waits while IRQ 0 is in service');
	out(0x20, 0x20);
	assert.equal(pic.acknowledge(), 0x25);
});

test('a higher-priority request interrupts a lower one in service (nesting)', () => {
	const { pic } = setup();
	pic.raise(6);
	assert.equal(pic.acknowledge(), 0x26);
	pic.raise(1);
	assert.equal(pic.pending(), true);
	assert.equal(pic.acknowledge(), 0x21);
});

test('OCW3 selects IRR or ISR for reading the command port', () => {
	const { pic, out, inb } = setup();
	pic.raise(4);
	pic.raise(7);
	out(0x20, 0x0a);
	assert.equal(inb(0x20), 0x90);
	pic.acknowledge();
	assert.equal(inb(0x20), 0x80);
	out(0x20, 0x0b);
	assert.equal(inb(0x20), 0x10);
});

test('specific EOI (OCW2 0x60 | level) clears exactly that level', () => {
	const { pic, out, inb } = setup();
	pic.raise(6);
	pic.acknowledge();
	pic.raise(1);
	pic.acknowledge();
	out(0x20, 0x0b);
	assert.equal(inb(0x20), 0x42);
	out(0x20, 0x66);
	assert.equal(inb(0x20), 0x02);
	out(0x20, 0x20);
	assert.equal(inb(0x20), 0x00);
});

test('a non-specific EOI clears the highest-priority level in service', () => {
	const { pic, out, inb } = setup();
	pic.raise(6);
	pic.acknowledge();
	pic.raise(1);
	pic.acknowledge();
	out(0x20, 0x20);
	out(0x20, 0x0b);
	assert.equal(inb(0x20), 0x40);
});

test('slave IRQs cascade through master IR2 with the slave\'s vectors', () => {
	const { pic, out, inb } = setup();
	pic.raise(12);
	assert.equal(pic.pending(), true);
	assert.equal(pic.acknowledge(), 0x2c);
	out(0x20, 0x0b); out(0xa0, 0x0b);
	assert.equal(inb(0x20), 0x04, 'master IR2 in service');
	assert.equal(inb(0xa0), 0x10, 'slave IR4 in service');
	// A second slave request waits for the EOIs, then arrives through a fresh edge on IR2.
	pic.raise(9);
	assert.equal(pic.pending(), false);
	out(0xa0, 0x20);
	assert.equal(pic.pending(), false, 'master IR2 still in service');
	out(0x20, 0x20);
	assert.equal(pic.acknowledge(), 0x29);
});

test('master priority still applies to the cascade: IRQ 1 before IRQ 8, IRQ 8 before IRQ 3', () => {
	const { pic, out } = setup();
	pic.raise(3); pic.raise(8); pic.raise(1);
	assert.equal(pic.acknowledge(), 0x21);
	out(0x20, 0x20);
	assert.equal(pic.acknowledge(), 0x28);
	out(0xa0, 0x20); out(0x20, 0x20);
	assert.equal(pic.acknowledge(), 0x23);
});

test('slave mask holds back slave IRQs only', () => {
	const { pic, out } = setup();
	out(0xa1, 0x01);
	pic.raise(8);
	assert.equal(pic.pending(), false);
	out(0xa1, 0x00);
	assert.equal(pic.acknowledge(), 0x28);
});

test('acknowledge with nothing deliverable gives the spurious IRQ 7 vector', () => {
	const { pic } = setup();
	assert.equal(pic.acknowledge(), 0x27);
});

test('auto-EOI (ICW4 bit 1) leaves nothing in service', () => {
	const { pic, out, inb } = setup({ icw4Master: 0x03 });
	pic.raise(5);
	assert.equal(pic.acknowledge(), 0x25);
	out(0x20, 0x0b);
	assert.equal(inb(0x20), 0);
	pic.raise(6);
	assert.equal(pic.pending(), true);
});

test('rotate on non-specific EOI makes the serviced level the lowest priority', () => {
	const { pic, out } = setup();
	pic.raise(0);
	assert.equal(pic.acknowledge(), 0x20);
	out(0x20, 0xa0);
	pic.raise(0); pic.lower(0);
	pic.raise(4);
	assert.equal(pic.acknowledge(), 0x24, 'IRQ 0 is now lowest');
});

test('re-initialisation (ICW1) clears mask, in-service and requests', () => {
	const { pic, out, inb } = setup();
	out(0x21, 0xff);
	pic.raise(3);
	out(0x20, 0x11); out(0x21, 0x40); out(0x21, 0x04); out(0x21, 0x01);
	assert.equal(inb(0x21), 0);
	pic.lower(3); pic.raise(3);
	assert.equal(pic.acknowledge(), 0x43);
});

test('the pair\'s state survives a snapshot', () => {
	const { pic } = setup();
	pic.raise(12);
	const state = pic.saveState();
	const copy = new Pic8259();
	copy.loadState(state);
	assert.equal(copy.acknowledge(), 0x2c);
	assert.throws(() => pic.raise(16), /IRQ 16 does not exist/);
});
