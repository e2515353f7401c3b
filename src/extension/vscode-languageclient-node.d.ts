// tsconfig resolves modules the node10 way, which ignores package "exports";
// esbuild honours them. This maps the client's exported subpath to its typings
// (the protocol packages it re-exports are mapped in src/language).
declare module 'vscode-languageclient/node' {
	export * from 'vscode-languageclient/lib/node/main';
}
declare module 'vscode-languageclient' {
	export * from 'vscode-languageclient/lib/common/api';
}
