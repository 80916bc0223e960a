export interface ThrottleSettings {
  /** Steady-state requests per second (the bucket's refill rate). */
  rateLimit: number;
  /** The bucket's size: how many requests may arrive at once. */
  burstLimit: number;
}

/**
 * API Gateway's token bucket: it starts full (`burstLimit` tokens), refills at `rateLimit` tokens a
 * second up to `burstLimit`, and each request takes one token or is refused with 429.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly settings: ThrottleSettings,
    private readonly now: () => number,
  ) {
    this.tokens = settings.burstLimit;
    this.last = now();
  }

  tryTake(): boolean {
    const t = this.now();
    const elapsedSeconds = Math.max(0, t - this.last) / 1000;
    this.last = t;
    this.tokens = Math.min(this.settings.burstLimit, this.tokens + elapsedSeconds * this.settings.rateLimit);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * The stage's throttles as API Gateway applies them to an HTTP API: the default route settings are a limit
 * for each route, so each route key gets its own bucket; a route with route settings of its own
 * (`RouteSettings`, by route key) gets a bucket with those instead
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html).
 */
export class RouteThrottle {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly settings: ThrottleSettings | undefined,
    private readonly now: () => number,
    private readonly routeSettings: Readonly<Record<string, ThrottleSettings>> = {},
  ) {}

  allow(routeKey: string): boolean {
    const settings = this.routeSettings[routeKey] ?? this.settings;
    if (!settings) return true;
    let bucket = this.buckets.get(routeKey);
    if (!bucket) {
      bucket = new TokenBucket(settings, this.now);
      this.buckets.set(routeKey, bucket);
    }
    return bucket.tryTake();
  }
}
