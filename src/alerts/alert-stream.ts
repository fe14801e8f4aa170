import type { FastifyInstance } from 'fastify';
import { eventStreamResponse } from '../http/api-contract.ts';
import type { AlertBoard, AlertBoardSnapshot } from './alert-board.ts';

export interface AlertStreamOptions {
  /** Between keep-alive `ping` events; default 20 s. */
  pingMs?: number | undefined;
}

/**
 * `GET /api/alerts/stream`: server-sent events for the dashboard's Alerts strip. An `alerts`
 * event with the whole board on connect and after every change, and a `ping` event with the
 * server time now and then, so a client can tell a quiet stream from one a proxy holds back.
 * A client that has not taken the last board gets only the newest one when it drains.
 */
export function registerAlertStream(app: FastifyInstance, board: AlertBoard, options: AlertStreamOptions = {}): void {
  const pingMs = options.pingMs ?? 20_000;
  app.get(
    '/api/alerts/stream',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Server-sent events: an `alerts` event with the board on connect and on every change, `ping` every 20 s',

        response: {
          200: eventStreamResponse(
            ['alerts', 'ping'],
            'An `alerts` event with the board on connect and on every change; `ping` with the server time every 20 s.',
          ),
        },
      },
    },
    async (_request, reply) => {
      reply.hijack();
      const out = reply.raw;
      out.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
      out.write('retry: 3000\n\n');
      let open = true;
      let waiting: AlertBoardSnapshot | undefined;
      const write = (event: string, data: unknown): void => {
        if (open && !out.destroyed) out.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const send = (snapshot: AlertBoardSnapshot): void => {
        if (out.writableNeedDrain) waiting = snapshot;
        else write('alerts', snapshot);
      };
      const drained = (): void => {
        if (waiting === undefined) return;
        const latest = waiting;
        waiting = undefined;
        send(latest);
      };
      const unsubscribe = board.subscribe(send);
      const pinger = setInterval(() => {
        if (!out.writableNeedDrain) write('ping', { serverTime: Date.now() });
      }, pingMs);
      const stop = (): void => {
        open = false;
        clearInterval(pinger);
        unsubscribe();
      };
      out.on('drain', drained);
      out.on('close', stop);
      out.on('error', stop);
      send(board.snapshot());
      return reply;
    },
  );
}
