import type { TopicNames } from '../bus/topics.ts';
import { topicNames } from '../bus/topics.ts';
import { defaultSite, siteKeys, type Config, type SiteSet } from './config.ts';
import { originPolicy, type OriginPolicy } from './cors-origins.ts';
import type { Shield } from '../ingest/shields.ts';

/** What the ingest server needs from the configuration, resolved once by the composition root. */
export interface IngestSettings {
  sites: SiteSet;
  origins: OriginPolicy;
  /** The origins a site's record allows (they replace PULSE_CORS_ORIGINS for that site), when it names any. */
  siteOrigins?: ((site: string) => ReadonlySet<string> | undefined) | undefined;
  /** A site's shields (src/ingest/shields.ts), from its record. */
  shieldOf?: ((site: string) => Shield | undefined) | undefined;
  topics: TopicNames;
  maxBodyBytes: number;
  maxBatch: number;
  /** Requests per client IP per minute on the collect routes; 0: no limit. */
  rateLimitPerMinute: number;
  /** Events per site key per minute on the collect routes, over all client IPs; 0: no limit. */
  siteRateLimitPerMinute: number;
  produceTimeoutMs: number;
  anonymizeIp: boolean;
  trustProxy: boolean;
  /** Paths serving the tracker script (/t.js and PULSE_TRACKER_PATH). */
  trackerPaths: ReadonlySet<string>;
  /** A first-party alias of /api/events, if any. */
  collectAlias: string | undefined;
  demo: boolean;
  /** Site of events that name none (PULSE_DEFAULT_SITE): the seeds' own clients (src/contract/seed-requests.ts). */
  defaultSite?: string | undefined;
}

export function ingestSettings(config: Config): IngestSettings {
  return {
    sites: siteKeys(config),
    origins: originPolicy(config.PULSE_CORS_ORIGINS),
    topics: topicNames(config.PULSE_TOPIC_PREFIX),
    maxBodyBytes: config.PULSE_MAX_BODY_BYTES,
    maxBatch: config.PULSE_MAX_BATCH,
    rateLimitPerMinute: config.PULSE_RATE_LIMIT_PER_MINUTE,
    siteRateLimitPerMinute: config.PULSE_SITE_RATE_LIMIT_PER_MINUTE,
    produceTimeoutMs: config.PULSE_PRODUCE_TIMEOUT_MS,
    anonymizeIp: config.PULSE_ANONYMIZE_IP,
    trustProxy: config.PULSE_TRUST_PROXY,
    trackerPaths: new Set(['/t.js', config.PULSE_TRACKER_PATH]),
    collectAlias: config.PULSE_COLLECT_PATH,
    demo: config.PULSE_DEMO,
    defaultSite: defaultSite(config),
  };
}

/**
 * The settings of one of `processes` ingest processes serving one port (PULSE_INGEST_PROCESSES): each
 * takes an even share of the rate limits, so the group as a whole keeps to the configured figures.
 */
export function shareOfGroup(settings: IngestSettings, processes: number): IngestSettings {
  if (!Number.isInteger(processes) || processes < 1) throw new RangeError(`processes must be a positive integer, got ${processes}`);
  const share = (perMinute: number): number => (perMinute === 0 ? 0 : Math.ceil(perMinute / processes));
  return {
    ...settings,
    rateLimitPerMinute: share(settings.rateLimitPerMinute),
    siteRateLimitPerMinute: share(settings.siteRateLimitPerMinute),
  };
}
