import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/**
 * A terminal queue that parks what could not be processed (EventBridge target DLQ, Lambda on-failure
 * destination, compensation notices): SSE-SQS encryption (EventBridge can write to it without a KMS
 * grant), TLS-only access policy, 14 days' retention, and an alarm as soon as anything lands in it.
 */
export class ParkingQueue extends Construct {
  readonly queue: sqs.Queue;
  readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: { description: string }) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.queue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'This queue is itself the terminal dead-letter store (EventBridge target DLQ, Lambda on-failure ' +
          'destination or notice queue); cdk-nag only recognises SQS redrive and Lambda DeadLetterConfig users.',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'Terminal dead-letter store: nothing consumes it automatically, so there is nothing to redrive to.',
      },
    );
    this.alarm = this.queue
      .metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) })
      .createAlarm(this, 'NotEmpty', {
        alarmDescription: `${props.description}: messages are waiting`,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
  }
}
