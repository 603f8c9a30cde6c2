/**
 * Identity: who is asking decides the scope of every decision (ISP, subscriber groups).
 */
import type { Stage } from '../exchange.js';

/** The identity stage. */
export const identity: Stage = (x, env) => {
  x.identity = env.identity(x.ctx.clientAddress);
  return false;
};
