import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createBrowserRouter, Link, Outlet, RouterProvider } from 'react-router';
import { isApiError } from '../api/errors';
import { RequireAuth } from '../features/auth/RequireAuth';
import { subscribeSession, getSession } from '../features/auth/session';
import { SignInPage } from '../features/auth/SignInPage';
import { HistoryPage } from '../features/credits/HistoryPage';
import { GeneratePage, GenerationPage } from '../features/generations/GeneratePage';
import { GiftPage } from '../features/gift/GiftPage';
import { HomePage } from '../features/home/HomePage';
import { ProfilePage } from '../features/profile/ProfilePage';
import { BuyCreditsPage } from '../features/purchases/BuyCreditsPage';
import { PurchaseFailurePage, PurchaseSuccessPage } from '../features/purchases/PurchaseResultPages';
import { CheckoutReturn } from '../features/subscriptions/SubscriptionSection';
import { Page } from '../ui/Page';
import { Layout } from './Layout';

export const queryClient = new QueryClient({
  defaultOptions: {
    queries: {
      staleTime: 10_000,
      // Client errors will not change on retry; network and server errors get two more tries.
      retry: (failureCount, error) => !(isApiError(error) && error.status >= 400 && error.status < 500) && failureCount < 2,
    },
  },
});

// Another user's data must never show: the whole cache goes when the signed-in user changes.
let lastUserId = getSession()?.userId ?? null;
subscribeSession(() => {
  const userId = getSession()?.userId ?? null;
  if (userId !== lastUserId) queryClient.clear();
  lastUserId = userId;
});

function NotFound() {
  return (
    <Page title="Page not found" narrow>
      <p>
        There is nothing here. <Link to="/">Go home</Link>
      </p>
    </Page>
  );
}

const router = createBrowserRouter([
  {
    element: <Layout />,
    children: [
      { path: '/sign-in', element: <SignInPage /> },
      {
        element: (
          <RequireAuth>
            <Outlet />
          </RequireAuth>
        ),
        children: [
          { path: '/', element: <HomePage /> },
          { path: '/generate', element: <GeneratePage /> },
          { path: '/generations/:id', element: <GenerationPage /> },
          { path: '/credits/history', element: <HistoryPage /> },
          // Charts (recharts) and the admin pages are loaded on demand: most visits need neither.
          { path: '/credits/analytics', lazy: async () => ({ Component: (await import('../features/analytics/AnalyticsPage')).AnalyticsPage }) },
          { path: '/credits/gift', element: <GiftPage /> },
          { path: '/premium/credits', element: <BuyCreditsPage /> },
          { path: '/premium/credits/success', element: <CheckoutReturn outcome="success" purchasePage={<PurchaseSuccessPage />} /> },
          { path: '/premium/credits/failure', element: <CheckoutReturn outcome="failure" purchasePage={<PurchaseFailurePage />} /> },
          { path: '/profile', element: <ProfilePage /> },
          { path: '/admin', lazy: async () => ({ Component: (await import('../features/admin/AdminPage')).AdminPage }) },
        ],
      },
      { path: '*', element: <NotFound /> },
    ],
  },
]);

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <RouterProvider router={router} />
    </QueryClientProvider>
  );
}
