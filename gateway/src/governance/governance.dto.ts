import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  buildMessage,
  type ValidationOptions,
} from 'class-validator';

/** A calendar day, `YYYY-MM-DD`. */
export const DAY_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
/** A month, `YYYY-MM` (honour periods). */
export const PERIOD_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
/** An instant in RFC 3339 form with an explicit offset, e.g. `2026-06-01T19:30:00+08:00`. */
export const INSTANT_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
/** A portfolio key such as `flowers`, `water_resources`. */
export const PORTFOLIO_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;

function isDay(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  const m = DAY_PATTERN.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCDate() === Number(m[3]);
}

/** `YYYY-MM-DD`, and a day that exists (no 2026-02-30). */
export function IsDay(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDay',
      validator: {
        validate: isDay,
        defaultMessage: buildMessage((each) => `${each}$property must be a date YYYY-MM-DD`, options),
      },
    },
    options,
  );
}

/** `YYYY-MM`. */
export function IsPeriod(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPeriod',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && PERIOD_PATTERN.test(value),
        defaultMessage: buildMessage((each) => `${each}$property must be a month YYYY-MM`, options),
      },
    },
    options,
  );
}

/** An RFC 3339 date-time with an offset (a time without one would depend on the server's zone). */
export function IsInstant(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isInstant',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && INSTANT_PATTERN.test(value) && !Number.isNaN(Date.parse(value)),
        defaultMessage: buildMessage(
          (each) => `${each}$property must be a date-time with an offset, e.g. 2026-06-01T19:30:00+08:00`,
          options,
        ),
      },
    },
    options,
  );
}

/** `/nodes/:nodeId/…`: the division node a governance list is scoped to. */
export class ScopeNodeParams {
  @ApiProperty({
    format: 'uuid',
    description: 'A node of the division tree (community, village, compound …)',
  })
  @IsUUID()
  nodeId: string;
}

/** `/committees/:id/seats/:seatId/…` */
export class SeatParams {
  @ApiProperty({ format: 'uuid', description: 'The committee' })
  @IsUUID()
  id: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  seatId: string;
}

/** `?limit=&cursor=` of a governance list; the cursor is opaque (pass back what the previous page gave). */
export class CursorPageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 200, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  cursor?: string;
}
