/**
 * The device rule (kernels/device.ts) as a pure function of what the probes found, the tfjs
 * backend order per device, and the request as it travels through the CLI's params. No GPU needed.
 */
import assert from "node:assert/strict";
import { DEVICE_ENV, DeviceError, parseDevice, pickDevice } from "../kernels/device.ts";
import { backendOrder } from "../kernels/tf/backend.ts";
import { UsageError } from "../core/errors.ts";
import { resolveParams } from "../pipeline/config.ts";
import { PROFILES, SCHEMA } from "../stages/config.ts";
import { PREPARE, STAGES } from "../stages/mod.ts";
import { needsShared, SHARED_DATA } from "./_shared.ts";

const hw = { description: "NVIDIA H200", software: false };
const soft = { description: "llvmpipe (LLVM 15.0.6, 256 bits)", software: true };
const noCuda = "onnxruntime-node's CUDA provider did not load (Failed to load shared library)";

Deno.test("device auto: CUDA if its provider loads, else a hardware WebGPU adapter, else cpu", () => {
  assert.equal(pickDevice("auto", { cuda: true, adapter: hw }).device, "cuda");
  assert.equal(pickDevice("auto", { cuda: true }).device, "cuda");
  assert.equal(pickDevice("auto", { cuda: noCuda, adapter: hw }).device, "webgpu");
  const sw = pickDevice("auto", { cuda: noCuda, adapter: soft });
  assert.equal(sw.device, "cpu");
  assert.match(sw.why, /llvmpipe.*software/);
  assert.equal(pickDevice("auto", { cuda: noCuda }).device, "cpu");
});

Deno.test("device explicit: taken as asked (WebGPU on a software adapter too); what cannot start fails with the fix", () => {
  assert.equal(pickDevice("cpu", { cuda: true, adapter: hw }).device, "cpu");
  assert.equal(pickDevice("webgpu", { cuda: true, adapter: soft }).device, "webgpu");
  assert.throws(
    () => pickDevice("cuda", { cuda: noCuda, adapter: hw }),
    (e) =>
      e instanceof DeviceError && /ONNXRUNTIME_NODE_INSTALL=cuda12/.test(e.message) &&
      /--allow-scripts=npm:onnxruntime-node/.test(e.message),
  );
  assert.throws(
    () => pickDevice("webgpu", { cuda: noCuda }),
    (e) => e instanceof DeviceError && /no WebGPU adapter/.test(e.message) && /libvulkan1/.test(e.message),
  );
  assert.equal(parseDevice("webgpu"), "webgpu");
  assert.throws(
    () => parseDevice("gpu", "--device"),
    (e) =>
      e instanceof UsageError && /--device=gpu/.test(e.message) && /auto, cpu, cuda, webgpu/.test(e.message),
  );
});

Deno.test("device → tfjs backends: WebGPU only where the device is a GPU; a software adapter only when asked", () => {
  assert.deepEqual(backendOrder("cpu"), { order: ["tensorflow", "wasm", "cpu"], softwareGpu: false });
  assert.deepEqual(backendOrder("webgpu"), { order: ["webgpu"], softwareGpu: true });
  assert.equal(backendOrder("cuda").order[0], "tensorflow");
  assert.ok(backendOrder("cuda").order.includes("webgpu") && !backendOrder("cuda").softwareGpu);
});

Deno.test("device param: in the schema with its choices, declared by no stage (recorded, never keyed)", () => {
  assert.equal(resolveParams(SCHEMA, PROFILES, "smoke").device, "auto");
  assert.equal(resolveParams(SCHEMA, PROFILES, "smoke", { device: "webgpu" }).device, "webgpu");
  assert.throws(() => resolveParams(SCHEMA, PROFILES, "smoke", { device: "tpu" }), UsageError);
  for (const s of STAGES) assert.ok(!s.params.includes("device"), `${s.name} declares device`);
});

Deno.test({
  name:
    "device: a run's prepare step records the resolved device in the params every entry keeps; status only the request",
  ...needsShared("data"),
  fn: async () => {
    const saved = { data: Deno.env.get("ALIGNSAM_DATA"), device: Deno.env.get(DEVICE_ENV) };
    const restore = (k: string, v: string | undefined) =>
      v === undefined ? Deno.env.delete(k) : Deno.env.set(k, v);
    Deno.env.set("ALIGNSAM_DATA", SHARED_DATA);
    try {
      const params = resolveParams(SCHEMA, PROFILES, "smoke", { device: "cpu" });
      const run = await PREPARE(params, { fetch: false, strict: true, profile: "smoke" });
      assert.equal(run.device, "cpu");
      assert.equal(Deno.env.get(DEVICE_ENV), "cpu", "worker threads read the resolved device");
      const st = await PREPARE({ ...params, device: "auto" }, {
        fetch: false,
        strict: false,
        profile: "smoke",
      });
      assert.equal(st.device, "auto", "status probes nothing");
    } finally {
      restore("ALIGNSAM_DATA", saved.data);
      restore(DEVICE_ENV, saved.device);
    }
  },
});
