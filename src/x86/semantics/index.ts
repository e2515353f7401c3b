// All instruction templates, by lower-case iced mnemonic. An instruction with
// no template (x87, MMX, SSE, 16-bit-only forms) raises #UD when executed.

import type { DecodedInstruction } from '../decoded-instruction';
import { arithmetic } from './arithmetic';
import { bcd } from './bcd';
import { bitOps } from './bit-ops';
import { CodeGen, type CodeGenOptions, type Template } from './codegen';
import { controlFlow } from './control-flow';
import { dataMovement } from './data-movement';
import { flags } from './flags';
import { io } from './io';
import { logic } from './logic';
import { multiplyDivide } from './multiply-divide';
import { shifts } from './shifts';
import { stack } from './stack';
import { strings } from './string';
import { system } from './system';

const TEMPLATES: ReadonlyMap<string, Template> = new Map(Object.entries({
	...dataMovement, ...arithmetic, ...logic, ...shifts, ...bitOps, ...multiplyDivide,
	...controlFlow, ...stack, ...strings, ...flags, ...io, ...system, ...bcd,
}));

export function hasTemplate(mnemonic: string): boolean {
	return TEMPLATES.has(mnemonic);
}

export interface NativeInstruction {
	code: string;
	/** Calls out with the register file current (see CodeGen.touchesState). */
	touchesState: boolean;
}

/** The native JavaScript for one instruction at position `index` of its block, registers in `r` unless `options` say locals. */
export function nativeInstruction(ins: DecodedInstruction, index: number, options?: CodeGenOptions): NativeInstruction {
	const g = new CodeGen(index, options);
	const template = TEMPLATES.get(ins.mnemonic);
	if (ins.invalid || !template || ins.operands.some((o) => o.kind === 'unsupported')) return { code: g.raise(6), touchesState: false };
	const code = template(ins, g);
	const prelude = g.prelude();
	return { code: prelude === '' ? code : `${prelude} { ${code} }`, touchesState: g.touchesState };
}

/** The native JavaScript for one instruction, registers in the register file `r` (for emitters wrapping it). */
export function nativeCode(ins: DecodedInstruction, index: number, user?: boolean): string {
	return nativeInstruction(ins, index, { locals: false, flagsDead: false, user }).code;
}
