import { test } from 'node:test';
import assert from 'node:assert/strict';
import { machine } from './helpers';
import { flagKind, FlagOp } from '../../src/x86/lazy-flags';

const CF = 1, PF = 4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;

// getEflags works all six flags out in one pass; each flag's own method is what jcc/setcc read.
test('EFLAGS materialised from a lazy operation agree with the flags conditions read, for every operation and size', () => {
	const { cpu } = machine('hlt');
	const ops = [FlagOp.Add, FlagOp.Adc, FlagOp.Sub, FlagOp.Sbb, FlagOp.Logic, FlagOp.Inc, FlagOp.Dec];
	const values = [0, 1, 2, 0x0f, 0x10, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678, 0xdeadbeef];
	let checked = 0;
	for (const op of ops) {
		for (const size of [8, 16, 32] as const) {
			for (const a of values) {
				for (const b of values) {
					for (const carryIn of [0, CF]) {
						cpu.setEflags(0x202 | carryIn | (a & 1 ? ZF | SF | OF : PF | AF));
						const r = op === FlagOp.Sub || op === FlagOp.Sbb || op === FlagOp.Dec ? (a - b - (op === FlagOp.Sbb ? carryIn : 0)) | 0 : (a + b + (op === FlagOp.Adc ? carryIn : 0)) | 0;
						cpu.lk = flagKind(op, size);
						cpu.la = a | 0;
						cpu.lb = b | 0;
						cpu.lr = r;
						const expected = (cpu.flagsBits & ~(CF | PF | AF | ZF | SF | OF)) | cpu.cf() | (cpu.pf() ? PF : 0) | (cpu.af() ? AF : 0)
							| (cpu.zf() ? ZF : 0) | (cpu.sf() ? SF : 0) | (cpu.of() ? OF : 0);
						assert.equal(cpu.getEflags(), expected, `op ${op} size ${size} a ${a} b ${b} carry ${carryIn}`);
						checked++;
					}
				}
			}
		}
	}
	assert.equal(checked, 7 * 3 * 16 * 16 * 2);
});
