import { z } from 'zod';

// User ids are the host app's own; we accept the characters ids are made of and nothing that could
// smuggle structure into keys, logs or workflow ids. One schema for tokens, routes and segments.
export const userIdSchema = z.string().min(1).max(128).regex(/^[A-Za-z0-9_.:@-]+$/, 'user id has unexpected characters');
