import { userEmailVerifiedEvent, userSignedUpEvent } from '../../local/events/app-events';
import { invoicePaidEvent } from '../../local/events/stripe-events';
import type { LocalSystem } from '../../local/system';

/** One referral journey through the local stack: signup, verification, AF+ Monthly payment, each awaited. */
export async function runJourney(system: LocalSystem, partnerId: string, n: number): Promise<string[]> {
  const userId = `ju_${n}`;
  const arns: string[] = [];
  const await_ = async (result: unknown) => {
    const arn = (result as { executionArn?: string } | undefined)?.executionArn;
    if (!arn) throw new Error(`no execution started: ${JSON.stringify(result)}`);
    const done = await system.runtime.waitFor(arn);
    if (done.status !== 'SUCCEEDED') throw new Error(`${arn} ${done.status} ${done.error} ${done.cause}`);
    arns.push(arn);
  };
  await await_(await system.deliverAppEvent(userSignedUpEvent({ eventId: `s_${n}`, userId, partnerId })));
  await await_(await system.deliverAppEvent(userEmailVerifiedEvent({ eventId: `v_${n}`, userId })));
  await await_(
    await system.deliverStripeEvent(
      invoicePaidEvent({
        eventId: `evt_j${n}`,
        invoiceId: `in_j${n}`,
        userId,
        priceId: 'price_afplus_monthly',
        amountPaidCents: 2999,
      }),
    ),
  );
  return arns;
}
