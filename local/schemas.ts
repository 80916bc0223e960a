/**
 * `npm run schemas`: writes schemas/ anew from the zod schemas the ingest validates with
 * (domain/event-schemas.ts), one JSONSchemaDraft4 document per source and detail-type, formatted as
 * Prettier would (so `npm run lint` passes on them). test/unit/event-schemas.test.ts fails when the files
 * and the zod schemas disagree.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { eventSchemas } from '../domain/event-schemas';

/** Where the published schemas live: `schemas/<source>/<detail-type>.json` at the repository's root. */
export const SCHEMAS_DIR = path.join(__dirname, '..', 'schemas');

async function main(): Promise<void> {
  // Written anew, so a detail-type the ingest no longer accepts leaves no file behind.
  // Loaded here, not at the top: the test imports SCHEMAS_DIR, and prettier cannot load inside jest.
  const prettier = await import('prettier');
  rmSync(SCHEMAS_DIR, { recursive: true, force: true });
  const published = eventSchemas();
  for (const { file, schema } of published) {
    const target = path.join(SCHEMAS_DIR, file);
    mkdirSync(path.dirname(target), { recursive: true });
    const options = await prettier.resolveConfig(target);
    writeFileSync(target, await prettier.format(JSON.stringify(schema), { ...options, filepath: target }));
  }
  process.stdout.write(
    `Wrote ${published.length} event schemas to ${path.relative(process.cwd(), SCHEMAS_DIR)}/\n`,
  );
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
