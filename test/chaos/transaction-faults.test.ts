import { chaosFaults } from '../../chaos/faults';
import type { FaultDecision, TaskCall } from '../../local/workflow-runtime';

/** The shapes the chaos run gives contention: AWS's, per kind of write. */

const call = (over: Partial<TaskCall>): TaskCall => ({
  workflow: 'payment',
  executionName: 'payment-in_1',
  stateName: 'WriteReferralAndLedger',
  resource: 'arn:aws:states:::aws-sdk:dynamodb:transactWriteItems',
  attempt: 1,
  parameters: { TransactItems: [{ Update: {} }, { Put: {} }, { Put: {} }] },
  ...over,
});

/** The faults a rate of 1 gives 200 executions' first attempts of one state (no outage: not a stats write). */
function faultsOf(over: Partial<TaskCall>): FaultDecision[] {
  const { injector } = chaosFaults({ seed: 7, rate: 1 });
  return Array.from({ length: 200 }, (_, i) =>
    injector(call({ ...over, executionName: `payment-in_${i}` })),
  ).filter((d): d is FaultDecision => d !== undefined && d.kind !== 'hold');
}

const REASONS = /\[([A-Za-z, ]+)\]/;

describe('chaos faults on transactions', () => {
  it('cancels a transaction with one reason per action: the contended one, None for the others', () => {
    const cancelled = faultsOf({}).filter((d) => d.error === 'DynamoDb.TransactionCanceledException');
    const reasons = cancelled.map((d) => (REASONS.exec(d.cause)?.[1] ?? '').split(', '));
    for (const r of reasons) {
      expect(r).toHaveLength(3);
      expect(r.filter((x) => x !== 'None')).toEqual([
        expect.stringMatching(/^(TransactionConflict|ThrottlingError)$/),
      ]);
    }
    const named = new Set(reasons.flat());
    expect([...named].sort()).toEqual(['None', 'ThrottlingError', 'TransactionConflict']);
    // The contended action varies.
    expect(new Set(reasons.map((r) => r.findIndex((x) => x !== 'None'))).size).toBeGreaterThan(1);
  });

  it('never gives a transaction the error names only single-item writes get', () => {
    const errors = new Set(faultsOf({}).map((d) => d.error));
    expect(errors).not.toContain('DynamoDb.ThrottlingException');
    expect(errors).not.toContain('DynamoDb.TransactionConflictException');
    expect([...errors].sort()).toEqual([
      'DynamoDb.InternalServerErrorException',
      'DynamoDb.TransactionCanceledException',
    ]);
  });

  it('keeps the single-item shapes for single-item writes', () => {
    const errors = new Set(
      faultsOf({
        stateName: 'RecordFact',
        resource: 'arn:aws:states:::dynamodb:putItem',
        parameters: {},
      }).map((d) => d.error),
    );
    expect([...errors].sort()).toEqual([
      'DynamoDB.InternalServerErrorException',
      'DynamoDB.ProvisionedThroughputExceededException',
    ]);
  });
});
