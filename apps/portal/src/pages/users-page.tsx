import { useState, type FormEvent } from 'react';
import { api, query, type Me, type Page, type Role } from '../api';
import { useLoad } from './use-load';

interface User {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  tenantId: string | null;
  assignedTenantIds: string[];
  disabled: boolean;
  totpEnabled: boolean;
}

const ROLE_LABELS: Record<Role, string> = {
  msp_admin: 'MSP administrator',
  msp_technician: 'MSP technician',
  customer_admin: 'Customer administrator',
  customer_operator: 'Customer operator',
  auditor: 'Auditor (read only)',
};

export function UsersPage({ me }: { me: Me }) {
  const { data, error, reload } = useLoad(() => api<Page<User>>('GET', `/users${query({ limit: 200 })}`), []);
  const tenants = useLoad(() => api<Page<{ id: string; name: string }>>('GET', '/tenants?limit=200'), []);
  const canManage = me.permissions.includes('users.manage');
  const isMspAdmin = me.role === 'msp_admin';
  const roles = (Object.keys(ROLE_LABELS) as Role[]).filter((r) => isMspAdmin || !r.startsWith('msp_'));
  const [form, setForm] = useState({ email: '', password: '', role: roles[roles.length - 1] as Role, tenantId: me.tenantId ?? '' });
  const [formError, setFormError] = useState<string>();
  const [message, setMessage] = useState<string>();
  const needsTenant = form.role === 'customer_admin' || form.role === 'customer_operator';

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    try {
      const body: Record<string, unknown> = { email: form.email, password: form.password, role: form.role };
      if (needsTenant || (form.role === 'auditor' && form.tenantId)) body.tenantId = form.tenantId;
      const u = await api<User>('POST', '/users', body);
      setMessage(`User ${u.email} created.`);
      setForm({ ...form, email: '', password: '' });
      await reload();
    } catch (err) {
      setFormError(err instanceof Error ? err.message : 'Could not create the user');
    }
  };

  return (
    <section aria-labelledby="users-title">
      <h1 id="users-title">Users and roles</h1>
      {canManage && (
        <form className="inline" onSubmit={create} aria-labelledby="add-user">
          <h2 id="add-user">Add a user</h2>
          <label htmlFor="user-email">Email</label>
          <input id="user-email" type="email" required value={form.email} onChange={(e) => setForm({ ...form, email: e.target.value })} />
          <label htmlFor="user-password">Initial password</label>
          <input
            id="user-password"
            type="password"
            autoComplete="new-password"
            required
            minLength={12}
            aria-describedby="pw-help"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.target.value })}
          />
          <span id="pw-help" className="help">At least 12 characters.</span>
          <label htmlFor="user-role">Role</label>
          <select id="user-role" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as Role })}>
            {roles.map((r) => (
              <option key={r} value={r}>{ROLE_LABELS[r]}</option>
            ))}
          </select>
          {(needsTenant || form.role === 'auditor') && isMspAdmin && (
            <>
              <label htmlFor="user-tenant">Tenant{form.role === 'auditor' ? ' (empty: all tenants)' : ''}</label>
              <select id="user-tenant" value={form.tenantId} required={needsTenant} onChange={(e) => setForm({ ...form, tenantId: e.target.value })}>
                <option value="">{needsTenant ? 'Choose a tenant' : 'All tenants'}</option>
                {tenants.data?.items.map((t) => (
                  <option key={t.id} value={t.id}>{t.name}</option>
                ))}
              </select>
            </>
          )}
          <button type="submit">Add user</button>
          {formError && <p role="alert" className="error">{formError}</p>}
        </form>
      )}
      <p role="status" className="status">{message}</p>
      {error && <p role="alert" className="error">{error}</p>}
      {data && data.items.length === 0 && <p className="empty">No users yet.</p>}
      {data && data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>{data.total} users</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Tenant</th>
                <th scope="col">Two-factor</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((u) => (
                <tr key={u.id}>
                  <td>{u.email}</td>
                  <td>{ROLE_LABELS[u.role]}</td>
                  <td>{u.tenantId ?? (u.assignedTenantIds.length ? u.assignedTenantIds.join(', ') : 'MSP')}</td>
                  <td>{u.totpEnabled ? 'On' : 'Off'}</td>
                  <td>{u.disabled ? 'Disabled' : 'Active'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
