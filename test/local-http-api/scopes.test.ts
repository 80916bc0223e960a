import { meetsRouteScopes, scopesOf } from '../../local/http-api/scopes';
import { ADMIN_SCOPE } from './support';

describe('token scopes, read one way (OAuth: scope tokens separated by spaces)', () => {
  it.each([
    [{ scope: 'openid partner-referrals/admin' }, ['openid', ADMIN_SCOPE]],
    [{ scope: '  openid   profile ' }, ['openid', 'profile']],
    [{ scp: 'openid partner-referrals/admin' }, ['openid', ADMIN_SCOPE]],
    [{ scp: ['openid', ADMIN_SCOPE] }, ['openid', ADMIN_SCOPE]],
    [{ scope: 'openid', scp: [ADMIN_SCOPE] }, ['openid']],
    [{ scope: '' }, []],
    [{}, []],
  ])('%p has the scopes %p', (claims, scopes) => {
    expect(scopesOf(claims)).toEqual(scopes);
  });

  it.each([
    // A comma is part of a scope token, not a separator.
    [{ scope: `read,${ADMIN_SCOPE}` }, [`read,${ADMIN_SCOPE}`]],
    [{ scp: `read,${ADMIN_SCOPE}` }, [`read,${ADMIN_SCOPE}`]],
    // The text API Gateway hands the Lambda for a list claim is not a list of scopes.
    [{ scope: `[${ADMIN_SCOPE}]` }, [`[${ADMIN_SCOPE}]`]],
    [{ scope: `[openid ${ADMIN_SCOPE}]` }, ['[openid', `${ADMIN_SCOPE}]`]],
    // Tabs and newlines do not separate scopes either.
    [{ scope: `read\t${ADMIN_SCOPE}` }, [`read\t${ADMIN_SCOPE}`]],
  ])('%p does not carry the admin scope', (claims, scopes) => {
    expect(scopesOf(claims)).toEqual(scopes);
    expect(meetsRouteScopes(scopesOf(claims), [ADMIN_SCOPE])).toBe(false);
  });

  it('ignores values that are neither a string nor a list of strings', () => {
    expect(scopesOf({ scope: ['openid', ADMIN_SCOPE] })).toEqual([]);
    expect(scopesOf({ scope: 42 })).toEqual([]);
    expect(scopesOf({ scp: [ADMIN_SCOPE, 7, null, ''] })).toEqual([ADMIN_SCOPE]);
    expect(scopesOf({ scp: { admin: true } })).toEqual([]);
  });

  it('a route requiring scopes needs one of them; one requiring none is met by any token', () => {
    expect(meetsRouteScopes(['openid', ADMIN_SCOPE], [ADMIN_SCOPE, 'ops'])).toBe(true);
    expect(meetsRouteScopes(['openid'], [ADMIN_SCOPE, 'ops'])).toBe(false);
    expect(meetsRouteScopes([], [])).toBe(true);
    expect(meetsRouteScopes(['openid'], [])).toBe(true);
  });
});
