// The one table of how each IA-32 instruction stands to virtualization.
// The translator, the trap handlers, the exception-breakpoint filters, the
// language server's hovers and the tests all read it; nothing else classifies
// instructions. Entries are keyed by iced-x86 `Code` names, so an encoding
// form (PUSH CS versus PUSH EAX) decides, not the mnemonic alone.

/**
 * Popek and Goldberg's classes, refined for IA-32:
 * - privileged: #GP(0) at CPL > 0.
 * - iopl-sensitive: #GP when CPL > IOPL (or the TSS I/O bitmap denies the port).
 * - sensitive: behaviour depends on privilege or on the machine's configuration but does not trap
 *   at ring 1: the holes that make IA-32 not classically virtualizable.
 * - innocuous: everything else.
 */
export type InstructionClass = 'privileged' | 'iopl-sensitive' | 'sensitive' | 'innocuous';

/** What each monitor mode does with the instruction when guest ring 0 executes it. */
export interface MonitorTreatment {
	/** `trap`: faults at real ring 1 and is emulated; `hole`: runs with real ring-1 behaviour, reported; `direct`: runs as is. */
	trapAndEmulate: 'trap' | 'hole' | 'direct';
	/** `callout`: translated to a call into the monitor; `ident`: copied unchanged. */
	binaryTranslation: 'callout' | 'ident';
}

export interface InstructionEntry {
	/** NASM mnemonic(s), lower case, for hovers and completion. */
	mnemonics: readonly string[];
	/** iced-x86 Code names of the encodings this entry covers. */
	codes: readonly string[];
	class: InstructionClass;
	treatment: MonitorTreatment;
	/** One line: what the instruction does. */
	summary: string;
	/** Why it matters to a monitor: what goes wrong at ring 1, or what the monitor does. */
	virtualization: string;
}

const TRAPS: MonitorTreatment = { trapAndEmulate: 'trap', binaryTranslation: 'callout' };
const HOLE: MonitorTreatment = { trapAndEmulate: 'hole', binaryTranslation: 'callout' };

const entry = (
	mnemonics: string[], codes: string[], cls: InstructionClass, treatment: MonitorTreatment, summary: string, virtualization: string,
): InstructionEntry => ({ mnemonics, codes, class: cls, treatment, summary, virtualization });

