import { useCallback, useEffect, useState } from 'react';
import { api, setCsrfToken, type Me } from './api';
import { PORTAL_PAGES, type PortalPage } from './pages/registry';
import { SignInPage } from './pages/sign-in-page';

/** The page of the current hash (#/tenants); the first allowed page otherwise. */
function pageOf(hash: string, pages: readonly PortalPage[]): PortalPage | undefined {
  const path = hash.replace(/^#\/?/, '').split('?')[0];
  return pages.find((p) => p.path === path) ?? pages[0];
}

export function App() {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [hash, setHash] = useState(window.location.hash);

  const refresh = useCallback(async () => {
    try {
      const m = await api<Me>('GET', '/auth/me');
      setCsrfToken(m.csrfToken);
      setMe(m);
    } catch {
      setCsrfToken(undefined);
      setMe(null);
    }
  }, []);

  useEffect(() => {
    void refresh();
    const onHash = () => setHash(window.location.hash);
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [refresh]);

  if (me === undefined) return <p className="loading" role="status">Loading…</p>;
  if (me === null) return <SignInPage onSignedIn={refresh} />;

  const pages = PORTAL_PAGES.filter((p) => !p.permission || me.permissions.includes(p.permission));
  const current = pageOf(hash, pages);
  const signOut = async () => {
    await api('POST', '/auth/logout').catch(() => undefined);
    setCsrfToken(undefined);
    setMe(null);
  };

  return (
    <div className="shell">
      <a className="skip" href="#main">Skip to content</a>
      <header className="top">
        <span className="brand">Holdfast</span>
        <nav aria-label="Main">
          <ul>
            {pages.map((p) => (
              <li key={p.path}>
                <a href={`#/${p.path}`} aria-current={p === current ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div className="who">
          <span aria-label="Signed in as">{me.actor}</span> <span className="role">{me.role.replace('_', ' ')}</span>
          <button type="button" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        {current ? <current.component me={me} /> : <p>Your role has no pages yet.</p>}
      </main>
    </div>
  );
}
