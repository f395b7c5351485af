import { useState, type FormEvent } from 'react';
import { api, query, type Page } from '../api';
import { useLoad } from './use-load';

interface Entry {
  id: string;
  at: string;
  actorName: string;
  actorRole: string | null;
  action: string;
  tenantId: string | null;
  target: string | null;
  outcome: string;
  ip: string | null;
}

export function AuditPage() {
  const [filters, setFilters] = useState({ actor: '', action: '', tenantId: '' });
  const [applied, setApplied] = useState(filters);
  const [offset, setOffset] = useState(0);
  const limit = 50;
  const { data, error } = useLoad(() => api<Page<Entry>>('GET', `/audit${query({ ...applied, limit, offset })}`), [applied, offset]);
  const search = (e: FormEvent) => {
    e.preventDefault();
    setOffset(0);
    setApplied(filters);
  };
  const exportHref = (format: string) => `/api/v1/audit/export${query({ ...applied, format })}`;

  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit log</h1>
      <form className="filters" onSubmit={search} role="search" aria-label="Filter the audit log">
        <label htmlFor="f-actor">Actor</label>
        <input id="f-actor" value={filters.actor} onChange={(e) => setFilters({ ...filters, actor: e.target.value })} />
        <label htmlFor="f-action">Action</label>
        <input id="f-action" placeholder="tenant.*" value={filters.action} onChange={(e) => setFilters({ ...filters, action: e.target.value })} />
        <label htmlFor="f-tenant">Tenant</label>
        <input id="f-tenant" value={filters.tenantId} onChange={(e) => setFilters({ ...filters, tenantId: e.target.value })} />
        <button type="submit">Search</button>
        <a className="button" href={exportHref('csv')} download>Export CSV</a>
        <a className="button" href={exportHref('json')} download>Export JSON</a>
      </form>
      {error && <p role="alert" className="error">{error}</p>}
      {data && data.items.length === 0 && <p className="empty">No entries match.</p>}
      {data && data.items.length > 0 && (
        <>
          <div className="table-wrap">
            <table>
              <caption>{data.total} entries</caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">Tenant</th>
                  <th scope="col">Target</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">From</th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((e) => (
                  <tr key={e.id}>
                    <td><time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time></td>
                    <td>{e.actorName}</td>
                    <td><code>{e.action}</code></td>
                    <td>{e.tenantId ?? '—'}</td>
                    <td>{e.target ?? '—'}</td>
                    <td>{e.outcome}</td>
                    <td>{e.ip ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav aria-label="Pages" className="pager">
            <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - limit))}>Previous</button>
            <span>{offset + 1}–{Math.min(offset + limit, data.total)} of {data.total}</span>
            <button type="button" disabled={offset + limit >= data.total} onClick={() => setOffset(offset + limit)}>Next</button>
          </nav>
        </>
      )}
    </section>
  );
}
