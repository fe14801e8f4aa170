import { countBotsSites, type Config } from '../config/config.ts';
import { countBotsIn, type BotCounting } from '../contract/bot-traffic.ts';

/** Which sites count bot and automation traffic in their figures (PULSE_COUNT_BOTS_SITES); every store is given the same. */
export function botCountingFrom(config: Config): BotCounting {
  return countBotsIn(countBotsSites(config));
}
