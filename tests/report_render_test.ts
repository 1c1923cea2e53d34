/**
 * The published report opens offline in headless Chromium: every chart container holds an SVG
 * with marks, no console errors, no request other than file:/data:, a missing cell shows its
 * reason, and a PNG screenshot is saved (REPORT_SCREENSHOT names where to copy it).
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { publishReport } from "../reports/publish.ts";
import { SYNTHETIC_PROVENANCE, syntheticReportInput } from "../reports/synthetic.ts";

const CHROMIUM = Deno.env.get("CHROMIUM_PATH") ?? "/usr/bin/chromium";
const hasChromium = (() => {
  try {
    return Deno.statSync(CHROMIUM).isFile;
  } catch {
    return false;
  }
})();
if (!hasChromium) {
  console.error(`[tests] report render: no Chromium at ${CHROMIUM} (apt-get install chromium)`);
}

Deno.test({
  name: "report.html renders every chart offline in headless Chromium",
  ignore: !hasChromium && Deno.env.get("CI") !== "true",
  sanitizeResources: false,
  sanitizeOps: false,
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "alignsam-report-" });
    const { html } = await publishReport(await syntheticReportInput(), dir, SYNTHETIC_PROVENANCE);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(m.text());
      });
      page.on("pageerror", (e) => errors.push(String(e)));
      page.on("request", (r) => requests.push(r.url()));
      await page.goto(`file://${html}`);
      await page.waitForFunction(
        "[...document.querySelectorAll('.chart')].every((el) => el.getAttribute('data-rendered') !== null)",
        undefined,
        { timeout: 30_000 },
      );
      const charts = await page.$$eval(".chart", (els) =>
        els.map((el) => ({
          id: el.id,
          state: el.getAttribute("data-rendered"),
          marks:
            el.querySelectorAll("svg .mark-symbol path, svg .mark-line path, svg .mark-rule line").length,
        })));
      // 7 tables + Fig. 2 (T, E) + training (return, FR)
      assert.deepEqual(charts.length, 11, JSON.stringify(charts));
      for (const c of charts) {
        assert.deepEqual(c.state, "1", `${c.id} did not render`);
        assert.ok(c.marks > 0, `${c.id} has no marks`);
      }
      assert.deepEqual(errors, []);
      const foreign = requests.filter((u) => !u.startsWith("file:") && !u.startsWith("data:"));
      assert.deepEqual(foreign, []);
      // supp. Table 3's RL+SCLIP row is missing with the report stage's reason.
      const sclip = await page.$eval(
        "#supp-3 table tr:nth-child(2)",
        (tr) => tr.textContent ?? "",
      );
      assert.ok(sclip.includes("RL+SCLIP") && sclip.includes("needs CLIP weights"), sclip);
      // Hovering one of our dots shows the seeds' values (vega's default handler sets the title).
      let tip = "";
      for (const dot of await page.$$("#chart-supp-4 .mark-symbol.role-mark path")) {
        await dot.hover({ force: true });
        tip = (await page.getAttribute("#chart-supp-4", "title")) ?? "";
        if (tip.includes("source: ours")) break;
      }
      assert.match(
        tip,
        /source: ours\nvalue: \d+\.\d\d ± \d+\.\d\d \[seed 0: \d+\.\d\d, seed 1: \d+\.\d\d\]/,
      );
      // weight-free segmenter is flagged prominently.
      assert.ok((await page.textContent(".banner"))?.includes("weight-free (not SAM)"));
      // Fig. 1: one strip with image, GT and three steps, points drawn.
      assert.deepEqual(await page.$$eval("svg.strip image", (els) => els.length), 5);
      assert.deepEqual(await page.$$eval("svg.strip g.pt", (els) => els.length), 2 + 3 + 4);
      const png = join(dir, "report.png");
      await page.screenshot({ path: png, fullPage: true });
      assert.ok((await Deno.stat(png)).size > 10_000);
      const copy = Deno.env.get("REPORT_SCREENSHOT");
      if (copy) await Deno.copyFile(png, copy);
      console.log(`screenshot: ${png}`);
    } finally {
      await browser.close();
    }
  },
});
