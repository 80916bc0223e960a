import { Duration, Token, Validations } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULT_ADMIN_SCOPE } from '../../domain/config';
import {
  ADMIN_PATH_PREFIX,
  isAdminRouteKey,
  ROUTE_METHODS,
  ROUTES,
  type RouteName,
} from '../../domain/routes';
import { DEFAULT_SETTINGS, routeThrottlesOf, type StageThrottles } from '../settings';

/** The scope every route under `/admin/` requires; API Gateway's JWT authorizer enforces it. */
export const ADMIN_SCOPE = DEFAULT_ADMIN_SCOPE;

/**
 * Who may call a route: anyone (`public`), any valid token (`partner`: the handler then reads the partner
 * from the verified `partnerId` claim), or a valid token with the admin scope (`admin`). A path is under
 * `/admin/` if and only if its access is `admin`.
 */
export type RouteAccess = 'public' | 'partner' | 'admin';

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
  /** The CSV exports (partner and admin routes). */
  exports: lambda.IFunction;
  click: lambda.IFunction;
  logRetention: logs.RetentionDays;
  /** Browser origins allowed to call the API (CORS preflight), e.g. the partner portal's CloudFront origin. */
  corsOrigins?: string[];
  /** The stage's default route throttle and the click and dashboard routes' own; default the settings'. */
  throttles?: StageThrottles;
}

/**
 * The HTTP API: the partner's dashboard, commissions and CSV exports behind a JWT authorizer; the admin routes
 * (`/admin/…`: any partner's dashboard, partner registration, the commission list and reviews, an approval run
 * on demand, any partner's exports)
 * behind the same authorizer with the admin scope; the public click endpoint; a throttled `$default` stage
 * with JSON access logs. Routes are added only through `addRoutesFor`, which ties the `/admin/` prefix to the
 * admin scope, and a validation refuses to synthesize any route of this API under `/admin/` without it.
 */
export class ReferralsHttpApi extends Construct {
  readonly api: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly routes: Record<RouteName, apigw.HttpRoute[]>;
  private readonly authorizer: HttpJwtAuthorizer;

  constructor(scope: Construct, id: string, props: ReferralsHttpApiProps) {
    super(scope, id);
    const throttles = props.throttles ?? DEFAULT_SETTINGS.throttles;
    this.api = new apigw.HttpApi(this, 'Api', {
      description: 'Partner referrals: dashboard, admin and click tracking',
      createDefaultStage: false,
      ...(props.corsOrigins?.length
        ? {
            corsPreflight: {
              allowOrigins: props.corsOrigins,
              allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST],
              allowHeaders: ['authorization', 'content-type'],
              // The CSV pages' next link and file name.
              exposeHeaders: ['link', 'content-disposition'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.logRetention });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: throttles.default,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: ACCESS_LOG_FORMAT,
      },
    });

    this.authorizer = new HttpJwtAuthorizer('PartnerJwt', props.jwtIssuer, {
      jwtAudience: [props.jwtAudience],
      identitySource: ['$request.header.Authorization'],
    });
    const timeout = Duration.seconds(10);
    // One integration per function: the dashboard function serves the partner's reads and the admin
    // dashboard, the admin function every other admin route.
    const dashboard = new HttpLambdaIntegration('Dashboard', props.dashboard, { timeout });
    const admin = new HttpLambdaIntegration('Admin', props.admin, { timeout });
    const csv = new HttpLambdaIntegration('Exports', props.exports, { timeout });
    const route = (name: RouteName, access: RouteAccess, integration: apigw.HttpRouteIntegration) =>
      this.addRoutesFor(access, {
        path: ROUTES[name],
        methods: [apigw.HttpMethod[ROUTE_METHODS[name]]],
        integration,
      });

    this.routes = {
      dashboard: route('dashboard', 'partner', dashboard),
      commissions: route('commissions', 'partner', dashboard),
      adminDashboard: route('adminDashboard', 'admin', dashboard),
      activity: route('activity', 'partner', dashboard),
      adminActivity: route('adminActivity', 'admin', dashboard),
      adminPartners: route('adminPartners', 'admin', admin),
      adminCommissions: route('adminCommissions', 'admin', admin),
      adminApproveCommission: route('adminApproveCommission', 'admin', admin),
      adminRejectCommission: route('adminRejectCommission', 'admin', admin),
      adminApprovals: route('adminApprovals', 'admin', admin),
      payouts: route('payouts', 'partner', dashboard),
      adminPayouts: route('adminPayouts', 'admin', admin),
      adminPayoutRun: route('adminPayoutRun', 'admin', admin),
      adminPayoutProcessing: route('adminPayoutProcessing', 'admin', admin),
      adminPayoutPaid: route('adminPayoutPaid', 'admin', admin),
      adminPayoutFailed: route('adminPayoutFailed', 'admin', admin),
      adminPayoutCancel: route('adminPayoutCancel', 'admin', admin),
      exports: route('exports', 'partner', csv),
      adminExports: route('adminExports', 'admin', csv),
      click: route('click', 'public', new HttpLambdaIntegration('Click', props.click, { timeout })),
    };
    this.throttleRoutes(throttles);
    this.node.addValidation({ validate: () => this.adminRoutesWithoutScope() });
    ReferralsHttpApi.acknowledgePublicClickRoute(this.routes.click);
  }

