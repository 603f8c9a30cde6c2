/**
 * Warrants over Kysely (portable SQL; the same code runs on SQLite and PostgreSQL). Every state
 * change, and every read of results (a record access), appends its audit entry in the same
 * transaction as the change; a new acting user gets its `user.create` entry just before.
 *
 * Transitions are compare-and-set on the status read (plus `decided_at IS NULL` for decisions), so
 * of two judges deciding at once, or two executions, exactly one wins; the other gets
 * GH_ERR_WARRANT_STATE. The two-person rule is checked here, where nothing can go around it.
 */
import type { Kysely } from 'kysely';
import type {
  ExecutionDeadlines,
  ExecutionResult,
  Warrant,
  WarrantFilter,
  WarrantInput,
  WarrantMonth,
  WarrantRecord,
  WarrantRepository,
} from '../../access/types.js';
import type { AuditInput } from '../../audit/types.js';
import { GatehouseError } from '../../core/errors.js';
import { SYSTEM_ACTOR } from '../../policy/lifecycle.js';
import type { Database } from '../schema.js';
import type { SqlAudit } from './audit.js';
import { monthlyCounts, requestRow, toWarrant, type WarrantDb, type WarrantTables } from './warrant-rows.js';
import { type Acted, runWarrantAct, type WarrantTrx } from './warrant-unit.js';

type Trx = WarrantTrx;

const RESULT_ROWS_PER_INSERT = 500;

const state = (w: Warrant, act: string) =>
  new GatehouseError('GH_ERR_WARRANT_STATE', `warrant ${w.id} is ${w.status}; cannot ${act}`);
const entry = (actor: string, action: string, id: number, details: Record<string, unknown>): AuditInput => ({
  actor,
  action,
  object: `warrant/${id}`,
  details,
});

/** The warrant repository. */
export class SqlWarrants implements WarrantRepository {
  readonly #db: Kysely<WarrantDb>;
  readonly #audit: SqlAudit;
  readonly #clock: () => number;

  constructor(db: Kysely<Database>, audit: SqlAudit, clock: () => number) {
    this.#db = db.withTables<WarrantTables>();
    this.#audit = audit;
    this.#clock = clock;
  }

  #act<T>(actor: string, at: number, work: (t: Trx, by: string) => Promise<Acted<T>>): Promise<T> {
    return runWarrantAct(this.#db, this.#audit, actor, at, work);
  }

