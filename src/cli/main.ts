// argv -> subcommand. Every expected failure ends as one line on stderr and an exit code:
//   0   success (and --help, --version)
//   1   bad input: a file that is missing, damaged, of the wrong kind, or a model doubleq cannot take
//   2   bad usage: unknown command or option, missing required option, a bad flag value
//   70  a bug in doubleq (internal error; DOUBLEQ_DEBUG=1 prints the stack)

import { Command, CommanderError, Help, type Option } from 'commander';
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
import { InputError, UsageError } from './io.js';

export const EXIT = { ok: 0, input: 1, usage: 2, internal: 70 } as const;

/** Help that marks required options as such. */
const HELP = {
  optionDescription(this: Help, o: Option): string {
    const d = Help.prototype.optionDescription.call(this, o);
    return o.mandatory ? `${d} (required)` : d;
  },
};

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
  for (const c of program.commands) c.exitOverride().configureOutput({ writeErr: () => {} }).configureHelp(HELP);
  return program;
}

/** The exit code for an error thrown by a command. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
  if (e instanceof UsageError) return EXIT.usage;
  if (e instanceof ModelError || e instanceof DataError || e instanceof InputError || e instanceof QuantizationError || e instanceof CalibrationError || e instanceof FormatError) return EXIT.input;
  return EXIT.internal;
}

/** Runs the CLI; `program` is for tests that need a command of their own. */
export async function main(argv: string[], program: Command = buildProgram()): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    const code = exitCodeOf(e);
    if (code === EXIT.ok) return code; // --help, --version
    if (e instanceof CommanderError) process.stderr.write(`doubleq: ${e.message.replace(/^error: /, '')} (see doubleq --help)\n`);
    else if (code !== EXIT.internal) process.stderr.write(`doubleq: ${(e as Error).message}\n`);
    else {
      const err = e as Error;
      process.stderr.write(`doubleq: internal error (a bug in doubleq; please report it): ${err?.message ?? String(e)}\n`);
      if (process.env.DOUBLEQ_DEBUG) process.stderr.write(`${err?.stack}\n`);
    }
    return code;
  }
}
