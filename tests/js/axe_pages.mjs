// Open pages in Debian's Chromium (through playwright-core, which never downloads a browser) and
// run axe-core on each, for tests/test_browser.py.
//
//   node tests/js/axe_pages.mjs REQUEST.json
//
// REQUEST.json:
//   {
//     "executable": "/usr/bin/chromium",
//     "args": ["--no-sandbox", ...],              launch flags (the tests' own)
//     "checks": {"wcag21aa": ["wcag2a", ...], ...}  named sets of axe rule tags (runOnly)
//     "pages": [{"url": "...", "width": 1280, "height": 900, "mobile": false, "keyboard": true}]
//   }
//
// Each page is loaded with its real headers (the site's Content-Security-Policy stays in force:
// axe is injected through the DevTools protocol, which the policy does not govern), then axe runs
// once on the whole document with every tag asked for, and each check keeps the rules that carry
// one of its tags. Output, as JSON on stdout:
//   {
//     "axe": axe-core's version,
//     "rules": {check: [id of every rule that ran]},
//     "pages": [{
//       "url", "width", "mobile",
//       "results": {check: {"violations": [{"id", "impact", "tags", "help",
//                                            "nodes": [{"target", "html", "summary"}]}],
//                           "incomplete": [same shape: what axe could not decide],
//                           "passes": [rule ids]}},
//       "names": [{"role", "name", "href", "url", "link"}]: every link and text field as
//                Chromium's accessibility tree names it (what a screen reader reads), with its
//                href attribute, the URL Chromium parsed from it (what a click opens) and
//                data-link,
//       "lang": [{"lang", "text"}]: every text node with the language it is in (nearest lang),
//       "focus": (with "keyboard") every stop of the Tab key from the top of the page:
//                [{"tag", "href", "link", "outlineStyle", "outlineWidth", "outlineColor",
//                  "background", "inView", "visibleHidden"}], and "focusable": how many elements
//                could take focus, "afterSkip": the section holding the element the Tab key
//                reaches after Enter on the first stop, and "skipHiddenUnfocused": whether the
//                skip link (.skip) is out of sight before it has focus (null: no skip link),
//       "requests": [every URL the page asked for, the page itself included],
//       "console": [every console message and page error (a refused resource shows here)]
//     }]
//   }
// Exit status 2 on bad usage; any browser failure is thrown (status 1) with its message.

import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import process from "node:process";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core/axe.min.js");
const AXE_SOURCE = readFileSync(AXE_PATH, "utf8");

function fail(message) {
  process.stderr.write(`axe_pages.mjs: ${message}\n`);
  process.exit(2);
}

if (!process.argv[2]) {
  fail("usage: node axe_pages.mjs REQUEST.json");
}
const request = JSON.parse(readFileSync(process.argv[2], "utf8"));
if (!request.executable || !Array.isArray(request.pages) || typeof request.checks !== "object") {
  fail("REQUEST.json needs executable, checks and pages");
}

function nodes(results) {
  return results.map((rule) => ({
    id: rule.id,
    impact: rule.impact,
    tags: rule.tags,
    help: rule.help,
    nodes: rule.nodes.map((node) => ({
      target: node.target,
      html: node.html,
      summary: node.failureSummary ?? "",
    })),
  }));
}

// What the focused element looks like: its outline, and the first opaque background behind it.
function focused() {
  const element = document.activeElement;
  if (element === null || element === document.body) {
    return null;
  }
  const style = getComputedStyle(element);
  let background = "rgba(0, 0, 0, 0)";
  for (let node = element.parentElement; node !== null; node = node.parentElement) {
    const color = getComputedStyle(node).backgroundColor;
    if (color !== "rgba(0, 0, 0, 0)" && color !== "transparent") {
      background = color;
      break;
    }
  }
  const rect = element.getBoundingClientRect();
  return {
    tag: element.tagName.toLowerCase(),
    href: element.getAttribute("href"),
    link: element.getAttribute("data-link"),
    outlineStyle: style.outlineStyle,
    outlineWidth: style.outlineWidth,
    outlineColor: style.outlineColor,
    background,
    inView:
      rect.width > 1 &&
      rect.height > 1 &&
      rect.bottom > 0 &&
      rect.right > 0 &&
      rect.top < innerHeight &&
      rect.left < innerWidth,
  };
}

function focusable() {
  return document.querySelectorAll("a[href], input, summary, button, select, textarea").length;
}

// Every text node (not in head, style or script) with the language it is in.
function languages() {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    const text = node.nodeValue.trim();
    if (text) {
      const holder = node.parentElement.closest("[lang]");
      out.push({ lang: holder === null ? "" : holder.getAttribute("lang"), text });
    }
  }
  return out;
}

