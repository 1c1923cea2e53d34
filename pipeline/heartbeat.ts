/**
 * The heartbeat thread of pipeline/claims.ts: every `everyMs` it sets each held claim's mtime to
 * now, after checking the claim is still ours (its token). It runs in a worker so that a stage
 * blocking the main thread (training runs there with one job) cannot let its claims go stale.
 * It only touches, never writes: a claim released meanwhile stays released.
 *
 * Messages in:  {type:"add", path, token, everyMs} | {type:"remove", path}
 * Messages out: {type:"lost", path} when a claim turned out to be someone else's or gone
 */
/// <reference lib="deno.worker" />

const held = new Map<string, { token: string; timer: ReturnType<typeof setInterval> }>();

function beat(path: string): void {
  const h = held.get(path);
  if (!h) return;
  let token: string | undefined;
  try {
    token = JSON.parse(Deno.readTextFileSync(path)).token;
    if (token === h.token) {
      const now = new Date();
      Deno.utimeSync(path, now, now);
      return;
    }
  } catch {
    // gone (released by the main thread just now, or taken over and released)
  }
  clearInterval(h.timer);
  held.delete(path);
  self.postMessage({ type: "lost", path });
}

self.onmessage = (e: MessageEvent) => {
  const m = e.data as
    | { type: "add"; path: string; token: string; everyMs: number }
    | { type: "remove"; path: string };
  const old = held.get(m.path);
  if (old) clearInterval(old.timer);
  held.delete(m.path);
  if (m.type === "add") {
    held.set(m.path, { token: m.token, timer: setInterval(() => beat(m.path), m.everyMs) });
  }
};
