/**
 * `npm run bench:cost`: what one million journeys cost on AWS, from real local executions. For each step
 * (click, signup, verification, payment) it counts state transitions, Lambda invocations (with their
 * measured duration), DynamoDB read and write units and EventBridge / API Gateway requests, then prices
 * them at AWS list prices (below) for our design (Express click, Standard for the rest) and for the same
 * flows all on Standard. Realistic mix: 100 clicks per paid conversion. Target: ours ≤ 1/5 of all-Standard.
 */
import { TABLE_NAMES } from '../domain/config';
import { httpEvent } from '../local/events/http-events';
import { LocalSystem } from '../local/system';
import type { TaskCallRecord } from '../local/history';
import { runJourney } from './support/journeys';
import { emptyStatsItem, putAll } from './support/load';
import { dynamoDbAccess } from './support/task-calls';
import { report } from './support/report';

/**
 * AWS list prices, us-east-1, first tier, no free tier, as the AWS pricing pages gave them in 2025 (this
 * machine has no internet to re-read them on the run date, 2026-11-25; re-check before quoting): Step Functions Standard $0.025 per 1,000 state transitions; Express $1.00 per million requests
 * plus $0.00001667 per GB-second (64 MB, billed in 100 ms); Lambda arm64 $0.20 per million requests plus
 * $0.0000133334 per GB-second (1 ms billing); DynamoDB on-demand $0.625 per million write request units
 * and $0.125 per million read request units; EventBridge $1.00 per million events; API Gateway HTTP API
 * $1.00 per million requests.
 */
export const PRICES = {
  standardTransition: 0.025 / 1000,
  expressRequest: 1.0 / 1e6,
  expressGbSecond: 0.00001667,
  lambdaRequest: 0.2 / 1e6,
  lambdaGbSecond: 0.0000133334,
  writeUnit: 0.625 / 1e6,
  readUnit: 0.125 / 1e6,
  event: 1.0 / 1e6,
  httpRequest: 1.0 / 1e6,
} as const;

const LAMBDA_GB = 512 / 1024;
const EXPRESS_GB = 64 / 1024;
const CLICKS_PER_CONVERSION = 100;
const SAMPLES = 40;

interface StepUsage {
  transitions: number;
  expressSeconds: number;
  lambdaInvocations: number;
  lambdaSeconds: number;
  readUnits: number;
  writeUnits: number;
  events: number;
  httpRequests: number;
}

const zeroUsage = (): StepUsage => ({
  transitions: 0,
  expressSeconds: 0,
  lambdaInvocations: 0,
  lambdaSeconds: 0,
  readUnits: 0,
  writeUnits: 0,
  events: 0,
  httpRequests: 0,
});

