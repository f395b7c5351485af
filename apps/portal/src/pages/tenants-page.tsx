import { useState, type FormEvent } from 'react';
import { api, query, type Me, type Page } from '../api';
import { useLoad } from './use-load';

interface Tenant {
  id: string;
  name: string;
  createdAt: string;
}

export function TenantsPage({ me }: { me: Me }) {
  const [q, setQ] = useState('');
  const { data, error, reload } = useLoad(() => api<Page<Tenant>>('GET', `/tenants${query({ q, limit: 100 })}`), [q]);
  const [name, setName] = useState('');
  const [message, setMessage] = useState<string>();
  const [formError, setFormError] = useState<string>();

  const create = async (e: FormEvent) => {
    e.preventDefault();
    setFormError(undefined);
    try {
      const t = await api<Tenant>('POST', '/tenants', { name });
      setMessage(`Tenant ${t.name} added.`);
      setName('');
      await reload();
    } catch (err) {
      setFormError(err instanceof Error ? err.message : 'Could not add the tenant');
    }
  };

  return (
    <section aria-labelledby="tenants-title">
      <h1 id="tenants-title">Tenants</h1>
      {me.permissions.includes('tenants.create') && (
        <form className="inline" onSubmit={create} aria-labelledby="add-tenant">
          <h2 id="add-tenant">Add a tenant</h2>
          <label htmlFor="tenant-name">Name</label>
          <input id="tenant-name" required maxLength={120} value={name} onChange={(e) => setName(e.target.value)} />
          <button type="submit">Add tenant</button>
          {formError && <p role="alert" className="error">{formError}</p>}
        </form>
      )}
      <p role="status" className="status">{message}</p>
      <label htmlFor="tenant-search">Search</label>
      <input id="tenant-search" type="search" value={q} onChange={(e) => setQ(e.target.value)} />
      {error && <p role="alert" className="error">{error}</p>}
      {data && data.items.length === 0 && <p className="empty">No tenants{q ? ' match' : ' yet'}.</p>}
      {data && data.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>{data.total} tenants</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">Added</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td><code>{t.id}</code></td>
                  <td><time dateTime={t.createdAt}>{new Date(t.createdAt).toLocaleDateString()}</time></td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
