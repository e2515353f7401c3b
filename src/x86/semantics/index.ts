// All instruction templates, by lower-case iced mnemonic. An instruction with
// no template (x87, MMX, SSE, 16-bit-only forms) raises #UD when executed.

import type { DecodedInstruction } from '../decoded-instruction';
import { arithmetic } from './arithmetic';
import { bcd } from './bcd';
import { bitOps } from './bit-ops';
import { CodeGen, type Template } from './codegen';
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

/** The native JavaScript for one instruction at position `index` of its block. */
export function nativeCode(ins: DecodedInstruction, index: number): string {
	const g = new CodeGen(index);
	const template = TEMPLATES.get(ins.mnemonic);
	if (ins.invalid || !template || ins.operands.some((o) => o.kind === 'unsupported')) return g.raise(6);
	return template(ins, g);
}
