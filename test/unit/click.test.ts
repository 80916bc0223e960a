import { CLICK_LOG_TTL_DAYS } from '../../domain/config';
import { clickWorkflowInput, hashIp, truncateUserAgent } from '../../domain/click';

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
      clickId: 'click-1',
      salt: 'salt-1',
    });

    // Assess
    expect(input).toEqual({
      clickId: 'click-1',
      partnerId: 'acme',
      clickedAt: '2026-01-15T10:00:00.000Z',
      ipHash: hashIp('203.0.113.7', 'salt-1'),
      userAgent: 'Mozilla/5.0',
      expiresAt: now.getTime() / 1000 + CLICK_LOG_TTL_DAYS * 86_400,
    });
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
