import { Type, type Static } from '@sinclair/typebox';

/**
 * What Alertmanager posts to a webhook receiver (`webhook_configs`, payload version 4):
 * one notification of an aggregation group, with every alert of the group firing or just
 * resolved. Fields Pulse does not read are accepted as they are (a newer Alertmanager may add
 * some); every string and list is bounded, so a notification costs a bounded amount of memory.
 */

/** Largest notification accepted (Alertmanager's `max_alerts` keeps big groups below it). */
export const WEBHOOK_BODY_LIMIT = 1_048_576;
/** Most alerts in one notification. */
export const MAX_ALERTS_PER_NOTIFICATION = 1000;

export const alertStatuses = ['firing', 'resolved'] as const;
export type AlertStatus = (typeof alertStatuses)[number];

// An enum rather than a union of literals: one clear message ("must be equal to one of the allowed values") when it is wrong.
const Status = Type.Unsafe<AlertStatus>({
  type: 'string',
  enum: [...alertStatuses],
  description: '`firing`, or `resolved` once the alert has ended.',
});
const LabelSet = (description: string) =>
  Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 4096 }), { maxProperties: 64, description });
const AnnotationSet = (description: string) =>
  Type.Record(Type.String({ maxLength: 256 }), Type.String({ maxLength: 16_384 }), { maxProperties: 64, description });
const url = (description: string) => Type.String({ maxLength: 4096, description });
const time = (description: string) => Type.String({ format: 'date-time', description });

export const AlertmanagerAlert = Type.Object({
  status: Status,
  labels: LabelSet('The labels that identify the alert: `alertname`, `severity`, `instance`, …'),
  annotations: Type.Optional(AnnotationSet('`summary`, `description`, `runbook_url`, …')),
  startsAt: time('When the alert started firing.'),
  endsAt: Type.Optional(time('When a resolved alert ended; `0001-01-01T00:00:00Z` while it fires.')),
  generatorURL: Type.Optional(url('The Prometheus graph of the expression that fired.')),
  fingerprint: Type.Optional(
    Type.String({ minLength: 1, maxLength: 128, description: "Alertmanager's id of the label set; derived from the labels when absent." }),
  ),
});
export type AlertmanagerAlert = Static<typeof AlertmanagerAlert>;

export const AlertmanagerWebhook = Type.Object(
  {
    version: Type.Optional(Type.Literal('4', { description: 'Payload version; only 4 (every Alertmanager since 0.9) is known.' })),
    groupKey: Type.Optional(Type.String({ maxLength: 8192 })),
    truncatedAlerts: Type.Optional(Type.Integer({ minimum: 0, description: 'Alerts left out because of `max_alerts`.' })),
    status: Status,
    receiver: Type.Optional(Type.String({ maxLength: 512 })),
    groupLabels: Type.Optional(LabelSet('The labels the group is formed by (`group_by`).')),
    commonLabels: Type.Optional(LabelSet('Labels every alert of the notification has.')),
    commonAnnotations: Type.Optional(AnnotationSet('Annotations every alert of the notification has.')),
    externalURL: Type.Optional(url("The sending Alertmanager's own address.")),
    alerts: Type.Array(AlertmanagerAlert, { maxItems: MAX_ALERTS_PER_NOTIFICATION }),
  },
  { description: 'An Alertmanager webhook notification (version 4).' },
);
export type AlertmanagerWebhook = Static<typeof AlertmanagerWebhook>;
