import { Link } from 'react-router';
import type { Flashcard, Generation, QuizQuestion } from '../../api/types';
import { ErrorMessage, Loading } from '../../ui/ErrorMessage';
import { credits } from '../../ui/format';
import { isTerminal, useCancelGeneration, useGeneration } from './api';

const STATUS_LABEL: Record<Generation['status'], string> = {
  pending: 'Waiting to start…',
  generating: 'Generating…',
  succeeded: 'Done',
  failed: 'Failed',
  cancelled: 'Cancelled',
};

function Flashcards({ items }: { items: Flashcard[] }) {
  return (
    <ol className="cards" aria-label="Flashcards">
      {items.map((card, index) => (
        <li key={index} className="flashcard" data-testid="flashcard">
          <p className="flashcard-front">{card.front}</p>
          <p className="flashcard-back">
            <span className="visually-hidden">Answer: </span>
            {card.back}
          </p>
        </li>
      ))}
    </ol>
  );
}

function Quiz({ items }: { items: QuizQuestion[] }) {
  return (
    <ol className="quiz" aria-label="Quiz questions">
      {items.map((question, index) => (
        <li key={index} className="question card" data-testid="quiz-question">
          <p className="question-text">{question.question}</p>
          <ol className="choices" type="A">
            {question.choices.map((choice, choiceIndex) => (
              <li key={choiceIndex}>{choice}</li>
            ))}
          </ol>
          <details>
            <summary>Show answer</summary>
            <p>
              {String.fromCharCode(65 + question.answerIndex)}: {question.choices[question.answerIndex]}
            </p>
          </details>
        </li>
      ))}
    </ol>
  );
}

function Outcome({ generation }: { generation: Generation }) {
  const noun = generation.type === 'quiz' ? 'questions' : 'flashcards';
  if (generation.status === 'succeeded') {
    const result = generation.result;
    return (
      <>
        <p data-testid="generation-outcome">
          {generation.producedCount ?? result?.items.length ?? 0} {noun} for {credits(generation.cost ?? 0)}.
          {generation.cost !== null && generation.cost < generation.estimatedCost && ` ${credits(generation.estimatedCost - generation.cost)} of the hold were returned.`}
        </p>
        {result?.type === 'flashcards' && <Flashcards items={result.items} />}
        {result?.type === 'quiz' && <Quiz items={result.items} />}
      </>
    );
  }
  if (generation.status === 'failed' || generation.status === 'cancelled') {
    return (
      <div className="notice notice-warn" data-testid="generation-outcome">
        <p>
          {generation.status === 'failed' ? 'The generation failed' : 'The generation was cancelled'}
          {generation.reason ? `: ${generation.reason}` : '.'}
        </p>
        <p data-testid="generation-refund">
          <strong>Your {credits(generation.estimatedCost)} were refunded.</strong>
        </p>
      </div>
    );
  }
  return null;
}

/** Live status of one generation: polls until it ends, offers cancel while it can, then the result. */
export function GenerationView({ id }: { id: string }) {
  const generation = useGeneration(id);
  const cancel = useCancelGeneration(id);
  if (generation.isPending) return <Loading label="Loading the generation…" />;
  if (generation.isError) return <ErrorMessage error={generation.error} />;
  const data = generation.data;
  const cancellable = data.status === 'pending' || data.status === 'generating';
  return (
    <section className="card stack" aria-labelledby={`generation-${id}`}>
      <div className="row spread">
        <h2 id={`generation-${id}`}>
          {data.requestedCount} {data.type === 'quiz' ? 'quiz questions' : 'flashcards'}
        </h2>
        <p className={`status status-${data.status}`} data-testid="generation-status" data-status={data.status} role="status" aria-live="polite">
          {!isTerminal(data) && <span className="spinner" aria-hidden="true" />}
          {STATUS_LABEL[data.status]}
        </p>
      </div>
      {cancellable && (
        <div className="row">
          <p className="muted">{credits(data.estimatedCost)} are held until it finishes.</p>
          <button type="button" className="button danger" data-testid="generation-cancel" onClick={() => cancel.mutate()} disabled={cancel.isPending}>
            {cancel.isPending ? 'Cancelling…' : 'Cancel generation'}
          </button>
        </div>
      )}
      <ErrorMessage error={cancel.error} />
      <Outcome generation={data} />
      {isTerminal(data) && (
        <p>
          <Link to="/generate">Generate more</Link> · <Link to="/credits/history">See your credit history</Link>
        </p>
      )}
    </section>
  );
}
