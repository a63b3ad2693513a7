import { useEffect, type ReactNode } from 'react';

/** Every page: one h1, and the document title to match (screen readers announce it on navigation). */
export function Page({ title, children, narrow, actions }: { title: string; children: ReactNode; narrow?: boolean; actions?: ReactNode }) {
  useEffect(() => {
    document.title = `${title} · Study Credits`;
  }, [title]);
  return (
    <div className={narrow ? 'page page-narrow' : 'page'}>
      <div className="page-head">
        <h1>{title}</h1>
        {actions}
      </div>
      {children}
    </div>
  );
}
