import { describeResource, topConstructId, type CfnTemplate } from './template';

/** Types the local stack runs (or names, for the resources they point at). */
export const RUN_TYPES: ReadonlySet<string> = new Set([
  'AWS::DynamoDB::Table',
  'AWS::StepFunctions::StateMachine',
  'AWS::Lambda::Function',
  'AWS::Lambda::EventInvokeConfig',
  'AWS::Events::EventBus',
  'AWS::Events::Rule',
  'AWS::Events::Connection',
  'AWS::Events::ApiDestination',
  'AWS::Pipes::Pipe',
  'AWS::SQS::Queue',
  'AWS::SecretsManager::Secret',
  'AWS::ApiGatewayV2::Api',
  'AWS::ApiGatewayV2::Route',
  'AWS::ApiGatewayV2::Integration',
  'AWS::ApiGatewayV2::Authorizer',
  'AWS::ApiGatewayV2::Stage',
]);

/** Types the local stack knowingly leaves out, and why. */
export const IGNORED_TYPES: Readonly<Record<string, string>> = {
  'AWS::IAM::Role': 'local calls are not authorised by IAM',
  'AWS::IAM::Policy': 'local calls are not authorised by IAM',
  'AWS::Lambda::Permission': 'resource policies are not enforced locally',
  'AWS::SQS::QueuePolicy': 'resource policies are not enforced locally',
  'AWS::Logs::LogGroup': 'local logs go to the console',
  'AWS::CloudWatch::Alarm': 'there are no metrics locally',
  'AWS::CDK::Metadata': 'CDK version reporting',
};

/**
 * Constructs at the top of the stack the local stack leaves out whole, every resource under them whatever its
 * type (matched by the start of the construct id), and why.
 */
export const IGNORED_CONSTRUCTS: Readonly<Record<string, string>> = {
  PartnerPortal:
    'the partner portal is served from dist/web/portal by the local HTTP API under /portal/, not from S3 behind CloudFront',
  'Custom::CDKBucketDeployment':
    "CDK's BucketDeployment handler (a singleton Lambda at the stack's top) copies the portal into S3 at deploy time",
};

/** The template without the resources of `IGNORED_CONSTRUCTS`. */
export function withoutIgnoredConstructs(template: CfnTemplate): CfnTemplate {
  const ignored = Object.keys(IGNORED_CONSTRUCTS);
  const resources = Object.entries(template.Resources).filter(
    ([id]) => !ignored.some((prefix) => topConstructId(template, id).startsWith(prefix)),
  );
  return { ...template, Resources: Object.fromEntries(resources) };
}

/**
 * Every resource must be of a type the local stack runs or knowingly ignores, and unconditional:
 * a new kind of resource in infra/ fails here until the local stack decides what to do with it.
 */
export function checkResourceTypes(template: CfnTemplate): void {
  const problems: string[] = [];
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (!RUN_TYPES.has(resource.Type) && IGNORED_TYPES[resource.Type] === undefined) {
      problems.push(
        `${describeResource(template, id)} has type ${resource.Type}, which the local stack does not run`,
      );
    }
    if (resource.Condition !== undefined) {
      problems.push(
        `${describeResource(template, id)} has a Condition, which the local stack does not evaluate`,
      );
    }
  }
  if (problems.length > 0) throw new Error(`Local stack: ${problems.join('; ')}`);
}
