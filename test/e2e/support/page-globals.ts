/**
 * What a page with the tracker exposes, for code inside `page.evaluate`
 * (the tests' tsconfig has no DOM types): cast `globalThis` to `InPage`.
 */
export interface TrackerState {
  initialized: boolean;
  running: boolean;
  mouse: boolean;
  blocked: boolean;
  userId: string | null;
  sessionId: string | null;
  queued: number;
  sent: number;
  dropped: number;
  failures: number;
}

export interface InPage {
  pulse?: {
    init(options: Record<string, unknown>): unknown;
    start(): void;
    stop(): void;
    track(name: unknown, props?: unknown): void;
    identify(userId: unknown): void;
    reset(): void;
    setMouseTracking(on: boolean): void;
    initMouseTracker(options?: Record<string, unknown>): void;
    stopMouseTracker(): void;
    optOut(): void;
    optIn(): void;
    isOptedOut(): boolean;
    flush(): void;
    onEvent(listener: (event: Record<string, unknown>) => void): () => void;
    getState(): TrackerState;
  };
  navigator: { doNotTrack: string | null; sendBeacon?: unknown };
  localStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void; removeItem(key: string): void };
  location: { href: string; reload(): void };
  history: {
    pushState(state: unknown, unused: string, url: string): void;
    replaceState(state: unknown, unused: string, url: string): void;
    back(): void;
  };
  document: { title: string; querySelector(selector: string): unknown };
}
