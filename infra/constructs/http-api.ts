import { Duration, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_ADMIN_SCOPE } from '../../domain/config';

/** The scope the admin route requires; the handlers read the same value as `ADMIN_SCOPE`. */
export const ADMIN_SCOPE = DEFAULT_ADMIN_SCOPE;

export const ROUTES = {
  dashboard: '/partners/{partnerId}/dashboard',
  adminPartners: '/admin/partners',
  click: '/r/{partnerId}',
} as const;

/**
 * JSON access log lines built from HTTP API context variables. The caller's IP is left out on purpose:
 * the click endpoint is public and the project never stores raw IP addresses (the click log keeps a
 * salted hash only).
 */
export const ACCESS_LOG_FORMAT = AccessLogFormat.custom(
  JSON.stringify({
    requestId: '$context.requestId',
    requestTime: '$context.requestTime',
    routeKey: '$context.routeKey',
    status: '$context.status',
    protocol: '$context.protocol',
    responseLength: '$context.responseLength',
    responseLatency: '$context.responseLatency',
    integrationLatency: '$context.integrationLatency',
    integrationError: '$context.integrationErrorMessage',
    authorizerError: '$context.authorizer.error',
  }),
);

export interface ReferralsHttpApiProps {
  jwtIssuer: string;
  jwtAudience: string;
  dashboard: lambda.IFunction;
  admin: lambda.IFunction;
  click: lambda.IFunction;
  logRetention: logs.RetentionDays;
  /** Default route throttling of the stage (requests per second, burst). */
  rateLimit?: number;
  burstLimit?: number;
}

/**
 * The HTTP API: the partner dashboard and the admin registration behind a JWT authorizer (admin also
 * requires the admin scope), the public click endpoint, a throttled `$default` stage with JSON access logs.
 */
export class ReferralsHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly routes: Record<keyof typeof ROUTES, apigw.HttpRoute[]>;

  constructor(scope: Construct, id: string, props: ReferralsHttpApiProps) {
    super(scope, id);
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Partner referrals: dashboard, admin and click tracking',
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit: props.rateLimit ?? 100, burstLimit: props.burstLimit ?? 200 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    const authorizer = new HttpJwtAuthorizer('PartnerJwt', props.jwtIssuer, {
      jwtAudience: [props.jwtAudience],
      identitySource: ['$request.header.Authorization'],
    });
    const integrationTimeout = Duration.seconds(10);

    this.routes = {
      dashboard: this.api.addRoutes({
        path: ROUTES.dashboard,
        methods: [apigw.HttpMethod.GET],
        integration: new HttpLambdaIntegration('Dashboard', props.dashboard, { timeout: integrationTimeout }),
        authorizer,
      }),
      adminPartners: this.api.addRoutes({
        path: ROUTES.adminPartners,
        methods: [apigw.HttpMethod.POST],
        integration: new HttpLambdaIntegration('Admin', props.admin, { timeout: integrationTimeout }),
        authorizer,
        authorizationScopes: [ADMIN_SCOPE],
      }),
      click: this.api.addRoutes({
        path: ROUTES.click,
        methods: [apigw.HttpMethod.GET],
        integration: new HttpLambdaIntegration('Click', props.click, { timeout: integrationTimeout }),
      }),
    };
    ReferralsHttpApi.acknowledgePublicClickRoute(this.routes.click);
  }

  /** The click route is public by design (acknowledged on its routes only). */
  static acknowledgePublicClickRoute(routes: apigw.HttpRoute[]): void {
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'GET /r/{partnerId} is the public tracking link that anonymous visitors follow; it only counts a click ' +
          'and redirects. It is protected by stage throttling, and the click workflow rejects unknown partners.',
      });
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
