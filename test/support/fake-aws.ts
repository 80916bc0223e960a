/**
 * A fake AWS for the functions' unit tests: it replaces `fetch` and answers the JSON-protocol calls of
 * `lambdas/commons/aws-json.ts` by `X-Amz-Target`, recording each call as it went over the wire (URL,
 * headers, parsed body). Errors are answered as AWS answers them: HTTP 400 with `__type` and `message`.
 */
export interface AwsCall {
  target: string;
  url: string;
  headers: Headers;
  body: Record<string, unknown>;
}

export type AwsReply =
  | { body: unknown }
  | { error: string; message?: string; status?: number }
  | ((call: AwsCall) => { body: unknown } | { error: string; message?: string; status?: number });

export const TEST_AWS_ENV = {
  AWS_REGION: 'eu-west-1',
  AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
} as const;

const ENDPOINT_VARIABLES = ['AWS_ENDPOINT_URL', 'AWS_ENDPOINT_URL_DYNAMODB', 'AWS_ENDPOINT_URL_SFN'] as const;

export class FakeAws {
  readonly calls: AwsCall[] = [];
  private readonly replies = new Map<string, AwsReply[]>();

  /** Answers `target` with the replies in turn; the last one keeps answering. */
  on(target: string, ...replies: AwsReply[]): this {
    this.replies.set(target, replies);
    return this;
  }

  callsTo(target: string): AwsCall[] {
    return this.calls.filter((c) => c.target === target);
  }

  reset(): void {
    this.calls.length = 0;
    this.replies.clear();
  }

  async answer(request: Request): Promise<Response> {
    const target = request.headers.get('x-amz-target') ?? '';
    const call: AwsCall = {
      target,
      url: request.url,
      headers: request.headers,
      body: JSON.parse(await request.text()) as Record<string, unknown>,
    };
    const queue = this.replies.get(target);
    const seen = this.callsTo(target).length;
    this.calls.push(call);
    const reply = queue?.[Math.min(seen, queue.length - 1)];
    if (!reply) return errorResponse('UnknownOperationException', `The fake has no reply for ${target}`, 400);
    const answer = typeof reply === 'function' ? reply(call) : reply;
    if ('error' in answer)
      return errorResponse(answer.error, answer.message ?? answer.error, answer.status ?? 400);
    return new Response(JSON.stringify(answer.body), {
      status: 200,
      headers: { 'content-type': 'application/x-amz-json-1.0' },
    });
  }
}

function errorResponse(code: string, message: string, status: number): Response {
  return new Response(JSON.stringify({ __type: `com.amazonaws.fake#${code}`, message }), {
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0' },
  });
}

/**
 * A FakeAws in place of `fetch` (for AWS calls) in every test of the calling file, with test credentials and region and no
 * endpoint variables (so calls go to AWS's regional URLs); both are restored after each test.
 */
export function useFakeAws(): FakeAws {
  const aws = new FakeAws();
  let saved: Record<string, string | undefined> = {};
  beforeEach(() => {
    aws.reset();
    saved = {};
    for (const name of [...Object.keys(TEST_AWS_ENV), ...ENDPOINT_VARIABLES]) saved[name] = process.env[name];
    Object.assign(process.env, TEST_AWS_ENV);
    for (const name of ENDPOINT_VARIABLES) delete process.env[name];
    const realFetch = globalThis.fetch;
    jest.spyOn(globalThis, 'fetch').mockImplementation((input, init) => {
      const request = new Request(input, init);
      // Only AWS calls carry a target; the test's own HTTP calls (a local API) go out for real.
      return request.headers.has('x-amz-target') ? aws.answer(request) : realFetch(request);
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
  return aws;
}
