/** The notice page of an order in force (`/notices/ID`), served here until the portal serves it. */
import { renderNotice } from '../../portal/notice.js';
import type { ControlPlugin } from '../context.js';
import { problem, sendProblem } from '../problem.js';

/** GET /notices/:id (public): HTML, or JSON with `Accept: application/json`. */
export const noticeFallback: ControlPlugin = async (app, ctx) => {
  app.get(
    '/notices/:id',
    {
      config: { roles: 'public' },
      schema: {
        hide: true,
        params: { type: 'object', properties: { id: { type: 'string', pattern: '^[0-9]{1,12}$' } } },
      },
    },
    async (req, reply) => {
      const id = Number((req.params as { id: string }).id);
      const order = ctx.feed.current().orders.find((o) => o.id === id && o.public);
      if (!order)
        return sendProblem(reply, problem('GH_ERR_ORDER_NOT_FOUND', `no public order ${id} is in force`));
      const json = (req.headers.accept ?? '').includes('application/json');
      const page = renderNotice(order, ctx.settings.operatorUrl, json ? 'json' : 'html');
      return reply.type(page.contentType).send(page.body);
    },
  );
};
