import { DEFAULT_COMMISSION_SCHEDULE, DEFAULT_PRICE_MAP, type PlanChoice } from '../domain/config';
import { commissionFor } from '../domain/earnings';
import { Chance } from './random';

/**
 * Random but reproducible journeys for many partners. Each referred user signs up with one partner and
 * may verify, pay (one of the four demo prices) and cancel; a few users are claimed by a second
 * partner too (one must win); a few pay without ever being referred (the payment is parked).
 */
export interface ScenarioOptions {
  journeys: number;
  seed: number;
}

export interface Journey {
  userId: string;
  partnerId: string;
  /** A second partner whose signup for the same user must be rejected (or win, if it lands first). */
  contestedBy?: string;
  /** Pays without a signup: the payment is parked for a referral that never comes. */
  neverReferred: boolean;
  verifies: boolean;
  payment?: { priceId: string; choice: PlanChoice; amountCents: number; invoiceId: string };
  cancels: boolean;
}

export interface Scenario {
  partners: string[];
  /** Clicks per partner, sent through the HTTP API. */
  clicks: Map<string, number>;
  journeys: Journey[];
}

/** Amounts per demo price, in cents. */
const PRICES: readonly { priceId: string; amountCents: number }[] = [
  { priceId: 'price_af_monthly', amountCents: 1499 },
  { priceId: 'price_af_annual', amountCents: 14_990 },
  { priceId: 'price_afplus_monthly', amountCents: 2999 },
  { priceId: 'price_afplus_annual', amountCents: 29_990 },
];

export function generateScenario({ journeys, seed }: ScenarioOptions): Scenario {
  const chance = new Chance(seed);
  const partnerCount = Math.max(3, Math.ceil(journeys / 25));
  const partners = Array.from({ length: partnerCount }, (_, i) => `cp_${i}`);
  const clicks = new Map(partners.map((p) => [p, 0]));
  const list: Journey[] = [];
  for (let j = 0; j < journeys; j++) {
    const key = `journey:${j}`;
    const partnerId = chance.pick(`${key}:partner`, partners);
    clicks.set(partnerId, (clicks.get(partnerId) ?? 0) + chance.int(`${key}:clicks`, 0, 2));
    const neverReferred = chance.happens(`${key}:never-referred`, 0.03);
    const pays = neverReferred || chance.happens(`${key}:pays`, 0.5);
    const price = chance.pick(`${key}:price`, PRICES);
    const choice = DEFAULT_PRICE_MAP[price.priceId];
    if (!choice) throw new Error(`no plan for ${price.priceId}`);
    const contested = !neverReferred && chance.happens(`${key}:contested`, 0.02);
    const contestedBy = contested
      ? chance.pick(
          `${key}:rival`,
          partners.filter((p) => p !== partnerId),
        )
      : undefined;
    list.push({
      userId: `cu_${j}`,
      partnerId,
      ...(contestedBy ? { contestedBy } : {}),
      neverReferred,
      verifies: !neverReferred && chance.happens(`${key}:verifies`, 0.7),
      ...(pays ? { payment: { ...price, choice, invoiceId: `in_c${j}` } } : {}),
      cancels: pays && !neverReferred && chance.happens(`${key}:cancels`, 0.2),
    });
  }
  return { partners, clicks, journeys: list };
}

/** The counters a partner must show, computed from the journeys alone. */
export interface ExpectedCounters {
  totalClicks: number;
  totalSignups: number;
  afSignups: number;
  afPlusSignups: number;
  totalVerified: number;
  totalPaid: number;
  afMonthlyPaid: number;
  afAnnualPaid: number;
  afPlusMonthlyPaid: number;
  afPlusAnnualPaid: number;
  activeSubscriptions: number;
  totalRevenueCents: number;
  totalEarningsCents: number;
}

const zero = (): ExpectedCounters => ({
  totalClicks: 0,
  totalSignups: 0,
  afSignups: 0,
  afPlusSignups: 0,
  totalVerified: 0,
  totalPaid: 0,
  afMonthlyPaid: 0,
  afAnnualPaid: 0,
  afPlusMonthlyPaid: 0,
  afPlusAnnualPaid: 0,
  activeSubscriptions: 0,
  totalRevenueCents: 0,
  totalEarningsCents: 0,
});

/**
 * Expected counters per partner. `ownerOf` names the partner that holds a contested user (whichever
 * signup landed first); every other user belongs to its journey's partner.
 */
export function expectedCounters(
  scenario: Scenario,
  ownerOf: (journey: Journey) => string,
): Map<string, ExpectedCounters> {
  const out = new Map(scenario.partners.map((p) => [p, zero()]));
  for (const [partnerId, n] of scenario.clicks) (out.get(partnerId) ?? zero()).totalClicks = n;
  for (const journey of scenario.journeys) {
    if (journey.neverReferred) continue;
    const c = out.get(ownerOf(journey));
    if (!c) throw new Error(`unknown partner for ${journey.userId}`);
    const afPlus = journey.payment?.choice.planType === 'AFPlus';
    c.totalSignups += 1;
    if (afPlus) c.afPlusSignups += 1;
    else c.afSignups += 1;
    if (journey.verifies) c.totalVerified += 1;
    const payment = journey.payment;
    if (!payment) continue;
    const annual = payment.choice.billingCycle === 'Annual';
    c.totalPaid += 1;
    if (afPlus) c[annual ? 'afPlusAnnualPaid' : 'afPlusMonthlyPaid'] += 1;
    else c[annual ? 'afAnnualPaid' : 'afMonthlyPaid'] += 1;
    c.totalRevenueCents += payment.amountCents;
    c.totalEarningsCents += commissionFor(payment.choice, payment.amountCents, DEFAULT_COMMISSION_SCHEDULE);
    if (!journey.cancels) c.activeSubscriptions += 1;
  }
  return out;
}
