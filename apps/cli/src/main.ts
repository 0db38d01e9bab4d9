// The `chronicle` CLI: seed, keys, rebuild, master key and data keys. Logic lives in @app/composition.
import 'reflect-metadata';
import { chronicleCli } from '@app/composition';

// Files the CLI creates (replays, rebuilt generations, key files) are its user's alone.
process.umask(0o077);
chronicleCli()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
