// A small protected-mode guest layout shared by the monitor unit tests:
// GDT at 0x1000 (kernel code/data DPL 0, user code/data DPL 3, TSS), IDT at
// 0x2000, TSS at 0x3000 with SS0:ESP0 = 0x10:0x9000.

import { flatSegment } from '../../src/x86/registers';
import { VirtualCpu } from '../../src/vmm/virtual-cpu';
import { FlatCpu } from './flat-cpu';

export const KERNEL_CS = 0x08, KERNEL_DS = 0x10, USER_CS = 0x1b, USER_DS = 0x23;
export const IDT = 0x2000;

export function guestAtRing3(): { cpu: FlatCpu; vcpu: VirtualCpu } {
	const cpu = new FlatCpu();
	const vcpu = new VirtualCpu();
	cpu.putFlatDescriptor(0x1000, 1, true, 0);
	cpu.putFlatDescriptor(0x1000, 2, false, 0);
	cpu.putFlatDescriptor(0x1000, 3, true, 3);
	cpu.putFlatDescriptor(0x1000, 4, false, 3);
	vcpu.gdtr = { base: 0x1000, limit: 0x2f };
	vcpu.idtr = { base: IDT, limit: 0x7ff };
	cpu.writeLinear32(0x3004 as never, 0x9000);
	cpu.writeLinear16(0x3008 as never, KERNEL_DS);
	vcpu.tr = { selector: 0x28, base: 0x3000, limit: 103, type: 0xb, system: true, dpl: 0, present: true, big: false, usable: true };
	cpu.seg[1] = flatSegment(USER_CS, true, 3);
	cpu.seg[2] = flatSegment(USER_DS, false, 3);
	cpu.seg[3] = flatSegment(USER_DS, false, 3);
	cpu.cpl = 3;
	vcpu.cpl = 3;
	cpu.regs[4] = 0x8000;
	cpu.eip = 0x4000;
	cpu.setEflags(0x202);
	return { cpu, vcpu };
}
