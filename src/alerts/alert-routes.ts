import type { FastifyInstance, FastifyRequest } from 'fastify';
import { openObjects } from '../http/api-contract.ts';
import { safeEqual } from '../http/safe-equal.ts';
import { PulseError, badRequest, errorCodes } from '../shared/errors.ts';
import { createAlertBoard, type AlertBoard } from './alert-board.ts';
import { AlertmanagerWebhook, WEBHOOK_BODY_LIMIT } from './alert-schema.ts';
import { registerAlertStream } from './alert-stream.ts';

export interface AlertRouteOptions {
  /** Default: a new board with its default retention (resolved alerts for 1 h, at most 50). */
  board?: AlertBoard;
  /** PULSE_ADMIN_TOKEN: when set, the webhook needs `Authorization: Bearer <token>` (reading the board stays open, like the stats API). */
  token?: string | undefined;
  /** How often resolved alerts past their time are dropped (and the stream told); default 30 s. */
  pruneMs?: number;
  /** Between keep-alive `ping` events on the stream; default 20 s. */
  pingMs?: number;
}

/** Compares in constant time (safeEqual: over digests, so the lengths do not show either). */
function bearerMatches(request: FastifyRequest, expected: string): boolean {
  const header = request.headers.authorization;
  return typeof header === 'string' && safeEqual(header, expected);
}

const text = { type: 'string' } as const;
const orNull = (schema: object) => ({ ...schema, nullable: true });
const epochMs = { type: 'number', description: 'Epoch milliseconds.' } as const;
const stringMap = { type: 'object', additionalProperties: text } as const;
const boardAlert = {
  type: 'object',
  required: [
    'fingerprint',
    'status',
    'name',
    'severity',
    'summary',
    'description',
    'instance',
    'labels',
    'annotations',
    'startsAt',
    'endsAt',
  ],
  additionalProperties: true,
  properties: {
    fingerprint: text,
    status: { type: 'string', enum: ['firing', 'resolved'] },
    name: text,
    severity: text,
    summary: orNull(text),
    description: orNull(text),
    instance: orNull(text),
    labels: stringMap,
    annotations: stringMap,
    startsAt: epochMs,
    endsAt: orNull(epochMs),
    generatorURL: orNull(text),
    firstReceivedAt: epochMs,
    lastReceivedAt: epochMs,
    notifications: { type: 'integer', minimum: 0, description: 'Notifications that named this episode.' },
  },
} as const;

/** GET /api/alerts and each `alerts` event of the stream: the board. */
export const alertBoardReply = {
  type: 'object',
  required: ['serverTime', 'firing', 'resolved', 'notifications', 'lastNotificationAt', 'source'],
  properties: {
    serverTime: epochMs,
    firing: { type: 'array', items: boardAlert, description: 'Most severe first, then the newest.' },
    resolved: { type: 'array', items: boardAlert, description: 'Resolved in the last hour, the most recently ended first.' },
    notifications: { type: 'integer', minimum: 0, description: 'Notifications received since this process started.' },
    lastNotificationAt: orNull(epochMs),
    source: orNull({ ...text, description: "The last notification's Alertmanager (`externalURL`)." }),
  },
} as const;

/**
 * Pulse as an Alertmanager webhook receiver: `POST /api/alerts/webhook` takes notifications
 * (version 4 payload, `send_resolved: true` recommended), `GET /api/alerts` answers the board,
 * `GET /api/alerts/stream` pushes it on every change (the dashboard's Alerts strip). Returns the board.
 */
export function registerAlertRoutes(app: FastifyInstance, options: AlertRouteOptions = {}): AlertBoard {
  const board = options.board ?? createAlertBoard();
  const expected = options.token === undefined ? undefined : `Bearer ${options.token}`;

  app.post<{ Body: AlertmanagerWebhook }>(
    '/api/alerts/webhook',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Alertmanager webhook receiver (payload version 4); needs `Authorization: Bearer <PULSE_ADMIN_TOKEN>` when that is set',
        body: AlertmanagerWebhook,
        response: {
          200: {
            description:
              'Taken: how many alerts of the notification are firing or resolved on the board, and how many were older than it knows.',
            type: 'object',
            required: ['accepted', 'firing', 'resolved', 'stale'],
            properties: {
              accepted: { type: 'integer', minimum: 0 },
              firing: { type: 'integer', minimum: 0 },
              resolved: { type: 'integer', minimum: 0 },
              stale: { type: 'integer', minimum: 0 },
            },
          },
        },
      },
      bodyLimit: WEBHOOK_BODY_LIMIT,
      attachValidation: true,
      // Before the body is read: an unauthenticated sender costs no parsing.
      onRequest: async (request) => {
        if (expected !== undefined && !bearerMatches(request, expected)) {
          throw new PulseError(errorCodes.UNAUTHORIZED, 'the alert webhook needs Authorization: Bearer <PULSE_ADMIN_TOKEN>');
        }
      },
    },
    async (request) => {
      if (request.validationError !== undefined) {
        throw badRequest('invalid_notification', `not an Alertmanager webhook notification: ${request.validationError.message}`);
      }
      const result = board.apply(request.body);
      request.log.info(
        {
          receiver: request.body.receiver,
          status: request.body.status,
          groupLabels: request.body.groupLabels,
          firing: result.firing,
          resolved: result.resolved,
          stale: result.stale,
        },
        'alertmanager notification',
      );
      return { accepted: result.firing + result.resolved, firing: result.firing, resolved: result.resolved, stale: result.stale };
    },
  );

  app.get(
    '/api/alerts',
    {
      schema: {
        tags: ['alerts'],
        summary: 'Alerts Alertmanager sent: the firing ones, and those resolved in the last hour',
        response: { 200: { description: 'The alert board.', ...openObjects(alertBoardReply) } },
      },
    },
    async () => board.snapshot(),
  );

  registerAlertStream(app, board, { pingMs: options.pingMs });

  const pruner = setInterval(() => board.prune(), options.pruneMs ?? 30_000);
  pruner.unref();
  app.addHook('onClose', async () => clearInterval(pruner));
  return board;
}
