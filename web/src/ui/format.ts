const number = new Intl.NumberFormat();

export function credits(amount: number): string {
  return `${number.format(amount)} ${Math.abs(amount) === 1 ? 'credit' : 'credits'}`;
}

export function signed(amount: number): string {
  return amount > 0 ? `+${number.format(amount)}` : amount < 0 ? `−${number.format(-amount)}` : '0';
}

export function dateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

export function date(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' });
}

export function money(cents: number, currency: string): string {
  return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
}

export function percent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined) return '—';
  return new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 }).format(ratio);
}

const ENTRY_LABELS: Record<string, string> = {
  grant: 'Grant',
  reservation: 'Hold',
  capture: 'Spent',
  release: 'Hold released',
  expiration: 'Expired',
  adjustment: 'Adjustment',
  transfer_in: 'Gift received',
  transfer_out: 'Gift sent',
};

export function entryLabel(type: string): string {
  return ENTRY_LABELS[type] ?? type.replace(/_/g, ' ');
}
