/**
 * A small server-sent events reader over fetch, so the request can carry the bearer header
 * (EventSource cannot). Parses the text/event-stream format as the HTML spec describes it:
 * `event:`, `data:` (joined by newlines), `id:` and `retry:` fields, comments starting with `:`,
 * an empty line dispatching the event; CRLF, LF and CR line ends.
 */
export interface ServerEvent {
  event: string;
  data: string;
  id: string | undefined;
}

export class EventStreamHttpError extends Error {
  constructor(readonly status: number) {
    super(`The event stream answered HTTP ${status}`);
  }
}

export interface ReadEventStreamOptions {
  headers?: Record<string, string>;
  signal: AbortSignal;
  onOpen?: () => void;
  onEvent: (event: ServerEvent) => void;
  /** Called with the server's `retry:` hint in milliseconds. */
  onRetry?: (ms: number) => void;
}

/** Resolves when the server closes the stream; rejects on HTTP errors, network errors and abort. */
export async function readEventStream(url: string, options: ReadEventStreamOptions): Promise<void> {
  const response = await fetch(url, {
    headers: { Accept: 'text/event-stream', ...options.headers },
    signal: options.signal,
    cache: 'no-store',
  });
  if (!response.ok || !response.body) throw new EventStreamHttpError(response.status);
  options.onOpen?.();
  const parser = createEventStreamParser(options);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      parser.push(value);
    }
  } finally {
    reader.releaseLock();
  }
}

export function createEventStreamParser(handlers: Pick<ReadEventStreamOptions, 'onEvent' | 'onRetry'>): { push: (chunk: string) => void } {
  let buffer = '';
  let eventType = '';
  let data: string[] = [];
  let lastEventId: string | undefined;
  // A CR at the end of one chunk may be the first half of a CRLF split across chunks.
  let skipLeadingLf = false;

  function line(text: string): void {
    if (text === '') {
      if (data.length > 0) handlers.onEvent({ event: eventType || 'message', data: data.join('\n'), id: lastEventId });
      eventType = '';
      data = [];
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon === -1 ? text : text.slice(0, colon);
    let value = colon === -1 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') eventType = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) handlers.onRetry?.(Number(value));
  }

  return {
    push(chunk: string) {
      if (skipLeadingLf && chunk.startsWith('\n')) chunk = chunk.slice(1);
      skipLeadingLf = false;
      buffer += chunk;
      let start = 0;
      for (let i = 0; i < buffer.length; i += 1) {
        const char = buffer[i];
        if (char !== '\n' && char !== '\r') continue;
        line(buffer.slice(start, i));
        if (char === '\r') {
          if (i + 1 === buffer.length) skipLeadingLf = true;
          else if (buffer[i + 1] === '\n') i += 1;
        }
        start = i + 1;
      }
      buffer = buffer.slice(start);
    },
  };
}