export async function benchCost(): Promise<unknown> {
  const system = await LocalSystem.start({ retryDelayScale: 0 });
  try {
    await putAll(system.dynamoDb, TABLE_NAMES.stats, [emptyStatsItem('cost-partner')]);
    const steps = { click: zeroUsage(), signup: zeroUsage(), verify: zeroUsage(), payment: zeroUsage() };

    for (let i = 0; i < SAMPLES; i++) {
      const t = performance.now();
      const res = await system.clickApi(
        httpEvent({
          path: '/r/cost-partner',
          routeKey: 'GET /r/{partnerId}',
          pathParameters: { partnerId: 'cost-partner' },
        }),
      );
      if (res.statusCode !== 302) throw new Error(`click answered ${res.statusCode}`);
      const [click] = system.runtime.list('click').slice(-1);
      const seconds = (performance.now() - t) / 1000;
      addExecution(steps.click, system, click?.executionArn ?? '');
      steps.click.expressSeconds += Math.ceil(seconds * 10) / 10; // billed in 100 ms
      steps.click.lambdaInvocations += 1; // click-api
      steps.click.lambdaSeconds += seconds;
      steps.click.httpRequests += 1;
    }
    for (let i = 0; i < SAMPLES; i++) {
      const t = performance.now();
      const [signup, verify, payment] = await runJourney(system, 'cost-partner', i);
      const seconds = (performance.now() - t) / 1000 / 3;
      for (const [step, arn] of [
        [steps.signup, signup],
        [steps.verify, verify],
        [steps.payment, payment],
      ] as const) {
        addExecution(step, system, arn ?? '');
        step.events += 1; // the app or Stripe event on its bus
        step.lambdaInvocations += 1; // the ingest function
        step.lambdaSeconds += seconds / 2; // an upper bound: the ingest's share of the step's wall time
      }
    }
    for (const usage of Object.values(steps))
      for (const k of Object.keys(usage) as (keyof StepUsage)[]) usage[k] /= SAMPLES;

    const price = (u: StepUsage, clickOnStandard: boolean, isClick: boolean) =>
      (isClick && !clickOnStandard
        ? PRICES.expressRequest + u.expressSeconds * EXPRESS_GB * PRICES.expressGbSecond
        : u.transitions * PRICES.standardTransition) +
      u.lambdaInvocations * PRICES.lambdaRequest +
      u.lambdaSeconds * LAMBDA_GB * PRICES.lambdaGbSecond +
      u.readUnits * PRICES.readUnit +
      u.writeUnits * PRICES.writeUnit +
      u.events * PRICES.event +
      u.httpRequests * PRICES.httpRequest;

    const rows = Object.entries(steps).map(([name, u]) => ({
      step: name,
      usage: u,
      ours: price(u, false, name === 'click'),
      allStandard: price(u, true, name === 'click'),
    }));
    // One journey of the realistic mix: 100 clicks, then one signup, verification and payment.
    const mix = (key: 'ours' | 'allStandard') =>
      rows.reduce((sum, r) => sum + r[key] * (r.step === 'click' ? CLICKS_PER_CONVERSION : 1), 0);
    const perMillion = { ours: mix('ours') * 1e6, allStandard: mix('allStandard') * 1e6 };
    report(
      'cost',
      `Cost per million (USD, AWS us-east-1 list prices as of 2025, see bench/cost.ts; mix = ${CLICKS_PER_CONVERSION} clicks + signup + verify + payment)`,
      ['step', 'transitions', 'Lambda calls', 'RRU', 'WRU', 'ours / 1M', 'all-Standard / 1M'],
      [
        ...rows.map((r) => [
          r.step,
          r.usage.transitions.toFixed(1),
          r.usage.lambdaInvocations.toFixed(1),
          r.usage.readUnits.toFixed(1),
          r.usage.writeUnits.toFixed(1),
          `$${(r.ours * 1e6).toFixed(2)}`,
          `$${(r.allStandard * 1e6).toFixed(2)}`,
        ]),
        [
          'mix (per million conversions)',
          '',
          '',
          '',
          '',
          `$${perMillion.ours.toFixed(0)}`,
          `$${perMillion.allStandard.toFixed(0)}`,
        ],
        [
          'ours / all-Standard',
          '',
          '',
          '',
          '',
          (perMillion.ours / perMillion.allStandard).toFixed(3),
          'target ≤ 0.200',
        ],
      ],
      { prices: PRICES, rows, perMillion },
    );
    return { rows, perMillion };
  } finally {
    await system.stop();
  }
}

/** Transitions, Lambda tasks and DynamoDB units of one execution, from its history and Task calls. */
function addExecution(usage: StepUsage, system: LocalSystem, executionArn: string): void {
  usage.transitions += system.runtime.statesEntered(executionArn).length;
  for (const call of system.runtime.taskCalls(executionArn)) addTaskCall(usage, call);
}

function addTaskCall(usage: StepUsage, call: TaskCallRecord): void {
  const { kind } = call.integration;
  if (kind === 'lambda' || kind === 'lambda-arn') usage.lambdaInvocations += 1;
  if (kind === 'events') usage.events += 1;
  const access = dynamoDbAccess(call);
  if (access === 'transaction') {
    const items = (call.parameters as { TransactItems?: unknown[] }).TransactItems?.length ?? 1;
    usage.writeUnits += 2 * items; // transactional writes cost two units per item
  } else if (access === 'write') {
    usage.writeUnits += 1;
  } else if (access === 'read') {
    usage.readUnits += 1;
  }
}

if (require.main === module) void benchCost();