export const INSTRUCTION_TABLE: readonly InstructionEntry[] = [
	// Privileged: trap at ring 1, so trap-and-emulate handles them.
	entry(['lgdt'], ['Lgdt_m1632_16', 'Lgdt_m1632'], 'privileged', TRAPS, 'Load the global descriptor table register.', 'Traps at ring 1; the monitor records the guest GDTR and rebuilds its shadow GDT with DPL-0 descriptors compressed to DPL 1.'),
	entry(['lidt'], ['Lidt_m1632_16', 'Lidt_m1632'], 'privileged', TRAPS, 'Load the interrupt descriptor table register.', 'Traps at ring 1; the monitor records the guest IDTR and delivers guest interrupts through it.'),
	entry(['lldt'], ['Lldt_rm16', 'Lldt_r32m16'], 'privileged', TRAPS, 'Load the local descriptor table register.', 'Traps at ring 1; the monitor records the guest LDTR and shadows the LDT.'),
	entry(['ltr'], ['Ltr_rm16', 'Ltr_r32m16'], 'privileged', TRAPS, 'Load the task register.', 'Traps at ring 1; the monitor records the guest TR and takes ring-0 stacks from the guest TSS.'),
	entry(['lmsw'], ['Lmsw_rm16', 'Lmsw_r32m16'], 'privileged', TRAPS, 'Load the machine status word (CR0 bits 0-3).', 'Traps at ring 1; emulated against the virtual CR0.'),
	entry(['clts'], ['Clts'], 'privileged', TRAPS, 'Clear CR0.TS.', 'Traps at ring 1; emulated against the virtual CR0.'),
	entry(['mov'], ['Mov_r32_cr', 'Mov_cr_r32'], 'privileged', TRAPS, 'Move to or from a control register.', 'Traps at ring 1; CR0, CR2, CR3 and CR4 are the virtual CPU\'s, and a CR3 write switches the guest address space.'),
	entry(['mov'], ['Mov_r32_dr', 'Mov_dr_r32'], 'privileged', TRAPS, 'Move to or from a debug register.', 'Traps at ring 1; emulated against the virtual debug registers.'),
	entry(['invd'], ['Invd'], 'privileged', TRAPS, 'Invalidate caches without write-back.', 'Traps at ring 1; the monitor treats it as a no-op on the virtual CPU.'),
	entry(['wbinvd'], ['Wbinvd'], 'privileged', TRAPS, 'Write back and invalidate caches.', 'Traps at ring 1; a no-op on the virtual CPU.'),
	entry(['invlpg'], ['Invlpg_m'], 'privileged', TRAPS, 'Invalidate the TLB entry for one page.', 'Traps at ring 1; the monitor flushes the page from the TLB.'),
	entry(['hlt'], ['Hlt'], 'privileged', TRAPS, 'Halt until the next interrupt.', 'Traps at ring 1; the monitor idles the virtual CPU until an interrupt the virtual IF allows.'),
	entry(['rdmsr'], ['Rdmsr'], 'privileged', TRAPS, 'Read a model-specific register.', 'Traps at ring 1; emulated against the virtual MSRs.'),
	entry(['wrmsr'], ['Wrmsr'], 'privileged', TRAPS, 'Write a model-specific register.', 'Traps at ring 1; emulated against the virtual MSRs.'),
	entry(['rdtsc'], ['Rdtsc'], 'sensitive', { trapAndEmulate: 'trap', binaryTranslation: 'ident' }, 'Read the time-stamp counter.', 'Runs directly at ring 1 unless the guest set CR4.TSD, which makes it trap there although guest ring 0 may use it: the monitor then performs it. The counter is virtual time (retired guest instructions).'),
	entry(['rdpmc'], ['Rdpmc'], 'privileged', TRAPS, 'Read a performance-monitoring counter.', 'Traps at ring 1 while CR4.PCE is clear; emulated.'),
	// IOPL-sensitive: the monitor runs the guest with real IOPL 0, so these trap at ring 1 and 3.
	entry(['cli'], ['Cli'], 'iopl-sensitive', TRAPS, 'Clear the interrupt flag.', 'Traps at ring 1 because the real IOPL is 0; the monitor clears the virtual IF.'),
	entry(['sti'], ['Sti'], 'iopl-sensitive', TRAPS, 'Set the interrupt flag.', 'Traps at ring 1 because the real IOPL is 0; the monitor sets the virtual IF.'),
	entry(['in'], ['In_AL_imm8', 'In_AX_imm8', 'In_EAX_imm8', 'In_AL_DX', 'In_AX_DX', 'In_EAX_DX'], 'iopl-sensitive', TRAPS, 'Read from an I/O port.', 'Traps at ring 1 because the real IOPL is 0; the monitor performs the access on the virtual device.'),
	entry(['out'], ['Out_imm8_AL', 'Out_imm8_AX', 'Out_imm8_EAX', 'Out_DX_AL', 'Out_DX_AX', 'Out_DX_EAX'], 'iopl-sensitive', TRAPS, 'Write to an I/O port.', 'Traps at ring 1 because the real IOPL is 0; the monitor performs the access on the virtual device.'),
	entry(['insb', 'insw', 'insd'], ['Insb_m8_DX', 'Insw_m16_DX', 'Insd_m32_DX'], 'iopl-sensitive', TRAPS, 'Read a string from an I/O port.', 'Traps at ring 1 because the real IOPL is 0; emulated.'),
	entry(['outsb', 'outsw', 'outsd'], ['Outsb_DX_m8', 'Outsw_DX_m16', 'Outsd_DX_m32'], 'iopl-sensitive', TRAPS, 'Write a string to an I/O port.', 'Traps at ring 1 because the real IOPL is 0; emulated.'),
	// Sensitive but unprivileged: the holes.
	entry(['pushf', 'pushfd'], ['Pushfd', 'Pushfw'], 'sensitive', HOLE, 'Push EFLAGS.', 'At ring 1 it pushes the real IF and IOPL, not the guest\'s virtual ones.'),
	entry(['popf', 'popfd'], ['Popfd', 'Popfw'], 'sensitive', HOLE, 'Pop EFLAGS.', 'At ring 1 with IOPL 0 a change of IF is silently dropped and IOPL is not changed; no trap.'),
	entry(['sgdt'], ['Sgdt_m1632_16', 'Sgdt_m1632'], 'sensitive', HOLE, 'Store the global descriptor table register.', 'Readable at any CPL: reveals the monitor\'s shadow GDT instead of the guest\'s.'),
	entry(['sidt'], ['Sidt_m1632_16', 'Sidt_m1632'], 'sensitive', HOLE, 'Store the interrupt descriptor table register.', 'Readable at any CPL: reveals the monitor\'s IDT instead of the guest\'s.'),
	entry(['sldt'], ['Sldt_rm16', 'Sldt_r32m16'], 'sensitive', HOLE, 'Store the local descriptor table register.', 'Readable at any CPL: reveals the monitor\'s LDT selector.'),
	entry(['str'], ['Str_rm16', 'Str_r32m16'], 'sensitive', HOLE, 'Store the task register.', 'Readable at any CPL: reveals the monitor\'s TSS selector.'),
	entry(['smsw'], ['Smsw_rm16', 'Smsw_r32m16'], 'sensitive', HOLE, 'Store the machine status word (CR0 low bits).', 'Readable at any CPL: reveals the real CR0 bits, not the virtual ones.'),
	entry(['lar'], ['Lar_r16_rm16', 'Lar_r32_r32m16'], 'sensitive', HOLE, 'Load access rights of a descriptor.', 'Checks against the real CPL and reports the compressed DPL 1 of the guest\'s DPL-0 descriptors.'),
	entry(['lsl'], ['Lsl_r16_rm16', 'Lsl_r32_r32m16'], 'sensitive', HOLE, 'Load a segment limit.', 'Checks against the real CPL and reports the truncated limit of the shadow descriptor.'),
	entry(['verr'], ['Verr_rm16', 'Verr_r32m16'], 'sensitive', HOLE, 'Verify a segment for reading.', 'Its answer depends on the real CPL and the compressed DPLs.'),
	entry(['verw'], ['Verw_rm16', 'Verw_r32m16'], 'sensitive', HOLE, 'Verify a segment for writing.', 'Its answer depends on the real CPL and the compressed DPLs.'),
	entry(['push'], ['Pushd_CS', 'Pushd_SS', 'Pushw_CS', 'Pushw_SS'], 'sensitive', HOLE, 'Push a segment selector.', 'The pushed selector\'s RPL shows ring 1 where the guest expects ring 0.'),
	entry(['mov'], ['Mov_rm16_Sreg', 'Mov_r32m16_Sreg'], 'sensitive', HOLE, 'Move from a segment register.', 'The selector read shows RPL 1 where the guest expects 0.'),
	entry(['mov'], ['Mov_Sreg_rm16', 'Mov_Sreg_r32m16'], 'sensitive', HOLE, 'Load a segment register.', 'Descriptor privilege checks compare with the real CPL 1; loading SS with an RPL-0 selector faults.'),
	entry(['pop'], ['Popd_SS', 'Popd_DS', 'Popd_ES', 'Popd_FS', 'Popd_GS'], 'sensitive', HOLE, 'Pop a segment register.', 'Descriptor privilege checks compare with the real CPL 1.'),
	entry(['lds', 'les', 'lfs', 'lgs', 'lss'], ['Lds_r32_m1632', 'Les_r32_m1632', 'Lfs_r32_m1632', 'Lgs_r32_m1632', 'Lss_r32_m1632'], 'sensitive', HOLE, 'Load a far pointer into a segment register and a general register.', 'Descriptor privilege checks compare with the real CPL 1.'),
	entry(['jmp'], ['Jmp_ptr1632', 'Jmp_m1632'], 'sensitive', HOLE, 'Far jump.', 'Privilege checks compare with the real CPL; a jump to a guest ring-0 code segment needs the compressed DPL.'),
	entry(['call'], ['Call_ptr1632', 'Call_m1632'], 'sensitive', HOLE, 'Far call.', 'Privilege checks compare with the real CPL; the pushed CS shows RPL 1.'),
	entry(['retf'], ['Retfd', 'Retfd_imm16'], 'sensitive', HOLE, 'Far return.', 'A return "to ring 0" from ring 1 is a return to a more privileged level and faults.'),
	entry(['iret', 'iretd'], ['Iretd', 'Iretw'], 'sensitive', HOLE, 'Return from an interrupt.', 'At ring 1 it cannot restore IOPL, nor IF above IOPL; a frame returning to ring 0 faults.'),
	entry(['int'], ['Int_imm8'], 'sensitive', HOLE, 'Software interrupt.', 'The gate\'s DPL is checked against the real CPL, and the handler runs at the compressed ring.'),
	entry(['int3'], ['Int3'], 'sensitive', HOLE, 'Breakpoint trap.', 'Delivered through the IDT: the monitor must reflect it through the guest\'s IDT.'),
	entry(['into'], ['Into'], 'sensitive', HOLE, 'Overflow trap.', 'Delivered through the IDT: the monitor must reflect it through the guest\'s IDT.'),
];

const byCode = new Map<string, InstructionEntry>();
for (const e of INSTRUCTION_TABLE) for (const code of e.codes) byCode.set(code, e);

/** The entry for an encoding (an iced-x86 Code name), or undefined for an innocuous one. */
export function lookupCode(codeName: string): InstructionEntry | undefined {
	return byCode.get(codeName);
}

export function classOfCode(codeName: string): InstructionClass {
	return byCode.get(codeName)?.class ?? 'innocuous';
}

/** Every entry a mnemonic can stand for (MOV is innocuous, privileged or sensitive by its operands). */
export function entriesForMnemonic(mnemonic: string): InstructionEntry[] {
	const m = mnemonic.toLowerCase();
	return INSTRUCTION_TABLE.filter((e) => e.mnemonics.includes(m));
}
