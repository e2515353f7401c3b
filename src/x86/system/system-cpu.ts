// What system operations need from the CPU. The execution core's `Cpu`
// satisfies it structurally, so these functions type-check and can be tested
// against a plain state object without depending on the execution engine.

import type { LinearAddress } from '../addresses';
import type { CpuState } from '../cpu-state';

export interface SystemCpu extends CpuState {
	/** `user` selects the U/S check; descriptor-table and TSS accesses pass false. */
	readLinear8(address: LinearAddress, user?: boolean): number;
	readLinear16(address: LinearAddress, user?: boolean): number;
	readLinear32(address: LinearAddress, user?: boolean): number;
	writeLinear8(address: LinearAddress, value: number, user?: boolean): void;
	writeLinear16(address: LinearAddress, value: number, user?: boolean): void;
	writeLinear32(address: LinearAddress, value: number, user?: boolean): void;
	/** RAM as dwords, for frames frameIndex32 placed. */
	readonly ram32View: Int32Array;
	/** Where a frame of `bytes` at `address` lies in ram32View, or -1 for the checked path (see Cpu.frameIndex32). */
	frameIndex32(address: number, bytes: number, write: boolean): number;
	/** Drops every cached translation and every decoded block that depends on the paging mode. */
	flushTlb(): void;
	invlpg(address: LinearAddress): void;
}
