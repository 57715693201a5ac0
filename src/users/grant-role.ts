import type { Caller } from '../shared/context-codec.ts';
import { insufficientScope } from '../shared/problems.ts';
import type { Role } from './store.ts';

// Deleting a user takes users:admin. Making a user an admin, changing anyone's role, or changing
// an admin account at all must not take less: a users:write token could otherwise promote its
// own account, or take over an admin's account by changing its email, then do what an admin may.
export const ADMIN_SCOPE = 'users:admin';

export const mayManageAdmins = (caller: Caller): boolean => caller.scopes.has(ADMIN_SCOPE);

/** 403 insufficient_scope naming users:admin. */
export const adminScopeRequired = () => insufficientScope([ADMIN_SCOPE], [ADMIN_SCOPE]);

/** Refuses (403) a create that grants the admin role without users:admin. */
export function assertMayGrantRole(role: Role | undefined, caller: Caller): void {
  if (role === 'admin' && !mayManageAdmins(caller)) throw adminScopeRequired();
}

/** Refuses (403) an update that sets a role, up, down or the same, without users:admin. */
export function assertMayChangeRole(role: Role | undefined, caller: Caller): void {
  if (role !== undefined && !mayManageAdmins(caller)) throw adminScopeRequired();
}
