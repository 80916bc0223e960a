import type { RunningLocalCloud } from '../../local/cloud';

/** Registers a partner through the admin API, as finance does. */
export async function registerPartner(
  cloud: RunningLocalCloud,
  partner: { partnerId: string; displayName?: string },
): Promise<Response> {
  const admin = await cloud.issuer.sign(
    { sub: 'finance', scope: 'partner-referrals/admin' },
    { audience: 'partner-referrals' },
  );
  return fetch(`${cloud.apiUrl}/admin/partners`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify(partner),
  });
}
