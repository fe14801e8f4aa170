/**
 * The baseline of the ingest benchmark: a bare Node.js `http` server, run as a process of its own,
 * that reads each request body to the end and answers 204 (GET /health: 200). No framework, no
 * parsing, no Kafka: what one Node.js process does per request before any work is done.
 */
import { createServer } from 'node:http';

const port = Number(process.env['PULSE_PORT'] ?? 0);

const server = createServer((request, response) => {
  if (request.method === 'GET' && request.url === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  request.on('data', () => undefined);
  request.on('end', () => response.writeHead(204).end());
});
server.keepAliveTimeout = 60_000;
server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  console.log(`bare http server on ${typeof address === 'object' && address !== null ? address.port : port}`);
});
const stop = (): void => void server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
