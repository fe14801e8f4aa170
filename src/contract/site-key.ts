import { Type } from '@sinclair/typebox';

/** A site key: what a tracker sends as `site` and what PULSE_SITES lists. */
export const siteKeySource = '[A-Za-z0-9_.-]{1,64}';
export const siteKeyPattern = new RegExp(`^${siteKeySource}$`);

export const SiteKey = (description = 'Site key the event belongs to.') => Type.String({ pattern: `^${siteKeySource}$`, description });

export const isSiteKey = (value: string): boolean => siteKeyPattern.test(value);
