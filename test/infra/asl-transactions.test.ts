import * as fs from 'node:fs';
import * as path from 'node:path';
import { StateMachine } from 'aws-local-stepfunctions';
import { STATE_MACHINES_DIR } from '../../infra/workflow-manifest';

/**
 * Every transaction in every state machine handles contention the way AWS reports it. A TransactWriteItems
 * that conflicts with a concurrent transaction, or is throttled, fails as a whole with
 * `DynamoDb.TransactionCanceledException` and says why in its cause, one reason per action
 * (`[None, TransactionConflict]`, `[ThrottlingError, None]`); it never fails with
 * `TransactionConflictException`, which only a single-item write colliding with a transaction gets
 * (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_TransactWriteItems.html). So a
 * transaction's Retry cannot see contention: its Catch goes to a Choice on the cause, which loops back
 * through a jittered, bounded back-off (a Pass computing the wait, a Wait) to the Task.
 */

type Json = Record<string, unknown>;
interface Scope {
  file: string;
  states: Record<string, Json>;
}
interface ChoiceRule extends Json {
  Next?: string;
}

const TRANSACTION = 'arn:aws:states:::aws-sdk:dynamodb:transactWriteItems';
const SINGLE_WRITE = /^arn:aws:states:::(dynamodb|aws-sdk:dynamodb):(putItem|updateItem|deleteItem)$/;
const REASONS = ['TransactionConflict', 'ThrottlingError'];
/** `States.MathRandom(0, States.ArrayGetItem(States.Array(1, 2, …), $.counter))`: full jitter under caps. */
const JITTER = /^States\.MathRandom\(0, States\.ArrayGetItem\(States\.Array\(([\d,\s]+)\), (\$[\w.]+)\)\)$/;

/** Every States object (the machine's, each Map processor's, each Parallel branch's): Next stays inside one. */
function scopesOf(file: string, states: Record<string, Json>): Scope[] {
  const out: Scope[] = [{ file, states }];
  for (const state of Object.values(states)) {
    const processors = [state.ItemProcessor, state.Iterator, ...((state.Branches as unknown[]) ?? [])];
    for (const p of processors as ({ States: Record<string, Json> } | undefined)[]) {
      if (p) out.push(...scopesOf(file, p.States));
    }
  }
  return out;
}

const files = fs.readdirSync(STATE_MACHINES_DIR).filter((f) => f.endsWith('.asl.json'));
const scopes = files.flatMap((file) => {
  const asl = JSON.parse(fs.readFileSync(path.join(STATE_MACHINES_DIR, file), 'utf8')) as {
    States: Record<string, Json>;
  };
  return scopesOf(file, asl.States);
});
const tasks = (resource: (r: string) => boolean) =>
  scopes.flatMap((scope) =>
    Object.entries(scope.states)
      .filter(([, s]) => s.Type === 'Task' && resource(String(s.Resource)))
      .map(([name, state]) => [`${scope.file} ${name}`, name, state, scope] as const),
  );
const transactions = tasks((r) => r === TRANSACTION);

/** Every comparison inside a Choice rule (And/Or/Not nested). */
function comparisons(rule: Json): Json[] {
  const nested = [...((rule.And as Json[]) ?? []), ...((rule.Or as Json[]) ?? [])];
  if (rule.Not) nested.push(rule.Not as Json);
  return nested.length > 0 ? nested.flatMap(comparisons) : [rule];
}

const errorNames = (state: Json): string[] =>
  ((state.Retry as { ErrorEquals: string[] }[] | undefined) ?? []).flatMap((r) => r.ErrorEquals);

/** What a transaction's contention loop is made of, or the first thing missing from it. */
function contentionLoop(taskName: string, task: Json, scope: Scope) {
  const catcher = ((task.Catch as Json[] | undefined) ?? []).find((c) =>
    (c.ErrorEquals as string[]).some(
      (e) => e === 'DynamoDb.TransactionCanceledException' || e === 'States.ALL',
    ),
  );
  if (!catcher) return { problem: 'no Catch for DynamoDb.TransactionCanceledException' };
  const choice = scope.states[String(catcher.Next)];
  if (choice?.Type !== 'Choice')
    return { problem: `its Catch goes to ${String(catcher.Next)}, not a Choice` };
  const cause = `${String(catcher.ResultPath)}.Cause`;
  const rules = choice.Choices as ChoiceRule[];
  const index = rules.findIndex((rule) => {
    const matched = comparisons(rule)
      .filter((c) => c.Variable === cause && typeof c.StringMatches === 'string')
      .map((c) => String(c.StringMatches));
    return REASONS.every((reason) => matched.includes(`*${reason}*`));
  });
  const rule = rules[index];
  if (!rule)
    return { problem: `${String(catcher.Next)} has no rule on ${cause} naming ${REASONS.join(' and ')}` };
  const bound = comparisons(rule).find(
    (c) => typeof c.NumericLessThan === 'number' || typeof c.NumericLessThanEquals === 'number',
  );
  if (!bound) return { problem: `the contention rule of ${String(catcher.Next)} has no numeric bound` };
  const backOff = scope.states[String(rule.Next)];
  if (backOff?.Type !== 'Pass')
    return { problem: `the contention rule goes to ${String(rule.Next)}, not a Pass` };
  const waitOut = scope.states[String(backOff.Next)];
  const conditionalFirst = rules.findIndex((r) =>
    comparisons(r).some((c) => String(c.StringMatches ?? '').includes('ConditionalCheckFailed')),
  );
  return {
    problem: undefined,
    choice: String(catcher.Next),
    contentionRule: index,
    conditionalRule: conditionalFirst,
    counter: String(bound.Variable),
    limit: Number(bound.NumericLessThan ?? Number(bound.NumericLessThanEquals) + 1),
    backOffName: String(rule.Next),
    backOff,
    waitOutName: String(backOff.Next),
    waitOut,
    taskName,
  };
}

