/**
 * A tiny progress bar for long work: done / total, rate, ETA. Redraws in place on a terminal;
 * quiet when stderr is not a terminal (CI logs stay readable) except for one final line.
 *
 * @example
 * const bar = progress("embed glass", 150); for (...) bar.tick(); bar.done();
 */
export interface Progress {
  /** advance by n (default 1) */
  tick(n?: number, note?: string): void;
  /** set the absolute count */
  update(done: number, note?: string): void;
  /** finish: prints one summary line even when not a terminal */
  done(note?: string): void;
}

const encoder = new TextEncoder();

function fmtSeconds(s: number): string {
  if (!isFinite(s)) return "?";
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, "0")}m`;
}

export function progress(label: string, total: number, opts: { tty?: boolean } = {}): Progress {
  const tty = opts.tty ?? (Deno.stderr.isTerminal() && !Deno.env.get("CI"));
  const start = performance.now();
  let count = 0;
  let lastDraw = 0;
  const line = (note = "") => {
    const elapsed = (performance.now() - start) / 1000;
    const rate = count / Math.max(elapsed, 1e-9);
    const eta = total > count ? (total - count) / rate : 0;
    const frac = total > 0 ? Math.min(1, count / total) : 1;
    const width = 24;
    const bar = "█".repeat(Math.round(frac * width)).padEnd(width, "·");
    return `${label} ${bar} ${count}/${total} ${rate.toFixed(rate < 10 ? 2 : 0)}/s ETA ${fmtSeconds(eta)}` +
      (note ? ` ${note}` : "");
  };
  const draw = (note?: string) => {
    if (!tty) return;
    const now = performance.now();
    if (now - lastDraw < 100 && count < total) return;
    lastDraw = now;
    Deno.stderr.writeSync(encoder.encode(`\r\x1b[2K${line(note)}`));
  };
  return {
    tick(n = 1, note) {
      count += n;
      draw(note);
    },
    update(done, note) {
      count = done;
      draw(note);
    },
    done(note) {
      const elapsed = (performance.now() - start) / 1000;
      const text = `${label}: ${count}/${total} in ${fmtSeconds(elapsed)}${note ? ` ${note}` : ""}`;
      Deno.stderr.writeSync(encoder.encode(tty ? `\r\x1b[2K${text}\n` : `${text}\n`));
    },
  };
}
