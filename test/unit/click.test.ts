import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { CLICK_CONTENTION_RETRIES, CLICK_COUNTER_SHARDS, CLICK_LOG_TTL_DAYS } from '../../domain/config';
import {
  clickCounterId,
  clickShards,
  clickWorkflowInput,
  hashIp,
  landingLocation,
  partnerClickCounterIds,
  partnerClicks,
  truncateUserAgent,
  withClickCounters,
} from '../../domain/click';

describe('click', () => {
  it('hashes the IP with the salt (SHA-256 hex), never keeping it raw', () => {
    // Act
    const a = hashIp('203.0.113.7', 'salt-1');

    // Assess
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(a).not.toContain('203.0.113.7');
    expect(hashIp('203.0.113.7', 'salt-1')).toBe(a);
    expect(hashIp('203.0.113.7', 'salt-2')).not.toBe(a);
  });

  it('builds the click workflow input with a TTL 90 days out', () => {
    // Prepare
    const now = new Date('2026-01-15T10:00:00.000Z');

    // Act
    const input = clickWorkflowInput({
      partnerId: 'acme',
      ip: '203.0.113.7',
      userAgent: 'Mozilla/5.0',
      now,
      timeZone: 'UTC',
      clickId: 'click-1',
      salt: 'salt-1',
    });

    // Assess
    const counterIds = clickShards('click-1', CLICK_CONTENTION_RETRIES + 1).map((s) => `acme#${s}`);
    expect(input).toEqual({
      clickId: 'click-1',
      partnerId: 'acme',
      clickedAt: '2026-01-15T10:00:00.000Z',
      ipHash: hashIp('203.0.113.7', 'salt-1'),
      userAgent: 'Mozilla/5.0',
      dayAttribute: 'd2026-01-15',
      expiresAt: now.getTime() / 1000 + CLICK_LOG_TTL_DAYS * 86_400,
      attempt: 0,
      counterId: counterIds[0],
      counterIds,
    });
  });

  it('counts the click on the local day of the partner zone', () => {
    // 11:30 UTC on Jan 15 is already Jan 16 in Auckland (UTC+13 in summer), still Jan 15 in Los Angeles.
    const at = (timeZone: string) =>
      clickWorkflowInput({
        partnerId: 'acme',
        ip: '203.0.113.7',
        userAgent: 'x',
        now: new Date('2026-01-15T11:30:00.000Z'),
        timeZone,
        clickId: 'click-1',
        salt: 'salt-1',
      }).dayAttribute;
    expect([at('Pacific/Auckland'), at('America/Los_Angeles'), at('UTC')]).toEqual([
      'd2026-01-16',
      'd2026-01-15',
      'd2026-01-15',
    ]);
  });

  it('truncates the user agent to 512 characters without splitting a surrogate pair', () => {
    // Prepare
    const long = `${'a'.repeat(511)}😀tail`;

    // Act
    const truncated = truncateUserAgent(long);

    // Assess
    expect(Array.from(truncated)).toHaveLength(512);
    expect(truncated.endsWith('😀')).toBe(true);
  });

  it('records an absent user agent as unknown', () => {
    expect(truncateUserAgent(undefined)).toBe('unknown');
  });
});