type Loop = Exclude<ReturnType<typeof contentionLoop>, { problem: string }>;
const loopOf = (taskName: string, task: Json, scope: Scope): Loop => {
  const loop = contentionLoop(taskName, task, scope);
  if (loop.problem !== undefined) throw new Error(`${taskName}: ${loop.problem}`);
  return loop as Loop;
};

/** The Pass's Parameters: the counter's increment and the jittered seconds, by field. */
function backOffFields(loop: Loop) {
  const params = (loop.backOff.Parameters ?? {}) as Record<string, string>;
  // No ResultPath: the Pass's output replaces the state.
  const resultPath = String(loop.backOff.ResultPath ?? '$');
  const field = (expr: (v: string) => boolean) => {
    const entry = Object.entries(params).find(([, v]) => typeof v === 'string' && expr(v));
    if (!entry) return undefined;
    return { key: entry[0], path: `${resultPath}.${entry[0].replace(/\.\$$/, '')}`, value: entry[1] };
  };
  return {
    increment: field((v) => v === `States.MathAdd(${loop.counter}, 1)`),
    jitter: field((v) => v.startsWith('States.MathRandom(')),
  };
}

test('the state machines have transactions to check', () => {
  expect(transactions.map(([where]) => where)).toEqual(
    expect.arrayContaining([
      'referral-fact.asl.json WriteReferralAndLedger',
      'referral-fact.asl.json ApplyChangeToStats',
    ]),
  );
});

describe.each(transactions)('%s', (_where, taskName, task, scope) => {
  test('its Retry leaves TransactionConflictException out (a transaction never gets it)', () => {
    expect(errorNames(task).filter((e) => e.endsWith('.TransactionConflictException'))).toEqual([]);
    expect(errorNames(task)).toEqual(
      expect.arrayContaining([
        'DynamoDb.ProvisionedThroughputExceededException',
        'DynamoDb.ThrottlingException',
        'DynamoDb.RequestLimitExceededException',
        'DynamoDb.InternalServerErrorException',
        'DynamoDb.TransactionInProgressException',
      ]),
    );
  });

  test('its cancellation Catch leads to a Choice whose contention rule loops back through a bounded, jittered wait', () => {
    const loop = loopOf(taskName, task, scope);
    // Conditional-check routing, where there is one, is decided before contention.
    if (loop.conditionalRule >= 0) expect(loop.conditionalRule).toBeLessThan(loop.contentionRule);
    expect(loop.limit).toBeGreaterThan(0);
    const { increment, jitter } = backOffFields(loop);
    expect(increment?.path).toBe(loop.counter);
    const [, caps, index] = JITTER.exec(jitter?.value ?? '') ?? [];
    expect(index).toBe(loop.counter);
    // Every count the rule lets through indexes a cap.
    expect((caps ?? '').split(',').length).toBeGreaterThanOrEqual(loop.limit);
    expect(loop.waitOut).toEqual(expect.objectContaining({ Type: 'Wait', SecondsPath: jitter?.path }));
    expect(loop.waitOut?.Next).toBe(taskName);
  });

  test('the back-off Pass runs in aws-local-stepfunctions: whole seconds under each cap, counter + 1', async () => {
    const loop = loopOf(taskName, task, scope);
    const { increment, jitter } = backOffFields(loop);
    const caps = (JITTER.exec(jitter?.value ?? '')?.[1] ?? '').split(',').map(Number);
    // The two fields as written, alone (the others read state this test does not build).
    const pass = {
      Type: 'Pass',
      Parameters: Object.fromEntries([increment, jitter].map((f) => [f?.key, f?.value])),
      ...(loop.backOff.ResultPath === undefined ? {} : { ResultPath: loop.backOff.ResultPath }),
      End: true,
    };
    const machine = new StateMachine({ StartAt: 'BackOff', States: { BackOff: pass } } as never, {
      validationOptions: { checkPaths: true, checkArn: true },
    });
    const at = (jsonPath: string, value: unknown): Json =>
      jsonPath
        .slice(2)
        .split('.')
        .reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Json;
    const get = (value: unknown, jsonPath: string): unknown =>
      jsonPath
        .slice(2)
        .split('.')
        .reduce<unknown>((v, key) => (v as Json | undefined)?.[key], value);
    for (let count = 0; count < loop.limit; count++) {
      const output = await machine.run(at(loop.counter, count) as never).result;
      const seconds = get(output, jitter?.path ?? '');
      expect(get(output, increment?.path ?? '')).toBe(count + 1);
      expect(Number.isInteger(seconds)).toBe(true);
      expect(seconds).toBeGreaterThanOrEqual(0);
      expect(seconds).toBeLessThanOrEqual(caps[count] ?? Number.NaN);
    }
  });
});

test.each(tasks((r) => SINGLE_WRITE.test(r)).filter(([, , state]) => state.Retry))(
  '%s: a single-item write keeps retrying TransactionConflictException (it meets transactions in progress)',
  (_where, _name, state) => {
    const prefix = String(state.Resource).includes(':aws-sdk:') ? 'DynamoDb' : 'DynamoDB';
    expect(errorNames(state)).toContain(`${prefix}.TransactionConflictException`);
  },
);
