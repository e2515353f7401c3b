import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseLaunchConfig } from '../../src/debug/launch-config';

test('defaults', () => {
	assert.deepEqual(parseLaunchConfig({ program: '/k.asm' }), {
		program: '/k.asm', virtualization: 'binary-translation', stopOnEntry: false, memoryMiB: 32, serialInput: '', trace: false,
	});
});

test('each bad attribute is named', () => {
	assert.throws(() => parseLaunchConfig({}), /"program" is required/);
	assert.throws(() => parseLaunchConfig({ program: '/k', virtualization: 'vmx' }), /"virtualization" must be one of/);
	assert.throws(() => parseLaunchConfig({ program: '/k', memory: 0 }), /"memory" must be a whole number of MiB from 1 to 1024/);
	assert.throws(() => parseLaunchConfig({ program: '/k', memory: 1.5 }), /"memory"/);
	assert.throws(() => parseLaunchConfig({ program: '/k', stopOnEntry: 'yes' }), /"stopOnEntry" must be true or false/);
	assert.throws(() => parseLaunchConfig({ program: '/k', serialInput: 5 }), /"serialInput" must be a string/);
});
