/**
 * Whether a SLURM controller answers here (`.ci/run` starts a single-node one with
 * `.ci/slurm.sh`; by hand: `eval "$(.ci/slurm.sh start "$(mktemp -d)")"`). Under CI (env CI set) a test that
 * needs it runs anyway and fails on the missing scheduler; elsewhere it is reported as ignored,
 * with a line that says why — never a silent pass.
 */
function answers(): string | undefined {
  try {
    const out = new Deno.Command("scontrol", { args: ["ping"], stdout: "piped", stderr: "piped" })
      .outputSync();
    const text = new TextDecoder().decode(out.stdout);
    if (out.code === 0 && /\bUP\b/.test(text)) return undefined;
    // no controller configured: stdout is empty and stderr's last line says why ("fatal: ...")
    const said = (text.trim() || new TextDecoder().decode(out.stderr).trim()).split("\n");
    return `scontrol ping: ${(text.trim() ? said[0] : said[said.length - 1]) || `exit ${out.code}`}`;
  } catch {
    return "scontrol not found (SLURM's client commands are not installed)";
  }
}

const WHY = answers();

/** Deno.test options: ignored outside CI when no SLURM controller answers. */
export function needsSlurm(): { ignore: boolean } {
  if (WHY === undefined) return { ignore: false };
  if (Deno.env.get("CI")) return { ignore: false }; // the test then fails on requireSlurm()
  console.error(`[tests] ignored: needs a running SLURM (${WHY}); start one with .ci/slurm.sh start DIR`);
  return { ignore: true };
}

/** First line of a SLURM test: fails (under CI) when the controller is missing. */
export function requireSlurm(): void {
  if (WHY !== undefined) {
    throw new Error(
      `this test needs a running SLURM controller (${WHY}); .ci/run starts one with .ci/slurm.sh`,
    );
  }
}