  async #requireIn(db: Kysely<WarrantDb>, id: number): Promise<Warrant> {
    const row = await db.selectFrom('warrants').selectAll().where('id', '=', id).executeTakeFirst();
    if (row === undefined) throw new GatehouseError('GH_ERR_WARRANT_NOT_FOUND', `no warrant ${id}`);
    return toWarrant(row);
  }

  request(input: WarrantInput, actor: string, at = this.#clock()): Promise<Warrant> {
    return this.#act(actor, at, async (t, by) => {
      const { id } = await t
        .insertInto('warrants')
        .values(requestRow(input, by, at))
        .returning('id')
        .executeTakeFirstOrThrow();
      const w = await this.#requireIn(t, Number(id));
      const { authority, reference, crimeCategory, from, to, urgency } = w;
      const details = { authority, reference, crimeCategory, target: w.target.kind, from, to, urgency };
      return { value: w, entries: [entry(by, 'warrant.request', w.id, details)] };
    });
  }

  async get(id: number): Promise<Warrant | undefined> {
    const row = await this.#db.selectFrom('warrants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toWarrant(row);
  }

  require(id: number): Promise<Warrant> {
    return this.#requireIn(this.#db, id);
  }

  async list(filter: WarrantFilter = {}): Promise<Warrant[]> {
    let q = this.#db.selectFrom('warrants').selectAll().orderBy('id', 'desc');
    if (filter.status !== undefined) {
      const statuses = typeof filter.status === 'string' ? [filter.status] : [...filter.status];
      if (statuses.length === 0) return [];
      q = q.where('status', 'in', statuses);
    }
    return (await q.execute()).map(toWarrant);
  }

  approve(id: number, actor: string, at: number, reason: string | null = null): Promise<Warrant> {
    return this.#act(actor, at, async (t, by) => {
      const w = await this.#requireIn(t, id);
      if (w.decision !== null || (w.status !== 'requested' && w.status !== 'executed'))
        throw state(w, 'approve');
      if (by === w.requestedBy) {
        throw new GatehouseError(
          'GH_ERR_WARRANT_SELF_APPROVAL',
          `warrant ${id}: ${by} requested it and cannot approve it`,
        );
      }
      // A review after its deadline is recorded, but the results it was meant to release stay sealed.
      const late = w.status === 'executed' && w.reviewDue !== null && at > w.reviewDue && w.sealedAt === null;
      const to = w.status === 'requested' ? 'approved' : 'executed';
      const set = {
        status: to,
        decision: 'approved',
        decided_by: by,
        decided_at: at,
        decision_reason: reason,
      };
      await this.#cas(t, w, late ? { ...set, sealed_at: at, seal_reason: 'review-overdue' } : set, 'approve');
      const details = { from: w.status, to, review: w.status === 'executed', late, reason };
      return { value: await this.#requireIn(t, id), entries: [entry(by, 'warrant.approve', id, details)] };
    });
  }

  refuse(id: number, actor: string, reason: string, at: number): Promise<Warrant> {
    const why = typeof reason === 'string' ? reason.trim() : '';
    if (why === '') {
      const issue = 'reason: a refusal must give its reason';
      return Promise.reject(
        new GatehouseError('GH_ERR_WARRANT_INVALID', `refusing warrant ${id}: ${issue}`, [issue]),
      );
    }
    return this.#act(actor, at, async (t, by) => {
      const w = await this.#requireIn(t, id);
      if (w.decision !== null || (w.status !== 'requested' && w.status !== 'executed'))
        throw state(w, 'refuse');
      // Refusing an urgent warrant that already ran seals what it found.
      const seal =
        w.status === 'executed' && w.sealedAt === null ? { sealed_at: at, seal_reason: 'refused' } : {};
      const set = {
        status: 'refused',
        decision: 'refused',
        decided_by: by,
        decided_at: at,
        decision_reason: why,
      };
      await this.#cas(t, w, { ...set, ...seal }, 'refuse');
      const details = { from: w.status, to: 'refused', review: w.status === 'executed', reason: why };
      return { value: await this.#requireIn(t, id), entries: [entry(by, 'warrant.refuse', id, details)] };
    });
  }

  execute(
    id: number,
    actor: string,
    at: number,
    result: ExecutionResult,
    due: ExecutionDeadlines,
  ): Promise<Warrant> {
    return this.#act(actor, at, async (t, by) => {
      const w = await this.#requireIn(t, id);
      const urgentFirst = w.status === 'requested' && w.urgency === 'urgent';
      if (w.status !== 'approved' && !urgentFirst) throw state(w, 'execute');
      await this.#cas(
        t,
        w,
        {
          status: 'executed',
          executed_by: by,
          executed_at: at,
          review_due: urgentFirst ? due.reviewDue : null,
          result_count: result.records.length,
          result_sha256: result.sha256,
          unlinkable_epochs: JSON.stringify(result.unlinkableEpochs),
          truncated: result.truncated ? 1 : 0,
          notify_due: due.notifyDue,
        },
        'execute',
      );
      for (let i = 0; i < result.records.length; i += RESULT_ROWS_PER_INSERT) {
        const rows = result.records.slice(i, i + RESULT_ROWS_PER_INSERT).map((r, j) => ({
          warrant_id: id,
          position: i + j,
          kind: r.kind,
          at: r.time,
          data: JSON.stringify(r.record),
        }));
        await t.insertInto('warrant_results').values(rows).execute();
      }
      const details = {
        count: result.records.length,
        sha256: result.sha256,
        unlinkableEpochs: [...result.unlinkableEpochs],
        truncated: result.truncated,
        beforeApproval: urgentFirst,
      };
      return { value: await this.#requireIn(t, id), entries: [entry(by, 'warrant.execute', id, details)] };
    });
  }

  results(id: number, actor: string, at: number, purpose: string): Promise<readonly WarrantRecord[]> {
    return this.#act(actor, at, async (t, by) => {
      const w = await this.#requireIn(t, id);
      const sealed = new GatehouseError('GH_ERR_WARRANT_SEALED', `warrant ${id}: results are sealed`);
      if (w.sealedAt !== null) return { value: sealed, entries: [] };
      if (w.executedAt === null) throw state(w, 'read results');
      if (this.#overdue(w, at)) {
        // Sealed now, and that is committed, even though this read is refused.
        await this.#cas(t, w, { sealed_at: at, seal_reason: 'review-overdue' }, 'seal');
        return {
          value: sealed,
          entries: [entry(SYSTEM_ACTOR, 'warrant.seal', id, { reason: 'review-overdue' })],
        };
      }
      const rows = await t
        .selectFrom('warrant_results')
        .select(['kind', 'at', 'data'])
        .where('warrant_id', '=', id)
        .orderBy('position')
        .execute();
      const records = rows.map((r) => ({
        kind: r.kind as 'dns',
        time: Number(r.at),
        record: JSON.parse(r.data) as Record<string, unknown>,
      }));
      const details = { count: records.length, sha256: w.resultSha256, purpose };
      return { value: records, entries: [entry(by, 'warrant.results', id, details)] };
    });
  }

  #overdue(w: Warrant, at: number): boolean {
    return w.status === 'executed' && w.decision === null && w.reviewDue !== null && at > w.reviewDue;
  }

  async sealOverdue(at: number): Promise<Warrant[]> {
    const due = await this.#db
      .selectFrom('warrants')
      .selectAll()
      .where('status', '=', 'executed')
      .where('decided_at', 'is', null)
      .where('sealed_at', 'is', null)
      .where('review_due', '<', at)
      .execute();
    const sealed: Warrant[] = [];
    for (const row of due) {
      const id = Number(row.id);
      const w = await this.#act(SYSTEM_ACTOR, at, async (t) => {
        const current = await this.#requireIn(t, id);
        if (current.sealedAt !== null || !this.#overdue(current, at)) return { value: null, entries: [] };
        await this.#cas(t, current, { sealed_at: at, seal_reason: 'review-overdue' }, 'seal');
        const e = entry(SYSTEM_ACTOR, 'warrant.seal', id, { reason: 'review-overdue' });
        return { value: await this.#requireIn(t, id), entries: [e] };
      });
      if (w !== null) sealed.push(w);
    }
    return sealed;
  }

  async pendingNotifications(overdueAt?: number): Promise<Warrant[]> {
    let q = this.#db
      .selectFrom('warrants')
      .selectAll()
      .where('executed_at', 'is not', null)
      .where('notified_at', 'is', null)
      .orderBy('notify_due')
      .orderBy('id');
    if (overdueAt !== undefined) q = q.where('notify_due', '<=', overdueAt);
    return (await q.execute()).map(toWarrant);
  }

  markNotified(id: number, actor: string, at: number, note: string | null = null): Promise<Warrant> {
    return this.#act(actor, at, async (t, by) => {
      const w = await this.#requireIn(t, id);
      if (w.executedAt === null || w.notifiedAt !== null) throw state(w, 'mark notified');
      const result = await t
        .updateTable('warrants')
        .set({ notified_at: at, notified_by: by, notify_note: note })
        .where('id', '=', id)
        .where('notified_at', 'is', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) throw state(w, 'mark notified');
      const details = { due: w.notifyDue, note };
      return { value: await this.#requireIn(t, id), entries: [entry(by, 'warrant.notified', id, details)] };
    });
  }

  async stats(): Promise<WarrantMonth[]> {
    const rows = await this.#db
      .selectFrom('warrants')
      .select(['requested_at', 'decision', 'decided_at', 'executed_at', 'notified_at'])
      .execute();
    return monthlyCounts(rows);
  }

  /** Updates `w` only if its status (and undecided state) is still what was read. */
  async #cas(t: Trx, w: Warrant, set: Record<string, unknown>, act: string): Promise<void> {
    let q = t.updateTable('warrants').set(set).where('id', '=', w.id).where('status', '=', w.status);
    if (w.decision === null) q = q.where('decided_at', 'is', null);
    const result = await q.executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) throw state(w, act);
  }
}
