// Clicking a guest instruction asks the extension to show its source line.
(function () {
	const vscode = acquireVsCodeApi();
	document.addEventListener('click', (event) => {
		const row = event.target instanceof Element ? event.target.closest('tr[data-path]') : null;
		if (!row) return;
		vscode.postMessage({ command: 'reveal', path: row.getAttribute('data-path'), line: Number(row.getAttribute('data-line')) });
	});
}());