async function names(page, cdp) {
  await cdp.send("Accessibility.enable");
  const { nodes } = await cdp.send("Accessibility.getFullAXTree");
  const out = [];
  for (const node of nodes) {
    const role = node.role?.value;
    if ((role !== "link" && role !== "textbox") || node.backendDOMNodeId === undefined) {
      continue;
    }
    const { object } = await cdp.send("DOM.resolveNode", { backendNodeId: node.backendDOMNodeId });
    const { result } = await cdp.send("Runtime.callFunctionOn", {
      objectId: object.objectId,
      functionDeclaration:
        "function () { return [this.getAttribute('href'), this.href ?? null, " +
        "this.getAttribute('data-link')]; }",
      returnByValue: true,
    });
    const [href, url, link] = result.value;
    out.push({ role, name: node.name?.value ?? "", href, url, link });
  }
  return out;
}

async function keyboard(page) {
  const stops = [];
  const count = await page.evaluate(focusable);
  for (let index = 0; index <= count; index += 1) {
    await page.keyboard.press("Tab");
    const stop = await page.evaluate(focused);
    if (stop === null) {
      break; // past the last element, focus leaves the document
    }
    stops.push(stop);
  }
  await page.reload({ waitUntil: "load" });
  const hidden = await page.evaluate(() => {
    const skip = document.querySelector(".skip");
    if (skip === null) {
      return null;
    }
    const rect = skip.getBoundingClientRect();
    return rect.bottom <= 0 || rect.right <= 0 || rect.width <= 1 || rect.height <= 1;
  });
  if (hidden === null) {
    return { focus: stops, focusable: count, afterSkip: null, skipHiddenUnfocused: null };
  }
  await page.keyboard.press("Tab");
  await page.keyboard.press("Enter");
  await page.keyboard.press("Tab");
  const afterSkip = await page.evaluate(
    () => document.activeElement?.closest("section")?.id ?? null,
  );
  return { focus: stops, focusable: count, afterSkip, skipHiddenUnfocused: hidden };
}

const browser = await chromium.launch({
  executablePath: request.executable,
  args: request.args ?? [],
  headless: true,
});
const output = { axe: null, rules: {}, pages: [] };
try {
  for (const item of request.pages) {
    const context = await browser.newContext({
      viewport: { width: item.width, height: item.height },
      isMobile: Boolean(item.mobile),
      hasTouch: Boolean(item.mobile),
      deviceScaleFactor: 1,
      locale: item.locale ?? "ko-KR",
    });
    const page = await context.newPage();
    const requests = [];
    const messages = [];
    page.on("request", (req) => requests.push(req.url()));
    page.on("console", (message) => messages.push(`${message.type()}: ${message.text()}`));
    page.on("pageerror", (error) => messages.push(`pageerror: ${error.message}`));
    const response = await page.goto(item.url, { waitUntil: "load" });
    if (response === null || (response.status() !== 200 && response.status() !== 0)) {
      throw new Error(`${item.url}: HTTP ${response === null ? "no response" : response.status()}`);
    }
    await page.evaluate(AXE_SOURCE);
    // One run of every rule asked for; each check then keeps the rules that carry its tags.
    const all = [...new Set(Object.values(request.checks).flat())];
    const found = await page.evaluate(
      (values) => window.axe.run(document, { runOnly: { type: "tag", values } }),
      all,
    );
    output.axe ??= found.testEngine.version;
    const results = {};
    for (const [check, tags] of Object.entries(request.checks)) {
      const mine = (rule) => rule.tags.some((tag) => tags.includes(tag));
      if (output.rules[check] === undefined) {
        const ran = [...found.violations, ...found.passes, ...found.incomplete, ...found.inapplicable];
        output.rules[check] = [...new Set(ran.filter(mine).map((rule) => rule.id))].sort();
      }
      results[check] = {
        violations: nodes(found.violations.filter(mine)),
        incomplete: nodes(found.incomplete.filter(mine)),
        passes: found.passes.filter(mine).map((rule) => rule.id),
      };
    }
    const cdp = await context.newCDPSession(page);
    const entry = {
      url: item.url,
      width: item.width,
      mobile: Boolean(item.mobile),
      results,
      names: await names(page, cdp),
      lang: await page.evaluate(languages),
      requests,
      console: messages,
    };
    if (item.keyboard) {
      Object.assign(entry, await keyboard(page));
    }
    output.pages.push(entry);
    await context.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(`${JSON.stringify(output)}\n`);
