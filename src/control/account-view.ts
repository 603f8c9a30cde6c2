/** The account as the API and the console see it: roles, ISP, second-factor state; never a secret. */
import type { Account } from '../store/types.js';
import { needsMfa } from './access.js';

/** The public view of an account (`mfa`: enrolled, required before acting, or not needed). */
export function accountView(a: Account) {
  return {
    name: a.name,
    roles: [...a.roles],
    isp: a.isp,
    mfa: a.totpEnrolled ? ('enrolled' as const) : needsMfa(a) ? ('required' as const) : ('none' as const),
    mustChangePassword: a.mustChangePassword,
    createdAt: a.createdAt,
    createdBy: a.createdBy,
  };
}
