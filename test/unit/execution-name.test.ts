import { executionNameFor } from '../../domain/execution-name';

describe('executionNameFor', () => {
  it('keeps a short, safe id as is', () => {
    expect(executionNameFor('payment', 'in_1Pgc6tB7WZ01zgkWu9fdqL6I')).toBe(
      'payment-in_1Pgc6tB7WZ01zgkWu9fdqL6I',
    );
  });

  it('replaces unsafe characters and appends a hash, so distinct ids stay distinct', () => {
    // Act
    const dotted = executionNameFor('signup', 'a.b');
    const underscored = executionNameFor('signup', 'a_b');

    // Assess
    expect(dotted).toMatch(/^signup-a_b-[0-9a-f]{16}$/);
    expect(underscored).toBe('signup-a_b');
    expect(dotted).not.toBe(underscored);
  });

  it('fits long ids in 80 characters of [A-Za-z0-9_-], deterministically', () => {
    // Prepare
    const id = `${'é'.repeat(50)}${'x'.repeat(200)}`;

    // Act
    const name = executionNameFor('cancellation', id);

    // Assess
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(executionNameFor('cancellation', id)).toBe(name);
    expect(executionNameFor('cancellation', `${id}y`)).not.toBe(name);
  });
});
