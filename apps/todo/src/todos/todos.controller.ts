import { Body, Controller, Delete, Get, Headers, HttpCode, Param, ParseIntPipe, Patch, Post, Query, Res, BadRequestException } from '@nestjs/common';
import type { Response } from 'express';
import type { TodoJson } from '../database/todo.entity';
import { CreateTodoDto, DEFAULT_LIST, ListQuery, ToggleAllDto, UpdateTodoDto } from './todo.dto';
import { TodosService } from './todos.service';

export const SUBSCRIPTION_TOKEN_HEADER = 'X-Subscription-Token';

const idPipe = new ParseIntPipe({ exceptionFactory: () => new BadRequestException('id must be an integer') });
const listOf = (query: ListQuery) => query.list ?? DEFAULT_LIST;

/**
 * The REST API of the demo. Every route takes `?list=name` (default list otherwise); a todo is
 * only reachable through its own list.
 */
@Controller('api/todos')
export class TodosController {
  constructor(private readonly todos: TodosService) {}

  /** `X-Snorky: Subscribe` also returns a DataSync token for the list in `X-Subscription-Token`. */
  @Get()
  async list(
    @Query() query: ListQuery,
    @Headers('x-snorky') snorky: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<TodoJson[]> {
    const subscribe = typeof snorky === 'string' && snorky.trim().toLowerCase() === 'subscribe';
    const { todos, token } = await this.todos.list(listOf(query), subscribe);
    res.setHeader('Cache-Control', 'no-store');
    if (token !== undefined) res.setHeader(SUBSCRIPTION_TOKEN_HEADER, token);
    return todos;
  }

  @Post()
  create(@Query() query: ListQuery, @Body() dto: CreateTodoDto): Promise<TodoJson> {
    return this.todos.create(listOf(query), dto);
  }

  @Post('toggle-all')
  @HttpCode(200)
  toggleAll(@Query() query: ListQuery, @Body() dto: ToggleAllDto): Promise<{ updated: number }> {
    return this.todos.toggleAll(listOf(query), dto);
  }

  @Post('clear-completed')
  @HttpCode(200)
  clearCompleted(@Query() query: ListQuery): Promise<{ deleted: number }> {
    return this.todos.clearCompleted(listOf(query));
  }

  /** Edit the title and/or toggle. */
  @Patch(':id')
  update(@Param('id', idPipe) id: number, @Query() query: ListQuery, @Body() dto: UpdateTodoDto): Promise<TodoJson> {
    return this.todos.update(listOf(query), id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id', idPipe) id: number, @Query() query: ListQuery): Promise<void> {
    return this.todos.remove(listOf(query), id);
  }
}
