/** The measured send rate (GeneratorStatus.rate): records sent per second over the last few seconds. */
export interface RateMeter {
  /** Notes the sent total at `at` (once a tick); samples older than the window are dropped. */
  sample(at: number, sent: number): void;
  /** Records per second between the oldest sample kept and now, to one decimal; 0 before there is a span. */
  rate(now: number, sent: number): number;
}

export function createRateMeter(windowMs = 5000): RateMeter {
  const samples: { at: number; sent: number }[] = [];
  return {
    sample(at, sent) {
      samples.push({ at, sent });
      while (samples.length > 1 && (samples[0]?.at ?? at) < at - windowMs) samples.shift();
    },
    rate(now, sent) {
      const oldest = samples[0];
      if (oldest === undefined || now <= oldest.at) return 0;
      return Math.round(((sent - oldest.sent) / ((now - oldest.at) / 1000)) * 10) / 10;
    },
  };
}
