// What the benchmark modules share: their options from the command line (`npm run bench -- scale --faces 2000`
// leaves them in process.argv) and percentiles. No `bench()` here: bench/run.ts skips this module.

/** The value after `--name`, or undefined. */
export const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** Whether `--name` is given. */
export const flag = (name: string) => process.argv.includes(`--${name}`);

/** The `p`-th percentile (nearest rank) of `xs`; NaN for none. */
export const pctl = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
