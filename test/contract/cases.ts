import type { LocalLambdas } from '../../local/workflow-runtime';

/** One recorded AWS execution to replay: which snapshot/test, which definition, how to localise the input. */
export interface ContractCase {
  snapshot: string;
  test: string;
  definition?: string;
  /** Adjusts the definition as LocalStack's test did before creating the state machine. */
  prepare?: (definition: Record<string, unknown>) => Record<string, unknown>;
  /** Which of `pythonTestLambdas` answers as `<lambda_function_name>` (default: the id function). */
  lambda?: string;
  /**
   * A difference the runtime cannot remove, pinned so the rest is still compared exactly: applied to
   * the recorded events before comparing. Listed in REPORT.md.
   */
  knownDeviation?: { reason: string; apply: (recordedJson: string) => string };
  /** Maps the recorded input's placeholders to local resources. */
  localInput?: (recorded: unknown) => unknown;
}

/** The test functions every case can call by these names. */
export const LAMBDA_PLACEHOLDERS = ['<lambda_function_name>', '<lambda_function_1_name>'];

const withTable = (table: string) => (recorded: unknown) => ({ ...(recorded as object), TableName: table });

const pythonError = (name: string, message: string): Error => Object.assign(new Error(message), { name });

/** In-process equivalents of LocalStack's Python test functions (Python-style error documents). */
export const pythonTestLambdas: LocalLambdas = {
  // id_function.py: return event
  'id-function': { runtime: 'python', handler: (event) => event },
  // raise_exception.py
  lambda_function_name: {
    runtime: 'python',
    handler: () => {
      throw pythonError('Exception', 'Some exception was raised.');
    },
  },
  'raise-exception': {
    runtime: 'python',
    handler: () => {
      throw pythonError('Exception', 'Some exception was raised.');
    },
  },
  'raise-custom-exception': {
    runtime: 'python',
    handler: () => {
      throw pythonError('CustomException', '');
    },
  },
  // return_bytes_str.py: return b'"HelloWorld!"'
  'return-bytes-str': { runtime: 'python', handler: () => Buffer.from('"HelloWorld!"') },
  // wait_60_seconds: never answers within the Task's 5 s timeout.
  'wait-forever': { runtime: 'python', handler: () => new Promise(() => undefined) },
};

const SDK = 'services__test_aws_sdk_task_service';
const SDK_ERR = 'error_handling__test_aws_sdk';
const DDB = 'services__test_dynamodb_task_service';
const DDB_ERR = 'error_handling__test_task_service_dynamodb';
const LAMBDA = 'services__test_lambda_task_service';
const LAMBDA_ERR = 'error_handling__test_task_service_lambda';

