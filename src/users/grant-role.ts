import type { Caller } from '../http/caller.ts';
import { insufficientScope } from '../http/problem.ts';
import type { Role } from './store.ts';

// Deleting a user takes users:admin; making one an admin must not take less, or a users:write
// token could promote its own account and then do everything an admin may.
const ADMIN_SCOPE = 'users:admin';

/** Refuses (403 insufficient_scope) a create or update that grants the admin role without users:admin. */
export function assertMayGrantRole(role: Role | undefined, caller: Caller): void {
  if (role === 'admin' && !caller.scopes.has(ADMIN_SCOPE))
    throw insufficientScope([ADMIN_SCOPE], [ADMIN_SCOPE]);
}
