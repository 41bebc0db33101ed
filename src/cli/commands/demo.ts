import type { Command } from 'commander';
import { DEFAULT_MODEL_PATH } from '../io.js';
import { evalModel, formatEval } from './eval.js';
import { formatInspect, inspectModel } from './inspect.js';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the main job on the embedded default: inspect and evaluate the bundled MNIST CNN on its 2,000-image test split')
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { json?: boolean }) => {
      const inspect = inspectModel(DEFAULT_MODEL_PATH, false);
      const evalReport = await evalModel(DEFAULT_MODEL_PATH, { data: 'test', format: 'mnist' }, !o.json);
      if (o.json) process.stdout.write(JSON.stringify({ inspect, eval: evalReport }) + '\n');
      else process.stdout.write(`${formatInspect(inspect)}\n\n${formatEval(evalReport)}\n`);
    });
}
