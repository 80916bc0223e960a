import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import { PartnerReferralsStack } from './partner-referrals-stack';
import { readSettings } from './settings';

const app = new App();
const stackName = (app.node.tryGetContext('stackName') as string | undefined) ?? 'PartnerReferrals';
new PartnerReferralsStack(app, stackName, {
  description: 'Partner referrals: Step Functions workflows over DynamoDB',
  settings: readSettings(app.node),
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app), new ServerlessChecks(app));
app.synth();
