// The instruction and directive vocabulary, shared with the language server
// for completion and hovers.

const CONDITIONS: Record<string, string> = {
	o: 'o', no: 'no', b: 'b', c: 'b', nae: 'b', ae: 'ae', nb: 'ae', nc: 'ae', e: 'e', z: 'e', ne: 'ne', nz: 'ne',
	be: 'be', na: 'be', a: 'a', nbe: 'a', s: 's', ns: 'ns', p: 'p', pe: 'p', np: 'np', po: 'np',
	l: 'l', nge: 'l', ge: 'ge', nl: 'ge', le: 'le', ng: 'le', g: 'g', nle: 'g',
};

/** Instructions whose operands go through the iced-x86 form table (NASM name = iced-x86 mnemonic). */
const TABLE_MNEMONICS = [
	'mov', 'movzx', 'movsx', 'lea', 'xchg', 'push', 'pop', 'pushad', 'popad', 'pushfd', 'popfd',
	'add', 'adc', 'sub', 'sbb', 'cmp', 'and', 'or', 'xor', 'test', 'not', 'neg', 'inc', 'dec',
	'mul', 'imul', 'div', 'idiv', 'shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr', 'shld', 'shrd',
	'bt', 'bts', 'btr', 'btc', 'bsf', 'bsr', 'bswap', 'xadd', 'cmpxchg', 'cmpxchg8b',
	'cbw', 'cwde', 'cwd', 'cdq', 'lahf', 'sahf', 'clc', 'stc', 'cmc', 'cld', 'std', 'cli', 'sti',
	'nop', 'pause', 'ud2', 'hlt', 'int', 'int1', 'int3', 'into', 'iretd', 'ret', 'retf', 'call', 'jmp',
	'loop', 'loope', 'loopne', 'jecxz', 'enter', 'leave', 'in', 'out',
	'lgdt', 'lidt', 'sgdt', 'sidt', 'lldt', 'sldt', 'ltr', 'str', 'lmsw', 'smsw', 'clts', 'invlpg', 'invd', 'wbinvd',
	'lar', 'lsl', 'verr', 'verw', 'rdmsr', 'wrmsr', 'rdtsc', 'rdpmc', 'cpuid', 'lds', 'les', 'lfs', 'lgs', 'lss',
	'daa', 'das', 'aaa', 'aas', 'aam', 'aad', 'xlatb', 'bound', 'arpl', 'sysenter', 'sysexit',
	...['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'].flatMap((cc) => [`j${cc}`, `set${cc}`, `cmov${cc}`]),
];

/** String instructions: no operands in NASM syntax, encoded through iced-x86's string constructors. */
export const STRING_MNEMONICS = ['movsb', 'movsw', 'movsd', 'cmpsb', 'cmpsw', 'cmpsd', 'stosb', 'stosw', 'stosd', 'lodsb', 'lodsw', 'lodsd', 'scasb', 'scasw', 'scasd', 'insb', 'insw', 'insd', 'outsb', 'outsw', 'outsd'];

export const PREFIXES = ['lock', 'rep', 'repe', 'repz', 'repne', 'repnz'];

const FIXED_ALIASES: Record<string, string> = {
	pushf: 'pushfd', popf: 'popfd', pusha: 'pushad', popa: 'popad', iret: 'iretd', sal: 'shl',
	loopz: 'loope', loopnz: 'loopne', retn: 'ret', xlat: 'xlatb', icebp: 'int1',
};

const ALIASES = new Map<string, string>(Object.entries(FIXED_ALIASES));
for (const [cc, canonical] of Object.entries(CONDITIONS)) {
	for (const stem of ['j', 'set', 'cmov']) ALIASES.set(stem + cc, stem + canonical);
}

/** The iced-x86 mnemonic (lower case) a NASM mnemonic stands for, or undefined if it is not an instruction we know. */
export function canonicalMnemonic(name: string): string | undefined {
	const m = name.toLowerCase();
	const c = ALIASES.get(m) ?? m;
	return TABLE_SET.has(c) ? c : undefined;
}

const TABLE_SET = new Set(TABLE_MNEMONICS);

export const TABLE_ICED_MNEMONICS: ReadonlySet<string> = TABLE_SET;

/** Every instruction and prefix name accepted, for completion. */
export const SUPPORTED_MNEMONICS: readonly string[] = [...new Set([...TABLE_MNEMONICS, ...ALIASES.keys(), ...STRING_MNEMONICS, ...PREFIXES])].sort();

export const DIRECTIVES: readonly string[] = [
	'bits', 'org', 'section', 'segment', 'global', 'extern', 'db', 'dw', 'dd', 'dq', 'resb', 'resw', 'resd', 'resq',
	'times', 'equ', 'align', 'alignb', 'cpu', 'default',
	'%define', '%xdefine', '%undef', '%assign', '%include', '%macro', '%endmacro', '%rep', '%endrep',
	'%ifdef', '%ifndef', '%if', '%else', '%endif', '%error',
];

/** The closest known word within a small edit distance, for "did you mean" hints. */
export function suggest(word: string, candidates: readonly string[]): string | undefined {
	const w = word.toLowerCase();
	let best: string | undefined;
	let bestDistance = w.length <= 3 ? 1 : 2;
	for (const c of candidates) {
		if (Math.abs(c.length - w.length) > bestDistance) continue;
		const d = editDistance(w, c);
		if (d < bestDistance || (d === bestDistance && best === undefined)) { best = c; bestDistance = d; }
	}
	return best;
}

function editDistance(a: string, b: string): number {
	let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
	for (let i = 1; i <= a.length; i++) {
		const row = [i];
		for (let j = 1; j <= b.length; j++) {
			row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
		}
		prev = row;
	}
	return prev[b.length];
}
