/** The shapes the REST API answers with (see /api/openapi.json); only what the console reads. */

export type Role = 'admin' | 'operator' | 'approver' | 'isp' | 'auditor';

export interface User {
  name: string;
  roles: Role[];
  isp: string | null;
  mfa: 'enrolled' | 'required' | 'none';
  mustChangePassword: boolean;
}

export type OrderStatus = 'draft' | 'pending-approval' | 'active' | 'suspended' | 'expired' | 'revoked';

export type Scope =
  | { kind: 'national' }
  | { kind: 'isps'; isps: string[] }
  | { kind: 'groups'; groups: string[] };

export type OrderAction =
  | { kind: 'block' }
  | { kind: 'throttle'; bytesPerSecond: number }
  | { kind: 'safe-search' }
  | { kind: 'allow' };

export interface Disclosure {
  infoCode: 15 | 16 | 17;
  notice: string;
  appeal: string[];
  dnsAnswer: 'nxdomain' | 'nodata' | 'refused' | 'notice';
}

export interface Hits {
  dns: number;
  http: number;
  tls: number;
}

export interface Order {
  id: number;
  title: string;
  authority: { name: string; kind: 'court' | 'independent-body' | 'regulator' | 'operator' };
  legalBasis: { instrument: string; article: string };
  decisionRef: string;
  scope: Scope;
  action: OrderAction;
  disclosure: Disclosure;
  notBefore: number;
  expiresAt: number;
  public: boolean;
  status: OrderStatus;
  createdBy: string;
  createdAt: number;
  approvedBy: string | null;
  approvedAt: number | null;
  hits?: Hits;
}

export interface MetricsSeries {
  step: number;
  series: Record<string, (number | null)[]>;
  perIsp: Record<string, { queries?: (number | null)[]; blocked?: (number | null)[] }>;
}

export interface ListInfo {
  id: number;
  name: string;
  format: string;
  [key: string]: unknown;
}

export interface Preview {
  added: string[];
  removed: string[];
  errors: { line: number; message: string }[];
  stats?: Record<string, number>;
}
