import type { GenerationContext, Generator } from '../../domain/generations/generator';
import { createLocalGenerator } from '../../integrations/generators/local-generator';

/**
 * The local generator behind gates the test opens: a request whose text contains `gate:NAME` waits
 * (heartbeating, and giving up when Temporal cancels the attempt) until the test calls
 * `open('NAME')`, then generates as the local generator does. So a test decides the moment a
 * generate step finishes, to the instant, instead of guessing with `[slow:MS]`.
 */
export interface GatedGenerator extends Generator {
  open(gate: string): void;
  // How many attempts have reached the gate so far (a test polls it to know the saga is there).
  arrivals(gate: string): number;
}

const GATE = /\bgate:([\w-]+)/;
const HEARTBEAT_EVERY_MS = 1_000;

interface Gate {
  opened: boolean;
  arrivals: number;
  waiters: Set<() => void>;
}

export function createGatedGenerator(inner: Generator = createLocalGenerator()): GatedGenerator {
  const gates = new Map<string, Gate>();
  const gateOf = (name: string): Gate => {
    let gate = gates.get(name);
    if (!gate) gates.set(name, (gate = { opened: false, arrivals: 0, waiters: new Set() }));
    return gate;
  };

  return {
    name: 'gated-local',
    open(name) {
      const gate = gateOf(name);
      gate.opened = true;
      for (const wake of gate.waiters) wake();
      gate.waiters.clear();
    },
    arrivals: (name) => gateOf(name).arrivals,
    async generate(request, context) {
      const name = GATE.exec(request.text)?.[1];
      if (name) await waitAtGate(gateOf(name), context);
      return inner.generate(request, context);
    },
  };
}

async function waitAtGate(gate: Gate, context: GenerationContext): Promise<void> {
  gate.arrivals += 1;
  while (!gate.opened) {
    if (context.signal.aborted) throw context.signal.reason instanceof Error ? context.signal.reason : new Error('generation cancelled at the gate');
    context.heartbeat({ stage: 'waiting at the test gate' });
    await new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        context.signal.removeEventListener('abort', wake);
        gate.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, HEARTBEAT_EVERY_MS);
      context.signal.addEventListener('abort', wake);
      gate.waiters.add(wake);
    });
  }
}
