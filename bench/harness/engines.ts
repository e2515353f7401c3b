// The engines the guest is timed on, how each is started, and whether it is
// installed here. Each prints the guest's COM1 on stdout as it is written.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { Command } from './timed-run';

export type EngineId = 'ringside-native' | 'ringside-trap-and-emulate' | 'ringside-binary-translation' | 'v86' | 'qemu';

export const ENGINE_IDS: readonly EngineId[] = ['ringside-native', 'ringside-trap-and-emulate', 'ringside-binary-translation', 'v86', 'qemu'];

export interface GuestFiles {
	/** The wrapper source (counts + %include), for Ringside's CLI. */
	source: string;
	/** The flat multiboot image, for QEMU and v86. */
	binary: string;
}

export interface Engine {
	id: EngineId;
	/** Short column heading. */
	heading: string;
	/** Whether it boots the flat binary (else the .asm source). */
	needsBinary: boolean;
	/** The exit status of a run that reached "done". */
	successExit: number;
	/** What it is, with its version, for the results file. */
	version: string;
	command(guest: GuestFiles, timeoutSeconds: number): Command;
}

export interface Unavailable {
	id: EngineId;
	reason: string;
}

const REPO = resolve(__dirname, '..', '..');
const CLI = join(REPO, 'dist', 'cli.js');
const V86_GUEST = join(REPO, 'bench', 'v86-guest.mjs');

/** BIOS images for v86: the npm package ships none, Debian's SeaBIOS works. */
const BIOS_CANDIDATES = ['/usr/share/seabios/bios.bin', '/usr/share/qemu/bios.bin'];
const VGA_BIOS_CANDIDATES = ['/usr/share/seabios/vgabios-isavga.bin', '/usr/share/seabios/vgabios-stdvga.bin', '/usr/share/qemu/vgabios-stdvga.bin'];

function firstExisting(paths: readonly string[]): string | undefined {
	return paths.find((path) => existsSync(path));
}

function ringsideVersion(): string {
	const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
	const git = spawnSync('git', ['-C', REPO, 'describe', '--always', '--dirty'], { encoding: 'utf8' });
	return `ringside ${pkg.version}${git.status === 0 ? ` (${git.stdout.trim()})` : ''}, node ${process.version}`;
}

function ringside(mode: 'native' | 'trap-and-emulate' | 'binary-translation', heading: string): Engine | Unavailable {
	const id = `ringside-${mode}` as const;
	if (!existsSync(CLI)) return { id, reason: `${CLI} is missing: run \`npm run build\` (npm run bench does)` };
	return {
		id, heading, needsBinary: false, successExit: 1, version: `${ringsideVersion()}, --virtualization ${mode}`,
		command: (guest) => ({ program: process.execPath, args: [CLI, 'run', guest.source, '--virtualization', mode] }),
	};
}

function v86(): Engine | Unavailable {
	const id = 'v86';
	let entry: string;
	try {
		entry = createRequire(join(REPO, 'package.json')).resolve('v86');
	} catch {
		return { id, reason: 'the npm package v86 is not installed (npm install --save-dev v86@0.5.462)' };
	}
	const bios = firstExisting(BIOS_CANDIDATES);
	const vgaBios = firstExisting(VGA_BIOS_CANDIDATES);
	if (!bios || !vgaBios) return { id, reason: `no SeaBIOS image found (looked for ${[...BIOS_CANDIDATES, ...VGA_BIOS_CANDIDATES].join(', ')}; Debian package seabios)` };
	const pkg = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string };
	return {
		id, heading: 'v86', needsBinary: true, successExit: 0,
		version: `v86 ${pkg.version} (wasm JIT) on node ${process.version}, BIOS ${bios}, VGA BIOS ${vgaBios}`,
		command: (guest, timeoutSeconds) => ({ program: process.execPath, args: [V86_GUEST, guest.binary, bios, vgaBios, String(timeoutSeconds)] }),
	};
}

function qemu(): Engine | Unavailable {
	const id = 'qemu';
	const probe = spawnSync('qemu-system-i386', ['--version'], { encoding: 'utf8' });
	if (probe.status !== 0) return { id, reason: 'qemu-system-i386 is not installed (Debian package qemu-system-x86)' };
	return {
		id, heading: 'QEMU TCG', needsBinary: true, successExit: 1,
		version: `${probe.stdout.split('\n')[0]}, -accel tcg`,
		// -net none drops the iPXE ROM; -no-reboot turns a triple fault into an exit, not a reboot loop.
		command: (guest) => ({
			program: 'qemu-system-i386',
			args: ['-accel', 'tcg', '-kernel', guest.binary, '-serial', 'stdio', '-display', 'none', '-monitor', 'none',
				'-net', 'none', '-no-reboot', '-device', 'isa-debug-exit,iobase=0xf4,iosize=0x04'],
		}),
	};
}

export function findEngines(wanted: readonly EngineId[]): { engines: Engine[]; unavailable: Unavailable[] } {
	const probes: Record<EngineId, () => Engine | Unavailable> = {
		'ringside-native': () => ringside('native', 'native'),
		'ringside-trap-and-emulate': () => ringside('trap-and-emulate', 't&e'),
		'ringside-binary-translation': () => ringside('binary-translation', 'BT'),
		v86,
		qemu,
	};
	const engines: Engine[] = [];
	const unavailable: Unavailable[] = [];
	for (const id of wanted) {
		const found = probes[id]();
		if ('reason' in found) unavailable.push(found);
		else engines.push(found);
	}
	return { engines, unavailable };
}

export function isRingside(id: EngineId): boolean {
	return id.startsWith('ringside-');
}
