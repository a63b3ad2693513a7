import { NavLink, Outlet, useNavigate } from 'react-router';
import { setSession, useSession } from '../features/auth/session';
import { CreditBadge } from '../features/credits/CreditBadge';
import { LowCreditBanner } from '../features/credits/LowCreditBanner';
import { NotificationBell } from '../features/notifications/NotificationBell';
import { useServerEvents } from './useServerEvents';

const LINKS = [
  { to: '/', label: 'Home', end: true },
  { to: '/generate', label: 'Generate' },
  { to: '/credits/history', label: 'History' },
  { to: '/credits/analytics', label: 'Analytics' },
  { to: '/credits/gift', label: 'Gift' },
  { to: '/premium/credits', label: 'Buy credits', end: true },
  { to: '/profile', label: 'Profile' },
];

function initials(userId: string): string {
  const letters = userId.replace(/[^A-Za-z0-9]/g, '');
  return (letters.slice(0, 2) || '?').toUpperCase();
}

export function Layout() {
  const session = useSession();
  const navigate = useNavigate();
  useServerEvents(session?.userId ?? null);
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <div className="header-inner">
          <NavLink to="/" className="brand" end>
            <span className="brand-mark" aria-hidden="true">
              ✦
            </span>
            Study Credits
          </NavLink>
          <nav aria-label="Main" className="main-nav">
            <ul>
              {LINKS.map((link) => (
                <li key={link.to}>
                  <NavLink to={link.to} end={link.end}>
                    {link.label}
                  </NavLink>
                </li>
              ))}
              {session?.role === 'admin' && (
                <li>
                  <NavLink to="/admin">Admin</NavLink>
                </li>
              )}
            </ul>
          </nav>
          {session && (
            <div className="header-tools">
              <NotificationBell />
              <CreditBadge />
              <NavLink to="/profile" className="avatar" aria-label={`Profile of ${session.userId}`} title={session.userId}>
                <span aria-hidden="true">{initials(session.userId)}</span>
              </NavLink>
              <button
                type="button"
                className="link-button"
                onClick={() => {
                  setSession(null);
                  void navigate('/sign-in');
                }}
              >
                Sign out
              </button>
            </div>
          )}
        </div>
      </header>
      {session && <LowCreditBanner />}
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <footer className="site-footer">
        <p>Credits are spent when a generation succeeds; failed and cancelled generations are refunded.</p>
      </footer>
    </>
  );
}
