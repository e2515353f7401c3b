// The system operations the execution core's instruction templates call, and
// the descriptor tools the monitor and the debugger use.

export type { SystemCpu } from './system-cpu';
export * from './selectors';
export {
	decodeDescriptor, encodeDescriptor, readDescriptor, fetchDescriptor, descriptorAddress, segmentCacheFrom,
	SystemType, SegmentTypeBit, type Descriptor, type DescriptorFields, type RawDescriptor,
} from './descriptors';
export { decodeGate, encodeGate, type Gate, type GateFields } from './gates';
export { describeDescriptor, type DescriptorDescription } from './describe';
export { withinLimit } from './limits';
export { loadSegment, nullDataSegment } from './segments';
export { farJump, farCall, farReturn } from './far-transfers';
export { deliverInterrupt, deliverException, TripleFault } from './interrupts';
export { iret, eflagsAfterIret, iretInwardSelector } from './iret';
export { lgdt, lidt, sgdt, sidt, lldt, sldt, ltr, str } from './tables';
export { movToCr, movFromCr, movToDr, movFromDr, lmsw, smsw, clts, invlpgAt } from './control-registers';
export { rdmsr, wrmsr, rdtsc, readMsr, writeMsr, Msr } from './msr';
export { cpuid, CPU_VENDOR } from './cpuid';
export { checkIoPermission, cli, ioPermitted, ioplAllows, sti } from './io-permission';
export { lar, lsl, verr, verw } from './access-rights';
export { parseTss, type Tss32 } from './tss';
