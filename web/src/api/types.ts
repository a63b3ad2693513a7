// Response and request shapes of the credits API, mirrored from the zod schemas and views in
// api/routes/*.ts (and web/CONTRACT.md for what the web app needs that is new). Fields the server
// may add later are tolerated: nothing here is exhaustive on purpose.

export type Role = 'user' | 'admin';

export interface DevSession {
  token: string;
  userId: string;
  role: Role;
  expiresAt: string;
}

export interface CreditSummary {
  userId: string;
  balance: number;
  reserved: number;
  available: number;
  lowCredit: boolean;
  lowCreditThreshold: number;
  nextExpiry: { at: string; credits: number } | null;
  runway: { generations: number | null; averageCost: number | null };
}

export type JournalEntryType = 'grant' | 'reservation' | 'capture' | 'release' | 'expiration' | 'adjustment' | 'transfer_in' | 'transfer_out';
export const JOURNAL_ENTRY_TYPES: readonly JournalEntryType[] = ['grant', 'reservation', 'capture', 'release', 'expiration', 'adjustment', 'transfer_in', 'transfer_out'];

export interface HistoryItem {
  id: string;
  type: JournalEntryType | (string & {});
  amount: number;
  availableChange: number;
  balanceAfter: number;
  availableAfter: number;
  reason: string | null;
  relatedType: string | null;
  relatedId: string | null;
  createdAt: string;
  /** New (CONTRACT.md): where a grant came from, and when its credits expire. */
  source?: string | null;
  expiresAt?: string | null;
  /** Admin history only. */
  actor?: string | null;
}

export interface HistoryPage {
  items: HistoryItem[];
  nextCursor: string | null;
}

export interface HistoryFilters {
  types?: string[];
  from?: string;
  to?: string;
}

export type GenerationType = 'flashcards' | 'quiz';
export type GenerationStatus = 'pending' | 'generating' | 'succeeded' | 'failed' | 'cancelled';
export const TERMINAL_GENERATION_STATUSES: readonly GenerationStatus[] = ['succeeded', 'failed', 'cancelled'];

export interface Flashcard {
  front: string;
  back: string;
}

export interface QuizQuestion {
  question: string;
  choices: string[];
  answerIndex: number;
}

export type GenerationResult =
  | { type: 'flashcards'; items: Flashcard[]; model?: string }
  | { type: 'quiz'; items: QuizQuestion[]; model?: string };

export interface Generation {
  id: string;
  status: GenerationStatus;
  type: GenerationType;
  requestedCount: number;
  estimatedCost: number;
  cost: number | null;
  producedCount: number | null;
  failureCode: string | null;
  reason: string | null;
  result: GenerationResult | null;
  workflowId: string;
  createdAt: string;
  completedAt: string | null;
}

export interface GenerationQuote {
  type: GenerationType;
  count: number;
  estimatedCost: number;
  available: number;
  affordable: boolean;
  minCreditsToGenerate: number;
}

export interface CreateGenerationBody {
  type: GenerationType;
  input: { text: string; count: number };
}

export interface DailyBonusClaim {
  day: string;
  streakDays: number;
  granted: number;
  requested: number;
  nextEligibleAt: string;
}

export interface Referral {
  code: string;
  referredUsers: number;
  rewardedReferrals: number;
  maxRewardedReferrals: number;
  bonusCredits: number;
}

export type NotificationKind = 'low_credit' | 'low_credit_resolved' | (string & {});

export interface AppNotification {
  id: string;
  kind: NotificationKind;
  payload: unknown;
  createdAt: string;
  readAt: string | null;
}

export interface CreditPackage {
  id: string;
  credits: number;
  priceCents: number;
  currency: string;
  bonusCredits: number;
  totalCredits: number;
  // Price per credit, bonus included, in hundredths of a cent.
  pricePerCreditMillicents: number;
  savingPercent: number;
}

export type PurchaseStatus = 'pending' | 'paid' | 'fulfilled' | 'failed' | 'expired' | 'refunded';

export interface Purchase {
  id: string;
  status: PurchaseStatus;
  packageId: string;
  credits: number;
  priceCents: number;
  currency: string;
  paymentIntentId: string | null;
  checkoutUrl: string | null;
  failureReason: string | null;
  workflowId: string;
  createdAt: string;
  paidAt: string | null;
  completedAt: string | null;
}

export interface CreatePurchaseBody {
  packageId: string;
  returnUrls: { success: string; cancel: string };
}

export interface CreateTransferBody {
  toUserId: string;
  amount: number;
  note?: string;
}

export interface Transfer {
  id: string;
  fromUserId: string;
  toUserId: string;
  amount: number;
  note: string | null;
  available: number;
}

export type AnalyticsBucket = 'day' | 'week' | 'month';

export interface CreditAnalytics {
  from: string;
  to: string;
  bucket: AnalyticsBucket;
  buckets: { start: string; spent: number; granted: number; expired: number; transferredOut: number }[];
  spendByOperation: { type: string; generations: number; spent: number }[];
  averageCostPerGeneration: number | null;
  mostExpensiveGenerations: { id: string; type: string; cost: number; producedCount: number | null; createdAt: string }[];
  refundRate: number | null;
}

export interface AdjustmentBody {
  amount: number;
  reason: string;
  expiresAt?: string;
}

export interface AdjustmentOutcome {
  userId: string;
  amount: number;
  balance: number;
  available: number;
  applied: boolean;
}

export type CampaignSegment =
  | { kind: 'all_users' }
  | { kind: 'created_between'; from: string; to: string }
  | { kind: 'below_credits'; credits: number }
  | { kind: 'user_ids'; userIds: string[] };

export type CampaignStatus = 'active' | 'paused' | 'completed' | 'deleted';

export interface Campaign {
  id: string;
  name: string;
  amount: number;
  creditsExpireAt: string | null;
  creditLifetimeDays: number | null;
  segment: CampaignSegment;
  cron: string | null;
  runAt: string | null;
  status: CampaignStatus;
  scheduleId: string;
  scheduleUrl: string;
  createdBy: string;
  createdAt: string;
}

export interface CreateCampaignBody {
  name: string;
  amount: number;
  creditsExpireAt?: string;
  creditLifetimeDays?: number;
  segment: CampaignSegment;
  cron?: string;
  runAt?: string;
}

export interface Saga {
  workflowId: string;
  runId: string;
  userId: string | null;
  status: string | null;
  executionStatus: string;
  costCredits: number | null;
  stepEnteredAt: string | null;
  secondsInStep: number | null;
  stuck: boolean;
  webUiUrl: string;
}

export interface SagaList {
  items: Saga[];
  visibilityQuery: string;
}

export interface SagaFilters {
  stuck?: boolean;
  status?: GenerationStatus;
  userId?: string;
}

export interface Items<T> {
  items: T[];
}

/** GET/PUT /users/me/auto-recharge. */
export type AutoRechargeOutcomeCode = 'succeeded' | 'capped' | 'cap_full' | 'not_needed' | 'disabled' | 'declined' | 'no_payment_method' | 'refunded' | 'provider_unavailable';

export interface AutoRecharge {
  enabled: boolean;
  thresholdCredits: number | null;
  packageId: string | null;
  targetBalanceCredits: number | null;
  savedPaymentMethod: boolean;
  disabledReason: string | null;
  lastOutcome: { code: AutoRechargeOutcomeCode; message: string; purchaseId: string | null; at: string } | null;
}

export interface AutoRechargeBody {
  enabled: boolean;
  thresholdCredits: number;
  packageId?: string;
  targetBalanceCredits?: number;
}
