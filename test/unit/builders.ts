import { SFNServiceException } from '@aws-sdk/client-sfn';
import { loadRuntimeConfig, type RuntimeConfig } from '../../domain/config';
import type { Referral } from '../../domain/referral';
import { zeroCounters, type PartnerStats } from '../../domain/stats';

export const ARNS = {
  registration: 'arn:aws:states:us-east-1:123456789012:stateMachine:registration',
  click: 'arn:aws:states:us-east-1:123456789012:stateMachine:click',
  signup: 'arn:aws:states:us-east-1:123456789012:stateMachine:signup',
  verify: 'arn:aws:states:us-east-1:123456789012:stateMachine:verify',
  payment: 'arn:aws:states:us-east-1:123456789012:stateMachine:payment',
  cancellation: 'arn:aws:states:us-east-1:123456789012:stateMachine:cancellation',
  reconciliation: 'arn:aws:states:us-east-1:123456789012:stateMachine:reconciliation',
} as const;

/** The default configuration with every state machine ARN set (as the deployed Lambdas get it). */
export function testConfig(env: Record<string, string> = {}): RuntimeConfig {
  return loadRuntimeConfig({
    REGISTRATION_STATE_MACHINE_ARN: ARNS.registration,
    CLICK_STATE_MACHINE_ARN: ARNS.click,
    SIGNUP_STATE_MACHINE_ARN: ARNS.signup,
    VERIFY_STATE_MACHINE_ARN: ARNS.verify,
    PAYMENT_STATE_MACHINE_ARN: ARNS.payment,
    CANCELLATION_STATE_MACHINE_ARN: ARNS.cancellation,
    RECONCILIATION_STATE_MACHINE_ARN: ARNS.reconciliation,
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
    currency: 'usd',
    commissionStatus: 'pending',
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