  /**
   * The one way routes are added: the authorization follows from `access`, and the path must agree with it
   * (under `/admin/` exactly when `admin`), so an admin route cannot be added without the admin scope.
   */
  addRoutesFor(
    access: RouteAccess,
    options: { path: string; methods: apigw.HttpMethod[]; integration: apigw.HttpRouteIntegration },
  ): apigw.HttpRoute[] {
    const underAdmin = options.path.startsWith(ADMIN_PATH_PREFIX);
    if (underAdmin !== (access === 'admin'))
      throw new Error(
        underAdmin
          ? `${options.path} is under ${ADMIN_PATH_PREFIX}: add it as an admin route (admin scope required)`
          : `${options.path} is not under ${ADMIN_PATH_PREFIX}: admin routes live there, and only there`,
      );
    return this.api.addRoutes({
      ...options,
      ...(access === 'public'
        ? {}
        : access === 'partner'
          ? { authorizer: this.authorizer }
          : { authorizer: this.authorizer, authorizationScopes: [ADMIN_SCOPE] }),
    });
  }

  /**
   * Route settings per route key (HTTP API route-level throttling,
   * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html), through the L1
   * stage: the L2 `HttpStage` takes only the default route settings. API Gateway refuses route settings for a
   * route key it does not know yet ("Unable to find Route by key … within the provided RouteSettings"), so
   * the stage is created after its routes.
   */
  private throttleRoutes(throttles: StageThrottles): void {
    const settings = routeThrottlesOf(throttles);
    (this.stage.node.defaultChild as apigw.CfnStage).routeSettings = Object.fromEntries(
      Object.entries(settings).map(([routeKey, t]) => [
        routeKey,
        { ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit },
      ]),
    );
    for (const routes of Object.values(this.routes)) for (const r of routes) this.stage.node.addDependency(r);
  }

  /** This API's routes under `/admin/` that would be served without the admin scope (errors at synth). */
  private adminRoutesWithoutScope(): string[] {
    return this.node
      .findAll()
      .filter((c): c is apigw.CfnRoute => c instanceof apigw.CfnRoute)
      .filter((r) => !Token.isUnresolved(r.routeKey) && isAdminRouteKey(r.routeKey))
      .filter((r) => r.authorizationType !== 'JWT' || !(r.authorizationScopes ?? []).includes(ADMIN_SCOPE))
      .map(
        (r) => `${r.routeKey} is under ${ADMIN_PATH_PREFIX} but does not require the ${ADMIN_SCOPE} scope`,
      );
  }

  /** The click route is public by design (acknowledged on its routes only). */
  static acknowledgePublicClickRoute(routes: apigw.HttpRoute[]): void {
    for (const route of routes) {
      Validations.of(route).acknowledge({
        id: 'AwsSolutions-APIG4',
        reason:
          'GET /r/{partnerId} is the public tracking link that anonymous visitors follow; it only counts a click ' +
          'and redirects. It is protected by its own route throttle, and the click workflow rejects unknown partners.',
      });
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
