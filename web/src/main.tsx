import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { acceptHostTokens } from './features/auth/session';
import './styles.css';

// Before the first render, so a token handed in by a host app is used by the first request.
acceptHostTokens();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
