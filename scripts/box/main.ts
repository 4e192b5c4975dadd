// Standalone entry for the box builder until `lab box build` is wired: tsx scripts/box/main.ts [--force] [--name N].
import { buildBox } from './build.ts';

const args = process.argv.slice(2);
const nameAt = args.indexOf('--name');
const result = await buildBox({
  force: args.includes('--force'),
  noAdd: args.includes('--no-add'),
  name: nameAt >= 0 ? args[nameAt + 1] : undefined,
  onProgress: (m) => process.stderr.write(`• ${m}\n`),
});
process.stdout.write(`${JSON.stringify(result)}\n`);
