/**
 * The control plane's resources, one plugin each. Adding one is one file and one line here:
 * `API_PLUGINS` are mounted under /api, `ROOT_PLUGINS` at /.
 */
import type { ControlPlugin } from '../context.js';
import { appealsPlugin } from './appeals.js';
import { auditPlugin } from './audit.js';
import { connectionsPlugin, connectionsRootPlugin } from './connections.js';
import { explainPlugin } from './explain.js';
import { listsPlugin } from './lists.js';
import { nodeRootPlugin, nodesPlugin } from './nodes.js';
import { ordersPlugin } from './orders.js';
import { sessionPlugin } from './session.js';
import { subscribersPlugin } from './subscribers.js';
import { tokensPlugin } from './tokens.js';
import { usersPlugin } from './users.js';
import { warrantsPlugin } from './warrants.js';

/** Mounted under /api. */
export const API_PLUGINS: readonly ControlPlugin[] = [
  sessionPlugin,
  usersPlugin,
  tokensPlugin,
  ordersPlugin,
  listsPlugin,
  explainPlugin,
  auditPlugin,
  connectionsPlugin,
  nodesPlugin,
  warrantsPlugin,
  subscribersPlugin,
  appealsPlugin,
];

/** Mounted at the root (probes, Prometheus, the connections CLI). */
export const ROOT_PLUGINS: readonly ControlPlugin[] = [nodeRootPlugin, connectionsRootPlugin];
