import { api, type Me } from '../api';
import { useLoad } from './use-load';

interface Overview {
  tenants: { total: number; first: { id: string; name: string }[] };
  recentActivity: { id: string; at: string; actorName: string; action: string; tenantId: string | null; outcome: string }[];
  sections: { key: string; title: string; available: boolean; value?: unknown }[];
}

export function OverviewPage({ me }: { me: Me }) {
  const { data, error } = useLoad(() => api<Overview>('GET', '/overview'), []);
  return (
    <section aria-labelledby="overview-title">
      <h1 id="overview-title">Overview</h1>
      {error && <p role="alert" className="error">{error}</p>}
      {!data && !error && <p role="status">Loading…</p>}
      {data && (
        <>
          <div className="cards">
            <article className="card" aria-labelledby="card-tenants">
              <h2 id="card-tenants">Tenants</h2>
              <p className="big">{data.tenants.total}</p>
              {data.tenants.total === 0 ? (
                <p className="empty">No tenants yet.{me.permissions.includes('tenants.create') && <> <a href="#/tenants">Add the first one</a>.</>}</p>
              ) : (
                <ul>{data.tenants.first.map((t) => <li key={t.id}>{t.name}</li>)}</ul>
              )}
            </article>
            {data.sections.map((s) => (
              <article className="card" key={s.key} aria-labelledby={`card-${s.key}`}>
                <h2 id={`card-${s.key}`}>{s.title}</h2>
                {s.available ? <pre>{JSON.stringify(s.value, null, 2)}</pre> : <p className="empty">Nothing to show yet.</p>}
              </article>
            ))}
          </div>
          <h2>Recent activity</h2>
          {data.recentActivity.length === 0 ? (
            <p className="empty">No activity yet.</p>
          ) : (
            <ul className="activity">
              {data.recentActivity.map((e) => (
                <li key={e.id}>
                  <time dateTime={e.at}>{new Date(e.at).toLocaleString()}</time> {e.actorName} — {e.action}
                  {e.tenantId ? ` (${e.tenantId})` : ''} — {e.outcome}
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  );
}
