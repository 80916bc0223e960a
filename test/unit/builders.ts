import { SFNServiceException } from '@aws-sdk/client-sfn';
import {
  loadRuntimeConfig,
  stateMachineArnEnv,
  WORKFLOW_NAMES,
  type RuntimeConfig,
  type WorkflowName,
} from '../../domain/config';
import type { Commission } from '../../domain/lifecycle';
import type { Referral } from '../../domain/referral';
import { zeroCounters, type PartnerStats } from '../../domain/stats';

export const ARNS = Object.fromEntries(
  WORKFLOW_NAMES.map((wf) => [wf, `arn:aws:states:us-east-1:123456789012:stateMachine:${wf}`]),
) as Record<WorkflowName, string>;

/** The default configuration with every state machine ARN set (as the deployed Lambdas get it). */
export function testConfig(env: Record<string, string> = {}): RuntimeConfig {
  return loadRuntimeConfig({
    ...Object.fromEntries(WORKFLOW_NAMES.map((wf) => [stateMachineArnEnv(wf), ARNS[wf]])),
    CLICK_IP_SALT: 'test-salt',
    ...env,
  });
}

export function signedUpReferral(overrides: Partial<Referral> = {}): Referral {
  return {
    partnerId: 'partner_1',
    referralId: 'ref_user_1',
    referredUserId: 'user_1',
    status: 'signed_up',
    planType: 'AF',
    signedUpAt: '2026-01-10T09:00:00.000Z',
    partnerEarningsCents: 0,
    pendingCents: 0,
    approvedCents: 0,
    paidCents: 0,
    onHoldCents: 0,
    reversedCents: 0,
    revenueCents: 0,
    refundedCents: 0,
    disputeLostCents: 0,
    invoiceCount: 0,
    refundCount: 0,
    disputeCount: 0,
    ...overrides,
  };
}

export function paidReferral(overrides: Partial<Referral> = {}): Referral {
  return signedUpReferral({
    status: 'paid',
    planType: 'AFPlus',
    billingCycle: 'Monthly',
    verifiedAt: '2026-01-10T09:05:00.000Z',
    paidAt: '2026-01-15T10:00:00.000Z',
    paymentAmountCents: 2999,
    partnerEarningsCents: 750,
    pendingCents: 750,
    revenueCents: 2999,
    invoiceCount: 1,
    currency: 'usd',
    subscriptionStatus: 'active',
    ...overrides,
  });
}

export function partnerStats(overrides: Partial<PartnerStats> = {}): PartnerStats {
  return {
    partnerId: 'partner_1',
    ...zeroCounters(),
    totalClicks: 0,
    version: 0,
    registeredAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/** What Step Functions answers when it throttles a call (HTTP 400, `ThrottlingException`). */
export function sfnThrottling(): SFNServiceException {
  return new SFNServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate exceeded',
  });
}

/** A ledger row as the lifecycle fold makes it: the seed's first invoice, 750 of 2999, pending. */
export function commission(overrides: Partial<Commission> = {}): Commission {
  return {
    partnerId: 'acme',
    commissionId: 'inv#in_1',
    referredUserId: 'user_1',
    referralId: 'ref_user_1',
    type: 'invoice',
    invoiceId: 'in_1',
    billingReason: 'subscription_create',
    subscriptionId: 'sub_1',
    subscriptionMonth: 1,
    planType: 'AFPlus',
    billingCycle: 'Monthly',
    baseAmountCents: 2999,
    currency: 'usd',
    rule: '25%',
    earningsCents: 750,
    reversedCents: 0,
    netCents: 750,
    status: 'pending',
    statusReason: 'hold period',
    earnedAt: '2026-01-15T10:00:00.000Z',
    dueAt: '2026-02-14T10:00:00.000Z',
    history: [{ at: '2026-01-15T10:00:00.000Z', status: 'pending', reason: 'hold period', netCents: 750 }],
    ...overrides,
  };
}
