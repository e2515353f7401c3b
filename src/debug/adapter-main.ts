// The adapter executable (dist/adapter.js): DAP on stdin/stdout, or with
// --server=PORT on TCP for clients that connect to a running adapter.

import { RingsideDebugSession } from './session';
import { startAdapterServer } from './adapter-server';

function main(): void {
	// A bug in one request must not take the debug session down with it.
	process.on('uncaughtException', (error) => process.stderr.write(`ringside adapter: internal error: ${error.stack ?? error.message}\n`));
	process.on('unhandledRejection', (reason) => process.stderr.write(`ringside adapter: internal error: ${String(reason)}\n`));
	const serverArg = process.argv.slice(2).find((a) => a.startsWith('--server'));
	if (serverArg !== undefined) {
		const match = /^--server=(\d{1,5})$/.exec(serverArg);
		const port = match ? Number(match[1]) : NaN;
		if (!(port >= 0 && port <= 65535)) {
			process.stderr.write(`ringside adapter: --server needs a port number, as in --server=4711 (got '${serverArg}')\n`);
			process.exit(2);
		}
		startAdapterServer(port).then(
			({ port: actual }) => process.stderr.write(`ringside adapter: waiting for a DAP client on port ${actual}\n`),
			(error: Error) => { process.stderr.write(`ringside adapter: cannot listen on port ${port}: ${error.message}\n`); process.exit(2); },
		);
		return;
	}
	const session = new RingsideDebugSession();
	process.on('SIGTERM', () => session.shutdown());
	session.start(process.stdin, process.stdout);
}

main();
