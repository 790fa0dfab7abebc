import { Logger } from '@nestjs/common';
import { startTodoApp } from './todo-app';
import { optionsFromEnv } from './todo-options';

/** `npm start` (scripts/start-todo.js) runs this: the ToDo demo on http://localhost:3000 (PORT overrides). */
async function main(): Promise<void> {
  const running = await startTodoApp(optionsFromEnv());
  // Ctrl-C / SIGTERM: close sockets and the database cleanly.
  running.app.enableShutdownHooks();
  // One plain line, easy to spot (and for scripts/tests to parse).
  process.stdout.write(`\nSnorky ToDo demo running at ${running.url}  (open it in two windows; ?list=name for another list)\n\n`);
}

main().catch((err) => {
  new Logger('TodoDemo').error(err instanceof Error ? err.stack : String(err));
  process.exit(1);
});
