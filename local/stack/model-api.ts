import type { FunctionName } from '../../infra/workflow-manifest';
import type { TemplateReader } from './reader';

export interface LocalRoute {
  /** `GET /r/{partnerId}` */
  routeKey: string;
  functionName: FunctionName;
  authorizationType: 'NONE' | 'JWT';
  authorizationScopes: string[];
  /** The Lambda proxy event format (`2.0` for HTTP APIs unless the integration says otherwise). */
  payloadFormatVersion: '1.0' | '2.0';
}

export interface LocalJwtAuthorizer {
  issuer: string;
  audience: string[];
  identitySource: string[];
}

export interface LocalStage {
  throttlingRateLimit?: number;
  throttlingBurstLimit?: number;
  /** The stage's `RouteSettings` throttles by route key (each over the default). */
  routeThrottles?: Record<string, { rateLimit: number; burstLimit: number }>;
}

interface CfnRouteSettings {
  ThrottlingRateLimit?: number;
  ThrottlingBurstLimit?: number;
}

export interface LocalHttpApi {
  routes: LocalRoute[];
  jwtAuthorizer?: LocalJwtAuthorizer;
  stage?: LocalStage;
}

/** One HTTP API with Lambda proxy integrations and at most one JWT authorizer: what the local server runs. */
export function loadHttpApi(
  reader: TemplateReader,
  functionByArn: ReadonlyMap<string, FunctionName>,
): LocalHttpApi {
  const only = (type: string): string | undefined => {
    const ids = reader.ids(type);
    if (ids.length > 1)
      throw new Error(`The local HTTP API runs one ${type}; the template has ${ids.join(', ')}`);
    return ids[0];
  };
  only('AWS::ApiGatewayV2::Api');
  const authorizerId = only('AWS::ApiGatewayV2::Authorizer');
  const stageId = only('AWS::ApiGatewayV2::Stage');
  return {
    routes: reader
      .ids('AWS::ApiGatewayV2::Route')
      .map((id) => route(reader, id, functionByArn, authorizerId)),
    ...(authorizerId ? { jwtAuthorizer: jwtAuthorizer(reader, authorizerId) } : {}),
    ...(stageId ? { stage: stage(reader, stageId) } : {}),
  };
}

function route(
  reader: TemplateReader,
  id: string,
  functionByArn: ReadonlyMap<string, FunctionName>,
  authorizerId: string | undefined,
): LocalRoute {
  const target = reader.requiredString(id, 'Target');
  const integrationId = /^integrations\/(.+)$/.exec(target)?.[1];
  const integration = integrationId === undefined ? undefined : reader.template.Resources[integrationId];
  if (integrationId === undefined || integration?.Type !== 'AWS::ApiGatewayV2::Integration') {
    return reader.fail(id, 'Target', `${target} is not an integration of this template`);
  }
  const integrationType = reader.string(integrationId, 'IntegrationType');
  const uri = reader.requiredString(integrationId, 'IntegrationUri');
  const functionName = functionByArn.get(uri);
  if (integrationType !== 'AWS_PROXY' || !functionName) {
    return reader.fail(
      integrationId,
      'IntegrationUri',
      `${integrationType} ${uri} is not a Lambda proxy to a function of this template`,
    );
  }
  const authorizationType = reader.string(id, 'AuthorizationType') ?? 'NONE';
  if (authorizationType !== 'NONE' && authorizationType !== 'JWT') {
    return reader.fail(
      id,
      'AuthorizationType',
      `${authorizationType} is not supported by the local HTTP API`,
    );
  }
  if (authorizationType === 'JWT' && reader.string(id, 'AuthorizerId') !== authorizerId) {
    return reader.fail(id, 'AuthorizerId', 'is not the JWT authorizer of this template');
  }
  const scopes = reader.value(id, 'AuthorizationScopes') ?? [];
  const version = reader.string(integrationId, 'PayloadFormatVersion') ?? '2.0';
  if (version !== '1.0' && version !== '2.0')
    reader.fail(integrationId, 'PayloadFormatVersion', `unknown ${version}`);
  return {
    routeKey: reader.requiredString(id, 'RouteKey'),
    functionName,
    authorizationType,
    authorizationScopes: scopes as string[],
    payloadFormatVersion: version as '1.0' | '2.0',
  };
}

function jwtAuthorizer(reader: TemplateReader, id: string): LocalJwtAuthorizer {
  const type = reader.string(id, 'AuthorizerType');
  if (type !== 'JWT') reader.fail(id, 'AuthorizerType', `${type} authorizers are not supported locally`);
  const config = reader.value(id, 'JwtConfiguration') as { Issuer?: string; Audience?: string[] } | undefined;
  if (!config?.Issuer) return reader.fail(id, 'JwtConfiguration.Issuer', 'missing');
  return {
    issuer: config.Issuer,
    audience: config.Audience ?? [],
    identitySource: (reader.value(id, 'IdentitySource') as string[] | undefined) ?? [
      '$request.header.Authorization',
    ],
  };
}

function stage(reader: TemplateReader, id: string): LocalStage {
  const settings = reader.value(id, 'DefaultRouteSettings') as CfnRouteSettings | undefined;
  const routes = (reader.value(id, 'RouteSettings') ?? {}) as Record<string, CfnRouteSettings>;
  const routeThrottles = Object.fromEntries(
    Object.entries(routes).flatMap(([routeKey, r]) =>
      r.ThrottlingRateLimit === undefined
        ? []
        : [[routeKey, { rateLimit: r.ThrottlingRateLimit, burstLimit: r.ThrottlingBurstLimit ?? 1 }]],
    ),
  );
  return {
    ...(settings?.ThrottlingRateLimit !== undefined
      ? { throttlingRateLimit: settings.ThrottlingRateLimit }
      : {}),
    ...(settings?.ThrottlingBurstLimit !== undefined
      ? { throttlingBurstLimit: settings.ThrottlingBurstLimit }
      : {}),
    ...(Object.keys(routeThrottles).length ? { routeThrottles } : {}),
  };
}
