import { useDeferredValue, useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { isApiError } from '../../api/errors';
import type { Generation, GenerationType } from '../../api/types';
import { ErrorMessage } from '../../ui/ErrorMessage';
import { Field } from '../../ui/Field';
import { credits } from '../../ui/format';
import { useBalance } from '../credits/api';
import { generationRequest, MAX_ITEMS_PER_GENERATION, useCreateGeneration, useQuote } from './api';

const MAX_TEXT = 20_000;

function countError(raw: string): string | null {
  const count = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(count)) return 'Enter a whole number.';
  if (count < 1 || count > MAX_ITEMS_PER_GENERATION) return `Choose between 1 and ${MAX_ITEMS_PER_GENERATION}.`;
  return null;
}

/** Type, count and text; the cost shown before submitting; submit only when it is affordable. */
export function GenerationForm({ onStarted, compact = false }: { onStarted: (generation: Generation) => void; compact?: boolean }) {
  const [type, setType] = useState<GenerationType>('flashcards');
  const [countText, setCountText] = useState('10');
  const [text, setText] = useState('');
  const [textError, setTextError] = useState<string | null>(null);
  const deferredCount = useDeferredValue(countText);
  const countProblem = countError(countText);
  const count = Number(deferredCount);
  const quote = useQuote(type, count, countError(deferredCount) === null);
  const balance = useBalance();
  const create = useCreateGeneration();

  const estimatedCost = quote.data?.estimatedCost;
  // The balance in the cache is the freshest (pushed by events); the quote's is a fallback.
  const available = balance.data?.available ?? quote.data?.available;
  const affordable = estimatedCost !== undefined && available !== undefined ? available >= estimatedCost : quote.data?.affordable ?? true;
  const quoteCurrent = quote.data?.type === type && quote.data?.count === count && !countProblem;

  function submit(event: FormEvent) {
    event.preventDefault();
    if (text.trim() === '') {
      setTextError('Paste some notes to study from.');
      return;
    }
    if (text.length > MAX_TEXT) {
      setTextError(`Keep it under ${MAX_TEXT.toLocaleString()} characters.`);
      return;
    }
    setTextError(null);
    if (countProblem) return;
    create.mutate(generationRequest(type, Number(countText), text.trim()), { onSuccess: onStarted });
  }

  const fieldErrors = isApiError(create.error, 'VALIDATION_FAILED') ? create.error.fieldErrors() : {};
  const insufficient = isApiError(create.error, 'INSUFFICIENT_CREDITS');

  return (
    <form className={compact ? 'stack' : 'card stack'} onSubmit={submit} noValidate aria-label="Generate study material">
      <div className="row wrap">
        <fieldset className="segmented">
          <legend>What to make</legend>
          {(['flashcards', 'quiz'] as const).map((value) => (
            <label key={value} className={type === value ? 'selected' : undefined}>
              <input type="radio" name={compact ? 'quick-type' : 'type'} value={value} checked={type === value} onChange={() => setType(value)} data-testid={`generation-type-${value}`} />
              {value === 'flashcards' ? 'Flashcards' : 'Quiz'}
            </label>
          ))}
        </fieldset>
        <Field label={type === 'quiz' ? 'Number of questions' : 'Number of cards'} error={countProblem ?? fieldErrors.count ?? null}>
          <input type="number" inputMode="numeric" min={1} max={MAX_ITEMS_PER_GENERATION} value={countText} onChange={(event) => setCountText(event.target.value)} data-testid="generation-count" className="input-short" />
        </Field>
      </div>
      <Field label="Your notes" hint={compact ? undefined : 'Paste a paragraph or a chapter; each sentence becomes material to study.'} error={textError ?? fieldErrors.text ?? null}>
        <textarea rows={compact ? 3 : 8} value={text} onChange={(event) => setText(event.target.value)} maxLength={MAX_TEXT} data-testid="generation-text" />
      </Field>

      <div className="cost-line" aria-live="polite">
        <p data-testid="generation-cost" data-cost={quoteCurrent ? estimatedCost : undefined}>
          {countProblem ? 'Choose how many to see the cost.' : quote.isError ? 'The cost could not be worked out.' : estimatedCost === undefined ? 'Working out the cost…' : (
            <>
              Cost: <strong>{credits(estimatedCost)}</strong>
              {available !== undefined && <span className="muted"> · {available} available</span>}
            </>
          )}
        </p>
        {quote.isError && <ErrorMessage error={quote.error} />}
      </div>

      {estimatedCost !== undefined && !affordable && (
        <p className="notice notice-warn" data-testid="generation-unaffordable" id="unaffordable">
          You need {credits(estimatedCost)} for this but have {available ?? 0} available. <Link to="/premium/credits">Buy credits</Link> or ask for fewer.
        </p>
      )}

      <div className="row">
        <button type="submit" className="button primary" data-testid="generation-submit" disabled={create.isPending || !affordable || countProblem !== null} aria-describedby={!affordable ? 'unaffordable' : undefined}>
          {create.isPending ? 'Starting…' : `Generate ${type === 'quiz' ? 'quiz' : 'flashcards'}`}
        </button>
      </div>
      {create.isError && !fieldErrors.text && !fieldErrors.count && (
        <div>
          <ErrorMessage error={create.error} testId="generation-error" />
          {insufficient && (
            <p>
              <Link to="/premium/credits">Buy credits</Link>
            </p>
          )}
        </div>
      )}
    </form>
  );
}
