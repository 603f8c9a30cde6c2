/** Every migration, in order. Append only: a released migration is never edited. */
import { initial } from './001-initial.js';
import { audit } from './002-audit.js';
import type { Migration } from './types.js';

/** The migrations this build knows, ascending by version. */
export const MIGRATIONS: readonly Migration[] = [initial, audit];
