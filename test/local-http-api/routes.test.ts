import { RouteTable } from '../../local/http-api/routes';

const table = (...routeKeys: string[]) => new RouteTable(routeKeys.map((routeKey) => ({ routeKey })));
const keyOf = (t: RouteTable<{ routeKey: string }>, method: string, path: string) =>
  t.match(method, path)?.routeKey;

describe('HTTP API route selection', () => {
  it('matches literal segments and path variables, giving the decoded variables', () => {
    const t = table('GET /partners/{partnerId}/dashboard', 'POST /admin/partners');

    expect(t.match('GET', '/partners/acme%20blog/dashboard')).toEqual({
      route: { routeKey: 'GET /partners/{partnerId}/dashboard' },
      routeKey: 'GET /partners/{partnerId}/dashboard',
      pathParameters: { partnerId: 'acme blog' },
    });
    expect(t.match('POST', '/admin/partners')).toEqual({
      route: { routeKey: 'POST /admin/partners' },
      routeKey: 'POST /admin/partners',
    });
  });

  it('needs the method, the segment count and a non-empty variable to match', () => {
    const t = table('GET /r/{partnerId}');

    expect(t.match('POST', '/r/acme')).toBeUndefined();
    expect(t.match('GET', '/r/acme/extra')).toBeUndefined();
    expect(t.match('GET', '/r/')).toBeUndefined();
    expect(t.match('GET', '/r')).toBeUndefined();
  });

  it('prefers literal over variable over greedy, then a method over ANY', () => {
    const t = table('GET /files/readme', 'GET /files/{name}', 'ANY /files/{name}', 'GET /files/{path+}');

    expect(keyOf(t, 'GET', '/files/readme')).toBe('GET /files/readme');
    expect(keyOf(t, 'GET', '/files/notes')).toBe('GET /files/{name}');
    expect(keyOf(t, 'DELETE', '/files/notes')).toBe('ANY /files/{name}');
    expect(t.match('GET', '/files/a/b/c')).toMatchObject({
      routeKey: 'GET /files/{path+}',
      pathParameters: { path: 'a/b/c' },
    });
  });

  it('a greedy variable needs at least one segment', () => {
    const t = table('ANY /files/{path+}');

    expect(t.match('GET', '/files')).toBeUndefined();
    expect(t.match('GET', '/files/')).toBeUndefined();
  });

  it('sends what no route matches to $default, when there is one', () => {
    const t = table('GET /r/{partnerId}', '$default');

    expect(t.match('PUT', '/anything')).toEqual({ route: { routeKey: '$default' }, routeKey: '$default' });
    expect(t.routeKeys).toEqual(['GET /r/{partnerId}', '$default']);
  });

  it.each([
    ['GET/r', 'expected "$default" or "METHOD /path"'],
    ['FETCH /r', 'unknown method FETCH'],
    ['GET /{path+}/more', 'must be last'],
    ['GET /a{b}', 'malformed segment'],
  ])('refuses the route key %p', (routeKey, problem) => {
    expect(() => table(routeKey)).toThrow(problem);
  });

  it('refuses a route key defined twice', () => {
    expect(() => table('GET /r', 'GET /r')).toThrow('defined twice');
  });
});
