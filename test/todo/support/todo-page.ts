import type { Page } from 'playwright-core';

/** What a page shows: each visible todo as "title", or "✓ title" when completed. */
export function shown(page: Page): Promise<string[]> {
  return page.$$eval('.todo-list li', (items) =>
    items.map((li) => (li.classList.contains('completed') ? '✓ ' : '') + (li.querySelector('label')?.textContent ?? '')),
  );
}

/**
 * Waits until `page` shows exactly `expected`, at most `withinMs`; returns how long it took.
 * On timeout, fails with what the page shows instead.
 */
export async function expectShown(page: Page, expected: string[], withinMs = 1000, since = Date.now()): Promise<number> {
  try {
    await page.waitForFunction(
      (want) =>
        JSON.stringify(
          Array.from(document.querySelectorAll('.todo-list li')).map(
            (li) => (li.classList.contains('completed') ? '✓ ' : '') + (li.querySelector('label')?.textContent ?? ''),
          ),
        ) === want,
      JSON.stringify(expected),
      { polling: 10, timeout: Math.max(1, withinMs - (Date.now() - since)) },
    );
  } catch {
    throw new Error(`${page.url()} did not show ${JSON.stringify(expected)} within ${withinMs} ms; it shows ${JSON.stringify(await shown(page))}`);
  }
  return Date.now() - since;
}

/** The connection indicator's state: connecting | connected | reconnecting | offline. */
export function connectionState(page: Page): Promise<string | null> {
  return page.getAttribute('.connection', 'data-state');
}

export async function waitForConnection(page: Page, state: string, timeoutMs = 10000): Promise<void> {
  try {
    await page.waitForSelector(`.connection[data-state="${state}"]`, { timeout: timeoutMs, state: 'attached' });
  } catch {
    throw new Error(`${page.url()} did not show "${state}" within ${timeoutMs} ms; it shows "${await connectionState(page)}"`);
  }
}

/** TodoMVC gestures. */
export const todo = {
  async add(page: Page, title: string): Promise<void> {
    await page.fill('.new-todo', title);
    await page.press('.new-todo', 'Enter');
  },
  item(page: Page, title: string) {
    return page.locator('.todo-list li', { has: page.locator('label', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) });
  },
  async edit(page: Page, title: string, newTitle: string, key: 'Enter' | 'Escape' = 'Enter'): Promise<void> {
    const item = todo.item(page, title);
    await item.locator('label').dblclick();
    await item.locator('.edit').fill(newTitle);
    await item.locator('.edit').press(key);
  },
  async toggle(page: Page, title: string): Promise<void> {
    await todo.item(page, title).locator('.toggle').click();
  },
  async toggleAll(page: Page): Promise<void> {
    // The checkbox is invisible (TodoMVC style); its label is what users click.
    await page.click('label[for="toggle-all"]');
  },
  async destroy(page: Page, title: string): Promise<void> {
    const item = todo.item(page, title);
    await item.hover();
    await item.locator('.destroy').click();
  },
  async clearCompleted(page: Page): Promise<void> {
    await page.click('.clear-completed');
  },
};

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
