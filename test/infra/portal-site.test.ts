import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { portalConfigOf } from '../../web/portal/config';
import { onlyResource, resourcesOf, synth, type Synth } from './synth';

/**
 * The partner portal's hosting: a private bucket behind CloudFront, the built app and its config.json copied
 * under /portal/, and the HTTP API open to the distribution's origin only. One synth with the OIDC context keys set.
 */
let s: Synth;
beforeAll(() => {
  s = synth(
    {
      jwtIssuer: 'https://id.example.org/',
      jwtAudience: 'partner-referrals',
      portalOidcClientId: 'portal-client',
      portalOidcScopes: 'openid email',
    },
    false,
  );
});

test('the bucket is private, encrypted and refuses plain HTTP', () => {
  const bucket = onlyResource(s.template, 'AWS::S3::Bucket', 'PartnerPortalAssets');
  expect(bucket.props).toMatchObject({
    PublicAccessBlockConfiguration: {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    },
    BucketEncryption: {
      ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
    },
  });
  const policy = onlyResource(s.template, 'AWS::S3::BucketPolicy', 'PartnerPortalAssetsPolicy');
  const statements = (policy.props.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
  expect(statements).toContainEqual(
    expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
  );
  // Only CloudFront (this distribution, through origin access control) may read it
  expect(statements).toContainEqual(
    expect.objectContaining({
      Effect: 'Allow',
      Principal: { Service: 'cloudfront.amazonaws.com' },
      Action: 's3:GetObject',
    }),
  );
});

test('CloudFront serves it over HTTPS with origin access control, security headers and the SPA fallback', () => {
  const { props } = onlyResource(s.template, 'AWS::CloudFront::Distribution', 'PartnerPortalDistribution');
  const config = props.DistributionConfig as Record<string, unknown>;
  expect(config).toMatchObject({
    DefaultRootObject: 'portal/index.html',
    DefaultCacheBehavior: { ViewerProtocolPolicy: 'redirect-to-https', Compress: true },
    CustomErrorResponses: [
      { ErrorCode: 403, ResponseCode: 200, ResponsePagePath: '/portal/index.html' },
      { ErrorCode: 404, ResponseCode: 200, ResponsePagePath: '/portal/index.html' },
    ],
  });
  const origins = config.Origins as {
    OriginAccessControlId?: unknown;
    S3OriginConfig?: { OriginAccessIdentity?: string };
  }[];
  expect(origins).toHaveLength(1);
  expect(origins[0]?.OriginAccessControlId).toBeDefined();
  expect(origins[0]?.S3OriginConfig?.OriginAccessIdentity ?? '').toBe('');
  const headers = onlyResource(
    s.template,
    'AWS::CloudFront::ResponseHeadersPolicy',
    'PartnerPortalSecurityHeaders',
  );
  expect(headers.props).toMatchObject({
    ResponseHeadersPolicyConfig: {
      SecurityHeadersConfig: {
        StrictTransportSecurity: { AccessControlMaxAgeSec: 31_536_000, IncludeSubdomains: true },
        ContentTypeOptions: { Override: true },
        FrameOptions: { FrameOption: 'DENY' },
        ContentSecurityPolicy: { ContentSecurityPolicy: expect.stringContaining("script-src 'self'") },
      },
    },
  });
});

test('the deployment copies the build and a config.json with the API URL and the OIDC settings under portal/', () => {
  const deployments = Object.values(resourcesOf(s.template, 'Custom::CDKBucketDeployment'));
  expect(deployments).toHaveLength(1);
  const props = deployments[0]?.Properties as {
    DestinationBucketKeyPrefix: string;
    SourceObjectKeys: string[];
    SourceMarkers: Record<string, unknown>[];
    DistributionPaths: string[];
  };
  expect(props.DestinationBucketKeyPrefix).toBe('portal/');
  expect(props.DistributionPaths).toEqual(['/portal/index.html', '/portal/config.json']);
  expect(props.SourceObjectKeys).toHaveLength(2);
  // The built app: its index.html and hashed assets, not the build stamp
  const assetDir = (key: string) => path.join(s.app.outdir, `asset.${key.replace(/\.zip$/, '')}`);
  const [app, configAsset] = props.SourceObjectKeys.map(assetDir) as [string, string];
  expect(readFileSync(path.join(app, 'index.html'), 'utf8')).toContain('/portal/assets/');
  expect(() => readFileSync(path.join(app, '.built'))).toThrow();
  // config.json: the API's URL is filled in at deploy time (the marker for the API's id); the portal parses it
  const text = readFileSync(path.join(configAsset, 'config.json'), 'utf8');
  const markers = props.SourceMarkers[1] ?? {};
  const apiMarker = Object.entries(markers).find(([, v]) => JSON.stringify(v).includes('HttpApi'))?.[0];
  expect(apiMarker).toBeDefined();
  expect(portalConfigOf(JSON.parse(text))).toEqual({
    apiUrl: expect.stringMatching(new RegExp(`^https://${apiMarker}\\.execute-api\\.`)),
    auth: {
      kind: 'oidc',
      issuer: 'https://id.example.org',
      clientId: 'portal-client',
      scopes: 'openid email',
      audience: 'partner-referrals',
    },
  });
});

test('the HTTP API allows the portal origin only, exposing the CSV headers', () => {
  const distribution = onlyResource(s.template, 'AWS::CloudFront::Distribution', 'PartnerPortalDistribution');
  const distributionRef = { 'Fn::GetAtt': [distribution.id, 'DomainName'] };
  const api = Object.values(resourcesOf(s.template, 'AWS::ApiGatewayV2::Api'));
  expect(api).toHaveLength(1);
  expect(api[0]?.Properties?.CorsConfiguration).toEqual({
    AllowOrigins: [{ 'Fn::Join': ['', ['https://', distributionRef]] }],
    AllowMethods: ['GET', 'POST'],
    AllowHeaders: ['authorization', 'content-type'],
    ExposeHeaders: ['link', 'content-disposition'],
    MaxAge: 3600,
  });
  s.template.hasOutput('PortalUrl', {
    Value: { 'Fn::Join': ['', ['https://', distributionRef, '/portal/']] },
  });
});
