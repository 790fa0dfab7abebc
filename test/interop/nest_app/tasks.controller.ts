import { Body, Controller, Delete, Get, HttpCode, Inject, NotFoundException, Param, ParseIntPipe, Patch, Post, Query, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { DataSource, Repository } from 'typeorm';
import { SnorkyBackend, subscribeIfRequested } from '@snorky/backend';
import { SNORKY_BACKEND } from './tokens';
import { Task } from './task.entity';

type TaskInput = Partial<Pick<Task, 'title' | 'completed' | 'owner'>>;

/** Only the fields a client may set. */
function taskInput(body: Record<string, unknown>): TaskInput {
  const input: TaskInput = {};
  if (typeof body.title === 'string') input.title = body.title;
  if (typeof body.completed === 'boolean') input.completed = body.completed;
  if (typeof body.owner === 'string' || body.owner === null) input.owner = body.owner as string | null;
  return input;
}

/** REST endpoints for tasks; the list answers `X-Snorky: Subscribe` with a subscription token. */
@Controller('tasks')
export class TasksController {
  private readonly tasks: Repository<Task>;

  constructor(
    @Inject(SNORKY_BACKEND) private readonly snorky: SnorkyBackend,
    dataSource: DataSource,
  ) {
    this.tasks = dataSource.getRepository(Task);
  }

  /** GET /tasks subscribes to AllTasks; ?owner=x lists and subscribes to one owner's tasks (TasksByOwner). */
  @Get()
  list(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Query('owner') owner?: string,
    @Query('hold') hold?: string,
  ): Promise<Task[]> {
    const items = owner !== undefined ? [{ dealer: 'TasksByOwner', query: owner }] : [{ dealer: 'AllTasks', query: null }];
    return subscribeIfRequested(this.snorky, req, res, items, async () => {
      const rows = await this.tasks.find({ where: owner !== undefined ? { owner } : {}, order: { id: 'ASC' } });
      // Test-only knob: hold after the query so the interop test can commit a change in the
      // window between the query and the response.
      if (hold) await new Promise((resolve) => setTimeout(resolve, Number(hold) * 1000));
      return rows;
    });
  }

  @Post()
  create(@Body() body: Record<string, unknown>): Promise<Task> {
    return this.tasks.save(this.tasks.create(taskInput(body)));
  }

  @Patch(':id')
  async update(@Param('id', ParseIntPipe) id: number, @Body() body: Record<string, unknown>): Promise<Task> {
    const task = await this.find(id);
    Object.assign(task, taskInput(body));
    return this.tasks.save(task);
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(@Param('id', ParseIntPipe) id: number): Promise<void> {
    await this.tasks.remove(await this.find(id));
  }

  private async find(id: number): Promise<Task> {
    const task = await this.tasks.findOneBy({ id });
    if (!task) throw new NotFoundException(`no task ${id}`);
    return task;
  }
}
