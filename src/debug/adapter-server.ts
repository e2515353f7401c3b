// Serves the adapter over TCP: one RingsideDebugSession per connection, so any
// DAP client (and the tests) can attach to a running adapter.

import { createServer, type AddressInfo, type Server } from 'node:net';
import { RingsideDebugSession } from './session';

/** Listens on `port` (0 picks a free one); resolves once listening. */
export function startAdapterServer(port: number, host = '127.0.0.1'): Promise<{ server: Server; port: number }> {
	return new Promise((resolve, reject) => {
		const server = createServer((socket) => {
			const session = new RingsideDebugSession();
			session.setRunAsServer(true);
			socket.on('error', () => socket.destroy());
			session.start(socket, socket);
		});
		server.once('error', reject);
		server.listen(port, host, () => resolve({ server, port: (server.address() as AddressInfo).port }));
	});
}
