/**
 * Headless Chromium for the dashboard tests: Debian's `chromium` (scripts/bootstrap.sh --all
 * installs it) driven by playwright-core, and screenshots kept under tests/dashboard/artifacts/
 * (gitignored) as test artifacts.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** Where screenshots go. */
export const ARTIFACTS_DIR = fileURLToPath(new URL('../artifacts/', import.meta.url));

/** Whether the browser is installed; the tests say how to get it when not. */
export const chromiumInstalled = (): boolean => existsSync(CHROMIUM_PATH);

export async function launchChromium(): Promise<Browser> {
  if (!chromiumInstalled()) throw new Error(`no Chromium at ${CHROMIUM_PATH}: run 'bash scripts/bootstrap.sh --all' (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}

/** A full-page screenshot into the artifacts folder; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(ARTIFACTS_DIR, { recursive: true });
  const path = `${ARTIFACTS_DIR}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The canvas API the pixel count uses (tests/ compile without the DOM library). */
interface CanvasLike {
  width: number;
  height: number;
  getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } } | null;
}

/**
 * How many pixels of a canvas have about the colour `hex` (each channel within `tolerance`): a
 * chart's series drawn in its own colour, which axes and grid lines never have.
 */
export async function pixelsOfColour(page: Page, selector: string, hex: string, tolerance = 24): Promise<number> {
  const rgb = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
  return page.$eval(
    selector,
    (element: unknown, [target, within]: [number[], number]) => {
      const canvas = element as CanvasLike;
      const context = canvas.getContext('2d');
      if (context === null || canvas.width === 0 || canvas.height === 0) return 0;
      const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
      let count = 0;
      for (let i = 0; i < data.length; i += 4) {
        if ((data[i + 3] ?? 0) < 200) continue;
        if ([0, 1, 2].every((c) => Math.abs((data[i + c] ?? 0) - (target[c] ?? 0)) <= within)) count += 1;
      }
      return count;
    },
    [rgb, tolerance] as [number[], number],
  );
}
