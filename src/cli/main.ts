// argv -> subcommand. Every expected failure ends as one line on stderr and exit code 1.

import { Command, CommanderError } from 'commander';
import { DataError } from '../data/dataset.js';
import { FormatError } from '../format/qmodel.js';
import { ModelError } from '../ir/errors.js';
import { CalibrationError } from '../quant/calibrate.js';
import { QuantizationError } from '../core/errors.js';
import { registerAnalyze } from './commands/analyze.js';
import { registerDemo } from './commands/demo.js';
import { registerEval } from './commands/eval.js';
import { registerPareto } from './commands/pareto.js';
import { registerExportQdq } from './commands/export-qdq.js';
import { registerExportHw } from './commands/export-hw.js';
import { registerInspect } from './commands/inspect.js';
import { registerQuantize } from './commands/quantize.js';
import { UsageError } from './io.js';

export function buildProgram(): Command {
  const program = new Command('doubleq')
    .description('two-level post-training quantization (int8 + power-of-two weights) of CNNs, integer WebAssembly kernels')
    .version('0.1.0')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({ writeErr: () => {} }); // errors are printed once, below
  registerInspect(program);
  registerQuantize(program);
  registerExportQdq(program);
  registerExportHw(program);
  registerAnalyze(program);
  registerPareto(program);
  registerEval(program);
  registerDemo(program);
  for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: () => {} });
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.exitCode === 0) return 0; // --help, --version
      process.stderr.write(`doubleq: ${e.message.replace(/^error: /, '')} (see doubleq --help)\n`);
      return 2;
    }
    if (e instanceof ModelError || e instanceof DataError || e instanceof UsageError || e instanceof QuantizationError || e instanceof CalibrationError || e instanceof FormatError) {
      process.stderr.write(`doubleq: ${e.message}\n`);
      return 1;
    }
    const err = e as Error;
    process.stderr.write(`doubleq: internal error: ${err?.message ?? String(e)}\n`);
    if (process.env.DOUBLEQ_DEBUG) process.stderr.write(`${err?.stack}\n`);
    return 70;
  }
}
