import { App, Validations, type AppProps } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PartnerReferralsStack } from './partner-referrals-stack';
import { readSettings } from './settings';

export const DEFAULT_STACK_NAME = 'PartnerReferrals';

/**
 * The CDK app: one env-agnostic stack (no lookups, so `cdk synth` runs offline without credentials),
 * checked by the cdk-nag AwsSolutions and Serverless packs. cdk-nag 3 registers its packs as CDK policy
 * validation plugins: any unacknowledged finding, error or warning, fails synthesis and is written to
 * `cdk.out/validation-report.json`.
 */
export function createApp(props: AppProps = {}): { app: App; stack: PartnerReferralsStack } {
  const app = new App(props);
  const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? DEFAULT_STACK_NAME;
  const stack = new PartnerReferralsStack(app, stackName, {
    description: 'Partner referrals: Step Functions workflows over DynamoDB',
    settings: readSettings(app.node),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
  return { app, stack };
}

if (require.main === module) {
  createApp().app.synth();
}
