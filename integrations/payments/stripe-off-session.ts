import Stripe from 'stripe';
import { PaymentDeclinedError, type PaymentIntent, type PaymentProvider } from './payment-provider';

/**
 * Auto-recharge on Stripe. The buyer is a Customer (made once per user, its id kept in our
 * database); Checkout Sessions for packages name that customer and ask for
 * `payment_intent_data.setup_future_usage: 'off_session'`, so the card paid with is attached to it.
 * A recharge is then a PaymentIntent confirmed at once without the customer (`off_session: true,
 * confirm: true`) on that card, with the saga's idempotency key. A card error (declined, needs
 * authentication) is a PaymentDeclinedError: an answer, never retried.
 */
export function stripeOffSessionMethods(stripe: Stripe, stripeCall: <T>(call: () => Promise<T>) => Promise<T>): Pick<PaymentProvider, 'createCustomer' | 'chargeOffSession'> {
  return {
    async createCustomer(request, idempotencyKey) {
      const customer = await stripeCall(() => stripe.customers.create({ metadata: { userId: request.userId } }, { idempotencyKey }));
      return { id: customer.id };
    },

    async chargeOffSession(request, idempotencyKey): Promise<PaymentIntent> {
      const methods = await stripeCall(() => stripe.customers.listPaymentMethods(request.customerId, { type: 'card', limit: 1 }));
      const card = methods.data[0];
      if (!card) throw new PaymentDeclinedError(`Stripe customer ${request.customerId} has no saved card`, 'no_saved_payment_method', null);
      let intent: Stripe.PaymentIntent;
      try {
        intent = await stripe.paymentIntents.create(
          {
            amount: request.amountCents,
            currency: request.currency.toLowerCase(),
            customer: request.customerId,
            payment_method: card.id,
            off_session: true,
            confirm: true,
            description: request.description,
            metadata: { purchaseId: request.purchaseId, autoRecharge: 'true' },
          },
          { idempotencyKey },
        );
      } catch (error) {
        if (error instanceof Stripe.errors.StripeCardError) {
          throw new PaymentDeclinedError(`Stripe declined the off-session charge: ${error.message}`, error.decline_code ?? error.code ?? 'card_declined', error.statusCode ?? 402, { cause: error });
        }
        // Anything else is classified like every other Stripe call: outages retried, refusals final.
        return stripeCall(() => Promise.reject(error));
      }
      // `requires_action` and friends: the bank wants the cardholder, who is not here.
      if (intent.status !== 'succeeded') throw new PaymentDeclinedError(`Stripe PaymentIntent ${intent.id} is ${intent.status}`, intent.status === 'requires_action' ? 'authentication_required' : intent.status, null);
      return { id: intent.id, status: 'succeeded', amountCents: intent.amount, currency: intent.currency.toUpperCase(), purchaseId: request.purchaseId, checkoutUrl: '', failureReason: null };
    },
  };
}

/** Off-session charges are PaymentIntents (`pi_...`), checkouts are Checkout Sessions (`cs_...`). */
export function isPaymentIntentId(id: string): boolean {
  return id.startsWith('pi_');
}


