import { StateMachine } from 'aws-local-stepfunctions';
import { asLibraryDefinition, runnableCopy, type AslMachine } from '../../local/definition';

/** A back-off as the lifecycle ASL writes it: a Pass computes the seconds, a Wait reads them. */
const backOff = (wait: Record<string, unknown>): AslMachine => ({
  StartAt: 'BackOff',
  States: {
    BackOff: {
      Type: 'Pass',
      Parameters: { 'seconds.$': 'States.MathRandom(5, 5)' },
      ResultPath: '$.backoff',
      Next: 'WaitOut',
    },
    WaitOut: { Type: 'Wait', ...wait, Next: 'Done' },
    Done: { Type: 'Pass', End: true },
  },
});

describe('runnableCopy scales Wait states like Retry waits', () => {
  it('multiplies Seconds', () => {
    const copy = runnableCopy(backOff({ Seconds: 8 }), { retryDelayScale: 0.25 });
    expect(copy.States.WaitOut).toEqual({ Type: 'Wait', Seconds: 2, Next: 'Done' });
  });

  it('at scale 0 a SecondsPath wait goes on at once, its seconds still computed', async () => {
    // Prepare
    const copy = runnableCopy(backOff({ SecondsPath: '$.backoff.seconds' }), { retryDelayScale: 0 });
    const machine = new StateMachine(asLibraryDefinition(copy), { validationOptions: { noValidate: true } });

    // Act
    const output = await machine.run({} as never).result;

    // Assess
    expect(copy.States.WaitOut).toEqual({ Type: 'Wait', Seconds: 0, Next: 'Done' });
    expect(output).toEqual({ backoff: { seconds: 5 } });
  });

  it('leaves a wait unscaled at scale 1', () => {
    const copy = runnableCopy(backOff({ SecondsPath: '$.backoff.seconds' }), { retryDelayScale: 1 });
    expect(copy.States.WaitOut).toEqual({ Type: 'Wait', SecondsPath: '$.backoff.seconds', Next: 'Done' });
  });

  it('at another scale a SecondsPath wait becomes a Choice on its seconds, each to a scaled Seconds wait', async () => {
    // Prepare
    const copy = runnableCopy(backOff({ SecondsPath: '$.backoff.seconds' }), { retryDelayScale: 0.001 });
    const machine = new StateMachine(asLibraryDefinition(copy), { validationOptions: { noValidate: true } });

    // Act
    const run = machine.run({} as never);
    const output = await run.result;

    // Assess: the wait of 5 s ran as 5 ms, through the Choice named like the Wait
    const entered: string[] = [];
    for await (const e of run.eventLogs) if (e.type === 'StateEntered') entered.push(e.state.name);
    expect(output).toEqual({ backoff: { seconds: 5 } });
    expect(entered).toEqual(['BackOff', 'WaitOut', 'WaitOut (5 s)', 'Done']);
    expect(copy.States['WaitOut (5 s)']).toEqual({ Type: 'Wait', Seconds: 0.005, Next: 'Done' });
    expect(copy.States.WaitOut).toMatchObject({
      Type: 'Choice',
      Default: 'WaitOut (as written)',
    });
    expect(copy.States['WaitOut (as written)']).toEqual({
      Type: 'Wait',
      SecondsPath: '$.backoff.seconds',
      Next: 'Done',
    });
  });

  it('refuses to scale a timestamp wait by anything but 0', () => {
    expect(() =>
      runnableCopy(backOff({ Timestamp: '2030-01-01T00:00:00Z' }), { retryDelayScale: 0.5 }),
    ).toThrow('Wait state WaitOut: only Seconds, or SecondsPath without InputPath, can run at scale 0.5');
  });

  it('leaves the definition it was given alone', () => {
    const machine = backOff({ SecondsPath: '$.backoff.seconds' });
    runnableCopy(machine, { retryDelayScale: 0 });
    expect(machine.States.WaitOut).toEqual({ Type: 'Wait', SecondsPath: '$.backoff.seconds', Next: 'Done' });
  });
});
