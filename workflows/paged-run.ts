/**
 * The one loop every large job shares (the sweeps, campaign runs, the backfill): work through pages
 * in key order, and after `pagesPerRun` pages continue-as-new from the last key, so a million rows
 * cost the same memory and history as a thousand. Each page is an idempotent activity, so a page
 * repeated after a crash changes nothing.
 *
 * `page` does one page and returns the key to continue after, or null when there is no more.
 * `finish` makes the result once the job is done; `continueAfter` continues-as-new (the caller
 * writes that call, so the workflow's input stays typed) from the given key.
 */
export async function runPages<Cursor, Result>(job: {
  cursor: Cursor | null;
  pagesPerRun: number;
  page: (cursor: Cursor | null) => Promise<Cursor | null>;
  finish: () => Result | Promise<Result>;
  continueAfter: (cursor: Cursor) => Promise<never>;
}): Promise<Result> {
  let cursor = job.cursor;
  for (let page = 0; page < job.pagesPerRun; page += 1) {
    const next = await job.page(cursor);
    if (next === null) return job.finish();
    cursor = next;
  }
  // A full run's last page always returns a key, so the cursor is set here.
  return job.continueAfter(cursor as Cursor);
}

/** A page that read fewer rows than it asked for was the last one. */
export function nextKey<Cursor>(read: number, pageSize: number, lastKey: Cursor | null): Cursor | null {
  return read < pageSize ? null : lastKey;
}
