import { TABLE_NAMES } from '../domain/config';
import type { RunningLocalCloud } from './cloud';
import { localStateMachineArn, LOCAL_REGION } from './aws-names';

/** What the banner names: the running cloud's own URLs, so every hint works whatever ports were chosen. */
export type BannerFacts = Pick<
  RunningLocalCloud,
  'endpointUrl' | 'apiUrl' | 'dynamoDbEndpoint' | 'buses' | 'stateMachines' | 'schedules'
> & {
  model: {
    routes: readonly { routeKey: string }[];
    apiDestinations?: readonly { endpoint: string; connectionHeaders: Readonly<Record<string, string>> }[];
  };
};

/**
 * `npm start`'s banner: endpoints, buses, machines, where data lives, and copy-paste hints (the AWS CLI, a
 * partner's dashboard with a token, a reconciliation run), each aimed at this cloud's endpoints.
 */
export function startBanner(
  cloud: BannerFacts,
  { dataDir, entriesFile }: { dataDir: string | undefined; entriesFile: string },
): string {
  const e = cloud.endpointUrl;
  return [
    '',
    'partner-referrals is running locally (Ctrl-C to stop).',
    `  AWS endpoint    ${e}   Step Functions, EventBridge and DynamoDB for the AWS CLI and SDKs`,
    `  DynamoDB Local  ${cloud.dynamoDbEndpoint}`,
    `  HTTP API        ${cloud.apiUrl}   ${cloud.model.routes.map((r) => r.routeKey).join(', ')}`,
    `  Partner portal  ${cloud.apiUrl}/portal/   sign in with a token from npm run token -- <partnerId>`,
    `  Ops console     ${e}/console/   executions (graph, history, Stop, Redrive), dead letters and parked facts, partners' drift`,
    `  Event buses     ${cloud.buses.map((b) => b.name).join(', ')}`,
    `  State machines  ${cloud.stateMachines.join(', ')}`,
    `  Schedules       ${cloud.schedules.join('; ')}`,
    ...(cloud.model.apiDestinations ?? []).map(
      (d) =>
        `  Webhooks        POST ${d.endpoint}   every commission and payout event, with ${Object.keys(d.connectionHeaders).join(', ')} and webhook-id, webhook-timestamp, webhook-signature`,
    ),
    `  Data            ${dataDir ?? 'in memory (--in-memory): nothing is kept'}`,
    '',
    'Send a Stripe payment (recorded by its Express attempt on payment-express; only a failed attempt starts',
    'a Standard `payment` execution, listed with its history):',
    `  export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_DEFAULT_REGION=${LOCAL_REGION}`,
    `  aws --endpoint-url ${e} events put-events --entries file://${entriesFile}`,
    `  aws --endpoint-url ${e} stepfunctions list-executions --state-machine-arn ${localStateMachineArn('payment')}`,
    `  aws --endpoint-url ${e} dynamodb get-item --table-name ${TABLE_NAMES.stats} --key '{"partnerId":{"S":"indie-hacker"}}'`,
    '',
    'A dashboard with a partner token:',
    `  curl -H "authorization: Bearer $(npm run -s token -- indie-hacker)" ${cloud.apiUrl}/partners/indie-hacker/dashboard`,
    `Reconcile now: npm run reconcile -- --endpoint-url ${e}`,
    '',
  ].join('\n');
}