describe('click counter shards', () => {
  it('gives each try of a click another shard, all within the partner’s 64', () => {
    for (let i = 0; i < 200; i++) {
      // Act
      const shards = clickShards(`click-${i}`, CLICK_COUNTER_SHARDS);

      // Assess: a full cycle visits every shard once, so no try repeats an earlier one.
      expect(new Set(shards).size).toBe(CLICK_COUNTER_SHARDS);
      expect(shards.every((s) => Number.isInteger(s) && s >= 0 && s < CLICK_COUNTER_SHARDS)).toBe(true);
    }
    expect(clickShards('click-1', 3)).toEqual(clickShards('click-1', 3));
  });

  it('spreads first tries evenly over the shards', () => {
    // Act
    const counts = new Map<number, number>();
    for (let i = 0; i < 12_800; i++) {
      const [shard = -1] = clickShards(`c-${i}`, 1);
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }

    // Assess: 200 a shard expected (σ ≈ 14); a skewed hash would overload some shards.
    expect(counts.size).toBe(CLICK_COUNTER_SHARDS);
    expect(Math.min(...counts.values())).toBeGreaterThan(140);
    expect(Math.max(...counts.values())).toBeLessThan(260);
  });

  it('names every shard of a partner, and the workflow input draws from them', () => {
    const all = partnerClickCounterIds('acme');
    expect(all).toHaveLength(CLICK_COUNTER_SHARDS);
    expect(all[5]).toBe(clickCounterId('acme', 5));
    const input = clickWorkflowInput({
      partnerId: 'acme',
      ip: '1.2.3.4',
      userAgent: undefined,
      now: new Date(0),
      timeZone: 'UTC',
      clickId: 'x',
      salt: 's',
    });
    expect(input.counterIds.every((id) => all.includes(id))).toBe(true);
  });

  it('the workflow backs off at most as many times as the input has further shards and wait caps', () => {
    // Prepare
    const asl = JSON.parse(
      readFileSync(path.join(__dirname, '../../statemachines/click.asl.json'), 'utf8'),
    ) as { States: Record<string, Record<string, unknown>> };
    const choices = JSON.stringify(asl.States.WhyWasClickRejected);
    const backOff = JSON.stringify(asl.States.RecordClickBackOff);

    // Assess
    expect(choices).toContain(`"NumericLessThan":${CLICK_CONTENTION_RETRIES}`);
    const caps = /States\.Array\(([^)]*)\)/.exec(backOff)?.[1]?.split(',') ?? [];
    expect(caps).toHaveLength(CLICK_CONTENTION_RETRIES);
  });

  it("sums the shards onto the row's clicks and takes the latest click as last activity", () => {
    // Act
    const clicks = partnerClicks(7, [
      { clicks: 3, lastClickAt: '2026-01-02T00:00:00.000Z' },
      { clicks: 0 },
      { clicks: 5, lastClickAt: '2026-01-03T00:00:00.000Z' },
    ]);
    const stats = withClickCounters({ totalClicks: 7, lastActivityAt: '2026-01-04T00:00:00.000Z' }, [
      { clicks: 2, lastClickAt: '2026-01-05T00:00:00.000Z' },
    ]);

    // Assess
    expect(clicks).toEqual({ totalClicks: 15, lastClickAt: '2026-01-03T00:00:00.000Z' });
    expect(stats).toEqual({ totalClicks: 9, lastActivityAt: '2026-01-05T00:00:00.000Z' });
    expect(withClickCounters({ totalClicks: 1, lastActivityAt: '2026-02-01T00:00:00.000Z' }, [])).toEqual({
      totalClicks: 1,
      lastActivityAt: '2026-02-01T00:00:00.000Z',
    });
  });
});

describe('landingLocation', () => {
  const at = (landingUrl: string, trackingQuery: string) =>
    landingLocation({ landingUrl, trackingQuery, partnerId: 'p_1', clickId: 'c-1' });

  it.each([
    ['no query', 'https://x.test/', '', 'https://x.test/?ref=p_1&click=c-1'],
    [
      'UTM tags kept, ours last',
      'https://x.test/',
      'utm_source=x&utm_campaign=y',
      'https://x.test/?utm_source=x&utm_campaign=y&ref=p_1&click=c-1',
    ],
    [
      "the landing page's own parameters first",
      'https://x.test/welcome?lang=en',
      'utm_source=x',
      'https://x.test/welcome?lang=en&utm_source=x&ref=p_1&click=c-1',
    ],
    [
      'repeated parameters kept',
      'https://x.test/',
      'tag=a&tag=b',
      'https://x.test/?tag=a&tag=b&ref=p_1&click=c-1',
    ],
    [
      "a visitor's ref and click replaced by ours",
      'https://x.test/',
      'ref=evil&click=forged&utm_source=x',
      'https://x.test/?utm_source=x&ref=p_1&click=c-1',
    ],
  ])('%s', (_, landingUrl, query, expected) => {
    expect(at(landingUrl, query)).toBe(expected);
  });
});