export const RECORDED_CASES: ContractCase[] = [
  // Optimized DynamoDB integration
  {
    snapshot: DDB,
    test: 'test_base_integrations[DYNAMODB_PUT_GET_ITEM]',
    definition: 'services__dynamodb_put_get_item',
  },
  {
    snapshot: DDB,
    test: 'test_base_integrations[DYNAMODB_PUT_DELETE_ITEM]',
    definition: 'services__dynamodb_put_delete_item',
  },
  {
    snapshot: DDB,
    test: 'test_base_integrations[DYNAMODB_PUT_UPDATE_GET_ITEM]',
    definition: 'services__dynamodb_put_update_get_item',
  },
  {
    snapshot: DDB,
    test: 'test_base_integrations[DYNAMODB_PUT_QUERY]',
    definition: 'services__dynamodb_put_query',
  },
  {
    snapshot: DDB,
    test: 'test_invalid_integration',
    definition: 'services__dynamodb_put_query',
    prepare: (d) => {
      // LocalStack's test renames QueryItems to Query and points it at the optimized integration.
      const states = d.States as Record<string, Record<string, unknown>>;
      const query = { ...states.QueryItems, Resource: 'arn:aws:states:::dynamodb:query' };
      delete states.QueryItems;
      states.Query = query;
      (states.PutItem as Record<string, unknown>).Next = 'Query';
      return d;
    },
  },
  {
    snapshot: DDB_ERR,
    test: 'test_put_item_no_such_table',
    definition: 'errorhandling__task_service_dynamodb_put_item',
    localInput: withTable('local-missing-table'),
  },
  {
    snapshot: DDB_ERR,
    test: 'test_put_item_invalid_table_name',
    definition: 'errorhandling__task_service_dynamodb_put_item',
    localInput: withTable('/local-test-table'),
  },
  {
    snapshot: DDB_ERR,
    test: 'test_invalid_param',
    definition: 'errorhandling__task_service_dynamodb_put_item',
    localInput: withTable('local-test-table'),
  },
  // AWS SDK DynamoDB integration
  {
    snapshot: SDK,
    test: 'test_dynamodb_put_get_item',
    definition: 'services__aws_sdk_dynamodb_put_get_item',
    localInput: withTable('local-test-table'),
  },
  {
    snapshot: SDK,
    test: 'test_dynamodb_put_delete_item',
    definition: 'services__aws_sdk_dynamodb_put_delete_item',
    localInput: withTable('local-test-table'),
  },
  {
    snapshot: SDK,
    test: 'test_dynamodb_put_update_get_item',
    definition: 'services__aws_sdk_dynamodb_put_update_get_item',
    localInput: withTable('local-test-table'),
  },
  {
    snapshot: SDK_ERR,
    test: 'test_dynamodb_invalid_param',
    definition: 'errorhandling__task_service_aws_sdk_dynamodb_put_item',
    localInput: withTable('local-test-table'),
  },
  {
    snapshot: SDK_ERR,
    test: 'test_dynamodb_put_item_no_such_table',
    definition: 'errorhandling__task_service_aws_sdk_dynamodb_put_item',
    localInput: withTable('local-missing-table'),
  },
  // Lambda invoke
  { snapshot: LAMBDA, test: 'test_invoke', definition: 'services__lambda_invoke' },
  { snapshot: LAMBDA, test: 'test_invoke_unsupported_param', definition: 'services__lambda_invoke_log_type' },
  {
    snapshot: LAMBDA,
    test: 'test_invoke_bytes_payload',
    definition: 'services__lambda_invoke',
    lambda: 'return-bytes-str',
  },
  ...['None', 'HelloWorld', '0.0', '0_0', '0_1', 'True', 'json_value5', 'json_value6', 'json_value7'].map(
    (v): ContractCase => ({
      snapshot: LAMBDA,
      test: `test_invoke_json_values[${v}]`,
      definition: 'services__lambda_invoke',
    }),
  ),
  {
    snapshot: LAMBDA_ERR,
    test: 'test_raise_exception',
    definition: 'errorhandling__task_service_lambda_invoke_catch_unknown',
    lambda: 'raise-exception',
  },
  {
    snapshot: LAMBDA_ERR,
    test: 'test_raise_custom_exception',
    definition: 'errorhandling__task_service_lambda_invoke_catch_tbd',
    prepare: (d) => {
      const states = d.States as { InvokeLambda: { Catch: { ErrorEquals: string[] }[] } };
      states.InvokeLambda.Catch[0]!.ErrorEquals = ['CustomException'];
      return d;
    },
    lambda: 'raise-custom-exception',
  },
  {
    snapshot: LAMBDA_ERR,
    test: 'test_raise_exception_catch',
    definition: 'errorhandling__task_service_lambda_invoke_catch_relevant',
    lambda: 'raise-exception',
  },
  ...[
    ['None', undefined],
    ['$.Payload', '$.Payload'],
    ['$.no.such.path', '$.no.such.path'],
  ].map(([label, outputPath]): ContractCase => ({
    snapshot: LAMBDA_ERR,
    test: `test_raise_exception_catch_output_path[${label}]`,
    definition: 'errorhandling__task_service_lambda_invoke_catch_all_output_path',
    prepare: (d) => {
      const invoke = (d.States as Record<string, Record<string, unknown>>).InvokeLambda!;
      if (outputPath === undefined) delete invoke.OutputPath;
      else invoke.OutputPath = outputPath;
      return d;
    },
  })),
  {
    snapshot: LAMBDA_ERR,
    test: 'test_no_such_function',
    definition: 'errorhandling__task_service_lambda_invoke_catch_unknown',
  },
  {
    snapshot: LAMBDA_ERR,
    test: 'test_no_such_function_catch',
    definition: 'errorhandling__task_service_lambda_invoke_catch_relevant',
  },
  {
    snapshot: LAMBDA_ERR,
    test: 'test_invoke_timeout',
    definition: 'errorhandling__task_service_lambda_invoke_catch_timeout',
    lambda: 'wait-forever',
    knownDeviation: {
      reason: 'aws-local-stepfunctions gives States.Timeout the cause "States.Timeout"; AWS gives ""',
      apply: (json) => json.replace(/"Cause":""/g, '"Cause":"States.Timeout"'),
    },
  },
];
