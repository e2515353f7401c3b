// Boots one multiboot kernel in v86 and copies its COM1 output to stdout, byte
// by byte as the guest writes it, so a parent can time the lines the same way
// it times QEMU and Ringside. Runs as its own process: v86 ends a multiboot
// guest's write to port 0xF4 by throwing out of its main loop, and a stray
// throw must not take the harness down.
//
// Usage: node bench/v86-guest.mjs <kernel.bin> <bios.bin> <vgabios.bin> [seconds]
// Exit status: 0 after the guest printed "done", 3 after "FAIL" or "unexpected",
// 124 when the time limit ran out, 2 on bad arguments or a failed start.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const [kernelPath, biosPath, vgaBiosPath, seconds = '300'] = process.argv.slice(2);
if (!kernelPath || !biosPath || !vgaBiosPath) {
	process.stderr.write('usage: node bench/v86-guest.mjs <kernel.bin> <bios.bin> <vgabios.bin> [seconds]\n');
	process.exit(2);
}

// The package's own wasm, found next to its entry point rather than by a guessed path.
const require = createRequire(import.meta.url);
const v86Entry = require.resolve('v86');
const { V86 } = await import(v86Entry);

function fileBuffer(path, what) {
	try {
		const bytes = readFileSync(path);
		return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
	} catch (error) {
		process.stderr.write(`v86-guest: cannot read the ${what} ${path}: ${error.message}\n`);
		process.exit(2);
	}
}

let line = '';
let finished = false;
function finish(code) {
	if (finished) return;
	finished = true;
	// stdout on a pipe is synchronous on Linux: everything printed is already out.
	process.exit(code);
}

// v86's "Test exited" throw for port 0xF4 (and its console chatter) is expected noise.
process.on('uncaughtException', (error) => {
	if (error === 'HALT') return;
	process.stderr.write(`v86-guest: ${error instanceof Error ? error.stack : String(error)}\n`);
	finish(2);
});

const emulator = new V86({
	wasm_path: join(dirname(v86Entry), 'v86.wasm'),
	bios: { buffer: fileBuffer(biosPath, 'BIOS') },
	vga_bios: { buffer: fileBuffer(vgaBiosPath, 'VGA BIOS') },
	multiboot: { buffer: fileBuffer(kernelPath, 'kernel') },
	memory_size: 64 * 1024 * 1024,
	autostart: true,
	disable_keyboard: true,
	disable_mouse: true,
	disable_speaker: true,
	log_level: 0,
});

emulator.add_listener('serial0-output-byte', (byte) => {
	const char = String.fromCharCode(byte);
	process.stdout.write(char);
	if (char !== '\n') {
		line += char;
		return;
	}
	if (line === 'done') finish(0);
	else if (line.startsWith('FAIL') || line.startsWith('unexpected')) finish(3);
	line = '';
});

setTimeout(() => {
	process.stderr.write(`v86-guest: no "done" line within ${seconds} s\n`);
	finish(124);
}, Number(seconds) * 1000).unref();
