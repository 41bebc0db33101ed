// Command-line flags of the benchmark scripts: `--name value`.

const args = process.argv.slice(2);

export function flag(name: string, dflt: string): string {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
}
