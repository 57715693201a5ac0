import route from '../generated/routes/update-user.js';
import { etagOf, parseIfMatch, preconditionFailed } from '../resource/versioning.ts';
import { HttpProblem } from '../shared/problems.ts';
import { json } from '../route-chain/respond.ts';
import { routeHandler } from '../route-chain/route-handler.ts';
import { adminScopeRequired, assertMayChangeRole, mayManageAdmins } from './grant-role.ts';
import { userStore } from './store.ts';

const users = userStore();

/**
 * PATCH /users/{userId} (`users:write`): changes the given fields (at least one). Changing a
 * role, or changing an admin account at all, also needs `users:admin`; the second is enforced by
 * the same write that makes the change, on the role stored at that moment. `If-Match` makes the
 * write conditional on the version (412); a new email must be free (409).
 */
export const handler = routeHandler(route, async (event, caller) => {
  assertMayChangeRole(event.body.role, caller);
  const { userId } = event.pathParameters;
  const result = await users.update(userId, event.body, {
    protectAdmins: !mayManageAdmins(caller),
    ifMatch: parseIfMatch(event.headers?.['if-match']),
  });
  if (result.outcome === 'not_found') throw new HttpProblem('not_found', `No user ${userId}`);
  if (result.outcome === 'protected') throw adminScopeRequired();
  if (result.outcome === 'precondition_failed') throw preconditionFailed();
  return json(200, result.user, { ETag: etagOf(result.version) });
});
