import { Link } from 'react-router';
import { Page } from '../../ui/Page';
import { useSession } from '../auth/session';
import { Campaigns } from './Campaigns';
import { Sagas } from './Sagas';
import { UserCredits } from './UserCredits';

export function AdminPage() {
  const session = useSession();
  if (session?.role !== 'admin') {
    return (
      <Page title="Not allowed" narrow>
        <section className="card stack" data-testid="admin-forbidden">
          <p>The admin pages are for administrators only, and you are signed in as a regular user.</p>
          <p>
            <Link to="/">Back to home</Link>
          </p>
        </section>
      </Page>
    );
  }
  return (
    <Page title="Admin">
      <nav className="subnav" aria-label="Admin sections">
        <a href="#admin-users">Users</a>
        <a href="#admin-campaigns">Campaigns</a>
        <a href="#admin-sagas">Sagas</a>
      </nav>
      <div className="stack-lg">
        <UserCredits />
        <Campaigns />
        <Sagas />
      </div>
    </Page>
  );
}
