/**
 * Identity: who is asking decides the scope of every decision (ISP, subscriber groups).
 */
import type { Stage } from '../exchange.js';

/**
 * The identity stage. A listener that read the IPv4 client as a number (batched UDP) hands it over
 * as `clientV4`, and the lease index takes it as it is: formatting it to text only for the index to
 * parse it back would cost more than the lookup itself (bench/lease.ts).
 */
export const identity: Stage = (x, env) => {
  const v4 = x.ctx.clientV4;
  x.identity =
    v4 !== undefined && v4 >= 0 && env.identityV4 !== undefined
      ? env.identityV4(v4)
      : env.identity(x.ctx.clientAddress);
  return false;
};
