// tsconfig resolves modules the node10 way, which ignores package "exports";
// esbuild honours them. These map the exported subpaths of the LSP packages
// (used here and by the extension's language client) to their typings.
declare module 'vscode-languageserver/node' {
	export * from 'vscode-languageserver/lib/node/main';
}
declare module 'vscode-languageserver-protocol/node' {
	export * from 'vscode-languageserver-protocol/lib/node/main';
}
declare module 'vscode-languageserver-protocol' {
	export * from 'vscode-languageserver-protocol/lib/common/api';
}
declare module 'vscode-jsonrpc/node' {
	export * from 'vscode-jsonrpc/lib/node/main';
}
declare module 'vscode-jsonrpc' {
	export * from 'vscode-jsonrpc/lib/common/api';
}
