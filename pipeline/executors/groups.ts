/**
 * Group jobs for `--executor slurm` (issue 13's benchmark): a SLURM job costs a few seconds before
 * its item's first instruction (scheduling, a fresh process, module load, the session's keys), so
 * items priced far below that are packed into one job, as Snakemake's group jobs do. Only items
 * of one stage (one resource request) that are ready together are packed; each is still built,
 * claimed and committed on its own by the job (pipeline/executors/item.ts).
 */

/**
 * Split `items` into ceil(total / `limit`) groups of about `limit` estimated seconds each,
 * balanced (longest first, each into the lightest group), keeping the input order inside a group.
 * Callers give only items priced well under `limit` (slurm.ts: at most half of it).
 */
export function packGroups<T>(items: readonly T[], seconds: (t: T) => number, limit: number): T[][] {
  if (!items.length) return [];
  const total = items.reduce((s, t) => s + seconds(t), 0);
  const k = Math.min(items.length, Math.max(1, Math.ceil(total / limit)));
  const bins = Array.from({ length: k }, () => ({ load: 0, idx: [] as number[] }));
  const order = items.map((_, i) => i).sort((a, b) => seconds(items[b]) - seconds(items[a]) || a - b);
  for (const i of order) {
    const bin = bins.reduce((lo, b) => (b.load < lo.load ? b : lo));
    bin.load += seconds(items[i]);
    bin.idx.push(i);
  }
  return bins.filter((b) => b.idx.length).map((b) => b.idx.sort((x, y) => x - y).map((i) => items[i]));
}
