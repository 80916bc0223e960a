import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct, type IConstruct } from 'constructs';
import { webDistOf } from '../../web/build';

/** What the portal's `config.json` says about sign-in in AWS (web/portal/config.ts `OidcSignIn`). */
export interface PortalOidc {
  issuer: string;
  clientId: string;
  scopes: string;
  audience: string;
}

export interface PortalSiteProps {
  /** The built portal (default `dist/web/portal`, which `npm install` and `npm run build:web` write). */
  distDir?: string;
  logGroup: logs.ILogGroup;
}

/** The path the portal is served under, as locally (`/portal/`): the redirect URI is the site URL plus it. */
export const PORTAL_PATH = '/portal/';

/**
 * The partner portal as static assets: a private, encrypted, SSL-only S3 bucket behind CloudFront (origin
 * access control, HTTPS only, security headers, the SPA's index.html for unknown paths), and
 * `publish(config)` copying the built app plus its `config.json` into the bucket. Two steps because the
 * HTTP API's CORS needs this distribution's origin and the config needs the API's URL.
 */
export class PortalSite extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  private readonly distDir: string;
  private readonly logGroup: logs.ILogGroup;

  constructor(scope: Construct, id: string, props: PortalSiteProps) {
    super(scope, id);
    this.distDir = props.distDir ?? webDistOf('portal');
    this.logGroup = props.logGroup;
    if (!existsSync(path.join(this.distDir, 'index.html')))
      throw new Error(
        `The partner portal is not built (${this.distDir} has no index.html): run \`npm run build:web\` (npm install's postinstall builds it)`,
      );
    this.bucket = new s3.Bucket(this, 'Assets', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Only build output: a redeploy recreates it.
      removalPolicy: RemovalPolicy.DESTROY,
      autoDeleteObjects: false,
    });
    const headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          // Scripts and styles from the site only; the API and the identity provider are fetched (connect-src).
          contentSecurityPolicy:
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self' https:; frame-ancestors 'none'; base-uri 'self'; form-action 'self' https:",
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Partner portal',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: headers,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        compress: true,
      },
      defaultRootObject: 'portal/index.html',
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      // The app routes in the browser: a path that names no object gets the app (S3 answers 403 to OAC for those).
      errorResponses: [403, 404].map((httpStatus) => ({
        httpStatus,
        responseHttpStatus: 200,
        responsePagePath: `${PORTAL_PATH}index.html`,
        ttl: Duration.seconds(0),
      })),
    });
    acknowledgeStaticSite(this.bucket, this.distribution);
  }

  /** `https://d123.cloudfront.net`: the origin the HTTP API's CORS allows. */
  get origin(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /** The portal's URL, which is also the OIDC redirect URI. */
  get url(): string {
    return `${this.origin}${PORTAL_PATH}`;
  }

  /** Copies the built app and its `config.json` (the API's URL and the OIDC settings) under `/portal/`. */
  publish(config: { apiUrl: string; oidc: PortalOidc }): s3deploy.BucketDeployment {
    const deployment = new s3deploy.BucketDeployment(this, 'Deploy', {
      destinationBucket: this.bucket,
      destinationKeyPrefix: PORTAL_PATH.slice(1),
      sources: [
        s3deploy.Source.asset(this.distDir, { exclude: ['.built'] }),
        s3deploy.Source.jsonData('config.json', {
          apiUrl: config.apiUrl,
          auth: { kind: 'oidc', ...config.oidc },
        }),
      ],
      distribution: this.distribution,
      distributionPaths: [`${PORTAL_PATH}index.html`, `${PORTAL_PATH}config.json`],
      memoryLimit: 512,
      logGroup: this.logGroup,
    });
    acknowledgeDeploymentHandler(Stack.of(this));
    return deployment;
  }
}

function acknowledge(scope: IConstruct, findings: Record<string, string>): void {
  for (const [id, reason] of Object.entries(findings)) Validations.of(scope).acknowledge({ id, reason });
}

function acknowledgeStaticSite(bucket: s3.Bucket, distribution: cloudfront.Distribution): void {
  acknowledge(bucket, {
    'AwsSolutions-S1':
      'The bucket holds only the public build output of the portal (no data, no uploads); CloudFront reads it through origin access control and every API call is in the HTTP API access logs.',
  });
  acknowledge(distribution, {
    'AwsSolutions-CFR1': 'Partners sign in from any country; the API authorizes every data request.',
    'AwsSolutions-CFR2':
      'The distribution serves static, public build files only; the data is behind the HTTP API (JWT authorizer, route throttles).',
    'AwsSolutions-CFR3':
      'Access logs of static build files would record visitor IPs without adding anything the HTTP API access logs do not already show.',
    'AwsSolutions-CFR4':
      'The default *.cloudfront.net certificate accepts TLSv1 by CloudFront policy; a custom domain with its own certificate (TLSv1.2_2021) is a deployment choice.',
  });
}

/** BucketDeployment's handler is CDK's own singleton Lambda (one per stack), outside this construct. */
function acknowledgeDeploymentHandler(stack: Stack): void {
  for (const child of stack.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment')))
    acknowledge(child, {
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]':
        "CDK's BucketDeployment handler writes its logs with the basic execution role; it runs only during deployments.",
      ...Object.fromEntries(
        [
          'Action::s3:GetObject*',
          'Action::s3:GetBucket*',
          'Action::s3:List*',
          'Action::s3:DeleteObject*',
          'Action::s3:Abort*',
          'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
          'Resource::<PartnerPortalAssets1209715D.Arn>/*',
          'Resource::*',
        ].map((evidence) => [
          `AwsSolutions-IAM5[${evidence}]`,
          "CDK's BucketDeployment handler reads the asset objects from the bootstrap bucket and replaces the portal's objects (object wildcards on those two buckets only) and invalidates the distribution (CloudFront's CreateInvalidation has no resource-level permissions).",
        ]),
      ),
      'AwsSolutions-L1':
        "CDK's BucketDeployment handler pins its own Python runtime, updated with aws-cdk-lib.",
      'Serverless-LambdaDLQ':
        'A CloudFormation custom resource: CloudFormation reports a failed deployment itself.',
      'Serverless-LambdaTracing': 'A deployment-time custom resource, not part of any request path.',
      'Serverless-LambdaLatestVersion':
        "CDK's BucketDeployment handler pins its own Python runtime, updated with aws-cdk-lib.",
    });
}
