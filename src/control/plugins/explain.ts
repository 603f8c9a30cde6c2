/**
 * "Why is this blocked?": the decision for a name, address or URL over the policy in force, in words.
 * An address is also given its destination class (`proxy.domesticPrefixes`), as the proxy does when it
 * dials it, so class orders (`class:international`) explain themselves; a name has no class (it is not
 * a destination until resolved).
 */
import { parseAddress } from '../../core/net/address.js';
import type { DestinationClass } from '../../policy/class-target.js';
import { evaluate, type Facts } from '../../policy/evaluate.js';
import { explain } from '../../policy/explain.js';
import { createDestinationClassifier } from '../../proxy/destination-class.js';
import type { ControlPlugin } from '../context.js';
import { anyObject, closed, responses, str } from '../schemas.js';

function factsOf(q: string, classOf: (address: string) => DestinationClass | null): Facts {
  if (/^https?:\/\//i.test(q)) return { url: q };
  if (parseAddress(q)) {
    const destinationClass = classOf(q);
    return destinationClass ? { address: q, destinationClass } : { address: q };
  }
  return { domain: q };
}

/** The explain route (any signed-in role: the register of orders is public anyway). */
export const explainPlugin: ControlPlugin = async (app, ctx) => {
  const { classOf } = createDestinationClassifier(ctx.settings.domesticPrefixes ?? []);
  app.get(
    '/explain',
    {
      config: { roles: 'any' },
      schema: {
        tags: ['policy'],
        querystring: closed(
          {
            q: { type: 'string', minLength: 1, maxLength: 2048 },
            isp: { type: 'string', maxLength: 63 },
            group: { type: 'array', items: { type: 'string', maxLength: 63 }, maxItems: 20 },
          },
          ['q'],
        ),
        response: responses({
          200: closed({ decision: anyObject, explanation: str, rule: {} }, ['decision', 'explanation']),
        }),
      },
    },
    async (req) => {
      const { q, isp, group } = req.query as { q: string; isp?: string; group?: string[] };
      const policy = ctx.feed.current();
      const facts: Facts = {
        ...factsOf(q.trim(), classOf),
        time: ctx.clock(),
        ...(isp ? { isp } : {}),
        ...(group ? { groups: group } : {}),
      };
      const decision = evaluate(policy, facts);
      return {
        decision,
        explanation: explain(decision, policy),
        rule: policy.rule(decision.ruleId)?.rule ?? null,
      };
    },
  );
};
