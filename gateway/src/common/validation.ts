import { BadRequestException, ValidationPipe, type ValidationError } from '@nestjs/common';

function flatten(errors: ValidationError[], parent = ''): Array<{ field: string; description: string }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((description) => ({ field, description }));
    return [...own, ...flatten(e.children ?? [], field)];
  });
}

/** Validates every body, query and path against its DTO; unknown properties are rejected, not ignored. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    transform: true,
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    exceptionFactory: (errors) =>
      new BadRequestException({ code: 'INVALID_ARGUMENT', errors: flatten(errors) }),
  });
}
