export const purchaseKeys = {
  packages: () => ['purchases', 'packages'] as const,
  detail: (id: string) => ['purchases', 'detail', id] as const,
};
