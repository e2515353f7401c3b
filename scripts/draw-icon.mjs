// Draws media/icon.png (128x128): the four x86 privilege rings around a core,
// ring 1 highlighted, since that is where Ringside runs a guest kernel.
// Run: node scripts/draw-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 128;
const SAMPLES = 4; // per axis, for anti-aliasing
const BACKGROUND = [27, 36, 48];
const RINGS = [
	{ outer: 22, inner: 0, color: [255, 196, 64] },     // ring 0: the monitor
	{ outer: 34, inner: 27, color: [86, 182, 255] },    // ring 1: the guest kernel, de-privileged
	{ outer: 45, inner: 39, color: [110, 130, 150] },   // ring 2: unused
	{ outer: 57, inner: 51, color: [150, 170, 190] },   // ring 3: user code
];
const CORNER = 22;

function insideRoundedSquare(x, y) {
	const cx = Math.min(Math.max(x, CORNER), SIZE - CORNER);
	const cy = Math.min(Math.max(y, CORNER), SIZE - CORNER);
	return (x - cx) ** 2 + (y - cy) ** 2 <= CORNER ** 2;
}

function sample(x, y) {
	if (!insideRoundedSquare(x, y)) return null;
	const r = Math.hypot(x - SIZE / 2, y - SIZE / 2);
	for (const ring of RINGS) if (r <= ring.outer && r >= ring.inner) return ring.color;
	return BACKGROUND;
}

const rows = [];
for (let y = 0; y < SIZE; y++) {
	const row = Buffer.alloc(1 + SIZE * 4); // filter byte 0, then RGBA
	for (let x = 0; x < SIZE; x++) {
		let r = 0, g = 0, b = 0, a = 0;
		for (let sy = 0; sy < SAMPLES; sy++) for (let sx = 0; sx < SAMPLES; sx++) {
			const c = sample(x + (sx + 0.5) / SAMPLES, y + (sy + 0.5) / SAMPLES);
			if (!c) continue;
			r += c[0]; g += c[1]; b += c[2]; a += 1;
		}
		if (a > 0) row.set([Math.round(r / a), Math.round(g / a), Math.round(b / a), Math.round((255 * a) / SAMPLES ** 2)], 1 + x * 4);
	}
	rows.push(row);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
	let c = n;
	for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
	return c >>> 0;
});
function crc32(buf) {
	let c = 0xffffffff;
	for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
	return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
	const length = Buffer.alloc(4);
	length.writeUInt32BE(data.length);
	const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
	const crc = Buffer.alloc(4);
	crc.writeUInt32BE(crc32(body));
	return Buffer.concat([length, body, crc]);
}

const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
const png = Buffer.concat([
	Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
	chunk('IHDR', header),
	chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
	chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('../media/icon.png', import.meta.url), png);
console.log(`wrote media/icon.png (${png.length} bytes)`);
