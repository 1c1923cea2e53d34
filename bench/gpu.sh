#!/usr/bin/env bash
# The prepared GPU check (issue 14): on a bare NVIDIA machine, from the checkout alone, runs the
# GPU agreement tests (tests/gpu_*_test.ts) and the GPU bench rows (bench/gpu.ts) and writes one
# table. Nothing is downloaded: node_modules/ (and Deno's cache, DENO_DIR) must be there, and the
# Vulkan loader that Deno's WebGPU needs comes from .gl/*.deb when the machine lacks it.
#
#   bench/gpu.sh --fetch-debs   # once, on a machine with apt: libvulkan1 & co. into .gl/
#   bench/gpu.sh [OUT_FILE]     # the check (default out/gpu-check.txt); `deno task gpu-check`
#
# Env: DENO (deno binary, default: deno on PATH), ALIGNSAM_GPU_BENCH=small|full (default: full on a
# GPU), GPU_CHECK_TEST_S / GPU_CHECK_BENCH_S (time limits, default 200 / 260 s: < 8 min in all).
set -uo pipefail
cd "$(dirname "$0")/.."

if [[ "${1:-}" == "--fetch-debs" ]]; then
  # The device README's recipe: amd64 .debs of the loaders, unpacked on the GPU machine below.
  grep -qx '/.gl/' .git/info/exclude 2>/dev/null || echo /.gl/ >>.git/info/exclude
  mkdir -p .gl /tmp/amd64/partial
  o='-oAPT::Architecture=amd64 -oAPT::Architectures=amd64 -oDir::State::Lists=/tmp/amd64'
  apt-get $o update && (cd .gl && apt-get $o download libvulkan1 libegl1 libglvnd0 libopengl0 libgl1 libglx0 libgles2)
  exit $?
fi

OUT_FILE="${1:-out/gpu-check.txt}"
DENO="${DENO:-deno}"
mkdir -p "$(dirname "$OUT_FILE")"
log() { echo "[gpu-check] $*" >&2; }

if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan\.so\.1'; then
  if compgen -G ".gl/*.deb" >/dev/null; then
    log "no Vulkan loader: unpacking .gl/*.deb"
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    log "no Vulkan loader and no .gl/*.deb (run bench/gpu.sh --fetch-debs where apt works): WebGPU may find no adapter"
  fi
fi
icd=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
if [[ -f "$icd" && -z "${VK_DRIVER_FILES:-}" ]]; then export VK_DRIVER_FILES="$icd"; fi
egl=/usr/local/nvidia/share/glvnd/egl_vendor.d/10_nvidia.json
if [[ -f "$egl" && -z "${__EGL_VENDOR_LIBRARY_FILENAMES:-}" ]]; then export __EGL_VENDOR_LIBRARY_FILENAMES="$egl"; fi

# the V8 flags of deno.json's tasks (tests/train_reproducible_test.ts holds them equal to the jobs')
V8_FLAGS="$(grep -o -- '--v8-flags=[^ "]*' deno.json | head -1)"
[[ -n "$V8_FLAGS" ]] || { log "no --v8-flags in deno.json's tasks"; exit 2; }
FLAGS=(-A --unstable-webgpu --cached-only "$V8_FLAGS")
start=$(date +%s)
tests_log=$(mktemp)
log "agreement tests (limit ${GPU_CHECK_TEST_S:-200} s)"
timeout "${GPU_CHECK_TEST_S:-200}" "$DENO" test "${FLAGS[@]}" tests/gpu_device_test.ts tests/gpu_onnx_test.ts \
  tests/gpu_srm_test.ts tests/gpu_ppo_test.ts tests/gpu_clip_test.ts >"$tests_log" 2>&1
tests_rc=$?
bench_log=$(mktemp)
log "bench rows (limit ${GPU_CHECK_BENCH_S:-260} s)"
timeout "${GPU_CHECK_BENCH_S:-260}" "$DENO" run "${FLAGS[@]}" bench/main.ts --only gpu >"$bench_log" 2>&1
bench_rc=$?

{
  echo "# alignsam GPU check, $(date -u +%FT%TZ), $(hostname)"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | sed 's/^/GPU: /'
  grep -h '\[alignsam\] device\|\[alignsam\] tfjs backend\|onnxruntime execution provider' "$tests_log" "$bench_log" | sort -u
  echo
  echo "## agreement with the CPU path (tests/gpu_*_test.ts; exit code $tests_rc)"
  grep -h '^\[gpu agreement\]' "$tests_log" | sed 's/^\[gpu agreement\] /- /'
  grep -E '(ok|FAILED|ignored) \|' "$tests_log" | sed 's/\x1b\[[0-9;]*m//g'
  echo
  echo "## bench rows (deno task bench --only gpu; exit code $bench_rc)"
  if grep -q '^area ' "$bench_log"; then
    sed -n '/^area /,$p' "$bench_log"
  else # cut by the time limit: the rows measured so far
    grep -h '^\[gpu row\]' "$bench_log" | sed 's/^\[gpu row\] /- /'
  fi
  echo
  echo "total $(($(date +%s) - start)) s"
} >"$OUT_FILE"
if ((tests_rc != 0 || bench_rc != 0)); then
  log "a part failed: the logs follow"
  tail -n 40 "$tests_log" "$bench_log" >&2
fi
cat "$OUT_FILE"
rm -f "$tests_log" "$bench_log"
exit $((tests_rc != 0 || bench_rc != 0))
