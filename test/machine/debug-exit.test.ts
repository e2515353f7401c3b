import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IoPortBus } from '../../src/machine/io-port-bus';
import { DebugExit, DEBUG_EXIT_PORT } from '../../src/machine/devices/debug-exit';

function setup() {
	const bus = new IoPortBus();
	const device = new DebugExit();
	bus.register('debug exit', DEBUG_EXIT_PORT, 4, device);
	return { bus, device };
}

test('writing V to 0xF4 exits with (V << 1) | 1 and tells the listeners', () => {
	const { bus, device } = setup();
	const codes: number[] = [];
	device.onExit((code) => codes.push(code));
	assert.equal(device.exitCode, undefined);
	bus.write(DEBUG_EXIT_PORT, 1, 0x31);
	assert.equal(device.exitCode, 0x63);
	bus.write(DEBUG_EXIT_PORT, 1, 0);
	assert.deepEqual(codes, [0x63, 1]);
});

test('the device decodes 32-bit writes whole', () => {
	const { bus, device } = setup();
	bus.write(DEBUG_EXIT_PORT, 4, 0x100);
	assert.equal(device.exitCode, 0x201);
	bus.write(DEBUG_EXIT_PORT + 2, 2, 3);
	assert.equal(device.exitCode, 7);
});

test('its exit code survives a snapshot', () => {
	const { bus, device } = setup();
	bus.write(DEBUG_EXIT_PORT, 1, 2);
	const state = device.saveState();
	const other = new DebugExit();
	other.loadState(state);
	assert.equal(other.exitCode, 5);
});
