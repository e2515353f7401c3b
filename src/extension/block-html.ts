// The HTML of the translated-block webview, kept free of `vscode`: guest code on
// the left, its translation on the right. Everything from the adapter is escaped;
// the only script is media/block.js, admitted by its nonce.

export interface GuestRow {
	address: number;
	bytes: string;
	text: string;
	class: string;
	source?: { path: string };
	line?: number;
}

export interface TranslationRow {
	text: string;
	kind: 'ident' | 'callout' | 'inline';
}

export interface TranslatedBlock {
	guest: GuestRow[];
	translation: TranslationRow[];
}

export interface PageResources {
	/** The webview's `cspSource`. */
	cspSource: string;
	nonce: string;
	styleUri: string;
	scriptUri: string;
	title: string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (c) => ESCAPES[c]);

const hex32 = (value: number): string => (value >>> 0).toString(16).padStart(8, '0');

/** Checks the shape of a `ringside/translatedBlock` response, so a bad one gives a message and not a blank page. */
export function parseTranslatedBlock(body: unknown): TranslatedBlock {
	const b = body as Partial<TranslatedBlock> | undefined;
	if (!b || !Array.isArray(b.guest) || !Array.isArray(b.translation)) {
		throw new Error('the adapter\'s ringside/translatedBlock answer has no guest and translation lists');
	}
	return { guest: b.guest, translation: b.translation };
}

function guestRow(row: GuestRow): string {
	const where = row.source && row.line !== undefined
		? ` data-path="${escapeHtml(row.source.path)}" data-line="${row.line}" title="${escapeHtml(`${row.source.path}:${row.line}`)}"`
		: '';
	return `<tr class="class-${escapeHtml(row.class)}"${where}><td class="address">${hex32(row.address)}</td>`
		+ `<td class="bytes">${escapeHtml(row.bytes)}</td><td class="text">${escapeHtml(row.text)}</td>`
		+ `<td class="class">${escapeHtml(row.class)}</td></tr>`;
}

function translationRow(row: TranslationRow): string {
	return `<tr class="kind-${escapeHtml(row.kind)}"><td class="kind">${escapeHtml(row.kind)}</td><td class="text">${escapeHtml(row.text)}</td></tr>`;
}

export function blockPage(block: TranslatedBlock, r: PageResources): string {
	const csp = `default-src 'none'; style-src ${r.cspSource}; script-src 'nonce-${r.nonce}';`;
	return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(r.styleUri)}">
<title>${escapeHtml(r.title)}</title>
</head>
<body>
<h1>${escapeHtml(r.title)}</h1>
<div class="columns">
<section><h2>Guest code</h2>
<table class="guest"><thead><tr><th>address</th><th>bytes</th><th>instruction</th><th>class</th></tr></thead>
<tbody>${block.guest.map(guestRow).join('\n')}</tbody></table></section>
<section><h2>Translation</h2>
<table class="translation"><thead><tr><th>kind</th><th>code</th></tr></thead>
<tbody>${block.translation.map(translationRow).join('\n')}</tbody></table></section>
</div>
<script nonce="${r.nonce}" src="${escapeHtml(r.scriptUri)}"></script>
</body>
</html>`;
}
