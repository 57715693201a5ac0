import route from '../generated/routes/create-user.js';
import { withFaults } from '../resource/faults.ts';
import { idempotencyKey, idempotentOperation, idFor } from '../resource/idempotency.ts';
import { etagOf } from '../resource/versioning.ts';
import { json } from '../route-chain/respond.ts';
import { routeHandler } from '../route-chain/route-handler.ts';
import { assertMayGrantRole } from './grant-role.ts';
import { inSchemaOrder, userStore, usersConfig, usersDynamo, type NewUser } from './store.ts';

const users = userStore();
const OPERATION = 'POST /users';

/**
 * With an Idempotency-Key, the create runs once per (caller, key): its result is kept, and the
 * new user's id is derived from the key, so even a retry after an attempt whose answer was lost
 * finds the user that attempt made.
 */
const createOnce = idempotentOperation<NewUser, Awaited<ReturnType<typeof users.create>>>(
  (request) => users.create(request.body, request.sub, idFor(request, OPERATION)),
  {
    tableName: usersConfig().tables.idempotency,
    client: usersDynamo().client,
    operation: OPERATION,
  },
);

/**
 * POST /users (`users:write`; `role: admin` also needs `users:admin`). The schema refuses unknown
 * properties and checks formats; the store refuses a taken email (409).
 */
export const handler = routeHandler(route, async (event, caller, context) => {
  assertMayGrantRole(event.body.role, caller);
  const key = idempotencyKey(event.headers?.['idempotency-key']);
  const { user, version } = key
    ? // The idempotency records live in DynamoDB too: their faults are answered as the store's.
      await withFaults(() =>
        createOnce({ iss: caller.iss, sub: caller.sub, key, body: event.body }, context),
      )
    : await users.create(event.body, caller.sub);
  // A replayed result comes back from the idempotency record, field order lost.
  return json(201, inSchemaOrder(user), {
    Location: `/users/${user.userId}`,
    ETag: etagOf(version),
  });
});
