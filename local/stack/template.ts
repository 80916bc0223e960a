/** The parts of a synthesized CloudFormation template the local stack reads. */
export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  [section: string]: unknown;
}

/** CDK's `aws:cdk:path` metadata (`PartnerReferrals/PaymentWorkflow/StateMachine/Resource`). */
export function cdkPathOf(template: CfnTemplate, logicalId: string): string | undefined {
  const path = template.Resources[logicalId]?.Metadata?.['aws:cdk:path'];
  return typeof path === 'string' ? path : undefined;
}

/** How errors name a resource: logical id and, when known, its construct path. */
export function describeResource(template: CfnTemplate, logicalId: string): string {
  const path = cdkPathOf(template, logicalId);
  return path ? `${logicalId} (${path})` : logicalId;
}

/**
 * The id of the construct a resource belongs to at the top of the stack (`PaymentWorkflow`,
 * `StripeIngestFailures`): the local stack names things by it, as a developer reads them in infra/.
 */
export function topConstructId(template: CfnTemplate, logicalId: string): string {
  const path = cdkPathOf(template, logicalId);
  const id = path?.split('/')[1];
  if (!id) {
    throw new Error(
      `Resource ${logicalId} has no aws:cdk:path metadata: synthesize with 'aws:cdk:enable-path-metadata'`,
    );
  }
  return id;
}

/** Logical ids and resources of one type, in template order. */
export function resourcesOfType(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

export const kebab = (pascal: string): string => pascal.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase();
