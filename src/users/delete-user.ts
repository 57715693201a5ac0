import route from '../generated/routes/delete-user.js';
import { parseIfMatch, preconditionFailed } from '../resource/versioning.ts';
import { HttpProblem } from '../shared/problems.ts';
import { noContent } from '../route-chain/respond.ts';
import { routeHandler } from '../route-chain/route-handler.ts';
import { userStore } from './store.ts';

const users = userStore();

/** DELETE /users/{userId} (`users:admin`): the user and its email claim; `If-Match` (412). */
export const handler = routeHandler(route, async (event) => {
  const { userId } = event.pathParameters;
  const result = await users.delete(userId, {
    ifMatch: parseIfMatch(event.headers?.['if-match']),
  });
  if (result === 'not_found') throw new HttpProblem('not_found', `No user ${userId}`);
  if (result === 'precondition_failed') throw preconditionFailed();
  return noContent();
});
