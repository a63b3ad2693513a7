import { useEffect, useId, useRef, useState } from 'react';
import { Link } from 'react-router';
import type { AppNotification } from '../../api/types';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { dateTime } from '../../ui/format';
import { useMarkRead, useUnreadNotifications } from './api';

function textOf(notification: AppNotification): string {
  const payload = (typeof notification.payload === 'object' && notification.payload !== null ? notification.payload : {}) as Record<string, unknown>;
  const balance = typeof payload.balanceCredits === 'number' ? payload.balanceCredits : typeof payload.balance === 'number' ? payload.balance : undefined;
  if (notification.kind === 'low_credit') return `Your credits are running low${balance !== undefined ? ` (${balance} left)` : ''}.`;
  if (notification.kind === 'low_credit_resolved') return `Your credits are topped up${balance !== undefined ? ` (${balance} now)` : ''}.`;
  return typeof payload.message === 'string' ? payload.message : notification.kind.replace(/_/g, ' ');
}

/** Bell with the unread count; a disclosure listing unread notifications, each marked read on demand. */
export function NotificationBell() {
  const [open, setOpen] = useState(false);
  const unread = useUnreadNotifications();
  const markRead = useMarkRead();
  const panelId = useId();
  const wrapper = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const items = unread.data?.items ?? [];
  const count = items.length;

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (event: MouseEvent) => {
      if (wrapper.current && !wrapper.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  return (
    <div className="bell" ref={wrapper}>
      <button
        ref={button}
        type="button"
        className="icon-button"
        aria-expanded={open}
        aria-controls={panelId}
        aria-label={count > 0 ? `Notifications, ${count} unread` : 'Notifications, none unread'}
        onClick={() => setOpen((value) => !value)}
        data-testid="notification-bell"
      >
        <svg width="20" height="20" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
          <path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1l-2-2Z" />
        </svg>
        <span className={count > 0 ? 'count' : 'count count-zero'} data-testid="notification-count" aria-hidden="true">
          {count}
        </span>
      </button>
      <div id={panelId} className="bell-panel" hidden={!open} role="region" aria-label="Notifications">
        <h2 className="bell-title">Notifications</h2>
        {unread.isError && <ErrorMessage error={unread.error} />}
        {count === 0 ? (
          <p className="muted">You are all caught up.</p>
        ) : (
          <ul>
            {items.map((item) => (
              <li key={item.id} data-testid="notification-item">
                <p>{textOf(item)}</p>
                <p className="muted small">{dateTime(item.createdAt)}</p>
                <div className="row">
                  {item.kind === 'low_credit' && (
                    <Link to="/premium/credits" onClick={() => setOpen(false)}>
                      Buy credits
                    </Link>
                  )}
                  <button type="button" className="link-button" onClick={() => markRead.mutate(item.id)} disabled={markRead.isPending && markRead.variables === item.id}>
                    Mark as read
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
        <ErrorMessage error={markRead.error} />
      </div>
    </div>
  );
}
