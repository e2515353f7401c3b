// Running one guest image on the two machines: QEMU (the reference) as a
// child process, Ringside in-process on its native CPU with no monitor, so
// that what is compared is the instruction semantics alone.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assemble } from '../../src/asm/index';
import { loadProgram } from '../../src/machine/loaders/load-program';
import { writeMultibootInfo } from '../../src/machine/loaders/multiboot-info';
import { enterMultibootState } from '../../src/machine/loaders/multiboot-state';
import { Pc } from '../../src/machine/pc';
import { GUEST_ORIGIN } from './guest';

export interface GuestImage {
	image: Uint8Array;
	origin: number;
}

/** What a machine printed, and why it stopped if not through the debug-exit port. */
export interface MachineOutput {
	serial: string;
	failure?: string;
}

/**
 * nasm when it is installed (the generator uses 16-bit address forms that
 * Ringside's assembler rejects), else Ringside's own assembler.
 */
export function assembleGuest(source: string): GuestImage {
	if (hasNasm()) return assembleWithNasm(source);
	const result = assemble(source, { file: 'differential.asm' });
	if (!result.ok || result.errors.length > 0) {
		const lines = source.split('\n');
		throw new Error(`the differential guest does not assemble: ${result.errors.map((e) => `line ${e.line} (${lines[e.line - 1]?.trim()}): ${e.message}`).join('; ')}`);
	}
	return { image: result.image, origin: result.origin };
}

let nasmPresent: boolean | undefined;
export function hasNasm(): boolean {
	nasmPresent ??= spawnSync('nasm', ['-v']).status === 0;
	return nasmPresent;
}

function assembleWithNasm(source: string): GuestImage {
	const dir = mkdtempSync(join(tmpdir(), 'ringside-diff-'));
	try {
		writeFileSync(join(dir, 'guest.asm'), source);
		const run = spawnSync('nasm', ['-f', 'bin', '-o', join(dir, 'guest.bin'), join(dir, 'guest.asm')], { encoding: 'utf8' });
		if (run.status !== 0) throw new Error(`the differential guest does not assemble with nasm: ${run.stderr.trim()}`);
		return { image: new Uint8Array(readFileSync(join(dir, 'guest.bin'))), origin: GUEST_ORIGIN };
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

export function hasQemu(): boolean {
	return spawnSync('qemu-system-i386', ['--version']).status === 0;
}

const QEMU_ARGS = ['-display', 'none', '-serial', 'stdio', '-monitor', 'none', '-net', 'none', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'];
/** Exit status of QEMU after the guest wrote 0 to the debug-exit port: (0 << 1) | 1. */
const QEMU_CLEAN_EXIT = 1;

/** Runs the flat multiboot image on QEMU; resolves with its COM1 output. */
export function runOnQemu(guest: GuestImage, timeoutMs = 20_000): Promise<MachineOutput> {
	const dir = mkdtempSync(join(tmpdir(), 'ringside-diff-'));
	const kernel = join(dir, 'guest.bin');
	writeFileSync(kernel, guest.image);
	return new Promise((resolve) => {
		const child = spawn('qemu-system-i386', ['-kernel', kernel, ...QEMU_ARGS], { stdio: ['ignore', 'pipe', 'pipe'] });
		const out: Buffer[] = [];
		const err: Buffer[] = [];
		child.stdout.on('data', (b: Buffer) => out.push(b));
		child.stderr.on('data', (b: Buffer) => err.push(b));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		const finish = (failure?: string): void => {
			clearTimeout(timer);
			rmSync(dir, { recursive: true, force: true });
			resolve({ serial: Buffer.concat(out).toString('latin1'), failure });
		};
		child.on('error', (e) => finish(`qemu-system-i386 could not start: ${e.message}`));
		child.on('close', (code, signal) => {
			if (code === QEMU_CLEAN_EXIT) finish();
			else finish(signal ? `QEMU killed by ${signal} (time limit ${timeoutMs} ms)` : `QEMU exited with ${code}: ${Buffer.concat(err).toString().trim()}`);
		});
	});
}

/** Runs the image on Ringside's CPU with nothing delivered: any exception, HLT or INT ends the run as a failure. */
export function runOnRingside(guest: GuestImage, budget = 50_000_000): MachineOutput {
	const pc = new Pc({ memoryMiB: 16 });
	const program = loadProgram(pc, { image: guest.image, origin: guest.origin }, 'assembled');
	enterMultibootState(pc.cpu, program.entry, writeMultibootInfo(pc.memory, '', program.ranges));
	const bytes: number[] = [];
	pc.uart.onTransmit((b) => bytes.push(b));
	const serial = (): string => Buffer.from(bytes).toString('latin1');
	const cpu = pc.cpu;
	while (pc.debugExit.exitCode === undefined) {
		if (cpu.instructionCount >= budget) return { serial: serial(), failure: `no exit after ${budget} instructions (EIP ${hex(cpu.eip)})` };
		const exit = cpu.run(100_000);
		pc.advanceDevices();
		if (pc.debugExit.exitCode !== undefined) break;
		switch (exit.kind) {
			case 'budget': case 'interrupt': continue;
			case 'exception': return { serial: serial(), failure: `Ringside raised ${exit.exception.message} at EIP ${hex(cpu.eip)}` };
			default: return { serial: serial(), failure: `Ringside stopped (${exit.kind}) at EIP ${hex(cpu.eip)}` };
		}
	}
	return { serial: serial() };
}

const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
