/** Every migration, in order. Append only: a released migration is never edited. */
import { initial } from './001-initial.js';
import { audit } from './002-audit.js';
import { access } from './003-access.js';
import { subscribers } from './004-subscribers.js';
import { accounts } from './005-accounts.js';
import { appeals } from './006-appeals.js';
import type { Migration } from './types.js';

/** The migrations this build knows, ascending by version. */
export const MIGRATIONS: readonly Migration[] = [initial, audit, access, subscribers, accounts, appeals];
