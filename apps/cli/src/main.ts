// The `chronicle` CLI: seed, keys, rebuild, master key and data keys. Logic lives in @app/composition.
import 'reflect-metadata';
import { chronicleCli } from '@app/composition';

chronicleCli()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
