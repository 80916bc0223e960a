import { StateMachine, type StateMachineDefinition } from 'aws-local-stepfunctions';

/**
 * patches/aws-local-stepfunctions++asl-validator+3.16.0.patch: the library's validator compiles its JSON
 * schemas once per option set instead of on every StateMachine (registering the stack's workflows took
 * seconds of `npm start`). A reused validator must judge every definition as a fresh one did.
 */
const options = { validationOptions: { checkArn: true, checkPaths: true } };
const valid: StateMachineDefinition = { StartAt: 'A', States: { A: { Type: 'Pass', End: true } } };

it('still rejects a bad definition after validating good ones, and accepts good ones after it', () => {
  expect(() => new StateMachine(valid, options)).not.toThrow();
  expect(
    () => new StateMachine({ StartAt: 'A', States: { A: { Type: 'Nope', End: true } } } as never, options),
  ).toThrow();
  expect(
    () =>
      new StateMachine(
        { StartAt: 'A', States: { A: { Type: 'Pass', OutputPath: 'no-dollar', End: true } } },
        options,
      ),
  ).toThrow();
  expect(() => new StateMachine(valid, options)).not.toThrow();
});

it('keeps each option set its own: unchecked paths pass where checked ones fail', () => {
  const badPath: StateMachineDefinition = {
    StartAt: 'A',
    States: { A: { Type: 'Pass', OutputPath: 'no-dollar', End: true } },
  };
  expect(
    () => new StateMachine(badPath, { validationOptions: { checkArn: true, checkPaths: false } }),
  ).not.toThrow();
  expect(() => new StateMachine(badPath, options)).toThrow();
});
