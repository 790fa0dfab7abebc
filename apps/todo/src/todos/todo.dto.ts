import { Transform } from 'class-transformer';
import { IsBoolean, IsDefined, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

export const DEFAULT_LIST = 'default';
export const MAX_TITLE_LENGTH = 500;

/** Trims strings (TodoMVC trims titles); leaves other types alone so the type check can refuse them. */
const trim = () => Transform(({ value }) => (typeof value === 'string' ? value.trim() : value));

/** `?list=name` on every route: letters, digits, `_`, `-`, `.`; absent = the default list. */
export class ListQuery {
  @Matches(/^[\p{L}\p{N}_.-]{1,64}$/u, { message: 'list must be 1 to 64 letters, digits, "_", "-" or "."' })
  @IsString({ message: 'list must be a string' })
  @IsOptional()
  list?: string;
}

export class CreateTodoDto {
  // class-validator runs a property's rules bottom-up; with stopAtFirstError the lowest failing one speaks.
  @trim()
  @MaxLength(MAX_TITLE_LENGTH, { message: `title must be at most ${MAX_TITLE_LENGTH} characters` })
  @IsNotEmpty({ message: 'title must not be empty' })
  @IsString({ message: 'title must be a string' })
  @IsDefined({ message: 'title is required' })
  title: string;
}

/** Edit a title, toggle, or both; at least one (checked by the service). */
export class UpdateTodoDto {
  @trim()
  @MaxLength(MAX_TITLE_LENGTH, { message: `title must be at most ${MAX_TITLE_LENGTH} characters` })
  @IsNotEmpty({ message: 'title must not be empty' })
  @IsString({ message: 'title must be a string' })
  @IsOptional()
  title?: string;

  @IsBoolean({ message: 'completed must be true or false' })
  @IsOptional()
  completed?: boolean;
}

export class ToggleAllDto {
  @IsBoolean({ message: 'completed must be true or false' })
  @IsDefined({ message: 'completed is required' })
  completed: boolean;
}
