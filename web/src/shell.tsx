/**
 * The signed-in layout: skip link, header with the user and sign-out, a navigation that collapses
 * behind a button on narrow screens, and the page. Focus moves to the page heading area on every
 * route change and a live region names the new page, so keyboard and screen-reader users follow.
 */
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { del } from './api';
import { ChangePassword } from './auth/change-password';
import { EnrolTotp } from './auth/enrol-totp';
import { Appeals } from './pages/appeals';
import { Audit } from './pages/audit';
import { Connections } from './pages/connections';
import { Dashboard } from './pages/dashboard';
import { Explain } from './pages/explain';
import { ListDetail } from './pages/list-detail';
import { Lists } from './pages/lists';
import { OrderDetail } from './pages/order-detail';
import { OrderForm } from './pages/order-form';
import { Orders } from './pages/orders';
import { Subscribers } from './pages/subscribers';
import { Tokens } from './pages/tokens';
import { Users } from './pages/users';
import { WarrantDetail } from './pages/warrant-detail';
import { Warrants } from './pages/warrants';
import { href, type Route, useRoute } from './route';
import type { Role, User } from './types';

interface NavItem {
  path: string;
  label: string;
  roles?: Role[];
}

const NAV: NavItem[] = [
  { path: 'dashboard', label: 'Dashboard' },
  { path: 'orders', label: 'Orders' },
  { path: 'explain', label: 'Why is this blocked?' },
  { path: 'lists', label: 'Lists' },
  { path: 'subscribers', label: 'Subscribers', roles: ['admin', 'isp'] },
  { path: 'warrants', label: 'Warrants' },
  { path: 'appeals', label: 'Appeals' },
  { path: 'audit', label: 'Audit log' },
  { path: 'connections', label: 'Live connections' },
  { path: 'users', label: 'Users', roles: ['admin'] },
  { path: 'tokens', label: 'API tokens' },
  { path: 'account', label: 'Account' },
];

function page(route: Route, user: User, onChanged: () => void): [string, ReactNode] {
  const [top = 'dashboard', id, sub] = route.parts;
  switch (top) {
    case 'orders':
      if (id === 'new') return ['New order', <OrderForm key="new" />];
      if (id) return [`Order ${id}`, <OrderDetail key={id} id={id} user={user} />];
      return ['Orders', <Orders key="orders" route={route} user={user} />];
    case 'explain':
      return ['Why is this blocked?', <Explain key="explain" route={route} />];
    case 'lists':
      if (id) return [`List ${id}`, <ListDetail key={id} id={id} />];
      return ['Lists', <Lists key="lists" />];
    case 'subscribers':
      return ['Subscribers', <Subscribers key="subs" user={user} />];
    case 'warrants':
      if (id) return [`Warrant ${id}`, <WarrantDetail key={id} id={id} sub={sub} />];
      return ['Warrants', <Warrants key="warrants" />];
    case 'appeals':
      return ['Appeals', <Appeals key="appeals" />];
    case 'audit':
      return ['Audit log', <Audit key="audit" route={route} />];
    case 'connections':
      return ['Live connections', <Connections key="conn" />];
    case 'users':
      return ['Users', <Users key="users" />];
    case 'tokens':
      return ['API tokens', <Tokens key="tokens" user={user} />];
    case 'account':
      return [
        'Account',
        <div key="account" className="stack">
          <h1>Account</h1>
          <p>
            Signed in as <strong>{user.name}</strong> ({user.roles.join(', ') || 'no roles'}
            {user.isp ? `, ISP ${user.isp}` : ''}); authenticator: {user.mfa}.
          </p>
          <ChangePassword user={user} onDone={onChanged} />
          {user.mfa !== 'enrolled' ? <EnrolTotp onDone={onChanged} /> : null}
        </div>,
      ];
    default:
      return ['Dashboard', <Dashboard key="dash" />];
  }
}

/** The layout around every signed-in page. */
export function Shell({
  user,
  onSignedOut,
  onChanged,
}: {
  user: User;
  onSignedOut: () => void;
  onChanged: () => void;
}) {
  const route = useRoute();
  const [open, setOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const [title, content] = page(route, user, onChanged);
  const top = route.parts[0] ?? 'dashboard';
  const first = useRef(true);

  useEffect(() => {
    document.title = `${title} · Gatehouse console`;
    setOpen(false);
    if (first.current) first.current = false;
    else main.current?.focus();
  }, [title]);

  const signOut = async () => {
    await del('/api/session').catch(() => undefined);
    onSignedOut();
  };
  const visible = NAV.filter((n) => !n.roles || n.roles.some((r) => user.roles.includes(r)));

  return (
    <div className="layout">
      {/* A button, not an a href="#main": the hash is the route, so the skip moves focus instead. */}
      <button type="button" className="skip" onClick={() => main.current?.focus()}>
        Skip to content
      </button>
      <header className="top">
        <a className="brand" href={href('/dashboard')}>
          Gatehouse
        </a>
        <button
          type="button"
          className="menu"
          aria-expanded={open}
          aria-controls="nav"
          onClick={() => setOpen((o) => !o)}
        >
          Menu
        </button>
        <span className="who">
          {user.name} <small>({user.roles.join(', ')})</small>
        </span>
        <button type="button" className="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <nav id="nav" aria-label="Console" className={open ? 'open' : ''}>
        <ul>
          {visible.map((n) => (
            <li key={n.path}>
              <a href={href(`/${n.path}`)} aria-current={top === n.path ? 'page' : undefined}>
                {n.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        {content}
      </main>
      <p className="sr-only" role="status" aria-live="polite">
        {title}
      </p>
    </div>
  );
}
