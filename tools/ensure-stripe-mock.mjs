// `node tools/ensure-stripe-mock.mjs`: makes sure stripe-mock is available (building it once if
// needed) and prints its path. A step of `npm test`, so a fresh machine builds it before jest.
import { resolveStripeMock, StripeMockError } from './stripe-mock.mjs';

try {
  console.log(`stripe-mock: ${await resolveStripeMock()}`);
} catch (error) {
  console.error(error instanceof StripeMockError ? error.message : error);
  process.exit(1);
}
