/** One row of `deno task bench`'s table. Every number is measured by the bench that prints it. */
export interface BenchRow {
  area: string;
  what: string;
  value: number;
  unit: string;
  /** the target, e.g. "< 1000 ms"; empty where there is none */
  target?: string;
  /** whether the target is met; undefined where there is none */
  ok?: boolean;
}
