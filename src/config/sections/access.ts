/** The `access` section: lawful access (warrants) — the crime catalogue, bounds and deadlines. */
import { arr, duration, int, obj, str } from '../dsl.js';

/** Serious crimes for which records may be requested, by default (configurable per jurisdiction). */
export const DEFAULT_CRIME_CATEGORIES = [
  'terrorism',
  'child-sexual-abuse',
  'homicide',
  'kidnapping',
  'human-trafficking',
  'drug-trafficking',
  'organised-crime',
  'arms-trafficking',
  'serious-fraud',
  'money-laundering',
  'cybercrime-critical-infrastructure',
] as const;

/** The `access` section of the schema. */
export const accessSection = obj(
  {
    crimeCategories: arr(
      str({
        pattern: /^[a-z0-9][a-z0-9-]{0,62}$/,
        format: 'category id (lowercase letters, digits, hyphens)',
      }),
      {
        default: [...DEFAULT_CRIME_CATEGORIES],
        doc: 'The catalogue of serious crimes a warrant may cite; any other category is refused.',
      },
    ),
    maxWindow: duration({
      default: '90d',
      min: '1m',
      max: '3650d',
      doc: 'Longest time window one warrant may cover.',
    }),
    urgentReviewHours: int({
      default: 24,
      min: 1,
      max: 720,
      doc: 'An urgent warrant executed before approval must be reviewed within this many hours, or its results are sealed.',
    }),
    notificationDeferralDays: int({
      default: 90,
      min: 0,
      max: 3650,
      doc: 'The person concerned is notified this many days after execution (overdue ones are listed).',
    }),
    maxResults: int({
      default: 1_000_000,
      min: 1,
      max: 100_000_000,
      doc: 'Most records one execution returns; a larger result is cut there and marked truncated.',
    }),
  },
  {
    doc: 'Lawful access: warrants for records (see docs/warrants.md).',
    check: (a) =>
      a.crimeCategories.length === 0
        ? [{ path: 'crimeCategories', message: 'must name at least one category' }]
        : [],
  },
);
